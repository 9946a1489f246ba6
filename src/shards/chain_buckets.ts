// The bucket array of a chained hash table that resizes incrementally, as
// Redis's dict rehashes: KeyTable's (keys) and ZDict's (sorted-set members).
// A bucket holds 1 + the first entry of its chain (0: empty); the entries
// themselves, with each one's hash and chain link, live in the table
// (ChainLinks). On a resize the new array takes over and the old one stays;
// its chains move over a few buckets at a time (move(), called by the
// table's writes and lookups), from the first bucket on, and a hash whose
// old bucket has not moved yet still has its chain there: chainOf() says
// where. So a table passing a million entries pays for a zeroed array, not
// for relinking every entry at once.

/** Old buckets a table's write moves to the new array while it resizes (a lookup moves one). */
export const MOVE_PER_WRITE = 8;

/**
 * A chain this long on insertion means entries chosen to collide (the odds
 * against it by chance are astronomical at load factor 1): the table then
 * hashes everything again with SipHash under a secret key, as Redis hashes.
 */
export const FLOODED_CHAIN = 100;

/** What a table tells about its entries: each one's hash and chain link (1 + the next entry, 0: none). */
export interface ChainLinks {
  hashAt(i: number): number;
  nextAt(i: number): number;
  setNextAt(i: number, next: number): void;
}

export class ChainBuckets {
  private buckets: Int32Array;
  private mask: number;
  /** While resizing: the previous array, its mask, and how many of its buckets moved (the first ones). */
  private old: Int32Array | null = null;
  private oldMask = 0;
  private moved = 0;
  /** Set by chainOf(): the chain's bucket in the array it returned. */
  at = 0;

  /** `count` buckets, a power of two. */
  constructor(count: number) {
    this.buckets = new Int32Array(count);
    this.mask = count - 1;
  }

  /** Buckets of the current array. */
  get count(): number {
    return this.mask + 1;
  }

  /** A resize is in progress (old buckets to move: move()). */
  get resizing(): boolean {
    return this.old !== null;
  }

  /** Old buckets not moved yet (0: not resizing). */
  get pending(): number {
    return this.old === null ? 0 : this.oldMask + 1 - this.moved;
  }

  /** The array holding hash h's chain (the old one while h's old bucket has not moved); `at` is the bucket. */
  chainOf(h: number): Int32Array {
    const old = this.old;
    if (old !== null && (h & this.oldMask) >= this.moved) {
      this.at = h & this.oldMask;
      return old;
    }
    this.at = h & this.mask;
    return this.buckets;
  }

  /** 1 + the first entry of hash h's chain (0: empty). */
  head(h: number): number {
    return this.chainOf(h)[this.at];
  }

  /** Put entry e (hash h, not linked yet) at the head of its chain. */
  link(e: number, h: number, links: ChainLinks): void {
    const heads = this.chainOf(h);
    links.setNextAt(e, heads[this.at]);
    heads[this.at] = e + 1;
  }

  /** Start resizing to `count` buckets (a resize in progress is finished first). */
  resize(count: number, links: ChainLinks): void {
    if (this.old !== null) this.move(this.oldMask + 1, links);
    this.old = this.buckets;
    this.oldMask = this.mask;
    this.moved = 0;
    this.buckets = new Int32Array(count);
    this.mask = count - 1;
  }

  /** Move the chains of the next `n` old buckets to the new array; the last one ends the resize. */
  move(n: number, links: ChainLinks): void {
    const old = this.old!;
    const end = Math.min(this.moved + n, this.oldMask + 1);
    const buckets = this.buckets;
    const mask = this.mask;
    for (let b = this.moved; b < end; b++) {
      let e = old[b];
      while (e !== 0) {
        const i = e - 1;
        e = links.nextAt(i);
        const nb = links.hashAt(i) & mask;
        links.setNextAt(i, buckets[nb]);
        buckets[nb] = i + 1;
      }
    }
    this.moved = end;
    if (end === this.oldMask + 1) this.old = null;
  }

  /** Empty `count` buckets at once (ends any resize): the table links its entries again (link()). */
  reset(count: number): void {
    this.old = null;
    this.buckets = new Int32Array(count);
    this.mask = count - 1;
  }
}
