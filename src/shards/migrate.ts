// Connection migration: a client whose pipelined commands all go to one other
// shard moves to that shard's thread.
//
// Connections land on threads as the kernel spreads them (SO_REUSEPORT), and
// a client's command for a key another thread owns crosses the rings: encoded
// there, decoded and run on the owner, its reply sent back and copied out
// (router/channels.ts). For a client that pipelines commands on the keys of
// one other shard (a queue, a counter, one hash, keys under one {hash tag}:
// the `-t lpush` shape) every command pays that, while the thread that owns
// the keys could serve the client itself (LPUSH onto one list at pipeline
// 16, two threads: a quarter less server CPU once the clients moved,
// bench/RESULTS.md). So after MIGRATE_AFTER pipelined keyed commands in a
// row for the same other shard (all their keys there), once the client is
// idle (nothing parsed ahead, nothing in flight, its replies written), its
// connection moves: the thread duplicates the socket's descriptor
// (native/src/fd_handoff.c), hands the copy and the client's state (the
// fields a later command or CLIENT LIST can observe) to the owner's thread
// in a K_ADOPT frame, and closes its own handle. The kernel's socket lives
// on through the copy: nothing reaches the peer, and bytes that arrive
// meanwhile wait in the kernel for the new thread to read.
// The client keeps its id, name, database, protocol and authentication.
//
// Only plain clients move: not in MULTI, WATCH, Pub/Sub, MONITOR, a blocking
// wait, CLIENT PAUSE or CLIENT REPLY OFF/SKIP, not a replication link. Unix
// socket clients move too (the unix socket listens on thread 0 only). Clients at pipeline 1 never move: there the threads
// sharing the reads and writes of the connections is worth more than the hop
// (two threads at pipeline 1 serve a single key faster than one). The move
// needs the native addon; without it, and with `migrate-connections no`,
// connections stay where they landed.

import net from 'node:net';
import fs from 'node:fs';
import { nativeAddon } from '../native_addons.ts';
import { socketFd, allWritten } from './conn_socket.ts';
import type { Client } from './client.ts';
import { CTRL_MOVES_STARTED, CTRL_MOVES_ENDED } from '../control.ts';

/**
 * Pipelined keyed commands in a row for one other shard after which a
 * client moves there. A move costs its two threads some 20–40 µs once warm
 * (120 µs the first times) and saves ~0.3 µs per command after it (LPUSH at
 * pipeline 16): it pays for itself within ~150 commands, so even a client
 * that switches shards every 256 commands does not lose by moving each time.
 * A client with keys on both shards never gets 256 in a row by chance (70%
 * on one: 0.7^256).
 */
export const MIGRATE_AFTER = 256;

interface FdAddon {
  /** A new descriptor for the same open file (close-on-exec), or -errno. */
  dup(fd: number): number;
}

/** The native descriptor helper (null when the addon is not built: no migration). */
function fdAddon(): FdAddon | null {
  return nativeAddon<FdAddon>('keydb_fd');
}

/** What a client takes along to its new thread: what later commands and CLIENT LIST observe. */
export interface ClientState {
  /** The unix socket path for a client of the unix socket ('' for TCP): CLIENT LIST's addr and flags. */
  unixPath: string;
  createdAt: number;
  lastInteraction: number;
  name: string;
  libName: string;
  libVer: string;
  db: number;
  resp: 2 | 3;
  authenticated: boolean;
  user: string;
  noEvict: boolean;
  lastCommand: string;
  readPeak: number;
}

export function clientState(c: Client): ClientState {
  return {
    unixPath: c.unixPath,
    createdAt: c.createdAt,
    lastInteraction: c.lastInteraction,
    name: c.name,
    libName: c.libName,
    libVer: c.libVer,
    db: c.db,
    resp: c.resp,
    authenticated: c.authenticated,
    user: c.user,
    noEvict: c.noEvict,
    lastCommand: c.lastCommand,
    readPeak: c.readPeak,
  };
}

/** The state a client brought along, set on its new Client (made with the same id and unixPath). */
export function restoreState(c: Client, s: ClientState): void {
  c.createdAt = s.createdAt;
  c.lastInteraction = s.lastInteraction;
  c.name = s.name;
  c.libName = s.libName;
  c.libVer = s.libVer;
  c.db = s.db;
  c.resp = s.resp;
  c.authenticated = s.authenticated;
  c.parser.authenticated = !c.authRequired();
  c.user = s.user;
  c.noEvict = s.noEvict;
  c.lastCommand = s.lastCommand;
  c.readPeak = s.readPeak;
}

/** The K_ADOPT payload: the state as JSON (a move is rare: once per connection at most, usually). */
export function encodeState(s: ClientState): Buffer {
  return Buffer.from(JSON.stringify(s), 'utf8');
}

export function decodeState(b: Buffer, start: number, end: number): ClientState {
  return JSON.parse(b.toString('utf8', start, end)) as ClientState;
}

/**
 * The socket's descriptor duplicated, when everything written to it has
 * reached the kernel (else a write of the new thread could overtake it);
 * -1 when it cannot move now.
 */
export function duplicateIdleSocket(socket: net.Socket): number {
  const addon = fdAddon();
  const fd = socketFd(socket);
  if (addon === null || fd < 0 || !allWritten(socket)) return -1;
  const copy = addon.dup(fd);
  return copy >= 0 ? copy : -1;
}

/** Close a descriptor that no socket took over (an adoption that failed). */
export function closeFd(fd: number): void {
  try {
    fs.closeSync(fd);
  } catch {
    // Already gone.
  }
}

/** A connection begins to move (before it leaves its thread's table): looks over every thread's clients wait for its end. */
export function countMoveStarted(ctrl: Int32Array | null): void {
  if (ctrl !== null) Atomics.add(ctrl, CTRL_MOVES_STARTED, 1);
}

/** A moving connection is in its new thread's table, or was dropped. */
export function countMoveEnded(ctrl: Int32Array | null): void {
  if (ctrl !== null) Atomics.add(ctrl, CTRL_MOVES_ENDED, 1);
}

/** How long a look waits at most for a connection on its way (a move takes microseconds; DEBUG MIGRATE-DELAY longer). */
const SETTLE_WAIT_MS = 5000;
/** Looks run again because a connection began to move meanwhile, at most. */
const LOOKS_MAX = 16;

/** One event-loop turn, or a millisecond after the first few turns (a wait that lasts must not spin). */
function later(turn: number): Promise<void> {
  return new Promise<void>((resolve) => (turn < 16 ? setImmediate(resolve) : setTimeout(resolve, 1)));
}

/**
 * Run `look`, a pass over every thread's clients (CLIENT LIST, CLIENT KILL:
 * an internal command on each thread, answered at different moments), so
 * that it meets every connection once. A connection on its way between
 * threads is in no thread's table, and one that moves while the pass runs
 * can be passed on both threads or on neither. So the pass starts when no
 * move is under way (it waits for one to end) and runs again when a move
 * began meanwhile (a look that kills counts over its runs: what it killed is
 * gone from the next). Moves are rare (once per connection at most,
 * usually), and so are second runs.
 */
export async function settledClients(ctrl: Int32Array | null, look: () => Promise<void>): Promise<void> {
  if (ctrl === null) return look();
  const since = performance.now();
  let turn = 0;
  for (let looks = 1; ; looks++) {
    // Ended before started: equal means every move started by then had ended.
    let ended = Atomics.load(ctrl, CTRL_MOVES_ENDED);
    let started = Atomics.load(ctrl, CTRL_MOVES_STARTED);
    while (started !== ended && performance.now() - since < SETTLE_WAIT_MS) {
      await later(turn++);
      ended = Atomics.load(ctrl, CTRL_MOVES_ENDED);
      started = Atomics.load(ctrl, CTRL_MOVES_STARTED);
    }
    await look();
    if (Atomics.load(ctrl, CTRL_MOVES_STARTED) === started || looks === LOOKS_MAX) return;
  }
}
