// The representation of a small list: a ring-buffer deque of latin1 strings
// (binary safe), with O(1) push and pop at both ends and O(1) access by
// index; inserting or removing in the middle shifts the shorter side. Lists
// past a few dozen elements move to the packed form (list_packed.ts): see
// list.ts.

import type { ReplyWriter } from '../../proto/reply_writer.ts';

const MIN_CAPACITY = 8;

export class StringDeque {
  /** Slots; capacity is a power of two; free slots hold undefined. */
  private a: (string | undefined)[];
  /** Index of the first element. */
  private h = 0;
  /** Number of elements. */
  private n = 0;
  /** capacity - 1. */
  private m: number;

  constructor(capacity = MIN_CAPACITY) {
    let cap = MIN_CAPACITY;
    while (cap < capacity) cap *= 2;
    this.a = new Array(cap).fill(undefined);
    this.m = cap - 1;
  }

  /** A deque holding `elems` in order (the array is not kept). */
  static fromArray(elems: readonly string[]): StringDeque {
    const l = new StringDeque(elems.length);
    for (let i = 0; i < elems.length; i++) l.a[i] = elems[i];
    l.n = elems.length;
    return l;
  }

  get length(): number {
    return this.n;
  }

  /** MEMORY USAGE estimate: the slot array plus (a sample of) the element strings. */
  memoryUsage(samples: number): number {
    let bytes = 48 + this.a.length * 8;
    const n = this.n;
    if (n === 0) return bytes;
    const take = samples <= 0 || samples >= n ? n : samples;
    let sum = 0;
    for (let i = 0; i < take; i++) sum += 16 + ((this.at(i).length + 7) & ~7);
    bytes += Math.round((sum / take) * n);
    return bytes;
  }

  at(i: number): string {
    return this.a[(this.h + i) & this.m]!;
  }

  /** Element i as a bulk reply. */
  replyAt(out: ReplyWriter, i: number): void {
    out.bulk(this.at(i));
  }

  equalsAt(i: number, s: string): boolean {
    return this.at(i) === s;
  }

  setAt(i: number, s: string): void {
    this.a[(this.h + i) & this.m] = s;
  }

  pushTail(s: string): void {
    if (this.n === this.a.length) this.resize(this.a.length * 2);
    this.a[(this.h + this.n) & this.m] = s;
    this.n++;
  }

  pushHead(s: string): void {
    if (this.n === this.a.length) this.resize(this.a.length * 2);
    this.h = (this.h - 1) & this.m;
    this.a[this.h] = s;
    this.n++;
  }

  popHead(): string {
    const i = this.h;
    const s = this.a[i]!;
    this.a[i] = undefined;
    this.h = (i + 1) & this.m;
    this.n--;
    this.maybeShrink();
    return s;
  }

  popTail(): string {
    const i = (this.h + this.n - 1) & this.m;
    const s = this.a[i]!;
    this.a[i] = undefined;
    this.n--;
    this.maybeShrink();
    return s;
  }

  /** Pop at the head or the tail, writing the element to out as a bulk reply. */
  popTo(out: ReplyWriter, head: boolean): void {
    out.bulk(head ? this.popHead() : this.popTail());
  }

  /** Elements [start, end] (inclusive, 0 <= start <= end < length) in order, or reversed. */
  slice(start: number, end: number, reverse = false): string[] {
    const out = new Array<string>(end - start + 1);
    const a = this.a;
    const m = this.m;
    const base = this.h;
    if (reverse) for (let i = end, k = 0; i >= start; i--, k++) out[k] = a[(base + i) & m]!;
    else for (let i = start, k = 0; i <= end; i++, k++) out[k] = a[(base + i) & m]!;
    return out;
  }

  toArray(): string[] {
    return this.n === 0 ? [] : this.slice(0, this.n - 1);
  }

  /** Remove `k` elements from the head (LEFT) or the tail. */
  removeEnds(head: boolean, k: number): void {
    if (k <= 0) return;
    if (k >= this.n) {
      this.clear();
      return;
    }
    const a = this.a;
    const m = this.m;
    if (head) {
      for (let i = 0; i < k; i++) a[(this.h + i) & m] = undefined;
      this.h = (this.h + k) & m;
    } else {
      for (let i = this.n - k; i < this.n; i++) a[(this.h + i) & m] = undefined;
    }
    this.n -= k;
    this.maybeShrink();
  }

  /** Insert `s` so that it becomes element i (0 <= i <= length), shifting the shorter side. */
  insertAt(i: number, s: string): void {
    if (i === 0) return this.pushHead(s);
    if (i === this.n) return this.pushTail(s);
    if (this.n === this.a.length) this.resize(this.a.length * 2);
    const a = this.a;
    const m = this.m;
    if (i < this.n - i) {
      // Move the first i elements one slot towards the head.
      this.h = (this.h - 1) & m;
      for (let j = 0; j < i; j++) a[(this.h + j) & m] = a[(this.h + j + 1) & m];
    } else {
      for (let j = this.n; j > i; j--) a[(this.h + j) & m] = a[(this.h + j - 1) & m];
    }
    a[(this.h + i) & m] = s;
    this.n++;
  }

  /** Remove element i (0 <= i < length), shifting the shorter side. */
  removeAt(i: number): void {
    const a = this.a;
    const m = this.m;
    if (i < this.n - 1 - i) {
      for (let j = i; j > 0; j--) a[(this.h + j) & m] = a[(this.h + j - 1) & m];
      a[this.h] = undefined;
      this.h = (this.h + 1) & m;
    } else {
      for (let j = i; j < this.n - 1; j++) a[(this.h + j) & m] = a[(this.h + j + 1) & m];
      a[(this.h + this.n - 1) & m] = undefined;
    }
    this.n--;
    this.maybeShrink();
  }

  /** Index of the first element equal to s scanning from the head, or -1. */
  indexOf(s: string): number {
    const a = this.a;
    const m = this.m;
    for (let i = 0; i < this.n; i++) if (a[(this.h + i) & m] === s) return i;
    return -1;
  }

  /**
   * LREM: remove up to `count` elements equal to s (0 = all), scanning from the
   * head, or from the tail when fromTail. Returns how many were removed.
   */
  removeMatching(s: string, count: number, fromTail: boolean): number {
    const n = this.n;
    const a = this.a;
    const m = this.m;
    const h = this.h;
    // Find the positions to drop first, then compact once.
    const drop = new Uint8Array(n);
    let removed = 0;
    if (fromTail) {
      for (let i = n - 1; i >= 0; i--) {
        if (a[(h + i) & m] === s) {
          drop[i] = 1;
          if (++removed === count) break;
        }
      }
    } else {
      for (let i = 0; i < n; i++) {
        if (a[(h + i) & m] === s) {
          drop[i] = 1;
          if (++removed === count) break;
        }
      }
    }
    if (removed === 0) return 0;
    let w = 0;
    for (let i = 0; i < n; i++) {
      if (drop[i] === 1) continue;
      if (w !== i) a[(h + w) & m] = a[(h + i) & m];
      w++;
    }
    for (let i = w; i < n; i++) a[(h + i) & m] = undefined;
    this.n = w;
    this.maybeShrink();
    return removed;
  }

  clear(): void {
    this.a = new Array(MIN_CAPACITY).fill(undefined);
    this.m = MIN_CAPACITY - 1;
    this.h = 0;
    this.n = 0;
  }

  /** A deep copy (COPY). */
  dup(): StringDeque {
    const l = new StringDeque(this.n);
    for (let i = 0; i < this.n; i++) l.a[i] = this.at(i);
    l.n = this.n;
    return l;
  }

  private maybeShrink(): void {
    const cap = this.a.length;
    if (cap > 64 && this.n < cap >>> 2) this.resize(cap >>> 1);
  }

  private resize(cap: number): void {
    const b = new Array<string | undefined>(cap).fill(undefined);
    const a = this.a;
    const m = this.m;
    for (let i = 0; i < this.n; i++) b[i] = a[(this.h + i) & m];
    this.a = b;
    this.m = cap - 1;
    this.h = 0;
  }
}
