// The scripting engine of one server thread: the native Lua addon
// (native/), this thread's view of the shared scripting state, the EVAL
// script cache and the function libraries. initScripting() runs once per
// worker; the command handlers reach the engine through scripting().

import { nativeAddon, nativeAddonError } from '../native_addons.ts';
import type { ShardThread } from '../shards/shard_thread.ts';
import { ScriptControl, SharedLog, W_BUSY_EVAL, W_BUSY_FUNC, BUSY_EVAL, BUSY_FUNCTION, type ScriptingShared } from './shared.ts';
import type { CommandSpec } from '../commands/types.ts';
import { ScriptCache } from './scripts.ts';
import { FunctionRegistry } from './functions.ts';
import { GlobalScripts } from './global_scripts.ts';
import { SERVER_VERSION } from '../version.ts';
import { argvSize, writeArgv, readArgv } from '../proto/argv_codec.ts';
import { currentRun, scriptingConfigChanged } from './run.ts';
import { errorCode } from '../proto/reply_writer.ts';

/** The native addon's interface (native/src/engine.c). */
export interface LuaAddon {
  create(o: {
    /**
     * argv null: the arguments are in callArgs (u32 count, then u32 length and bytes each).
     * Returns the reply (a number: its length in callReply), an error text, or (mode 1) a boolean.
     */
    call: (argv: string[] | null, resp: number, mode: number) => number | Buffer | string | boolean;
    log: (level: number, msg: string) => void;
    state: Int32Array;
    /** A run's reply is copied here when it fits; run() then returns its length. */
    result: Buffer;
    /** redis.call's arguments are written here when they fit; so are a run's keys and arguments. */
    callArgs: Buffer;
    /** Where call leaves a reply when it returns the reply's length. */
    callReply: Buffer;
    /** Byte 0: the REPLY_* flags of the last run's reply. */
    replyInfo: Buffer;
    /** Word index of this thread's script start time (a float64, Date.now()) in `state`. */
    startIndex: number;
    stateIndex: number;
    busyEvalIndex: number;
    busyFuncIndex: number;
    version: string;
    versionNum: number;
  }): void;
  evalCompile(sha: string, body: string): string | null;
  reset(which: 0 | 1): void;
  /**
   * The reply's length in `result`, the reply (when larger), or an error text. keys and args
   * null: they are in callArgs (packRunArgs). The engine marks the script running in `state`
   * (and its start time) for the Lua call.
   */
  run(mode: 0 | 1, name: string, ref: number, keys: string[] | null, args: string[] | null, callerResp: number, busyMs: number): number | Buffer | string;
  funcLoad(code: string): string | [string, string | null, number, number][];
  funcUnref(refs: number[]): void;
  sha1hex(s: string): string;
  memory(which: 0 | 1): number;
}

export interface ScriptingThread {
  thread: ShardThread;
  lua: LuaAddon;
  ctl: ScriptControl;
  scripts: ScriptCache;
  functions: FunctionRegistry;
  /** Scripts that need the global lock (they reached undeclared keys). */
  globals: GlobalScripts;
}

/** Load the native addon (once per thread); null when it is not built. */
export function loadAddon(): LuaAddon | null {
  return nativeAddon<LuaAddon>('keydb_lua');
}

let current: ScriptingThread | null = null;

/** This thread's scripting engine (null before initScripting or without the addon). */
export function scripting(): ScriptingThread | null {
  return current;
}

export const NO_ENGINE = 'ERR scripting is not available: the Lua engine (native/) is not built';

/** The Redis version as REDIS_VERSION_NUM encodes it (0x00MMmmpp). */
function versionNum(v: string): number {
  const [a, b, c] = v.split('.').map((x) => Number(x) || 0);
  return (a << 16) | (b << 8) | c;
}

/** Log levels of redis.log (LOG_DEBUG .. LOG_WARNING) to the server log's methods. */
function logLine(thread: ShardThread, level: number, msg: string): void {
  const log = thread.log;
  if (log === null) return;
  if (level >= 3) log.warning(msg);
  else if (level === 2) log.notice(msg);
  else if (level === 1) log.verbose(msg);
  else (log as unknown as { debug?: (m: string) => void }).debug?.(msg);
}

/** Where the engine leaves a script's reply (ScriptRun reads it right after the run). */
export const scriptResult = Buffer.alloc(64 * 1024);
/** Where the engine writes a redis.call's arguments (N-API strings in an array cost more). */
const callArgs = Buffer.alloc(64 * 1024);
/** Where a redis.call's reply is built for the engine (ScriptRun's reply writer starts in it). */
export const callReply = Buffer.alloc(64 * 1024);
/**
 * The engine's flags for the last run's reply (byte 0): errors in it counted
 * already where they came from; REPLY_TOP_COUNTED when the reply itself is
 * one, 2 when an element of it is (engine.c's REPLY_*).
 */
export const replyInfo = Buffer.alloc(1);
/** The reply is an error counted where it came from (a redis.call's error passed on, a rejected call). */
export const REPLY_TOP_COUNTED = 1;
/** log() level of an error nested in a script's reply, counted here (the engine's LOG_ERROR_REPLY). */
const LOG_ERROR_REPLY = 101;

/** A run's keys and its arguments (argv from `from` on) into callArgs, for run(..., null, null, ...); false when they do not fit. */
export function packRunArgs(keys: string[], argv: string[], from: number): boolean {
  if (argvSize(keys) + argvSize(argv, from) > callArgs.length) return false;
  writeArgv(callArgs, writeArgv(callArgs, 0, keys), argv, from);
  return true;
}

export function initScripting(thread: ShardThread, shared: ScriptingShared): void {
  const lua = loadAddon();
  if (lua === null) {
    thread.log?.warning(`Scripting disabled: cannot load the Lua engine (${nativeAddonError('keydb_lua')}). Build it with npm install (needs liblua5.1-0-dev lua-cjson lua-bitop).`);
    return;
  }
  const ctl = new ScriptControl(shared.control, thread.threads, thread.index);
  lua.create({
    call: (argv, resp, mode) => {
      const run = currentRun();
      if (run === null) return 'ERR redis.call/pcall can only be called inside a script invocation';
      return run.call(argv === null ? readArgv(callArgs, 0, callArgs.length) : argv, resp, mode);
    },
    log: (level, msg) => {
      if (level === LOG_ERROR_REPLY) {
        thread.stats.countError(errorCode(msg));
        return;
      }
      if (level === 100) {
        const run = currentRun();
        if (run !== null) run.becameBusy(ctl);
        logLine(thread, 3, msg);
        return;
      }
      logLine(thread, level, msg);
    },
    state: ctl.words,
    result: scriptResult,
    callArgs,
    callReply,
    replyInfo,
    startIndex: ctl.startIndex,
    stateIndex: ctl.stateIndex,
    busyEvalIndex: W_BUSY_EVAL,
    busyFuncIndex: W_BUSY_FUNC,
    version: SERVER_VERSION,
    versionNum: versionNum(SERVER_VERSION),
  });
  // CONFIG SET (busy-reply-threshold / lua-time-limit) reaches every thread through configChanged.
  const configChanged = thread.configChanged.bind(thread);
  thread.configChanged = (changed: Record<string, string>): void => {
    configChanged(changed);
    scriptingConfigChanged();
  };
  current = {
    thread,
    lua,
    ctl,
    scripts: new ScriptCache(lua, new SharedLog(shared.scriptLog)),
    functions: new FunctionRegistry(lua, new SharedLog(shared.functionLog)),
    globals: new GlobalScripts(shared.globalScripts),
  };
}

/** A script is past busy-reply-threshold on some thread (one shared word read). */
export function scriptBusy(): boolean {
  return current !== null && current.ctl.anyBusy();
}

/** The BUSY error for a command sent while a script is busy, or null when the command may run (allow_busy). */
export function busyError(spec: CommandSpec): string | null {
  if (current === null) return null;
  const kind = current.ctl.busyKind();
  if (kind === 0 || spec.flags.includes('allow_busy')) return null;
  return kind === 1 ? BUSY_EVAL : BUSY_FUNCTION;
}
