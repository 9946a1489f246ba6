// One client connection: reads requests, dispatches each through the command
// table, and keeps the client's order across shards (invariant 2): commands
// for one remote shard are pipelined; a command for any other place waits
// until the replies in flight are back. Replies are written in request order.

import { performance } from 'node:perf_hooks';
import type { Socket } from 'node:net';
import { RequestParser } from '../proto/request_parser.ts';
import { lookupCommand, shardOf, singleKeyAt, arityOk, firstKeyAt, MULTI_SHARD, NO_SHARD } from '../commands/table.ts';
import { keyShard } from '../router/slot.ts';
import type { CommandSpec } from '../commands/types.ts';
import type { CrossShardTxn, WaitAccount } from '../router/txn.ts';
import { unwatchAll } from '../router/multi_exec.ts';
import type { ShardThread } from './shard_thread.ts';
import { ReplyWriter, HANDOFF_BYTES } from '../proto/reply_writer.ts';
import { pause, pauseHolds, hold, dropHeld, commandClass, CLS_WRITE, CLS_READ, CLS_NO_MONITOR } from './pause.ts';
import { scriptBusy, busyError } from '../scripting/engine.ts';
import { monitorsActive, feedMonitors, removeMonitor } from './monitor.ts';
import { writeToSocket } from './conn_socket.ts';
import { PipelineTxn } from '../router/pipeline.ts';
import { TripBatch, acceptBatch, ranThere } from '../router/one_trip.ts';
import { cstr } from '../proto/c_string.ts';
import { MIGRATE_AFTER, duplicateIdleSocket } from './migrate.ts';

/** Sink for replies of a command whose reply is switched off. */
const DISCARD = new ReplyWriter();


/** Held reply bytes are written anyway beyond this size. */
const HOLD_LIMIT = 256 * 1024;
/** Output this big is written at once instead of at the end of the event-loop turn (Client.send). */
const FLUSH_NOW_BYTES = 64 * 1024;
const EMPTY_BUF = Buffer.alloc(0);

/** After a speculative one-trip batch did not go through, commands to let go by before the next (doubled per failure in a row, up to 2^TRIP_SKIP_DOUBLINGS times). */
const TRIP_SKIP = 16;
const TRIP_SKIP_DOUBLINGS = 6;
/** Commands of a pipelined batch parsed ahead at most (Client.nextCommand). */
const AHEAD = 16;
/** Client.prefetch's scratch: where each command parsed ahead has its first key; the commands whose key this thread owns, and where. */
const aheadKeyAt = new Int32Array(AHEAD);
const ownedAhead: string[][] = [];
const ownedKeyAt = new Int32Array(AHEAD);
const EMPTY_POSITIONS = new Int32Array(0);

const WAIT_NONE = 0;
const WAIT_CROSS = 1; // a cross-shard command is running
const WAIT_LOCK = 2; // an inline command waits for a transaction's lock
const WAIT_PAUSE = 3; // CLIENT PAUSE holds the stalled command (output still flows)
const WAIT_BLOCKED = 4; // a blocking command waits here (output still flows; blocking.ts)
/** inflightShard while a blocking command is in flight on another shard: nothing else is dispatched until its reply. */
const BLOCKING_IN_FLIGHT = -2;

/** What CLIENT UNBLOCK needs from a blocking command's wait (set on `Client.blocked`). */
export interface BlockedWait {
  /**
   * End the wait now: with `error` the client gets "-UNBLOCKED client unblocked via CLIENT UNBLOCK",
   * else its timeout reply. Called from inside CLIENT UNBLOCK's per-thread step: write the reply with
   * thread.outFor(client), and resume the client's later commands on a later turn (setImmediate).
   */
  unblock(error: boolean): void;
  /** The client disconnected: drop the wait without a reply. */
  drop(): void;
}

export class Client implements WaitAccount {
  readonly id: number;
  readonly thread: ShardThread;
  readonly socket: Socket;
  readonly parser = new RequestParser();
  createdAt = Date.now();
  lastInteraction = Date.now();
  name = '';
  libName = '';
  libVer = '';
  db = 0;
  resp: 2 | 3 = 2;
  authenticated: boolean;
  closed = false;
  closeAfterReply = false;
  lastCommand = 'NULL';
  readonly addr: string;
  readonly laddr: string;
  readonly isUnix: boolean;
  /** The unix socket path for unix clients ('' for TCP). */
  readonly unixPath: string;
  /** The ACL user (only 'default' until ACLs exist). */
  user = 'default';
  /** Pub/Sub subscriptions (kept by the pub/sub commands): channels, patterns, shard channels. */
  sub = 0;
  psub = 0;
  ssub = 0;
  /** CLIENT NO-EVICT. */
  noEvict = false;
  /** MONITOR mode. */
  monitor = false;
  /** Replication links (kept by replication). */
  isReplica = false;
  isMaster = false;
  /** Monitor or replica: never paused, may not touch the keyspace (Redis's CLIENT_SLAVE). */
  replicaLike = false;
  /** Set by a blocking command while the client waits (CLIENT UNBLOCK, the 'b' flag). */
  blocked: BlockedWait | null = null;
  /** Largest chunk read since the last cron pass (CLIENT LIST rbp). */
  readPeak = 0;

  /** The last command name looked up and its spec (dispatch cache). */
  private lastName = '';
  private lastSpec: CommandSpec | undefined = undefined;

  /** MULTI: the queued commands (null outside MULTI), and whether one was rejected (EXECABORT). */
  multi: QueuedCommand[] | null = null;
  multiDirty = false;
  /** Shards where this client WATCHes keys, under watchId (fresh for each WATCH...UNWATCH span). */
  watchedShards: Set<number> | null = null;
  watchId = 0;
  watchSeq = 0;
  /** The cross-shard transaction EXEC runs the block in (nested cross-shard commands reuse it). */
  txn: CrossShardTxn | null = null;

  /** Commands sent to `inflightShard` whose replies have not come back. */
  private inflight = 0;
  private inflightShard = -1;
  private waitState = WAIT_NONE;
  /** A parsed command that could not run yet (ordering); it runs first on resume. */
  private stalled: string[] | null = null;

  /** `unixPath`: the socket path when the connection came in on the unix socket. */
  constructor(id: number, thread: ShardThread, socket: Socket, authenticated: boolean, unixPath = '') {
    this.id = id;
    this.thread = thread;
    this.socket = socket;
    this.authenticated = authenticated;
    this.parser.authenticated = authenticated;
    this.isUnix = unixPath !== '';
    this.unixPath = unixPath;
    this.addr = this.isUnix ? unixPath + ':0' : fmtAddr(socket.remoteAddress ?? '?', socket.remotePort ?? 0);
    this.laddr = this.isUnix ? unixPath + ':0' : fmtAddr(socket.localAddress ?? '?', socket.localPort ?? 0);
  }

  /**
   * Bytes from the connection. `transient`: they are in the thread's read
   * buffer (conn_socket.ts), which the next read overwrites, so the parser
   * copies what it has not consumed before this returns.
   */
  onData(chunk: Buffer, transient = false): void {
    const stats = this.thread.stats;
    stats.netInput += chunk.length;
    // A read from the socket (the others are the cron's own input).
    if (transient) stats.reads++;
    if (chunk.length > this.readPeak) this.readPeak = chunk.length;
    this.lastInteraction = Date.now();
    if (transient) this.parser.feedTransient(chunk);
    else this.parser.feed(chunk);
    this.process();
    this.parser.keep();
    this.thread.endBatch();
    if (this.held !== null && this.inflight === 0 && (this.waitState === WAIT_NONE || this.waitState >= WAIT_PAUSE)) this.write(EMPTY_BUF);
    this.thread.afterClientInput();
  }

  /**
   * Reply bytes for the socket. While commands are still running elsewhere
   * (replies in flight, a cross-shard command) the bytes are held, so a
   * pipelined batch goes out in one write instead of one per shard switch.
   */
  write(b: Buffer): void {
    if (this.closed) return;
    const idle = this.inflight === 0 && (this.waitState === WAIT_NONE || this.waitState >= WAIT_PAUSE);
    if (!idle || this.held !== null) {
      if (this.held === null) this.held = [];
      if (b.length > 0) this.held.push(b);
      this.heldBytes += b.length;
      if (!idle && this.heldBytes < HOLD_LIMIT) return;
      this.releaseHeld();
    } else if (b.length > 0) this.send(b);
    if (this.closeAfterReply && idle) this.close();
  }

  private held: Buffer[] | null = null;
  private heldBytes = 0;
  /** Reply bytes due on the socket at the end of this event-loop turn (ShardThread.queueOutput). */
  private pending: Buffer | Buffer[] | null = null;

  /**
   * Queue bytes for the socket. Like Redis's handleClientsWithPendingWrites,
   * every client's output of an event-loop turn is written after the turn's
   * input has been processed: a reply written at once would wake the peer
   * while the server still has other clients' requests to serve (on a
   * loaded machine a wake-up per write cost more CPU than the commands).
   */
  private send(b: Buffer): void {
    const p = this.pending;
    if (p === null) {
      this.pending = b;
      this.thread.queueOutput(this);
    } else if (Array.isArray(p)) p.push(b);
    else this.pending = [p, b];
    // A big output goes out now rather than at the turn's end: waking the peer early costs little
    // beside writing so much, and its buffer (handed off by the thread's writer, not copied) is
    // free again at once, in cache for the next client, instead of one per such client being held
    // until the turn ends (GETs of 16 KB values at pipeline 16: 75k requests/s written at the
    // turn's end, 123-145k at once).
    if (b.length >= FLUSH_NOW_BYTES) this.flushOutput();
  }

  /** The held replies join the bytes due at the end of this turn (concatenated once, by flushOutput). */
  private releaseHeld(): void {
    const h = this.held;
    if (h === null) return;
    this.held = null;
    this.heldBytes = 0;
    for (let i = 0; i < h.length; i++) this.send(h[i]);
  }

  /** Write the queued bytes (once per event-loop turn, and before closing). */
  flushOutput(): void {
    const p = this.pending;
    if (p === null) return;
    this.pending = null;
    if (this.closed) return;
    this.thread.stats.writes++;
    if (!Array.isArray(p)) {
      writeToSocket(this.socket, p);
      return;
    }
    // Small pieces joined into one write; a big one (handed off by the thread's reply writer
    // without a copy, reply_writer.ts) written as it is, so that it is not copied after all.
    let from = 0;
    for (let i = 0; i <= p.length; i++) {
      if (i < p.length && p[i].length < HANDOFF_BYTES) continue;
      if (i - from === 1) writeToSocket(this.socket, p[from]);
      else if (i - from > 1) writeToSocket(this.socket, Buffer.concat(p.slice(from, i)));
      if (i < p.length) writeToSocket(this.socket, p[i]);
      from = i + 1;
    }
  }

  /** Close after the pending output is written (QUIT, protocol errors, timeout, shutdown). */
  close(): void {
    if (this.closed) return;
    this.releaseHeld();
    this.flushOutput();
    this.closed = true;
    const s = this.socket;
    s.end(() => s.destroy());
  }

  /** Close now, dropping pending output (CLIENT KILL of another client, like Redis's freeClient). */
  kill(): void {
    this.closed = true;
    this.held = null;
    this.heldBytes = 0;
    this.pending = null;
    this.socket.destroy();
  }

  /** The socket is gone: drop the registrations the client holds on this thread. */
  onClosed(): void {
    this.closed = true;
    this.multi = null;
    if (this.watchedShards !== null) void unwatchAll(this);
    if (this.monitor) removeMonitor(this.thread, this);
    if (this.waitState === WAIT_PAUSE) dropHeld(this);
    if (this.blocked !== null) this.blocked.drop();
  }

  /** Run queued requests until the input is used up or the client must wait. */
  process(): void {
    const t = this.thread;
    t.beginClientRun();
    this.processInput();
    t.endClientRun();
  }

  private processInput(): void {
    while (!this.closed && this.waitState === WAIT_NONE && !this.closeAfterReply) {
      let argv = this.stalled;
      if (argv !== null) this.stalled = null;
      else {
        argv = this.nextCommand();
        if (argv === null) {
          if (this.parser.error !== null && this.inflight === 0) this.protocolError(this.parser.error);
          else if (this.moveTo >= 0 && this.inflight === 0 && this.trip === null) this.migrate();
          return;
        }
      }
      if (!this.dispatch(argv)) {
        this.stalled = argv;
        return;
      }
    }
    // QUIT (or CLIENT KILL of itself) with nothing left to write still closes.
    if (this.closeAfterReply && !this.closed && this.inflight === 0 && this.waitState === WAIT_NONE) {
      this.thread.seal();
      this.close();
    }
  }

  /** Commands parsed ahead of their turn (nextCommand), and the next one to run. */
  private ahead: string[][] = [];
  private aheadAt = 0;
  /** The command nextCommand returned last came in a pipelined batch (parsed ahead with others). */
  private fromBatch = false;

  /**
   * The next command of the input. A pipelined batch is parsed ahead (up to
   * AHEAD commands) so that the keyspace can read ahead for its lookups
   * (Keyspace.prefetch). Not while unauthenticated, nor past a RESET: the
   * parser's limits depend on authentication.
   */
  private nextCommand(): string[] | null {
    const ahead = this.ahead;
    this.fromBatch = this.aheadAt < ahead.length;
    if (this.fromBatch) {
      // (One thread: no shards are kept, the arrays are empty.)
      if (this.aheadAt < this.aheadKnownAt.length) {
        this.knownKeyAt = this.aheadKnownAt[this.aheadAt];
        this.knownShard = this.aheadKnownShard[this.aheadAt];
      }
      const argv = ahead[this.aheadAt++];
      if (this.aheadAt === ahead.length) {
        ahead.length = 0;
        this.aheadAt = 0;
      }
      return argv;
    }
    this.knownKeyAt = 0;
    const parser = this.parser;
    const first = parser.next();
    if (first === null || !parser.authenticated || parser.pendingBytes === 0) return first;
    ahead.push(first);
    while (ahead.length < AHEAD) {
      const last = ahead[ahead.length - 1];
      const name = last[0];
      // RESET (any case); the first letter rules out most five-letter names without lowercasing.
      if (name.length === 5 && (name.charCodeAt(0) | 0x20) === 0x72 && name.toLowerCase() === 'reset') break;
      const argv = parser.next();
      if (argv === null) break;
      ahead.push(argv);
    }
    if (ahead.length === 1) {
      ahead.length = 0;
      return first;
    }
    this.pipelineChecked = 0;
    this.tripChecked = 0;
    this.prefetch(ahead);
    this.aheadAt = 1;
    this.fromBatch = true;
    if (this.aheadKnownAt.length !== 0) {
      this.knownKeyAt = this.aheadKnownAt[0];
      this.knownShard = this.aheadKnownShard[0];
    }
    return first;
  }

  /**
   * With several threads, the shard of each command parsed ahead that has the
   * single-key shape (singleKeyAt), found by prefetch, and where that key is
   * (0: not known); dispatch takes the shard from here instead of hashing the
   * key again. knownKeyAt/knownShard: the same for the command nextCommand
   * returned last (still the stalled one while it waits).
   */
  private aheadKnownAt = EMPTY_POSITIONS;
  private aheadKnownShard = EMPTY_POSITIONS;
  private knownKeyAt = 0;
  private knownShard = 0;

  /** The shard of ahead[i] (shardOf): the one the read-ahead found when it has the single-key shape, as dispatch takes it. */
  private aheadShard(i: number, spec: CommandSpec, argv: string[]): number {
    const k = this.aheadKnownAt[i];
    return k !== 0 && k === singleKeyAt(spec) ? this.aheadKnownShard[i] : shardOf(spec, argv, this.thread.threads);
  }

  /**
   * The lookups of the commands parsed ahead are read ahead (each command's
   * first key, where its spec says); with several threads only those of keys
   * owned here.
   */
  private prefetch(ahead: string[][]): void {
    const t = this.thread;
    const keyAt = aheadKeyAt;
    const sharded = t.threads > 1;
    if (sharded && this.aheadKnownAt === EMPTY_POSITIONS) {
      this.aheadKnownAt = new Int32Array(AHEAD);
      this.aheadKnownShard = new Int32Array(AHEAD);
      this.aheadFirstKeyAt = new Int32Array(AHEAD);
    }
    const knownAt = this.aheadKnownAt;
    const knownShard = this.aheadKnownShard;
    const firstAt = this.aheadFirstKeyAt;
    // A batch mostly repeats one command: look its spec up once per run of the same name.
    let name = '';
    let spec: CommandSpec | undefined;
    for (let i = 0; i < ahead.length; i++) {
      const argv = ahead[i];
      if (argv[0] !== name) {
        name = argv[0];
        spec = this.specOf(name);
      }
      const k = spec === undefined ? 0 : firstKeyAt(spec, argv);
      keyAt[i] = k;
      if (!sharded) continue;
      firstAt[i] = k;
      knownAt[i] = k !== 0 && k === singleKeyAt(spec!) ? k : 0;
      if (k !== 0) knownShard[i] = keyShard(argv[k], t.threads);
    }
    if (!sharded) {
      t.ks.prefetch(this.db, ahead, keyAt, 0, ahead.length);
      return;
    }
    if (!t.ks.bigKeyspace(this.db) || this.lockedTripAhead(ahead)) return;
    this.prefetchOwn(0);
  }

  /** Where the first key of each command parsed ahead is (0: none), with several threads (prefetch). */
  private aheadFirstKeyAt = EMPTY_POSITIONS;

  /** Read ahead for the commands parsed ahead from ahead[from] on whose first key is this shard's (several threads). */
  private prefetchOwn(from: number): void {
    const t = this.thread;
    const ahead = this.ahead;
    const firstAt = this.aheadFirstKeyAt;
    const knownShard = this.aheadKnownShard;
    const own = ownedAhead;
    let m = 0;
    for (let i = from; i < ahead.length; i++) {
      const k = firstAt[i];
      if (k === 0 || knownShard[i] !== t.index) continue;
      own.push(ahead[i]);
      ownedKeyAt[m++] = k;
    }
    if (m !== 0) t.ks.prefetch(this.db, own, ownedKeyAt, 0, m);
    own.length = 0;
  }

  /**
   * The client waited a round trip for another shard (its replies in flight,
   * or the other part of its locked one-trip batch) and its commands parsed
   * ahead, from ahead[from] on, run here now: they were read ahead when they
   * were parsed, and other clients' commands ran meanwhile (on a large
   * keyspace those lines are gone). Read ahead for this shard's again.
   */
  private refetchAhead(from: number): void {
    if (from < this.ahead.length && this.thread.ks.bigKeyspace(this.db)) this.prefetchOwn(from);
  }

  /**
   * Will this batch (parsed ahead, its shards known) most likely run as a
   * locked one-trip batch (oneTrip) whose commands for this shard run after
   * the other shard's replies (not an ordered one: that other shard comes
   * after this one)? They are read ahead for then (tripReplied): reading
   * ahead now would be wasted. The gate oneTrip goes through, without its
   * side effects: a write of the single-key shape first, nothing in flight,
   * two runs for one other shard.
   */
  private lockedTripAhead(ahead: string[][]): boolean {
    const spec = this.specOf(ahead[0][0]);
    if (spec === undefined || spec.oneTrip !== true || spec.speculable === true) return false;
    if (this.inflight !== 0 || this.multi !== null || this.tripSkip !== 0 || this.thread.lockedTripsPaused || !this.tripsAllowed()) return false;
    // An ordered batch (the other shard after this one) is told first: one or two entries looked at.
    return this.aheadKnownAt[0] !== 0 && this.otherShardAhead() < this.thread.index && this.remoteRunsAhead(this.aheadKnownShard[0], 1) >= 2;
  }

  /** The first shard other than this thread's among the single-key commands parsed ahead (-1: none). */
  private otherShardAhead(): number {
    const self = this.thread.index;
    for (let i = 0; i < this.ahead.length && this.aheadKnownAt[i] !== 0; i++) if (this.aheadKnownShard[i] !== self) return this.aheadKnownShard[i];
    return -1;
  }

  private protocolError(msg: string): void {
    if (msg !== '' && !this.discardThis()) this.thread.outFor(this).error(msg);
    this.closeAfterReply = true;
    this.thread.seal();
    this.close();
  }

  /** False when the command has to wait for replies in flight on another shard. */
  private dispatch(argv: string[]): boolean {
    const thread = this.thread;
    // Pipelines repeat the same command name: compare with the last one before hashing.
    let spec: CommandSpec | undefined;
    if (argv[0] === this.lastName) spec = this.lastSpec;
    else {
      spec = lookupCommand(argv[0]);
      if (spec !== undefined) {
        this.lastName = argv[0];
        this.lastSpec = spec;
      }
    }
    if (spec !== undefined && spec.subcommands !== undefined && argv.length >= 2) {
      const sub = spec.subcommands.get(argv[1].toLowerCase());
      if (sub === undefined) return this.reject(null, `ERR unknown subcommand '${trunc(argv[1])}'. Try ${spec.name.toUpperCase()} HELP.`);
      spec = sub;
    }
    if (spec === undefined) {
      const lc = argv[0].length === 4 || argv[0].length === 5 ? argv[0].toLowerCase() : '';
      if (lc === 'post' || lc === 'host:') return this.securityWarning();
      let args = '';
      for (let i = 1; i < argv.length && args.length < 128; i++) args += `'${cstr(argv[i].slice(0, 128 - args.length))}' `;
      return this.reject(null, `ERR unknown command '${trunc(argv[0])}', with args beginning with: ${args}`);
    }
    if (!arityOk(spec, argv)) {
      return this.reject(spec, `ERR wrong number of arguments for '${fullName(spec)}' command`);
    }
    if (!this.authenticated && spec.noAuth !== true && this.authRequired()) return this.reject(spec, 'NOAUTH Authentication required.');
    // A script past busy-reply-threshold on any thread: only allow_busy commands (Redis's BUSY state).
    if (scriptBusy()) {
      const busy = busyError(spec);
      if (busy !== null) return this.reject(spec, busy);
    }
    // As in Redis's processCommand: replicas and monitors stay off the keyspace, then CLIENT PAUSE
    // holds what it covers (also commands about to be queued in MULTI, and EXEC of a block with
    // writes), and only then are commands queued in MULTI.
    if (pause.type !== 0 || this.replicaLike) {
      if (this.replicaLike) {
        if ((commandClass(spec) & (CLS_WRITE | CLS_READ)) !== 0) return this.reject(spec, "ERR Replica can't interact with the keyspace");
      } else if (pauseHolds(spec, this.multi)) return this.holdForPause(spec);
    }
    if (this.multi !== null && !multiPassthrough(spec)) return this.queueInMulti(spec, argv);

    const discard = this.discardThis();
    if (spec.route === 'keys') {
      const shard = this.knownKeyAt !== 0 && this.knownKeyAt === singleKeyAt(spec) ? this.knownShard : shardOf(spec, argv, thread.threads);
      if (shard !== this.affinity) {
        this.affinity = shard;
        this.affinityRun = 0;
        this.moveTo = -1;
      } else if (shard !== thread.index && this.fromBatch && ++this.affinityRun === MIGRATE_AFTER && thread.migrateConnections) this.moveTo = shard;
      if (shard >= 0) {
        if (this.inflight !== 0 && shard !== this.inflightShard) return false;
        if (this.inflight === 0 && this.aheadAt < this.ahead.length && thread.threads > 1 && !discard) {
          if (spec.oneTrip === true && this.aheadAt > this.tripChecked && this.oneTrip(spec, argv, shard)) return true;
          if (this.aheadAt > this.pipelineChecked && this.runPipelineTxn(spec, argv, shard)) return true;
        }
        this.lastCommand = fullName(spec);
        if (monitorsActive()) this.feedMonitor(spec, argv);
        if (shard === thread.index) {
          const mark = this.markReply();
          if (!thread.execLocal(this, spec, argv)) {
            this.waitState = WAIT_LOCK;
            return true;
          }
          if (thread.rerun) return this.rerunCross(spec, argv);
          this.afterReply(mark);
          if (this.blocked !== null) this.waitState = WAIT_BLOCKED;
        } else {
          thread.sendCommand(this, shard, spec, argv, discard);
          this.inflight++;
          this.inflightShard = spec.blocking === true ? BLOCKING_IN_FLIGHT : shard;
          this.afterRemoteSend();
        }
        return true;
      }
      if (shard === MULTI_SHARD) {
        if (this.inflight === 0 && !discard && this.runPipelineTxn(spec, argv, shard)) return true;
        return this.runCross(spec, argv);
      }
      // NO_SHARD: no key present (optional keys); runs here.
    }
    if (this.inflight !== 0) return false;
    this.lastCommand = fullName(spec);
    if (spec.route === 'all') return this.runCross(spec, argv);
    const mark = this.markReply();
    thread.execClientCommand(this, spec, argv);
    if (thread.rerun) return this.rerunCross(spec, argv);
    this.afterReply(mark);
    if (monitorsActive()) this.feedMonitor(spec, argv);
    return true;
  }

  /**
   * Connection migration (migrate.ts): the shard of the latest keyed
   * command, how many pipelined ones in a row went there, and
   * the thread to move to at the next moment the client is idle (-1: none;
   * a keyed command for another shard meanwhile calls the move off).
   */
  private affinity = -1;
  private affinityRun = 0;
  private moveTo = -1;

  /**
   * The client's pipelined commands keep going to thread moveTo's keys and
   * it is idle (its input used up, nothing in flight): it moves there, unless
   * it holds state that lives on this thread (migrate.ts says which) or its
   * replies are not all handed to the kernel yet (then it tries again after
   * another run of commands).
   */
  private migrate(): void {
    const to = this.moveTo;
    this.moveTo = -1;
    this.affinityRun = 0;
    const t = this.thread;
    if (!this.movable() || pause.type !== 0 || monitorsActive() || t.syncDepth !== 0) return;
    // The replies so far go out first, from here: the new thread's could not overtake them.
    t.seal();
    this.releaseHeld();
    this.flushOutput();
    const fd = duplicateIdleSocket(this.socket);
    if (fd < 0) return;
    t.handOver(this, to, fd);
    this.closed = true;
    this.socket.destroy();
  }

  /** Move to thread `to` now if the client can (a connection accepted before it sent anything: worker.ts). */
  moveNow(to: number): void {
    this.moveTo = to;
    this.migrate();
  }

  /** Nothing of this client lives on this thread but its connection (migrate.ts). */
  private movable(): boolean {
    return (
      !this.closed &&
      !this.closeAfterReply &&
      this.waitState === WAIT_NONE &&
      this.stalled === null &&
      this.ahead.length === 0 &&
      this.parser.pendingBytes === 0 &&
      this.multi === null &&
      this.watchedShards === null &&
      this.txn === null &&
      this.blocked === null &&
      this.sub + this.psub + this.ssub === 0 &&
      !this.monitor &&
      !this.replicaLike &&
      !this.isReplica &&
      !this.isMaster &&
      !this.replyOff &&
      !this.skipNext &&
      !this.skipThis
    );
  }

  /** Commands parsed ahead before this index were found not worth a pipeline transaction. */
  private pipelineChecked = 0;
  /** Commands parsed ahead before this index were found not worth a one-trip batch (or it did not go through). */
  private tripChecked = 0;
  /** The one-trip batch in flight (router/one_trip.ts). */
  private trip: TripBatch | null = null;
  /** After speculative batches that did not go through (this shard changed meanwhile), commands to let go by before trying again. */
  private tripSkip = 0;
  private tripFailures = 0;

  /**
   * The single-key command about to run (on `shard`) and the commands parsed
   * ahead after it: when they start with single-key commands for this shard
   * and one other that the usual path would run in at least two round trips,
   * run them as one batch in one trip (router/one_trip.ts): speculative when
   * they are all plain reads, locked otherwise. Returns true when it started.
   */
  private oneTrip(spec: CommandSpec, argv: string[], shard: number): boolean {
    const thread = this.thread;
    if (!this.tripsAllowed()) return false;
    if (this.tripSkip !== 0) {
      this.tripSkip--;
      return false;
    }
    const self = thread.index;
    if (this.remoteRunsAhead(shard) < 2) {
      // A batch on this thread's keys (a client that moved here) or on one other shard's only.
      this.tripChecked = this.ahead.length;
      return false;
    }
    let remote = shard === self ? -1 : shard;
    const batch = TripBatch.take();
    batch.add(spec, argv, shard === self);
    let reads = spec.speculable === true;
    const ahead = this.ahead;
    for (let i = this.aheadAt; i < ahead.length; i++) {
      const a = ahead[i];
      const sp = this.specOf(a[0]);
      if (sp === undefined || sp.oneTrip !== true || !arityOk(sp, a)) break;
      const s = this.aheadShard(i, sp, a);
      if (s < 0) break;
      if (s !== self) {
        if (remote < 0) remote = s;
        else if (s !== remote) break;
      }
      if (sp.speculable !== true) reads = false;
      batch.add(sp, a, s === self);
    }
    if (!batch.worthIt() || (!reads && !thread.lockedTripAllowed())) {
      this.tripChecked = this.aheadAt - 1 + batch.n;
      batch.recycle();
      return false;
    }
    batch.remote = remote;
    batch.speculative = reads;
    if (!thread.startTrip(this, batch)) {
      this.tripFailed(batch);
      batch.recycle();
      return false;
    }
    this.trip = batch;
    this.waitState = WAIT_CROSS;
    return true;
  }

  /**
   * No one-trip batch while CLIENT PAUSE or a replica's restrictions hold
   * (dispatch judges those command by command) nor with MONITOR clients
   * (they see commands as they run).
   */
  private tripsAllowed(): boolean {
    return pause.type === 0 && !this.replicaLike && !monitorsActive();
  }

  /**
   * At most how many runs for another shard a one-trip batch starting with a
   * command for `shard` could hold (TripBatch.worthIt wants two): counted
   * over the shards the read-ahead found for the single-key commands that
   * follow (no spec lookups), up to the first command of another shape or
   * for a third shard. From ahead[from] on (default: the next command).
   */
  private remoteRunsAhead(shard: number, from = this.aheadAt): number {
    const self = this.thread.index;
    const knownAt = this.aheadKnownAt;
    const knownShard = this.aheadKnownShard;
    let remote = shard === self ? -1 : shard;
    let runs = remote < 0 ? 0 : 1;
    let prevLocal = remote < 0;
    for (let i = from; i < this.ahead.length && knownAt[i] !== 0; i++) {
      const s = knownShard[i];
      if (s === self) {
        prevLocal = true;
        continue;
      }
      if (remote < 0) remote = s;
      else if (s !== remote) break;
      if (prevLocal) runs++;
      prevLocal = false;
    }
    return runs;
  }

  /**
   * The other shard's part of the one-trip batch came back (`ran`: it ran
   * there). A locked batch runs its commands here now and unlocks; a
   * speculative one is kept when this shard did not change meanwhile. Kept,
   * every reply goes out in request order (a speculative batch's commands
   * counted now); else nothing of it is kept and the batch runs again the
   * usual way from its first command.
   */
  tripReplied(payload: Buffer, start: number, end: number, ran: boolean): void {
    const batch = this.trip;
    if (batch === null) return;
    this.trip = null;
    const thread = this.thread;
    ran = ran && ranThere(batch, payload, start, end);
    // A locked batch whose other part ran must run here too, even for a client gone meanwhile (an
    // ordered one ran here as it started). Its first command is the one before aheadAt (oneTrip took
    // it from the commands parsed ahead).
    if (!batch.speculative) {
      if (ran && !batch.ordered && this.aheadAt > 0) this.refetchAhead(this.aheadAt - 1);
      thread.finishLockedTrip(this, batch, ran);
    }
    const kept = ran && (!batch.speculative || (thread.ks.changes === batch.changes && batch.soonestExpiry > Date.now()));
    if (this.closed) {
      // Its commands ran: counted as they would have been the usual way, their replies dropped.
      if (kept) acceptBatch(batch, payload, start, DISCARD, thread, this);
      DISCARD.reset();
      batch.recycle();
      return;
    }
    if (kept) {
      this.tripFailures = 0;
      acceptBatch(batch, payload, start, thread.outFor(this), thread, this);
      this.lastCommand = fullName(batch.specs[batch.n - 1]!);
      // The batch's first command was taken from the commands parsed ahead already.
      this.aheadAt += batch.n - 1;
      if (this.aheadAt === this.ahead.length) {
        this.ahead.length = 0;
        this.aheadAt = 0;
      }
    } else {
      this.tripFailed(batch);
      this.stalled = batch.argvs[0];
    }
    batch.recycle();
    this.waitState = WAIT_NONE;
    this.resume();
  }

  /**
   * The batch did not go through: its commands run the usual way. After a
   * speculative one, wait before the next (longer after each failure in a
   * row): a shard that keeps changing would fail it too. Locked batches that
   * meet locks are paced by their thread (ShardThread.lockedTripAllowed).
   */
  private tripFailed(batch: TripBatch): void {
    if (batch.speculative) this.tripSkip = TRIP_SKIP << Math.min(this.tripFailures++, TRIP_SKIP_DOUBLINGS);
    this.tripChecked = this.aheadAt - 1 + batch.n;
  }

  /**
   * The keyed command about to run (on `shard`, or MULTI_SHARD) and the
   * commands parsed ahead after it: when the longest stretch of plain keyed
   * commands among them would cost round trips enough, run it as one
   * pipeline transaction (router/pipeline.ts) and return true. A split
   * command (MSET, MGET, DEL ... over several shards) runs as one on its own
   * otherwise: lighter than the general cross-shard path (no promises, the
   * last shard's keys never enter its lock table).
   */
  private runPipelineTxn(spec: CommandSpec, argv: string[], shard: number): boolean {
    const thread = this.thread;
    // CLIENT PAUSE and a replica's restrictions are judged command by command (dispatch).
    if (pause.type !== 0 || this.replicaLike || !pipelinable(spec, argv, shard)) return false;
    const ahead = this.ahead;
    // Only a stretch with a split command is worth it (worthATransaction): look for one first, by name.
    if (shard >= 0 && !this.splitAhead()) return false;
    const txn = PipelineTxn.take(this, this.crossDone);
    txn.add(spec, argv, shard);
    if (this.aheadAt < ahead.length && this.aheadAt > this.pipelineChecked) {
      for (let i = this.aheadAt; i < ahead.length; i++) {
        const a = ahead[i];
        const sp = this.specOf(a[0]);
        if (sp === undefined || !arityOk(sp, a)) break;
        const s = this.aheadShard(i, sp, a);
        if (!pipelinable(sp, a, s)) break;
        txn.add(sp, a, s);
      }
      if (!txn.worthIt(thread.index)) {
        this.pipelineChecked = this.aheadAt - 1 + txn.count;
        txn.truncate(1);
      }
    }
    if (txn.count === 1 && shard >= 0) {
      txn.drop();
      return false;
    }
    this.aheadAt += txn.count - 1;
    if (this.aheadAt === ahead.length) {
      ahead.length = 0;
      this.aheadAt = 0;
    }
    this.lastCommand = fullName(txn.specAt(txn.count - 1));
    if (monitorsActive()) for (let i = 0; i < txn.count; i++) this.feedMonitor(txn.specAt(i), txn.argvAt(i));
    this.waitState = WAIT_CROSS;
    this.nextReplyMode();
    txn.start();
    return true;
  }

  /** The spec of a command name parsed ahead (the dispatch cache first; it is left as it is). */
  private specOf(name: string): CommandSpec | undefined {
    return name === this.lastName ? this.lastSpec : lookupCommand(name);
  }

  /** Is a split command among the commands parsed ahead (from the next one on)? If not, they are checked. */
  private splitAhead(): boolean {
    const ahead = this.ahead;
    for (let i = this.aheadAt; i < ahead.length; i++) {
      const sp = this.specOf(ahead[i][0]);
      if (sp !== undefined && sp.split !== undefined) return true;
    }
    this.pipelineChecked = ahead.length;
    return false;
  }

  /**
   * The command ran here but wrote nothing and must run again as a cross-shard
   * command (a script that needs the global lock, CommandSpec.rerun).
   */
  rerunCross(spec: CommandSpec, argv: string[]): boolean {
    this.thread.rerun = false;
    this.waitState = WAIT_NONE;
    return this.runCross(spec, argv);
  }

  /**
   * Show a command this client ran to MONITOR clients, for commands that run
   * outside dispatch (each command of an EXEC block, as it runs). Not from
   * inside a command handler.
   */
  showToMonitors(spec: CommandSpec, argv: string[]): void {
    if (monitorsActive()) this.feedMonitor(spec, argv);
  }

  /** Show an executed command to MONITOR clients (admin commands are not shown). */
  private feedMonitor(spec: CommandSpec, argv: string[]): void {
    if ((commandClass(spec) & CLS_NO_MONITOR) === 0) feedMonitors(this.thread, this.db, this.isUnix ? 'unix:' + this.unixPath : this.addr, argv, this.monitor ? this : null);
  }

  /** Redis's authRequired(): not authenticated while the default user has a password. */
  authRequired(): boolean {
    return !this.authenticated && this.thread.config.str('requirepass') !== '';
  }

  /** The command stays stalled until CLIENT PAUSE ends; replies already produced still go out. */
  private holdForPause(spec: CommandSpec): boolean {
    if (this.inflight !== 0) return false;
    this.lastCommand = fullName(spec);
    this.waitState = WAIT_PAUSE;
    hold(this);
    return false;
  }

  /** The pause ended: run the held command and what follows it. */
  pauseReleased(): void {
    if (this.waitState !== WAIT_PAUSE) return;
    this.waitState = WAIT_NONE;
    this.resume();
  }

  /** Held by CLIENT PAUSE (CLIENT LIST shows it as blocked). */
  get pausedNow(): boolean {
    return this.waitState === WAIT_PAUSE;
  }

  /** The parsed command waiting to run (CLIENT LIST argv-mem). */
  get stalledArgv(): string[] | null {
    return this.stalled;
  }

  /** Reply bytes produced but not yet handed to the socket. */
  get heldOutput(): number {
    return this.heldBytes;
  }

  /** POST / Host: as a command: someone is speaking HTTP to us; drop the connection silently. */
  private securityWarning(): boolean {
    if (this.inflight !== 0) return false;
    const now = Date.now();
    if (Math.abs(now - lastSecurityWarning) > 60000) {
      lastSecurityWarning = now;
      this.thread.log?.warning(
        'Possible SECURITY ATTACK detected. It looks like somebody is sending POST or Host: commands to Redis. This is likely due to an attacker attempting to use Cross Protocol Scripting to compromise your Redis instance. Connection aborted.',
      );
    }
    this.closeAfterReply = true;
    this.thread.seal();
    this.close();
    return true;
  }

  /** Inside MULTI: queue the command for EXEC and answer +QUEUED. */
  private queueInMulti(spec: CommandSpec, argv: string[]): boolean {
    if (this.inflight !== 0) return false;
    if (spec.flags.includes('no_multi')) return this.reject(spec, 'ERR Command not allowed inside a transaction');
    this.lastCommand = fullName(spec);
    this.multi!.push({ spec, argv });
    const mark = this.markReply();
    this.thread.outFor(this).simple('QUEUED');
    this.afterReply(mark);
    return true;
  }

  private reject(spec: CommandSpec | null, msg: string): boolean {
    if (this.inflight !== 0) return false;
    if (this.multi !== null) this.multiDirty = true;
    if (spec !== null) this.thread.stats.cmd(spec.id!).rejected++;
    const mark = this.markReply();
    this.thread.outFor(this).error(msg);
    this.afterReply(mark);
    return true;
  }

  private runCross(spec: CommandSpec, argv: string[]): boolean {
    if (this.inflight !== 0) return false;
    this.lastCommand = fullName(spec);
    this.waitState = WAIT_CROSS;
    this.crossDiscard = this.discardThis();
    this.nextReplyMode();
    const t0 = performance.now();
    this.crossWaitMs = 0;
    this.crossEndAt = 0;
    const errs = this.thread.stats.failures;
    spec.cross!(this, argv).then(
      () => {
        this.thread.crossFinished(this, spec, argv, t0, errs);
        // MONITOR shows a command once it ran (EXEC after the commands of its block).
        if (monitorsActive()) this.feedMonitor(spec, argv);
        this.crossDone();
      },
      (err: unknown) => {
        this.out().error('ERR internal error: ' + String((err as Error)?.message ?? err));
        this.thread.crossFinished(this, spec, argv, t0, errs);
        if (monitorsActive()) this.feedMonitor(spec, argv);
        this.crossDone();
      },
    );
    return true;
  }

  private crossDiscard = false;
  /** Time the cross-shard command running now spent waiting, and when its transaction ended (WaitAccount). */
  crossWaitMs = 0;
  crossEndAt = 0;

  /** Where a cross-shard command writes its reply. */
  out(): ReplyWriter {
    return this.crossDiscard ? DISCARD : this.thread.outFor(this);
  }

  private readonly crossDone = (): void => {
    if (this.crossDiscard) DISCARD.reset();
    this.crossDiscard = false;
    this.waitState = this.blocked !== null ? WAIT_BLOCKED : WAIT_NONE;
    this.resume();
  };

  // CLIENT REPLY OFF / SKIP: the reply of a command is produced, then dropped.
  replyOff = false;
  skipNext = false;
  private skipThis = false;

  private discardThis(): boolean {
    return this.replyOff || this.skipThis;
  }

  private nextReplyMode(): void {
    this.skipThis = this.skipNext;
    this.skipNext = false;
  }

  private markReply(): number {
    return this.discardThis() ? this.thread.outFor(this).len : -1;
  }

  /** CLIENT REPLY ON|OFF|SKIP; 'reset' is RESET's part (it leaves a skip of the current command alone). */
  setReplyMode(mode: 'on' | 'off' | 'skip' | 'reset'): void {
    if (mode === 'on') {
      this.replyOff = false;
      this.skipThis = false;
    } else if (mode === 'off') this.replyOff = true;
    else if (mode === 'skip') {
      if (!this.replyOff) this.skipNext = true;
    } else {
      this.replyOff = false;
      this.skipNext = false;
    }
  }

  private afterReply(mark: number): void {
    // The handler may have switched replies back on (CLIENT REPLY ON, RESET): then its reply stays.
    if (mark >= 0 && this.discardThis()) {
      const out = this.thread.outFor(this);
      if (out.len >= mark) out.len = mark;
    }
    this.nextReplyMode();
  }

  private afterRemoteSend(): void {
    this.nextReplyMode();
  }

  /** The replies to `count` of the commands in flight (their RESP bytes, in order). */
  remoteReply(payload: Buffer, start: number, end: number, count: number): void {
    if (end > start) this.thread.outFor(this).raw(payload, start, end);
    this.inflight -= count;
    if (this.inflight === 0) {
      this.inflightShard = -1;
      // From the command that waited, when it is one of those parsed ahead.
      const at = this.aheadAt;
      this.refetchAhead(this.stalled !== null && at > 0 && this.ahead[at - 1] === this.stalled ? at - 1 : at);
      this.resume();
    }
  }


  /** The lock an inline command waited for was granted and the command ran. */
  lockGranted(): void {
    this.waitState = this.blocked !== null ? WAIT_BLOCKED : WAIT_NONE;
    this.resume();
  }

  /** The blocking command's wait ended and its reply was written (blocking.ts): run what follows it. */
  blockEnded(): void {
    if (this.waitState !== WAIT_BLOCKED || this.blocked !== null) return;
    this.waitState = WAIT_NONE;
    this.resume();
  }

  /** A command in flight on another shard now waits there (blocking.ts): the replies before it go out. */
  flushHeld(): void {
    if (!this.closed) this.releaseHeld();
  }

  /** Is the reply of the command now running dropped (CLIENT REPLY OFF / SKIP)? */
  get discardingReply(): boolean {
    return this.waitState === WAIT_CROSS ? this.crossDiscard : this.discardThis();
  }

  resume(): void {
    if (this.closed) return;
    if (this.closeAfterReply && this.inflight === 0 && this.waitState === WAIT_NONE) {
      this.thread.seal();
      this.close();
      return;
    }
    this.process();
    this.thread.endBatch();
    if (this.held !== null && this.inflight === 0 && (this.waitState === WAIT_NONE || this.waitState >= WAIT_PAUSE)) this.write(EMPTY_BUF);
    this.thread.afterClientInput();
  }

  /** Commands still running for this client (CLIENT LIST's qbuf / multi figures). */
  get pendingQuery(): number {
    return this.parser.pendingBytes;
  }
}

let lastSecurityWarning = 0;

/** An argument as Redis's "%.128s" prints it: up to 128 bytes, cut at a NUL byte. */
export interface QueuedCommand {
  spec: CommandSpec;
  argv: string[];
}

/**
 * May run inside a pipeline transaction: a plain keyed command (pipelined) on
 * one shard (`shard`, as shardOf says), or a split command with whole key groups.
 */
function pipelinable(spec: CommandSpec, argv: string[], shard: number): boolean {
  if (spec.pipelined !== true) return false;
  if (shard >= 0) return true;
  const split = spec.split;
  return shard === MULTI_SHARD && split !== undefined && (argv.length - spec.keys.first) % split.span === 0;
}

/** Commands that run at once inside MULTI instead of being queued (as Redis's processCommand). */
function multiPassthrough(spec: CommandSpec): boolean {
  const n = (spec.parent ?? spec).name;
  return n === 'exec' || n === 'discard' || n === 'multi' || n === 'watch' || n === 'quit' || n === 'reset';
}

function trunc(s: string): string {
  return cstr(s.length > 128 ? s.slice(0, 128) : s);
}

export function fullName(spec: CommandSpec): string {
  return spec.parent !== undefined ? spec.parent.name + '|' + spec.name : spec.name;
}

/** ip:port as Redis prints peers ([ip]:port for IPv6). */
function fmtAddr(ip: string, port: number): string {
  if (ip.startsWith('::ffff:')) ip = ip.slice(7);
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

export { NO_SHARD };
