// The set value (t_set.c's object, Redis 7.0 encodings):
//
//   intset    (ht === null): every member is an integer as string2ll accepts
//             it (canonical decimal, 64-bit), packed like Redis's intset into
//             ONE latin1 string `lp` (see packed.ts): a width char (2, 4 or
//             8: int16 / int32 / int64, the smallest that holds every member,
//             widened as needed, never narrowed) and then the members sorted
//             by value, `width` chars each, big-endian in offset binary
//             (value + 2^(8*width-1)), so that char order is numeric order.
//             Binary search; SMEMBERS / SSCAN / set algebra answer in Redis's
//             order (ascending). '' when empty.
//   hashtable (ht !== null): members as strings in a dense array with a Map
//             member -> slot; a removal moves the last slot into the hole
//             (O(1) add / remove / random).
//
// A set starts as intset when its first member is an integer, and converts to
// hashtable (never back) when a non-integer is added or it gets more than
// set-max-intset-entries members. Member TTLs (KeyDB EXPIREMEMBER) live in
// `memberExpires` (subkey_expire.ts).

import type { MemberHost } from '../subkey_expire.ts';
import { MemberExpires, forgetMemberExpire, encodeMemberExpires, decodeMemberExpires, cloneMemberExpires } from '../subkey_expire.ts';
import { registerValueCodec, ValueCodecError } from '../value_codec.ts';
import type { TypedValue } from '../keyspace.ts';
import { parseI64 } from '../../proto/number_format.ts';
import { build, cut, char, detach } from './packed.ts';
import { MemberIndex } from './member_index.ts';

/** Is s an integer Redis would store in an intset (string2ll accepts it)? */
export function isIntMember(s: string): boolean {
  const n = s.length;
  if (n === 0 || n > 20) return false;
  const c0 = s.charCodeAt(0);
  if ((c0 < 48 || c0 > 57) && c0 !== 45) return false;
  return parseI64(s) !== null;
}

/** Numeric order of two canonical integer strings. */
export function compareInts(a: string, b: string): number {
  const na = a.charCodeAt(0) === 45;
  const nb = b.charCodeAt(0) === 45;
  if (na !== nb) return na ? -1 : 1;
  if (a.length !== b.length) return a.length < b.length !== na ? -1 : 1;
  if (a === b) return 0;
  return a < b !== na ? -1 : 1;
}

// ---- the packed intset ------------------------------------------------------------

const TWO32 = 4294967296;

// The member being looked up, as parsed by parseKey: its width and its offset
// binary value in two unsigned 32-bit halves (KHI the high one; for widths 2
// and 4 only KHI is used, holding the whole value).
let KW = 0;
let KHI = 0;
let KLO = 0;

/** Parse an intset member into KW / KHI / KLO; false when s is not one. */
function parseKey(s: string): boolean {
  const n = s.length;
  if (n === 0 || n > 20) return false;
  const c0 = s.charCodeAt(0);
  if ((c0 < 48 || c0 > 57) && c0 !== 45) return false;
  const v = parseI64(s);
  if (v === null) return false;
  if (typeof v === 'number') {
    if (v >= -32768 && v <= 32767) {
      KW = 2;
      KHI = v + 32768;
    } else if (v >= -2147483648 && v <= 2147483647) {
      KW = 4;
      KHI = v + 2147483648;
    } else {
      KW = 8;
      const hi = Math.floor(v / TWO32);
      KHI = hi + 2147483648;
      KLO = v - hi * TWO32;
    }
  } else {
    KW = 8;
    KHI = Number(BigInt.asUintN(32, v >> 32n)) ^ 0x80000000;
    if (KHI < 0) KHI += TWO32;
    KLO = Number(BigInt.asUintN(32, v));
  }
  return true;
}

/** The key (KHI / KLO) widened or kept at width w >= KW: its offset binary halves at width w. */
function keyAtWidth(w: number): void {
  if (w === KW) return;
  // The signed value of the key (exact: KW < 8 here), re-offset for width w.
  const v = KW === 2 ? KHI - 32768 : KHI - 2147483648;
  if (w === 4) KHI = v + 2147483648;
  else {
    const hi = Math.floor(v / TWO32);
    KHI = hi + 2147483648;
    KLO = v - hi * TWO32;
  }
  KW = w;
}

/** Unsigned big-endian value of the 2 or 4 chars at p. */
function u16(s: string, p: number): number {
  return (s.charCodeAt(p) << 8) | s.charCodeAt(p + 1);
}

function u32(s: string, p: number): number {
  return s.charCodeAt(p) * 16777216 + ((s.charCodeAt(p + 1) << 16) | (s.charCodeAt(p + 2) << 8) | s.charCodeAt(p + 3));
}

/** The chars of the key at width KW. */
function keyChars(): string {
  if (KW === 2) return char(KHI >>> 8) + char(KHI & 255);
  const hi = char(KHI >>> 24) + char((KHI >>> 16) & 255) + char((KHI >>> 8) & 255) + char(KHI & 255);
  if (KW === 4) return hi;
  return build([hi, char(KLO >>> 24), char((KLO >>> 16) & 255), char((KLO >>> 8) & 255), char(KLO & 255)]);
}

/**
 * Index of the key (KHI / KLO at the intset's width) among the n members of lp
 * (width w), or -(insertion point) - 1.
 */
function searchKey(lp: string, w: number, n: number): number {
  let lo = 0;
  let hi = n - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const p = 1 + mid * w;
    let c: number;
    if (w === 2) c = u16(lp, p) - KHI;
    else {
      c = u32(lp, p) - KHI;
      if (c === 0 && w === 8) c = u32(lp, p + 4) - KLO;
    }
    if (c < 0) lo = mid + 1;
    else if (c > 0) hi = mid - 1;
    else return mid;
  }
  return -lo - 1;
}

/** The member at index i of lp (width w) as its decimal string. */
function memberText(lp: string, w: number, i: number): string {
  const p = 1 + i * w;
  if (w === 2) return String(u16(lp, p) - 32768);
  const hi = u32(lp, p) - 2147483648;
  if (w === 4) return String(hi);
  const lo = u32(lp, p + 4);
  if (hi >= -2097152 && hi < 2097152) return String(hi * TWO32 + lo); // |v| < 2^53: exact
  return ((BigInt(hi) << 32n) + BigInt(lo)).toString();
}

/** The signed value at index i of lp (width 2 or 4). */
function smallValue(lp: string, w: number, i: number): number {
  const p = 1 + i * w;
  return w === 2 ? u16(lp, p) - 32768 : u32(lp, p) - 2147483648;
}

/** lp re-encoded at a larger width w (its members all fit width 2 or 4: exact numbers). */
function widen(lp: string, w: number): string {
  const ow = lp.charCodeAt(0);
  const n = (lp.length - 1) / ow;
  const parts: string[] = new Array(n + 1);
  parts[0] = char(w);
  for (let i = 0; i < n; i++) {
    const v = smallValue(lp, ow, i);
    KW = ow;
    KHI = ow === 2 ? v + 32768 : v + 2147483648;
    keyAtWidth(w);
    parts[i + 1] = keyChars();
  }
  return build(parts);
}

/** The hashtable encoding: a dense member array plus member -> slot. */
export class SetTable {
  readonly members: string[];
  readonly index: MemberIndex;

  constructor(members: string[]) {
    this.members = members;
    this.index = new MemberIndex(members);
  }
}

export class SetValue implements MemberHost {
  // On the prototype (below): one pointer less in every set.
  declare readonly type: 'set';
  /** intset encoding: width char + packed members ('' when empty or in hashtable encoding). */
  lp = '';
  /** hashtable encoding; null while intset-encoded. */
  ht: SetTable | null = null;
  memberExpires: MemberExpires | null = null;

  /** An empty set with the encoding Redis's setTypeCreate picks for its first member. */
  static forMember(first: string): SetValue {
    const s = new SetValue();
    if (!isIntMember(first)) s.ht = new SetTable([]);
    return s;
  }

  get size(): number {
    if (this.ht !== null) return this.ht.members.length;
    const lp = this.lp;
    return lp.length === 0 ? 0 : (lp.length - 1) / lp.charCodeAt(0);
  }

  get isIntset(): boolean {
    return this.ht === null;
  }

  encoding(): string {
    return this.ht === null ? 'intset' : 'hashtable';
  }

  has(m: string): boolean {
    if (this.ht !== null) return this.ht.index.has(m);
    const lp = this.lp;
    if (lp.length === 0 || !parseKey(m)) return false;
    const w = lp.charCodeAt(0);
    if (KW > w) return false;
    keyAtWidth(w);
    return searchKey(lp, w, (lp.length - 1) / w) >= 0;
  }

  /** Add m; true when it is new. maxIntset: set-max-intset-entries. */
  add(m: string, maxIntset: number): boolean {
    if (this.ht === null) {
      if (!parseKey(m)) this.convert();
      else {
        let lp = this.lp;
        if (lp.length === 0) {
          this.lp = build([char(KW), keyChars()]);
          if (1 > maxIntset) this.convert();
          return true;
        }
        let w = lp.charCodeAt(0);
        if (KW > w) {
          // A wider member: it is below or above every member (as Redis's intsetUpgradeAndAdd).
          const kw = KW;
          const khi = KHI;
          const klo = KLO;
          lp = widen(lp, kw);
          w = kw;
          KW = kw;
          KHI = khi;
          KLO = klo;
          const key = keyChars();
          this.lp = khi < 2147483648 ? build([lp.slice(0, 1), key, lp.slice(1)]) : build([lp, key]);
        } else {
          keyAtWidth(w);
          const n = (lp.length - 1) / w;
          const pos = searchKey(lp, w, n);
          if (pos >= 0) return false;
          const at = 1 + (-pos - 1) * w;
          this.lp = at === lp.length ? build([lp, keyChars()]) : build([lp.slice(0, at), keyChars(), lp.slice(at)]);
        }
        if ((this.lp.length - 1) / w > maxIntset) this.convert();
        return true;
      }
    }
    const ht = this.ht!;
    if (ht.index.has(m)) return false;
    ht.members.push(m);
    ht.index.add(m, ht.members.length - 1);
    return true;
  }

  /** Remove m; true when it was there. */
  delete(m: string): boolean {
    const ht = this.ht;
    if (ht === null) {
      const lp = this.lp;
      if (lp.length === 0 || !parseKey(m)) return false;
      const w = lp.charCodeAt(0);
      if (KW > w) return false;
      keyAtWidth(w);
      const i = searchKey(lp, w, (lp.length - 1) / w);
      if (i < 0) return false;
      this.removeIntAt(i, w);
    } else {
      const i = ht.index.get(m);
      if (i < 0) return false;
      this.removeSlot(ht, i);
    }
    if (this.memberExpires !== null) forgetMemberExpire(this, m);
    return true;
  }

  /** The member at a slot (0 <= i < size): intset order, or the hashtable's slots. */
  memberAt(i: number): string {
    if (this.ht !== null) return this.ht.members[i];
    const lp = this.lp;
    return memberText(lp, lp.charCodeAt(0), i);
  }

  /** Remove the member at a slot (random pops); returns it. */
  deleteAt(i: number): string {
    let m: string;
    const ht = this.ht;
    if (ht === null) {
      const w = this.lp.charCodeAt(0);
      m = memberText(this.lp, w, i);
      this.removeIntAt(i, w);
    } else {
      m = ht.members[i];
      this.removeSlot(ht, i);
    }
    if (this.memberExpires !== null) forgetMemberExpire(this, m);
    return m;
  }

  private removeIntAt(i: number, w: number): void {
    const lp = this.lp;
    // The last member gone: '' (the width restarts with the next member).
    this.lp = lp.length === 1 + w ? '' : cut(lp, 1 + i * w, 1 + (i + 1) * w);
  }

  private removeSlot(ht: SetTable, i: number): void {
    const a = ht.members;
    const last = a.length - 1;
    ht.index.delete(a[i]);
    if (i !== last) {
      a[i] = a[last];
      ht.index.move(a[i], last, i);
    }
    a.pop();
  }

  /** A uniformly random member slot (the set is not empty). */
  randomSlot(): number {
    return Math.floor(Math.random() * this.size);
  }

  /**
   * Every member by slot (intset: ascending). Hashtable: the live array (read
   * only, and only until the next change); intset: a fresh array.
   */
  list(): string[] {
    if (this.ht !== null) return this.ht.members;
    const lp = this.lp;
    if (lp.length === 0) return [];
    const w = lp.charCodeAt(0);
    const n = (lp.length - 1) / w;
    const out: string[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = memberText(lp, w, i);
    return out;
  }

  convert(): void {
    if (this.ht !== null) return;
    this.ht = new SetTable(this.list());
    this.lp = '';
  }

  // MemberHost
  hasMember(m: string): boolean {
    return this.has(m);
  }

  removeMember(m: string): boolean {
    return this.delete(m);
  }

  memberCount(): number {
    return this.size;
  }

  /** Rough bytes (MEMORY USAGE). */
  /** The hashtable encoding's index (Keyspace.prefetch), null in the compact encoding. */
  memberIndex(): MemberIndex | null {
    return this.ht !== null ? this.ht.index : null;
  }

  memoryUsage(samples: number): number {
    const ht = this.ht;
    if (ht === null) return 48 + 16 + ((this.lp.length + 7) & ~7);
    const n = ht.members.length;
    if (n === 0) return 48;
    const k = Math.min(n, samples > 0 ? samples : n);
    let bytes = 0;
    for (let i = 0; i < k; i++) bytes += 16 + ((ht.members[i].length + 7) & ~7);
    return Math.round(64 + (bytes / k + 40) * n);
  }
}

Object.defineProperty(SetValue.prototype, 'type', { value: 'set', enumerable: true });

/** A set from members already in the right order for its encoding (intset: sorted, unique, all integers). */
export function setFromMembers(members: string[], hashtable: boolean): SetValue {
  const s = new SetValue();
  if (hashtable) {
    s.ht = new SetTable(members);
    return s;
  }
  if (members.length === 0) return s;
  // The width that holds every member, then each member at that width.
  let w = 2;
  for (let i = 0; i < members.length; i++) {
    if (!parseKey(members[i])) throw new ValueCodecError('intset member is not an integer');
    if (KW > w) w = KW;
  }
  const parts: string[] = new Array(members.length + 1);
  parts[0] = char(w);
  for (let i = 0; i < members.length; i++) {
    parseKey(members[i]);
    keyAtWidth(w);
    parts[i + 1] = keyChars();
  }
  s.lp = build(parts);
  return s;
}

// ---- codec (cross-shard RENAME / COPY / set algebra) -----------------------------
// Body: 'i' or 'h' (encoding), count ';', len ':' member per member, then the
// member expires (subkey_expire.ts) if any.

export function encodeSet(v: TypedValue): string {
  const s = v as SetValue;
  const a = s.list();
  const parts: string[] = [(s.ht === null ? 'i' : 'h') + a.length + ';'];
  for (let i = 0; i < a.length; i++) parts.push(a[i].length + ':' + a[i]);
  parts.push(encodeMemberExpires(s));
  return parts.join('');
}

export function decodeSet(body: string): SetValue {
  const enc = body.charCodeAt(0);
  const semi = body.indexOf(';');
  if ((enc !== 105 && enc !== 104) || semi < 0) throw new ValueCodecError('malformed set payload');
  const n = Number(body.slice(1, semi));
  if (!(n >= 0)) throw new ValueCodecError('malformed set payload');
  const members: string[] = new Array(n);
  // Detached copies: slices of the payload would keep all of it alive.
  const b = detach(body);
  let p = semi + 1;
  for (let i = 0; i < n; i++) {
    const colon = body.indexOf(':', p);
    if (colon < 0) throw new ValueCodecError('malformed set payload');
    const len = Number(body.slice(p, colon));
    const end = colon + 1 + len;
    if (!(len >= 0) || end > body.length) throw new ValueCodecError('malformed set payload');
    members[i] = b.latin1Slice(colon + 1, end);
    p = end;
  }
  const s = setFromMembers(members, enc === 104);
  try {
    s.memberExpires = decodeMemberExpires(body, p);
  } catch {
    throw new ValueCodecError('malformed set payload');
  }
  return s;
}

function dupSet(v: TypedValue): TypedValue {
  const s = v as SetValue;
  let c: SetValue;
  if (s.ht !== null) c = setFromMembers(s.ht.members.slice(), true);
  else {
    c = new SetValue();
    c.lp = s.lp; // immutable: shared until either side writes
  }
  c.memberExpires = cloneMemberExpires(s);
  return c;
}

registerValueCodec('set', { encode: encodeSet, decode: decodeSet, dup: dupSet });
