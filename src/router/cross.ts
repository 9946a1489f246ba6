// Building blocks for commands whose keys span shards. Each runs the command's
// per-shard part on every involved shard inside one cross-shard transaction
// (locks taken in ascending shard order, held until all parts ran) and merges
// the replies the way the single-shard command would have answered.

import type { Client } from '../shards/client.ts';
import type { CommandSpec } from '../commands/types.ts';
import { keyShard } from './slot.ts';
import { intValue, isError, arrayElements } from '../proto/reply_reader.ts';
import type { CrossShardTxn, StepLock } from './txn.ts';
import type { ReplyWriter } from '../proto/reply_writer.ts';

export interface ShardGroup {
  shard: number;
  /** argv indexes (of the original request) of this shard's keys, in request order. */
  positions: number[];
}

/** Group key positions by owning shard, shards ascending. */
export function groupKeys(argv: string[], positions: number[], shards: number): ShardGroup[] {
  const by: (number[] | undefined)[] = new Array(shards);
  for (const p of positions) {
    const s = keyShard(argv[p], shards);
    const l = by[s];
    if (l === undefined) by[s] = [p];
    else l.push(p);
  }
  const out: ShardGroup[] = [];
  for (let s = 0; s < shards; s++) {
    const l = by[s];
    if (l !== undefined) out.push({ shard: s, positions: l });
  }
  return out;
}

/** Run fn inside a cross-shard transaction for this client, always releasing the locks. */
export async function withTxn<T>(client: Client, fn: (t: CrossShardTxn) => Promise<T>): Promise<T> {
  const outer = client.txn;
  if (outer !== null) {
    // Inside EXEC: the enclosing transaction already holds the locks, and keeps them.
    outer.db = client.db;
    outer.resp = client.resp;
    outer.lent++;
    try {
      return await fn(outer);
    } finally {
      outer.lent--;
    }
  }
  const t = client.thread.beginTxn(client.db, client.resp, client);
  try {
    return await fn(t);
  } finally {
    t.finish();
  }
}

/**
 * Lock the keys on each shard in ascending order and run there the command
 * rebuilt with only that shard's keys (`span` arguments per key: 1 for DEL,
 * 2 for MSET key value). Returns each shard's reply with its group.
 */
export async function runPerShard(client: Client, argv: string[], positions: number[], span: number, prefix: string[] = [argv[0]]): Promise<ShardPart[]> {
  const groups = groupKeys(argv, positions, client.thread.threads);
  // The last shard's part is the transaction's last lock: it is released as soon as that
  // part ran (lastStep), without an unlock message after (not inside EXEC: CrossShardTxn.lent).
  return withTxn(client, async (t) => {
    const out: ShardPart[] = [];
    for (let i = 0; i < groups.length; i++) {
      const g = groups[i];
      const keys: string[] = [];
      for (const p of g.positions) keys.push(argv[p]);
      const sub = partArgv(argv, g.positions, span, prefix);
      const [reply] = i === groups.length - 1 ? await t.lastStep(g.shard, [sub], keys) : await t.step(g.shard, [sub], keys);
      out.push({ group: g, reply });
    }
    return out;
  });
}

/** A shard's part of a command split by key (runPerShard) and its reply. */
export interface ShardPart {
  group: ShardGroup;
  reply: Buffer;
}

/** The command over one shard's keys: `prefix`, then `span` arguments from each of the key positions. */
export function partArgv(argv: string[], positions: number[], span: number, prefix: string[] = [argv[0]]): string[] {
  const sub = prefix.slice();
  for (const p of positions) for (let k = 0; k < span; k++) sub.push(argv[p + k]);
  return sub;
}

/**
 * The reply of a command split by key (CommandSpec.split) from its parts'
 * replies, in shard order: the first error; else +OK ('ok'), the sum of the
 * integers ('sum'), or the elements put back in the order of `positions`
 * ('array').
 */
export function writeSplitReply(out: ReplyWriter, merge: 'ok' | 'sum' | 'array', positions: number[], parts: ShardPart[]): void {
  for (const p of parts) {
    if (isError(p.reply)) {
      out.raw(p.reply);
      return;
    }
  }
  if (merge === 'ok') out.ok();
  else if (merge === 'sum') {
    let sum = 0;
    for (const p of parts) sum += intValue(p.reply);
    out.int(sum);
  } else {
    const elems: Buffer[] = [];
    for (const p of parts) {
      const e = arrayElements(p.reply);
      for (let i = 0; i < p.group.positions.length; i++) elems[p.group.positions[i]] = e[i];
    }
    out.array(positions.length);
    for (const pos of positions) out.raw(elems[pos]);
  }
}

/** DEL, UNLINK, EXISTS, TOUCH: the sum of the per-shard integer replies. */
export function crossSumKeys(spec: () => CommandSpec) {
  return async (client: Client, argv: string[]): Promise<void> => {
    const positions: number[] = [];
    for (let i = spec().keys.first; i < argv.length; i++) positions.push(i);
    const parts = await runPerShard(client, argv, positions, 1);
    writeSplitReply(client.out(), 'sum', positions, parts);
  };
}

/** MGET-shaped: per-shard arrays spliced back into request order. */
export async function crossArrayByKey(client: Client, argv: string[], positions: number[]): Promise<void> {
  const parts = await runPerShard(client, argv, positions, 1);
  writeSplitReply(client.out(), 'array', positions, parts);
}

/** Every shard, ascending, optionally under a whole-shard lock; returns each shard's replies. */
export async function runOnAllShards(client: Client, cmds: string[][], lock: StepLock): Promise<Buffer[][]> {
  return withTxn(client, async (t) => {
    const out: Buffer[][] = [];
    for (let s = 0; s < client.thread.threads; s++) out.push(await t.step(s, cmds, lock));
    return out;
  });
}
