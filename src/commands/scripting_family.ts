// Scripting commands (eval.c, functions.c, script.c): EVAL, EVALSHA,
// EVAL_RO, EVALSHA_RO, SCRIPT LOAD / EXISTS / FLUSH / KILL / HELP, FCALL,
// FCALL_RO, FUNCTION LOAD / DELETE / FLUSH / LIST / DUMP / RESTORE / STATS /
// KILL / HELP, on Lua 5.1 (src/scripting/, native/).
//
// Placement: the declared keys (numkeys) route a script like any keyed
// command: all on one shard, it runs on that shard's thread (forwarded over
// the rings when the client is elsewhere); without keys it runs on the
// client's thread; keys on several shards go through `cross`, which locks
// them on every shard (ascending) and runs the script on the client's thread.
// A script that reaches keys it did not declare needs the global lock
// (scripting/run.ts): its first such run stops before writing anything and
// runs again through `cross` (or, for a client of another thread, `rerun` on
// the shard that ran it) while holding every shard; the GlobalScripts set
// remembers it, and `crossIf` sends its later runs that way from the start.
// A MULTI block holding a script locks every shard.

import { def } from './define.ts';
import { helpReply, subcommandSyntaxError } from './help.ts';
import type { CommandSpec, ExecContext } from './types.ts';
import type { Client } from '../shards/client.ts';
import type { ShardThread } from '../shards/shard_thread.ts';
import type { CrossShardTxn, WaitAccount } from '../router/txn.ts';
import { ReplyWriter } from '../proto/reply_writer.ts';
import { parseI64 } from '../proto/number_format.ts';
import { groupKeys } from '../router/cross.ts';
import { globalLockOf } from '../router/global_lock.ts';
import { MULTI_SHARD } from './table.ts';
import { stringMatch } from '../config/glob.ts';
import { scripting, scriptResult, NO_ENGINE, type ScriptingThread } from '../scripting/engine.ts';
import { runScript, resultBytes, RETRY_GLOBAL, COUNTED_ERROR, type RunOptions, type ScriptResult } from '../scripting/run.ts';
import { GlobalScripts } from '../scripting/global_scripts.ts';
import { F_NO_WRITES, F_SHEBANG, FLAG_NAMES } from '../scripting/scripts.ts';
import { POLICY_APPEND, POLICY_FLUSH, POLICY_REPLACE, type FunctionInfo } from '../scripting/functions.ts';
import { encodeDump } from '../scripting/dump_format.ts';
import { BUSY_EVAL } from '../scripting/shared.ts';

const COUNTED_ERROR_CODE = COUNTED_ERROR.charCodeAt(0);

const NOSCRIPT = 'NOSCRIPT No matching script. Please use EVAL.';
const RO_WRITE = 'ERR Can not execute a script with write flag using *_ro command.';

/** Declared key positions of EVAL / FCALL (numkeys at argv[2]); none when numkeys is invalid. */
function scriptKeys(argv: string[]): number[] {
  const nk = parseI64(argv[2] ?? '');
  if (nk === null || typeof nk === 'bigint' || nk <= 0 || nk > argv.length - 3) return [];
  const out = new Array<number>(nk);
  for (let i = 0; i < nk; i++) out[i] = 3 + i;
  return out;
}

/** numkeys, or the error reply text (evalGenericCommand / fcallCommandGeneric). */
function numKeys(argv: string[], fcall: boolean): number | string {
  const nk = parseI64(argv[2]);
  if (nk === null || typeof nk === 'bigint') return fcall ? 'ERR Bad number of keys provided' : 'ERR value is not an integer or out of range';
  if (nk > argv.length - 3) return "ERR Number of keys can't be greater than number of args";
  if (nk < 0) return "ERR Number of keys can't be negative";
  return nk;
}

/** Write a script's result: the RESP bytes, or an error (counted in the error stats unless it was already: COUNTED_ERROR). */
function writeResult(out: ReplyWriter, r: ScriptResult): void {
  if (typeof r === 'string') return r.charCodeAt(0) === COUNTED_ERROR_CODE ? out.uncountedError(r.slice(1)) : out.error(r);
  const b = typeof r === 'number' ? scriptResult : r;
  const n = typeof r === 'number' ? r : r.length;
  if (b[0] === 45 /* - */ && b.indexOf(13) === n - 2) out.error(b.latin1Slice(1, n - 2));
  else out.raw(b, 0, n);
}

// ---- EVAL family -----------------------------------------------------------------------

interface Prepared {
  name: string;
  ref: number;
  mode: 0 | 1;
  readOnly: boolean;
  nk: number;
}

/** Resolve the script (compiling it when needed) and check its flags; an error reply text on failure. */
function prepareEval(S: ScriptingThread, argv: string[], isSha: boolean, ro: boolean): Prepared | string {
  if (isSha && argv[1].length !== 40) return NOSCRIPT;
  const nk = numKeys(argv, false);
  if (typeof nk === 'string') return nk;
  let sha: string;
  let flags: number;
  if (isSha) {
    sha = argv[1].toLowerCase();
    const f = S.scripts.fromSha(sha);
    if (f === null) return NOSCRIPT;
    if (typeof f === 'string') return f;
    flags = f;
  } else {
    const r = S.scripts.fromBody(argv[1]);
    if (typeof r === 'string') return r;
    sha = r.sha;
    flags = r.flags;
  }
  const shebang = (flags & F_SHEBANG) !== 0;
  if (shebang && (flags & F_NO_WRITES) === 0 && ro) return RO_WRITE;
  return { name: sha, ref: 0, mode: 0, readOnly: ro || (shebang && (flags & F_NO_WRITES) !== 0), nk };
}

function prepareFcall(S: ScriptingThread, argv: string[], ro: boolean): Prepared | string {
  const fn: FunctionInfo | undefined = S.functions.lookup(argv[1]);
  if (fn === undefined) return 'ERR Function not found';
  const nk = numKeys(argv, true);
  if (typeof nk === 'string') return nk;
  if ((fn.flags & F_NO_WRITES) === 0 && ro) return RO_WRITE;
  return { name: fn.name, ref: fn.ref, mode: 1, readOnly: ro || (fn.flags & F_NO_WRITES) !== 0, nk };
}

function prepare(S: ScriptingThread, argv: string[], kind: Kind): Prepared | string {
  return kind.fcall ? prepareFcall(S, argv, kind.ro) : prepareEval(S, argv, kind.sha, kind.ro);
}

interface Kind {
  fcall: boolean;
  sha: boolean;
  ro: boolean;
}

function options(p: Prepared, argv: string[], db: number, resp: 2 | 3, owner: number, held: number[], global: boolean): RunOptions {
  return {
    mode: p.mode,
    name: p.name,
    ref: p.ref,
    keys: argv.slice(3, 3 + p.nk),
    db,
    resp,
    readOnly: p.readOnly,
    owner,
    held,
    global,
    argv,
  };
}

function allShards(n: number): number[] {
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = i;
  return out;
}

/** The script is known to reach undeclared keys: it runs under the global lock (read on the dispatch path). */
function needsGlobal(S: ScriptingThread, argv: string[], kind: Kind): boolean {
  let id: string | undefined;
  if (kind.fcall) id = GlobalScripts.functionId(argv[1]);
  else if (kind.sha) id = argv[1].length === 40 ? GlobalScripts.evalId(argv[1].toLowerCase()) : undefined;
  else {
    const sha = S.scripts.knownSha(argv[1]);
    id = sha === undefined ? undefined : GlobalScripts.evalId(sha);
  }
  return id !== undefined && S.globals.has(id);
}

/**
 * The script's keys on one shard, or none: it runs here (on the client's
 * thread, on the shard for a client of another thread, or in a step of an
 * EXEC). A script that must run again under the global lock writes nothing
 * and sets thread.rerun: the client's thread then runs `cross`, a shard
 * `rerun`.
 */
function runHandler(kind: Kind) {
  return (c: ExecContext, argv: string[]): void => {
    const S = scripting();
    if (S === null) return c.out.error(NO_ENGINE);
    const out = c.out;
    const p = prepare(S, argv, kind);
    if (typeof p === 'string') return out.error(p);
    // Inside EXEC on the client's thread (a keyless script): the block's transaction holds every shard.
    const outer = c.client !== null ? c.client.txn : null;
    const n = c.thread.threads;
    const o = outer !== null ? options(p, argv, c.db, out.resp, outer.owner, allShards(n), true) : options(p, argv, c.db, out.resp, 0, [], false);
    const r = runScript(S, o);
    if (r === RETRY_GLOBAL) c.thread.rerun = true;
    else writeResult(out, r);
  };
}

/**
 * Run the script under the two-phase lock, coordinated by `thread`: its
 * declared keys locked on their shards (ascending), or every shard when it
 * needs the global lock; inside EXEC (`outer`) the block already holds every
 * shard. Returns the script's result. `account` (the client) is credited with
 * the waits (WaitAccount).
 */
async function runLocked(thread: ShardThread, outer: CrossShardTxn | null, db: number, resp: 2 | 3, argv: string[], kind: Kind, account: WaitAccount | null): Promise<Buffer | string> {
  const S = scripting();
  if (S === null) return NO_ENGINE;
  const first = prepare(S, argv, kind);
  if (typeof first === 'string') return first;
  const n = thread.threads;
  if (outer !== null) return kept(runScript(S, options(first, argv, db, resp, outer.owner, allShards(n), true)));
  if (!needsGlobal(S, argv, kind)) {
    const groups = groupKeys(argv, scriptKeys(argv), n);
    const t = thread.beginTxn(db, resp, account);
    try {
      for (const g of groups) await t.step(g.shard, [], g.positions.map((i) => argv[i]));
      const r = runPrepared(S, argv, kind, db, resp, t.owner, groups.map((g) => g.shard), false);
      if (r !== RETRY_GLOBAL) return r;
    } finally {
      t.finish();
    }
  }
  // Under the global lock (batched with this thread's other such scripts). Its run comes after the
  // transaction above ended: the command's duration runs to the end (its wait for the lock included).
  if (account !== null) account.crossEndAt = 0;
  return globalLockOf(thread).run((owner) => runPrepared(S, argv, kind, db, resp, owner, allShards(n), true));
}

/** Resolve the script again under its locks (SCRIPT FLUSH / FUNCTION DELETE may have run meanwhile) and run it. */
function runPrepared(S: ScriptingThread, argv: string[], kind: Kind, db: number, resp: 2 | 3, owner: number, held: number[], global: boolean): Buffer | string {
  const p = prepare(S, argv, kind);
  if (typeof p === 'string') return p;
  return kept(runScript(S, options(p, argv, db, resp, owner, held, global)));
}

/** A result that is written after an await: copied out of the buffer the next script reuses. */
function kept(r: ScriptResult): Buffer | string {
  return typeof r === 'string' ? r : Buffer.from(resultBytes(r));
}

/** Keys on several shards, or a script that needs the global lock: run here under the locks. */
function runCross(kind: Kind) {
  return async (client: Client, argv: string[]): Promise<void> => {
    const r = await runLocked(client.thread, client.txn, client.db, client.resp, argv, kind, client);
    writeResult(client.out(), r);
  };
}

/** A shard ran the script for a client of another thread and it needs the global lock: run it again, coordinated here. */
function rerunHere(kind: Kind) {
  return async (thread: ShardThread, db: number, resp: 2 | 3, argv: string[]): Promise<Buffer> => {
    const r = await runLocked(thread, null, db, resp, argv, kind, null);
    const out = new ReplyWriter();
    out.resp = resp;
    out.errors = thread.stats;
    writeResult(out, r);
    return Buffer.from(out.buf.subarray(0, out.len));
  };
}

const SCRIPT_FLAGS = ['noscript', 'stale', 'skip_monitor', 'no_mandatory_keys', 'movablekeys'];
const SCRIPT_ACL = ['@slow', '@scripting'];

function scriptCommand(name: string, kind: Kind, summary: string, since: string): CommandSpec {
  const spec = def(name, {
    arity: -3,
    flags: kind.ro ? ['readonly', ...SCRIPT_FLAGS] : SCRIPT_FLAGS,
    getKeys: scriptKeys,
    acl: SCRIPT_ACL,
    group: 'scripting',
    summary,
    since,
    complexity: kind.fcall ? 'Depends on the function that is executed.' : 'Depends on the script that is executed.',
    handler: runHandler(kind),
    cross: runCross(kind),
  });
  // Known to reach undeclared keys (or queued in MULTI, shard -1): under the global lock.
  spec.crossIf = (argv, shard, shards) => {
    if (shards === 1) return false;
    if (shard === MULTI_SHARD) return true;
    const S = scripting();
    return S !== null && needsGlobal(S, argv, kind);
  };
  spec.rerun = rerunHere(kind);
  return spec;
}

// ---- SCRIPT ------------------------------------------------------------------------------

const SCRIPT_HELP = [
  'DEBUG (YES|SYNC|NO)',
  '    Set the debug mode for subsequent scripts executed.',
  'EXISTS <sha1> [<sha1> ...]',
  '    Return information about the existence of the scripts in the script cache.',
  'FLUSH [ASYNC|SYNC]',
  '    Flush the Lua scripts cache. Very dangerous on replicas.',
  '    When called without the optional mode argument, the behavior is determined by the',
  '    lazyfree-lazy-user-flush configuration directive. Valid modes are:',
  '    * ASYNC: Asynchronously flush the scripts cache.',
  '    * SYNC: Synchronously flush the scripts cache.',
  'KILL',
  '    Kill the currently executing Lua script.',
  'LOAD <script>',
  '    Load a script into the scripts cache without executing it.',
];

function withEngine(fn: (c: ExecContext, argv: string[], S: ScriptingThread) => void) {
  return (c: ExecContext, argv: string[]): void => {
    const S = scripting();
    if (S === null) return c.out.error(NO_ENGINE);
    fn(c, argv, S);
  };
}

const SUB_FLAGS = ['noscript'];

const scriptContainer = def('script', {
  arity: -2,
  acl: ['@slow'],
  group: 'scripting',
  summary: 'A container for Lua scripts management commands',
  since: '2.6.0',
  complexity: 'Depends on subcommand.',
  subcommands: [
    def('load', {
      arity: 3, flags: ['noscript', 'stale'], acl: SCRIPT_ACL, group: 'scripting', summary: 'Load a server-side Lua script to the script cache', since: '2.6.0', complexity: 'O(N) with N being the length in bytes of the script body.',
      handler: withEngine((c, argv, S) => {
        const r = S.scripts.fromBody(argv[2]);
        if (typeof r === 'string') c.out.error(r);
        else c.out.bulk(r.sha);
      }),
    }),
    def('exists', {
      arity: -3, flags: SUB_FLAGS, acl: SCRIPT_ACL, group: 'scripting', summary: 'Determine whether server-side Lua scripts exist in the script cache', since: '2.6.0', complexity: 'O(N) with N being the number of scripts to check (so checking a single script is an O(1) operation).',
      handler: withEngine((c, argv, S) => {
        c.out.array(argv.length - 2);
        for (let i = 2; i < argv.length; i++) c.out.int(S.scripts.exists(argv[i].toLowerCase()) ? 1 : 0);
      }),
    }),
    def('flush', {
      arity: -2, flags: SUB_FLAGS, acl: SCRIPT_ACL, group: 'scripting', summary: 'Remove all server-side Lua scripts from the script cache', since: '2.6.0', complexity: 'O(N) with N being the number of scripts in cache',
      handler: withEngine((c, argv, S) => {
        if (!(argv.length === 2 || (argv.length === 3 && /^(sync|async)$/i.test(argv[2])))) return c.out.error('ERR SCRIPT FLUSH only support SYNC|ASYNC option');
        S.scripts.flush();
        c.out.ok();
      }),
    }),
    def('kill', {
      arity: 2, flags: ['noscript', 'allow_busy'], acl: SCRIPT_ACL, group: 'scripting', summary: 'Terminate the Lua script currently in execution.', since: '2.6.0', complexity: 'O(1)',
      handler: withEngine((c, _argv, S) => {
        const err = S.ctl.kill(true);
        if (err === null) c.out.ok();
        else c.out.error(err);
      }),
    }),
    def('help', {
      arity: 2, flags: ['loading', 'stale'], acl: SCRIPT_ACL, group: 'scripting', summary: 'Show helpful text about the different subcommands', since: '5.0.0', complexity: 'O(1)',
      handler: (c) => helpReply(c.out, 'SCRIPT', SCRIPT_HELP),
    }),
  ],
});

// ---- FUNCTION ----------------------------------------------------------------------------

const FUNCTION_HELP = [
  'LOAD [REPLACE] <FUNCTION CODE>',
  '    Create a new library with the given library name and code.',
  'DELETE <LIBRARY NAME>',
  '    Delete the given library.',
  'LIST [LIBRARYNAME PATTERN] [WITHCODE]',
  '    Return general information on all the libraries:',
  '    * Library name',
  '    * The engine used to run the Library',
  '    * Library description',
  '    * Functions list',
  '    * Library code (if WITHCODE is given)',
  '    It also possible to get only function that matches a pattern using LIBRARYNAME argument.',
  'STATS',
  '    Return information about the current function running:',
  '    * Function name',
  '    * Command used to run the function',
  '    * Duration in MS that the function is running',
  '    If no function is running, return nil',
  '    In addition, returns a list of available engines.',
  'KILL',
  '    Kill the current running function.',
  'FLUSH [ASYNC|SYNC]',
  '    Delete all the libraries.',
  '    When called without the optional mode argument, the behavior is determined by the',
  '    lazyfree-lazy-user-flush configuration directive. Valid modes are:',
  '    * ASYNC: Asynchronously flush the libraries.',
  '    * SYNC: Synchronously flush the libraries.',
  'DUMP',
  '    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command',
  'RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]',
  '    Restore the libraries represented by the given payload, it is possible to give a restore policy to',
  '    control how to handle existing libraries (default APPEND):',
  '    * FLUSH: delete all existing libraries.',
  '    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.',
  '    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old',
  '      libraries with the new libraries (notice that even on this option there is a chance of failure',
  '      in case of functions name collision with another library).',
];

const FN_WRITE = ['write', 'noscript'];
const FN_ACL_W = ['@write', '@slow', '@scripting'];

function functionList(c: ExecContext, argv: string[], S: ScriptingThread): void {
  let withCode = false;
  let pattern: string | null = null;
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i];
    if (!withCode && a.toLowerCase() === 'withcode') {
      withCode = true;
      continue;
    }
    if (pattern === null && a.toLowerCase() === 'libraryname') {
      if (i >= argv.length - 1) return c.out.error('ERR library name argument was not given');
      pattern = argv[++i];
      continue;
    }
    return c.out.error(`ERR Unknown argument ${a}`);
  }
  S.functions.sync();
  const libs = [...S.functions.libraries.values()].filter((l) => pattern === null || stringMatch(pattern, l.name, true));
  const out = c.out;
  out.array(libs.length);
  for (const l of libs) {
    out.map(withCode ? 4 : 3);
    out.bulk('library_name');
    out.bulk(l.name);
    out.bulk('engine');
    out.bulk('LUA');
    out.bulk('functions');
    out.array(l.functions.length);
    for (const f of l.functions) {
      out.map(3);
      out.bulk('name');
      out.bulk(f.name);
      out.bulk('description');
      out.bulkOrNull(f.description);
      out.bulk('flags');
      const names = FLAG_NAMES.filter((_n, i) => (f.flags & (1 << i)) !== 0);
      out.set(names.length);
      for (const n of names) out.simple(n);
    }
    if (withCode) {
      out.bulk('library_code');
      out.bulk(l.code);
    }
  }
}

function functionStats(c: ExecContext, _argv: string[], S: ScriptingThread): void {
  const out = c.out;
  let running: { start: number; name: string; argv: string[] } | null = null;
  for (let t = 0; t < S.ctl.threads; t++) {
    const b = S.ctl.busyScript(t);
    if (b === null) continue;
    if ((b.state & 2) !== 0) return out.error(BUSY_EVAL);
    running = b;
  }
  S.functions.sync();
  out.map(2);
  out.bulk('running_script');
  if (running === null) out.nullBulk();
  else {
    out.map(3);
    out.bulk('name');
    out.bulk(running.name);
    out.bulk('command');
    out.array(running.argv.length);
    for (const a of running.argv) out.bulk(a);
    out.bulk('duration_ms');
    out.int(Math.max(0, Date.now() - Math.floor(running.start)));
  }
  out.bulk('engines');
  out.map(1);
  out.bulk('LUA');
  out.map(2);
  out.bulk('libraries_count');
  out.int(S.functions.libraries.size);
  out.bulk('functions_count');
  out.int(S.functions.functionCount);
}

const functionContainer = def('function', {
  arity: -2,
  acl: ['@slow'],
  group: 'scripting',
  summary: 'A container for function commands',
  since: '7.0.0',
  complexity: 'Depends on subcommand.',
  subcommands: [
    def('load', {
      arity: -3, flags: ['write', 'denyoom', 'noscript'], acl: FN_ACL_W, group: 'scripting', summary: 'Create a function with the given arguments (name, code, description)', since: '7.0.0', complexity: 'O(1) (considering compilation time is redundant)',
      handler: withEngine((c, argv, S) => {
        let replace = false;
        let i = 2;
        while (i < argv.length - 1) {
          const a = argv[i++];
          if (a.toLowerCase() === 'replace') {
            replace = true;
            continue;
          }
          return c.out.error(`ERR Unknown option given: ${a}`);
        }
        const r = S.functions.load(argv[i], replace);
        if (r.startsWith('ERR')) c.out.error(r);
        else c.out.bulk(r);
      }),
    }),
    def('delete', {
      arity: 3, flags: FN_WRITE, acl: FN_ACL_W, group: 'scripting', summary: 'Delete a function by name', since: '7.0.0', complexity: 'O(1)',
      handler: withEngine((c, argv, S) => {
        const err = S.functions.delete(argv[2]);
        if (err === null) c.out.ok();
        else c.out.error(err);
      }),
    }),
    def('flush', {
      arity: -2, flags: FN_WRITE, acl: FN_ACL_W, group: 'scripting', summary: 'Deleting all functions', since: '7.0.0', complexity: 'O(N) where N is the number of functions deleted',
      handler: withEngine((c, argv, S) => {
        if (argv.length > 3) return subcommandSyntaxError(c.out, 'FUNCTION', argv[1]);
        if (argv.length === 3 && !/^(sync|async)$/i.test(argv[2])) return c.out.error('ERR FUNCTION FLUSH only supports SYNC|ASYNC option');
        S.functions.flush();
        c.out.ok();
      }),
    }),
    def('list', {
      arity: -2, flags: SUB_FLAGS, acl: SCRIPT_ACL, group: 'scripting', summary: 'List information about all the functions', since: '7.0.0', complexity: 'O(N) where N is the number of functions',
      handler: withEngine(functionList),
    }),
    def('dump', {
      arity: 2, flags: SUB_FLAGS, acl: SCRIPT_ACL, group: 'scripting', summary: 'Dump all functions into a serialized binary payload', since: '7.0.0', complexity: 'O(N) where N is the number of functions',
      handler: withEngine((c, _argv, S) => {
        S.functions.sync();
        c.out.bulkBuffer(encodeDump([...S.functions.libraries.values()].map((l) => l.code), c.thread.config.bool('rdbcompression')));
      }),
    }),
    def('restore', {
      arity: -3, flags: ['write', 'denyoom', 'noscript'], acl: FN_ACL_W, group: 'scripting', summary: 'Restore all the functions on the given payload', since: '7.0.0', complexity: 'O(N) where N is the number of functions on the payload',
      handler: withEngine((c, argv, S) => {
        if (argv.length > 4) return subcommandSyntaxError(c.out, 'FUNCTION', argv[1]);
        let policy = POLICY_APPEND;
        if (argv.length === 4) {
          const p = argv[3].toLowerCase();
          if (p === 'append') policy = POLICY_APPEND;
          else if (p === 'replace') policy = POLICY_REPLACE;
          else if (p === 'flush') policy = POLICY_FLUSH;
          else return c.out.error('ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.');
        }
        const err = S.functions.restore(Buffer.from(argv[2], 'latin1'), policy);
        if (err === null) c.out.ok();
        else c.out.error(err);
      }),
    }),
    def('stats', {
      arity: 2, flags: ['noscript', 'allow_busy'], acl: SCRIPT_ACL, group: 'scripting', summary: 'Return information about the function currently running (name, description, duration)', since: '7.0.0', complexity: 'O(1)',
      handler: withEngine(functionStats),
    }),
    def('kill', {
      arity: 2, flags: ['noscript', 'allow_busy'], acl: SCRIPT_ACL, group: 'scripting', summary: 'Kill the function currently in execution.', since: '7.0.0', complexity: 'O(1)',
      handler: withEngine((c, _argv, S) => {
        const err = S.ctl.kill(false);
        if (err === null) c.out.ok();
        else c.out.error(err);
      }),
    }),
    def('help', {
      arity: 2, flags: ['loading', 'stale'], acl: SCRIPT_ACL, group: 'scripting', summary: 'Show helpful text about the different subcommands', since: '7.0.0', complexity: 'O(1)',
      handler: (c) => helpReply(c.out, 'FUNCTION', FUNCTION_HELP),
    }),
  ],
});

export const scriptingCommands: CommandSpec[] = [
  scriptCommand('eval', { fcall: false, sha: false, ro: false }, 'Execute a Lua script server side', '2.6.0'),
  scriptCommand('evalsha', { fcall: false, sha: true, ro: false }, 'Execute a Lua script server side', '2.6.0'),
  scriptCommand('eval_ro', { fcall: false, sha: false, ro: true }, 'Execute a read-only Lua script server side', '7.0.0'),
  scriptCommand('evalsha_ro', { fcall: false, sha: true, ro: true }, 'Execute a read-only Lua script server side', '7.0.0'),
  scriptCommand('fcall', { fcall: true, sha: false, ro: false }, 'Invoke a function', '7.0.0'),
  scriptCommand('fcall_ro', { fcall: true, sha: false, ro: true }, 'Invoke a read-only function', '7.0.0'),
  scriptContainer,
  functionContainer,
];
