// The keyspace a shard owns: per database a table from key to value (and
// each key's LRU clock, key_table.ts) plus a Map of absolute expiry times
// (ms), like Redis's db->dict and db->expires.
// String values are latin1 strings, or numbers where Redis would use the int
// encoding; other types are objects that carry their type name.

import type { WatchTable } from './watch.ts';
import { KeyTable } from './key_table.ts';
import { MemberIndex, MEMBER_PREFETCH_MAX } from './types/member_index.ts';

export interface TypedValue {
  readonly type: 'list' | 'hash' | 'set' | 'zset' | 'stream' | 'cron';
  /** The index of a hash's fields / a set's members in hashtable encoding (Keyspace.prefetch reads ahead in it). */
  memberIndex?(): MemberIndex | null;
}

/**
 * A string value held as a growable byte buffer: the bytes are buf[0, len), and
 * buf[len, buf.length) is kept zero-filled. The bitmap commands (SETBIT,
 * BITFIELD, BITOP) store large strings this way so that changing a bit is O(1)
 * instead of a copy of the whole string. Only the bitmap family reads one as it
 * is (Keyspace.getRaw): get() / read() turn it back into a plain latin1 string
 * (stored in its place) before returning, so every other command only ever
 * meets strings and numbers. Code that walks Db.dict directly (persistence)
 * must turn one into its string with toString().
 */
export class ByteString {
  readonly type = 'string';
  buf: Buffer;
  len: number;

  constructor(buf: Buffer, len: number) {
    this.buf = buf;
    this.len = len;
  }

  toString(): string {
    return this.buf.latin1Slice(0, this.len);
  }
}

export type StoredValue = string | number | TypedValue;

/** What Db.dict holds: a StoredValue, or a bitmap's ByteString (see above). */
export type RawValue = StoredValue | ByteString;

export function typeName(v: StoredValue): string {
  return typeof v === 'object' ? v.type : 'string';
}

export interface KeyspaceStats {
  hits: number;
  misses: number;
  expired: number;
}

export class Db {
  /** Keys, values and each key's LRU clock (unix seconds of its last access: OBJECT IDLETIME, DEBUG OBJECT). */
  readonly dict = new KeyTable();
  /** Keys with a TTL: when they expire (unix ms). */
  readonly expires = new KeyTable<number>();
  /** Bumped on every write to a key (WATCH, and SCAN sessions know the db changed). */
  version = 0;
}

/** A new key's LFU counter (evict.c LFU_INIT_VAL). */
const LFU_INIT_VAL = 5;
/** From this many keys in a database, a batch's lookups are read ahead (about the keys whose slots fill a core's L2 cache). */
const PREFETCH_MIN_KEYS = 32768;
/** Keyspace.prefetch's scratch for the member read-ahead. */
const EMPTY_INDEX = new MemberIndex([]);
const memberIndexes: MemberIndex[] = new Array<MemberIndex>(MEMBER_PREFETCH_MAX).fill(EMPTY_INDEX);
const memberNames: string[] = new Array<string>(MEMBER_PREFETCH_MAX).fill('');

/** The member index of a big hash or set (read ahead in by Keyspace.prefetch), else null. */
function bigMemberIndex(v: RawValue | undefined): MemberIndex | null {
  if (typeof v !== 'object') return null;
  const f = (v as TypedValue).memberIndex;
  if (f === undefined) return null;
  const ix = f.call(v);
  return ix !== null && ix.size >= PREFETCH_MIN_KEYS ? ix : null;
}

export class Keyspace {
  dbs: Db[];
  readonly stats: KeyspaceStats = { hits: 0, misses: 0, expired: 0 };
  /**
   * An LFU maxmemory-policy is selected: each entry's clock word then holds
   * Redis's LFU data instead of its LRU clock (access time in minutes << 8 |
   * an 8-bit logarithmic counter, evict.c), for OBJECT FREQ.
   */
  lfu = false;
  lfuLogFactor = 10;
  lfuDecayTime = 1;
  /** Time used for expiry checks; refreshed once per command batch. */
  now = Date.now();
  /**
   * Moves on every change to any of the shard's keys: here for each keyspace
   * mutation, in ShardThread.runHandler for each command that may write in
   * place (CommandSpec.mayChange), and where keys change outside commands
   * (blocked clients served, member expiry). A speculative read batch that
   * finds it unchanged knows its reads still hold (router/one_trip.ts).
   */
  changes = 0;
  /** The soonest TTL (unix ms) of the live keys looked up since it was last reset to Infinity (router/one_trip.ts). */
  soonestExpiry = Infinity;
  /** Called for each key deleted by expiry (keyspace notifications, replication later). */
  onExpire: ((db: number, key: string) => void) | null = null;
  /** WATCH registrations on this shard (set by the shard thread). */
  watch: WatchTable | null = null;
  /** Set while clients wait on keys of this shard: a list / zset / stream stored under a key (blocking.ts). */
  onTypedWrite: ((db: number, key: string) => void) | null = null;
  /** A KEYDB.CRON job was stored under a key (created, renamed, copied, moved): the shard schedules it. */
  onCronStored: ((db: number, key: string, job: RawValue) => void) | null = null;
  /** Set while clients wait on keys of this shard: two databases were swapped (blocking.ts). */
  onSwapDb: ((a: number, b: number) => void) | null = null;

  constructor(databases: number) {
    this.dbs = [];
    for (let i = 0; i < databases; i++) this.dbs.push(new Db());
  }

  /** Value of a live key (expiring it lazily if due), without touching hit/miss stats. */
  get(db: number, key: string): StoredValue | undefined {
    const d = this.dbs[db];
    const e = this.live(db, d, key);
    return e < 0 ? undefined : this.plain(d, e);
  }

  /** The entry of a live key (expiring it lazily if due), or -1. */
  private live(db: number, d: Db, key: string): number {
    const e = d.dict.find(key);
    if (e < 0) return -1;
    if (d.expires.size !== 0) {
      const t = d.expires.get(key);
      if (t !== undefined) {
        if (t <= this.now) {
          this.expireKey(db, d, key);
          return -1;
        }
        if (t < this.soonestExpiry) this.soonestExpiry = t;
      }
    }
    return e;
  }

  /** An entry's value, a bitmap's byte buffer turned into (and kept as) its plain string form. */
  private plain(d: Db, e: number): StoredValue {
    const v = d.dict.valueAt(e);
    if (typeof v === 'object' && v.type === 'string') {
      const s = v.toString();
      d.dict.setValueAt(e, s);
      return s;
    }
    return v;
  }

  /** Like get(), but a ByteString stays as it is (the bitmap commands only). */
  getRaw(db: number, key: string): RawValue | undefined {
    const d = this.dbs[db];
    const e = this.live(db, d, key);
    return e < 0 ? undefined : d.dict.valueAt(e);
  }

  /** read() for the bitmap commands: a ByteString stays as it is. */
  readRaw(db: number, key: string): RawValue | undefined {
    const d = this.dbs[db];
    const e = this.lookupForRead(db, d, key);
    return e < 0 ? undefined : d.dict.valueAt(e);
  }

  /** Lookup for reading: counts keyspace hits and misses as Redis does, and a hit refreshes the key's access time. */
  read(db: number, key: string): StoredValue | undefined {
    const d = this.dbs[db];
    const e = this.lookupForRead(db, d, key);
    return e < 0 ? undefined : this.plain(d, e);
  }

  /** The entry of a live key for a read, counted as a hit (its access time refreshed) or a miss; -1 when missing. */
  private lookupForRead(db: number, d: Db, key: string): number {
    const e = this.live(db, d, key);
    if (e < 0) this.stats.misses++;
    else {
      this.stats.hits++;
      d.dict.touchAt(e, this.lfu ? this.lfuTouched(d.dict.lruAt(e)) : (this.now / 1000) | 0);
    }
    return e;
  }

  /** read() without updating the key's access time (Redis's LOOKUP_NOTOUCH: OBJECT, DEBUG OBJECT). */
  peek(db: number, key: string): StoredValue | undefined {
    const v = this.get(db, key);
    if (v === undefined) this.stats.misses++;
    else this.stats.hits++;
    return v;
  }

  /** Seconds since the key was last read or written (OBJECT IDLETIME). */
  idleSeconds(db: number, key: string): number {
    const d = this.dbs[db];
    const e = d.dict.find(key);
    return e < 0 ? 0 : Math.max(0, ((this.now / 1000) | 0) - d.dict.lruAt(e));
  }

  /** OBJECT FREQ: a key's LFU counter, decayed for the time since its last access (LFUDecrAndReturn). */
  lfuFrequency(db: number, key: string): number {
    const d = this.dbs[db];
    const e = d.dict.find(key);
    return e < 0 ? 0 : this.lfuDecayed(d.dict.lruAt(e));
  }

  private lfuMinutes(): number {
    return Math.floor(this.now / 60000) & 0xffff;
  }

  /** The counter of LFU data, less one per lfu-decay-time minutes since its time. */
  private lfuDecayed(data: number): number {
    const counter = data & 0xff;
    if (this.lfuDecayTime === 0) return counter;
    const then = data >>> 8;
    const now = this.lfuMinutes();
    const elapsed = now >= then ? now - then : 65535 - then + now;
    const periods = Math.floor(elapsed / this.lfuDecayTime);
    return periods > counter ? 0 : counter - periods;
  }

  /** LFU data after an access: decayed, then incremented with probability 1 / ((counter - 5) * lfu-log-factor + 1) (updateLFU). */
  private lfuTouched(data: number): number {
    let counter = this.lfuDecayed(data);
    if (counter < 255) {
      const base = counter > LFU_INIT_VAL ? counter - LFU_INIT_VAL : 0;
      if (Math.random() < 1 / (base * this.lfuLogFactor + 1)) counter++;
    }
    return (this.lfuMinutes() << 8) | counter;
  }

  /** LFU data for a write: a new key starts at LFU_INIT_VAL, an overwritten one keeps its (accessed) data. */
  private lfuWritten(d: Db, key: string): number {
    const e = d.dict.find(key);
    return e < 0 ? (this.lfuMinutes() << 8) | LFU_INIT_VAL : this.lfuTouched(d.dict.lruAt(e));
  }

  /** The LRU clock of a key as Redis prints it (24-bit seconds). */
  lruClock(db: number, key: string): number {
    const d = this.dbs[db];
    const e = d.dict.find(key);
    const t = e < 0 ? (this.now / 1000) | 0 : d.dict.lruAt(e);
    return t & 0xffffff;
  }

  /**
   * The lookups of a pipelined batch are coming (argvs[i][keyAt[i]] for i in
   * [from, to), in db; keyAt 0: a command without a key): read ahead for
   * them when the table is larger than the caches (KeyTable.prefetch); a
   * small table is in the cache anyway. A command's member (the argument
   * after its key: HSET's field, SADD's member ...) is read ahead in a big
   * collection.
   */
  prefetch(db: number, argvs: string[][], keyAt: Int32Array, from: number, to: number): void {
    const dict = this.dbs[db].dict;
    let m = 0;
    if (dict.size >= PREFETCH_MIN_KEYS) {
      const n = dict.prefetch(argvs, keyAt, from, to);
      for (let i = 0; i < n && m < MEMBER_PREFETCH_MAX; i++) {
        const argv = argvs[from + i];
        const k = keyAt[from + i];
        if (k === 0 || argv.length <= k + 1) continue;
        const ix = bigMemberIndex(dict.prefetchedValue(i));
        if (ix === null) continue;
        memberIndexes[m] = ix;
        memberNames[m++] = argv[k + 1];
      }
      dict.clearPrefetched(n);
    } else {
      // A small keyspace is in the cache; a batch on one big collection still misses in it.
      const k0 = keyAt[from];
      if (k0 === 0 || argvs[from].length <= k0 + 1) return;
      const key = argvs[from][k0];
      const ix = bigMemberIndex(dict.get(key));
      if (ix === null) return;
      for (let i = from; i < to && m < MEMBER_PREFETCH_MAX; i++) {
        const argv = argvs[i];
        const k = keyAt[i];
        if (k === 0 || argv.length <= k + 1 || argv[k] !== key) continue;
        memberIndexes[m] = ix;
        memberNames[m++] = argv[k + 1];
      }
    }
    if (m === 0) return;
    MemberIndex.prefetch(memberIndexes, memberNames, m);
    for (let i = 0; i < m; i++) {
      memberIndexes[i] = EMPTY_INDEX;
      memberNames[i] = '';
    }
  }

  /** Is db's table large enough that prefetch() reads ahead in it (rather than the cache having it)? */
  bigKeyspace(db: number): boolean {
    return this.dbs[db].dict.size >= PREFETCH_MIN_KEYS;
  }

  /** The lookups of one command's keys are coming (argv[first], argv[first + step] ... argv[last]): see prefetch(). */
  prefetchArgs(db: number, argv: string[], first: number, last: number, step: number): void {
    const dict = this.dbs[db].dict;
    if (dict.size >= PREFETCH_MIN_KEYS) dict.prefetchArgs(argv, first, last, step);
  }

  has(db: number, key: string): boolean {
    return this.get(db, key) !== undefined;
  }

  /**
   * A key of db changed in place (a list push, a member's TTL): WATCH and
   * SCAN sessions (Db.version) and speculative reads (changes) see it.
   */
  changed(db: number): void {
    this.bump(this.dbs[db]);
  }

  /** A key of d changed: its version and the shard's change counter move. */
  private bump(d: Db): void {
    d.version++;
    this.changes++;
  }

  /** Overwrite or create the value; keeps the TTL only when keepTtl. */
  set(db: number, key: string, v: RawValue, keepTtl = false): void {
    const d = this.dbs[db];
    d.dict.set(key, v, this.lfu ? this.lfuWritten(d, key) : (this.now / 1000) | 0);
    if (!keepTtl && d.expires.size !== 0) d.expires.delete(key);
    this.bump(d);
    if (this.onTypedWrite !== null && typeof v === 'object' && v.type !== 'string') this.onTypedWrite(db, key);
    if (typeof v === 'object' && v.type === 'cron' && this.onCronStored !== null) this.onCronStored(db, key, v);
  }

  /**
   * A read-modify-write of one key with one lookup (INCR): the live entry of
   * key, or -1 (expiring it lazily if due); then entryValue() and replaceAt().
   * No other write to the database in between (an entry stays put only until
   * the table changes).
   */
  entry(db: number, key: string): number {
    const d = this.dbs[db];
    return this.live(db, d, key);
  }

  /** The value of an entry from entry() (as get() returns it). */
  entryValue(db: number, e: number): StoredValue {
    return this.plain(this.dbs[db], e);
  }

  /** update() for the entry of key found by entry(): a string or number value, TTL kept. */
  replaceAt(db: number, e: number, v: string | number): void {
    const d = this.dbs[db];
    d.dict.setValueAt(e, v);
    d.dict.touchAt(e, this.lfu ? this.lfuTouched(d.dict.lruAt(e)) : (this.now / 1000) | 0);
    this.bump(d);
  }

  /** Replace the value of an existing key in place (TTL kept). */
  update(db: number, key: string, v: RawValue): void {
    const d = this.dbs[db];
    d.dict.set(key, v, this.lfu ? this.lfuWritten(d, key) : (this.now / 1000) | 0);
    this.bump(d);
    if (this.onTypedWrite !== null && typeof v === 'object' && v.type !== 'string') this.onTypedWrite(db, key);
  }

  delete(db: number, key: string): boolean {
    const d = this.dbs[db];
    if (!d.dict.delete(key)) return false;
    if (d.expires.size !== 0) d.expires.delete(key);
    this.bump(d);
    return true;
  }

  /** Delete a live key; false when it does not exist (or had just expired). */
  deleteLive(db: number, key: string): boolean {
    if (this.get(db, key) === undefined) return false;
    return this.delete(db, key);
  }

  getExpire(db: number, key: string): number | undefined {
    const d = this.dbs[db];
    return d.expires.size === 0 ? undefined : d.expires.get(key);
  }

  setExpire(db: number, key: string, whenMs: number): void {
    const d = this.dbs[db];
    d.expires.set(key, whenMs);
    this.bump(d);
  }

  removeExpire(db: number, key: string): boolean {
    const d = this.dbs[db];
    if (!d.expires.delete(key)) return false;
    this.bump(d);
    return true;
  }

  /** Remove a key whose TTL has passed. */
  expireKey(db: number, d: Db, key: string): void {
    d.dict.delete(key);
    d.expires.delete(key);
    this.bump(d);
    this.stats.expired++;
    if (this.watch !== null && this.watch.active !== 0) this.watch.expired(db, key);
    if (this.onExpire !== null) this.onExpire(db, key);
  }

  flushDb(db: number): void {
    if (this.watch !== null && this.watch.active !== 0) this.watch.touchDb(db, this);
    const old = this.dbs[db];
    const d = new Db();
    d.version = old.version + 1;
    this.dbs[db] = d;
    this.changes++;
  }

  flushAll(): void {
    for (let i = 0; i < this.dbs.length; i++) this.flushDb(i);
  }

  swapDb(a: number, b: number): void {
    if (this.watch !== null && this.watch.active !== 0) {
      this.watch.touchDb(a, this, b);
      this.watch.touchDb(b, this, a);
    }
    const t = this.dbs[a];
    this.dbs[a] = this.dbs[b];
    this.dbs[b] = t;
    this.dbs[a].version++;
    this.dbs[b].version++;
    this.changes++;
    if (this.onSwapDb !== null) this.onSwapDb(a, b);
  }

  /** Number of keys in db, expired-but-not-yet-collected ones included (as Redis's DBSIZE). */
  size(db: number): number {
    return this.dbs[db].dict.size;
  }

  /**
   * A random live key of db, or undefined when it has none (expired keys met
   * on the way are deleted, as Redis's dbRandomKey does).
   */
  randomKey(db: number): string | undefined {
    const d = this.dbs[db];
    for (;;) {
      const e = d.dict.randomEntry();
      if (e < 0) return undefined;
      const k = d.dict.keyOf(e);
      if (d.expires.size !== 0) {
        const t = d.expires.get(k);
        if (t !== undefined && t <= this.now) {
          this.expireKey(db, d, k);
          continue;
        }
      }
      return k;
    }
  }
}
