// MONITOR: every command a client runs, on any thread, is streamed to the
// MONITOR clients in Redis's format:
//
//   +1700000000.123456 [0 127.0.0.1:50000] "set" "a" "b"
//
// A command is shown by its client's connection thread once it runs (local
// commands after they ran, so SELECT shows the new db). When nobody monitors,
// the cost is one read of a shared counter (CTRL_MONITORS in the control
// buffer). Otherwise lines collect in a per-thread buffer that goes out once
// per event-loop turn: to this thread's monitors directly, and as one
// K_MONITOR frame to each other thread that has monitors (a bit per thread in
// the CTRL_MONITOR_MASK words). Each client's commands show in the order they
// ran; lines from different threads interleave as they arrive (there is no
// global order of commands across threads to show).

import type { Client } from './client.ts';
import { K_MONITOR, type ShardThread } from './shard_thread.ts';
import { CTRL_MONITORS, CTRL_MONITOR_MASK, CTRL_MONITOR_MASK_WORDS } from '../control.ts';

/** The shared control words; the worker installs the real buffer at start. */
let ctrl: Int32Array = new Int32Array(16);
const MASK_BITS = CTRL_MONITOR_MASK_WORDS * 32;

export function initMonitors(control: Int32Array): void {
  ctrl = control;
}

/** Is any client on any thread monitoring? (the per-command check) */
export function monitorsActive(): boolean {
  return ctrl[CTRL_MONITORS] !== 0;
}

/** This thread's monitor clients, in the order they started, with the lines not yet written to each. */
interface LocalMonitor {
  client: Client;
  pending: string;
}
const local: LocalMonitor[] = [];

export function localMonitorCount(): number {
  return local.length;
}

function setBit(index: number, on: boolean): void {
  if (index >= MASK_BITS) return;
  const word = CTRL_MONITOR_MASK + (index >> 5);
  const bit = 1 << (index & 31);
  if (on) Atomics.or(ctrl, word, bit);
  else Atomics.and(ctrl, word, ~bit);
}

function threadMonitors(index: number): boolean {
  if (index >= MASK_BITS) return true; // beyond the mask: always sent
  return (Atomics.load(ctrl, CTRL_MONITOR_MASK + (index >> 5)) & (1 << (index & 31))) !== 0;
}

/** MONITOR: the client starts receiving the feed. */
export function addMonitor(thread: ShardThread, c: Client): void {
  if (c.monitor) return;
  c.monitor = true;
  c.replicaLike = true;
  local.push({ client: c, pending: '' });
  if (local.length === 1) setBit(thread.index, true);
  Atomics.add(ctrl, CTRL_MONITORS, 1);
}

/** RESET or disconnect of a monitor (lines not yet written to it are dropped). */
export function removeMonitor(thread: ShardThread, c: Client): void {
  if (!c.monitor) return;
  c.monitor = false;
  c.replicaLike = c.isReplica || c.isMaster;
  for (let i = 0; i < local.length; i++) {
    if (local[i].client === c) {
      local.splice(i, 1);
      if (local.length === 0) setBit(thread.index, false);
      break;
    }
  }
  Atomics.sub(ctrl, CTRL_MONITORS, 1);
}

// ---- the feed ------------------------------------------------------------

/** Lines for the other threads' monitors. */
let remotePending = '';
let flushThread: ShardThread | null = null;

/**
 * Show one executed command. `peer` is what Redis prints in the brackets
 * after the db: "ip:port", "unix:/path" or "lua". `self` is the client that
 * ran it when that client may itself be a monitor on this thread: it gets
 * its line right after its reply, as in Redis. Call between commands (or
 * with `self` null from inside a command: nothing is written then, only queued).
 */
export function feedMonitors(thread: ShardThread, db: number, peer: string, argv: string[], self: Client | null): void {
  let line = '+' + timestamp() + ' [' + db + ' ' + peer + ']';
  for (let i = 0; i < argv.length; i++) line += ' ' + repr(argv[i]);
  line += '\r\n';
  for (let i = 0; i < local.length; i++) {
    const m = local[i];
    if (m.client === self) thread.outFor(self).rawString(line);
    else m.pending += line;
  }
  if (thread.threads > 1) remotePending += line;
  if (flushThread === null) {
    flushThread = thread;
    setImmediate(flush);
  }
}

function flush(): void {
  const thread = flushThread!;
  flushThread = null;
  let wrote = false;
  for (let i = 0; i < local.length; i++) {
    const m = local[i];
    if (m.pending.length === 0) continue;
    if (!m.client.closed) {
      thread.outFor(m.client).rawString(m.pending);
      wrote = true;
    }
    m.pending = '';
  }
  if (wrote) thread.seal();
  if (remotePending.length !== 0) {
    const text = remotePending;
    remotePending = '';
    let buf: Buffer | null = null;
    for (let t = 0; t < thread.threads; t++) {
      if (t === thread.index || !threadMonitors(t)) continue;
      if (buf === null) buf = Buffer.from(text, 'latin1');
      thread.channels.sendBytes(t, K_MONITOR, 0, 0, 0, 0, buf, 0, buf.length);
    }
    if (buf !== null) thread.channels.flush();
  }
}

/** A K_MONITOR frame from another thread: hand the lines to this thread's monitors. */
export function deliverMonitorLines(thread: ShardThread, payload: Buffer, start: number, end: number): void {
  for (let i = 0; i < local.length; i++) {
    const m = local[i];
    if (m.client.closed) continue;
    // Lines of this thread's own commands still queued go first: each thread's lines stay in order.
    if (m.pending.length !== 0) {
      thread.outFor(m.client).rawString(m.pending);
      m.pending = '';
    }
    thread.outFor(m.client).raw(payload, start, end);
  }
}

/** Wall-clock time as Redis prints it: seconds.microseconds. */
function timestamp(): string {
  const us = Math.floor((performance.timeOrigin + performance.now()) * 1000);
  const sec = Math.floor(us / 1e6);
  const frac = String(us - sec * 1e6);
  return sec + '.' + '000000'.slice(frac.length) + frac;
}

const HEX = '0123456789abcdef';

/** Redis's sdscatrepr: a quoted string with C escapes, other bytes outside 0x20-0x7e as \xHH. */
export function repr(s: string): string {
  let plain = true;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) {
      plain = false;
      break;
    }
  }
  if (plain) return '"' + s + '"';
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    switch (c) {
      case 0x5c:
        out += '\\\\';
        break;
      case 0x22:
        out += '\\"';
        break;
      case 0x0a:
        out += '\\n';
        break;
      case 0x0d:
        out += '\\r';
        break;
      case 0x09:
        out += '\\t';
        break;
      case 0x07:
        out += '\\a';
        break;
      case 0x08:
        out += '\\b';
        break;
      default:
        if (c >= 0x20 && c <= 0x7e) out += s[i];
        else out += '\\x' + HEX[(c >> 4) & 15] + HEX[c & 15];
    }
  }
  return out + '"';
}
