// LZF compression, byte-identical to liblzf 3.6 as redis-server uses it for
// RDB strings (Redis's own deps/lzf and Debian's liblzf1 are built the same
// way: a 2^16-slot hash table, the VERY_FAST variant of the shift-and-subtract
// hash, no table initialisation, no multiplicative hash).
//
// Format (what lzfDecompress reads):
//   000LLLLL + L+1 bytes           a literal run of 1..32 bytes
//   LLLooooo oooooooo              a back reference of L+2 bytes (L = 1..6),
//                                  starting o+1 bytes back (1..8192)
//   111ooooo LLLLLLLL oooooooo     the same with L+9 bytes (9..264)
//
// The compressor keeps one hash table per thread and never clears it, as
// liblzf leaves its table uninitialised. An entry left by an earlier input
// is validated exactly as liblzf validates any entry (it must point before
// the current position, past the first byte, within the window, at the same
// three bytes); such an entry can only pass when the current input already
// wrote that slot, so the output is what a zeroed table gives: deterministic.

const HLOG = 16;
const HSIZE = 1 << HLOG;
const MAX_LIT = 32;
const MAX_OFF = 1 << 13;
const MAX_REF = (1 << 8) + (1 << 3);

/** Slot -> input position of the last three-byte sequence that hashed there. */
const htab = new Uint32Array(HSIZE);

/** Clears the hash table (tests use it to show that leftovers change nothing). */
export function lzfResetTable(): void {
  htab.fill(0);
}

/**
 * Compress `src` into `out` at `outStart`, using at most `maxOut` bytes there
 * (`out` must have room for them). Returns the compressed length, or 0 when
 * the result does not fit (or src is empty), like lzf_compress.
 */
export function lzfCompressInto(src: Uint8Array, out: Uint8Array, outStart: number, maxOut: number): number {
  const inLen = src.length;
  if (inLen === 0 || maxOut <= 0) return 0;
  const outEnd = outStart + maxOut;
  const scanEnd = inLen - 2; // positions with three bytes to hash
  const tab = htab;
  let ip = 0;
  let op = outStart + 1; // room for the first literal run's header
  let lit = 0;
  let hval = inLen > 1 ? (src[0] << 8) | src[1] : 0;

  while (ip < scanEnd) {
    hval = (hval << 8) | src[ip + 2]; // only the low 24 bits matter to the slot
    const slot = ((hval >>> 8) - Math.imul(hval, 5)) & (HSIZE - 1);
    const ref = tab[slot];
    tab[slot] = ip;
    const off = ip - ref - 1;
    if (off >= 0 && off < MAX_OFF && ref > 0 && src[ref + 2] === src[ip + 2] && src[ref] === src[ip] && src[ref + 1] === src[ip + 1]) {
      let len = 2;
      let maxlen = inLen - ip - len;
      if (maxlen > MAX_REF) maxlen = MAX_REF;
      // Room for the reference (up to 3 bytes) and the next run's header.
      if (op + 4 >= outEnd && op - (lit === 0 ? 1 : 0) + 4 >= outEnd) return 0;
      out[op - lit - 1] = lit - 1; // close the literal run
      if (lit === 0) op--; // or drop its header when it is empty

      // liblzf first compares 16 bytes unchecked when more than 16 may
      // follow, then one at a time up to maxlen.
      let more = true;
      if (maxlen > 16) {
        for (let k = 0; k < 16; k++) {
          len++;
          if (src[ref + len] !== src[ip + len]) {
            more = false;
            break;
          }
        }
      }
      if (more) {
        do len++;
        while (len < maxlen && src[ref + len] === src[ip + len]);
      }

      len -= 2;
      ip++;
      if (len < 7) {
        out[op++] = (off >>> 8) + (len << 5);
      } else {
        out[op++] = (off >>> 8) + (7 << 5);
        out[op++] = len - 7;
      }
      out[op++] = off & 0xff;
      lit = 0;
      op++; // header of the next literal run

      ip += len + 1;
      if (ip >= scanEnd) break;

      // Hash the last two positions of the match, then go on from its end.
      ip -= 2;
      hval = (src[ip] << 16) | (src[ip + 1] << 8) | src[ip + 2];
      tab[((hval >>> 8) - Math.imul(hval, 5)) & (HSIZE - 1)] = ip;
      ip++;
      hval = (hval << 8) | src[ip + 2];
      tab[((hval >>> 8) - Math.imul(hval, 5)) & (HSIZE - 1)] = ip;
      ip++;
    } else {
      if (op >= outEnd) return 0;
      lit++;
      out[op++] = src[ip++];
      if (lit === MAX_LIT) {
        out[op - lit - 1] = lit - 1;
        lit = 0;
        op++;
      }
    }
  }

  if (op + 3 > outEnd) return 0; // at most 3 more bytes follow
  while (ip < inLen) {
    lit++;
    out[op++] = src[ip++];
    if (lit === MAX_LIT) {
      out[op - lit - 1] = lit - 1;
      lit = 0;
      op++;
    }
  }
  out[op - lit - 1] = lit - 1;
  if (lit === 0) op--;
  return op - outStart;
}

let scratch = new Uint8Array(4096);
const SCRATCH_KEEP = 1 << 20; // buffers above this size are not kept

/** LZF-compress `src` into at most `maxOut` bytes; null when it does not fit (lzf_compress returning 0). */
export function lzfCompress(src: Uint8Array, maxOut: number): Buffer | null {
  if (src.length === 0 || maxOut <= 0) return null;
  // +1: like the maxOut+1 bytes Redis allocates (liblzf may reserve a run header one past the end before failing).
  let buf = scratch;
  if (buf.length < maxOut + 1) {
    buf = new Uint8Array(maxOut + 1);
    if (buf.length <= SCRATCH_KEEP) scratch = buf;
  }
  const n = lzfCompressInto(src, buf, 0, maxOut);
  if (n === 0) return null;
  const res = Buffer.allocUnsafe(n);
  res.set(buf.subarray(0, n));
  return res;
}

/**
 * Decompress `src` into `out` at `outStart`, producing at most `maxOut`
 * bytes. Returns the number of bytes produced, or -1 when the input is
 * corrupt or would produce more than maxOut (liblzf's EINVAL / E2BIG).
 */
export function lzfDecompressInto(src: Uint8Array, out: Uint8Array, outStart: number, maxOut: number): number {
  const inEnd = src.length;
  const outEnd = outStart + maxOut;
  let ip = 0;
  let op = outStart;
  while (ip < inEnd) {
    let ctrl = src[ip++];
    if (ctrl < 32) {
      ctrl++;
      if (op + ctrl > outEnd || ip + ctrl > inEnd) return -1;
      for (const e = ip + ctrl; ip < e; ) out[op++] = src[ip++];
    } else {
      let len = ctrl >>> 5;
      if (ip >= inEnd) return -1;
      if (len === 7) {
        len += src[ip++];
        if (ip >= inEnd) return -1;
      }
      let ref = op - ((ctrl & 0x1f) << 8) - 1 - src[ip++];
      len += 2;
      if (op + len > outEnd) return -1;
      if (ref < outStart) return -1;
      if (len >= 32 && op - ref >= len) {
        out.copyWithin(op, ref, ref + len);
        op += len;
      } else {
        // Overlapping references repeat the bytes just written: copy forward.
        for (const e = op + len; op < e; ) out[op++] = out[ref++];
      }
    }
  }
  return op - outStart;
}

/**
 * Decompress `src`, which must expand to exactly `outLen` bytes; null when it
 * is corrupt, expands to something else, or to nothing (Redis rejects a
 * zero-length result).
 */
export function lzfDecompress(src: Uint8Array, outLen: number): Buffer | null {
  if (outLen <= 0) return null;
  const out = Buffer.allocUnsafe(outLen);
  const n = lzfDecompressInto(src, out, 0, outLen);
  return n === outLen ? out : null;
}
