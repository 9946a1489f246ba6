// The dictionary of one database: key -> value, plus each key's LRU clock.
//
// Like V8's Map it keeps entries in insertion order, with a hash index over
// them, so iteration has the semantics SCAN sessions rely on (scan_cursor.ts):
// a live iterator skips entries deleted before it reaches them, reaches the
// ones added later at the end, and reaches every other entry exactly once.
// Unlike a Map it keeps each entry's 32-bit hash and chain link in typed
// arrays and compares hashes before keys, and a lookup is plain JIT code: on
// a 1M-key table a lookup costs about half of Map's (the cache misses of a
// large table dominate both). Each entry also carries its LRU clock (OBJECT
// IDLETIME) in a typed array, 4 bytes instead of a second Map.
//
// Entries, in insertion order: per entry e, hash, 1 + the next entry of its
// bucket's chain (0: none) and the LRU clock in `meta`, key and value side by
// side in `kv` (a lookup touches one cache line of each). Both are stored in
// pages of PAGE entries (page e >>> PAGE_SHIFT, slot e & PAGE_MASK): growth
// adds a page when the entries reach it and never copies the ones before
// (page 0 starts small and is reallocated up to PAGE entries). A deleted
// entry leaves a hole (key undefined) until the table is compacted. Index:
// `buckets[h & mask]` holds 1 + the first entry of the bucket's chain (0:
// empty).
//
// Nothing that grows with the table is done at once. The bucket array
// doubles when the live entries reach its size (halves under a quarter) and
// the chains move to the new one a few buckets per write (and one per
// lookup) from the first bucket on, as Redis's dict rehashes: a hash whose
// old bucket has not moved yet is still looked up, inserted and deleted
// there (chain_buckets.ts, shared with the sorted sets' ZDict). Holes are
// dropped by compaction, which starts when they outnumber the live entries
// and moves the live ones to the front a few slots per write (see
// "compaction" below); an open iterator moves with its next entry. So a table passing a million keys, or a churning cache, pauses for
// the allocation of a zeroed bucket array, not for copying entries and
// rebuilding every chain (before: 175 ms at 1M keys, 778 ms at 2M, 250 ms
// compacting 2M live keys). Iterators register while they run and leave
// when exhausted or closed with return() (an abandoned one only costs its
// own small object).

import type { RawValue } from './keyspace.ts';
import { randomSipKey, seededHash, sipHash, type SipKey } from './string_hash.ts';
import { ChainBuckets, MOVE_PER_WRITE, FLOODED_CHAIN, type ChainLinks } from './chain_buckets.ts';

const MIN_CAPACITY = 8;
/** Int32 words per entry in a meta page: hash, 1 + next entry of the chain, LRU clock. */
const META = 3;
/** Entries per storage page (see the top of the file). */
const PAGE_SHIFT = 14;
const PAGE = 1 << PAGE_SHIFT;
const PAGE_MASK = PAGE - 1;
/** Entry slots a write compacts while the table compacts; a table of at most COMPACT_AT_ONCE slots compacts at once. */
const COMPACT_PER_WRITE = 16;
const COMPACT_AT_ONCE = 4096;

/** Keys one prefetch() call reads ahead for, at most. */
const PREFETCH_MAX = 32;
/** prefetch()'s scratch: bucket heads, then the keys and values of their entries. */
const prefetchEntries = new Int32Array(PREFETCH_MAX);
const prefetchKeys: string[] = new Array<string>(PREFETCH_MAX).fill('');
const prefetchValues: unknown[] = new Array<unknown>(PREFETCH_MAX).fill(undefined);

/** Keys and values side by side (V: the values' type). */
type KvPage<V> = (string | V | undefined)[];

function kvPage<V>(entries: number): KvPage<V> {
  return new Array<string | V | undefined>(entries * 2).fill(undefined);
}

/** Keys to values of type V: a database's values (RawValue), or its keys' expiry times (numbers). */
export class KeyTable<V = RawValue> implements ChainLinks {
  /** Live entries. */
  size = 0;
  /** Entry slots used so far (live entries and holes). */
  private used = 0;
  /** The index (chain_buckets.ts): twice the buckets when the live entries reach their number, half under a quarter. */
  private readonly index: ChainBuckets;
  /** Entry pages (see the top of the file): META words each in metaPages, key and value in kvPages; `allocated` slots in all. */
  private allocated: number;
  private metaPages: Int32Array[];
  private kvPages: KvPage<V>[];
  /** Iterators still running: compaction moves them along with the entries. */
  private readonly iterators = new Set<KeyIterator<V>>();
  /** The fast hash (seededHash; tests pass a weak one to provoke flooding). */
  private readonly fastHash: (key: string) => number;
  /** Set once the table saw a flooded chain: keys are hashed with SipHash under this key from then on. */
  private sipKey: SipKey | null = null;
  /** Length of the chain the last lookup walked. */
  private walked = 0;

  constructor(capacity = MIN_CAPACITY, fastHash: (key: string) => number = seededHash) {
    this.fastHash = fastHash;
    this.index = new ChainBuckets(capacity);
    this.allocated = Math.min(capacity, PAGE);
    this.metaPages = [new Int32Array(this.allocated * META)];
    this.kvPages = [kvPage<V>(this.allocated)];
  }

  /** Entry slots in use: live entries and holes (compaction keeps the holes under about as many as the live ones). */
  get usedSlots(): number {
    return this.used;
  }

  /** Buckets (the live entries stay between a quarter of it and all of it). */
  get bucketCount(): number {
    return this.index.count;
  }

  /** The table switched to SipHash after keys chosen to collide. */
  get hardened(): boolean {
    return this.sipKey !== null;
  }

  /** Old buckets not moved yet (0: not re-indexing). */
  get reindexing(): number {
    return this.index.pending;
  }

  /** Entry slots still to look at while the table compacts (0: not compacting). */
  get compacting(): number {
    return this.compactFrom < 0 ? 0 : this.used - this.compactFrom;
  }

  private hash(key: string): number {
    return this.sipKey === null ? this.fastHash(key) : sipHash(key, this.sipKey);
  }

  // ---- ChainLinks (the index reads and relinks chains through these) ----

  hashAt(i: number): number {
    return this.metaPages[i >>> PAGE_SHIFT][(i & PAGE_MASK) * META];
  }

  nextAt(i: number): number {
    return this.metaPages[i >>> PAGE_SHIFT][(i & PAGE_MASK) * META + 1];
  }

  setNextAt(i: number, next: number): void {
    this.metaPages[i >>> PAGE_SHIFT][(i & PAGE_MASK) * META + 1] = next;
  }

  /**
   * Read what lookups of these keys will read (bucket, entry, key string),
   * every key's first level before any key's next one, so that the cache
   * misses of a large table overlap instead of following one another. A
   * pipelined batch pays about one miss's latency per level instead of one
   * per key and level (the lookups themselves then hit the cache). Keys are
   * argvs[i][keyAt[i]] for i in [from, to); a command whose keyAt is 0 (no
   * key) is skipped. Returns how many it read ahead for: prefetchedValue(i)
   * is then the value of the entry key from + i's bucket starts with (its own
   * value, or another key's: a hint), until clearPrefetched().
   */
  prefetch(argvs: string[][], keyAt: Int32Array, from: number, to: number): number {
    const n = to - from < PREFETCH_MAX ? to - from : PREFETCH_MAX;
    const at = prefetchEntries;
    for (let i = 0; i < n; i++) {
      const k = keyAt[from + i];
      at[i] = k !== 0 ? this.index.head(this.hash(argvs[from + i][k])) : 0;
    }
    this.prefetchEntries(n);
    return n;
  }

  /** See prefetch(). */
  prefetchedValue(i: number): V | undefined {
    return prefetchValues[i] as V | undefined;
  }

  /** Let go of the values prefetch() noted. */
  clearPrefetched(n: number): void {
    for (let i = 0; i < n; i++) prefetchValues[i] = undefined;
  }

  /** prefetch() for the keys of one command: argv[first], argv[first + step] ... up to argv[last]. */
  prefetchArgs(argv: string[], first: number, last: number, step: number): void {
    const at = prefetchEntries;
    let n = 0;
    for (let i = first; i <= last && n < PREFETCH_MAX; i += step) at[n++] = this.index.head(this.hash(argv[i]));
    this.prefetchEntries(n);
    this.clearPrefetched(n);
  }

  /** The entries and key strings behind the bucket heads in prefetchEntries[0, n). */
  private prefetchEntries(n: number): void {
    const at = prefetchEntries;
    const metaPages = this.metaPages;
    const kvPages = this.kvPages;
    let sink = 0;
    for (let i = 0; i < n; i++) {
      const e = at[i] - 1;
      if (e < 0) {
        prefetchValues[i] = undefined;
        continue;
      }
      const s = e & PAGE_MASK;
      sink ^= metaPages[e >>> PAGE_SHIFT][s * META];
      const kv = kvPages[e >>> PAGE_SHIFT];
      const k = kv[s * 2];
      prefetchKeys[i] = k === undefined ? '' : (k as string);
      prefetchValues[i] = kv[s * 2 + 1];
    }
    for (let i = 0; i < n; i++) {
      if (at[i] !== 0) sink ^= prefetchKeys[i].length;
      prefetchKeys[i] = '';
    }
    this.prefetched = sink;
  }

  /** What prefetch() read, kept so that the compiler cannot drop the reads. */
  private prefetched = 0;

  /** The entry of key, or -1. */
  find(key: string): number {
    if (this.index.resizing) this.index.move(1, this);
    return this.findHashed(key, this.hash(key));
  }

  private findHashed(key: string, h: number): number {
    let e = this.index.head(h);
    const metaPages = this.metaPages;
    const kvPages = this.kvPages;
    let walked = 0;
    while (e !== 0) {
      const i = e - 1;
      const meta = metaPages[i >>> PAGE_SHIFT];
      const m = (i & PAGE_MASK) * META;
      if (meta[m] === h && kvPages[i >>> PAGE_SHIFT][(i & PAGE_MASK) * 2] === key) return i;
      e = meta[m + 1];
      walked++;
    }
    this.walked = walked;
    return -1;
  }

  get(key: string): V | undefined {
    const e = this.find(key);
    return e < 0 ? undefined : this.valueAt(e);
  }

  has(key: string): boolean {
    return this.find(key) >= 0;
  }

  /** Value of an entry found by find(). */
  valueAt(e: number): V {
    return this.kvPages[e >>> PAGE_SHIFT][(e & PAGE_MASK) * 2 + 1] as V;
  }

  setValueAt(e: number, v: V): void {
    this.kvPages[e >>> PAGE_SHIFT][(e & PAGE_MASK) * 2 + 1] = v;
  }

  lruAt(e: number): number {
    return this.metaPages[e >>> PAGE_SHIFT][(e & PAGE_MASK) * META + 2];
  }

  touchAt(e: number, clock: number): void {
    this.metaPages[e >>> PAGE_SHIFT][(e & PAGE_MASK) * META + 2] = clock;
  }

  /** Store v under key (a new entry at the end, or the existing one updated); returns the entry. */
  set(key: string, v: V, clock = 0): number {
    const h = this.hash(key);
    const found = this.findHashed(key, h);
    if (found < 0) return this.insert(key, h, v, clock);
    const p = found >>> PAGE_SHIFT;
    const s = found & PAGE_MASK;
    this.kvPages[p][s * 2 + 1] = v;
    this.metaPages[p][s * META + 2] = clock;
    return found;
  }

  /** set() of a key not in the table (h: its hash); kept apart so that set() stays small enough to inline. */
  private insert(key: string, h: number, v: V, clock: number): number {
    if (this.walked >= FLOODED_CHAIN && this.sipKey === null) {
      this.harden();
      h = this.hash(key);
    }
    if (this.size >= this.index.count) this.index.resize(this.index.count * 2, this);
    // The write's share of the background work comes first: compaction must not move the entry returned.
    this.afterWrite();
    const e = this.used++;
    if (e === this.allocated) this.addSlots();
    const p = e >>> PAGE_SHIFT;
    const meta = this.metaPages[p];
    const m = (e & PAGE_MASK) * META;
    meta[m] = h;
    meta[m + 2] = clock;
    this.index.link(e, h, this);
    const kv = this.kvPages[p];
    kv[(e & PAGE_MASK) * 2] = key;
    kv[(e & PAGE_MASK) * 2 + 1] = v;
    this.size++;
    return e;
  }

  delete(key: string): boolean {
    const h = this.hash(key);
    const heads = this.index.chainOf(h);
    const b = this.index.at;
    const metaPages = this.metaPages;
    let prev = -1;
    let e = heads[b];
    while (e !== 0) {
      const i = e - 1;
      const meta = metaPages[i >>> PAGE_SHIFT];
      const m = (i & PAGE_MASK) * META;
      const kv = this.kvPages[i >>> PAGE_SHIFT];
      if (meta[m] === h && kv[(i & PAGE_MASK) * 2] === key) {
        if (prev < 0) heads[b] = meta[m + 1];
        else metaPages[prev >>> PAGE_SHIFT][(prev & PAGE_MASK) * META + 1] = meta[m + 1];
        kv[(i & PAGE_MASK) * 2] = undefined;
        kv[(i & PAGE_MASK) * 2 + 1] = undefined;
        meta[m + 1] = 0;
        this.size--;
        const buckets = this.index.count;
        if (this.size < buckets >> 2 && buckets > MIN_CAPACITY) this.index.resize(buckets >> 1, this);
        this.afterWrite();
        return true;
      }
      prev = i;
      e = meta[m + 1];
    }
    return false;
  }

  /**
   * A write's share of the background work: some old buckets move while the
   * table re-indexes, some entry slots are compacted while it compacts; a
   * table with more holes than live entries starts compacting.
   */
  private afterWrite(): void {
    if (this.index.resizing) this.index.move(MOVE_PER_WRITE, this);
    if (this.compactFrom >= 0) this.compact(COMPACT_PER_WRITE);
    else if (this.used - this.size > this.size && this.used > MIN_CAPACITY) this.startCompaction();
  }

  /** Room for one more entry slot: page 0 doubles up to a page, then a page is added. */
  private addSlots(): void {
    const first = this.kvPages[0].length >> 1;
    if (first < PAGE) {
      const size = Math.min(first * 2, PAGE);
      const meta = new Int32Array(size * META);
      meta.set(this.metaPages[0]);
      this.metaPages[0] = meta;
      const kv = kvPage<V>(size);
      const from = this.kvPages[0];
      for (let i = 0; i < from.length; i++) kv[i] = from[i];
      this.kvPages[0] = kv;
      this.allocated = size;
      return;
    }
    this.metaPages.push(new Int32Array(PAGE * META));
    this.kvPages.push(kvPage<V>(PAGE));
    this.allocated += PAGE;
  }

  /** Someone is flooding a chain: hash every key again with SipHash under a fresh secret key. */
  private harden(): void {
    const sk = randomSipKey();
    this.sipKey = sk;
    for (let i = 0; i < this.used; i++) {
      const k = this.kvPages[i >>> PAGE_SHIFT][(i & PAGE_MASK) * 2];
      if (k !== undefined) this.metaPages[i >>> PAGE_SHIFT][(i & PAGE_MASK) * META] = sipHash(k as string, sk);
    }
    this.reindex();
  }

  // ---- compaction ----
  //
  // Holes (deleted entries) stay until the table compacts: the live entries
  // move to the front, in order, a few slots per write. Slots before
  // compactTo are compacted, slots from compactFrom on are not reached yet
  // (new entries still go to the end, after them), the ones in between are
  // free. An entry keeps its chain while it moves (its predecessor is
  // pointed at the new slot), and an iterator whose next entry moves goes
  // with it, so a live iterator sees no difference.

  /** Where the next live entry moves to, and the next slot to look at (-1: not compacting). */
  private compactTo = 0;
  private compactFrom = -1;

  private startCompaction(): void {
    this.compactTo = 0;
    this.compactFrom = 0;
    // A small table compacts at once.
    this.compact(this.used <= COMPACT_AT_ONCE ? this.used : COMPACT_PER_WRITE);
  }

  /** Look at the next `n` slots, moving their live entries down; the last slot ends the compaction. */
  private compact(n: number): void {
    const end = Math.min(this.compactFrom + n, this.used);
    for (let i = this.compactFrom; i < end; i++) {
      if (this.kvPages[i >>> PAGE_SHIFT][(i & PAGE_MASK) * 2] !== undefined) this.moveEntry(i, this.compactTo++);
    }
    this.compactFrom = end;
    if (end < this.used) return;
    // Done: the free slots at the end are given up, pages past the last entry dropped.
    this.used = this.compactTo;
    this.compactFrom = -1;
    const pages = Math.max(1, (this.used + PAGE - 1) >>> PAGE_SHIFT);
    if (this.kvPages.length > pages) {
      this.kvPages.length = pages;
      this.metaPages.length = pages;
      this.allocated = pages === 1 ? this.kvPages[0].length >> 1 : pages * PAGE;
    }
    if (this.iterators.size !== 0) for (const it of this.iterators) if (it.position > this.used) it.position = this.used;
  }

  /** Entry i to the free slot j (j <= i): its chain link from its predecessor (or bucket), its data, the iterators about to reach it. */
  private moveEntry(i: number, j: number): void {
    if (i === j) return;
    const im = this.metaPages[i >>> PAGE_SHIFT];
    const io = (i & PAGE_MASK) * META;
    const jm = this.metaPages[j >>> PAGE_SHIFT];
    const jo = (j & PAGE_MASK) * META;
    const h = im[io];
    const heads = this.index.chainOf(h);
    const b = this.index.at;
    if (heads[b] === i + 1) heads[b] = j + 1;
    else {
      let e = heads[b];
      for (;;) {
        const pm = this.metaPages[(e - 1) >>> PAGE_SHIFT];
        const po = ((e - 1) & PAGE_MASK) * META;
        if (pm[po + 1] === i + 1) {
          pm[po + 1] = j + 1;
          break;
        }
        e = pm[po + 1];
      }
    }
    jm[jo] = h;
    jm[jo + 1] = im[io + 1];
    jm[jo + 2] = im[io + 2];
    im[io + 1] = 0;
    const ikv = this.kvPages[i >>> PAGE_SHIFT];
    const jkv = this.kvPages[j >>> PAGE_SHIFT];
    const is = (i & PAGE_MASK) * 2;
    const js = (j & PAGE_MASK) * 2;
    jkv[js] = ikv[is];
    jkv[js + 1] = ikv[is + 1];
    ikv[is] = undefined;
    ikv[is + 1] = undefined;
    if (this.iterators.size !== 0) for (const it of this.iterators) if (it.position > j && it.position <= i) it.position = j;
  }

  /** Rebuild every bucket chain at once (ends any incremental re-indexing). */
  private reindex(): void {
    this.index.reset(this.index.count);
    for (let i = 0; i < this.used; i++) {
      if (this.kvPages[i >>> PAGE_SHIFT][(i & PAGE_MASK) * 2] !== undefined) this.index.link(i, this.hashAt(i), this);
    }
  }

  /** A random live entry (-1 when empty): random slots until one is live (compaction keeps about half the used slots live), then a scan. */
  randomEntry(): number {
    if (this.size === 0) return -1;
    for (let t = 0; t < 32; t++) {
      const e = Math.floor(Math.random() * this.used);
      if (this.kvPages[e >>> PAGE_SHIFT][(e & PAGE_MASK) * 2] !== undefined) return e;
    }
    const e = this.nextLive(Math.floor(Math.random() * this.used));
    return e >= 0 ? e : this.nextLive(0);
  }

  /** Live iterator over the keys in insertion order (see the top of the file); close it with return() when abandoned. */
  keys(): KeyIterator<V> {
    return new KeyIterator<V>(this);
  }

  [Symbol.iterator](): KeyIterator<V> {
    return this.keys();
  }

  // ---- for KeyIterator ----

  /** The next live entry at or after e, or -1. */
  nextLive(e: number): number {
    while (e < this.used) {
      if (this.kvPages[e >>> PAGE_SHIFT][(e & PAGE_MASK) * 2] !== undefined) return e;
      e++;
    }
    return -1;
  }

  keyOf(e: number): string {
    return this.kvPages[e >>> PAGE_SHIFT][(e & PAGE_MASK) * 2] as string;
  }

  openIterator(it: KeyIterator<V>): void {
    this.iterators.add(it);
  }

  closeIterator(it: KeyIterator<V>): void {
    this.iterators.delete(it);
  }
}

export class KeyIterator<V = RawValue> implements IterableIterator<string> {
  private readonly table: KeyTable<V>;
  /** The first entry not reached yet (the table moves it when it compacts). */
  position = 0;
  private open = true;

  constructor(table: KeyTable<V>) {
    this.table = table;
    table.openIterator(this);
  }

  next(): IteratorResult<string> {
    const e = this.nextEntry();
    return e >= 0 ? { value: this.table.keyOf(e), done: false } : { value: undefined, done: true };
  }

  /**
   * The next live entry (its key and value through the table's keyOf() and
   * valueAt(), until the table is written to), or -1 at the end.
   */
  nextEntry(): number {
    if (!this.open) return -1;
    const e = this.table.nextLive(this.position);
    if (e >= 0) {
      this.position = e + 1;
      return e;
    }
    this.close();
    return -1;
  }

  /** Stop early (for ... of with break calls it). */
  return(): IteratorResult<string> {
    this.close();
    return { value: undefined, done: true };
  }

  private close(): void {
    if (!this.open) return;
    this.open = false;
    this.table.closeIterator(this);
  }

  [Symbol.iterator](): KeyIterator<V> {
    return this;
  }
}
