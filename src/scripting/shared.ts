// Scripting state shared by all server threads, in SharedArrayBuffers the
// main thread creates (createScriptingShared) and hands to every worker:
//
//  - control words: how many EVAL scripts / functions are past
//    busy-reply-threshold anywhere (other threads' clients then get BUSY),
//    the locks and versions of the two shared logs below;
//  - one block per thread: its script state word (running, EVAL or FCALL,
//    wrote data, kill requested, busy; the native hook reads it), when the
//    script started, and the running function's name and command (FUNCTION
//    STATS from another thread);
//  - the script log: bodies of every script EVAL or SCRIPT LOAD made known,
//    so EVALSHA finds them on any thread (SCRIPT FLUSH empties it);
//  - the function log: every FUNCTION LOAD / DELETE / FLUSH / RESTORE in
//    order, replayed by each thread into its own Lua state.

import { createGlobalScripts } from './global_scripts.ts';

export const W_BUSY_EVAL = 0;
export const W_BUSY_FUNC = 1;
/** Per-thread blocks start at this Int32 index; each is BLOCK_WORDS long. */
const BLOCK_BASE = 64;
const BLOCK_WORDS = 256;
/** Within a block: the state word, the start time (Float64 at word 2), the info length, the info bytes. */
const B_STATE = 0;
const B_START = 2;
const B_INFO_LEN = 4;
const B_INFO = 8;
const INFO_MAX = (BLOCK_WORDS - B_INFO) * 4;

export const ST_RUNNING = 1;
export const ST_EVAL = 2;
export const ST_DIRTY = 4;
export const ST_KILLED = 8;
export const ST_BUSY = 16;
/** The script must stop now (it escalates to the global lock, run.ts); the native side raises at once. */
export const ST_ABORT = 32;

export interface ScriptingShared {
  control: SharedArrayBuffer;
  scriptLog: SharedArrayBuffer;
  functionLog: SharedArrayBuffer;
  /** Scripts that reached undeclared keys (global_scripts.ts). */
  globalScripts: SharedArrayBuffer;
}

const LOG_MAX = 1024 * 1024 * 1024;

export function createScriptingShared(threads: number): ScriptingShared {
  const control = new SharedArrayBuffer((BLOCK_BASE + BLOCK_WORDS * Math.max(threads, 1)) * 4);
  const mk = (): SharedArrayBuffer => new SharedArrayBuffer(64 * 1024, { maxByteLength: LOG_MAX });
  return { control, scriptLog: mk(), functionLog: mk(), globalScripts: createGlobalScripts() };
}

/** This thread's view of the shared control words. */
export class ScriptControl {
  readonly words: Int32Array;
  readonly bytes: Uint8Array;
  readonly threads: number;
  readonly self: number;
  readonly stateIndex: number;
  /** Word index of this thread's script start time (a float64 the engine writes, native/src/engine.c). */
  readonly startIndex: number;

  constructor(sab: SharedArrayBuffer, threads: number, self: number) {
    this.words = new Int32Array(sab);
    this.bytes = new Uint8Array(sab);
    this.threads = threads;
    this.self = self;
    this.stateIndex = BLOCK_BASE + BLOCK_WORDS * self + B_STATE;
    this.startIndex = BLOCK_BASE + BLOCK_WORDS * self + B_START;
  }

  /**
   * Some script anywhere may be past busy-reply-threshold: plain reads for
   * the per-command check (like the MONITOR flag); busyKind() decides.
   */
  anyBusy(): boolean {
    const w = this.words;
    return (w[W_BUSY_EVAL] | w[W_BUSY_FUNC]) !== 0;
  }

  /** Some script anywhere is past busy-reply-threshold: 0 none, 1 an EVAL script, 2 a function. */
  busyKind(): number {
    if (Atomics.load(this.words, W_BUSY_EVAL) > 0) return 1;
    if (Atomics.load(this.words, W_BUSY_FUNC) > 0) return 2;
    return 0;
  }

  /** Before a write command: mark the script dirty; false when a kill was accepted first. */
  markDirty(): boolean {
    const w = this.words;
    const i = this.stateIndex;
    for (;;) {
      const s = Atomics.load(w, i);
      if ((s & ST_KILLED) !== 0) return false;
      if ((s & ST_DIRTY) !== 0) return true;
      if (Atomics.compareExchange(w, i, s, s | ST_DIRTY) === s) return true;
    }
  }

  /** Stop the running script at once, uncatchably (before any write: see run.ts escalation). */
  abort(): void {
    Atomics.or(this.words, this.stateIndex, ST_ABORT);
  }

  /** The running function's name and command, for FUNCTION STATS on other threads. */
  setInfo(name: string, argv: string[]): void {
    const base = BLOCK_BASE + BLOCK_WORDS * this.self;
    const parts = [name, ...argv];
    let size = 4;
    for (const p of parts) size += 4 + p.length;
    if (size > INFO_MAX) {
      // Keep what fits: the name and as many arguments as possible.
      while (parts.length > 1 && size > INFO_MAX) size -= 4 + parts.pop()!.length;
      if (size > INFO_MAX) return;
    }
    const b = Buffer.from(this.words.buffer, (base + B_INFO) * 4, INFO_MAX);
    let o = 0;
    b.writeUInt32LE(parts.length, o);
    o += 4;
    for (const p of parts) {
      b.writeUInt32LE(p.length, o);
      o += 4;
      o += b.latin1Write(p, o);
    }
    Atomics.store(this.words, base + B_INFO_LEN, o);
  }

  /** A thread's busy script: its state, start time and (for functions) name and command. */
  busyScript(thread: number): { state: number; start: number; name: string; argv: string[] } | null {
    const base = BLOCK_BASE + BLOCK_WORDS * thread;
    const state = Atomics.load(this.words, base + B_STATE);
    if ((state & ST_BUSY) === 0) return null;
    const start = new Float64Array(this.words.buffer, (base + B_START) * 4, 1)[0];
    const len = Atomics.load(this.words, base + B_INFO_LEN);
    let name = '';
    const argv: string[] = [];
    if (len > 0) {
      const b = Buffer.from(this.words.buffer, (base + B_INFO) * 4, len);
      const n = b.readUInt32LE(0);
      let o = 4;
      for (let i = 0; i < n; i++) {
        const l = b.readUInt32LE(o);
        o += 4;
        const s = b.latin1Slice(o, o + l);
        o += l;
        if (i === 0) name = s;
        else argv.push(s);
      }
    }
    return { state, start, name, argv };
  }

  /**
   * SCRIPT KILL / FUNCTION KILL: find a busy script and flag it killed.
   * Returns the reply error, or null when the kill was accepted.
   */
  kill(evalKill: boolean): string | null {
    for (let t = 0; t < this.threads; t++) {
      const i = BLOCK_BASE + BLOCK_WORDS * t + B_STATE;
      for (;;) {
        const s = Atomics.load(this.words, i);
        if ((s & ST_BUSY) === 0 || (s & ST_RUNNING) === 0) break;
        if ((s & ST_DIRTY) !== 0) return UNKILLABLE;
        const isEval = (s & ST_EVAL) !== 0;
        if (evalKill && !isEval) return BUSY_FUNCTION;
        if (!evalKill && isEval) return BUSY_EVAL;
        if (Atomics.compareExchange(this.words, i, s, s | ST_KILLED) === s) return null;
      }
    }
    return 'NOTBUSY No scripts in execution right now.';
  }
}

export const BUSY_EVAL = 'BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.';
export const BUSY_FUNCTION = 'BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.';
const UNKILLABLE =
  'UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.';

// ---- shared logs -------------------------------------------------------------------
//
// An append-only sequence of byte entries in a growable SharedArrayBuffer:
// header Int32 [lock, generation, tail], entries from byte 16 as u32 length
// + bytes. A spin lock (held for a copy, never across waits) orders writers
// and readers; reset() empties the log and bumps the generation.

const H_LOCK = 0;
const H_GEN = 1;
const H_TAIL = 2;
const DATA = 16;

export class SharedLog {
  private readonly sab: SharedArrayBuffer;
  private readonly hdr: Int32Array;

  constructor(sab: SharedArrayBuffer) {
    this.sab = sab;
    this.hdr = new Int32Array(sab, 0, 4);
  }

  generation(): number {
    return Atomics.load(this.hdr, H_GEN);
  }

  tail(): number {
    const t = Atomics.load(this.hdr, H_TAIL);
    return t === 0 ? DATA : t;
  }

  lock(): void {
    const h = this.hdr;
    let spins = 0;
    while (Atomics.compareExchange(h, H_LOCK, 0, 1) !== 0) {
      if (++spins > 100) Atomics.wait(h, H_LOCK, 1, 1);
    }
  }

  unlock(): void {
    Atomics.store(this.hdr, H_LOCK, 0);
    Atomics.notify(this.hdr, H_LOCK);
  }

  /** Append an entry (the caller holds the lock). */
  appendLocked(payload: Buffer): void {
    const tail = this.tail();
    const need = tail + 4 + payload.length;
    if (need > this.sab.byteLength) {
      let size = this.sab.byteLength * 2;
      while (size < need) size *= 2;
      this.sab.grow(Math.min(size, this.sab.maxByteLength));
      if (need > this.sab.byteLength) throw new Error('shared script log is full');
    }
    const b = Buffer.from(this.sab, tail, 4 + payload.length);
    b.writeUInt32LE(payload.length, 0);
    payload.copy(b, 4);
    Atomics.store(this.hdr, H_TAIL, need);
  }

  append(payload: Buffer): void {
    this.lock();
    try {
      this.appendLocked(payload);
    } finally {
      this.unlock();
    }
  }

  /** Entries from byte position `from` (the caller holds the lock); returns them and the new position. */
  readLocked(from: number): { entries: Buffer[]; pos: number } {
    const tail = this.tail();
    const pos0 = from < DATA ? DATA : from;
    const entries: Buffer[] = [];
    if (tail <= pos0) return { entries, pos: pos0 };
    const view = Buffer.from(this.sab, pos0, tail - pos0);
    let o = 0;
    while (o + 4 <= view.length) {
      const n = view.readUInt32LE(o);
      entries.push(Buffer.from(view.subarray(o + 4, o + 4 + n)));
      o += 4 + n;
    }
    return { entries, pos: pos0 + o };
  }

  /** Empty the log and bump its generation (the caller holds the lock). */
  resetLocked(): void {
    Atomics.store(this.hdr, H_TAIL, DATA);
    Atomics.add(this.hdr, H_GEN, 1);
  }
}
