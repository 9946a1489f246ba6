// RDB lengths and strings, as Redis writes them (rdbSaveLen, rdbSaveRawString,
// rdbSaveLongLongAsStringObject) and reads them (rdbLoadLen,
// rdbGenericLoadStringObject).
//
// Length: 00xxxxxx (6 bits), 01xxxxxx xxxxxxxx (14 bits), 0x80 + 4 bytes big
// endian, 0x81 + 8 bytes big endian; 11xxxxxx marks a special string encoding:
// 0/1/2 an 8/16/32-bit little-endian integer, 3 LZF (compressed length,
// original length, compressed bytes).
//
// A string is written as an integer when it is the canonical decimal form of
// a value that fits in 32 bits (and has at most 11 characters), else LZF when
// compression is on, it is longer than 20 bytes and compresses to at most
// len - 4 bytes, else as length + bytes.

import { lzfCompressInto, lzfDecompress } from './lzf.ts';

export const RDB_6BITLEN = 0;
export const RDB_14BITLEN = 1;
export const RDB_32BITLEN = 0x80;
export const RDB_64BITLEN = 0x81;
export const RDB_ENCVAL = 3;
export const RDB_ENC_INT8 = 0;
export const RDB_ENC_INT16 = 1;
export const RDB_ENC_INT32 = 2;
export const RDB_ENC_LZF = 3;

// ---- lengths --------------------------------------------------------------------------

/** Bytes rdbSaveLen writes for n. */
export function rdbLengthSize(n: number): number {
  return n < 64 ? 1 : n < 16384 ? 2 : n <= 0xffffffff ? 5 : 9;
}

/** Write n as an RDB length at out[pos]; returns the position after it. */
export function writeRdbLength(out: Uint8Array, pos: number, n: number): number {
  if (n < 64) {
    out[pos] = n;
    return pos + 1;
  }
  if (n < 16384) {
    out[pos] = 0x40 | (n >>> 8);
    out[pos + 1] = n & 0xff;
    return pos + 2;
  }
  if (n <= 0xffffffff) {
    out[pos] = RDB_32BITLEN;
    out[pos + 1] = n >>> 24;
    out[pos + 2] = n >>> 16;
    out[pos + 3] = n >>> 8;
    out[pos + 4] = n;
    return pos + 5;
  }
  const hi = Math.floor(n / 0x100000000);
  const lo = n >>> 0;
  out[pos] = RDB_64BITLEN;
  out[pos + 1] = hi >>> 24;
  out[pos + 2] = hi >>> 16;
  out[pos + 3] = hi >>> 8;
  out[pos + 4] = hi;
  out[pos + 5] = lo >>> 24;
  out[pos + 6] = lo >>> 16;
  out[pos + 7] = lo >>> 8;
  out[pos + 8] = lo;
  return pos + 9;
}

/** An RDB length on its own. */
export function rdbLengthBytes(n: number): Buffer {
  const b = Buffer.allocUnsafe(rdbLengthSize(n));
  writeRdbLength(b, 0, n);
  return b;
}

// ---- integers -------------------------------------------------------------------------

/** rdbEncodeInteger: the int8/16/32 form of v, or null when v needs more than 32 bits. */
export function rdbEncodeInteger(v: number): Buffer | null {
  if (v >= -128 && v <= 127) return Buffer.from([(RDB_ENCVAL << 6) | RDB_ENC_INT8, v & 0xff]);
  if (v >= -32768 && v <= 32767) return Buffer.from([(RDB_ENCVAL << 6) | RDB_ENC_INT16, v & 0xff, (v >> 8) & 0xff]);
  if (v >= -2147483648 && v <= 2147483647) {
    return Buffer.from([(RDB_ENCVAL << 6) | RDB_ENC_INT32, v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >>> 24) & 0xff]);
  }
  return null;
}

const CH_0 = 48;
const CH_9 = 57;
const CH_MINUS = 45;

/**
 * rdbTryIntegerEncoding's test: the value when `s` (at most 11 characters) is
 * the canonical decimal form of an integer (no sign but '-', no leading
 * zeros, no "-0"), else null.
 */
function canonicalInteger(s: string): number | null {
  const n = s.length;
  if (n === 0 || n > 11) return null;
  let i = 0;
  const neg = s.charCodeAt(0) === CH_MINUS;
  if (neg) {
    i = 1;
    if (n === 1) return null;
  }
  const first = s.charCodeAt(i);
  if (first < CH_0 || first > CH_9) return null;
  if (first === CH_0 && (n > i + 1 || neg)) return null; // "0" only, never "-0" or "01"
  let v = 0;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < CH_0 || c > CH_9) return null;
    v = v * 10 + (c - CH_0);
  }
  return neg ? -v : v;
}

/** The canonical-integer test on bytes (for Uint8Array values). */
function canonicalIntegerBytes(b: Uint8Array): number | null {
  if (b.length === 0 || b.length > 11) return null;
  return canonicalInteger(Buffer.from(b.buffer, b.byteOffset, b.length).latin1Slice(0, b.length));
}

// ---- strings --------------------------------------------------------------------------

let scratch = new Uint8Array(4096);
const SCRATCH_KEEP = 1 << 20;

function latin1Bytes(s: string): Buffer {
  return Buffer.from(s, 'latin1');
}

/** The LZF form of `bytes` (rdbSaveLzfStringObject), or null when it saves less than 4 bytes. */
function lzfString(bytes: Uint8Array): Buffer | null {
  const len = bytes.length;
  if (len <= 4) return null;
  const maxOut = len - 4;
  let buf = scratch;
  if (buf.length < maxOut + 1) {
    buf = new Uint8Array(maxOut + 1);
    if (buf.length <= SCRATCH_KEEP) scratch = buf;
  }
  const clen = lzfCompressInto(bytes, buf, 0, maxOut);
  if (clen === 0) return null;
  const out = Buffer.allocUnsafe(1 + rdbLengthSize(clen) + rdbLengthSize(len) + clen);
  out[0] = (RDB_ENCVAL << 6) | RDB_ENC_LZF;
  let p = writeRdbLength(out, 1, clen);
  p = writeRdbLength(out, p, len);
  out.set(buf.subarray(0, clen), p);
  return out;
}

/**
 * A string value as rdbSaveRawString writes it: `value` is latin1 text or
 * raw bytes; `compress` is the rdbcompression setting.
 */
export function encodeRdbString(value: string | Uint8Array, compress: boolean): Buffer {
  const len = value.length;
  if (len <= 11) {
    const v = typeof value === 'string' ? canonicalInteger(value) : canonicalIntegerBytes(value);
    if (v !== null) {
      const enc = rdbEncodeInteger(v);
      if (enc !== null) return enc;
    }
  }
  if (compress && len > 20) {
    const bytes = typeof value === 'string' ? latin1Bytes(value) : value;
    const z = lzfString(bytes);
    if (z !== null) return z;
    return plain(bytes);
  }
  if (typeof value === 'string') {
    const hdr = rdbLengthSize(len);
    const out = Buffer.allocUnsafe(hdr + len);
    writeRdbLength(out, 0, len);
    out.latin1Write(value, hdr, len);
    return out;
  }
  return plain(value);
}

function plain(bytes: Uint8Array): Buffer {
  const hdr = rdbLengthSize(bytes.length);
  const out = Buffer.allocUnsafe(hdr + bytes.length);
  writeRdbLength(out, 0, bytes.length);
  out.set(bytes, hdr);
  return out;
}

/**
 * An integer value (a string held in the int encoding) as
 * rdbSaveLongLongAsStringObject writes it: int8/16/32, else its decimal text.
 */
export function encodeRdbInteger(v: number): Buffer {
  return rdbEncodeInteger(v) ?? encodeRdbString(String(v), false);
}

// ---- reading --------------------------------------------------------------------------

/** Malformed or truncated RDB data. */
export class RdbFormatError extends Error {}

/** Reads RDB lengths and strings from a buffer, advancing `pos`. Throws RdbFormatError. */
export class RdbReader {
  readonly b: Buffer;
  pos: number;
  readonly end: number;

  constructor(b: Buffer, pos = 0, end = b.length) {
    this.b = b;
    this.pos = pos;
    this.end = end;
  }

  byte(): number {
    if (this.pos >= this.end) throw new RdbFormatError('short read');
    return this.b[this.pos++];
  }

  bytes(n: number): Buffer {
    if (n > this.end - this.pos) throw new RdbFormatError('short read');
    const r = this.b.subarray(this.pos, this.pos + n);
    this.pos += n;
    return r;
  }

  /** An RDB length; a special string encoding comes back as -1 - enc. */
  lengthOrEncoding(): number {
    const first = this.byte();
    const type = first >>> 6;
    if (type === RDB_6BITLEN) return first & 0x3f;
    if (type === RDB_14BITLEN) return ((first & 0x3f) << 8) | this.byte();
    if (type === RDB_ENCVAL) return -1 - (first & 0x3f);
    if (first === RDB_32BITLEN) {
      const b = this.bytes(4);
      return b.readUInt32BE(0);
    }
    if (first === RDB_64BITLEN) {
      const b = this.bytes(8);
      const v = b.readUInt32BE(0) * 0x100000000 + b.readUInt32BE(4);
      if (!Number.isSafeInteger(v)) throw new RdbFormatError('length out of range');
      return v;
    }
    throw new RdbFormatError(`Unknown length encoding ${first} in rdbLoadLen()`);
  }

  /** A plain length (no special encoding allowed). */
  length(): number {
    const n = this.lengthOrEncoding();
    if (n < 0) throw new RdbFormatError('unexpected string encoding');
    return n;
  }

  /** A string, as latin1 text. */
  string(): string {
    const n = this.lengthOrEncoding();
    if (n >= 0) {
      const b = this.bytes(n);
      return b.latin1Slice(0, b.length);
    }
    const enc = -1 - n;
    if (enc === RDB_ENC_LZF) {
      const out = this.lzf();
      return out.latin1Slice(0, out.length);
    }
    return String(this.integer(enc));
  }

  /** A string, as bytes (a view into the input when stored plain). */
  stringBytes(): Buffer {
    const n = this.lengthOrEncoding();
    if (n >= 0) return this.bytes(n);
    const enc = -1 - n;
    if (enc === RDB_ENC_LZF) return this.lzf();
    return Buffer.from(String(this.integer(enc)), 'latin1');
  }

  private integer(enc: number): number {
    if (enc === RDB_ENC_INT8) return (this.byte() << 24) >> 24;
    if (enc === RDB_ENC_INT16) return this.bytes(2).readInt16LE(0);
    if (enc === RDB_ENC_INT32) return this.bytes(4).readInt32LE(0);
    throw new RdbFormatError(`Unknown RDB string encoding type ${enc}`);
  }

  private lzf(): Buffer {
    const clen = this.length();
    const len = this.length();
    const out = lzfDecompress(this.bytes(clen), len);
    if (out === null) throw new RdbFormatError('Invalid LZF compressed string');
    return out;
  }
}
