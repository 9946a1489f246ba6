// Hashes of latin1 strings for our own hash tables (the key table, the
// sorted-set member table, the member index of hashes and sets), and the
// sizing and flooding threshold shared by the open-addressing ones.
//
// seededHash: the fast one, FNV-1a from a per-process random basis with a
// final avalanche, so that keys that collide on one server do not on another.
//
// SipHash (Aumasson and Bernstein) over a latin1 string, with a secret
// 128-bit key: the keyed hash Redis uses for its dicts so that clients cannot
// choose keys that all land in one bucket. 64-bit words are kept as pairs of
// 32-bit halves. Rounds are parameters: Redis uses SipHash-1-2 (1 compression
// round per block, 2 finalization rounds); the reference vectors are for 2-4.

const SEED = (Math.random() * 0x100000000) >>> 0;

/** The smallest open-addressing table (sorted-set dict, member index). */
export const OPEN_TABLE_MIN = 16;

/**
 * A probe sequence this long on insertion into an open-addressing table means
 * members chosen to collide (linear probing at load 3/4 does not get near it
 * by chance): the table then hashes with SipHash under a secret key, as Redis
 * hashes its dicts.
 */
export const FLOODED_PROBES = 512;

/** Slots of an open-addressing table for n entries at most 3/4 full (a power of two, at least OPEN_TABLE_MIN). */
export function openTableCapacity(n: number): number {
  let cap = OPEN_TABLE_MIN;
  while (cap * 3 < n * 4 + 4) cap *= 2;
  return cap;
}

/** FNV-1a over the character codes from a seeded basis, then an avalanche; a signed 32-bit value. */
export function seededHash(s: string): number {
  let h = (0x811c9dc5 ^ SEED ^ s.length) >>> 0;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

/** A 128-bit key as four 32-bit words (k0 low, k0 high, k1 low, k1 high). */
export type SipKey = [number, number, number, number];

export function randomSipKey(): SipKey {
  const w = (): number => (Math.random() * 0x100000000) >>> 0;
  return [w(), w(), w(), w()];
}

/** SipHash-c-d of the string's bytes (character codes below 256) under key; the 64-bit result folded to 32 bits, or as [low, high]. */
export function sipHash(s: string, key: SipKey, c = 1, d = 2): number {
  const r = sipHash64(s, key, c, d);
  return (r[0] ^ r[1]) | 0;
}

export function sipHash64(s: string, key: SipKey, c: number, d: number): [number, number] {
  // v0..v3 as (high, low) pairs.
  let v0h = (key[1] ^ 0x736f6d65) >>> 0;
  let v0l = (key[0] ^ 0x70736575) >>> 0;
  let v1h = (key[3] ^ 0x646f7261) >>> 0;
  let v1l = (key[2] ^ 0x6e646f6d) >>> 0;
  let v2h = (key[1] ^ 0x6c796765) >>> 0;
  let v2l = (key[0] ^ 0x6e657261) >>> 0;
  let v3h = (key[3] ^ 0x74656462) >>> 0;
  let v3l = (key[2] ^ 0x79746573) >>> 0;

  const rounds = (n: number): void => {
    for (let i = 0; i < n; i++) {
      // v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32)
      let lo = (v0l + v1l) >>> 0;
      v0h = (v0h + v1h + (lo < v0l ? 1 : 0)) >>> 0;
      v0l = lo;
      let th = ((v1h << 13) | (v1l >>> 19)) >>> 0;
      let tl = ((v1l << 13) | (v1h >>> 19)) >>> 0;
      v1h = (th ^ v0h) >>> 0;
      v1l = (tl ^ v0l) >>> 0;
      th = v0h;
      v0h = v0l;
      v0l = th;
      // v2 += v3; v3 = rotl(v3, 16); v3 ^= v2
      lo = (v2l + v3l) >>> 0;
      v2h = (v2h + v3h + (lo < v2l ? 1 : 0)) >>> 0;
      v2l = lo;
      th = ((v3h << 16) | (v3l >>> 16)) >>> 0;
      tl = ((v3l << 16) | (v3h >>> 16)) >>> 0;
      v3h = (th ^ v2h) >>> 0;
      v3l = (tl ^ v2l) >>> 0;
      // v0 += v3; v3 = rotl(v3, 21); v3 ^= v0
      lo = (v0l + v3l) >>> 0;
      v0h = (v0h + v3h + (lo < v0l ? 1 : 0)) >>> 0;
      v0l = lo;
      th = ((v3h << 21) | (v3l >>> 11)) >>> 0;
      tl = ((v3l << 21) | (v3h >>> 11)) >>> 0;
      v3h = (th ^ v0h) >>> 0;
      v3l = (tl ^ v0l) >>> 0;
      // v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32)
      lo = (v2l + v1l) >>> 0;
      v2h = (v2h + v1h + (lo < v2l ? 1 : 0)) >>> 0;
      v2l = lo;
      th = ((v1h << 17) | (v1l >>> 15)) >>> 0;
      tl = ((v1l << 17) | (v1h >>> 15)) >>> 0;
      v1h = (th ^ v2h) >>> 0;
      v1l = (tl ^ v2l) >>> 0;
      th = v2h;
      v2h = v2l;
      v2l = th;
    }
  };

  const n = s.length;
  const end = n - (n % 8);
  const absorb = (mh: number, ml: number): void => {
    v3h = (v3h ^ mh) >>> 0;
    v3l = (v3l ^ ml) >>> 0;
    rounds(c);
    v0h = (v0h ^ mh) >>> 0;
    v0l = (v0l ^ ml) >>> 0;
  };
  for (let i = 0; i < end; i += 8) {
    const ml = (s.charCodeAt(i) | (s.charCodeAt(i + 1) << 8) | (s.charCodeAt(i + 2) << 16) | (s.charCodeAt(i + 3) << 24)) >>> 0;
    const mh = (s.charCodeAt(i + 4) | (s.charCodeAt(i + 5) << 8) | (s.charCodeAt(i + 6) << 16) | (s.charCodeAt(i + 7) << 24)) >>> 0;
    absorb(mh, ml);
  }
  // The last block: the remaining bytes, and the length's low byte in the top byte.
  let bl = 0;
  let bh = (n & 0xff) << 24;
  for (let i = end; i < n; i++) {
    const k = i - end;
    if (k < 4) bl |= s.charCodeAt(i) << (8 * k);
    else bh |= s.charCodeAt(i) << (8 * (k - 4));
  }
  absorb(bh >>> 0, bl >>> 0);
  v2l = (v2l ^ 0xff) >>> 0;
  rounds(d);
  return [(v0l ^ v1l ^ v2l ^ v3l) >>> 0, (v0h ^ v1h ^ v2h ^ v3h) >>> 0];
}
