// The element store of a skiplist-encoded sorted set, doubling as Redis's
// zset dict (member -> score): open addressing with linear probing, members in
// one array and scores unboxed in a Float64Array. A slot index is the
// element's id: the ordered tree (zset_btree.ts) stores ids in its leaves, so
// each member and score is held once (16 bytes a slot; a JS Map would cost
// ~28 bytes a slot plus a 16-byte heap number per non-small-integer score,
// and the tree its own copy of both).
//
// Deletions leave tombstones, so ids never move except when the table is
// rebuilt (growing past 3/4 occupied slots, shrinking under 1/8 live, or
// purging tombstones): a rebuild records `remap` (old id -> new id) for the
// owner to apply to the tree before anything else, and bumps `epoch`, which
// ZSCAN cursors carry (scan()).

import { randomSipKey, seededHash, sipHash, openTableCapacity, OPEN_TABLE_MIN, FLOODED_PROBES, type SipKey } from '../string_hash.ts';

/** Marks a deleted slot (never equal to any member string). */
const TOMB: unknown = Object.freeze({ tomb: true });
const MIN_CAP = OPEN_TABLE_MIN;

export class ZDict {
  /** Member per slot: a string, undefined (empty) or TOMB. */
  keys: unknown[];
  /** Score per slot. */
  vals: Float64Array;
  private mask: number;
  /** Live entries. */
  size = 0;
  /** Live entries plus tombstones. */
  private used = 0;
  /** Bumped by every rebuild (ZSCAN cursors carry it). */
  epoch = 0;
  /** Set by a rebuild: old id -> new id (-1 for free slots); the owner applies it to the tree and clears it. */
  remap: Int32Array | null = null;

  /** The fast hash (seededHash; tests pass a weak one to provoke flooding). */
  private readonly fastHash: (m: string) => number;
  /** Set once members were seen flooding a probe sequence: SipHash under this key from then on. */
  private sipKey: SipKey | null = null;

  /** An empty table of `cap` slots (a power of two, at least 16). */
  constructor(cap = MIN_CAP, fastHash: (m: string) => number = seededHash) {
    this.fastHash = fastHash;
    this.keys = new Array(cap);
    this.vals = new Float64Array(cap);
    this.mask = cap - 1;
  }

  /** A table sized for n entries. */
  static withSize(n: number): ZDict {
    return new ZDict(openTableCapacity(n));
  }

  get capacity(): number {
    return this.mask + 1;
  }

  /** The table switched to SipHash after members chosen to collide. */
  get hardened(): boolean {
    return this.sipKey !== null;
  }

  private hash(m: string): number {
    return this.sipKey === null ? this.fastHash(m) : sipHash(m, this.sipKey);
  }

  /** The id of member m, -1 when absent. */
  find(m: string): number {
    const keys = this.keys;
    const mask = this.mask;
    let i = this.hash(m) & mask;
    for (;;) {
      const k = keys[i];
      if (k === m) return i;
      if (k === undefined) return -1;
      i = (i + 1) & mask;
    }
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

  /**
   * Add a member that is absent; returns its id. May rebuild the table first
   * (then `remap` is set for the ids handed out before).
   */
  add(m: string, s: number): number {
    if ((this.used + 1) * 4 > this.capacity * 3) this.rebuild(openTableCapacity(Math.ceil((this.size + 1) * 1.5)));
    const keys = this.keys;
    const mask = this.mask;
    let i = this.hash(m) & mask;
    let tomb = -1;
    for (let n = 0; ; n++) {
      const k = keys[i];
      if (k === undefined) break;
      if (k === TOMB && tomb < 0) tomb = i;
      if (n >= FLOODED_PROBES && this.sipKey === null) {
        this.harden();
        return this.add(m, s);
      }
      i = (i + 1) & mask;
    }
    if (tomb >= 0) i = tomb;
    else this.used++;
    keys[i] = m;
    this.vals[i] = s;
    this.size++;
    return i;
  }

  /** Members were chosen to collide: hash every one again with SipHash (one remap for the owner, composed with any pending). */
  private harden(): void {
    const before = this.remap;
    this.sipKey = randomSipKey();
    this.rebuild(this.capacity);
    if (before !== null) {
      const after = this.remap!;
      for (let j = 0; j < before.length; j++) if (before[j] >= 0) before[j] = after[before[j]];
      this.remap = before;
    }
  }

  /** Remove the element with this id. May shrink the table (then `remap` is set). */
  removeAt(id: number): void {
    this.keys[id] = TOMB;
    this.size--;
    if (this.size * 8 < this.capacity && this.capacity > MIN_CAP) this.rebuild(openTableCapacity(this.size * 2));
  }

  clear(): void {
    this.keys = new Array(MIN_CAP);
    this.vals = new Float64Array(MIN_CAP);
    this.mask = MIN_CAP - 1;
    this.size = 0;
    this.used = 0;
    this.epoch++;
    this.remap = null;
  }

  /** Re-insert every live entry into a table of `cap` slots, recording old id -> new id. */
  private rebuild(cap: number): void {
    const oldK = this.keys;
    const oldV = this.vals;
    const keys: unknown[] = new Array(cap);
    const vals = new Float64Array(cap);
    const remap = new Int32Array(oldK.length);
    const mask = cap - 1;
    for (let j = 0; j < oldK.length; j++) {
      const k = oldK[j];
      if (typeof k !== 'string') {
        remap[j] = -1;
        continue;
      }
      let i = this.hash(k) & mask;
      while (keys[i] !== undefined) i = (i + 1) & mask;
      keys[i] = k;
      vals[i] = oldV[j];
      remap[j] = i;
    }
    this.keys = keys;
    this.vals = vals;
    this.mask = mask;
    this.used = this.size;
    this.epoch++;
    this.remap = remap;
  }

  /** Every live member, in slot order. */
  *members(): IterableIterator<string> {
    const keys = this.keys;
    for (let j = 0; j < keys.length; j++) {
      const k = keys[j];
      if (typeof k === 'string') yield k;
    }
  }

  /**
   * One SCAN step: from slot `pos` of the table as it was at `epoch` (a
   * cursor from another epoch starts over at 0), collect live entries until
   * `count` were found or count*10 slots were examined. Returns the next
   * position, or -1 at the end of the table.
   */
  scan(pos: number, epoch: number, count: number, outM: string[], outS: number[]): number {
    if (epoch !== (this.epoch & 0xffff)) pos = 0;
    const keys = this.keys;
    const n = keys.length;
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

  /** Bytes held by the table (MEMORY USAGE). */
  bytes(): number {
    return 2 * 80 + this.capacity * 16;
  }
}
