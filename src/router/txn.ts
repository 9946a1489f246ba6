// Cross-shard transactions, coordinator side. A transaction runs steps on
// shards; a step may first lock keys (or the whole shard) on its shard, then
// runs commands there, and the locks are held until finish(). Callers take
// new locks in ascending shard order (strict two-phase locking with ordered
// acquisition: serializable and deadlock-free). The reply of a step is the
// list of the commands' reply bytes.

import { performance } from 'node:perf_hooks';
import type { ShardThread } from '../shards/shard_thread.ts';
import { unpackStepReplies } from './step_replies.ts';

export type StepLock = null | 'all' | string[];

/**
 * Where a transaction adds the time its command spent waiting (a client's
 * cross-shard command): for each step, from its sending until the
 * coordinator goes on (the next step, or the end), less the time the step
 * ran on its shard: waits for locks, for other threads and for this thread's
 * other work. The command's duration (INFO commandstats, SLOWLOG, LATENCY)
 * is its wall time up to the transaction's end minus that: the time it
 * actually ran, as Redis counts it.
 */
export interface WaitAccount {
  crossWaitMs: number;
  /** When the transaction ended (finish(); 0 while it runs). */
  crossEndAt: number;
}

export class CrossShardTxn {
  readonly owner: number;
  readonly thread: ShardThread;
  db: number;
  resp: 2 | 3;
  /** The client whose commands its counted steps run (their slow log entries name it); 0: none. */
  clientId = 0;
  private readonly locked: number[] = [];
  /**
   * Inside EXEC the block's transaction is lent to the commands that cross
   * shards (withTxn): their lastStep() and closingStep() then release
   * nothing, since the block holds its locks to the end.
   */
  lent = 0;
  /** Who waits for the step in flight: a step()'s promise (a Buffer per reply) or a pipeline step's callback (packed replies). */
  private resolve: ((r: Buffer[]) => void) | null = null;
  private onPacked: ((packed: Buffer) => void) | null = null;
  /** Credited with the waits of the steps (null: nobody is timed). */
  private readonly account: WaitAccount | null;
  /** When the step in flight was sent. */
  private sentAt = 0;
  /** When the last step's replies arrived (0: the coordinator went on since). */
  private completedAt = 0;

  constructor(thread: ShardThread, owner: number, db: number, resp: 2 | 3, account: WaitAccount | null = null) {
    this.thread = thread;
    this.owner = owner;
    this.db = db;
    this.resp = resp;
    this.account = account;
  }

  /**
   * Run `cmds` on `shard` (taking `lock` there first, held until finish()).
   * `counted`: they are a client's own commands (an EXEC block's), each
   * counted there as it runs; otherwise the coordinator counts what it runs.
   */
  step(shard: number, cmds: string[][], lock: StepLock = null, counted = false): Promise<Buffer[]> {
    if (lock !== null && !this.locked.includes(shard)) this.locked.push(shard);
    if (this.account !== null) this.sentAt = this.resumed();
    return new Promise<Buffer[]>((resolve) => {
      this.resolve = resolve;
      this.thread.sendTxnStep(this, shard, cmds, lock, false, counted);
    });
  }

  /**
   * The transaction's last lock-taking step: it locks `lock` on `shard`, runs
   * `cmds` and releases that shard's locks at once (the growing phase is
   * over, so strict two-phase locking allows it); locks held on other shards
   * stay until finish(). The caller must take no lock after this. A plain
   * step while the transaction is lent (see `lent`).
   */
  lastStep(shard: number, cmds: string[][], lock: StepLock, counted = false): Promise<Buffer[]> {
    if (this.lent !== 0 || this.locked.includes(shard)) return this.step(shard, cmds, lock, counted);
    if (this.account !== null) this.sentAt = this.resumed();
    return new Promise<Buffer[]>((resolve) => {
      this.resolve = resolve;
      this.thread.sendTxnStep(this, shard, cmds, lock, true, counted);
    });
  }

  /**
   * The transaction's last step on `shard`, where it holds locks already:
   * runs `cmds` and releases that shard's locks right after (no unlock
   * message at finish()). Only when it takes no lock after this (its growing
   * phase is over: two-phase locking allows the release) and has nothing
   * more to do on that shard. A plain step while the transaction is lent
   * (see `lent`).
   */
  closingStep(shard: number, cmds: string[][]): Promise<Buffer[]> {
    if (this.lent !== 0) return this.step(shard, cmds, null);
    const at = this.locked.indexOf(shard);
    if (at >= 0) this.locked.splice(at, 1);
    if (this.account !== null) this.sentAt = this.resumed();
    return new Promise<Buffer[]>((resolve) => {
      this.resolve = resolve;
      this.thread.sendTxnStep(this, shard, cmds, null, true);
    });
  }

  /**
   * A step of a pipeline transaction (router/pipeline.ts), with a callback
   * instead of a promise: a client's commands for `shard` (`tags`: their
   * command ids and flags, as K_PSTEP), run there as its own commands after
   * their keys are locked; `release`: the transaction's last lock-taking step
   * (as lastStep). `done` gets the replies packed (step_replies.ts, with how
   * long each command ran), a buffer of its own; it may run before this
   * returns (a step on this thread that did not wait).
   */
  pipelineStep(shard: number, clientId: number, tags: number[], cmds: string[][], release: boolean, done: (packed: Buffer) => void): void {
    if (!release && !this.locked.includes(shard)) this.locked.push(shard);
    if (this.account !== null) this.sentAt = this.resumed();
    this.onPacked = done;
    this.thread.sendPipelineStep(this, shard, clientId, tags, cmds, release);
  }

  /** The step's replies arrived in a frame: b[start, end), packed; execMs: how long the step ran on its shard. */
  complete(b: Buffer, start: number, end: number, execMs: number): void {
    // A pipeline step's caller keeps the packed replies (the frame's buffer is reused): a copy, one per step.
    if (this.onPacked !== null) this.completePacked(Buffer.from(b.subarray(start, end)), execMs);
    else this.completeList(unpackStepReplies(b, start, end), execMs);
  }

  /** A step()'s replies, a Buffer each (from a frame, or from this thread's own shard). */
  completeList(replies: Buffer[], execMs: number): void {
    this.arrived(execMs);
    const r = this.resolve;
    this.resolve = null;
    if (r !== null) r(replies);
  }

  /** A pipelineStep()'s replies, packed (from a frame, or from this thread's own shard). */
  completePacked(packed: Buffer, execMs: number): void {
    this.arrived(execMs);
    const done = this.onPacked;
    this.onPacked = null;
    if (done !== null) done(packed);
  }

  /** The step in flight is back: its time not spent running on its shard was a wait (WaitAccount). */
  private arrived(execMs: number): void {
    if (this.account === null) return;
    const now = performance.now();
    const waited = now - this.sentAt - execMs;
    if (waited > 0) this.account.crossWaitMs += waited;
    this.completedAt = now;
  }

  /**
   * Lock-and-run on several shards in ascending order; the i-th result holds
   * the replies of the shard groups[i].shard.
   */
  async lockAll(groups: { shard: number; cmds: string[][]; lock: StepLock }[]): Promise<Buffer[][]> {
    const order = groups.map((g, i) => i).sort((a, b) => groups[a].shard - groups[b].shard);
    const out: Buffer[][] = new Array(groups.length);
    for (const i of order) out[i] = await this.step(groups[i].shard, groups[i].cmds, groups[i].lock);
    return out;
  }

  /**
   * The coordinator goes on: the time since the last step's replies arrived
   * was a wait too. Returns now. Called by step() and finish(), and by a
   * command that then takes time of its own (DEBUG SLEEP), which counts.
   */
  resumed(): number {
    const now = performance.now();
    if (this.account === null) return now;
    if (this.completedAt !== 0) {
      this.account.crossWaitMs += now - this.completedAt;
      this.completedAt = 0;
    }
    return now;
  }

  /** Release every lock this transaction holds (phase 2). */
  finish(): void {
    if (this.account !== null) this.account.crossEndAt = this.resumed();
    for (const s of this.locked) this.thread.sendTxnUnlock(this.owner, s);
    this.locked.length = 0;
    this.thread.endTxn(this);
  }
}
