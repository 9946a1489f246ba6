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
import { lastKeyAt } from '../commands/table.ts';
import type { CrossShardTxn } from './txn.ts';
import type { ReplyWriter } from '../proto/reply_writer.ts';
import { TAG_PART } from '../shards/shard_thread.ts';
import { intValueAt, isErrorAt, skipValue } from '../proto/reply_reader.ts';
import { stepBytesAt, stepReplyEnd, stepReplyMicros } from './step_replies.ts';
import { keyShard } from './slot.ts';

/**
 * Would running these as one transaction save round trips? `shards`: the
 * shard of each of the first n commands (MULTI_SHARD for a split command).
 * When they hold a split command and, counting each split command and each
 * run of commands for another shard as one round trip, at least two.
 */
export function worthATransaction(shards: number[], n: number, self: number): boolean {
  let trips = 0;
  let splits = 0;
  let prev = -1;
  for (let i = 0; i < n; i++) {
    const s = shards[i];
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

/** Transactions kept for reuse (per thread: each thread has its own module instance). */
const pool: PipelineTxn[] = [];
const POOL_MAX = 64;
const NO_ARGV: string[] = [];
const POSITIONS_KEPT = 4096;
/** Where each key's element is in the parts' replies of an 'array' merge, by argv position (scratch). */
let elemAt = new Int32Array(64);
let elemEnd = new Int32Array(64);
let elemUnit = new Int32Array(64);
/** The shard of each key of the split command being divided (scratch). */
let keyShards = new Int32Array(64);

/**
 * One pipeline transaction at a time per client; the objects are reused
 * (take(), then recycled when done), each with its arrays, so that a
 * cross-shard command allocates only what leaves it: the parts' argvs, the
 * steps' lists and the replies (a pooled transaction holds nothing between
 * uses).
 */
export class PipelineTxn {
  private client: Client | null = null;
  private onDone: (() => void) | null = null;
  /** The commands: n of them. */
  private n = 0;
  private readonly cmdSpec: (CommandSpec | null)[] = [];
  private readonly cmdArgv: (string[] | null)[] = [];
  private readonly cmdShard: number[] = [];
  /** What the shards run: whole commands and the parts of split ones (command index, tag, argv); `units` of them. */
  private units = 0;
  private readonly unitCmd: number[] = [];
  private readonly unitTag: number[] = [];
  private readonly unitArgv: (string[] | null)[] = [];
  /** A split command's part: its shard and its keys' positions (in the command's argv): positions[unitPosFrom[u], unitPosTo[u]). */
  private readonly unitShard: number[] = [];
  private readonly unitPosFrom: number[] = [];
  private readonly unitPosTo: number[] = [];
  private positions: number[] = [];
  private nPositions = 0;
  /** Each unit's reply: unitReply[u][unitStart[u], unitEnd[u]) (unitReply: its step's packed replies, step_replies.ts). */
  private readonly unitReply: (Buffer | null)[] = [];
  private readonly unitStart: number[] = [];
  private readonly unitEnd: number[] = [];
  /** How long each unit ran on its shard (µs; a split command is counted here with its parts' sum). */
  private readonly unitUs: number[] = [];
  /** The shards involved, ascending (nShards of them), and the units each runs, in request order (by shard id). */
  private readonly shards: number[] = [];
  private nShards = 0;
  private readonly shardUnits: number[][] = [];
  private readonly shardUnitCount: number[] = [];
  /** The lists of a step sent to another thread (next()). */
  private readonly sendTags: number[] = [];
  private readonly sendArgvs: string[][] = [];
  private txn: CrossShardTxn | null = null;
  /** The step in flight (index into shards). */
  private at = 0;
  /** Inside next(): a step that completes at once continues the loop instead of recursing. */
  private stepping = false;
  private stepDone = false;

  /** A transaction for `client` (onDone: when it has replied), from the pool when one is free. */
  static take(client: Client, onDone: () => void): PipelineTxn {
    const t = pool.pop() ?? new PipelineTxn();
    t.client = client;
    t.onDone = onDone;
    return t;
  }

  /** How many commands it holds. */
  get count(): number {
    return this.n;
  }

  /** The spec of command i. */
  specAt(i: number): CommandSpec {
    return this.cmdSpec[i]!;
  }

  argvAt(i: number): string[] {
    return this.cmdArgv[i]!;
  }

  add(spec: CommandSpec, argv: string[], shard: number): void {
    const i = this.n++;
    this.cmdSpec[i] = spec;
    this.cmdArgv[i] = argv;
    this.cmdShard[i] = shard;
  }

  /** Keep the first n commands only. */
  truncate(n: number): void {
    for (let i = n; i < this.n; i++) {
      this.cmdSpec[i] = null;
      this.cmdArgv[i] = null;
    }
    this.n = n;
  }

  /** worthATransaction() of the commands it holds. */
  worthIt(self: number): boolean {
    return worthATransaction(this.cmdShard, this.n, self);
  }

  /** Not started after all: back to the pool. */
  drop(): void {
    this.recycle();
  }

  start(): void {
    const c = this.client!;
    this.divide(c.thread.threads);
    this.txn = c.thread.beginTxn(c.db, c.resp, null);
    this.next();
  }

  /** The units of every command, by shard; the shards involved, ascending. */
  private divide(threads: number): void {
    while (this.shardUnits.length < threads) {
      this.shardUnits.push([]);
      this.shardUnitCount.push(0);
    }
    for (let i = 0; i < this.n; i++) {
      const spec = this.cmdSpec[i]!;
      const argv = this.cmdArgv[i]!;
      const shard = this.cmdShard[i];
      if (shard >= 0) {
        this.unit(i, spec.id!, argv, shard, 0, 0);
        continue;
      }
      // A split command: the same command over each shard's keys (parts, counted here: countSplit); what
      // groupKeys and partArgv (cross.ts) do, into this transaction's reused arrays.
      const first = spec.keys.first;
      const last = lastKeyAt(spec.keys, argv.length);
      const step = spec.keys.step;
      const span = spec.split!.span;
      if (keyShards.length < argv.length) keyShards = new Int32Array(argv.length * 2);
      const perShard = this.keysPerShard(threads);
      for (let p = first; p <= last; p += step) {
        const s = keyShard(argv[p], threads);
        keyShards[p] = s;
        perShard[s]++;
      }
      for (let s = 0; s < threads; s++) {
        const n = perShard[s];
        if (n === 0) continue;
        perShard[s] = 0;
        const sub: string[] = new Array(1 + n * span);
        sub[0] = argv[0];
        const from = this.nPositions;
        for (let p = first, at = 1; p <= last; p += step) {
          if (keyShards[p] !== s) continue;
          for (let k = 0; k < span; k++) sub[at++] = argv[p + k];
          this.positions[this.nPositions++] = p;
        }
        this.unit(i, spec.id! | TAG_PART, sub, s, from, this.nPositions);
      }
    }
    for (let s = 0; s < threads; s++) if (this.shardUnitCount[s] !== 0) this.shards[this.nShards++] = s;
  }

  /** Keys per shard of the split command being divided (scratch, all zero between uses). */
  private perShard = new Int32Array(0);

  private keysPerShard(threads: number): Int32Array {
    if (this.perShard.length < threads) this.perShard = new Int32Array(threads);
    return this.perShard;
  }

  private unit(cmd: number, tag: number, argv: string[], shard: number, posFrom: number, posTo: number): void {
    const u = this.units++;
    this.unitCmd[u] = cmd;
    this.unitTag[u] = tag;
    this.unitArgv[u] = argv;
    this.unitShard[u] = shard;
    this.unitPosFrom[u] = posFrom;
    this.unitPosTo[u] = posTo;
    this.shardUnits[shard][this.shardUnitCount[shard]++] = u;
  }

  private next(): void {
    const t = this.txn!;
    this.stepping = true;
    while (this.at < this.nShards) {
      const shard = this.shards[this.at];
      const units = this.shardUnits[shard];
      const n = this.shardUnitCount[shard];
      // A step on this thread may wait for locks and keep its lists: they are its own. A step for
      // another thread is encoded onto the ring at once: its lists are reused.
      const local = shard === this.client!.thread.index;
      const tags: number[] = local ? new Array(n) : this.sendTags;
      const argvs: string[][] = local ? new Array(n) : this.sendArgvs;
      if (!local && tags.length !== n) {
        tags.length = n;
        argvs.length = n;
      }
      for (let k = 0; k < n; k++) {
        tags[k] = this.unitTag[units[k]];
        argvs[k] = this.unitArgv[units[k]]!;
      }
      this.stepDone = false;
      t.pipelineStep(shard, this.client!.id, tags, argvs, this.at === this.nShards - 1, this.onStep);
      if (!local) for (let k = 0; k < n; k++) argvs[k] = NO_ARGV;
      if (!this.stepDone) {
        this.stepping = false;
        return;
      }
    }
    this.stepping = false;
    this.finish();
  }

  private readonly onStep = (packed: Buffer): void => {
    const shard = this.shards[this.at];
    const units = this.shardUnits[shard];
    const n = this.shardUnitCount[shard];
    const at = stepBytesAt(packed, 0);
    let from = at;
    for (let k = 0; k < n; k++) {
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
    if (this.client!.thread.syncDepth !== 0) queueMicrotask(() => this.next());
    else this.next();
  };

  private finish(): void {
    this.txn!.finish();
    const c = this.client!;
    if (!c.closed) this.reply();
    this.countSplit();
    const done = this.onDone!;
    this.recycle();
    done();
  }

  /** Drop every reference (commands, replies, the client) and go back to the pool. */
  private recycle(): void {
    this.truncate(0);
    for (let u = 0; u < this.units; u++) {
      this.unitArgv[u] = null;
      this.unitReply[u] = null;
    }
    this.units = 0;
    this.nPositions = 0;
    // The split commands' key positions: a pooled transaction does not keep the room of a huge one.
    if (this.positions.length > POSITIONS_KEPT) this.positions = [];
    for (let i = 0; i < this.nShards; i++) this.shardUnitCount[this.shards[i]] = 0;
    this.nShards = 0;
    this.at = 0;
    this.txn = null;
    this.client = null;
    this.onDone = null;
    if (pool.length < POOL_MAX) pool.push(this);
  }

  /** Count each split command once, with the time of all its parts (its parts ran uncounted: TAG_PART). */
  private countSplit(): void {
    const c = this.client!;
    const thread = c.thread;
    const n = this.units;
    for (let u = 0; u < n; ) {
      const i = this.unitCmd[u];
      if (this.cmdShard[i] >= 0) {
        u++;
        continue;
      }
      let us = 0;
      let failed = false;
      for (; u < n && this.unitCmd[u] === i; u++) {
        us += this.unitUs[u];
        if (isErrorAt(this.unitReply[u]!, this.unitStart[u])) failed = true;
      }
      thread.countCall(this.cmdSpec[i]!, this.cmdArgv[i]!, c, us, failed);
    }
  }

  /** Every command's reply, in request order (a split command's from its parts, in shard order). */
  private reply(): void {
    const out = this.client!.thread.outFor(this.client!);
    const n = this.units;
    let u = 0;
    for (let i = 0; i < this.n; i++) {
      if (this.cmdShard[i] >= 0) {
        // Units are numbered in request order: command i's is the next one.
        out.raw(this.unitReply[u]!, this.unitStart[u], this.unitEnd[u]);
        u++;
        continue;
      }
      const from = u;
      while (u < n && this.unitCmd[u] === i) u++;
      this.splitReply(out, i, from, u);
    }
  }

  /** A split command's reply from its parts, units [from, to): as writeSplitReply (cross.ts) says. */
  private splitReply(out: ReplyWriter, i: number, from: number, to: number): void {
    for (let u = from; u < to; u++) {
      if (isErrorAt(this.unitReply[u]!, this.unitStart[u])) {
        out.raw(this.unitReply[u]!, this.unitStart[u], this.unitEnd[u]);
        return;
      }
    }
    const merge = this.cmdSpec[i]!.split!.merge;
    if (merge === 'ok') {
      out.ok();
      return;
    }
    if (merge === 'sum') {
      let sum = 0;
      for (let u = from; u < to; u++) sum += intValueAt(this.unitReply[u]!, this.unitStart[u]);
      out.int(sum);
      return;
    }
    // 'array' (MGET): each part's array holds its keys' elements in its order; they go out in the
    // command's key order, straight from the parts' replies.
    const argc = this.cmdArgv[i]!.length;
    if (elemAt.length < argc) {
      elemAt = new Int32Array(argc * 2);
      elemEnd = new Int32Array(argc * 2);
      elemUnit = new Int32Array(argc * 2);
    }
    let n = 0;
    for (let u = from; u < to; u++) {
      const b = this.unitReply[u]!;
      let at = this.unitStart[u];
      at = b.indexOf(10, at) + 1;
      for (let k = this.unitPosFrom[u]; k < this.unitPosTo[u]; k++) {
        const p = this.positions[k];
        const end = skipValue(b, at);
        elemAt[p] = at;
        elemEnd[p] = end;
        elemUnit[p] = u;
        at = end;
        n++;
      }
    }
    const keys = this.cmdSpec[i]!.keys;
    out.array(n);
    for (let p = keys.first, last = lastKeyAt(keys, argc); p <= last; p += keys.step) out.raw(this.unitReply[elemUnit[p]]!, elemAt[p], elemEnd[p]);
  }
}
