// Hash commands (t_hash.c, Redis 7.0): HSET HSETNX HGET HMGET HMSET HDEL HLEN
// HSTRLEN HEXISTS HKEYS HVALS HGETALL HINCRBY HINCRBYFLOAT HRANDFIELD HSCAN,
// plus KeyDB's KEYDB.HRENAME. All single-key. Every lookup runs the lazy
// field-expiry hook (KeyDB subkey expires, subkey_expire.ts) first.

import { def } from './define.ts';
import type { CommandSpec, ExecContext } from './types.ts';
import { HashValue } from '../shards/types/hash.ts';
import { expireDueMembers } from '../shards/subkey_expire.ts';
import { scanMembers } from '../shards/types/member_scan.ts';
import { parseScanCursor } from '../shards/scan_cursor.ts';
import { stringMatch } from '../config/glob.ts';
import { parseI64, parseLongDouble, longDoubleFromInt, addLongDouble, formatLongDoubleHuman, type LongDouble } from '../proto/number_format.ts';

const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';
const NOT_INT = 'ERR value is not an integer or out of range';
const SYNTAX = 'ERR syntax error';
const I64_MAX = 9223372036854775807n;
const I64_MIN = -9223372036854775808n;
/** LONG_MAX: the bound of getRangeLongFromObjectOrReply(-LONG_MAX, LONG_MAX). */
const LONG_MAX = 9223372036854775807n;
/** The most elements a repeating random pick (negative count) replies. */
const MAX_RANDOM_REPLY = 1 << 24;

/** hash-max-listpack-entries (only read for a listpack hash: a hashtable never converts back). */
function maxEntries(c: ExecContext, h: HashValue): number {
  return h.ht !== null ? Infinity : Number(c.thread.config.str('hash-max-listpack-entries'));
}

/** hash-max-listpack-value (only read for a listpack hash). */
function maxValue(c: ExecContext, h: HashValue): number {
  return h.ht !== null ? Infinity : Number(c.thread.config.str('hash-max-listpack-value'));
}

/**
 * The hash at key for a command: undefined when missing (or its last field
 * just expired), null after a WRONGTYPE reply. `read` counts keyspace hits
 * and misses (lookupKeyRead).
 */
export function lookupHash(c: ExecContext, key: string, read: boolean): HashValue | undefined | null {
  const v = read ? c.ks.read(c.db, key) : c.ks.get(c.db, key);
  if (v === undefined) return undefined;
  if (typeof v !== 'object' || v.type !== 'hash') {
    c.out.error(WRONGTYPE);
    return null;
  }
  const h = v as HashValue;
  if (h.memberExpires !== null && !expireDueMembers(c.ks, c.db, key, h)) return undefined;
  return h;
}

/** After an in-place change: the key's version moves (WATCH); a new hash is stored. */
function store(c: ExecContext, key: string, h: HashValue, created: boolean): void {
  if (created) c.ks.set(c.db, key, h);
  else c.ks.update(c.db, key, h);
}

/** After removals: delete the key when the hash became empty. */
function storeOrDelete(c: ExecContext, key: string, h: HashValue): void {
  if (h.size === 0) c.ks.delete(c.db, key);
  else c.ks.update(c.db, key, h);
}

// ---- HSET HMSET HSETNX ----------------------------------------------------------

function hsetGeneric(c: ExecContext, argv: string[], name: string, ok: boolean): void {
  if ((argv.length & 1) === 1) {
    c.out.error(`ERR wrong number of arguments for '${name}' command`);
    return;
  }
  let h = lookupHash(c, argv[1], false);
  if (h === null) return;
  const created = h === undefined;
  if (h === undefined) h = new HashValue();
  const mv = maxValue(c, h);
  // hashTypeTryConversion: any argument too long for a listpack converts first.
  if (h.ht === null) {
    for (let i = 2; i < argv.length; i++) {
      if (argv[i].length > mv) {
        h.convert();
        break;
      }
    }
  }
  const me = maxEntries(c, h);
  let added = 0;
  for (let i = 2; i < argv.length; i += 2) if (h.set(argv[i], argv[i + 1], me, mv)) added++;
  store(c, argv[1], h, created);
  if (ok) c.out.ok();
  else c.out.int(added);
}

function hsetnx(c: ExecContext, argv: string[]): void {
  let h = lookupHash(c, argv[1], false);
  if (h === null) return;
  const created = h === undefined;
  if (h === undefined) h = new HashValue();
  else if (h.has(argv[2])) {
    c.out.int(0);
    return;
  }
  h.set(argv[2], argv[3], maxEntries(c, h), maxValue(c, h));
  store(c, argv[1], h, created);
  c.out.int(1);
}

// ---- reads --------------------------------------------------------------------------

function hget(c: ExecContext, argv: string[]): void {
  const h = lookupHash(c, argv[1], true);
  if (h === null) return;
  if (h === undefined) {
    c.out.nullBulk();
    return;
  }
  const v = h.get(argv[2]);
  if (v === undefined) c.out.nullBulk();
  else c.out.bulk(v);
}

function hmget(c: ExecContext, argv: string[]): void {
  const h = lookupHash(c, argv[1], true);
  if (h === null) return;
  const out = c.out;
  out.array(argv.length - 2);
  for (let i = 2; i < argv.length; i++) {
    const v = h === undefined ? undefined : h.get(argv[i]);
    if (v === undefined) out.nullBulk();
    else out.bulk(v);
  }
}

function hlen(c: ExecContext, argv: string[]): void {
  const h = lookupHash(c, argv[1], true);
  if (h !== null) c.out.int(h === undefined ? 0 : h.size);
}

function hstrlen(c: ExecContext, argv: string[]): void {
  const h = lookupHash(c, argv[1], true);
  if (h === null) return;
  const v = h === undefined ? undefined : h.get(argv[2]);
  c.out.int(v === undefined ? 0 : v.length);
}

function hexists(c: ExecContext, argv: string[]): void {
  const h = lookupHash(c, argv[1], true);
  if (h !== null) c.out.int(h !== undefined && h.has(argv[2]) ? 1 : 0);
}

const KEYS = 1;
const VALS = 2;

function hgetallGeneric(c: ExecContext, argv: string[], what: number): void {
  const h = lookupHash(c, argv[1], true);
  if (h === null) return;
  const out = c.out;
  const both = what === (KEYS | VALS);
  const n = h === undefined ? 0 : h.size;
  if (both) out.map(n);
  else out.array(n);
  if (h === undefined) return;
  const { keys, vals } = h.pairs();
  for (let i = 0; i < n; i++) {
    if ((what & KEYS) !== 0) out.bulk(keys[i]);
    if ((what & VALS) !== 0) out.bulk(vals[i]);
  }
}

// ---- HDEL -------------------------------------------------------------------------

function hdel(c: ExecContext, argv: string[]): void {
  const h = lookupHash(c, argv[1], false);
  if (h === null) return;
  if (h === undefined) {
    c.out.int(0);
    return;
  }
  let deleted = 0;
  for (let i = 2; i < argv.length; i++) {
    if (h.delete(argv[i])) {
      deleted++;
      if (h.size === 0) break;
    }
  }
  if (deleted !== 0) storeOrDelete(c, argv[1], h);
  c.out.int(deleted);
}

// ---- counters ---------------------------------------------------------------------

function hincrby(c: ExecContext, argv: string[]): void {
  const incr = parseI64(argv[3]);
  if (incr === null) {
    c.out.error(NOT_INT);
    return;
  }
  let h = lookupHash(c, argv[1], false);
  if (h === null) return;
  const created = h === undefined;
  if (h === undefined) h = new HashValue();
  const old = h.get(argv[2]);
  let cur: number | bigint = 0;
  if (old !== undefined) {
    const p = parseI64(old);
    if (p === null) {
      c.out.error('ERR hash value is not an integer');
      return;
    }
    cur = p;
  }
  let result: number | bigint;
  if (typeof cur === 'number' && typeof incr === 'number' && Number.isSafeInteger(cur + incr)) result = cur + incr;
  else {
    const r = BigInt(cur) + BigInt(incr);
    if (r > I64_MAX || r < I64_MIN) {
      c.out.error('ERR increment or decrement would overflow');
      return;
    }
    result = r;
  }
  h.set(argv[2], String(result), maxEntries(c, h), maxValue(c, h));
  store(c, argv[1], h, created);
  if (typeof result === 'number') c.out.int(result);
  else c.out.bigint(result);
}

function hincrbyfloat(c: ExecContext, argv: string[]): void {
  const incr = parseLongDouble(argv[3]);
  if (incr === null) {
    c.out.error('ERR value is not a valid float');
    return;
  }
  if (incr.inf) {
    c.out.error('ERR value is NaN or Infinity');
    return;
  }
  let h = lookupHash(c, argv[1], false);
  if (h === null) return;
  const created = h === undefined;
  if (h === undefined) h = new HashValue();
  const old = h.get(argv[2]);
  let cur: LongDouble | null = longDoubleFromInt(0);
  if (old !== undefined) {
    const asInt = parseI64(old);
    cur = asInt !== null ? longDoubleFromInt(asInt) : parseLongDouble(old);
    if (cur === null) {
      c.out.error('ERR hash value is not a float');
      return;
    }
  }
  const sum = addLongDouble(cur, incr);
  const s = sum === null || sum.inf ? null : formatLongDoubleHuman(sum);
  if (s === null) {
    c.out.error('ERR increment would produce NaN or Infinity');
    return;
  }
  h.set(argv[2], s, maxEntries(c, h), maxValue(c, h));
  store(c, argv[1], h, created);
  c.out.bulk(s);
}

// ---- HRANDFIELD -----------------------------------------------------------------

/** `count` distinct random slots of 0..n-1 (count < n), in ascending order when `ordered`. */
export function randomSlots(n: number, count: number, ordered: boolean): number[] {
  let out: number[];
  if (count * 3 > n) {
    // Partial Fisher-Yates over all slots.
    const all = new Array<number>(n);
    for (let i = 0; i < n; i++) all[i] = i;
    for (let i = 0; i < count; i++) {
      const j = i + Math.floor(Math.random() * (n - i));
      const t = all[i];
      all[i] = all[j];
      all[j] = t;
    }
    all.length = count;
    out = all;
  } else {
    const seen = new Set<number>();
    out = [];
    while (out.length < count) {
      const j = Math.floor(Math.random() * n);
      if (!seen.has(j)) {
        seen.add(j);
        out.push(j);
      }
    }
  }
  if (ordered) out.sort((a, b) => a - b);
  return out;
}

function hrandfield(c: ExecContext, argv: string[]): void {
  const out = c.out;
  if (argv.length === 2) {
    const h = lookupHash(c, argv[1], true);
    if (h === null) return;
    if (h === undefined) out.nullBulk();
    else out.bulk(h.fieldAt(Math.floor(Math.random() * h.size)));
    return;
  }
  const l = parseI64(argv[2]);
  if (l === null) {
    out.error(NOT_INT);
    return;
  }
  if (typeof l === 'bigint' && (l > LONG_MAX || l < -LONG_MAX)) {
    out.error('ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807');
    return;
  }
  let withValues = false;
  if (argv.length > 4 || (argv.length === 4 && argv[3].toLowerCase() !== 'withvalues')) {
    out.error(SYNTAX);
    return;
  }
  if (argv.length === 4) {
    withValues = true;
    if (typeof l === 'bigint' && (l < -(LONG_MAX / 2n) || l > LONG_MAX / 2n)) {
      out.error('ERR value is out of range');
      return;
    }
  }
  const h = lookupHash(c, argv[1], true);
  if (h === null) return;
  if (h === undefined) {
    out.array(0);
    return;
  }
  const size = h.size;
  const uniq = l >= 0;
  // A count beyond any possible reply: the caller would be out of memory in Redis; cap at what we can build.
  const count = typeof l === 'number' ? Math.abs(l) : Number(l < 0n ? -l : l);
  if (count === 0) {
    out.array(0);
    return;
  }
  const resp3 = out.resp === 3;
  const { keys, vals } = h.pairs();
  if (!uniq || count === 1) {
    // Redis would build this reply until it runs out of memory; refuse absurd sizes instead.
    if (count > MAX_RANDOM_REPLY) {
      out.error('ERR value is out of range');
      return;
    }
    out.array(withValues && !resp3 ? count * 2 : count);
    for (let i = 0; i < count; i++) {
      const j = Math.floor(Math.random() * size);
      if (withValues && resp3) out.array(2);
      out.bulk(keys[j]);
      if (withValues) out.bulk(vals[j]);
    }
    return;
  }
  const n = count < size ? count : size;
  out.array(withValues && !resp3 ? n * 2 : n);
  if (count >= size) {
    for (let i = 0; i < size; i++) {
      if (withValues && resp3) out.array(2);
      out.bulk(keys[i]);
      if (withValues) out.bulk(vals[i]);
    }
    return;
  }
  // Listpack: unique elements in listpack order (Redis's lpRandomPairsUnique); hashtable: random order.
  const slots = randomSlots(size, count, h.isListpack);
  for (let i = 0; i < slots.length; i++) {
    const j = slots[i];
    if (withValues && resp3) out.array(2);
    out.bulk(keys[j]);
    if (withValues) out.bulk(vals[j]);
  }
}

// ---- HSCAN ------------------------------------------------------------------------

export interface ScanOptions {
  count: number;
  pattern: string | null;
}

/** SCAN options after the cursor (scanGenericCommand, no TYPE for a key's scan); the error text when invalid. */
export function parseMemberScanOptions(argv: string[], from: number): ScanOptions | string {
  let count = 10;
  let pattern: string | null = null;
  for (let i = from; i < argv.length; ) {
    const more = argv.length - i >= 2;
    const opt = argv[i].toLowerCase();
    if (opt === 'count' && more) {
      const v = parseI64(argv[i + 1]);
      if (v === null) return NOT_INT;
      if (v < 1) return SYNTAX;
      count = typeof v === 'number' ? v : Number.MAX_SAFE_INTEGER;
      i += 2;
    } else if (opt === 'match' && more) {
      pattern = argv[i + 1] === '*' ? null : argv[i + 1];
      i += 2;
    } else return SYNTAX;
  }
  return { count, pattern };
}

/** The empty scan reply: cursor 0, no elements. */
export function emptyScan(c: ExecContext): void {
  c.out.array(2);
  c.out.bulk('0');
  c.out.array(0);
}

function hscan(c: ExecContext, argv: string[]): void {
  const cursor = parseScanCursor(argv[2]);
  if (cursor === null) {
    c.out.error('ERR invalid cursor');
    return;
  }
  const h = lookupHash(c, argv[1], true);
  if (h === null) return;
  if (h === undefined) {
    emptyScan(c);
    return;
  }
  const opts = parseMemberScanOptions(argv, 3);
  if (typeof opts === 'string') {
    c.out.error(opts);
    return;
  }
  const pattern = opts.pattern;
  const found: number[] = [];
  let next = 0;
  const { keys, vals } = h.pairs();
  if (h.ht === null) {
    for (let i = 0; i < keys.length; i++) if (pattern === null || stringMatch(pattern, keys[i])) found.push(i);
  } else {
    const index = h.ht.index;
    next = scanMembers(c.ks, index, cursor, opts.count, (f) => {
      if (pattern === null || stringMatch(pattern, f)) found.push(index.get(f));
    });
  }
  const out = c.out;
  out.array(2);
  out.bulk(String(next));
  out.array(found.length * 2);
  for (let i = 0; i < found.length; i++) {
    out.bulk(keys[found[i]]);
    out.bulk(vals[found[i]]);
  }
}

// ---- KEYDB.HRENAME ------------------------------------------------------------------

/** KEYDB.HRENAME key oldfield newfield: move a field's value to a new field name (KeyDB t_hash.cpp). */
function hrename(c: ExecContext, argv: string[]): void {
  const h = lookupHash(c, argv[1], false);
  if (h === null) return;
  if (h === undefined) {
    c.out.nullBulk();
    return;
  }
  const v = h.get(argv[2]);
  if (v === undefined) {
    c.out.error("ERR hash key doesn't exist");
    return;
  }
  h.delete(argv[2]);
  h.set(argv[3], v, maxEntries(c, h), maxValue(c, h));
  c.ks.update(c.db, argv[1], h);
  c.out.int(1);
}

// ---- the table ------------------------------------------------------------------------

const W = ['@write', '@hash'];
const R = ['@read', '@hash'];

export const hashCommands: CommandSpec[] = [
  def('hset', { arity: -4, flags: ['write', 'denyoom', 'fast'], keys: [1, 1, 1], acl: [...W, '@fast'], group: 'hash', summary: 'Set the string value of a hash field', since: '2.0.0', complexity: 'O(1) for each field/value pair added, so O(N) to add N field/value pairs when the command is called with multiple field/value pairs.', handler: (c, argv) => hsetGeneric(c, argv, 'hset', false) }),
  def('hmset', { arity: -4, flags: ['write', 'denyoom', 'fast'], keys: [1, 1, 1], acl: [...W, '@fast'], group: 'hash', summary: 'Set multiple hash fields to multiple values', since: '2.0.0', complexity: 'O(N) where N is the number of fields being set.', handler: (c, argv) => hsetGeneric(c, argv, 'hmset', true) }),
  def('hsetnx', { arity: 4, flags: ['write', 'denyoom', 'fast'], keys: [1, 1, 1], acl: [...W, '@fast'], group: 'hash', summary: 'Set the value of a hash field, only if the field does not exist', since: '2.0.0', complexity: 'O(1)', handler: hsetnx }),
  def('hget', { arity: 3, flags: ['readonly', 'fast'], keys: [1, 1, 1], acl: [...R, '@fast'], group: 'hash', summary: 'Get the value of a hash field', since: '2.0.0', complexity: 'O(1)', handler: hget }),
  def('hmget', { arity: -3, flags: ['readonly', 'fast'], keys: [1, 1, 1], acl: [...R, '@fast'], group: 'hash', summary: 'Get the values of all the given hash fields', since: '2.0.0', complexity: 'O(N) where N is the number of fields being requested.', handler: hmget }),
  def('hdel', { arity: -3, flags: ['write', 'fast'], keys: [1, 1, 1], acl: [...W, '@fast'], group: 'hash', summary: 'Delete one or more hash fields', since: '2.0.0', complexity: 'O(N) where N is the number of fields to be removed.', handler: hdel }),
  def('hlen', { arity: 2, flags: ['readonly', 'fast'], keys: [1, 1, 1], acl: [...R, '@fast'], group: 'hash', summary: 'Get the number of fields in a hash', since: '2.0.0', complexity: 'O(1)', handler: hlen }),
  def('hstrlen', { arity: 3, flags: ['readonly', 'fast'], keys: [1, 1, 1], acl: [...R, '@fast'], group: 'hash', summary: 'Get the length of the value of a hash field', since: '3.2.0', complexity: 'O(1)', handler: hstrlen }),
  def('hexists', { arity: 3, flags: ['readonly', 'fast'], keys: [1, 1, 1], acl: [...R, '@fast'], group: 'hash', summary: 'Determine if a hash field exists', since: '2.0.0', complexity: 'O(1)', handler: hexists }),
  def('hkeys', { arity: 2, flags: ['readonly'], keys: [1, 1, 1], acl: [...R, '@slow'], group: 'hash', summary: 'Get all the fields in a hash', since: '2.0.0', complexity: 'O(N) where N is the size of the hash.', handler: (c, argv) => hgetallGeneric(c, argv, KEYS) }),
  def('hvals', { arity: 2, flags: ['readonly'], keys: [1, 1, 1], acl: [...R, '@slow'], group: 'hash', summary: 'Get all the values in a hash', since: '2.0.0', complexity: 'O(N) where N is the size of the hash.', handler: (c, argv) => hgetallGeneric(c, argv, VALS) }),
  def('hgetall', { arity: 2, flags: ['readonly'], keys: [1, 1, 1], acl: [...R, '@slow'], group: 'hash', summary: 'Get all the fields and values in a hash', since: '2.0.0', complexity: 'O(N) where N is the size of the hash.', handler: (c, argv) => hgetallGeneric(c, argv, KEYS | VALS) }),
  def('hincrby', { arity: 4, flags: ['write', 'denyoom', 'fast'], keys: [1, 1, 1], acl: [...W, '@fast'], group: 'hash', summary: 'Increment the integer value of a hash field by the given number', since: '2.0.0', complexity: 'O(1)', handler: hincrby }),
  def('hincrbyfloat', { arity: 4, flags: ['write', 'denyoom', 'fast'], keys: [1, 1, 1], acl: [...W, '@fast'], group: 'hash', summary: 'Increment the float value of a hash field by the given amount', since: '2.6.0', complexity: 'O(1)', handler: hincrbyfloat }),
  def('hrandfield', { arity: -2, flags: ['readonly'], keys: [1, 1, 1], acl: [...R, '@slow'], group: 'hash', summary: 'Get one or multiple random fields from a hash', since: '6.2.0', complexity: 'O(N) where N is the number of fields returned', handler: hrandfield }),
  def('hscan', { arity: -3, flags: ['readonly'], keepsState: true, keys: [1, 1, 1], acl: [...R, '@slow'], group: 'hash', summary: 'Incrementally iterate hash fields and associated values', since: '2.8.0', complexity: 'O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..', handler: hscan }),
  def('keydb.hrename', { arity: 4, flags: ['write', 'fast'], keys: [1, 1, 1], acl: [...W, '@fast'], group: 'hash', summary: 'Rename a field of a hash (KeyDB)', since: '6.0.0', complexity: 'O(1)', handler: hrename }),
];
