// Generic keyspace commands (db.c, expire.c): DEL UNLINK EXISTS TYPE TOUCH
// KEYS SCAN RANDOMKEY RENAME RENAMENX MOVE COPY, the EXPIRE / TTL family,
// PERSIST, DBSIZE FLUSHDB FLUSHALL SWAPDB.
//
// Cross-shard forms: DEL / UNLINK / EXISTS / TOUCH sum per-shard counts;
// RENAME / RENAMENX / COPY with keys on two shards lock both keys (ascending
// shard order) and move the value through the internal __dump / __restore /
// __del commands (value_codec.ts); keyspace-wide commands (KEYS, RANDOMKEY,
// DBSIZE, FLUSHDB, FLUSHALL, SWAPDB) lock every shard and run their per-shard
// part on each; SCAN runs one step on one shard per call (scan_cursor.ts).

import { def } from './define.ts';
import type { CommandSpec, ExecContext } from './types.ts';
import type { Client } from '../shards/client.ts';
import { crossSumKeys, runOnAllShards, withTxn } from '../router/cross.ts';
import { arrayElements, intValue, isError, stringValue } from '../proto/reply_reader.ts';
import { parseI64 } from '../proto/number_format.ts';
import { keyShard } from '../router/slot.ts';
import { typeName } from '../shards/keyspace.ts';
import { stringMatch } from '../config/glob.ts';
import { encodeValue, decodeValue, dupValue, ValueCodecError } from '../shards/value_codec.ts';
import { parseScanCursor, decodeCursor, encodeCursor, scanStep } from '../shards/scan_cursor.ts';
import { trackMemberExpires, persistAllMembers } from '../shards/subkey_expire.ts';
import { memberTtl, memberPersist } from './subkey_expire_family.ts';

const ERR_NOT_INT = 'ERR value is not an integer or out of range';
const ERR_INT_RANGE = 'ERR value is out of range, value must between -2147483648 and 2147483647';
const ERR_SYNTAX = 'ERR syntax error';
const ERR_NO_KEY = 'ERR no such key';
const ERR_SAME = 'ERR source and destination objects are the same';
const ERR_DB_RANGE = 'ERR DB index is out of range';

// ---- argument helpers --------------------------------------------------------

/**
 * Redis's getIntFromObjectOrReply: a 32-bit integer, or the error text
 * (`msg` replaces both default messages when given).
 */
function intArg(s: string, msg?: string): number | string {
  const v = parseI64(s);
  if (v === null) return msg ?? ERR_NOT_INT;
  if (typeof v !== 'number' || v < -2147483648 || v > 2147483647) return msg ?? ERR_INT_RANGE;
  return v;
}

/** A db index argument: the index, or the error text. */
function dbArg(s: string, databases: number): number | string {
  const id = intArg(s);
  if (typeof id === 'string') return id;
  if (id < 0 || id >= databases) return ERR_DB_RANGE;
  return id;
}

function lowerEq(s: string, lower: string): boolean {
  return s.length === lower.length && s.toLowerCase() === lower;
}

// ---- DEL UNLINK EXISTS TOUCH TYPE --------------------------------------------

function delHandler(c: ExecContext, argv: string[]): void {
  let n = 0;
  for (let i = 1; i < argv.length; i++) if (c.ks.deleteLive(c.db, argv[i])) n++;
  c.out.int(n);
}

/** EXISTS and TOUCH: live keys counted (duplicates too), with keyspace hit/miss stats. */
function countLive(c: ExecContext, argv: string[]): void {
  let n = 0;
  for (let i = 1; i < argv.length; i++) if (c.ks.read(c.db, argv[i]) !== undefined) n++;
  c.out.int(n);
}

// ---- KEYS --------------------------------------------------------------------

function keysHandler(c: ExecContext, argv: string[]): void {
  const pattern = argv[1];
  const all = pattern === '*';
  const d = c.ks.dbs[c.db];
  const now = c.ks.now;
  const checkTtl = d.expires.size !== 0;
  const out: string[] = [];
  for (const key of d.dict.keys()) {
    if (!all && !stringMatch(pattern, key, false)) continue;
    if (checkTtl) {
      const t = d.expires.get(key);
      if (t !== undefined && t <= now) continue;
    }
    out.push(key);
  }
  c.out.array(out.length);
  for (let i = 0; i < out.length; i++) c.out.bulk(out[i]);
}

/** Concatenate the per-shard arrays (KEYS' order is unspecified). */
async function keysCross(client: Client, argv: string[]): Promise<void> {
  const parts = await runOnAllShards(client, [argv], 'all');
  let total = 0;
  const bodies: Buffer[] = [];
  for (const [r] of parts) {
    if (isError(r)) {
      client.out().raw(r);
      return;
    }
    const nl = r.indexOf(10);
    total += Number(r.latin1Slice(1, nl - 1));
    bodies.push(r.subarray(nl + 1));
  }
  const out = client.out();
  out.array(total);
  for (const b of bodies) out.raw(b);
}

// ---- SCAN --------------------------------------------------------------------

interface ScanArgs {
  cursor: bigint;
  count: number;
  pattern: string | null;
  type: string | null;
}

/** SCAN's arguments with Redis's checks in Redis's order; the error text when invalid. */
function parseScanArgs(argv: string[]): ScanArgs | string {
  const cursor = parseScanCursor(argv[1]);
  if (cursor === null) return 'ERR invalid cursor';
  let count = 10;
  let pattern: string | null = null;
  let type: string | null = null;
  for (let i = 2; i < argv.length; ) {
    const more = argv.length - i >= 2;
    const opt = argv[i].toLowerCase();
    if (opt === 'count' && more) {
      const v = parseI64(argv[i + 1]);
      if (v === null) return ERR_NOT_INT;
      if (v < 1) return ERR_SYNTAX;
      count = typeof v === 'number' ? v : Number.MAX_SAFE_INTEGER;
      i += 2;
    } else if (opt === 'match' && more) {
      pattern = argv[i + 1] === '*' ? null : argv[i + 1];
      i += 2;
    } else if (opt === 'type' && more) {
      type = argv[i + 1].toLowerCase();
      i += 2;
    } else {
      return ERR_SYNTAX;
    }
  }
  return { cursor, count, pattern, type };
}

/** __scan session count flags pattern type: one step on this shard; replies [next session, keys examined, [keys]]. */
function scanStepHandler(c: ExecContext, argv: string[]): void {
  const flags = argv[3];
  const r = scanStep(c.ks, c.db, Number(argv[1]), Number(argv[2]), {
    pattern: flags.includes('m') ? argv[4] : null,
    type: flags.includes('t') ? argv[5] : null,
  });
  c.out.array(3);
  c.out.int(r.next);
  c.out.int(r.seen);
  c.out.array(r.keys.length);
  for (let i = 0; i < r.keys.length; i++) c.out.bulk(r.keys[i]);
}

/**
 * One SCAN call: continue on the cursor's shard; when that shard is finished
 * with COUNT work left, go on with the next shards (no locks: each step is
 * atomic on its shard), so a small keyspace is scanned in one call.
 */
async function scanCross(client: Client, argv: string[]): Promise<void> {
  const a = parseScanArgs(argv);
  if (typeof a === 'string') {
    client.out().error(a);
    return;
  }
  const shards = client.thread.threads;
  const at = decodeCursor(a.cursor, shards);
  const bodies: Buffer[] = [];
  let total = 0;
  let cursor = 0;
  if (at !== null) {
    const flags = (a.pattern !== null ? 'm' : '') + (a.type !== null ? 't' : '');
    const pattern = a.pattern ?? '';
    const type = a.type ?? '';
    const err = await withTxn(client, async (t): Promise<Buffer | null> => {
      let shard = at.shard;
      let session = at.session;
      let budget = a.count;
      for (;;) {
        const [r] = await t.step(shard, [['__scan', String(session), String(budget), flags, pattern, type]], null);
        if (isError(r)) return r;
        const [nextB, seenB, keysB] = arrayElements(r);
        const nl = keysB.indexOf(10);
        total += Number(keysB.latin1Slice(1, nl - 1));
        bodies.push(keysB.subarray(nl + 1));
        const next = intValue(nextB);
        if (next !== 0) {
          cursor = encodeCursor(shard, next);
          return null;
        }
        budget -= intValue(seenB);
        if (++shard >= shards) return null;
        session = 0;
        if (budget <= 0) {
          cursor = encodeCursor(shard, 0);
          return null;
        }
      }
    });
    if (err !== null) {
      client.out().raw(err);
      return;
    }
  }
  const out = client.out();
  out.array(2);
  out.bulk(String(cursor));
  out.array(total);
  for (const b of bodies) out.raw(b);
}

// ---- RANDOMKEY DBSIZE FLUSHDB FLUSHALL SWAPDB ---------------------------------

function randomKeyHandler(c: ExecContext): void {
  const k = c.ks.randomKey(c.db);
  if (k === undefined) c.out.nullBulk();
  else c.out.bulk(k);
}

/** Lock every shard, pick a non-empty shard weighted by its size, then a random key there. */
async function randomKeyCross(client: Client): Promise<void> {
  const reply = await withTxn(client, async (t) => {
    const shards = client.thread.threads;
    const sizes: number[] = [];
    let total = 0;
    for (let s = 0; s < shards; s++) {
      const [r] = await t.step(s, [['dbsize']], 'all');
      const n = intValue(r);
      sizes.push(n);
      total += n;
    }
    while (total > 0) {
      let pick = Math.floor(Math.random() * total);
      let s = 0;
      while (pick >= sizes[s]) pick -= sizes[s++];
      const [r] = await t.step(s, [['randomkey']], null);
      if (stringValue(r) !== null || isError(r)) return r;
      total -= sizes[s];
      sizes[s] = 0;
    }
    return null;
  });
  if (reply === null) client.out().nullBulk();
  else client.out().raw(reply);
}

/** FLUSHDB / FLUSHALL argument check: null when valid, else the error. */
function flushArgsError(argv: string[]): string | null {
  if (argv.length === 1) return null;
  if (argv.length === 2 && (lowerEq(argv[1], 'sync') || lowerEq(argv[1], 'async'))) return null;
  return ERR_SYNTAX;
}

/** Run a keyspace-wide write on every shard under whole-shard locks; +OK unless a shard failed. */
function crossAllOk(check: (client: Client, argv: string[]) => string | null) {
  return async (client: Client, argv: string[]): Promise<void> => {
    const err = check(client, argv);
    if (err !== null) {
      client.out().error(err);
      return;
    }
    const parts = await runOnAllShards(client, [argv], 'all');
    for (const [r] of parts) {
      if (isError(r)) {
        client.out().raw(r);
        return;
      }
    }
    client.out().ok();
  };
}

function swapArgs(argv: string[], databases: number): [number, number] | string {
  const a = intArg(argv[1], 'ERR invalid first DB index');
  if (typeof a === 'string') return a;
  const b = intArg(argv[2], 'ERR invalid second DB index');
  if (typeof b === 'string') return b;
  if (a < 0 || a >= databases || b < 0 || b >= databases) return ERR_DB_RANGE;
  return [a, b];
}

// ---- RENAME RENAMENX ---------------------------------------------------------

function renameHandler(c: ExecContext, argv: string[], nx: boolean): void {
  const ks = c.ks;
  const src = argv[1];
  const dst = argv[2];
  const v = ks.get(c.db, src);
  if (v === undefined) {
    c.out.error(ERR_NO_KEY);
    return;
  }
  if (src === dst) {
    if (nx) c.out.int(0);
    else c.out.ok();
    return;
  }
  if (nx && ks.get(c.db, dst) !== undefined) {
    c.out.int(0);
    return;
  }
  const when = ks.getExpire(c.db, src);
  ks.delete(c.db, src);
  ks.set(c.db, dst, v);
  if (when !== undefined) ks.setExpire(c.db, dst, when);
  trackMemberExpires(ks, c.db, dst, v);
  if (nx) c.out.int(1);
  else c.out.ok();
}

/**
 * Move src's value (with its TTL) to dst on another shard, both keys locked
 * in ascending shard order: dump on src's shard, restore on dst's (REPLACE,
 * or NX for RENAMENX), delete src.
 */
async function renameCross(client: Client, argv: string[], nx: boolean): Promise<void> {
  const src = argv[1];
  const dst = argv[2];
  const shards = client.thread.threads;
  const sa = keyShard(src, shards);
  const sb = keyShard(dst, shards);
  const db = String(client.db);
  const reply = await withTxn(client, async (t): Promise<Buffer | string | number> => {
    if (sb < sa) await t.step(sb, [], [dst]);
    const [dump] = await t.step(sa, [['__dump', src, '']], [src]);
    if (isError(dump)) return dump;
    const el = dump[0] === 42 /* * */ && dump[1] !== 45 /* - */ ? arrayElements(dump) : null;
    if (el === null || el.length !== 2) return ERR_NO_KEY;
    const when = String(intValue(el[0]));
    const [restored] = await t.step(sb, [['__restore', dst, db, when, stringValue(el[1])!, nx ? 'NX' : 'REPLACE']], sb < sa ? null : [dst]);
    if (isError(restored)) return restored;
    if (intValue(restored) === 0) return 0;
    await t.step(sa, [['__del', src]], null);
    return 1;
  });
  const out = client.out();
  if (typeof reply === 'string') out.error(reply);
  else if (typeof reply !== 'number') out.raw(reply);
  else if (nx) out.int(reply);
  else out.ok();
}

// ---- internal value transfer commands ------------------------------------------

/** __dump key flag: [absolute expiry ms or -1, payload], or a null array when key is missing; flag 'r' counts keyspace stats. */
function dumpHandler(c: ExecContext, argv: string[]): void {
  const v = argv[2] === 'r' ? c.ks.read(c.db, argv[1]) : c.ks.get(c.db, argv[1]);
  if (v === undefined) {
    c.out.rawString('*-1\r\n');
    return;
  }
  let payload: string;
  try {
    payload = encodeValue(v);
  } catch (e) {
    if (!(e instanceof ValueCodecError)) throw e;
    c.out.error('ERR ' + e.message);
    return;
  }
  const when = c.ks.getExpire(c.db, argv[1]);
  c.out.array(2);
  c.out.int(when === undefined ? -1 : when);
  c.out.bulk(payload);
}

/** __restore key db when payload NX|REPLACE: 1 when written, 0 when NX found the key. */
function restoreHandler(c: ExecContext, argv: string[]): void {
  const key = argv[1];
  const db = Number(argv[2]);
  const when = Number(argv[3]);
  if (argv[5] === 'NX' && c.ks.get(db, key) !== undefined) {
    c.out.int(0);
    return;
  }
  let v;
  try {
    v = decodeValue(argv[4]);
  } catch (e) {
    if (!(e instanceof ValueCodecError)) throw e;
    c.out.error('ERR ' + e.message);
    return;
  }
  c.ks.set(db, key, v);
  if (when !== -1) c.ks.setExpire(db, key, when);
  trackMemberExpires(c.ks, db, key, v);
  c.out.int(1);
}

function internalDelHandler(c: ExecContext, argv: string[]): void {
  c.out.int(c.ks.delete(c.db, argv[1]) ? 1 : 0);
}

// ---- MOVE COPY -----------------------------------------------------------------

function moveHandler(c: ExecContext, argv: string[]): void {
  const ks = c.ks;
  const key = argv[1];
  const dst = dbArg(argv[2], ks.dbs.length);
  if (typeof dst === 'string') {
    c.out.error(dst);
    return;
  }
  if (dst === c.db) {
    c.out.error(ERR_SAME);
    return;
  }
  const v = ks.get(c.db, key);
  if (v === undefined || ks.get(dst, key) !== undefined) {
    c.out.int(0);
    return;
  }
  const when = ks.getExpire(c.db, key);
  ks.set(dst, key, v);
  if (when !== undefined) ks.setExpire(dst, key, when);
  trackMemberExpires(ks, dst, key, v);
  ks.delete(c.db, key);
  c.out.int(1);
}

interface CopyArgs {
  db: number;
  replace: boolean;
}

function parseCopyArgs(argv: string[], curDb: number, databases: number): CopyArgs | string {
  let db = curDb;
  let replace = false;
  for (let j = 3; j < argv.length; j++) {
    const opt = argv[j].toLowerCase();
    if (opt === 'replace') replace = true;
    else if (opt === 'db' && j + 1 < argv.length) {
      const id = dbArg(argv[j + 1], databases);
      if (typeof id === 'string') return id;
      db = id;
      j++;
    } else return ERR_SYNTAX;
  }
  if (db === curDb && argv[1] === argv[2]) return ERR_SAME;
  return { db, replace };
}

function copyHandler(c: ExecContext, argv: string[]): void {
  const ks = c.ks;
  const a = parseCopyArgs(argv, c.db, ks.dbs.length);
  if (typeof a === 'string') {
    c.out.error(a);
    return;
  }
  const src = argv[1];
  const dst = argv[2];
  const v = ks.read(c.db, src);
  if (v === undefined || (!a.replace && ks.get(a.db, dst) !== undefined)) {
    c.out.int(0);
    return;
  }
  let copy;
  try {
    copy = dupValue(v);
  } catch (e) {
    if (!(e instanceof ValueCodecError)) throw e;
    c.out.error('ERR ' + e.message);
    return;
  }
  const when = ks.getExpire(c.db, src);
  ks.set(a.db, dst, copy);
  if (when !== undefined) ks.setExpire(a.db, dst, when);
  trackMemberExpires(ks, a.db, dst, copy);
  c.out.int(1);
}

async function copyCross(client: Client, argv: string[]): Promise<void> {
  const a = parseCopyArgs(argv, client.db, client.thread.ks.dbs.length);
  if (typeof a === 'string') {
    client.out().error(a);
    return;
  }
  const src = argv[1];
  const dst = argv[2];
  const shards = client.thread.threads;
  const sa = keyShard(src, shards);
  const sb = keyShard(dst, shards);
  const reply = await withTxn(client, async (t): Promise<Buffer> => {
    if (sb < sa) await t.step(sb, [], [dst]);
    const [dump] = await t.step(sa, [['__dump', src, 'r']], [src]);
    if (isError(dump) || dump[1] === 45 /* null array */) return isError(dump) ? dump : ZERO;
    const el = arrayElements(dump);
    const when = String(intValue(el[0]));
    const [restored] = await t.step(sb, [['__restore', dst, String(a.db), when, stringValue(el[1])!, a.replace ? 'REPLACE' : 'NX']], sb < sa ? null : [dst]);
    return restored;
  });
  client.out().raw(reply);
}

const ZERO = Buffer.from(':0\r\n');

// ---- EXPIRE family -------------------------------------------------------------

const EXPIRE_NX = 1;
const EXPIRE_XX = 2;
const EXPIRE_GT = 4;
const EXPIRE_LT = 8;
const LLONG_MAX = 9223372036854775807n;
const LLONG_MIN = -9223372036854775808n;
/** Largest |seconds| whose milliseconds stay exact as a double. */
const SAFE_SECONDS = Math.floor(Number.MAX_SAFE_INTEGER / 1000);

function parseExpireFlags(argv: string[]): number | string {
  let flags = 0;
  for (let j = 3; j < argv.length; j++) {
    const opt = argv[j].toLowerCase();
    if (opt === 'nx') flags |= EXPIRE_NX;
    else if (opt === 'xx') flags |= EXPIRE_XX;
    else if (opt === 'gt') flags |= EXPIRE_GT;
    else if (opt === 'lt') flags |= EXPIRE_LT;
    else return 'ERR Unsupported option ' + argv[j];
  }
  if (flags & EXPIRE_NX && flags & (EXPIRE_XX | EXPIRE_GT | EXPIRE_LT)) return 'ERR NX and XX, GT or LT options at the same time are not compatible';
  if (flags & EXPIRE_GT && flags & EXPIRE_LT) return 'ERR GT and LT options at the same time are not compatible';
  return flags;
}

/**
 * EXPIRE / PEXPIRE (relative to now) and EXPIREAT / PEXPIREAT (absolute):
 * expire.c's expireGenericCommand. Times are exact 64-bit arithmetic for the
 * overflow checks; the stored expiry is a double (exact up to 2^53 ms).
 */
function expireGeneric(c: ExecContext, argv: string[], relative: boolean, seconds: boolean, name: string): void {
  const flags = parseExpireFlags(argv);
  if (typeof flags === 'string') {
    c.out.error(flags);
    return;
  }
  const raw = parseI64(argv[2]);
  if (raw === null) {
    c.out.error(ERR_NOT_INT);
    return;
  }
  const base = relative ? c.ks.now : 0;
  let when: number;
  if (typeof raw === 'number' && (!seconds || (raw <= SAFE_SECONDS && raw >= -SAFE_SECONDS)) && Number.isSafeInteger((seconds ? raw * 1000 : raw) + base)) {
    when = (seconds ? raw * 1000 : raw) + base;
  } else {
    let w = BigInt(raw);
    if (seconds) {
      if (w > LLONG_MAX / 1000n || w < LLONG_MIN / 1000n) {
        c.out.error(`ERR invalid expire time in '${name}' command`);
        return;
      }
      w *= 1000n;
    }
    const b = BigInt(base);
    if (w > LLONG_MAX - b) {
      c.out.error(`ERR invalid expire time in '${name}' command`);
      return;
    }
    when = Number(w + b);
  }
  const key = argv[1];
  const ks = c.ks;
  if (ks.get(c.db, key) === undefined) {
    c.out.int(0);
    return;
  }
  if (flags !== 0) {
    const cur = ks.getExpire(c.db, key);
    if ((flags & EXPIRE_NX && cur !== undefined) || (flags & EXPIRE_XX && cur === undefined) || (flags & EXPIRE_GT && (cur === undefined || when <= cur)) || (flags & EXPIRE_LT && cur !== undefined && when >= cur)) {
      c.out.int(0);
      return;
    }
  }
  if (when <= ks.now) ks.delete(c.db, key);
  else ks.setExpire(c.db, key, when);
  c.out.int(1);
}

/** TTL / PTTL / EXPIRETIME / PEXPIRETIME: -2 no key, -1 no expiry; seconds round as (ms+500)/1000. */
function ttlGeneric(c: ExecContext, argv: string[], ms: boolean, absolute: boolean): void {
  const ks = c.ks;
  if (ks.read(c.db, argv[1]) === undefined) {
    c.out.int(-2);
    return;
  }
  const e = ks.getExpire(c.db, argv[1]);
  if (e === undefined) {
    c.out.int(-1);
    return;
  }
  let ttl = absolute ? e : e - ks.now;
  if (ttl < 0) ttl = 0;
  c.out.int(ms ? ttl : Math.floor((ttl + 500) / 1000));
}

/** PERSIST key [member] (KeyDB: the key form drops member TTLs too, the member form only that member's). */
function persistHandler(c: ExecContext, argv: string[]): void {
  if (argv.length !== 2) return memberPersist(c, argv);
  const v = c.ks.get(c.db, argv[1]);
  if (v === undefined) return c.out.int(0);
  const key = c.ks.removeExpire(c.db, argv[1]);
  const members = persistAllMembers(v);
  if (members && !key) c.ks.update(c.db, argv[1], v);
  c.out.int(key || members ? 1 : 0);
}

// ---- the table -------------------------------------------------------------------

const KS_W = ['@keyspace', '@write'];
const KS_R = ['@keyspace', '@read'];

const del: CommandSpec = def('del', {
  arity: -2, flags: ['write'], keys: [1, -1, 1], acl: [...KS_W, '@slow'], group: 'generic', summary: 'Delete a key', since: '1.0.0', complexity: 'O(N) where N is the number of keys that will be removed. When a key to remove holds a value other than a string, the individual complexity for this key is O(M) where M is the number of elements in the list, set, sorted set or hash. Removing a single key that holds a string value is O(1).',
  handler: delHandler,
  cross: crossSumKeys(() => del),
  split: { span: 1, merge: 'sum' },
});

const unlink: CommandSpec = def('unlink', {
  arity: -2, flags: ['write', 'fast'], keys: [1, -1, 1], acl: [...KS_W, '@fast'], group: 'generic', summary: 'Delete a key asynchronously in another thread. Otherwise it is just as DEL, but non blocking.', since: '4.0.0', complexity: 'O(1) for each key removed regardless of its size. Then the command does O(N) work in a different thread in order to reclaim memory, where N is the number of allocations the deleted objects where composed of.',
  handler: delHandler,
  cross: crossSumKeys(() => unlink),
  split: { span: 1, merge: 'sum' },
});

const exists: CommandSpec = def('exists', {
  arity: -2, flags: ['readonly', 'fast'], keys: [1, -1, 1], acl: [...KS_R, '@fast'], group: 'generic', summary: 'Determine if a key exists', since: '1.0.0', complexity: 'O(N) where N is the number of keys to check.',
  handler: countLive,
  cross: crossSumKeys(() => exists),
  split: { span: 1, merge: 'sum' },
});

const touch: CommandSpec = def('touch', {
  arity: -2, flags: ['readonly', 'fast'], keys: [1, -1, 1], acl: [...KS_R, '@fast'], group: 'generic', summary: 'Alters the last access time of a key(s). Returns the number of existing keys specified.', since: '3.2.1', complexity: 'O(N) where N is the number of keys that will be touched.',
  handler: countLive,
  cross: crossSumKeys(() => touch),
  split: { span: 1, merge: 'sum' },
});

function expireDef(name: string, summary: string, since: string, relative: boolean, seconds: boolean): CommandSpec {
  return def(name, {
    arity: -3, flags: ['write', 'fast'], keys: [1, 1, 1], acl: [...KS_W, '@fast'], group: 'generic', summary, since, complexity: 'O(1)',
    handler: (c, argv) => expireGeneric(c, argv, relative, seconds, name),
  });
}

/** `member`: TTL / PTTL also take KeyDB's member argument (TTL key [member]). */
function ttlDef(name: string, summary: string, since: string, ms: boolean, absolute: boolean, member = false): CommandSpec {
  return def(name, {
    arity: member ? -2 : 2, flags: ['readonly', 'fast'], keys: [1, 1, 1], acl: [...KS_R, '@fast'], group: 'generic', summary, since, complexity: 'O(1)',
    handler: member ? (c, argv) => (argv.length === 2 ? ttlGeneric(c, argv, ms, absolute) : memberTtl(c, argv, ms)) : (c, argv) => ttlGeneric(c, argv, ms, absolute),
  });
}

export const keyspaceCommands: CommandSpec[] = [
  del,
  unlink,
  exists,
  touch,
  def('type', {
    arity: 2, flags: ['readonly', 'fast'], keys: [1, 1, 1], acl: [...KS_R, '@fast'], group: 'generic', summary: 'Determine the type stored at key', since: '1.0.0', complexity: 'O(1)',
    handler(c, argv) {
      const v = c.ks.read(c.db, argv[1]);
      c.out.simple(v === undefined ? 'none' : typeName(v));
    },
  }),
  def('keys', {
    arity: 2, flags: ['readonly'], acl: [...KS_R, '@slow', '@dangerous'], group: 'generic', summary: 'Find all keys matching the given pattern', since: '1.0.0', complexity: 'O(N) with N being the number of keys in the database, under the assumption that the key names in the database and the given pattern have limited length.', route: 'all',
    handler: keysHandler,
    cross: keysCross,
  }),
  def('scan', {
    arity: -2, flags: ['readonly'], acl: [...KS_R, '@slow'], group: 'generic', summary: 'Incrementally iterate the keys space', since: '2.8.0', complexity: 'O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.', route: 'all',
    // No per-shard handler: each call runs __scan steps through the coordinator.
    cross: scanCross,
  }),
  def('randomkey', {
    arity: 1, flags: ['readonly'], acl: [...KS_R, '@slow'], group: 'generic', summary: 'Return a random key from the keyspace', since: '1.0.0', complexity: 'O(1)', route: 'all',
    handler: randomKeyHandler,
    cross: randomKeyCross,
  }),
  def('rename', {
    arity: 3, flags: ['write'], keys: [1, 2, 1], acl: [...KS_W, '@slow'], group: 'generic', summary: 'Rename a key', since: '1.0.0', complexity: 'O(1)',
    handler: (c, argv) => renameHandler(c, argv, false),
    cross: (client, argv) => renameCross(client, argv, false),
  }),
  def('renamenx', {
    arity: 3, flags: ['write', 'fast'], keys: [1, 2, 1], acl: [...KS_W, '@fast'], group: 'generic', summary: 'Rename a key, only if the new key does not exist', since: '1.0.0', complexity: 'O(1)',
    handler: (c, argv) => renameHandler(c, argv, true),
    cross: (client, argv) => renameCross(client, argv, true),
  }),
  def('move', {
    arity: 3, flags: ['write', 'fast'], keys: [1, 1, 1], acl: [...KS_W, '@fast'], group: 'generic', summary: 'Move a key to another database', since: '1.0.0', complexity: 'O(1)',
    handler: moveHandler,
  }),
  def('copy', {
    arity: -3, flags: ['write', 'denyoom'], keys: [1, 2, 1], acl: [...KS_W, '@slow'], group: 'generic', summary: 'Copy a key', since: '6.2.0', complexity: 'O(N) worst case for collections, where N is the number of nested items. O(1) for string values.',
    handler: copyHandler,
    cross: copyCross,
  }),
  expireDef('expire', "Set a key's time to live in seconds", '1.0.0', true, true),
  expireDef('pexpire', "Set a key's time to live in milliseconds", '2.6.0', true, false),
  expireDef('expireat', 'Set the expiration for a key as a UNIX timestamp', '1.2.0', false, true),
  expireDef('pexpireat', 'Set the expiration for a key as a UNIX timestamp specified in milliseconds', '2.6.0', false, false),
  ttlDef('ttl', 'Get the time to live for a key in seconds', '1.0.0', false, false, true),
  ttlDef('pttl', 'Get the time to live for a key in milliseconds', '2.6.0', true, false, true),
  ttlDef('expiretime', 'Get the expiration Unix timestamp for a key', '7.0.0', false, true),
  ttlDef('pexpiretime', 'Get the expiration Unix timestamp for a key in milliseconds', '7.0.0', true, true),
  def('persist', {
    arity: -2, flags: ['write', 'fast'], keys: [1, 1, 1], acl: [...KS_W, '@fast'], group: 'generic', summary: 'Remove the expiration from a key', since: '2.2.0', complexity: 'O(1)',
    handler: persistHandler,
  }),
  def('dbsize', {
    arity: 1, flags: ['readonly', 'fast'], acl: [...KS_R, '@fast'], group: 'server', summary: 'Return the number of keys in the selected database', since: '1.0.0', complexity: 'O(1)', route: 'all',
    handler(c) { c.out.int(c.ks.size(c.db)); },
    async cross(client, argv) {
      const parts = await runOnAllShards(client, [argv], 'all');
      let n = 0;
      for (const p of parts) n += intValue(p[0]);
      client.out().int(n);
    },
  }),
  def('flushdb', {
    arity: -1, flags: ['write'], acl: [...KS_W, '@slow', '@dangerous'], group: 'server', summary: 'Remove all keys from the current database', since: '1.0.0', complexity: 'O(N) where N is the number of keys in the selected database', route: 'all',
    handler(c, argv) {
      const err = flushArgsError(argv);
      if (err !== null) return c.out.error(err);
      c.ks.flushDb(c.db);
      c.out.ok();
    },
    cross: crossAllOk((_client, argv) => flushArgsError(argv)),
  }),
  def('flushall', {
    arity: -1, flags: ['write'], acl: [...KS_W, '@slow', '@dangerous'], group: 'server', summary: 'Remove all keys from all databases', since: '1.0.0', complexity: 'O(N) where N is the total number of keys in all databases', route: 'all',
    handler(c, argv) {
      const err = flushArgsError(argv);
      if (err !== null) return c.out.error(err);
      c.ks.flushAll();
      c.out.ok();
    },
    cross: crossAllOk((_client, argv) => flushArgsError(argv)),
  }),
  def('swapdb', {
    arity: 3, flags: ['write', 'fast'], acl: [...KS_W, '@fast', '@dangerous'], group: 'server', summary: 'Swaps two Redis databases', since: '4.0.0', complexity: 'O(N) where N is the count of clients watching or blocking on keys from both databases.', route: 'all',
    handler(c, argv) {
      const ids = swapArgs(argv, c.ks.dbs.length);
      if (typeof ids === 'string') return c.out.error(ids);
      if (ids[0] !== ids[1]) c.ks.swapDb(ids[0], ids[1]);
      c.out.ok();
    },
    cross: crossAllOk((client, argv) => {
      const ids = swapArgs(argv, client.thread.ks.dbs.length);
      return typeof ids === 'string' ? ids : null;
    }),
  }),
  // Internal steps of the cross-shard forms (not visible to clients).
  def('__dump', { arity: 3, keys: [1, 1, 1], group: 'internal', summary: 'Serialize a value with its expiry', since: '0', handler: dumpHandler }),
  def('__restore', { arity: 6, keys: [1, 1, 1], group: 'internal', summary: 'Write a serialized value', since: '0', handler: restoreHandler }),
  def('__del', { arity: 2, keys: [1, 1, 1], group: 'internal', summary: 'Delete a key', since: '0', handler: internalDelHandler }),
  def('__scan', { arity: 6, group: 'internal', summary: 'One SCAN step on this shard', since: '0', handler: scanStepHandler }),
];
