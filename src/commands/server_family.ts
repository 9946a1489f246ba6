// Server commands (server.c, config.c, debug.c, object.c, slowlog.c,
// latency.c): INFO, COMMAND, CONFIG, DEBUG, OBJECT, MEMORY, SLOWLOG, LATENCY,
// TIME, LASTSAVE, SHUTDOWN.
//
// Server-wide figures live on every thread (each thread is a shard and a
// connection thread): the coordinator of INFO / SLOWLOG / LATENCY runs an
// internal command on each shard without locks, which answers that thread's
// counters, and merges them.

import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import { createHash } from 'node:crypto';
import { fullGc } from '../shards/gc.ts';
import { def } from './define.ts';
import { helpReply, subcommandSyntaxError } from './help.ts';
import type { CommandSpec, ExecContext } from './types.ts';
import { allCommands, keyIndexes, lookupCommand, commandById, arityOk } from './table.ts';
import { redisCommandDocs, redisCommandInfo, type DocNode } from './command_docs.ts';
import { runOnAllShards, withTxn } from '../router/cross.ts';
import { keyShard } from '../router/slot.ts';
import { intValue, stringValue } from '../proto/reply_reader.ts';
import type { ReplyWriter } from '../proto/reply_writer.ts';
import { parseI64 } from '../proto/number_format.ts';
import { flatString } from '../proto/latin1.ts';
import type { Client } from '../shards/client.ts';
import { fullName } from '../shards/client.ts';
import type { ShardThread } from '../shards/shard_thread.ts';
import type { StoredValue } from '../shards/keyspace.ts';
import type { KeyTable } from '../shards/key_table.ts';
import { mergeSeries, LatencyHistogram, type LatencySeries, type SlowEntry } from '../shards/slowlog.ts';
import { stringMatch } from '../config/glob.ts';
import { CTRL_CLIENTS } from '../control.ts';
import { SERVER_VERSION, PRODUCT_VERSION } from '../version.ts';

const SYNTAX = 'ERR syntax error';
const NOT_INT = 'ERR value is not an integer or out of range';

function cfgNum(t: ShardThread, name: string, dflt: number): number {
  try {
    const v = t.config.num(name);
    return Number.isFinite(v) ? v : dflt;
  } catch {
    return dflt;
  }
}

function cfgStr(t: ShardThread, name: string, dflt: string): string {
  try {
    const v = t.config.get(name);
    return v === undefined ? dflt : v;
  } catch {
    return dflt;
  }
}

/** strtod-like: the longest numeric prefix, 0 when none (DEBUG SLEEP's parsing). */
function strtod(s: string): number {
  const m = /^\s*[+-]?(\d+\.?\d*(e[+-]?\d+)?|\.\d+(e[+-]?\d+)?|inf(inity)?)/i.exec(s);
  if (m === null) return 0;
  const v = Number(m[0].trim().replace(/^([+-]?)inf(inity)?$/i, '$1Infinity'));
  return Number.isNaN(v) ? 0 : v;
}

/** C atoi: leading digits after optional spaces/sign, 0 when none. */
function atoi(s: string): number {
  const m = /^\s*([+-]?\d+)/.exec(s);
  return m === null ? 0 : Number(m[1]) | 0;
}

// =============================================================================
// COMMAND
// =============================================================================

const FLAG_ORDER = ['write', 'readonly', 'denyoom', 'module', 'admin', 'pubsub', 'noscript', 'blocking', 'loading', 'stale', 'skip_monitor', 'skip_slowlog', 'asking', 'fast', 'no_auth', 'no_mandatory_keys', 'no_async_loading', 'no_multi', 'movablekeys', 'allow_busy'];
const ACL_ORDER = ['keyspace', 'read', 'write', 'set', 'sortedset', 'list', 'hash', 'string', 'bitmap', 'hyperloglog', 'geo', 'stream', 'pubsub', 'admin', 'fast', 'slow', 'blocking', 'dangerous', 'connection', 'transaction', 'scripting'];

interface CommandMeta {
  name: string;
  flags: string[];
  acl: string[];
  tips: DocNode;
  keySpecs: DocNode;
}

const metaCache = new WeakMap<CommandSpec, CommandMeta>();

function specList(n: DocNode): DocNode[] {
  if (Array.isArray(n)) return n;
  if (typeof n === 'object') {
    const o = n as Record<string, DocNode>;
    if (Array.isArray(o['~'])) return o['~'];
    if (Array.isArray(o['~+'])) return o['~+'];
  }
  return [];
}

/** Key specs other than index + range make a command's keys movable (populateCommandMovableKeys). */
function movableFromSpecs(keySpecs: DocNode): boolean {
  for (const ks of specList(keySpecs)) {
    const o = ks as Record<string, Record<string, DocNode>>;
    if (o.begin_search?.type !== 'index' || o.find_keys?.type !== 'range') return true;
  }
  return false;
}

function commandMeta(spec: CommandSpec): CommandMeta {
  let m = metaCache.get(spec);
  if (m !== undefined) return m;
  const name = fullName(spec);
  const data = redisCommandInfo(name);
  const tips: DocNode = data !== undefined ? data[0] : { '~+': [] };
  const keySpecs: DocNode = data !== undefined ? data[1] : { '~+': [] };
  const given = new Set(spec.flags.map((f) => f.replace(/-/g, '_')));
  if (data !== undefined ? movableFromSpecs(keySpecs) : spec.getKeys !== undefined) given.add('movablekeys');
  const flags = FLAG_ORDER.filter((f) => given.has(f));
  const cats = new Set(spec.acl.map((a) => a.replace(/^@/, '').toLowerCase()));
  if (given.has('write')) cats.add('write');
  if (given.has('readonly') && !cats.has('scripting')) cats.add('read');
  if (given.has('admin')) {
    cats.add('admin');
    cats.add('dangerous');
  }
  if (given.has('pubsub')) cats.add('pubsub');
  if (given.has('fast')) cats.add('fast');
  if (given.has('blocking')) cats.add('blocking');
  if (!cats.has('fast')) cats.add('slow');
  const acl = ACL_ORDER.filter((c) => cats.has(c)).map((c) => '@' + c);
  m = { name, flags, acl, tips, keySpecs };
  metaCache.set(spec, m);
  return m;
}

function emitNode(out: ReplyWriter, n: DocNode): void {
  if (typeof n === 'string') out.bulk(n);
  else if (typeof n === 'number') out.int(n);
  else if (Array.isArray(n)) {
    out.array(n.length);
    for (const x of n) emitNode(out, x);
  } else {
    const o = n as Record<string, DocNode>;
    const simple = o['+'];
    if (typeof simple === 'string' && Object.keys(o).length === 1) {
      out.simple(simple);
      return;
    }
    const set = o['~'];
    if (Array.isArray(set) && Object.keys(o).length === 1) {
      out.set(set.length);
      for (const x of set) emitNode(out, x);
      return;
    }
    const sset = o['~+'];
    if (Array.isArray(sset) && Object.keys(o).length === 1) {
      out.set(sset.length);
      for (const x of sset) out.simple(x as string);
      return;
    }
    const keys = Object.keys(o);
    out.map(keys.length);
    for (const k of keys) {
      out.bulk(k);
      emitNode(out, o[k]);
    }
  }
}

function subcommandsOf(spec: CommandSpec): CommandSpec[] {
  return spec.subcommands !== undefined ? [...spec.subcommands.values()] : [];
}

function commandInfoEntry(out: ReplyWriter, spec: CommandSpec): void {
  const m = commandMeta(spec);
  out.array(10);
  out.bulk(m.name);
  out.int(spec.arity);
  out.set(m.flags.length);
  for (const f of m.flags) out.simple(f);
  out.int(spec.keys.first);
  out.int(spec.keys.last);
  out.int(spec.keys.step);
  out.set(m.acl.length);
  for (const a of m.acl) out.simple(a);
  emitNode(out, m.tips);
  emitNode(out, m.keySpecs);
  const subs = subcommandsOf(spec);
  if (subs.length === 0) out.set(0);
  else {
    out.array(subs.length);
    for (const s of subs) commandInfoEntry(out, s);
  }
}

function commandDocsEntry(out: ReplyWriter, spec: CommandSpec): void {
  const name = fullName(spec);
  let docs = redisCommandDocs(name);
  if (docs === undefined) {
    docs = { summary: spec.summary, since: spec.since, group: spec.group };
    if (spec.complexity !== undefined) docs.complexity = spec.complexity;
    if (spec.args !== undefined) docs.arguments = spec.args as DocNode[];
  }
  const subs = subcommandsOf(spec);
  const keys = Object.keys(docs);
  out.map(keys.length + (subs.length > 0 ? 1 : 0));
  for (const k of keys) {
    out.bulk(k);
    emitNode(out, docs[k]);
  }
  if (subs.length > 0) {
    out.bulk('subcommands');
    out.map(subs.length);
    for (const s of subs) {
      out.bulk(fullName(s));
      commandDocsEntry(out, s);
    }
  }
}

/** A command by name, "container|subcommand" included (lookupCommandBySds). */
function lookupFull(name: string): CommandSpec | undefined {
  const bar = name.indexOf('|');
  if (bar < 0) return lookupCommand(name);
  const parts = name.split('|');
  if (parts.length !== 2) return undefined;
  const parent = lookupCommand(parts[0]);
  if (parent === undefined || parent.subcommands === undefined) return undefined;
  return parent.subcommands.get(parts[1].toLowerCase());
}

/** The command a full command line runs (lookupCommand on argv: subcommands resolved). */
function lookupArgv(argv: string[]): CommandSpec | undefined {
  const base = lookupCommand(argv[0]);
  if (base === undefined || base.subcommands === undefined || argv.length < 2) return base;
  return base.subcommands.get(argv[1].toLowerCase());
}

function everyCommand(): CommandSpec[] {
  const out: CommandSpec[] = [];
  for (const c of allCommands()) {
    out.push(c);
    for (const s of subcommandsOf(c)) out.push(s);
  }
  return out;
}

/** argv positions covered by each of Redis's key specs (getKeysUsingKeySpecs), for key flags. */
function keySpecPositions(keySpecs: DocNode, argv: string[]): { pos: number[]; flags: string[] }[] {
  const argc = argv.length;
  const out: { pos: number[]; flags: string[] }[] = [];
  for (const ks of specList(keySpecs)) {
    const o = ks as Record<string, DocNode>;
    const flags = specList(o.flags) as string[];
    const bs = o.begin_search as Record<string, DocNode>;
    const fk = o.find_keys as Record<string, DocNode>;
    const bspec = bs.spec as Record<string, DocNode>;
    const fspec = fk.spec as Record<string, DocNode>;
    const entry = { pos: [] as number[], flags };
    out.push(entry);
    let first = 0;
    if (bs.type === 'index') first = bspec.index as number;
    else if (bs.type === 'keyword') {
      const startfrom = bspec.startfrom as number;
      const kw = (bspec.keyword as string).toLowerCase();
      const start = startfrom > 0 ? startfrom : argc + startfrom;
      const end = startfrom > 0 ? argc - 1 : 1;
      for (let i = start; ; i = start <= end ? i + 1 : i - 1) {
        if (i >= argc || i < 1) break;
        if (argv[i].toLowerCase() === kw) {
          first = i + 1;
          break;
        }
        if (i === end) break;
      }
      if (first === 0) continue;
    } else continue;
    let last = 0;
    let step = 1;
    if (fk.type === 'range') {
      const lastkey = fspec.lastkey as number;
      const limit = fspec.limit as number;
      if (lastkey >= 0) last = first + lastkey;
      else if (limit === 0) last = argc + lastkey;
      else last = first + (Math.floor((argc - first) / limit) + lastkey);
      step = fspec.keystep as number;
    } else if (fk.type === 'keynum') {
      const idx = first + (fspec.keynumidx as number);
      if (idx >= argc) continue;
      const n = parseI64(argv[idx]);
      if (typeof n !== 'number' || n < 0) continue;
      first += fspec.firstkey as number;
      step = fspec.keystep as number;
      last = first + (n - 1) * step;
    } else continue;
    for (let i = first; i <= last && i < argc; i += step) entry.pos.push(i);
  }
  return out;
}

/** Per-key flags of GETKEYSANDFLAGS. */
function keyFlags(spec: CommandSpec, argv: string[], pos: number): string[] {
  const name = fullName(spec);
  if (name === 'set') {
    for (let i = 3; i < argv.length; i++) if (argv[i].toLowerCase() === 'get') return ['RW', 'access', 'update'];
    return ['OW', 'update'];
  }
  if (name === 'bitfield') {
    for (let i = 2; i < argv.length; i++) {
      const a = argv[i].toLowerCase();
      if (a === 'set' || a === 'incrby') return ['RW', 'access', 'update'];
    }
    return ['RO', 'access'];
  }
  const m = commandMeta(spec);
  for (const e of keySpecPositions(m.keySpecs, argv)) if (e.pos.includes(pos)) return e.flags.filter((f) => f !== 'variable_flags');
  const all = specList(m.keySpecs);
  if (all.length > 0) return (specList((all[0] as Record<string, DocNode>).flags) as string[]).filter((f) => f !== 'variable_flags');
  return [];
}

function commandGetKeys(c: ExecContext, argv: string[], withFlags: boolean): void {
  const line = argv.slice(2);
  const spec = lookupArgv(line);
  if (spec === undefined) return c.out.error('ERR Invalid command specified');
  const m = commandMeta(spec);
  const hasKeys = spec.keys.first !== 0 || spec.getKeys !== undefined || specList(m.keySpecs).length > 0;
  if (!hasKeys) return c.out.error('ERR The command has no key arguments');
  if (!arityOk(spec, line)) return c.out.error('ERR Invalid number of arguments specified for command');
  const idx = keyIndexes(spec, line);
  if (idx.length === 0) {
    if (m.flags.includes('no_mandatory_keys')) return c.out.array(0);
    return c.out.error('ERR Invalid arguments specified for command');
  }
  c.out.array(idx.length);
  for (const i of idx) {
    if (!withFlags) {
      c.out.bulk(line[i]);
      continue;
    }
    c.out.array(2);
    c.out.bulk(line[i]);
    const f = keyFlags(spec, line, i);
    c.out.set(f.length);
    for (const x of f) c.out.simple(x);
  }
}

function aclCategoryKnown(cat: string): boolean {
  return ACL_ORDER.includes(cat.toLowerCase());
}

const COMMAND_HELP = [
  '(no subcommand)',
  '    Return details about all Redis commands.',
  'COUNT',
  '    Return the total number of commands in this Redis server.',
  'LIST',
  '    Return a list of all commands in this Redis server.',
  'INFO [<command-name> ...]',
  '    Return details about multiple Redis commands.',
  '    If no command names are given, documentation details for all',
  '    commands are returned.',
  'DOCS [<command-name> ...]',
  '    Return documentation details about multiple Redis commands.',
  '    If no command names are given, documentation details for all',
  '    commands are returned.',
  'GETKEYS <full-command>',
  '    Return the keys from a full Redis command.',
  'GETKEYSANDFLAGS <full-command>',
  '    Return the keys and the access flags from a full Redis command.',
];

const CMD_FLAGS = ['loading', 'stale'];
const CMD_ACL = ['@slow', '@connection'];

const commandCommand = def('command', {
  arity: -1, flags: CMD_FLAGS, acl: CMD_ACL, group: 'server', summary: 'Get array of Redis command details', since: '2.8.13', complexity: 'O(N) where N is the total number of Redis commands',
  handler(c) {
    const all = allCommands();
    c.out.array(all.length);
    for (const s of all) commandInfoEntry(c.out, s);
  },
  subcommands: [
    def('count', {
      arity: 2, flags: CMD_FLAGS, acl: CMD_ACL, group: 'server', summary: 'Get total number of Redis commands', since: '2.8.13', complexity: 'O(1)',
      handler(c) { c.out.int(allCommands().length); },
    }),
    def('list', {
      arity: -2, flags: CMD_FLAGS, acl: CMD_ACL, group: 'server', summary: 'Get an array of Redis command names', since: '7.0.0', complexity: 'O(N) where N is the total number of Redis commands',
      handler(c, argv) {
        let names = everyCommand();
        if (argv.length === 5 && argv[2].toLowerCase() === 'filterby') {
          const kind = argv[3].toLowerCase();
          const arg = argv[4];
          if (kind === 'module') names = [];
          else if (kind === 'aclcat') {
            if (!aclCategoryKnown(arg)) names = [];
            else {
              const cat = '@' + arg.toLowerCase();
              names = names.filter((s) => commandMeta(s).acl.includes(cat));
            }
          } else if (kind === 'pattern') names = names.filter((s) => stringMatch(arg, fullName(s), true));
          else return c.out.error(SYNTAX);
        } else if (argv.length !== 2) return c.out.error(SYNTAX);
        c.out.array(names.length);
        for (const s of names) c.out.bulk(fullName(s));
      },
    }),
    def('info', {
      arity: -2, flags: CMD_FLAGS, acl: CMD_ACL, group: 'server', summary: 'Get array of specific Redis command details, or all when no argument is given.', since: '2.8.13', complexity: 'O(N) where N is the number of commands to look up',
      handler(c, argv) {
        if (argv.length === 2) {
          const all = allCommands();
          c.out.array(all.length);
          for (const s of all) commandInfoEntry(c.out, s);
          return;
        }
        c.out.array(argv.length - 2);
        for (let i = 2; i < argv.length; i++) {
          const s = lookupFull(argv[i]);
          if (s === undefined) c.out.nullBulk();
          else commandInfoEntry(c.out, s);
        }
      },
    }),
    def('docs', {
      arity: -2, flags: CMD_FLAGS, acl: CMD_ACL, group: 'server', summary: 'Get array of specific Redis command documentation', since: '7.0.0', complexity: 'O(N) where N is the number of commands to look up',
      handler(c, argv) {
        let specs: CommandSpec[];
        if (argv.length === 2) specs = allCommands();
        else {
          specs = [];
          for (let i = 2; i < argv.length; i++) {
            const s = lookupFull(argv[i]);
            if (s !== undefined) specs.push(s);
          }
        }
        c.out.map(specs.length);
        for (const s of specs) {
          c.out.bulk(fullName(s));
          commandDocsEntry(c.out, s);
        }
      },
    }),
    def('getkeys', {
      arity: -4, flags: CMD_FLAGS, acl: CMD_ACL, group: 'server', summary: 'Extract keys given a full Redis command', since: '2.8.13', complexity: 'O(N) where N is the number of arguments to the command',
      handler(c, argv) { commandGetKeys(c, argv, false); },
    }),
    def('getkeysandflags', {
      arity: -4, flags: CMD_FLAGS, acl: CMD_ACL, group: 'server', summary: 'Extract keys and access flags given a full Redis command', since: '7.0.0', complexity: 'O(N) where N is the number of arguments to the command',
      handler(c, argv) { commandGetKeys(c, argv, true); },
    }),
    def('help', {
      arity: 2, flags: CMD_FLAGS, acl: CMD_ACL, group: 'server', summary: 'Show helpful text about the different subcommands', since: '5.0.0', complexity: 'O(1)',
      handler(c) { helpReply(c.out, 'COMMAND', COMMAND_HELP); },
    }),
  ],
});

// =============================================================================
// Per-thread figures (INFO, RESETSTAT) and the internal commands behind them
// =============================================================================

/**
 * Memory this thread's isolate uses: its V8 heap plus the memory held outside
 * it by array buffers (the keyspace tables' typed arrays, bitmaps, buffers).
 */
function usedMemory(hs: v8.HeapInfo = v8.getHeapStatistics()): number {
  return hs.used_heap_size + (hs as v8.HeapInfo & { external_memory?: number }).external_memory!;
}

/** Used memory of this thread at startup (used_memory_startup) and its peak. */
const heapAtStart = usedMemory();
let heapPeak = heapAtStart;

/** used_memory_peak: this thread's heap sampled every 100 ms once INFO was first asked. */
let peakSampler = false;

function startPeakSampler(): void {
  if (peakSampler) return;
  peakSampler = true;
  const timer = setInterval(() => {
    const h = usedMemory();
    if (h > heapPeak) heapPeak = h;
  }, 100);
  timer.unref();
}

interface ThreadInfo {
  index: number;
  clients: number;
  maxInputBuffer: number;
  /** Clients in a blocking command's wait (or held by CLIENT PAUSE), as Redis's blocked_clients. */
  blocked: number;
  commands: number;
  conns: number;
  migratedIn: number;
  rejectedConns: number;
  netIn: number;
  netOut: number;
  reads: number;
  writes: number;
  inKbps: number;
  outKbps: number;
  ops: number;
  errorReplies: number;
  errors: [string, number][];
  cmds: [string, number, number, number, number][];
  /** Latency histograms by command: [full name, sparse buckets]. */
  hists: [string, [number, number][]][];
  hits: number;
  misses: number;
  expired: number;
  /** Per db: [db, keys, expires, sum of sampled TTLs (ms), sampled count]. */
  dbs: [number, number, number, number, number][];
  keys: number;
  changes: number;
  heapUsed: number;
  heapTotal: number;
  heapPeak: number;
  heapStart: number;
}

/** Mean remaining TTL over a sample of a db's expiring keys. */
function ttlSample(expires: KeyTable<number>, now: number): [number, number] {
  let sum = 0;
  let n = 0;
  const it = expires.keys();
  for (let e = it.nextEntry(); e >= 0 && n < 128; e = it.nextEntry()) {
    const ttl = expires.valueAt(e) - now;
    if (ttl > 0) {
      sum += ttl;
      n++;
    }
  }
  // Stopped early: the iterator must leave the table (an open one is moved along by every compaction).
  it.return();
  return [sum, n];
}

function threadInfo(t: ShardThread, withCmds: boolean, withHists: boolean): ThreadInfo {
  startPeakSampler();
  const hs = v8.getHeapStatistics();
  const used = usedMemory(hs);
  if (used > heapPeak) heapPeak = used;
  let maxIn = 0;
  let blocked = 0;
  for (const cl of t.clients.values()) {
    if (cl.pendingQuery > maxIn) maxIn = cl.pendingQuery;
    if (cl.blocked !== null || cl.pausedNow) blocked++;
  }
  const errors: [string, number][] = [...t.stats.errors.entries()];
  const cmds: [string, number, number, number, number][] = [];
  if (withCmds) {
    const per = t.stats.perCommand;
    for (let id = 0; id < per.length; id++) {
      const s = per[id];
      if (s === undefined || (s.calls === 0 && s.rejected === 0 && s.failed === 0)) continue;
      const spec = commandById(id);
      if (spec === undefined || spec.name.startsWith('__')) continue;
      cmds.push([fullName(spec), s.calls, s.usec, s.rejected, s.failed]);
    }
  }
  const hists: [string, [number, number][]][] = [];
  if (withHists) {
    for (let id = 0; id < t.histograms.length; id++) {
      const h = t.histograms[id];
      if (h === undefined || h.total === 0) continue;
      const spec = commandById(id);
      if (spec === undefined || spec.name.startsWith('__')) continue;
      hists.push([fullName(spec), h.sparse()]);
    }
  }
  const dbs: [number, number, number, number, number][] = [];
  let keys = 0;
  let changes = 0;
  const now = Date.now();
  for (let i = 0; i < t.ks.dbs.length; i++) {
    const d = t.ks.dbs[i];
    keys += d.dict.size;
    changes += d.version;
    if (d.dict.size === 0 && d.expires.size === 0) continue;
    const [sum, n] = ttlSample(d.expires, now);
    dbs.push([i, d.dict.size, d.expires.size, sum, n]);
  }
  return {
    index: t.index,
    clients: t.clients.size,
    maxInputBuffer: maxIn,
    blocked,
    commands: t.stats.commands,
    conns: t.stats.connectionsReceived,
    migratedIn: t.stats.migratedIn,
    rejectedConns: t.stats.rejectedConnections,
    netIn: t.stats.netInput,
    netOut: t.stats.netOutput,
    reads: t.stats.reads,
    writes: t.stats.writes,
    inKbps: t.stats.inputKbps(),
    outKbps: t.stats.outputKbps(),
    ops: t.stats.instantaneousOps(),
    errorReplies: t.stats.errorReplies,
    errors,
    cmds,
    hists,
    hits: t.ks.stats.hits,
    misses: t.ks.stats.misses,
    expired: t.ks.stats.expired,
    dbs,
    keys,
    changes,
    heapUsed: used,
    heapTotal: hs.total_heap_size,
    heapPeak,
    heapStart: heapAtStart,
  };
}

function resetThreadStats(t: ShardThread): void {
  t.stats.reset();
  t.ks.stats.hits = 0;
  t.ks.stats.misses = 0;
  t.ks.stats.expired = 0;
  t.histograms = [];
  heapPeak = usedMemory();
}

// =============================================================================
// INFO
// =============================================================================

const DEFAULT_SECTIONS = ['server', 'clients', 'memory', 'persistence', 'stats', 'replication', 'cpu', 'module_list', 'errorstats', 'cluster', 'keyspace'];
const ALL_SECTIONS = ['server', 'clients', 'memory', 'persistence', 'stats', 'replication', 'cpu', 'module_list', 'commandstats', 'errorstats', 'latencystats', 'cluster', 'keyspace', 'threads'];

/** bytesToHuman. */
function human(n: number): string {
  if (n < 1024) return `${n}B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(2)}K`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(2)}M`;
  if (n < 1024 ** 4) return `${(n / 1024 ** 3).toFixed(2)}G`;
  if (n < 1024 ** 5) return `${(n / 1024 ** 4).toFixed(2)}T`;
  if (n < 1024 ** 6) return `${(n / 1024 ** 5).toFixed(2)}P`;
  return `${n}B`;
}

function sha1hex(s: string): string {
  return createHash('sha1').update(s).digest('hex');
}

/** The server's entry script (INFO executable): src/main.ts beside this folder. */
const EXECUTABLE = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../main.ts');

function executablePath(): string {
  return EXECUTABLE;
}

/** Which sections an INFO request asks for (genInfoSectionDict), in Redis's output order. */
function infoSections(args: string[]): Set<string> {
  const want = new Set<string>();
  if (args.length === 0) {
    for (const s of DEFAULT_SECTIONS) want.add(s);
    return want;
  }
  for (const a of args) {
    const s = a.toLowerCase();
    if (s === 'default') for (const d of DEFAULT_SECTIONS) want.add(d);
    else if (s === 'all' || s === 'everything') for (const d of ALL_SECTIONS) want.add(d);
    else if (s === 'modules') want.add('module_list');
    else want.add(s);
  }
  return want;
}

function needsShards(want: Set<string>): boolean {
  for (const s of ['memory', 'persistence', 'stats', 'commandstats', 'errorstats', 'latencystats', 'keyspace', 'threads', 'clients']) if (want.has(s)) return true;
  return false;
}

/** The memory figures of INFO memory / MEMORY STATS / MEMORY DOCTOR (V8 heaps of all threads). */
interface MemoryFigures {
  used: number;
  active: number;
  rss: number;
  peak: number;
  startup: number;
  /** Per db with keys: [db, main table bytes, expires table bytes]. */
  dbs: [number, number, number][];
  overhead: number;
  dataset: number;
  net: number;
  keys: number;
}

function memoryFigures(threads: ThreadInfo[]): MemoryFigures {
  let used = 0;
  let active = 0;
  let peak = 0;
  let startup = 0;
  let keys = 0;
  const per = new Map<number, [number, number]>();
  for (const x of threads) {
    used += x.heapUsed;
    active += x.heapTotal;
    peak += x.heapPeak;
    startup += x.heapStart;
    for (const [db, k, e] of x.dbs) {
      keys += k;
      const m = per.get(db);
      if (m === undefined) per.set(db, [k, e]);
      else {
        m[0] += k;
        m[1] += e;
      }
    }
  }
  const dbs: [number, number, number][] = [];
  let tables = 0;
  for (const db of [...per.keys()].sort((a, b) => a - b)) {
    const [k, e] = per.get(db)!;
    if (k === 0) continue;
    dbs.push([db, k * MAP_ENTRY, e * MAP_ENTRY]);
    tables += (k + e) * MAP_ENTRY;
  }
  const overhead = Math.min(used, startup + tables);
  return { used, active, rss: process.memoryUsage.rss(), peak: Math.max(peak, used), startup, dbs, overhead, dataset: used - overhead, net: used - startup, keys };
}

function fmtCpu(us: number): string {
  return (us / 1e6).toFixed(6);
}

function genInfo(t: ShardThread, want: Set<string>, threads: ThreadInfo[]): string {
  const sections: string[] = [];
  const sum = (f: (x: ThreadInfo) => number): number => {
    let s = 0;
    for (const x of threads) s += f(x);
    return s;
  };
  const add = (title: string, lines: string[]): void => {
    sections.push(`# ${title}\r\n${lines.map((l) => l + '\r\n').join('')}`);
  };
  const now = Date.now();
  const uptime = Math.floor((now - t.serverStart) / 1000);
  const hz = cfgNum(t, 'hz', 10);
  if (want.has('server')) {
    const usec = BigInt(Math.floor((performance.timeOrigin + performance.now()) * 1000));
    add('Server', [
      `redis_version:${SERVER_VERSION}`,
      'redis_git_sha1:00000000',
      'redis_git_dirty:0',
      `redis_build_id:${sha1hex('keydb-ts ' + PRODUCT_VERSION).slice(0, 15)}`,
      'redis_mode:standalone',
      `os:${os.type()} ${os.release()} ${os.machine()}`,
      `arch_bits:${process.arch.endsWith('64') ? 64 : 32}`,
      'monotonic_clock:POSIX clock_gettime',
      `multiplexing_api:${process.platform === 'linux' ? 'epoll' : process.platform === 'win32' ? 'iocp' : 'kqueue'}`,
      'atomicvar_api:c11-builtin',
      'gcc_version:0.0.0',
      `process_id:${process.pid}`,
      `process_supervised:${cfgStr(t, 'supervised', 'no') === 'systemd' ? 'systemd' : 'no'}`,
      `run_id:${t.runId !== '' ? t.runId : sha1hex(String(process.pid) + ':' + t.serverStart)}`,
      `tcp_port:${cfgNum(t, 'port', 6379)}`,
      `server_time_usec:${usec}`,
      `uptime_in_seconds:${uptime}`,
      `uptime_in_days:${Math.floor(uptime / 86400)}`,
      `hz:${hz}`,
      `configured_hz:${hz}`,
      `lru_clock:${Math.floor(now / 1000) & 0xffffff}`,
      `executable:${executablePath()}`,
      `config_file:${t.config.configFile ?? ''}`,
      'io_threads_active:0',
    ]);
  }
  if (want.has('clients')) {
    const connected = t.ctrl !== null ? Atomics.load(t.ctrl, CTRL_CLIENTS) : sum((x) => x.clients);
    add('Clients', [
      `connected_clients:${connected}`,
      'cluster_connections:0',
      `maxclients:${cfgNum(t, 'maxclients', 10000)}`,
      `client_recent_max_input_buffer:${Math.max(0, ...threads.map((x) => x.maxInputBuffer))}`,
      'client_recent_max_output_buffer:0',
      `blocked_clients:${sum((x) => x.blocked)}`,
      'tracking_clients:0',
      'clients_in_timeout_table:0',
    ]);
  }
  if (want.has('memory')) {
    const { used, active: total, rss, peak, startup, overhead, dataset, net } = memoryFigures(threads);
    const maxmemory = cfgNum(t, 'maxmemory', 0);
    const sys = os.totalmem();
    add('Memory', [
      `used_memory:${used}`,
      `used_memory_human:${human(used)}`,
      `used_memory_rss:${rss}`,
      `used_memory_rss_human:${human(rss)}`,
      `used_memory_peak:${peak}`,
      `used_memory_peak_human:${human(peak)}`,
      `used_memory_peak_perc:${((used * 100) / peak).toFixed(2)}%`,
      `used_memory_overhead:${overhead}`,
      `used_memory_startup:${startup}`,
      `used_memory_dataset:${dataset}`,
      `used_memory_dataset_perc:${net > 0 ? ((dataset * 100) / net).toFixed(2) : '0.00'}%`,
      `allocator_allocated:${used}`,
      `allocator_active:${total}`,
      `allocator_resident:${rss}`,
      `total_system_memory:${sys}`,
      `total_system_memory_human:${human(sys)}`,
      'used_memory_lua:0',
      'used_memory_vm_eval:0',
      'used_memory_lua_human:0B',
      'used_memory_scripts_eval:0',
      'number_of_cached_scripts:0',
      'number_of_functions:0',
      'number_of_libraries:0',
      'used_memory_vm_functions:0',
      'used_memory_vm_total:0',
      'used_memory_vm_total_human:0B',
      'used_memory_functions:0',
      'used_memory_scripts:0',
      'used_memory_scripts_human:0B',
      `maxmemory:${maxmemory}`,
      `maxmemory_human:${human(maxmemory)}`,
      `maxmemory_policy:${cfgStr(t, 'maxmemory-policy', 'noeviction')}`,
      `allocator_frag_ratio:${used > 0 ? (total / used).toFixed(2) : '0.00'}`,
      `allocator_frag_bytes:${total - used}`,
      `allocator_rss_ratio:${total > 0 ? (rss / total).toFixed(2) : '0.00'}`,
      `allocator_rss_bytes:${rss - total}`,
      'rss_overhead_ratio:1.00',
      'rss_overhead_bytes:0',
      `mem_fragmentation_ratio:${used > 0 ? (rss / used).toFixed(2) : '0.00'}`,
      `mem_fragmentation_bytes:${rss - used}`,
      'mem_not_counted_for_evict:0',
      'mem_replication_backlog:0',
      'mem_total_replication_buffers:0',
      'mem_clients_slaves:0',
      'mem_clients_normal:0',
      'mem_cluster_links:0',
      'mem_aof_buffer:0',
      'mem_allocator:node',
      'active_defrag_running:0',
      'lazyfree_pending_objects:0',
      'lazyfreed_objects:0',
    ]);
  }
  if (want.has('persistence')) {
    add('Persistence', [
      'loading:0',
      'async_loading:0',
      'current_cow_peak:0',
      'current_cow_size:0',
      'current_cow_size_age:0',
      'current_fork_perc:0.00',
      'current_save_keys_processed:0',
      'current_save_keys_total:0',
      `rdb_changes_since_last_save:${sum((x) => x.changes)}`,
      'rdb_bgsave_in_progress:0',
      `rdb_last_save_time:${Math.floor(t.serverStart / 1000)}`,
      'rdb_last_bgsave_status:ok',
      'rdb_last_bgsave_time_sec:-1',
      'rdb_current_bgsave_time_sec:-1',
      'rdb_saves:0',
      'rdb_last_cow_size:0',
      'rdb_last_load_keys_expired:0',
      'rdb_last_load_keys_loaded:0',
      'aof_enabled:0',
      'aof_rewrite_in_progress:0',
      'aof_rewrite_scheduled:0',
      'aof_last_rewrite_time_sec:-1',
      'aof_current_rewrite_time_sec:-1',
      'aof_last_bgrewrite_status:ok',
      'aof_rewrites:0',
      'aof_rewrites_consecutive_failures:0',
      'aof_last_write_status:ok',
      'aof_last_cow_size:0',
      'module_fork_in_progress:0',
      'module_fork_last_cow_size:0',
    ]);
  }
  if (want.has('stats')) {
    add('Stats', [
      `total_connections_received:${sum((x) => x.conns)}`,
      `total_commands_processed:${sum((x) => x.commands)}`,
      `instantaneous_ops_per_sec:${sum((x) => x.ops)}`,
      `total_net_input_bytes:${sum((x) => x.netIn)}`,
      `total_net_output_bytes:${sum((x) => x.netOut)}`,
      'total_net_repl_input_bytes:0',
      'total_net_repl_output_bytes:0',
      `instantaneous_input_kbps:${sum((x) => x.inKbps).toFixed(2)}`,
      `instantaneous_output_kbps:${sum((x) => x.outKbps).toFixed(2)}`,
      'instantaneous_input_repl_kbps:0.00',
      'instantaneous_output_repl_kbps:0.00',
      `rejected_connections:${sum((x) => x.rejectedConns)}`,
      'sync_full:0',
      'sync_partial_ok:0',
      'sync_partial_err:0',
      `expired_keys:${sum((x) => x.expired)}`,
      'expired_stale_perc:0.00',
      'expired_time_cap_reached_count:0',
      'expire_cycle_cpu_milliseconds:0',
      'evicted_keys:0',
      'evicted_clients:0',
      'total_eviction_exceeded_time:0',
      'current_eviction_exceeded_time:0',
      `keyspace_hits:${sum((x) => x.hits)}`,
      `keyspace_misses:${sum((x) => x.misses)}`,
      'pubsub_channels:0',
      'pubsub_patterns:0',
      'pubsubshard_channels:0',
      'latest_fork_usec:0',
      'total_forks:0',
      'migrate_cached_sockets:0',
      'slave_expires_tracked_keys:0',
      'active_defrag_hits:0',
      'active_defrag_misses:0',
      'active_defrag_key_hits:0',
      'active_defrag_key_misses:0',
      'total_active_defrag_time:0',
      'current_active_defrag_time:0',
      'tracking_total_keys:0',
      'tracking_total_items:0',
      'tracking_total_prefixes:0',
      'unexpected_error_replies:0',
      `total_error_replies:${sum((x) => x.errorReplies)}`,
      'dump_payload_sanitizations:0',
      `total_reads_processed:${sum((x) => x.reads)}`,
      `total_writes_processed:${sum((x) => x.writes)}`,
      'io_threaded_reads_processed:0',
      'io_threaded_writes_processed:0',
      'reply_buffer_shrinks:0',
      'reply_buffer_expands:0',
    ]);
  }
  if (want.has('replication')) {
    const replid = sha1hex('replid:' + (t.runId !== '' ? t.runId : String(process.pid)));
    add('Replication', [
      'role:master',
      'connected_slaves:0',
      'master_failover_state:no-failover',
      `master_replid:${replid}`,
      'master_replid2:0000000000000000000000000000000000000000',
      'master_repl_offset:0',
      'second_repl_offset:-1',
      'repl_backlog_active:0',
      `repl_backlog_size:${cfgNum(t, 'repl-backlog-size', 1048576)}`,
      'repl_backlog_first_byte_offset:0',
      'repl_backlog_histlen:0',
    ]);
  }
  if (want.has('cpu')) {
    const p = process.cpuUsage();
    const me = process.threadCpuUsage();
    add('CPU', [
      `used_cpu_sys:${fmtCpu(p.system)}`,
      `used_cpu_user:${fmtCpu(p.user)}`,
      'used_cpu_sys_children:0.000000',
      'used_cpu_user_children:0.000000',
      `used_cpu_sys_main_thread:${fmtCpu(me.system)}`,
      `used_cpu_user_main_thread:${fmtCpu(me.user)}`,
    ]);
  }
  if (want.has('module_list')) add('Modules', []);
  if (want.has('commandstats')) {
    const merged = new Map<string, [number, number, number, number]>();
    for (const x of threads) {
      for (const [name, calls, usec, rej, failed] of x.cmds) {
        const m = merged.get(name);
        if (m === undefined) merged.set(name, [calls, usec, rej, failed]);
        else {
          m[0] += calls;
          m[1] += usec;
          m[2] += rej;
          m[3] += failed;
        }
      }
    }
    const lines: string[] = [];
    for (const [name, [calls, usecF, rej, failed]] of merged) {
      const usec = Math.round(usecF);
      lines.push(`cmdstat_${name}:calls=${calls},usec=${usec},usec_per_call=${calls === 0 ? '0.00' : (usec / calls).toFixed(2)},rejected_calls=${rej},failed_calls=${failed}`);
    }
    add('Commandstats', lines);
  }
  if (want.has('errorstats')) {
    const merged = new Map<string, number>();
    for (const x of threads) for (const [name, n] of x.errors) merged.set(name, (merged.get(name) ?? 0) + n);
    const names = [...merged.keys()].sort();
    add('Errorstats', names.map((n) => `errorstat_${n}:count=${merged.get(n)}`));
  }
  if (want.has('latencystats')) {
    const merged = mergeHistograms(threads);
    const pcts = cfgStr(t, 'latency-tracking-info-percentiles', '50 99 99.9').split(' ').filter((x) => x !== '');
    const lines: string[] = [];
    for (const [name, h] of merged) {
      lines.push(`latency_percentiles_usec_${name}:${pcts.map((p) => `p${p}=${(h.valueAtPercentile(Number(p)) / 1000).toFixed(3)}`).join(',')}`);
    }
    add('Latencystats', lines);
  }
  if (want.has('cluster')) add('Cluster', ['cluster_enabled:0']);
  if (want.has('keyspace')) {
    const per = new Map<number, [number, number, number, number]>();
    for (const x of threads) {
      for (const [db, keys, expires, ttlSum, ttlN] of x.dbs) {
        const m = per.get(db);
        if (m === undefined) per.set(db, [keys, expires, ttlSum, ttlN]);
        else {
          m[0] += keys;
          m[1] += expires;
          m[2] += ttlSum;
          m[3] += ttlN;
        }
      }
    }
    const lines: string[] = [];
    for (const db of [...per.keys()].sort((a, b) => a - b)) {
      const [keys, expires, ttlSum, ttlN] = per.get(db)!;
      if (keys === 0) continue;
      lines.push(`db${db}:keys=${keys},expires=${expires},avg_ttl=${ttlN > 0 ? Math.floor(ttlSum / ttlN) : 0}`);
    }
    add('Keyspace', lines);
  }
  if (want.has('threads')) {
    add(
      'Threads',
      threads.map((x) => `thread_${x.index}:clients=${x.clients},ops=${x.commands},keys=${x.keys},migrated_in=${x.migratedIn}`),
    );
  }
  return sections.join('\r\n');
}

function mergeHistograms(threads: ThreadInfo[]): Map<string, LatencyHistogram> {
  const merged = new Map<string, LatencyHistogram>();
  for (const x of threads) {
    for (const [name, sparse] of x.hists) {
      let h = merged.get(name);
      if (h === undefined) merged.set(name, (h = new LatencyHistogram()));
      h.add(sparse);
    }
  }
  return merged;
}

/** Run __info on every shard (no locks); `what`: c = commandstats, l = latency histograms. */
async function gatherInfo(client: Client, what: string): Promise<ThreadInfo[]> {
  const parts = await runOnAllShards(client, [['__info', what]], null);
  return parts.map((p) => JSON.parse(stringValue(p[0]) ?? '{}') as ThreadInfo);
}

async function infoCross(client: Client, argv: string[]): Promise<void> {
  const t = client.thread;
  const want = infoSections(argv.slice(1));
  let threads: ThreadInfo[] = [];
  if (needsShards(want)) {
    threads = await gatherInfo(client, (want.has('commandstats') ? 'c' : '') + (want.has('latencystats') ? 'l' : ''));
  }
  client.out().verbatim(genInfo(t, want, threads));
}

// =============================================================================
// CONFIG
// =============================================================================

function configGet(c: ExecContext, argv: string[]): void {
  const pairs = c.thread.config.getMatching(argv.slice(2));
  c.out.map(pairs.length);
  for (const [k, v] of pairs) {
    c.out.bulk(k);
    c.out.bulk(v);
  }
}

function errorText(e: string): string {
  return /^[A-Z][A-Z_]*\s/.test(e) ? e : 'ERR ' + e;
}

async function configSetCross(client: Client, argv: string[]): Promise<void> {
  if (argv.length % 2 !== 0) {
    client.out().error(SYNTAX);
    return;
  }
  const pairs: [string, string][] = [];
  for (let i = 2; i < argv.length; i += 2) pairs.push([argv[i], argv[i + 1]]);
  const main = client.thread.main;
  if (main === null) {
    const e = client.thread.config.set(pairs);
    if (e !== null) client.out().error(errorText(e));
    else client.out().ok();
    return;
  }
  const err = await main.configSet(pairs);
  if (err !== null) client.out().error(errorText(err));
  else client.out().ok();
}

async function configRewriteCross(client: Client): Promise<void> {
  const main = client.thread.main;
  const err = main === null ? client.thread.config.rewrite() : await main.configRewrite();
  if (err !== null) client.out().error(errorText(err));
  else client.out().ok();
}

async function configResetstatCross(client: Client): Promise<void> {
  await runOnAllShards(client, [['__resetstat']], null);
  client.out().ok();
}

const CONFIG_HELP = [
  'GET <pattern>',
  '    Return parameters matching the glob-like <pattern> and their values.',
  'SET <directive> <value>',
  '    Set the configuration <directive> to <value>.',
  'RESETSTAT',
  '    Reset statistics reported by the INFO command.',
  'REWRITE',
  '    Rewrite the configuration file.',
];

const ADMIN_FLAGS = ['admin', 'noscript', 'loading', 'stale'];
const ADMIN_ACL = ['@admin', '@slow', '@dangerous'];

const configCommand = def('config', {
  arity: -2, acl: ['@slow'], group: 'server', summary: 'A container for server configuration commands', since: '2.0.0', complexity: 'Depends on subcommand.',
  subcommands: [
    def('get', { arity: -3, flags: ADMIN_FLAGS, acl: ADMIN_ACL, group: 'server', summary: 'Get the values of configuration parameters', since: '2.0.0', complexity: 'O(N) when N is the number of configuration parameters provided', handler: configGet }),
    def('set', { arity: -4, flags: ADMIN_FLAGS, acl: ADMIN_ACL, group: 'server', summary: 'Set configuration parameters to the given values', since: '2.0.0', complexity: 'O(N) when N is the number of configuration parameters provided', route: 'all', cross: configSetCross }),
    def('resetstat', { arity: 2, flags: ADMIN_FLAGS, acl: ADMIN_ACL, group: 'server', summary: 'Reset the stats returned by INFO', since: '2.0.0', complexity: 'O(1)', route: 'all', cross: configResetstatCross }),
    def('rewrite', { arity: 2, flags: ADMIN_FLAGS, acl: ADMIN_ACL, group: 'server', summary: 'Rewrite the configuration file with the in memory configuration', since: '2.8.0', complexity: 'O(1)', route: 'all', cross: configRewriteCross }),
    def('help', { arity: 2, flags: ['loading', 'stale'], acl: ['@slow'], group: 'server', summary: 'Show helpful text about the different subcommands', since: '5.0.0', complexity: 'O(1)', handler(c) { helpReply(c.out, 'CONFIG', CONFIG_HELP); } }),
  ],
});

// =============================================================================
// OBJECT / MEMORY
// =============================================================================

/** Redis's OBJ_SHARED_INTEGERS: values 0..9999 share one object (refcount INT_MAX). */
const SHARED_INTEGERS = 10000;
const SHARED_REFCOUNT = 2147483647;
const EMBSTR_LIMIT = 44;

/** What a non-string value may tell about itself (the type families fill these in). */
interface Introspectable {
  encoding?: string | (() => string);
  memoryUsage?: (samples: number) => number;
}

function isIntEncoded(v: StoredValue): boolean {
  if (typeof v === 'number') return true;
  if (typeof v !== 'string' || v.length === 0 || v.length > 20) return false;
  return parseI64(v) !== null;
}

function encodingOf(v: StoredValue): string {
  if (typeof v === 'number') return 'int';
  if (typeof v === 'string') {
    if (isIntEncoded(v)) return 'int';
    return v.length <= EMBSTR_LIMIT ? 'embstr' : 'raw';
  }
  const enc = (v as Introspectable).encoding;
  if (typeof enc === 'function') return enc.call(v);
  if (typeof enc === 'string') return enc;
  switch (v.type) {
    case 'list':
      return 'quicklist';
    case 'hash':
    case 'set':
      return 'hashtable';
    case 'zset':
      return 'skiplist';
    default:
      return v.type;
  }
}

/** Bytes of an RDB length prefix. */
function rdbLenBytes(n: number): number {
  return n < 64 ? 1 : n < 16384 ? 2 : n <= 0xffffffff ? 5 : 9;
}

/**
 * RDB size of a value (DEBUG OBJECT serializedlength): exact for strings
 * saved without LZF compression (Redis compresses strings over 20 bytes when
 * rdbcompression is on, which can make its figure smaller); for collections an
 * estimate from their element bytes.
 */
function serializedLength(v: StoredValue): number {
  if (typeof v === 'number' || (typeof v === 'string' && isIntEncoded(v))) {
    const n = typeof v === 'number' ? v : Number(v);
    if (n >= -128 && n <= 127) return 2;
    if (n >= -32768 && n <= 32767) return 3;
    if (n >= -2147483648 && n <= 2147483647) return 5;
    const s = String(v);
    return rdbLenBytes(s.length) + s.length;
  }
  if (typeof v === 'string') return rdbLenBytes(v.length) + v.length;
  return memoryUsageOf('', v, 5, false);
}

/** __debug_object key: DEBUG OBJECT on the owning shard. */
function debugObjectShard(c: ExecContext, argv: string[]): void {
  const key = argv[1];
  const v = c.ks.peek(c.db, key);
  if (v === undefined) {
    c.out.error('ERR no such key');
    return;
  }
  // There are no raw pointers in a JS heap: the address is a stable token of the key.
  const addr = '0x' + createHash('sha1').update(c.db + ':' + key, 'latin1').digest('hex').slice(0, 12);
  c.out.simple(`Value at:${addr} refcount:${refcountOf(c.thread, v)} encoding:${encodingOf(v)} serializedlength:${serializedLength(v)} lru:${c.ks.lruClock(c.db, key)} lru_seconds_idle:${c.ks.idleSeconds(c.db, key)}`);
}

function sharedIntegersInUse(t: ShardThread): boolean {
  // Like Redis 7.0: with an LRU/LFU policy under maxmemory, integers are not shared.
  if (cfgNum(t, 'maxmemory', 0) === 0) return true;
  const p = cfgStr(t, 'maxmemory-policy', 'noeviction');
  return !(p.endsWith('-lru') || p.endsWith('-lfu'));
}

function refcountOf(t: ShardThread, v: StoredValue): number {
  if (isIntEncoded(v) && sharedIntegersInUse(t)) {
    const n = typeof v === 'number' ? v : Number(v);
    if (Number.isInteger(n) && n >= 0 && n < SHARED_INTEGERS) return SHARED_REFCOUNT;
  }
  return 1;
}

// Rough V8 (64-bit, no pointer compression) sizes.
const MAP_ENTRY = 32; // key, value, chain link and the bucket slot of an OrderedHashMap
const STRING_HEADER = 16;
const HEAP_NUMBER = 16;
const OBJECT_HEADER = 24;

function stringBytes(s: string): number {
  return STRING_HEADER + ((s.length + 7) & ~7);
}

/** Bytes of a JS value, sampling at most `samples` elements of each collection. */
function valueBytes(v: unknown, samples: number, depth = 0): number {
  if (typeof v === 'string') return stringBytes(v);
  if (typeof v === 'number') return Number.isInteger(v) && Math.abs(v) < 2 ** 31 ? 0 : HEAP_NUMBER;
  if (typeof v === 'bigint') return HEAP_NUMBER + 8;
  if (typeof v !== 'object' || v === null || depth > 4) return 0;
  if (v instanceof Map) return OBJECT_HEADER + sampled(v.size, v.entries(), samples, (e) => MAP_ENTRY + valueBytes(e[0], samples, depth + 1) + valueBytes(e[1], samples, depth + 1));
  if (v instanceof Set) return OBJECT_HEADER + sampled(v.size, v.values(), samples, (e) => MAP_ENTRY - 8 + valueBytes(e, samples, depth + 1));
  if (Array.isArray(v)) return OBJECT_HEADER + v.length * 8 + sampled(v.length, v.values(), samples, (e) => valueBytes(e, samples, depth + 1));
  if (ArrayBuffer.isView(v)) return OBJECT_HEADER + v.byteLength;
  let n = OBJECT_HEADER;
  for (const k of Object.keys(v)) n += 8 + valueBytes((v as Record<string, unknown>)[k], samples, depth + 1);
  return n;
}

function sampled<T>(size: number, it: Iterator<T>, samples: number, f: (e: T) => number): number {
  if (size === 0) return 0;
  let n = 0;
  let seen = 0;
  for (let r = it.next(); !r.done && seen < samples; r = it.next()) {
    n += f(r.value);
    seen++;
  }
  return seen === 0 ? 0 : Math.round((n / seen) * size);
}

function memoryUsageOf(key: string, v: StoredValue, samples: number, hasTtl: boolean): number {
  let bytes = MAP_ENTRY + stringBytes(key);
  if (hasTtl) bytes += MAP_ENTRY + HEAP_NUMBER;
  if (typeof v === 'object') {
    const mu = (v as Introspectable).memoryUsage;
    bytes += typeof mu === 'function' ? mu.call(v, samples) : valueBytes(v, samples);
  } else bytes += valueBytes(v, samples);
  return bytes;
}

const OBJECT_HELP = [
  'ENCODING <key>',
  '    Return the kind of internal representation used in order to store the value',
  '    associated with a <key>.',
  'FREQ <key>',
  '    Return the access frequency index of the <key>. The returned integer is',
  '    proportional to the logarithm of the recent access frequency of the key.',
  'IDLETIME <key>',
  '    Return the idle time of the <key>, that is the approximated number of',
  '    seconds elapsed since the last access to the key.',
  'REFCOUNT <key>',
  '    Return the number of references of the value associated with the specified',
  '    <key>.',
];

const KS_READ = ['@keyspace', '@read', '@slow'];

const objectCommand = def('object', {
  arity: -2, acl: ['@slow'], group: 'generic', summary: 'A container for object introspection commands', since: '2.2.3', complexity: 'Depends on subcommand.',
  subcommands: [
    def('encoding', {
      arity: 3, flags: ['readonly'], keys: [2, 2, 1], acl: KS_READ, group: 'generic', summary: 'Inspect the internal encoding of a Redis object', since: '2.2.3', complexity: 'O(1)',
      handler(c, argv) {
        const v = c.ks.peek(c.db, argv[2]);
        if (v === undefined) c.out.nullBulk();
        else c.out.bulk(encodingOf(v));
      },
    }),
    def('refcount', {
      arity: 3, flags: ['readonly'], keys: [2, 2, 1], acl: KS_READ, group: 'generic', summary: 'Get the number of references to the value of the key', since: '2.2.3', complexity: 'O(1)',
      handler(c, argv) {
        const v = c.ks.peek(c.db, argv[2]);
        if (v === undefined) c.out.nullBulk();
        else c.out.int(refcountOf(c.thread, v));
      },
    }),
    def('freq', {
      arity: 3, flags: ['readonly'], keys: [2, 2, 1], acl: KS_READ, group: 'generic', summary: 'Get the logarithmic access frequency counter of a Redis object', since: '4.0.0', complexity: 'O(1)',
      handler(c, argv) {
        const v = c.ks.peek(c.db, argv[2]);
        if (v === undefined) c.out.nullBulk();
        else if (!c.ks.lfu) c.out.error('ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.');
        else c.out.int(c.ks.lfuFrequency(c.db, argv[2]));
      },
    }),
    def('idletime', {
      arity: 3, flags: ['readonly'], keys: [2, 2, 1], acl: KS_READ, group: 'generic', summary: 'Get the time since a Redis object was last accessed', since: '2.2.3', complexity: 'O(1)',
      handler(c, argv) {
        const v = c.ks.peek(c.db, argv[2]);
        if (v === undefined) c.out.nullBulk();
        else if (c.ks.lfu) c.out.error('ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.');
        else c.out.int(c.ks.idleSeconds(c.db, argv[2]));
      },
    }),
    def('help', { arity: 2, flags: ['loading', 'stale'], acl: ['@keyspace', '@slow'], group: 'generic', summary: 'Show helpful text about the different subcommands', since: '6.2.0', complexity: 'O(1)', handler(c) { helpReply(c.out, 'OBJECT', OBJECT_HELP); } }),
  ],
});

async function memoryStatsCross(client: Client): Promise<void> {
  const m = memoryFigures(await gatherInfo(client, ''));
  const out = client.out();
  const f = (v: number): void => out.double(Math.fround(v));
  out.map(27 + m.dbs.length);
  out.bulk('peak.allocated');
  out.int(m.peak);
  out.bulk('total.allocated');
  out.int(m.used);
  out.bulk('startup.allocated');
  out.int(m.startup);
  for (const k of ['replication.backlog', 'clients.slaves', 'clients.normal', 'cluster.links', 'aof.buffer', 'lua.caches', 'functions.caches']) {
    out.bulk(k);
    out.int(0);
  }
  for (const [db, main, expires] of m.dbs) {
    out.bulk(`db.${db}`);
    out.map(3);
    out.bulk('overhead.hashtable.main');
    out.int(main);
    out.bulk('overhead.hashtable.expires');
    out.int(expires);
    out.bulk('overhead.hashtable.slot-to-keys');
    out.int(0);
  }
  out.bulk('overhead.total');
  out.int(m.overhead);
  out.bulk('keys.count');
  out.int(m.keys);
  out.bulk('keys.bytes-per-key');
  out.int(m.keys > 0 ? Math.floor(m.net / m.keys) : 0);
  out.bulk('dataset.bytes');
  out.int(m.dataset);
  out.bulk('dataset.percentage');
  f(m.net > 0 ? (m.dataset * 100) / m.net : 0);
  out.bulk('peak.percentage');
  f((m.used * 100) / m.peak);
  out.bulk('allocator.allocated');
  out.int(m.used);
  out.bulk('allocator.active');
  out.int(m.active);
  out.bulk('allocator.resident');
  out.int(m.rss);
  out.bulk('allocator-fragmentation.ratio');
  f(m.active / m.used);
  out.bulk('allocator-fragmentation.bytes');
  out.int(m.active - m.used);
  out.bulk('allocator-rss.ratio');
  f(m.rss / m.active);
  out.bulk('allocator-rss.bytes');
  out.int(m.rss - m.active);
  out.bulk('rss-overhead.ratio');
  f(1);
  out.bulk('rss-overhead.bytes');
  out.int(0);
  out.bulk('fragmentation');
  f(m.rss / m.used);
  out.bulk('fragmentation.bytes');
  out.int(m.rss - m.used);
}

/** MEMORY DOCTOR: Redis's checks (getMemoryDoctorReport) on our figures. */
function memoryDoctorReport(m: MemoryFigures): string {
  const MB10 = 10 * 1024 * 1024;
  if (m.used < 5 * 1024 * 1024) {
    return "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our programming as soon as I finished rebooting.\n";
  }
  const items: string[] = [];
  if (Math.fround(m.peak / m.used) > 1.5) {
    items.push(' * Peak memory: In the past this instance used more than 150% the memory that is currently using. The allocator is normally not able to release memory after a peak, so you can expect to see a big fragmentation ratio, however this is actually harmless and is only due to the memory peak, and if the Redis instance Resident Set Size (RSS) is currently bigger than expected, the memory will be used as soon as you fill the Redis instance with more data. If the memory peak was only occasional and you want to try to reclaim memory, please try the MEMORY PURGE command, otherwise the only other option is to shutdown and restart the instance.');
  }
  if (m.rss / m.used > 1.4 && m.rss - m.used > MB10) {
    items.push(' * High total RSS: This instance has a memory fragmentation and RSS overhead greater than 1.4 (this means that the Resident Set Size of the Redis process is much larger than the sum of the logical allocations Redis performed). This problem is usually due either to a large peak memory (check if there is a peak memory entry above in the report) or may result from a workload that causes the allocator to fragment memory a lot. If the problem is a large peak memory, then there is no issue. Otherwise, make sure you are using the Jemalloc allocator and not the default libc malloc. Note: The currently used allocator is "node".');
  }
  if (m.active / m.used > 1.1 && m.active - m.used > MB10) {
    items.push(" * High allocator fragmentation: This instance has an allocator external fragmentation greater than 1.1. This problem is usually due either to a large peak memory (check if there is a peak memory entry above in the report) or may result from a workload that causes the allocator to fragment memory a lot. You can try enabling 'activedefrag' config option.");
  }
  if (m.rss / m.active > 1.1 && m.rss - m.active > MB10) {
    items.push(' * High allocator RSS overhead: This instance has an RSS memory overhead is greater than 1.1 (this means that the Resident Set Size of the allocator is much larger than the sum what the allocator actually holds). This problem is usually due to a large peak memory (check if there is a peak memory entry above in the report), you can try the MEMORY PURGE command to reclaim it.');
  }
  if (items.length === 0) return "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.\n";
  return `Sam, I detected a few issues in this Redis instance memory implants:\n\n${items.map((i) => i + '\n\n').join('')}I'm here to keep you safe, Sam. I want to help you.\n`;
}

async function memoryDoctorCross(client: Client): Promise<void> {
  const m = memoryFigures(await gatherInfo(client, ''));
  client.out().verbatim(memoryDoctorReport(m));
}

const MEMORY_HELP = [
  'DOCTOR',
  '    Return memory problems reports.',
  'MALLOC-STATS',
  '    Return internal statistics report from the memory allocator.',
  'PURGE',
  '    Attempt to purge dirty pages for reclamation by the allocator.',
  'STATS',
  '    Return information about the memory usage of the server.',
  'USAGE <key> [SAMPLES <count>]',
  '    Return memory in bytes used by <key> and its value. Nested values are',
  '    sampled up to <count> times (default: 5, 0 means sample all).',
];

const memoryCommand = def('memory', {
  arity: -2, acl: ['@slow'], group: 'server', summary: 'A container for memory diagnostics commands', since: '4.0.0', complexity: 'Depends on subcommand.',
  subcommands: [
    def('usage', {
      arity: -3, flags: ['readonly'], keys: [2, 2, 1], acl: ['@read', '@slow'], group: 'server', summary: 'Estimate the memory usage of a key', since: '4.0.0', complexity: 'O(N) where N is the number of samples.',
      handler(c, argv) {
        let samples = 5;
        for (let j = 3; j < argv.length; j++) {
          if (argv[j].toLowerCase() === 'samples' && j + 1 < argv.length) {
            const n = parseI64(argv[j + 1]);
            if (n === null) return c.out.error(NOT_INT);
            if (n < 0) return c.out.error(SYNTAX);
            samples = n === 0 ? Number.MAX_SAFE_INTEGER : Number(n);
            j++;
          } else return c.out.error(SYNTAX);
        }
        const v = c.ks.read(c.db, argv[2]);
        if (v === undefined) return c.out.nullBulk();
        c.out.int(memoryUsageOf(argv[2], v, samples, c.ks.getExpire(c.db, argv[2]) !== undefined));
      },
    }),
    def('malloc-stats', {
      arity: 2, acl: ['@slow'], group: 'server', summary: 'Show allocator internal stats', since: '4.0.0', complexity: 'Depends on how much memory is allocated, could be slow',
      handler(c) { c.out.verbatim('Stats not supported for the current allocator'); },
    }),
    def('stats', {
      arity: 2, acl: ['@slow'], group: 'server', summary: 'Show memory usage details', since: '4.0.0', complexity: 'O(1)', route: 'all', cross: memoryStatsCross,
    }),
    def('doctor', {
      arity: 2, acl: ['@slow'], group: 'server', summary: 'Outputs memory problems report', since: '4.0.0', complexity: 'O(1)', route: 'all', cross: memoryDoctorCross,
    }),
    def('purge', {
      arity: 2, acl: ['@slow'], group: 'server', summary: 'Ask the allocator to release memory', since: '4.0.0', complexity: 'Depends on how much memory is allocated, could be slow', route: 'all',
      // Our allocator is V8's garbage collector: every thread runs a full collection.
      async cross(client) {
        await runOnAllShards(client, [['__purge']], null);
        client.out().ok();
      },
    }),
    def('help', { arity: 2, flags: ['loading', 'stale'], acl: ['@slow'], group: 'server', summary: 'Show helpful text about the different subcommands', since: '4.0.0', complexity: 'O(1)', handler(c) { helpReply(c.out, 'MEMORY', MEMORY_HELP); } }),
  ],
});

// =============================================================================
// DEBUG
// =============================================================================

function isLocalClient(client: Client): boolean {
  if (client.isUnix) return true;
  const ip = client.addr.slice(0, client.addr.lastIndexOf(':'));
  return ip.startsWith('127.') || ip === '::1' || ip === '[::1]';
}

const DEBUG_HELP = [
  'MIGRATE-DELAY <ms>',
  '    A thread that takes over a connection from another (migrate-connections)',
  '    waits <ms> milliseconds before it serves it (0: at once). For tests.',
  'OBJECT <key>',
  '    Show low level info about `key` and associated value.',
  'POPULATE <count> [<prefix>] [<size>]',
  "    Create <count> string keys named key:<num>. If <prefix> is specified then",
  "    it is used instead of the 'key' prefix. These are not propagated to",
  '    replicas. Cluster slots are not respected so keys not belonging to the',
  '    current node can be created in cluster mode.',
  'PROTOCOL <type>',
  '    Reply with a test value of the specified type. <type> can be: string,',
  '    integer, double, bignum, null, array, set, map, attrib, push, verbatim,',
  '    true, false.',
  'SET-ACTIVE-EXPIRE <0|1>',
  '    Setting it to 0 disables expiring keys in background when they are not',
  '    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the',
  '    default.',
  'SLEEP <seconds>',
  '    Stop the server for <seconds>. Decimals allowed.',
];

function debugProtocol(out: ReplyWriter, name: string): void {
  switch (name.toLowerCase()) {
    case 'string':
      return out.bulk('Hello World');
    case 'integer':
      return out.int(12345);
    case 'double':
      if (out.resp === 3) out.rawString(',3.141\r\n');
      else out.bulk('3.141');
      return;
    case 'bignum':
      if (out.resp === 3) out.rawString('(1234567999999999999999999999999999999\r\n');
      else out.bulk('1234567999999999999999999999999999999');
      return;
    case 'null':
      return out.nullBulk();
    case 'array':
      out.array(3);
      for (let j = 0; j < 3; j++) out.int(j);
      return;
    case 'set':
      out.set(3);
      for (let j = 0; j < 3; j++) out.int(j);
      return;
    case 'map':
      out.map(3);
      for (let j = 0; j < 3; j++) {
        out.int(j);
        out.bool(j === 1);
      }
      return;
    case 'attrib':
      if (out.resp === 3) {
        out.rawString('|1\r\n');
        out.bulk('key-popularity');
        out.array(2);
        out.bulk('key:123');
        out.int(90);
      }
      return out.bulk('Some real reply following the attribute');
    case 'push':
      if (out.resp < 3) return out.error('ERR RESP2 is not supported by this command');
      out.push(2);
      out.bulk('server-cpu-usage');
      out.int(42);
      return out.bulk('Some real reply following the push reply');
    case 'true':
      return out.bool(true);
    case 'false':
      return out.bool(false);
    case 'verbatim':
      return out.verbatim('This is a verbatim\nstring');
    default:
      return out.error('ERR Wrong protocol type name. Please use one of the following: string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false');
  }
}

/** getPositiveLongFromObjectOrReply with Redis's default message. */
function positiveLong(s: string): number | null {
  const n = parseI64(s);
  if (n === null || n < 0) return null;
  return Number(n);
}

function populateShard(c: ExecContext, argv: string[]): void {
  // __populate count prefix size(-1: none)
  const count = Number(argv[1]);
  const prefix = argv[2];
  const size = Number(argv[3]);
  const t = c.thread;
  let created = 0;
  for (let j = 0; j < count; j++) {
    const key = `${prefix}:${j}`;
    if (keyShard(key, t.threads) !== t.index) continue;
    if (c.ks.has(c.db, key)) continue;
    let val = `value:${j}`;
    if (size >= 0) val = size <= val.length ? val.slice(0, size) : val + '\0'.repeat(size - val.length);
    // Stored flat, as a SET's value arrives from the parser (a concatenation
    // would keep its parts and a rope node alive per key).
    c.ks.set(c.db, key, flatString(val));
    created++;
  }
  c.out.int(created);
}

async function debugCross(client: Client, argv: string[]): Promise<void> {
  const t = client.thread;
  const out = (): ReplyWriter => client.out();
  const mode = cfgStr(t, 'enable-debug-command', 'no');
  if (!(mode === 'yes' || (mode === 'local' && isLocalClient(client)))) {
    out().error('ERR DEBUG command not allowed. If the enable-debug-command option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.');
    return;
  }
  const sub = argv[1].toLowerCase();
  const argc = argv.length;
  if (sub === 'help' && argc === 2) return helpReply(out(), 'DEBUG', DEBUG_HELP);
  if (sub === 'sleep' && argc === 3) {
    const ms = strtod(argv[2]) * 1000;
    // The server stops: every shard is locked for the duration.
    await withTxn(client, async (txn) => {
      for (let s = 0; s < t.threads; s++) await txn.step(s, [], 'all');
      // The sleep is the command's own time (slow log, latency monitor), not a wait.
      const until = txn.resumed() + ms;
      // A timer counts from the event loop's cached clock, so it can fire early by the length of
      // the turn that armed it: sleep again for what is left.
      for (let left = ms; left > 0; left = until - performance.now()) await new Promise<void>((r) => setTimeout(r, Math.min(Math.ceil(left), 2 ** 31 - 1)));
    });
    out().ok();
    return;
  }
  if (sub === 'migrate-delay' && argc === 3) {
    const ms = positiveLong(argv[2]);
    if (ms === null) return out().error('ERR value is out of range, must be positive');
    await runOnAllShards(client, [['__debug_migrate_delay', String(Math.min(ms, 2 ** 31 - 1))]], null);
    out().ok();
    return;
  }
  if (sub === 'set-active-expire' && argc === 3) {
    await runOnAllShards(client, [['__debug_active_expire', String(atoi(argv[2]))]], null);
    out().ok();
    return;
  }
  if (sub === 'object' && argc === 3) {
    const key = argv[2];
    const [r] = await withTxn(client, (txn) => txn.step(keyShard(key, t.threads), [['__debug_object', key]], null));
    out().raw(r);
    return;
  }
  if (sub === 'populate' && argc >= 3 && argc <= 5) {
    const count = positiveLong(argv[2]);
    if (count === null) return out().error('ERR value is out of range, must be positive');
    let size = -1;
    if (argc === 5) {
      const s = positiveLong(argv[4]);
      if (s === null) return out().error('ERR value is out of range, must be positive');
      size = s;
    }
    const prefix = argc >= 4 ? argv[3] : 'key';
    await runOnAllShards(client, [['__populate', String(count), prefix, String(size)]], 'all');
    out().ok();
    return;
  }
  if (sub === 'protocol' && argc === 3) return debugProtocol(out(), argv[2]);
  subcommandSyntaxError(out(), 'DEBUG', argv[1]);
}

const debugCommand = def('debug', {
  arity: -2, flags: ADMIN_FLAGS, acl: ADMIN_ACL, group: 'server', summary: 'A container for debugging commands', since: '1.0.0', complexity: 'Depends on subcommand.', route: 'all', cross: debugCross,
});

// =============================================================================
// SLOWLOG
// =============================================================================

interface SlowWire {
  e: SlowEntry[];
}

async function slowlogGetCross(client: Client, argv: string[]): Promise<void> {
  let count = 10;
  if (argv.length > 3) {
    subcommandSyntaxError(client.out(), 'SLOWLOG', argv[1]);
    return;
  }
  if (argv.length === 3) {
    const n = parseI64(argv[2]);
    if (n === null || n < -1) {
      client.out().error('ERR count should be greater than or equal to -1');
      return;
    }
    count = n === -1 ? Infinity : Number(n);
  }
  const parts = await runOnAllShards(client, [['__slowlog', 'get']], null);
  const all: SlowEntry[] = [];
  for (const p of parts) for (const e of (JSON.parse(stringValue(p[0]) ?? '{"e":[]}') as SlowWire).e) all.push(e);
  all.sort((a, b) => b.id - a.id);
  const maxLen = client.thread.slowlogMaxLen;
  const entries = all.slice(0, Math.min(count, maxLen));
  // Entries of commands a shard ran for another thread's client: that thread noted the client's
  // address and name when the command ran (K_SLOW_NOTE); ask it.
  const unresolved: string[] = [];
  for (const e of entries) if (e.addr === '' && e.from >= 0) unresolved.push(`${e.id}:${e.clientId}`);
  const known = new Map<string, [string, string]>();
  if (unresolved.length > 0) {
    const res = await runOnAllShards(client, [['__slowclients', ...unresolved]], null);
    for (let shard = 0; shard < res.length; shard++) {
      const m = JSON.parse(stringValue(res[shard][0]) ?? '[]') as [number, string, string][];
      for (const [id, addr, name] of m) known.set(`${shard}:${id}`, [addr, name]);
    }
  }
  const out = client.out();
  out.array(entries.length);
  for (const e of entries) {
    let addr = e.addr;
    let name = e.name;
    if (addr === '' && e.from >= 0) {
      const k = known.get(`${e.from}:${e.id}`);
      if (k !== undefined) [addr, name] = k;
    }
    out.array(6);
    out.int(e.id);
    out.int(e.time);
    out.int(e.us);
    out.array(e.argv.length);
    for (const a of e.argv) out.bulk(a);
    out.bulk(addr);
    out.bulk(name);
  }
}

async function slowlogLenCross(client: Client): Promise<void> {
  const parts = await runOnAllShards(client, [['__slowlog', 'len']], null);
  let n = 0;
  for (const p of parts) n += intValue(p[0]);
  client.out().int(Math.min(n, client.thread.slowlogMaxLen));
}

async function slowlogResetCross(client: Client): Promise<void> {
  await runOnAllShards(client, [['__slowlog', 'reset']], null);
  client.out().ok();
}

const SLOWLOG_HELP = [
  'GET [<count>]',
  '    Return top <count> entries from the slowlog (default: 10, -1 mean all).',
  '    Entries are made of:',
  '    id, timestamp, time in microseconds, arguments array, client IP and port,',
  '    client name',
  'LEN',
  '    Return the length of the slowlog.',
  'RESET',
  '    Reset the slowlog.',
];

const SLOW_ADMIN = ['admin', 'loading', 'stale'];

const slowlogCommand = def('slowlog', {
  arity: -2, acl: ['@slow'], group: 'server', summary: 'A container for slow log commands', since: '2.2.12', complexity: 'Depends on subcommand.',
  subcommands: [
    def('get', { arity: -2, flags: SLOW_ADMIN, acl: ADMIN_ACL, group: 'server', summary: "Get the slow log's entries", since: '2.2.12', complexity: 'O(N) where N is the number of entries returned', route: 'all', cross: slowlogGetCross }),
    def('len', { arity: 2, flags: SLOW_ADMIN, acl: ADMIN_ACL, group: 'server', summary: "Get the slow log's length", since: '2.2.12', complexity: 'O(1)', route: 'all', cross: slowlogLenCross }),
    def('reset', { arity: 2, flags: SLOW_ADMIN, acl: ADMIN_ACL, group: 'server', summary: 'Clear all entries from the slow log', since: '2.2.12', complexity: 'O(N) where N is the number of entries in the slowlog', route: 'all', cross: slowlogResetCross }),
    def('help', { arity: 2, flags: ['loading', 'stale'], acl: ['@slow'], group: 'server', summary: 'Show helpful text about the different subcommands', since: '6.2.0', complexity: 'O(1)', handler(c) { helpReply(c.out, 'SLOWLOG', SLOWLOG_HELP); } }),
  ],
});

// =============================================================================
// LATENCY
// =============================================================================

async function latencyEvents(client: Client): Promise<Map<string, LatencySeries>> {
  const parts = await runOnAllShards(client, [['__latency', 'dump']], null);
  const per = new Map<string, LatencySeries[]>();
  for (const p of parts) {
    const m = JSON.parse(stringValue(p[0]) ?? '{}') as Record<string, LatencySeries>;
    for (const [k, v] of Object.entries(m)) {
      let l = per.get(k);
      if (l === undefined) per.set(k, (l = []));
      l.push(v);
    }
  }
  const out = new Map<string, LatencySeries>();
  for (const [k, l] of per) out.set(k, mergeSeries(l));
  return out;
}

async function latencyLatestCross(client: Client): Promise<void> {
  const ev = await latencyEvents(client);
  const out = client.out();
  out.array(ev.size);
  for (const [name, ts] of ev) {
    const last = ts.samples[ts.samples.length - 1];
    out.array(4);
    out.bulk(name);
    out.int(last.time);
    out.int(last.latency);
    out.int(ts.max);
  }
}

async function latencyHistoryCross(client: Client, argv: string[]): Promise<void> {
  const ev = await latencyEvents(client);
  const ts = ev.get(argv[2]);
  const out = client.out();
  if (ts === undefined) return out.array(0);
  out.array(ts.samples.length);
  for (const s of ts.samples) {
    out.array(2);
    out.int(s.time);
    out.int(s.latency);
  }
}

async function latencyResetCross(client: Client, argv: string[]): Promise<void> {
  const names = argv.slice(2);
  const parts = await runOnAllShards(client, [['__latency', 'reset', ...names]], null);
  const gone = new Set<string>();
  for (const p of parts) for (const n of JSON.parse(stringValue(p[0]) ?? '[]') as string[]) gone.add(n);
  client.out().int(gone.size);
}

function latencyReport(t: ShardThread, ev: Map<string, LatencySeries>): string {
  const threshold = cfgNum(t, 'latency-monitor-threshold', 0);
  if (ev.size === 0 && threshold === 0) {
    return 'I\'m sorry, Dave, I can\'t do that. Latency monitoring is disabled in this Redis instance. You may use "CONFIG SET latency-monitor-threshold <milliseconds>." in order to enable it. If we weren\'t in a deep space mission I\'d suggest to take a look at https://redis.io/topics/latency-monitor.\n';
  }
  const slowerThan = cfgNum(t, 'slowlog-log-slower-than', 10000);
  const slowMax = cfgNum(t, 'slowlog-max-len', 128);
  let report = '';
  let eventnum = 0;
  let advices = 0;
  let slowlogEnabled = false;
  let slowlogTuning = false;
  let slowlogInspect = false;
  let scheduler = false;
  let largeObjects = false;
  const now = Math.floor(Date.now() / 1000);
  for (const [event, ts] of ev) {
    eventnum++;
    if (eventnum === 1) report += "Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n";
    const n = ts.samples.length;
    let sum = 0;
    let oldest = 0;
    for (const s of ts.samples) {
      sum += s.latency;
      if (oldest === 0 || s.time < oldest) oldest = s.time;
    }
    const mean = n > 0 ? Math.floor(sum / n) : 0;
    let period = n > 0 ? now - oldest : 0;
    if (n > 0 && period === 0) period = 1;
    let dev = 0;
    for (const s of ts.samples) dev += Math.abs(mean - s.latency);
    const mad = n > 0 ? Math.floor(dev / n) : 0;
    report += `${eventnum}. ${event}: ${n} latency spikes (average ${mean}ms, mean deviation ${mad}ms, period ${(period / n).toFixed(2)} sec). Worst all time event ${ts.max}ms.`;
    if (event === 'command') {
      if (slowerThan < 0 || slowMax === 0) {
        slowlogEnabled = true;
        advices++;
      } else if (slowerThan / 1000 > threshold) {
        slowlogTuning = true;
        advices++;
      }
      slowlogInspect = true;
      largeObjects = true;
      advices += 2;
    }
    if (event === 'fast-command') {
      scheduler = true;
      advices++;
    }
    report += '\n';
  }
  if (eventnum === 0) {
    report += 'Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n';
  } else if (advices === 0) {
    report += "\nWhile there are latency events logged, I'm not able to suggest any easy fix. Please use the Redis community to get some help, providing this report in your help request.\n";
  } else {
    report += '\nI have a few advices for you:\n\n';
    if (slowlogEnabled) report += `- There are latency issues with potentially slow commands you are using. Try to enable the Slow Log Redis feature using the command 'CONFIG SET slowlog-log-slower-than ${threshold * 1000}'. If the Slow log is disabled Redis is not able to log slow commands execution for you.\n`;
    if (slowlogTuning) report += `- Your current Slow Log configuration only logs events that are slower than your configured latency monitor threshold. Please use 'CONFIG SET slowlog-log-slower-than ${threshold * 1000}'.\n`;
    if (slowlogInspect) report += '- Check your Slow Log to understand what are the commands you are running which are too slow to execute. Please check https://redis.io/commands/slowlog for more information.\n';
    if (scheduler) {
      report +=
        '- The system is slow to execute Redis code paths not containing system calls. This usually means the system does not provide Redis CPU time to run for long periods. You should try to:\n' +
        '  1) Lower the system load.\n' +
        '  2) Use a computer / VM just for Redis if you are running other software in the same system.\n' +
        '  3) Check if you have a "noisy neighbour" problem.\n' +
        "  4) Check with 'redis-cli --intrinsic-latency 100' what is the intrinsic latency in your system.\n" +
        '  5) Check if the problem is allocator-related by recompiling Redis with MALLOC=libc, if you are using Jemalloc. However this may create fragmentation problems.\n';
    }
    if (largeObjects) report += '- Deleting, expiring or evicting (because of maxmemory policy) large objects is a blocking operation. If you have very large objects that are often deleted, expired, or evicted, try to fragment those objects into multiple smaller objects.\n';
  }
  return report;
}

/** LATENCY HISTOGRAM [command ...]: each command's cumulative latency distribution. */
async function latencyHistogramCross(client: Client, argv: string[]): Promise<void> {
  const merged = mergeHistograms(await gatherInfo(client, 'l'));
  let names: string[];
  if (argv.length === 2) names = [...merged.keys()];
  else {
    names = [];
    for (let i = 2; i < argv.length; i++) {
      const spec = lookupFull(argv[i]);
      if (spec === undefined) continue;
      for (const s of [spec, ...subcommandsOf(spec)]) if (merged.has(fullName(s))) names.push(fullName(s));
    }
  }
  const out = client.out();
  out.map(names.length);
  for (const n of names) {
    const h = merged.get(n)!;
    out.bulk(n);
    out.map(2);
    out.bulk('calls');
    out.int(h.total);
    out.bulk('histogram_usec');
    const cdf = h.cdf();
    out.map(cdf.length);
    for (const [us, cum] of cdf) {
      out.int(us);
      out.int(cum);
    }
  }
}

const GRAPH_COLS = 80;
const SPARK_CHARS = '_o#';

/** Redis's sparkline (sparklineRenderRange with SPARKLINE_FILL): `rows` rows of bars, then the labels top to bottom. */
function sparkline(values: number[], labels: string[], rows: number): string {
  let min = 0;
  let max = 0;
  for (let i = 0; i < values.length; i++) {
    if (i === 0) min = max = values[i];
    else if (values[i] < min) min = values[i];
    else if (values[i] > max) max = values[i];
  }
  let out = '';
  for (let off = 0; off < values.length; off += GRAPH_COLS) {
    const len = Math.min(GRAPH_COLS, values.length - off);
    if (off !== 0) out += '\n';
    const relmax = max - min === 0 ? 1 : max - min;
    const steps = SPARK_CHARS.length * rows;
    for (let row = 0; ; row++) {
      let loop = false;
      const chars: string[] = new Array(len).fill(' ');
      for (let j = 0; j < len; j++) {
        const v = values[off + j];
        if (row < rows) {
          let step = Math.trunc(((v - min) * steps) / relmax);
          if (step < 0) step = 0;
          if (step >= steps) step = steps - 1;
          const ci = step - (rows - row - 1) * SPARK_CHARS.length;
          loop = true;
          if (ci >= 0 && ci < SPARK_CHARS.length) chars[j] = SPARK_CHARS[ci];
          else if (ci >= SPARK_CHARS.length) chars[j] = '|';
        } else {
          if (row - rows < 1) {
            loop = true;
            break;
          }
          const label = labels[off + j];
          const at = row - rows - 1;
          if (label.length > at) {
            loop = true;
            chars[j] = label[at];
          }
        }
      }
      if (!loop) break;
      out += chars.join('') + '\n';
    }
  }
  return out;
}

async function latencyGraphCross(client: Client, argv: string[]): Promise<void> {
  const ev = await latencyEvents(client);
  const ts = ev.get(argv[2]);
  if (ts === undefined) {
    client.out().error(`ERR No samples available for event '${argv[2]}'`);
    return;
  }
  const now = Math.floor(Date.now() / 1000);
  const values: number[] = [];
  const labels: string[] = [];
  let min = 0;
  let max = 0;
  for (const smp of ts.samples) {
    if (values.length === 0) min = max = smp.latency;
    else {
      if (smp.latency > max) max = smp.latency;
      if (smp.latency < min) min = smp.latency;
    }
    const el = now - smp.time;
    labels.push(el < 60 ? `${el}s` : el < 3600 ? `${Math.floor(el / 60)}m` : el < 86400 ? `${Math.floor(el / 3600)}h` : `${Math.floor(el / 86400)}d`);
    values.push(smp.latency);
  }
  const graph = `${argv[2]} - high ${max} ms, low ${min} ms (all time high ${ts.max} ms)\n${'-'.repeat(GRAPH_COLS)}\n${sparkline(values, labels, 4)}`;
  client.out().verbatim(graph);
}

async function latencyDoctorCross(client: Client): Promise<void> {
  const ev = await latencyEvents(client);
  client.out().verbatim(latencyReport(client.thread, ev));
}

const LATENCY_HELP = [
  'DOCTOR',
  '    Return a human readable latency analysis report.',
  'GRAPH <event>',
  '    Return an ASCII latency graph for the <event> class.',
  'HISTORY <event>',
  '    Return time-latency samples for the <event> class.',
  'LATEST',
  '    Return the latest latency samples for all events.',
  'RESET [<event> ...]',
  '    Reset latency data of one or more <event> classes.',
  '    (default: reset all data for all event classes)',
  'HISTOGRAM [COMMAND ...]',
  '    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.',
  '    If no commands are specified then all histograms are replied.',
];

const latencyCommand = def('latency', {
  arity: -2, acl: ['@slow'], group: 'server', summary: 'A container for latency diagnostics commands', since: '2.8.13', complexity: 'Depends on subcommand.',
  subcommands: [
    def('doctor', { arity: 2, flags: ADMIN_FLAGS, acl: ADMIN_ACL, group: 'server', summary: 'Return a human readable latency analysis report.', since: '2.8.13', complexity: 'O(1)', route: 'all', cross: latencyDoctorCross }),
    def('graph', { arity: 3, flags: ADMIN_FLAGS, acl: ADMIN_ACL, group: 'server', summary: 'Return a latency graph for the event.', since: '2.8.13', complexity: 'O(1)', route: 'all', cross: latencyGraphCross }),
    def('history', { arity: 3, flags: ADMIN_FLAGS, acl: ADMIN_ACL, group: 'server', summary: 'Return timestamp-latency samples for the event.', since: '2.8.13', complexity: 'O(1)', route: 'all', cross: latencyHistoryCross }),
    def('latest', { arity: 2, flags: ADMIN_FLAGS, acl: ADMIN_ACL, group: 'server', summary: 'Return the latest latency samples for all events.', since: '2.8.13', complexity: 'O(1)', route: 'all', cross: latencyLatestCross }),
    def('reset', { arity: -2, flags: ADMIN_FLAGS, acl: ADMIN_ACL, group: 'server', summary: 'Reset latency data for one or more events.', since: '2.8.13', complexity: 'O(1)', route: 'all', cross: latencyResetCross }),
    def('histogram', { arity: -2, flags: ADMIN_FLAGS, acl: ADMIN_ACL, group: 'server', summary: 'Return the cumulative distribution of latencies of a subset of commands or all.', since: '7.0.0', complexity: 'O(N) where N is the number of commands with latency information being retrieved.', route: 'all', cross: latencyHistogramCross }),
    def('help', { arity: 2, flags: ['loading', 'stale'], acl: ['@slow'], group: 'server', summary: 'Show helpful text about the different subcommands.', since: '2.8.13', complexity: 'O(1)', handler(c) { helpReply(c.out, 'LATENCY', LATENCY_HELP); } }),
  ],
});

// =============================================================================
// SHUTDOWN
// =============================================================================

async function shutdownCross(client: Client, argv: string[]): Promise<void> {
  const t = client.thread;
  let nosave = false;
  let save = false;
  let now = false;
  let force = false;
  let abort = false;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i].toLowerCase();
    if (a === 'nosave') nosave = true;
    else if (a === 'save') save = true;
    else if (a === 'now') now = true;
    else if (a === 'force') force = true;
    else if (a === 'abort') abort = true;
    else {
      client.out().error(SYNTAX);
      return;
    }
  }
  if ((abort && (nosave || save || now || force)) || (nosave && save)) {
    client.out().error(SYNTAX);
    return;
  }
  if (abort) {
    // Shutdown never waits for replicas here, so none can be in progress.
    client.out().error('ERR No shutdown in progress.');
    return;
  }
  if (save) {
    // No persistence yet: saving the dataset cannot succeed.
    t.log?.warning('Error trying to save the DB, can\'t exit.');
    if (!force) {
      client.out().error('ERR Errors trying to SHUTDOWN. Check logs.');
      return;
    }
  }
  const mode = [nosave ? 'NOSAVE' : save ? 'SAVE' : '', now ? 'NOW' : '', force ? 'FORCE' : ''].filter(Boolean).join(' ');
  if (t.main === null) {
    client.out().error('ERR Errors trying to SHUTDOWN. Check logs.');
    return;
  }
  const err = await t.main.shutdown(mode);
  if (err !== null) client.out().error(errorText(err));
  // On success no reply: the server closes every connection (this one at once, so
  // nothing pipelined after SHUTDOWN runs) and exits.
  else client.closeAfterReply = true;
}

// =============================================================================
// Internal per-shard commands
// =============================================================================

const internal = (name: string, handler: (c: ExecContext, argv: string[]) => void): CommandSpec =>
  def(name, { arity: -1, group: 'internal', summary: '', since: '7.0.0', handler });

const internalCommands: CommandSpec[] = [
  internal('__info', (c, argv) => c.out.bulk(JSON.stringify(threadInfo(c.thread, argv[1].includes('c'), argv[1].includes('l'))))),
  internal('__resetstat', (c) => {
    resetThreadStats(c.thread);
    c.out.ok();
  }),
  internal('__debug_active_expire', (c, argv) => {
    c.thread.activeExpireEnabled = argv[1] !== '0';
    c.out.ok();
  }),
  internal('__populate', populateShard),
  internal('__purge', (c) => {
    fullGc();
    c.out.ok();
  }),
  internal('__debug_object', debugObjectShard),
  internal('__debug_migrate_delay', (c, argv) => {
    c.thread.adoptDelayMs = Number(argv[1]);
    c.out.ok();
  }),
  internal('__slowlog', (c, argv) => {
    const sl = c.thread.slowlog;
    if (argv[1] === 'get') c.out.bulk(JSON.stringify({ e: sl.entries } satisfies SlowWire));
    else if (argv[1] === 'len') c.out.int(sl.entries.length);
    else {
      sl.reset();
      c.out.ok();
    }
  }),
  // __slowclients entryId:clientId ...: what this thread noted about its clients' slow commands
  // on other shards (the live client when no note arrived).
  internal('__slowclients', (c, argv) => {
    const out: [number, string, string][] = [];
    for (let i = 1; i < argv.length; i++) {
      const [entry, clientId] = argv[i].split(':').map(Number);
      const noted = c.thread.slowClients.get(entry);
      if (noted !== undefined) out.push([entry, noted[0], noted[1]]);
      else {
        const cl = c.thread.clients.get(clientId);
        if (cl !== undefined) out.push([entry, cl.addr, cl.name]);
      }
    }
    c.out.bulk(JSON.stringify(out));
  }),
  internal('__latency', (c, argv) => {
    const lm = c.thread.latency;
    if (argv[1] === 'dump') {
      c.out.bulk(JSON.stringify(Object.fromEntries(lm.events)));
      return;
    }
    const names = argv.slice(2);
    const before = names.length === 0 ? [...lm.events.keys()] : names.filter((n) => lm.events.has(n));
    lm.reset(names);
    c.out.bulk(JSON.stringify(before));
  }),
];

// =============================================================================
// The table entries
// =============================================================================

export const serverCommands: CommandSpec[] = [
  def('info', {
    arity: -1, flags: ['loading', 'stale'], acl: ['@slow', '@dangerous'], group: 'server', summary: 'Get information and statistics about the server', since: '1.0.0', complexity: 'O(1)', route: 'all', cross: infoCross,
  }),
  commandCommand,
  configCommand,
  debugCommand,
  objectCommand,
  memoryCommand,
  slowlogCommand,
  latencyCommand,
  def('time', {
    arity: 1, flags: ['loading', 'stale', 'fast'], acl: ['@fast'], group: 'server', summary: 'Return the current server time', since: '2.6.0', complexity: 'O(1)',
    handler(c) {
      const us = Math.floor((performance.timeOrigin + performance.now()) * 1000);
      c.out.array(2);
      c.out.bulk(String(Math.floor(us / 1e6)));
      c.out.bulk(String(us % 1e6));
    },
  }),
  def('lastsave', {
    arity: 1, flags: ['loading', 'stale', 'fast'], acl: ['@admin', '@fast', '@dangerous'], group: 'server', summary: 'Get the UNIX time stamp of the last successful save to disk', since: '1.0.0', complexity: 'O(1)',
    handler(c) { c.out.int(Math.floor(c.thread.serverStart / 1000)); },
  }),
  def('shutdown', {
    arity: -1, flags: ['admin', 'noscript', 'loading', 'stale', 'no_multi', 'allow_busy'], acl: ADMIN_ACL, group: 'server', summary: 'Synchronously save the dataset to disk and then shut down the server', since: '1.0.0', complexity: 'O(N) when saving, where N is the total number of keys in all databases when saving data, otherwise O(1)', route: 'all', cross: shutdownCross,
  }),
  ...internalCommands,
];

export { encodingOf, memoryUsageOf };
