// Running one script: the bridge between the Lua engine's redis.call() and
// the command table, and the rules that keep a script atomic across shards.
//
// Where a script runs (see scripting_family.ts): on the shard that owns all
// its declared keys, or, with no keys, on the client's thread; a script whose
// keys span shards runs on the client's thread after locking its keys on
// every shard (ascending shard order); a script that needs the global lock
// runs on its coordinator's thread while that transaction holds every shard.
//
// Each redis.call() is routed like a client command:
//  - keys on this thread's shard: the handler runs here, at once;
//  - keys on another shard: a step of the script's transaction runs there
//    and this thread waits synchronously for the reply (ShardThread.stepSync),
//    serving other transactions' steps meanwhile;
//  - one command whose keys span shards (DEL, UNLINK, EXISTS, TOUCH, MGET,
//    MSET) is split per shard and the replies merged; keyspace-wide commands
//    (DBSIZE, KEYS, FLUSHDB, FLUSHALL, RANDOMKEY) run on every shard.
//
// Isolation: keys a script declares are locked before it runs (or owned by
// the thread running it). An undeclared key of this thread's shard that no
// other transaction holds is locked when touched. Any other undeclared
// access (a key on another shard, a key another transaction holds, a
// keyspace-wide command) needs the global lock: while the script has not
// written anything it escalates. It is stopped at once (ST_ABORT: the native
// side raises an error no pcall can catch), its identity is recorded in the
// shared GlobalScripts set, and its caller runs it again while holding every
// shard (RETRY_GLOBAL); later runs take the global lock from the start.
//
// A script cannot escalate once it wrote (nor inside MULTI/EXEC, whose block
// already holds every shard when it contains a script). Then an undeclared
// key is try-locked instead, never waited for: the transaction holding it
// may need this very thread (its coordinator's event loop, blocked while the
// script runs) to finish. When another transaction holds it past
// LOCK_RETRY_MS the script fails with Redis Cluster's error for a key it may
// not access. The script's own shard's keys are entered in the lock table
// before its first wait, so the steps served while it waits cannot touch
// them. A thread that waits serves other threads' steps, and a step a script
// waits for never waits for a lock, so waiting threads never deadlock.

import { performance } from 'node:perf_hooks';
import type { ShardThread } from '../shards/shard_thread.ts';
import type { CommandSpec, ExecContext } from '../commands/types.ts';
import type { StepLock } from '../router/txn.ts';
import { lookupCommand, keysOf, arityOk } from '../commands/table.ts';
import { keyShard, keyHashSlot } from '../router/slot.ts';
import { ReplyWriter, errorCode } from '../proto/reply_writer.ts';
import { arrayElements, intValue, isError } from '../proto/reply_reader.ts';
import { parseI64 } from '../proto/number_format.ts';
import { scriptResult, callReply, replyInfo, REPLY_TOP_COUNTED, packRunArgs, type ScriptingThread } from './engine.ts';
import type { ScriptControl } from './shared.ts';
import { GlobalScripts } from './global_scripts.ts';

/** Redis Cluster's error for a key a script may not reach (also used for a key held by another transaction). */
export const NON_LOCAL = 'Script attempted to access a non local key in a cluster node';
/** runScript's result when the script stopped to run again under the global lock (nothing was written). */
export const RETRY_GLOBAL = '\u0000retry under the global lock';
/**
 * Leads runScript's error text when the error was counted where it came
 * from (a redis.call's error reply the script passed on, a call refused):
 * the reply is written uncounted (Redis's ERR_REPLY_FLAG_NO_STATS_UPDATE).
 */
export const COUNTED_ERROR = '\u0001';

export interface RunOptions {
  /** 0 EVAL (name = sha), 1 FCALL (name = function name, ref = compiled function). */
  mode: 0 | 1;
  name: string;
  ref: number;
  /** The declared keys; the script's arguments are the rest of argv after them. */
  keys: string[];
  db: number;
  /** The caller's protocol (the script's reply is written for it). */
  resp: 2 | 3;
  readOnly: boolean;
  /** Lock owner of the caller's transaction when it locked the declared keys (0: none). */
  owner: number;
  /** Shards where that transaction holds locks. */
  held: number[];
  /** That transaction holds every shard entirely (the global lock). */
  global: boolean;
  /** The command (FUNCTION STATS shows it while a function is busy). */
  argv: string[];
}

const NOSCRIPT_FLAG = 1;
/** How long one redis.call waits (serving other threads) for a key another transaction holds. */
const LOCK_RETRY_MS = 20;
const flagCache = new WeakMap<CommandSpec, number>();

function specFlags(spec: CommandSpec): number {
  let f = flagCache.get(spec);
  if (f === undefined) {
    f = spec.flags.includes('noscript') ? NOSCRIPT_FLAG : 0;
    flagCache.set(spec, f);
  }
  return f;
}

let active: ScriptRun | null = null;

/** The script running on this thread (redis.call's context), or null. */
export function currentRun(): ScriptRun | null {
  return active;
}

/** A command's reply for the engine: its length in the engine's reply buffer (callReply), or its bytes. */
type Reply = number | Buffer;

export class ScriptRun {
  private readonly S: ScriptingThread;
  private readonly thread: ShardThread;
  private readonly out = new ReplyWriter();
  private readonly ctx: ExecContext;
  private db = 0;
  private readOnly = false;
  private name = '';
  private argv: string[] = [];
  /** Owner id of the script's locks (0 until it needs any). */
  private owner = 0;
  /** The caller's transaction owns `owner` (its locks are released by the caller). */
  private callerOwner = false;
  private callerHeld: number[] = [];
  /** The caller holds the global lock: every key is usable. */
  private global = false;
  /** The keys the script declared (locked by the caller, or owned by this thread). */
  private declared: string[] = [];
  /** Hash slots of the declared keys (computed when an undeclared key is first touched). */
  private declaredSlots: Set<number> | null = null;
  /** Identity in the GlobalScripts set. */
  private identity = '';
  /** The script stopped to run again under the global lock. */
  private escalated = false;
  /** The command being called is a write. */
  private writing = false;
  /** A write command of the script has run (it can no longer escalate). */
  private wrote = false;
  /** Inside a step of another transaction (a script in MULTI/EXEC): its owner. */
  private stepOwner = 0;
  /** Shards other than this one where the script took locks of its own. */
  private readonly lockedRemote = new Set<number>();
  /** This shard's keys the script touched before its first wait (null once they are in the lock table). */
  private localKeys: string[] | null = [];
  /** The script has locks on this shard in the lock table. */
  private localLocked = false;
  /** When the current command stops waiting for keys other transactions hold (0: not waiting). */
  private retryDeadline = 0;
  /** The last command name called that has no subcommands, its spec and specFlags (see call()). */
  private lastName = '';
  private lastSpec: CommandSpec | null = null;
  private lastFlags = 0;
  /** The command being called is counted as it runs (false while the parts of a split one run: it is counted once, after them). */
  private counting = true;

  constructor(S: ScriptingThread) {
    this.S = S;
    this.thread = S.thread;
    this.ctx = { ks: S.thread.ks, db: 0, out: this.out, thread: S.thread, client: null };
    // The commands' error replies are counted (INFO errorstats) as they are written, as Redis does.
    this.out.errors = S.thread.stats;
  }

  private begin(o: RunOptions): void {
    this.db = o.db;
    this.readOnly = o.readOnly;
    this.name = o.name;
    this.argv = o.argv;
    this.owner = o.owner;
    this.callerOwner = o.owner !== 0;
    this.callerHeld = o.held;
    this.global = o.global;
    this.declared = o.keys;
    this.declaredSlots = null;
    this.identity = o.mode === 0 ? GlobalScripts.evalId(o.name) : GlobalScripts.functionId(o.name);
    this.escalated = false;
    this.wrote = false;
    this.stepOwner = this.thread.stepOwner;
    if (this.lockedRemote.size !== 0) this.lockedRemote.clear();
    this.localLocked = false;
    this.localKeys = [];
    if (o.owner === 0) for (const k of o.keys) this.localKeys.push(k);
  }

  /** Release the locks the script took itself. */
  private finish(): void {
    const t = this.thread;
    if (this.owner === 0) return;
    for (const s of this.lockedRemote) if (!this.callerHeld.includes(s)) t.sendTxnUnlock(this.owner, s);
    if (this.localLocked && !this.callerHeld.includes(t.index)) t.unlockFromHandler(this.owner);
    if (this.lockedRemote.size !== 0) t.channels.kick();
  }

  /** The script passed busy-reply-threshold: publish what FUNCTION STATS shows. */
  becameBusy(ctl: ScriptControl): void {
    ctl.setInfo(this.name, this.argv);
  }

  run(o: RunOptions, busyMs: number): ScriptResult {
    this.begin(o);
    const S = this.S;
    active = this;
    try {
      // The engine marks the script running (state word, start time) around the Lua call.
      const from = 3 + o.keys.length;
      const packed = packRunArgs(o.keys, o.argv, from);
      const r = packed ? S.lua.run(o.mode, o.name, o.ref, null, null, o.resp, busyMs) : S.lua.run(o.mode, o.name, o.ref, o.keys, o.argv.slice(from), o.resp, busyMs);
      if (this.escalated) return RETRY_GLOBAL;
      return replyInfo[0] === 0 ? r : this.countedElsewhere(r, replyInfo[0]);
    } finally {
      active = null;
      this.finish();
    }
  }

  /**
   * The script's reply holds an error counted already (REPLY_*): the script
   * failed all the same; an error reply is returned as COUNTED_ERROR text
   * so that it is written without being counted again.
   */
  private countedElsewhere(r: number | Buffer | string, flags: number): ScriptResult {
    this.thread.stats.countFailure();
    if ((flags & REPLY_TOP_COUNTED) === 0) return r;
    if (typeof r === 'string') return COUNTED_ERROR + r;
    const b = resultBytes(r);
    return COUNTED_ERROR + b.latin1Slice(1, b.length - 2);
  }

  // ---- redis.call ------------------------------------------------------------------

  /** A redis.call / pcall (mode 0) or acl_check_cmd (mode 1): RESP reply bytes, or a script error text. */
  call(argv: string[], resp: number, mode: number): Reply | string | boolean {
    // Scripts repeat the same calls: the last name's command is compared before the table is hashed.
    let spec: CommandSpec | undefined;
    let flags = 0;
    if (argv[0] === this.lastName) {
      spec = this.lastSpec!;
      flags = this.lastFlags;
    } else {
      spec = lookupCommand(argv[0]);
      const cacheable = spec !== undefined && spec.subcommands === undefined;
      if (spec !== undefined && spec.subcommands !== undefined && argv.length >= 2) spec = spec.subcommands.get(argv[1].toLowerCase());
      if (spec !== undefined) flags = specFlags(spec);
      if (cacheable) {
        this.lastName = argv[0];
        this.lastSpec = spec!;
        this.lastFlags = flags;
      }
    }
    if (mode === 1) return spec !== undefined ? true : 'unknown command';
    if (spec === undefined) return this.refuse(null, 'Unknown Redis command called from script');
    if (!arityOk(spec, argv)) return this.refuse(spec, 'Wrong number of args calling Redis command from script');
    if ((flags & NOSCRIPT_FLAG) !== 0) return this.refuse(spec, 'This Redis command is not allowed from script');
    this.writing = spec.write === true;
    if (this.writing) {
      if (this.readOnly) return this.refuse(spec, 'Write commands are not allowed from read-only scripts.');
      if (!this.S.ctl.markDirty()) return this.refuse(null, 'Script killed by user with SCRIPT KILL...');
    }
    this.out.resp = resp === 3 ? 3 : 2;
    this.retryDeadline = 0;
    this.counting = true;
    let r: Reply | string;
    try {
      if (spec.name === 'select') r = this.select(spec, argv);
      else if (spec.route === 'keys') r = this.keyed(spec, argv);
      else if (spec.route === 'all') r = this.everyShard(spec, argv);
      else r = this.runHere(spec, argv);
    } catch (e) {
      return this.refuse(null, 'internal error: ' + String((e as Error)?.message ?? e));
    }
    // A key the script may not reach: refused as Redis Cluster refuses it (unless the script stops to run again).
    return typeof r === 'string' && !this.escalated ? this.refuse(spec, r) : r;
  }

  /**
   * A call refused before it ran (the engine raises or returns the text as
   * an error counted already): counted as Redis's scriptCall counts it, in
   * INFO errorstats and the command's rejected_calls, not as the script's
   * failure.
   */
  private refuse(spec: CommandSpec | null, msg: string): string {
    const st = this.thread.stats;
    const before = st.failures;
    st.countError(msg.charCodeAt(0) === 45 /* - */ ? errorCode(msg.slice(1)) : 'ERR');
    st.failures = before;
    if (spec !== null) st.cmd(spec.id!).rejected++;
    return msg;
  }

  /** A command that ran elsewhere or in parts (another shard, split over shards), counted once here. */
  private countHere(spec: CommandSpec, argv: string[], t0: number, reply: Buffer): void {
    this.thread.countCall(spec, argv, null, (performance.now() - t0) * 1000, isError(reply));
  }

  /**
   * The reply in `out`: its length while it is in the engine's reply buffer
   * (the engine reads it there, no Buffer object to unwrap), else the bytes.
   */
  private reply(): Reply {
    const out = this.out;
    return out.buf === callReply ? out.len : out.buf.subarray(0, out.len);
  }

  /** A reply as bytes (a view of `out`'s buffer when it is there: copy before the next command). */
  private bytes(r: Reply): Buffer {
    return typeof r === 'number' ? this.out.buf.subarray(0, r) : r;
  }

  /** `out`, emptied, writing into the engine's reply buffer again. */
  private fresh(): ReplyWriter {
    const out = this.out;
    out.len = 0;
    out.buf = callReply;
    return out;
  }

  /** Run a command's handler on this thread for the script. */
  private runHere(spec: CommandSpec, argv: string[]): Reply {
    this.fresh();
    const ctx = this.ctx;
    ctx.db = this.db;
    if (this.writing) this.wrote = true;
    // Its error is its own failure (ShardThread.call takes it back), not the script's.
    this.thread.call(spec, argv, ctx, this.counting);
    return this.reply();
  }

  private select(spec: CommandSpec, argv: string[]): Reply {
    const t0 = performance.now();
    const n = parseI64(argv[1]);
    const out = this.fresh();
    const stats = this.thread.stats;
    const before = stats.failures;
    if (n === null || typeof n === 'bigint' || n < -2147483648 || n > 2147483647) out.error('ERR value is not an integer or out of range');
    else if (n < 0 || n >= this.thread.ks.dbs.length) out.error('ERR DB index is out of range');
    else {
      this.db = n;
      out.ok();
    }
    stats.failures = before;
    this.countHere(spec, argv, t0, out.buf);
    return this.reply();
  }

  private keyed(spec: CommandSpec, argv: string[]): Reply | string {
    const keys = keysOf(spec, argv);
    const n = this.thread.threads;
    if (n === 1 || keys.length === 0) return this.runLocal(spec, argv, keys);
    const shard = keyShard(keys[0], n);
    let multi = false;
    for (let i = 1; i < keys.length && !multi; i++) if (keyShard(keys[i], n) !== shard) multi = true;
    if (!multi && spec.crossIf !== undefined && spec.crossIf(argv, shard, n)) return this.canEscalate() ? this.escalate() : NON_LOCAL;
    if (multi) return this.split(spec, argv);
    return this.onShard(spec, argv, keys, shard);
  }

  /** Run a command whose keys all live on `shard`. */
  private onShard(spec: CommandSpec, argv: string[], keys: string[], shard: number): Reply | string {
    if (shard === this.thread.index) return this.runLocal(spec, argv, keys);
    if (this.canEscalate() && !(this.callerHeld.includes(shard) && this.covered(keys))) return this.escalate();
    return this.runRemote(spec, shard, argv, keys);
  }

  /**
   * Keys the script may use without the global lock: declared ones, and (as
   * Redis Cluster allows) undeclared ones in the hash slot of a declared key.
   */
  private covered(keys: string[]): boolean {
    for (const k of keys) {
      if (this.declared.includes(k)) continue;
      if (this.declaredSlots === null) this.declaredSlots = new Set(this.declared.map(keyHashSlot));
      if (!this.declaredSlots.has(keyHashSlot(k))) return false;
    }
    return true;
  }

  /** May the script still stop and run again under the global lock? */
  private canEscalate(): boolean {
    return !this.global && this.stepOwner === 0 && !this.escalated && this.thread.threads > 1 && !this.wrote;
  }

  /** Stop the script (it wrote nothing) so that its caller runs it again holding every shard. */
  private escalate(): string {
    this.escalated = true;
    this.S.globals.add(this.identity);
    this.S.ctl.abort();
    return 'ERR script aborted to run again under the global lock';
  }

  /** May the script use this shard's key now (nobody else's transaction holds it)? */
  private usableHere(keys: string[]): boolean {
    const locks = this.thread.locks;
    if (locks.active === 0) return true;
    for (const k of keys) {
      if (locks.canUse(this.owner, [k], false)) continue;
      if (this.stepOwner !== 0 && locks.canUse(this.stepOwner, [k], false)) continue;
      return false;
    }
    return true;
  }

  /**
   * Another transaction holds a key the script needs: let the other threads'
   * steps run here a moment and retry, for at most LOCK_RETRY_MS per command
   * (the holder may be a transaction of this very thread, which cannot go on
   * while the script runs).
   */
  private waitForLocks(): boolean {
    const now = performance.now();
    if (this.retryDeadline === 0) this.retryDeadline = now + LOCK_RETRY_MS;
    else if (now >= this.retryDeadline) return false;
    this.protect();
    this.thread.pauseSync(0.05);
    return true;
  }

  private runLocal(spec: CommandSpec, argv: string[], keys: string[]): Reply | string {
    if (keys.length !== 0) {
      if (this.canEscalate() && !this.covered(keys)) return this.escalate();
      while (!this.usableHere(keys)) {
        if (this.canEscalate()) return this.escalate();
        if (!this.waitForLocks()) return NON_LOCAL;
      }
      if (this.localKeys !== null) {
        if (this.thread.threads > 1) for (const k of keys) this.localKeys.push(k);
      } else {
        this.thread.locks.lock(this.owner, keys, false);
        this.localLocked = true;
      }
    }
    return this.runHere(spec, argv);
  }

  /** Before the first wait: an owner id, and this shard's touched keys in the lock table. */
  private protect(): void {
    if (this.owner === 0) this.owner = this.thread.newOwner();
    const keys = this.localKeys;
    if (keys === null) return;
    this.localKeys = null;
    if (keys.length !== 0) {
      this.thread.locks.lock(this.owner, keys, false);
      this.localLocked = true;
    }
  }

  /** Run argv on another shard (taking `lock` there): its reply, or null when the lock could not be had. */
  private step(shard: number, cmds: string[][], lock: StepLock): Buffer[] | null {
    this.protect();
    let owner = this.owner;
    let tryLock = false;
    if (this.stepOwner !== 0) {
      // Inside MULTI/EXEC: the block's transaction holds the declared keys; take nothing more.
      owner = this.stepOwner;
      lock = null;
    } else if (lock !== null) tryLock = true;
    let replies = this.thread.stepSync(owner, shard, this.out.resp, this.db, cmds, lock, tryLock);
    while (replies.length === 0 && cmds.length !== 0) {
      if (!this.waitForLocks()) return null;
      replies = this.thread.stepSync(owner, shard, this.out.resp, this.db, cmds, lock, tryLock);
    }
    if (lock !== null) this.lockedRemote.add(shard);
    if (this.writing) this.wrote = true;
    return replies;
  }

  private runRemote(spec: CommandSpec, shard: number, argv: string[], keys: string[]): Buffer | string {
    const t0 = performance.now();
    const r = this.step(shard, [argv], keys);
    if (r === null) return NON_LOCAL;
    // The shard ran it as a step of the script's transaction, uncounted there.
    if (this.counting) this.countHere(spec, argv, t0, r[0]);
    return r[0];
  }

  /** A command whose keys span shards: per-shard parts, merged as the single-shard command would reply. */
  private split(spec: CommandSpec, argv: string[]): Reply | string {
    const name = spec.name;
    const span = name === 'mset' ? 2 : 1;
    if (name !== 'del' && name !== 'unlink' && name !== 'exists' && name !== 'touch' && name !== 'mget' && name !== 'mset') return NON_LOCAL;
    if (name === 'mset' && (argv.length - 1) % 2 !== 0) return this.runHere(spec, argv);
    const n = this.thread.threads;
    const byShard = new Map<number, number[]>();
    for (let i = 1; i < argv.length; i += span) {
      const s = keyShard(argv[i], n);
      let l = byShard.get(s);
      if (l === undefined) byShard.set(s, (l = []));
      l.push(i);
    }
    const shards = [...byShard.keys()].sort((a, b) => a - b);
    // Escalate before any part runs (a first part may write).
    if (this.canEscalate()) {
      for (const s of shards) {
        const keys = byShard.get(s)!.map((p) => argv[p]);
        if (!this.covered(keys) || (s !== this.thread.index && !this.callerHeld.includes(s))) return this.escalate();
      }
    }
    const t0 = performance.now();
    this.counting = false;
    const parts: { positions: number[]; reply: Buffer }[] = [];
    for (const s of shards) {
      const positions = byShard.get(s)!;
      const sub = [argv[0]];
      const keys: string[] = [];
      for (const p of positions) {
        keys.push(argv[p]);
        for (let k = 0; k < span; k++) sub.push(argv[p + k]);
      }
      const r = this.onShard(spec, sub, keys, s);
      if (typeof r === 'string') return r;
      const b = this.bytes(r);
      if (isError(b)) return this.countedParts(spec, argv, t0, Buffer.from(b));
      parts.push({ positions, reply: Buffer.from(b) });
    }
    const out = this.fresh();
    if (name === 'mset') out.ok();
    else if (name === 'mget') {
      const elems = new Map<number, Buffer>();
      for (const p of parts) {
        const e = arrayElements(p.reply);
        for (let i = 0; i < p.positions.length; i++) elems.set(p.positions[i], e[i]);
      }
      out.array(argv.length - 1);
      for (let i = 1; i < argv.length; i++) out.raw(elems.get(i)!);
    } else {
      let sum = 0;
      for (const p of parts) sum += intValue(p.reply);
      out.int(sum);
    }
    this.countHere(spec, argv, t0, out.buf);
    return this.reply();
  }

  /** The reply of a command that ran in parts, counted once. */
  private countedParts(spec: CommandSpec, argv: string[], t0: number, reply: Buffer): Buffer {
    this.countHere(spec, argv, t0, reply);
    return reply;
  }

  /** Keyspace-wide commands: every shard under a whole-shard lock, replies merged. */
  private everyShard(spec: CommandSpec, argv: string[]): Reply | string {
    const t = this.thread;
    if (t.threads === 1) return this.runHere(spec, argv);
    const name = spec.name;
    if (name !== 'dbsize' && name !== 'keys' && name !== 'flushdb' && name !== 'flushall' && name !== 'randomkey' && name !== 'swapdb') return NON_LOCAL;
    if (this.canEscalate()) return this.escalate();
    const t0 = performance.now();
    this.counting = false;
    // RANDOMKEY asks every shard its size first, then one shard for a key.
    const perShard = name === 'randomkey' ? ['dbsize'] : argv;
    const perSpec = name === 'randomkey' ? lookupCommand('dbsize')! : spec;
    const replies: Buffer[] = [];
    // Ascending shards: every shard validates the arguments the same way, so an
    // argument error comes from the first one, before anything changed.
    for (let s = 0; s < t.threads; s++) {
      let r: Buffer;
      if (s === t.index) {
        if (this.stepOwner === 0 && !this.global) {
          this.protect();
          while (!t.locks.canUse(this.owner, [], true)) if (!this.waitForLocks()) return NON_LOCAL;
          t.locks.lock(this.owner, [], true);
          this.localLocked = true;
        }
        r = Buffer.from(this.bytes(this.runHere(perSpec, perShard)));
      } else {
        const rr = this.step(s, [perShard], 'all');
        if (rr === null) return NON_LOCAL;
        r = rr[0];
      }
      if (isError(r)) return this.countedParts(spec, argv, t0, r);
      replies.push(r);
    }
    const out = this.fresh();
    if (name === 'dbsize') {
      let n = 0;
      for (const r of replies) n += intValue(r);
      out.int(n);
    } else if (name === 'keys') {
      let total = 0;
      const bodies: Buffer[] = [];
      for (const r of replies) {
        const nl = r.indexOf(10);
        total += Number(r.latin1Slice(1, nl - 1));
        bodies.push(r.subarray(nl + 1));
      }
      out.array(total);
      for (const b of bodies) out.raw(b);
    } else if (name === 'randomkey') {
      const sizes = replies.map(intValue);
      let total = 0;
      for (const n of sizes) total += n;
      if (total === 0) out.nullBulk();
      else {
        let pick = Math.floor(Math.random() * total);
        let s = 0;
        while (pick >= sizes[s]) pick -= sizes[s++];
        const r = s === t.index ? Buffer.from(this.bytes(this.runHere(spec, argv))) : this.step(s, [argv], null)![0];
        out.len = 0;
        out.raw(r);
      }
    } else out.ok();
    this.countHere(spec, argv, t0, out.buf);
    return this.reply();
  }
}

let instance: ScriptRun | null = null;
/** busy-reply-threshold (ms), read again after CONFIG SET changed anything. */
let busyMs = -1;

/** CONFIG SET applied on this thread: the threshold is read again before the next script. */
export function scriptingConfigChanged(): void {
  busyMs = -1;
}

/**
 * A script's result: the RESP reply's length in scriptResult (valid until the
 * next script runs on this thread: write or copy it first), the reply bytes
 * (too large for scriptResult), or an error reply's text.
 */
export type ScriptResult = number | Buffer | string;

/** The reply bytes of a result that is not an error text (a view of scriptResult for a length). */
export function resultBytes(r: number | Buffer): Buffer {
  return typeof r === 'number' ? scriptResult.subarray(0, r) : r;
}

/** Run a script on this thread. */
export function runScript(S: ScriptingThread, o: RunOptions): ScriptResult {
  if (active !== null) return 'ERR a script is already running on this thread';
  if (instance === null) instance = new ScriptRun(S);
  if (busyMs < 0) {
    try {
      busyMs = S.thread.config.num('busy-reply-threshold');
    } catch {
      busyMs = 5000; // the directive is unknown to the config in use: Redis's default
    }
  }
  return instance.run(o, busyMs);
}
