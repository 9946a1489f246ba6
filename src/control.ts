// The control plane between the main thread and the server threads (comlink
// over worker MessagePorts) and the shared control words.

import type { ScriptingShared } from './scripting/shared.ts';

/** Int32 slots of the control SharedArrayBuffer (its first cache line; doorbells follow, see channels.ts). */
export const CTRL_CLIENT_ID = 0;
export const CTRL_CLIENTS = 1;
/** Next slow log entry id (shared so ids order entries across threads). */
export const CTRL_SLOWLOG_ID = 2;
/** Number of MONITOR clients on all threads (0: commands skip the monitor feed at once). */
export const CTRL_MONITORS = 3;
/**
 * Connections that began to move to another thread, and moves that ended
 * (taken over or dropped): unequal while one is on its way, in no thread's
 * client table (shards/migrate.ts, settledClients).
 */
export const CTRL_MOVES_STARTED = 4;
export const CTRL_MOVES_ENDED = 5;
/** Server threads about to open their listeners (worker.ts: they open them together). */
export const CTRL_LISTEN_BARRIER = 6;
/** Server threads whose listeners are open (until all are, worker.ts spreads the connections it accepts). */
export const CTRL_LISTENING = 7;
/** Bit per thread that has MONITOR clients: words CTRL_MONITOR_MASK .. CTRL_MONITOR_MASK + CTRL_MONITOR_MASK_WORDS - 1. */
export const CTRL_MONITOR_MASK = 8;
export const CTRL_MONITOR_MASK_WORDS = 8;

export interface WorkerInit {
  index: number;
  threads: number;
  rings: SharedArrayBuffer[][];
  ringCapacity: number;
  control: SharedArrayBuffer;
  config: Record<string, string>;
  configFile: string | undefined;
  mainPort: unknown;
  /** INFO run_id (40 hex digits), the same on every thread. */
  runId?: string;
  /** When the server started (ms): uptime, LASTSAVE. */
  startTime?: number;
  /** Scripting state shared by all threads (src/scripting/shared.ts). */
  scripting?: ScriptingShared;
}

/** What the main thread offers the server threads. */
export interface MainApi {
  configSet(pairs: [string, string][]): Promise<string | null>;
  configRewrite(): Promise<string | null>;
  shutdown(mode: string): Promise<string | null>;
}

/** What each server thread offers the main thread. */
export interface WorkerApi {
  /** Everything but the listeners: the thread is ready to serve once this resolves. */
  start(): Promise<void>;
  /**
   * Open the listeners (called on every thread once all have started; the
   * threads open theirs together: a port that one thread listens on alone
   * gets every connection that comes meanwhile, SO_REUSEPORT spreading them
   * only over the sockets listening).
   */
  listen(): Promise<void>;
  applyConfig(changed: Record<string, string>): void;
  /**
   * CONFIG SET port / bind, first step: open TCP listeners on `port` at
   * `bind`'s addresses, next to the current ones. Null, or the failure's log
   * lines (nothing opened then).
   */
  tcpListenNew(port: number, bind: string[]): Promise<string | null>;
  /** Second step: `commit`, the new listeners replace the old ones; else they close. */
  tcpSwitch(commit: boolean): void;
  stopListening(): Promise<void>;
  closeClients(): void;
}
