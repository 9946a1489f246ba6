// Sorted set values (t_zset.c), in Redis's two encodings:
//  - listpack: small sets as two parallel arrays (members, scores) sorted by
//    (score, member); lookups by member scan them, as Redis scans a listpack;
//  - skiplist: the elements in a compact hash table (zset_dict.ts: member ->
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
import { ZTree, ZPos, ZLeaf, lowerBound } from './zset_btree.ts';
import { ZDict } from './zset_dict.ts';
import { registerValueCodec, ValueCodecError } from '../value_codec.ts';
import { type MemberExpires, cloneMemberExpires, encodeMemberExpires, decodeMemberExpires, forgetMemberExpire } from '../subkey_expire.ts';

export class ZSetValue implements TypedValue {
  readonly type = 'zset' as const;
  /** listpack encoding: members and scores sorted by (score, member); null in skiplist encoding. */
  lm: string[] | null = null;
  ls: number[] | null = null;
  /** skiplist encoding: the elements (dict) and their order (tree over dict ids). */
  dict: ZDict | null = null;
  tree: ZTree | null = null;
  memberExpires: MemberExpires | null = null;

  /** An empty set in the listpack encoding (skiplist when `skiplist`). */
  constructor(skiplist = false) {
    if (skiplist) {
      this.dict = new ZDict();
      this.tree = new ZTree(this.dict);
    } else {
      this.lm = [];
      this.ls = [];
    }
  }

  /** A set from elements sorted by (score, member) without duplicates (the arrays are taken over). */
  static fromSorted(ms: string[], ss: number[], skiplist: boolean): ZSetValue {
    const z = new ZSetValue(skiplist);
    if (skiplist) z.loadTree(ms, ss);
    else {
      for (let i = 0; i < ss.length; i++) if (ss[i] === 0) ss[i] = 0; // -0 reads back as 0 from a listpack
      z.lm = ms;
      z.ls = ss;
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
    this.dict = d;
    this.tree = ZTree.fromSorted(d, ids);
  }

  get size(): number {
    return this.lm !== null ? this.lm.length : this.dict!.size;
  }

  get isListpack(): boolean {
    return this.lm !== null;
  }

  encoding(): string {
    return this.lm !== null ? 'listpack' : 'skiplist';
  }

  /** Index of member in the listpack arrays, -1 when absent. */
  private lpFind(m: string): number {
    const lm = this.lm!;
    for (let i = 0; i < lm.length; i++) if (lm[i] === m) return i;
    return -1;
  }

  score(m: string): number | undefined {
    if (this.lm !== null) {
      const i = this.lpFind(m);
      return i < 0 ? undefined : this.ls![i];
    }
    return this.dict!.get(m);
  }

  /** Apply a dict rebuild to the tree's ids. */
  private remapped(): void {
    const d = this.dict!;
    if (d.remap !== null) {
      this.tree!.remap(d.remap);
      d.remap = null;
    }
  }

  /** Insert a member that is not present (no encoding checks: the caller converts first). */
  insert(s: number, m: string): void {
    if (this.lm !== null) {
      if (s === 0) s = 0; // a listpack keeps "-0" as the integer 0
      const lm = this.lm;
      const ls = this.ls!;
      const pos = lowerBound(lm, ls, 0, lm.length, s, m);
      if (pos === lm.length) {
        lm.push(m);
        ls.push(s);
      } else {
        lm.splice(pos, 0, m);
        ls.splice(pos, 0, s);
      }
      return;
    }
    const id = this.dict!.add(m, s);
    this.remapped();
    this.tree!.insert(id);
  }

  /** Change the score of a present member from `old` to `s`. */
  setScore(m: string, old: number, s: number): void {
    if (this.lm !== null) {
      const i = this.lpFind(m);
      this.lm.splice(i, 1);
      this.ls!.splice(i, 1);
      this.insert(s, m);
      return;
    }
    this.tree!.update(this.dict!.find(m), s);
  }

  /** Remove a member; false when absent. Drops its TTL. */
  remove(m: string): boolean {
    if (this.lm !== null) {
      const i = this.lpFind(m);
      if (i < 0) return false;
      this.lm.splice(i, 1);
      this.ls!.splice(i, 1);
    } else {
      const d = this.dict!;
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
    if (this.lm !== null) return this.lpFind(m);
    const id = this.dict!.find(m);
    return id < 0 ? -1 : this.tree!.rank(id);
  }

  /** Number of elements with score < x (inclusive: <= x). */
  countScoreBelow(x: number, inclusive: boolean): number {
    if (this.lm !== null) {
      const ls = this.ls!;
      let lo = 0;
      let hi = ls.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (inclusive ? ls[mid] <= x : ls[mid] < x) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    }
    return this.tree!.countScoreBelow(x, inclusive);
  }

  /** Skiplist encoding: number of members < x (inclusive: <= x) by member order (meaningful when all scores are equal). */
  countLexBelow(x: string, inclusive: boolean): number {
    return this.tree!.countLexBelow(x, inclusive);
  }

  /** Point `cur` at the element of a rank (0 <= r < size). */
  seek(r: number, cur: ZCursor): void {
    cur.i = r;
    if (this.lm !== null) {
      cur.lm = this.lm;
      cur.ls = this.ls;
      cur.leaf = null;
      return;
    }
    this.tree!.seek(r, POS);
    const leaf = POS.leaf!;
    cur.leaf = leaf;
    cur.ids = leaf.ids;
    cur.d = this.dict;
    cur.i = POS.i;
  }

  /** Remove the elements of ranks [start, end] (inclusive, in range); returns how many. */
  removeRankRange(start: number, end: number): number {
    const n = end - start + 1;
    if (this.lm !== null) {
      const gone = this.memberExpires !== null ? this.lm.slice(start, end + 1) : null;
      this.lm.splice(start, n);
      this.ls!.splice(start, n);
      if (gone !== null) for (const m of gone) forgetMemberExpire(this, m);
      return n;
    }
    if (n === this.dict!.size) {
      this.memberExpires = null;
      this.dict!.clear();
      this.tree!.clear();
      return n;
    }
    if (n * 2 > this.dict!.size && this.memberExpires === null) {
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
    if (this.lm === null) return;
    const lm = this.lm;
    const ls = this.ls!;
    this.lm = null;
    this.ls = null;
    this.loadTree(lm, ls);
  }

  /** Skiplist -> listpack. */
  toListpack(): void {
    if (this.lm !== null) return;
    const [lm, ls] = this.toArrays();
    for (let i = 0; i < ls.length; i++) if (ls[i] === 0) ls[i] = 0;
    this.lm = lm;
    this.ls = ls;
    this.tree = null;
    this.dict = null;
  }

  /** Every element in order, as two new arrays. */
  toArrays(): [string[], number[]] {
    if (this.lm !== null) return [this.lm.slice(), this.ls!.slice()];
    const n = this.dict!.size;
    const lm: string[] = new Array(n);
    const ls: number[] = new Array(n);
    const keys = this.dict!.keys as string[];
    const vals = this.dict!.vals;
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

  /** Every member: listpack order, or the hash table's slot order. */
  memberIterator(): IterableIterator<string> {
    return this.lm !== null ? this.lm.values() : this.dict!.members();
  }

  // ---- MemberHost (subkey_expire.ts) --------------------------------------------

  hasMember(m: string): boolean {
    return this.lm !== null ? this.lpFind(m) >= 0 : this.dict!.has(m);
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
    const n = this.size;
    let strBytes = 0;
    let seen = 0;
    for (const m of this.memberIterator()) {
      if (seen >= samples) break;
      strBytes += 16 + ((m.length + 7) & ~7);
      seen++;
    }
    const perMember = seen === 0 ? 0 : strBytes / seen;
    if (this.lm !== null) return Math.round(64 + n * 16 + n * perMember);
    const nodes = this.tree!.nodeCounts();
    // leaves: an id array each (8 bytes a slot); inner nodes: four arrays; the dict's slots.
    return Math.round(96 + nodes.leaves * 72 + nodes.inner * 250 + n * 8 * 1.25 + this.dict!.bytes() + n * perMember);
  }
}

const POS = new ZPos();

/** A position in a sorted set for walking ranges in either direction. */
export class ZCursor {
  i = 0;
  /** listpack encoding. */
  lm: string[] | null = null;
  ls: number[] | null = null;
  /** skiplist encoding: the leaf, its ids and the dict they index. */
  leaf: ZLeaf | null = null;
  ids: number[] = [];
  d: ZDict | null = null;

  get member(): string {
    return this.leaf === null ? this.lm![this.i] : (this.d!.keys[this.ids[this.i]] as string);
  }

  get score(): number {
    return this.leaf === null ? this.ls![this.i] : this.d!.vals[this.ids[this.i]];
  }

  /** Move to the next element (false past the end). */
  next(): boolean {
    const l = this.leaf;
    if (l === null) return ++this.i < this.lm!.length;
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

const F64 = new Float64Array(1);
const F64B = new Uint8Array(F64.buffer);

function scoreChars(s: number): string {
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
  const parts: string[] = [(z.lm !== null ? 'L' : 'S') + z.size + ';'];
  const cur = CUR;
  const n = z.size;
  if (n > 0) {
    z.seek(0, cur);
    for (let k = 0; k < n; k++) {
      const m = cur.member;
      parts.push(scoreChars(cur.score) + m.length + ':' + m);
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
  const ms: string[] = new Array(n);
  const ss: number[] = new Array(n);
  let p = semi + 1;
  for (let k = 0; k < n; k++) {
    if (p + 8 > body.length) throw new ValueCodecError('malformed zset payload');
    ss[k] = charsScore(body, p);
    p += 8;
    const colon = body.indexOf(':', p);
    if (colon < 0) throw new ValueCodecError('malformed zset payload');
    const len = Number(body.slice(p, colon));
    ms[k] = body.slice(colon + 1, colon + 1 + len);
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
  const [ms, ss] = z.toArrays();
  const c = ZSetValue.fromSorted(ms, ss, z.lm === null);
  c.memberExpires = cloneMemberExpires(z);
  return c;
}

registerValueCodec('zset', {
  encode: (v) => encodeZSet(v as ZSetValue),
  decode: decodeZSet,
  dup: (v) => dupZSet(v as ZSetValue),
});
