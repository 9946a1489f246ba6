// member -> slot for the hashtable encodings of hashes and sets, whose members
// live in a dense array the owner keeps (hash.ts, set.ts): open addressing
// with linear probing over one Int32Array of (hash, 1 + slot) pairs. A lookup
// compares the 32-bit hash in the bucket before it reads the member string,
// so a hit costs the bucket's cache line, the dense array's and the string's;
// a JS Map of a million members costs about twice as long per lookup (its
// hash table, entry chain and string live apart) and ~28 bytes an entry, the
// table here 8 bytes a bucket at most 3/4 full.
//
// Iteration (HSCAN / SSCAN sessions, member_scan.ts) walks the dense array
// with live iterators: the owner removes a member by moving its last one into
// the hole (move()), and an iterator that had passed the hole but not the
// last slot is handed the moved member, so a member present during the whole
// iteration is reached at least once, as SCAN promises.
//
// Removal shifts the following run of buckets back (no tombstones), so a
// table that only ever grew and shrank probes as if freshly built.
//
// A resize is incremental, as Redis's dict rehashes: the new table takes
// every insertion, the old one stays until its members moved over, whole
// runs of occupied buckets (clusters) at a time, a few per write, starting
// after an empty bucket. Moving whole clusters keeps every member left in
// the old table reachable by its own probe sequence (a cluster is bounded
// by empty buckets, and no insertion goes there), so a lookup probes the
// old table, then the new one. A big hash or set passing a million members
// pays for a zeroed array, not for re-inserting every member (37 ms at
// 1.57M before).
//
// Members chosen to collide (a probe sequence of FLOODED_PROBES on
// insertion) switch the table to SipHash under a secret key, as Redis
// hashes its dicts.

import { randomSipKey, seededHash, sipHash, openTableCapacity, OPEN_TABLE_MIN, FLOODED_PROBES, type SipKey } from '../string_hash.ts';

/** Old buckets a write moves to the new table while resizing (whole clusters: at least this many). */
const MOVE_PER_WRITE = 8;
/** Members one MemberIndex.prefetch() reads ahead for, at most; and its scratch. */
export const MEMBER_PREFETCH_MAX = 32;
const prefetchSlots = new Int32Array(MEMBER_PREFETCH_MAX);
const prefetchStrings: string[] = new Array<string>(MEMBER_PREFETCH_MAX).fill('');
/** What prefetch() read, kept so that the compiler cannot drop the reads. */
let prefetchSink = 0;

export class MemberIndex {
  /** Members in the index. */
  size = 0;
  /** Per bucket: table[2b] the member's hash, table[2b + 1] 1 + its slot (0: empty bucket). */
  private table: Int32Array;
  private mask: number;
  /** While resizing: the previous table and mask, where its move started (an empty bucket) and how many buckets from there moved. */
  private old: Int32Array | null = null;
  private oldMask = 0;
  private moveStart = 0;
  private moved = 0;
  /** Set by bucketOf(): the bucket it returned is in the old table. */
  private inOld = false;
  /** The owner's dense member array: slot -> member. */
  private readonly members: string[];
  private readonly fastHash: (m: string) => number;
  private sipKey: SipKey | null = null;

  /** An index over members[0 .. n) (distinct), member i at slot i. `fastHash`: tests pass a weak one. */
  constructor(members: string[], fastHash: (m: string) => number = seededHash) {
    this.members = members;
    this.fastHash = fastHash;
    const cap = openTableCapacity(members.length);
    this.table = new Int32Array(cap * 2);
    this.mask = cap - 1;
    for (let i = 0; i < members.length; i++) this.add(members[i], i);
  }

  /** The table switched to SipHash after members chosen to collide. */
  get hardened(): boolean {
    return this.sipKey !== null;
  }

  /** Buckets allocated. */
  get buckets(): number {
    return this.mask + 1;
  }

  private hash(m: string): number {
    return this.sipKey === null ? this.fastHash(m) : sipHash(m, this.sipKey);
  }

  /** The slot of m, -1 when absent. */
  get(m: string): number {
    const b = this.bucketOf(m, -1);
    return b < 0 ? -1 : (this.inOld ? this.old! : this.table)[b * 2 + 1] - 1;
  }

  /** Old buckets still to move while resizing (0: not resizing). */
  get resizing(): number {
    return this.old === null ? 0 : this.oldMask + 1 - this.moved;
  }

  has(m: string): boolean {
    return this.get(m) >= 0;
  }

  /** Index m (not in the index), which the owner's array already holds at slot. */
  add(m: string, slot: number): void {
    if ((this.size + 1) * 4 > (this.mask + 1) * 3) this.resize((this.mask + 1) * 2);
    const h = this.hash(m);
    const probes = this.place(this.table, this.mask, h, slot + 1);
    this.size++;
    if (probes >= FLOODED_PROBES && this.sipKey === null) {
      this.sipKey = randomSipKey();
      this.rebuild(this.mask + 1, true);
    } else if (this.old !== null) this.moveClusters(MOVE_PER_WRITE);
  }

  /** Take m (in the index) out; returns its slot. */
  delete(m: string): number {
    const b = this.bucketOf(m, -1);
    if (b < 0) return -1;
    const t = this.inOld ? this.old! : this.table;
    const slot = t[b * 2 + 1] - 1;
    if (this.inOld) clearBucket(t, this.oldMask, b);
    else clearBucket(t, this.mask, b);
    this.size--;
    if (this.size * 8 < this.mask + 1 && this.mask + 1 > OPEN_TABLE_MIN) this.resize(openTableCapacity(this.size));
    else if (this.old !== null) this.moveClusters(MOVE_PER_WRITE);
    return slot;
  }

  /** m (in the index at slot `from`) moved to slot `to` in the dense array. */
  move(m: string, from: number, to: number): void {
    const b = this.bucketOf(m, from);
    if (b >= 0) (this.inOld ? this.old! : this.table)[b * 2 + 1] = to + 1;
    if (this.iterators !== null) for (const it of this.iterators) it.moved(m, from, to);
  }

  /** Iterators still running over the dense array. */
  private iterators: Set<MemberIterator> | null = null;

  /** A live iterator over the members (close() it when abandoned before the end). */
  iterate(): MemberIterator {
    const it = new MemberIterator(this.members, this);
    (this.iterators ??= new Set()).add(it);
    return it;
  }

  /** it ended or was closed. */
  forget(it: MemberIterator): void {
    if (this.iterators === null) return;
    this.iterators.delete(it);
    if (this.iterators.size === 0) this.iterators = null;
  }

  /**
   * The bucket holding m (at slot `slot` when slot >= 0, compared without
   * reading the member), or -1; inOld tells which table it is in (while
   * resizing, the old table is probed first).
   */
  private bucketOf(m: string, slot: number): number {
    const h = this.hash(m);
    const old = this.old;
    if (old !== null) {
      const b = this.probe(old, this.oldMask, h, m, slot);
      if (b >= 0) {
        this.inOld = true;
        return b;
      }
    }
    this.inOld = false;
    return this.probe(this.table, this.mask, h, m, slot);
  }

  private probe(t: Int32Array, mask: number, h: number, m: string, slot: number): number {
    const members = this.members;
    for (let b = h & mask; ; b = (b + 1) & mask) {
      const s = t[b * 2 + 1];
      if (s === 0) return -1;
      if (t[b * 2] === h && (slot >= 0 ? s === slot + 1 : members[s - 1] === m)) return b;
    }
  }

  /** Put (h, 1 + slot) in the first free bucket of h's probe sequence in t; returns the probes past the home bucket. */
  private place(t: Int32Array, mask: number, h: number, s1: number): number {
    let b = h & mask;
    let probes = 0;
    while (t[b * 2 + 1] !== 0) {
      b = (b + 1) & mask;
      probes++;
    }
    t[b * 2] = h;
    t[b * 2 + 1] = s1;
    return probes;
  }

  /** Start moving to a table of `cap` buckets (see the top of the file); a move in progress is finished first. */
  private resize(cap: number): void {
    if (this.old !== null) this.moveClusters(this.oldMask + 1);
    const old = this.table;
    const oldMask = this.mask;
    let start = 0;
    while (old[start * 2 + 1] !== 0) start++;
    this.old = old;
    this.oldMask = oldMask;
    this.moveStart = start;
    this.moved = 0;
    this.table = new Int32Array(cap * 2);
    this.mask = cap - 1;
  }

  /** Move the old table's next buckets (at least n, whole clusters) to the new one; the last one ends the resize. */
  private moveClusters(n: number): void {
    const old = this.old!;
    const oldMask = this.oldMask;
    const total = oldMask + 1;
    let moved = this.moved;
    const stop = Math.min(moved + n, total);
    while (moved < stop || (moved < total && old[((this.moveStart + moved) & oldMask) * 2 + 1] !== 0)) {
      const b = (this.moveStart + moved) & oldMask;
      const s1 = old[b * 2 + 1];
      if (s1 !== 0) {
        this.place(this.table, this.mask, old[b * 2], s1);
        old[b * 2] = 0;
        old[b * 2 + 1] = 0;
      }
      moved++;
    }
    this.moved = moved;
    if (moved === total) this.old = null;
  }

  /** Rebuild at once with `cap` buckets; `rehash`: hash every member again (the hash function changed). */
  private rebuild(cap: number, rehash = false): void {
    if (this.old !== null) this.moveClusters(this.oldMask + 1);
    const old = this.table;
    const t = new Int32Array(cap * 2);
    const mask = cap - 1;
    const members = this.members;
    for (let o = 0; o < old.length; o += 2) {
      const s = old[o + 1];
      if (s === 0) continue;
      this.place(t, mask, rehash ? this.hash(members[s - 1]) : old[o], s);
    }
    this.table = t;
    this.mask = mask;
  }

  /** 1 + the slot in the first bucket a lookup of m reads (0: empty), for prefetchMembers(). */
  private headSlot(m: string): number {
    const h = this.hash(m);
    const old = this.old;
    if (old !== null) {
      const s = old[(h & this.oldMask) * 2 + 1];
      if (s !== 0) return s;
    }
    return this.table[(h & this.mask) * 2 + 1];
  }

  /**
   * Read ahead for lookups of members[i] in indexes[i] (i < n), level by level
   * for all of them (bucket, dense slot, member string), as KeyTable.prefetch
   * does for keys: a pipelined batch of HSET / SADD / SISMEMBER ... on a big
   * collection then pays its cache misses once per level instead of per
   * command.
   */
  static prefetch(indexes: MemberIndex[], members: string[], n: number): void {
    const slots = prefetchSlots;
    const strs = prefetchStrings;
    for (let i = 0; i < n; i++) slots[i] = indexes[i].headSlot(members[i]);
    for (let i = 0; i < n; i++) strs[i] = slots[i] !== 0 ? indexes[i].members[slots[i] - 1] : '';
    let sink = 0;
    for (let i = 0; i < n; i++) {
      sink ^= strs[i].length;
      strs[i] = '';
    }
    prefetchSink = sink;
  }

  /** Bytes the index holds (MEMORY USAGE). */
  bytes(): number {
    return (this.table.length + (this.old === null ? 0 : this.old.length)) * 4;
  }
}

/** Empty bucket i of t, shifting back the members after it that probed past it (backward-shift deletion). */
function clearBucket(t: Int32Array, mask: number, i: number): void {
  let j = i;
  for (;;) {
    j = (j + 1) & mask;
    if (t[j * 2 + 1] === 0) break;
    const home = t[j * 2] & mask;
    // Bucket j's member may move to i when its home is not in the cyclic range (i, j].
    const stays = i <= j ? i < home && home <= j : i < home || home <= j;
    if (stays) continue;
    t[i * 2] = t[j * 2];
    t[i * 2 + 1] = t[j * 2 + 1];
    i = j;
  }
  t[i * 2] = 0;
  t[i * 2 + 1] = 0;
}

/** A walk over the dense member array that survives removals (see the top of the file). */
export class MemberIterator {
  private pos = 0;
  /** Members moved from ahead of the walk to behind it, still to be handed out. */
  private pending: string[] | null = null;
  private readonly members: string[];
  private owner: MemberIndex | null;

  constructor(members: string[], owner: MemberIndex) {
    this.members = members;
    this.owner = owner;
  }

  /** The next member, or null at the end (the iterator then leaves its index). */
  next(): string | null {
    if (this.pending !== null) {
      const m = this.pending.pop()!;
      if (this.pending.length === 0) this.pending = null;
      return m;
    }
    if (this.pos < this.members.length) return this.members[this.pos++];
    this.close();
    return null;
  }

  close(): void {
    if (this.owner !== null) this.owner.forget(this);
    this.owner = null;
  }

  /** The owner moved m from slot `from` to slot `to`. */
  moved(m: string, from: number, to: number): void {
    if (to < this.pos && from >= this.pos) (this.pending ??= []).push(m);
  }
}
