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
// Entries, in insertion order: `meta[3e]` the hash, `meta[3e + 1]` 1 + the
// next entry of its bucket's chain (0: none), `meta[3e + 2]` the LRU clock;
// `kv[2e]` the key, `kv[2e + 1]` the value (side by side, so that a lookup
// touches one cache line of each). A deleted entry leaves a hole (key
// undefined) until the table is compacted. Index: `buckets[h & mask]` holds
// 1 + the first entry of the bucket's chain (0: empty).
//
// Growth never moves an entry (the arrays are extended); compaction (dropping
// holes) moves the live entries to the front and moves every open iterator
// with them: it goes on at the first live entry it had not reached yet.
// Iterators register while they run and leave when exhausted or closed with
// return() (an abandoned one only costs its own small object).

import type { RawValue } from './keyspace.ts';
import { randomSipKey, seededHash, sipHash, type SipKey } from './string_hash.ts';

const MIN_CAPACITY = 8;
/** Int32 words per entry in `meta`: hash, 1 + next entry of the chain, LRU clock. */
const META = 3;

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

export class KeyTable {
  /** Live entries. */
  size = 0;
  /** Entry slots used so far (live entries and holes). */
  private used = 0;
  private capacity: number;
  private mask: number;
  private buckets: Int32Array;
  /** Per entry (META words): hash, 1 + next entry of the chain, LRU clock (unix seconds). */
  private meta: Int32Array;
  /** Per entry: key, value. */
  private kv: (string | RawValue | undefined)[];
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
    this.meta = new Int32Array(capacity * META);
    this.kv = new Array<string | RawValue | undefined>(capacity * 2).fill(undefined);
  }

  /** Entry slots allocated (live entries, holes and free room). */
  get slots(): number {
    return this.capacity;
  }

  /** The table switched to SipHash after keys chosen to collide. */
  get hardened(): boolean {
    return this.sipKey !== null;
  }

  private hash(key: string): number {
    return this.sipKey === null ? this.fastHash(key) : sipHash(key, this.sipKey);
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
    const buckets = this.buckets;
    const mask = this.mask;
    for (let i = 0; i < n; i++) {
      const k = keyAt[from + i];
      at[i] = k !== 0 ? buckets[this.hash(argvs[from + i][k]) & mask] : 0;
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
    const buckets = this.buckets;
    const mask = this.mask;
    let n = 0;
    for (let i = first; i <= last && n < PREFETCH_MAX; i += step) at[n++] = buckets[this.hash(argv[i]) & mask];
    this.prefetchEntries(n);
    this.clearPrefetched(n);
  }

  /** The entries and key strings behind the bucket heads in prefetchEntries[0, n). */
  private prefetchEntries(n: number): void {
    const at = prefetchEntries;
    const meta = this.meta;
    const kv = this.kv;
    let sink = 0;
    for (let i = 0; i < n; i++) {
      const e = at[i] - 1;
      if (e < 0) {
        prefetchValues[i] = undefined;
        continue;
      }
      sink ^= meta[e * META];
      const k = kv[e * 2];
      prefetchKeys[i] = k === undefined ? '' : (k as string);
      prefetchValues[i] = kv[e * 2 + 1] as RawValue | undefined;
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
    return this.findHashed(key, this.hash(key));
  }

  private findHashed(key: string, h: number): number {
    let e = this.buckets[h & this.mask];
    const meta = this.meta;
    const kv = this.kv;
    let walked = 0;
    while (e !== 0) {
      const i = e - 1;
      if (meta[i * META] === h && kv[i * 2] === key) return i;
      e = meta[i * META + 1];
      walked++;
    }
    this.walked = walked;
    return -1;
  }

  get(key: string): RawValue | undefined {
    const e = this.find(key);
    return e < 0 ? undefined : (this.kv[e * 2 + 1] as RawValue);
  }

  has(key: string): boolean {
    return this.find(key) >= 0;
  }

  /** Value of an entry found by find(). */
  valueAt(e: number): RawValue {
    return this.kv[e * 2 + 1] as RawValue;
  }

  setValueAt(e: number, v: RawValue): void {
    this.kv[e * 2 + 1] = v;
  }

  lruAt(e: number): number {
    return this.meta[e * META + 2];
  }

  touchAt(e: number, clock: number): void {
    this.meta[e * META + 2] = clock;
  }

  /** Store v under key (a new entry at the end, or the existing one updated); returns the entry. */
  set(key: string, v: RawValue, clock = 0): number {
    let h = this.hash(key);
    const found = this.findHashed(key, h);
    if (found >= 0) {
      this.kv[found * 2 + 1] = v;
      this.meta[found * META + 2] = clock;
      return found;
    }
    if (this.walked >= FLOODED_CHAIN && this.sipKey === null) {
      this.harden();
      h = this.hash(key);
    }
    if (this.used === this.capacity) this.makeRoom();
    const e = this.used++;
    const b = h & this.mask;
    const meta = this.meta;
    meta[e * META] = h;
    meta[e * META + 1] = this.buckets[b];
    meta[e * META + 2] = clock;
    this.buckets[b] = e + 1;
    this.kv[e * 2] = key;
    this.kv[e * 2 + 1] = v;
    this.size++;
    return e;
  }

  delete(key: string): boolean {
    const h = this.hash(key);
    const b = h & this.mask;
    const meta = this.meta;
    const kv = this.kv;
    let prev = -1;
    let e = this.buckets[b];
    while (e !== 0) {
      const i = e - 1;
      if (meta[i * META] === h && kv[i * 2] === key) {
        if (prev < 0) this.buckets[b] = meta[i * META + 1];
        else meta[prev * META + 1] = meta[i * META + 1];
        kv[i * 2] = undefined;
        kv[i * 2 + 1] = undefined;
        meta[i * META + 1] = 0;
        this.size--;
        if (this.size < this.capacity >> 2 && this.capacity > MIN_CAPACITY) this.rebuild(this.capacity >> 1);
        return true;
      }
      prev = i;
      e = meta[i * META + 1];
    }
    return false;
  }

  /** Someone is flooding a chain: hash every key again with SipHash under a fresh secret key. */
  private harden(): void {
    const sk = randomSipKey();
    this.sipKey = sk;
    const kv = this.kv;
    const meta = this.meta;
    for (let i = 0; i < this.used; i++) {
      const k = kv[i * 2];
      if (k !== undefined) meta[i * META] = sipHash(k as string, sk);
    }
    this.reindex();
  }

  /** The entry slots are all used: drop the holes, or grow. */
  private makeRoom(): void {
    if (this.size <= this.capacity >> 1) this.rebuild(this.capacity);
    else this.grow(this.capacity * 2);
  }

  /** More entry slots and buckets; entries keep their positions (iterators stay valid). */
  private grow(capacity: number): void {
    const meta = new Int32Array(capacity * META);
    meta.set(this.meta);
    this.meta = meta;
    for (let i = this.capacity * 2; i < capacity * 2; i++) this.kv.push(undefined);
    this.capacity = capacity;
    this.reindex();
  }

  /** Move the live entries to the front of fresh arrays of `capacity` slots, and the open iterators with them. */
  private rebuild(capacity: number): void {
    const kv = this.kv;
    const meta = this.meta;
    const nkv = new Array<string | RawValue | undefined>(capacity * 2).fill(undefined);
    const nmeta = new Int32Array(capacity * META);
    // Iterators in position order: each one's new position is the number of live entries before its old one.
    const its = this.iterators.size === 0 ? null : [...this.iterators].sort((a, b) => a.position - b.position);
    let k = 0;
    let j = 0;
    for (let i = 0; i < this.used; i++) {
      if (its !== null) while (k < its.length && its[k].position <= i) its[k++].position = j;
      if (kv[i * 2] === undefined) continue;
      nkv[j * 2] = kv[i * 2];
      nkv[j * 2 + 1] = kv[i * 2 + 1];
      nmeta[j * META] = meta[i * META];
      nmeta[j * META + 2] = meta[i * META + 2];
      j++;
    }
    if (its !== null) while (k < its.length) its[k++].position = j;
    this.kv = nkv;
    this.meta = nmeta;
    this.used = j;
    this.capacity = capacity;
    this.reindex();
  }

  /** Rebuild the bucket chains for the current capacity. */
  private reindex(): void {
    const capacity = this.capacity;
    this.mask = capacity - 1;
    const buckets = new Int32Array(capacity);
    const meta = this.meta;
    const kv = this.kv;
    for (let i = 0; i < this.used; i++) {
      if (kv[i * 2] === undefined) continue;
      const b = meta[i * META] & this.mask;
      meta[i * META + 1] = buckets[b];
      buckets[b] = i + 1;
    }
    this.buckets = buckets;
  }

  /** A random live entry (-1 when empty): random slots until one is live (holes stay under 3/4 of the used slots), then a scan. */
  randomEntry(): number {
    if (this.size === 0) return -1;
    const kv = this.kv;
    for (let t = 0; t < 32; t++) {
      const e = Math.floor(Math.random() * this.used);
      if (kv[e * 2] !== undefined) return e;
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
    const kv = this.kv;
    while (e < this.used) {
      if (kv[e * 2] !== undefined) return e;
      e++;
    }
    return -1;
  }

  keyOf(e: number): string {
    return this.kv[e * 2] as string;
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
