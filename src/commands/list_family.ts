// List commands (t_list.c, Redis 7.0): LPUSH RPUSH LPUSHX RPUSHX LPOP RPOP
// LLEN LRANGE LINDEX LSET LINSERT LREM LTRIM LPOS LMOVE RPOPLPUSH LMPOP and the
// blocking BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP (on src/shards/blocking.ts).
// Values are ListValue deques (src/shards/types/list.ts); an emptied list is
// deleted, as Redis does.
//
// Multi-key commands whose keys live on several shards go through `cross`
// handlers under the transaction locks: LMOVE / RPOPLPUSH lock and probe the
// keys (__ltypes) as they go, in three steps (moveLocking: __lpeek, __lpush1,
// __lpop1 when the source's shard comes first); LMPOP probes every key and
// runs LMPOP on the first one holding a list; the blocking ones use
// blockAcrossShards.

import { def } from './define.ts';
import type { CommandSpec, ExecContext } from './types.ts';
import type { ReplyWriter } from '../proto/reply_writer.ts';
import type { Client } from '../shards/client.ts';
import type { CrossShardTxn } from '../router/txn.ts';
import { ListValue } from '../shards/types/list.ts';
import { parseI64 } from '../proto/number_format.ts';
import { withTxn } from '../router/cross.ts';
import { keyShard } from '../router/slot.ts';
import { arrayElements, intValue, isError, stringValue } from '../proto/reply_reader.ts';
import { registerBlockingCommand, parseTimeout, canBlock, blockHere, blockAcrossShards, NOT_SERVED, SERVED, REPLIED, type BlockingCommand, type WaitInfo } from '../shards/blocking.ts';

const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';
const NOT_INT = 'ERR value is not an integer or out of range';
const SYNTAX = 'ERR syntax error';
const NOT_POSITIVE = 'ERR value is out of range, must be positive';
const NO_KEY = 'ERR no such key';
const INDEX_RANGE = 'ERR index out of range';
const RANK_ZERO = "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list";
const NUMKEYS = 'ERR numkeys should be greater than 0';
const COUNT_POSITIVE = 'ERR count should be greater than 0';

/** Beyond any list length, exact in a double (stands in for longs past 2^53). */
const HUGE = 2 ** 62;
const LONG_MIN = -9223372036854775808n;

/** A C long from an argument (string2ll), clamped to ±HUGE; null when not an integer. */
function parseLong(s: string): number | null {
  const v = parseI64(s);
  if (v === null) return null;
  if (typeof v === 'bigint') return v > 0n ? HUGE : -HUGE;
  return v;
}

/** getPositiveLongFromObjectOrReply / getRangeLongFromObjectOrReply(min..LONG_MAX): the value, or null. */
function parseLongAtLeast(s: string, min: number): number | null {
  const v = parseLong(s);
  return v === null || v < min ? null : v;
}

/** LEFT / RIGHT (case-insensitive): true for LEFT (the head), null otherwise. */
function parseSide(s: string): boolean | null {
  const l = s.toLowerCase();
  if (l === 'left') return true;
  if (l === 'right') return false;
  return null;
}

/** The list at key: undefined when missing, null after a WRONGTYPE reply. */
function lookupList(c: ExecContext, key: string, read: boolean): ListValue | undefined | null {
  const v = read ? c.ks.read(c.db, key) : c.ks.get(c.db, key);
  if (v === undefined) return undefined;
  if (!(v instanceof ListValue)) {
    c.out.error(WRONGTYPE);
    return null;
  }
  return v;
}

/** After elements were removed: delete the key when the list is empty (Redis never keeps empty lists). */
function afterRemove(c: ExecContext, key: string, l: ListValue): void {
  if (l.length === 0) c.ks.delete(c.db, key);
  else c.ks.changed(c.db);
}

/** Reply `count` elements popped from one end, as an array. */
function popMany(out: ReplyWriter, l: ListValue, head: boolean, count: number): void {
  const n = count > l.length ? l.length : count;
  out.array(n);
  for (let i = 0; i < n; i++) l.popTo(out, head);
}

// ---- push ----------------------------------------------------------------------

function push(c: ExecContext, argv: string[], head: boolean, xx: boolean): void {
  const key = argv[1];
  const l = lookupList(c, key, false);
  if (l === null) return;
  if (l === undefined) {
    if (xx) return c.out.int(0);
    const nl = new ListValue(argv.length - 2);
    nl.pushAll(argv, 2, head);
    c.ks.set(c.db, key, nl);
    c.out.int(nl.length);
    return;
  }
  l.pushAll(argv, 2, head);
  c.ks.changed(c.db);
  c.out.int(l.length);
}

// ---- pop -----------------------------------------------------------------------

function pop(c: ExecContext, argv: string[], head: boolean): void {
  if (argv.length > 3) return c.out.error(`ERR wrong number of arguments for '${head ? 'lpop' : 'rpop'}' command`);
  let count = -1;
  if (argv.length === 3) {
    const n = parseLongAtLeast(argv[2], 0);
    if (n === null) return c.out.error(NOT_POSITIVE);
    count = n;
  }
  const key = argv[1];
  const l = lookupList(c, key, false);
  if (l === null) return;
  if (l === undefined) return count >= 0 ? c.out.nullArray() : c.out.nullBulk();
  if (count === 0) return c.out.array(0);
  if (count < 0) l.popTo(c.out, head);
  else popMany(c.out, l, head, count);
  afterRemove(c, key, l);
}

// ---- reads -----------------------------------------------------------------------

function llen(c: ExecContext, argv: string[]): void {
  const l = lookupList(c, argv[1], true);
  if (l === null) return;
  c.out.int(l === undefined ? 0 : l.length);
}

/** addListRangeReply: elements start..end (negative from the end), clamped. */
function replyRange(out: ReplyWriter, l: ListValue, start: number, end: number): void {
  const len = l.length;
  if (start < 0) start = len + start;
  if (end < 0) end = len + end;
  if (start < 0) start = 0;
  if (start > end || start >= len) return out.array(0);
  if (end >= len) end = len - 1;
  out.array(end - start + 1);
  for (let i = start; i <= end; i++) l.replyAt(out, i);
}

function lrange(c: ExecContext, argv: string[]): void {
  const start = parseLong(argv[2]);
  const end = parseLong(argv[3]);
  if (start === null || end === null) return c.out.error(NOT_INT);
  const l = lookupList(c, argv[1], true);
  if (l === null) return;
  if (l === undefined) return c.out.array(0);
  replyRange(c.out, l, start, end);
}

function lindex(c: ExecContext, argv: string[]): void {
  const l = lookupList(c, argv[1], true);
  if (l === null) return;
  if (l === undefined) return c.out.nullBulk();
  let i = parseLong(argv[2]);
  if (i === null) return c.out.error(NOT_INT);
  if (i < 0) i = l.length + i;
  if (i < 0 || i >= l.length) return c.out.nullBulk();
  l.replyAt(c.out, i);
}

// ---- in-place writes -----------------------------------------------------------------

function lset(c: ExecContext, argv: string[]): void {
  const v = c.ks.get(c.db, argv[1]);
  if (v === undefined) return c.out.error(NO_KEY);
  if (!(v instanceof ListValue)) return c.out.error(WRONGTYPE);
  let i = parseLong(argv[2]);
  if (i === null) return c.out.error(NOT_INT);
  if (i < 0) i = v.length + i;
  if (i < 0 || i >= v.length) return c.out.error(INDEX_RANGE);
  v.setAt(i, argv[3]);
  c.ks.changed(c.db);
  c.out.ok();
}

function linsert(c: ExecContext, argv: string[]): void {
  const w = argv[2].toLowerCase();
  let after: boolean;
  if (w === 'after') after = true;
  else if (w === 'before') after = false;
  else return c.out.error(SYNTAX);
  const l = lookupList(c, argv[1], false);
  if (l === null) return;
  if (l === undefined) return c.out.int(0);
  const i = l.indexOf(argv[3]);
  if (i < 0) return c.out.int(-1);
  l.insertAt(after ? i + 1 : i, argv[4]);
  c.ks.changed(c.db);
  c.out.int(l.length);
}

function lrem(c: ExecContext, argv: string[]): void {
  const n = parseI64(argv[2]);
  if (n === null) return c.out.error(NOT_INT);
  const l = lookupList(c, argv[1], false);
  if (l === null) return;
  if (l === undefined) return c.out.int(0);
  // count < 0 removes from the tail; |count| beyond the length (or LONG_MIN, which stays negative in C) means all.
  const fromTail = typeof n === 'bigint' ? n < 0n : n < 0;
  let count = typeof n === 'bigint' ? (n === LONG_MIN ? 0 : HUGE) : Math.abs(n);
  if (count > l.length) count = 0;
  const removed = l.removeMatching(argv[3], count, fromTail);
  if (removed > 0 || l.length === 0) afterRemove(c, argv[1], l);
  c.out.int(removed);
}

function ltrim(c: ExecContext, argv: string[]): void {
  let start = parseLong(argv[2]);
  let end = parseLong(argv[3]);
  if (start === null || end === null) return c.out.error(NOT_INT);
  const l = lookupList(c, argv[1], false);
  if (l === null) return;
  if (l === undefined) return c.out.ok();
  const len = l.length;
  if (start < 0) start = len + start;
  if (end < 0) end = len + end;
  if (start < 0) start = 0;
  const before = l.length;
  l.keepRange(start, end >= len ? len - 1 : end);
  if (l.length !== before || l.length === 0) afterRemove(c, argv[1], l);
  c.out.ok();
}

// ---- LPOS ---------------------------------------------------------------------------

function lpos(c: ExecContext, argv: string[]): void {
  const ele = argv[2];
  let rank = 1;
  let fromTail = false;
  let anyRank = false; // RANK LONG_MIN: -LONG_MIN overflows in C, every match qualifies
  let count = -1;
  let maxlen = 0;
  for (let j = 3; j < argv.length; j++) {
    const opt = argv[j].toLowerCase();
    const more = j < argv.length - 1;
    if (opt === 'rank' && more) {
      const v = parseI64(argv[++j]);
      if (v === null) return c.out.error(NOT_INT);
      if (v === 0) return c.out.error(RANK_ZERO);
      if (v === LONG_MIN) {
        anyRank = true;
        fromTail = true;
      } else if (typeof v === 'bigint') {
        fromTail = v < 0n;
        rank = HUGE;
        anyRank = false;
      } else {
        fromTail = v < 0;
        rank = Math.abs(v);
        anyRank = false;
      }
    } else if (opt === 'count' && more) {
      const v = parseLongAtLeast(argv[++j], 0);
      if (v === null) return c.out.error("ERR COUNT can't be negative");
      count = v;
    } else if (opt === 'maxlen' && more) {
      const v = parseLongAtLeast(argv[++j], 0);
      if (v === null) return c.out.error("ERR MAXLEN can't be negative");
      maxlen = v;
    } else return c.out.error(SYNTAX);
  }
  const v = c.ks.read(c.db, argv[1]);
  if (v === undefined) return count !== -1 ? c.out.array(0) : c.out.nullBulk();
  if (!(v instanceof ListValue)) return c.out.error(WRONGTYPE);
  const len = v.length;
  const found: number[] = [];
  let matches = 0;
  let single = -1;
  for (let index = 0; index < len && (maxlen === 0 || index < maxlen); index++) {
    const pos = fromTail ? len - 1 - index : index;
    if (!v.equalsAt(pos, ele)) continue;
    matches++;
    if (anyRank || matches >= rank) {
      if (count === -1) {
        single = pos;
        break;
      }
      found.push(pos);
      // With RANK LONG_MIN, C's matches-rank+1 overflows: COUNT never stops the scan.
      if (count !== 0 && !anyRank && matches - rank + 1 >= count) break;
    }
  }
  if (count !== -1) {
    c.out.array(found.length);
    for (const p of found) c.out.int(p);
  } else if (single >= 0) c.out.int(single);
  else c.out.nullBulk();
}

// ---- LMOVE / RPOPLPUSH ---------------------------------------------------------------

/** lmoveGenericCommand on one shard: pop from src's end, push on dst's, reply the element. */
function lmoveGeneric(c: ExecContext, src: string, dst: string, fromHead: boolean, toHead: boolean): void {
  const s = lookupList(c, src, false);
  if (s === null) return;
  if (s === undefined) return c.out.nullBulk();
  const d = lookupList(c, dst, false);
  if (d === null) return;
  const value = s.pop(fromHead);
  if (d === undefined) {
    const nl = new ListValue();
    nl.push(value, toHead);
    c.ks.set(c.db, dst, nl);
  } else d.push(value, toHead);
  c.out.bulk(value);
  afterRemove(c, src, s);
}

function lmove(c: ExecContext, argv: string[]): void {
  const from = parseSide(argv[3]);
  if (from === null) return c.out.error(SYNTAX);
  const to = parseSide(argv[4]);
  if (to === null) return c.out.error(SYNTAX);
  lmoveGeneric(c, argv[1], argv[2], from, to);
}

/** Bulk reply bytes (the same in RESP2 and RESP3). */
function bulkBytes(s: string): Buffer {
  return Buffer.from(`$${s.length}\r\n${s}\r\n`, 'latin1');
}

/**
 * LMOVE between shards, inside t with src and dst locked already (a blocked
 * BLMOVE being served: blockAcrossShards took both): the checks in Redis's
 * order (src missing: null; src or dst of another type: WRONGTYPE), then pop
 * on src's shard and push on dst's. Returns the reply.
 */
async function moveAcross(t: CrossShardTxn, client: Client, src: string, dst: string, fromHead: boolean, toHead: boolean, srcState: number, dstState: number): Promise<Buffer | string | null> {
  if (srcState === 0) return null;
  if (srcState === 2 || dstState === 2) return WRONGTYPE;
  const n = client.thread.threads;
  const [pv] = await t.step(keyShard(src, n), [['__lpop1', src, fromHead ? '1' : '0']], null);
  const value = stringValue(pv);
  if (value === null) return null;
  await t.step(keyShard(dst, n), [['__lpush1', dst, toHead ? '1' : '0', value]], null);
  return bulkBytes(value);
}

/**
 * LMOVE between shards, taking the locks as it goes: three steps (two on the
 * shard locked first), where locking both keys and reading their types
 * first, then popping and pushing, takes four. The keys stay locked to the
 * end, so nobody sees the element in neither list or in both. Redis's order
 * of checks holds: src missing: null; src of another type, then dst of
 * another type: WRONGTYPE.
 * - src's shard first: its type and the element a pop would take; the push
 *   on dst (which answers WRONGTYPE without pushing); the pop. dst's push
 *   event comes before src's pop event, as in Redis.
 * - dst's shard first: its type; src's type and, when dst can take it, the
 *   pop (which pops nothing from a missing list or another type); the push.
 */
async function moveLocking(t: CrossShardTxn, client: Client, src: string, dst: string, fromHead: boolean, toHead: boolean): Promise<Buffer | string | null> {
  const n = client.thread.threads;
  const ss = keyShard(src, n);
  const sd = keyShard(dst, n);
  const from = fromHead ? '1' : '0';
  const to = toHead ? '1' : '0';
  // Each shard lets go of its key after its last step (the second lock is the last one taken; not
  // inside EXEC: CrossShardTxn.lent): the first key is held only until its last step, the second
  // only during its step. The element stays visible throughout: the pop comes after the push, or
  // the key popped is free only once the other is locked until the push.
  if (ss < sd) {
    const [types, peeked] = await t.step(ss, [['__ltypes', src], ['__lpeek', src, from]], [src]);
    const st = intValue(arrayElements(types)[0]);
    if (st === 0) return null;
    if (st === 2) return WRONGTYPE;
    const value = stringValue(peeked);
    if (value === null) return null;
    const [pushed] = await t.lastStep(sd, [['__lpush1', dst, to, value]], [dst]);
    if (isError(pushed)) return WRONGTYPE;
    await t.closingStep(ss, [['__lpop1', src, from]]);
    return bulkBytes(value);
  }
  const [dtypes] = await t.step(sd, [['__ltypes', dst]], [dst]);
  const dstOk = intValue(arrayElements(dtypes)[0]) !== 2;
  const cmds = dstOk ? [['__ltypes', src], ['__lpop1', src, from]] : [['__ltypes', src]];
  const [types, popped] = await t.lastStep(ss, cmds, [src]);
  const st = intValue(arrayElements(types)[0]);
  if (st === 0) return null;
  if (st === 2 || !dstOk) return WRONGTYPE;
  const value = stringValue(popped);
  if (value === null) return null;
  await t.closingStep(sd, [['__lpush1', dst, to, value]]);
  return bulkBytes(value);
}

async function lmoveCrossGeneric(client: Client, src: string, dst: string, fromHead: boolean, toHead: boolean): Promise<void> {
  const reply = await withTxn(client, (t) => moveLocking(t, client, src, dst, fromHead, toHead));
  const out = client.out();
  if (reply === null) out.nullBulk();
  else if (typeof reply === 'string') out.error(reply);
  else out.raw(reply);
}

async function lmoveCross(client: Client, argv: string[]): Promise<void> {
  const from = parseSide(argv[3]);
  const to = parseSide(argv[4]);
  if (from === null || to === null) return client.out().error(SYNTAX);
  await lmoveCrossGeneric(client, argv[1], argv[2], from, to);
}

// ---- LMPOP ------------------------------------------------------------------------------

interface MpopArgs {
  keys: string[];
  head: boolean;
  count: number;
}

/** lmpopGenericCommand's parsing (numkeys at argv[idx]); an error text on bad input. */
function parseMpop(argv: string[], idx: number): MpopArgs | string {
  const numkeys = parseLongAtLeast(argv[idx], 1);
  if (numkeys === null) return NUMKEYS;
  const whereIdx = idx + numkeys + 1;
  if (whereIdx >= argv.length) return SYNTAX;
  const head = parseSide(argv[whereIdx]);
  if (head === null) return SYNTAX;
  let count = -1;
  for (let j = whereIdx + 1; j < argv.length; j++) {
    if (count === -1 && argv[j].toLowerCase() === 'count' && j < argv.length - 1) {
      const v = parseLongAtLeast(argv[++j], 1);
      if (v === null) return COUNT_POSITIVE;
      count = v;
    } else return SYNTAX;
  }
  return { keys: argv.slice(idx + 1, whereIdx), head, count: count === -1 ? 1 : count };
}

/** LMPOP / BLMPOP key positions (numkeys at argv[idx]); none when the arguments are invalid. */
function mpopKeys(argv: string[], idx: number): number[] {
  const n = parseI64(argv[idx]);
  if (typeof n !== 'number' || n < 1 || idx + n + 1 >= argv.length) return [];
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(idx + 1 + i);
  return out;
}

/** Pop up to count elements of the first non-empty list among keys: [key, [elements]]. False when none. */
function mpopFirst(c: ExecContext, keys: string[], head: boolean, count: number): boolean {
  for (const key of keys) {
    const l = lookupList(c, key, false);
    if (l === null) return true;
    if (l === undefined || l.length === 0) continue;
    c.out.array(2);
    c.out.bulk(key);
    popMany(c.out, l, head, count);
    afterRemove(c, key, l);
    return true;
  }
  return false;
}

function lmpop(c: ExecContext, argv: string[]): void {
  const a = parseMpop(argv, 1);
  if (typeof a === 'string') return c.out.error(a);
  if (!mpopFirst(c, a.keys, a.head, a.count)) c.out.nullArray();
}

/** Probe keys on their shards under locks (ascending): per key 0 missing, 1 list, 2 another type. */
async function probeKeys(t: CrossShardTxn, client: Client, keys: string[]): Promise<Map<string, number>> {
  const n = client.thread.threads;
  const by = new Map<number, string[]>();
  for (const k of new Set(keys)) {
    const s = keyShard(k, n);
    const l = by.get(s);
    if (l === undefined) by.set(s, [k]);
    else l.push(k);
  }
  const st = new Map<string, number>();
  for (const s of [...by.keys()].sort((x, y) => x - y)) {
    const ks = by.get(s)!;
    const [r] = await t.step(s, [['__ltypes', ...ks]], ks);
    const el = arrayElements(r);
    for (let i = 0; i < ks.length; i++) st.set(ks[i], intValue(el[i]));
  }
  return st;
}

async function lmpopCross(client: Client, argv: string[]): Promise<void> {
  const a = parseMpop(argv, 1);
  if (typeof a === 'string') return client.out().error(a);
  const n = client.thread.threads;
  const reply = await withTxn(client, async (t): Promise<Buffer | string | null> => {
    const st = await probeKeys(t, client, a.keys);
    for (const key of a.keys) {
      const s = st.get(key);
      if (s === 2) return WRONGTYPE;
      if (s !== 1) continue;
      const [r] = await t.step(keyShard(key, n), [['lmpop', '1', key, a.head ? 'LEFT' : 'RIGHT', 'COUNT', String(a.count)]], null);
      return r;
    }
    return null;
  });
  const out = client.out();
  if (reply === null) out.nullArray();
  else if (typeof reply === 'string') out.error(reply);
  else out.raw(reply);
}

// ---- blocking commands ----------------------------------------------------------------

interface PopState {
  head: boolean;
  /** -1: one element, [key, element]; else BLMPOP's count: [key, [elements]]. */
  count: number;
}

interface MoveState {
  head: boolean;
  dst: string;
  toHead: boolean;
}

/** A key's state for a multi-shard wait: 0 nothing, 1 a non-empty list, 2 another type. */
function listProbe(c: ExecContext, key: string): number {
  const v = c.ks.get(c.db, key);
  if (v === undefined) return 0;
  if (!(v instanceof ListValue)) return 2;
  return v.length > 0 ? 1 : 0;
}

/** BLPOP, BRPOP, BLMPOP waiters. */
const LIST_POP: BlockingCommand = {
  name: 'list-pop',
  prepare(argv: string[]): PopState {
    const name = argv[0].toLowerCase();
    if (name === 'blmpop') {
      const a = parseMpop(argv, 2);
      if (typeof a === 'string') return { head: true, count: 1 };
      return { head: a.head, count: a.count };
    }
    return { head: name === 'blpop', count: -1 };
  },
  serve(c: ExecContext, w: WaitInfo, key: string): number {
    const v = c.ks.get(c.db, key);
    if (!(v instanceof ListValue) || v.length === 0) return NOT_SERVED;
    const st = w.state as PopState;
    c.out.array(2);
    c.out.bulk(key);
    if (st.count < 0) v.popTo(c.out, st.head);
    else popMany(c.out, v, st.head, st.count);
    afterRemove(c, key, v);
    return SERVED;
  },
  probe: listProbe,
};

/** BLMOVE, BRPOPLPUSH waiters (they wait on the source only). */
const LIST_MOVE: BlockingCommand = {
  name: 'list-move',
  prepare(argv: string[]): MoveState {
    if (argv[0].toLowerCase() === 'brpoplpush') return { head: false, dst: argv[2], toHead: true };
    return { head: parseSide(argv[3]) ?? true, dst: argv[2], toHead: parseSide(argv[4]) ?? true };
  },
  serve(c: ExecContext, w: WaitInfo, key: string): number {
    const v = c.ks.get(c.db, key);
    if (!(v instanceof ListValue) || v.length === 0) return NOT_SERVED;
    const st = w.state as MoveState;
    const d = c.ks.get(c.db, st.dst);
    // A destination of another type: the waiter gets WRONGTYPE and stops waiting (Redis 7.0).
    if (d !== undefined && !(d instanceof ListValue)) {
      c.out.error(WRONGTYPE);
      return REPLIED;
    }
    lmoveGeneric(c, key, st.dst, st.head, st.toHead);
    return SERVED;
  },
  probe: listProbe,
  async crossServe(t: CrossShardTxn, client: Client, w: WaitInfo, key: string): Promise<Buffer | string> {
    const st = w.state as MoveState;
    const n = client.thread.threads;
    const [r] = await t.step(keyShard(st.dst, n), [['__ltypes', st.dst]], null);
    const dstState = intValue(arrayElements(r)[0]);
    const reply = await moveAcross(t, client, key, st.dst, st.head, st.toHead, 1, dstState);
    return reply ?? bulkBytes('');
  },
};

registerBlockingCommand(LIST_POP);
registerBlockingCommand(LIST_MOVE);

function blpop(c: ExecContext, argv: string[], head: boolean): void {
  const deadline = parseTimeout(argv[argv.length - 1], Date.now());
  if (typeof deadline === 'string') return c.out.error(deadline);
  const keys = argv.slice(1, argv.length - 1);
  for (const key of keys) {
    const l = lookupList(c, key, false);
    if (l === null) return;
    if (l === undefined || l.length === 0) continue;
    c.out.array(2);
    c.out.bulk(key);
    l.popTo(c.out, head);
    afterRemove(c, key, l);
    return;
  }
  if (!canBlock(c)) return c.out.nullArray();
  blockHere(c, LIST_POP, argv, keys, null, deadline, { head, count: -1 } satisfies PopState);
}

async function blpopCross(client: Client, argv: string[]): Promise<void> {
  const deadline = parseTimeout(argv[argv.length - 1], Date.now());
  if (typeof deadline === 'string') return client.out().error(deadline);
  const keys = argv.slice(1, argv.length - 1);
  const state = LIST_POP.prepare(argv);
  await blockAcrossShards(client, argv, LIST_POP, { waitKeys: keys, lockKeys: keys, deadline, state, nonBlocking: (out) => out.nullArray() });
}

/** BLMOVE / BRPOPLPUSH after their arguments were parsed. */
function blmoveGeneric(c: ExecContext, argv: string[], fromHead: boolean, toHead: boolean, deadline: number): void {
  const src = argv[1];
  const s = lookupList(c, src, false);
  if (s === null) return;
  if (s !== undefined) return lmoveGeneric(c, src, argv[2], fromHead, toHead);
  if (!canBlock(c)) return c.out.nullBulk();
  blockHere(c, LIST_MOVE, argv, [src], [argv[2]], deadline, { head: fromHead, dst: argv[2], toHead } satisfies MoveState);
}

function blmove(c: ExecContext, argv: string[]): void {
  const from = parseSide(argv[3]);
  if (from === null) return c.out.error(SYNTAX);
  const to = parseSide(argv[4]);
  if (to === null) return c.out.error(SYNTAX);
  const deadline = parseTimeout(argv[5], Date.now());
  if (typeof deadline === 'string') return c.out.error(deadline);
  blmoveGeneric(c, argv, from, to, deadline);
}

function brpoplpush(c: ExecContext, argv: string[]): void {
  const deadline = parseTimeout(argv[3], Date.now());
  if (typeof deadline === 'string') return c.out.error(deadline);
  blmoveGeneric(c, argv, false, true, deadline);
}

async function blmoveCrossGeneric(client: Client, argv: string[], deadline: number): Promise<void> {
  const state = LIST_MOVE.prepare(argv) as MoveState;
  await blockAcrossShards(client, argv, LIST_MOVE, { waitKeys: [argv[1]], lockKeys: [argv[1], state.dst], deadline, state, nonBlocking: (out) => out.nullBulk() });
}

async function blmoveCross(client: Client, argv: string[]): Promise<void> {
  if (parseSide(argv[3]) === null || parseSide(argv[4]) === null) return client.out().error(SYNTAX);
  const deadline = parseTimeout(argv[5], Date.now());
  if (typeof deadline === 'string') return client.out().error(deadline);
  await blmoveCrossGeneric(client, argv, deadline);
}

async function brpoplpushCross(client: Client, argv: string[]): Promise<void> {
  const deadline = parseTimeout(argv[3], Date.now());
  if (typeof deadline === 'string') return client.out().error(deadline);
  await blmoveCrossGeneric(client, argv, deadline);
}

function blmpop(c: ExecContext, argv: string[]): void {
  const a = parseMpop(argv, 2);
  if (typeof a === 'string') return c.out.error(a);
  const deadline = parseTimeout(argv[1], Date.now());
  if (typeof deadline === 'string') return c.out.error(deadline);
  if (mpopFirst(c, a.keys, a.head, a.count)) return;
  if (!canBlock(c)) return c.out.nullArray();
  blockHere(c, LIST_POP, argv, a.keys, null, deadline, { head: a.head, count: a.count } satisfies PopState);
}

async function blmpopCross(client: Client, argv: string[]): Promise<void> {
  const a = parseMpop(argv, 2);
  if (typeof a === 'string') return client.out().error(a);
  const deadline = parseTimeout(argv[1], Date.now());
  if (typeof deadline === 'string') return client.out().error(deadline);
  await blockAcrossShards(client, argv, LIST_POP, { waitKeys: a.keys, lockKeys: a.keys, deadline, state: { head: a.head, count: a.count }, nonBlocking: (out) => out.nullArray() });
}

// ---- internal steps of the cross handlers -------------------------------------------------

/** __ltypes key...: per key 0 missing (or empty), 1 a list, 2 another type. */
function ltypes(c: ExecContext, argv: string[]): void {
  c.out.array(argv.length - 1);
  for (let i = 1; i < argv.length; i++) c.out.int(listProbe(c, argv[i]));
}

/** __lpop1 key head(1|0): pop one element (null when there is none). */
function lpop1(c: ExecContext, argv: string[]): void {
  const v = c.ks.get(c.db, argv[1]);
  if (!(v instanceof ListValue) || v.length === 0) return c.out.nullBulk();
  v.popTo(c.out, argv[2] === '1');
  afterRemove(c, argv[1], v);
}

/** __lpeek key head(1|0): the element a pop would take (null when there is none). */
function lpeek(c: ExecContext, argv: string[]): void {
  const v = c.ks.get(c.db, argv[1]);
  if (!(v instanceof ListValue) || v.length === 0) return c.out.nullBulk();
  v.replyAt(c.out, argv[2] === '1' ? 0 : v.length - 1);
}

/** __lpush1 key head(1|0) element: push one element (creating the list); the new length. */
function lpush1(c: ExecContext, argv: string[]): void {
  const v = c.ks.get(c.db, argv[1]);
  const head = argv[2] === '1';
  if (v === undefined) {
    const nl = new ListValue();
    nl.push(argv[3], head);
    c.ks.set(c.db, argv[1], nl);
    return c.out.int(1);
  }
  if (!(v instanceof ListValue)) return c.out.error(WRONGTYPE);
  v.push(argv[3], head);
  c.ks.changed(c.db);
  c.out.int(v.length);
}

// ---- the table --------------------------------------------------------------------------

const W_FAST = ['@write', '@list', '@fast'];
const W_SLOW = ['@write', '@list', '@slow'];
const R_FAST = ['@read', '@list', '@fast'];
const R_SLOW = ['@read', '@list', '@slow'];
const W_BLOCK = ['@write', '@list', '@slow', '@blocking'];
const PUSH_CX = 'O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.';

export const listCommands: CommandSpec[] = [
  def('lpush', { arity: -3, flags: ['write', 'denyoom', 'fast'], keys: [1, 1, 1], acl: W_FAST, group: 'list', summary: 'Prepend one or multiple elements to a list', since: '1.0.0', complexity: PUSH_CX, handler: (c, argv) => push(c, argv, true, false) }),
  def('rpush', { arity: -3, flags: ['write', 'denyoom', 'fast'], keys: [1, 1, 1], acl: W_FAST, group: 'list', summary: 'Append one or multiple elements to a list', since: '1.0.0', complexity: PUSH_CX, handler: (c, argv) => push(c, argv, false, false) }),
  def('lpushx', { arity: -3, flags: ['write', 'denyoom', 'fast'], keys: [1, 1, 1], acl: W_FAST, group: 'list', summary: 'Prepend an element to a list, only if the list exists', since: '2.2.0', complexity: PUSH_CX, handler: (c, argv) => push(c, argv, true, true) }),
  def('rpushx', { arity: -3, flags: ['write', 'denyoom', 'fast'], keys: [1, 1, 1], acl: W_FAST, group: 'list', summary: 'Append an element to a list, only if the list exists', since: '2.2.0', complexity: PUSH_CX, handler: (c, argv) => push(c, argv, false, true) }),
  def('lpop', { arity: -2, flags: ['write', 'fast'], keys: [1, 1, 1], acl: W_FAST, group: 'list', summary: 'Remove and get the first elements in a list', since: '1.0.0', complexity: 'O(N) where N is the number of elements returned', handler: (c, argv) => pop(c, argv, true) }),
  def('rpop', { arity: -2, flags: ['write', 'fast'], keys: [1, 1, 1], acl: W_FAST, group: 'list', summary: 'Remove and get the last elements in a list', since: '1.0.0', complexity: 'O(N) where N is the number of elements returned', handler: (c, argv) => pop(c, argv, false) }),
  def('llen', { arity: 2, flags: ['readonly', 'fast'], keys: [1, 1, 1], acl: R_FAST, group: 'list', summary: 'Get the length of a list', since: '1.0.0', complexity: 'O(1)', handler: llen }),
  def('lrange', { arity: 4, flags: ['readonly'], keys: [1, 1, 1], acl: R_SLOW, group: 'list', summary: 'Get a range of elements from a list', since: '1.0.0', complexity: 'O(S+N) where S is the distance of start offset from HEAD for small lists, from nearest end (HEAD or TAIL) for large lists; and N is the number of elements in the specified range.', handler: lrange }),
  def('lindex', { arity: 3, flags: ['readonly'], keys: [1, 1, 1], acl: R_SLOW, group: 'list', summary: 'Get an element from a list by its index', since: '1.0.0', complexity: 'O(N) where N is the number of elements to traverse to get to the element at index. This makes asking for the first or the last element of the list O(1).', handler: lindex }),
  def('lset', { arity: 4, flags: ['write', 'denyoom'], keys: [1, 1, 1], acl: W_SLOW, group: 'list', summary: 'Set the value of an element in a list by its index', since: '1.0.0', complexity: 'O(N) where N is the length of the list. Setting either the first or the last element of the list is O(1).', handler: lset }),
  def('linsert', { arity: 5, flags: ['write', 'denyoom'], keys: [1, 1, 1], acl: W_SLOW, group: 'list', summary: 'Insert an element before or after another element in a list', since: '2.2.0', complexity: 'O(N) where N is the number of elements to traverse before seeing the value pivot. This means that inserting somewhere on the left end on the list (head) can be considered O(1) and inserting somewhere on the right end (tail) is O(N).', handler: linsert }),
  def('lrem', { arity: 4, flags: ['write'], keys: [1, 1, 1], acl: W_SLOW, group: 'list', summary: 'Remove elements from a list', since: '1.0.0', complexity: 'O(N+M) where N is the length of the list and M is the number of elements removed.', handler: lrem }),
  def('ltrim', { arity: 4, flags: ['write'], keys: [1, 1, 1], acl: W_SLOW, group: 'list', summary: 'Trim a list to the specified range', since: '1.0.0', complexity: 'O(N) where N is the number of elements to be removed by the operation.', handler: ltrim }),
  def('lpos', { arity: -3, flags: ['readonly'], keys: [1, 1, 1], acl: R_SLOW, group: 'list', summary: 'Return the index of matching elements on a list', since: '6.0.6', complexity: 'O(N) where N is the number of elements in the list, for the average case. When searching for elements near the head or the tail of the list, or when the MAXLEN option is provided, the command may run in constant time.', handler: lpos }),
  def('lmove', { arity: 5, flags: ['write', 'denyoom'], keys: [1, 2, 1], acl: W_SLOW, group: 'list', summary: 'Pop an element from a list, push it to another list and return it', since: '6.2.0', complexity: 'O(1)', handler: lmove, cross: lmoveCross }),
  def('rpoplpush', { arity: 3, flags: ['write', 'denyoom'], keys: [1, 2, 1], acl: W_SLOW, group: 'list', summary: 'Remove the last element in a list, prepend it to another list and return it', since: '1.2.0', complexity: 'O(1)', handler: (c, argv) => lmoveGeneric(c, argv[1], argv[2], false, true), cross: (client, argv) => lmoveCrossGeneric(client, argv[1], argv[2], false, true) }),
  def('lmpop', { arity: -4, flags: ['write', 'movablekeys'], getKeys: (argv) => mpopKeys(argv, 1), acl: W_SLOW, group: 'list', summary: 'Pop elements from a list', since: '7.0.0', complexity: 'O(N+M) where N is the number of provided keys and M is the number of elements returned.', handler: lmpop, cross: lmpopCross }),
  def('blpop', { arity: -3, flags: ['write', 'noscript', 'blocking'], keys: [1, -2, 1], acl: W_BLOCK, group: 'list', summary: 'Remove and get the first element in a list, or block until one is available', since: '2.0.0', complexity: 'O(N) where N is the number of provided keys.', handler: (c, argv) => blpop(c, argv, true), cross: blpopCross }),
  def('brpop', { arity: -3, flags: ['write', 'noscript', 'blocking'], keys: [1, -2, 1], acl: W_BLOCK, group: 'list', summary: 'Remove and get the last element in a list, or block until one is available', since: '2.0.0', complexity: 'O(N) where N is the number of provided keys.', handler: (c, argv) => blpop(c, argv, false), cross: blpopCross }),
  def('blmove', { arity: 6, flags: ['write', 'denyoom', 'noscript', 'blocking'], keys: [1, 2, 1], acl: W_BLOCK, group: 'list', summary: 'Pop an element from a list, push it to another list and return it; or block until one is available', since: '6.2.0', complexity: 'O(1)', handler: blmove, cross: blmoveCross }),
  def('brpoplpush', { arity: 4, flags: ['write', 'denyoom', 'noscript', 'blocking'], keys: [1, 2, 1], acl: W_BLOCK, group: 'list', summary: 'Pop an element from a list, push it to another list and return it; or block until one is available', since: '2.2.0', complexity: 'O(1)', handler: brpoplpush, cross: brpoplpushCross }),
  def('blmpop', { arity: -5, flags: ['write', 'blocking', 'movablekeys'], getKeys: (argv) => mpopKeys(argv, 2), acl: W_BLOCK, group: 'list', summary: 'Pop elements from a list, or block until one is available', since: '7.0.0', complexity: 'O(N+M) where N is the number of provided keys and M is the number of elements returned.', handler: blmpop, cross: blmpopCross }),
  // Internal steps of the cross-shard handlers (invisible to clients).
  def('__ltypes', { arity: -2, flags: ['readonly'], keys: [1, -1, 1], group: 'internal', summary: 'List kinds of keys', since: '7.0.0', handler: ltypes }),
  def('__lpeek', { arity: 3, flags: ['readonly'], keys: [1, 1, 1], group: 'internal', summary: 'Read the list element a pop would take', since: '7.0.0', handler: lpeek }),
  def('__lpop1', { arity: 3, flags: ['write'], keys: [1, 1, 1], group: 'internal', summary: 'Pop one list element', since: '7.0.0', handler: lpop1 }),
  def('__lpush1', { arity: 4, flags: ['write'], keys: [1, 1, 1], group: 'internal', summary: 'Push one list element', since: '7.0.0', handler: lpush1 }),
];
