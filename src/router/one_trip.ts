// One-trip batches: a client's pipelined single-key commands over its own
// shard and one other run in one round trip instead of one per switch, with
// the client's order kept (invariant 2).
//
// The usual path runs a batch in order: a run of commands for the other shard
// goes out as one frame and the client waits for its replies before it runs
// what follows, so a batch over random keys of two shards waits a round trip
// at every switch (~3.75 of them per 16 commands). Here, when the commands
// parsed ahead start with a stretch of single-key commands that may run in a
// batch (CommandSpec.pipelined, of the single-key shape) with at least two
// runs for one other shard r, the client's thread sends all of r's commands
// in one frame (K_TRIP) and r runs them back to back (at time T), unless a
// key of theirs is locked by a cross-shard transaction: then it runs none,
// and the stretch runs again the usual way. Two modes:
//
// Speculative (every command a plain read, CommandSpec.speculable): the
// client's thread runs its own commands at once (t0), into a side buffer, and
// notes its keyspace's change counter. When r's replies are in (t2), the
// batch is accepted if nothing on this shard changed since t0
// (Keyspace.changes) and no key read here has a TTL (its own or a member's)
// due by t2. Every read here then saw at t0 what it would have seen at any
// moment up to t2, T included, so all the reads can be placed at T in
// request order: r's ran there back to back, this shard's values were the
// same then. Otherwise nothing of it is kept and the stretch runs again the
// usual way. Nothing counts while it is a speculation: the commands run
// uncounted (no commandstats, slow log, latency, error or keyspace hit/miss
// counts), r sends its counts back, and the client's thread counts
// everything once the batch is accepted, on its own thread (INFO sums the
// threads). Lazy expiry meanwhile is real (the key was due). A reply that
// reads the clock (TTL) reads it at t0, within the command's time in flight.
//
// Locked (any other mix, writes included): the client's thread first locks
// its own commands' keys in its lock table (when one is taken, no batch), and
// runs its commands only once r's replies are in, then unlocks. Its keys
// were locked from before T until after its commands ran, so nobody saw them
// between: the whole batch took effect as one at T (strict two-phase locking
// without a wait: r never waits for a lock, it refuses). Commands count as
// they run, as usual.
//
// Ordered (a locked batch whose shard r comes after the client's): the
// client's thread runs its commands as soon as it has locked their keys,
// before r's part ran, and r waits for its keys instead of refusing
// (TRIP_ORDERED, a waiting entry on r's shard). The same argument holds:
// those keys stay locked until r's replies are in, so nobody sees the
// commands' effects before T, and what they read could not change between
// their run and T. Waiting cannot deadlock: the batch holds locks only on a
// shard before r, and every wait for a lock, here and in cross-shard
// transactions, goes from a lower shard to a higher one. The two parts run at
// the same time instead of one after the other; on r nothing can refuse them,
// so the commands never run twice.
//
// Neither mode is tried during CLIENT PAUSE, with MONITOR clients, in MULTI
// or with replies switched off. After a speculative batch that did not go
// through, the client lets commands go by before trying again (longer after
// each failure in a row). A thread whose locked batches meet locked keys, or
// leave work waiting behind their locks, more than about one time in three
// (keys that many clients write) pauses them for a while
// (ShardThread.lockedTripSkip): there a batch's locks, held for a round
// trip, would hold up everyone's commands on those keys.
//
// Keyspace.changes must move on every change to the shard's keys: each
// command that may write (CommandSpec.mayChange, in ShardThread.runHandler),
// each keyspace mutation outside commands (expiry, member expiry, the blocked
// clients served after a push), each flush and swap.

import type { CommandSpec } from '../commands/types.ts';
import type { ReplyWriter } from '../proto/reply_writer.ts';
import type { ShardThread } from '../shards/shard_thread.ts';
import type { Client } from '../shards/client.ts';
import { getU32 } from '../proto/u32.ts';
import { copyBytes } from '../proto/copy_bytes.ts';
import { isErrorAt } from '../proto/reply_reader.ts';
import { stepBytesAt, stepReplyCount, stepReplyEnd, stepReplyMicros } from './step_replies.ts';

/** r's reply frame: u32 keyspace hits, u32 misses (speculative batches: r did not count them), then the replies packed as a step's (packStepOutput's `lead`). */
export const TRIP_REPLY_HEAD = 8;

/** Batches kept for reuse (per thread: each thread has its own module instance). */
const pool: TripBatch[] = [];
const POOL_MAX = 64;
const LOCAL_BYTES_KEPT = 64 * 1024;

/** One stretch of a client's commands run in one trip (one per client at a time). */
export class TripBatch {
  /** Speculative (reads only) or locked (see the top of this file). */
  speculative = true;
  /** Locked: the owner of the locks taken on the client's shard (0: none). */
  owner = 0;
  /** Locked, its client's shard before `remote`: the commands here ran when it started (see the top of this file). */
  ordered = false;
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

  static take(): TripBatch {
    return pool.pop() ?? new TripBatch();
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

  /** Fill remoteTags / remoteArgvs from the commands; `tagBits` go into every tag (K_TRIP's TAG_PART for a speculative batch). */
  collectRemote(tagBits: number): void {
    let m = 0;
    for (let i = 0; i < this.n; i++) {
      if (this.local[i]) continue;
      this.remoteTags[m] = this.specs[i]!.id! | tagBits;
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
    copyBytes(src, from, to, this.localBytes, this.localLen);
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
    this.speculative = true;
    this.owner = 0;
    this.ordered = false;
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
export function ranThere(batch: TripBatch, payload: Buffer, start: number, end: number): boolean {
  return end - start >= TRIP_REPLY_HEAD + 4 && stepReplyCount(payload, start + TRIP_REPLY_HEAD) === batch.remoteCount;
}

/**
 * A batch that went through: every command's reply into `out` in request
 * order (the local ones from the batch, r's from its reply frame
 * payload[start, ...)). A speculative one's commands are counted here, on
 * this thread, as if each had run here alone: its call and time
 * (commandstats, slow log, latency), its error reply (errorstats), and the
 * keyspace hits and misses of both shards (a locked one's counted as they ran).
 */
export function acceptBatch(batch: TripBatch, payload: Buffer, start: number, out: ReplyWriter, thread: ShardThread, client: Client): void {
  const count = batch.speculative;
  const packed = start + TRIP_REPLY_HEAD;
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
    if (!count) continue;
    const failed = isErrorAt(b, from);
    if (failed) thread.stats.countError(errorCode(b, from, to));
    thread.countCall(batch.specs[i]!, batch.argvs[i]!, client, us, failed);
  }
  if (!count) return;
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
