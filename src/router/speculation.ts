// Speculative read batches: a client's pipelined reads that alternate between
// this thread's shard and one other run in one round trip instead of one per
// switch, with the client's order kept (invariant 2).
//
// The usual path runs a batch in order: a run of commands for the other shard
// goes out as one frame and the client waits for its replies before it runs
// what follows, so a batch of reads over random keys of two shards waits a
// round trip at every switch (~3.75 of them per 16 commands). Here, when the
// commands parsed ahead start with a stretch of plain single-key reads
// (CommandSpec.speculable) that has at least two runs on the other shard r:
//  1. this thread notes its keyspace's change counter (Keyspace.changes) and
//     sends every command of the stretch for r in one frame (K_SPEC);
//  2. it runs its own ones at once (time t0), into a side buffer;
//  3. r runs its ones back to back (time T) unless one of their keys is
//     locked by a cross-shard transaction, in which case it runs none;
//  4. when r's replies are in (t2), the batch is accepted if r ran them and
//     nothing on this shard changed since t0 (the counter is the same) and no
//     key read here has a TTL (of its own or of a member) due by t2.
// Then every read here saw at t0 what it would have seen at any moment up to
// t2, T included, so all the reads can be placed at T in request order: r's
// ran there back to back, and this shard's values were the same then. Nobody
// can tell the batch from one run in order at T. Otherwise nothing of the
// speculation is kept: the stretch runs again the usual way.
//
// Nothing counts while it is a speculation: the commands run uncounted (no
// commandstats, slow log, latency, error or keyspace hit/miss counts), r
// sends its counts back, and the client's thread counts everything once the
// batch is accepted, on its own thread (INFO sums the threads). A stretch
// that runs again the usual way counts there, once. Lazy expiry during a
// speculation is real (the key was due), and MONITOR never sees a
// speculation: none is tried while a monitor is attached.
//
// Keyspace.changes must move on every change to the shard's keys: each
// command that may write (CommandSpec.mayChange, in ShardThread.runHandler),
// each keyspace mutation outside commands (expiry, eviction, member expiry,
// the blocked clients served after a push), each flush and swap.

import type { CommandSpec } from '../commands/types.ts';
import type { ReplyWriter } from '../proto/reply_writer.ts';
import type { ShardThread } from '../shards/shard_thread.ts';
import type { Client } from '../shards/client.ts';
import { getU32 } from '../proto/u32.ts';
import { isErrorAt } from '../proto/reply_reader.ts';
import { stepBytesAt, stepReplyCount, stepReplyEnd, stepReplyMicros } from './step_replies.ts';

/** r's reply frame: u32 keyspace hits, u32 misses, then the replies packed as a step's (packStepOutput's `lead`). */
export const SPEC_REPLY_HEAD = 8;

/** Speculation objects kept for reuse (per thread: each thread has its own module instance). */
const pool: SpecBatch[] = [];
const POOL_MAX = 64;
const LOCAL_BYTES_KEPT = 64 * 1024;

/** One speculative stretch of a client's commands (one per client at a time). */
export class SpecBatch {
  /** The commands: n of them, each with whether it runs on the client's thread. */
  n = 0;
  readonly specs: (CommandSpec | null)[] = [];
  readonly argvs: (string[] | null)[] = [];
  readonly local: boolean[] = [];
  /** The shard the other commands go to. */
  remote = -1;
  /** The commands for `remote`, in order (sent in one frame): the first remoteCount of these. */
  readonly remoteTags: number[] = [];
  readonly remoteArgvs: (string[] | null)[] = [];
  remoteCount = 0;
  /** The local commands' replies one after another: command i's (local) ends at localEnd[i]; how long each ran (µs). */
  localBytes = Buffer.allocUnsafe(1024);
  localLen = 0;
  readonly localEnd: number[] = [];
  readonly localUs: number[] = [];
  /** Keyspace hits and misses of the local commands (taken back from the counters until accepted). */
  hits = 0;
  misses = 0;
  /** Keyspace.changes when the local commands ran, and the soonest TTL they met (unix ms; Infinity: none). */
  changes = 0;
  soonestExpiry = Infinity;

  static take(): SpecBatch {
    return pool.pop() ?? new SpecBatch();
  }

  add(spec: CommandSpec, argv: string[], local: boolean): void {
    const i = this.n++;
    this.specs[i] = spec;
    this.argvs[i] = argv;
    this.local[i] = local;
  }

  /** The stretch would wait at least two round trips the usual way (two runs for the other shard). */
  worthIt(): boolean {
    let runs = 0;
    for (let i = 0; i < this.n; i++) if (!this.local[i] && (i === 0 || this.local[i - 1])) runs++;
    return runs >= 2;
  }

  /** Fill remoteTags / remoteArgvs from the commands. */
  collectRemote(): void {
    let m = 0;
    for (let i = 0; i < this.n; i++) {
      if (this.local[i]) continue;
      this.remoteTags[m] = this.specs[i]!.id!;
      this.remoteArgvs[m++] = this.argvs[i]!;
    }
    this.remoteCount = m;
  }

  /** Keep local command i's reply, src[from, to), and how long it ran. */
  keepLocal(i: number, src: Buffer, from: number, to: number, us: number): void {
    const n = to - from;
    if (this.localLen + n > this.localBytes.length) {
      const b = Buffer.allocUnsafe(Math.max(this.localBytes.length * 2, this.localLen + n));
      this.localBytes.copy(b, 0, 0, this.localLen);
      this.localBytes = b;
    }
    src.copy(this.localBytes, this.localLen, from, to);
    this.localLen += n;
    this.localEnd[i] = this.localLen;
    this.localUs[i] = us;
  }

  /** Back to the pool, holding nothing. */
  recycle(): void {
    for (let i = 0; i < this.n; i++) {
      this.specs[i] = null;
      this.argvs[i] = null;
    }
    for (let i = 0; i < this.remoteCount; i++) this.remoteArgvs[i] = null;
    this.n = 0;
    this.remote = -1;
    this.remoteCount = 0;
    this.localLen = 0;
    if (this.localBytes.length > LOCAL_BYTES_KEPT) this.localBytes = Buffer.allocUnsafe(1024);
    this.hits = 0;
    this.misses = 0;
    this.soonestExpiry = Infinity;
    if (pool.length < POOL_MAX) pool.push(this);
  }
}

/** Is r's reply frame payload[start, end) a batch run there with as many replies as it was sent? */
export function ranThere(batch: SpecBatch, payload: Buffer, start: number, end: number): boolean {
  return end - start >= SPEC_REPLY_HEAD + 4 && stepReplyCount(payload, start + SPEC_REPLY_HEAD) === batch.remoteCount;
}

/**
 * An accepted batch: every command's reply into `out` in request order (the
 * local ones from the batch, r's from its reply frame payload[start, ...)),
 * and each command counted on this thread as if it had run here alone: its
 * call and time (commandstats, slow log, latency), its error reply
 * (errorstats), and the keyspace hits and misses of both shards.
 */
export function acceptBatch(batch: SpecBatch, payload: Buffer, start: number, out: ReplyWriter, thread: ShardThread, client: Client): void {
  const packed = start + SPEC_REPLY_HEAD;
  const at = stepBytesAt(payload, packed);
  let localFrom = 0;
  let remoteFrom = at;
  let k = 0;
  for (let i = 0; i < batch.n; i++) {
    let b: Buffer;
    let from: number;
    let to: number;
    let us: number;
    if (batch.local[i]) {
      b = batch.localBytes;
      from = localFrom;
      to = localFrom = batch.localEnd[i];
      us = batch.localUs[i];
    } else {
      b = payload;
      from = remoteFrom;
      to = remoteFrom = at + stepReplyEnd(payload, packed, k);
      us = stepReplyMicros(payload, packed, k++);
    }
    out.raw(b, from, to);
    const failed = isErrorAt(b, from);
    if (failed) thread.stats.countError(errorCode(b, from, to));
    thread.countCall(batch.specs[i]!, batch.argvs[i]!, client, us, failed);
  }
  const ks = thread.ks.stats;
  ks.hits += batch.hits + getU32(payload, start);
  ks.misses += batch.misses + getU32(payload, start + 4);
}

/** The error code of an error reply at b[at] ('-ERR ...' or RESP3's '!len'): what INFO errorstats counts. */
function errorCode(b: Buffer, at: number, end: number): string {
  let from = at + 1;
  if (b[at] === 33 /* ! */) from = b.indexOf(10, at) + 1;
  let to = from;
  while (to < end && b[to] !== 32 && b[to] !== 13) to++;
  return b.latin1Slice(from, to);
}
