// The representation of a small list, as Redis's listpack: every element in
// one string, each behind a two-character length header (latin1 characters
// are bytes, so a header holds a length up to 65535). One string and one
// object per list instead of a slot and a string object per element: a list
// of ten short elements takes about a third of the memory. Access walks the
// headers from the front (a cursor makes in-order walks O(1) a step) and a
// change builds a new string: both O(size), for a list this form keeps small
// (list.ts moves it to the packed deque past 128 elements or 8 KB). New
// strings are built with join, which makes them flat: a concatenation would
// leave a tree of rope nodes behind every push (V8 flattens a rope only for
// some operations, not for charCodeAt), three times the memory of the list.

import type { ReplyWriter } from '../../proto/reply_writer.ts';

function header(n: number): string {
  return String.fromCharCode(n >>> 8, n & 0xff);
}

export class ListPack {
  /** The entries: per element, two characters of length (big-endian), then its characters. */
  private p = '';
  private n = 0;
  /** A known position: element `curIdx` starts at `curOff` (curIdx may be n: the end). */
  private curIdx = 0;
  private curOff = 0;

  /** A listpack holding `elems` in order (every element at most 65535 long). */
  static fromArray(elems: readonly string[]): ListPack {
    const l = new ListPack();
    const parts = new Array<string>(elems.length * 2);
    for (let i = 0; i < elems.length; i++) {
      parts[2 * i] = header(elems[i].length);
      parts[2 * i + 1] = elems[i];
    }
    l.p = parts.join('');
    l.n = elems.length;
    return l;
  }

  get length(): number {
    return this.n;
  }

  /** Characters held (headers included). */
  get bytes(): number {
    return this.p.length;
  }

  /** MEMORY USAGE estimate: the object and the string. */
  memoryUsage(_samples: number): number {
    return 48 + 24 + ((this.p.length + 7) & ~7);
  }

  /** Where element i's header starts. */
  private offsetOf(i: number): number {
    const p = this.p;
    let k = 0;
    let o = 0;
    if (i >= this.curIdx) {
      k = this.curIdx;
      o = this.curOff;
    }
    while (k < i) {
      o += 2 + ((p.charCodeAt(o) << 8) | p.charCodeAt(o + 1));
      k++;
    }
    this.curIdx = i;
    this.curOff = o;
    return o;
  }

  private lengthAt(o: number): number {
    return (this.p.charCodeAt(o) << 8) | this.p.charCodeAt(o + 1);
  }

  private restart(): void {
    this.curIdx = 0;
    this.curOff = 0;
  }

  at(i: number): string {
    const o = this.offsetOf(i);
    return this.p.slice(o + 2, o + 2 + this.lengthAt(o));
  }

  /** Element i as a bulk reply, from the string (no element string made). */
  replyAt(out: ReplyWriter, i: number): void {
    const o = this.offsetOf(i);
    out.bulkRange(this.p, o + 2, o + 2 + this.lengthAt(o));
  }

  equalsAt(i: number, s: string): boolean {
    const o = this.offsetOf(i);
    const n = this.lengthAt(o);
    if (n !== s.length) return false;
    const p = this.p;
    for (let j = 0; j < n; j++) if (p.charCodeAt(o + 2 + j) !== s.charCodeAt(j)) return false;
    return true;
  }

  setAt(i: number, s: string): void {
    const o = this.offsetOf(i);
    const p = this.p;
    this.p = [p.slice(0, o), header(s.length), s, p.slice(o + 2 + this.lengthAt(o))].join('');
  }

  pushTail(s: string): void {
    this.p = [this.p, header(s.length), s].join('');
    this.n++;
  }

  pushHead(s: string): void {
    this.p = [header(s.length), s, this.p].join('');
    this.n++;
    this.restart();
  }

  /**
   * Push elems[from..] one after the other at the head (each becomes the new
   * first element, as LPUSH a b c does) or the tail, building one string.
   */
  pushAll(elems: readonly string[], from: number, head: boolean): void {
    const k = elems.length - from;
    const parts = new Array<string>(2 * k + 1);
    if (head) {
      for (let i = 0; i < k; i++) {
        const s = elems[elems.length - 1 - i];
        parts[2 * i] = header(s.length);
        parts[2 * i + 1] = s;
      }
      parts[2 * k] = this.p;
      this.restart();
    } else {
      parts[0] = this.p;
      for (let i = 0; i < k; i++) {
        const s = elems[from + i];
        parts[1 + 2 * i] = header(s.length);
        parts[2 + 2 * i] = s;
      }
    }
    this.p = parts.join('');
    this.n += k;
  }

  popHead(): string {
    const n = this.lengthAt(0);
    const s = this.p.slice(2, 2 + n);
    this.p = this.p.slice(2 + n);
    this.n--;
    this.restart();
    return s;
  }

  popTail(): string {
    const o = this.offsetOf(this.n - 1);
    const s = this.p.slice(o + 2, o + 2 + this.lengthAt(o));
    this.p = this.p.slice(0, o);
    this.n--;
    return s;
  }

  /** Pop at the head or the tail, writing the element to out as a bulk reply. */
  popTo(out: ReplyWriter, head: boolean): void {
    if (head) {
      const n = this.lengthAt(0);
      out.bulkRange(this.p, 2, 2 + n);
      this.p = this.p.slice(2 + n);
      this.restart();
    } else {
      const o = this.offsetOf(this.n - 1);
      out.bulkRange(this.p, o + 2, o + 2 + this.lengthAt(o));
      this.p = this.p.slice(0, o);
    }
    this.n--;
  }

  /** Elements [start, end] (inclusive, 0 <= start <= end < length) in order, or reversed. */
  slice(start: number, end: number, reverse = false): string[] {
    const out = new Array<string>(end - start + 1);
    for (let i = start, k = 0; i <= end; i++, k++) out[k] = this.at(i);
    if (reverse) out.reverse();
    return out;
  }

  /** Remove `k` elements (0 < k < length) from the head (LEFT) or the tail. */
  removeEnds(head: boolean, k: number): void {
    if (head) {
      this.p = this.p.slice(this.offsetOf(k));
      this.restart();
    } else this.p = this.p.slice(0, this.offsetOf(this.n - k));
    this.n -= k;
  }

  /** Insert `s` so that it becomes element i (0 <= i <= length). */
  insertAt(i: number, s: string): void {
    const o = this.offsetOf(i);
    this.p = [this.p.slice(0, o), header(s.length), s, this.p.slice(o)].join('');
    this.n++;
  }

  /** Remove element i (0 <= i < length). */
  removeAt(i: number): void {
    const o = this.offsetOf(i);
    this.p = [this.p.slice(0, o), this.p.slice(o + 2 + this.lengthAt(o))].join('');
    this.n--;
  }

  /** Remove the elements marked in drop (LREM): the string is built again from the rest. */
  removeMarked(drop: Uint8Array): void {
    const kept: string[] = [];
    for (let i = 0; i < this.n; i++) if (drop[i] === 0) kept.push(this.at(i));
    const l = ListPack.fromArray(kept);
    this.p = l.p;
    this.n = l.n;
    this.restart();
  }

  /** A copy (the string is immutable, so it is shared). */
  dup(): ListPack {
    const l = new ListPack();
    l.p = this.p;
    l.n = this.n;
    return l;
  }
}
