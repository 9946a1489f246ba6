// The representation of a large list: a packed deque. The elements' bytes
// (keys and values are latin1 strings, one byte per character) lie back to
// back in one byte buffer, with room to grow at both ends, and their
// boundaries in an Int32Array laid out the same way: element k is
// d[b[f + k], b[f + k + 1]). Push and pop at either end are O(1) amortized,
// access by index is O(1), inserting or removing in the middle moves the
// shorter side (O(N), as Redis documents for LINSERT / LREM / LSET in the
// middle).
//
// Why packed, as Redis's listpacks are: an element costs 4 bytes of boundary
// plus its bytes, not a slot plus a string object, so a list of a million
// elements is two buffers for the garbage collector instead of a million
// strings (each pushed string survived the young generation, was copied
// twice, then marked on every full collection).

import type { ReplyWriter } from '../../proto/reply_writer.ts';
import { latin1 } from '../../proto/latin1.ts';

const MIN_BYTES = 64;
const MIN_BOUNDS = 16;
/** Shrink when less than a quarter of the bytes (or boundaries) is in use, above these sizes. */
const SHRINK_BYTES_ABOVE = 1024;
const SHRINK_BOUNDS_ABOVE = 256;
/** Where relayout() leaves the free room: mostly at the head, mostly at the tail, or even. */
const ROOM_HEAD = 0;
const ROOM_TAIL = 1;
const ROOM_EVEN = 2;

/** The bytes of latin1 string s at d[p...]: short ones in JS (a call into C++ costs more). */
function put(d: Buffer, p: number, s: string): void {
  const n = s.length;
  if (n > 24) d.latin1Write(s, p, n);
  else for (let i = 0; i < n; i++) d[p + i] = s.charCodeAt(i);
}

/** d.copyWithin(to, from, end), short runs in JS. */
function move(d: Buffer, to: number, from: number, end: number): void {
  const n = end - from;
  if (n > 16) d.copyWithin(to, from, end);
  else if (to < from) for (let i = 0; i < n; i++) d[to + i] = d[from + i];
  else for (let i = n - 1; i >= 0; i--) d[to + i] = d[from + i];
}

/** Capacity for `need` units: half as much again (so a buffer is 2/3 to 7/8 full between two growths). */
function roomFor(need: number, min: number): number {
  const c = need + (need >> 1) + 8;
  return c < min ? min : c;
}

export class PackedDeque {
  /** The elements' bytes, in d[b[f], b[f + n]); free room on both sides. */
  private d: Buffer;
  /** Element boundaries: n + 1 of them from index f. */
  private b: Int32Array;
  /** Index in b of the first boundary. */
  private f: number;
  /** Number of elements. */
  private n = 0;

  /** An empty deque with room for `elements` elements of `bytes` bytes in all (hints). */
  constructor(elements = 0, bytes = 0) {
    const bc = roomFor(elements + 1, MIN_BOUNDS);
    const dc = roomFor(bytes, MIN_BYTES);
    this.d = Buffer.allocUnsafeSlow(dc);
    this.b = new Int32Array(bc);
    this.f = bc >> 1;
    this.b[this.f] = dc >> 1;
  }

  /** A deque holding `elems` in order, with some room at both ends (the array is not kept). */
  static fromArray(elems: readonly string[]): PackedDeque {
    let bytes = 0;
    for (let i = 0; i < elems.length; i++) bytes += elems[i].length;
    const l = new PackedDeque(elems.length, bytes);
    l.f = 0;
    l.b[0] = 0;
    let p = 0;
    for (let i = 0; i < elems.length; i++) {
      put(l.d, p, elems[i]);
      p += elems[i].length;
      l.b[i + 1] = p;
    }
    l.n = elems.length;
    return l;
  }

  get length(): number {
    return this.n;
  }

  /** Bytes of the elements. */
  get bytes(): number {
    return this.b[this.f + this.n] - this.b[this.f];
  }

  /** MEMORY USAGE estimate: the object, the byte buffer and the boundaries. */
  memoryUsage(_samples: number): number {
    return 48 + 2 * 72 + this.d.length + this.b.length * 4;
  }

  at(i: number): string {
    const k = this.f + i;
    const p = this.b[k];
    return latin1(this.d, p, this.b[k + 1] - p);
  }

  /** Element i as a bulk reply, from its bytes (no string made). */
  replyAt(out: ReplyWriter, i: number): void {
    const k = this.f + i;
    out.bulkBuffer(this.d, this.b[k], this.b[k + 1]);
  }

  /** Is element i equal to s (compared byte by byte, no string made)? */
  equalsAt(i: number, s: string): boolean {
    const k = this.f + i;
    const p = this.b[k];
    const n = this.b[k + 1] - p;
    if (n !== s.length) return false;
    const d = this.d;
    for (let j = 0; j < n; j++) if (d[p + j] !== s.charCodeAt(j)) return false;
    return true;
  }

  setAt(i: number, s: string): void {
    const k = this.f + i;
    const p = this.b[k];
    if (this.b[k + 1] - p === s.length) {
      put(this.d, p, s);
      return;
    }
    this.removeAt(i);
    this.insertAt(i, s);
  }

  pushTail(s: string): void {
    const len = s.length;
    let e = this.f + this.n;
    if (e + 1 >= this.b.length || this.b[e] + len > this.d.length) {
      this.makeRoom(false, len);
      e = this.f + this.n;
    }
    const p = this.b[e];
    put(this.d, p, s);
    this.b[e + 1] = p + len;
    this.n++;
  }

  pushHead(s: string): void {
    const len = s.length;
    if (this.f === 0 || this.b[this.f] < len) this.makeRoom(true, len);
    const p = this.b[this.f] - len;
    put(this.d, p, s);
    this.b[--this.f] = p;
    this.n++;
  }

  popHead(): string {
    const s = this.at(0);
    this.f++;
    this.n--;
    this.maybeShrink();
    return s;
  }

  popTail(): string {
    const s = this.at(this.n - 1);
    this.n--;
    this.maybeShrink();
    return s;
  }

  /** pop(), with the element written to out as a bulk reply instead of returned. */
  popTo(out: ReplyWriter, head: boolean): void {
    if (head) {
      this.replyAt(out, 0);
      this.f++;
    } else this.replyAt(out, this.n - 1);
    this.n--;
    this.maybeShrink();
  }

  /** Elements [start, end] (inclusive, 0 <= start <= end < length) in order, or reversed. */
  slice(start: number, end: number, reverse = false): string[] {
    const out = new Array<string>(end - start + 1);
    if (reverse) for (let i = end, k = 0; i >= start; i--, k++) out[k] = this.at(i);
    else for (let i = start, k = 0; i <= end; i++, k++) out[k] = this.at(i);
    return out;
  }

  /** Remove `k` elements (0 < k < length) from the head (LEFT) or the tail. */
  removeEnds(head: boolean, k: number): void {
    if (head) this.f += k;
    this.n -= k;
    this.maybeShrink();
  }

  /** Insert `s` so that it becomes element i (0 <= i <= length), moving the shorter side. */
  insertAt(i: number, s: string): void {
    if (i === 0) return this.pushHead(s);
    if (i === this.n) return this.pushTail(s);
    const len = s.length;
    if (i < this.n - i) {
      if (this.f === 0 || this.b[this.f] < len) this.makeRoom(true, len);
      const b = this.b;
      const f = this.f;
      const mid = b[f + i];
      move(this.d, b[f] - len, b[f], mid);
      for (let j = f; j <= f + i; j++) b[j - 1] = b[j] - len;
      put(this.d, mid - len, s);
      this.f = f - 1;
    } else {
      const e0 = this.f + this.n;
      if (e0 + 1 >= this.b.length || this.b[e0] + len > this.d.length) this.makeRoom(false, len);
      const b = this.b;
      const f = this.f;
      const e = f + this.n;
      const mid = b[f + i];
      move(this.d, mid + len, mid, b[e]);
      for (let j = e; j >= f + i; j--) b[j + 1] = b[j] + len;
      put(this.d, mid, s);
    }
    this.n++;
  }

  /** Remove element i (0 <= i < length), moving the shorter side. */
  removeAt(i: number): void {
    const b = this.b;
    const f = this.f;
    const len = b[f + i + 1] - b[f + i];
    if (i < this.n - 1 - i) {
      move(this.d, b[f] + len, b[f], b[f + i]);
      for (let j = f + i - 1; j >= f; j--) b[j + 1] = b[j] + len;
      this.f = f + 1;
    } else {
      const e = f + this.n;
      move(this.d, b[f + i], b[f + i + 1], b[e]);
      for (let j = f + i + 1; j < e; j++) b[j] = b[j + 1] - len;
    }
    this.n--;
    this.maybeShrink();
  }

  /** Remove the elements marked in drop (LREM): the rest is compacted once towards the head. */
  removeMarked(drop: Uint8Array): void {
    const n = this.n;
    const b = this.b;
    const d = this.d;
    const f = this.f;
    let p = b[f];
    let wp = p;
    let w = f;
    for (let i = 0; i < n; i++) {
      const q = b[f + i + 1];
      if (drop[i] === 0) {
        if (wp !== p) move(d, wp, p, q);
        wp += q - p;
        b[++w] = wp;
      }
      p = q;
    }
    this.n = w - f;
    this.maybeShrink();
  }

  /** A deep copy (COPY), sized to fit. */
  dup(): PackedDeque {
    const b = this.b;
    const f = this.f;
    const lo = b[f];
    const bytes = b[f + this.n] - lo;
    const l = new PackedDeque(this.n, bytes);
    l.f = 0;
    this.d.copy(l.d, 0, lo, lo + bytes);
    for (let i = 0; i <= this.n; i++) l.b[i] = b[f + i] - lo;
    l.n = this.n;
    return l;
  }

  /**
   * Room for one more element of len bytes at the head or the tail: the
   * buffers grow when they would be more than 7/8 full, else the elements
   * move to leave most of the free room on that side.
   */
  private makeRoom(head: boolean, len: number): void {
    const need = this.b[this.f + this.n] - this.b[this.f] + len;
    const needBounds = this.n + 2;
    let dc = this.d.length;
    if (need > dc - (dc >> 3)) dc = roomFor(need, MIN_BYTES);
    let bc = this.b.length;
    if (needBounds > bc - (bc >> 3)) bc = roomFor(needBounds, MIN_BOUNDS);
    this.relayout(dc, bc, head ? ROOM_HEAD : ROOM_TAIL, len);
  }

  private maybeShrink(): void {
    const dl = this.d.length;
    const bl = this.b.length;
    const used = this.b[this.f + this.n] - this.b[this.f];
    const shrinkBytes = dl > SHRINK_BYTES_ABOVE && used < dl >> 2;
    const shrinkBounds = bl > SHRINK_BOUNDS_ABOVE && this.n + 1 < bl >> 2;
    if (!shrinkBytes && !shrinkBounds) return;
    this.relayout(shrinkBytes ? roomFor(used, MIN_BYTES) : dl, shrinkBounds ? roomFor(this.n + 1, MIN_BOUNDS) : bl, ROOM_EVEN, 0);
  }

  /**
   * Move the elements into buffers of dc bytes and bc boundaries (the same
   * ones when the sizes do not change). The side `room` names gets `len`
   * bytes and one boundary, plus three quarters of the rest of the free
   * room; ROOM_EVEN splits the free room evenly. dc and bc must leave that
   * much free.
   */
  private relayout(dc: number, bc: number, room: number, len: number): void {
    const d = this.d;
    const b = this.b;
    const f = this.f;
    const n = this.n;
    const lo = b[f];
    const hi = b[f + n];
    const freeD = dc - (hi - lo);
    const freeB = bc - (n + 1);
    const newLo = room === ROOM_HEAD ? freeD - ((freeD - len) >> 2) : room === ROOM_TAIL ? (freeD - len) >> 2 : freeD >> 1;
    const newF = room === ROOM_HEAD ? freeB - ((freeB - 1) >> 2) : room === ROOM_TAIL ? (freeB - 1) >> 2 : freeB >> 1;
    if (dc === d.length) d.copyWithin(newLo, lo, hi);
    else {
      const nd = Buffer.allocUnsafeSlow(dc);
      d.copy(nd, newLo, lo, hi);
      this.d = nd;
    }
    let nb = b;
    if (bc === b.length) b.copyWithin(newF, f, f + n + 1);
    else {
      nb = new Int32Array(bc);
      nb.set(b.subarray(f, f + n + 1), newF);
      this.b = nb;
    }
    const delta = newLo - lo;
    if (delta !== 0) for (let i = newF; i <= newF + n; i++) nb[i] += delta;
    this.f = newF;
  }
}
