// String commands (t_string.c): GET, SET and its variants, the GET* family,
// multi-key MGET / MSET / MSETNX, APPEND, STRLEN, ranges, counters,
// INCRBYFLOAT (x87 long double, emulated exactly) and LCS.
//
// Values: a latin1 string, or a JS number where Redis would use the int
// encoding (a string string2ll accepts, within the safe integer range), so
// counters stay numbers and GET prints them back identically. Commands that
// Redis makes produce a raw string (APPEND, SETRANGE, INCRBYFLOAT) store a
// string even when it looks like an integer.

import { def } from './define.ts';
import type { CommandSpec, ExecContext } from './types.ts';
import type { ReplyWriter } from '../proto/reply_writer.ts';
import type { Client } from '../shards/client.ts';
import type { Keyspace } from '../shards/keyspace.ts';
import { parseI64, parseLongDouble, longDoubleFromInt, addLongDouble, formatLongDoubleHuman, type LongDouble } from '../proto/number_format.ts';
import { runPerShard, crossArrayByKey, groupKeys, withTxn, writeSplitReply } from '../router/cross.ts';
import { keyShard } from '../router/slot.ts';
import { isError, intValue, stringValue } from '../proto/reply_reader.ts';
import { cstr } from '../proto/c_string.ts';

const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';
const NOT_INT = 'ERR value is not an integer or out of range';
const NOT_FLOAT = 'ERR value is not a valid float';
const SYNTAX = 'ERR syntax error';
const TOO_BIG = 'ERR string exceeds maximum allowed size (proto-max-bulk-len)';

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const I64_MAX = 9223372036854775807n;
const I64_MIN = -9223372036854775808n;
const TWO64 = 18446744073709551616n;
/** LLONG_MAX / 1000: the largest EX / EXAT value that does not overflow in milliseconds. */
const MAX_EXPIRE_SECONDS = 9223372036854775n;
/** The longest string V8 can hold; a longer result cannot be stored. */
const MAX_JS_STRING = 536870888;
const DEFAULT_MAX_BULK = 512 * 1024 * 1024;

/** The value to store for a string argument: its integer when Redis would int-encode it. */
export function encodeStringValue(s: string): string | number {
  const n = s.length;
  if (n === 0 || n > 20) return s;
  const c0 = s.charCodeAt(0);
  if ((c0 < 48 || c0 > 57) && c0 !== 45) return s;
  const v = parseI64(s);
  return typeof v === 'number' ? v : s;
}

/** The string form of a stored string value. */
function asString(v: string | number): string {
  return typeof v === 'number' ? String(v) : v;
}

/** proto-max-bulk-len (checkStringLength's limit). */
function maxBulkLen(c: { thread: { config: { num(name: string): number } } }): number {
  let v = NaN;
  try {
    v = Number(c.thread.config.num('proto-max-bulk-len'));
  } catch {
    // directive unknown to the config in use: Redis's default
  }
  return v > 0 ? v : DEFAULT_MAX_BULK;
}

/** Redis's checkStringLength: false (with the error written) when `size` exceeds the limit. */
function checkStringLength(c: ExecContext, size: number | bigint): boolean {
  const n = Number(size);
  if (n > maxBulkLen(c) || n > MAX_JS_STRING) {
    c.out.error(TOO_BIG);
    return false;
  }
  return true;
}

/** lookupKeyWrite's side effect: an expired key is removed (stats, notifications) before it is replaced. */
function expireBeforeWrite(ks: Keyspace, db: number, key: string): void {
  if (ks.dbs[db].expires.size !== 0) ks.get(db, key);
}

// ---- GET / SET ----------------------------------------------------------------

/** getGenericCommand: reply the value (or null); false after a WRONGTYPE error. */
function replyGet(c: ExecContext, key: string): boolean {
  const v = c.ks.read(c.db, key);
  if (v === undefined) c.out.nullBulk();
  else if (typeof v === 'string') c.out.bulk(v);
  else if (typeof v === 'number') c.out.bulkNumber(v);
  else {
    c.out.error(WRONGTYPE);
    return false;
  }
  return true;
}

function get(c: ExecContext, argv: string[]): void {
  const v = c.ks.read(c.db, argv[1]);
  if (v === undefined) c.out.nullBulk();
  else if (typeof v === 'string') c.out.bulk(v);
  else if (typeof v === 'number') c.out.bulkNumber(v);
  else c.out.error(WRONGTYPE);
}

// Option flags of SET / GETEX (parseExtendedStringArgumentsOrReply).
const O_NX = 1;
const O_XX = 2;
const O_EX = 4;
const O_PX = 8;
const O_KEEPTTL = 16;
const O_GET = 32;
const O_EXAT = 64;
const O_PXAT = 128;
const O_PERSIST = 256;
const O_ANY_EXPIRE = O_EX | O_PX | O_EXAT | O_PXAT;

/** argv index of the expire argument found by the last parseStringOptions. */
let expireArg = 0;

/** Parse SET (isSet) or GETEX options; -1 after a syntax error reply. */
function parseStringOptions(c: ExecContext, argv: string[], isSet: boolean): number {
  let flags = 0;
  expireArg = 0;
  const last = argv.length - 1;
  for (let j = isSet ? 3 : 2; j <= last; j++) {
    const opt = cstr(argv[j]).toUpperCase();
    const more = j < last;
    if (opt === 'NX' && isSet && (flags & O_XX) === 0) flags |= O_NX;
    else if (opt === 'XX' && isSet && (flags & O_NX) === 0) flags |= O_XX;
    else if (opt === 'GET' && isSet) flags |= O_GET;
    else if (opt === 'KEEPTTL' && isSet && (flags & (O_PERSIST | O_ANY_EXPIRE)) === 0) flags |= O_KEEPTTL;
    else if (opt === 'PERSIST' && !isSet && (flags & (O_ANY_EXPIRE | O_KEEPTTL)) === 0) flags |= O_PERSIST;
    else if (opt === 'EX' && more && (flags & (O_KEEPTTL | O_PERSIST | O_EXAT | O_PX | O_PXAT)) === 0) {
      flags |= O_EX;
      expireArg = ++j;
    } else if (opt === 'PX' && more && (flags & (O_KEEPTTL | O_PERSIST | O_EX | O_EXAT | O_PXAT)) === 0) {
      flags |= O_PX;
      expireArg = ++j;
    } else if (opt === 'EXAT' && more && (flags & (O_KEEPTTL | O_PERSIST | O_EX | O_PX | O_PXAT)) === 0) {
      flags |= O_EXAT;
      expireArg = ++j;
    } else if (opt === 'PXAT' && more && (flags & (O_KEEPTTL | O_PERSIST | O_EX | O_EXAT | O_PX)) === 0) {
      flags |= O_PXAT;
      expireArg = ++j;
    } else {
      c.out.error(SYNTAX);
      return -1;
    }
  }
  return flags;
}

/**
 * getExpireMillisecondsOrReply: the absolute expire time in ms for an
 * EX/PX (relative) or EXAT/PXAT (absolute) argument, or -1 after an error
 * reply. Overflow behaves as in C (wraps, then is caught as <= 0).
 */
function expireWhen(c: ExecContext, arg: string, flags: number, cmd: string): number {
  const v = parseI64(arg);
  if (v === null) {
    c.out.error(NOT_INT);
    return -1;
  }
  const seconds = (flags & (O_EX | O_EXAT)) !== 0;
  const relative = (flags & (O_EX | O_PX)) !== 0;
  if (typeof v === 'number') {
    if (v <= 0) {
      c.out.error(`ERR invalid expire time in '${cmd}' command`);
      return -1;
    }
    let ms = seconds ? v * 1000 : v;
    if (relative) ms += c.ks.now;
    if (ms <= MAX_SAFE) return ms;
  }
  let b = BigInt(v);
  if (b <= 0n || (seconds && b > MAX_EXPIRE_SECONDS)) {
    c.out.error(`ERR invalid expire time in '${cmd}' command`);
    return -1;
  }
  if (seconds) b *= 1000n;
  if (relative) {
    b += BigInt(c.ks.now);
    if (b > I64_MAX) b -= TWO64;
  }
  if (b <= 0n) {
    c.out.error(`ERR invalid expire time in '${cmd}' command`);
    return -1;
  }
  return Number(b);
}

function set(c: ExecContext, argv: string[]): void {
  const ks = c.ks;
  const db = c.db;
  const key = argv[1];
  if (argv.length === 3) {
    expireBeforeWrite(ks, db, key);
    ks.set(db, key, encodeStringValue(argv[2]));
    c.out.ok();
    return;
  }
  const flags = parseStringOptions(c, argv, true);
  if (flags < 0) return;
  let when = 0;
  if ((flags & O_ANY_EXPIRE) !== 0) {
    when = expireWhen(c, argv[expireArg], flags, 'set');
    if (when < 0) return;
  }
  if ((flags & O_GET) !== 0 && !replyGet(c, key)) return;
  const found = ks.get(db, key) !== undefined;
  if (((flags & O_NX) !== 0 && found) || ((flags & O_XX) !== 0 && !found)) {
    if ((flags & O_GET) === 0) c.out.nullBulk();
    return;
  }
  ks.set(db, key, encodeStringValue(argv[2]), (flags & O_KEEPTTL) !== 0);
  if (when !== 0) ks.setExpire(db, key, when);
  if ((flags & O_GET) === 0) c.out.ok();
}

function setnx(c: ExecContext, argv: string[]): void {
  const ks = c.ks;
  if (ks.get(c.db, argv[1]) !== undefined) {
    c.out.int(0);
    return;
  }
  ks.set(c.db, argv[1], encodeStringValue(argv[2]));
  c.out.int(1);
}

function setexGeneric(c: ExecContext, argv: string[], flag: number, cmd: string): void {
  const when = expireWhen(c, argv[2], flag, cmd);
  if (when < 0) return;
  const ks = c.ks;
  expireBeforeWrite(ks, c.db, argv[1]);
  ks.set(c.db, argv[1], encodeStringValue(argv[3]));
  ks.setExpire(c.db, argv[1], when);
  c.out.ok();
}

function getex(c: ExecContext, argv: string[]): void {
  const flags = parseStringOptions(c, argv, false);
  if (flags < 0) return;
  const ks = c.ks;
  const db = c.db;
  const key = argv[1];
  const v = ks.read(db, key);
  if (v === undefined) {
    c.out.nullBulk();
    return;
  }
  if (typeof v === 'object') {
    c.out.error(WRONGTYPE);
    return;
  }
  let when = 0;
  if ((flags & O_ANY_EXPIRE) !== 0) {
    when = expireWhen(c, argv[expireArg], flags, 'getex');
    if (when < 0) return;
  }
  if (typeof v === 'string') c.out.bulk(v);
  else c.out.bulkNumber(v);
  if ((flags & (O_EXAT | O_PXAT)) !== 0 && when <= ks.now) ks.delete(db, key);
  else if (when !== 0) ks.setExpire(db, key, when);
  else if ((flags & O_PERSIST) !== 0) ks.removeExpire(db, key);
}

function getdel(c: ExecContext, argv: string[]): void {
  const v = c.ks.read(c.db, argv[1]);
  if (v === undefined) c.out.nullBulk();
  else if (typeof v === 'object') c.out.error(WRONGTYPE);
  else {
    if (typeof v === 'string') c.out.bulk(v);
    else c.out.bulkNumber(v);
    c.ks.delete(c.db, argv[1]);
  }
}

function getset(c: ExecContext, argv: string[]): void {
  if (!replyGet(c, argv[1])) return;
  c.ks.set(c.db, argv[1], encodeStringValue(argv[2]));
}

// ---- multi-key ----------------------------------------------------------------

function mget(c: ExecContext, argv: string[]): void {
  const ks = c.ks;
  const out = c.out;
  out.array(argv.length - 1);
  for (let i = 1; i < argv.length; i++) {
    const v = ks.read(c.db, argv[i]);
    if (typeof v === 'string') out.bulk(v);
    else if (typeof v === 'number') out.bulkNumber(v);
    else out.nullBulk();
  }
}

function msetArity(name: string): string {
  return `ERR wrong number of arguments for '${name}' command`;
}

function mset(c: ExecContext, argv: string[]): void {
  if ((argv.length & 1) === 0) {
    c.out.error(msetArity('mset'));
    return;
  }
  const ks = c.ks;
  for (let i = 1; i < argv.length; i += 2) {
    expireBeforeWrite(ks, c.db, argv[i]);
    ks.set(c.db, argv[i], encodeStringValue(argv[i + 1]));
  }
  c.out.ok();
}

function msetnx(c: ExecContext, argv: string[]): void {
  if ((argv.length & 1) === 0) {
    c.out.error(msetArity('msetnx'));
    return;
  }
  const ks = c.ks;
  for (let i = 1; i < argv.length; i += 2) {
    if (ks.get(c.db, argv[i]) !== undefined) {
      c.out.int(0);
      return;
    }
  }
  for (let i = 1; i < argv.length; i += 2) ks.set(c.db, argv[i], encodeStringValue(argv[i + 1]));
  c.out.int(1);
}

/** Internal step of a cross-shard MSETNX: how many of the keys exist here. */
function msetnxCheck(c: ExecContext, argv: string[]): void {
  let n = 0;
  for (let i = 1; i < argv.length; i++) if (c.ks.get(c.db, argv[i]) !== undefined) n++;
  c.out.int(n);
}

function pairKeyPositions(argc: number): number[] {
  const positions: number[] = [];
  for (let i = 1; i < argc; i += 2) positions.push(i);
  return positions;
}

async function mgetCross(client: Client, argv: string[]): Promise<void> {
  const positions: number[] = [];
  for (let i = 1; i < argv.length; i++) positions.push(i);
  await crossArrayByKey(client, argv, positions);
}

async function msetCross(client: Client, argv: string[]): Promise<void> {
  if ((argv.length & 1) === 0) {
    client.out().error(msetArity('mset'));
    return;
  }
  const positions = pairKeyPositions(argv.length);
  const parts = await runPerShard(client, argv, positions, 2);
  // client.out() after the wait: the thread's writer belongs to whoever ran meanwhile.
  writeSplitReply(client.out(), 'ok', positions, parts);
}

/**
 * MSETNX across shards, two phases in one transaction: lock the keys and
 * count the existing ones on every shard (ascending); only when none exists,
 * set every shard's pairs while the locks are still held.
 */
async function msetnxCross(client: Client, argv: string[]): Promise<void> {
  if ((argv.length & 1) === 0) {
    client.out().error(msetArity('msetnx'));
    return;
  }
  const groups = groupKeys(argv, pairKeyPositions(argv.length), client.thread.threads);
  const done = await withTxn(client, async (t) => {
    for (const g of groups) {
      const keys: string[] = [];
      for (const p of g.positions) keys.push(argv[p]);
      const [r] = await t.step(g.shard, [['__msetnx_check', ...keys]], keys);
      if (isError(r)) return r;
      if (intValue(r) !== 0) return 0;
    }
    for (const g of groups) {
      const cmd = [argv[0]];
      for (const p of g.positions) cmd.push(argv[p], argv[p + 1]);
      const [r] = await t.step(g.shard, [cmd], null);
      if (isError(r)) return r;
    }
    return 1;
  });
  if (typeof done === 'number') client.out().int(done);
  else client.out().raw(done);
}

// ---- APPEND / STRLEN / ranges ------------------------------------------------

function append(c: ExecContext, argv: string[]): void {
  const ks = c.ks;
  const v = ks.get(c.db, argv[1]);
  if (v === undefined) {
    ks.set(c.db, argv[1], encodeStringValue(argv[2]));
    c.out.int(argv[2].length);
    return;
  }
  if (typeof v === 'object') {
    c.out.error(WRONGTYPE);
    return;
  }
  const old = asString(v);
  const total = old.length + argv[2].length;
  if (!checkStringLength(c, total)) return;
  ks.update(c.db, argv[1], old + argv[2]);
  c.out.int(total);
}

function strlen(c: ExecContext, argv: string[]): void {
  const v = c.ks.read(c.db, argv[1]);
  if (v === undefined) c.out.int(0);
  else if (typeof v === 'string') c.out.int(v.length);
  else if (typeof v === 'number') c.out.int(String(v).length);
  else c.out.error(WRONGTYPE);
}

function getrange(c: ExecContext, argv: string[]): void {
  const s0 = parseI64(argv[2]);
  if (s0 === null) {
    c.out.error(NOT_INT);
    return;
  }
  const e0 = parseI64(argv[3]);
  if (e0 === null) {
    c.out.error(NOT_INT);
    return;
  }
  const v = c.ks.read(c.db, argv[1]);
  if (v === undefined) {
    c.out.bulk('');
    return;
  }
  if (typeof v === 'object') {
    c.out.error(WRONGTYPE);
    return;
  }
  const str = asString(v);
  const len = str.length;
  if (s0 < 0 && e0 < 0 && s0 > e0) {
    c.out.bulk('');
    return;
  }
  // Beyond the safe range only the sign matters against a string length.
  let start = Number(s0);
  let end = Number(e0);
  if (start < 0) start = len + start;
  if (end < 0) end = len + end;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= len) end = len - 1;
  if (start > end || len === 0) c.out.bulk('');
  else c.out.bulk(str.slice(start, end + 1));
}

function setrange(c: ExecContext, argv: string[]): void {
  const off = parseI64(argv[2]);
  if (off === null) {
    c.out.error(NOT_INT);
    return;
  }
  if (off < 0) {
    c.out.error('ERR offset is out of range');
    return;
  }
  const val = argv[3];
  const ks = c.ks;
  const v = ks.get(c.db, argv[1]);
  if (v === undefined) {
    if (val.length === 0) {
      c.out.int(0);
      return;
    }
    if (!checkStringLength(c, Number(off) + val.length)) return;
    const s = '\0'.repeat(Number(off)) + val;
    ks.set(c.db, argv[1], s);
    c.out.int(s.length);
    return;
  }
  if (typeof v === 'object') {
    c.out.error(WRONGTYPE);
    return;
  }
  const old = asString(v);
  if (val.length === 0) {
    c.out.int(old.length);
    return;
  }
  if (!checkStringLength(c, Number(off) + val.length)) return;
  const o = Number(off);
  let s: string;
  if (o >= old.length) s = (o > old.length ? old + '\0'.repeat(o - old.length) : old) + val;
  else if (o + val.length >= old.length) s = old.slice(0, o) + val;
  else s = old.slice(0, o) + val + old.slice(o + val.length);
  ks.update(c.db, argv[1], s);
  c.out.int(s.length);
}

// ---- counters -----------------------------------------------------------------

function incrDecr(c: ExecContext, key: string, by: number | bigint): void {
  const ks = c.ks;
  const db = c.db;
  // One lookup for the read and the store of an existing key.
  const e = ks.entry(db, key);
  const v = e < 0 ? undefined : ks.entryValue(db, e);
  let cur: number | bigint;
  if (v === undefined) cur = 0;
  else if (typeof v === 'number') cur = v;
  else if (typeof v === 'string') {
    const p = parseI64(v);
    if (p === null) {
      c.out.error(NOT_INT);
      return;
    }
    cur = p;
  } else {
    c.out.error(WRONGTYPE);
    return;
  }
  if (typeof cur === 'number' && typeof by === 'number') {
    const r = cur + by;
    if (r <= MAX_SAFE && r >= -MAX_SAFE) {
      if (v === undefined) ks.set(db, key, r);
      else ks.replaceAt(db, e, r);
      c.out.int(r);
      return;
    }
  }
  const r = BigInt(cur) + BigInt(by);
  if (r > I64_MAX || r < I64_MIN) {
    c.out.error('ERR increment or decrement would overflow');
    return;
  }
  const stored = r <= 9007199254740991n && r >= -9007199254740991n ? Number(r) : r.toString();
  if (v === undefined) ks.set(db, key, stored);
  else ks.replaceAt(db, e, stored);
  c.out.bigint(r);
}

function incr(c: ExecContext, argv: string[]): void {
  incrDecr(c, argv[1], 1);
}

function decr(c: ExecContext, argv: string[]): void {
  incrDecr(c, argv[1], -1);
}

function incrby(c: ExecContext, argv: string[]): void {
  const by = parseI64(argv[2]);
  if (by === null) c.out.error(NOT_INT);
  else incrDecr(c, argv[1], by);
}

function decrby(c: ExecContext, argv: string[]): void {
  const by = parseI64(argv[2]);
  if (by === null) c.out.error(NOT_INT);
  else if (by === I64_MIN) c.out.error('ERR decrement would overflow');
  else incrDecr(c, argv[1], typeof by === 'number' ? 0 - by : -by);
}

function incrbyfloat(c: ExecContext, argv: string[]): void {
  const ks = c.ks;
  const v = ks.get(c.db, argv[1]);
  let cur: LongDouble | null;
  if (v === undefined) cur = longDoubleFromInt(0);
  else if (typeof v === 'number') cur = longDoubleFromInt(v);
  else if (typeof v === 'string') cur = parseLongDouble(v);
  else {
    c.out.error(WRONGTYPE);
    return;
  }
  const inc = cur === null ? null : parseLongDouble(argv[2]);
  if (cur === null || inc === null) {
    c.out.error(NOT_FLOAT);
    return;
  }
  const sum = addLongDouble(cur, inc);
  const s = sum === null || sum.inf ? null : formatLongDoubleHuman(sum);
  if (s === null) {
    c.out.error('ERR increment would produce NaN or Infinity');
    return;
  }
  if (v === undefined) ks.set(c.db, argv[1], s);
  else ks.update(c.db, argv[1], s);
  c.out.bulk(s);
}

// ---- LCS ----------------------------------------------------------------------

/**
 * LCS of a and b with the options in argv[3..] (lcsCommand), replying on out:
 * the string, its length (LEN) or the matching ranges (IDX).
 */
export function lcsReply(out: ReplyWriter, a: string, b: string, argv: string[], maxBulk: number): void {
  let getlen = false;
  let getidx = false;
  let withmatchlen = false;
  let minmatchlen = 0;
  for (let j = 3; j < argv.length; j++) {
    const opt = cstr(argv[j]).toUpperCase();
    const more = argv.length - 1 - j;
    if (opt === 'IDX') getidx = true;
    else if (opt === 'LEN') getlen = true;
    else if (opt === 'WITHMATCHLEN') withmatchlen = true;
    else if (opt === 'MINMATCHLEN' && more > 0) {
      const v = parseI64(argv[j + 1]);
      if (v === null) {
        out.error(NOT_INT);
        return;
      }
      minmatchlen = v < 0 ? 0 : Number(v);
      j++;
    } else {
      out.error(SYNTAX);
      return;
    }
  }
  if (getlen && getidx) {
    out.error('ERR If you want both the length and indexes, please just use IDX.');
    return;
  }
  const alen = a.length;
  const blen = b.length;
  const w = blen + 1;
  const cells = (alen + 1) * w;
  if (cells * 4 > maxBulk) {
    out.error('ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len');
    return;
  }
  // LCS(i, j) = length of the LCS of a[0..i) and b[0..j), at T[i * w + j]; the
  // narrowest array that holds min(alen, blen).
  const top = alen < blen ? alen : blen;
  let T: Uint8Array | Uint16Array | Uint32Array;
  try {
    T = top < 256 ? new Uint8Array(cells) : top < 65536 ? new Uint16Array(cells) : new Uint32Array(cells);
  } catch {
    out.error('ERR Insufficient memory, failed allocating transient memory for LCS');
    return;
  }
  const A = Buffer.from(a, 'latin1');
  const B = Buffer.from(b, 'latin1');
  for (let i = 1; i <= alen; i++) {
    const row = i * w;
    const prev = row - w;
    const ai = A[i - 1];
    for (let j = 1; j <= blen; j++) {
      if (ai === B[j - 1]) T[row + j] = T[prev + j - 1] + 1;
      else {
        const l1 = T[prev + j];
        const l2 = T[row + j - 1];
        T[row + j] = l1 > l2 ? l1 : l2;
      }
    }
  }
  const total = T[alen * w + blen];
  if (getlen && !getidx) {
    out.int(total);
    return;
  }
  // Walk back from the end, collecting the LCS bytes and the matching ranges.
  const result = Buffer.allocUnsafe(total);
  const ranges: number[] = [];
  let idx = total;
  let i = alen;
  let j = blen;
  let as = alen; // alen: no range open
  let ae = 0;
  let bs = 0;
  let be = 0;
  while (i > 0 && j > 0) {
    let emit = false;
    if (A[i - 1] === B[j - 1]) {
      result[idx - 1] = A[i - 1];
      if (as === alen) {
        as = ae = i - 1;
        bs = be = j - 1;
      } else if (as === i && bs === j) {
        as--;
        bs--;
      } else emit = true;
      if (as === 0 || bs === 0) emit = true;
      idx--;
      i--;
      j--;
    } else {
      if (T[(i - 1) * w + j] > T[i * w + j - 1]) i--;
      else j--;
      if (as !== alen) emit = true;
    }
    if (emit) {
      const mlen = ae - as + 1;
      if (getidx && (minmatchlen === 0 || mlen >= minmatchlen)) ranges.push(as, ae, bs, be, mlen);
      as = alen;
    }
  }
  if (!getidx) {
    out.bulk(result.latin1Slice(0, total));
    return;
  }
  out.map(2);
  out.bulk('matches');
  out.array(ranges.length / 5);
  for (let k = 0; k < ranges.length; k += 5) {
    out.array(withmatchlen ? 3 : 2);
    out.array(2);
    out.int(ranges[k]);
    out.int(ranges[k + 1]);
    out.array(2);
    out.int(ranges[k + 2]);
    out.int(ranges[k + 3]);
    if (withmatchlen) out.int(ranges[k + 4]);
  }
  out.bulk('len');
  out.int(total);
}

const LCS_TYPES = 'ERR The specified keys must contain string values';

function lcs(c: ExecContext, argv: string[]): void {
  const va = c.ks.read(c.db, argv[1]);
  const vb = c.ks.read(c.db, argv[2]);
  if (typeof va === 'object' || typeof vb === 'object') {
    c.out.error(LCS_TYPES);
    return;
  }
  lcsReply(c.out, va === undefined ? '' : asString(va), vb === undefined ? '' : asString(vb), argv, maxBulkLen(c));
}

/** Internal step of a cross-shard LCS: the key's string value, null, or an error for another type. */
function lcsValue(c: ExecContext, argv: string[]): void {
  replyGet(c, argv[1]);
}

/** LCS whose two keys live on different shards: read both under their locks, compute here. */
async function lcsCross(client: Client, argv: string[]): Promise<void> {
  const n = client.thread.threads;
  const replies = await withTxn(client, (t) =>
    t.lockAll([
      { shard: keyShard(argv[1], n), cmds: [['__lcs_value', argv[1]]], lock: [argv[1]] },
      { shard: keyShard(argv[2], n), cmds: [['__lcs_value', argv[2]]], lock: [argv[2]] },
    ]),
  );
  const ra = replies[0][0];
  const rb = replies[1][0];
  const out = client.out();
  if (isError(ra) || isError(rb)) {
    out.error(LCS_TYPES);
    return;
  }
  lcsReply(out, stringValue(ra) ?? '', stringValue(rb) ?? '', argv, maxBulkLen(client));
}

// ---- the table ----------------------------------------------------------------

const W_STR = ['@write', '@string'];
const R_STR = ['@read', '@string'];

const mgetSpec = def('mget', { arity: -2, flags: ['readonly', 'fast'], keys: [1, -1, 1], acl: [...R_STR, '@fast'], group: 'string', summary: 'Get the values of all the given keys', since: '1.0.0', complexity: 'O(N) where N is the number of keys to retrieve.', handler: mget, cross: mgetCross, split: { span: 1, merge: 'array' } });

export const stringCommands: CommandSpec[] = [
  def('get', { arity: 2, flags: ['readonly', 'fast'], keys: [1, 1, 1], acl: [...R_STR, '@fast'], group: 'string', summary: 'Get the value of a key', since: '1.0.0', complexity: 'O(1)', handler: get }),
  def('set', { arity: -3, flags: ['write', 'denyoom'], keys: [1, 1, 1], acl: [...W_STR, '@slow'], group: 'string', summary: 'Set the string value of a key', since: '1.0.0', complexity: 'O(1)', handler: set }),
  def('setnx', { arity: 3, flags: ['write', 'denyoom', 'fast'], keys: [1, 1, 1], acl: [...W_STR, '@fast'], group: 'string', summary: 'Set the value of a key, only if the key does not exist', since: '1.0.0', complexity: 'O(1)', handler: setnx }),
  def('setex', { arity: 4, flags: ['write', 'denyoom'], keys: [1, 1, 1], acl: [...W_STR, '@slow'], group: 'string', summary: 'Set the value and expiration of a key', since: '2.0.0', complexity: 'O(1)', handler: (c, argv) => setexGeneric(c, argv, O_EX, 'setex') }),
  def('psetex', { arity: 4, flags: ['write', 'denyoom'], keys: [1, 1, 1], acl: [...W_STR, '@slow'], group: 'string', summary: 'Set the value and expiration in milliseconds of a key', since: '2.6.0', complexity: 'O(1)', handler: (c, argv) => setexGeneric(c, argv, O_PX, 'psetex') }),
  def('getex', { arity: -2, flags: ['write', 'fast'], keys: [1, 1, 1], acl: [...W_STR, '@fast'], group: 'string', summary: 'Get the value of a key and optionally set its expiration', since: '6.2.0', complexity: 'O(1)', handler: getex }),
  def('getdel', { arity: 2, flags: ['write', 'fast'], keys: [1, 1, 1], acl: [...W_STR, '@fast'], group: 'string', summary: 'Get the value of a key and delete the key', since: '6.2.0', complexity: 'O(1)', handler: getdel }),
  def('getset', { arity: 3, flags: ['write', 'denyoom', 'fast'], keys: [1, 1, 1], acl: [...W_STR, '@fast'], group: 'string', summary: 'Set the string value of a key and return its old value', since: '1.0.0', complexity: 'O(1)', handler: getset }),
  mgetSpec,
  def('mset', { arity: -3, flags: ['write', 'denyoom'], keys: [1, -1, 2], acl: [...W_STR, '@slow'], group: 'string', summary: 'Set multiple keys to multiple values', since: '1.0.1', complexity: 'O(N) where N is the number of keys to set.', handler: mset, cross: msetCross, split: { span: 2, merge: 'ok' } }),
  def('msetnx', { arity: -3, flags: ['write', 'denyoom'], keys: [1, -1, 2], acl: [...W_STR, '@slow'], group: 'string', summary: 'Set multiple keys to multiple values, only if none of the keys exist', since: '1.0.1', complexity: 'O(N) where N is the number of keys to set.', handler: msetnx, cross: msetnxCross }),
  def('append', { arity: 3, flags: ['write', 'denyoom', 'fast'], keys: [1, 1, 1], acl: [...W_STR, '@fast'], group: 'string', summary: 'Append a value to a key', since: '2.0.0', complexity: 'O(1). The amortized time complexity is O(1) assuming the appended value is small and the already present value is of any size, since the dynamic string library used by Redis will double the free space available on every reallocation.', handler: append }),
  def('strlen', { arity: 2, flags: ['readonly', 'fast'], keys: [1, 1, 1], acl: [...R_STR, '@fast'], group: 'string', summary: 'Get the length of the value stored in a key', since: '2.2.0', complexity: 'O(1)', handler: strlen }),
  def('incr', { arity: 2, flags: ['write', 'denyoom', 'fast'], keys: [1, 1, 1], acl: [...W_STR, '@fast'], group: 'string', summary: 'Increment the integer value of a key by one', since: '1.0.0', complexity: 'O(1)', handler: incr }),
  def('decr', { arity: 2, flags: ['write', 'denyoom', 'fast'], keys: [1, 1, 1], acl: [...W_STR, '@fast'], group: 'string', summary: 'Decrement the integer value of a key by one', since: '1.0.0', complexity: 'O(1)', handler: decr }),
  def('incrby', { arity: 3, flags: ['write', 'denyoom', 'fast'], keys: [1, 1, 1], acl: [...W_STR, '@fast'], group: 'string', summary: 'Increment the integer value of a key by the given amount', since: '1.0.0', complexity: 'O(1)', handler: incrby }),
  def('decrby', { arity: 3, flags: ['write', 'denyoom', 'fast'], keys: [1, 1, 1], acl: [...W_STR, '@fast'], group: 'string', summary: 'Decrement the integer value of a key by the given number', since: '1.0.0', complexity: 'O(1)', handler: decrby }),
  def('incrbyfloat', { arity: 3, flags: ['write', 'denyoom', 'fast'], keys: [1, 1, 1], acl: [...W_STR, '@fast'], group: 'string', summary: 'Increment the float value of a key by the given amount', since: '2.6.0', complexity: 'O(1)', handler: incrbyfloat }),
  def('getrange', { arity: 4, flags: ['readonly'], keys: [1, 1, 1], acl: [...R_STR, '@slow'], group: 'string', summary: 'Get a substring of the string stored at a key', since: '2.4.0', complexity: 'O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings.', handler: getrange }),
  def('substr', { arity: 4, flags: ['readonly'], keys: [1, 1, 1], acl: [...R_STR, '@slow'], group: 'string', summary: 'Get a substring of the string stored at a key', since: '1.0.0', complexity: 'O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings.', handler: getrange }),
  def('setrange', { arity: 4, flags: ['write', 'denyoom'], keys: [1, 1, 1], acl: [...W_STR, '@slow'], group: 'string', summary: 'Overwrite part of a string at key starting at the specified offset', since: '2.2.0', complexity: 'O(1), not counting the time taken to copy the new string in place. Usually, this string is very small so the amortized complexity is O(1). Otherwise, complexity is O(M) with M being the length of the value argument.', handler: setrange }),
  def('lcs', { arity: -3, flags: ['readonly'], keys: [1, 2, 1], acl: [...R_STR, '@slow'], group: 'string', summary: 'Find longest common substring', since: '7.0.0', complexity: 'O(N*M) where N and M are the lengths of s1 and s2, respectively', handler: lcs, cross: lcsCross }),
  // Internal steps of the cross-shard coordinators (invisible to clients).
  def('__msetnx_check', { arity: -2, flags: ['write'], keys: [1, -1, 1], group: 'internal', summary: 'MSETNX phase one: count existing keys', since: '7.0.0', handler: msetnxCheck }),
  def('__lcs_value', { arity: 2, flags: ['readonly'], keys: [1, 1, 1], group: 'internal', summary: 'LCS: read one string value', since: '7.0.0', handler: lcsValue }),
];
