// How a server thread reads its connections. Node's stream layer costs more
// per read than the command it carries at pipeline 1: a fresh Buffer (malloc
// and an ArrayBuffer) per read, then Readable's push and a 'data' event. A
// socket made with `onread` instead reads into a buffer we own and calls us
// directly with the byte count (Node's documented net.Socket option). Node's
// servers only make plain sockets, so each accepted connection is taken over:
// the server accepts it paused (pauseOnConnect, nothing read yet), and a new
// net.Socket wraps the same handle with `onread`, the way Node itself wraps an
// accepted handle. Measured on a minimal server under redis-benchmark at
// pipeline 1: 7.5 -> 6.2 µs of CPU per request (redis-server: 5.0).
//
// The bytes are valid only during the callback: the thread's clients share
// one read buffer, and each copies what it keeps (RequestParser.keep).
//
// Node still calls its own read handler first (stream_base_commons'
// onStreamRead: the stream's timer, its buffer callback, a generator check),
// then ours. Where Node's stream_wrap binding shows the read's byte count
// (streamBaseState), the handle's read callback is ours instead for reads
// that bring bytes; end of stream and errors still go to Node's handler.
// (The sockets have no timeout, which is all the skipped timer serves.)

import net from 'node:net';
import { releaseOutput } from '../proto/reply_writer.ts';

/** Bytes a read may bring (libuv's reads are bounded by the buffer). */
export const READ_BUFFER_BYTES = 64 * 1024;

interface WithHandle {
  _handle: net.SocketConstructorOpts['handle'] | null;
}

/**
 * The accepted, still paused socket `accepted`, re-wrapped so that reads land
 * in `buffer` and reach `onBytes` at once; null when the connection is already
 * gone. `accepted` is left without its handle and destroyed.
 */
export function readIntoBuffer(accepted: net.Socket, reads: ReadBuffer, onBytes: (chunk: Buffer) => void): net.Socket | null {
  const s = accepted as unknown as WithHandle;
  const handle = s._handle;
  if (handle === null || handle === undefined || accepted.destroyed) return null;
  s._handle = null;
  accepted.destroy();
  return readingSocket({ handle }, reads, onBytes);
}

/** A socket over `from` (a handle or a descriptor) whose reads land in `reads` and go to onBytes at once. */
function readingSocket(from: { handle: net.SocketConstructorOpts['handle'] } | { fd: number }, reads: ReadBuffer, onBytes: (chunk: Buffer) => void): net.Socket {
  return readsDirectly(new net.Socket({ ...from, readable: true, writable: true, onread: readsInto(reads, onBytes) }), reads, onBytes);
}

/** net.Socket's `onread` option: reads land in the thread's buffer and go to onBytes at once. */
function readsInto(reads: ReadBuffer, onBytes: (chunk: Buffer) => void): net.OnReadOpts {
  return {
    buffer: reads.buffer,
    callback: (n: number): boolean => {
      onBytes(reads.view(n));
      return true;
    },
  };
}

/**
 * A connection another thread handed over (a duplicate of its descriptor,
 * shards/migrate.ts), wrapped the same way: reads land in `buffer` and reach
 * `onBytes` at once. Bytes that arrived meanwhile wait in the kernel and are
 * read as soon as the socket is on this thread's loop.
 */
export function adoptDescriptor(fd: number, reads: ReadBuffer, onBytes: (chunk: Buffer) => void): net.Socket {
  return readingSocket({ fd }, reads, onBytes);
}

interface ReadableHandle {
  onread: (this: unknown, ab?: ArrayBuffer) => unknown;
}

/**
 * The socket's handle calls onBytes itself for reads that bring bytes (see
 * the top); Node's handler keeps end of stream and errors. The socket as it
 * is when the binding does not show the byte count.
 */
function readsDirectly(socket: net.Socket, reads: ReadBuffer, onBytes: (chunk: Buffer) => void): net.Socket {
  const handle = (socket as unknown as WithHandle)._handle as unknown as ReadableHandle | null;
  if (readState === null || handle === null || handle === undefined || typeof handle.onread !== 'function') return socket;
  const nodeRead = handle.onread;
  const state = readState.streamBaseState;
  const at = readState.kReadBytesOrError!;
  handle.onread = function (this: unknown, ab?: ArrayBuffer): unknown {
    const n = state[at];
    if (n <= 0) return nodeRead.call(this, ab);
    if (!socket.destroyed) onBytes(reads.view(n));
    return undefined;
  };
  return socket;
}

/** What the socket's handle shows of it (a stream handle of Node's: TCP or pipe). */
interface HandleState {
  fd?: number;
  writeQueueSize?: number;
}

function handleOf(socket: net.Socket): HandleState | null {
  const h = (socket as unknown as { _handle?: HandleState | null })._handle;
  return h === undefined ? null : h;
}

/** The socket's descriptor (CLIENT LIST fd=), or -1 (closed, or a runtime that does not show it). */
export function socketFd(socket: net.Socket): number {
  const h = handleOf(socket);
  return h !== null && typeof h.fd === 'number' ? h.fd : -1;
}

/**
 * Has everything written to the socket reached the kernel (nothing queued in
 * Writable or in libuv)? False when it cannot tell.
 */
export function allWritten(socket: net.Socket): boolean {
  const h = handleOf(socket);
  return h !== null && !socket.destroyed && socket.writableLength === 0 && h.writeQueueSize === 0;
}

/**
 * A thread's read buffer and the views of its first n bytes that reads hand
 * out. A read at pipeline 1 brings one command, and a client repeats the same
 * command: the view of a small length is made once and handed out again
 * rather than one Buffer object per read (the bytes are transient anyway:
 * only valid during the callback).
 */
export class ReadBuffer {
  readonly buffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
  private readonly views: (Buffer | undefined)[] = new Array(VIEWS_UP_TO + 1).fill(undefined);

  view(n: number): Buffer {
    if (n > VIEWS_UP_TO) return this.buffer.subarray(0, n);
    let v = this.views[n];
    if (v === undefined) v = this.views[n] = this.buffer.subarray(0, n);
    return v;
  }
}

/** Reads up to this many bytes get a kept view (ReadBuffer). */
const VIEWS_UP_TO = 1024;

// ---- writing ---------------------------------------------------------------
//
// The write side has the same shape: net.Socket#write goes through Writable's
// state machine (buffering, callbacks, 'drain' bookkeeping) before it reaches
// the handle, for a reply the client has been waiting for since this turn
// began. writeToSocket() hands the bytes to the handle directly, as Node's
// own stream_base_commons does under Writable: a WriteWrap request, the
// handle's writeBuffer (libuv writes at once, and queues in order what the
// kernel does not take), and the Buffer kept alive until an asynchronous
// completion. The socket's Writable side stays empty, so end() still shuts
// the connection down after every queued write (libuv's shutdown waits for
// them). The handle API comes from Node's stream_wrap binding; where it is
// missing (another runtime, a socket without a handle) the bytes go through
// socket.write. Every write of a connection goes through here
// (Client.flushOutput), so the two paths never interleave on one socket.

interface WriteReq {
  handle: unknown;
  oncomplete: (this: WriteReq, status: number) => void;
  async: boolean;
  bytes: number;
  buffer: Buffer | null;
  socket: net.Socket | null;
}

interface StreamWrapBinding {
  WriteWrap: new () => WriteReq;
  streamBaseState: Int32Array;
  kLastWriteWasAsync: number;
  /** Where a read callback finds the read's byte count (or error) in streamBaseState. */
  kReadBytesOrError?: number;
}

interface WritableHandle {
  writeBuffer(req: WriteReq, b: Buffer): number;
}

function loadStreamWrap(): StreamWrapBinding | null {
  try {
    const b = (process as unknown as { binding(name: string): unknown }).binding('stream_wrap') as Partial<StreamWrapBinding>;
    if (typeof b.WriteWrap !== 'function' || !(b.streamBaseState instanceof Int32Array) || typeof b.kLastWriteWasAsync !== 'number') return null;
    return b as StreamWrapBinding;
  } catch {
    return null;
  }
}

const streamWrap = loadStreamWrap();

/** The binding when it shows a read's byte count (readsDirectly), else null. */
const readState = streamWrap !== null && typeof streamWrap.kReadBytesOrError === 'number' ? streamWrap : null;

/** An asynchronous write finished: drop the bytes (a handed-off output buffer is free again); a failed one closes the socket (as net.Socket does). */
function onWriteComplete(this: WriteReq, status: number): void {
  if (this.buffer !== null) releaseOutput(this.buffer);
  this.buffer = null;
  if (status < 0 && this.socket !== null && !this.socket.destroyed) this.socket.destroy(new Error(`write failed (${status})`));
}

/**
 * Write b to the socket, straight to its handle when that is possible (see
 * above). Once the bytes are no longer needed, b goes to releaseOutput()
 * (reply_writer.ts): at once after a synchronous write, at the completion of
 * an asynchronous one; never when socket.write has it.
 */
export function writeToSocket(socket: net.Socket, b: Buffer): void {
  const handle = (socket as unknown as WithHandle)._handle as unknown as WritableHandle | null;
  if (streamWrap === null || handle === null || handle === undefined || typeof handle.writeBuffer !== 'function' || socket.destroyed) {
    socket.write(b);
    return;
  }
  let req = spareReq;
  if (req === null) {
    req = new streamWrap.WriteWrap();
    req.oncomplete = onWriteComplete;
    req.async = false;
    req.bytes = 0;
    req.buffer = null;
  } else spareReq = null;
  req.handle = handle;
  req.socket = socket;
  const err = handle.writeBuffer(req, b);
  if (err === 0 && streamWrap.streamBaseState[streamWrap.kLastWriteWasAsync] !== 0) {
    // Queued by libuv (the kernel took part of it): the bytes must outlive this call, and the
    // request is libuv's until it completes.
    req.buffer = b;
    return;
  }
  // Written at once (or failed): Node never attached the request object to anything (StreamBase::Write
  // returns before it makes a write request), so it serves the next write.
  req.handle = null;
  req.socket = null;
  spareReq = req;
  releaseOutput(b);
  if (err !== 0) socket.destroy(new Error(`write failed (${err})`));
}

/** A WriteWrap of a write that completed at once, for the next one (writeToSocket). */
let spareReq: WriteReq | null = null;
