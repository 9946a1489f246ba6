// One server thread: a connection thread and the owner of one shard of the
// keyspace. It executes commands on its own keys (inline for its own clients,
// from the rings for other threads' clients), queues work that needs a key a
// cross-shard transaction has locked, and coordinates its clients'
// cross-shard commands.

import { performance } from 'node:perf_hooks';
import { Keyspace, type ByteString, type StoredValue } from './keyspace.ts';
import { WatchTable } from './watch.ts';
import { CronTable, type CronJob } from './cron.ts';
import { encodeValue } from './value_codec.ts';
import { LockTable } from './locks.ts';
import { Blocking, K_BLOCK } from './blocking.ts';
import { ThreadStats } from './stats.ts';
import { deliverMonitorLines } from './monitor.ts';
import { SlowLog, LatencyMonitor, LatencyHistogram, slowlogArgv } from './slowlog.ts';
import { ReplyWriter, HANDOFF_BYTES } from '../proto/reply_writer.ts';
import { Channels } from '../router/channels.ts';
import { readArgv, readArgvLists, readTaggedArgvs } from '../proto/argv_codec.ts';
import { isError } from '../proto/reply_reader.ts';
import { CrossShardTxn, type StepLock, type WaitAccount } from '../router/txn.ts';
import { packStepOutput, packStepReplies, unpackStepReplies } from '../router/step_replies.ts';
import { TRIP_REPLY_HEAD, type TripBatch } from '../router/one_trip.ts';
import { clientState, encodeState, decodeState, closeFd, countMoveStarted, countMoveEnded, type ClientState } from './migrate.ts';
import { commandById, firstKeyAt, keysOf, lastKeyAt, lookupAny, pushKeys, singleKeyAt } from '../commands/table.ts';
import type { CommandSpec, ExecContext } from '../commands/types.ts';
import type { Client } from './client.ts';
import type { Config } from '../config/config.ts';
import type { Remote } from 'comlink';
import { CTRL_SLOWLOG_ID, CTRL_CLIENTS, type MainApi } from '../control.ts';
import type { ServerLogger } from '../log.ts';
import { putU32, getU32 } from '../proto/u32.ts';

/** Commands of one client for this shard (a batch: aux counts them; each is a u32 tag, the command id and flags, then its argv). */
export const K_CMD = 1;
/** Replies to a client's K_CMD commands (a batch: aux counts them, the payload is their RESP bytes). */
export const K_REPLY = 2;
export const K_STEP = 3;
export const K_STEP_REPLY = 4;
export const K_UNLOCK = 5;
/** A shard logged a slow command of a client of the receiving thread: id = client id, aux = slow log entry id. */
export const K_SLOW_NOTE = 6;
/** Lines for this thread's MONITOR clients (monitor.ts). (K_BLOCK = 7 lives in blocking.ts.) */
export const K_MONITOR = 8;
/**
 * A step of a pipeline transaction (router/pipeline.ts): a client's pipelined
 * commands for this shard, run as that client's commands. id = the
 * transaction's owner, aux = step flags; payload: u32 client id, u32 count,
 * then per command a u32 tag (the command id) and its argv.
 */
export const K_PSTEP = 9;
/** Tag bit of a K_PSTEP command: a part of a split command, which its coordinator counts (router/pipeline.ts). */
export const TAG_PART = 0x40000000;
/**
 * A one-trip batch's commands for this shard (router/one_trip.ts): a client's
 * single-key commands, run back to back unless a key of theirs is locked.
 * id = the client id, aux 1 for a locked batch (0: speculative, run
 * uncounted); payload as K_PSTEP's (u32 unused, u32 count, tagged argvs).
 */
export const K_TRIP = 10;
/** Its replies: aux 1 when they ran (payload: one_trip.ts's TRIP_REPLY_HEAD, then packed replies), 0 when they did not. */
export const K_TRIP_REPLY = 11;
/**
 * A connection handed to this thread (shards/migrate.ts): id = the client id,
 * aux = a duplicate of its descriptor, payload: its state (ClientState, JSON).
 */
export const K_ADOPT = 12;

/** Tag bits of a command in a K_CMD frame: low 16 bits the command id. */
export const AUX_DISCARD_REPLY = 0x80000000;
/** aux bits of a K_STEP frame. */
const STEP_LOCK = 1;
const STEP_LOCK_ALL = 2;
/** The step must not wait for its locks: when they are taken it gets an empty reply list at once. */
const STEP_TRY = 4;
/** The transaction takes no further locks after this step: release this shard's locks right after it ran. */
const STEP_RELEASE = 8;
/** The step's commands are a client's own (an EXEC block's): each is counted here as it runs. */
const STEP_COUNT = 16;

/** A client's or a transaction's entries in the waiting queue (ShardThread.wait). */
class WaitOrigin {
  /** Entries of this origin in the queue. */
  count = 0;
  /** The runWaiting pass that found one of them unable to run (its later entries then wait too). */
  stuckIn = 0;
}

/** Something that waits for locks held by a cross-shard transaction. */
class Waiting {
  /**
   * 0 local command, 1 remote command, 2 transaction step, 3 a remote client's command running again as a
   * transaction (holds back what its client sent after it), 4 another thread's client's ordered one-trip
   * batch (TRIP_ORDERED: `tags` and `cmds`).
   */
  kind: 0 | 1 | 2 | 3 | 4;
  origin: string;
  keys: string[];
  all: boolean;
  client: Client | null = null;
  spec: CommandSpec | null = null;
  argv: string[] = [];
  from = 0;
  resp: 2 | 3 = 2;
  db = 0;
  id = 0;
  aux = 0;
  cmds: string[][] = [];
  /** A pipeline step (kind 2): the commands' tags (K_PSTEP) and the client they run for. */
  tags: number[] | null = null;
  clientId = 0;
  /** Which of its keys to look at first when the queue is run again (LockTable.conflictAt). */
  conflict = 0;
  /** Its origin's record, while it is queued. */
  at: WaitOrigin | null = null;
  constructor(kind: 0 | 1 | 2 | 3 | 4, origin: string, keys: string[], all: boolean) {
    this.kind = kind;
    this.origin = origin;
    this.keys = keys;
    this.all = all;
  }

  /** Where work from another thread came from and runs as (a remote command or a step). */
  sentBy(from: number, resp: 2 | 3, db: number, id: number, aux: number): this {
    this.from = from;
    this.resp = resp;
    this.db = db;
    this.id = id;
    this.aux = aux;
    return this;
  }
}

export class ShardThread {
  readonly index: number;
  readonly threads: number;
  readonly ks: Keyspace;
  readonly locks = new LockTable();
  readonly watch = new WatchTable();
  /** KEYDB.CRON jobs owned by this shard. */
  readonly cron: CronTable;
  /** Blocking commands: the waits registered on this shard, this thread's blocked clients (blocking.ts). */
  readonly blocking: Blocking;
  readonly stats = new ThreadStats();
  readonly channels: Channels;
  config: Config;
  readonly clients = new Map<number, Client>();
  /** Connections the server itself drives (KEYDB.CRON's runner): not listed by CLIENT LIST. */
  readonly internalClients = new Map<number, Client>();
  readonly startTime = Date.now();

  /** Replies for this thread's own clients accumulate here and are copied out per client. */
  readonly scratch = new ReplyWriter();
  private scratchOwner: Client | null = null;
  /** Replies produced for other threads' clients. */
  private remoteOut = new ReplyWriter();

  readonly localCtx: ExecContext;
  private remoteCtx: ExecContext;

  /** The main thread's control API (CONFIG SET, SHUTDOWN ...). */
  main: Remote<MainApi> | null = null;
  log: ServerLogger | null = null;
  /** DEBUG SET-ACTIVE-EXPIRE. */
  activeExpireEnabled = true;
  /** The shared control words (slow log ids); set by the worker. */
  ctrl: Int32Array | null = null;
  /** INFO run_id and the server's start time (ms), the same on all threads. */
  runId = '';
  serverStart = Date.now();
  readonly slowlog = new SlowLog();
  readonly latency = new LatencyMonitor();
  /** Smallest duration (µs) the slow log or the latency monitor wants to see (Infinity: neither). */
  private slowThreshold = Infinity;
  private slowlogSlowerThan = 10000;
  slowlogMaxLen = 128;
  private latencyThresholdMs = 0;
  /** latency-tracking: per-command latency histograms by command id (INFO latencystats). */
  private latencyTracking = true;
  histograms: (LatencyHistogram | undefined)[] = [];
  /** The other thread and client id of the command running from a ring (slow log attribution). */
  private remoteFrom = -1;
  private remoteClient = 0;
  /** Address and name of this thread's clients at the time other shards logged their slow commands, by entry id. */
  readonly slowClients = new Map<number, [string, string]>();
  onHzChange: () => void = () => {};

  private readonly txns = new Map<number, CrossShardTxn>();
  private txnCounter = 0;

  constructor(index: number, threads: number, config: Config, channels: Channels) {
    this.index = index;
    this.threads = threads;
    this.config = config;
    this.channels = channels;
    this.ks = new Keyspace(config.num('databases'));
    this.ks.watch = this.watch;
    this.cron = new CronTable(this);
    this.ks.onCronStored = (db, key, job) => this.cron.schedule(db, key, job as unknown as CronJob);
    this.scratch.errors = this.stats;
    this.remoteOut.errors = this.stats;
    this.localCtx = { ks: this.ks, db: 0, out: this.scratch, thread: this, client: null };
    this.remoteCtx = { ks: this.ks, db: 0, out: this.remoteOut, thread: this, client: null };
    this.tripCtx = { ks: this.ks, db: 0, out: this.tripOut, thread: this, client: null };
    this.blocking = new Blocking(this);
    channels.onFrame = this.onFrame;
    channels.afterDrain = () => this.seal();
    // Locks held here by another thread's transaction: its next step or its unlock follows closely.
    channels.expectingSoon = () => this.locks.heldFromElsewhere(this.index);
    this.slowConfig();
    this.lfuConfig();
    this.migrateConfig();
  }

  private migrateConfig(): void {
    this.migrateConnections = this.config.bool('migrate-connections');
  }

  /** Thresholds of the slow log and latency monitor from the config. */
  /** maxmemory-policy, lfu-log-factor, lfu-decay-time: whether and how the keyspace keeps LFU counters. */
  private lfuConfig(): void {
    const ks = this.ks;
    ks.lfu = this.config.str('maxmemory-policy').endsWith('lfu');
    ks.lfuLogFactor = this.config.num('lfu-log-factor');
    ks.lfuDecayTime = this.config.num('lfu-decay-time');
  }

  private slowConfig(): void {
    const num = (n: string, d: number): number => {
      try {
        const v = this.config.num(n);
        return Number.isFinite(v) ? v : d;
      } catch {
        return d;
      }
    };
    this.slowlogSlowerThan = num('slowlog-log-slower-than', 10000);
    this.slowlogMaxLen = num('slowlog-max-len', 128);
    this.latencyThresholdMs = num('latency-monitor-threshold', 0);
    try {
      this.latencyTracking = this.config.bool('latency-tracking');
    } catch {
      this.latencyTracking = true;
    }
    this.slowlog.trim(this.slowlogMaxLen);
    const a = this.slowlogSlowerThan >= 0 ? this.slowlogSlowerThan : Infinity;
    const b = this.latencyThresholdMs > 0 ? this.latencyThresholdMs * 1000 : Infinity;
    this.slowThreshold = Math.min(a, b);
  }

  /** A command took at least slowThreshold µs: record it in the slow log / latency monitor as Redis does. */
  noteSlow(spec: CommandSpec, argv: string[], client: Client | null, us: number): void {
    if (this.latencyThresholdMs > 0 && us / 1000 >= this.latencyThresholdMs) {
      this.latency.add(spec.flags.includes('fast') ? 'fast-command' : 'command', Math.floor(us / 1000));
    }
    if (this.slowlogSlowerThan < 0 || us < this.slowlogSlowerThan) return;
    const top = spec.parent ?? spec;
    if (top.flags.includes('skip_slowlog') || top.flags.includes('skip-slowlog') || spec.flags.includes('skip_slowlog') || spec.flags.includes('skip-slowlog')) return;
    const id = this.ctrl !== null ? Atomics.add(this.ctrl, CTRL_SLOWLOG_ID, 1) : 0;
    // A step run here for a client of this thread (an EXEC block's, a pipeline's): the client as it is now.
    if (client === null && this.remoteFrom === this.index) client = this.clients.get(this.remoteClient) ?? null;
    // The client's thread notes its address and name now: the note travels ahead of the reply,
    // so it sees the client as it was when the command ran.
    if (client === null && this.remoteFrom >= 0 && this.remoteFrom !== this.index) this.channels.sendBytes(this.remoteFrom, K_SLOW_NOTE, 0, 0, this.remoteClient, id, EMPTY, 0, 0);
    this.slowlog.add(
      {
        id,
        time: Math.floor(Date.now() / 1000),
        us: Math.floor(us),
        argv: slowlogArgv(argv),
        addr: client !== null ? client.addr : '',
        name: client !== null ? client.name : '',
        from: client !== null ? this.index : this.remoteFrom,
        clientId: client !== null ? client.id : this.remoteClient,
      },
      this.slowlogMaxLen,
    );
  }

  /** A cross-shard command (route 'all' or keys on several shards) finished on its coordinator: count it once. */
  crossFinished(client: Client, spec: CommandSpec, argv: string[], t0: number, errs: number): void {
    // The time it ran: up to its transaction's end, without its waits (WaitAccount).
    const end = client.crossEndAt > 0 ? client.crossEndAt : performance.now();
    const ms = end - t0 - client.crossWaitMs;
    this.countCall(spec, argv, client, ms > 0 ? ms * 1000 : 0, this.stats.failures > errs);
  }

  /** CONFIG SET applied (values already in this.config). */
  configChanged(changed: Record<string, string>): void {
    if ('hz' in changed) this.onHzChange();
    if ('migrate-connections' in changed) this.migrateConfig();
    if ('slowlog-log-slower-than' in changed || 'slowlog-max-len' in changed || 'latency-monitor-threshold' in changed || 'latency-tracking' in changed) this.slowConfig();
    if ('maxmemory-policy' in changed || 'lfu-log-factor' in changed || 'lfu-decay-time' in changed) this.lfuConfig();
    const pw = changed['requirepass'];
    if (pw !== undefined) {
      // Redis keeps existing connections authenticated; new ones need the new password.
    }
  }

  // ---- output ----------------------------------------------------------------

  /** The writer for `client`'s replies (sealing another client's pending bytes first). */
  outFor(client: Client): ReplyWriter {
    if (this.scratchOwner !== client) {
      this.seal();
      this.scratchOwner = client;
      this.scratch.resp = client.resp;
    }
    return this.scratch;
  }

  /** Seal scratch when it holds `client`'s pending bytes (a blocked client's reply must follow them). */
  sealIfOwner(client: Client): void {
    if (this.scratchOwner === client) this.seal();
  }

  /** Hand the bytes in scratch to their client's socket. */
  seal(): void {
    const c = this.scratchOwner;
    if (c === null) return;
    this.scratchOwner = null;
    if (this.scratch.len === 0) return;
    if (c.closed) {
      this.scratch.reset();
      return;
    }
    this.stats.netOutput += this.scratch.len;
    c.write(this.scratch.len >= HANDOFF_BYTES ? this.scratch.handOff() : this.scratch.take());
  }

  /** When the last command run in chainCtx ended (-1: the next command reads the clock). */
  private clock = -1;
  /**
   * The context whose commands run one after another with nothing else in
   * between (a client's input in Client.process, a run of another thread's
   * commands, a pipeline step): each starts when the one before it ended, so
   * a command reads the clock once. Null: every command reads it twice.
   */
  private chainCtx: ExecContext | null = null;

  /** Clients with output queued this event-loop turn (Client.send). */
  private outputQueue: Client[] = [];

  /** client has bytes for its socket: written with every other client's at the end of this turn. */
  queueOutput(client: Client): void {
    if (this.outputQueue.length === 0) setImmediate(this.flushOutputs);
    this.outputQueue.push(client);
  }

  /** Write the output of the clients queued this turn (bench/hotpath.ts calls it directly). */
  readonly flushOutputs = (): void => {
    const q = this.outputQueue;
    if (q.length === 0) return;
    this.outputQueue = [];
    for (let i = 0; i < q.length; i++) q[i].flushOutput();
  };

  /** A client's input was served (Client.onData, Client.resume): take in the other threads' messages now (Channels.exchange). */
  afterClientInput(): void {
    if (this.threads > 1 && this.syncDepth === 0) this.channels.exchange();
  }

  /** After a batch of work: seal output, and send ring messages (see Channels' wake-up loop). */
  endBatch(): void {
    // Not inside a script's synchronous wait: the command running the script still writes into scratch.
    if (this.syncDepth === 0) this.seal();
    // Messages for peers that are awake go now, the others' on the next poll of the rings (kick), which
    // also takes in what arrived.
    if (this.threads > 1) {
      this.channels.kick();
      if (this.syncDepth === 0) this.channels.flushAwake();
    }
  }

  // ---- executing -------------------------------------------------------------

  /**
   * Run a command's handler here with stats; returns how long it ran (µs).
   * `counted` false: a part of a split command, which its coordinator counts
   * (ShardThread.countCall) with the time of all its parts.
   */
  call(spec: CommandSpec, argv: string[], ctx: ExecContext, counted = true): number {
    const errs = this.stats.failures;
    // One clock read per command: a client's command that follows its previous one in the same run of
    // its input (Client.process) starts when that one ended; the wall clock for expiry derives from
    // the monotonic one.
    const chained = ctx === this.chainCtx;
    const t0 = chained && this.clock >= 0 ? this.clock : performance.now();
    this.ks.now = Math.floor(TIME_ORIGIN + t0);
    this.runHandler(spec, argv, ctx);
    const t1 = performance.now();
    if (chained) this.clock = t1;
    const us = (t1 - t0) * 1000;
    // A command that must run again (rerun) is counted once, when it has.
    if (counted && !this.rerun) {
      // countCall's body, kept inline on the hot path (one call less per command; countCall serves the coordinators).
      const st = this.stats.cmd(spec.id!);
      st.usec += us;
      st.calls++;
      this.stats.commands++;
      if (this.stats.failures !== errs) st.failed++;
      if (this.latencyTracking) this.recordLatency(spec.id!, us);
      if (us >= this.slowThreshold) this.noteSlow(spec, argv, ctx.client, us);
    }
    // Its errors were its own failure: a command that ran it (a script's redis.call) or one that
    // runs meanwhile across shards does not fail by them (Redis's call() and its prev_err_count).
    this.stats.failures = errs;
    // Clients blocked on keys this command made ready are served now (Redis's handleClientsBlockedOnKeys);
    // not after the commands a script runs (their ctx is the script's): after the script.
    if (this.blocking.pending && (ctx === this.localCtx || ctx === this.remoteCtx)) {
      this.blocking.serveReady();
      this.clock = -1;
    }
    return us;
  }

  /** Count a command that ran for `us` µs (INFO commandstats, latencystats, SLOWLOG, LATENCY). */
  countCall(spec: CommandSpec, argv: string[], client: Client | null, us: number, failed: boolean): void {
    const st = this.stats.cmd(spec.id!);
    st.usec += us;
    st.calls++;
    this.stats.commands++;
    if (failed) st.failed++;
    if (this.latencyTracking) this.recordLatency(spec.id!, us);
    if (us >= this.slowThreshold) this.noteSlow(spec, argv, client, us);
  }

  /** A client's input is being run (Client.process): its commands may chain their clock reads. */
  beginClientRun(): void {
    this.chainCtx = this.localCtx;
    this.clock = -1;
  }

  endClientRun(): void {
    this.chainCtx = null;
    this.clock = -1;
  }

  /**
   * Commands in ctx run back to back from here (a run of another thread's
   * commands, a pipeline step), their first one starting at `start` (-1:
   * it reads the clock); returns the chain it interrupts, for endRun().
   */
  private beginRun(ctx: ExecContext, start: number): ExecContext | null {
    const outer = this.chainCtx;
    this.chainCtx = ctx;
    this.clock = start;
    return outer;
  }

  /** The run begun by beginRun() is over; the interrupted chain reads the clock again. Returns when the run's last command ended (-1: unknown). */
  private endRun(outer: ExecContext | null): number {
    const end = this.clock;
    this.chainCtx = outer;
    this.clock = -1;
    return end;
  }

  private recordLatency(id: number, us: number): void {
    let h = this.histograms[id];
    if (h === undefined) h = this.histograms[id] = new LatencyHistogram();
    h.record(us);
  }

  /** Run a step of a cross-shard transaction: the coordinator counts the command (crossFinished). */
  private callStep(spec: CommandSpec, argv: string[], ctx: ExecContext): void {
    this.ks.now = Date.now();
    this.runHandler(spec, argv, ctx);
  }

  /**
   * A command of a client's EXEC block, run in a step: counted here as Redis
   * counts each command of the block (its error is its own failure, not the
   * EXEC's: taken back from the failures counter). Clients blocked on keys it
   * made ready are served after the step, as Redis serves them after EXEC.
   */
  private countedStep(spec: CommandSpec, argv: string[], ctx: ExecContext): void {
    const stats = this.stats;
    const before = stats.failures;
    const t0 = performance.now();
    this.callStep(spec, argv, ctx);
    this.countCall(spec, argv, null, (performance.now() - t0) * 1000, stats.failures !== before);
    stats.failures = before;
  }

  /** The handler itself: WATCH bookkeeping when keys are watched, and a throw never escapes (invariant 5). */
  private runHandler(spec: CommandSpec, argv: string[], ctx: ExecContext): void {
    const mark = ctx.out.len;
    // A command with several keys (MSET, MGET, DEL ...): their lookups are read ahead together.
    if (readsKeysAhead(spec, argv)) {
      const keys = spec.keys;
      this.ks.prefetchArgs(ctx.db, argv, keys.first, lastKeyAt(keys, argv.length), keys.step);
    }
    try {
      if (this.watch.active !== 0 && spec.write === true) this.runWatched(spec, argv, ctx);
      else spec.handler(ctx, argv);
    } catch (e) {
      this.handlerFailed(spec, ctx, mark, e);
    }
    // A write in place (a list push, a hash field) moves no keyspace method: counted here.
    if (spec.mayChange === true) this.ks.changes++;
  }

  /**
   * A handler threw (a bug, never bad input by design): the thread survives
   * (invariant 5), the partial reply is dropped for an error reply, and the
   * failure is logged once with its stack.
   */
  private handlerFailed(spec: CommandSpec, ctx: ExecContext, mark: number, e: unknown): void {
    if (ctx.out.len >= mark) ctx.out.len = mark;
    ctx.out.error(`ERR internal error in '${spec.parent !== undefined ? spec.parent.name + '|' : ''}${spec.name}' command`);
    this.log?.warning(`Internal error in command '${spec.name}': ${(e as Error)?.stack ?? String(e)}`);
  }

  /** A write command while keys are watched here: touch the watched keys it changed (see watch.ts). */
  private runWatched(spec: CommandSpec, argv: string[], ctx: ExecContext): void {
    const db = ctx.db;
    const all = keysOf(spec, argv);
    const keys = all.filter((k) => this.watch.isWatched(db, k));
    if (keys.length === 0) {
      spec.handler(ctx, argv);
      return;
    }
    const v0 = this.ks.dbs[db].version;
    const before = keys.map((k) => this.fingerprint(db, k));
    spec.handler(ctx, argv);
    const stored = all.length === 1 && this.ks.dbs[db].version !== v0;
    for (let i = 0; i < keys.length; i++) if (stored || before[i] === null || this.fingerprint(db, keys[i]) !== before[i]) this.watch.touch(db, keys[i]);
  }

  /** Value, type, TTL and existence of a key as one comparable string (null when it cannot be encoded). */
  private fingerprint(db: number, key: string): string | null {
    const d = this.ks.dbs[db];
    const v = d.dict.get(key);
    if (v === undefined) return '';
    try {
      return String(d.expires.get(key) ?? -1) + ':' + encodeValue(typeof v === 'object' && v.type === 'string' ? (v as ByteString).toString() : (v as StoredValue));
    } catch {
      return null;
    }
  }

  /** Inline execution for a client of this thread on this shard; false when it must wait for a lock. */
  execLocal(client: Client, spec: CommandSpec, argv: string[]): boolean {
    if (this.locks.active !== 0) {
      const keys = keysOf(spec, argv);
      if (!this.locks.canUse(0, keys, false) || (this.waitingOrigins.size !== 0 && this.hasWaitingOrigin('c' + client.id))) {
        const w = new Waiting(0, 'c' + client.id, keys, false);
        w.client = client;
        w.spec = spec;
        w.argv = argv;
        this.wait(w);
        return false;
      }
    }
    const ctx = this.localCtx;
    ctx.db = client.db;
    ctx.client = client;
    ctx.out = this.outFor(client);
    this.call(spec, argv, ctx);
    ctx.client = null;
    return true;
  }

  /** Run a keyless command on this thread with its client (CONFIG, CLIENT, PING...). */
  execClientCommand(client: Client, spec: CommandSpec, argv: string[]): void {
    const ctx = this.localCtx;
    ctx.db = client.db;
    ctx.client = client;
    ctx.out = this.outFor(client);
    this.call(spec, argv, ctx);
    ctx.client = null;
  }

  /**
   * Work that waits for locks or for its origin's earlier work, in arrival
   * order (runWaiting), and how many entries each origin has there (a
   * client's or a transaction's later work waits behind its earlier work).
   */
  private waiting: Waiting[] = [];
  private readonly waitingOrigins = new Map<string, WaitOrigin>();

  private wait(w: Waiting): void {
    this.waiting.push(w);
    let o = this.waitingOrigins.get(w.origin);
    if (o === undefined) {
      o = new WaitOrigin();
      this.waitingOrigins.set(w.origin, o);
    }
    o.count++;
    w.at = o;
  }

  /** A waiting entry left the queue (it ran, or its marker was taken down). */
  private waited(w: Waiting): void {
    const o = w.at!;
    w.at = null;
    if (--o.count === 0) this.waitingOrigins.delete(w.origin);
  }

  private hasWaitingOrigin(origin: string): boolean {
    return this.waitingOrigins.has(origin);
  }

  /** Forward one command of a local client to the shard that owns its keys. */
  sendCommand(client: Client, shard: number, spec: CommandSpec, argv: string[], discard: boolean): void {
    this.channels.sendBatched(shard, K_CMD, client.resp, client.db, client.id, spec.id! | (discard ? AUX_DISCARD_REPLY : 0), argv, EMPTY, 0, 0);
  }

  private readonly onFrame = (from: number, kind: number, resp: number, db: number, id: number, aux: number, payload: Buffer, start: number, end: number): void => {
    this.stats.framesIn++;
    if (this.syncDepth !== 0 && kind !== K_STEP && kind !== K_UNLOCK) {
      // Inside a script's synchronous wait only other transactions' steps run (the script holds
      // its keys through the lock table); the rest waits until the script is done.
      if (kind === K_STEP_REPLY && this.syncReplies.has(id)) {
        this.syncReplies.set(id, unpackStepReplies(payload, start, end));
        return;
      }
      if (kind !== K_STEP_REPLY) {
        this.channels.defer(from, kind, resp, db, id, aux, payload, start, end);
        return;
      }
    }
    switch (kind) {
      case K_CMD: {
        if (aux === 1) {
          const tag = getU32(payload, start);
          this.remoteCommand(from, resp as 2 | 3, db, id, tag, readArgv(payload, start + 4, end));
          return;
        }
        // A run of the client's commands: their lookups are read ahead together, then they run in order.
        const tags: number[] = [];
        const argvs: string[][] = [];
        readTaggedArgvs(payload, start, end, aux, tags, argvs);
        this.prefetchRun(db, tags, argvs);
        const outer = this.beginRun(this.remoteCtx, -1);
        for (let i = 0; i < aux; i++) this.remoteCommand(from, resp as 2 | 3, db, id, tags[i], argvs[i]);
        this.endRun(outer);
        return;
      }
      case K_REPLY: {
        const c = this.clients.get(id) ?? this.internalClients.get(id);
        if (c !== undefined) c.remoteReply(payload, start, end, aux);
        return;
      }
      case K_STEP: {
        // Lists: the keys to lock, [the client's id] when the commands are counted (STEP_COUNT), the commands.
        const lists = readArgvLists(payload, start, end);
        const keys = lists[0];
        const counted = (aux & STEP_COUNT) !== 0;
        const cmds = lists.slice(counted ? 2 : 1);
        this.runStep(from, id, resp as 2 | 3, db, aux, keys, cmds, null, counted ? Number(lists[1][0]) : 0);
        return;
      }
      case K_PSTEP: {
        const clientId = getU32(payload, start);
        const n = getU32(payload, start + 4);
        const tags: number[] = [];
        const cmds: string[][] = [];
        readTaggedArgvs(payload, start + 8, end, n, tags, cmds);
        this.prefetchRun(db, tags, cmds);
        this.runStep(from, id, resp as 2 | 3, db, aux, pipelineKeys(tags, cmds), cmds, tags, clientId);
        return;
      }
      case K_TRIP:
        this.runTrip(from, resp as 2 | 3, db, id, aux, payload, start, end);
        return;
      case K_TRIP_REPLY: {
        const c = this.trips.get(id);
        if (c === undefined) return;
        this.trips.delete(id);
        c.tripReplied(payload, start, end, aux === 1);
        return;
      }
      case K_STEP_REPLY: {
        const t = this.txns.get(id);
        if (t !== undefined) t.complete(payload, start, end, aux / 1000);
        return;
      }
      case K_UNLOCK:
        this.unlock(id);
        return;
      case K_ADOPT:
        this.adoptConnection(aux, id, decodeState(payload, start, end));
        return;
      case K_SLOW_NOTE: {
        const c = this.clients.get(id);
        if (c === undefined) return;
        this.slowClients.set(aux, [c.addr, c.name]);
        const max = Math.max(this.slowlogMaxLen, 1) * this.threads;
        if (this.slowClients.size > max) this.slowClients.delete(this.slowClients.keys().next().value!);
        return;
      }
      case K_MONITOR:
        deliverMonitorLines(this, payload, start, end);
        return;
      case K_BLOCK:
        this.blocking.onFrame(from, id, aux, payload, start, end);
        return;
    }
  };

  /** A command of client `id` of thread `from`: runs now, or waits behind locks or the client's earlier commands. */
  private remoteCommand(from: number, resp: 2 | 3, db: number, id: number, tag: number, argv: string[]): void {
    const spec = specOfTag(tag);
    if (this.locks.active !== 0 || this.waiting.length !== 0) {
      const keys = keysOf(spec, argv);
      if (!this.locks.canUse(0, keys, false) || (this.waitingOrigins.size !== 0 && this.hasWaitingOrigin(from + ':' + id))) {
        const w = new Waiting(1, from + ':' + id, keys, false).sentBy(from, resp, db, id, tag);
        w.spec = spec;
        w.argv = argv;
        this.wait(w);
        return;
      }
    }
    this.runRemote(from, resp, db, id, tag, spec, argv);
  }

  private runRemote(from: number, resp: 2 | 3, db: number, id: number, aux: number, spec: CommandSpec, argv: string[]): void {
    const ctx = this.remoteCtx;
    const out = this.remoteOut;
    out.resp = resp;
    out.len = 0;
    ctx.db = db;
    this.remoteFrom = from;
    this.remoteClient = id;
    const bk = this.blocking;
    bk.originThread = from;
    bk.originCtx = ctx;
    bk.originClient = id;
    bk.originDiscard = (aux & AUX_DISCARD_REPLY) !== 0;
    this.call(spec, argv, ctx);
    bk.originThread = -1;
    if (this.rerun) {
      this.rerun = false;
      out.reset();
      this.rerunRemote(from, resp, db, id, aux, spec, argv);
      return;
    }
    if (bk.deferred) {
      // The command blocked: its reply comes when the wait ends (blocking.ts).
      bk.deferred = false;
      out.reset();
      return;
    }
    if (aux & AUX_DISCARD_REPLY) out.len = 0;
    this.channels.sendBatched(from, K_REPLY, 0, 0, id, 0, null, out.buf, 0, out.len);
    out.reset();
  }

  /** Where the first key of each command of a run is (prefetchRun's scratch). */
  private readonly runKeyAt = new Int32Array(RUN_PREFETCH);

  /** Read ahead for the keys of (the start of) a run of a client's commands from another thread; tags: their command ids (K_CMD, K_PSTEP). */
  private prefetchRun(db: number, tags: number[], argvs: string[][]): void {
    const n = argvs.length < RUN_PREFETCH ? argvs.length : RUN_PREFETCH;
    // One command with several keys (a part of a split MSET, say) reads all of them ahead as it runs.
    if (n === 1 && readsKeysAhead(specOfTag(tags[0]), argvs[0])) return;
    const keyAt = this.runKeyAt;
    for (let i = 0; i < n; i++) keyAt[i] = firstKeyAt(specOfTag(tags[i]), argvs[i]);
    this.ks.prefetch(db, argvs, keyAt, 0, n);
  }

  /** Set by a handler that wrote nothing and must run again as a cross-shard command (CommandSpec.rerun). */
  rerun = false;

  /**
   * A command run for client `id` of thread `from` must run again under
   * cross-shard locks: this thread coordinates it (spec.rerun) and sends its
   * reply; the client's later commands here wait behind it (invariant 2).
   */
  private rerunRemote(from: number, resp: 2 | 3, db: number, id: number, aux: number, spec: CommandSpec, argv: string[]): void {
    const marker = new Waiting(3, from + ':' + id, [], false);
    this.wait(marker);
    const t0 = performance.now();
    const done = (reply: Buffer): void => {
      this.countCall(spec, argv, null, (performance.now() - t0) * 1000, isError(reply));
      const len = (aux & AUX_DISCARD_REPLY) !== 0 ? 0 : reply.length;
      this.channels.sendBatched(from, K_REPLY, 0, 0, id, 0, null, reply, 0, len);
      const i = this.waiting.indexOf(marker);
      if (i >= 0) {
        this.waiting.splice(i, 1);
        this.waited(marker);
      }
      this.runWaiting();
      this.endBatch();
    };
    spec.rerun!(this, db, resp, argv).then(done, (err: unknown) => {
      this.log?.warning(`Internal error in '${spec.name}' command: ${(err as Error)?.stack ?? String(err)}`);
      done(Buffer.from(`-ERR internal error in '${spec.name}' command\r\n`, 'latin1'));
    });
  }

  // ---- connection migration (migrate.ts) --------------------------------------

  /** May clients move to the thread that owns their keys (migrate-connections)? */
  migrateConnections = true;

  /**
   * Serve a connection another thread handed over: fd, a duplicate of its
   * descriptor, as client `id` with `state`. Set by worker.ts; without it the
   * connection ends (dropConnection).
   */
  adoptConnection: (fd: number, id: number, state: ClientState) => void = (fd) => this.dropConnection(fd);

  /** A connection handed over that no socket here took: its descriptor closes, the server has one client less. */
  dropConnection(fd: number): void {
    closeFd(fd);
    if (this.ctrl !== null) Atomics.sub(this.ctrl, CTRL_CLIENTS, 1);
    countMoveEnded(this.ctrl);
  }

  /** Tests (DEBUG MIGRATE-DELAY): milliseconds this thread waits before serving a connection handed over to it. */
  adoptDelayMs = 0;

  /**
   * `client`, idle, leaves this thread for thread `to`, which serves it from
   * `fd` (a duplicate of its descriptor) on: it is no longer this thread's.
   * The caller then closes its socket here.
   */
  handOver(client: Client, to: number, fd: number): void {
    // Counted before it leaves the table: a look over every thread's clients then waits for it.
    countMoveStarted(this.ctrl);
    this.clients.delete(client.id);
    const state = encodeState(clientState(client));
    this.channels.sendBytes(to, K_ADOPT, client.resp, client.db, client.id, fd, state, 0, state.length);
    this.channels.kick();
  }

  // ---- one-trip batches (router/one_trip.ts) --------------------------------

  /** Where a batch's commands for this shard write their replies (kept in the batch until the other shard's are in). */
  private readonly tripOut = new ReplyWriter();
  private readonly tripCtx: ExecContext;
  /**
   * Clients with a batch in flight, by id: kept until its reply, even when
   * the client is gone meanwhile (a locked batch then still runs its part
   * here and releases its locks).
   */
  private readonly trips = new Map<number, Client>();
  /** The keys a locked batch locks here (scratch). */
  private readonly tripKeys: string[] = [];
  /**
   * Locked batches to let go by on this thread once they met contention too
   * often (a key of theirs was locked here or on the other shard, or work
   * waited here while they held their locks): on keys many clients write, a
   * batch's locks held for a round trip hold up everyone else's commands on
   * them. tripScore rises with each batch that met none and falls faster
   * with each that did; below zero, locked batches pause.
   */
  private lockedTripSkip = 0;
  private tripScore = 0;

  /** A locked batch met contention (see lockedTripSkip), or went through without. */
  private lockedTripMet(contention: boolean): void {
    if (!contention) {
      if (this.tripScore < TRIP_SCORE_MAX) this.tripScore++;
      return;
    }
    this.tripScore -= TRIP_CONTENTION_COST;
    if (this.tripScore < 0) {
      this.tripScore = 0;
      this.lockedTripSkip = LOCKED_TRIP_SKIP;
    }
  }

  /** Locked batches are paused on this thread for now (lockedTripSkip): lockedTripAllowed() without counting. */
  get lockedTripsPaused(): boolean {
    return this.lockedTripSkip !== 0;
  }

  /** May a client of this thread start a locked batch now (see lockedTripSkip)? */
  lockedTripAllowed(): boolean {
    if (this.lockedTripSkip === 0) return true;
    this.lockedTripSkip--;
    return false;
  }

  /**
   * Start `client`'s one-trip batch, or return false when a key of its
   * commands for this shard is locked (by a cross-shard transaction, or by
   * another client's locked batch). A locked batch locks those keys first. Its
   * commands for batch.remote go out in one frame (K_TRIP, aux: TRIP_*); a
   * speculative batch's commands for this shard run now, uncounted, their
   * replies, times and keyspace hits and misses kept in the batch; an ordered
   * one's (a locked batch whose other shard comes after this one) run now,
   * counted, their replies kept in the batch.
   */
  startTrip(client: Client, batch: TripBatch): boolean {
    const locks = this.locks;
    if (batch.speculative) {
      if (locks.active !== 0) {
        for (let i = 0; i < batch.n; i++) if (batch.local[i] && !locks.canUseKey(tripKey(batch.specs[i]!, batch.argvs[i]!))) return false;
      }
    } else {
      const keys = this.tripKeys;
      for (let i = 0; i < batch.n; i++) if (batch.local[i]) keys.push(tripKey(batch.specs[i]!, batch.argvs[i]!));
      const owner = this.newOwner();
      const free = locks.canUse(owner, keys, false);
      if (free) locks.lock(owner, keys, false);
      keys.length = 0;
      if (!free) {
        this.lockedTripMet(true);
        return false;
      }
      batch.owner = owner;
      batch.ordered = this.index < batch.remote;
    }
    batch.collectRemote(batch.speculative ? TAG_PART : 0);
    this.trips.set(client.id, client);
    const mode = batch.speculative ? TRIP_SPECULATIVE : batch.ordered ? TRIP_ORDERED : TRIP_LOCKED;
    this.channels.sendTagged(batch.remote, K_TRIP, client.resp, client.db, client.id, mode, 0, batch.remoteTags, batch.remoteArgvs as string[][], batch.remoteCount);
    this.channels.kick();
    if (batch.ordered) {
      // Its keys here stay locked until the other part ran: nobody sees these commands' effects before.
      this.runLockedHere(client, batch);
      return true;
    }
    if (!batch.speculative) return true;
    const ks = this.ks;
    const stats = ks.stats;
    const hits = stats.hits;
    const misses = stats.misses;
    batch.changes = ks.changes;
    ks.soonestExpiry = Infinity;
    this.runTripHere(client, batch, false);
    batch.soonestExpiry = ks.soonestExpiry;
    batch.hits = stats.hits - hits;
    batch.misses = stats.misses - misses;
    stats.hits = hits;
    stats.misses = misses;
    return true;
  }

  /**
   * The other shard's part of `client`'s locked batch is back (`ran`: it ran
   * there): the batch's commands for this shard run now (counted) when it
   * ran, unless they ran already (an ordered batch), and the batch's locks
   * here go.
   */
  finishLockedTrip(client: Client, batch: TripBatch, ran: boolean): void {
    this.lockedTripMet(!ran || this.waiting.length !== 0);
    if (ran && !batch.ordered) this.runLockedHere(client, batch);
    this.unlock(batch.owner);
    batch.owner = 0;
  }

  /** A locked batch's commands for this shard, counted as they run (their errors too). */
  private runLockedHere(client: Client, batch: TripBatch): void {
    const out = this.tripOut;
    out.errors = this.stats;
    this.runTripHere(client, batch, true);
    out.errors = null;
  }

  /** A batch's commands for this shard, in order, their replies and times kept in the batch. */
  private runTripHere(client: Client, batch: TripBatch, counted: boolean): void {
    const ctx = this.tripCtx;
    const out = this.tripOut;
    out.resp = client.resp;
    out.len = 0;
    ctx.db = client.db;
    ctx.client = client;
    const outer = this.beginRun(ctx, -1);
    for (let i = 0; i < batch.n; i++) {
      if (!batch.local[i]) continue;
      const from = out.len;
      const us = this.call(batch.specs[i]!, batch.argvs[i]!, ctx, counted);
      batch.keepLocal(i, out.buf, from, out.len, us);
    }
    this.endRun(outer);
    ctx.client = null;
    out.reset();
  }

  /**
   * Another thread's client's one-trip batch (K_TRIP, aux `mode`: TRIP_*):
   * its commands run here back to back, unless a key of theirs is locked:
   * then none runs, and the reply says so, or, for an ordered batch, they
   * wait in the queue until their keys are free (runTripNow). A speculative
   * batch's run uncounted (TAG_PART, errors and keyspace hits and misses
   * too): the reply carries the hits and misses for the client's thread to
   * count if it keeps the batch; a locked batch's count here, as usual.
   */
  private runTrip(from: number, resp: 2 | 3, db: number, id: number, mode: number, payload: Buffer, start: number, end: number): void {
    const n = getU32(payload, start + 4);
    const tags: number[] = [];
    const cmds: string[][] = [];
    readTaggedArgvs(payload, start + 8, end, n, tags, cmds);
    if (this.locks.active !== 0) {
      for (let i = 0; i < n; i++) {
        if (this.locks.canUseKey(tripKey(specOfTag(tags[i]), cmds[i]))) continue;
        if (mode === TRIP_ORDERED) {
          // Its client's thread holds locks of a shard before this one: waiting cannot close a cycle.
          const w = new Waiting(4, from + ':' + id, pipelineKeys(tags, cmds), false).sentBy(from, resp, db, id, 0);
          w.tags = tags;
          w.cmds = cmds;
          this.wait(w);
          return;
        }
        this.channels.sendBytes(from, K_TRIP_REPLY, 0, 0, id, 0, EMPTY, 0, 0);
        return;
      }
    }
    this.runTripNow(from, resp, db, id, mode !== TRIP_SPECULATIVE, tags, cmds);
  }

  /** A one-trip batch of client `id` of thread `from` runs here now (runTrip), its replies sent back. */
  private runTripNow(from: number, resp: 2 | 3, db: number, id: number, locked: boolean, tags: number[], cmds: string[][]): void {
    const n = cmds.length;
    this.prefetchRun(db, tags, cmds);
    const out = this.remoteOut;
    out.resp = resp;
    out.len = 0;
    const errors = out.errors;
    if (!locked) out.errors = null;
    const stats = this.ks.stats;
    const hits = stats.hits;
    const misses = stats.misses;
    // A speculative batch's tags carry TAG_PART: the client's thread counts them if it keeps the batch.
    this.runTagged(db, from, id, tags, cmds, -1);
    out.errors = errors;
    const packed = packStepOutput(out.buf, n, this.stepEnds, this.stepUs, TRIP_REPLY_HEAD);
    putU32(packed, 0, locked ? 0 : stats.hits - hits);
    putU32(packed, 4, locked ? 0 : stats.misses - misses);
    if (!locked) {
      stats.hits = hits;
      stats.misses = misses;
    }
    out.reset();
    this.channels.sendBytes(from, K_TRIP_REPLY, 0, 0, id, 1, packed, 0, packed.length);
  }

  // ---- cross-shard transactions: shard side ---------------------------------

  /**
   * A transaction's step: lock (unless the step is a STEP_TRY and the keys are
   * taken), run, reply. With `tags` the commands are a client's pipelined
   * commands (K_PSTEP), each run as the client's own command would be.
   */
  private runStep(from: number, owner: number, resp: 2 | 3, db: number, flags: number, keys: string[], cmds: string[][], tags: number[] | null = null, clientId = 0): void {
    const all = (flags & STEP_LOCK_ALL) !== 0;
    const wantsLock = (flags & (STEP_LOCK | STEP_LOCK_ALL)) !== 0;
    if (this.locks.active !== 0 || this.waiting.length !== 0) {
      const conflict = this.locks.conflictAt(owner, keys, all, keys.length);
      if (conflict >= 0 || (this.waitingOrigins.size !== 0 && !this.locks.holds(owner) && this.hasWaitingOrigin('t' + owner))) {
        if ((flags & STEP_TRY) !== 0) {
          this.deliverStep(from, owner, [], 0);
          return;
        }
        const w = new Waiting(2, 't' + owner, keys, all).sentBy(from, resp, db, owner, flags);
        w.cmds = cmds;
        w.tags = tags;
        w.clientId = clientId;
        if (conflict >= 0) w.conflict = conflict;
        this.wait(w);
        return;
      }
    }
    if (wantsLock && this.stepTakesLocks(owner, flags, tags)) this.locks.lock(owner, keys, all);
    const replies = this.execAnyStep(resp, db, cmds, owner, flags, tags, from, clientId);
    const ms = this.stepMs;
    if ((flags & STEP_RELEASE) !== 0) this.unlock(owner);
    this.deliverStep(from, owner, replies, ms);
  }

  /**
   * Must a step whose keys are free enter them in the lock table? Not the
   * last step of a pipeline transaction that holds nothing here yet: it runs
   * and releases before anything else runs on this thread (its commands
   * neither block nor run scripts, which could let others in while they
   * wait), so the locks would be taken and dropped unseen.
   */
  private stepTakesLocks(owner: number, flags: number, tags: number[] | null): boolean {
    return tags === null || (flags & STEP_RELEASE) === 0 || this.locks.holds(owner);
  }

  /** How long the last execStep or execPipelineStep ran (ms). */
  private stepMs = 0;

  /** A step's commands run here: a pipeline step's (with `tags`) replies packed, the others' a Buffer each. */
  private execAnyStep(resp: 2 | 3, db: number, cmds: string[][], owner: number, flags: number, tags: number[] | null, from: number, clientId: number): Buffer | Buffer[] {
    return tags !== null ? this.execPipelineStep(resp, db, cmds, owner, tags, from, clientId) : this.execStep(resp, db, cmds, owner, (flags & STEP_COUNT) !== 0, from, clientId);
  }

  /** A step's commands, their replies a Buffer each; `counted`: each counted here (STEP_COUNT) as client `clientId` of thread `from`'s. */
  private execStep(resp: 2 | 3, db: number, cmds: string[][], owner: number, counted: boolean, from: number, clientId: number): Buffer[] {
    const t0 = performance.now();
    const ctx = this.remoteCtx;
    const out = this.remoteOut;
    out.resp = resp;
    out.len = 0;
    const replies: Buffer[] = [];
    const outerOwner = this.stepOwner;
    this.stepOwner = owner;
    for (let i = 0; i < cmds.length; i++) {
      const argv = cmds[i];
      ctx.db = db;
      const spec = lookupAny(argv[0]);
      if (spec === undefined) out.error(`ERR unknown command '${argv[0]}'`);
      else if (counted) {
        this.remoteFrom = from;
        this.remoteClient = clientId;
        this.countedStep(spec, argv, ctx);
      }
      else this.callStep(spec, argv, ctx);
      replies.push(out.take());
    }
    this.stepOwner = outerOwner;
    out.reset();
    if (this.blocking.pending) this.blocking.serveReady();
    this.stepMs = performance.now() - t0;
    return replies;
  }

  /** Where each reply of a pipeline step ends in remoteOut, and how long each command ran (µs). */
  private readonly stepEnds: number[] = [];
  private readonly stepUs: number[] = [];

  /**
   * Commands of client `clientId` of thread `from`, run here back to back in
   * remoteCtx (one clock read each, the first at `start`, -1: its own): their
   * replies one after another in remoteOut, command i's ending at
   * stepEnds[i], its time (µs) in stepUs[i]. A command whose tag has TAG_PART
   * is not counted here: whoever sent it counts it. Returns when the last one
   * ended (-1: unknown).
   */
  private runTagged(db: number, from: number, clientId: number, tags: number[], cmds: string[][], start: number): number {
    const ctx = this.remoteCtx;
    const out = this.remoteOut;
    const ends = this.stepEnds;
    const us = this.stepUs;
    const outer = this.beginRun(ctx, start);
    for (let i = 0; i < cmds.length; i++) {
      ctx.db = db;
      this.remoteFrom = from;
      this.remoteClient = clientId;
      us[i] = this.call(specOfTag(tags[i]), cmds[i], ctx, (tags[i] & TAG_PART) === 0);
      ends[i] = out.len;
    }
    return this.endRun(outer);
  }

  /**
   * A pipeline step: a client's commands, each counted, timed and slow-logged
   * as if it came on its own (runRemote), their replies one after another,
   * packed once (step_replies.ts).
   */
  private execPipelineStep(resp: 2 | 3, db: number, cmds: string[][], owner: number, tags: number[], from: number, clientId: number): Buffer {
    const t0 = performance.now();
    const ctx = this.remoteCtx;
    const out = this.remoteOut;
    out.resp = resp;
    out.len = 0;
    const outerOwner = this.stepOwner;
    this.stepOwner = owner;
    const end = this.runTagged(db, from, clientId, tags, cmds, t0);
    this.stepOwner = outerOwner;
    const packed = packStepOutput(out.buf, cmds.length, this.stepEnds, this.stepUs);
    out.reset();
    // Serving clients the step's commands unblocked takes time of its own: the clock is read again.
    const serve = this.blocking.pending;
    if (serve) this.blocking.serveReady();
    this.stepMs = (end >= 0 && !serve ? end : performance.now()) - t0;
    return packed;
  }

  private unlock(owner: number): void {
    if (!this.locks.unlock(owner)) return;
    this.runWaiting();
    // Ready keys the transaction held locked.
    if (this.blocking.pending) {
      this.blocking.serveReady();
      this.endBatch();
    }
  }

  /** Numbers runWaiting's passes (WaitOrigin.stuckIn). */
  private waitPasses = 0;
  /** A pass is going through the queue; another asked for meanwhile runs after it (waitPassAgain). */
  private inWaitPass = false;
  private waitPassAgain = false;

  /** Retry queued work in order after locks were released; per-origin order is kept. */
  private runWaiting(): void {
    if (this.waiting.length === 0) return;
    if (this.inWaitPass) {
      this.waitPassAgain = true;
      return;
    }
    const resume: Client[] = [];
    let released = false;
    this.inWaitPass = true;
    try {
      released = this.waitPass(resume);
    } finally {
      this.inWaitPass = false;
    }
    for (const c of resume) c.lockGranted();
    const again = released || this.waitPassAgain;
    this.waitPassAgain = false;
    if (again && this.waiting.length !== 0) this.runWaiting();
    else this.endBatch();
  }

  /** One pass of runWaiting over the queue; true when a last step it ran released locks. */
  private waitPass(resume: Client[]): boolean {
    const queue = this.waiting;
    this.waiting = [];
    const pass = ++this.waitPasses;
    let released = false;
    for (let i = 0; i < queue.length; i++) {
      const w = queue[i];
      const at = w.at!;
      // An earlier entry of its origin could not run: this one waits behind it.
      if (at.stuckIn === pass) {
        this.waiting.push(w);
        continue;
      }
      if (w.kind === 3) {
        at.stuckIn = pass;
        this.waiting.push(w);
        continue;
      }
      const owner = w.kind === 2 ? w.id : 0;
      // Inside a script's synchronous wait only other transactions' own steps run (as in onFrame).
      if (this.syncDepth !== 0 && (w.kind !== 2 || w.tags !== null)) {
        at.stuckIn = pass;
        this.waiting.push(w);
        continue;
      }
      const conflict = this.locks.conflictAt(owner, w.keys, w.all, w.conflict);
      if (conflict >= 0) {
        w.conflict = conflict;
        at.stuckIn = pass;
        this.waiting.push(w);
        continue;
      }
      this.waited(w);
      if (w.kind === 0) {
        const c = w.client!;
        if (!c.closed) {
          const ctx = this.localCtx;
          ctx.db = c.db;
          ctx.client = c;
          ctx.out = this.outFor(c);
          this.call(w.spec!, w.argv, ctx);
          ctx.client = null;
          if (this.rerun) {
            this.rerun = false;
            c.rerunCross(w.spec!, w.argv);
          } else resume.push(c);
        }
      } else if (w.kind === 1) {
        this.runRemote(w.from, w.resp, w.db, w.id, w.aux, w.spec!, w.argv);
      } else if (w.kind === 4) {
        this.runTripNow(w.from, w.resp, w.db, w.id, true, w.tags!, w.cmds);
      } else {
        // Re-enter runStep with the queue bypassed for this origin.
        const flags = w.aux;
        if ((flags & (STEP_LOCK | STEP_LOCK_ALL)) !== 0 && this.stepTakesLocks(w.id, flags, w.tags)) this.locks.lock(w.id, w.keys, w.all);
        const replies = this.execAnyStep(w.resp, w.db, w.cmds, w.id, flags, w.tags, w.from, w.clientId);
        // A last step releases at once; what it kept waiting gets another pass below.
        if ((flags & STEP_RELEASE) !== 0 && this.locks.unlock(w.id)) released = true;
        this.deliverStep(w.from, w.id, replies, this.stepMs);
      }
    }
    return released;
  }

  /**
   * A step's replies to its coordinator (a pipeline step's packed, the others'
   * a Buffer each; packed for the ring: step_replies.ts), with how long it ran
   * here (µs in the frame's aux).
   */
  private deliverStep(from: number, owner: number, replies: Buffer | Buffer[], execMs: number): void {
    if (from === this.index) {
      const t = this.txns.get(owner);
      if (t !== undefined) {
        if (Array.isArray(replies)) t.completeList(replies, execMs);
        else t.completePacked(replies, execMs);
      }
      return;
    }
    const packed = Array.isArray(replies) ? packStepReplies(replies) : replies;
    this.channels.sendBytes(from, K_STEP_REPLY, 0, 0, owner, Math.min(Math.round(execMs * 1000), 0xffffffff), packed, 0, packed.length);
  }

  // ---- synchronous steps (scripts) -------------------------------------------
  //
  // A script runs to completion inside one handler call, so its calls to
  // other shards wait synchronously (Channels.waitSync). While a thread waits,
  // it runs other transactions' steps and unlocks as they arrive (they are
  // what other waiting threads need), and defers everything else.

  /** Depth of synchronous waits in progress on this thread. */
  syncDepth = 0;
  /** Owner of the transaction whose step is executing here (0 outside steps): scripts run inside EXEC use its locks. */
  stepOwner = 0;
  private readonly syncReplies = new Map<number, Buffer[] | null>();
  private spareRemote: [ExecContext, ReplyWriter] | null = null;

  /**
   * Run `cmds` on another shard for transaction `owner` (taking `lock` there
   * first) and wait for the replies. With `tryLock` the step does not queue
   * behind other transactions' locks: it returns [] when it cannot have them.
   */
  stepSync(owner: number, shard: number, resp: 2 | 3, db: number, cmds: string[][], lock: StepLock, tryLock: boolean): Buffer[] {
    let flags = lock === null ? 0 : lock === 'all' ? STEP_LOCK_ALL : STEP_LOCK;
    if (tryLock) flags |= STEP_TRY;
    const keys = lock === null || lock === 'all' ? [] : lock;
    this.syncReplies.set(owner, null);
    this.channels.sendArgvLists(shard, K_STEP, resp, db, owner, flags, [keys, ...cmds]);
    this.waitSync(() => this.syncReplies.get(owner) !== null);
    const replies = this.syncReplies.get(owner)!;
    this.syncReplies.delete(owner);
    return replies;
  }

  /** Let other threads' steps run here for `ms` (a script retrying a key another transaction holds). */
  pauseSync(ms: number): void {
    const until = performance.now() + ms;
    this.waitSync(() => performance.now() >= until);
  }

  private waitSync(done: () => boolean): void {
    // Steps run while we wait must not disturb the context of the command running the script.
    const savedCtx = this.remoteCtx;
    const savedOut = this.remoteOut;
    if (this.spareRemote === null) {
      const out = new ReplyWriter();
      out.errors = this.stats;
      this.spareRemote = [{ ks: this.ks, db: 0, out, thread: this, client: null }, out];
    }
    [this.remoteCtx, this.remoteOut] = this.spareRemote;
    this.spareRemote = null;
    this.syncDepth++;
    try {
      this.channels.waitSync(done);
    } finally {
      this.syncDepth--;
      this.spareRemote = [this.remoteCtx, this.remoteOut];
      this.remoteCtx = savedCtx;
      this.remoteOut = savedOut;
    }
    // Work held back during the wait runs on a later turn (deferred frames replay at the next drain).
    if (this.syncDepth === 0 && this.waiting.length !== 0) setImmediate(() => this.runWaiting());
  }

  /** A fresh transaction owner id (scripts' locks), unique among this thread's transactions. */
  newOwner(): number {
    this.txnCounter = (this.txnCounter + 1) & 0xffffff;
    if (this.txnCounter === 0) this.txnCounter = 1;
    return this.txnCounter * 128 + this.index;
  }

  /**
   * Release a transaction's locks on this shard from inside a handler (a
   * script's end): the lock table is updated at once, the work that waited
   * for the locks runs on a later turn.
   */
  unlockFromHandler(owner: number): void {
    if (this.locks.unlock(owner) && this.waiting.length !== 0) setImmediate(() => this.runWaiting());
  }

  // ---- cross-shard transactions: coordinator side ---------------------------

  /** A transaction coordinated here; `account` is credited with its waits (WaitAccount). */
  beginTxn(db: number, resp: 2 | 3, account: WaitAccount | null = null): CrossShardTxn {
    this.txnCounter = (this.txnCounter + 1) & 0xffffff;
    if (this.txnCounter === 0) this.txnCounter = 1;
    const owner = this.txnCounter * 128 + this.index;
    const t = new CrossShardTxn(this, owner, db, resp, account);
    this.txns.set(owner, t);
    return t;
  }

  endTxn(t: CrossShardTxn): void {
    this.txns.delete(t.owner);
    this.endBatch();
  }

  sendTxnStep(t: CrossShardTxn, shard: number, cmds: string[][], lock: StepLock, release = false, counted = false): void {
    const flags = (lock === null ? 0 : lock === 'all' ? STEP_LOCK_ALL : STEP_LOCK) | (release ? STEP_RELEASE : 0) | (counted ? STEP_COUNT : 0);
    const keys = lock === null || lock === 'all' ? [] : lock;
    if (shard === this.index) {
      this.runStep(this.index, t.owner, t.resp, t.db, flags, keys, cmds, null, t.clientId);
      return;
    }
    this.channels.sendArgvLists(shard, K_STEP, t.resp, t.db, t.owner, flags, counted ? [keys, [String(t.clientId)], ...cmds] : [keys, ...cmds]);
    // Not endBatch(): a step can be sent while a handler is still writing its reply into scratch.
    this.channels.kick();
  }

  /** A pipeline transaction's step on `shard` (K_PSTEP): lock the commands' keys, run them, release at once when `release`. */
  sendPipelineStep(t: CrossShardTxn, shard: number, clientId: number, tags: number[], cmds: string[][], release: boolean): void {
    const flags = STEP_LOCK | (release ? STEP_RELEASE : 0);
    if (shard === this.index) {
      this.runStep(this.index, t.owner, t.resp, t.db, flags, pipelineKeys(tags, cmds), cmds, tags, clientId);
      return;
    }
    this.channels.sendTagged(shard, K_PSTEP, t.resp, t.db, t.owner, flags, clientId, tags, cmds);
    this.channels.kick();
  }

  sendTxnUnlock(owner: number, shard: number): void {
    if (shard === this.index) this.unlock(owner);
    else this.channels.sendBytes(shard, K_UNLOCK, 0, 0, owner, 0, EMPTY, 0, 0);
  }
}

const EMPTY = Buffer.alloc(0);
/**
 * Locked one-trip batches a thread lets go by when they met contention too
 * often (ShardThread.lockedTripSkip): each one that met contention costs two
 * that did not, so more than about one in three. (Over random keys about one
 * in ten meets some, and the batches still pay: SET P16 over 100k keys.)
 */
const LOCKED_TRIP_SKIP = 1024;
const TRIP_CONTENTION_COST = 2;
const TRIP_SCORE_MAX = 64;
/** Commands at the start of a run from another thread whose lookups are read ahead together. */
const RUN_PREFETCH = 32;
const TIME_ORIGIN = performance.timeOrigin;

/** The command of a K_CMD / K_PSTEP record's tag (its low 16 bits; the high ones are flags). */
function specOfTag(tag: number): CommandSpec {
  return commandById((tag & 0xffff) >>> 0);
}

/** Does runHandler read this request's keys ahead itself (a key range with at least two keys: MSET, MGET, DEL ...)? */
function readsKeysAhead(spec: CommandSpec, argv: string[]): boolean {
  const keys = spec.keys;
  return keys.last !== keys.first && keys.step > 0 && lastKeyAt(keys, argv.length) - keys.first >= keys.step;
}

/**
 * K_TRIP's aux: a speculative batch (uncounted there, never waits), a locked
 * one (runs at once or not at all), an ordered one (a locked batch whose
 * client's shard comes before the one it is sent to: it waits there for its
 * keys, never refused; router/one_trip.ts).
 */
const TRIP_SPECULATIVE = 0;
const TRIP_LOCKED = 1;
const TRIP_ORDERED = 2;

/** The key of a command of a one-trip batch (router/one_trip.ts: single-key commands). */
function tripKey(spec: CommandSpec, argv: string[]): string {
  return argv[singleKeyAt(spec)];
}

/** The keys a pipeline step locks: every key of its commands. */
function pipelineKeys(tags: number[], cmds: string[][]): string[] {
  const keys: string[] = [];
  for (let i = 0; i < tags.length; i++) pushKeys(specOfTag(tags[i]), cmds[i], keys);
  return keys;
}

