// The set value (t_set.c's object, Redis 7.0 encodings): members as latin1
// strings in one array `members`.
//
//   intset    (index === null): every member is an integer as string2ll
//             accepts it (canonical decimal, 64-bit), kept sorted by numeric
//             value, so SMEMBERS / SSCAN / set algebra answer in Redis's order;
//             binary search.
//   hashtable (index !== null): `index` maps a member to its slot; a removal
//             moves the last slot into the hole (O(1) add / remove / random).
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

export class SetValue implements MemberHost {
  readonly type = 'set' as const;
  members: string[] = [];
  /** null while intset-encoded. */
  index: Map<string, number> | null = null;
  memberExpires: MemberExpires | null = null;

  /** An empty set with the encoding Redis's setTypeCreate picks for its first member. */
  static forMember(first: string): SetValue {
    const s = new SetValue();
    if (!isIntMember(first)) s.index = new Map();
    return s;
  }

  get size(): number {
    return this.members.length;
  }

  encoding(): string {
    return this.index === null ? 'intset' : 'hashtable';
  }

  /** Position of an integer member in the intset, or -(insertion point) - 1. */
  private search(m: string): number {
    const a = this.members;
    let lo = 0;
    let hi = a.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const c = compareInts(a[mid], m);
      if (c < 0) lo = mid + 1;
      else if (c > 0) hi = mid - 1;
      else return mid;
    }
    return -lo - 1;
  }

  has(m: string): boolean {
    if (this.index !== null) return this.index.has(m);
    return isIntMember(m) && this.search(m) >= 0;
  }

  /** Add m; true when it is new. maxIntset: set-max-intset-entries. */
  add(m: string, maxIntset: number): boolean {
    if (this.index === null) {
      if (!isIntMember(m)) {
        this.convert();
      } else {
        const p = this.search(m);
        if (p >= 0) return false;
        this.members.splice(-p - 1, 0, m);
        if (this.members.length > maxIntset) this.convert();
        return true;
      }
    }
    const index = this.index!;
    if (index.has(m)) return false;
    index.set(m, this.members.length);
    this.members.push(m);
    return true;
  }

  /** Remove m; true when it was there. */
  delete(m: string): boolean {
    if (this.index === null) {
      if (!isIntMember(m)) return false;
      const p = this.search(m);
      if (p < 0) return false;
      this.members.splice(p, 1);
    } else {
      const i = this.index.get(m);
      if (i === undefined) return false;
      this.removeSlot(i);
    }
    if (this.memberExpires !== null) forgetMemberExpire(this, m);
    return true;
  }

  /** Remove the member at a slot (random pops); returns it. */
  deleteAt(i: number): string {
    const m = this.members[i];
    if (this.index === null) this.members.splice(i, 1);
    else this.removeSlot(i);
    if (this.memberExpires !== null) forgetMemberExpire(this, m);
    return m;
  }

  private removeSlot(i: number): void {
    const a = this.members;
    const index = this.index!;
    const last = a.length - 1;
    index.delete(a[i]);
    if (i !== last) {
      a[i] = a[last];
      index.set(a[i], i);
    }
    a.pop();
  }

  /** A uniformly random member slot (the set is not empty). */
  randomSlot(): number {
    return Math.floor(Math.random() * this.members.length);
  }

  convert(): void {
    if (this.index !== null) return;
    const index = new Map<string, number>();
    const a = this.members;
    for (let i = 0; i < a.length; i++) index.set(a[i], i);
    this.index = index;
  }

  // MemberHost
  hasMember(m: string): boolean {
    return this.has(m);
  }

  removeMember(m: string): boolean {
    return this.delete(m);
  }

  memberCount(): number {
    return this.members.length;
  }

  /** Rough bytes (MEMORY USAGE). */
  memoryUsage(samples: number): number {
    const n = this.members.length;
    if (n === 0) return 48;
    if (this.index === null) return 64 + 8 * n;
    const k = Math.min(n, samples > 0 ? samples : n);
    let bytes = 0;
    for (let i = 0; i < k; i++) bytes += 16 + ((this.members[i].length + 7) & ~7);
    return Math.round(64 + (bytes / k + 40) * n);
  }
}

/** A set from members already in the right order for its encoding (intset: sorted, unique). */
export function setFromMembers(members: string[], hashtable: boolean): SetValue {
  const s = new SetValue();
  s.members = members;
  if (hashtable) s.convert();
  return s;
}

// ---- codec (cross-shard RENAME / COPY / set algebra) -----------------------------
// Body: 'i' or 'h' (encoding), count ';', len ':' member per member, then the
// member expires (subkey_expire.ts) if any.

export function encodeSet(v: TypedValue): string {
  const s = v as SetValue;
  const a = s.members;
  const parts: string[] = [(s.index === null ? 'i' : 'h') + a.length + ';'];
  for (let i = 0; i < a.length; i++) parts.push(a[i].length + ':' + a[i]);
  parts.push(encodeMemberExpires(s));
  return parts.join('');
}

export function decodeSet(body: string): SetValue {
  const enc = body.charCodeAt(0);
  const semi = body.indexOf(';');
  if ((enc !== 105 && enc !== 104) || semi < 0) throw new ValueCodecError('malformed set payload');
  const n = Number(body.slice(1, semi));
  const members: string[] = new Array(n);
  let p = semi + 1;
  for (let i = 0; i < n; i++) {
    const colon = body.indexOf(':', p);
    if (colon < 0) throw new ValueCodecError('malformed set payload');
    const len = Number(body.slice(p, colon));
    const end = colon + 1 + len;
    if (!(len >= 0) || end > body.length) throw new ValueCodecError('malformed set payload');
    members[i] = body.slice(colon + 1, end);
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
  const c = setFromMembers(s.members.slice(), s.index !== null);
  c.memberExpires = cloneMemberExpires(s);
  return c;
}

registerValueCodec('set', { encode: encodeSet, decode: decodeSet, dup: dupSet });
