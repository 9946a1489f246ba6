// Blocking commands (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP; BZPOPMIN,
// BZPOPMAX, BZMPOP reuse it): Redis's blocked.c semantics across shards.
//
// ---- API for a blocking command -------------------------------------------------
//
//  registerBlockingCommand(cmd)  at import time; `cmd` (a BlockingCommand) tells the
//      framework how to serve a waiter, by name (cmd.name, e.g. 'blpop'):
//        prepare(argv)      parse the waiter's arguments once (direction, count ...);
//        serve(c, w, key)   `key` (on this shard, among the waiter's keys) may serve
//                           waiter w: pop / move, write the whole reply into c.out and
//                           return SERVED; return REPLIED after writing a reply that
//                           changed nothing (BLMOVE into a key of another type); return
//                           NOT_SERVED, writing nothing, when it cannot (missing, empty,
//                           another type: the waiter keeps waiting, as in Redis 7.0);
//        probe(c, key)      for waits spanning shards: 0 nothing to serve at key, 1 key
//                           can serve, 2 key holds another type;
//        crossServe(...)    optional, for a serve that writes keys on other shards than
//                           `key`'s (BLMOVE across shards): run it inside the
//                           transaction (every key locked) and return the reply bytes.
//  The command handler (single shard: all keys on this shard) parses its arguments
//  and timeout (parseTimeout: float seconds, errors as Redis), serves at once when a
//  key has data (in key order, like the non-blocking form), else:
//        if (!canBlock(c)) reply the non-blocking null  (MULTI/EXEC, scripts ...)
//        else blockHere(c, cmd, argv, waitKeys, extraKeys, deadline, state)
//  and writes nothing: the reply comes when the wait ends. The cross handler (keys on
//  several shards) calls blockAcrossShards(client, argv, cmd, {...}), which does all
//  of it (try in key order under the locks, WRONGTYPE, register, wait).
//  Key-ready signals come from the keyspace write path (Keyspace.onTypedWrite: a
//  list / zset / stream stored under a key) and from signalKeyAsReady(thread, db,
//  key) for writers that change a value in place while clients may wait on it.
//  Code that runs commands where they must not block (a script runner) increments
//  thread.blocking.denyBlocking meanwhile; EXEC needs nothing (its commands run as
//  transaction steps, or as cross handlers with client.txn set).
//
// ---- how it works ---------------------------------------------------------------
//
// Each shard keeps, per db and key, the FIFO queue of waiters registered there.
//
// Single-shard wait (every key of the command, BLMOVE's destination included, on
// one shard S): the handler runs on S, finds nothing and registers the waiter in
// the same step (nothing can slip in between). S owns the wait from then on: it
// serves it right after any command, transaction step or unlock that made one of
// its keys ready (Redis's handleClientsBlockedOnKeys: FIFO per key, a BLMOVE push
// can make the next key ready in the same pass), times it out (setTimeout on S),
// and takes CLIENT UNBLOCK / disconnect cancellations, all on S's single thread,
// so a value is never both served and timed out. The reply goes to the client's
// thread like any remote reply (a K_BLOCK REPLY frame), or straight to the socket
// when the client is S's own. A ready key that a cross-shard transaction holds
// locked is served when the lock goes (so EXEC blocks stay atomic).
//
// Multi-shard wait (keys on several shards): the client's thread T coordinates.
// Under a transaction that locks every key (ascending shards) it probes the keys,
// serves from the first ready one in argument order, or registers a coordinated
// waiter on each shard before releasing the locks. A shard never serves a
// coordinated waiter: when one of its keys is ready and the waiter is first in
// line (and the key can serve it), the shard sends T a NOTIFY and holds that key's
// queue (FIFO: the waiters behind it wait) until T answers. T then retries the
// pop as a cross-shard transaction under locks (re-arming the registrations as it
// probes); the first key that serves wins, the registrations are dropped on every
// shard (UNREG, which also wakes the keys held for it), and when it lost the race
// (the element was taken meanwhile) it simply stays registered. The claim is thus
// atomic through T (one retry at a time per wait, under the keys' locks): no double
// serving, and no lost wake-up since re-arming happens under the locks. Its timeout,
// CLIENT UNBLOCK and disconnect are handled on T too (a retry in flight finishes
// first and wins if it served).
//
// Known differences from Redis: while a multi-shard waiter's claim is in flight,
// a plain LPOP (or a new BLPOP that finds data) can take the element first; a
// client that disconnects while its single-shard wait is being served on another
// thread loses that element, as a Redis client does whose reply was in flight.

import type { ShardThread } from './shard_thread.ts';
import type { Client, BlockedWait } from './client.ts';
import type { CommandSpec, ExecContext } from '../commands/types.ts';
import type { CrossShardTxn } from '../router/txn.ts';
import { ReplyWriter } from '../proto/reply_writer.ts';
import { parseLongDouble } from '../proto/number_format.ts';
import { arrayElements, intValue } from '../proto/reply_reader.ts';
import { keyShard } from '../router/slot.ts';
import { withTxn } from '../router/cross.ts';
import { def } from '../commands/define.ts';

/** Ring frame kind of the blocking protocol (shard_thread.ts routes it here). */
export const K_BLOCK = 7;

// Frame ops (aux low 4 bits; the token or mode in aux >>> 4; id = client id).
const OP_BLOCKED = 1; // shard -> client thread: the client's command now waits here
const OP_REPLY = 2; // shard -> client thread: the final reply of that command (payload)
const OP_CANCEL = 3; // client thread -> shard: end a single-shard wait (mode)
const OP_NOTIFY = 4; // shard -> client thread: a key of a multi-shard wait is ready (token)
const OP_UNREG = 5; // client thread -> shard: drop a multi-shard wait's registrations (token)

const MODE_DROP = 0;
const MODE_TIMEOUT = 1;
const MODE_ERROR = 2;

export const NOT_SERVED = 0;
export const SERVED = 1;
export const REPLIED = 2;

const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';
const UNBLOCKED = 'UNBLOCKED client unblocked via CLIENT UNBLOCK';
const ERR_TIMEOUT_FLOAT = 'ERR timeout is not a float or out of range';
const ERR_TIMEOUT_NEG = 'ERR timeout is negative';

const I64_MAX = 9223372036854775807n;
/** setTimeout's limit; longer waits re-arm. */
const MAX_TIMER = 2147483647;

/** What a blocking command tells the framework (see the top of this file). */
export interface BlockingCommand {
  readonly name: string;
  prepare(argv: string[]): unknown;
  serve(c: ExecContext, w: WaitInfo, key: string): number;
  probe(c: ExecContext, key: string): number;
  crossServe?(t: CrossShardTxn, client: Client, w: WaitInfo, key: string): Promise<Buffer | string>;
}

/** The waiter as its command sees it. */
export interface WaitInfo {
  readonly argv: string[];
  readonly state: unknown;
  readonly db: number;
}

const commands = new Map<string, BlockingCommand>();

export function registerBlockingCommand(cmd: BlockingCommand): void {
  commands.set(cmd.name, cmd);
}

/**
 * A blocking command's timeout argument in seconds, as Redis 7.0.15's
 * getTimeoutFromObjectOrReply: ceill(long double * 1000) converted to a long
 * long (out of range gives LLONG_MIN: "negative"). Returns the absolute
 * deadline in ms (0: wait forever), or the error message.
 */
export function parseTimeout(arg: string, now: number): number | string {
  const ld = parseLongDouble(arg);
  if (ld === null) return ERR_TIMEOUT_FLOAT;
  if (ld.inf) return ERR_TIMEOUT_NEG;
  if (ld.m === 0n) return 0;
  // The product ftval * 1000.0 rounded to the 64-bit significand, ties to even.
  let p = ld.m * 1000n;
  let e = ld.e;
  const bits = p.toString(2).length;
  if (bits > 64) {
    const sh = BigInt(bits - 64);
    const q = p >> sh;
    const rem = p & ((1n << sh) - 1n);
    const half = 1n << (sh - 1n);
    p = rem > half || (rem === half && (q & 1n) === 1n) ? q + 1n : q;
    e += bits - 64;
  }
  // ceill(): up for positive values, towards zero for negative ones.
  let ip: bigint;
  if (e >= 0) {
    if (e > 64) return ERR_TIMEOUT_NEG;
    ip = p << BigInt(e);
  } else if (e < -128) ip = ld.neg ? 0n : 1n;
  else {
    const sh = BigInt(-e);
    ip = p >> sh;
    if (!ld.neg && (p & ((1n << sh) - 1n)) !== 0n) ip += 1n;
  }
  if (ip > I64_MAX) return ERR_TIMEOUT_NEG;
  if (ip === 0n) return 0;
  if (ld.neg) return ERR_TIMEOUT_NEG;
  // now + tval past LLONG_MAX wraps negative in Redis: a wait that never times out.
  if (ip > I64_MAX - BigInt(now)) return 0;
  return now + Number(ip);
}

/** Ready-key signal for writers that change a value in place while clients may wait on its key. */
export function signalKeyAsReady(thread: ShardThread, db: number, key: string): void {
  thread.blocking.signal(db, key);
}

/** May the command running in `c` block? Not inside EXEC, scripts or cross-shard steps. */
export function canBlock(c: ExecContext): boolean {
  const bk = c.thread.blocking;
  if (bk.denyBlocking !== 0) return false;
  if (c.client !== null) return c.client.txn === null;
  // A command from another thread's client, run by the shard itself (not by a script it runs).
  return bk.originThread >= 0 && c === bk.originCtx;
}

/**
 * Block the client of the command running in `c` (canBlock(c) was true) on
 * `keys` (on this shard, none of them able to serve it now). `extraKeys`: keys
 * the serve writes besides the served key (BLMOVE's destination), so a serve
 * waits while a transaction holds them. deadline: absolute ms, 0 = forever.
 * The handler writes no reply.
 */
export function blockHere(c: ExecContext, cmd: BlockingCommand, argv: string[], keys: string[], extraKeys: string[] | null, deadline: number, state: unknown): void {
  c.thread.blocking.blockHere(c, cmd, argv, keys, extraKeys, deadline, state);
}

interface ReadyKey {
  db: number;
  key: string;
  id: string;
}

/** A wait registered on this shard (one per client and shard). */
class Waiter implements WaitInfo, BlockedWait {
  readonly bk: Blocking;
  readonly cmd: BlockingCommand;
  readonly argv: string[];
  readonly state: unknown;
  readonly db: number;
  /** Distinct keys registered here. */
  readonly keys: string[];
  /** Keys besides the served one a serve writes (must not be locked when serving). */
  readonly extraKeys: string[] | null;
  /** The client's thread and id; `client` when it is this thread's own. */
  readonly from: number;
  readonly clientId: number;
  readonly client: Client | null;
  readonly resp: 2 | 3;
  readonly discard: boolean;
  /** Multi-shard: the client's thread serves it; `token` names the wait there. */
  readonly coordinated: boolean;
  readonly token: number;
  notified = false;
  removed = false;
  deadline: number;
  timer: ReturnType<typeof setTimeout> | null = null;

  constructor(bk: Blocking, cmd: BlockingCommand, argv: string[], state: unknown, db: number, keys: string[], extraKeys: string[] | null, from: number, clientId: number, client: Client | null, resp: 2 | 3, discard: boolean, coordinated: boolean, token: number, deadline: number) {
    this.bk = bk;
    this.cmd = cmd;
    this.argv = argv;
    this.state = state;
    this.db = db;
    this.keys = keys;
    this.extraKeys = extraKeys;
    this.from = from;
    this.clientId = clientId;
    this.client = client;
    this.resp = resp;
    this.discard = discard;
    this.coordinated = coordinated;
    this.token = token;
    this.deadline = deadline;
  }

  /** CLIENT UNBLOCK of this thread's own client. */
  unblock(error: boolean): void {
    this.bk.cancel(this, error ? MODE_ERROR : MODE_TIMEOUT);
  }

  /** The client disconnected. */
  drop(): void {
    this.bk.cancel(this, MODE_DROP);
  }
}

/** Client-thread side of a single-shard wait on another thread's shard. */
class RemoteWait implements BlockedWait {
  private readonly bk: Blocking;
  private readonly client: Client;
  private readonly shard: number;

  constructor(bk: Blocking, client: Client, shard: number) {
    this.bk = bk;
    this.client = client;
    this.shard = shard;
  }

  unblock(error: boolean): void {
    this.end(error ? MODE_ERROR : MODE_TIMEOUT);
  }

  drop(): void {
    this.end(MODE_DROP);
  }

  /** The shard decides (it may have served the wait already: then its reply is on the way). */
  private end(mode: number): void {
    if (this.client.blocked === this) this.client.blocked = null;
    this.bk.sendOp(this.shard, this.client.id, OP_CANCEL, mode);
  }
}

interface ShardGroup {
  shard: number;
  waitKeys: string[];
  lockKeys: string[];
}

/** Client-thread side of a multi-shard wait: the coordinator of its claims. */
class MultiWait implements BlockedWait {
  private readonly bk: Blocking;
  private readonly client: Client;
  private readonly cmd: BlockingCommand;
  private readonly info: WaitInfo;
  readonly token: number;
  private readonly groups: ShardGroup[];
  private readonly waitKeys: string[];
  private readonly discard: boolean;
  private readonly deadline: number;
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** A retry is running; `again`: a notification came meanwhile; `ending`: an end is due after it. */
  private busy = false;
  private again = false;
  private ending = -1;
  private done = false;

  constructor(bk: Blocking, client: Client, cmd: BlockingCommand, info: WaitInfo, token: number, groups: ShardGroup[], waitKeys: string[], deadline: number, discard: boolean) {
    this.bk = bk;
    this.client = client;
    this.cmd = cmd;
    this.info = info;
    this.token = token;
    this.groups = groups;
    this.waitKeys = waitKeys;
    this.deadline = deadline;
    this.discard = discard;
  }

  /** Registered everywhere: wait (and take what came during registration: a disconnect, notifications). */
  begin(): void {
    this.busy = false;
    if (this.client.closed || this.ending === MODE_DROP) {
      this.finish(null, null);
      return;
    }
    this.client.blocked = this;
    if (this.deadline > 0) this.arm();
    if (this.again) this.notify();
  }

  /** The registration is under way (notifications are remembered). */
  registering(): void {
    this.busy = true;
    this.bk.multiWaits.set(this.client.id, this);
  }

  private arm(): void {
    const ms = Math.min(Math.max(this.deadline - Date.now(), 0), MAX_TIMER);
    this.timer = setTimeout(this.onTimer, ms);
  }

  private readonly onTimer = (): void => {
    this.timer = null;
    if (this.done) return;
    if (Date.now() < this.deadline) {
      this.arm();
      return;
    }
    this.end(MODE_TIMEOUT);
    this.bk.thread.endBatch();
  };

  unblock(error: boolean): void {
    this.end(error ? MODE_ERROR : MODE_TIMEOUT);
  }

  drop(): void {
    this.end(MODE_DROP);
  }

  notify(): void {
    if (this.done) return;
    if (this.busy) {
      this.again = true;
      return;
    }
    void this.retry();
  }

  private end(mode: number): void {
    if (this.done) return;
    if (this.busy) {
      if (this.ending < 0 || mode === MODE_DROP) this.ending = mode;
      return;
    }
    this.finish(mode === MODE_DROP ? null : mode === MODE_ERROR ? UNBLOCKED : '', null);
  }

  /**
   * The wait is over: drop the registrations (before any lock the caller holds
   * goes), then reply: `error` an error text, '' the timeout reply, null none;
   * or the reply bytes.
   */
  private finish(error: string | null, reply: Buffer | null): void {
    this.done = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (this.bk.multiWaits.get(this.client.id) === this) this.bk.multiWaits.delete(this.client.id);
    for (const g of this.groups) if (g.waitKeys.length > 0) this.bk.sendOp(g.shard, this.client.id, OP_UNREG, this.token);
    if (this.client.blocked === this) this.client.blocked = null;
    const cl = this.client;
    if (cl.closed) return;
    if (reply === null && error === null) return;
    if (!this.discard) {
      const out = this.bk.out;
      out.resp = cl.resp;
      out.len = 0;
      if (reply !== null) out.raw(reply);
      else if (error === '') out.nullArray();
      else out.error(error!);
      this.bk.deliverLocal(cl, out.take());
    }
    this.bk.scheduleResume(cl);
  }

  /** A key was signalled: claim under the locks, or stay registered. */
  private async retry(): Promise<void> {
    this.busy = true;
    try {
      for (;;) {
        this.again = false;
        let reply: Buffer | string | null = null;
        await withTxn(this.client, async (t) => {
          reply = await attempt(t, this.client, this.cmd, this.info, this.groups, this.waitKeys, this.token, true);
          // Served: the registrations go while the keys are still locked.
          if (reply !== null) this.finishServed(reply);
        });
        if (this.done) return;
        if (this.ending >= 0) {
          const mode = this.ending;
          this.busy = false;
          this.end(mode);
          return;
        }
        if (this.deadline > 0 && Date.now() >= this.deadline) {
          this.busy = false;
          this.end(MODE_TIMEOUT);
          return;
        }
        if (!this.again) break;
      }
    } catch (e) {
      // Only a bug gets here: the wait stays registered and the next notification retries.
      this.bk.thread.log?.warning(`blocking: claim of client ${this.client.id} failed: ${String((e as Error)?.stack ?? e)}`);
    }
    this.busy = false;
    this.bk.thread.endBatch();
  }

  private finishServed(reply: Buffer | string): void {
    if (typeof reply === 'string') {
      this.finish(reply, null);
      return;
    }
    this.finish(null, reply);
  }
}

/**
 * One try of a multi-shard wait inside transaction t: lock every key (shards
 * ascending), probe the wait keys (re-arming the registrations on a retry),
 * then serve from the first ready key in argument order. A key of another type
 * is WRONGTYPE on the first try (as the command would answer) and skipped
 * later. Returns the reply (bytes, or an error text), or null: nothing to serve.
 */
async function attempt(t: CrossShardTxn, client: Client, cmd: BlockingCommand, info: WaitInfo, groups: ShardGroup[], waitKeys: string[], token: number, retry: boolean): Promise<Buffer | string | null> {
  const status = new Map<string, number>();
  for (const g of groups) {
    const cmds = g.waitKeys.length > 0 ? [['__blk_probe', cmd.name, retry ? '1' : '0', String(token), String(client.id), ...g.waitKeys]] : [];
    const r = await t.step(g.shard, cmds, g.lockKeys);
    if (cmds.length === 0) continue;
    const el = arrayElements(r[0]);
    for (let i = 0; i < g.waitKeys.length; i++) status.set(g.waitKeys[i], intValue(el[i]));
  }
  const n = client.thread.threads;
  for (const key of waitKeys) {
    const st = status.get(key);
    if (st === 2) {
      if (!retry) return WRONGTYPE;
      continue;
    }
    if (st !== 1) continue;
    if (cmd.crossServe !== undefined) return cmd.crossServe(t, client, info, key);
    const [r] = await t.step(keyShard(key, n), [['__blk_serve', cmd.name, key, ...info.argv]], null);
    return r;
  }
  return null;
}

/**
 * The cross handler of a blocking command whose keys span shards (arguments
 * already checked): serve now from the first key that can, or block.
 * waitKeys: keys to wait on, in argument order; lockKeys: every key the serve
 * may touch (waitKeys plus e.g. BLMOVE's destination); nonBlocking: the reply
 * when it may not block (inside EXEC, scripts).
 */
export async function blockAcrossShards(
  client: Client,
  argv: string[],
  cmd: BlockingCommand,
  o: { waitKeys: string[]; lockKeys: string[]; deadline: number; state: unknown; nonBlocking: (out: ReplyWriter) => void },
): Promise<void> {
  const thread = client.thread;
  const bk = thread.blocking;
  const n = thread.threads;
  const waitKeys = [...new Set(o.waitKeys)];
  const by = new Map<number, ShardGroup>();
  const group = (key: string): ShardGroup => {
    const s = keyShard(key, n);
    let g = by.get(s);
    if (g === undefined) by.set(s, (g = { shard: s, waitKeys: [], lockKeys: [] }));
    return g;
  };
  for (const k of waitKeys) group(k).waitKeys.push(k);
  for (const k of new Set(o.lockKeys)) group(k).lockKeys.push(k);
  const groups = [...by.values()].sort((a, b) => a.shard - b.shard);
  const info: WaitInfo = { argv, state: o.state, db: client.db };
  const token = bk.nextToken();
  const mayBlock = client.txn === null && bk.denyBlocking === 0;
  const mw = new MultiWait(bk, client, cmd, info, token, groups, waitKeys, o.deadline, client.discardingReply);
  let registered = false;
  const reply = await withTxn(client, async (t) => {
    const r = await attempt(t, client, cmd, info, groups, waitKeys, token, false);
    if (r !== null || !mayBlock) return r;
    mw.registering();
    for (const g of groups) {
      if (g.waitKeys.length === 0) continue;
      await t.step(g.shard, [['__blk_reg', cmd.name, String(token), String(thread.index), String(client.id), ...g.waitKeys]], null);
    }
    registered = true;
    return null;
  });
  const out = client.out();
  if (typeof reply === 'string') out.error(reply);
  else if (reply !== null) out.raw(reply);
  else if (!registered) o.nonBlocking(out);
  else mw.begin();
  if (!registered && bk.multiWaits.get(client.id) === mw) bk.multiWaits.delete(client.id);
}

/** The blocking state of one thread: its shard's waiters, and its clients' multi-shard waits. */
export class Blocking {
  readonly thread: ShardThread;
  /** Replies of served / timed-out waits are built here. */
  readonly out = new ReplyWriter();
  private readonly ctx: ExecContext;
  /** Per db: key -> waiters in arrival order. */
  private readonly byKey: (Map<string, Waiter[]> | undefined)[] = [];
  private readonly byClient = new Map<number, Waiter>();
  /** Waiters registered on this shard. */
  private count = 0;
  private ready: ReadyKey[] = [];
  private readonly readySet = new Set<string>();
  private serving = false;
  /** This thread's clients' multi-shard waits, by client id. */
  readonly multiWaits = new Map<number, MultiWait>();
  private tokenSeq = 0;
  private resumeQueue: Client[] = [];
  private resumeScheduled = false;
  private notifyQueue: [number, number][] = [];
  private notifyScheduled = false;

  /** Set by the shard thread while a command from another thread's client runs (who would block). */
  originThread = -1;
  originCtx: ExecContext | null = null;
  originClient = 0;
  originDiscard = false;
  /** Set when that command blocked: no reply now. */
  deferred = false;
  /** > 0 while commands run that must not block (scripts). */
  denyBlocking = 0;

  constructor(thread: ShardThread) {
    this.thread = thread;
    this.out.errors = thread.stats;
    this.ctx = { ks: thread.ks, db: 0, out: this.out, thread, client: null };
  }

  /** Ready keys wait to be served (cheap check for the hot path). */
  get pending(): boolean {
    return this.ready.length !== 0;
  }

  /** Clients blocked on this shard (waiters registered here). */
  get waiters(): number {
    return this.count;
  }

  nextToken(): number {
    this.tokenSeq = (this.tokenSeq + 1) & 0xfffffff;
    if (this.tokenSeq === 0) this.tokenSeq = 1;
    return this.tokenSeq;
  }

  // ---- registration --------------------------------------------------------------

  blockHere(c: ExecContext, cmd: BlockingCommand, argv: string[], keys: string[], extraKeys: string[] | null, deadline: number, state: unknown): void {
    let from: number;
    let clientId: number;
    let client: Client | null = null;
    let discard: boolean;
    if (c.client !== null) {
      client = c.client;
      from = this.thread.index;
      clientId = client.id;
      discard = client.discardingReply;
    } else {
      from = this.originThread;
      clientId = this.originClient;
      discard = this.originDiscard;
      this.deferred = true;
    }
    const w = new Waiter(this, cmd, argv, state, c.db, dedupe(keys), extraKeys, from, clientId, client, c.out.resp, discard, false, 0, deadline);
    this.register(w);
    if (deadline > 0) this.armTimer(w);
    if (client !== null) client.blocked = w;
    else this.sendOp(from, clientId, OP_BLOCKED, 0);
  }

  private register(w: Waiter): void {
    const old = this.byClient.get(w.clientId);
    if (old !== undefined) this.remove(old);
    let m = this.byKey[w.db];
    if (m === undefined) m = this.byKey[w.db] = new Map();
    for (const k of w.keys) {
      const q = m.get(k);
      if (q === undefined) m.set(k, [w]);
      else q.push(w);
    }
    this.byClient.set(w.clientId, w);
    if (this.count++ === 0) {
      this.thread.ks.onTypedWrite = this.onTypedWrite;
      this.thread.ks.onSwapDb = this.onSwapDb;
    }
  }

  private remove(w: Waiter): void {
    if (w.removed) return;
    w.removed = true;
    if (w.timer !== null) {
      clearTimeout(w.timer);
      w.timer = null;
    }
    const m = this.byKey[w.db];
    if (m !== undefined) {
      for (const k of w.keys) {
        const q = m.get(k);
        if (q === undefined) continue;
        const i = q.indexOf(w);
        if (i >= 0) q.splice(i, 1);
        if (q.length === 0) m.delete(k);
      }
    }
    if (this.byClient.get(w.clientId) === w) this.byClient.delete(w.clientId);
    if (--this.count === 0) {
      this.thread.ks.onTypedWrite = null;
      this.thread.ks.onSwapDb = null;
    }
  }

  private armTimer(w: Waiter): void {
    const ms = Math.min(Math.max(w.deadline - Date.now(), 0), MAX_TIMER);
    w.timer = setTimeout(this.onTimer, ms, w);
  }

  private readonly onTimer = (w: Waiter): void => {
    w.timer = null;
    if (w.removed) return;
    if (Date.now() < w.deadline) {
      this.armTimer(w);
      return;
    }
    this.cancel(w, MODE_TIMEOUT);
    this.thread.endBatch();
  };

  /** End a single-shard wait here without serving it (timeout, CLIENT UNBLOCK, disconnect). */
  cancel(w: Waiter, mode: number): void {
    if (w.removed) return;
    this.remove(w);
    if (mode === MODE_DROP) return;
    const out = this.out;
    out.resp = w.resp;
    out.len = 0;
    if (mode === MODE_ERROR) out.error(UNBLOCKED);
    else out.nullArray();
    this.deliver(w);
  }

  // ---- readiness and serving ---------------------------------------------------

  private readonly onTypedWrite = (db: number, key: string): void => {
    this.signal(db, key);
  };

  private readonly onSwapDb = (a: number, b: number): void => {
    // The waiters stay in their db (as in Redis): keys that now exist there may serve them.
    for (const db of [a, b]) {
      const m = this.byKey[db];
      if (m !== undefined) for (const k of m.keys()) this.signal(db, k);
    }
  };

  signal(db: number, key: string): void {
    if (this.count === 0) return;
    const m = this.byKey[db];
    if (m === undefined || !m.has(key)) return;
    const id = db + '\0' + key;
    if (this.readySet.has(id)) return;
    this.readySet.add(id);
    this.ready.push({ db, key, id });
  }

  /** Serve the waiters of the keys signalled ready (Redis's handleClientsBlockedOnKeys). */
  serveReady(): void {
    if (this.ready.length === 0 || this.serving) return;
    this.serving = true;
    const ks = this.thread.ks;
    ks.now = Date.now();
    let later: ReadyKey[] | null = null;
    try {
      while (this.ready.length !== 0) {
        const list = this.ready;
        this.ready = [];
        for (const r of list) {
          this.readySet.delete(r.id);
          if (!this.serveKey(r.db, r.key)) (later ??= []).push(r);
        }
      }
    } finally {
      this.serving = false;
    }
    // Keys a transaction holds locked: served when the lock goes (unlock calls serveReady).
    if (later !== null) {
      for (const r of later) {
        if (this.readySet.has(r.id)) continue;
        this.readySet.add(r.id);
        this.ready.push(r);
      }
    }
    if (this.thread.threads > 1) this.thread.channels.kick();
  }

  /** Serve key's waiters in order; false when it must wait for a lock. */
  private serveKey(db: number, key: string): boolean {
    const m = this.byKey[db];
    const q = m === undefined ? undefined : m.get(key);
    if (q === undefined) return true;
    const locks = this.thread.locks;
    if (locks.active !== 0 && !locks.canUseKey(key)) return false;
    const ks = this.thread.ks;
    if (ks.get(db, key) === undefined) return true;
    const ctx = this.ctx;
    const out = this.out;
    const snapshot = q.slice();
    for (const w of snapshot) {
      if (w.removed) continue;
      ctx.db = w.db;
      if (w.coordinated) {
        // Its client's thread claims it; the queue waits behind it (FIFO).
        if (w.notified) return true;
        out.resp = w.resp;
        if (w.cmd.probe(ctx, key) !== 1) continue;
        w.notified = true;
        this.notify(w);
        return true;
      }
      if (w.extraKeys !== null && locks.active !== 0 && !locks.canUse(0, w.extraKeys, false)) return false;
      out.resp = w.resp;
      out.len = 0;
      const r = w.cmd.serve(ctx, w, key);
      if (r === NOT_SERVED) {
        out.len = 0;
        continue;
      }
      ks.changes++;
      if (r === SERVED) this.touchWatched(w.db, key, w.extraKeys);
      this.remove(w);
      this.deliver(w);
      if (ks.get(db, key) === undefined) break;
    }
    return true;
  }

  private touchWatched(db: number, key: string, extra: string[] | null): void {
    const watch = this.thread.watch;
    if (watch.active === 0) return;
    watch.touch(db, key);
    if (extra !== null) for (const k of extra) watch.touch(db, k);
  }

  /** Hand the reply in this.out to waiter w's client (w is already removed). */
  private deliver(w: Waiter): void {
    const out = this.out;
    if (w.client !== null) {
      const cl = w.client;
      if (!cl.closed) {
        if (!w.discard) this.deliverLocal(cl, out.take());
        if (cl.blocked === w) cl.blocked = null;
        this.scheduleResume(cl);
      }
      out.len = 0;
      return;
    }
    this.thread.channels.sendBytes(w.from, K_BLOCK, 0, 0, w.clientId, OP_REPLY, out.buf, 0, w.discard ? 0 : out.len);
    out.len = 0;
  }

  /** Reply bytes for a blocked client of this thread (its earlier output goes first). */
  deliverLocal(cl: Client, bytes: Buffer): void {
    this.thread.sealIfOwner(cl);
    this.thread.stats.netOutput += bytes.length;
    cl.write(bytes);
  }

  /** The client's later commands run on a later turn (Redis's processUnblockedClients). */
  scheduleResume(cl: Client): void {
    this.resumeQueue.push(cl);
    if (this.resumeScheduled) return;
    this.resumeScheduled = true;
    setImmediate(this.runResumes);
  }

  private readonly runResumes = (): void => {
    this.resumeScheduled = false;
    const q = this.resumeQueue;
    this.resumeQueue = [];
    for (const cl of q) cl.blockEnded();
    this.thread.endBatch();
  };

  // ---- multi-shard waits: shard side -------------------------------------------------

  private notify(w: Waiter): void {
    if (w.from === this.thread.index) {
      // Never start the claim inside the current command or step: next turn.
      this.notifyQueue.push([w.clientId, w.token]);
      if (!this.notifyScheduled) {
        this.notifyScheduled = true;
        setImmediate(this.runNotifies);
      }
      return;
    }
    this.thread.channels.sendBytes(w.from, K_BLOCK, 0, 0, w.clientId, OP_NOTIFY | (w.token << 4), EMPTY, 0, 0);
  }

  private readonly runNotifies = (): void => {
    this.notifyScheduled = false;
    const q = this.notifyQueue;
    this.notifyQueue = [];
    for (const [id, token] of q) this.onNotify(id, token);
    this.thread.endBatch();
  };

  private onNotify(clientId: number, token: number): void {
    const mw = this.multiWaits.get(clientId);
    if (mw !== undefined && mw.token === token) mw.notify();
  }

  /** __blk_reg: a coordinated waiter of another (or this) thread's client. */
  registerCoordinated(cmd: BlockingCommand, db: number, token: number, from: number, clientId: number, keys: string[]): void {
    const w = new Waiter(this, cmd, [], null, db, dedupe(keys), null, from, clientId, null, 2, false, true, token, 0);
    this.register(w);
  }

  /** __blk_probe: key states for a multi-shard try; on a retry the registration is armed again. */
  probe(c: ExecContext, cmd: BlockingCommand, arm: boolean, token: number, clientId: number, keys: string[]): void {
    if (arm) {
      const w = this.byClient.get(clientId);
      if (w !== undefined && w.coordinated && w.token === token) w.notified = false;
    }
    c.out.array(keys.length);
    for (const k of keys) c.out.int(cmd.probe(c, k));
  }

  private unregister(clientId: number, token: number): void {
    const w = this.byClient.get(clientId);
    if (w === undefined || !w.coordinated || w.token !== token) return;
    this.remove(w);
    // Keys held for it serve the next in line.
    for (const k of w.keys) this.signal(w.db, k);
  }

  // ---- frames ------------------------------------------------------------------------

  sendOp(to: number, clientId: number, op: number, arg: number): void {
    if (to === this.thread.index) {
      this.handleOp(to, clientId, op, arg, EMPTY, 0, 0);
      return;
    }
    this.thread.channels.sendBytes(to, K_BLOCK, 0, 0, clientId, op | (arg << 4), EMPTY, 0, 0);
    this.thread.channels.kick();
  }

  /** A K_BLOCK frame from thread `from`. */
  onFrame(from: number, id: number, aux: number, payload: Buffer, start: number, end: number): void {
    this.handleOp(from, id, aux & 15, aux >>> 4, payload, start, end);
  }

  private handleOp(from: number, id: number, op: number, arg: number, payload: Buffer, start: number, end: number): void {
    switch (op) {
      case OP_BLOCKED: {
        const cl = this.thread.clients.get(id);
        if (cl === undefined || cl.closed) {
          this.sendOp(from, id, OP_CANCEL, MODE_DROP);
          return;
        }
        cl.blocked = new RemoteWait(this, cl, from);
        // The client now waits: the replies before its blocking command go out.
        this.thread.sealIfOwner(cl);
        cl.flushHeld();
        return;
      }
      case OP_REPLY: {
        const cl = this.thread.clients.get(id);
        if (cl === undefined) return;
        if (cl.blocked instanceof RemoteWait) cl.blocked = null;
        cl.remoteReply(payload, start, end, 1);
        return;
      }
      case OP_CANCEL: {
        const w = this.byClient.get(id);
        if (w !== undefined && !w.coordinated && w.from === from) this.cancel(w, arg);
        return;
      }
      case OP_NOTIFY:
        this.onNotify(id, arg);
        return;
      case OP_UNREG:
        this.unregister(id, arg);
        this.serveReady();
        return;
    }
  }
}

const EMPTY = Buffer.alloc(0);

function dedupe(keys: string[]): string[] {
  if (keys.length < 2) return keys;
  return [...new Set(keys)];
}

function cmdByName(name: string): BlockingCommand | undefined {
  return commands.get(name);
}

// ---- internal steps of multi-shard waits ----------------------------------------------

const INTERNAL = { group: 'internal', summary: 'internal: blocking commands across shards', since: '7.0.0' };

export const blockingCommands: CommandSpec[] = [
  // __blk_probe <cmd> <arm 0|1> <token> <client id> <key>...: per key 0 nothing, 1 can serve, 2 another type.
  def('__blk_probe', {
    ...INTERNAL,
    arity: -6,
    handler(c, argv) {
      const cmd = cmdByName(argv[1]);
      if (cmd === undefined) return c.out.error('ERR unknown blocking command');
      c.thread.blocking.probe(c, cmd, argv[2] === '1', Number(argv[3]), Number(argv[4]), argv.slice(5));
    },
  }),
  // __blk_reg <cmd> <token> <thread> <client id> <key>...: register a coordinated waiter.
  def('__blk_reg', {
    ...INTERNAL,
    arity: -6,
    handler(c, argv) {
      const cmd = cmdByName(argv[1]);
      if (cmd === undefined) return c.out.error('ERR unknown blocking command');
      c.thread.blocking.registerCoordinated(cmd, c.db, Number(argv[2]), Number(argv[3]), Number(argv[4]), argv.slice(5));
      c.out.ok();
    },
  }),
  // __blk_serve <cmd> <key> <original argv...>: serve the waiter from key (locked, probed ready).
  def('__blk_serve', {
    ...INTERNAL,
    arity: -4,
    flags: ['write'],
    handler(c, argv) {
      const cmd = cmdByName(argv[1]);
      if (cmd === undefined) return c.out.error('ERR unknown blocking command');
      const key = argv[2];
      const orig = argv.slice(3);
      const r = cmd.serve(c, { argv: orig, state: cmd.prepare(orig), db: c.db }, key);
      if (r === NOT_SERVED) c.out.nullArray();
      else if (r === SERVED && c.thread.watch.active !== 0) c.thread.watch.touch(c.db, key);
    },
  }),
];
