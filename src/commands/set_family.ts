// Set commands (t_set.c, Redis 7.0): SADD SREM SCARD SISMEMBER SMISMEMBER
// SMEMBERS SRANDMEMBER SPOP SMOVE SINTER SINTERCARD SINTERSTORE SUNION
// SUNIONSTORE SDIFF SDIFFSTORE SSCAN. Every lookup runs the lazy member-expiry
// hook (KeyDB subkey expires, subkey_expire.ts) first.
//
// Multi-key commands whose keys live on several shards run through `cross`
// handlers, atomic under the transaction locks: the coordinator locks every
// involved key (ascending shard order), reads the source sets through the
// internal __sget command (the codec of types/set.ts carries them), computes
// with the same code as the single-shard handler, and writes a STORE result
// with __sput while the locks are still held. SMOVE across shards probes both
// keys' types (__skind), then runs SREM on the source and SADD on the
// destination shard.

import { def } from './define.ts';
import type { CommandSpec, ExecContext } from './types.ts';
import type { ReplyWriter } from '../proto/reply_writer.ts';
import type { Client } from '../shards/client.ts';
import { SetValue, encodeSet, decodeSet } from '../shards/types/set.ts';
import { expireDueMembers, trackMemberExpires, MemberExpires } from '../shards/subkey_expire.ts';
import { scanMembers } from '../shards/types/member_scan.ts';
import { parseScanCursor } from '../shards/scan_cursor.ts';
import { stringMatch } from '../config/glob.ts';
import { parseI64 } from '../proto/number_format.ts';
import { withTxn, groupKeys } from '../router/cross.ts';
import { keyShard } from '../router/slot.ts';
import { arrayElements, intValue, isError, stringValue } from '../proto/reply_reader.ts';
import { randomSlots, parseMemberScanOptions, emptyScan } from './hash_family.ts';

const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';
const NOT_INT = 'ERR value is not an integer or out of range';
const SYNTAX = 'ERR syntax error';
const LONG_MAX = 9223372036854775807n;
/** The most elements a repeating random pick (negative count) replies. */
const MAX_RANDOM_REPLY = 1 << 24;
const OUT_OF_RANGE_LONG = 'ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807';

/** Marker for a key holding another type. */
const WRONG = false;
type Found = SetValue | undefined | typeof WRONG;

/** set-max-intset-entries. */
function maxIntset(c: { thread: { config: { str(n: string): string } } }): number {
  return Number(c.thread.config.str('set-max-intset-entries'));
}

/** The set at key without replying: undefined when missing, false for another type. */
function findSet(c: ExecContext, key: string, read: boolean): Found {
  const v = read ? c.ks.read(c.db, key) : c.ks.get(c.db, key);
  if (v === undefined) return undefined;
  if (typeof v !== 'object' || v.type !== 'set') return WRONG;
  const s = v as SetValue;
  if (s.memberExpires !== null && !expireDueMembers(c.ks, c.db, key, s)) return undefined;
  return s;
}

/** The set at key for a command: undefined when missing, null after a WRONGTYPE reply. */
export function lookupSet(c: ExecContext, key: string, read: boolean): SetValue | undefined | null {
  const s = findSet(c, key, read);
  if (s === WRONG) {
    c.out.error(WRONGTYPE);
    return null;
  }
  return s;
}

function storeOrDelete(c: ExecContext, key: string, s: SetValue): void {
  if (s.size === 0) c.ks.delete(c.db, key);
  else c.ks.update(c.db, key, s);
}

/** Members in the set's iteration order (intset: ascending). */
function replyMembers(out: ReplyWriter, members: string[], n = members.length): void {
  out.set(n);
  for (let i = 0; i < n; i++) out.bulk(members[i]);
}

/** The range-checked count argument of SRANDMEMBER / HRANDFIELD (getRangeLongFromObjectOrReply(-LONG_MAX, LONG_MAX)). */
function countArg(s: string): number | bigint | string {
  const l = parseI64(s);
  if (l === null) return NOT_INT;
  if (typeof l === 'bigint' && (l > LONG_MAX || l < -LONG_MAX)) return OUT_OF_RANGE_LONG;
  return l;
}

// ---- single-member commands --------------------------------------------------------

function sadd(c: ExecContext, argv: string[]): void {
  let s = lookupSet(c, argv[1], false);
  if (s === null) return;
  const created = s === undefined;
  if (s === undefined) s = SetValue.forMember(argv[2]);
  const max = s.isIntset ? maxIntset(c) : Infinity;
  let added = 0;
  for (let i = 2; i < argv.length; i++) if (s.add(argv[i], max)) added++;
  if (created) c.ks.set(c.db, argv[1], s);
  else if (added !== 0) c.ks.update(c.db, argv[1], s);
  c.out.int(added);
}

function srem(c: ExecContext, argv: string[]): void {
  const s = lookupSet(c, argv[1], false);
  if (s === null) return;
  if (s === undefined) {
    c.out.int(0);
    return;
  }
  let deleted = 0;
  for (let i = 2; i < argv.length; i++) {
    if (s.delete(argv[i])) {
      deleted++;
      if (s.size === 0) break;
    }
  }
  if (deleted !== 0) storeOrDelete(c, argv[1], s);
  c.out.int(deleted);
}

function scard(c: ExecContext, argv: string[]): void {
  const s = lookupSet(c, argv[1], true);
  if (s !== null) c.out.int(s === undefined ? 0 : s.size);
}

function sismember(c: ExecContext, argv: string[]): void {
  const s = lookupSet(c, argv[1], true);
  if (s !== null) c.out.int(s !== undefined && s.has(argv[2]) ? 1 : 0);
}

function smismember(c: ExecContext, argv: string[]): void {
  const s = lookupSet(c, argv[1], true);
  if (s === null) return;
  c.out.array(argv.length - 2);
  for (let i = 2; i < argv.length; i++) c.out.int(s !== undefined && s.has(argv[i]) ? 1 : 0);
}

function smembers(c: ExecContext, argv: string[]): void {
  const s = lookupSet(c, argv[1], true);
  if (s === null) return;
  if (s === undefined) c.out.set(0);
  else replyMembers(c.out, s.list());
}

// ---- SRANDMEMBER SPOP -------------------------------------------------------------

function srandmember(c: ExecContext, argv: string[]): void {
  const out = c.out;
  if (argv.length > 3) {
    out.error(SYNTAX);
    return;
  }
  if (argv.length === 2) {
    const s = lookupSet(c, argv[1], true);
    if (s === null) return;
    if (s === undefined) out.nullBulk();
    else out.bulk(s.memberAt(s.randomSlot()));
    return;
  }
  const l = countArg(argv[2]);
  if (typeof l === 'string') {
    out.error(l);
    return;
  }
  const s = lookupSet(c, argv[1], true);
  if (s === null) return;
  if (s === undefined) {
    out.array(0);
    return;
  }
  const uniq = l >= 0;
  const count = typeof l === 'number' ? Math.abs(l) : Number(l < 0n ? -l : l);
  if (count === 0) {
    out.array(0);
    return;
  }
  const a = s.list();
  const size = a.length;
  if (!uniq || count === 1) {
    // Redis would build this reply until it runs out of memory; refuse absurd sizes instead.
    if (count > MAX_RANDOM_REPLY) {
      out.error('ERR value is out of range');
      return;
    }
    out.array(count);
    for (let i = 0; i < count; i++) out.bulk(a[Math.floor(Math.random() * size)]);
    return;
  }
  if (count >= size) {
    out.array(size);
    for (let i = 0; i < size; i++) out.bulk(a[i]);
    return;
  }
  const slots = randomSlots(size, count, false);
  out.array(count);
  for (let i = 0; i < count; i++) out.bulk(a[slots[i]]);
}

/** SPOP's "create a new set" strategy threshold (SPOP_MOVE_STRATEGY_MUL). */
const SPOP_MOVE_STRATEGY_MUL = 5;

function spop(c: ExecContext, argv: string[]): void {
  const out = c.out;
  if (argv.length > 3) {
    out.error(SYNTAX);
    return;
  }
  const key = argv[1];
  if (argv.length === 2) {
    const s = lookupSet(c, key, false);
    if (s === null) return;
    if (s === undefined) {
      out.nullBulk();
      return;
    }
    out.bulk(s.deleteAt(s.randomSlot()));
    storeOrDelete(c, key, s);
    return;
  }
  const l = parseI64(argv[2]);
  if (l === null || l < 0) {
    out.error('ERR value is out of range, must be positive');
    return;
  }
  const s = lookupSet(c, key, false);
  if (s === null) return;
  if (s === undefined || l === 0) {
    out.set(0);
    return;
  }
  const size = s.size;
  const count = typeof l === 'bigint' ? Infinity : l;
  if (count >= size) {
    // The whole set, in its iteration order (Redis replies it through SUNION).
    replyMembers(out, s.list());
    c.ks.delete(c.db, key);
    return;
  }
  const remaining = size - count;
  out.set(count);
  if (remaining * SPOP_MOVE_STRATEGY_MUL > count) {
    for (let i = 0; i < count; i++) out.bulk(s.deleteAt(s.randomSlot()));
    c.ks.update(c.db, key, s);
    return;
  }
  // Move the few survivors to a new set (its encoding chosen afresh, as Redis
  // does), reply what is left in the old one.
  const max = maxIntset(c);
  let fresh: SetValue | null = null;
  const ttls = s.memberExpires;
  let kept: MemberExpires | null = null;
  for (let i = 0; i < remaining; i++) {
    const m = s.memberAt(s.randomSlot());
    const w = ttls === null ? undefined : ttls.get(m);
    s.delete(m);
    if (fresh === null) fresh = SetValue.forMember(m);
    fresh.add(m, max);
    if (w !== undefined) (kept ??= new MemberExpires()).set(m, w);
  }
  const rest = s.list();
  for (let i = 0; i < rest.length; i++) out.bulk(rest[i]);
  fresh!.memberExpires = kept;
  c.ks.update(c.db, key, fresh!);
  if (kept !== null) trackMemberExpires(c.ks, c.db, key, fresh!);
}

// ---- SMOVE ----------------------------------------------------------------------

function smove(c: ExecContext, argv: string[]): void {
  const src = findSet(c, argv[1], false);
  const dst = findSet(c, argv[2], false);
  const m = argv[3];
  if (src === undefined) {
    c.out.int(0);
    return;
  }
  if (src === WRONG || dst === WRONG) {
    c.out.error(WRONGTYPE);
    return;
  }
  if (src === dst) {
    c.out.int(src.has(m) ? 1 : 0);
    return;
  }
  if (!src.delete(m)) {
    c.out.int(0);
    return;
  }
  storeOrDelete(c, argv[1], src);
  if (dst === undefined) {
    const d = SetValue.forMember(m);
    d.add(m, maxIntset(c));
    c.ks.set(c.db, argv[2], d);
  } else {
    dst.add(m, maxIntset(c));
    c.ks.update(c.db, argv[2], dst);
  }
  c.out.int(1);
}

/** __skind key: 0 missing, 1 a set, 2 another type (cross-shard SMOVE's probe). */
function skind(c: ExecContext, argv: string[]): void {
  const s = findSet(c, argv[1], false);
  c.out.int(s === undefined ? 0 : s === WRONG ? 2 : 1);
}

async function smoveCross(client: Client, argv: string[]): Promise<void> {
  const src = argv[1];
  const dst = argv[2];
  const m = argv[3];
  const n = client.thread.threads;
  const sa = keyShard(src, n);
  const sb = keyShard(dst, n);
  const r = await withTxn(client, async (t): Promise<Buffer | number | string> => {
    const kinds = await t.lockAll([
      { shard: sa, cmds: [['__skind', src]], lock: [src] },
      { shard: sb, cmds: [['__skind', dst]], lock: [dst] },
    ]);
    const ks = intValue(kinds[0][0]);
    const kd = intValue(kinds[1][0]);
    if (ks === 0) return 0;
    if (ks === 2 || kd === 2) return WRONGTYPE;
    // Each key is let go by its last step (CrossShardTxn.closingStep; not inside EXEC): the source
    // once the member left it, while the destination stays locked until the member is in.
    const [removed] = await t.closingStep(sa, [['srem', src, m]]);
    if (isError(removed)) return removed;
    if (intValue(removed) === 0) return 0;
    const [added] = await t.closingStep(sb, [['sadd', dst, m]]);
    if (isError(added)) return added;
    return 1;
  });
  const out = client.out();
  if (typeof r === 'number') out.int(r);
  else if (typeof r === 'string') out.error(r);
  else out.raw(r);
}

// ---- set algebra -------------------------------------------------------------------

const OP_UNION = 0;
const OP_DIFF = 1;

/**
 * SINTER's core over the sets (all present): the members of the smallest set
 * (its iteration order) found in every other set, at most `limit` (0: all).
 */
function interMembers(sets: SetValue[], limit: number): string[] {
  const order = sets.slice().sort((a, b) => a.size - b.size);
  const first = order[0];
  const out: string[] = [];
  const a = first.list();
  outer: for (let i = 0; i < a.length; i++) {
    const m = a[i];
    for (let j = 1; j < order.length; j++) {
      const o = order[j];
      if (o === first) continue;
      if (!o.has(m)) continue outer;
    }
    out.push(m);
    if (limit !== 0 && out.length >= limit) break;
  }
  return out;
}

/** SUNION / SDIFF's result set (built as Redis does: an intset that converts as members are added). */
function unionDiff(sets: (SetValue | undefined)[], op: number, max: number): SetValue {
  const dst = new SetValue();
  if (op === OP_UNION) {
    for (const s of sets) {
      if (s === undefined) continue;
      const a = s.list();
      for (let i = 0; i < a.length; i++) dst.add(a[i], max);
    }
    return dst;
  }
  const first = sets[0];
  if (first === undefined) return dst;
  const a = first.list();
  outer: for (let i = 0; i < a.length; i++) {
    const m = a[i];
    for (let j = 1; j < sets.length; j++) {
      const o = sets[j];
      if (o === undefined) continue;
      if (o === first || o.has(m)) continue outer;
    }
    dst.add(m, max);
  }
  return dst;
}

/** A set holding the given members, built as Redis builds a STORE destination (intset first, converting). */
function buildSet(members: string[], max: number): SetValue {
  const s = new SetValue();
  for (let i = 0; i < members.length; i++) s.add(members[i], max);
  return s;
}

const K_INTER = 0;
const K_INTERCARD = 1;
const K_UNION = 2;
const K_DIFF = 3;

/** The outcome of a set-algebra command: an error, a count, or members to reply; `value` to store (null: delete). */
interface AlgebraResult {
  error: string | null;
  /** STORE forms and SINTERCARD: the integer reply. */
  count: number;
  /** SINTER / SUNION / SDIFF: the members to reply as a set, in order. */
  members: string[] | null;
  value: SetValue | null;
}

/** Compute a set-algebra command over the looked-up sources (in key order). */
function algebra(kind: number, found: Found[], store: boolean, limit: number, max: number): AlgebraResult {
  const r: AlgebraResult = { error: null, count: 0, members: null, value: null };
  for (const f of found) {
    if (f === WRONG) {
      r.error = WRONGTYPE;
      return r;
    }
  }
  const sets = found as (SetValue | undefined)[];
  if (kind === K_INTER || kind === K_INTERCARD) {
    for (const s of sets) {
      if (s === undefined) {
        if (!store && kind === K_INTER) r.members = [];
        return r;
      }
    }
    const members = interMembers(sets as SetValue[], kind === K_INTERCARD ? limit : 0);
    if (kind === K_INTERCARD) r.count = members.length;
    else if (!store) r.members = members;
    else {
      const v = buildSet(members, max);
      r.count = v.size;
      r.value = v.size === 0 ? null : v;
    }
    return r;
  }
  const v = unionDiff(sets, kind === K_UNION ? OP_UNION : OP_DIFF, max);
  if (!store) r.members = v.list();
  else {
    r.count = v.size;
    r.value = v.size === 0 ? null : v;
  }
  return r;
}

function replyAlgebra(out: ReplyWriter, r: AlgebraResult): void {
  if (r.error !== null) out.error(r.error);
  else if (r.members !== null) replyMembers(out, r.members);
  else out.int(r.count);
}

/** Single-shard SINTER / SUNION / SDIFF and their STORE forms; keys from argv[first]. */
function algebraLocal(c: ExecContext, argv: string[], kind: number, store: boolean): void {
  const first = store ? 2 : 1;
  const found: Found[] = [];
  // The sources are reads (keyspace hits and misses), STORE forms' too, as Redis 7.0 counts them.
  for (let i = first; i < argv.length; i++) found.push(findSet(c, argv[i], true));
  const r = algebra(kind, found, store, 0, maxIntset(c));
  replyAlgebra(c.out, r);
  if (r.error !== null || !store) return;
  if (r.value === null) c.ks.delete(c.db, argv[1]);
  else c.ks.set(c.db, argv[1], r.value);
}

// ---- SINTERCARD --------------------------------------------------------------------

interface InterCardArgs {
  numkeys: number;
  limit: number;
}

function parseInterCard(argv: string[]): InterCardArgs | string {
  const nk = parseI64(argv[1]);
  if (nk === null || nk < 1 || typeof nk === 'bigint') return nk !== null && typeof nk === 'bigint' && nk > 0n ? "ERR Number of keys can't be greater than number of args" : 'ERR numkeys should be greater than 0';
  if (nk > argv.length - 2) return "ERR Number of keys can't be greater than number of args";
  let limit = 0;
  for (let j = 2 + nk; j < argv.length; j++) {
    const more = argv.length - 1 - j;
    if (argv[j].toLowerCase() === 'limit' && more > 0) {
      j++;
      const l = parseI64(argv[j]);
      if (l === null || l < 0) return "ERR LIMIT can't be negative";
      limit = typeof l === 'bigint' ? Number.MAX_SAFE_INTEGER : l;
    } else return SYNTAX;
  }
  return { numkeys: nk, limit };
}

function sintercardKeys(argv: string[]): number[] {
  const nk = parseI64(argv[1] ?? '');
  if (nk === null || typeof nk === 'bigint' || nk < 1 || nk > argv.length - 2) return [];
  const out: number[] = [];
  for (let i = 0; i < nk; i++) out.push(2 + i);
  return out;
}

function sintercard(c: ExecContext, argv: string[]): void {
  const a = parseInterCard(argv);
  if (typeof a === 'string') {
    c.out.error(a);
    return;
  }
  const found: Found[] = [];
  for (let i = 0; i < a.numkeys; i++) found.push(findSet(c, argv[2 + i], true));
  replyAlgebra(c.out, algebra(K_INTERCARD, found, false, a.limit, 0));
}

// ---- cross-shard set algebra -------------------------------------------------------------

/** __sget r|w key...: per key a bulk: '-' missing, 'W' another type, else the set's codec body. */
function sget(c: ExecContext, argv: string[]): void {
  const read = argv[1] === 'r';
  c.out.array(argv.length - 2);
  for (let i = 2; i < argv.length; i++) {
    const s = findSet(c, argv[i], read);
    c.out.bulk(s === undefined ? '-' : s === WRONG ? 'W' : encodeSet(s));
  }
}

/** __sput key payload: store a set (codec body; TTL dropped, as a STORE does) or delete the key for ''. */
function sput(c: ExecContext, argv: string[]): void {
  if (argv[2] === '') c.ks.delete(c.db, argv[1]);
  else c.ks.set(c.db, argv[1], decodeSet(argv[2]));
  c.out.int(1);
}

/**
 * Cross-shard SINTER / SINTERCARD / SUNION / SDIFF (+STORE): lock every key
 * shard by shard (ascending), read the sources, compute here, store.
 */
async function algebraCross(client: Client, argv: string[], kind: number, store: boolean, keys: string[], limit: number): Promise<void> {
  const dst = store ? argv[1] : null;
  const n = client.thread.threads;
  // Distinct keys grouped by shard; the destination is locked with its shard's sources.
  const all = dst === null ? keys : [dst, ...keys];
  const groups = groupKeys(all, all.map((_, i) => i), n);
  const values = new Map<string, Found>();
  const r = await withTxn(client, async (t): Promise<AlgebraResult | Buffer> => {
    for (const g of groups) {
      const lock: string[] = [];
      const fetch: string[] = [];
      for (const p of g.positions) {
        const k = all[p];
        if (lock.includes(k)) continue;
        lock.push(k);
        if (dst === null || p !== 0 || keys.includes(k)) fetch.push(k);
      }
      const replies = await t.step(g.shard, fetch.length === 0 ? [] : [['__sget', 'r', ...fetch]], lock);
      if (fetch.length === 0) continue;
      const reply = replies[0];
      if (isError(reply)) return reply;
      const el = arrayElements(reply);
      for (let i = 0; i < fetch.length; i++) {
        const b = stringValue(el[i])!;
        values.set(fetch[i], b === '-' ? undefined : b === 'W' ? WRONG : decodeSet(b));
      }
    }
    const res = algebra(kind, keys.map((k) => values.get(k)), store, limit, maxIntset(client));
    if (res.error !== null || dst === null) return res;
    const [w] = await t.step(keyShard(dst, n), [['__sput', dst, res.value === null ? '' : encodeSet(res.value)]], null);
    return isError(w) ? w : res;
  });
  const out = client.out();
  if (Buffer.isBuffer(r)) out.raw(r);
  else replyAlgebra(out, r);
}

function algebraCrossFor(kind: number, store: boolean) {
  return (client: Client, argv: string[]): Promise<void> => algebraCross(client, argv, kind, store, argv.slice(store ? 2 : 1), 0);
}

async function sintercardCross(client: Client, argv: string[]): Promise<void> {
  const a = parseInterCard(argv);
  if (typeof a === 'string') {
    client.out().error(a);
    return;
  }
  await algebraCross(client, argv, K_INTERCARD, false, argv.slice(2, 2 + a.numkeys), a.limit);
}

// ---- SSCAN --------------------------------------------------------------------------

function sscan(c: ExecContext, argv: string[]): void {
  const cursor = parseScanCursor(argv[2]);
  if (cursor === null) {
    c.out.error('ERR invalid cursor');
    return;
  }
  const s = lookupSet(c, argv[1], true);
  if (s === null) return;
  if (s === undefined) {
    emptyScan(c);
    return;
  }
  const opts = parseMemberScanOptions(argv, 3);
  if (typeof opts === 'string') {
    c.out.error(opts);
    return;
  }
  const pattern = opts.pattern;
  const found: string[] = [];
  let next = 0;
  if (s.ht === null) {
    const a = s.list();
    for (let i = 0; i < a.length; i++) if (pattern === null || stringMatch(pattern, a[i])) found.push(a[i]);
  } else {
    next = scanMembers(c.ks, s.ht.index, cursor, opts.count, (m) => {
      if (pattern === null || stringMatch(pattern, m)) found.push(m);
    });
  }
  const out = c.out;
  out.array(2);
  out.bulk(String(next));
  out.array(found.length);
  for (let i = 0; i < found.length; i++) out.bulk(found[i]);
}

// ---- the table ------------------------------------------------------------------------

const W = ['@write', '@set'];
const R = ['@read', '@set'];

export const setCommands: CommandSpec[] = [
  def('sadd', { arity: -3, flags: ['write', 'denyoom', 'fast'], keys: [1, 1, 1], acl: [...W, '@fast'], group: 'set', summary: 'Add one or more members to a set', since: '1.0.0', complexity: 'O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.', handler: sadd }),
  def('srem', { arity: -3, flags: ['write', 'fast'], keys: [1, 1, 1], acl: [...W, '@fast'], group: 'set', summary: 'Remove one or more members from a set', since: '1.0.0', complexity: 'O(N) where N is the number of members to be removed.', handler: srem }),
  def('scard', { arity: 2, flags: ['readonly', 'fast'], keys: [1, 1, 1], acl: [...R, '@fast'], group: 'set', summary: 'Get the number of members in a set', since: '1.0.0', complexity: 'O(1)', handler: scard }),
  def('sismember', { arity: 3, flags: ['readonly', 'fast'], keys: [1, 1, 1], acl: [...R, '@fast'], group: 'set', summary: 'Determine if a given value is a member of a set', since: '1.0.0', complexity: 'O(1)', handler: sismember }),
  def('smismember', { arity: -3, flags: ['readonly', 'fast'], keys: [1, 1, 1], acl: [...R, '@fast'], group: 'set', summary: 'Returns the membership associated with the given elements for a set', since: '6.2.0', complexity: 'O(N) where N is the number of elements being checked for membership', handler: smismember }),
  def('smembers', { arity: 2, flags: ['readonly'], keys: [1, 1, 1], acl: [...R, '@slow'], group: 'set', summary: 'Get all the members in a set', since: '1.0.0', complexity: 'O(N) where N is the set cardinality.', handler: smembers }),
  def('srandmember', { arity: -2, flags: ['readonly'], keys: [1, 1, 1], acl: [...R, '@slow'], group: 'set', summary: 'Get one or multiple random members from a set', since: '1.0.0', complexity: 'Without the count argument O(1), otherwise O(N) where N is the absolute value of the passed count.', handler: srandmember }),
  def('spop', { arity: -2, flags: ['write', 'fast'], keys: [1, 1, 1], acl: [...W, '@fast'], group: 'set', summary: 'Remove and return one or multiple random members from a set', since: '1.0.0', complexity: 'Without the count argument O(1), otherwise O(N) where N is the value of the passed count.', handler: spop }),
  def('smove', { arity: 4, flags: ['write', 'fast'], keys: [1, 2, 1], acl: [...W, '@fast'], group: 'set', summary: 'Move a member from one set to another', since: '1.0.0', complexity: 'O(1)', handler: smove, cross: smoveCross }),
  def('sinter', { arity: -2, flags: ['readonly'], keys: [1, -1, 1], acl: [...R, '@slow'], group: 'set', summary: 'Intersect multiple sets', since: '1.0.0', complexity: 'O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.', handler: (c, argv) => algebraLocal(c, argv, K_INTER, false), cross: algebraCrossFor(K_INTER, false) }),
  def('sintercard', { arity: -3, flags: ['readonly', 'movablekeys'], getKeys: sintercardKeys, acl: [...R, '@slow'], group: 'set', summary: 'Intersect multiple sets and return the cardinality of the result', since: '7.0.0', complexity: 'O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.', handler: sintercard, cross: sintercardCross }),
  def('sinterstore', { arity: -3, flags: ['write', 'denyoom'], keys: [1, -1, 1], acl: [...W, '@slow'], group: 'set', summary: 'Intersect multiple sets and store the resulting set in a key', since: '1.0.0', complexity: 'O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.', handler: (c, argv) => algebraLocal(c, argv, K_INTER, true), cross: algebraCrossFor(K_INTER, true) }),
  def('sunion', { arity: -2, flags: ['readonly'], keys: [1, -1, 1], acl: [...R, '@slow'], group: 'set', summary: 'Add multiple sets', since: '1.0.0', complexity: 'O(N) where N is the total number of elements in all given sets.', handler: (c, argv) => algebraLocal(c, argv, K_UNION, false), cross: algebraCrossFor(K_UNION, false) }),
  def('sunionstore', { arity: -3, flags: ['write', 'denyoom'], keys: [1, -1, 1], acl: [...W, '@slow'], group: 'set', summary: 'Add multiple sets and store the resulting set in a key', since: '1.0.0', complexity: 'O(N) where N is the total number of elements in all given sets.', handler: (c, argv) => algebraLocal(c, argv, K_UNION, true), cross: algebraCrossFor(K_UNION, true) }),
  def('sdiff', { arity: -2, flags: ['readonly'], keys: [1, -1, 1], acl: [...R, '@slow'], group: 'set', summary: 'Subtract multiple sets', since: '1.0.0', complexity: 'O(N) where N is the total number of elements in all given sets.', handler: (c, argv) => algebraLocal(c, argv, K_DIFF, false), cross: algebraCrossFor(K_DIFF, false) }),
  def('sdiffstore', { arity: -3, flags: ['write', 'denyoom'], keys: [1, -1, 1], acl: [...W, '@slow'], group: 'set', summary: 'Subtract multiple sets and store the resulting set in a key', since: '1.0.0', complexity: 'O(N) where N is the total number of elements in all given sets.', handler: (c, argv) => algebraLocal(c, argv, K_DIFF, true), cross: algebraCrossFor(K_DIFF, true) }),
  def('sscan', { arity: -3, flags: ['readonly'], keepsState: true, keys: [1, 1, 1], acl: [...R, '@slow'], group: 'set', summary: 'Incrementally iterate Set elements', since: '2.8.0', complexity: 'O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..', handler: sscan }),
  // Internal steps of the cross-shard forms (invisible to clients).
  def('__skind', { arity: 2, flags: ['readonly'], keys: [1, 1, 1], group: 'internal', summary: 'SMOVE: the type of a key (0 none, 1 set, 2 other)', since: '0', handler: skind }),
  def('__sget', { arity: -3, flags: ['readonly'], keys: [2, -1, 1], group: 'internal', summary: 'Set algebra: read sets', since: '0', handler: sget }),
  def('__sput', { arity: 3, flags: ['write'], keys: [1, 1, 1], group: 'internal', summary: 'Set algebra: store a result set', since: '0', handler: sput }),
];
