// The ordered structure behind a large sorted set (Redis's skiplist encoding):
// an order-statistic B+tree keyed by (score, member). The elements themselves
// live in the set's ZDict (zset_dict.ts); leaves hold element ids (slot
// numbers there, small integers: 8 bytes each) in key order and are chained
// both ways for range walks. Inner nodes hold their children, each child's
// element count (so rank <-> position is one descent, O(log n)) and a
// separator per child: a copy of a key (score, member) that bounds the child's
// keys from below and is greater than every key of the children before it
// (index 0 unused). Separators are exact after splits and rebalancing and may
// go stale (still valid bounds) when a child's first element is deleted.
//
// Order: by score, then by member bytes (latin1 strings compare by char code,
// which is memcmp order; a prefix sorts first), as Redis's zslInsert. -0 and
// 0 compare equal, as in C.
//
// Leaves are kept well filled: an overflowing leaf first hands elements to a
// sibling with room, and appends at either end of the set split unevenly, so
// monotonic inserts leave full leaves behind.

import type { ZDict } from './zset_dict.ts';

/** Most elements in a leaf; a leaf with fewer than LEAF_MIN (not the root) is merged or refilled. */
const LEAF_MAX = 128;
const LEAF_MIN = 32;
/** A sibling takes over elements from an overflowing leaf when it has at least this many free slots. */
const LEAF_SHARE = 8;
/** Most children of an inner node; fewer than INNER_MIN (not the root) is merged or refilled. */
const INNER_MAX = 64;
const INNER_MIN = 16;

export class ZLeaf {
  ids: number[];
  next: ZLeaf | null = null;
  prev: ZLeaf | null = null;
  constructor(ids: number[]) {
    this.ids = ids;
  }
}

class ZInner {
  kids: ZNode[];
  cnt: number[];
  /** Separator of kids[i] (i >= 1): member and score. */
  sm: string[];
  ss: number[];
  leafKids: boolean;
  constructor(kids: ZNode[], cnt: number[], sm: string[], ss: number[], leafKids: boolean) {
    this.kids = kids;
    this.cnt = cnt;
    this.sm = sm;
    this.ss = ss;
    this.leafKids = leafKids;
  }
}

type ZNode = ZLeaf | ZInner;

/** Position of an element: its leaf and index there. */
export class ZPos {
  leaf: ZLeaf | null = null;
  i = 0;
}

// Descent path, reused by every tree (one thread runs one command at a time).
const pathNode: ZInner[] = [];
const pathIdx: number[] = [];

/** a - b in (score, member) order: negative, zero or positive. */
export function cmpKey(s1: number, m1: string, s2: number, m2: string): number {
  if (s1 < s2) return -1;
  if (s1 > s2) return 1;
  return m1 < m2 ? -1 : m1 > m2 ? 1 : 0;
}

/** Index of the first element of sorted parallel arrays greater than or equal to (s, m). */
export function lowerBound(ms: string[], ss: number[], lo: number, hi: number, s: number, m: string): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const x = ss[mid];
    if (x < s || (x === s && ms[mid] < m)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Child of an inner node whose key range holds (s, m). */
function childFor(n: ZInner, s: number, m: string): number {
  const ss = n.ss;
  const sm = n.sm;
  let lo = 1;
  let hi = ss.length;
  // First separator greater than the key; the child before it.
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const x = ss[mid];
    if (x < s || (x === s && sm[mid] <= m)) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

export class ZTree {
  root: ZNode;
  size = 0;
  first: ZLeaf;
  last: ZLeaf;
  /** Where the elements are (ids index it). */
  readonly d: ZDict;

  constructor(d: ZDict) {
    this.d = d;
    const l = new ZLeaf([]);
    this.root = l;
    this.first = l;
    this.last = l;
  }

  /** Index of the first id in ids[lo, hi) whose key is >= (s, m). */
  private leafLowerBound(ids: number[], lo: number, hi: number, s: number, m: string): number {
    const keys = this.d.keys as string[];
    const vals = this.d.vals;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const id = ids[mid];
      const x = vals[id];
      if (x < s || (x === s && keys[id] < m)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * A tree over ids already sorted by key (taken over). Leaves are filled to
   * LEAF_MAX elements (evened out over the leaves needed).
   */
  static fromSorted(d: ZDict, ids: number[]): ZTree {
    const t = new ZTree(d);
    const n = ids.length;
    if (n === 0) return t;
    const keys = d.keys as string[];
    const vals = d.vals;
    const nLeaves = Math.ceil(n / LEAF_MAX);
    const per = Math.ceil(n / nLeaves);
    const leaves: ZLeaf[] = [];
    let prev: ZLeaf | null = null;
    for (let i = 0; i < n; i += per) {
      const l = new ZLeaf(ids.slice(i, Math.min(n, i + per)));
      l.prev = prev;
      if (prev !== null) prev.next = l;
      prev = l;
      leaves.push(l);
    }
    t.first = leaves[0];
    t.last = leaves[leaves.length - 1];
    t.size = n;
    let level: ZNode[] = leaves;
    let counts: number[] = leaves.map((l) => l.ids.length);
    let leafKids = true;
    while (level.length > 1) {
      const groups = Math.ceil(level.length / INNER_MAX);
      const gper = Math.ceil(level.length / groups);
      const up: ZNode[] = [];
      const upCounts: number[] = [];
      for (let i = 0; i < level.length; i += gper) {
        const e = Math.min(level.length, i + gper);
        const kids = level.slice(i, e);
        const cnt = counts.slice(i, e);
        const sm: string[] = new Array(kids.length);
        const ss: number[] = new Array(kids.length);
        sm[0] = '';
        ss[0] = 0;
        let total = cnt[0];
        for (let k = 1; k < kids.length; k++) {
          const id = firstLeaf(kids[k]).ids[0];
          sm[k] = keys[id];
          ss[k] = vals[id];
          total += cnt[k];
        }
        up.push(new ZInner(kids, cnt, sm, ss, leafKids));
        upCounts.push(total);
      }
      level = up;
      counts = upCounts;
      leafKids = false;
    }
    t.root = level[0];
    return t;
  }

  /** Insert element id, whose key is not present. */
  insert(id: number): void {
    const s = this.d.vals[id];
    const m = this.d.keys[id] as string;
    let node = this.root;
    let depth = 0;
    while (!(node instanceof ZLeaf)) {
      const i = childFor(node, s, m);
      node.cnt[i]++;
      pathNode[depth] = node;
      pathIdx[depth] = i;
      depth++;
      node = node.kids[i];
    }
    const leaf = node;
    const ids = leaf.ids;
    const len = ids.length;
    const pos = this.leafLowerBound(ids, 0, len, s, m);
    if (pos === len) ids.push(id);
    else ids.splice(pos, 0, id);
    this.size++;
    if (len + 1 > LEAF_MAX) this.overflow(leaf, pos, depth);
  }

  /** A leaf went over LEAF_MAX: hand elements to a sibling with room, else split it. */
  private overflow(leaf: ZLeaf, pos: number, depth: number): void {
    const n = leaf.ids.length;
    if (depth > 0) {
      const p = pathNode[depth - 1];
      const i = pathIdx[depth - 1];
      // Not for appends at either end of the set: those split unevenly below and keep leaves full.
      const edge = (pos === n - 1 && leaf.next === null) || (pos === 0 && leaf.prev === null);
      if (!edge && i > 0) {
        const left = p.kids[i - 1] as ZLeaf;
        const free = LEAF_MAX - left.ids.length;
        if (free >= LEAF_SHARE) {
          const k = (free + 1) >>> 1;
          for (let j = 0; j < k; j++) left.ids.push(leaf.ids[j]);
          leaf.ids = leaf.ids.slice(k);
          p.cnt[i - 1] += k;
          p.cnt[i] -= k;
          this.setSep(p, i, leaf.ids[0]);
          return;
        }
      }
      if (!edge && i + 1 < p.kids.length) {
        const right = p.kids[i + 1] as ZLeaf;
        const free = LEAF_MAX - right.ids.length;
        if (free >= LEAF_SHARE) {
          const k = (free + 1) >>> 1;
          right.ids = leaf.ids.slice(n - k).concat(right.ids);
          leaf.ids = leaf.ids.slice(0, n - k);
          p.cnt[i + 1] += k;
          p.cnt[i] -= k;
          this.setSep(p, i + 1, right.ids[0]);
          return;
        }
      }
    }
    let k: number;
    if (pos === n - 1 && leaf.next === null) k = n - 1; // append at the end: keep the full leaf
    else if (pos === 0 && leaf.prev === null) k = 1; // prepend at the start
    else k = n >>> 1;
    const right = new ZLeaf(leaf.ids.slice(k));
    leaf.ids = leaf.ids.slice(0, k);
    right.next = leaf.next;
    right.prev = leaf;
    if (leaf.next !== null) leaf.next.prev = right;
    else this.last = right;
    leaf.next = right;
    const first = right.ids[0];
    this.addSibling(leaf, right, k, n - k, this.d.keys[first] as string, this.d.vals[first], depth, true);
  }

  private setSep(p: ZInner, i: number, id: number): void {
    p.sm[i] = this.d.keys[id] as string;
    p.ss[i] = this.d.vals[id];
  }

  /** After `left` (at path depth) split off `right`: register right in the parent, splitting upwards as needed. */
  private addSibling(left: ZNode, right: ZNode, leftCount: number, rightCount: number, sepM: string, sepS: number, depth: number, leafKids: boolean): void {
    if (depth === 0) {
      this.root = new ZInner([left, right], [leftCount, rightCount], ['', sepM], [0, sepS], leafKids);
      return;
    }
    const p = pathNode[depth - 1];
    const i = pathIdx[depth - 1];
    p.cnt[i] = leftCount;
    p.kids.splice(i + 1, 0, right);
    p.cnt.splice(i + 1, 0, rightCount);
    p.sm.splice(i + 1, 0, sepM);
    p.ss.splice(i + 1, 0, sepS);
    const nk = p.kids.length;
    if (nk <= INNER_MAX) return;
    let k: number;
    if (i + 1 === nk - 1 && isRightmost(depth - 1)) k = nk - 1;
    else if (i === 0 && isLeftmost(depth - 1)) k = 1;
    else k = nk >>> 1;
    const r = new ZInner(p.kids.slice(k), p.cnt.slice(k), p.sm.slice(k), p.ss.slice(k), p.leafKids);
    const upM = r.sm[0];
    const upS = r.ss[0];
    r.sm[0] = '';
    r.ss[0] = 0;
    p.kids = p.kids.slice(0, k);
    p.cnt = p.cnt.slice(0, k);
    p.sm = p.sm.slice(0, k);
    p.ss = p.ss.slice(0, k);
    this.addSibling(p, r, sum(p.cnt), sum(r.cnt), upM, upS, depth - 1, false);
  }

  /** Find element id (its key as the dict holds it now): its leaf, recording the descent path. */
  private locate(id: number, at: ZPos): number {
    const s = this.d.vals[id];
    const m = this.d.keys[id] as string;
    let node = this.root;
    let depth = 0;
    while (!(node instanceof ZLeaf)) {
      const i = childFor(node, s, m);
      pathNode[depth] = node;
      pathIdx[depth] = i;
      depth++;
      node = node.kids[i];
    }
    at.leaf = node;
    at.i = this.leafLowerBound(node.ids, 0, node.ids.length, s, m);
    return depth;
  }

  /** Remove element id (present; call before the dict forgets it). */
  delete(id: number): void {
    const at = POS;
    const depth = this.locate(id, at);
    const leaf = at.leaf!;
    for (let d = 0; d < depth; d++) pathNode[d].cnt[pathIdx[d]]--;
    this.removeAt(leaf, at.i, depth);
  }

  /** Remove the element at leaf/pos, whose descent path (counts already decremented) is recorded up to depth. */
  private removeAt(leaf: ZLeaf, pos: number, depth: number): void {
    const ids = leaf.ids;
    if (pos === ids.length - 1) ids.pop();
    else if (pos === 0) ids.shift();
    else ids.splice(pos, 1);
    this.size--;
    if (depth > 0 && ids.length < LEAF_MIN) this.rebalance(depth);
  }

  /** The node at path depth `depth` (a child of pathNode[depth-1]) is underfull: merge or refill it. */
  private rebalance(depth: number): void {
    const p = pathNode[depth - 1];
    const i = pathIdx[depth - 1];
    if (p.kids.length === 1) {
      this.fixUpper(depth - 1);
      return;
    }
    const li = i > 0 ? i - 1 : i;
    const ri = li + 1;
    const a = p.kids[li];
    const b = p.kids[ri];
    if (a instanceof ZLeaf) {
      const bl = b as ZLeaf;
      const total = a.ids.length + bl.ids.length;
      if (total <= LEAF_MAX) {
        for (let k = 0; k < bl.ids.length; k++) a.ids.push(bl.ids[k]);
        a.next = bl.next;
        if (bl.next !== null) bl.next.prev = a;
        else this.last = a;
        p.cnt[li] += p.cnt[ri];
        removeKid(p, ri);
      } else {
        // Even out the two leaves.
        const half = total >>> 1;
        if (a.ids.length < half) {
          const move = half - a.ids.length;
          for (let k = 0; k < move; k++) a.ids.push(bl.ids[k]);
          bl.ids = bl.ids.slice(move);
        } else {
          bl.ids = a.ids.slice(half).concat(bl.ids);
          a.ids = a.ids.slice(0, half);
        }
        p.cnt[li] = a.ids.length;
        p.cnt[ri] = bl.ids.length;
        this.setSep(p, ri, bl.ids[0]);
      }
    } else {
      const bi = b as ZInner;
      const total = a.kids.length + bi.kids.length;
      // The separator between a and b becomes the separator of b's first child.
      bi.sm[0] = p.sm[ri];
      bi.ss[0] = p.ss[ri];
      if (total <= INNER_MAX) {
        for (let k = 0; k < bi.kids.length; k++) {
          a.kids.push(bi.kids[k]);
          a.cnt.push(bi.cnt[k]);
          a.sm.push(bi.sm[k]);
          a.ss.push(bi.ss[k]);
        }
        p.cnt[li] += p.cnt[ri];
        removeKid(p, ri);
      } else {
        const half = total >>> 1;
        if (a.kids.length < half) {
          const move = half - a.kids.length;
          for (let k = 0; k < move; k++) {
            a.kids.push(bi.kids[k]);
            a.cnt.push(bi.cnt[k]);
            a.sm.push(bi.sm[k]);
            a.ss.push(bi.ss[k]);
          }
          bi.kids = bi.kids.slice(move);
          bi.cnt = bi.cnt.slice(move);
          bi.sm = bi.sm.slice(move);
          bi.ss = bi.ss.slice(move);
        } else {
          bi.kids = a.kids.slice(half).concat(bi.kids);
          bi.cnt = a.cnt.slice(half).concat(bi.cnt);
          bi.sm = a.sm.slice(half).concat(bi.sm);
          bi.ss = a.ss.slice(half).concat(bi.ss);
          a.kids = a.kids.slice(0, half);
          a.cnt = a.cnt.slice(0, half);
          a.sm = a.sm.slice(0, half);
          a.ss = a.ss.slice(0, half);
        }
        p.sm[ri] = bi.sm[0];
        p.ss[ri] = bi.ss[0];
        bi.sm[0] = '';
        bi.ss[0] = 0;
        p.cnt[li] = sum(a.cnt);
        p.cnt[ri] = sum(bi.cnt);
      }
    }
    this.fixUpper(depth - 1);
  }

  /** After the node at path depth d lost a child: collapse a one-child root, rebalance an underfull inner node. */
  private fixUpper(d: number): void {
    const n = pathNode[d];
    if (d === 0) {
      if (n.kids.length === 1) this.root = n.kids[0];
      return;
    }
    if (n.kids.length < INNER_MIN) this.rebalance(d);
  }

  /** 0-based rank of element id (present). */
  rank(id: number): number {
    const s = this.d.vals[id];
    const m = this.d.keys[id] as string;
    let node = this.root;
    let r = 0;
    while (!(node instanceof ZLeaf)) {
      const i = childFor(node, s, m);
      const cnt = node.cnt;
      for (let k = 0; k < i; k++) r += cnt[k];
      node = node.kids[i];
    }
    return r + this.leafLowerBound(node.ids, 0, node.ids.length, s, m);
  }

  /** Point `at` to the element of 0-based rank r (0 <= r < size). */
  seek(r: number, at: ZPos): void {
    let node = this.root;
    while (!(node instanceof ZLeaf)) {
      const cnt = node.cnt;
      let i = 0;
      while (r >= cnt[i]) r -= cnt[i++];
      node = node.kids[i];
    }
    at.leaf = node;
    at.i = r;
  }

  /** Number of elements with score < x (inclusive: <= x). */
  countScoreBelow(x: number, inclusive: boolean): number {
    let node = this.root;
    let r = 0;
    while (!(node instanceof ZLeaf)) {
      const ss = node.ss;
      let i = 0;
      if (inclusive) while (i + 1 < ss.length && ss[i + 1] <= x) i++;
      else while (i + 1 < ss.length && ss[i + 1] < x) i++;
      const cnt = node.cnt;
      for (let k = 0; k < i; k++) r += cnt[k];
      node = node.kids[i];
    }
    const ids = node.ids;
    const vals = this.d.vals;
    let lo = 0;
    let hi = ids.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const v = vals[ids[mid]];
      if (inclusive ? v <= x : v < x) lo = mid + 1;
      else hi = mid;
    }
    return r + lo;
  }

  /** Number of elements whose member is < x (inclusive: <= x), for sets whose scores are all equal. */
  countLexBelow(x: string, inclusive: boolean): number {
    let node = this.root;
    let r = 0;
    while (!(node instanceof ZLeaf)) {
      const sm = node.sm;
      let i = 0;
      if (inclusive) while (i + 1 < sm.length && sm[i + 1] <= x) i++;
      else while (i + 1 < sm.length && sm[i + 1] < x) i++;
      const cnt = node.cnt;
      for (let k = 0; k < i; k++) r += cnt[k];
      node = node.kids[i];
    }
    const ids = node.ids;
    const keys = this.d.keys as string[];
    let lo = 0;
    let hi = ids.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const v = keys[ids[mid]];
      if (inclusive ? v <= x : v < x) lo = mid + 1;
      else hi = mid;
    }
    return r + lo;
  }

  /** Change the score of element id to ns (the dict's score is updated here). */
  update(id: number, ns: number): void {
    const at = POS;
    this.locate(id, at);
    const leaf = at.leaf!;
    const pos = at.i;
    const s = this.d.vals[id];
    const m = this.d.keys[id] as string;
    const ids = leaf.ids;
    const n = ids.length;
    const keys = this.d.keys as string[];
    const vals = this.d.vals;
    // In place when the element keeps its position: above the previous element (or, first in
    // its leaf, above the leaf's separator: true when the key grows) and below the next one
    // (or, last in its leaf, below the next leaf's separator: true when the key shrinks).
    const upOk = pos > 0 ? cmpKey(vals[ids[pos - 1]], keys[ids[pos - 1]], ns, m) < 0 : ns >= s || leaf.prev === null;
    const downOk = pos < n - 1 ? cmpKey(ns, m, vals[ids[pos + 1]], keys[ids[pos + 1]]) < 0 : ns <= s || leaf.next === null;
    if (upOk && downOk) {
      vals[id] = ns;
      return;
    }
    this.delete(id);
    vals[id] = ns;
    this.insert(id);
  }

  /** Apply a dict shrink's old id -> new id map to every leaf. */
  remap(map: Int32Array): void {
    for (let l: ZLeaf | null = this.first; l !== null; l = l.next) {
      const ids = l.ids;
      for (let i = 0; i < ids.length; i++) ids[i] = map[ids[i]];
    }
  }

  /** Drop every element. */
  clear(): void {
    const l = new ZLeaf([]);
    this.root = l;
    this.first = l;
    this.last = l;
    this.size = 0;
  }

  /** Leaves and inner nodes (for memory estimates). */
  nodeCounts(): { leaves: number; inner: number } {
    let leaves = 0;
    let inner = 0;
    const walk = (n: ZNode): void => {
      if (n instanceof ZLeaf) {
        leaves++;
        return;
      }
      inner++;
      if (n.leafKids) leaves += n.kids.length;
      else for (const k of n.kids) walk(k);
    };
    walk(this.root);
    return { leaves, inner };
  }

  /** Structural self-check for tests: counts, separators, order, links. Throws on a violation. */
  check(): void {
    let total = 0;
    const keys = this.d.keys as string[];
    const vals = this.d.vals;
    const leaves: ZLeaf[] = [];
    const walk = (n: ZNode, lo: [number, string] | null, hi: [number, string] | null, isRoot: boolean): number => {
      if (n instanceof ZLeaf) {
        if (!isRoot && n.ids.length < 1) throw new Error('empty leaf');
        for (let k = 0; k < n.ids.length; k++) {
          const id = n.ids[k];
          if (typeof keys[id] !== 'string') throw new Error('dangling id');
          if (k > 0 && cmpKey(vals[n.ids[k - 1]], keys[n.ids[k - 1]], vals[id], keys[id]) >= 0) throw new Error('leaf order');
          if (lo !== null && cmpKey(vals[id], keys[id], lo[0], lo[1]) < 0) throw new Error('below separator');
          if (hi !== null && cmpKey(vals[id], keys[id], hi[0], hi[1]) >= 0) throw new Error('above next separator');
        }
        if (n.ids.length > LEAF_MAX) throw new Error('leaf overflow');
        leaves.push(n);
        total += n.ids.length;
        return n.ids.length;
      }
      if (n.kids.length > INNER_MAX) throw new Error('inner overflow');
      if (!isRoot && n.kids.length < 2) throw new Error('inner underflow');
      let c = 0;
      for (let k = 0; k < n.kids.length; k++) {
        const klo: [number, string] | null = k === 0 ? lo : [n.ss[k], n.sm[k]];
        const khi: [number, string] | null = k + 1 < n.kids.length ? [n.ss[k + 1], n.sm[k + 1]] : hi;
        if ((n.kids[k] instanceof ZLeaf) !== n.leafKids) throw new Error('leafKids flag');
        const got = walk(n.kids[k], klo, khi, false);
        if (got !== n.cnt[k]) throw new Error(`count mismatch ${got} != ${n.cnt[k]}`);
        c += got;
      }
      return c;
    };
    walk(this.root, null, null, true);
    if (total !== this.size) throw new Error('size mismatch');
    if (leaves[0] !== this.first || leaves[leaves.length - 1] !== this.last) throw new Error('first/last');
    for (let k = 0; k < leaves.length; k++) {
      if (leaves[k].prev !== (k > 0 ? leaves[k - 1] : null)) throw new Error('prev link');
      if (leaves[k].next !== (k + 1 < leaves.length ? leaves[k + 1] : null)) throw new Error('next link');
    }
  }
}

const POS = new ZPos();

function firstLeaf(n: ZNode): ZLeaf {
  while (!(n instanceof ZLeaf)) n = n.kids[0];
  return n;
}

function sum(a: number[]): number {
  let t = 0;
  for (let i = 0; i < a.length; i++) t += a[i];
  return t;
}

function removeKid(p: ZInner, i: number): void {
  p.kids.splice(i, 1);
  p.cnt.splice(i, 1);
  p.sm.splice(i, 1);
  p.ss.splice(i, 1);
  if (i === 0 && p.kids.length > 0) {
    p.sm[0] = '';
    p.ss[0] = 0;
  }
}

/** Is the path node at depth d the rightmost node of its level? */
function isRightmost(d: number): boolean {
  for (let k = 0; k < d; k++) if (pathIdx[k] !== pathNode[k].kids.length - 1) return false;
  return true;
}

function isLeftmost(d: number): boolean {
  for (let k = 0; k < d; k++) if (pathIdx[k] !== 0) return false;
  return true;
}
