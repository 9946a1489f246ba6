// Packed small collections: the idea of Redis's listpack in a V8 string.
//
// A small hash, sorted set or intset keeps all its elements in ONE latin1
// string (a V8 SeqOneByteString: a 16-byte header plus one byte a char)
// instead of an object holding arrays of separate strings (each string ~24+
// bytes, each array slot 8). Reads scan the string; writes build a new one
// (the collection is small: at most the *-max-listpack-entries / intset
// thresholds, 128 / 512 by default). The formats are private to each type
// (hash.ts, zset.ts, set.ts); this module holds the shared pieces:
//
//  - a length header: 7 bits a char, low bits first, 0x80 set on every char
//    but the last, so lengths below 128 (every entry under the default
//    *-max-listpack-value of 64) take one char;
//  - build(): concatenation into a flat string (Array.prototype.join builds a
//    sequential string directly; `a + b` would leave a ConsString tree that
//    costs far more memory until something flattens it);
//  - copies of parts that will be stored elsewhere: String.prototype.slice
//    returns a SlicedString (for 13+ chars) that keeps the whole packed
//    string alive, which is fine for a reply but not for a value that outlives
//    it (conversion to the big encoding, arrays handed to other values), so
//    those go through a scratch Buffer (latin1Slice always makes a fresh
//    string).

/** One-char strings 0..255 (the single-character string table: no allocation). */
const ONE: string[] = [];
for (let i = 0; i < 256; i++) ONE.push(String.fromCharCode(i));

/** The length header of an entry of `len` bytes. */
export function lenHeader(len: number): string {
  if (len < 128) return ONE[len];
  let s = '';
  while (len >= 128) {
    s += ONE[(len & 127) | 128];
    len = Math.floor(len / 128);
  }
  return s + ONE[len];
}

/** Chars taken by the header of a length. */
export function headerSize(len: number): number {
  let n = 1;
  while (len >= 128) {
    len = Math.floor(len / 128);
    n++;
  }
  return n;
}

/** The length stored by the (multi-char) header at p; call when the first char is >= 128. */
export function readLongLen(s: string, p: number): number {
  let len = 0;
  let mul = 1;
  for (;;) {
    const c = s.charCodeAt(p++);
    len += (c & 127) * mul;
    if (c < 128) return len;
    mul *= 128;
  }
}

/** A flat (sequential) string of the parts. */
export function build(parts: string[]): string {
  return parts.join('');
}

let scratch = Buffer.allocUnsafeSlow(1024);

/**
 * Prepare detached copies of parts of `s`: returns a Buffer holding s's bytes
 * at [0, s.length), valid until the next call; take parts with latin1Slice.
 */
export function detach(s: string): Buffer {
  if (scratch.length < s.length) {
    // A rare huge collection (raised thresholds) gets a buffer of its own, not a huge scratch kept forever.
    if (s.length > 1 << 20) {
      const b = Buffer.allocUnsafeSlow(s.length);
      b.latin1Write(s, 0, s.length);
      return b;
    }
    scratch = Buffer.allocUnsafeSlow(Math.max(s.length, scratch.length * 2));
  }
  scratch.latin1Write(s, 0, s.length);
  return scratch;
}

/** A sequential copy of s (a slice would keep its parent alive). */
export function flat(s: string): string {
  if (s.length < 13) return s; // V8 copies short substrings anyway (SlicedString::kMinLength)
  const b = detach(s);
  return b.latin1Slice(0, s.length);
}

/** s without its chars [a, b), as a flat string. */
export function cut(s: string, a: number, b: number): string {
  if (a === 0) return b === s.length ? '' : flat(s.slice(b));
  if (b === s.length) return flat(s.slice(0, a));
  return build([s.slice(0, a), s.slice(b)]);
}

/** One char for a byte value. */
export function char(b: number): string {
  return ONE[b];
}

/** The text of the entry whose header starts at p. */
export function entryText(lp: string, p: number): string {
  const c = lp.charCodeAt(p);
  if (c < 128) return lp.slice(p + 1, p + 1 + c);
  const len = readLongLen(lp, p);
  const s = p + headerSize(len);
  return lp.slice(s, s + len);
}
