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
// Growth never moves an entry, and re-indexes incrementally, as Redis's dict
// rehashes: the bucket array doubles, the old one stays, and its chains move
// to the new one a few buckets per write (and one per lookup) from the first
// bucket on; a hash whose old bucket has not moved yet is still looked up,
// inserted and deleted there. So a table passing a million keys pauses for
// the allocation of a zeroed array, not for copying the entries and
// rebuilding every chain (175 ms at 1M keys, 778 ms at 2M before).
// Compaction (dropping holes) moves the live entries to the front and moves
// every open iterator with them: it goes on at the first live entry it had
// not reached yet. Iterators register while they run and leave when
// exhausted or closed with return() (an abandoned one only costs its own
// small object).

import type { RawValue } from './keyspace.ts';
import { randomSipKey, seededHash, sipHash, type SipKey } from './string_hash.ts';

const MIN_CAPACITY = 8;
/** Int32 words per entry in a meta page: hash, 1 + next entry of the chain, LRU clock. */
const META = 3;
/** Entries per storage page (see the top of the file). */
const PAGE_SHIFT = 14;
const PAGE = 1 << PAGE_SHIFT;
const PAGE_MASK = PAGE - 1;
/** Old buckets a write moves to the new bucket array while the table re-indexes (a lookup moves one). */
const MOVE_PER_WRITE = 4;

/**
 * A chain this long on insertion means keys chosen to collide (the odds
 * against it by chance are astronomical at load factor 1): the table then
 * rehashes everything with SipHash under a secret key, as Redis hashes.
 */
const FLOODED_CHAIN = 100;

/** Keys one prefetch() call reads ahead for, at most. */
const PREFETCH_MAX = 32;
/** prefetch()'s scratch: bucket heads, then the keys and values of their entries. */
const prefetchEntries = new Int32Array(PREFETCH_MAX);
const prefetchKeys: string[] = new Array<string>(PREFETCH_MAX).fill('');
const prefetchValues: (RawValue | undefined)[] = new Array<RawValue | undefined>(PREFETCH_MAX).fill(undefined);

type KvPage = (string | RawValue | undefined)[];

function kvPage(entries: number): KvPage {
  return new Array<string | RawValue | undefined>(entries * 2).fill(undefined);
}

export class KeyTable {
  /** Live entries. */
  size = 0;
  /** Entry slots used so far (live entries and holes). */
  private used = 0;
  /** Buckets, and the entry slots the table takes before it grows or compacts. */
  private capacity: number;
  private mask: number;
  private buckets: Int32Array;
  /** While re-indexing: the previous bucket array, its mask, and how many of its buckets moved (the first ones). */
  private oldBuckets: Int32Array | null = null;
  private oldMask = 0;
  private moved = 0;
  /** Entry pages (see the top of the file): META words each in metaPages, key and value in kvPages. */
  private metaPages: Int32Array[];
  private kvPages: KvPage[];
  /** Iterators still running: compaction moves them along with the entries. */
  private readonly iterators = new Set<KeyIterator>();
  /** The fast hash (seededHash; tests pass a weak one to provoke flooding). */
  private readonly fastHash: (key: string) => number;
  /** Set once the table saw a flooded chain: keys are hashed with SipHash under this key from then on. */
  private sipKey: SipKey | null = null;
  /** Length of the chain the last lookup walked. */
  private walked = 0;

  constructor(capacity = MIN_CAPACITY, fastHash: (key: string) => number = seededHash) {
    this.fastHash = fastHash;
    this.capacity = capacity;
    this.mask = capacity - 1;
    this.buckets = new Int32Array(capacity);
    const first = Math.min(capacity, PAGE);
    this.metaPages = [new Int32Array(first * META)];
    this.kvPages = [kvPage(first)];
  }

  /** Entry slots allocated (live entries, holes and free room). */
  get slots(): number {
    return this.capacity;
  }

  /** The table switched to SipHash after keys chosen to collide. */
  get hardened(): boolean {
    return this.sipKey !== null;
  }

  /** Old buckets not moved yet (0: not re-indexing). */
  get reindexing(): number {
    return this.oldBuckets === null ? 0 : this.oldMask + 1 - this.moved;
  }

  private hash(key: string): number {
    return this.sipKey === null ? this.fastHash(key) : sipHash(key, this.sipKey);
  }

  /** 1 + the first entry of the chain of hash h (0: empty), in the old buckets while h's has not moved. */
  private head(h: number): number {
    const old = this.oldBuckets;
    return old !== null && (h & this.oldMask) >= this.moved ? old[h & this.oldMask] : this.buckets[h & this.mask];
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
      at[i] = k !== 0 ? this.head(this.hash(argvs[from + i][k])) : 0;
    }
    this.prefetchEntries(n);
    return n;
  }

  /** See prefetch(). */
  prefetchedValue(i: number): RawValue | undefined {
    return prefetchValues[i];
  }

  /** Let go of the values prefetch() noted. */
  clearPrefetched(n: number): void {
    for (let i = 0; i < n; i++) prefetchValues[i] = undefined;
  }

  /** prefetch() for the keys of one command: argv[first], argv[first + step] ... up to argv[last]. */
  prefetchArgs(argv: string[], first: number, last: number, step: number): void {
    const at = prefetchEntries;
    let n = 0;
    for (let i = first; i <= last && n < PREFETCH_MAX; i += step) at[n++] = this.head(this.hash(argv[i]));
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
      prefetchValues[i] = kv[s * 2 + 1] as RawValue | undefined;
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
    if (this.oldBuckets !== null) this.moveBuckets(1);
    return this.findHashed(key, this.hash(key));
  }

  private findHashed(key: string, h: number): number {
    let e = this.head(h);
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

  get(key: string): RawValue | undefined {
    const e = this.find(key);
    return e < 0 ? undefined : this.valueAt(e);
  }

  has(key: string): boolean {
    return this.find(key) >= 0;
  }

  /** Value of an entry found by find(). */
  valueAt(e: number): RawValue {
    return this.kvPages[e >>> PAGE_SHIFT][(e & PAGE_MASK) * 2 + 1] as RawValue;
  }

  setValueAt(e: number, v: RawValue): void {
    this.kvPages[e >>> PAGE_SHIFT][(e & PAGE_MASK) * 2 + 1] = v;
  }

  lruAt(e: number): number {
    return this.metaPages[e >>> PAGE_SHIFT][(e & PAGE_MASK) * META + 2];
  }

  touchAt(e: number, clock: number): void {
    this.metaPages[e >>> PAGE_SHIFT][(e & PAGE_MASK) * META + 2] = clock;
  }

  /** Store v under key (a new entry at the end, or the existing one updated); returns the entry. */
  set(key: string, v: RawValue, clock = 0): number {
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
  private insert(key: string, h: number, v: RawValue, clock: number): number {
    if (this.walked >= FLOODED_CHAIN && this.sipKey === null) {
      this.harden();
      h = this.hash(key);
    }
    if (this.used === this.capacity) this.makeRoom();
    const e = this.used++;
    const p = e >>> PAGE_SHIFT;
    if (p === this.kvPages.length) {
      this.metaPages.push(new Int32Array(PAGE * META));
      this.kvPages.push(kvPage(PAGE));
    }
    const meta = this.metaPages[p];
    const m = (e & PAGE_MASK) * META;
    meta[m] = h;
    meta[m + 2] = clock;
    const old = this.oldBuckets;
    if (old !== null && (h & this.oldMask) >= this.moved) {
      meta[m + 1] = old[h & this.oldMask];
      old[h & this.oldMask] = e + 1;
    } else {
      meta[m + 1] = this.buckets[h & this.mask];
      this.buckets[h & this.mask] = e + 1;
    }
    const kv = this.kvPages[p];
    kv[(e & PAGE_MASK) * 2] = key;
    kv[(e & PAGE_MASK) * 2 + 1] = v;
    this.size++;
    if (this.oldBuckets !== null) this.moveBuckets(MOVE_PER_WRITE);
    return e;
  }

  delete(key: string): boolean {
    const h = this.hash(key);
    const old = this.oldBuckets;
    const inOld = old !== null && (h & this.oldMask) >= this.moved;
    const heads = inOld ? old : this.buckets;
    const b = inOld ? h & this.oldMask : h & this.mask;
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
        if (this.size < this.capacity >> 2 && this.capacity > MIN_CAPACITY) this.rebuild(this.capacity >> 1);
        else if (this.oldBuckets !== null) this.moveBuckets(MOVE_PER_WRITE);
        return true;
      }
      prev = i;
      e = meta[m + 1];
    }
    return false;
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

  /** The entry slots are all used: drop the holes, or grow. */
  private makeRoom(): void {
    if (this.size <= this.capacity >> 1) this.rebuild(this.capacity);
    else this.grow(this.capacity * 2);
  }

  /**
   * More entry slots and twice the buckets; entries keep their positions
   * (iterators stay valid). Page 0 is reallocated while it is smaller than a
   * page; later pages come as the entries reach them (set()). The chains
   * move to the new buckets incrementally (moveBuckets).
   */
  private grow(capacity: number): void {
    if (this.oldBuckets !== null) this.moveBuckets(this.oldMask + 1);
    const first = this.kvPages[0].length >> 1;
    if (first < PAGE) {
      const size = Math.min(capacity, PAGE);
      const meta = new Int32Array(size * META);
      meta.set(this.metaPages[0]);
      this.metaPages[0] = meta;
      const kv = kvPage(size);
      const from = this.kvPages[0];
      for (let i = 0; i < from.length; i++) kv[i] = from[i];
      this.kvPages[0] = kv;
    }
    this.capacity = capacity;
    this.oldBuckets = this.buckets;
    this.oldMask = this.mask;
    this.moved = 0;
    this.buckets = new Int32Array(capacity);
    this.mask = capacity - 1;
  }

  /** Move the chains of the next `n` old buckets to the new bucket array; the last one ends the re-indexing. */
  private moveBuckets(n: number): void {
    const old = this.oldBuckets!;
    const end = Math.min(this.moved + n, this.oldMask + 1);
    const buckets = this.buckets;
    const mask = this.mask;
    const metaPages = this.metaPages;
    for (let b = this.moved; b < end; b++) {
      let e = old[b];
      while (e !== 0) {
        const i = e - 1;
        const meta = metaPages[i >>> PAGE_SHIFT];
        const m = (i & PAGE_MASK) * META;
        e = meta[m + 1];
        const nb = meta[m] & mask;
        meta[m + 1] = buckets[nb];
        buckets[nb] = i + 1;
      }
    }
    this.moved = end;
    if (end === this.oldMask + 1) this.oldBuckets = null;
  }

  /** Move the live entries to the front of fresh pages for `capacity` slots, and the open iterators with them. */
  private rebuild(capacity: number): void {
    const metaPages = this.metaPages;
    const kvPages = this.kvPages;
    const nmeta: Int32Array[] = [new Int32Array(Math.min(capacity, PAGE) * META)];
    const nkv: KvPage[] = [kvPage(Math.min(capacity, PAGE))];
    // Iterators in position order: each one's new position is the number of live entries before its old one.
    const its = this.iterators.size === 0 ? null : [...this.iterators].sort((a, b) => a.position - b.position);
    let k = 0;
    let j = 0;
    for (let i = 0; i < this.used; i++) {
      if (its !== null) while (k < its.length && its[k].position <= i) its[k++].position = j;
      const kv = kvPages[i >>> PAGE_SHIFT];
      const s = (i & PAGE_MASK) * 2;
      if (kv[s] === undefined) continue;
      const p = j >>> PAGE_SHIFT;
      if (p === nkv.length) {
        nmeta.push(new Int32Array(PAGE * META));
        nkv.push(kvPage(PAGE));
      }
      const d = (j & PAGE_MASK) * 2;
      nkv[p][d] = kv[s];
      nkv[p][d + 1] = kv[s + 1];
      const meta = metaPages[i >>> PAGE_SHIFT];
      const m = (i & PAGE_MASK) * META;
      const dm = (j & PAGE_MASK) * META;
      nmeta[p][dm] = meta[m];
      nmeta[p][dm + 2] = meta[m + 2];
      j++;
    }
    if (its !== null) while (k < its.length) its[k++].position = j;
    this.kvPages = nkv;
    this.metaPages = nmeta;
    this.used = j;
    this.capacity = capacity;
    this.reindex();
  }

  /** Rebuild every bucket chain at once for the current capacity (ends any incremental re-indexing). */
  private reindex(): void {
    const capacity = this.capacity;
    this.mask = capacity - 1;
    this.oldBuckets = null;
    const buckets = new Int32Array(capacity);
    for (let i = 0; i < this.used; i++) {
      if (this.kvPages[i >>> PAGE_SHIFT][(i & PAGE_MASK) * 2] === undefined) continue;
      const meta = this.metaPages[i >>> PAGE_SHIFT];
      const m = (i & PAGE_MASK) * META;
      const b = meta[m] & this.mask;
      meta[m + 1] = buckets[b];
      buckets[b] = i + 1;
    }
    this.buckets = buckets;
  }

  /** A random live entry (-1 when empty): random slots until one is live (holes stay under 3/4 of the used slots), then a scan. */
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
  keys(): KeyIterator {
    return new KeyIterator(this);
  }

  [Symbol.iterator](): KeyIterator {
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

  openIterator(it: KeyIterator): void {
    this.iterators.add(it);
  }

  closeIterator(it: KeyIterator): void {
    this.iterators.delete(it);
  }
}

export class KeyIterator implements IterableIterator<string> {
  private readonly table: KeyTable;
  /** The first entry not reached yet (the table moves it when it compacts). */
  position = 0;
  private open = true;

  constructor(table: KeyTable) {
    this.table = table;
    table.openIterator(this);
  }

  next(): IteratorResult<string> {
    if (this.open) {
      const e = this.table.nextLive(this.position);
      if (e >= 0) {
        this.position = e + 1;
        return { value: this.table.keyOf(e), done: false };
      }
      this.close();
    }
    return { value: undefined, done: true };
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

  [Symbol.iterator](): KeyIterator {
    return this;
  }
}
