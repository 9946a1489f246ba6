// The hash value (t_hash.c's object), in Redis 7.0's two encodings:
//
//   listpack  (ht === null): every field and value packed in order into ONE
//             latin1 string `lp` (packed.ts): field, value, field, value ...,
//             each entry a length header then its bytes, in insertion order;
//             lookups scan it, writes build a new string, a removal keeps the
//             order, exactly as Redis's listpack, so HGETALL, HKEYS, HSCAN ...
//             answer in Redis's order. `n` counts the fields.
//   hashtable (ht !== null): fields and values as strings in two dense arrays
//             with a Map field -> slot; a removal moves the last slot into the
//             hole, so every operation is O(1) and HRANDFIELD draws from the
//             dense arrays.
//
// A hash starts as listpack and converts to hashtable (never back) when it
// gets more than hash-max-listpack-entries fields or a field or value longer
// than hash-max-listpack-value bytes, as in Redis 7.0. Field TTLs (KeyDB
// EXPIREMEMBER) live in `memberExpires` (subkey_expire.ts).

import type { MemberHost } from '../subkey_expire.ts';
import { MemberExpires, forgetMemberExpire, encodeMemberExpires, decodeMemberExpires, cloneMemberExpires } from '../subkey_expire.ts';
import { registerValueCodec, ValueCodecError } from '../value_codec.ts';
import type { TypedValue } from '../keyspace.ts';
import { MemberIndex } from './member_index.ts';
import { lenHeader, headerSize, readLongLen, build, cut, detach, entryText } from './packed.ts';

/** Fields and values in slot order (two parallel arrays). */
export interface HashPairs {
  readonly keys: string[];
  readonly vals: string[];
}

/** The hashtable encoding: dense arrays plus field -> slot. */
export class HashTable implements HashPairs {
  readonly keys: string[];
  readonly vals: string[];
  readonly index: MemberIndex;

  constructor(keys: string[], vals: string[]) {
    this.keys = keys;
    this.vals = vals;
    this.index = new MemberIndex(keys);
  }
}

// ---- the packed listpack ---------------------------------------------------------------

/** Offset just past the entry (header + bytes) starting at p. */
function skipEntry(lp: string, p: number): number {
  const c = lp.charCodeAt(p);
  if (c < 128) return p + 1 + c;
  const len = readLongLen(lp, p);
  return p + headerSize(len) + len;
}

/** The bytes of the entry at p (a slice: for replies and other short-lived uses). */
/** Offset of field's entry, -1 when absent. */
function findField(lp: string, field: string): number {
  const end = lp.length;
  const fl = field.length;
  const last = fl === 0 ? -1 : field.charCodeAt(fl - 1);
  let p = 0;
  while (p < end) {
    let len = lp.charCodeAt(p);
    let h = 1;
    if (len >= 128) {
      len = readLongLen(lp, p);
      h = headerSize(len);
    }
    if (len === fl && (last < 0 || lp.charCodeAt(p + h + fl - 1) === last) && lp.startsWith(field, p + h)) return p;
    p += h + len;
    len = lp.charCodeAt(p);
    if (len < 128) p += 1 + len;
    else {
      len = readLongLen(lp, p);
      p += headerSize(len) + len;
    }
  }
  return -1;
}

/** Decode a listpack into arrays; `copy`: detached strings (to be stored), else slices. */
function unpack(lp: string, n: number, copy: boolean): HashPairs {
  const keys: string[] = new Array(n);
  const vals: string[] = new Array(n);
  const b = copy ? detach(lp) : null;
  let p = 0;
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < 2; k++) {
      let len = lp.charCodeAt(p);
      let h = 1;
      if (len >= 128) {
        len = readLongLen(lp, p);
        h = headerSize(len);
      }
      const s = p + h;
      p = s + len;
      const text = b !== null ? b.latin1Slice(s, p) : lp.slice(s, p);
      if (k === 0) keys[i] = text;
      else vals[i] = text;
    }
  }
  return { keys, vals };
}

/** A listpack holding the pairs. */
function pack(keys: string[], vals: string[]): string {
  const parts: string[] = new Array(keys.length * 4);
  for (let i = 0, j = 0; i < keys.length; i++) {
    parts[j++] = lenHeader(keys[i].length);
    parts[j++] = keys[i];
    parts[j++] = lenHeader(vals[i].length);
    parts[j++] = vals[i];
  }
  return build(parts);
}

export class HashValue implements MemberHost {
  // On the prototype (below): one pointer less in every hash.
  declare readonly type: 'hash';
  /** listpack encoding: the packed entries ('' in hashtable encoding). */
  lp = '';
  /** listpack encoding: number of fields. */
  n = 0;
  /** hashtable encoding; null while listpack-encoded. */
  ht: HashTable | null = null;
  memberExpires: MemberExpires | null = null;

  get size(): number {
    return this.ht === null ? this.n : this.ht.keys.length;
  }

  get isListpack(): boolean {
    return this.ht === null;
  }

  encoding(): string {
    return this.ht === null ? 'listpack' : 'hashtable';
  }

  get(field: string): string | undefined {
    const ht = this.ht;
    if (ht !== null) {
      const i = ht.index.get(field);
      return i < 0 ? undefined : ht.vals[i];
    }
    const lp = this.lp;
    const p = findField(lp, field);
    return p < 0 ? undefined : entryText(lp, skipEntry(lp, p));
  }

  has(field: string): boolean {
    return this.ht !== null ? this.ht.index.has(field) : findField(this.lp, field) >= 0;
  }

  /**
   * Set field to value; true when the field is new. A listpack hash converts
   * first when field or value is longer than maxValue, and after the insert
   * when it holds more than maxEntries fields.
   */
  set(field: string, value: string, maxEntries: number, maxValue: number): boolean {
    if (this.ht === null) {
      if (field.length > maxValue || value.length > maxValue) this.convert();
      else {
        const lp = this.lp;
        const p = findField(lp, field);
        if (p >= 0) {
          const vs = skipEntry(lp, p);
          const ve = skipEntry(lp, vs);
          if (ve - vs - headerSize(value.length) !== value.length || !lp.startsWith(value, ve - value.length)) {
            this.lp = build([lp.slice(0, vs), lenHeader(value.length), value, lp.slice(ve)]);
          }
          return false;
        }
        this.lp = build([lp, lenHeader(field.length), field, lenHeader(value.length), value]);
        if (++this.n > maxEntries) this.convert();
        return true;
      }
    }
    const ht = this.ht!;
    const i = ht.index.get(field);
    if (i >= 0) {
      ht.vals[i] = value;
      return false;
    }
    ht.keys.push(field);
    ht.vals.push(value);
    ht.index.add(field, ht.keys.length - 1);
    return true;
  }

  /** Remove field; true when it was there. */
  delete(field: string): boolean {
    const ht = this.ht;
    if (ht === null) {
      const lp = this.lp;
      const p = findField(lp, field);
      if (p < 0) return false;
      this.lp = cut(lp, p, skipEntry(lp, skipEntry(lp, p)));
      this.n--;
    } else {
      const i = ht.index.delete(field);
      if (i < 0) return false;
      const keys = ht.keys;
      const vals = ht.vals;
      const last = keys.length - 1;
      if (i !== last) {
        keys[i] = keys[last];
        vals[i] = vals[last];
        ht.index.move(keys[i], last, i);
      }
      keys.pop();
      vals.pop();
    }
    if (this.memberExpires !== null) forgetMemberExpire(this, field);
    return true;
  }

  /** The field at a slot (0 <= i < size): listpack order or the hashtable's slots. */
  fieldAt(i: number): string {
    if (this.ht !== null) return this.ht.keys[i];
    const lp = this.lp;
    let p = 0;
    for (let k = 0; k < i; k++) p = skipEntry(lp, skipEntry(lp, p));
    return entryText(lp, p);
  }

  /**
   * Every field and value by slot. Hashtable: the live arrays (read only, and
   * only until the next change); listpack: fresh arrays of slices (short-lived use).
   */
  pairs(): HashPairs {
    return this.ht !== null ? this.ht : unpack(this.lp, this.n, false);
  }

  convert(): void {
    if (this.ht !== null) return;
    const p = unpack(this.lp, this.n, true);
    this.ht = new HashTable(p.keys, p.vals);
    this.lp = '';
    this.n = 0;
  }

  // MemberHost
  hasMember(field: string): boolean {
    return this.has(field);
  }

  removeMember(field: string): boolean {
    return this.delete(field);
  }

  memberCount(): number {
    return this.size;
  }

  /** Rough bytes (MEMORY USAGE). */
  /** The hashtable encoding's index (Keyspace.prefetch), null in the compact encoding. */
  memberIndex(): MemberIndex | null {
    return this.ht !== null ? this.ht.index : null;
  }

  memoryUsage(samples: number): number {
    const ht = this.ht;
    if (ht === null) return 56 + 16 + ((this.lp.length + 7) & ~7);
    const n = ht.keys.length;
    if (n === 0) return 48;
    const k = Math.min(n, samples > 0 ? samples : n);
    let bytes = 0;
    for (let i = 0; i < k; i++) bytes += strBytes(ht.keys[i]) + strBytes(ht.vals[i]);
    const per = bytes / k + 16 + 32;
    return Math.round(64 + per * n);
  }
}

Object.defineProperty(HashValue.prototype, 'type', { value: 'hash', enumerable: true });

function strBytes(s: string): number {
  return 16 + ((s.length + 7) & ~7);
}

/** A hash holding the given pairs, listpack unless `hashtable` (no threshold checks: for values known to fit). */
export function hashFromPairs(keys: string[], vals: string[], hashtable: boolean): HashValue {
  const h = new HashValue();
  if (hashtable) h.ht = new HashTable(keys, vals);
  else {
    h.lp = pack(keys, vals);
    h.n = keys.length;
  }
  return h;
}

// ---- codec (cross-shard RENAME / COPY) ----------------------------------------------
// Body: 'l' or 'h' (encoding), count ';', then len ':' field len ':' value per
// pair, then the member expires (subkey_expire.ts) if any.

function encodeHash(v: TypedValue): string {
  const h = v as HashValue;
  const { keys, vals } = h.pairs();
  const parts: string[] = [(h.ht === null ? 'l' : 'h') + keys.length + ';'];
  for (let i = 0; i < keys.length; i++) parts.push(keys[i].length + ':' + keys[i] + vals[i].length + ':' + vals[i]);
  parts.push(encodeMemberExpires(h));
  return parts.join('');
}

/** The chunk (len ':' bytes) at pos: its bytes start and end, in CHUNK. */
function readChunk(body: string, pos: number): number {
  const colon = body.indexOf(':', pos);
  if (colon < 0) throw new ValueCodecError('malformed hash payload');
  const len = Number(body.slice(pos, colon));
  const end = colon + 1 + len;
  if (!(len >= 0) || end > body.length) throw new ValueCodecError('malformed hash payload');
  CHUNK_START = colon + 1;
  return end;
}

let CHUNK_START = 0;

function decodeHash(body: string): TypedValue {
  const enc = body.charCodeAt(0);
  const semi = body.indexOf(';');
  if ((enc !== 108 && enc !== 104) || semi < 0) throw new ValueCodecError('malformed hash payload');
  const n = Number(body.slice(1, semi));
  if (!(n >= 0)) throw new ValueCodecError('malformed hash payload');
  const keys: string[] = new Array(n);
  const vals: string[] = new Array(n);
  // Detached copies: slices of the payload would keep all of it alive.
  const b = detach(body);
  let p = semi + 1;
  for (let i = 0; i < n; i++) {
    p = readChunk(body, p);
    keys[i] = b.latin1Slice(CHUNK_START, p);
    p = readChunk(body, p);
    vals[i] = b.latin1Slice(CHUNK_START, p);
  }
  const h = hashFromPairs(keys, vals, enc === 104);
  try {
    h.memberExpires = decodeMemberExpires(body, p);
  } catch {
    throw new ValueCodecError('malformed hash payload');
  }
  return h;
}

function dupHash(v: TypedValue): TypedValue {
  const h = v as HashValue;
  let c: HashValue;
  if (h.ht !== null) c = hashFromPairs(h.ht.keys.slice(), h.ht.vals.slice(), true);
  else {
    c = new HashValue();
    c.lp = h.lp; // immutable: shared until either side writes
    c.n = h.n;
  }
  c.memberExpires = cloneMemberExpires(h);
  return c;
}

registerValueCodec('hash', { encode: encodeHash, decode: decodeHash, dup: dupHash });
