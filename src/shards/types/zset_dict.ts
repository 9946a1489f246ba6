// The element store of a skiplist-encoded sorted set, doubling as Redis's
// zset dict (member -> score). An element's id is its slot in two flat
// arrays, `keys` (the member) and `vals` (the score, unboxed): the ordered
// tree (zset_btree.ts) stores ids in its leaves and reads members and scores
// straight from them, so each member and score is held once.
//
// Ids are stable: a removed element's slot goes on a free list and is handed
// to a later member, and nothing renumbers the live ones except a shrink (a
// set that fell under 1/8 of its slots: `remap`, old id -> new id, for the
// owner to apply to the tree before anything else, and `epoch` bumped, which
// ZSCAN cursors carry). The hash index over the ids is chained (`index`, a
// ChainBuckets: 1 + the first id of each chain; `next` 1 + the following
// one, `hashes` each id's hash, compared before the member) and grows
// incrementally, as Redis's dict rehashes (chain_buckets.ts: the chains move
// to the doubled bucket array a few buckets per write, one per lookup). So a
// set passing a million members pays for copying its flat arrays
// (a few milliseconds), not for re-inserting every member and renumbering
// the tree (143 ms at 1.5M members before).

import { randomSipKey, seededHash, sipHash, OPEN_TABLE_MIN, type SipKey } from '../string_hash.ts';
import { ChainBuckets, MOVE_PER_WRITE, FLOODED_CHAIN, type ChainLinks } from '../chain_buckets.ts';

const MIN_CAP = OPEN_TABLE_MIN;

export class ZDict implements ChainLinks {
  /** Member per id: a string, or undefined (a free slot). */
  keys: unknown[];
  /** Score per id. */
  vals: Float64Array;
  /** Per id: its member's hash, and 1 + the next id of its chain (free slots: 1 + the next free one). */
  private hashes: Int32Array;
  private next: Int32Array;
  /** The index over the ids (chain_buckets.ts). */
  private index: ChainBuckets;
  /** Ids handed out so far (ids from here on were never used), and 1 + the first free id (0: none). */
  private top = 0;
  private free = 0;
  /** Live entries. */
  size = 0;
  /** Bumped by every renumbering (ZSCAN cursors carry it). */
  epoch = 0;
  /** Set by a shrink: old id -> new id (-1 for free slots); the owner applies it to the tree and clears it. */
  remap: Int32Array | null = null;

  /** The fast hash (seededHash; tests pass a weak one to provoke flooding). */
  private readonly fastHash: (m: string) => number;
  /** Set once members were seen flooding a chain: SipHash under this key from then on. */
  private sipKey: SipKey | null = null;

  /** An empty store with room for `cap` ids (a power of two, at least 16). */
  constructor(cap = MIN_CAP, fastHash: (m: string) => number = seededHash) {
    this.fastHash = fastHash;
    this.keys = new Array(cap).fill(undefined);
    this.vals = new Float64Array(cap);
    this.hashes = new Int32Array(cap);
    this.next = new Int32Array(cap);
    this.index = new ChainBuckets(cap);
  }

  /** A store sized for n entries. */
  static withSize(n: number): ZDict {
    let cap = MIN_CAP;
    while (cap < n) cap *= 2;
    return new ZDict(cap);
  }

  /** Ids the flat arrays hold. */
  get capacity(): number {
    return this.vals.length;
  }

  /** The table switched to SipHash after members chosen to collide. */
  get hardened(): boolean {
    return this.sipKey !== null;
  }

  private hash(m: string): number {
    return this.sipKey === null ? this.fastHash(m) : sipHash(m, this.sipKey);
  }

  // ---- ChainLinks (the index reads and relinks chains through these) ----

  hashAt(i: number): number {
    return this.hashes[i];
  }

  nextAt(i: number): number {
    return this.next[i];
  }

  setNextAt(i: number, next: number): void {
    this.next[i] = next;
  }

  /** The id of member m, -1 when absent. */
  find(m: string): number {
    if (this.index.resizing) this.index.move(1, this);
    const h = this.hash(m);
    const hashes = this.hashes;
    const keys = this.keys;
    const next = this.next;
    let e = this.index.head(h);
    while (e !== 0) {
      const i = e - 1;
      if (hashes[i] === h && keys[i] === m) return i;
      e = next[i];
    }
    return -1;
  }

  get(m: string): number | undefined {
    const i = this.find(m);
    return i < 0 ? undefined : this.vals[i];
  }

  has(m: string): boolean {
    return this.find(m) >= 0;
  }

  key(id: number): string {
    return this.keys[id] as string;
  }

  /** Add a member that is absent; returns its id (ids handed out before stay valid). */
  add(m: string, s: number): number {
    let h = this.hash(m);
    let chain = 0;
    for (let e = this.index.head(h); e !== 0; e = this.next[e - 1]) chain++;
    if (chain >= FLOODED_CHAIN && this.sipKey === null) {
      this.harden();
      h = this.hash(m);
    }
    if (this.size >= this.index.count) this.index.resize(this.index.count * 2, this);
    let id: number;
    if (this.free !== 0) {
      id = this.free - 1;
      this.free = this.next[id];
    } else {
      if (this.top === this.vals.length) this.growIds(this.vals.length * 2);
      id = this.top++;
    }
    this.keys[id] = m;
    this.vals[id] = s;
    this.hashes[id] = h;
    this.index.link(id, h, this);
    this.size++;
    if (this.index.resizing) this.index.move(MOVE_PER_WRITE, this);
    return id;
  }

  /** Remove the element with this id. May shrink the store (then `remap` is set). */
  removeAt(id: number): void {
    // The chain is walked here rather than in ChainBuckets through ChainLinks: that call site,
    // shared with KeyTable, made ZREM churn 30% slower.
    const heads = this.index.chainOf(this.hashes[id]);
    const b = this.index.at;
    const next = this.next;
    if (heads[b] === id + 1) heads[b] = next[id];
    else {
      let e = heads[b];
      while (next[e - 1] !== id + 1) e = next[e - 1];
      next[e - 1] = next[id];
    }
    this.keys[id] = undefined;
    next[id] = this.free;
    this.free = id + 1;
    this.size--;
    if (this.size * 8 < this.vals.length && this.vals.length > MIN_CAP) this.shrink();
    else if (this.index.resizing) this.index.move(MOVE_PER_WRITE, this);
  }

  clear(): void {
    this.keys = new Array(MIN_CAP).fill(undefined);
    this.vals = new Float64Array(MIN_CAP);
    this.hashes = new Int32Array(MIN_CAP);
    this.next = new Int32Array(MIN_CAP);
    this.index = new ChainBuckets(MIN_CAP);
    this.top = 0;
    this.free = 0;
    this.size = 0;
    this.epoch++;
    this.remap = null;
  }

  /** Members were chosen to collide: hash every one again with SipHash (ids stay). */
  private harden(): void {
    const sk = randomSipKey();
    this.sipKey = sk;
    for (let i = 0; i < this.top; i++) {
      const k = this.keys[i];
      if (typeof k === 'string') this.hashes[i] = sipHash(k, sk);
    }
    this.reindex(this.index.count);
  }

  /** Room for more ids: the flat arrays are copied into ones of `cap` slots. */
  private growIds(cap: number): void {
    const keys = new Array(cap).fill(undefined);
    const from = this.keys;
    for (let i = 0; i < from.length; i++) keys[i] = from[i];
    this.keys = keys;
    const vals = new Float64Array(cap);
    vals.set(this.vals);
    this.vals = vals;
    const hashes = new Int32Array(cap);
    hashes.set(this.hashes);
    this.hashes = hashes;
    const next = new Int32Array(cap);
    next.set(this.next);
    this.next = next;
  }

  /** Every chain rebuilt at once in `buckets` buckets (ends any incremental growth). */
  private reindex(buckets: number): void {
    this.index.reset(buckets);
    for (let i = 0; i < this.top; i++) if (typeof this.keys[i] === 'string') this.index.link(i, this.hashes[i], this);
  }

  /** Few live elements in many slots: renumber them 0.. in id order into smaller arrays, recording old id -> new id. */
  private shrink(): void {
    let cap = MIN_CAP;
    while (cap < this.size * 2) cap *= 2;
    const oldK = this.keys;
    const oldV = this.vals;
    const oldH = this.hashes;
    const remap = new Int32Array(oldK.length).fill(-1);
    this.keys = new Array(cap).fill(undefined);
    this.vals = new Float64Array(cap);
    this.hashes = new Int32Array(cap);
    this.next = new Int32Array(cap);
    let j = 0;
    for (let i = 0; i < this.top; i++) {
      const k = oldK[i];
      if (typeof k !== 'string') continue;
      this.keys[j] = k;
      this.vals[j] = oldV[i];
      this.hashes[j] = oldH[i];
      remap[i] = j++;
    }
    this.top = j;
    this.free = 0;
    this.reindex(cap);
    this.epoch++;
    this.remap = remap;
  }

  /** Every live member, in id order. */
  *members(): IterableIterator<string> {
    const keys = this.keys;
    for (let j = 0; j < this.top; j++) {
      const k = keys[j];
      if (typeof k === 'string') yield k;
    }
  }

  /**
   * One SCAN step: from id `pos` of the store as it was at `epoch` (a cursor
   * from another epoch starts over at 0), collect live entries until `count`
   * were found or count*10 slots were examined. Returns the next position,
   * or -1 at the end. Ids only move when the epoch changes, so an element
   * present all along is reached.
   */
  scan(pos: number, epoch: number, count: number, outM: string[], outS: number[]): number {
    if (epoch !== (this.epoch & 0xffff)) pos = 0;
    const keys = this.keys;
    const n = this.top;
    let found = 0;
    let budget = count * 10;
    while (pos < n && found < count && budget-- > 0) {
      const k = keys[pos];
      if (typeof k === 'string') {
        outM.push(k);
        outS.push(this.vals[pos]);
        found++;
      }
      pos++;
    }
    return pos < n ? pos : -1;
  }

  /** Bytes held by the store (MEMORY USAGE): per id slot a member pointer, a score, a hash and a link; 4 per bucket. */
  bytes(): number {
    return 2 * 80 + this.vals.length * 24 + this.index.count * 4;
  }
}
