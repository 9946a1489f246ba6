// The one command table. Every family file contributes CommandSpecs; this
// module indexes them for dispatch (by name, case-insensitive), for the rings
// (by numeric id), and answers key positions and routing for a request.

import type { CommandSpec, KeySpec } from './types.ts';
import { keyShard } from '../router/slot.ts';
import { stringCommands } from './string_family.ts';
import { keyspaceCommands } from './keyspace_family.ts';
import { connectionCommands } from './connection_family.ts';
import { serverCommands } from './server_family.ts';
import { hashCommands } from './hash_family.ts';
import { setCommands } from './set_family.ts';
import { subkeyExpireCommands } from './subkey_expire_family.ts';
import { bitmapCommands } from './bitmap_family.ts';
import { sortCommands } from './sort_family.ts';
import { transactionCommands } from './transaction_family.ts';
import { cronCommands } from './cron_family.ts';
import { zsetCommands } from './zset_family.ts';
import { listCommands } from './list_family.ts';
import { blockingCommands } from '../shards/blocking.ts';
import { scriptingCommands } from './scripting_family.ts';
import { loadAddon } from '../scripting/engine.ts';

const byName = new Map<string, CommandSpec>();
const internalByName = new Map<string, CommandSpec>();
const byId: CommandSpec[] = [];

function index(spec: CommandSpec): void {
  spec.id = byId.length;
  // Flags are kept in COMMAND INFO's spelling (no_auth, skip_slowlog, ...).
  spec.flags = spec.flags.map((f) => f.replace(/-/g, '_'));
  spec.write = spec.flags.includes('write');
  spec.noAuth = spec.flags.includes('no_auth');
  spec.blocking = spec.flags.includes('blocking');
  // Pipeline transactions (router/pipeline.ts) take plain keyed commands: none that can block, run
  // a script, reach keys it does not declare or has subcommands.
  spec.pipelined =
    spec.route === 'keys' && !spec.blocking && spec.rerun === undefined && spec.crossIf === undefined && spec.getKeys === undefined && spec.subcommands === undefined && spec.parent === undefined && !spec.flags.includes('noscript');
  spec.mayChange = spec.write || spec.flags.includes('may_replicate') || spec.flags.includes('admin');
  spec.oneTrip = spec.pipelined && singleKeyAt(spec) !== 0;
  spec.speculable = spec.oneTrip && spec.flags.includes('readonly') && !spec.mayChange && spec.keepsState !== true;
  byId.push(spec);
  if (spec.subcommands !== undefined) {
    for (const sub of spec.subcommands.values()) {
      sub.parent = spec;
      index(sub);
    }
  }
}

export function registerCommands(specs: CommandSpec[]): void {
  for (const spec of specs) {
    const internal = spec.name.startsWith('__');
    (internal ? internalByName : byName).set(spec.name, spec);
    if (!internal) byName.set(spec.name.toUpperCase(), spec);
    index(spec);
  }
}

registerCommands(stringCommands);
registerCommands(keyspaceCommands);
registerCommands(connectionCommands);
registerCommands(serverCommands);
registerCommands(hashCommands);
registerCommands(setCommands);
registerCommands(subkeyExpireCommands);
registerCommands(bitmapCommands);
registerCommands(sortCommands);
registerCommands(transactionCommands);
registerCommands(zsetCommands);
registerCommands(listCommands);
registerCommands(blockingCommands);
// Scripting exists only where the Lua engine (native/, built by npm install) loads: without it
// EVAL, FUNCTION, FCALL and KEYDB.CRON are absent (unknown command), never half-working.
if (loadAddon() !== null) {
  registerCommands(scriptingCommands);
  registerCommands(cronCommands);
}

/** A client-visible command by name (any case). */
export function lookupCommand(name: string): CommandSpec | undefined {
  return byName.get(name) ?? byName.get(name.toLowerCase());
}

/** Client-visible or internal (cross-shard step) command. */
export function lookupAny(name: string): CommandSpec | undefined {
  return internalByName.get(name) ?? lookupCommand(name);
}

/** A request of argv.length arguments (the name included) has the number the command takes (Redis's arity check). */
export function arityOk(spec: CommandSpec, argv: { length: number }): boolean {
  return spec.arity > 0 ? argv.length === spec.arity : argv.length >= -spec.arity;
}

export function commandById(id: number): CommandSpec {
  return byId[id];
}

/** Every top-level client-visible command (COMMAND, COMMAND COUNT ...). */
export function allCommands(): CommandSpec[] {
  const out: CommandSpec[] = [];
  for (const [name, spec] of byName) if (name === spec.name) out.push(spec);
  return out;
}

/** argv indexes of the keys of a request. */
export function keyIndexes(spec: CommandSpec, argv: string[]): number[] {
  if (spec.getKeys !== undefined) return spec.getKeys(argv);
  return rangeKeys(spec.keys, argv.length);
}

export function rangeKeys(k: KeySpec, argc: number): number[] {
  if (k.first === 0 || k.first >= argc) return [];
  const last = lastKeyAt(k, argc);
  const out: number[] = [];
  for (let i = k.first; i <= last; i += k.step) out.push(i);
  return out;
}

/** The argv index of the last key of a request with argc arguments, by its key range (k.first when it has one key). */
export function lastKeyAt(k: KeySpec, argc: number): number {
  return k.last < 0 ? argc + k.last : Math.min(k.last, argc - 1);
}

/** The keys of a request. */
export function keysOf(spec: CommandSpec, argv: string[]): string[] {
  if (spec.getKeys === undefined && spec.keys.first !== 0 && spec.keys.first === spec.keys.last) {
    return spec.keys.first < argv.length ? [argv[spec.keys.first]] : [];
  }
  const out: string[] = [];
  pushKeys(spec, argv, out);
  return out;
}

/** Append the keys of a request to `out` (keysOf without a list of its own). */
export function pushKeys(spec: CommandSpec, argv: string[], out: string[]): void {
  if (spec.getKeys !== undefined) {
    const idx = spec.getKeys(argv);
    for (let i = 0; i < idx.length; i++) out.push(argv[idx[i]]);
    return;
  }
  const k = spec.keys;
  if (k.first === 0 || k.first >= argv.length) return;
  const last = lastKeyAt(k, argv.length);
  for (let p = k.first; p <= last; p += k.step) out.push(argv[p]);
}

/**
 * Where a request's first key is in argv, for reading ahead (Keyspace.prefetch):
 * 0 when it has none (a position past the end, or keys found by getKeys in a
 * request of the wrong arity, which will not run).
 */
export function firstKeyAt(spec: CommandSpec, argv: string[]): number {
  if (spec.getKeys === undefined) return spec.keys.first < argv.length ? spec.keys.first : 0;
  if (!arityOk(spec, argv)) return 0;
  const idx = spec.getKeys(argv);
  return idx.length !== 0 ? idx[0] : 0;
}

/** Where a command of the common single-key shape has its key (its shard is that key's), else 0. */
export function singleKeyAt(spec: CommandSpec): number {
  const k = spec.keys;
  return spec.getKeys === undefined && k.first === k.last ? k.first : 0;
}

export const MULTI_SHARD = -1;
export const NO_SHARD = -2;

/** The one shard owning all keys of the request, MULTI_SHARD when they span shards, NO_SHARD when keyless. */
export function shardOf(spec: CommandSpec, argv: string[], shards: number): number {
  const k = spec.keys;
  const at = singleKeyAt(spec);
  if (at !== 0) {
    // The common single-key case, without allocating.
    return at < argv.length ? keyShard(argv[at], shards) : NO_SHARD;
  }
  let s = NO_SHARD;
  if (spec.getKeys !== undefined) {
    const idx = spec.getKeys(argv);
    for (let i = 0; i < idx.length; i++) {
      const ks = keyShard(argv[idx[i]], shards);
      if (s === NO_SHARD) s = ks;
      else if (ks !== s) return MULTI_SHARD;
    }
  } else if (k.first !== 0 && k.first < argv.length) {
    // A key range (MSET, DEL ...), without a list of positions.
    const last = lastKeyAt(k, argv.length);
    for (let p = k.first; p <= last; p += k.step) {
      const ks = keyShard(argv[p], shards);
      if (s === NO_SHARD) s = ks;
      else if (ks !== s) return MULTI_SHARD;
    }
  }
  if (spec.crossIf !== undefined && spec.crossIf(argv, s, shards)) return MULTI_SHARD;
  return s;
}
