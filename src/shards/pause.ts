// CLIENT PAUSE on this thread: the pause in effect and the clients it holds.
// Every thread keeps its own copy of the pause (CLIENT PAUSE / UNPAUSE set it
// on all threads through internal commands); a client's command that the
// pause affects is held on its connection thread without blocking the event
// loop, and held clients are released in the order they were held.

import type { Client } from './client.ts';
import type { CommandSpec } from '../commands/types.ts';

export const PAUSE_OFF = 0;
export const PAUSE_WRITE = 1;
export const PAUSE_ALL = 2;

/** The pause in effect on this thread; `type` is read on the dispatch path. */
export const pause = { type: PAUSE_OFF, end: 0 };

const held: Client[] = [];
let timer: ReturnType<typeof setTimeout> | null = null;
/** Longest delay setTimeout accepts. */
const MAX_DELAY = 2147483647;

/**
 * Start or extend the pause (Redis keeps the stricter type and the later end).
 * `end` is an absolute time in ms; an end in the past lifts the pause on the next turn.
 */
export function setPause(type: number, end: number): void {
  if (pause.type === PAUSE_OFF) {
    pause.type = type;
    pause.end = end;
  } else {
    pause.type = Math.max(pause.type, type);
    pause.end = Math.max(pause.end, end);
  }
  schedule();
}

function schedule(): void {
  if (timer !== null) clearTimeout(timer);
  const delay = Math.min(Math.max(pause.end - Date.now(), 0), MAX_DELAY);
  timer = setTimeout(onTimer, delay);
  timer.unref();
}

function onTimer(): void {
  timer = null;
  if (pause.type === PAUSE_OFF) return;
  if (Date.now() >= pause.end) unpause();
  else schedule();
}

/**
 * Lift the pause; the held clients are released in order on the next turn of
 * the event loop (never from inside the command that lifted the pause).
 */
export function unpause(): void {
  if (timer !== null) {
    clearTimeout(timer);
    timer = null;
  }
  pause.type = PAUSE_OFF;
  pause.end = 0;
  if (held.length !== 0 && !releaseScheduled) {
    releaseScheduled = true;
    setImmediate(release);
  }
}

let releaseScheduled = false;

function release(): void {
  releaseScheduled = false;
  // Paused again meanwhile: each client checks the new pause when its command is dispatched again.
  const list = held.splice(0, held.length);
  for (const c of list) if (!c.closed) c.pauseReleased();
}

/** Keep `c` until the pause ends (its command is stalled in the client). */
export function hold(c: Client): void {
  held.push(c);
}

/** A held client went away. */
export function dropHeld(c: Client): void {
  const i = held.indexOf(c);
  if (i >= 0) held.splice(i, 1);
}

// Command classes, cached by command id (flags are fixed once the table is built).
export const CLS_WRITE = 1; // write or may-replicate: held by PAUSE WRITE
export const CLS_READ = 2; // readonly
export const CLS_NO_MONITOR = 4; // admin or skip-monitor: not shown to MONITOR
const classes: number[] = [];

export function commandClass(spec: CommandSpec): number {
  const id = spec.id!;
  let v = classes[id];
  if (v === undefined) {
    const f = spec.flags;
    v = 0;
    if (f.includes('write') || f.includes('may-replicate') || f.includes('may_replicate')) v |= CLS_WRITE;
    if (f.includes('readonly')) v |= CLS_READ;
    if (f.includes('admin') || f.includes('skip-monitor') || f.includes('skip_monitor')) v |= CLS_NO_MONITOR;
    classes[id] = v;
  }
  return v;
}

/** Does the pause in effect hold this command? `queued`: the client's MULTI block, for EXEC. */
export function pauseHolds(spec: CommandSpec, queued: readonly { spec: CommandSpec }[] | null): boolean {
  if (pause.type === PAUSE_ALL) return true;
  if (pause.type !== PAUSE_WRITE) return false;
  if ((commandClass(spec) & CLS_WRITE) !== 0) return true;
  // EXEC counts as a write when its block holds one.
  if (queued !== null && spec.name === 'exec') {
    for (const q of queued) if ((commandClass(q.spec) & CLS_WRITE) !== 0) return true;
  }
  return false;
}
