// The payload of FUNCTION DUMP / FUNCTION RESTORE, in Redis's format: per
// library the RDB opcode FUNCTION2 (245) and the library code as an RDB
// string, then the RDB version (2 bytes, little endian) and the CRC64 of
// everything before it (8 bytes, little endian). Strings are written
// uncompressed; RESTORE reads every RDB string encoding (plain, integer,
// LZF), so payloads from redis-server load here and ours load there.

export const RDB_OPCODE_FUNCTION2 = 245;
export const RDB_OPCODE_FUNCTION_PRE_GA = 246;
export const RDB_VERSION = 10;

// ---- CRC-64/Jones (reflected, polynomial 0xad93d23594c935a9), as Redis's crc64 --------

let crcTable: BigUint64Array | null = null;

function table(): BigUint64Array {
  if (crcTable !== null) return crcTable;
  const poly = 0x95ac9329ac4bc9b5n; // the polynomial, bit-reversed
  const t = new BigUint64Array(256);
  for (let i = 0; i < 256; i++) {
    let c = BigInt(i);
    for (let k = 0; k < 8; k++) c = c & 1n ? (c >> 1n) ^ poly : c >> 1n;
    t[i] = c;
  }
  crcTable = t;
  return t;
}

export function crc64(b: Uint8Array, start = 0, end = b.length): bigint {
  const t = table();
  let crc = 0n;
  for (let i = start; i < end; i++) crc = t[Number((crc ^ BigInt(b[i])) & 0xffn)] ^ (crc >> 8n);
  return crc;
}

// ---- RDB strings ----------------------------------------------------------------------

function lengthBytes(n: number): Buffer {
  if (n < 64) return Buffer.from([n]);
  if (n < 16384) return Buffer.from([0x40 | (n >> 8), n & 0xff]);
  if (n <= 0xffffffff) {
    const b = Buffer.alloc(5);
    b[0] = 0x80;
    b.writeUInt32BE(n, 1);
    return b;
  }
  const b = Buffer.alloc(9);
  b[0] = 0x81;
  b.writeBigUInt64BE(BigInt(n), 1);
  return b;
}

export function encodeDump(codes: string[]): Buffer {
  const parts: Buffer[] = [];
  for (const code of codes) {
    parts.push(Buffer.from([RDB_OPCODE_FUNCTION2]), lengthBytes(code.length), Buffer.from(code, 'latin1'));
  }
  parts.push(Buffer.from([RDB_VERSION & 0xff, (RDB_VERSION >> 8) & 0xff]));
  const body = Buffer.concat(parts);
  const crc = Buffer.alloc(8);
  crc.writeBigUInt64LE(crc64(body));
  return Buffer.concat([body, crc]);
}

/** LZF decompression (the format of liblzf, which Redis uses for RDB strings). */
function lzfDecompress(src: Buffer, outLen: number): Buffer | null {
  const out = Buffer.alloc(outLen);
  let ip = 0;
  let op = 0;
  while (ip < src.length) {
    let ctrl = src[ip++];
    if (ctrl < 32) {
      ctrl++;
      if (op + ctrl > outLen || ip + ctrl > src.length) return null;
      src.copy(out, op, ip, ip + ctrl);
      ip += ctrl;
      op += ctrl;
    } else {
      let len = ctrl >> 5;
      if (len === 7) {
        if (ip >= src.length) return null;
        len += src[ip++];
      }
      if (ip >= src.length) return null;
      const ref = op - ((ctrl & 0x1f) << 8) - 1 - src[ip++];
      len += 2;
      if (ref < 0 || op + len > outLen) return null;
      for (let i = 0; i < len; i++) out[op++] = out[ref + i];
    }
  }
  return op === outLen ? out : null;
}

class Reader {
  readonly b: Buffer;
  pos = 0;
  constructor(b: Buffer) {
    this.b = b;
  }
  byte(): number {
    if (this.pos >= this.b.length) throw new Error('short');
    return this.b[this.pos++];
  }
  bytes(n: number): Buffer {
    if (this.pos + n > this.b.length) throw new Error('short');
    const r = this.b.subarray(this.pos, this.pos + n);
    this.pos += n;
    return r;
  }
  /** An RDB length, or the special encoding (as -1 - enc). */
  length(): number {
    const first = this.byte();
    const type = first >> 6;
    if (type === 0) return first & 0x3f;
    if (type === 1) return ((first & 0x3f) << 8) | this.byte();
    if (type === 3) return -1 - (first & 0x3f);
    if (first === 0x80) return this.bytes(4).readUInt32BE(0);
    if (first === 0x81) return Number(this.bytes(8).readBigUInt64BE(0));
    throw new Error('bad length');
  }
  string(): string {
    const n = this.length();
    if (n >= 0) { const b = this.bytes(n); return b.latin1Slice(0, b.length); }
    const enc = -1 - n;
    if (enc === 0) return String((this.byte() << 24) >> 24);
    if (enc === 1) return String(this.bytes(2).readInt16LE(0));
    if (enc === 2) return String(this.bytes(4).readInt32LE(0));
    if (enc === 3) {
      const clen = this.length();
      const len = this.length();
      const out = lzfDecompress(this.bytes(clen), len);
      if (out === null) throw new Error('lzf');
      return out.latin1Slice(0, out.length);
    }
    throw new Error('bad encoding');
  }
}

/** The library codes of a payload, or an error reply text. */
export function decodeDump(payload: Buffer): string[] | string {
  const WRONG = 'ERR DUMP payload version or checksum are wrong';
  if (payload.length < 10) return WRONG;
  const end = payload.length - 10;
  const ver = payload[end] | (payload[end + 1] << 8);
  if (ver > RDB_VERSION) return WRONG;
  if (crc64(payload, 0, payload.length - 8) !== payload.readBigUInt64LE(payload.length - 8)) return WRONG;
  const r = new Reader(payload.subarray(0, end));
  const codes: string[] = [];
  while (r.pos < end) {
    let type: number;
    try {
      type = r.byte();
    } catch {
      return 'ERR can not read data type';
    }
    if (type === RDB_OPCODE_FUNCTION_PRE_GA) return 'ERR Pre-GA function format not supported';
    if (type !== RDB_OPCODE_FUNCTION2) return 'ERR given type is not a function';
    try {
      codes.push(r.string());
    } catch {
      return 'ERR Failed loading library payload';
    }
  }
  return codes;
}
