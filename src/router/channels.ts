// The channels of one thread: an outbound ring to every other thread and an
// inbound ring from each, framed messages on top of the byte rings, and the
// doorbell. Messages to a peer are staged in an outbox during a batch and
// copied into the ring at flush time; what does not fit stays staged
// (back-pressure) and goes out when the peer has drained. A message larger
// than a ring simply streams through it in pieces and is reassembled here.
//
// Frame: u32 payload length, u8 kind, u8 resp, u16 db, u32 id, u32 aux, payload.
//
// Batches (sendBatched): consecutive messages of one kind for one id (a
// client's run of commands for one shard, the replies to them) share one
// frame while it is the last one staged for its peer: the payload is the
// messages one after the other and aux counts them, so a run costs one frame
// header, one dispatch and one reply frame however long it is.

import { availableParallelism } from 'node:os';
import { Ring } from './ring.ts';
import { putU32, getU32 } from '../proto/u32.ts';
import { argvListsSize, writeArgvLists, taggedArgvSize, writeTaggedArgv } from '../proto/argv_codec.ts';
import { nativeBells, type BellAddon } from './doorbell.ts';
import { copyBytes } from '../proto/copy_bytes.ts';

export const FRAME_HEADER = 16;

/** Doorbell slots are 16 Int32s apart so two threads' counters never share a cache line; slot 0 holds shared counters. */
const BELL_STRIDE = 16;
const BELL_SEQ = 0;
const BELL_SLEEPING = 1;
/** The thread's native bell id + 1 (doorbell.ts); 0 while it has none and sleeps in Atomics.waitAsync. */
const BELL_NATIVE = 2;
/** Set while the thread blocks in Atomics.wait (waitSync): rung with Atomics.notify even with a native bell. */
const BELL_SYNC = 3;

export function controlBytes(threads: number): number {
  return (threads + 1) * BELL_STRIDE * 4;
}

export type FrameHandler = (from: number, kind: number, resp: number, db: number, id: number, aux: number, payload: Buffer, start: number, end: number) => void;

class Outbox {
  buf: Buffer = Buffer.allocUnsafe(64 * 1024);
  start = 0;
  len = 0;
  /** Where the last staged frame's header is (-1: none a batch may extend). */
  last = -1;

  ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const shift = this.start;
    if (this.start > 0 && this.len - this.start + n <= this.buf.length) {
      this.buf.copy(this.buf, 0, this.start, this.len);
    } else {
      let size = this.buf.length * 2;
      while (size < this.len - this.start + n) size *= 2;
      const nb = Buffer.allocUnsafe(size);
      this.buf.copy(nb, 0, this.start, this.len);
      this.buf = nb;
    }
    this.len -= shift;
    this.start = 0;
    if (this.last >= 0) this.last -= shift;
  }
}

export class Channels {
  readonly self: number;
  readonly threads: number;
  private readonly outRings: (Ring | null)[] = [];
  private readonly inRings: (Ring | null)[] = [];
  private readonly outboxes: (Outbox | null)[] = [];
  private readonly inBufs: Buffer[] = [];
  private readonly inLens: number[] = [];
  private readonly bell: Int32Array;
  private dirty: number[] = [];
  private readonly dirtyFlag: boolean[] = [];
  private blocked = 0; // outboxes with bytes waiting for ring space
  onFrame: FrameHandler = () => {};
  /** Called after every wake-up drain (the owner flushes sockets there). */
  afterDrain: () => void = () => {};

  /** `bells`: the native doorbells (doorbell.ts), or null to sleep in Atomics.waitAsync. */
  constructor(self: number, threads: number, rings: SharedArrayBuffer[][], ringCapacity: number, control: SharedArrayBuffer, bells: BellAddon | null = nativeBells()) {
    this.self = self;
    this.bells = bells;
    this.threads = threads;
    this.bell = new Int32Array(control);
    const ownCore = availableParallelism() > threads;
    this.spinTurns = ownCore ? SPIN_TURNS : SHARED_CORE_TURNS;
    this.expectTurns = ownCore ? EXPECTING_TURNS : SHARED_CORE_TURNS;
    for (let j = 0; j < threads; j++) {
      const isPeer = j !== self;
      this.outRings.push(isPeer ? new Ring(rings[self][j], 0, ringCapacity) : null);
      this.inRings.push(isPeer ? new Ring(rings[j][self], 0, ringCapacity) : null);
      this.outboxes.push(isPeer ? new Outbox() : null);
      this.inBufs.push(isPeer ? Buffer.allocUnsafe(64 * 1024) : Buffer.alloc(0));
      this.inLens.push(0);
      this.inStarts.push(0);
      this.deferredFrom.push(0);
      this.dirtyFlag.push(false);
    }
  }

  // ---- sending -------------------------------------------------------------

  /** Start a frame to `to`; returns the outbox to write the payload into, via the helpers below. */
  private frame(to: number, kind: number, resp: number, db: number, id: number, aux: number, payloadLen: number): Outbox {
    const ob = this.outboxes[to]!;
    ob.ensure(FRAME_HEADER + payloadLen);
    const b = ob.buf;
    let o = ob.len;
    putU32(b, o, payloadLen);
    b[o + 4] = kind;
    b[o + 5] = resp;
    b[o + 6] = db & 0xff;
    b[o + 7] = (db >>> 8) & 0xff;
    putU32(b, o + 8, id >>> 0);
    putU32(b, o + 12, aux >>> 0);
    ob.last = o;
    ob.len = o + FRAME_HEADER;
    if (!this.dirtyFlag[to]) {
      this.dirtyFlag[to] = true;
      this.dirty.push(to);
    }
    return ob;
  }

  /** A frame whose payload is a list of argv lists. */
  sendArgvLists(to: number, kind: number, resp: number, db: number, id: number, aux: number, lists: string[][]): void {
    const size = argvListsSize(lists);
    const ob = this.frame(to, kind, resp, db, id, aux, size);
    writeArgvLists(ob.buf, ob.len, lists);
    ob.len += size;
  }

  /** A frame whose payload is u32 `head`, u32 count, then per command its u32 tag and argv (a pipeline step); the first n of the lists. */
  sendTagged(to: number, kind: number, resp: number, db: number, id: number, aux: number, head: number, tags: number[], argvs: string[][], n = argvs.length): void {
    let size = 8;
    for (let i = 0; i < n; i++) size += taggedArgvSize(argvs[i]);
    const ob = this.frame(to, kind, resp, db, id, aux, size);
    const b = ob.buf;
    let o = ob.len;
    putU32(b, o, head >>> 0);
    putU32(b, o + 4, n);
    o += 8;
    for (let i = 0; i < n; i++) o = writeTaggedArgv(b, o, tags[i], argvs[i]);
    ob.len = o;
  }

  /**
   * One message of a batch (see the top of this file): joins the last frame
   * staged for `to` when that one has the same kind, id, resp and db and is
   * still wholly in the outbox, else starts a frame with aux 1. A message is
   * `argv` (when not null) behind a u32 `tag`, else the bytes src[start, end).
   */
  sendBatched(to: number, kind: number, resp: number, db: number, id: number, tag: number, argv: string[] | null, src: Buffer, start: number, end: number): void {
    const n = argv !== null ? taggedArgvSize(argv) : end - start;
    let ob = this.outboxes[to]!;
    let at = ob.last;
    if (at >= ob.start && at + FRAME_HEADER + getU32(ob.buf, at) === ob.len && ob.buf[at + 4] === kind && getU32(ob.buf, at + 8) === id >>> 0 && ob.buf[at + 5] === resp && (ob.buf[at + 6] | (ob.buf[at + 7] << 8)) === db) {
      ob.ensure(n);
      at = ob.last;
      const b = ob.buf;
      putU32(b, at, getU32(b, at) + n);
      putU32(b, at + 12, getU32(b, at + 12) + 1);
    } else ob = this.frame(to, kind, resp, db, id, 1, n);
    if (argv !== null) writeTaggedArgv(ob.buf, ob.len, tag, argv);
    else copyBytes(src, start, end, ob.buf, ob.len);
    ob.len += n;
  }

  /** A frame whose payload is raw bytes. */
  sendBytes(to: number, kind: number, resp: number, db: number, id: number, aux: number, src: Buffer, start: number, end: number): void {
    const n = end - start;
    const ob = this.frame(to, kind, resp, db, id, aux, n);
    copyBytes(src, start, end, ob.buf, ob.len);
    ob.len += n;
  }

  /** Copy staged frames into the rings and ring the doorbells of peers that got bytes. */
  flush(): void {
    if (this.dirty.length === 0) return;
    const list = this.takeDirty();
    for (let k = 0; k < list.length; k++) this.flushTo(list[k]);
    list.length = 0;
  }

  /**
   * flush() for the peers that are awake (polling their rings: no doorbell
   * to ring); frames for a sleeping one stay staged for the turn's flush,
   * which wakes it once for all of them. Not while an outbox waits for ring
   * space (the turn's poll deals with those).
   */
  flushAwake(): void {
    if (this.dirty.length === 0 || this.blocked !== 0) return;
    const list = this.takeDirty();
    for (let k = 0; k < list.length; k++) {
      const to = list[k];
      if (Atomics.load(this.bell, (to + 1) * BELL_STRIDE + BELL_SLEEPING) === 0) this.flushTo(to);
      else this.dirty.push(to);
    }
    list.length = 0;
  }

  /** The list of peers with staged frames, an empty one in its place (the two lists take turns). */
  private takeDirty(): number[] {
    const list = this.dirty;
    this.dirty = this.spareDirty;
    this.spareDirty = list;
    return list;
  }

  private spareDirty: number[] = [];

  /** Peer `to`'s staged frames into its ring, as many as fit, and its doorbell rung when it got bytes. */
  private flushTo(to: number): void {
    const ob = this.outboxes[to]!;
    const ring = this.outRings[to]!;
    let n = ring.write(ob.buf, ob.start, ob.len);
    ob.start += n;
    if (ob.start !== ob.len) {
      // Raise the flag, then try again: a consumer that drained the ring
      // before it could see the flag would otherwise never ring back.
      ring.setWantSpace(true);
      const m = ring.write(ob.buf, ob.start, ob.len);
      ob.start += m;
      n += m;
    }
    if (ob.start === ob.len) {
      ob.start = ob.len = 0;
      ob.last = -1;
      this.dirtyFlag[to] = false;
      if (ob.buf.length > 4 * 1024 * 1024) ob.buf = Buffer.allocUnsafe(64 * 1024);
    } else {
      ring.setWantSpace(true);
      this.dirty.push(to);
      this.blocked++;
    }
    if (n > 0) this.ring(to);
  }

  private ring(to: number): void {
    const base = (to + 1) * BELL_STRIDE;
    Atomics.add(this.bell, base + BELL_SEQ, 1);
    if (Atomics.load(this.bell, base + BELL_SLEEPING) === 0) return;
    const id = Atomics.load(this.bell, base + BELL_NATIVE);
    if (id !== 0) this.bells!.ring(id - 1);
    // Every waiter on the word: a thread in waitSync, and one asleep in waitAsync (it may have both).
    if (id === 0 || Atomics.load(this.bell, base + BELL_SYNC) !== 0) Atomics.notify(this.bell, base + BELL_SEQ);
  }

  // ---- receiving -----------------------------------------------------------

  /** Read everything the peers have sent and dispatch complete frames. Returns the number of frames. */
  drain(): number {
    let frames = 0;
    // Frames set aside during a synchronous wait go first: they arrived before anything still unread.
    if (this.syncWaits === 0 && this.deferred.length !== 0) frames += this.replayDeferred();
    // Re-entrant: a frame handler may wait synchronously (waitSync) and drain again. The read
    // position of each peer is advanced before its frame is dispatched, and a nested drain never
    // moves bytes inside a buffer (a frame being handled further up the stack still points into it).
    this.drainDepth++;
    try {
      for (let j = 0; j < this.threads; j++) {
        const ring = this.inRings[j];
        if (ring === null) continue;
        for (;;) {
          for (;;) {
            // A wait that just ended (inside the frame handled before) may have set frames aside:
            // older, they go first. (Before reading the position: replaying may drain again.)
            if (this.syncWaits === 0 && this.deferred.length !== 0) frames += this.replayDeferred();
            const buf = this.inBufs[j];
            const s = this.inStarts[j];
            const len = this.inLens[j];
            if (len - s < FRAME_HEADER) break;
            const plen = getU32(buf, s);
            if (len - s < FRAME_HEADER + plen) break;
            const p = s + FRAME_HEADER;
            this.inStarts[j] = p + plen;
            this.onFrame(j, buf[s + 4], buf[s + 5], buf[s + 6] | (buf[s + 7] << 8), getU32(buf, s + 8), getU32(buf, s + 12), buf, p, p + plen);
            frames++;
          }
          const avail = ring.available();
          if (avail === 0) break;
          let buf = this.inBufs[j];
          let s = this.inStarts[j];
          let len = this.inLens[j];
          if (s === len) s = len = 0;
          else if (s > 0 && this.drainDepth === 1 && len + avail > buf.length) {
            buf.copy(buf, 0, s, len);
            len -= s;
            s = 0;
          }
          if (len + avail > buf.length) {
            let size = buf.length * 2;
            while (size < len - s + avail) size *= 2;
            const nb = Buffer.allocUnsafe(size);
            buf.copy(nb, 0, s, len);
            len -= s;
            s = 0;
            buf = nb;
          }
          len += ring.read(buf, len, avail);
          this.inBufs[j] = buf;
          this.inStarts[j] = s;
          this.inLens[j] = len;
          if (ring.takeWantSpace()) this.ring(j);
        }
        if (this.drainDepth === 1 && this.inStarts[j] === this.inLens[j]) {
          this.inStarts[j] = this.inLens[j] = 0;
          if (this.inBufs[j].length > 4 * 1024 * 1024) this.inBufs[j] = Buffer.allocUnsafe(64 * 1024);
        }
      }
    } finally {
      this.drainDepth--;
    }
    return frames;
  }

  // ---- synchronous waits (scripts' cross-shard calls) ------------------------------
  //
  // A thread running a script calls another shard synchronously: it sends the
  // request, then blocks in Atomics.wait on its doorbell while it keeps
  // draining its inbound rings, so the threads that wait for it are still
  // served and two waiting threads never deadlock. The frame handler decides
  // per frame whether it can run now; frames it cannot run inside a script
  // (replies to clients, commands that run scripts ...) are set aside with
  // defer() and dispatched, in arrival order, at the start of the next drain
  // outside the wait.

  private drainDepth = 0;
  /** Synchronous waits in progress (frames are set aside only inside one). */
  private syncWaits = 0;
  private readonly inStarts: number[] = [];
  private deferred: { from: number; kind: number; resp: number; db: number; id: number; aux: number; payload: Buffer }[] = [];
  private readonly deferredFrom: number[] = [];

  /** Keep a frame for later (a copy of its payload). */
  defer(from: number, kind: number, resp: number, db: number, id: number, aux: number, payload: Buffer, start: number, end: number): void {
    this.deferred.push({ from, kind, resp, db, id, aux, payload: Buffer.from(payload.subarray(start, end)) });
    this.deferredFrom[from]++;
  }

  /** Frames of this peer are set aside (later ones of the same kind must follow them). */
  hasDeferred(from: number): boolean {
    return this.deferredFrom[from] !== 0;
  }

  private replayDeferred(): number {
    const list = this.deferred;
    this.deferred = [];
    for (let j = 0; j < this.threads; j++) this.deferredFrom[j] = 0;
    for (const f of list) this.onFrame(f.from, f.kind, f.resp, f.db, f.id, f.aux, f.payload, 0, f.payload.length);
    return list.length;
  }

  /**
   * Block until done() is true, pushing this thread's outbound frames and
   * dispatching inbound ones meanwhile. Not for the event loop's normal path.
   */
  waitSync(done: () => boolean): void {
    const base = (this.self + 1) * BELL_STRIDE;
    this.syncWaits++;
    try {
      for (;;) {
        this.requeueBlocked();
        this.flush();
        if (done()) break;
        const seq = Atomics.load(this.bell, base + BELL_SEQ);
        // Senders notify only a thread flagged as sleeping; the flag goes up before the last look.
        Atomics.store(this.bell, base + BELL_SYNC, 1);
        Atomics.store(this.bell, base + BELL_SLEEPING, 1);
        const n = this.drain();
        if (done()) break;
        if (n > 0 || this.dirty.length > 0) continue;
        Atomics.wait(this.bell, base + BELL_SEQ, seq, 5);
      }
    } finally {
      this.syncWaits--;
    }
    Atomics.store(this.bell, base + BELL_SYNC, 0);
    Atomics.store(this.bell, base + BELL_SLEEPING, 0);
    this.flush();
    this.kick();
  }

  private requeueBlocked(): void {
    if (this.blocked === 0) return;
    this.blocked = 0;
    for (let j = 0; j < this.threads; j++) {
      const ob = this.outboxes[j];
      if (ob !== null && ob.len > ob.start && !this.dirtyFlag[j]) {
        this.dirtyFlag[j] = true;
        this.dirty.push(j);
      }
    }
  }

  /** Some outbox waiting for ring space now has space. */
  private blockedCanSend(): boolean {
    for (let j = 0; j < this.threads; j++) {
      const ob = this.outboxes[j];
      if (ob !== null && ob.len > ob.start && this.outRings[j]!.available() < this.outRings[j]!.capacity) return true;
    }
    return false;
  }

  hasInbound(): boolean {
    for (let j = 0; j < this.threads; j++) {
      const r = this.inRings[j];
      if (r !== null && r.available() > 0) return true;
    }
    return false;
  }

  // ---- the wake-up loop ------------------------------------------------------
  //
  // Waking a sleeping thread costs microseconds (its doorbell, doorbell.ts:
  // native, or Atomics.notify to its Atomics.waitAsync), reading a ring a
  // polling thread already looks at costs nothing. So while a thread is busy
  // it polls its rings once per event-loop turn (setImmediate) with its
  // sleeping flag down, and senders skip the doorbell; after some idle turns
  // (spinTurns) it raises the flag and sleeps until rung. The flag is raised
  // before the last look at the rings and senders publish before they read
  // it, so no wake-up is lost.
  //
  // Within a turn a thread does not keep its messages for the turn's end:
  // after each batch of work (ShardThread.endBatch: a client's input, a
  // client resumed, a frame handled) what it staged for peers that are awake
  // goes out at once (flushAwake: no doorbell, they poll), and after each
  // client's input what the others sent comes in (exchange). Exchanged once a
  // turn, a request that needed another thread waited for the end of the
  // sender's whole turn, then for the other's next poll, and that thread
  // often had nothing to do meanwhile: two threads under redis-benchmark left
  // a quarter of 2 vCPUs idle (/proc/stat; 8-22% with this). Frames for a
  // sleeping peer still wait for the turn's flush, one wake-up for all of
  // them (ringing it after every client's input took less through).
  //
  // Polling pays only on a core the thread has to itself. With as many server
  // threads as cores (or more), an idle turn takes CPU time from the thread
  // whose reply this one waits for, and from the clients on the same machine:
  // on 2 vCPUs with two server threads, polling 16 idle turns (128 while a
  // transaction is expected) cost 3-15% more CPU per command than 2 under
  // redis-benchmark, for equal or lower throughput (bench/RESULTS.md).

  private stopped = false;
  private pollScheduled = false;
  private armed = false;
  private activity = false;
  private idleTurns = 0;
  /** Idle turns a thread polls before it sleeps, and while expectingSoon(): see above. */
  private readonly spinTurns: number;
  private readonly expectTurns: number;
  /**
   * The owner's say that a message is due soon (another thread's transaction
   * holds locks here, and its next step or unlock usually follows at once):
   * keep polling a while longer instead of sleeping, which would add a
   * wake-up to every step.
   */
  expectingSoon: () => boolean = () => false;

  /** Native bells (doorbell.ts), when built: this thread's and the peers'. */
  private readonly bells: BellAddon | null;
  private bellId = -1;

  start(): void {
    if (this.bells !== null) {
      try {
        this.bellId = this.bells.open(this.onWake);
        Atomics.store(this.bell, (this.self + 1) * BELL_STRIDE + BELL_NATIVE, this.bellId + 1);
      } catch {
        // No bell to be had (the addon's table is full): this thread sleeps in Atomics.waitAsync.
        this.bellId = -1;
      }
    }
    this.sleep();
  }

  stop(): void {
    this.stopped = true;
    if (this.bellId < 0) return;
    Atomics.store(this.bell, (this.self + 1) * BELL_STRIDE + BELL_NATIVE, 0);
    this.bells!.close(this.bellId);
    this.bellId = -1;
  }

  /** Something happened on this thread (a client batch, a frame to send): poll on the next turn. */
  kick(): void {
    this.activity = true;
    if (this.pollScheduled || this.stopped) return;
    this.pollScheduled = true;
    Atomics.store(this.bell, (this.self + 1) * BELL_STRIDE + BELL_SLEEPING, 0);
    setImmediate(this.poll);
  }

  private readonly poll = (): void => {
    this.pollScheduled = false;
    if (this.stopped) return;
    this.activity = false;
    const frames = this.pump();
    if (frames > 0 || this.activity || this.dirty.length > 0) {
      this.idleTurns = 0;
      this.kick();
      return;
    }
    if (++this.idleTurns < this.spinTurns || (this.idleTurns < this.expectTurns && this.expectingSoon())) {
      this.pollScheduled = true;
      setImmediate(this.poll);
      return;
    }
    this.idleTurns = 0;
    this.sleep();
  };

  private readonly onWake = (): void => {
    this.armed = false;
    if (this.stopped) return;
    this.kick();
  };

  /**
   * The owner served a client's input: take in what the others sent now
   * rather than at the turn's poll (see the wake-up loop). Not inside a
   * drain or a synchronous wait, where frames are being handled further up
   * the stack.
   */
  exchange(): void {
    if (this.drainDepth !== 0 || this.syncWaits !== 0 || this.stopped) return;
    if (this.hasInbound()) this.pump();
  }

  /** Drain inbound rings, run the owner's flush, push staged frames; returns frames received. */
  pump(): number {
    this.requeueBlocked();
    const frames = this.drain();
    this.afterDrain();
    this.flush();
    return frames;
  }

  private sleep(): void {
    const base = (this.self + 1) * BELL_STRIDE;
    Atomics.store(this.bell, base + BELL_SLEEPING, 1);
    // A producer may have published (or a consumer freed space) before the
    // flag was visible: look once more before waiting.
    if (this.hasInbound() || (this.blocked > 0 && this.blockedCanSend())) {
      this.kick();
      return;
    }
    // A native bell calls onWake when a peer rings it.
    if (this.armed || this.bellId >= 0) return;
    const seq = Atomics.load(this.bell, base + BELL_SEQ);
    if (this.hasInbound()) {
      this.kick();
      return;
    }
    const r = Atomics.waitAsync(this.bell, base + BELL_SEQ, seq);
    if (r.async) {
      this.armed = true;
      r.value.then(this.onWake);
    } else this.kick();
  }
}

/** Idle event-loop turns a thread with a core of its own keeps polling its rings before it sleeps on the doorbell. */
const SPIN_TURNS = 16;
/**
 * The same while expectingSoon() (a few hundred microseconds): long enough for
 * the next step of a transaction in progress, short enough that a thread does
 * not burn a core for a transaction that waits elsewhere.
 */
const EXPECTING_TURNS = 128;
/** Both, when the server threads have no core to spare. */
const SHARED_CORE_TURNS = 2;
