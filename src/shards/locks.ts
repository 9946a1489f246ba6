// A shard's lock table for cross-shard transactions (two-phase locking).
// A transaction (owner) locks the keys it will touch on this shard, or the
// whole shard for keyspace-wide commands; anything else that needs a locked
// key waits in the shard's queue until the owner unlocks.
// Keys are locked by name across databases (a harmless over-approximation).
//
// Every cross-shard command locks and unlocks here, so the table is built not
// to allocate per transaction: two open-addressing tables in typed arrays
// (key -> owner, owner -> the keys it holds), linear probing, deletion by
// shifting back the entries behind (no tombstones), never shrinking while in
// use (trim() from the once-a-second cron). JS Maps were 13% of a shard's
// allocation under cross-shard MSETs: a Map that empties or shrinks to a
// quarter allocates a smaller table, and grows again on the next insert.

import { seededHash } from './string_hash.ts';

/** Owner ids end in the coordinating thread's index: owner % 128 (ShardThread.beginTxn). */
const OWNER_THREADS = 128;
const KEY_SLOTS_MIN = 64;
const OWNER_SLOTS_MIN = 32;
/** Held-key lists kept for reuse, and the number of keys past which one is not kept (a list holds two entries a key). */
const SPARE_HELD = 64;
const SPARE_HELD_MAX_LEN = 1024;

export class LockTable {
  // key -> owner: keySlots[i] (undefined: empty), with its hash and owner.
  private keySlots: (string | undefined)[] = new Array(KEY_SLOTS_MIN).fill(undefined);
  private keyHashes = new Int32Array(KEY_SLOTS_MIN);
  private keyOwners = new Int32Array(KEY_SLOTS_MIN);
  private keyCount = 0;
  // owner -> the keys it holds: ownerIds[i] (0: empty), ownerHeld[i][0, ownerHeldLen[i]) (keys and
  // their hashes, alternating; the lists are reused, and a list cut short would lose its room).
  private ownerIds = new Int32Array(OWNER_SLOTS_MIN);
  private ownerHeld: (string | number | undefined)[][] = emptyHeld(OWNER_SLOTS_MIN);
  private ownerHeldLen = new Int32Array(OWNER_SLOTS_MIN);
  private readonly spareHeld: (string | number | undefined)[][] = [];
  /**
   * The keys conflictAt() looked up last and their hashes: lock() of the same
   * array (the usual check, then lock) hashes nothing again.
   */
  private hashedKeys: string[] | null = null;
  private hashes = new Int32Array(16);
  /** Owners holding locks here, by coordinating thread (owner % 128). */
  private readonly byThread = new Int32Array(OWNER_THREADS);
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
    if (all) return this.active - (this.holds(owner) ? 1 : 0) > 0 ? 0 : -1;
    if (hint < keys.length) {
      const o = this.ownerOf(keys[hint], seededHash(keys[hint]));
      if (o !== 0 && o !== owner) return hint;
    }
    if (this.hashes.length < keys.length) this.hashes = new Int32Array(keys.length * 2);
    const hashes = this.hashes;
    this.hashedKeys = null;
    for (let i = 0; i < keys.length; i++) {
      const h = seededHash(keys[i]);
      hashes[i] = h;
      const o = this.ownerOf(keys[i], h);
      if (o !== 0 && o !== owner) return i;
    }
    this.hashedKeys = keys;
    return -1;
  }

  canUseKey(key: string): boolean {
    if (this.active === 0) return true;
    return this.allOwner === 0 && this.ownerOf(key, seededHash(key)) === 0;
  }

  /** Take the locks (the caller checked canUse). */
  lock(owner: number, keys: string[], all: boolean): void {
    let at = this.ownerSlot(owner);
    if (at < 0) at = this.addOwner(owner);
    if (all) this.allOwner = owner;
    const held = this.ownerHeld[at];
    let len = this.ownerHeldLen[at];
    const hashed = keys === this.hashedKeys;
    this.hashedKeys = null;
    for (let i = 0; i < keys.length; i++) {
      const h = hashed ? this.hashes[i] : seededHash(keys[i]);
      if (!this.claim(keys[i], h, owner)) continue;
      held[len++] = keys[i];
      held[len++] = h;
    }
    this.ownerHeldLen[at] = len;
  }

  /** Owner of the whole-shard lock (0: none). */
  get wholeShardOwner(): number {
    return this.allOwner;
  }

  /** Some owner coordinated by another thread than `self` holds locks here. */
  heldFromElsewhere(self: number): boolean {
    return this.active - this.byThread[self] > 0;
  }

  holds(owner: number): boolean {
    return this.active !== 0 && this.ownerSlot(owner) >= 0;
  }

  /** Release everything `owner` holds; true when it held something. */
  unlock(owner: number): boolean {
    if (this.active === 0) return false;
    const at = this.ownerSlot(owner);
    if (at < 0) return false;
    const held = this.ownerHeld[at];
    const len = this.ownerHeldLen[at];
    for (let i = 0; i < len; i += 2) {
      this.release(held[i] as string, held[i + 1] as number);
      held[i] = undefined;
    }
    if (this.allOwner === owner) this.allOwner = 0;
    this.active--;
    this.byThread[owner % OWNER_THREADS]--;
    this.removeOwnerAt(at);
    if (held.length <= 2 * SPARE_HELD_MAX_LEN && this.spareHeld.length < SPARE_HELD) this.spareHeld.push(held);
    return true;
  }

  /** Once a second: tables that grew for a burst go back to their first size when nothing is locked. */
  trim(): void {
    if (this.active !== 0) return;
    if (this.keySlots.length > KEY_SLOTS_MIN) this.resizeKeys(KEY_SLOTS_MIN);
    if (this.ownerIds.length > OWNER_SLOTS_MIN) {
      this.ownerIds = new Int32Array(OWNER_SLOTS_MIN);
      this.ownerHeld = emptyHeld(OWNER_SLOTS_MIN);
      this.ownerHeldLen = new Int32Array(OWNER_SLOTS_MIN);
    }
  }

  // ---- key -> owner --------------------------------------------------------

  /** The owner holding `key` (0: nobody). */
  private ownerOf(key: string, h: number): number {
    const slots = this.keySlots;
    const mask = slots.length - 1;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const k = slots[i];
      if (k === undefined) return 0;
      if (this.keyHashes[i] === h && k === key) return this.keyOwners[i];
    }
  }

  /** Enter key for owner unless someone holds it already; true when entered. */
  private claim(key: string, h: number, owner: number): boolean {
    if ((this.keyCount + 1) * 2 > this.keySlots.length) this.resizeKeys(this.keySlots.length * 2);
    const slots = this.keySlots;
    const mask = slots.length - 1;
    let i = h & mask;
    for (; ; i = (i + 1) & mask) {
      const k = slots[i];
      if (k === undefined) break;
      if (this.keyHashes[i] === h && k === key) return false;
    }
    slots[i] = key;
    this.keyHashes[i] = h;
    this.keyOwners[i] = owner;
    this.keyCount++;
    return true;
  }

  private release(key: string, h: number): void {
    const slots = this.keySlots;
    const mask = slots.length - 1;
    let i = h & mask;
    for (; ; i = (i + 1) & mask) {
      const k = slots[i];
      if (k === undefined) return;
      if (this.keyHashes[i] === h && k === key) break;
    }
    // Shift back the entries of the probe run behind the hole, so that no lookup stops short.
    for (let j = (i + 1) & mask; slots[j] !== undefined; j = (j + 1) & mask) {
      const home = this.keyHashes[j] & mask;
      if (((j - home) & mask) < ((j - i) & mask)) continue;
      slots[i] = slots[j];
      this.keyHashes[i] = this.keyHashes[j];
      this.keyOwners[i] = this.keyOwners[j];
      i = j;
    }
    slots[i] = undefined;
    this.keyCount--;
  }

  private resizeKeys(capacity: number): void {
    const slots = this.keySlots;
    const hashes = this.keyHashes;
    const owners = this.keyOwners;
    this.keySlots = new Array(capacity).fill(undefined);
    this.keyHashes = new Int32Array(capacity);
    this.keyOwners = new Int32Array(capacity);
    const mask = capacity - 1;
    for (let j = 0; j < slots.length; j++) {
      const k = slots[j];
      if (k === undefined) continue;
      let i = hashes[j] & mask;
      while (this.keySlots[i] !== undefined) i = (i + 1) & mask;
      this.keySlots[i] = k;
      this.keyHashes[i] = hashes[j];
      this.keyOwners[i] = owners[j];
    }
  }

  // ---- owner -> held keys ----------------------------------------------------

  private ownerSlot(owner: number): number {
    const ids = this.ownerIds;
    const mask = ids.length - 1;
    for (let i = ownerHome(owner) & mask; ; i = (i + 1) & mask) {
      const o = ids[i];
      if (o === owner) return i;
      if (o === 0) return -1;
    }
  }

  private addOwner(owner: number): number {
    if ((this.active + 1) * 2 > this.ownerIds.length) this.resizeOwners(this.ownerIds.length * 2);
    const ids = this.ownerIds;
    const mask = ids.length - 1;
    let i = ownerHome(owner) & mask;
    while (ids[i] !== 0) i = (i + 1) & mask;
    ids[i] = owner;
    this.ownerHeld[i] = this.spareHeld.pop() ?? [];
    this.ownerHeldLen[i] = 0;
    this.active++;
    this.byThread[owner % OWNER_THREADS]++;
    return i;
  }

  private removeOwnerAt(at: number): void {
    const ids = this.ownerIds;
    const held = this.ownerHeld;
    const lens = this.ownerHeldLen;
    const mask = ids.length - 1;
    let i = at;
    for (let j = (i + 1) & mask; ids[j] !== 0; j = (j + 1) & mask) {
      const home = ownerHome(ids[j]) & mask;
      if (((j - home) & mask) < ((j - i) & mask)) continue;
      ids[i] = ids[j];
      held[i] = held[j];
      lens[i] = lens[j];
      i = j;
    }
    ids[i] = 0;
    held[i] = NONE_HELD;
    lens[i] = 0;
  }

  private resizeOwners(capacity: number): void {
    const ids = this.ownerIds;
    const held = this.ownerHeld;
    const lens = this.ownerHeldLen;
    this.ownerIds = new Int32Array(capacity);
    this.ownerHeld = emptyHeld(capacity);
    this.ownerHeldLen = new Int32Array(capacity);
    const mask = capacity - 1;
    for (let j = 0; j < ids.length; j++) {
      if (ids[j] === 0) continue;
      let i = ownerHome(ids[j]) & mask;
      while (this.ownerIds[i] !== 0) i = (i + 1) & mask;
      this.ownerIds[i] = ids[j];
      this.ownerHeld[i] = held[j];
      this.ownerHeldLen[i] = lens[j];
    }
  }
}

/** An empty owner slot's held list (never written: a slot gets its own list when taken). */
const NONE_HELD: (string | number | undefined)[] = [];

function emptyHeld(n: number): (string | number | undefined)[][] {
  return new Array<(string | number | undefined)[]>(n).fill(NONE_HELD);
}

/** Where an owner's probe starts: owner ids differ mostly in their high bits (a counter above the thread index). */
function ownerHome(owner: number): number {
  const h = Math.imul(owner, 0x9e3779b1);
  return h ^ (h >>> 15);
}
