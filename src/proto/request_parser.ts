// Incremental RESP request parser (multibulk and inline), with Redis's
// protocol errors and limits. It keeps its state across reads like Redis's
// processMultibulkBuffer does, so a huge command arriving in many chunks is
// parsed once and a large bulk is assembled with a single copy.

import { splitArgs } from '../config/splitargs.ts';
import { latin1 } from './latin1.ts';
import { SpareBuffers } from './spare_buffers.ts';

export { splitArgs };

const INLINE_MAX = 64 * 1024;
const INT_MAX = 2147483647;
const EMPTY = Buffer.alloc(0);

// ---- carry buffers ---------------------------------------------------------------
//
// A read that ends inside a command leaves its bytes for the next read. They
// used to be copied into a fresh Buffer, and the next read concatenated into
// another (a new ArrayBuffer of ~80 KB per 64 KB read when pipelined values of
// kilobytes stream in: allocation, a copy, and external memory that drives
// V8's collector). A parser now keeps such bytes in a carry buffer that it
// reuses read after read and gives back to the thread's spares once its input
// is used up; a connection idle with a partial command keeps its bytes at
// their size, not the carry (trim(), from clientsCron, as Redis resizes an
// idle client's query buffer).

/** Carry buffers are this big (or a power of two above, for bigger leftovers); 16 spares of this size are kept (spare_buffers.ts). */
const CARRY_SIZE = 128 * 1024;
const carrySpares = new SpareBuffers(16 * CARRY_SIZE, CARRY_SIZE);

/** A carry buffer of at least n bytes. */
function takeCarry(n: number): Buffer {
  let size = CARRY_SIZE;
  while (size < n) size *= 2;
  return carrySpares.take(size);
}

/**
 * Parse an integer the way Redis's string2ll does: optional '-', no leading
 * zeros, no spaces, within the signed 64-bit range. NaN on failure. Values
 * beyond 2^53 come back rounded, which is fine for the length checks here.
 */
export function parseStrictInt(buf: Buffer, start: number, end: number): number {
  if (start >= end || end - start > 20) return NaN;
  let i = start;
  let neg = false;
  if (buf[i] === 45) {
    neg = true;
    i++;
    if (i === end) return NaN;
  }
  if (buf[i] === 48) return i + 1 === end && !neg ? 0 : NaN;
  let v = 0;
  for (; i < end; i++) {
    const c = buf[i] - 48;
    if (c < 0 || c > 9) return NaN;
    v = v * 10 + c;
  }
  if (v >= 9e18) {
    // Near the 64-bit limits: decide exactly.
    const b = BigInt(buf.latin1Slice(start, end));
    if (b > 9223372036854775807n || b < -9223372036854775808n) return NaN;
  }
  return neg ? -v : v;
}

/**
 * Index of the next CR from `from`, or -1. Length lines are a few bytes long:
 * a short JS scan finds their end without a call into C++ (Buffer#indexOf).
 */
function lineEnd(buf: Buffer, from: number, len: number): number {
  const stop = from + 24 < len ? from + 24 : len;
  for (let i = from; i < stop; i++) if (buf[i] === 13) return i;
  return stop === len ? -1 : buf.indexOf(13, stop);
}

/** Redis finds line ends with strchr, which stops at a NUL byte: true when one comes before `end`. */
function nulBefore(buf: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (buf[i] === 0) return true;
  return false;
}

export class RequestParser {
  private buf: Buffer = EMPTY;
  private pos = 0;
  /** Chunks held back while a large bulk is still arriving (concatenated once it is complete). */
  private held: Buffer[] | null = null;
  private heldBytes = 0;
  private waitingFor = 0;
  /** Size of the bulk being assembled (its bytes from `pos`, CRLF included). */
  private heldNeed = 0;
  /** This parser's carry buffer (see above): `buf` is a view of it while a partial command waits in it. */
  private carry: Buffer | null = null;

  private reqType = 0; // 0: between commands, 1: multibulk, 2: inline
  private remaining = 0;
  private bulkLen = -1;
  private args: string[] = [];

  /** Set when the stream is broken; the text of the error reply (without '-'), or '' to close silently. */
  error: string | null = null;
  maxBulkLen = 512 * 1024 * 1024;
  queryBufferLimit = 1024 * 1024 * 1024;
  authenticated = true;
  /** True when the last command came as an inline request. */
  lastWasInline = false;

  feed(chunk: Buffer): void {
    if (this.waitingFor > 0) {
      if (this.held === null) {
        this.held = [this.buf.subarray(this.pos)];
        this.heldBytes = this.buf.length - this.pos;
      }
      this.held.push(chunk);
      this.heldBytes += chunk.length;
      // Like Redis, which reads a big argument on its own: only the argument's bytes count.
      if (Math.min(this.heldBytes, this.heldNeed) > this.queryBufferLimit) {
        this.error = '';
        return;
      }
      if (this.heldBytes - (this.buf.length - this.pos) < this.waitingFor) return;
      this.buf = Buffer.concat(this.held, this.heldBytes);
      this.pos = 0;
      this.held = null;
      this.heldBytes = 0;
      this.waitingFor = 0;
      this.dropCarry();
      return;
    }
    if (this.pos >= this.buf.length) {
      this.buf = chunk;
      this.pos = 0;
      this.dropCarry();
    } else {
      // The rest of the last read, then this one, in the carry buffer.
      const rest = this.buf.length - this.pos;
      const n = rest + chunk.length;
      this.toCarry(this.buf, this.pos, n);
      chunk.copy(this.carry!, rest);
      this.buf = this.carry!.subarray(0, n);
      this.pos = 0;
      if (n > this.queryBufferLimit) this.error = '';
    }
  }

  /** Move src[from, src.length) to the start of the carry buffer, which gets room for `room` bytes. */
  private toCarry(src: Buffer, from: number, room: number): void {
    const old = this.carry;
    if (old !== null && old.length >= room) {
      // src may be a view of old (copy moves overlapping bytes correctly), already in place when from is its start.
      if (src.buffer !== old.buffer || src.byteOffset + from !== old.byteOffset) src.copy(old, 0, from, src.length);
      return;
    }
    const c = takeCarry(room);
    src.copy(c, 0, from, src.length);
    this.carry = c;
    if (old !== null) carrySpares.give(old);
  }

  /**
   * The connection is idle: a partial command waiting in the carry buffer
   * moves to a buffer of its own size, the carry goes back to the spares.
   */
  trim(): void {
    // While a big bulk is assembled, its first piece may be a view of the carry.
    if (this.carry === null || this.waitingFor > 0) return;
    const rest = this.buf.length - this.pos;
    this.buf = rest > 0 ? Buffer.from(this.buf.subarray(this.pos)) : EMPTY;
    this.pos = 0;
    this.dropCarry();
  }

  /** The input no longer lies in the carry buffer: back to the spares. */
  private dropCarry(): void {
    const c = this.carry;
    if (c === null) return;
    this.carry = null;
    carrySpares.give(c);
  }

  /** The caller's reusable buffer fed last (feedTransient), while the parser may still point into it. */
  private transient: Buffer | null = null;

  /**
   * Feed bytes that live in a buffer the caller reuses (the thread's read
   * buffer, conn_socket.ts); call keep() before the buffer is written again.
   */
  feedTransient(chunk: Buffer): void {
    if (this.waitingFor > 0) {
      // Held until a large bulk is complete: a copy.
      this.feed(Buffer.from(chunk));
      return;
    }
    this.feed(chunk);
    if (this.buf === chunk) this.transient = chunk;
  }

  /** After parsing: copy the bytes not consumed yet out of the caller's buffer (nothing to do after feed). */
  keep(): void {
    const t = this.transient;
    if (t === null) return;
    this.transient = null;
    if (this.buf !== t) return;
    if (this.pos >= t.length) this.buf = EMPTY;
    else {
      const rest = t.length - this.pos;
      this.toCarry(t, this.pos, rest);
      this.buf = this.carry!.subarray(0, rest);
    }
    this.pos = 0;
  }

  /** Size of the input buffer the parser holds (CLIENT LIST rbs). */
  get bufferSize(): number {
    return this.held !== null ? this.heldBytes : this.buf.length;
  }

  /** Bytes received but not yet consumed. */
  get pendingBytes(): number {
    return this.held !== null ? this.heldBytes : this.buf.length - this.pos;
  }

  /** The next complete command, or null when more input is needed or `error` was set. */
  next(): string[] | null {
    if (this.waitingFor > 0 || this.error !== null) return null;
    const buf = this.buf;
    const len = buf.length;
    for (;;) {
      if (this.reqType === 0) {
        if (this.pos >= len) {
          if (this.pos > 0) {
            this.buf = EMPTY;
            this.pos = 0;
            this.dropCarry();
          }
          return null;
        }
        if (buf[this.pos] === 42 /* * */) {
          const quick = this.quick(buf, len);
          if (quick !== null) {
            this.lastWasInline = false;
            return quick;
          }
          this.reqType = 1;
        } else this.reqType = 2;
      }
      if (this.reqType === 2) {
        const r = this.inline(buf, len);
        if (r === null) return null;
        if (r.length === 0) continue;
        this.lastWasInline = true;
        return r;
      }
      if (this.remaining === 0) {
        const nl = lineEnd(buf, this.pos, len);
        if (nl < 0) {
          if (len - this.pos > INLINE_MAX) return this.fail('Protocol error: too big mbulk count string');
          return null;
        }
        if (nl + 1 >= len) return null;
        const n = parseStrictInt(buf, this.pos + 1, nl);
        if (n !== n && nulBefore(buf, this.pos, nl)) {
          // No line end as Redis sees it.
          if (len - this.pos > INLINE_MAX) return this.fail('Protocol error: too big mbulk count string');
          return null;
        }
        if (n !== n || n > INT_MAX) return this.fail('Protocol error: invalid multibulk length');
        if (!this.authenticated && n > 10) return this.fail('Protocol error: unauthenticated multibulk length');
        this.pos = nl + 2;
        if (n <= 0) {
          this.reqType = 0;
          continue;
        }
        this.remaining = n;
        this.args = [];
      }
      while (this.remaining > 0) {
        if (this.bulkLen < 0) {
          if (this.pos >= len) return null;
          const nl = lineEnd(buf, this.pos, len);
          if (nl < 0) {
            if (len - this.pos > INLINE_MAX) return this.fail('Protocol error: too big bulk count string');
            return null;
          }
          if (nl + 1 >= len) return null;
          const n = buf[this.pos] === 36 /* $ */ ? parseStrictInt(buf, this.pos + 1, nl) : NaN;
          if (n !== n && nulBefore(buf, this.pos, nl)) {
            // No line end as Redis sees it.
            if (len - this.pos > INLINE_MAX) return this.fail('Protocol error: too big bulk count string');
            return null;
          }
          if (buf[this.pos] !== 36 /* $ */) {
            return this.fail(`Protocol error: expected '$', got '${String.fromCharCode(buf[this.pos])}'`);
          }
          if (n !== n || n < 0 || n > this.maxBulkLen) return this.fail('Protocol error: invalid bulk length');
          if (!this.authenticated && n > 16384) return this.fail('Protocol error: unauthenticated bulk length');
          this.pos = nl + 2;
          this.bulkLen = n;
        }
        const need = this.bulkLen + 2;
        if (len - this.pos < need) {
          if (need > 32 * 1024) {
            this.waitingFor = need - (len - this.pos);
            this.heldNeed = need;
          }
          return null;
        }
        this.args.push(this.args.length === 0 ? this.commandName(buf, this.pos, this.bulkLen) : latin1(buf, this.pos, this.bulkLen));
        this.pos += need;
        this.bulkLen = -1;
        this.remaining--;
      }
      this.reqType = 0;
      this.lastWasInline = false;
      const args = this.args;
      this.args = [];
      return args;
    }
  }

  /**
   * The common case in one pass with locals: a complete multibulk request at
   * `pos` with up to 64 arguments of plain decimal lengths up to 64 KB. Null
   * (nothing consumed) for anything else: the general path below parses it,
   * errors and partial input included.
   */
  private quick(buf: Buffer, len: number): string[] | null {
    let p = this.pos + 1;
    if (p >= len || buf[p] === 48 /* 0 */) return null;
    let n = 0;
    for (;;) {
      if (p >= len) return null;
      const c = buf[p] - 48;
      if (c < 0 || c > 9) break;
      n = n * 10 + c;
      p++;
    }
    if (buf[p] !== 13 || p + 1 >= len || n === 0 || n > 64 || (!this.authenticated && n > 10)) return null;
    p += 2;
    const args = new Array<string>(n);
    for (let i = 0; i < n; i++) {
      if (p >= len || buf[p] !== 36 /* $ */) return null;
      p++;
      const first = p;
      let m = 0;
      for (;;) {
        if (p >= len) return null;
        const c = buf[p] - 48;
        if (c < 0 || c > 9) break;
        m = m * 10 + c;
        p++;
      }
      if (p === first || p - first > 5 || (buf[first] === 48 && p - first > 1) || buf[p] !== 13 || m > 65536) return null;
      if (!this.authenticated && m > 16384) return null;
      p += 2;
      if (p + m + 2 > len) return null;
      args[i] = i === 0 ? this.commandName(buf, p, m) : latin1(buf, p, m);
      p += m + 2;
    }
    this.pos = p;
    return args;
  }

  /**
   * The command name, reusing the previous string when the bytes are the same
   * (pipelines repeat names): no allocation, and the dispatcher's cache then
   * compares equal strings by identity.
   */
  private commandName(buf: Buffer, start: number, n: number): string {
    const last = this.lastName;
    if (last.length === n && n <= 32) {
      let i = 0;
      while (i < n && buf[start + i] === last.charCodeAt(i)) i++;
      if (i === n) return last;
    }
    const s = latin1(buf, start, n);
    if (n <= 32) this.lastName = s;
    return s;
  }

  private lastName = '';

  private fail(msg: string): null {
    this.error = 'ERR ' + msg;
    return null;
  }

  private inline(buf: Buffer, len: number): string[] | null {
    const nl = buf.indexOf(10, this.pos);
    if (nl < 0) {
      if (len - this.pos > INLINE_MAX) return this.fail('Protocol error: too big inline request');
      return null;
    }
    let end = nl;
    if (end > this.pos && buf[end - 1] === 13) end--;
    const line = buf.latin1Slice(this.pos, end);
    if (line.indexOf('\0') >= 0) {
      // Redis's strchr stops at the NUL: for it there is no line end yet.
      if (len - this.pos > INLINE_MAX) return this.fail('Protocol error: too big inline request');
      return null;
    }
    this.pos = nl + 1;
    this.reqType = 0;
    const args = splitArgs(line);
    if (args === null) return this.fail('Protocol error: unbalanced quotes in request');
    return args;
  }
}
