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
// table that only ever grew and shrank probes as if freshly built. Members
// chosen to collide (a probe sequence of FLOODED_PROBES on insertion) switch
// the table to SipHash under a secret key, as Redis hashes its dicts.

import { randomSipKey, seededHash, sipHash, openTableCapacity, OPEN_TABLE_MIN, FLOODED_PROBES, type SipKey } from '../string_hash.ts';

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
    return b < 0 ? -1 : this.table[b * 2 + 1] - 1;
  }

  has(m: string): boolean {
    return this.get(m) >= 0;
  }

  /** Index m (not in the index), which the owner's array already holds at slot. */
  add(m: string, slot: number): void {
    if ((this.size + 1) * 4 > (this.mask + 1) * 3) this.resize((this.mask + 1) * 2);
    const h = this.hash(m);
    const t = this.table;
    const mask = this.mask;
    let b = h & mask;
    let probes = 0;
    while (t[b * 2 + 1] !== 0) {
      b = (b + 1) & mask;
      probes++;
    }
    t[b * 2] = h;
    t[b * 2 + 1] = slot + 1;
    this.size++;
    if (probes >= FLOODED_PROBES && this.sipKey === null) {
      this.sipKey = randomSipKey();
      this.resize(this.mask + 1, true);
    }
  }

  /** Take m (in the index) out; returns its slot. */
  delete(m: string): number {
    const b = this.bucketOf(m, -1);
    if (b < 0) return -1;
    const slot = this.table[b * 2 + 1] - 1;
    this.clear(b);
    this.size--;
    if (this.size * 8 < this.mask + 1 && this.mask + 1 > OPEN_TABLE_MIN) this.resize(openTableCapacity(this.size));
    return slot;
  }

  /** m (in the index at slot `from`) moved to slot `to` in the dense array. */
  move(m: string, from: number, to: number): void {
    const b = this.bucketOf(m, from);
    if (b >= 0) this.table[b * 2 + 1] = to + 1;
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

  /** The bucket holding m (at slot `slot` when slot >= 0, compared without reading the member), or -1. */
  private bucketOf(m: string, slot: number): number {
    const h = this.hash(m);
    const t = this.table;
    const mask = this.mask;
    const members = this.members;
    for (let b = h & mask; ; b = (b + 1) & mask) {
      const s = t[b * 2 + 1];
      if (s === 0) return -1;
      if (t[b * 2] === h && (slot >= 0 ? s === slot + 1 : members[s - 1] === m)) return b;
    }
  }

  /** Empty bucket i, shifting back the members after it that probed past it (backward-shift deletion). */
  private clear(i: number): void {
    const t = this.table;
    const mask = this.mask;
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

  /** Rebuild with `cap` buckets; `rehash`: hash every member again (the hash function changed). */
  private resize(cap: number, rehash = false): void {
    const old = this.table;
    const t = new Int32Array(cap * 2);
    const mask = cap - 1;
    const members = this.members;
    for (let o = 0; o < old.length; o += 2) {
      const s = old[o + 1];
      if (s === 0) continue;
      const h = rehash ? this.hash(members[s - 1]) : old[o];
      let b = h & mask;
      while (t[b * 2 + 1] !== 0) b = (b + 1) & mask;
      t[b * 2] = h;
      t[b * 2 + 1] = s;
    }
    this.table = t;
    this.mask = mask;
  }

  /** 1 + the slot in the first bucket a lookup of m reads (0: empty), for prefetchMembers(). */
  private headSlot(m: string): number {
    return this.table[(this.hash(m) & this.mask) * 2 + 1];
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
    return this.table.length * 4;
  }
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
