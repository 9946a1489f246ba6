// EXEC: runs a client's queued MULTI block atomically across shards.
// Phase 1 locks, in ascending shard order, every key the block names on its
// owning shard (every shard entirely when the block holds a keyspace-wide
// command such as FLUSHALL, KEYS, DBSIZE, SCAN, RANDOMKEY or SWAPDB) and, on
// shards where the client WATCHes keys, checks under that lock whether a
// watched key was touched. Then the commands run in order on their shards
// (consecutive commands for one shard travel as one step) while the locks
// are held; nobody can observe a half-applied block. Phase 2 unlocks.
//
// Each command of the block is counted as Redis counts it (INFO
// commandstats, latency, slow log): where it runs, as a step's command
// (STEP_COUNT), or here once for one that crosses shards. A command's error
// is its own failure: EXEC fails only when it refuses the block.

import type { Client, QueuedCommand } from '../shards/client.ts';
import { keysOf, shardOf, MULTI_SHARD } from '../commands/table.ts';
import { keyShard } from './slot.ts';
import { intValue } from '../proto/reply_reader.ts';
import { performance } from 'node:perf_hooks';
import type { CrossShardTxn } from './txn.ts';
import type { ShardThread } from '../shards/shard_thread.ts';
import type { CommandSpec } from '../commands/types.ts';

/** WATCH's per-shard registrations go away: UNWATCH, DISCARD, EXEC, RESET, disconnect. */
export async function unwatchAll(client: Client, t: CrossShardTxn | null = null): Promise<void> {
  const shards = client.watchedShards;
  if (shards === null) return;
  const id = String(client.watchId);
  // A later WATCH gets a fresh id, so this late clean-up can never drop its registrations.
  client.watchedShards = null;
  client.watchId = 0;
  const own = t === null;
  const txn = t ?? client.thread.beginTxn(client.db, client.resp, client);
  try {
    for (const s of [...shards].sort((a, b) => a - b)) await txn.step(s, [['__unwatch', id]], null);
  } finally {
    if (own) txn.finish();
  }
}

export async function execMulti(client: Client): Promise<void> {
  const queued = client.multi;
  if (queued === null) {
    client.out().error('ERR EXEC without MULTI');
    return;
  }
  const dirty = client.multiDirty;
  client.multi = null;
  client.multiDirty = false;
  if (dirty) {
    await unwatchAll(client);
    client.out().error('EXECABORT Transaction discarded because of previous errors.');
    return;
  }
  const thread = client.thread;
  const n = thread.threads;
  let lockEverything = false;
  const keysBy: string[][] = Array.from({ length: n }, () => []);
  for (const q of queued) {
    // SORT BY / GET read keys nobody declared: only whole-shard locks cover them.
    if (q.spec.route === 'all' || (q.spec.crossIf !== undefined && q.spec.crossIf(q.argv, -1, n))) lockEverything = true;
    else if (q.spec.route === 'keys') for (const k of keysOf(q.spec, q.argv)) keysBy[keyShard(k, n)].push(k);
  }
  const watched = client.watchedShards;
  const t = thread.beginTxn(client.db, client.resp, client);
  t.clientId = client.id;
  client.txn = t;
  try {
    if (watched === null && !lockEverything && (await runsPerShard(client, queued, n, keysBy, t))) return;
    let aborted = false;
    for (let s = 0; s < n && !aborted; s++) {
      const check = watched !== null && watched.has(s);
      const lock = lockEverything ? 'all' : keysBy[s].length > 0 ? keysBy[s] : null;
      if (lock === null && !check) continue;
      const r = await t.step(s, check ? [['__watch_check', String(client.watchId)]] : [], lock);
      if (check && intValue(r[0]) === 1) aborted = true;
    }
    await unwatchAll(client, t);
    if (aborted) {
      client.out().nullArray();
      return;
    }
    client.out().array(queued.length);
    let i = 0;
    while (i < queued.length) {
      const q = queued[i];
      client.showToMonitors(q.spec, q.argv);
      if (q.spec.route === 'keys') {
        const s = shardOf(q.spec, q.argv, n);
        if (s >= 0) {
          // A run of commands for the same shard goes as one step.
          const cmds: string[][] = [q.argv];
          let j = i + 1;
          while (j < queued.length && queued[j].spec.route === 'keys' && shardOf(queued[j].spec, queued[j].argv, n) === s) {
            client.showToMonitors(queued[j].spec, queued[j].argv);
            cmds.push(queued[j++].argv);
          }
          t.db = client.db;
          t.resp = client.resp;
          const replies = await t.step(s, cmds, null, true);
          for (const r of replies) client.out().raw(r);
          i = j;
          continue;
        }
        if (s === MULTI_SHARD) {
          await countedHere(thread, client, q.spec, q.argv, true);
          i++;
          continue;
        }
      }
      await countedHere(thread, client, q.spec, q.argv, q.spec.route === 'all');
      i++;
    }
  } finally {
    client.txn = null;
    t.finish();
  }
}

/**
 * A command of the block that runs here (crossing shards, or keyless),
 * counted once here; its error is its own failure, not the EXEC's (a keyless
 * one's is taken back by ShardThread.call).
 */
async function countedHere(thread: ShardThread, client: Client, spec: CommandSpec, argv: string[], cross: boolean): Promise<void> {
  if (!cross) return thread.execClientCommand(client, spec, argv);
  const stats = thread.stats;
  const before = stats.failures;
  const t0 = performance.now();
  await spec.cross!(client, argv);
  thread.countCall(spec, argv, client, (performance.now() - t0) * 1000, stats.failures !== before);
  stats.failures = before;
}

/**
 * The common block: only single-shard keyed commands and no WATCH. Each shard
 * then locks its keys and runs its own commands (in block order) in a single
 * step, shards in ascending order; replies are put back in block order. This
 * is still strict two-phase locking (nothing is released before the last
 * shard ran), and a shard's commands only depend on that shard's data.
 * Returns false (having done nothing) when the block does not qualify.
 */
function runsPerShard(client: Client, queued: QueuedCommand[], n: number, keysBy: string[][], t: CrossShardTxn): boolean | Promise<boolean> {
  const shardOfCmd = new Array<number>(queued.length);
  for (let i = 0; i < queued.length; i++) {
    const q = queued[i];
    if (q.spec.route !== 'keys') return false;
    const s = shardOf(q.spec, q.argv, n);
    if (s < 0) return false;
    shardOfCmd[i] = s;
  }
  return (async () => {
    const replies = new Array<Buffer>(queued.length);
    let last = -1;
    for (let s = 0; s < n; s++) if (keysBy[s].length !== 0) last = s;
    for (let s = 0; s < n; s++) {
      if (keysBy[s].length === 0) continue;
      const idx: number[] = [];
      for (let i = 0; i < queued.length; i++) if (shardOfCmd[i] === s) idx.push(i);
      const cmds = idx.map((i) => queued[i].argv);
      // The last shard locks, runs and unlocks in one go: no other client waits on it for a round trip.
      const r = s === last ? await t.lastStep(s, cmds, keysBy[s], true) : await t.step(s, cmds, keysBy[s], true);
      for (let k = 0; k < idx.length; k++) replies[idx[k]] = r[k];
    }
    for (const q of queued) client.showToMonitors(q.spec, q.argv);
    const out = client.out();
    out.array(queued.length);
    for (const r of replies) out.raw(r);
    return true;
  })();
}

export type { QueuedCommand };
