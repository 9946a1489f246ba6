// A shard's lock table for cross-shard transactions (two-phase locking).
// A transaction (owner) locks the keys it will touch on this shard, or the
// whole shard for keyspace-wide commands; anything else that needs a locked
// key waits in the shard's queue until the owner unlocks.
// Keys are locked by name across databases (a harmless over-approximation).

export class LockTable {
  private readonly keyOwner = new Map<string, number>();
  private readonly ownerKeys = new Map<number, string[]>();
  /** Owner of the whole-shard lock, or 0. */
  private allOwner = 0;
  /** Number of owners holding any lock here; 0 means the fast path skips all checks. */
  active = 0;

  /** Can `owner` (0 for plain commands) use these keys now? */
  canUse(owner: number, keys: string[], all: boolean): boolean {
    return this.conflictAt(owner, keys, all, keys.length) < 0;
  }

  /**
   * canUse() for work that waits: -1 when `owner` can use the keys now, else
   * where to look first next time (the index of a key another owner holds;
   * 0 when it is the whole shard). keys[hint] is looked at first: the key
   * that stopped the work last time is usually still taken, so a queue of
   * waiting work with many keys each is re-checked in one lookup per entry.
   */
  conflictAt(owner: number, keys: string[], all: boolean, hint: number): number {
    if (this.active === 0) return -1;
    if (this.allOwner !== 0 && this.allOwner !== owner) return 0;
    if (all) {
      for (const o of this.ownerKeys.keys()) if (o !== owner) return 0;
      return -1;
    }
    if (hint < keys.length) {
      const o = this.keyOwner.get(keys[hint]);
      if (o !== undefined && o !== owner) return hint;
    }
    for (let i = 0; i < keys.length; i++) {
      const o = this.keyOwner.get(keys[i]);
      if (o !== undefined && o !== owner) return i;
    }
    return -1;
  }

  canUseKey(key: string): boolean {
    if (this.active === 0) return true;
    return this.allOwner === 0 && !this.keyOwner.has(key);
  }

  /** Take the locks (the caller checked canUse). */
  lock(owner: number, keys: string[], all: boolean): void {
    let held = this.ownerKeys.get(owner);
    if (held === undefined) {
      held = [];
      this.ownerKeys.set(owner, held);
      this.active++;
    }
    if (all) this.allOwner = owner;
    for (let i = 0; i < keys.length; i++) {
      if (!this.keyOwner.has(keys[i])) {
        this.keyOwner.set(keys[i], owner);
        held.push(keys[i]);
      }
    }
  }

  /** Owner of the whole-shard lock (0: none). */
  get wholeShardOwner(): number {
    return this.allOwner;
  }

  /** Some owner coordinated by another thread than `self` holds locks here (owner ids end in their thread: owner % 128). */
  heldFromElsewhere(self: number): boolean {
    if (this.active === 0) return false;
    for (const o of this.ownerKeys.keys()) if (o % 128 !== self) return true;
    return false;
  }

  holds(owner: number): boolean {
    return this.ownerKeys.has(owner);
  }

  /** Release everything `owner` holds; true when it held something. */
  unlock(owner: number): boolean {
    const held = this.ownerKeys.get(owner);
    if (held === undefined) return false;
    for (let i = 0; i < held.length; i++) this.keyOwner.delete(held[i]);
    this.ownerKeys.delete(owner);
    if (this.allOwner === owner) this.allOwner = 0;
    this.active--;
    return true;
  }
}
