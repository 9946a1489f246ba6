// WATCH on the shard that owns the keys. A watcher (a client, by its global
// id) registers keys here; a write to a watched key, a flush or swap of its
// database, or its expiry marks the watcher dirty. EXEC asks every shard it
// watched on, under the transaction's locks, whether the watcher is dirty.
//
// What counts as a write: after a write command runs on this shard while
// watches exist, each of its watched keys is dirty when its value, type, TTL
// or existence changed, or when the command was a single-key write that
// stored the key anew (SET of the same value touches the key, as in Redis).

import type { Keyspace } from './keyspace.ts';

interface Watcher {
  keys: string[]; // db + '\0' + key
  dirty: boolean;
  /** Keys already logically expired when watched: their removal by expiry does not count (Redis 7.0). */
  expiredAtWatch: Set<string> | null;
}

export function watchKeyId(db: number, key: string): string {
  return db + '\0' + key;
}

export class WatchTable {
  private readonly byKey = new Map<string, Set<number>>();
  private readonly watchers = new Map<number, Watcher>();

  /** Number of watched keys on this shard; 0 keeps the write path free of any WATCH work. */
  get active(): number {
    return this.byKey.size;
  }

  watch(id: number, db: number, key: string, ks: Keyspace): void {
    let w = this.watchers.get(id);
    if (w === undefined) {
      w = { keys: [], dirty: false, expiredAtWatch: null };
      this.watchers.set(id, w);
    }
    const k = watchKeyId(db, key);
    let set = this.byKey.get(k);
    if (set === undefined) this.byKey.set(k, (set = new Set()));
    if (set.has(id)) return;
    set.add(id);
    w.keys.push(k);
    const d = ks.dbs[db];
    const when = d.expires.get(key);
    if (when !== undefined && when <= Date.now() && d.dict.has(key)) {
      if (w.expiredAtWatch === null) w.expiredAtWatch = new Set();
      w.expiredAtWatch.add(k);
    }
  }

  isWatched(db: number, key: string): boolean {
    return this.byKey.has(watchKeyId(db, key));
  }

  touch(db: number, key: string): void {
    const set = this.byKey.get(watchKeyId(db, key));
    if (set === undefined) return;
    for (const id of set) this.watchers.get(id)!.dirty = true;
  }

  /** An expiry removed the key: dirty unless it was already expired when watched. */
  expired(db: number, key: string): void {
    const k = watchKeyId(db, key);
    const set = this.byKey.get(k);
    if (set === undefined) return;
    for (const id of set) {
      const w = this.watchers.get(id)!;
      if (w.expiredAtWatch === null || !w.expiredAtWatch.has(k)) w.dirty = true;
    }
  }

  /** FLUSHDB / FLUSHALL / SWAPDB: watched keys of `db` that exist in `db` (or in `other`, for a swap) are touched. */
  touchDb(db: number, ks: Keyspace, other = -1): void {
    if (this.byKey.size === 0) return;
    const prefix = db + '\0';
    for (const [k, set] of this.byKey) {
      if (!k.startsWith(prefix)) continue;
      const key = k.slice(prefix.length);
      if (ks.dbs[db].dict.has(key) || (other >= 0 && ks.dbs[other].dict.has(key))) for (const id of set) this.watchers.get(id)!.dirty = true;
    }
  }

  /** EXEC's check: dirty, or a watched key has logically expired since it was watched. */
  isDirty(id: number, ks: Keyspace): boolean {
    const w = this.watchers.get(id);
    if (w === undefined) return false;
    if (w.dirty) return true;
    const now = Date.now();
    for (const k of w.keys) {
      const sep = k.indexOf('\0');
      const db = Number(k.slice(0, sep));
      const key = k.slice(sep + 1);
      const when = ks.dbs[db].expires.get(key);
      if (when !== undefined && when <= now && !(w.expiredAtWatch?.has(k) ?? false)) return true;
    }
    return false;
  }

  unwatch(id: number): void {
    const w = this.watchers.get(id);
    if (w === undefined) return;
    for (const k of w.keys) {
      const set = this.byKey.get(k)!;
      set.delete(id);
      if (set.size === 0) this.byKey.delete(k);
    }
    this.watchers.delete(id);
  }
}
