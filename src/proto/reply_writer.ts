// Reply encoder: writes RESP2 / RESP3 replies straight into one growable
// buffer, which the connection copies out once per batch. Commands call these
// methods; `resp` selects the protocol for the types that differ.

import { formatDouble } from './number_format.ts';
import { SpareBuffers } from './spare_buffers.ts';

const INITIAL = 64 * 1024;
const SHRINK_ABOVE = 4 * 1024 * 1024;
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

// ---- handing big output off without a copy ------------------------------------------
//
// A client's replies are written into a writer shared by the thread's clients
// and copied out (take()) when the client's run ends. For a big output (GETs
// of kilobyte values, pipelined) that copy and the fresh buffer it needs each
// time cost more than the replies: 16 pipelined GETs of 16 KB values were a
// 256 KB allocation and copy per batch, and the allocations drove V8's
// collector (18% of the profile). handOff() gives the writer's buffer itself
// away and continues on a spare one; once the bytes are on the socket
// (conn_socket.ts; at the end of the event-loop turn, or at once for output
// over 64 KB: Client.send) releaseOutput() returns the buffer to the spares
// (clientsCron trims them to two every second).

/** Output of at least this many bytes leaves the writer by handOff() rather than take(). */
export const HANDOFF_BYTES = 16 * 1024;
/** Spare writer buffers (spare_buffers.ts): 16 MB in all, each at most the size a writer keeps (SHRINK_ABOVE). */
const spares = new SpareBuffers(16 * 1024 * 1024, SHRINK_ABOVE);
/** Buffers handed off and not yet released (released once: a buffer is never a spare twice). */
const handedOff = new WeakSet<ArrayBuffer>();

/** A writer buffer of `size` bytes on an ArrayBuffer of its own (handOff() gives the whole of it away). */
function ownBuffer(size: number): Buffer {
  return Buffer.allocUnsafeSlow(size);
}

/** Once a second (clientsCron): keep two spares at most, so a burst of big output does not hold memory for good. */
export function trimOutputSpares(): void {
  spares.trim(2);
}

/** `b` (the output of handOff(), or any other Buffer) was written: a handed-off buffer becomes a spare. */
export function releaseOutput(b: Buffer): void {
  if (handedOff.delete(b.buffer as ArrayBuffer)) spares.give(b);
}

/** "00" "01" ... "99" as ASCII bytes: two decimal digits per lookup. */
const DIGIT_PAIRS = new Uint8Array(200);
for (let i = 0; i < 100; i++) {
  DIGIT_PAIRS[2 * i] = 48 + ((i / 10) | 0);
  DIGIT_PAIRS[2 * i + 1] = 48 + (i % 10);
}

/** Decimal digits of 10 <= n < 2^31. */
function decimalDigits(n: number): number {
  if (n < 100000) return n < 100 ? 2 : n < 1000 ? 3 : n < 10000 ? 4 : 5;
  return n < 1000000 ? 6 : n < 10000000 ? 7 : n < 100000000 ? 8 : n < 1000000000 ? 9 : 10;
}

export interface ErrorCounter {
  countError(prefix: string): void;
}

/**
 * The code INFO errorstats counts an error reply under (its text after '-'):
 * the first word when a space ends it within Redis's 32 bytes of the reply
 * ('-' included), else ERR.
 */
export function errorCode(msg: string): string {
  const sp = msg.indexOf(' ');
  return sp >= 0 && sp < 31 ? msg.slice(0, sp) : 'ERR';
}

export class ReplyWriter {
  buf: Buffer = ownBuffer(INITIAL);
  len = 0;
  resp: 2 | 3 = 2;
  /** Receives every error reply (INFO errorstats); null when errors are not counted here. */
  errors: ErrorCounter | null = null;

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const nb = ownBuffer(size);
    this.buf.copy(nb, 0, 0, this.len);
    this.buf = nb;
  }

  /** Copy out what was written since `from` and rewind to `from`. */
  take(from = 0): Buffer {
    const out = Buffer.allocUnsafe(this.len - from);
    this.buf.copy(out, 0, from, this.len);
    this.len = from;
    if (from === 0 && this.buf.length > SHRINK_ABOVE) this.buf = ownBuffer(INITIAL);
    return out;
  }

  /**
   * Everything written, without a copy: the writer's own buffer is given away
   * (see HANDOFF_BYTES above) and writing goes on in a spare one. The caller
   * passes the result to releaseOutput() once nothing reads it any more.
   */
  handOff(): Buffer {
    const given = this.buf;
    const out = given.subarray(0, this.len);
    handedOff.add(given.buffer as ArrayBuffer);
    // At least the size it had grown to: a writer holding big batches would otherwise grow again, copying, for every batch.
    this.buf = spares.take(given.length <= SHRINK_ABOVE ? given.length : INITIAL);
    this.len = 0;
    return out;
  }

  reset(): void {
    this.len = 0;
    if (this.buf.length > SHRINK_ABOVE) this.buf = ownBuffer(INITIAL);
  }

  raw(b: Uint8Array, start = 0, end = b.length): void {
    const n = end - start;
    this.ensure(n);
    if (n <= 64) {
      // Short replies (+OK, :1) from part of a buffer: a JS copy, no subarray object.
      const d = this.buf;
      let o = this.len;
      for (let i = start; i < end; i++) d[o++] = b[i];
      this.len = o;
      return;
    }
    this.buf.set(start === 0 && end === b.length ? b : b.subarray(start, end), this.len);
    this.len += n;
  }

  /** Raw bytes given as a latin1 string (already RESP encoded). */
  rawString(s: string): void {
    this.ensure(s.length);
    this.latin1(s);
  }

  private line(prefix: number, s: string): void {
    this.ensure(s.length + 3);
    const b = this.buf;
    b[this.len++] = prefix;
    this.latin1(s);
    b[this.len++] = 13;
    b[this.len++] = 10;
  }

  /**
   * Append a latin1 string, or its characters [start, end) (room ensured):
   * short ones byte by byte in JS, which is cheaper than a call into C++
   * (Buffer#latin1Write) for the lengths, keys and small values most replies
   * carry.
   */
  private latin1(s: string, start = 0, end = s.length): void {
    if (end - start > 24) {
      this.len += this.buf.latin1Write(start === 0 && end === s.length ? s : s.slice(start, end), this.len);
      return;
    }
    const b = this.buf;
    let o = this.len;
    for (let i = start; i < end; i++) b[o++] = s.charCodeAt(i);
    this.len = o;
  }

  ok(): void {
    this.ensure(5);
    const b = this.buf;
    const o = this.len;
    b[o] = 43; /* + */
    b[o + 1] = 79; /* O */
    b[o + 2] = 75; /* K */
    b[o + 3] = 13;
    b[o + 4] = 10;
    this.len = o + 5;
  }

  simple(s: string): void {
    this.line(43 /* + */, s);
  }

  /** An error reply; `msg` is the full text after '-', e.g. "ERR syntax error". */
  error(msg: string): void {
    if (this.errors !== null) this.errors.countError(errorCode(msg));
    this.uncountedError(msg);
  }

  /** An error reply that is not counted here (it was where it came from). */
  uncountedError(msg: string): void {
    // Redis turns newlines in error text into spaces so the reply stays one line.
    if (msg.indexOf('\n') >= 0 || msg.indexOf('\r') >= 0) msg = msg.replace(/[\r\n]/g, ' ');
    this.line(45 /* - */, msg);
  }

  int(n: number): void {
    this.header(58 /* : */, n);
  }

  /**
   * A line of a prefix and an integer (integer replies, lengths, counts),
   * digits written straight into the buffer: String(n) allocates a string
   * for every number outside V8's small cache (a growing list's length).
   * Below 2^31 the digits go two at a time from a table, back to front, with
   * integer division by 100 (a multiply once compiled); beyond, one at a time.
   */
  private header(prefix: number, n: number): void {
    if (!(n <= MAX_SAFE && n >= -MAX_SAFE && Math.floor(n) === n)) {
      this.line(prefix, String(n));
      return;
    }
    this.ensure(24);
    const b = this.buf;
    let o = this.len;
    b[o++] = prefix;
    if (n < 0) {
      b[o++] = 45; /* - */
      n = -n;
    }
    if (n < 10) b[o++] = 48 + n;
    else if (n <= 0x7fffffff) {
      o += decimalDigits(n);
      let p = o;
      let v = n | 0;
      while (v >= 100) {
        const q = (v / 100) | 0;
        const r = (v - q * 100) << 1;
        b[--p] = DIGIT_PAIRS[r + 1];
        b[--p] = DIGIT_PAIRS[r];
        v = q;
      }
      if (v >= 10) {
        b[--p] = DIGIT_PAIRS[(v << 1) + 1];
        b[--p] = DIGIT_PAIRS[v << 1];
      } else b[--p] = 48 + v;
    } else {
      const start = o;
      do {
        const q = Math.floor(n / 10);
        b[o++] = 48 + (n - q * 10);
        n = q;
      } while (n !== 0);
      for (let i = start, j = o - 1; i < j; i++, j--) {
        const t = b[i];
        b[i] = b[j];
        b[j] = t;
      }
    }
    b[o] = 13;
    b[o + 1] = 10;
    this.len = o + 2;
  }

  bigint(n: bigint): void {
    this.line(58, n.toString());
  }

  bulk(s: string): void {
    this.bulkRange(s, 0, s.length);
  }

  bulkOrNull(s: string | undefined | null): void {
    if (s === undefined || s === null) this.nullBulk();
    else this.bulk(s);
  }

  /** A bulk string holding a number (GET of an int-encoded value, INCRBYFLOAT). */
  bulkNumber(n: number): void {
    this.bulk(String(n));
  }

  /** Characters s[start, end) of a latin1 string as a bulk string (no substring made when short). */
  bulkRange(s: string, start: number, end: number): void {
    const n = end - start;
    this.ensure(n + 24);
    this.header(36 /* $ */, n);
    if (n > 0) this.latin1(s, start, end);
    const b = this.buf;
    b[this.len++] = 13;
    b[this.len++] = 10;
  }

  /** Bytes b[start, end) as a bulk string. */
  bulkBuffer(b: Uint8Array, start = 0, end = b.length): void {
    this.header(36, end - start);
    this.raw(b, start, end);
    this.ensure(2);
    this.buf[this.len++] = 13;
    this.buf[this.len++] = 10;
  }

  nullBulk(): void {
    if (this.resp === 3) this.rawString('_\r\n');
    else this.rawString('$-1\r\n');
  }

  nullArray(): void {
    if (this.resp === 3) this.rawString('_\r\n');
    else this.rawString('*-1\r\n');
  }

  array(n: number): void {
    this.header(42 /* * */, n);
  }

  /** A map of n pairs: RESP3 '%', RESP2 a flat array of 2n. */
  map(n: number): void {
    if (this.resp === 3) this.header(37 /* % */, n);
    else this.header(42, n * 2);
  }

  /** A set of n elements: RESP3 '~', RESP2 an array. */
  set(n: number): void {
    this.header(this.resp === 3 ? 126 /* ~ */ : 42, n);
  }

  /** A double: RESP3 ',', RESP2 a bulk string, formatted like Redis's %.17g. */
  double(d: number): void {
    if (this.resp === 3) this.line(44 /* , */, formatDouble(d, true));
    else this.bulk(formatDouble(d, false));
  }

  bool(b: boolean): void {
    if (this.resp === 3) this.rawString(b ? '#t\r\n' : '#f\r\n');
    else this.rawString(b ? ':1\r\n' : ':0\r\n');
  }

  /** Verbatim string (RESP3 '='), a bulk string in RESP2. */
  verbatim(s: string, format = 'txt'): void {
    if (this.resp === 3) {
      this.header(61 /* = */, s.length + 4);
      this.rawString(format + ':' + s + '\r\n');
    } else this.bulk(s);
  }

  /** RESP3 push header (pub/sub, MONITOR); RESP2 an array. */
  push(n: number): void {
    this.header(this.resp === 3 ? 62 /* > */ : 42, n);
  }
}
