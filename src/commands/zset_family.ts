// Sorted set commands (t_zset.c): ZADD and its options, ZINCRBY, ZREM, ZCARD,
// the counting, score, rank and range commands (ZRANGE in all its forms and
// ZRANGESTORE), range removals, ZPOP* / ZMPOP, ZRANDMEMBER, the set
// operations (ZUNION / ZINTER / ZDIFF, their STORE forms, ZINTERCARD),
// ZSCAN, and the blocking BZPOPMIN / BZPOPMAX / BZMPOP (on blocking.ts), with
// Redis 7.0's argument checks, error texts, check order and reply shapes
// (RESP2 flat arrays, RESP3 doubles and nested pairs).
//
// Commands whose keys span shards (the set operations, ZRANGESTORE, ZMPOP)
// run through a cross-shard transaction: every key involved is locked in
// ascending shard order, the source values are fetched with __zfetch (their
// codec payload), the command's own code computes the result on the
// coordinator, and a STORE writes it with __zstore, all under the locks.
// The computing code is the same as on the single-shard path: it reads its
// inputs through a Source (the shard's keyspace, or the fetched values).

import { def } from './define.ts';
import type { CommandSpec, ExecContext } from './types.ts';
import type { ReplyWriter } from '../proto/reply_writer.ts';
import type { Client } from '../shards/client.ts';
import type { Keyspace, StoredValue } from '../shards/keyspace.ts';
import { parseI64, parseDouble, formatDouble } from '../proto/number_format.ts';
import { groupKeys, withTxn } from '../router/cross.ts';
import { keyShard } from '../router/slot.ts';
import { isError, stringValue } from '../proto/reply_reader.ts';
import { encodeValue, decodeValue, ValueCodecError } from '../shards/value_codec.ts';
import { liveValue } from '../shards/subkey_expire.ts';
import type { CrossShardTxn } from '../router/txn.ts';
import { stringMatch } from '../config/glob.ts';
import { ZSetValue, ZCursor } from '../shards/types/zset.ts';
import { registerBlockingCommand, parseTimeout, canBlock, blockHere, blockAcrossShards, SERVED, NOT_SERVED, type BlockingCommand, type WaitInfo } from '../shards/blocking.ts';
import { SetValue } from '../shards/types/set.ts';
import { cstr } from '../proto/c_string.ts';

const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';
const NOT_FLOAT = 'ERR value is not a valid float';
const NOT_INT = 'ERR value is not an integer or out of range';
const SYNTAX = 'ERR syntax error';
const RANGE_NOT_FLOAT = 'ERR min or max is not a float';
const RANGE_NOT_LEX = 'ERR min or max not valid string range item';
const NAN_SCORE = 'ERR resulting score is not a number (NaN)';
const NOT_POSITIVE = 'ERR value is out of range, must be positive';

// ---- small helpers --------------------------------------------------------------

/** An option word, lowercased for strcasecmp-style comparison; '' when it cannot be one. */
function opt(s: string): string {
  // Every option name starts with a letter; a score, count or range (ZADD's common case) does not,
  // and needs no lowercased copy.
  const c = s.charCodeAt(0) | 0x20;
  if (!(c >= 0x61 && c <= 0x7a)) return '';
  const t = cstr(s);
  return t.length > 16 ? '' : t.toLowerCase();
}

/** getLongFromObjectOrReply: the value (huge ones as imprecise numbers), or null. */
function parseLong(s: string): number | null {
  const v = parseI64(s);
  if (v === null) return null;
  return typeof v === 'number' ? v : Number(v);
}

const LONG_MAX = 9223372036854775807;

// ---- thresholds ------------------------------------------------------------------

interface ZCfg {
  es: string | undefined;
  vs: string | undefined;
  entries: number;
  value: number;
}

const cfgCache = new WeakMap<object, ZCfg>();

interface ConfigLike {
  get(name: string): string | undefined;
  num(name: string): number;
}

/** zset-max-listpack-entries / zset-max-listpack-value, re-read when CONFIG SET changed them. */
function zcfg(conf: ConfigLike): ZCfg {
  const es = conf.get('zset-max-listpack-entries');
  const vs = conf.get('zset-max-listpack-value');
  let z = cfgCache.get(conf);
  if (z === undefined || z.es !== es || z.vs !== vs) {
    z = { es, vs, entries: es === undefined ? 128 : conf.num('zset-max-listpack-entries'), value: vs === undefined ? 64 : conf.num('zset-max-listpack-value') };
    cfgCache.set(conf, z);
  }
  return z;
}

/** Encoding of a set built in one go (STORE results): skiplist unless it fits the listpack limits. */
function buildSkiplist(count: number, maxLen: number, cfg: ZCfg): boolean {
  return count > cfg.entries || maxLen > cfg.value;
}

// ---- where values come from ---------------------------------------------------------

/** Reads a command's keys: the shard's keyspace, or values fetched from other shards (cross-shard). */
interface Source {
  lookup(key: string, read: boolean): StoredValue | undefined;
}

class LocalSource implements Source {
  ks!: Keyspace;
  db = 0;
  lookup(key: string, read: boolean): StoredValue | undefined {
    return liveValue(this.ks, this.db, key, read);
  }
}

const LOCAL = new LocalSource();

function local(c: ExecContext): LocalSource {
  LOCAL.ks = c.ks;
  LOCAL.db = c.db;
  return LOCAL;
}

class FetchedSource implements Source {
  readonly values = new Map<string, StoredValue | undefined>();
  lookup(key: string): StoredValue | undefined {
    return this.values.get(key);
  }
}

/** The live value at key as a sorted set: the value, null when missing, WRONG for another type. */
const WRONG = 0;

function zget(src: Source, key: string, read: boolean): ZSetValue | null | typeof WRONG {
  const v = src.lookup(key, read);
  if (v === undefined) return null;
  return v instanceof ZSetValue ? v : WRONG;
}

// ---- score and lex ranges -------------------------------------------------------------

const HEX_FLOAT = /^0x([0-9a-f]+\.?[0-9a-f]*|\.[0-9a-f]+)(p[+-]?\d+)?$/;
const DEC_FLOAT = /^(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/;

/**
 * strtod on a whole C string, as zslParseRange uses it: leading white space
 * allowed, the empty string is 0, overflow gives inf and underflow 0 (no
 * ERANGE check), NaN rejected. null when invalid.
 */
function strtodFull(raw: string): number | null {
  const s = cstr(raw);
  let i = 0;
  while (i < s.length) {
    const ch = s.charCodeAt(i);
    if (ch === 32 || (ch >= 9 && ch <= 13)) i++;
    else break;
  }
  if (i === s.length) return s.length === 0 ? 0 : null;
  let t = (i === 0 ? s : s.slice(i)).toLowerCase();
  let sign = 1;
  const c0 = t.charCodeAt(0);
  if (c0 === 43 || c0 === 45) {
    if (c0 === 45) sign = -1;
    t = t.slice(1);
  }
  if (t === 'inf' || t === 'infinity') return sign * Infinity;
  if (DEC_FLOAT.test(t)) return sign * Number(t);
  const h = HEX_FLOAT.exec(t);
  if (h !== null) {
    const body = h[1];
    const dot = body.indexOf('.');
    const ip = dot < 0 ? body : body.slice(0, dot);
    const fp = dot < 0 ? '' : body.slice(dot + 1);
    let v = 0;
    for (let k = 0; k < ip.length; k++) v = v * 16 + parseInt(ip[k], 16);
    let scale = 1 / 16;
    for (let k = 0; k < fp.length; k++, scale /= 16) v += parseInt(fp[k], 16) * scale;
    const e = h[2] !== undefined ? Number(h[2].slice(1)) : 0;
    return sign * v * Math.pow(2, e);
  }
  return null;
}

/** A parsed score range (zrangespec). */
class ScoreRange {
  min = 0;
  max = 0;
  minex = false;
  maxex = false;
}

function parseScoreItem(s: string, r: ScoreRange, isMin: boolean): boolean {
  let ex = false;
  let v: number | null;
  if (s.charCodeAt(0) === 40 /* ( */) {
    ex = true;
    v = strtodFull(s.slice(1));
  } else v = strtodFull(s);
  if (v === null) return false;
  if (isMin) {
    r.min = v;
    r.minex = ex;
  } else {
    r.max = v;
    r.maxex = ex;
  }
  return true;
}

/** zslParseRange into r; false when either end is not a float. */
function parseScoreRange(min: string, max: string, r: ScoreRange): boolean {
  return parseScoreItem(min, r, true) && parseScoreItem(max, r, false);
}

/** [lo, hi) ranks of the elements inside a score range (hi <= lo when none). */
function scoreSpan(z: ZSetValue, r: ScoreRange): void {
  spanLo = z.countScoreBelow(r.min, r.minex);
  spanHi = z.countScoreBelow(r.max, !r.maxex);
}

let spanLo = 0;
let spanHi = 0;

/** A lex range end: kind -1 '-', 1 '+', 0 a string. */
class LexRange {
  min = '';
  minKind = 0;
  minex = false;
  max = '';
  maxKind = 0;
  maxex = false;
}

function parseLexItem(s: string, r: LexRange, isMin: boolean): boolean {
  const c0 = s.length === 0 ? 0 : s.charCodeAt(0);
  let kind = 0;
  let ex = false;
  let val = '';
  if (c0 === 43 /* + */ || c0 === 45 /* - */) {
    if (s.length > 1 && s.charCodeAt(1) !== 0) return false;
    kind = c0 === 43 ? 1 : -1;
    ex = true;
  } else if (c0 === 40 /* ( */) {
    ex = true;
    val = s.slice(1);
  } else if (c0 === 91 /* [ */) {
    val = s.slice(1);
  } else return false;
  if (isMin) {
    r.min = val;
    r.minKind = kind;
    r.minex = ex;
  } else {
    r.max = val;
    r.maxKind = kind;
    r.maxex = ex;
  }
  return true;
}

function parseLexRange(min: string, max: string, r: LexRange): boolean {
  return parseLexItem(min, r, true) && parseLexItem(max, r, false);
}

/** sdscmplex on the two ends. */
function lexEndsCmp(r: LexRange): number {
  if (r.minKind !== 0 || r.maxKind !== 0) {
    if (r.minKind === r.maxKind) return 0;
    if (r.minKind === -1 || r.maxKind === 1) return -1;
    return 1;
  }
  return r.min < r.max ? -1 : r.min > r.max ? 1 : 0;
}

function lexGteMin(m: string, r: LexRange): boolean {
  if (r.minKind !== 0) return r.minKind === -1;
  return r.minex ? m > r.min : m >= r.min;
}

function lexLteMax(m: string, r: LexRange): boolean {
  if (r.maxKind !== 0) return r.maxKind === 1;
  return r.maxex ? m < r.max : m <= r.max;
}

/**
 * [spanLo, spanHi) ranks of a lex range. A listpack is scanned as Redis scans
 * it (first element >= min from the head, or last element <= max from the
 * tail when `rev`); a skiplist is searched by member order.
 */
function lexSpan(z: ZSetValue, r: LexRange, rev: boolean): void {
  spanLo = 0;
  spanHi = 0;
  const cmp = lexEndsCmp(r);
  if (cmp > 0 || (cmp === 0 && (r.minex || r.maxex))) return;
  const n = z.size;
  if (n === 0) return;
  if (z.isListpack) {
    const lm = z.listpackMembers();
    if (!lexGteMin(lm[n - 1], r) || !lexLteMax(lm[0], r)) return;
    if (!rev) {
      let i = 0;
      while (i < n && !lexGteMin(lm[i], r)) i++;
      if (i === n || !lexLteMax(lm[i], r)) return;
      let j = i;
      while (j < n && lexLteMax(lm[j], r)) j++;
      spanLo = i;
      spanHi = j;
    } else {
      let j = n - 1;
      while (j >= 0 && !lexLteMax(lm[j], r)) j--;
      if (j < 0 || !lexGteMin(lm[j], r)) return;
      let i = j;
      while (i > 0 && lexGteMin(lm[i - 1], r)) i--;
      spanLo = i;
      spanHi = j + 1;
    }
    return;
  }
  const lo = r.minKind === -1 ? 0 : r.minKind === 1 ? n : z.countLexBelow(r.min, r.minex);
  const hi = r.maxKind === -1 ? 0 : r.maxKind === 1 ? n : z.countLexBelow(r.max, !r.maxex);
  if (hi > lo) {
    spanLo = lo;
    spanHi = hi;
  }
}

// ---- replies --------------------------------------------------------------------------

const CUR = new ZCursor();

/**
 * Reply `count` elements starting at rank `start` walking forward (or
 * backward when rev): members, with scores when asked (RESP3: [member, score] pairs).
 */
function replyRange(out: ReplyWriter, z: ZSetValue, start: number, count: number, rev: boolean, withscores: boolean): void {
  const pairs = withscores && out.resp === 3;
  out.array(withscores && !pairs ? count * 2 : count);
  if (count === 0) return;
  const cur = CUR;
  z.seek(start, cur);
  for (let k = 0; k < count; k++) {
    if (pairs) out.array(2);
    out.bulk(cur.member);
    if (withscores) out.double(cur.score);
    if (rev) cur.prev();
    else cur.next();
  }
}

/** A new set holding `count` elements from rank `start` (walking backward when rev), for the STORE forms. */
function rangeToSet(z: ZSetValue, start: number, count: number, rev: boolean, cfg: ZCfg): ZSetValue | null {
  if (count <= 0) return null;
  const ms: string[] = new Array(count);
  const ss: number[] = new Array(count);
  const cur = CUR;
  z.seek(rev ? start - count + 1 : start, cur);
  let maxLen = 0;
  for (let k = 0; k < count; k++) {
    const m = cur.member;
    ms[k] = m;
    ss[k] = cur.score;
    if (m.length > maxLen) maxLen = m.length;
    cur.next();
  }
  return ZSetValue.fromSorted(ms, ss, buildSkiplist(count, maxLen, cfg));
}

// ---- ZADD / ZINCRBY --------------------------------------------------------------------

const IN_INCR = 1;
const IN_NX = 2;
const IN_XX = 4;
const IN_GT = 8;
const IN_LT = 16;

const OUT_NOP = 1;
const OUT_NAN = 2;
const OUT_ADDED = 4;
const OUT_UPDATED = 8;

/** Score after the last zsetAdd that did not NOP. */
let addNewScore = 0;

/** zsetAdd: add or update one element under the flags; returns OUT_* flags. */
function zsetAdd(z: ZSetValue, score: number, m: string, flags: number, cfg: ZCfg): number {
  const cur = z.score(m);
  if (cur !== undefined) {
    if (flags & IN_NX) return OUT_NOP;
    if (flags & IN_INCR) {
      score += cur;
      if (score !== score) return OUT_NAN;
    }
    if ((flags & IN_LT && score >= cur) || (flags & IN_GT && score <= cur)) return OUT_NOP;
    addNewScore = score;
    if (score !== cur) {
      z.setScore(m, cur, score);
      return OUT_UPDATED;
    }
    return 0;
  }
  if (flags & IN_XX) return OUT_NOP;
  if (z.isListpack && (z.size + 1 > cfg.entries || m.length > cfg.value)) z.toSkiplist();
  z.insert(score, m);
  addNewScore = score;
  return OUT_ADDED;
}

const scoreBuf: number[] = [];

function zaddGeneric(c: ExecContext, argv: string[], incrCmd: boolean): void {
  let flags = incrCmd ? IN_INCR : 0;
  let ch = false;
  let scoreidx = 2;
  while (scoreidx < argv.length) {
    const o = opt(argv[scoreidx]);
    if (o === 'nx') flags |= IN_NX;
    else if (o === 'xx') flags |= IN_XX;
    else if (o === 'ch') ch = true;
    else if (o === 'incr') flags |= IN_INCR;
    else if (o === 'gt') flags |= IN_GT;
    else if (o === 'lt') flags |= IN_LT;
    else break;
    scoreidx++;
  }
  const incr = (flags & IN_INCR) !== 0;
  const nx = (flags & IN_NX) !== 0;
  const xx = (flags & IN_XX) !== 0;
  const gt = (flags & IN_GT) !== 0;
  const lt = (flags & IN_LT) !== 0;
  let elements = argv.length - scoreidx;
  if (elements % 2 !== 0 || elements === 0) return c.out.error(SYNTAX);
  elements /= 2;
  if (nx && xx) return c.out.error('ERR XX and NX options at the same time are not compatible');
  if ((gt && nx) || (lt && nx) || (gt && lt)) return c.out.error('ERR GT, LT, and/or NX options at the same time are not compatible');
  if (incr && elements > 1) return c.out.error('ERR INCR option supports a single increment-element pair');
  const scores = scoreBuf;
  scores.length = elements;
  for (let j = 0; j < elements; j++) {
    const d = parseDouble(argv[scoreidx + j * 2]);
    if (d === null) return c.out.error(NOT_FLOAT);
    scores[j] = d;
  }
  const key = argv[1];
  let z = zget(local(c), key, false);
  if (z === WRONG) return c.out.error(WRONGTYPE);
  let added = 0;
  let updated = 0;
  let processed = 0;
  let score = 0;
  if (z === null) {
    if (xx) return replyZadd(c.out, incr, ch, 0, 0, 0, 0);
    const cfg = zcfg(c.thread.config);
    z = new ZSetValue(cfg.entries === 0 || cfg.value < argv[scoreidx + 1].length);
    c.ks.set(c.db, key, z);
  }
  const cfg = zcfg(c.thread.config);
  for (let j = 0; j < elements; j++) {
    score = scores[j];
    const r = zsetAdd(z, score, argv[scoreidx + 1 + j * 2], flags, cfg);
    if (r & OUT_NAN) {
      if (added + updated !== 0) c.ks.changed(c.db);
      return c.out.error(NAN_SCORE);
    }
    if (r & OUT_ADDED) added++;
    if (r & OUT_UPDATED) updated++;
    if (!(r & OUT_NOP)) processed++;
    score = addNewScore;
  }
  if (added + updated !== 0) c.ks.changed(c.db);
  replyZadd(c.out, incr, ch, added, updated, processed, score);
}

function replyZadd(out: ReplyWriter, incr: boolean, ch: boolean, added: number, updated: number, processed: number, score: number): void {
  if (incr) {
    if (processed !== 0) out.double(score);
    else out.nullBulk();
  } else out.int(ch ? added + updated : added);
}

// ---- ZREM ZCARD ZCOUNT ZLEXCOUNT ZSCORE ZMSCORE ZRANK ---------------------------------------

function zremHandler(c: ExecContext, argv: string[]): void {
  const key = argv[1];
  const z = zget(local(c), key, false);
  if (z === null) return c.out.int(0);
  if (z === WRONG) return c.out.error(WRONGTYPE);
  let deleted = 0;
  for (let j = 2; j < argv.length; j++) {
    if (z.remove(argv[j])) deleted++;
    if (z.size === 0) {
      c.ks.delete(c.db, key);
      break;
    }
  }
  if (deleted !== 0) c.ks.changed(c.db);
  c.out.int(deleted);
}

function zcardHandler(c: ExecContext, argv: string[]): void {
  const z = zget(local(c), argv[1], true);
  if (z === null) return c.out.int(0);
  if (z === WRONG) return c.out.error(WRONGTYPE);
  c.out.int(z.size);
}

const RANGE = new ScoreRange();
const LEX = new LexRange();

function zcountHandler(c: ExecContext, argv: string[]): void {
  if (!parseScoreRange(argv[2], argv[3], RANGE)) return c.out.error(RANGE_NOT_FLOAT);
  const z = zget(local(c), argv[1], true);
  if (z === null) return c.out.int(0);
  if (z === WRONG) return c.out.error(WRONGTYPE);
  scoreSpan(z, RANGE);
  c.out.int(spanHi > spanLo ? spanHi - spanLo : 0);
}

function zlexcountHandler(c: ExecContext, argv: string[]): void {
  if (!parseLexRange(argv[2], argv[3], LEX)) return c.out.error(RANGE_NOT_LEX);
  const z = zget(local(c), argv[1], true);
  if (z === null) return c.out.int(0);
  if (z === WRONG) return c.out.error(WRONGTYPE);
  lexSpan(z, LEX, false);
  c.out.int(spanHi - spanLo);
}

function zscoreHandler(c: ExecContext, argv: string[]): void {
  const z = zget(local(c), argv[1], true);
  if (z === null) return c.out.nullBulk();
  if (z === WRONG) return c.out.error(WRONGTYPE);
  const s = z.score(argv[2]);
  if (s === undefined) c.out.nullBulk();
  else c.out.double(s);
}

function zmscoreHandler(c: ExecContext, argv: string[]): void {
  const z = zget(local(c), argv[1], true);
  if (z === WRONG) return c.out.error(WRONGTYPE);
  c.out.array(argv.length - 2);
  for (let j = 2; j < argv.length; j++) {
    const s = z === null ? undefined : z.score(argv[j]);
    if (s === undefined) c.out.nullBulk();
    else c.out.double(s);
  }
}

function zrankHandler(c: ExecContext, argv: string[], rev: boolean): void {
  const z = zget(local(c), argv[1], true);
  if (z === null) return c.out.nullBulk();
  if (z === WRONG) return c.out.error(WRONGTYPE);
  const r = z.rank(argv[2]);
  if (r < 0) c.out.nullBulk();
  else c.out.int(rev ? z.size - 1 - r : r);
}

// ---- ZRANGE and friends ------------------------------------------------------------------

const R_AUTO = 0;
const R_RANK = 1;
const R_SCORE = 2;
const R_LEX = 3;
const D_AUTO = 0;
const D_FWD = 1;
const D_REV = 2;

/** Result of a STORE form: the set to store at the destination (null: delete it), or undefined when the reply is already written. */
type StoreResult = ZSetValue | null | undefined;

/**
 * zrangeGenericCommand. Writes the reply (and returns undefined) for the
 * client forms and for errors; for ZRANGESTORE returns the set to store
 * (null when empty) and the caller replies with its size.
 */
function zrangeCore(out: ReplyWriter, src: Source, cfg: ZCfg, argv: string[], argStart: number, store: boolean, rangetype: number, direction: number): StoreResult {
  const key = argv[argStart];
  let minidx = argStart + 1;
  let maxidx = argStart + 2;
  let withscores = false;
  let offset = 0;
  let limit = -1;
  let hasLimit = false;
  for (let j = argStart + 3; j < argv.length; j++) {
    const left = argv.length - j - 1;
    const o = opt(argv[j]);
    if (!store && o === 'withscores') withscores = true;
    else if (o === 'limit' && left >= 2) {
      const a = parseLong(argv[j + 1]);
      if (a === null) {
        out.error(NOT_INT);
        return undefined;
      }
      const b = parseLong(argv[j + 2]);
      if (b === null) {
        out.error(NOT_INT);
        return undefined;
      }
      offset = a;
      limit = b;
      hasLimit = true;
      j += 2;
    } else if (direction === D_AUTO && o === 'rev') direction = D_REV;
    else if (rangetype === R_AUTO && o === 'bylex') rangetype = R_LEX;
    else if (rangetype === R_AUTO && o === 'byscore') rangetype = R_SCORE;
    else {
      out.error(SYNTAX);
      return undefined;
    }
  }
  if (direction === D_AUTO) direction = D_FWD;
  if (rangetype === R_AUTO) rangetype = R_RANK;
  if (hasLimit && limit !== -1 && rangetype === R_RANK) {
    out.error('ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX');
    return undefined;
  }
  if (withscores && rangetype === R_LEX) {
    out.error('ERR syntax error, WITHSCORES not supported in combination with BYLEX');
    return undefined;
  }
  const rev = direction === D_REV;
  if (rev && rangetype !== R_RANK) {
    const t = maxidx;
    maxidx = minidx;
    minidx = t;
  }
  let start = 0;
  let end = 0;
  if (rangetype === R_RANK) {
    const a = parseLong(argv[minidx]);
    if (a === null) {
      out.error(NOT_INT);
      return undefined;
    }
    const b = parseLong(argv[maxidx]);
    if (b === null) {
      out.error(NOT_INT);
      return undefined;
    }
    start = a;
    end = b;
  } else if (rangetype === R_SCORE) {
    if (!parseScoreRange(argv[minidx], argv[maxidx], RANGE)) {
      out.error(RANGE_NOT_FLOAT);
      return undefined;
    }
  } else if (!parseLexRange(argv[minidx], argv[maxidx], LEX)) {
    out.error(RANGE_NOT_LEX);
    return undefined;
  }
  const z = zget(src, key, true);
  if (z === null) {
    if (store) return null;
    out.array(0);
    return undefined;
  }
  if (z === WRONG) {
    out.error(WRONGTYPE);
    return undefined;
  }
  const ws = withscores || store;
  const llen = z.size;
  if (rangetype === R_RANK) {
    if (start < 0) start = llen + start;
    if (end < 0) end = llen + end;
    if (start < 0) start = 0;
    if (start > end || start >= llen) {
      if (store) return null;
      out.array(0);
      return undefined;
    }
    if (end >= llen) end = llen - 1;
    const n = end - start + 1;
    if (store) return rev ? rangeToSet(z, llen - 1 - start, n, true, cfg) : rangeToSet(z, start, n, false, cfg);
    replyRange(out, z, rev ? llen - 1 - start : start, n, rev, ws);
    return undefined;
  }
  if (rangetype === R_SCORE) scoreSpan(z, RANGE);
  else lexSpan(z, LEX, rev);
  // Offset and limit over the span, walking from its low end (or high end when rev).
  let n = 0;
  let first = 0;
  if (!(offset > 0 && offset >= llen) && offset >= 0 && spanHi > spanLo) {
    const avail = spanHi - spanLo - offset;
    if (avail > 0) {
      n = limit < 0 ? avail : Math.min(limit, avail);
      first = rev ? spanHi - 1 - offset : spanLo + offset;
    }
  }
  if (store) return rangeToSet(z, first, n, rev, cfg);
  replyRange(out, z, first, n, rev, withscores);
  return undefined;
}

function zrangeHandler(c: ExecContext, argv: string[], rangetype: number, direction: number): void {
  zrangeCore(c.out, local(c), zcfg(c.thread.config), argv, 1, false, rangetype, direction);
}

/** Store a STORE form's result at dst (deleting dst when empty) and reply its size. */
function storeResult(ks: Keyspace, db: number, dst: string, z: ZSetValue | null): number {
  // Redis's setKey / dbDelete signal the key as modified even when the contents stay the same.
  const w = ks.watch;
  if (z === null || z.size === 0) {
    if (ks.delete(db, dst) && w !== null && w.active !== 0) w.touch(db, dst);
    return 0;
  }
  ks.set(db, dst, z);
  if (w !== null && w.active !== 0) w.touch(db, dst);
  return z.size;
}

function zrangestoreHandler(c: ExecContext, argv: string[]): void {
  const r = zrangeCore(c.out, local(c), zcfg(c.thread.config), argv, 2, true, R_AUTO, D_AUTO);
  if (r === undefined) return;
  c.out.int(storeResult(c.ks, c.db, argv[1], r));
}

async function zrangestoreCross(client: Client, argv: string[]): Promise<void> {
  const dst = argv[1];
  const fetched = await crossFetchAndStore(client, [argv[2]], dst, (src) => {
    const out = client.out();
    const r = zrangeCore(out, src, zcfg(client.thread.config), argv, 2, true, R_AUTO, D_AUTO);
    return r;
  });
  if (fetched !== undefined) client.out().int(fetched);
}

// ---- ZREMRANGEBY* -----------------------------------------------------------------------

function zremrangeGeneric(c: ExecContext, argv: string[], rangetype: number): void {
  let start = 0;
  let end = 0;
  if (rangetype === R_RANK) {
    const a = parseLong(argv[2]);
    if (a === null) return c.out.error(NOT_INT);
    const b = parseLong(argv[3]);
    if (b === null) return c.out.error(NOT_INT);
    start = a;
    end = b;
  } else if (rangetype === R_SCORE) {
    if (!parseScoreRange(argv[2], argv[3], RANGE)) return c.out.error(RANGE_NOT_FLOAT);
  } else if (!parseLexRange(argv[2], argv[3], LEX)) return c.out.error(RANGE_NOT_LEX);
  const key = argv[1];
  const z = zget(local(c), key, false);
  if (z === null) return c.out.int(0);
  if (z === WRONG) return c.out.error(WRONGTYPE);
  const llen = z.size;
  if (rangetype === R_RANK) {
    if (start < 0) start = llen + start;
    if (end < 0) end = llen + end;
    if (start < 0) start = 0;
    if (start > end || start >= llen) return c.out.int(0);
    if (end >= llen) end = llen - 1;
  } else {
    if (rangetype === R_SCORE) scoreSpan(z, RANGE);
    else lexSpan(z, LEX, false);
    if (spanHi <= spanLo) return c.out.int(0);
    start = spanLo;
    end = spanHi - 1;
  }
  const n = z.removeRankRange(start, end);
  if (z.size === 0) c.ks.delete(c.db, key);
  else c.ks.changed(c.db);
  c.out.int(n);
}

// ---- ZPOPMIN ZPOPMAX ZMPOP ------------------------------------------------------------------

/**
 * genericZpopCommand over keys[from..to): pops from the first non-empty one.
 * `emitKey`: reply [key, elements] (ZMPOP / BZ*); `nested`: elements as
 * [member, score] pairs; `nilWhenEmpty`: a null array when nothing to pop.
 * count -1: a single pop without COUNT. Returns the key popped from, or null.
 */
function genericZpop(c: ExecContext, argv: string[], from: number, to: number, max: boolean, emitKey: boolean, count: number, nested: boolean, nilWhenEmpty: boolean): string | null {
  const out = c.out;
  const src = local(c);
  for (let i = from; i < to; i++) {
    const z = zget(src, argv[i], false);
    if (z === null) continue;
    if (z === WRONG) {
      out.error(WRONGTYPE);
      return null;
    }
    zpopFrom(c, argv[i], z, max, emitKey, count, nested);
    return argv[i];
  }
  if (nilWhenEmpty) out.nullArray();
  else out.array(0);
  return null;
}

/** Pop up to `count` elements (-1: one, without COUNT) of z at key and reply them in the shape asked. */
function zpopFrom(c: ExecContext, key: string, z: ZSetValue, max: boolean, emitKey: boolean, count: number, nested: boolean): void {
  const out = c.out;
  if (count === 0) {
    out.array(0);
    return;
  }
  if (count === -1) count = 1;
  const llen = z.size;
  const n = count > llen ? llen : count;
  if (!nested && !emitKey) out.array(n * 2);
  else if (nested && !emitKey) out.array(n);
  else if (!nested && emitKey) {
    out.array(n * 2 + 1);
    out.bulk(key);
  } else {
    out.array(2);
    out.bulk(key);
    out.array(n);
  }
  const cur = CUR;
  for (let k = 0; k < n; k++) {
    z.seek(max ? z.size - 1 : 0, cur);
    const m = cur.member;
    const s = cur.score;
    z.remove(m);
    if (nested) out.array(2);
    out.bulk(m);
    out.double(s);
  }
  if (z.size === 0) c.ks.delete(c.db, key);
  else c.ks.changed(c.db);
}

function zpopHandler(c: ExecContext, argv: string[], max: boolean): void {
  if (argv.length > 3) return c.out.error(SYNTAX);
  let count = -1;
  if (argv.length === 3) {
    const v = parseLong(argv[2]);
    if (v === null || v < 0) return c.out.error(NOT_POSITIVE);
    count = v;
  }
  genericZpop(c, argv, 1, 2, max, false, count, c.out.resp === 3 && count !== -1, false);
}

interface MpopArgs {
  numkeys: number;
  max: boolean;
  count: number;
}

/** ZMPOP / BZMPOP arguments (numkeys at numkeysIdx); the error text when invalid. */
function parseMpop(argv: string[], numkeysIdx: number): MpopArgs | string {
  const nk = parseLong(argv[numkeysIdx]);
  if (nk === null || nk < 1 || nk > LONG_MAX) return 'ERR numkeys should be greater than 0';
  const whereIdx = numkeysIdx + nk + 1;
  if (whereIdx >= argv.length) return SYNTAX;
  const w = opt(argv[whereIdx]);
  let max: boolean;
  if (w === 'min') max = false;
  else if (w === 'max') max = true;
  else return SYNTAX;
  let count = -1;
  for (let j = whereIdx + 1; j < argv.length; j++) {
    const more = argv.length - 1 - j;
    if (count === -1 && opt(argv[j]) === 'count' && more > 0) {
      j++;
      const v = parseLong(argv[j]);
      if (v === null || v < 1) return 'ERR count should be greater than 0';
      count = v;
    } else return SYNTAX;
  }
  if (count === -1) count = 1;
  return { numkeys: nk, max, count };
}

function zmpopHandler(c: ExecContext, argv: string[]): void {
  const a = parseMpop(argv, 1);
  if (typeof a === 'string') return c.out.error(a);
  genericZpop(c, argv, 2, 2 + a.numkeys, a.max, true, a.count, true, true);
}

/** ZMPOP with keys on several shards: lock them all, find the first non-empty one, pop there. */
async function zmpopCross(client: Client, argv: string[]): Promise<void> {
  const a = parseMpop(argv, 1);
  if (typeof a === 'string') {
    client.out().error(a);
    return;
  }
  const keys = argv.slice(2, 2 + a.numkeys);
  const shards = client.thread.threads;
  const reply = await withTxn(client, async (t): Promise<Buffer | null> => {
    const states = new Map<string, number>();
    for (const g of groupKeys(keys, keys.map((_, i) => i), shards)) {
      const ks = [...new Set(g.positions.map((p) => keys[p]))];
      const r = await t.step(g.shard, ks.map((k) => ['__ztype', k]), ks);
      for (let i = 0; i < ks.length; i++) states.set(ks[i], r[i][1] - 48);
    }
    for (const k of keys) {
      const st = states.get(k)!;
      if (st === 0) continue;
      if (st === 2) return Buffer.from('-' + WRONGTYPE + '\r\n');
      const [r] = await t.step(keyShard(k, shards), [['zmpop', '1', k, a.max ? 'MAX' : 'MIN', 'COUNT', String(a.count)]], null);
      return r;
    }
    return null;
  });
  if (reply === null) client.out().nullArray();
  else client.out().raw(reply);
}

/** __ztype key: :0 missing, :1 sorted set, :2 another type (with lazy expiry). */
function ztypeHandler(c: ExecContext, argv: string[]): void {
  const z = zget(local(c), argv[1], false);
  c.out.int(z === null ? 0 : z === WRONG ? 2 : 1);
}

// ---- BZPOPMIN BZPOPMAX BZMPOP (blocking.ts) ----------------------------------------------------

/** What a blocked BZ* waiter pops when served. */
interface BzState {
  max: boolean;
  count: number;
  nested: boolean;
}

function bzServe(c: ExecContext, w: WaitInfo, key: string): number {
  const z = zget(local(c), key, false);
  if (z === null || z === WRONG) return NOT_SERVED;
  const st = w.state as BzState;
  zpopFrom(c, key, z, st.max, true, st.count, st.nested);
  return SERVED;
}

function bzProbe(c: ExecContext, key: string): number {
  const z = zget(local(c), key, false);
  return z === null ? 0 : z === WRONG ? 2 : 1;
}

function bzpopCommand(name: string, max: boolean): BlockingCommand {
  return {
    name,
    prepare: (): BzState => ({ max, count: -1, nested: false }),
    serve: bzServe,
    probe: bzProbe,
  };
}

const BZPOPMIN = bzpopCommand('bzpopmin', false);
const BZPOPMAX = bzpopCommand('bzpopmax', true);

const BZMPOP: BlockingCommand = {
  name: 'bzmpop',
  prepare(argv: string[]): BzState {
    const a = parseMpop(argv, 2) as MpopArgs;
    return { max: a.max, count: a.count, nested: true };
  },
  serve: bzServe,
  probe: bzProbe,
};

registerBlockingCommand(BZPOPMIN);
registerBlockingCommand(BZPOPMAX);
registerBlockingCommand(BZMPOP);

/**
 * blockingGenericZpopCommand on this shard: pop from the first non-empty key
 * (WRONGTYPE for another type met first), else block (or, where blocking is
 * not allowed, reply a null array).
 */
function bzpopGeneric(c: ExecContext, argv: string[], cmd: BlockingCommand, keys: string[], deadline: number, st: BzState): void {
  const src = local(c);
  for (const key of keys) {
    const z = zget(src, key, false);
    if (z === null) continue;
    if (z === WRONG) return c.out.error(WRONGTYPE);
    zpopFrom(c, key, z, st.max, true, st.count, st.nested);
    return;
  }
  if (!canBlock(c)) return c.out.nullArray();
  blockHere(c, cmd, argv, keys, null, deadline, st);
}

function bzpopHandler(c: ExecContext, argv: string[], cmd: BlockingCommand): void {
  const deadline = parseTimeout(argv[argv.length - 1], Date.now());
  if (typeof deadline === 'string') return c.out.error(deadline);
  bzpopGeneric(c, argv, cmd, argv.slice(1, argv.length - 1), deadline, cmd.prepare(argv) as BzState);
}

async function bzpopCross(client: Client, argv: string[], cmd: BlockingCommand): Promise<void> {
  const deadline = parseTimeout(argv[argv.length - 1], Date.now());
  if (typeof deadline === 'string') {
    client.out().error(deadline);
    return;
  }
  const keys = argv.slice(1, argv.length - 1);
  await blockAcrossShards(client, argv, cmd, { waitKeys: keys, lockKeys: keys, deadline, state: cmd.prepare(argv), nonBlocking: (out) => out.nullArray() });
}

function bzmpopHandler(c: ExecContext, argv: string[]): void {
  const a = parseMpop(argv, 2);
  if (typeof a === 'string') return c.out.error(a);
  const deadline = parseTimeout(argv[1], Date.now());
  if (typeof deadline === 'string') return c.out.error(deadline);
  bzpopGeneric(c, argv, BZMPOP, argv.slice(3, 3 + a.numkeys), deadline, { max: a.max, count: a.count, nested: true });
}

async function bzmpopCross(client: Client, argv: string[]): Promise<void> {
  const a = parseMpop(argv, 2);
  if (typeof a === 'string') {
    client.out().error(a);
    return;
  }
  const deadline = parseTimeout(argv[1], Date.now());
  if (typeof deadline === 'string') {
    client.out().error(deadline);
    return;
  }
  const keys = argv.slice(3, 3 + a.numkeys);
  await blockAcrossShards(client, argv, BZMPOP, { waitKeys: keys, lockKeys: keys, deadline, state: { max: a.max, count: a.count, nested: true }, nonBlocking: (out) => out.nullArray() });
}

// ---- ZRANDMEMBER ----------------------------------------------------------------------------

function zrandmemberHandler(c: ExecContext, argv: string[]): void {
  const out = c.out;
  if (argv.length >= 3) {
    const v = parseI64(argv[2]);
    if (v === null) return out.error(NOT_INT);
    if (v === -9223372036854775808n) return out.error('ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807');
    let withscores = false;
    if (argv.length > 4 || (argv.length === 4 && opt(argv[3]) !== 'withscores')) return out.error(SYNTAX);
    if (argv.length === 4) {
      withscores = true;
      // l < -LONG_MAX/2 || l > LONG_MAX/2
      if (typeof v === 'bigint' && (v < -4611686018427387903n || v > 4611686018427387903n)) return out.error('ERR value is out of range');
    }
    return zrandmemberWithCount(c, argv[1], Number(v), withscores);
  }
  const z = zget(local(c), argv[1], true);
  if (z === null) return out.nullBulk();
  if (z === WRONG) return out.error(WRONGTYPE);
  z.seek(Math.floor(Math.random() * z.size), CUR);
  out.bulk(CUR.member);
}

function zrandmemberWithCount(c: ExecContext, key: string, l: number, withscores: boolean): void {
  const out = c.out;
  const z = zget(local(c), key, true);
  if (z === null) return out.array(0);
  if (z === WRONG) return out.error(WRONGTYPE);
  const size = z.size;
  let count: number;
  let uniq = true;
  if (l >= 0) count = l;
  else {
    count = -l;
    uniq = false;
  }
  if (count === 0) return out.array(0);
  const pairs = withscores && out.resp === 3;
  const cur = CUR;
  if (!uniq || count === 1) {
    out.array(withscores && !pairs ? count * 2 : count);
    for (let k = 0; k < count; k++) {
      z.seek(Math.floor(Math.random() * size), cur);
      if (pairs) out.array(2);
      out.bulk(cur.member);
      if (withscores) out.double(cur.score);
    }
    return;
  }
  if (count >= size) {
    // The whole set, as Redis replies it: from the highest score down.
    replyRange(out, z, size - 1, size, true, withscores);
    return;
  }
  // count distinct random ranks.
  let ranks: ArrayLike<number>;
  if (count * 3 > size) {
    const all = new Int32Array(size);
    for (let k = 0; k < size; k++) all[k] = k;
    for (let k = 0; k < count; k++) {
      const j = k + Math.floor(Math.random() * (size - k));
      const t = all[k];
      all[k] = all[j];
      all[j] = t;
    }
    ranks = all.subarray(0, count);
  } else {
    const picked = new Set<number>();
    while (picked.size < count) picked.add(Math.floor(Math.random() * size));
    ranks = Array.from(picked);
  }
  out.array(withscores && !pairs ? count * 2 : count);
  for (let k = 0; k < count; k++) {
    z.seek(ranks[k], cur);
    if (pairs) out.array(2);
    out.bulk(cur.member);
    if (withscores) out.double(cur.score);
  }
}

// ---- ZUNION ZINTER ZDIFF (+STORE) ZINTERCARD -------------------------------------------------

const OP_UNION = 0;
const OP_INTER = 1;
const OP_DIFF = 2;
const AGG_SUM = 0;
const AGG_MIN = 1;
const AGG_MAX = 2;

/** A set-operation input: a sorted set, or a plain set whose members score 1. */
interface OpSrc {
  z: ZSetValue | null;
  set: SetValue | null;
  weight: number;
  size: number;
}

function aggregate(target: number, val: number, agg: number): number {
  if (agg === AGG_SUM) {
    const r = target + val;
    return r !== r ? 0 : r;
  }
  if (agg === AGG_MIN) return val < target ? val : target;
  return val > target ? val : target;
}

function srcHas(s: OpSrc, m: string): number | undefined {
  if (s.z !== null) return s.z.score(m);
  return s.set!.has(m) ? 1 : undefined;
}

/**
 * zunionInterDiffGenericCommand. `dst` set: a STORE form (returns the set to
 * store, null for empty; the caller replies). Otherwise writes the reply and
 * returns undefined (also after any error).
 */
function setOpCore(out: ReplyWriter, src: Source, cfg: ZCfg, argv: string[], name: string, numkeysIdx: number, op: number, store: boolean, cardOnly: boolean): StoreResult {
  const nk = parseLong(argv[numkeysIdx]);
  if (nk === null) {
    out.error(NOT_INT);
    return undefined;
  }
  if (nk < 1) {
    out.error(`ERR at least 1 input key is needed for '${name}' command`);
    return undefined;
  }
  if (nk > argv.length - (numkeysIdx + 1)) {
    out.error(SYNTAX);
    return undefined;
  }
  const srcs: OpSrc[] = new Array(nk);
  let j = numkeysIdx + 1;
  for (let i = 0; i < nk; i++, j++) {
    // The sources are reads (keyspace hits and misses), STORE forms' too, as Redis 7.0 counts them.
    const v = src.lookup(argv[j], true);
    let z: ZSetValue | null = null;
    let set: SetValue | null = null;
    let size = 0;
    if (v !== undefined) {
      if (v instanceof ZSetValue) {
        z = v;
        size = v.size;
      } else if (v instanceof SetValue) {
        set = v;
        size = v.size;
      } else {
        out.error(WRONGTYPE);
        return undefined;
      }
    }
    srcs[i] = { z, set, weight: 1, size };
  }
  let agg = AGG_SUM;
  let withscores = false;
  let limit = 0;
  let remaining = argv.length - j;
  while (remaining > 0) {
    const o = opt(argv[j]);
    if (op !== OP_DIFF && !cardOnly && remaining >= nk + 1 && o === 'weights') {
      j++;
      remaining--;
      for (let i = 0; i < nk; i++, j++, remaining--) {
        const w = parseDouble(argv[j]);
        if (w === null) {
          out.error('ERR weight value is not a float');
          return undefined;
        }
        srcs[i].weight = w;
      }
    } else if (op !== OP_DIFF && !cardOnly && remaining >= 2 && o === 'aggregate') {
      j++;
      remaining--;
      const a = opt(argv[j]);
      if (a === 'sum') agg = AGG_SUM;
      else if (a === 'min') agg = AGG_MIN;
      else if (a === 'max') agg = AGG_MAX;
      else {
        out.error(SYNTAX);
        return undefined;
      }
      j++;
      remaining--;
    } else if (remaining >= 1 && !store && !cardOnly && o === 'withscores') {
      j++;
      remaining--;
      withscores = true;
    } else if (cardOnly && remaining >= 2 && o === 'limit') {
      j++;
      remaining--;
      const l = parseLong(argv[j]);
      if (l === null || l < 0) {
        out.error("ERR LIMIT can't be negative");
        return undefined;
      }
      limit = l;
      j++;
      remaining--;
    } else {
      out.error(SYNTAX);
      return undefined;
    }
  }
  if (op !== OP_DIFF) {
    // Smallest first (a stable sort, like glibc's merge sort qsort): the order scores are combined in.
    const order = srcs.map((s, i) => i).sort((a, b) => srcs[a].size - srcs[b].size || a - b);
    const sorted = order.map((i) => srcs[i]);
    for (let i = 0; i < nk; i++) srcs[i] = sorted[i];
  }
  const rm: string[] = [];
  const rs: number[] = [];
  let card = 0;
  if (op === OP_INTER) {
    const s0 = srcs[0];
    if (s0.size > 0) {
      const visit = (m: string, sc: number): boolean => {
        let score = s0.weight * sc;
        if (score !== score) score = 0;
        let k = 1;
        for (; k < nk; k++) {
          const sk = srcs[k];
          if ((sk.z !== null && sk.z === s0.z) || (sk.set !== null && sk.set === s0.set)) {
            score = aggregate(score, sc * sk.weight, agg);
          } else {
            const v = srcHas(sk, m);
            if (v === undefined) break;
            score = aggregate(score, v * sk.weight, agg);
          }
        }
        if (k === nk) {
          if (cardOnly) {
            card++;
            if (limit !== 0 && card >= limit) return false;
          } else {
            rm.push(m);
            rs.push(score);
          }
        }
        return true;
      };
      if (s0.z !== null) {
        const [ms, ss] = s0.z.toArrays();
        for (let i = 0; i < ms.length; i++) if (!visit(ms[i], ss[i])) break;
      } else {
        const ms = s0.set!.list();
        for (let i = 0; i < ms.length; i++) if (!visit(ms[i], 1)) break;
      }
    }
  } else if (op === OP_UNION) {
    // member -> index in rm/rs (small integers: no boxed doubles); the first
    // non-empty input needs no lookups, its members are distinct.
    const acc = new Map<string, number>();
    let first = true;
    for (let i = 0; i < nk; i++) {
      const s = srcs[i];
      if (s.size === 0) continue;
      const w = s.weight;
      let ms: string[];
      let ss: number[] | null = null;
      if (s.z !== null) [ms, ss] = s.z.toArrays();
      else ms = s.set!.list();
      const more = i < nk - 1;
      for (let k = 0; k < ms.length; k++) {
        const m = ms[k];
        let score = w * (ss === null ? 1 : ss[k]);
        if (score !== score) score = 0;
        if (!first) {
          const ex = acc.get(m);
          if (ex !== undefined) {
            rs[ex] = aggregate(rs[ex], score, agg);
            continue;
          }
        }
        if (more) acc.set(m, rm.length);
        rm.push(m);
        rs.push(score);
      }
      first = false;
    }
  } else {
    const s0 = srcs[0];
    if (s0.size > 0) {
      const others = srcs.slice(1);
      const visit = (m: string, sc: number): void => {
        for (const o of others) {
          if (o.size === 0) continue;
          if ((o.z !== null && o.z === s0.z) || (o.set !== null && o.set === s0.set)) return;
          if (srcHas(o, m) !== undefined) return;
        }
        rm.push(m);
        rs.push(sc);
      };
      if (s0.z !== null) {
        const [ms, ss] = s0.z.toArrays();
        for (let i = 0; i < ms.length; i++) visit(ms[i], ss[i]);
      } else {
        const ms = s0.set!.list();
        for (let i = 0; i < ms.length; i++) visit(ms[i], 1);
      }
    }
  }
  if (cardOnly) {
    out.int(card);
    return undefined;
  }
  // Order the result by (score, member) (often it already is: one input, positive weights).
  const n = rm.length;
  const idx = new Array<number>(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  let sorted = true;
  for (let i = 1; i < n && sorted; i++) sorted = rs[i - 1] < rs[i] || (rs[i - 1] === rs[i] && rm[i - 1] < rm[i]);
  if (!sorted) idx.sort((a, b) => (rs[a] < rs[b] ? -1 : rs[a] > rs[b] ? 1 : rm[a] < rm[b] ? -1 : rm[a] > rm[b] ? 1 : 0));
  if (store) {
    if (n === 0) return null;
    const ms: string[] = new Array(n);
    const ss: number[] = new Array(n);
    let maxLen = 0;
    for (let i = 0; i < n; i++) {
      const m = rm[idx[i]];
      ms[i] = m;
      ss[i] = rs[idx[i]];
      if (m.length > maxLen) maxLen = m.length;
    }
    return ZSetValue.fromSorted(ms, ss, buildSkiplist(n, maxLen, cfg));
  }
  const pairs = withscores && out.resp === 3;
  out.array(withscores && !pairs ? n * 2 : n);
  for (let i = 0; i < n; i++) {
    if (pairs) out.array(2);
    out.bulk(rm[idx[i]]);
    if (withscores) out.double(rs[idx[i]]);
  }
  return undefined;
}

function setOpHandler(c: ExecContext, argv: string[], name: string, op: number, store: boolean, cardOnly: boolean): void {
  const cfg = zcfg(c.thread.config);
  if (store) {
    const r = setOpCore(c.out, local(c), cfg, argv, name, 2, op, true, false);
    if (r === undefined) return;
    c.out.int(storeResult(c.ks, c.db, argv[1], r));
    return;
  }
  setOpCore(c.out, local(c), cfg, argv, name, 1, op, false, cardOnly);
}

/** Keys of the numkeys-style commands: numkeys at `nkIdx`, the keys after it; `dst` at 1 too when given. */
function numkeysKeys(nkIdx: number, dst: boolean) {
  return (argv: string[]): number[] => {
    const out: number[] = dst ? [1] : [];
    const nk = nkIdx < argv.length ? parseLong(argv[nkIdx]) : null;
    if (nk === null || nk < 1) return out;
    const last = Math.min(argv.length - 1, nkIdx + nk);
    for (let i = nkIdx + 1; i <= last; i++) out.push(i);
    return out;
  };
}

/** Cheap argument checks that come before any key is read (numkeys); null when fine. */
function numkeysError(argv: string[], name: string, nkIdx: number): string | null {
  const nk = parseLong(argv[nkIdx]);
  if (nk === null) return NOT_INT;
  if (nk < 1) return `ERR at least 1 input key is needed for '${name}' command`;
  if (nk > argv.length - (nkIdx + 1)) return SYNTAX;
  return null;
}

function setOpCross(name: string, op: number, store: boolean, cardOnly: boolean) {
  return async (client: Client, argv: string[]): Promise<void> => {
    const nkIdx = store ? 2 : 1;
    const err = numkeysError(argv, name, nkIdx);
    if (err !== null) {
      client.out().error(err);
      return;
    }
    const nk = parseLong(argv[nkIdx])!;
    const keys = argv.slice(nkIdx + 1, nkIdx + 1 + nk);
    if (store) {
      const n = await crossFetchAndStore(client, keys, argv[1], (src) => setOpCore(client.out(), src, zcfg(client.thread.config), argv, name, 2, op, true, false));
      if (n !== undefined) client.out().int(n);
      return;
    }
    const src = await crossFetch(client, keys, null);
    if (!(src instanceof FetchedSource)) {
      client.out().raw(src);
      return;
    }
    setOpCore(client.out(), src, zcfg(client.thread.config), argv, name, 1, op, false, cardOnly);
  };
}

// ---- cross-shard plumbing -----------------------------------------------------------------

/** __zfetch key r|w: the live value's codec payload (bulk) for a sorted set or set, null when missing, +T for another type. */
function zfetchHandler(c: ExecContext, argv: string[]): void {
  const v = liveValue(c.ks, c.db, argv[1], argv[2] === 'r');
  if (v === undefined) return c.out.nullBulk();
  if (typeof v !== 'object' || (v.type !== 'zset' && v.type !== 'set')) return c.out.simple('T');
  let payload: string;
  try {
    payload = encodeValue(v);
  } catch (e) {
    if (!(e instanceof ValueCodecError)) throw e;
    return c.out.error('ERR ' + e.message);
  }
  c.out.bulk(payload);
}

/** __zstore key payload: store a sorted set ('' deletes the key); replies its size. */
function zstoreHandler(c: ExecContext, argv: string[]): void {
  if (argv[2].length === 0) return c.out.int(storeResult(c.ks, c.db, argv[1], null));
  let v: StoredValue;
  try {
    v = decodeValue(argv[2]);
  } catch (e) {
    if (!(e instanceof ValueCodecError)) throw e;
    return c.out.error('ERR ' + e.message);
  }
  c.out.int(storeResult(c.ks, c.db, argv[1], v as ZSetValue));
}

const WRONG_VALUE: StoredValue = '';

/**
 * Lock `keys` (and `dst` when given) in ascending shard order and fetch the
 * keys' values. Returns the values, or an error reply to pass on.
 */
async function fetchUnderLocks(client: Client, t: CrossShardTxn, keys: string[], dst: string | null): Promise<FetchedSource | Buffer> {
  const shards = client.thread.threads;
  const all = dst !== null ? [dst, ...keys] : keys;
  const groups = groupKeys(all, all.map((_, i) => i), shards);
  const src = new FetchedSource();
  for (const g of groups) {
    const lockKeys = [...new Set(g.positions.map((p) => all[p]))];
    const fetchKeys = lockKeys.filter((k) => keys.includes(k));
    // Reads of the sources, counted (keyspace hits and misses) for the STORE forms too, as Redis 7.0 counts them.
    const replies = await t.step(g.shard, fetchKeys.map((k) => ['__zfetch', k, 'r']), lockKeys);
    for (let i = 0; i < fetchKeys.length; i++) {
      const r = replies[i];
      if (isError(r)) return r;
      if (r[0] === 43 /* + */) src.values.set(fetchKeys[i], WRONG_VALUE);
      else {
        const payload = stringValue(r);
        if (payload === null) src.values.set(fetchKeys[i], undefined);
        else {
          try {
            src.values.set(fetchKeys[i], decodeValue(payload));
          } catch (e) {
            if (!(e instanceof ValueCodecError)) throw e;
            return Buffer.from('-ERR ' + e.message + '\r\n');
          }
        }
      }
    }
  }
  return src;
}

async function crossFetch(client: Client, keys: string[], dst: string | null): Promise<FetchedSource | Buffer> {
  return withTxn(client, (t) => fetchUnderLocks(client, t, keys, dst));
}

/**
 * A STORE form across shards: lock and fetch, compute (`compute` writes any
 * error reply and returns undefined), then store the result at dst under the
 * same locks. Returns the stored size to reply, or undefined when replied.
 */
async function crossFetchAndStore(client: Client, keys: string[], dst: string, compute: (src: Source) => StoreResult): Promise<number | undefined> {
  return withTxn(client, async (t) => {
    const src = await fetchUnderLocks(client, t, keys, dst);
    if (!(src instanceof FetchedSource)) {
      client.out().raw(src);
      return undefined;
    }
    const r = compute(src);
    if (r === undefined) return undefined;
    const payload = r === null || r.size === 0 ? '' : encodeValue(r);
    const [reply] = await t.step(keyShard(dst, client.thread.threads), [['__zstore', dst, payload]], null);
    if (isError(reply)) {
      client.out().raw(reply);
      return undefined;
    }
    return r === null ? 0 : r.size;
  });
}

// ---- ZSCAN --------------------------------------------------------------------------------

// ZSCAN: a listpack-encoded set is returned whole in one call with cursor 0,
// as Redis does; a skiplist-encoded one is walked id by id over its element
// store with a stateless cursor (position and store epoch, zset_dict.ts): ids
// only move when the store shrinks, and a cursor from before that starts
// over, so members present for the whole scan are returned at least once.

/** parseScanCursorOrReply: strtoul rules; null when invalid. */
function parseCursor(s: string): bigint | null {
  if (s.length === 0) return 0n;
  let i = 0;
  const c0 = s.charCodeAt(0);
  let neg = false;
  if (c0 === 43 || c0 === 45) {
    neg = c0 === 45;
    i = 1;
  }
  if (i === s.length) return null;
  for (let j = i; j < s.length; j++) {
    const ch = s.charCodeAt(j);
    if (ch < 48 || ch > 57) return null;
  }
  const v = BigInt(s.slice(i));
  if (v > 0xffffffffffffffffn) return null;
  return neg && v !== 0n ? (1n << 64n) - v : v;
}

function zscanHandler(c: ExecContext, argv: string[]): void {
  const out = c.out;
  const cursor = parseCursor(argv[2]);
  if (cursor === null) return out.error('ERR invalid cursor');
  const z = zget(local(c), argv[1], true);
  if (z === null) {
    out.rawString('*2\r\n$1\r\n0\r\n*0\r\n');
    return;
  }
  if (z === WRONG) return out.error(WRONGTYPE);
  let count = 10;
  let pattern: string | null = null;
  for (let i = 3; i < argv.length; ) {
    const left = argv.length - i;
    const o = opt(argv[i]);
    if (o === 'count' && left >= 2) {
      const v = parseLong(argv[i + 1]);
      if (v === null) return out.error(NOT_INT);
      if (v < 1) return out.error(SYNTAX);
      count = v;
      i += 2;
    } else if (o === 'match' && left >= 2) {
      pattern = argv[i + 1] === '*' ? null : argv[i + 1];
      i += 2;
    } else return out.error(SYNTAX);
  }
  const ms: string[] = [];
  const ss: number[] = [];
  let next = 0;
  if (z.isListpack) {
    const [lm, ls] = z.toArrays(false);
    for (let k = 0; k < lm.length; k++) {
      if (pattern !== null && !stringMatch(pattern, lm[k], false)) continue;
      ms.push(lm[k]);
      ss.push(ls[k]);
    }
  } else {
    // Cursor: id position * 2^16 + the store's epoch (zset_dict.ts).
    const pos = Number(cursor / 65536n);
    const epoch = Number(cursor % 65536n);
    const d = z.dict!;
    const np = d.scan(cursor > 0xffffffffffffn ? 0 : pos, epoch, count, ms, ss);
    if (pattern !== null) {
      let w = 0;
      for (let k = 0; k < ms.length; k++) {
        if (!stringMatch(pattern, ms[k], false)) continue;
        ms[w] = ms[k];
        ss[w++] = ss[k];
      }
      ms.length = w;
      ss.length = w;
    }
    next = np < 0 ? 0 : np * 65536 + (d.epoch & 0xffff);
  }
  out.array(2);
  out.bulk(String(next));
  out.array(ms.length * 2);
  const lp = z.isListpack;
  for (let k = 0; k < ms.length; k++) {
    out.bulk(ms[k]);
    out.bulk(lp ? listpackScoreText(ss[k]) : formatDouble(ss[k]));
  }
}

/**
 * A score as a listpack holds it (d2string): integral values within
 * +-LLONG_MAX/2 as integers, the rest as %.17g.
 */
function listpackScoreText(s: number): string {
  if (Number.isInteger(s) && s >= -4611686018427387904 && s <= 4611686018427387904) {
    return Number.isSafeInteger(s) ? String(s) : BigInt(s).toString();
  }
  return formatDouble(s);
}

// ---- the table ------------------------------------------------------------------------------

const W = ['@write', '@sortedset'];
const R = ['@read', '@sortedset'];

const DOCS: Record<string, [string, string, string]> = {
  zadd: ['Add one or more members to a sorted set, or update its score if it already exists', '1.2.0', 'O(log(N)) for each item added, where N is the number of elements in the sorted set.'],
  zincrby: ['Increment the score of a member in a sorted set', '1.2.0', 'O(log(N)) where N is the number of elements in the sorted set.'],
  zrem: ['Remove one or more members from a sorted set', '1.2.0', 'O(M*log(N)) with N being the number of elements in the sorted set and M the number of elements to be removed.'],
  zcard: ['Get the number of members in a sorted set', '1.2.0', 'O(1)'],
  zcount: ['Count the members in a sorted set with scores within the given values', '2.0.0', 'O(log(N)) with N being the number of elements in the sorted set.'],
  zlexcount: ['Count the number of members in a sorted set between a given lexicographical range', '2.8.9', 'O(log(N)) with N being the number of elements in the sorted set.'],
  zscore: ['Get the score associated with the given member in a sorted set', '1.2.0', 'O(1)'],
  zmscore: ['Get the score associated with the given members in a sorted set', '6.2.0', 'O(N) where N is the number of members being requested.'],
  zrank: ['Determine the index of a member in a sorted set', '2.0.0', 'O(log(N))'],
  zrevrank: ['Determine the index of a member in a sorted set, with scores ordered from high to low', '2.0.0', 'O(log(N))'],
  zrange: ['Return a range of members in a sorted set', '1.2.0', 'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.'],
  zrangestore: ['Store a range of members from sorted set into another key', '6.2.0', 'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements stored into the destination key.'],
  zrevrange: ['Return a range of members in a sorted set, by index, with scores ordered from high to low', '1.2.0', 'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.'],
  zrangebyscore: ['Return a range of members in a sorted set, by score', '1.0.5', 'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).'],
  zrevrangebyscore: ['Return a range of members in a sorted set, by score, with scores ordered from high to low', '2.2.0', 'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).'],
  zrangebylex: ['Return a range of members in a sorted set, by lexicographical range', '2.8.9', 'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).'],
  zrevrangebylex: ['Return a range of members in a sorted set, by lexicographical range, ordered from higher to lower strings.', '2.8.9', 'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).'],
  zremrangebyrank: ['Remove all members in a sorted set within the given indexes', '2.0.0', 'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.'],
  zremrangebyscore: ['Remove all members in a sorted set within the given scores', '1.2.0', 'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.'],
  zremrangebylex: ['Remove all members in a sorted set between the given lexicographical range', '2.8.9', 'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.'],
  zpopmin: ['Remove and return members with the lowest scores in a sorted set', '5.0.0', 'O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.'],
  zpopmax: ['Remove and return members with the highest scores in a sorted set', '5.0.0', 'O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.'],
  zmpop: ['Remove and return members with scores in a sorted set', '7.0.0', 'O(K) + O(N*log(M)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.'],
  zrandmember: ['Get one or multiple random elements from a sorted set', '6.2.0', 'O(N) where N is the number of elements returned'],
  zunion: ['Add multiple sorted sets', '6.2.0', 'O(N)+O(M*log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.'],
  zinter: ['Intersect multiple sorted sets', '6.2.0', 'O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set.'],
  zdiff: ['Subtract multiple sorted sets', '6.2.0', 'O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set.'],
  zunionstore: ['Add multiple sorted sets and store the resulting sorted set in a new key', '2.0.0', 'O(N)+O(M log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.'],
  zinterstore: ['Intersect multiple sorted sets and store the resulting sorted set in a new key', '2.0.0', 'O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set.'],
  zdiffstore: ['Subtract multiple sorted sets and store the resulting sorted set in a new key', '6.2.0', 'O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set.'],
  zintercard: ['Intersect multiple sorted sets and return the cardinality of the result', '7.0.0', 'O(N*K) worst case with N being the smallest input sorted set, K being the number of input sorted sets.'],
  bzpopmin: ['Remove and return the member with the lowest score from one or more sorted sets, or block until one is available', '5.0.0', 'O(log(N)) with N being the number of elements in the sorted set.'],
  bzpopmax: ['Remove and return the member with the highest score from one or more sorted sets, or block until one is available', '5.0.0', 'O(log(N)) with N being the number of elements in the sorted set.'],
  bzmpop: ['Remove and return members with scores in a sorted set or block until one is available', '7.0.0', 'O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.'],
  zscan: ['Incrementally iterate sorted sets elements and associated scores', '2.8.0', 'O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..'],
};

interface ZDecl {
  arity: number;
  flags: string[];
  keys?: [number, number, number];
  getKeys?: (argv: string[]) => number[];
  acl: string[];
  handler?: (c: ExecContext, argv: string[]) => void;
  cross?: (client: Client, argv: string[]) => Promise<void>;
  keepsState?: true;
}

function zdef(name: string, d: ZDecl): CommandSpec {
  const [summary, since, complexity] = DOCS[name];
  return def(name, { ...d, group: 'sorted-set', summary, since, complexity });
}

export const zsetCommands: CommandSpec[] = [
  zdef('zadd', { arity: -4, flags: ['write', 'denyoom', 'fast'], keys: [1, 1, 1], acl: [...W, '@fast'], handler: (c, argv) => zaddGeneric(c, argv, false) }),
  zdef('zincrby', { arity: 4, flags: ['write', 'denyoom', 'fast'], keys: [1, 1, 1], acl: [...W, '@fast'], handler: (c, argv) => zaddGeneric(c, argv, true) }),
  zdef('zrem', { arity: -3, flags: ['write', 'fast'], keys: [1, 1, 1], acl: [...W, '@fast'], handler: zremHandler }),
  zdef('zcard', { arity: 2, flags: ['readonly', 'fast'], keys: [1, 1, 1], acl: [...R, '@fast'], handler: zcardHandler }),
  zdef('zcount', { arity: 4, flags: ['readonly', 'fast'], keys: [1, 1, 1], acl: [...R, '@fast'], handler: zcountHandler }),
  zdef('zlexcount', { arity: 4, flags: ['readonly', 'fast'], keys: [1, 1, 1], acl: [...R, '@fast'], handler: zlexcountHandler }),
  zdef('zscore', { arity: 3, flags: ['readonly', 'fast'], keys: [1, 1, 1], acl: [...R, '@fast'], handler: zscoreHandler }),
  zdef('zmscore', { arity: -3, flags: ['readonly', 'fast'], keys: [1, 1, 1], acl: [...R, '@fast'], handler: zmscoreHandler }),
  zdef('zrank', { arity: 3, flags: ['readonly', 'fast'], keys: [1, 1, 1], acl: [...R, '@fast'], handler: (c, argv) => zrankHandler(c, argv, false) }),
  zdef('zrevrank', { arity: 3, flags: ['readonly', 'fast'], keys: [1, 1, 1], acl: [...R, '@fast'], handler: (c, argv) => zrankHandler(c, argv, true) }),
  zdef('zrange', { arity: -4, flags: ['readonly'], keys: [1, 1, 1], acl: [...R, '@slow'], handler: (c, argv) => zrangeHandler(c, argv, R_AUTO, D_AUTO) }),
  zdef('zrangestore', { arity: -5, flags: ['write', 'denyoom'], keys: [1, 2, 1], acl: [...W, '@slow'], handler: zrangestoreHandler, cross: zrangestoreCross }),
  zdef('zrevrange', { arity: -4, flags: ['readonly'], keys: [1, 1, 1], acl: [...R, '@slow'], handler: (c, argv) => zrangeHandler(c, argv, R_RANK, D_REV) }),
  zdef('zrangebyscore', { arity: -4, flags: ['readonly'], keys: [1, 1, 1], acl: [...R, '@slow'], handler: (c, argv) => zrangeHandler(c, argv, R_SCORE, D_FWD) }),
  zdef('zrevrangebyscore', { arity: -4, flags: ['readonly'], keys: [1, 1, 1], acl: [...R, '@slow'], handler: (c, argv) => zrangeHandler(c, argv, R_SCORE, D_REV) }),
  zdef('zrangebylex', { arity: -4, flags: ['readonly'], keys: [1, 1, 1], acl: [...R, '@slow'], handler: (c, argv) => zrangeHandler(c, argv, R_LEX, D_FWD) }),
  zdef('zrevrangebylex', { arity: -4, flags: ['readonly'], keys: [1, 1, 1], acl: [...R, '@slow'], handler: (c, argv) => zrangeHandler(c, argv, R_LEX, D_REV) }),
  zdef('zremrangebyrank', { arity: 4, flags: ['write'], keys: [1, 1, 1], acl: [...W, '@slow'], handler: (c, argv) => zremrangeGeneric(c, argv, R_RANK) }),
  zdef('zremrangebyscore', { arity: 4, flags: ['write'], keys: [1, 1, 1], acl: [...W, '@slow'], handler: (c, argv) => zremrangeGeneric(c, argv, R_SCORE) }),
  zdef('zremrangebylex', { arity: 4, flags: ['write'], keys: [1, 1, 1], acl: [...W, '@slow'], handler: (c, argv) => zremrangeGeneric(c, argv, R_LEX) }),
  zdef('zpopmin', { arity: -2, flags: ['write', 'fast'], keys: [1, 1, 1], acl: [...W, '@fast'], handler: (c, argv) => zpopHandler(c, argv, false) }),
  zdef('zpopmax', { arity: -2, flags: ['write', 'fast'], keys: [1, 1, 1], acl: [...W, '@fast'], handler: (c, argv) => zpopHandler(c, argv, true) }),
  zdef('zmpop', { arity: -4, flags: ['write', 'movablekeys'], getKeys: numkeysKeys(1, false), acl: [...W, '@slow'], handler: zmpopHandler, cross: zmpopCross }),
  zdef('bzpopmin', { arity: -3, flags: ['write', 'noscript', 'blocking', 'fast'], keys: [1, -2, 1], acl: [...W, '@fast', '@blocking'], handler: (c, argv) => bzpopHandler(c, argv, BZPOPMIN), cross: (client, argv) => bzpopCross(client, argv, BZPOPMIN) }),
  zdef('bzpopmax', { arity: -3, flags: ['write', 'noscript', 'blocking', 'fast'], keys: [1, -2, 1], acl: [...W, '@fast', '@blocking'], handler: (c, argv) => bzpopHandler(c, argv, BZPOPMAX), cross: (client, argv) => bzpopCross(client, argv, BZPOPMAX) }),
  zdef('bzmpop', { arity: -5, flags: ['write', 'blocking', 'movablekeys'], getKeys: numkeysKeys(2, false), acl: [...W, '@slow', '@blocking'], handler: bzmpopHandler, cross: bzmpopCross }),
  zdef('zrandmember', { arity: -2, flags: ['readonly'], keys: [1, 1, 1], acl: [...R, '@slow'], handler: zrandmemberHandler }),
  zdef('zunion', { arity: -3, flags: ['readonly', 'movablekeys'], getKeys: numkeysKeys(1, false), acl: [...R, '@slow'], handler: (c, argv) => setOpHandler(c, argv, 'zunion', OP_UNION, false, false), cross: setOpCross('zunion', OP_UNION, false, false) }),
  zdef('zinter', { arity: -3, flags: ['readonly', 'movablekeys'], getKeys: numkeysKeys(1, false), acl: [...R, '@slow'], handler: (c, argv) => setOpHandler(c, argv, 'zinter', OP_INTER, false, false), cross: setOpCross('zinter', OP_INTER, false, false) }),
  zdef('zdiff', { arity: -3, flags: ['readonly', 'movablekeys'], getKeys: numkeysKeys(1, false), acl: [...R, '@slow'], handler: (c, argv) => setOpHandler(c, argv, 'zdiff', OP_DIFF, false, false), cross: setOpCross('zdiff', OP_DIFF, false, false) }),
  zdef('zunionstore', { arity: -4, flags: ['write', 'denyoom', 'movablekeys'], keys: [1, 1, 1], getKeys: numkeysKeys(2, true), acl: [...W, '@slow'], handler: (c, argv) => setOpHandler(c, argv, 'zunionstore', OP_UNION, true, false), cross: setOpCross('zunionstore', OP_UNION, true, false) }),
  zdef('zinterstore', { arity: -4, flags: ['write', 'denyoom', 'movablekeys'], keys: [1, 1, 1], getKeys: numkeysKeys(2, true), acl: [...W, '@slow'], handler: (c, argv) => setOpHandler(c, argv, 'zinterstore', OP_INTER, true, false), cross: setOpCross('zinterstore', OP_INTER, true, false) }),
  zdef('zdiffstore', { arity: -4, flags: ['write', 'denyoom', 'movablekeys'], keys: [1, 1, 1], getKeys: numkeysKeys(2, true), acl: [...W, '@slow'], handler: (c, argv) => setOpHandler(c, argv, 'zdiffstore', OP_DIFF, true, false), cross: setOpCross('zdiffstore', OP_DIFF, true, false) }),
  zdef('zintercard', { arity: -3, flags: ['readonly', 'movablekeys'], getKeys: numkeysKeys(1, false), acl: [...R, '@slow'], handler: (c, argv) => setOpHandler(c, argv, 'zintercard', OP_INTER, false, true), cross: setOpCross('zintercard', OP_INTER, false, true) }),
  zdef('zscan', { arity: -3, flags: ['readonly'], keepsState: true, keys: [1, 1, 1], acl: [...R, '@slow'], handler: zscanHandler }),
  // Internal steps of the cross-shard forms (invisible to clients).
  def('__zfetch', { arity: 3, flags: ['readonly'], keys: [1, 1, 1], group: 'internal', summary: 'Fetch a sorted set or set value', since: '0', handler: zfetchHandler }),
  def('__zstore', { arity: 3, flags: ['write'], keys: [1, 1, 1], group: 'internal', summary: 'Store a sorted set value', since: '0', handler: zstoreHandler }),
  def('__ztype', { arity: 2, flags: ['readonly'], keys: [1, 1, 1], group: 'internal', summary: 'Is the key a sorted set', since: '0', handler: ztypeHandler }),
];
