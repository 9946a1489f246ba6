// The hash value (t_hash.c's object): fields and values as latin1 strings in
// two parallel arrays, `keys` and `vals`.
//
//   listpack  (index === null): insertion order, linear search, removal keeps
//             the order (splice), exactly as Redis's listpack, so HGETALL,
//             HKEYS, HSCAN ... answer in Redis's order.
//   hashtable (index !== null): `index` maps a field to its slot; a removal
//             moves the last slot into the hole, so every operation is O(1)
//             and HRANDFIELD draws from the dense arrays.
//
// A hash starts as listpack and converts to hashtable (never back) when it
// gets more than hash-max-listpack-entries fields or a field or value longer
// than hash-max-listpack-value bytes, as in Redis 7.0. Field TTLs (KeyDB
// EXPIREMEMBER) live in `memberExpires` (subkey_expire.ts).

import type { MemberHost } from '../subkey_expire.ts';
import { MemberExpires, forgetMemberExpire, encodeMemberExpires, decodeMemberExpires, cloneMemberExpires } from '../subkey_expire.ts';
import { registerValueCodec, ValueCodecError } from '../value_codec.ts';
import type { TypedValue } from '../keyspace.ts';

export class HashValue implements MemberHost {
  readonly type = 'hash' as const;
  keys: string[] = [];
  vals: string[] = [];
  /** null while listpack-encoded. */
  index: Map<string, number> | null = null;
  memberExpires: MemberExpires | null = null;

  get size(): number {
    return this.keys.length;
  }

  encoding(): string {
    return this.index === null ? 'listpack' : 'hashtable';
  }

  /** Slot of field, -1 when absent. */
  find(field: string): number {
    if (this.index !== null) {
      const i = this.index.get(field);
      return i === undefined ? -1 : i;
    }
    const keys = this.keys;
    const n = keys.length;
    for (let i = 0; i < n; i++) if (keys[i] === field) return i;
    return -1;
  }

  get(field: string): string | undefined {
    const i = this.find(field);
    return i < 0 ? undefined : this.vals[i];
  }

  /**
   * Set field to value; true when the field is new. A listpack hash converts
   * first when field or value is longer than maxValue, and after the insert
   * when it holds more than maxEntries fields.
   */
  set(field: string, value: string, maxEntries: number, maxValue: number): boolean {
    if (this.index === null && (field.length > maxValue || value.length > maxValue)) this.convert();
    const i = this.find(field);
    if (i >= 0) {
      this.vals[i] = value;
      return false;
    }
    const slot = this.keys.length;
    this.keys.push(field);
    this.vals.push(value);
    if (this.index !== null) this.index.set(field, slot);
    else if (slot + 1 > maxEntries) this.convert();
    return true;
  }

  /** Overwrite the value at a slot found with find(). */
  setAt(slot: number, value: string): void {
    this.vals[slot] = value;
  }

  /** Remove field; true when it was there. */
  delete(field: string): boolean {
    const i = this.find(field);
    if (i < 0) return false;
    this.removeAt(i);
    if (this.memberExpires !== null) forgetMemberExpire(this, field);
    return true;
  }

  private removeAt(i: number): void {
    const keys = this.keys;
    const vals = this.vals;
    if (this.index === null) {
      keys.splice(i, 1);
      vals.splice(i, 1);
      return;
    }
    const last = keys.length - 1;
    this.index.delete(keys[i]);
    if (i !== last) {
      keys[i] = keys[last];
      vals[i] = vals[last];
      this.index.set(keys[i], i);
    }
    keys.pop();
    vals.pop();
  }

  convert(): void {
    if (this.index !== null) return;
    const index = new Map<string, number>();
    const keys = this.keys;
    for (let i = 0; i < keys.length; i++) index.set(keys[i], i);
    this.index = index;
  }

  // MemberHost
  hasMember(field: string): boolean {
    return this.find(field) >= 0;
  }

  removeMember(field: string): boolean {
    return this.delete(field);
  }

  memberCount(): number {
    return this.keys.length;
  }

  /** Rough bytes (MEMORY USAGE). */
  memoryUsage(samples: number): number {
    const n = this.keys.length;
    if (n === 0) return 48;
    const k = Math.min(n, samples > 0 ? samples : n);
    let bytes = 0;
    for (let i = 0; i < k; i++) bytes += strBytes(this.keys[i]) + strBytes(this.vals[i]);
    const per = bytes / k + 16 + (this.index !== null ? 32 : 0);
    return Math.round(64 + per * n);
  }
}

function strBytes(s: string): number {
  return 16 + ((s.length + 7) & ~7);
}

/** A listpack hash holding the given pairs (no threshold checks: for values known to fit). */
export function hashFromPairs(keys: string[], vals: string[], hashtable: boolean): HashValue {
  const h = new HashValue();
  h.keys = keys;
  h.vals = vals;
  if (hashtable) h.convert();
  return h;
}

// ---- codec (cross-shard RENAME / COPY) ----------------------------------------------
// Body: 'l' or 'h' (encoding), count ';', then len ':' field len ':' value per
// pair, then the member expires (subkey_expire.ts) if any.

function encodeHash(v: TypedValue): string {
  const h = v as HashValue;
  const keys = h.keys;
  const vals = h.vals;
  const parts: string[] = [(h.index === null ? 'l' : 'h') + keys.length + ';'];
  for (let i = 0; i < keys.length; i++) parts.push(keys[i].length + ':' + keys[i] + vals[i].length + ':' + vals[i]);
  parts.push(encodeMemberExpires(h));
  return parts.join('');
}

function readChunk(body: string, pos: number): [string, number] {
  const colon = body.indexOf(':', pos);
  if (colon < 0) throw new ValueCodecError('malformed hash payload');
  const len = Number(body.slice(pos, colon));
  const end = colon + 1 + len;
  if (!(len >= 0) || end > body.length) throw new ValueCodecError('malformed hash payload');
  return [body.slice(colon + 1, end), end];
}

function decodeHash(body: string): TypedValue {
  const enc = body.charCodeAt(0);
  const semi = body.indexOf(';');
  if ((enc !== 108 && enc !== 104) || semi < 0) throw new ValueCodecError('malformed hash payload');
  const n = Number(body.slice(1, semi));
  const keys: string[] = new Array(n);
  const vals: string[] = new Array(n);
  let p = semi + 1;
  for (let i = 0; i < n; i++) {
    const [k, p1] = readChunk(body, p);
    const [v, p2] = readChunk(body, p1);
    keys[i] = k;
    vals[i] = v;
    p = p2;
  }
  const h = hashFromPairs(keys, vals, enc === 104);
  try {
    h.memberExpires = decodeMemberExpires(body, p);
  } catch {
    throw new ValueCodecError('malformed hash payload');
  }
  return h;
}

function dupHash(v: TypedValue): TypedValue {
  const h = v as HashValue;
  const c = hashFromPairs(h.keys.slice(), h.vals.slice(), h.index !== null);
  c.memberExpires = cloneMemberExpires(h);
  return c;
}

registerValueCodec('hash', { encode: encodeHash, decode: decodeHash, dup: dupHash });
