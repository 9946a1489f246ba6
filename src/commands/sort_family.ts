// SORT and SORT_RO (sort.c): sort the elements of a list, set or sorted set
// numerically or lexicographically (ALPHA), by the elements themselves or by
// external keys (BY pattern, hash fields with 'pattern->field'), with LIMIT,
// ASC / DESC, GET patterns ('#' is the element itself) and STORE (the result
// becomes a list).
//
// Where the keys live. BY / GET patterns name keys that the command does not
// declare, and in this server they may live on any shard:
//  - with one server thread, or with no pattern lookups at all, SORT runs
//    like any single-key command on the shard owning its key(s) (a STORE
//    destination on another shard makes it a cross-shard command as usual);
//  - with several threads and pattern lookups, the command spec's crossIf
//    hook (table.ts shardOf) sends it through sortCross, always:
//     a) when the source, the destination and every key a pattern can form
//        are provably on one shard (each pattern has a complete hash tag
//        before its '*', e.g. 'w_{user}_*'), the whole command runs as one
//        step on that shard under a whole-shard lock, so no other
//        transaction's locked keys are read half-way;
//     b) otherwise the coordinator reads the elements once without locks,
//        computes the keys the patterns name, then locks the source, the
//        destination and all those keys (ascending shards), re-reads the
//        elements and fetches the pattern values under the locks. If the
//        elements read under the lock need a key that was not locked (the
//        source changed in between) it starts over with every shard locked.
//        The sort is computed on the coordinator; STORE writes the list on the
//        destination's shard while the locks are still held.
//    Either way every value SORT sees comes from one consistent moment.

import { def } from './define.ts';
import type { CommandSpec, ExecContext } from './types.ts';
import type { Client } from '../shards/client.ts';
import type { Keyspace, StoredValue } from '../shards/keyspace.ts';
import type { ReplyWriter } from '../proto/reply_writer.ts';
import { parseI64, parseDouble } from '../proto/number_format.ts';
import { withTxn } from '../router/cross.ts';
import { keyShard } from '../router/slot.ts';
import { arrayElements, isError, stringValue, intValue } from '../proto/reply_reader.ts';
import { liveValue } from '../shards/subkey_expire.ts';
import type { SetValue } from '../shards/types/set.ts';
import type { ZSetValue } from '../shards/types/zset.ts';
import type { HashValue } from '../shards/types/hash.ts';
import { ListValue } from '../shards/types/list.ts';
import { cstr } from '../proto/c_string.ts';

const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';
const NOT_INT = 'ERR value is not an integer or out of range';
const SYNTAX = 'ERR syntax error';
const BAD_SCORE = "ERR One or more scores can't be converted into double";

// ---- options ---------------------------------------------------------------------

interface SortOptions {
  desc: boolean;
  alpha: boolean;
  limitStart: number;
  limitCount: number;
  store: string | null;
  /** The last BY pattern, null when none. */
  sortby: string | null;
  /** A BY pattern without '*' was given: keep the native order. */
  dontsort: boolean;
  gets: string[];
}

/** Parse SORT's options as sortCommandGeneric does; null after the error reply. */
function parseOptions(argv: string[], readonly: boolean, out: ReplyWriter): SortOptions | null {
  const o: SortOptions = { desc: false, alpha: false, limitStart: 0, limitCount: -1, store: null, sortby: null, dontsort: false, gets: [] };
  const argc = argv.length;
  for (let j = 2; j < argc; j++) {
    const left = argc - j - 1;
    const opt = cstr(argv[j]).toLowerCase();
    if (opt === 'asc') o.desc = false;
    else if (opt === 'desc') o.desc = true;
    else if (opt === 'alpha') o.alpha = true;
    else if (opt === 'limit' && left >= 2) {
      const s = parseI64(argv[j + 1]);
      const n = s === null ? null : parseI64(argv[j + 2]);
      if (s === null || n === null) {
        out.error(NOT_INT);
        return null;
      }
      o.limitStart = Number(s);
      o.limitCount = Number(n);
      j += 2;
    } else if (!readonly && opt === 'store' && left >= 1) o.store = argv[++j];
    else if (opt === 'by' && left >= 1) {
      o.sortby = argv[++j];
      if (cstr(o.sortby).indexOf('*') < 0) o.dontsort = true;
    } else if (opt === 'get' && left >= 1) o.gets.push(argv[++j]);
    else {
      out.error(SYNTAX);
      return null;
    }
  }
  return o;
}

/** SORT's key positions: the key, and the STORE destination (the last one), as the parser sees them. */
function sortKeys(argv: string[]): number[] {
  let dest = -1;
  const argc = argv.length;
  for (let j = 2; j < argc; j++) {
    const left = argc - j - 1;
    const opt = cstr(argv[j]).toLowerCase();
    if (opt === 'asc' || opt === 'desc' || opt === 'alpha') continue;
    if (opt === 'limit' && left >= 2) j += 2;
    else if (opt === 'store' && left >= 1) dest = ++j;
    else if ((opt === 'by' || opt === 'get') && left >= 1) j++;
    else break;
  }
  return dest < 0 ? [1] : [1, dest];
}

// ---- patterns ----------------------------------------------------------------------

/** A BY / GET pattern split for substitution (lookupKeyByPattern). */
interface Pattern {
  /** '#': the element itself. */
  self: boolean;
  /** No '*': never names a key (lookups give nothing). */
  none: boolean;
  prefix: string;
  postfix: string;
  /** Hash field ('key*->field'), or null for a string key. */
  field: string | null;
  /** The hash tag fixing the shard of every key formed, or null when the element can change it. */
  fixedTag: string | null;
}

const patternCache = new Map<string, Pattern>();

function compilePattern(p: string): Pattern {
  let c = patternCache.get(p);
  if (c !== undefined) return c;
  c = { self: false, none: false, prefix: '', postfix: '', field: null, fixedTag: null };
  const cp = cstr(p);
  if (cp === '#') c.self = true;
  else {
    const star = cp.indexOf('*');
    if (star < 0) c.none = true;
    else {
      const arrow = cp.indexOf('->', star + 1);
      let keyEnd = p.length;
      if (arrow >= 0 && arrow + 2 < p.length && p.charCodeAt(arrow + 2) !== 0) {
        c.field = p.slice(arrow + 2);
        keyEnd = arrow;
      }
      c.prefix = p.slice(0, star);
      c.postfix = p.slice(star + 1, keyEnd);
      // A complete, non-empty {tag} before the '*' decides the slot of every key formed.
      const open = c.prefix.indexOf('{');
      if (open >= 0) {
        const close = c.prefix.indexOf('}', open + 1);
        if (close > open + 1) c.fixedTag = c.prefix;
      }
    }
  }
  if (patternCache.size > 1000) patternCache.clear();
  patternCache.set(p, c);
  return c;
}

/** Reads the value a pattern names for an element: a string, or null when there is none. */
type Lookup = (p: Pattern, elem: string) => string | null;

/** lookupKeyByPattern on the local keyspace. */
function localLookup(ks: Keyspace, db: number): Lookup {
  return (p, elem) => {
    if (p.self) return elem;
    if (p.none) return null;
    return readPatternKey(ks, db, p.prefix + elem + p.postfix, p.field);
  };
}

/** The string at key (field === null) or the hash field's value; null for a missing key, field or other type. */
function readPatternKey(ks: Keyspace, db: number, key: string, field: string | null): string | null {
  const v = liveValue(ks, db, key, true);
  if (v === undefined) return null;
  if (field === null) {
    if (typeof v === 'string') return v;
    if (typeof v === 'number') return String(v);
    return null;
  }
  if (typeof v !== 'object' || v.type !== 'hash') return null;
  const r = (v as HashValue).get(field);
  return r === undefined ? null : r;
}

// ---- the sort itself ------------------------------------------------------------------

type Kind = 'list' | 'set' | 'zset';

/** strtod as SORT uses it: the whole C string must convert; errors (and NaN, ERANGE) give null. */
function sortScore(s: string): number | null {
  const c = cstr(s);
  if (c.length === 0) return 0;
  let i = 0;
  for (; i < c.length; i++) {
    const ch = c.charCodeAt(i);
    if (ch !== 32 && (ch < 9 || ch > 13)) break;
  }
  if (i === c.length) return null;
  const v = parseDouble(i === 0 ? c : c.slice(i));
  if (v === null) return null;
  // glibc's strtod reports ERANGE for results in the subnormal range too.
  if (v !== 0 && v > -2.2250738585072014e-308 && v < 2.2250738585072014e-308) return null;
  return v;
}

/** memcmp-then-length order of two byte strings (compareStringObjects). */
function binaryCompare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** strcoll in the C / C.UTF-8 locale: byte order up to the first NUL. */
function collate(a: string, b: string): number {
  return binaryCompare(cstr(a), cstr(b));
}

/** What SORT produced: the elements to output, or an error. */
interface SortResult {
  error: string | null;
  /** The selected elements, in output order. */
  vector: string[];
}

/**
 * Sort (or select) the elements as sortCommandGeneric does. `elems` come in
 * the value's native order: list order, set iteration order, sorted-set rank
 * order. `lookup` reads what BY patterns name.
 */
function runSort(o: SortOptions, kind: Kind, elems: string[], lookup: Lookup): SortResult {
  let dontsort = o.dontsort;
  let alpha = o.alpha;
  let sortby: Pattern | null = o.sortby !== null ? compilePattern(o.sortby) : null;
  if (dontsort && kind === 'set' && o.store !== null) {
    // A set has no order of its own: sorting makes STORE's result reproducible.
    dontsort = false;
    alpha = true;
    sortby = null;
  }
  const n = elems.length;
  let start = o.limitStart < 0 ? 0 : o.limitStart;
  let end = o.limitCount < 0 ? n - 1 : start + o.limitCount - 1;
  if (start >= n) {
    start = n - 1;
    end = n - 2;
  }
  if (end >= n) end = n - 1;

  if (dontsort && kind !== 'set') {
    // Native order (reversed for DESC), only the LIMIT range.
    const out: string[] = [];
    if (o.desc) for (let j = n - 1 - start; j >= n - 1 - end; j--) out.push(elems[j]);
    else for (let j = start; j <= end; j++) out.push(elems[j]);
    return { error: null, vector: out };
  }
  let vector = elems;
  let error: string | null = null;
  if (!dontsort) {
    const desc = o.desc ? -1 : 1;
    const idx = new Array<number>(n);
    for (let j = 0; j < n; j++) idx[j] = j;
    if (alpha) {
      if (sortby !== null) {
        const cmp: (string | null)[] = new Array(n);
        for (let j = 0; j < n; j++) cmp[j] = lookup(sortby, elems[j]);
        const f = o.store !== null ? binaryCompare : collate;
        idx.sort((x, y) => {
          const a = cmp[x];
          const b = cmp[y];
          if (a === null || b === null) return (a === b ? 0 : a === null ? -1 : 1) * desc;
          return f(a, b) * desc;
        });
      } else {
        const f = o.store !== null ? binaryCompare : collate;
        idx.sort((x, y) => f(elems[x], elems[y]) * desc);
      }
    } else {
      const score = new Float64Array(n);
      for (let j = 0; j < n; j++) {
        const v = sortby !== null ? lookup(sortby, elems[j]) : elems[j];
        if (v === null) continue;
        const s = sortScore(v);
        if (s === null) error = BAD_SCORE;
        else score[j] = s;
      }
      idx.sort((x, y) => {
        const a = score[x];
        const b = score[y];
        const c = a > b ? 1 : a < b ? -1 : binaryCompare(elems[x], elems[y]);
        return c * desc;
      });
    }
    vector = new Array(n);
    for (let j = 0; j < n; j++) vector[j] = elems[idx[j]];
  }
  if (error !== null) return { error, vector: [] };
  return { error: null, vector: start === 0 && end === n - 1 ? vector : vector.slice(start, end + 1) };
}

/** The GET values for the selected elements (null where a pattern names nothing). */
function getValues(o: SortOptions, vector: string[], lookup: Lookup): (string | null)[] {
  if (o.gets.length === 0) return vector;
  const pats = o.gets.map(compilePattern);
  const out: (string | null)[] = [];
  for (const e of vector) for (const p of pats) out.push(lookup(p, e));
  return out;
}

function replyValues(out: ReplyWriter, values: (string | null)[]): void {
  out.array(values.length);
  for (const v of values) {
    if (v === null) out.nullBulk();
    else out.bulk(v);
  }
}

// ---- reading the source --------------------------------------------------------------

/** The elements of a list / set / sorted set in native order (a sorted set turns skiplist-encoded, as Redis does). */
function elementsOf(v: StoredValue): { kind: Kind; elems: string[] } | null {
  if (typeof v !== 'object') return null;
  switch (v.type) {
    case 'list':
      return { kind: 'list', elems: (v as ListValue).toArray() };
    case 'set':
      return { kind: 'set', elems: (v as SetValue).list().slice() };
    case 'zset': {
      const z = v as ZSetValue;
      z.toSkiplist();
      return { kind: 'zset', elems: z.toArrays()[0] };
    }
    default:
      return null;
  }
}

/** Store SORT's result as a list (or delete the destination when empty), as setKey / dbDelete. */
function storeList(ks: Keyspace, db: number, dest: string, values: (string | null)[]): void {
  ks.get(db, dest); // lookupKeyWrite: an expired destination is removed first
  if (values.length === 0) {
    ks.delete(db, dest);
    return;
  }
  const elems: string[] = new Array(values.length);
  for (let i = 0; i < values.length; i++) elems[i] = values[i] ?? '';
  ks.set(db, dest, ListValue.fromArray(elems));
}

function sortGeneric(c: ExecContext, argv: string[], readonly: boolean): void {
  const o = parseOptions(argv, readonly, c.out);
  if (o === null) return;
  const v = liveValue(c.ks, c.db, argv[1], true);
  let src: { kind: Kind; elems: string[] };
  if (v === undefined) src = { kind: 'list', elems: [] };
  else {
    const e = elementsOf(v);
    if (e === null) {
      c.out.error(WRONGTYPE);
      return;
    }
    src = e;
  }
  const lookup = localLookup(c.ks, c.db);
  const r = runSort(o, src.kind, src.elems, lookup);
  if (r.error !== null) {
    c.out.error(r.error);
    return;
  }
  const values = getValues(o, r.vector, lookup);
  if (o.store === null) replyValues(c.out, values);
  else {
    storeList(c.ks, c.db, o.store, values);
    c.out.int(values.length);
  }
}

// ---- across shards ----------------------------------------------------------------------

/** The patterns whose lookups this request performs (BY when sorting by it, GETs other than '#'). */
function lookupPatterns(o: SortOptions): Pattern[] {
  const out: Pattern[] = [];
  if (!o.dontsort && o.sortby !== null) out.push(compilePattern(o.sortby));
  for (const g of o.gets) {
    const p = compilePattern(g);
    if (!p.self && !p.none) out.push(p);
  }
  return out;
}

/**
 * The crossIf hook (table.ts): with several threads, a SORT whose patterns
 * read keys runs through sortCross even when its declared keys share a shard.
 */
function sortCrossIf(argv: string[], _shard: number, shards: number): boolean {
  if (shards === 1) return false;
  const o = parseOptions(argv, false, SILENT);
  return o !== null && lookupPatterns(o).length > 0;
}

/** A writer that drops everything (parsing for routing decisions). */
const SILENT = { error(): void {} } as unknown as ReplyWriter;

/**
 * Internal step: the source's type and elements in native order; null when
 * missing; WRONGTYPE for another type. `__sort_elems key` reads it as SORT
 * does (a keyspace hit or miss); `__sort_elems key again` reads it without
 * counting: the source is read more than once when it runs across shards,
 * and SORT counts it once.
 */
function sortElemsStep(c: ExecContext, argv: string[]): void {
  const v = liveValue(c.ks, c.db, argv[1], argv.length === 2);
  if (v === undefined) {
    c.out.nullBulk();
    return;
  }
  const e = elementsOf(v);
  if (e === null) {
    c.out.error(WRONGTYPE);
    return;
  }
  c.out.array(e.elems.length + 1);
  c.out.simple(e.kind);
  for (const x of e.elems) c.out.bulk(x);
}

/** Internal step: values named by patterns, for pairs (key, 's' for a string | 'h' + field). */
function sortFetchStep(c: ExecContext, argv: string[]): void {
  const out = c.out;
  out.array((argv.length - 1) >> 1);
  for (let i = 1; i + 1 < argv.length; i += 2) {
    const spec = argv[i + 1];
    const r = readPatternKey(c.ks, c.db, argv[i], spec.charCodeAt(0) === 104 /* h */ ? spec.slice(1) : null);
    if (r === null) out.nullBulk();
    else out.bulk(r);
  }
}

/** Internal step: store SORT's result list (no elements: delete the destination). */
function sortStoreStep(c: ExecContext, argv: string[]): void {
  storeList(c.ks, c.db, argv[1], argv.slice(2));
  c.out.int(argv.length - 2);
}

type Source = { kind: Kind; elems: string[] };

function failed(x: Source | Buffer): x is Buffer {
  return Buffer.isBuffer(x);
}

/** The elements as read by __sort_elems; an error reply as a Buffer. */
function readElems(r: Buffer): { kind: Kind; elems: string[] } | Buffer {
  if (isError(r)) return r;
  if (r[0] !== 42 /* * */) return { kind: 'list', elems: [] };
  const el = arrayElements(r);
  const elems: string[] = new Array(el.length - 1);
  for (let i = 1; i < el.length; i++) elems[i - 1] = stringValue(el[i]) ?? '';
  return { kind: stringValue(el[0]) as Kind, elems };
}

/** A fetch request: where the value lives. */
interface FetchKey {
  key: string;
  field: string | null;
}

function fetchId(key: string, field: string | null): string {
  return field === null ? 's' + key : 'h' + field.length + ':' + field + key;
}

/** Every (key, field) the patterns name for these elements. */
function neededFetches(pats: Pattern[], elems: string[]): Map<string, FetchKey> {
  const need = new Map<string, FetchKey>();
  for (const p of pats) {
    for (const e of elems) {
      const key = p.prefix + e + p.postfix;
      const id = fetchId(key, p.field);
      if (!need.has(id)) need.set(id, { key, field: p.field });
    }
  }
  return need;
}

class NotFetched extends Error {}

/** Lookup from values fetched under the locks; throws NotFetched for a value nobody read. */
function fetchedLookup(values: Map<string, string | null>): Lookup {
  return (p, elem) => {
    if (p.self) return elem;
    if (p.none) return null;
    const v = values.get(fetchId(p.prefix + elem + p.postfix, p.field));
    if (v === undefined) throw new NotFetched();
    return v;
  };
}

/** Fetch steps per shard (ascending): the __sort_fetch command for each shard's requests. */
function fetchCommands(need: Map<string, FetchKey>, shards: number): Map<number, { cmd: string[]; ids: string[]; keys: string[] }> {
  const by = new Map<number, { cmd: string[]; ids: string[]; keys: string[] }>();
  for (const [id, f] of need) {
    const s = keyShard(f.key, shards);
    let g = by.get(s);
    if (g === undefined) by.set(s, (g = { cmd: ['__sort_fetch'], ids: [], keys: [] }));
    g.cmd.push(f.key, f.field === null ? 's' : 'h' + f.field);
    g.ids.push(id);
    g.keys.push(f.key);
  }
  return by;
}

/** Record a __sort_fetch reply into values. */
function takeFetched(values: Map<string, string | null>, ids: string[], r: Buffer): void {
  const el = arrayElements(r);
  for (let i = 0; i < ids.length; i++) values.set(ids[i], stringValue(el[i]));
}

/** What the coordinator answers: RESP bytes of an error / reply computed here. */
type Outcome = { raw: Buffer } | { values: (string | null)[]; store: boolean };

async function sortCross(client: Client, argv: string[], readonly: boolean): Promise<void> {
  const o = parseOptions(argv, readonly, client.out());
  if (o === null) return;
  const n = client.thread.threads;
  const key = argv[1];
  const srcShard = keyShard(key, n);
  const dest = o.store;
  const destShard = dest === null ? srcShard : keyShard(dest, n);
  const pats = lookupPatterns(o);

  // a) Everything provably on one shard: run the command there under a whole-shard lock.
  let oneShard = destShard === srcShard;
  for (const p of pats) if (p.fixedTag === null || keyShard(p.fixedTag, n) !== srcShard) oneShard = false;
  if (oneShard) {
    const [r] = await withTxn(client, (t) => t.step(srcShard, [argv], 'all'));
    client.out().raw(r);
    return;
  }

  // b) Optimistic: read the elements, lock what they need, verify under the locks.
  let outcome = await withTxn(client, async (t): Promise<Outcome | null> => {
    let need = new Map<string, FetchKey>();
    if (pats.length > 0) {
      const [pre] = await t.step(srcShard, [['__sort_elems', key, 'again']], null);
      const src = readElems(pre);
      if (failed(src)) return { raw: src };
      need = neededFetches(pats, src.elems);
    }
    const fetch = fetchCommands(need, n);
    const shardsInvolved = new Set<number>([srcShard, destShard, ...fetch.keys()]);
    const values = new Map<string, string | null>();
    let src: Source | Buffer = { kind: 'list', elems: [] };
    for (const s of [...shardsInvolved].sort((a, b) => a - b)) {
      const f = fetch.get(s);
      const lock = f !== undefined ? f.keys.slice() : [];
      const cmds: string[][] = [];
      if (s === srcShard) {
        lock.push(key);
        cmds.push(['__sort_elems', key]);
      }
      if (s === destShard && dest !== null) lock.push(dest);
      if (f !== undefined) cmds.push(f.cmd);
      const r = await t.step(s, cmds, lock);
      let k = 0;
      if (s === srcShard) src = readElems(r[k++]);
      if (f !== undefined) takeFetched(values, f.ids, r[k]);
    }
    if (failed(src)) return { raw: src };
    try {
      return await finishSort(t, o, src, fetchedLookup(values), destShard);
    } catch (e) {
      if (e instanceof NotFetched) return null;
      throw e;
    }
  });

  // The source changed between the two reads in a way that needs other keys: lock every shard.
  if (outcome === null) {
    outcome = await withTxn(client, async (t): Promise<Outcome> => {
      let src: Source | Buffer = { kind: 'list', elems: [] };
      for (let s = 0; s < n; s++) {
        const r = await t.step(s, s === srcShard ? [['__sort_elems', key, 'again']] : [], 'all');
        if (s === srcShard) src = readElems(r[0]);
      }
      if (failed(src)) return { raw: src };
      const fetch = fetchCommands(neededFetches(pats, src.elems), n);
      const values = new Map<string, string | null>();
      for (const [s, f] of [...fetch].sort((a, b) => a[0] - b[0])) {
        const [r] = await t.step(s, [f.cmd], null);
        takeFetched(values, f.ids, r);
      }
      return finishSort(t, o, src, fetchedLookup(values), destShard);
    });
  }
  // (The writer is taken only now: other clients wrote replies while this one waited.)
  const out = client.out();
  if ('raw' in outcome) out.raw(outcome.raw);
  else if (!outcome.store) replyValues(out, outcome.values);
  else out.int(outcome.values.length);
}

/** Sort on the coordinator and, for STORE, write the list on the destination's shard (still under the locks). */
async function finishSort(t: { step(shard: number, cmds: string[][], lock: null): Promise<Buffer[]> }, o: SortOptions, src: { kind: Kind; elems: string[] }, lookup: Lookup, destShard: number): Promise<Outcome> {
  const r = runSort(o, src.kind, src.elems, lookup);
  if (r.error !== null) return { raw: Buffer.from(`-${r.error}\r\n`, 'latin1') };
  const values = getValues(o, r.vector, lookup);
  if (o.store === null) return { values, store: false };
  const cmd = ['__sort_store', o.store];
  for (const v of values) cmd.push(v ?? '');
  const [w] = await t.step(destShard, [cmd], null);
  if (isError(w)) return { raw: w };
  if (intValue(w) !== values.length) return { raw: Buffer.from('-ERR SORT STORE failed\r\n', 'latin1') };
  return { values, store: true };
}

// ---- the table --------------------------------------------------------------------------

const sortSpec = def('sort', {
  arity: -2, flags: ['write', 'denyoom', 'movablekeys'], keys: [1, 1, 1], getKeys: sortKeys, acl: ['@write', '@set', '@sortedset', '@list', '@slow', '@dangerous'], group: 'generic',
  summary: 'Sort the elements in a list, set or sorted set', since: '1.0.0', complexity: 'O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number of returned elements. When the elements are not sorted, complexity is O(N).',
  handler: (c, argv) => sortGeneric(c, argv, false), cross: (client, argv) => sortCross(client, argv, false),
});
sortSpec.crossIf = sortCrossIf;

const sortRoSpec = def('sort_ro', {
  arity: -2, flags: ['readonly', 'movablekeys'], keys: [1, 1, 1], getKeys: () => [1], acl: ['@read', '@set', '@sortedset', '@list', '@slow', '@dangerous'], group: 'generic',
  summary: 'Sort the elements in a list, set or sorted set. Read-only variant of SORT.', since: '7.0.0', complexity: 'O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number of returned elements. When the elements are not sorted, complexity is O(N).',
  handler: (c, argv) => sortGeneric(c, argv, true), cross: (client, argv) => sortCross(client, argv, true),
});
sortRoSpec.crossIf = sortCrossIf;

export const sortCommands: CommandSpec[] = [
  sortSpec,
  sortRoSpec,
  // Internal steps of the cross-shard SORT (invisible to clients).
  def('__sort_elems', { arity: -2, flags: ['readonly'], keys: [1, 1, 1], group: 'internal', summary: 'SORT: read the elements of the source', since: '7.0.0', handler: sortElemsStep }),
  def('__sort_fetch', { arity: -3, flags: ['readonly'], keys: [1, -1, 2], group: 'internal', summary: 'SORT: read the values patterns name', since: '7.0.0', handler: sortFetchStep }),
  def('__sort_store', { arity: -2, flags: ['write'], keys: [1, 1, 1], group: 'internal', summary: 'SORT: store the result list', since: '7.0.0', handler: sortStoreStep }),
];
