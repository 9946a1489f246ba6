// KeyDB subkey expires: members of sets, hashes and sorted sets with their own
// time to live (EXPIREMEMBER, EXPIREMEMBERAT, PEXPIREMEMBERAT, TTL / PTTL /
// PERSIST key member), removed lazily when their key is accessed and actively
// by the expire cycle; a key whose last member expires is deleted (counted as
// an expired key, like KeyDB's activeExpireCycleExpireFullKey).
//
// Where the times live: in the value itself. A collection value that supports
// member expiries implements MemberHost: a `memberExpires` field (null while no
// member has a TTL, else a MemberExpires: member -> absolute unix ms plus a
// min-heap for the earliest one) and three small methods. Because the times
// travel with the value object, DEL / SET / FLUSHDB / SWAPDB / RENAME / MOVE
// need nothing special; COPY and the cross-shard codecs copy / carry them
// (encodeMemberExpires / decodeMemberExpires in the type's codec).
//
// Active expiry needs to find the keys holding such values: a per-db index
// key -> value (a WeakMap on the Db object, so FLUSHDB / SWAPDB follow). An
// entry whose key no longer holds that very object (deleted, overwritten,
// renamed away) is dropped when the cycle meets it. A value stored under a new
// name with its member TTLs (RENAME, MOVE, COPY, cross-shard restore) is
// re-indexed by trackMemberExpires().
//
// ---- API for a type (how the sorted-set family hooks in) ---------------------
//
//  1. The value class implements MemberHost:
//       memberExpires: MemberExpires | null = null;
//       hasMember(m)     is m in the collection?
//       removeMember(m)  remove m (true when it was there); the normal removal
//                        path, which also drops m's TTL (step 3)
//       memberCount()    number of members left
//     If the class ever replaces itself by another object (an encoding
//     change), carry `memberExpires` over.
//  2. After looking up a value of the type for a command (reads and writes),
//     expire its due members lazily:
//       if (v.memberExpires !== null && !expireDueMembers(ks, db, key, v)) -> the key is gone (treat as missing)
//  3. Whenever a member leaves the collection (ZREM, ZPOP*, range removals,
//     SPOP ...): forgetMemberExpire(v, member) (a no-op when no TTLs exist).
//     Members dropped in bulk by rebuilding the value: the new value simply
//     starts with memberExpires = null.
//  4. Codec (value_codec.ts): append encodeMemberExpires(v) to the payload and
//     restore it with decodeMemberExpires(); dup() copies with cloneMemberExpires(v).
//  5. EXPIREMEMBER & co. (subkey_expire_family.ts) accept any MemberHost whose
//     `type` is listed in MEMBER_EXPIRE_TYPES ('set', 'hash', 'zset').
//
// Commands:   setMemberExpire(ks, db, key, v, member, when)   set / replace a TTL
//             memberExpireOf(v, member)                       absolute ms or undefined
//             persistMember(v, member) / persistAllMembers(v) remove TTLs
//             liveValue(ks, db, key, read)                    ks.get / ks.read + lazy member expiry
// Keyspace:   trackMemberExpires(ks, db, key, v)              after storing an existing value under a key
// Cycle:      activeExpireMembers(ks, canUseKey, deadline)    from expire_cycle.ts

import type { Db, Keyspace, StoredValue, TypedValue } from './keyspace.ts';

/** Types whose members EXPIREMEMBER accepts (KeyDB: set, hash, zset). */
export const MEMBER_EXPIRE_TYPES: ReadonlySet<string> = new Set(['set', 'hash', 'zset']);

export interface MemberHost extends TypedValue {
  memberExpires: MemberExpires | null;
  hasMember(member: string): boolean;
  removeMember(member: string): boolean;
  memberCount(): number;
}

/** Is this stored value a collection that can carry member TTLs? */
export function isMemberHost(v: StoredValue | undefined): v is MemberHost {
  return typeof v === 'object' && (v as MemberHost).memberExpires !== undefined;
}

/**
 * Member -> absolute expiry (unix ms), with a lazy min-heap: an update or a
 * removal leaves the old heap entry behind, skipped when it surfaces (its time
 * no longer matches the map); the heap is rebuilt when stale entries pile up.
 */
export class MemberExpires {
  readonly map = new Map<string, number>();
  private hw: number[] = [];
  private hm: string[] = [];

  get size(): number {
    return this.map.size;
  }

  get(member: string): number | undefined {
    return this.map.get(member);
  }

  set(member: string, when: number): void {
    this.map.set(member, when);
    this.push(when, member);
    if (this.hw.length > 2 * this.map.size + 64) this.rebuild();
  }

  delete(member: string): boolean {
    if (!this.map.delete(member)) return false;
    if (this.map.size === 0) {
      this.hw.length = 0;
      this.hm.length = 0;
    }
    return true;
  }

  /** The earliest expiry time, Infinity when none. */
  next(): number {
    const hw = this.hw;
    const hm = this.hm;
    while (hw.length !== 0) {
      const w = hw[0];
      if (this.map.get(hm[0]) === w) return w;
      this.pop();
    }
    return Infinity;
  }

  /** Take the earliest member whose time is <= now out of the table (null when none is due). */
  takeDue(now: number): string | null {
    if (this.next() > now) return null;
    const m = this.hm[0];
    this.pop();
    this.map.delete(m);
    return m;
  }

  clone(): MemberExpires {
    const c = new MemberExpires();
    for (const [m, w] of this.map) c.set(m, w);
    return c;
  }

  private rebuild(): void {
    this.hw.length = 0;
    this.hm.length = 0;
    for (const [m, w] of this.map) this.push(w, m);
  }

  private push(w: number, m: string): void {
    const hw = this.hw;
    const hm = this.hm;
    let i = hw.length;
    hw.push(w);
    hm.push(m);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (hw[p] <= w) break;
      hw[i] = hw[p];
      hm[i] = hm[p];
      i = p;
    }
    hw[i] = w;
    hm[i] = m;
  }

  private pop(): void {
    const hw = this.hw;
    const hm = this.hm;
    const lw = hw.pop()!;
    const lm = hm.pop()!;
    const n = hw.length;
    if (n === 0) return;
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && hw[c + 1] < hw[c]) c++;
      if (hw[c] >= lw) break;
      hw[i] = hw[c];
      hm[i] = hm[c];
      i = c;
    }
    hw[i] = lw;
    hm[i] = lm;
  }
}

// ---- the per-db index of keys holding member TTLs ---------------------------------

const indexes = new WeakMap<Db, Map<string, MemberHost>>();
const cursors = new WeakMap<Db, Iterator<[string, MemberHost]>>();

function indexOf(d: Db): Map<string, MemberHost> {
  let m = indexes.get(d);
  if (m === undefined) indexes.set(d, (m = new Map()));
  return m;
}

/** Keys of db registered for active member expiry (tests, INFO). */
export function memberExpireKeys(ks: Keyspace, db: number): number {
  return indexes.get(ks.dbs[db])?.size ?? 0;
}

/** Index a value stored under `key` that carries member TTLs (RENAME, MOVE, COPY, restore). */
export function trackMemberExpires(ks: Keyspace, db: number, key: string, v: StoredValue): void {
  if (isMemberHost(v) && v.memberExpires !== null && v.memberExpires.size !== 0) indexOf(ks.dbs[db]).set(key, v);
}

// ---- commands -----------------------------------------------------------------------

/** Set member's TTL (absolute unix ms); the caller checked that member is in v. */
export function setMemberExpire(ks: Keyspace, db: number, key: string, v: MemberHost, member: string, when: number): void {
  let e = v.memberExpires;
  if (e === null) v.memberExpires = e = new MemberExpires();
  e.set(member, when);
  indexOf(ks.dbs[db]).set(key, v);
  ks.changed(db);
}

export function memberExpireOf(v: MemberHost, member: string): number | undefined {
  return v.memberExpires === null ? undefined : v.memberExpires.get(member);
}

/** Drop member's TTL as it leaves the collection. */
export function forgetMemberExpire(v: MemberHost, member: string): void {
  const e = v.memberExpires;
  if (e !== null && e.delete(member) && e.size === 0) v.memberExpires = null;
}

/** PERSIST key member: true when member had a TTL. */
export function persistMember(v: MemberHost, member: string): boolean {
  const e = v.memberExpires;
  if (e === null || !e.delete(member)) return false;
  if (e.size === 0) v.memberExpires = null;
  return true;
}

/** Remove every member TTL (KeyDB's PERSIST key drops the whole expire entry); true when there was one. */
export function persistAllMembers(v: StoredValue): boolean {
  if (!isMemberHost(v) || v.memberExpires === null) return false;
  const had = v.memberExpires.size !== 0;
  v.memberExpires = null;
  return had;
}

export function cloneMemberExpires(v: MemberHost): MemberExpires | null {
  return v.memberExpires === null || v.memberExpires.size === 0 ? null : v.memberExpires.clone();
}

/**
 * Lazy expiry: remove the members of v (stored at key) whose time has come;
 * delete the key when none is left. Returns false when the key is gone.
 */
export function expireDueMembers(ks: Keyspace, db: number, key: string, v: MemberHost): boolean {
  const e = v.memberExpires;
  if (e === null) return true;
  const now = ks.now;
  if (e.next() <= now && !removeDue(ks, db, ks.dbs[db], key, v, e, now, Infinity)) return false;
  // A member still to expire: a speculative read must not outlive it (router/one_trip.ts).
  if (v.memberExpires !== null) {
    const t = e.next();
    if (t < ks.soonestExpiry) ks.soonestExpiry = t;
  }
  return true;
}

/** ks.get (or ks.read, counting hits and misses) plus lazy member expiry. */
export function liveValue(ks: Keyspace, db: number, key: string, read: boolean): StoredValue | undefined {
  const v = read ? ks.read(db, key) : ks.get(db, key);
  if (v !== undefined && isMemberHost(v) && v.memberExpires !== null && !expireDueMembers(ks, db, key, v)) return undefined;
  return v;
}

function removeDue(ks: Keyspace, db: number, d: Db, key: string, v: MemberHost, e: MemberExpires, now: number, limit: number): boolean {
  let removed = 0;
  for (let m = e.takeDue(now); m !== null; m = removed < limit ? e.takeDue(now) : null) {
    if (v.removeMember(m)) removed++;
  }
  if (e.size === 0) v.memberExpires = null;
  if (removed === 0) return true;
  if (v.memberCount() === 0) {
    ks.expireKey(db, d, key);
    return false;
  }
  ks.changed(db);
  return true;
}

// ---- active expiry ----------------------------------------------------------------

const HOSTS_PER_LOOP = 20;
const MEMBERS_PER_HOST = 1000;
const ACCEPTABLE_STALE = 10; // percent

/**
 * One active pass over the keys with member TTLs of every db: rounds of
 * HOSTS_PER_LOOP keys (resuming where the previous pass stopped), repeated
 * while more than 10% of the keys checked had due members, until `deadline`
 * (performance.now() ms). Keys a cross-shard transaction holds are skipped.
 */
export function activeExpireMembers(ks: Keyspace, canUseKey: (key: string) => boolean, deadline: number): void {
  for (let dbi = 0; dbi < ks.dbs.length; dbi++) {
    const d = ks.dbs[dbi];
    const idx = indexes.get(d);
    if (idx === undefined || idx.size === 0) continue;
    let it = cursors.get(d);
    for (;;) {
      const now = (ks.now = Date.now());
      let checked = 0;
      let due = 0;
      let wrapped = false;
      while (checked < HOSTS_PER_LOOP && idx.size !== 0) {
        if (it === undefined) {
          it = idx.entries();
          cursors.set(d, it);
        }
        const r = it.next();
        if (r.done === true) {
          it = undefined;
          cursors.delete(d);
          if (wrapped) break;
          wrapped = true;
          continue;
        }
        checked++;
        const key = r.value[0];
        const v = r.value[1];
        const e = v.memberExpires;
        if (e === null || e.size === 0 || d.dict.get(key) !== v) {
          idx.delete(key);
          continue;
        }
        if (e.next() > now || !canUseKey(key)) continue;
        due++;
        if (removeDue(ks, dbi, d, key, v, e, now, MEMBERS_PER_HOST) && v.memberExpires === null) idx.delete(key);
      }
      if (checked === 0 || (due * 100) / checked <= ACCEPTABLE_STALE) break;
      if (performance.now() > deadline) return;
    }
  }
}

// ---- serialization (codecs) --------------------------------------------------------

/** Member TTLs of v as a latin1 string ('' when none): count, then len:member and the time per entry. */
export function encodeMemberExpires(v: MemberHost): string {
  const e = v.memberExpires;
  if (e === null || e.size === 0) return '';
  let s = String(e.size) + ';';
  for (const [m, w] of e.map) s += m.length + ':' + m + w + ';';
  return s;
}

/** Inverse of encodeMemberExpires on body.slice(pos); null for '' (no TTLs). Throws on malformed input. */
export function decodeMemberExpires(body: string, pos: number): MemberExpires | null {
  if (pos >= body.length) return null;
  let semi = body.indexOf(';', pos);
  if (semi < 0) throw new Error('malformed member expires');
  const n = Number(body.slice(pos, semi));
  let p = semi + 1;
  const e = new MemberExpires();
  for (let i = 0; i < n; i++) {
    const colon = body.indexOf(':', p);
    if (colon < 0) throw new Error('malformed member expires');
    const len = Number(body.slice(p, colon));
    const m = body.slice(colon + 1, colon + 1 + len);
    p = colon + 1 + len;
    semi = body.indexOf(';', p);
    if (semi < 0 || m.length !== len) throw new Error('malformed member expires');
    e.set(m, Number(body.slice(p, semi)));
    p = semi + 1;
  }
  return e.size === 0 ? null : e;
}
