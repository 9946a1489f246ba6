// Sorted set values (t_zset.c), in Redis's two encodings:
//  - listpack: small sets packed into ONE latin1 string `lp` (packed.ts),
//    elements sorted by (score, member), each a length header, the member's
//    bytes and the score (one char for an integer 0..127, else a tag char and
//    4 to 8 more: int32, int48, an exact float32 or the double); lookups by member scan
//    it, as Redis scans a listpack, and writes build a new string;
//  - skiplist: the elements in a store with a hash index (zset_dict.ts: member ->
//    score, O(1) ZSCORE) and an order-statistic B+tree over their ids
//    (zset_btree.ts) for order and ranks, O(log n).
// A set starts as listpack (unless its first member is already too long or
// zset-max-listpack-entries is 0) and converts to skiplist once it would hold
// more than zset-max-listpack-entries members or a member longer than
// zset-max-listpack-value bytes; it never converts back, except where Redis
// does (results of ZUNIONSTORE / ZINTERSTORE / ZDIFFSTORE that fit).
//
// Members are latin1 strings (binary safe), compared by char code (memcmp
// order). Scores are doubles, never NaN; -0 is kept in the skiplist encoding
// but turns into 0 in the listpack one (Redis stores the score text "-0" as
// the listpack integer 0).
//
// Member TTLs (KeyDB EXPIREMEMBER) ride along in `memberExpires` (subkey_expire.ts).

import type { TypedValue } from '../keyspace.ts';
import { ZTree, ZPos, ZLeaf } from './zset_btree.ts';
import { ZDict } from './zset_dict.ts';
import { registerValueCodec, ValueCodecError } from '../value_codec.ts';
import { type MemberExpires, cloneMemberExpires, encodeMemberExpires, decodeMemberExpires, forgetMemberExpire } from '../subkey_expire.ts';
import { lenHeader, headerSize, readLongLen, build, cut, char, detach, entryText } from './packed.ts';

// ---- the packed listpack ---------------------------------------------------------------

const F64 = new Float64Array(1);
const F64B = new Uint8Array(F64.buffer);
const F32 = new Float32Array(1);
const F32B = new Uint8Array(F32.buffer);

// Score tags: a char below 0x80 is the integer score itself; otherwise the
// tag says what follows.
const T_INT32 = 0x80; // 4 chars, big-endian two's complement
const T_INT48 = 0x81; // 6 chars, big-endian two's complement (e.g. unix ms timestamps)
const T_FLOAT = 0x82; // the 4 bytes of a float32 that holds the score exactly (1.5, 0.25 ...)
const T_DOUBLE = 0x83; // the 8 bytes of the double
const TWO32 = 4294967296;

/** The chars of a score in a listpack element (-0 turns into 0). */
function scoreChars(s: number): string {
  if (Number.isInteger(s)) {
    if (s >= 0 && s < 128) return char(s);
    if (s >= -2147483648 && s <= 2147483647) return build([char(T_INT32), char((s >>> 24) & 255), char((s >>> 16) & 255), char((s >>> 8) & 255), char(s & 255)]);
    if (s >= -140737488355328 && s < 140737488355328) {
      const hi = Math.floor(s / TWO32);
      const lo = s - hi * TWO32;
      return build([char(T_INT48), char((hi >>> 8) & 255), char(hi & 255), char(lo >>> 24), char((lo >>> 16) & 255), char((lo >>> 8) & 255), char(lo & 255)]);
    }
  }
  F32[0] = s;
  if (F32[0] === s) {
    const b = F32B;
    return build([char(T_FLOAT), char(b[0]), char(b[1]), char(b[2]), char(b[3])]);
  }
  F64[0] = s;
  const b = F64B;
  return build([char(T_DOUBLE), char(b[0]), char(b[1]), char(b[2]), char(b[3]), char(b[4]), char(b[5]), char(b[6]), char(b[7])]);
}

/** The score stored at p. */
function scoreAt(lp: string, p: number): number {
  const t = lp.charCodeAt(p);
  if (t < 128) return t;
  if (t === T_INT32) return (lp.charCodeAt(p + 1) << 24) | (lp.charCodeAt(p + 2) << 16) | (lp.charCodeAt(p + 3) << 8) | lp.charCodeAt(p + 4);
  if (t === T_INT48) {
    const hi = ((lp.charCodeAt(p + 1) << 24) | (lp.charCodeAt(p + 2) << 16)) >> 16;
    return hi * TWO32 + lp.charCodeAt(p + 3) * 16777216 + ((lp.charCodeAt(p + 4) << 16) | (lp.charCodeAt(p + 5) << 8) | lp.charCodeAt(p + 6));
  }
  if (t === T_FLOAT) {
    const b = F32B;
    for (let k = 0; k < 4; k++) b[k] = lp.charCodeAt(p + 1 + k);
    return F32[0];
  }
  const b = F64B;
  for (let k = 0; k < 8; k++) b[k] = lp.charCodeAt(p + 1 + k);
  return F64[0];
}

/** Chars taken by the score at p. */
function scoreSize(lp: string, p: number): number {
  const t = lp.charCodeAt(p);
  return t < 128 ? 1 : t === T_DOUBLE ? 9 : t === T_INT48 ? 7 : 5;
}

/** Offset of the score of the element at p. */
function scorePos(lp: string, p: number): number {
  const c = lp.charCodeAt(p);
  if (c < 128) return p + 1 + c;
  const len = readLongLen(lp, p);
  return p + headerSize(len) + len;
}

/** Offset of the element after the one at p. */
function nextElem(lp: string, p: number): number {
  const q = scorePos(lp, p);
  return q + scoreSize(lp, q);
}

/** The member of the element at p (a slice: for short-lived uses). */
/** Offset of m's element, -1 when absent. */
function findMember(lp: string, m: string): number {
  const end = lp.length;
  const ml = m.length;
  const last = ml === 0 ? -1 : m.charCodeAt(ml - 1);
  let p = 0;
  while (p < end) {
    let len = lp.charCodeAt(p);
    let h = 1;
    if (len >= 128) {
      len = readLongLen(lp, p);
      h = headerSize(len);
    }
    if (len === ml && (last < 0 || lp.charCodeAt(p + h + ml - 1) === last) && lp.startsWith(m, p + h)) return p;
    p += h + len;
    const t = lp.charCodeAt(p);
    p += t < 128 ? 1 : t === T_DOUBLE ? 9 : t === T_INT48 ? 7 : 5;
  }
  return -1;
}

/** memcmp order of m against the len chars of lp at p. */
function cmpMember(m: string, lp: string, p: number, len: number): number {
  const n = m.length < len ? m.length : len;
  for (let k = 0; k < n; k++) {
    const d = m.charCodeAt(k) - lp.charCodeAt(p + k);
    if (d !== 0) return d;
  }
  return m.length - len;
}

/**
 * Offset of the first element greater than (s, m), the element at `skip`
 * (ending at skipEnd) left out; lp.length when none.
 */
function insertPos(lp: string, s: number, m: string, skip: number, skipEnd: number): number {
  const end = lp.length;
  let p = 0;
  while (p < end) {
    if (p === skip) {
      p = skipEnd;
      continue;
    }
    let len = lp.charCodeAt(p);
    let h = 1;
    if (len >= 128) {
      len = readLongLen(lp, p);
      h = headerSize(len);
    }
    const q = p + h + len;
    const es = scoreAt(lp, q);
    if (es > s || (es === s && cmpMember(m, lp, p + h, len) < 0)) return p;
    p = q + scoreSize(lp, q);
  }
  return end;
}

/** The chars of an element. */
function elemParts(parts: string[], m: string, s: number): void {
  parts.push(lenHeader(m.length), m, scoreChars(s));
}

/** A listpack of sorted arrays. */
function pack(ms: string[], ss: number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < ms.length; i++) elemParts(parts, ms[i], ss[i]);
  return build(parts);
}

/** Decode a listpack of n elements into arrays; `copy`: detached member strings (to be stored), else slices. */
function unpack(lp: string, n: number, copy: boolean): [string[], number[]] {
  const ms: string[] = new Array(n);
  const ss: number[] = new Array(n);
  const b = copy ? detach(lp) : null;
  let p = 0;
  for (let i = 0; i < n; i++) {
    let len = lp.charCodeAt(p);
    let h = 1;
    if (len >= 128) {
      len = readLongLen(lp, p);
      h = headerSize(len);
    }
    const q = p + h + len;
    ms[i] = b !== null ? b.latin1Slice(p + h, q) : lp.slice(p + h, q);
    ss[i] = scoreAt(lp, q);
    p = q + scoreSize(lp, q);
  }
  return [ms, ss];
}

export class ZSetValue implements TypedValue {
  // On the prototype (below): one pointer less in every sorted set.
  declare readonly type: 'zset';
  /** listpack encoding: the packed elements; null in skiplist encoding. */
  lp: string | null = null;
  /** listpack encoding: number of elements. */
  n = 0;
  /** skiplist encoding: the order (a tree over the ids of its dict, tree.d); null in listpack encoding. */
  tree: ZTree | null = null;
  memberExpires: MemberExpires | null = null;

  /** An empty set in the listpack encoding (skiplist when `skiplist`). */
  constructor(skiplist = false) {
    if (skiplist) this.tree = new ZTree(new ZDict());
    else this.lp = '';
  }

  /** skiplist encoding: the elements (member -> score); null in listpack encoding. */
  get dict(): ZDict | null {
    return this.tree === null ? null : this.tree.d;
  }

  /** A set from elements sorted by (score, member) without duplicates (the arrays are taken over). */
  static fromSorted(ms: string[], ss: number[], skiplist: boolean): ZSetValue {
    const z = new ZSetValue(skiplist);
    if (skiplist) z.loadTree(ms, ss);
    else {
      z.lp = pack(ms, ss); // -0 reads back as 0 from a listpack
      z.n = ms.length;
    }
    return z;
  }

  /** Skiplist encoding from sorted arrays. */
  private loadTree(ms: string[], ss: number[]): void {
    const n = ms.length;
    const d = ZDict.withSize(n);
    const ids: number[] = new Array(n);
    for (let i = 0; i < n; i++) ids[i] = d.add(ms[i], ss[i]);
    if (d.remap !== null) {
      for (let i = 0; i < n; i++) ids[i] = d.remap[ids[i]];
      d.remap = null;
    }
    this.tree = ZTree.fromSorted(d, ids);
  }

  get size(): number {
    return this.lp !== null ? this.n : this.tree!.d.size;
  }

  get isListpack(): boolean {
    return this.lp !== null;
  }

  encoding(): string {
    return this.lp !== null ? 'listpack' : 'skiplist';
  }

  score(m: string): number | undefined {
    const lp = this.lp;
    if (lp !== null) {
      const p = findMember(lp, m);
      return p < 0 ? undefined : scoreAt(lp, scorePos(lp, p));
    }
    return this.tree!.d.get(m);
  }

  /** Apply a dict shrink's renumbering to the tree's ids. */
  private remapped(): void {
    const t = this.tree!;
    const d = t.d;
    if (d.remap !== null) {
      t.remap(d.remap);
      d.remap = null;
    }
  }

  /** Insert a member that is not present (no encoding checks: the caller converts first). */
  insert(s: number, m: string): void {
    const lp = this.lp;
    if (lp !== null) {
      const p = insertPos(lp, s, m, -1, -1);
      this.lp = build([lp.slice(0, p), lenHeader(m.length), m, scoreChars(s), lp.slice(p)]);
      this.n++;
      return;
    }
    const id = this.tree!.d.add(m, s);
    this.remapped();
    this.tree!.insert(id);
  }

  /** Change the score of a present member from `old` to `s`. */
  setScore(m: string, old: number, s: number): void {
    const lp = this.lp;
    if (lp !== null) {
      const a = findMember(lp, m);
      const b = nextElem(lp, a);
      const p = insertPos(lp, s, m, a, b);
      const h = lenHeader(m.length);
      const sc = scoreChars(s);
      this.lp = p < a ? build([lp.slice(0, p), h, m, sc, lp.slice(p, a), lp.slice(b)]) : build([lp.slice(0, a), lp.slice(b, p), h, m, sc, lp.slice(p)]);
      return;
    }
    const t = this.tree!;
    t.update(t.d.find(m), s);
  }

  /** Remove a member; false when absent. Drops its TTL. */
  remove(m: string): boolean {
    const lp = this.lp;
    if (lp !== null) {
      const p = findMember(lp, m);
      if (p < 0) return false;
      this.lp = cut(lp, p, nextElem(lp, p));
      this.n--;
    } else {
      const d = this.tree!.d;
      const id = d.find(m);
      if (id < 0) return false;
      this.tree!.delete(id);
      d.removeAt(id);
      this.remapped();
    }
    if (this.memberExpires !== null) forgetMemberExpire(this, m);
    return true;
  }

  /** 0-based rank by ascending order, -1 when absent. */
  rank(m: string): number {
    const lp = this.lp;
    if (lp !== null) {
      const p = findMember(lp, m);
      if (p < 0) return -1;
      let r = 0;
      for (let q = 0; q < p; q = nextElem(lp, q)) r++;
      return r;
    }
    const id = this.tree!.d.find(m);
    return id < 0 ? -1 : this.tree!.rank(id);
  }

  /** Number of elements with score < x (inclusive: <= x). */
  countScoreBelow(x: number, inclusive: boolean): number {
    const lp = this.lp;
    if (lp !== null) {
      const end = lp.length;
      let r = 0;
      for (let p = 0; p < end; r++) {
        const q = scorePos(lp, p);
        const s = scoreAt(lp, q);
        if (inclusive ? s > x : s >= x) break;
        p = q + scoreSize(lp, q);
      }
      return r;
    }
    return this.tree!.countScoreBelow(x, inclusive);
  }

  /** Skiplist encoding: number of members < x (inclusive: <= x) by member order (meaningful when all scores are equal). */
  countLexBelow(x: string, inclusive: boolean): number {
    return this.tree!.countLexBelow(x, inclusive);
  }

  /** Point `cur` at the element of a rank (0 <= r < size). */
  seek(r: number, cur: ZCursor): void {
    const lp = this.lp;
    if (lp !== null) {
      if (cur.lp !== lp) {
        // Element offsets of this listpack (kept while the cursor meets the same string).
        const offs = cur.offs;
        const n = this.n;
        let p = 0;
        for (let k = 0; k < n; k++) {
          offs[k] = p;
          p = nextElem(lp, p);
        }
        cur.lp = lp;
        cur.n = n;
      }
      cur.leaf = null;
      cur.i = r;
      return;
    }
    this.tree!.seek(r, POS);
    const leaf = POS.leaf!;
    cur.leaf = leaf;
    cur.ids = leaf.ids;
    cur.d = this.tree!.d;
    cur.i = POS.i;
  }

  /** Remove the elements of ranks [start, end] (inclusive, in range); returns how many. */
  removeRankRange(start: number, end: number): number {
    const n = end - start + 1;
    const lp = this.lp;
    if (lp !== null) {
      let a = 0;
      for (let k = 0; k < start; k++) a = nextElem(lp, a);
      const gone: string[] | null = this.memberExpires !== null ? [] : null;
      let b = a;
      for (let k = 0; k < n; k++) {
        if (gone !== null) gone.push(entryText(lp, b));
        b = nextElem(lp, b);
      }
      this.lp = cut(lp, a, b);
      this.n -= n;
      if (gone !== null) for (const m of gone) forgetMemberExpire(this, m);
      return n;
    }
    const d = this.tree!.d;
    if (n === d.size) {
      this.memberExpires = null;
      d.clear();
      this.tree!.clear();
      return n;
    }
    if (n * 2 > d.size && this.memberExpires === null) {
      // Most of the set goes: rebuild from what stays.
      const [lm, ls] = this.toArrays();
      lm.splice(start, n);
      ls.splice(start, n);
      this.loadTree(lm, ls);
      return n;
    }
    const ms: string[] = new Array(n);
    const cur = CUR;
    this.seek(start, cur);
    for (let k = 0; k < n; k++) {
      ms[k] = cur.member;
      cur.next();
    }
    for (let k = 0; k < n; k++) this.remove(ms[k]);
    return n;
  }

  /** Listpack -> skiplist. */
  toSkiplist(): void {
    if (this.lp === null) return;
    const [lm, ls] = unpack(this.lp, this.n, true);
    this.lp = null;
    this.n = 0;
    this.loadTree(lm, ls);
  }

  /** Skiplist -> listpack. */
  toListpack(): void {
    if (this.lp !== null) return;
    const [lm, ls] = this.toArrays();
    this.lp = pack(lm, ls);
    this.n = lm.length;
    this.tree = null;
  }

  /**
   * Every element in order, as two new arrays. `detached` (the default):
   * member strings that may be stored elsewhere; false: slices of a listpack
   * for short-lived use (a reply).
   */
  toArrays(detached = true): [string[], number[]] {
    if (this.lp !== null) return unpack(this.lp, this.n, detached);
    const d = this.tree!.d;
    const n = d.size;
    const lm: string[] = new Array(n);
    const ls: number[] = new Array(n);
    const keys = d.keys as string[];
    const vals = d.vals;
    let k = 0;
    for (let l: ZLeaf | null = this.tree!.first; l !== null; l = l.next) {
      const ids = l.ids;
      for (let i = 0; i < ids.length; i++) {
        lm[k] = keys[ids[i]];
        ls[k++] = vals[ids[i]];
      }
    }
    return [lm, ls];
  }

  /** Listpack encoding: the members in order (slices, for short-lived use). */
  listpackMembers(): string[] {
    return unpack(this.lp!, this.n, false)[0];
  }

  /** Every member: listpack order, or the hash table's slot order. */
  memberIterator(): IterableIterator<string> {
    return this.lp !== null ? this.listpackMembers().values() : this.tree!.d.members();
  }

  // ---- MemberHost (subkey_expire.ts) --------------------------------------------

  hasMember(m: string): boolean {
    return this.lp !== null ? findMember(this.lp, m) >= 0 : this.tree!.d.has(m);
  }

  removeMember(m: string): boolean {
    return this.remove(m);
  }

  memberCount(): number {
    return this.size;
  }

  // ---- introspection ------------------------------------------------------------

  /** Estimated bytes of this value (MEMORY USAGE), sampling `samples` members. */
  memoryUsage(samples: number): number {
    if (this.lp !== null) return 56 + 16 + ((this.lp.length + 7) & ~7);
    const n = this.size;
    let strBytes = 0;
    let seen = 0;
    for (const m of this.memberIterator()) {
      if (seen >= samples) break;
      strBytes += 16 + ((m.length + 7) & ~7);
      seen++;
    }
    const perMember = seen === 0 ? 0 : strBytes / seen;
    const nodes = this.tree!.nodeCounts();
    // leaves: an id array each (8 bytes a slot); inner nodes: four arrays; the dict's slots.
    return Math.round(96 + nodes.leaves * 72 + nodes.inner * 250 + n * 8 * 1.25 + this.tree!.d.bytes() + n * perMember);
  }
}

Object.defineProperty(ZSetValue.prototype, 'type', { value: 'zset', enumerable: true });

const POS = new ZPos();

/** A position in a sorted set for walking ranges in either direction. */
export class ZCursor {
  i = 0;
  /** listpack encoding: the packed string, its element count and element offsets. */
  lp: string | null = null;
  n = 0;
  offs: number[] = [];
  /** skiplist encoding: the leaf, its ids and the dict they index. */
  leaf: ZLeaf | null = null;
  ids: number[] = [];
  d: ZDict | null = null;

  get member(): string {
    return this.leaf === null ? entryText(this.lp!, this.offs[this.i]) : (this.d!.keys[this.ids[this.i]] as string);
  }

  get score(): number {
    if (this.leaf !== null) return this.d!.vals[this.ids[this.i]];
    const lp = this.lp!;
    return scoreAt(lp, scorePos(lp, this.offs[this.i]));
  }

  /** Move to the next element (false past the end). */
  next(): boolean {
    const l = this.leaf;
    if (l === null) return ++this.i < this.n;
    if (++this.i < this.ids.length) return true;
    if (l.next === null) return false;
    this.leaf = l.next;
    this.ids = l.next.ids;
    this.i = 0;
    return true;
  }

  /** Move to the previous element (false before the start). */
  prev(): boolean {
    if (--this.i >= 0) return true;
    const l = this.leaf;
    if (l === null || l.prev === null) return false;
    this.leaf = l.prev;
    this.ids = l.prev.ids;
    this.i = this.ids.length - 1;
    return true;
  }
}

const CUR = new ZCursor();

// ---- codec (cross-shard RENAME / COPY / MOVE and the cross-shard zset commands) ----------

function rawScoreChars(s: number): string {
  F64[0] = s;
  const b = F64B;
  return String.fromCharCode(b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]);
}

function charsScore(body: string, p: number): number {
  const b = F64B;
  for (let k = 0; k < 8; k++) b[k] = body.charCodeAt(p + k);
  return F64[0];
}

/**
 * Body: 'L' (listpack) or 'S' (skiplist), the count and ';', then per element
 * in order the 8 bytes of the score, the member length, ':' and the member;
 * then the member TTLs (subkey_expire.ts), if any.
 */
export function encodeZSet(z: ZSetValue): string {
  const parts: string[] = [(z.lp !== null ? 'L' : 'S') + z.size + ';'];
  const cur = CUR;
  const n = z.size;
  if (n > 0) {
    z.seek(0, cur);
    for (let k = 0; k < n; k++) {
      const m = cur.member;
      parts.push(rawScoreChars(cur.score) + m.length + ':' + m);
      cur.next();
    }
  }
  parts.push(encodeMemberExpires(z));
  return parts.join('');
}

export function decodeZSet(body: string): ZSetValue {
  const kind = body.charCodeAt(0);
  const semi = body.indexOf(';');
  if ((kind !== 76 && kind !== 83) || semi < 0) throw new ValueCodecError('malformed zset payload');
  const n = Number(body.slice(1, semi));
  if (!(n >= 0)) throw new ValueCodecError('malformed zset payload');
  const ms: string[] = new Array(n);
  const ss: number[] = new Array(n);
  // Detached copies: slices of the payload would keep all of it alive.
  const b = detach(body);
  let p = semi + 1;
  for (let k = 0; k < n; k++) {
    if (p + 8 > body.length) throw new ValueCodecError('malformed zset payload');
    ss[k] = charsScore(body, p);
    p += 8;
    const colon = body.indexOf(':', p);
    if (colon < 0) throw new ValueCodecError('malformed zset payload');
    const len = Number(body.slice(p, colon));
    if (!(len >= 0) || colon + 1 + len > body.length) throw new ValueCodecError('malformed zset payload');
    ms[k] = b.latin1Slice(colon + 1, colon + 1 + len);
    p = colon + 1 + len;
  }
  const z = ZSetValue.fromSorted(ms, ss, kind === 83);
  try {
    z.memberExpires = decodeMemberExpires(body, p);
  } catch {
    throw new ValueCodecError('malformed zset payload');
  }
  return z;
}

export function dupZSet(z: ZSetValue): ZSetValue {
  let c: ZSetValue;
  if (z.lp !== null) {
    c = new ZSetValue(false);
    c.lp = z.lp; // immutable: shared until either side writes
    c.n = z.n;
  } else {
    const [ms, ss] = z.toArrays();
    c = ZSetValue.fromSorted(ms, ss, true);
  }
  c.memberExpires = cloneMemberExpires(z);
  return c;
}

registerValueCodec('zset', {
  encode: (v) => encodeZSet(v as ZSetValue),
  decode: decodeZSet,
  dup: (v) => dupZSet(v as ZSetValue),
});
