// LZF, CRC64 and RDB strings (src/persist/): round trips on many kinds and
// sizes of data, and a differential check against a real redis-server: for
// each input, SET it there and DUMP it; the payload is the type byte 0, the
// RDB string, the RDB version and the CRC64, and our writer must produce the
// very same bytes (which proves the LZF compressor byte-identical to the
// liblzf redis-server runs).

import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { lzfCompress, lzfDecompress, lzfCompressInto, lzfResetTable } from '../src/persist/lzf.ts';
import { crc64, crc64Update, writeCrc64LE, checkCrc64LE } from '../src/persist/crc64.ts';
import { encodeRdbString, encodeRdbInteger, RdbReader, rdbLengthBytes, RdbFormatError } from '../src/persist/rdb_string.ts';
import { startRedis, haveRedisServer, type RunningServer } from './helpers/server.ts';
import { RawClient } from './helpers/resp.ts';
import { prng } from './helpers/reply_tree.ts';

// ---- data generators ------------------------------------------------------------------

type Gen = (rnd: () => number, n: number) => Buffer;

const int = (rnd: () => number, n: number): number => Math.floor(rnd() * n);

const GENS: Record<string, Gen> = {
  random: (rnd, n) => {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = int(rnd, 256);
    return b;
  },
  twoLetters: (rnd, n) => {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = 97 + int(rnd, 2);
    return b;
  },
  words: (rnd, n) => {
    const words: string[] = [];
    const nw = 1 + int(rnd, 60);
    for (let w = 0; w < nw; w++) {
      let s = '';
      const len = 1 + int(rnd, 9);
      for (let i = 0; i < len; i++) s += String.fromCharCode(97 + int(rnd, 26));
      words.push(s);
    }
    let out = '';
    while (out.length < n) out += words[int(rnd, words.length)] + (rnd() < 0.1 ? '\n' : ' ');
    return Buffer.from(out.slice(0, n), 'latin1');
  },
  sameByte: (rnd, n) => Buffer.alloc(n, int(rnd, 256)),
  period: (rnd, n) => {
    const p = GENS.random(rnd, 1 + int(rnd, 40));
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = p[i % p.length];
    return b;
  },
  smallAlphabet: (rnd, n) => {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = int(rnd, 4);
    return b;
  },
  mutated: (rnd, n) => {
    const b = Buffer.allocUnsafe(n);
    const base = 'hello world, the quick brown fox ';
    for (let i = 0; i < n; i++) b[i] = base.charCodeAt(i % base.length);
    for (let k = 0; k < n / 40; k++) b[int(rnd, n)] = int(rnd, 256);
    return b;
  },
  sparse: (rnd, n) => {
    const b = Buffer.alloc(n, 120);
    for (let i = 0; i < n; i++) if (rnd() < 0.1) b[i] = int(rnd, 256);
    return b;
  },
  // Long repeats further back than the 8 KB window, and runs longer than the 264-byte maximum reference.
  farRepeat: (rnd, n) => {
    const chunk = GENS.random(rnd, 9000);
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = chunk[i % chunk.length];
    return b;
  },
  json: (rnd, n) => {
    let s = '[';
    while (s.length < n) s += JSON.stringify({ id: int(rnd, 100000), name: 'user' + int(rnd, 1000), tags: ['a', 'b', 'c'].slice(0, int(rnd, 4)), ok: rnd() < 0.5 }) + ',';
    return Buffer.from(s.slice(0, n), 'latin1');
  },
};
const GEN_NAMES = Object.keys(GENS);

function sizeFor(rnd: () => number): number {
  const r = rnd();
  if (r < 0.25) return int(rnd, 64);
  if (r < 0.55) return 21 + int(rnd, 200);
  if (r < 0.8) return int(rnd, 4000);
  if (r < 0.95) return int(rnd, 70000);
  return 65536 + int(rnd, 250000);
}

/** Deterministic inputs: every generator at the edge sizes, then random kinds and sizes. */
function inputs(seed: number, count: number): Buffer[] {
  const rnd = prng(seed);
  const out: Buffer[] = [];
  for (const g of GEN_NAMES) for (const n of [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 19, 20, 21, 22, 24, 25, 32, 33, 34, 35, 64, 65, 263, 264, 265, 266, 8193, 65536, 70000]) out.push(GENS[g](rnd, n));
  while (out.length < count) out.push(GENS[GEN_NAMES[int(rnd, GEN_NAMES.length)]](rnd, sizeFor(rnd)));
  return out;
}

// ---- LZF ------------------------------------------------------------------------------

describe('lzf', () => {
  it('round trips data of every kind and size, including 0..10 bytes and more than 64 KB', () => {
    const data = inputs(1, 700);
    let compressed = 0;
    for (const d of data) {
      // Roomy output: always fits (the worst case adds a header byte per 32 literals).
      const roomy = lzfCompress(d, d.length + (d.length >> 5) + 16);
      if (d.length === 0) {
        expect(roomy).toBeNull();
        continue;
      }
      expect(roomy).not.toBeNull();
      expect(lzfDecompress(roomy!, d.length)!.equals(d)).toBe(true);
      // Redis's budget: at most len - 4 bytes, else no compression.
      const tight = lzfCompress(d, d.length - 4);
      if (tight !== null) {
        compressed++;
        expect(tight.length).toBeLessThanOrEqual(d.length - 4);
        expect(tight.equals(roomy!)).toBe(true); // the budget changes whether it fits, never the bytes
        expect(lzfDecompress(tight, d.length)!.equals(d)).toBe(true);
      } else {
        // liblzf's room checks are conservative: it gives up up to 4 bytes before the end.
        expect(roomy!.length).toBeGreaterThan(d.length - 8);
      }
    }
    expect(compressed).toBeGreaterThan(200);
  });

  it('fails cleanly when the output does not fit, at every budget', () => {
    const rnd = prng(7);
    for (const g of GEN_NAMES) {
      for (const n of [1, 2, 3, 5, 40, 300]) {
        const d = GENS[g](rnd, n);
        const full = lzfCompress(d, 1000)!;
        let fitted = false;
        for (let max = 0; max <= full.length + 6; max++) {
          const r = lzfCompress(d, max);
          // Like liblzf: null below the result's size, and (its checks being
          // conservative) possibly up to 4 bytes above; once it fits it keeps fitting.
          if (max < full.length) expect(r).toBeNull();
          if (max >= full.length + 4 || fitted) expect(r).not.toBeNull();
          if (r !== null) {
            fitted = true;
            expect(r.equals(full)).toBe(true);
          }
        }
      }
    }
  });

  it('leftovers in the reused hash table never change the output (same as a zeroed table)', () => {
    const data = inputs(2, 250).filter((d) => d.length > 0);
    lzfResetTable();
    const fresh = data.map((d) => {
      lzfResetTable();
      return lzfCompress(d, d.length + (d.length >> 5) + 16);
    });
    // The same inputs, one after another without clearing, in two orders.
    let same = 0;
    data.forEach((d, i) => (same += Number(lzfCompress(d, d.length + (d.length >> 5) + 16)!.equals(fresh[i]!))));
    for (let i = data.length - 1; i >= 0; i--) same += Number(lzfCompress(data[i], data[i].length + (data[i].length >> 5) + 16)!.equals(fresh[i]!));
    expect(same).toBe(2 * data.length);
  });

  it('compresses into a caller buffer at an offset', () => {
    const d = Buffer.from('abcabcabcabcabcabcabcabcabcabc-xyz-abcabcabc');
    const out = Buffer.alloc(100, 0xee);
    const n = lzfCompressInto(d, out, 10, 80);
    expect(n).toBeGreaterThan(0);
    expect(out.subarray(0, 10).every((b) => b === 0xee)).toBe(true);
    expect(out.subarray(10, 10 + n).equals(lzfCompress(d, 80)!)).toBe(true);
    expect(lzfDecompress(out.subarray(10, 10 + n), d.length)!.equals(d)).toBe(true);
  });

  it('known encodings: literal runs and back references', () => {
    expect([...lzfCompress(Buffer.from('a'), 10)!]).toEqual([0, 97]);
    // 'aaaa...': one literal, then a reference at offset 0 covering the rest, then the last bytes as literals.
    const a = lzfCompress(Buffer.alloc(40, 97), 100)!;
    expect(lzfDecompress(a, 40)!.equals(Buffer.alloc(40, 97))).toBe(true);
    expect(a.length).toBeLessThan(10);
    // 33 distinct bytes: a full 32-byte run, then a 1-byte run.
    const distinct = Buffer.from(Array.from({ length: 33 }, (_, i) => i + 100));
    const c = lzfCompress(distinct, 100)!;
    expect(c[0]).toBe(31);
    expect(c[33]).toBe(0);
    expect(c.length).toBe(35);
  });

  it('rejects corrupt or mismatched input without throwing', () => {
    const d = GENS.words(prng(3), 5000);
    const z = lzfCompress(d, d.length)!;
    expect(lzfDecompress(z, d.length - 1)).toBeNull(); // would overflow the output
    expect(lzfDecompress(z, d.length + 1)).toBeNull(); // expands to fewer bytes than announced
    expect(lzfDecompress(z, 0)).toBeNull();
    for (let cut = 0; cut < Math.min(z.length, 200); cut++) expect(lzfDecompress(z.subarray(0, cut), d.length)).toBeNull();
    expect(lzfDecompress(Buffer.from([0x20, 0x05]), 10)).toBeNull(); // reference before the start
    expect(lzfDecompress(Buffer.from([0x05, 1, 2]), 6)).toBeNull(); // literal run past the input
    const rnd = prng(4);
    for (let k = 0; k < 300; k++) {
      const bad = Buffer.from(z);
      bad[int(rnd, bad.length)] ^= 1 + int(rnd, 255);
      const r = lzfDecompress(bad, d.length);
      expect(r === null || r.length === d.length).toBe(true);
    }
  });
});

// ---- CRC64 ----------------------------------------------------------------------------

/** Bit-at-a-time reference CRC-64/Jones (reflected). */
function crcReference(b: Uint8Array): bigint {
  const poly = 0x95ac9329ac4bc9b5n;
  let crc = 0n;
  for (const byte of b) {
    crc ^= BigInt(byte);
    for (let k = 0; k < 8; k++) crc = crc & 1n ? (crc >> 1n) ^ poly : crc >> 1n;
  }
  return crc;
}

describe('crc64', () => {
  it("Redis's check value", () => {
    expect(crc64(Buffer.from('123456789'))).toBe(0xe9c6d914c4b8d9can);
    expect(crc64(Buffer.alloc(0))).toBe(0n);
  });

  it('matches a bitwise reference at every length and alignment, whole or in pieces', () => {
    const rnd = prng(5);
    for (let n = 0; n < 80; n++) {
      const b = GENS.random(rnd, n + 3);
      for (const start of [0, 1, 3]) {
        const part = b.subarray(start, start + n);
        const ref = crcReference(part);
        expect(crc64(b, start, start + n)).toBe(ref);
        const st = new Uint32Array(2);
        const cut = int(rnd, n + 1);
        crc64Update(st, b, start, start + cut);
        crc64Update(st, b, start + cut, start + n);
        expect((BigInt(st[1]) << 32n) | BigInt(st[0])).toBe(ref);
        const le = Buffer.alloc(8);
        writeCrc64LE(b, start, start + n, le, 0);
        expect(le.readBigUInt64LE(0)).toBe(ref);
        expect(checkCrc64LE(Buffer.concat([part, le]), 0, n, n)).toBe(true);
      }
    }
    const big = GENS.random(rnd, 100000);
    expect(crc64(big)).toBe(crcReference(big));
  });
});

// ---- RDB strings ----------------------------------------------------------------------

describe('rdb strings', () => {
  it('integer encodings for canonical 32-bit integers only', () => {
    const hex = (s: string) => encodeRdbString(s, true).toString('hex');
    expect(hex('0')).toBe('c000');
    expect(hex('-1')).toBe('c0ff');
    expect(hex('127')).toBe('c07f');
    expect(hex('128')).toBe('c18000');
    expect(hex('-32768')).toBe('c10080');
    expect(hex('32768')).toBe('c200800000');
    expect(hex('-2147483648')).toBe('c200000080');
    expect(hex('2147483647')).toBe('c2ffffff7f');
    for (const s of ['2147483648', '-2147483649', '-0', '01', '+1', ' 1', '1 ', '', '-', '12345678901', '1e3', '0x10']) {
      expect(encodeRdbString(s, true)).toEqual(Buffer.concat([rdbLengthBytes(s.length), Buffer.from(s, 'latin1')]));
    }
    expect(encodeRdbInteger(5).toString('hex')).toBe('c005');
    expect(encodeRdbInteger(-9007199254740991)).toEqual(encodeRdbString('-9007199254740991', true));
  });

  it('lengths of every size, and every string form, read back', () => {
    for (const n of [0, 1, 63, 64, 16383, 16384, 0xffffffff, 0x100000000, 2 ** 53 - 1]) {
      const r = new RdbReader(rdbLengthBytes(n));
      expect(r.length()).toBe(n);
      expect(r.pos).toBe(r.end);
    }
    const data = inputs(6, 300);
    for (const d of data) {
      for (const compress of [true, false]) {
        const s = d.latin1Slice(0, d.length);
        const enc = encodeRdbString(s, compress);
        expect(encodeRdbString(d, compress).equals(enc)).toBe(true);
        const r = new RdbReader(enc);
        expect(r.string()).toBe(s);
        expect(r.pos).toBe(enc.length);
        expect(new RdbReader(enc).stringBytes().equals(d)).toBe(true);
        if (!compress || d.length <= 20) expect(enc[0]).not.toBe(0xc3); // LZF only when compressing strings over 20 bytes
      }
    }
    for (const s of ['0', '-5', '300', '-70000', '2147483647']) expect(new RdbReader(encodeRdbString(s, true)).string()).toBe(s);
  });

  it('truncated or malformed strings throw RdbFormatError', () => {
    const enc = encodeRdbString('x'.repeat(500), true);
    expect(enc[0]).toBe(0xc3);
    for (let cut = 0; cut < enc.length; cut++) expect(() => new RdbReader(enc.subarray(0, cut)).string()).toThrow(RdbFormatError);
    expect(() => new RdbReader(Buffer.from([0xc4])).string()).toThrow(RdbFormatError);
    expect(() => new RdbReader(Buffer.from([0x82, 0, 0, 0, 1])).string()).toThrow(RdbFormatError);
    expect(() => new RdbReader(Buffer.from([0xc3, 3, 5, 0x20, 0, 0])).string()).toThrow(RdbFormatError);
  });
});

// ---- against redis-server -------------------------------------------------------------

describe.skipIf(!haveRedisServer())('byte-identical to redis-server (DUMP of string keys)', () => {
  let redis: RunningServer;
  let r: RawClient;
  beforeAll(async () => {
    redis = await startRedis();
    r = await RawClient.connect(redis.port);
  }, 30000);
  afterAll(async () => {
    r?.close();
    await redis?.stop();
  });

  /** redis-server's DUMP payload of `value`. */
  async function redisDump(value: Buffer): Promise<Buffer> {
    expect(await r.command('SET', 'k', value)).toBe('+OK\r\n');
    const reply = await r.command('DUMP', 'k');
    const nl = reply.indexOf('\r\n');
    return Buffer.from(reply.slice(nl + 2, reply.length - 2), 'latin1');
  }

  /** Our DUMP payload of a string value: type 0, the RDB string, RDB version 10, CRC64. */
  function ourDump(value: Buffer, compress: boolean): Buffer {
    const body = Buffer.concat([Buffer.from([0]), encodeRdbString(value.latin1Slice(0, value.length), compress), Buffer.from([10, 0])]);
    const crc = Buffer.alloc(8);
    writeCrc64LE(body, 0, body.length, crc, 0);
    return Buffer.concat([body, crc]);
  }

  async function compareAll(values: Buffer[], compress: boolean): Promise<{ same: number; lzf: number }> {
    let same = 0;
    let lzf = 0;
    for (const v of values) {
      const theirs = await redisDump(v);
      const ours = ourDump(v, compress);
      if (!ours.equals(theirs)) {
        expect.fail(`DUMP differs for a ${v.length}-byte value ${JSON.stringify(v.latin1Slice(0, Math.min(60, v.length)))}\n  ours:  ${ours.subarray(0, 60).toString('hex')}\n  redis: ${theirs.subarray(0, 60).toString('hex')}`);
      }
      same++;
      if (ours[1] === 0xc3) lzf++;
    }
    return { same, lzf };
  }

  it('rdbcompression yes: LZF, integer and plain strings', async () => {
    const values = inputs(11, 900);
    for (const s of ['0', '1', '-1', '127', '-128', '128', '32767', '-32769', '2147483647', '2147483648', '-2147483648', '-2147483649', '9223372036854775807', '-9223372036854775808',
      '9223372036854775808', '007', '-0', '+5', ' 5', '1.5', '12345678901', '123456789012345678901']) values.push(Buffer.from(s));
    const { same, lzf } = await compareAll(values, true);
    expect(same).toBe(values.length);
    expect(lzf).toBeGreaterThan(300);
  }, 120000);

  it('rdbcompression no: never LZF', async () => {
    expect(await r.command('CONFIG', 'SET', 'rdbcompression', 'no')).toBe('+OK\r\n');
    try {
      const values = inputs(12, 150);
      const { same, lzf } = await compareAll(values, false);
      expect(same).toBe(values.length);
      expect(lzf).toBe(0);
    } finally {
      await r.command('CONFIG', 'SET', 'rdbcompression', 'yes');
    }
  }, 60000);
});
