// The payload of FUNCTION DUMP / FUNCTION RESTORE, in Redis's format: per
// library the RDB opcode FUNCTION2 (245) and the library code as an RDB
// string (LZF-compressed when rdbcompression is on and it pays, exactly as
// redis-server writes it), then the RDB version (2 bytes, little endian) and
// the CRC64 of everything before it (8 bytes, little endian). RESTORE reads
// every RDB string encoding (plain, integer, LZF), so payloads from
// redis-server load here and ours load there.

import { checkCrc64LE, writeCrc64LE } from '../persist/crc64.ts';
import { encodeRdbString, RdbReader } from '../persist/rdb_string.ts';

export const RDB_OPCODE_FUNCTION2 = 245;
export const RDB_OPCODE_FUNCTION_PRE_GA = 246;
export const RDB_VERSION = 10;

/** The FUNCTION DUMP payload of these library codes; `compress` is the rdbcompression setting (default yes). */
export function encodeDump(codes: string[], compress = true): Buffer {
  const strings: Buffer[] = [];
  let size = 0;
  for (const code of codes) {
    const s = encodeRdbString(code, compress);
    strings.push(s);
    size += 1 + s.length;
  }
  const out = Buffer.allocUnsafe(size + 10);
  let p = 0;
  for (const s of strings) {
    out[p++] = RDB_OPCODE_FUNCTION2;
    out.set(s, p);
    p += s.length;
  }
  out[p++] = RDB_VERSION & 0xff;
  out[p++] = (RDB_VERSION >> 8) & 0xff;
  writeCrc64LE(out, 0, p, out, p);
  return out;
}

/** The library codes of a payload, or an error reply text. */
export function decodeDump(payload: Buffer): string[] | string {
  const WRONG = 'ERR DUMP payload version or checksum are wrong';
  if (payload.length < 10) return WRONG;
  const end = payload.length - 10;
  const ver = payload[end] | (payload[end + 1] << 8);
  if (ver > RDB_VERSION) return WRONG;
  if (!checkCrc64LE(payload, 0, payload.length - 8, payload.length - 8)) return WRONG;
  const r = new RdbReader(payload, 0, end);
  const codes: string[] = [];
  while (r.pos < end) {
    const type = r.byte();
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
