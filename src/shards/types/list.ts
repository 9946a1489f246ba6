// The list value. Redis 7.0 stores every list as a quicklist (listpack
// encoded lists only arrived in 7.2), so OBJECT ENCODING always answers
// 'quicklist', whatever list-max-listpack-size says. Here a list takes one of
// two forms, as Redis 7.2's listpack / quicklist pair does:
//  - small (up to PACK_ABOVE elements and PACK_BYTES characters): a listpack,
//    every element in one string behind a length header (list_pack.ts);
//  - large: a packed deque (list_packed.ts), the elements' bytes in one
//    buffer with their boundaries beside, O(1) access by index.
// Neither keeps an object per element. A list packs when it grows past
// either limit (or gets an element longer than a listpack header holds) and
// unpacks when it shrinks below half of both (the gap keeps a list at the
// boundary from flipping).
//
// Codec (cross-shard RENAME / COPY / MOVE, DUMP-like transfers): the element
// count, then per element its length, ':' and its bytes.

import type { TypedValue } from '../keyspace.ts';
import type { ReplyWriter } from '../../proto/reply_writer.ts';
import { registerValueCodec, ValueCodecError } from '../value_codec.ts';
import { ListPack } from './list_pack.ts';
import { PackedDeque } from './list_packed.ts';

/**
 * A list with more elements than this, or more characters than PACK_BYTES in
 * its listpack, is packed. PACK_BYTES is below the longest element a listpack
 * header holds (65535), so a listpack that stays within it never meets such
 * an element.
 */
export const PACK_ABOVE = 128;
const PACK_BYTES = 8192;
const UNPACK_BELOW = PACK_ABOVE >> 1;
const UNPACK_BYTES = PACK_BYTES >> 1;

/** Characters elems[from..] take in a listpack (a two-character header each). */
function listPackChars(elems: readonly string[], from: number): number {
  let chars = 0;
  for (let i = from; i < elems.length; i++) chars += 2 + elems[i].length;
  return chars;
}

export class ListValue implements TypedValue {
  readonly type = 'list' as const;
  private q: ListPack | PackedDeque;

  /** An empty list (room for `capacity` elements). */
  constructor(capacity = 0) {
    this.q = capacity > PACK_ABOVE ? new PackedDeque(capacity) : new ListPack();
  }

  /** A list holding `elems` in order (the array is not kept). */
  static fromArray(elems: readonly string[]): ListValue {
    const l = new ListValue();
    l.q = elems.length <= PACK_ABOVE && listPackChars(elems, 0) <= PACK_BYTES ? ListPack.fromArray(elems) : PackedDeque.fromArray(elems);
    return l;
  }

  get length(): number {
    return this.q.length;
  }

  /** OBJECT ENCODING: Redis 7.0 lists are always quicklists. */
  encoding(): string {
    return 'quicklist';
  }

  /** Is the list in its packed form? (For tests.) */
  packed(): boolean {
    return this.q instanceof PackedDeque;
  }

  /** MEMORY USAGE estimate. */
  memoryUsage(samples: number): number {
    return this.q.memoryUsage(samples);
  }

  at(i: number): string {
    return this.q.at(i);
  }

  /** Element i as a bulk reply (from its bytes when packed). */
  replyAt(out: ReplyWriter, i: number): void {
    this.q.replyAt(out, i);
  }

  /** Is element i equal to s? */
  equalsAt(i: number, s: string): boolean {
    return this.q.equalsAt(i, s);
  }

  setAt(i: number, s: string): void {
    this.room(0, 2 + s.length).setAt(i, s);
  }

  pushTail(s: string): void {
    this.room(1, 2 + s.length).pushTail(s);
  }

  pushHead(s: string): void {
    this.room(1, 2 + s.length).pushHead(s);
  }

  /** Push at the head (LEFT, head = true) or the tail. */
  push(s: string, head: boolean): void {
    if (head) this.pushHead(s);
    else this.pushTail(s);
  }

  /** push() each of elems[from..] in order (LPUSH / RPUSH key element...): a listpack builds its string once. */
  pushAll(elems: readonly string[], from: number, head: boolean): void {
    const q = this.room(elems.length - from, listPackChars(elems, from));
    if (q instanceof ListPack) {
      q.pushAll(elems, from, head);
      return;
    }
    for (let i = from; i < elems.length; i++) {
      if (head) q.pushHead(elems[i]);
      else q.pushTail(elems[i]);
    }
  }

  /** Pop at the head (LEFT, head = true) or the tail; the list must not be empty. */
  pop(head: boolean): string {
    const s = head ? this.q.popHead() : this.q.popTail();
    this.shrunk();
    return s;
  }

  /** pop(), with the element written to out as a bulk reply instead of returned. */
  popTo(out: ReplyWriter, head: boolean): void {
    this.q.popTo(out, head);
    this.shrunk();
  }

  /** Elements [start, end] (inclusive, 0 <= start <= end < length) in order, or reversed. */
  slice(start: number, end: number, reverse = false): string[] {
    return this.q.slice(start, end, reverse);
  }

  toArray(): string[] {
    const n = this.q.length;
    return n === 0 ? [] : this.q.slice(0, n - 1);
  }

  /** Remove `k` elements from the head (LEFT) or the tail. */
  removeEnds(head: boolean, k: number): void {
    if (k <= 0) return;
    if (k >= this.q.length) return this.clear();
    this.q.removeEnds(head, k);
    this.shrunk();
  }

  /** Insert `s` so that it becomes element i (0 <= i <= length). */
  insertAt(i: number, s: string): void {
    this.room(1, 2 + s.length).insertAt(i, s);
  }

  /** Remove element i (0 <= i < length). */
  removeAt(i: number): void {
    this.q.removeAt(i);
    this.shrunk();
  }

  /** Index of the first element equal to s scanning from the head, or -1. */
  indexOf(s: string): number {
    const q = this.q;
    for (let i = 0; i < q.length; i++) if (q.equalsAt(i, s)) return i;
    return -1;
  }

  /**
   * LREM: remove up to `count` elements equal to s (0 = all), scanning from the
   * head, or from the tail when fromTail. Returns how many were removed.
   */
  removeMatching(s: string, count: number, fromTail: boolean): number {
    const q = this.q;
    const n = q.length;
    // Mark the elements to drop first, then the form removes them in one pass.
    const drop = new Uint8Array(n);
    let removed = 0;
    for (let k = 0; k < n; k++) {
      const i = fromTail ? n - 1 - k : k;
      if (!q.equalsAt(i, s)) continue;
      drop[i] = 1;
      if (++removed === count) break;
    }
    if (removed === 0) return 0;
    q.removeMarked(drop);
    this.shrunk();
    return removed;
  }

  /** Keep only elements [start, end] (inclusive; start > end empties the list). */
  keepRange(start: number, end: number): void {
    const n = this.q.length;
    if (start > end || start >= n) {
      this.clear();
      return;
    }
    const tail = n - 1 - end;
    if (tail > 0) this.q.removeEnds(false, tail);
    if (start > 0) this.q.removeEnds(true, start);
    this.shrunk();
  }

  clear(): void {
    this.q = new ListPack();
  }

  /** A deep copy (COPY). */
  dup(): ListValue {
    const l = new ListValue();
    l.q = this.q.dup();
    return l;
  }

  /**
   * The form to write into, for `elems` more elements taking up to `chars`
   * more listpack characters: a listpack that would pass either limit is
   * packed first.
   */
  private room(elems: number, chars: number): ListPack | PackedDeque {
    const q = this.q;
    if (q instanceof ListPack && (q.length + elems > PACK_ABOVE || q.bytes + chars > PACK_BYTES)) this.q = PackedDeque.fromArray(this.toArray());
    return this.q;
  }

  /** After removals: a packed list that became small unpacks. */
  private shrunk(): void {
    const q = this.q;
    if (q instanceof PackedDeque && q.length < UNPACK_BELOW && q.bytes < UNPACK_BYTES) this.q = ListPack.fromArray(this.toArray());
  }
}

function encodeList(v: TypedValue): string {
  const l = v as ListValue;
  const n = l.length;
  const parts = new Array<string>(n * 2 + 1);
  parts[0] = n + '\n';
  for (let i = 0; i < n; i++) {
    const s = l.at(i);
    parts[1 + 2 * i] = s.length + ':';
    parts[2 + 2 * i] = s;
  }
  return parts.join('');
}

function decodeList(body: string): TypedValue {
  const nl = body.indexOf('\n');
  const n = nl > 0 ? Number(body.slice(0, nl)) : NaN;
  if (!Number.isSafeInteger(n) || n < 0) throw new ValueCodecError('malformed list payload');
  // Collected first, then laid out once in the form their number and size call for.
  const elems: string[] = [];
  let p = nl + 1;
  for (let i = 0; i < n; i++) {
    const colon = body.indexOf(':', p);
    const len = colon > p ? Number(body.slice(p, colon)) : NaN;
    if (!Number.isSafeInteger(len) || len < 0 || colon + 1 + len > body.length) throw new ValueCodecError('malformed list payload');
    elems.push(body.slice(colon + 1, colon + 1 + len));
    p = colon + 1 + len;
  }
  if (p !== body.length) throw new ValueCodecError('malformed list payload');
  return ListValue.fromArray(elems);
}

registerValueCodec('list', { encode: encodeList, decode: decodeList, dup: (v) => (v as ListValue).dup() });
