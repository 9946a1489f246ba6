// Bitmap commands (bitops.c): SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP,
// BITFIELD and BITFIELD_RO. They work on string values: a latin1 string, an
// int-encoded number (seen as its decimal text, as Redis does), or a
// ByteString (src/shards/keyspace.ts), the mutable byte buffer these commands
// keep large strings in so that a write changes bytes in place:
//
//  - a write (SETBIT, BITFIELD SET/INCRBY, BITOP's destination) leaves a value
//    of at least BYTESTRING_MIN bytes as a ByteString, grown greedily like
//    Redis's sdsMakeRoomFor (double below 1 MB, +1 MB above), so setting bits
//    at rising offsets is O(1) amortized; smaller values stay plain strings.
//  - a read (GETBIT, BITCOUNT, BITPOS, BITFIELD GET, BITOP's sources) of a
//    large plain string turns it into a ByteString once (no version bump: the
//    bytes are the same), so repeated counts do not convert it every time.
//  - any other command reads the key through Keyspace.get(), which turns a
//    ByteString back into a plain string: the string family never sees one.
//
// BITOP whose keys span shards runs as a cross-shard transaction: lock every
// key (ascending shards), read the sources with __bitop_read, compute here,
// store the result with __bitop_store on the destination's shard, unlock.

import { def } from './define.ts';
import type { CommandSpec, ExecContext } from './types.ts';
import type { Client } from '../shards/client.ts';
import { ByteString, type Keyspace, type RawValue } from '../shards/keyspace.ts';
import { parseI64 } from '../proto/number_format.ts';
import { groupKeys, withTxn } from '../router/cross.ts';
import { keyShard } from '../router/slot.ts';
import { arrayElements, isError, stringValue } from '../proto/reply_reader.ts';
import { cstr } from '../proto/c_string.ts';

const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';
const NOT_INT = 'ERR value is not an integer or out of range';
const SYNTAX = 'ERR syntax error';
const BAD_OFFSET = 'ERR bit offset is not an integer or out of range';
const BAD_BIT = 'ERR bit is not an integer or out of range';
const BAD_TYPE = 'ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.';
const TOO_BIG = 'ERR string exceeds maximum allowed size (proto-max-bulk-len)';

/** Values from this size on are kept as a ByteString after a bitmap write. */
const BYTESTRING_MIN = 512;
/** Plain strings from this size on become a ByteString when a bitmap command reads them. */
const PROMOTE_MIN = 4096;
/** The longest string V8 can hold: a ByteString must stay convertible to one. */
const MAX_JS_STRING = 536870888;
const DEFAULT_MAX_BULK = 512 * 1024 * 1024;
const MB = 1024 * 1024;

/** Set bits of every byte value. */
const POP8 = new Uint8Array(256);
for (let i = 1; i < 256; i++) POP8[i] = (i & 1) + POP8[i >> 1];

/** proto-max-bulk-len, the limit of bit offsets. */
function maxBulkLen(c: ExecContext): number {
  let v = NaN;
  try {
    v = Number(c.thread.config.num('proto-max-bulk-len'));
  } catch {
    // directive unknown to the config in use: Redis's default
  }
  return v > 0 ? v : DEFAULT_MAX_BULK;
}

// ---- reading values -------------------------------------------------------------

/** Bytes of the value being read by the current command: view[0, viewLen). */
let view: Buffer = Buffer.alloc(0);
let viewLen = 0;

/**
 * Point `view` at the bytes of a string value (v must be a string, a number
 * or a ByteString). A large plain string is replaced in the dict by its
 * ByteString (same bytes), so the next bitmap read needs no conversion.
 */
function loadView(ks: Keyspace, db: number, key: string, v: RawValue): void {
  if (typeof v === 'object') {
    const bs = v as ByteString;
    view = bs.buf;
    viewLen = bs.len;
    return;
  }
  const s = typeof v === 'number' ? String(v) : v;
  if (s.length >= PROMOTE_MIN) {
    const bs = new ByteString(Buffer.allocUnsafeSlow(s.length), s.length);
    bs.buf.latin1Write(s, 0);
    // Same value in another form: the entry keeps its LRU clock.
    const d = ks.dbs[db].dict;
    d.setValueAt(d.find(key), bs);
    view = bs.buf;
    viewLen = bs.len;
    return;
  }
  view = Buffer.from(s, 'latin1');
  viewLen = view.length;
}

/** lookupKeyRead: the raw value with hit/miss stats and the key's access time. */
function readRaw(ks: Keyspace, db: number, key: string): RawValue | undefined {
  return ks.readRaw(db, key);
}

/** True for a value the bitmap commands may work on. */
function isStringValue(v: RawValue): boolean {
  return typeof v !== 'object' || v.type === 'string';
}

/** Length in bytes of a string value. */
function byteLength(v: RawValue): number {
  if (typeof v === 'string') return v.length;
  if (typeof v === 'number') return String(v).length;
  return (v as ByteString).len;
}

// ---- writing values -------------------------------------------------------------

/** Capacity for a buffer that must hold `need` bytes and is growing (sdsMakeRoomFor's greedy policy). */
function growCapacity(need: number): number {
  if (need < BYTESTRING_MIN) return need;
  const cap = need < MB ? need * 2 : need + MB;
  return cap > MAX_JS_STRING ? need : cap;
}

/**
 * The value of a key as a ByteString ready for in-place writes, zero-padded
 * to at least `need` bytes (lookupStringForBitCommand). An existing ByteString
 * is grown in place; a plain string or number is copied into a new one.
 */
function writable(v: RawValue | undefined, need: number): ByteString {
  if (v === undefined) return new ByteString(Buffer.alloc(growCapacity(need)), need);
  if (typeof v === 'object') {
    const bs = v as ByteString;
    if (need > bs.buf.length) {
      const nb = Buffer.alloc(growCapacity(need));
      bs.buf.copy(nb, 0, 0, bs.len);
      bs.buf = nb;
    }
    if (need > bs.len) bs.len = need;
    return bs;
  }
  const s = typeof v === 'number' ? String(v) : v;
  const len = need > s.length ? need : s.length;
  const bs = new ByteString(Buffer.alloc(need > s.length ? growCapacity(need) : len), len);
  bs.buf.latin1Write(s, 0);
  return bs;
}

/** What to keep in the dict for a written value: small ones as plain strings. */
function toStored(bs: ByteString): RawValue {
  return bs.len < BYTESTRING_MIN ? bs.toString() : bs;
}

/** Check the byte length a write needs; false (error written) when it is too long. */
function checkLength(c: ExecContext, bytes: number): boolean {
  if (bytes > MAX_JS_STRING) {
    c.out.error(TOO_BIG);
    return false;
  }
  return true;
}

// ---- bit offsets ----------------------------------------------------------------

/**
 * getBitOffsetFromArgument: a bit offset below proto-max-bulk-len * 8, or -1
 * after the error reply. With `bits` > 0 a '#n' offset means n * bits.
 */
function bitOffset(c: ExecContext, arg: string, bits: number): number {
  const hash = bits > 0 && arg.charCodeAt(0) === 35; /* # */
  const p = parseI64(hash ? arg.slice(1) : arg);
  if (p === null) {
    c.out.error(BAD_OFFSET);
    return -1;
  }
  if (typeof p === 'number' && (!hash || (p >= 0 && p < 2 ** 40))) {
    const n = hash ? p * bits : p;
    if (n < 0 || Math.floor(n / 8) >= maxBulkLen(c)) {
      c.out.error(BAD_OFFSET);
      return -1;
    }
    return n;
  }
  let off = BigInt(p);
  if (hash) off = BigInt.asIntN(64, off * BigInt(bits));
  if (off < 0n || off >> 3n >= BigInt(maxBulkLen(c))) {
    c.out.error(BAD_OFFSET);
    return -1;
  }
  return Number(off);
}

// ---- SETBIT / GETBIT ------------------------------------------------------------

function setbit(c: ExecContext, argv: string[]): void {
  const off = bitOffset(c, argv[2], 0);
  if (off < 0) return;
  const on = parseI64(argv[3]);
  if (on !== 0 && on !== 1) {
    c.out.error(BAD_BIT);
    return;
  }
  const ks = c.ks;
  const key = argv[1];
  const v = ks.getRaw(c.db, key);
  if (v !== undefined && !isStringValue(v)) {
    c.out.error(WRONGTYPE);
    return;
  }
  const byte = (off - (off & 7)) / 8;
  const mask = 0x80 >> (off & 7);
  if (v !== undefined && byte < byteLength(v)) {
    // Within the string: nothing to store when the bit already has the value.
    const old = bitIn(v, byte, mask);
    if (old === on) {
      c.out.int(old);
      return;
    }
  }
  if (!checkLength(c, byte + 1)) return;
  const bs = writable(v, byte + 1);
  const b = bs.buf;
  const old = (b[byte] & mask) !== 0 ? 1 : 0;
  if (on === 1) b[byte] |= mask;
  else b[byte] &= ~mask;
  if (v === undefined) ks.set(c.db, key, toStored(bs));
  else ks.update(c.db, key, toStored(bs));
  c.out.int(old);
}

/** The bit of a string value at byte index `byte` (in range) under `mask`. */
function bitIn(v: RawValue, byte: number, mask: number): number {
  let x: number;
  if (typeof v === 'string') x = v.charCodeAt(byte);
  else if (typeof v === 'number') x = String(v).charCodeAt(byte);
  else x = (v as ByteString).buf[byte];
  return (x & mask) !== 0 ? 1 : 0;
}

function getbit(c: ExecContext, argv: string[]): void {
  const off = bitOffset(c, argv[2], 0);
  if (off < 0) return;
  const v = readRaw(c.ks, c.db, argv[1]);
  if (v === undefined) {
    c.out.int(0);
    return;
  }
  if (!isStringValue(v)) {
    c.out.error(WRONGTYPE);
    return;
  }
  const byte = (off - (off & 7)) / 8;
  c.out.int(byte < byteLength(v) ? bitIn(v, byte, 0x80 >> (off & 7)) : 0);
}

// ---- BITCOUNT / BITPOS ----------------------------------------------------------

/** Set bits in b[start, end). */
function popcount(b: Buffer, start: number, end: number): number {
  let n = 0;
  let i = start;
  const base = b.byteOffset;
  while (i < end && ((base + i) & 3) !== 0) n += POP8[b[i++]];
  const words = (end - i) >> 2;
  if (words > 0) {
    const w = new Int32Array(b.buffer, base + i, words);
    for (let k = 0; k < words; k++) {
      let x = w[k];
      x = x - ((x >>> 1) & 0x55555555);
      x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
      n += Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
    }
    i += words * 4;
  }
  while (i < end) n += POP8[b[i++]];
  return n;
}

/** A start/end argument: a number, exact when it matters (a bigint only compares). */
function cmpGreater(a: number | bigint, b: number | bigint): boolean {
  return typeof a === 'number' && typeof b === 'number' ? a > b : BigInt(a) > BigInt(b);
}

/** Clamp an index beyond the safe range (only its side matters against a string's length). */
function near(x: number | bigint): number {
  if (typeof x === 'number') return x;
  return x < 0n ? -Number.MAX_SAFE_INTEGER : Number.MAX_SAFE_INTEGER;
}

/** BYTE / BIT unit argument: 1 for BIT, 0 for BYTE, -1 for anything else. */
function unitArg(s: string): number {
  const u = cstr(s).toLowerCase();
  return u === 'bit' ? 1 : u === 'byte' ? 0 : -1;
}

function bitcount(c: ExecContext, argv: string[]): void {
  const v = readRaw(c.ks, c.db, argv[1]);
  if (v === undefined) {
    c.out.int(0);
    return;
  }
  if (!isStringValue(v)) {
    c.out.error(WRONGTYPE);
    return;
  }
  const argc = argv.length;
  let totlen = byteLength(v);
  let first = 0; // first bit counted
  let last = totlen * 8 - 1; // last bit counted
  if (argc === 4 || argc === 5) {
    const s0 = parseI64(argv[2]);
    const e0 = s0 === null ? null : parseI64(argv[3]);
    if (s0 === null || e0 === null) {
      c.out.error(NOT_INT);
      return;
    }
    let isbit = 0;
    if (argc === 5) {
      isbit = unitArg(argv[4]);
      if (isbit < 0) {
        c.out.error(SYNTAX);
        return;
      }
    }
    if (s0 < 0 && e0 < 0 && cmpGreater(s0, e0)) {
      c.out.int(0);
      return;
    }
    if (isbit === 1) totlen *= 8;
    let start = near(s0);
    let end = near(e0);
    if (start < 0) start = totlen + start;
    if (end < 0) end = totlen + end;
    if (start < 0) start = 0;
    if (end < 0) end = 0;
    if (end >= totlen) end = totlen - 1;
    if (start > end) {
      c.out.int(0);
      return;
    }
    if (isbit === 1) {
      first = start;
      last = end;
    } else {
      first = start * 8;
      last = end * 8 + 7;
    }
  } else if (argc !== 2) {
    c.out.error(SYNTAX);
    return;
  }
  if (last < first) {
    c.out.int(0);
    return;
  }
  loadView(c.ks, c.db, argv[1], v);
  const b = view;
  const fb = (first - (first & 7)) / 8;
  const lb = (last - (last & 7)) / 8;
  let n = popcount(b, fb, lb + 1);
  // Take off the bits of the edge bytes outside the range.
  n -= POP8[b[fb] & ~(0xff >> (first & 7)) & 0xff];
  n -= POP8[b[lb] & (0xff >> ((last & 7) + 1))];
  c.out.int(n);
}

/** First bit equal to `bit` in bits [first, last] of b, or -1. */
function findBit(b: Buffer, first: number, last: number, bit: number): number {
  const fb = (first - (first & 7)) / 8;
  const lb = (last - (last & 7)) / 8;
  const skip = bit === 1 ? 0 : 0xff;
  for (let i = fb; i <= lb; i++) {
    let x = b[i];
    if (x === skip) {
      // Whole words at once through the aligned middle.
      if (((b.byteOffset + i) & 3) === 0 && i + 4 <= lb) {
        const words = (lb - i) >> 2;
        const w = new Int32Array(b.buffer, b.byteOffset + i, words);
        const wskip = bit === 1 ? 0 : -1;
        let k = 0;
        while (k < words && w[k] === wskip) k++;
        i += k * 4;
        if (k > 0) {
          i--;
          continue;
        }
      }
      continue;
    }
    if (bit === 0) x = ~x & 0xff;
    // x has a 1 where the searched bit is; mask the range edges.
    if (i === fb) x &= 0xff >> (first & 7);
    if (i === lb) x &= ~(0xff >> ((last & 7) + 1)) & 0xff;
    if (x !== 0) return i * 8 + (Math.clz32(x) - 24);
  }
  return -1;
}

function bitpos(c: ExecContext, argv: string[]): void {
  const bitArg = parseI64(argv[2]);
  if (bitArg === null) {
    c.out.error(NOT_INT);
    return;
  }
  if (bitArg !== 0 && bitArg !== 1) {
    c.out.error('ERR The bit argument must be 1 or 0.');
    return;
  }
  const bit = bitArg;
  const v = readRaw(c.ks, c.db, argv[1]);
  if (v === undefined) {
    c.out.int(bit === 1 ? -1 : 0);
    return;
  }
  if (!isStringValue(v)) {
    c.out.error(WRONGTYPE);
    return;
  }
  const argc = argv.length;
  let totlen = byteLength(v);
  let endGiven = false;
  let first = 0;
  let last = totlen * 8 - 1;
  if (argc >= 4 && argc <= 6) {
    const s0 = parseI64(argv[3]);
    if (s0 === null) {
      c.out.error(NOT_INT);
      return;
    }
    let isbit = 0;
    if (argc === 6) {
      isbit = unitArg(argv[5]);
      if (isbit < 0) {
        c.out.error(SYNTAX);
        return;
      }
    }
    let e0: number | bigint = totlen - 1;
    if (argc >= 5) {
      const e = parseI64(argv[4]);
      if (e === null) {
        c.out.error(NOT_INT);
        return;
      }
      e0 = e;
      endGiven = true;
    }
    if (isbit === 1) totlen *= 8;
    let start = near(s0);
    let end = near(e0);
    if (start < 0) start = totlen + start;
    if (end < 0) end = totlen + end;
    if (start < 0) start = 0;
    if (end < 0) end = 0;
    if (end >= totlen) end = totlen - 1;
    if (start > end) {
      c.out.int(-1);
      return;
    }
    if (isbit === 1) {
      first = start;
      last = end;
    } else {
      first = start * 8;
      last = end * 8 + 7;
    }
  } else if (argc !== 3) {
    c.out.error(SYNTAX);
    return;
  }
  if (last < first) {
    c.out.int(-1);
    return;
  }
  loadView(c.ks, c.db, argv[1], v);
  const pos = findBit(view, first, last, bit);
  if (pos >= 0 || bit === 1 || endGiven) c.out.int(pos);
  // Looking for a clear bit with no end given: the string counts as padded with zeros.
  else c.out.int(last + 1);
}

// ---- BITOP ----------------------------------------------------------------------

const OP_AND = 0;
const OP_OR = 1;
const OP_XOR = 2;
const OP_NOT = 3;

/** The operation of BITOP's first argument, -1 when unknown. */
function bitopCode(name: string): number {
  switch (cstr(name).toLowerCase()) {
    case 'and':
      return OP_AND;
    case 'or':
      return OP_OR;
    case 'xor':
      return OP_XOR;
    case 'not':
      return OP_NOT;
    default:
      return -1;
  }
}

/** Validate BITOP's operation and arity; the op code, or -1 after the error reply. */
function bitopParse(argv: string[], error: (msg: string) => void): number {
  const op = bitopCode(argv[1]);
  if (op < 0) {
    error(SYNTAX);
    return -1;
  }
  if (op === OP_NOT && argv.length !== 4) {
    error('ERR BITOP NOT must be called with a single source key.');
    return -1;
  }
  return op;
}

/** True when b's bytes sit at a 4-byte aligned address (word loops apply). */
function aligned(b: Buffer): boolean {
  return (b.byteOffset & 3) === 0;
}

/** The result of BITOP over the sources (missing keys are empty); null when every source is empty. */
function bitopCompute(op: number, srcs: Buffer[]): Buffer | null {
  let maxlen = 0;
  for (const s of srcs) if (s.length > maxlen) maxlen = s.length;
  if (maxlen === 0) return null;
  const res = Buffer.alloc(maxlen);
  const s0 = srcs[0];
  if (op === OP_NOT) {
    for (let j = 0; j < maxlen; j++) res[j] = ~s0[j];
    return res;
  }
  s0.copy(res, 0);
  for (let i = 1; i < srcs.length; i++) {
    const s = srcs[i];
    const n = s.length;
    let j = 0;
    if (aligned(s) && n >= 16) {
      const words = n >> 2;
      const rw = new Int32Array(res.buffer, res.byteOffset, words);
      const sw = new Int32Array(s.buffer, s.byteOffset, words);
      if (op === OP_AND) for (let k = 0; k < words; k++) rw[k] &= sw[k];
      else if (op === OP_OR) for (let k = 0; k < words; k++) rw[k] |= sw[k];
      else for (let k = 0; k < words; k++) rw[k] ^= sw[k];
      j = words * 4;
    }
    if (op === OP_AND) {
      for (; j < n; j++) res[j] &= s[j];
      res.fill(0, n);
    } else if (op === OP_OR) for (; j < n; j++) res[j] |= s[j];
    else for (; j < n; j++) res[j] ^= s[j];
  }
  return res;
}

/** A source's bytes for BITOP (a copy-free view of a ByteString; never promotes). */
function sourceBytes(v: RawValue): Buffer {
  if (typeof v === 'string') return Buffer.from(v, 'latin1');
  if (typeof v === 'number') return Buffer.from(String(v), 'latin1');
  const bs = v as ByteString;
  return bs.buf.subarray(0, bs.len);
}

/** Store BITOP's result (null: delete the destination), as setKey / dbDelete. */
function bitopStore(ks: Keyspace, db: number, dest: string, res: Buffer | null): void {
  ks.getRaw(db, dest); // lookupKeyWrite: an expired destination is removed first
  if (res === null) ks.delete(db, dest);
  else ks.set(db, dest, res.length < BYTESTRING_MIN ? res.latin1Slice(0, res.length) : new ByteString(res, res.length));
}

function bitop(c: ExecContext, argv: string[]): void {
  const op = bitopParse(argv, (m) => c.out.error(m));
  if (op < 0) return;
  const srcs: Buffer[] = [];
  for (let j = 3; j < argv.length; j++) {
    const v = readRaw(c.ks, c.db, argv[j]);
    if (v === undefined) srcs.push(EMPTY);
    else if (!isStringValue(v)) {
      c.out.error(WRONGTYPE);
      return;
    } else srcs.push(sourceBytes(v));
  }
  const res = bitopCompute(op, srcs);
  bitopStore(c.ks, c.db, argv[2], res);
  c.out.int(res === null ? 0 : res.length);
}

const EMPTY = Buffer.alloc(0);

/** Internal step of a cross-shard BITOP: each key's bytes, null when missing, a WRONGTYPE error element for another type. */
function bitopRead(c: ExecContext, argv: string[]): void {
  const out = c.out;
  out.array(argv.length - 1);
  for (let j = 1; j < argv.length; j++) {
    const v = readRaw(c.ks, c.db, argv[j]);
    if (v === undefined) out.nullBulk();
    else if (!isStringValue(v)) out.error(WRONGTYPE);
    else if (typeof v === 'object') {
      const bs = v as ByteString;
      out.bulkBuffer(bs.buf.subarray(0, bs.len));
    } else out.bulk(typeof v === 'number' ? String(v) : v);
  }
}

/** Internal step of a cross-shard BITOP: store the result (or delete the key when no value is given). */
function bitopStoreStep(c: ExecContext, argv: string[]): void {
  bitopStore(c.ks, c.db, argv[1], argv.length > 2 ? Buffer.from(argv[2], 'latin1') : null);
  c.out.ok();
}

/**
 * BITOP whose destination and sources span shards: lock them all (ascending
 * shards), read the sources, compute on this thread, store the result on the
 * destination's shard while the locks are still held.
 */
async function bitopCross(client: Client, argv: string[]): Promise<void> {
  const op = bitopParse(argv, (m) => client.out().error(m));
  if (op < 0) return;
  const positions: number[] = [];
  for (let j = 2; j < argv.length; j++) positions.push(j);
  const groups = groupKeys(argv, positions, client.thread.threads);
  const destShard = keyShard(argv[2], client.thread.threads);
  const reply = await withTxn(client, async (t): Promise<Buffer | number> => {
    const values: Buffer[] = new Array(argv.length);
    for (const g of groups) {
      const lock: string[] = [];
      const read = ['__bitop_read'];
      const readPos: number[] = [];
      for (const p of g.positions) {
        lock.push(argv[p]);
        if (p >= 3) {
          read.push(argv[p]);
          readPos.push(p);
        }
      }
      const [r] = await t.step(g.shard, readPos.length > 0 ? [read] : [], lock);
      if (readPos.length === 0) continue;
      if (isError(r)) return r;
      const el = arrayElements(r);
      for (let i = 0; i < readPos.length; i++) values[readPos[i]] = el[i];
    }
    const srcs: Buffer[] = [];
    for (let j = 3; j < argv.length; j++) {
      const e = values[j];
      if (isError(e)) return Buffer.from(e);
      const s = stringValue(e);
      srcs.push(s === null ? EMPTY : Buffer.from(s, 'latin1'));
    }
    const res = bitopCompute(op, srcs);
    const store = res === null ? ['__bitop_store', argv[2]] : ['__bitop_store', argv[2], res.latin1Slice(0, res.length)];
    const [w] = await t.step(destShard, [store], null);
    if (isError(w)) return w;
    return res === null ? 0 : res.length;
  });
  if (typeof reply === 'number') client.out().int(reply);
  else client.out().raw(reply);
}

// ---- BITFIELD -------------------------------------------------------------------

const BF_GET = 0;
const BF_SET = 1;
const BF_INCRBY = 2;
const OW_WRAP = 0;
const OW_SAT = 1;
const OW_FAIL = 2;

interface BitfieldOp {
  opcode: number;
  owtype: number;
  signed: boolean;
  bits: number;
  offset: number;
  value: number | bigint;
}

/** getBitfieldTypeFromArgument: [signed, bits], or null (error written). */
function bitfieldType(c: ExecContext, arg: string): [boolean, number] | null {
  const t = arg.charCodeAt(0);
  const signed = t === 105; /* i */
  if (!signed && t !== 117 /* u */) {
    c.out.error(BAD_TYPE);
    return null;
  }
  const n = parseI64(cstr(arg.slice(1)));
  if (n === null || n < 1 || (signed && n > 64) || (!signed && n > 63)) {
    c.out.error(BAD_TYPE);
    return null;
  }
  return [signed, Number(n)];
}

/** Unsigned value of `bits` (<= 32) bits at bit `off` of b (bytes past the end read as zero). */
function getBits32(b: Buffer, blen: number, off: number, bits: number): number {
  let v = 0;
  for (let j = 0; j < bits; j++, off++) {
    const byte = (off - (off & 7)) / 8;
    const bit = byte < blen ? (b[byte] >> (7 - (off & 7))) & 1 : 0;
    v = v * 2 + bit;
  }
  return v;
}

/** Unsigned value of `bits` (1..64) bits at bit `off` of b. */
function getBitsBig(b: Buffer, blen: number, off: number, bits: number): bigint {
  if (bits <= 32) return BigInt(getBits32(b, blen, off, bits));
  const hiBits = bits - 32;
  const hi = getBits32(b, blen, off, hiBits);
  const lo = getBits32(b, blen, off + hiBits, 32);
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/** Write the low `bits` (<= 32) bits of the unsigned v at bit `off` of b (in range). */
function setBits32(b: Buffer, off: number, bits: number, v: number): void {
  for (let j = bits - 1; j >= 0; j--, off++) {
    const byte = (off - (off & 7)) / 8;
    const mask = 0x80 >> (off & 7);
    if ((Math.floor(v / 2 ** j) & 1) !== 0) b[byte] |= mask;
    else b[byte] &= ~mask;
  }
}

function setBitsBig(b: Buffer, off: number, bits: number, v: bigint): void {
  const u = BigInt.asUintN(bits, v);
  if (bits <= 32) {
    setBits32(b, off, bits, Number(u));
    return;
  }
  const hiBits = bits - 32;
  setBits32(b, off, hiBits, Number(u >> 32n));
  setBits32(b, off + hiBits, 32, Number(u & 0xffffffffn));
}

/** Set by bitfieldWrite when a write changed the field's bits (Redis signals the key only then). */
let bfChanged = false;

/**
 * One SET or INCRBY on the bytes of b (grown to cover it): the reply value,
 * or null when OVERFLOW FAIL refused the write. Follows Redis's
 * checkSignedBitfieldOverflow / checkUnsignedBitfieldOverflow exactly, in
 * 64-bit two's complement.
 */
function bitfieldWrite(b: Buffer, op: BitfieldOp): number | bigint | null {
  const bits = op.bits;
  if (bits <= 32 && typeof op.value === 'number' && op.value <= 2 ** 48 && op.value >= -(2 ** 48)) return bitfieldWriteSmall(b, op);
  const raw = getBitsBig(b, b.length, op.offset, bits);
  const old = op.signed ? BigInt.asIntN(bits, raw) : raw;
  const arg = BigInt(op.value);
  let target: bigint;
  if (op.opcode === BF_INCRBY) target = op.signed ? old + arg : old + arg;
  else target = op.signed ? arg : BigInt.asUintN(64, arg);
  let max: bigint;
  let min: bigint;
  if (op.signed) {
    max = (1n << BigInt(bits - 1)) - 1n;
    min = -max - 1n;
  } else {
    max = (1n << BigInt(bits)) - 1n;
    min = 0n;
  }
  let next = target;
  if (target > max || target < min) {
    if (op.owtype === OW_FAIL) return null;
    if (op.owtype === OW_SAT) next = target > max ? max : min;
    else next = op.signed ? BigInt.asIntN(bits, target) : BigInt.asUintN(bits, target);
  }
  if (BigInt.asUintN(bits, next) !== raw) {
    setBitsBig(b, op.offset, bits, next);
    bfChanged = true;
  }
  return op.opcode === BF_INCRBY ? next : old;
}

/** bitfieldWrite for fields of at most 32 bits and arguments within 2^48: plain number math. */
function bitfieldWriteSmall(b: Buffer, op: BitfieldOp): number | null {
  const bits = op.bits;
  const span = 2 ** bits;
  const raw = getBits32(b, b.length, op.offset, bits);
  const arg = op.value as number;
  let old: number;
  let max: number;
  let min: number;
  if (op.signed) {
    old = raw >= span / 2 ? raw - span : raw;
    max = span / 2 - 1;
    min = -span / 2;
  } else {
    old = raw;
    max = span - 1;
    min = 0;
  }
  const target = op.opcode === BF_INCRBY ? old + arg : arg;
  let next = target;
  if (target > max || target < min) {
    if (op.owtype === OW_FAIL) return null;
    if (op.owtype === OW_SAT) {
      // An unsigned SET of a negative value is a huge uint64 in Redis: it saturates to the max.
      next = target > max || (!op.signed && op.opcode === BF_SET) ? max : min;
    } else {
      next = ((target % span) + span) % span;
      if (op.signed && next > max) next -= span;
    }
  }
  const u = next < 0 ? next + span : next;
  if (u !== raw) {
    setBits32(b, op.offset, bits, u);
    bfChanged = true;
  }
  return op.opcode === BF_INCRBY ? next : old;
}

/** BITFIELD GET: the field read from the value's bytes (zero past the end). */
function bitfieldGet(b: Buffer, blen: number, op: BitfieldOp): number | bigint {
  if (op.bits <= 32) {
    const raw = getBits32(b, blen, op.offset, op.bits);
    if (!op.signed) return raw;
    const span = 2 ** op.bits;
    return raw >= span / 2 ? raw - span : raw;
  }
  const raw = getBitsBig(b, blen, op.offset, op.bits);
  return op.signed ? BigInt.asIntN(op.bits, raw) : raw;
}

function bitfieldGeneric(c: ExecContext, argv: string[], readonlyCmd: boolean): void {
  const ops: BitfieldOp[] = [];
  let owtype = OW_WRAP;
  let readonly = true;
  let highest = 0;
  const argc = argv.length;
  for (let j = 2; j < argc; j++) {
    const rem = argc - j - 1;
    const sub = cstr(argv[j]).toLowerCase();
    let opcode: number;
    if (sub === 'get' && rem >= 2) opcode = BF_GET;
    else if (sub === 'set' && rem >= 3) opcode = BF_SET;
    else if (sub === 'incrby' && rem >= 3) opcode = BF_INCRBY;
    else if (sub === 'overflow' && rem >= 1) {
      const t = cstr(argv[++j]).toLowerCase();
      if (t === 'wrap') owtype = OW_WRAP;
      else if (t === 'sat') owtype = OW_SAT;
      else if (t === 'fail') owtype = OW_FAIL;
      else {
        c.out.error('ERR Invalid OVERFLOW type specified');
        return;
      }
      continue;
    } else {
      c.out.error(SYNTAX);
      return;
    }
    const type = bitfieldType(c, argv[j + 1]);
    if (type === null) return;
    const offset = bitOffset(c, argv[j + 2], type[1]);
    if (offset < 0) return;
    let value: number | bigint = 0;
    if (opcode !== BF_GET) {
      readonly = false;
      if (highest < offset + type[1] - 1) highest = offset + type[1] - 1;
      const p = parseI64(argv[j + 3]);
      if (p === null) {
        c.out.error(NOT_INT);
        return;
      }
      value = p;
    }
    ops.push({ opcode, owtype, signed: type[0], bits: type[1], offset, value });
    j += opcode === BF_GET ? 2 : 3;
  }

  const ks = c.ks;
  const key = argv[1];
  const out = c.out;
  if (readonly) {
    const v = readRaw(ks, c.db, key);
    if (v !== undefined && !isStringValue(v)) {
      out.error(WRONGTYPE);
      return;
    }
    if (v === undefined || ops.length === 0) viewLen = 0;
    else loadView(ks, c.db, key, v);
    out.array(ops.length);
    for (const op of ops) {
      const r = bitfieldGet(view, viewLen, op);
      if (typeof r === 'number') out.int(r);
      else out.bigint(r);
    }
    return;
  }
  if (readonlyCmd) {
    out.error('ERR BITFIELD_RO only supports the GET subcommand');
    return;
  }
  const v = ks.getRaw(c.db, key);
  if (v !== undefined && !isStringValue(v)) {
    out.error(WRONGTYPE);
    return;
  }
  const need = (highest - (highest & 7)) / 8 + 1;
  if (!checkLength(c, need)) return;
  const grows = v === undefined || need > byteLength(v);
  const bs = writable(v, need);
  bfChanged = false;
  const b = bs.buf;
  out.array(ops.length);
  for (const op of ops) {
    if (op.opcode === BF_GET) {
      const r = bitfieldGet(b, bs.len, op);
      if (typeof r === 'number') out.int(r);
      else out.bigint(r);
      continue;
    }
    const r = bitfieldWrite(b, op);
    if (r === null) out.nullBulk();
    else if (typeof r === 'number') out.int(r);
    else out.bigint(r);
  }
  // Like Redis, the key counts as modified only when it grew or a field changed.
  if (v === undefined) ks.set(c.db, key, toStored(bs));
  else if (grows || bfChanged) ks.update(c.db, key, toStored(bs));
}

// ---- the table ------------------------------------------------------------------

const W_BIT = ['@write', '@bitmap'];
const R_BIT = ['@read', '@bitmap'];

export const bitmapCommands: CommandSpec[] = [
  def('setbit', { arity: 4, flags: ['write', 'denyoom'], keys: [1, 1, 1], acl: [...W_BIT, '@slow'], group: 'bitmap', summary: 'Sets or clears the bit at offset in the string value stored at key', since: '2.2.0', complexity: 'O(1)', handler: setbit }),
  def('getbit', { arity: 3, flags: ['readonly', 'fast'], keys: [1, 1, 1], acl: [...R_BIT, '@fast'], group: 'bitmap', summary: 'Returns the bit value at offset in the string value stored at key', since: '2.2.0', complexity: 'O(1)', handler: getbit }),
  def('bitcount', { arity: -2, flags: ['readonly'], keys: [1, 1, 1], acl: [...R_BIT, '@slow'], group: 'bitmap', summary: 'Count set bits in a string', since: '2.6.0', complexity: 'O(N)', handler: bitcount }),
  def('bitpos', { arity: -3, flags: ['readonly'], keys: [1, 1, 1], acl: [...R_BIT, '@slow'], group: 'bitmap', summary: 'Find first bit set or clear in a string', since: '2.8.7', complexity: 'O(N)', handler: bitpos }),
  def('bitop', { arity: -4, flags: ['write', 'denyoom'], keys: [2, -1, 1], acl: [...W_BIT, '@slow'], group: 'bitmap', summary: 'Perform bitwise operations between strings', since: '2.6.0', complexity: 'O(N)', handler: bitop, cross: bitopCross }),
  def('bitfield', { arity: -2, flags: ['write', 'denyoom'], keys: [1, 1, 1], acl: [...W_BIT, '@slow'], group: 'bitmap', summary: 'Perform arbitrary bitfield integer operations on strings', since: '3.2.0', complexity: 'O(1) for each subcommand specified', handler: (c, argv) => bitfieldGeneric(c, argv, false) }),
  def('bitfield_ro', { arity: -2, flags: ['readonly', 'fast'], keys: [1, 1, 1], acl: [...R_BIT, '@fast'], group: 'bitmap', summary: 'Perform arbitrary bitfield integer operations on strings. Read-only variant of BITFIELD', since: '6.0.0', complexity: 'O(1) for each subcommand specified', handler: (c, argv) => bitfieldGeneric(c, argv, true) }),
  // Internal steps of the cross-shard BITOP (invisible to clients).
  def('__bitop_read', { arity: -2, flags: ['readonly'], keys: [1, -1, 1], group: 'internal', summary: 'BITOP: read source strings', since: '7.0.0', handler: bitopRead }),
  def('__bitop_store', { arity: -2, flags: ['write'], keys: [1, 1, 1], group: 'internal', summary: 'BITOP: store the result', since: '7.0.0', handler: bitopStoreStep }),
];
