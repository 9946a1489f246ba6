// Pipeline transactions: a client's pipelined commands that go to several
// shards run as one cross-shard transaction instead of one round trip (or one
// transaction) each.
//
// A client's commands must take effect in the order it sent them (invariant
// 2), so a command for another shard normally waits until the replies in
// flight are back, and a command whose keys span shards (MSET, MGET, DEL ...)
// is a transaction of its own: a pipeline of them pays a round trip per
// command. Here each shard, in ascending order, locks the keys of its share
// of the commands and runs that share in request order (a K_PSTEP step); the
// last shard locks, runs and releases in one go, the others release at the
// end (strict two-phase locking, as EXEC). Nobody sees a state between two of
// the commands, and a command (or a part of a split one) only touches its own
// shard's keys, so the shards' shares may run one after the other. Each
// command is counted, timed and slow-logged on its shard as if it had come
// alone (a split command by the coordinator, with the time its parts ran);
// replies go back in request order.

import type { Client } from '../shards/client.ts';
import type { CommandSpec } from '../commands/types.ts';
import { keyIndexes } from '../commands/table.ts';
import type { CrossShardTxn } from './txn.ts';
import { TAG_PART } from '../shards/shard_thread.ts';
import { isErrorAt } from '../proto/reply_reader.ts';
import { stepBytesAt, stepReplyEnd, stepReplyMicros } from './step_replies.ts';
import { groupKeys, partArgv, writeSplitReply, type ShardGroup, type ShardPart } from './cross.ts';

/** A command of a pipeline transaction: its spec, argv and shard (MULTI_SHARD: a split command). */
export interface PipelinedCommand {
  spec: CommandSpec;
  argv: string[];
  shard: number;
}

/**
 * Would running these as one transaction save round trips? When it holds a
 * split command and, counting each split command and each run of commands
 * for another shard as one round trip, at least two.
 */
export function worthATransaction(cmds: PipelinedCommand[], self: number): boolean {
  let trips = 0;
  let splits = 0;
  let prev = -1;
  for (let i = 0; i < cmds.length; i++) {
    const s = cmds[i].shard;
    if (s < 0) {
      splits++;
      trips++;
      prev = -1;
    } else if (s !== prev) {
      prev = s;
      if (s !== self) trips++;
    }
  }
  return splits > 0 && trips >= 2;
}

export class PipelineTxn {
  private readonly client: Client;
  private readonly cmds: PipelinedCommand[];
  /** What the shards run: whole commands and the parts of split ones (command index, tag, argv). */
  private readonly unitCmd: number[] = [];
  private readonly unitTag: number[] = [];
  private readonly unitArgv: string[][] = [];
  /** A split command's part: its shard and the positions (in the command's argv) of its keys. */
  private readonly unitGroup: (ShardGroup | null)[] = [];
  /** Each unit's reply: unitReply[u][unitStart[u], unitEnd[u]) (unitReply: its step's packed replies, step_replies.ts). */
  private readonly unitReply: Buffer[] = [];
  private readonly unitStart: number[] = [];
  private readonly unitEnd: number[] = [];
  /** How long each unit ran on its shard (µs; a split command is counted here with its parts' sum). */
  private readonly unitUs: number[] = [];
  /** The shards involved, ascending, and the units each runs, in request order. */
  private readonly shards: number[] = [];
  private readonly byShard: number[][] = [];
  private txn: CrossShardTxn | null = null;
  /** The step in flight (index into shards). */
  private at = 0;
  /** Inside next(): a step that completes at once continues the loop instead of recursing. */
  private stepping = false;
  private stepDone = false;
  private readonly onDone: () => void;

  constructor(client: Client, cmds: PipelinedCommand[], onDone: () => void) {
    this.client = client;
    this.cmds = cmds;
    this.onDone = onDone;
    const threads = client.thread.threads;
    const units: number[][] = [];
    for (let s = 0; s < threads; s++) units.push([]);
    for (let i = 0; i < cmds.length; i++) {
      const c = cmds[i];
      if (c.shard >= 0) {
        units[c.shard].push(this.unit(i, c.spec.id!, c.argv, null));
        continue;
      }
      // A split command: the same command over each shard's keys (parts, counted here: countSplit).
      for (const g of groupKeys(c.argv, keyIndexes(c.spec, c.argv), threads)) {
        units[g.shard].push(this.unit(i, c.spec.id! | TAG_PART, partArgv(c.argv, g.positions, c.spec.split!.span), g));
      }
    }
    for (let s = 0; s < threads; s++) {
      if (units[s].length === 0) continue;
      this.shards.push(s);
      this.byShard.push(units[s]);
    }
  }

  private unit(cmd: number, tag: number, argv: string[], group: ShardGroup | null): number {
    this.unitCmd.push(cmd);
    this.unitTag.push(tag);
    this.unitArgv.push(argv);
    this.unitGroup.push(group);
    return this.unitCmd.length - 1;
  }

  start(): void {
    const c = this.client;
    this.txn = c.thread.beginTxn(c.db, c.resp, null);
    this.next();
  }

  private next(): void {
    const t = this.txn!;
    this.stepping = true;
    while (this.at < this.shards.length) {
      const units = this.byShard[this.at];
      const tags: number[] = new Array(units.length);
      const argvs: string[][] = new Array(units.length);
      for (let k = 0; k < units.length; k++) {
        tags[k] = this.unitTag[units[k]];
        argvs[k] = this.unitArgv[units[k]];
      }
      this.stepDone = false;
      t.pipelineStep(this.shards[this.at], this.client.id, tags, argvs, this.at === this.shards.length - 1, this.onStep);
      if (!this.stepDone) {
        this.stepping = false;
        return;
      }
    }
    this.stepping = false;
    this.finish();
  }

  private readonly onStep = (packed: Buffer): void => {
    const units = this.byShard[this.at];
    const at = stepBytesAt(packed, 0);
    let from = at;
    for (let k = 0; k < units.length; k++) {
      const u = units[k];
      const to = at + stepReplyEnd(packed, 0, k);
      this.unitReply[u] = packed;
      this.unitStart[u] = from;
      this.unitEnd[u] = to;
      this.unitUs[u] = stepReplyMicros(packed, 0, k);
      from = to;
    }
    this.at++;
    if (this.stepping) {
      this.stepDone = true;
      return;
    }
    // A reply from another thread. Inside a script's synchronous wait (Channels.waitSync) nothing of
    // ours may run before the script is done: go on once the stack unwinds, as a promise would.
    if (this.client.thread.syncDepth !== 0) queueMicrotask(() => this.next());
    else this.next();
  };

  private finish(): void {
    this.txn!.finish();
    const c = this.client;
    if (!c.closed) this.reply();
    this.countSplit();
    this.onDone();
  }

  /** Count each split command once, with the time of all its parts (its parts ran uncounted: TAG_PART). */
  private countSplit(): void {
    const thread = this.client.thread;
    const n = this.unitCmd.length;
    for (let u = 0; u < n; ) {
      const i = this.unitCmd[u];
      const c = this.cmds[i];
      if (c.shard >= 0) {
        u++;
        continue;
      }
      let us = 0;
      let failed = false;
      for (; u < n && this.unitCmd[u] === i; u++) {
        us += this.unitUs[u];
        if (isErrorAt(this.unitReply[u], this.unitStart[u])) failed = true;
      }
      thread.countCall(c.spec, c.argv, this.client, us, failed);
    }
  }

  /** Every command's reply, in request order (a split command's from its parts, in shard order). */
  private reply(): void {
    const out = this.client.thread.outFor(this.client);
    const n = this.unitCmd.length;
    let u = 0;
    for (let i = 0; i < this.cmds.length; i++) {
      const c = this.cmds[i];
      if (c.shard >= 0) {
        // Units are numbered in request order: command i's is the next one.
        out.raw(this.unitReply[u], this.unitStart[u], this.unitEnd[u]);
        u++;
        continue;
      }
      const parts: ShardPart[] = [];
      for (; u < n && this.unitCmd[u] === i; u++) parts.push({ group: this.unitGroup[u]!, reply: this.unitReply[u].subarray(this.unitStart[u], this.unitEnd[u]) });
      writeSplitReply(out, c.spec.split!.merge, keyIndexes(c.spec, c.argv), parts);
    }
  }
}
