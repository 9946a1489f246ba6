// Differential tests of the bitmap commands against redis-server 7.0: SETBIT,
// GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD and BITFIELD_RO, every option and
// error, int-encoded and binary values, the byte-buffer representation (large
// bitmaps) seen through the string commands, cross-shard BITOP on 4 threads,
// and randomized sequences over a small key space with several seeds.

import { describe, it, expect } from 'vitest';
import { prng } from './helpers/reply_tree.ts';
import { useDiff, diffCase, compare, type Cmd } from './helpers/diff.ts';
import { RawClient } from './helpers/resp.ts';
import { keyShard } from '../src/router/slot.ts';

const THREADS = 4;
const env = useDiff({ threads: THREADS });

const BIN = (s: string): Buffer => Buffer.from(s, 'latin1');

function randomBytes(rand: () => number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(Math.floor(rand() * 256));
  return s;
}

/** Keys owned by pairwise different shards (4 of them with 4 threads). */
function distinctShardKeys(prefix: string, n: number): string[] {
  const out: string[] = [];
  const seen = new Set<number>();
  for (let i = 0; out.length < n; i++) {
    const k = prefix + i;
    const s = keyShard(k, THREADS);
    if (!seen.has(s)) {
      seen.add(s);
      out.push(k);
    }
  }
  return out;
}
const XS = distinctShardKeys('x', THREADS);

/** A case that needs a key of another type: `mk(key)` creates one with the first available command. */
function wrongTypeCase(name: string, build: (mk: (key: string) => Cmd) => Cmd[]): void {
  it(name, async (ctx) => {
    await compare(build((k) => ['RPUSH', k, 'x']));
  });
}

function helloNormalize(reply: string, cmd: Cmd): string {
  return String(cmd[0]).toUpperCase() === 'HELLO' ? '<hello>' : reply;
}

describe('key layout', () => {
  it('cross-shard keys are on distinct shards', () => {
    expect(new Set(XS.map((k) => keyShard(k, THREADS))).size).toBe(THREADS);
  });
});

// ---- SETBIT / GETBIT ---------------------------------------------------------------

describe('SETBIT and GETBIT', () => {
  diffCase('set, clear, read back, string grows zero-padded', [
    ['SETBIT', 'a', '7', '1'], ['GET', 'a'], ['SETBIT', 'a', '7', '1'], ['SETBIT', 'a', '7', '0'], ['GET', 'a'], ['STRLEN', 'a'],
    ['SETBIT', 'a', '100', '1'], ['STRLEN', 'a'], ['GET', 'a'], ['GETBIT', 'a', '100'], ['GETBIT', 'a', '99'], ['GETBIT', 'a', '101'],
    ['GETBIT', 'a', '1000000'], ['GETBIT', 'nokey', '0'], ['GETBIT', 'nokey', '4294967295'], ['SETBIT', 'a', '0', '1'], ['GET', 'a'],
  ]);
  diffCase('on existing strings and int-encoded values', [
    ['SET', 's', 'foobar'], ['GETBIT', 's', '1'], ['GETBIT', 's', '0'], ['SETBIT', 's', '0', '1'], ['GET', 's'], ['SETBIT', 's', '47', '1'], ['GET', 's'],
    ['SET', 'n', '123'], ['GETBIT', 'n', '2'], ['GETBIT', 'n', '3'], ['GETBIT', 'n', '23'], ['GETBIT', 'n', '24'], ['SETBIT', 'n', '2', '1'], ['GET', 'n'],
    ['SET', 'm', '-45'], ['SETBIT', 'm', '30', '1'], ['GET', 'm'], ['INCR', 'm'], ['SET', 'z', '10'], ['SETBIT', 'z', '7', '1'], ['GET', 'z'], ['INCR', 'z'],
    ['SET', 'q', '7'], ['SETBIT', 'q', '6', '1'], ['GET', 'q'], ['INCR', 'q'],
  ]);
  diffCase('binary values', [
    ['SET', 'b', BIN('\x00\xff\x80\x01')], ['GETBIT', 'b', '8'], ['GETBIT', 'b', '16'], ['GETBIT', 'b', '31'], ['SETBIT', 'b', '0', '1'], ['SETBIT', 'b', '15', '0'], ['GET', 'b'],
  ]);
  diffCase('offset and value errors', [
    ['SETBIT', 'a', '-1', '1'], ['SETBIT', 'a', 'x', '1'], ['SETBIT', 'a', '1.5', '1'], ['SETBIT', 'a', '4294967296', '1'], ['SETBIT', 'a', '99999999999999999999', '1'],
    ['SETBIT', 'a', '', '1'], ['SETBIT', 'a', ' 1', '1'], ['SETBIT', 'a', '0', '2'], ['SETBIT', 'a', '0', '-1'], ['SETBIT', 'a', '0', 'x'], ['SETBIT', 'a', '0', ''],
    ['SETBIT', 'a', '0', '1.0'], ['SETBIT', 'a', '0', '99999999999999999999'], ['SETBIT', 'a', 'x', 'y'], ['SETBIT', 'a', '-1', '5'],
    ['GETBIT', 'a', '-1'], ['GETBIT', 'a', 'x'], ['GETBIT', 'a', '4294967296'], ['GETBIT', 'a', '4294967295'], ['EXISTS', 'a'],
    ['SETBIT', 'a', '0'], ['SETBIT', 'a', '0', '1', '2'], ['GETBIT', 'a'], ['GETBIT', 'a', '1', '2'],
  ]);
  wrongTypeCase('wrong type', (mk) => [mk('l'), ['SETBIT', 'l', '0', '1'], ['GETBIT', 'l', '0'], ['SETBIT', 'l', 'x', '1'], ['GETBIT', 'l', '-1'], ['SETBIT', 'l', '0', '3']]);
  diffCase('expired keys behave as missing', [
    ['SET', 'e', 'x', 'PXAT', '1'], ['GETBIT', 'e', '1'], ['SET', 'e', 'x', 'PXAT', '1'], ['SETBIT', 'e', '1', '1'], ['GET', 'e'], ['TTL', 'e'],
  ]);
  diffCase('setbit keeps the TTL', [['SET', 't', 'abc', 'EX', '1000'], ['SETBIT', 't', '100', '1'], ['TTL', 't'], ['GET', 't']]);
});

// ---- large bitmaps (byte-buffer representation) ------------------------------------------

describe('large bitmaps seen by the string commands', () => {
  const cmds: Cmd[] = [];
  for (let i = 0; i < 200; i++) cmds.push(['SETBIT', 'big', String(i * 97 + 5000), String(i & 1 ? 0 : 1)]);
  diffCase('growing bitmap then GET / STRLEN / APPEND / GETRANGE / SETRANGE', [
    ...cmds, ['STRLEN', 'big'], ['BITCOUNT', 'big'], ['GET', 'big'], ['SETBIT', 'big', '1', '1'], ['GETRANGE', 'big', '0', '10'],
    ['SETBIT', 'big', '30000', '1'], ['APPEND', 'big', 'tail'], ['STRLEN', 'big'], ['SETBIT', 'big', '40000', '1'], ['SETRANGE', 'big', '3', 'xyz'],
    ['BITCOUNT', 'big'], ['GET', 'big'], ['SETBIT', 'big', '7', '1'], ['GETBIT', 'big', '7'], ['BITPOS', 'big', '1'], ['BITPOS', 'big', '0'],
    ['SETBIT', 'big', '800000', '1'], ['STRLEN', 'big'], ['BITCOUNT', 'big'], ['BITPOS', 'big', '1', '200'], ['BITPOS', 'big', '0', '-1'],
    ['EXISTS', 'big'], ['TYPE', 'big'], ['COPY', 'big', 'big2'], ['GET', 'big2'], ['SETBIT', 'big2', '3', '1'], ['GETBIT', 'big', '3'], ['GETBIT', 'big2', '3'],
    ['RENAME', 'big', XS[1]], ['BITCOUNT', XS[1]], ['GET', XS[1]], ['INCR', XS[1]],
  ]);
  diffCase('a large plain string read by the bitmap commands', [
    ['SET', 'p', BIN(randomBytes(prng(7), 10000))], ['BITCOUNT', 'p'], ['BITCOUNT', 'p', '100', '-100'], ['BITPOS', 'p', '0', '5000'], ['GETBIT', 'p', '12345'],
    ['BITFIELD', 'p', 'GET', 'i64', '777'], ['GET', 'p'], ['SETBIT', 'p', '12345', '1'], ['GET', 'p'], ['SET', 'p', 'short'], ['BITCOUNT', 'p'],
  ]);
  diffCase('huge offset', [['SETBIT', 'h', '4000000', '1'], ['STRLEN', 'h'], ['BITCOUNT', 'h'], ['BITPOS', 'h', '1'], ['GETBIT', 'h', '4000000'], ['SETBIT', 'h', '4000000', '0'], ['BITPOS', 'h', '1']]);
});

// ---- BITCOUNT ----------------------------------------------------------------------

describe('BITCOUNT', () => {
  diffCase('whole string and byte ranges', [
    ['SET', 's', 'foobar'], ['BITCOUNT', 's'], ['BITCOUNT', 's', '0', '0'], ['BITCOUNT', 's', '1', '1'], ['BITCOUNT', 's', '0', '-1'], ['BITCOUNT', 's', '-2', '-1'],
    ['BITCOUNT', 's', '2', '1'], ['BITCOUNT', 's', '5', '100'], ['BITCOUNT', 's', '6', '10'], ['BITCOUNT', 's', '-100', '-1'], ['BITCOUNT', 's', '-100', '-50'],
    ['BITCOUNT', 's', '-1', '-5'], ['BITCOUNT', 's', '-10', '-20'], ['BITCOUNT', 's', '-20', '-10'], ['BITCOUNT', 's', '0', '-100'], ['BITCOUNT', 's', '1', '3', 'BYTE'],
    ['BITCOUNT', 's', '-9223372036854775808', '-9223372036854775807'], ['BITCOUNT', 's', '-9223372036854775807', '-9223372036854775808'],
    ['BITCOUNT', 's', '9223372036854775807', '9223372036854775807'], ['BITCOUNT', 's', '-9007199254740993', '-9007199254740994'],
    ['BITCOUNT', 's', '0', '9223372036854775807'], ['BITCOUNT', 's', '-9223372036854775808', '9223372036854775807'],
  ]);
  diffCase('BIT ranges', [
    ['SET', 's', 'foobar'], ['BITCOUNT', 's', '0', '0', 'BIT'], ['BITCOUNT', 's', '1', '1', 'bit'], ['BITCOUNT', 's', '0', '7', 'BIT'], ['BITCOUNT', 's', '5', '30', 'BIT'],
    ['BITCOUNT', 's', '3', '3', 'BIT'], ['BITCOUNT', 's', '-1', '-1', 'BIT'], ['BITCOUNT', 's', '-13', '-3', 'BIT'], ['BITCOUNT', 's', '0', '-1', 'BIT'], ['BITCOUNT', 's', '47', '100', 'BIT'],
    ['BITCOUNT', 's', '48', '100', 'BIT'], ['BITCOUNT', 's', '9', '14', 'BIT'], ['BITCOUNT', 's', '9', '8', 'BIT'], ['BITCOUNT', 's', '-100', '5', 'BIT'], ['BITCOUNT', 's', '0', '0', 'ByTe'],
    ['BITCOUNT', 's', '-10', '-20', 'BIT'], ['BITCOUNT', 's', '-60', '-50', 'BIT'],
  ]);
  diffCase('int-encoded and empty values', [
    ['SET', 'n', '1234567'], ['BITCOUNT', 'n'], ['BITCOUNT', 'n', '1', '2'], ['BITCOUNT', 'n', '3', '17', 'BIT'], ['SET', 'e', ''], ['BITCOUNT', 'e'], ['BITCOUNT', 'e', '0', '-1'],
    ['BITCOUNT', 'e', '0', '0', 'BIT'], ['BITCOUNT', 'e', '-1', '0'],
  ]);
  diffCase('errors (missing keys answer 0 before parsing)', [
    ['SET', 's', 'foobar'], ['BITCOUNT', 's', '0'], ['BITCOUNT', 's', '0', '1', 'BIT', 'x'], ['BITCOUNT', 's', 'a', '1'], ['BITCOUNT', 's', '0', 'b'], ['BITCOUNT', 's', '0', '1', 'BITS'],
    ['BITCOUNT', 's', '0', '1', ''], ['BITCOUNT', 's', '1.5', '2'], ['BITCOUNT', 's', '0', '99999999999999999999'], ['BITCOUNT', 's', 'a', '1', 'FOO'],
    ['BITCOUNT', 'nokey'], ['BITCOUNT', 'nokey', '0'], ['BITCOUNT', 'nokey', 'a', 'b'], ['BITCOUNT', 'nokey', '0', '1', 'FOO'], ['BITCOUNT', 'nokey', '1', '2', '3', '4'], ['BITCOUNT'],
  ]);
  wrongTypeCase('wrong type', (mk) => [mk('l'), ['BITCOUNT', 'l'], ['BITCOUNT', 'l', '0', '1'], ['BITCOUNT', 'l', 'x', 'y'], ['BITCOUNT', 'l', '0']]);
});

// ---- BITPOS ------------------------------------------------------------------------

describe('BITPOS', () => {
  diffCase('first set bit', [
    ['SET', 's', BIN('\x00\x00\x10\xff\x00')], ['BITPOS', 's', '1'], ['BITPOS', 's', '1', '3'], ['BITPOS', 's', '1', '4'], ['BITPOS', 's', '1', '-1'], ['BITPOS', 's', '1', '0', '1'],
    ['BITPOS', 's', '1', '2', '2'], ['BITPOS', 's', '1', '5'], ['BITPOS', 's', '1', '-100', '100'], ['BITPOS', 's', '1', '3', '2'],
  ]);
  diffCase('first clear bit and the zero padding rule', [
    ['SET', 'f', BIN('\xff\xff\xff')], ['BITPOS', 'f', '0'], ['BITPOS', 'f', '0', '0'], ['BITPOS', 'f', '0', '1'], ['BITPOS', 'f', '0', '0', '-1'], ['BITPOS', 'f', '0', '0', '2'],
    ['BITPOS', 'f', '0', '2', '2', 'BYTE'], ['BITPOS', 'f', '0', '5'], ['BITPOS', 'f', '0', '-1'], ['SET', 'g', BIN('\xff\xf0\x00')], ['BITPOS', 'g', '0'], ['BITPOS', 'g', '0', '1'],
    ['BITPOS', 'g', '0', '2'], ['BITPOS', 'g', '1', '2'], ['BITPOS', 'g', '1', '1', '-1'],
  ]);
  diffCase('BIT ranges', [
    ['SET', 's', BIN('\x00\xff\x00\x01\x80')], ['BITPOS', 's', '1', '0', '-1', 'BIT'], ['BITPOS', 's', '1', '7', '15', 'BIT'], ['BITPOS', 's', '1', '9', '15', 'bit'],
    ['BITPOS', 's', '0', '9', '15', 'BIT'], ['BITPOS', 's', '0', '8', '15', 'BIT'], ['BITPOS', 's', '0', '9', '17', 'BIT'], ['BITPOS', 's', '1', '16', '30', 'BIT'],
    ['BITPOS', 's', '1', '16', '31', 'BIT'], ['BITPOS', 's', '1', '31', '31', 'BIT'], ['BITPOS', 's', '1', '30', '30', 'BIT'], ['BITPOS', 's', '1', '-9', '-1', 'BIT'],
    ['BITPOS', 's', '0', '-9', '-1', 'BIT'], ['BITPOS', 's', '0', '32', '32', 'BIT'], ['BITPOS', 's', '1', '33', '39', 'BIT'], ['BITPOS', 's', '1', '3', '2', 'BIT'],
    ['BITPOS', 's', '0', '0', '0', 'BYTE'], ['BITPOS', 's', '1', '-100', '-90', 'BIT'], ['BITPOS', 's', '0', '1', '6', 'BIT'], ['BITPOS', 's', '1', '12', '13', 'BIT'],
    ['SET', 'w', BIN('\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x7f')], ['BITPOS', 'w', '0'], ['BITPOS', 'w', '0', '3', '150', 'BIT'],
    ['BITPOS', 'w', '0', '3', '159', 'BIT'], ['BITPOS', 'w', '0', '0', '18'],
  ]);
  diffCase('int-encoded, empty and missing values', [
    ['SET', 'n', '12'], ['BITPOS', 'n', '1'], ['BITPOS', 'n', '0'], ['BITPOS', 'n', '0', '1'], ['SET', 'e', ''], ['BITPOS', 'e', '0'], ['BITPOS', 'e', '1'], ['BITPOS', 'e', '0', '0', '-1'],
    ['BITPOS', 'nokey', '0'], ['BITPOS', 'nokey', '1'], ['BITPOS', 'nokey', '0', '5', '10', 'BIT'], ['BITPOS', 'nokey', '1', 'x'],
  ]);
  diffCase('errors', [
    ['SET', 's', 'abc'], ['BITPOS', 's', '2'], ['BITPOS', 's', '-1'], ['BITPOS', 's', 'x'], ['BITPOS', 's', ''], ['BITPOS', 's', '1', 'x'], ['BITPOS', 's', '1', '0', 'y'],
    ['BITPOS', 's', '1', '0', '1', 'BITS'], ['BITPOS', 's', '1', '0', '1', 'BIT', 'x'], ['BITPOS', 's', '1', 'a', '1', 'FOO'], ['BITPOS', 'nokey', '2'], ['BITPOS', 'nokey', 'x'], ['BITPOS', 's'],
  ]);
  wrongTypeCase('wrong type', (mk) => [mk('l'), ['BITPOS', 'l', '1'], ['BITPOS', 'l', '0', '1', '2'], ['BITPOS', 'l', '2'], ['BITPOS', 'l', '1', 'x']]);
});

// ---- BITOP -------------------------------------------------------------------------

describe('BITOP', () => {
  diffCase('AND OR XOR NOT on one shard', [
    ['SET', '{t}a', BIN('\xf0\x0f\xaa')], ['SET', '{t}b', BIN('\xff\x01')], ['SET', '{t}c', 'xyz12'],
    ['BITOP', 'AND', '{t}d', '{t}a', '{t}b'], ['GET', '{t}d'], ['BITOP', 'or', '{t}d', '{t}a', '{t}b', '{t}c'], ['GET', '{t}d'],
    ['BITOP', 'XoR', '{t}d', '{t}a', '{t}b', '{t}c'], ['GET', '{t}d'], ['BITOP', 'NOT', '{t}d', '{t}a'], ['GET', '{t}d'], ['BITOP', 'AND', '{t}d', '{t}a'], ['GET', '{t}d'],
    ['BITOP', 'AND', '{t}d', '{t}a', '{t}nokey'], ['GET', '{t}d'], ['STRLEN', '{t}d'], ['BITOP', 'OR', '{t}d', '{t}nokey', '{t}a'], ['GET', '{t}d'],
    ['BITOP', 'AND', '{t}a', '{t}a', '{t}b'], ['GET', '{t}a'],
  ]);
  diffCase('empty result deletes the destination; TTL dropped', [
    ['SET', '{t}d', 'x', 'EX', '1000'], ['BITOP', 'OR', '{t}d', '{t}n1', '{t}n2'], ['EXISTS', '{t}d'], ['SET', '{t}d', 'x', 'EX', '1000'], ['SET', '{t}e', ''],
    ['BITOP', 'NOT', '{t}d', '{t}e'], ['EXISTS', '{t}d'], ['SET', '{t}d', 'x', 'EX', '1000'], ['SET', '{t}s', 'abc'], ['BITOP', 'XOR', '{t}d', '{t}s'], ['TTL', '{t}d'], ['GET', '{t}d'],
  ]);
  diffCase('int-encoded sources; result is a raw string', [
    ['SET', '{t}a', '12'], ['SET', '{t}b', '345'], ['BITOP', 'OR', '{t}d', '{t}a', '{t}b'], ['GET', '{t}d'], ['BITOP', 'AND', '{t}d', '{t}a', '{t}a'], ['GET', '{t}d'], ['INCR', '{t}d'], ['GET', '{t}d'],
  ]);
  diffCase('errors', [
    ['BITOP', 'NAND', 'd', 'a'], ['BITOP', 'NOT', 'd', 'a', 'b'], ['BITOP', 'not', 'd'], ['BITOP', 'AND', 'd'], ['BITOP', BIN('AND\0x'), '{t}d', '{t}a'], ['BITOP', '', 'd', 'a'],
    ['BITOP', 'NAND', XS[0], XS[1], XS[2]], ['BITOP', 'NOT', XS[0], XS[1], XS[2]],
  ]);
  wrongTypeCase('wrong type (destination untouched)', (mk) => [
    ['SET', '{t}a', 'abc'], mk('{t}l'), ['SET', '{t}d', 'keep'], ['BITOP', 'AND', '{t}d', '{t}a', '{t}l'], ['BITOP', 'OR', '{t}d', '{t}l', '{t}nokey'], ['GET', '{t}d'],
    ['BITOP', 'NOT', '{t}l', '{t}a'], ['GET', '{t}l'], ['TYPE', '{t}l'],
    ['SET', XS[0], 'abc'], mk(XS[1]), ['SET', XS[2], 'keep'], ['BITOP', 'AND', XS[2], XS[0], XS[1]], ['GET', XS[2]], ['BITOP', 'XOR', XS[1], XS[0], XS[3]], ['TYPE', XS[1]], ['BITCOUNT', XS[1]],
  ]);
  diffCase('cross-shard: sources and destination on different shards', [
    ['SET', XS[0], BIN('\x01\x02\x03\x04')], ['SET', XS[1], 'hello world'], ['SET', XS[2], '77'],
    ['BITOP', 'AND', XS[3], XS[0], XS[1], XS[2]], ['GET', XS[3]], ['BITOP', 'OR', XS[3], XS[0], XS[1], XS[2]], ['GET', XS[3]],
    ['BITOP', 'XOR', XS[0], XS[0], XS[1]], ['GET', XS[0]], ['BITOP', 'NOT', XS[2], XS[1]], ['GET', XS[2]], ['BITOP', 'AND', XS[3], 'nokey1', 'nokey2'], ['EXISTS', XS[3]],
    ['SETBIT', XS[1], '10000', '1'], ['BITOP', 'OR', XS[3], XS[1], XS[0]], ['STRLEN', XS[3]], ['BITCOUNT', XS[3]], ['SETBIT', XS[3], '5', '1'], ['GET', XS[3]],
    ['SET', XS[2], 'x', 'EX', '100'], ['BITOP', 'OR', XS[2], XS[0]], ['TTL', XS[2]], ['GET', XS[2]],
  ]);
  it('cross-shard BITOP is atomic under concurrent writers', async () => {
    // A writer changes one bit of s0 then copies s0 to s1 (BITOP OR s1 s0), so
    // at any moment the two differ in at most one bit. A reader's BITOP XOR of
    // both, taken atomically, has at most one bit set.
    const a = await RawClient.connect(env.ours!.port);
    const b = await RawClient.connect(env.ours!.port);
    try {
      await a.command('FLUSHALL');
      const [s0, s1, dst] = [XS[0], XS[1], XS[2]];
      await a.command('SET', s0, 'x'.repeat(64));
      await a.command('SET', s1, 'x'.repeat(64));
      let stop = false;
      const writer = (async () => {
        let i = 0;
        while (!stop) {
          const off = String((i * 37) % 512);
          const bit = String(i & 1);
          await b.command('SETBIT', s0, off, bit);
          await b.command('BITOP', 'OR', s1, s0);
          i++;
        }
      })();
      for (let k = 0; k < 200; k++) {
        const r = await a.command('BITOP', 'XOR', dst, s0, s1);
        expect(r).toBe(':64\r\n');
        const cnt = await a.command('BITCOUNT', dst);
        expect([':0\r\n', ':1\r\n']).toContain(cnt);
      }
      stop = true;
      await writer;
    } finally {
      a.close();
      b.close();
    }
  });
});

// ---- BITFIELD ----------------------------------------------------------------------

describe('BITFIELD', () => {
  diffCase('GET SET INCRBY basics', [
    ['BITFIELD', 'f', 'SET', 'u8', '0', '255'], ['GET', 'f'], ['BITFIELD', 'f', 'GET', 'u8', '0'], ['BITFIELD', 'f', 'GET', 'i8', '0'], ['BITFIELD', 'f', 'INCRBY', 'u8', '0', '1'],
    ['BITFIELD', 'f', 'SET', 'i8', '8', '-100', 'GET', 'i8', '8', 'GET', 'u8', '8', 'INCRBY', 'i8', '8', '10'], ['GET', 'f'], ['STRLEN', 'f'],
    ['BITFIELD', 'f', 'INCRBY', 'u2', '100', '1'], ['BITFIELD', 'f', 'INCRBY', 'u2', '100', '1'], ['BITFIELD', 'f', 'INCRBY', 'u2', '100', '1'], ['BITFIELD', 'f', 'INCRBY', 'u2', '100', '1'],
    ['BITFIELD', 'f', 'GET', 'u4', '0', 'GET', 'u4', '4', 'GET', 'i4', '0', 'GET', 'i3', '5', 'GET', 'u1', '7', 'GET', 'i1', '7'], ['BITFIELD', 'f'], ['BITFIELD', 'nokey'], ['EXISTS', 'nokey'],
    ['bitfield', 'f', 'get', 'u8', '1', 'set', 'u8', '#2', '7', 'incrby', 'u8', '#2', '3', 'get', 'u8', '#2'], ['GET', 'f'],
  ]);
  diffCase('# offsets', [
    ['BITFIELD', 'h', 'SET', 'u8', '#0', '100', 'SET', 'u8', '#1', '200', 'SET', 'i16', '#1', '-2', 'GET', 'u8', '#3', 'GET', 'u16', '#1'], ['GET', 'h'],
    ['BITFIELD', 'h', 'GET', 'u8', '#-1'], ['BITFIELD', 'h', 'GET', 'u8', '#'], ['BITFIELD', 'h', 'GET', 'u8', '##1'], ['BITFIELD', 'h', 'GET', 'u8', '# 1'],
    ['BITFIELD', 'h', 'GET', 'u8', '#536870911'], ['BITFIELD', 'h', 'GET', 'u8', '#536870912'], ['BITFIELD', 'h', 'GET', 'i64', '#67108863'], ['BITFIELD', 'h', 'GET', 'i64', '#67108864'],
    ['BITFIELD', 'h', 'GET', 'u8', '#1152921504606846976'], ['BITFIELD', 'h', 'GET', 'i64', '#144115188075855872'], ['BITFIELD', 'h', 'GET', 'u8', '#99999999999999999999'],
  ]);
  diffCase('64-bit fields', [
    ['BITFIELD', 'g', 'SET', 'i64', '0', '-1'], ['GET', 'g'], ['BITFIELD', 'g', 'GET', 'i64', '0', 'GET', 'u63', '0', 'GET', 'u63', '1', 'GET', 'i63', '1', 'GET', 'i64', '3'],
    ['BITFIELD', 'g', 'SET', 'i64', '5', '9223372036854775807', 'GET', 'i64', '5', 'INCRBY', 'i64', '5', '1', 'GET', 'i64', '5'],
    ['BITFIELD', 'g', 'OVERFLOW', 'SAT', 'INCRBY', 'i64', '5', '-9223372036854775808', 'INCRBY', 'i64', '5', '-9223372036854775808', 'INCRBY', 'i64', '5', '-1'],
    ['BITFIELD', 'g', 'OVERFLOW', 'FAIL', 'INCRBY', 'i64', '5', '-1', 'INCRBY', 'i64', '5', '9223372036854775807', 'INCRBY', 'i64', '5', '9223372036854775807', 'GET', 'i64', '5'],
    ['BITFIELD', 'g', 'SET', 'u63', '70', '9223372036854775807', 'GET', 'u63', '70', 'INCRBY', 'u63', '70', '5', 'OVERFLOW', 'SAT', 'INCRBY', 'u63', '70', '9223372036854775807'],
    ['BITFIELD', 'g', 'OVERFLOW', 'WRAP', 'SET', 'u63', '70', '-1', 'GET', 'u63', '70', 'SET', 'i40', '3', '1099511627775', 'GET', 'i40', '3', 'INCRBY', 'u33', '1', '-8589934593'],
    ['BITFIELD', 'g', 'SET', 'i33', '0', '-4294967297', 'GET', 'i33', '0', 'SET', 'i33', '0', '4294967296', 'GET', 'i33', '0', 'INCRBY', 'u48', '9', '281474976710656', 'GET', 'u48', '9'],
    ['GET', 'g'],
  ]);
  diffCase('OVERFLOW WRAP / SAT / FAIL on small fields', [
    ['BITFIELD', 'o', 'SET', 'u8', '0', '250', 'INCRBY', 'u8', '0', '10', 'OVERFLOW', 'SAT', 'INCRBY', 'u8', '0', '300', 'INCRBY', 'u8', '0', '-1000', 'OVERFLOW', 'FAIL', 'INCRBY', 'u8', '0', '-1', 'INCRBY', 'u8', '0', '255', 'INCRBY', 'u8', '0', '256'],
    ['BITFIELD', 'o', 'SET', 'i8', '8', '127', 'INCRBY', 'i8', '8', '1', 'OVERFLOW', 'SAT', 'INCRBY', 'i8', '8', '-1000', 'INCRBY', 'i8', '8', '1000', 'OVERFLOW', 'FAIL', 'INCRBY', 'i8', '8', '1', 'INCRBY', 'i8', '8', '-255', 'INCRBY', 'i8', '8', '-1'],
    ['BITFIELD', 'o', 'OVERFLOW', 'WRAP', 'SET', 'u8', '16', '256', 'SET', 'u8', '16', '-1', 'SET', 'i8', '16', '128', 'SET', 'i8', '16', '-129', 'GET', 'u8', '16'],
    ['BITFIELD', 'o', 'OVERFLOW', 'SAT', 'SET', 'u8', '16', '256', 'SET', 'u8', '16', '-1', 'SET', 'i8', '16', '128', 'SET', 'i8', '16', '-129', 'SET', 'u4', '16', '-5', 'GET', 'u8', '16'],
    ['BITFIELD', 'o', 'OVERFLOW', 'FAIL', 'SET', 'u8', '16', '256', 'SET', 'u8', '16', '-1', 'SET', 'i8', '16', '128', 'SET', 'i8', '16', '-129', 'SET', 'i8', '16', '-128', 'GET', 'u8', '16'],
    ['BITFIELD', 'o', 'overflow', 'sat', 'INCRBY', 'u1', '30', '5', 'INCRBY', 'i1', '30', '-5', 'INCRBY', 'i1', '30', '5', 'OVERFLOW', 'wrap', 'INCRBY', 'i1', '30', '1', 'INCRBY', 'u32', '40', '-1', 'INCRBY', 'i32', '40', '1'],
    ['BITFIELD', 'o', 'OVERFLOW', 'WRAP', 'INCRBY', 'u16', '7', '281474976710655', 'INCRBY', 'i16', '7', '-281474976710656', 'INCRBY', 'u31', '3', '9007199254740991', 'INCRBY', 'i32', '3', '-9223372036854775808'],
    ['GET', 'o'],
    ['BITFIELD', 'new', 'OVERFLOW', 'FAIL', 'SET', 'u8', '100', '999'], ['GET', 'new'], ['STRLEN', 'new'],
  ]);
  diffCase('int-encoded and binary values', [
    ['SET', 'n', '99'], ['BITFIELD', 'n', 'GET', 'u8', '0', 'GET', 'u16', '0', 'GET', 'u8', '16'], ['BITFIELD', 'n', 'INCRBY', 'u8', '8', '1'], ['GET', 'n'], ['INCR', 'n'],
    ['SET', 'b', BIN('\x80\x00\xff')], ['BITFIELD', 'b', 'GET', 'i1', '0', 'GET', 'i9', '0', 'GET', 'u24', '0', 'GET', 'i24', '0', 'GET', 'i32', '0', 'GET', 'u63', '20'],
  ]);
  diffCase('parse errors (nothing is written)', [
    ['BITFIELD', 'e', 'GET', 'u64', '0'], ['BITFIELD', 'e', 'GET', 'i65', '0'], ['BITFIELD', 'e', 'GET', 'i0', '0'], ['BITFIELD', 'e', 'GET', 'u0', '0'], ['BITFIELD', 'e', 'GET', 'x8', '0'],
    ['BITFIELD', 'e', 'GET', '', '0'], ['BITFIELD', 'e', 'GET', 'u', '0'], ['BITFIELD', 'e', 'GET', 'u-1', '0'], ['BITFIELD', 'e', 'GET', 'U8', '0'], ['BITFIELD', 'e', 'GET', 'u08', '0'],
    ['BITFIELD', 'e', 'GET', BIN('u8\0x'), '0'], ['BITFIELD', 'e', 'GET', 'u8 ', '0'], ['BITFIELD', 'e', 'GET', 'u8', '-1'], ['BITFIELD', 'e', 'GET', 'u8', 'x'],
    ['BITFIELD', 'e', 'GET', 'u8', '4294967296'], ['BITFIELD', 'e', 'GET', 'u8', '4294967295'], ['BITFIELD', 'e', 'SET', 'u8', '0'], ['BITFIELD', 'e', 'SET', 'u8', '0', 'x'],
    ['BITFIELD', 'e', 'SET', 'u8', '0', '1.5'], ['BITFIELD', 'e', 'SET', 'u8', '0', '99999999999999999999'], ['BITFIELD', 'e', 'INCRBY', 'u8', '0'], ['BITFIELD', 'e', 'GET', 'u8'],
    ['BITFIELD', 'e', 'FOO'], ['BITFIELD', 'e', 'OVERFLOW'], ['BITFIELD', 'e', 'OVERFLOW', 'X'], ['BITFIELD', 'e', 'OVERFLOW', 'X', 'SET', 'u8', '0', '1'],
    ['BITFIELD', 'e', 'SET', 'u8', '0', '1', 'GET', 'u64', '0'], ['BITFIELD', 'e', 'SET', 'u8', '0', '1', 'BAD'], ['BITFIELD', 'e', 'GET', 'u8', '0', 'OVERFLOW', 'SAT'],
    ['BITFIELD', 'e', 'OVERFLOW', 'SAT'], ['BITFIELD', 'e', 'SET', 'u8', '0', '1', 'OVERFLOW', 'FAIL'], ['GET', 'e'], ['BITFIELD'],
  ]);
  diffCase('BITFIELD_RO', [
    ['BITFIELD', 'r', 'SET', 'u8', '0', '42'], ['BITFIELD_RO', 'r', 'GET', 'u8', '0', 'GET', 'i4', '4', 'GET', 'u8', '#0'], ['BITFIELD_RO', 'r'], ['BITFIELD_RO', 'nokey', 'GET', 'i64', '0'],
    ['BITFIELD_RO', 'r', 'SET', 'u8', '0', '1'], ['BITFIELD_RO', 'r', 'INCRBY', 'u8', '0', '1'], ['BITFIELD_RO', 'r', 'GET', 'u8', '0', 'SET', 'u8', '0', '1'],
    ['BITFIELD_RO', 'r', 'OVERFLOW', 'SAT'], ['BITFIELD_RO', 'r', 'OVERFLOW', 'SAT', 'GET', 'u8', '0'], ['BITFIELD_RO', 'r', 'SET', 'u64', '0', '1'], ['BITFIELD_RO', 'r', 'FOO'],
    ['BITFIELD_RO', 'r', 'GET', 'u8', '-1'], ['GET', 'r'], ['BITFIELD_RO'],
  ]);
  wrongTypeCase('wrong type', (mk) => [
    mk('l'), ['BITFIELD', 'l', 'GET', 'u8', '0'], ['BITFIELD', 'l', 'SET', 'u8', '0', '1'], ['BITFIELD', 'l'], ['BITFIELD_RO', 'l', 'GET', 'u8', '0'], ['BITFIELD_RO', 'l', 'SET', 'u8', '0', '1'],
    ['BITFIELD', 'l', 'GET', 'u64', '0'],
  ]);
  it('RESP3 shapes (null for FAIL)', async () => {
    await compare([
      ['HELLO', '3'], ['BITFIELD', 'x', 'OVERFLOW', 'FAIL', 'SET', 'u8', '0', '300', 'SET', 'u8', '0', '3', 'GET', 'i64', '0'], ['SETBIT', 'x', '1', '1'], ['BITCOUNT', 'x'],
      ['BITPOS', 'x', '1'], ['BITFIELD_RO', 'x', 'GET', 'u8', '0'], ['GETBIT', 'x', '1'],
    ], { normalize: helloNormalize });
  });
});

// ---- WATCH: which writes touch the key -----------------------------------------------

/** Run a script of (client 0 | 1, command) on both servers and compare every reply. */
async function twoClients(script: [number, Cmd][]): Promise<void> {
  const replies: string[][] = [];
  for (const port of [env.ours!.port, env.redis!.port]) {
    const cs = [await RawClient.connect(port), await RawClient.connect(port)];
    try {
      await cs[0].command('FLUSHALL');
      const r: string[] = [];
      for (const [who, cmd] of script) r.push(await cs[who].command(...cmd));
      replies.push(r);
    } finally {
      for (const c of cs) c.close();
    }
  }
  for (let i = 0; i < script.length; i++) {
    expect(replies[0][i], `reply to ${script[i][1].join(' ')}`).toBe(replies[1][i]);
  }
}

describe('WATCH and bitmap writes', () => {
  const watched = (write: Cmd): [number, Cmd][] => [[0, ['SET', 'k', 'abc']], [0, ['WATCH', 'k']], [1, write], [0, ['MULTI']], [0, ['GET', 'k']], [0, ['EXEC']]];
  const writes: Cmd[] = [
    ['SETBIT', 'k', '1', '1'], ['SETBIT', 'k', '1', '0'], ['SETBIT', 'k', '100', '0'], ['BITFIELD', 'k', 'SET', 'u8', '0', '97'], ['BITFIELD', 'k', 'SET', 'u8', '0', '98'],
    ['BITFIELD', 'k', 'OVERFLOW', 'FAIL', 'SET', 'u2', '0', '9'], ['BITFIELD', 'k', 'INCRBY', 'u8', '8', '0'], ['BITFIELD', 'k', 'SET', 'u8', '24', '0'], ['BITFIELD', 'k', 'GET', 'u8', '0'],
    ['BITOP', 'OR', 'k', 'k', 'nokey'], ['BITOP', 'AND', 'k', 'nokey'], ['BITCOUNT', 'k'],
  ];
  for (const w of writes) {
    it(w.join(' '), async (ctx) => {
      await twoClients(watched(w));
    });
  }
});

// ---- randomized sequences ------------------------------------------------------------

const RKEYS = ['r0', 'r1', 'r2', '{t}r3', '{t}r4', XS[0], XS[1]];

function randomCommands(seed: number, n: number): Cmd[] {
  const rand = prng(seed);
  const pick = <T>(a: T[]): T => a[Math.floor(rand() * a.length)];
  const int = (lo: number, hi: number): number => lo + Math.floor(rand() * (hi - lo + 1));
  const offset = (): number => (rand() < 0.7 ? int(0, 300) : rand() < 0.8 ? int(0, 6000) : int(0, 70000));
  const idx = (): string => String(rand() < 0.5 ? int(-20, 20) : int(-5000, 5000));
  const types = ['u1', 'u3', 'u8', 'i8', 'u16', 'i16', 'i5', 'u31', 'i32', 'u32', 'i33', 'u47', 'i53', 'u63', 'i64', 'i63'];
  const fieldValue = (): string => {
    const r = rand();
    if (r < 0.4) return String(int(-300, 300));
    if (r < 0.7) return String(int(-(2 ** 40), 2 ** 40));
    if (r < 0.85) return pick(['9223372036854775807', '-9223372036854775808', '4294967296', '-4294967296', '2147483648', '9007199254740993']);
    return String(BigInt(int(0, 2 ** 31)) * BigInt(int(0, 2 ** 31)) * (rand() < 0.5 ? -1n : 1n));
  };
  const out: Cmd[] = [];
  for (let i = 0; i < n; i++) {
    const k = pick(RKEYS);
    const r = rand();
    if (r < 0.22) out.push(['SETBIT', k, String(offset()), String(int(0, 1))]);
    else if (r < 0.3) out.push(['GETBIT', k, String(offset())]);
    else if (r < 0.4) {
      const u = rand();
      if (u < 0.3) out.push(['BITCOUNT', k]);
      else if (u < 0.6) out.push(['BITCOUNT', k, idx(), idx()]);
      else out.push(['BITCOUNT', k, idx(), idx(), pick(['BIT', 'BYTE', 'bit'])]);
    } else if (r < 0.5) {
      const u = rand();
      const bit = String(int(0, 1));
      if (u < 0.25) out.push(['BITPOS', k, bit]);
      else if (u < 0.5) out.push(['BITPOS', k, bit, idx()]);
      else if (u < 0.75) out.push(['BITPOS', k, bit, idx(), idx()]);
      else out.push(['BITPOS', k, bit, idx(), idx(), pick(['BIT', 'BYTE'])]);
    } else if (r < 0.7) {
      const cmd: Cmd = [rand() < 0.15 ? 'BITFIELD_RO' : 'BITFIELD', k];
      const nops = int(1, 4);
      for (let j = 0; j < nops; j++) {
        const u = rand();
        const t = pick(types);
        const off = rand() < 0.2 ? '#' + int(0, 40) : String(offset());
        if (u < 0.2) cmd.push('OVERFLOW', pick(['WRAP', 'SAT', 'FAIL']));
        else if (u < 0.5) cmd.push('GET', t, off);
        else if (u < 0.75) cmd.push('SET', t, off, fieldValue());
        else cmd.push('INCRBY', t, off, fieldValue());
      }
      out.push(cmd);
    } else if (r < 0.78) {
      const op = pick(['AND', 'OR', 'XOR', 'NOT']);
      const dst = pick(RKEYS);
      if (op === 'NOT') out.push(['BITOP', op, dst, pick(RKEYS)]);
      else {
        const srcs: string[] = [];
        const ns = int(1, 3);
        for (let j = 0; j < ns; j++) srcs.push(pick(RKEYS));
        out.push(['BITOP', op, dst, ...srcs]);
      }
    } else if (r < 0.82) out.push(['GET', k]);
    else if (r < 0.85) out.push(['STRLEN', k]);
    else if (r < 0.88) out.push(['SET', k, pick(['', '0', '123', '-7', 'foobar', BIN(randomBytes(rand, int(1, 40)))]) as string]);
    else if (r < 0.9) out.push(['APPEND', k, BIN(randomBytes(rand, int(1, 10))) as unknown as string]);
    else if (r < 0.92) out.push(['SETRANGE', k, String(int(0, 700)), 'zz']);
    else if (r < 0.94) out.push(['INCR', k]);
    else if (r < 0.96) out.push(['DEL', k]);
    else if (r < 0.98) out.push(['GETRANGE', k, idx(), idx()]);
    else out.push(['EXISTS', k]);
  }
  return out;
}

describe('randomized sequences', () => {
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
    it(`seed ${seed}: 1500 commands over ${RKEYS.length} keys`, async () => {
      await compare(randomCommands(seed, 1500));
    }, 120000);
  }
});
