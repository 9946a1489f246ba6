// Differential tests of the string family against redis-server 7.0: every
// command, option and error of t_string.c, RESP3 shapes, binary and large
// values, expiry options, and long randomized command sequences. Our server
// runs 4 threads so multi-key commands really cross shards.

import { describe, it, expect } from 'vitest';
import { prng } from './helpers/reply_tree.ts';
import { useDiff, diffCase, compare, onBoth, type Cmd } from './helpers/diff.ts';
import { encodeCommand } from './helpers/resp.ts';
import { keyShard } from '../src/router/slot.ts';

const THREADS = 4;
const env = useDiff({ threads: THREADS });

// ---- helpers -------------------------------------------------------------------

/** Keys a..h: spread over several shards (checked below). */
const K = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
/** Keys sharing a hash tag: always one shard. */
const T = ['{t}a', '{t}b', '{t}c'];

/** Two keys owned by different shards. */
function crossPair(prefix: string): [string, string] {
  const a = prefix + '0';
  for (let i = 1; ; i++) if (keyShard(prefix + i, THREADS) !== keyShard(a, THREADS)) return [a, prefix + i];
}
const [X1, X2] = crossPair('x');

/** HELLO's reply names the server and its version: not comparable. */
function helloNormalize(reply: string, cmd: Cmd): string {
  return String(cmd[0]).toUpperCase() === 'HELLO' ? '<hello>' : reply;
}

/** A case that runs in RESP3 (HELLO 3 first). */
function resp3Case(name: string, cmds: Cmd[]): void {
  it(name, async (ctx) => {
    await compare([['HELLO', '3'], ...cmds], { normalize: helloNormalize });
  });
}

/**
 * A case that needs TTL on our server. TTLs set relative to now (EX 1000)
 * read back exactly; those of absolute times far ahead (EXAT/PXAT) are
 * rounded from each server's own clock, so they only have to be large.
 */
function ttlCase(name: string, cmds: Cmd[]): void {
  it(name, async (ctx) => {
    await compare(cmds, { normalize: (r, cmd) => (cmd[0] === 'TTL' && /^:\d{5,}\r\n$/.test(r) ? ':far\r\n' : r) });
  });
}

/** A case that needs a key of another type: `mk(key)` creates one with the first available command. */
function wrongTypeCase(name: string, build: (mk: (key: string) => Cmd) => Cmd[]): void {
  it(name, async (ctx) => {
    await compare(build((k) => ['RPUSH', k, 'x']));
  });
}

function bytes(from: number, to: number): string {
  let s = '';
  for (let i = from; i <= to; i++) s += String.fromCharCode(i);
  return s;
}
const ALL_BYTES = bytes(0, 255);
const BIN = (s: string): Buffer => Buffer.from(s, 'latin1');

function randomText(rand: () => number, n: number, alphabet: string): string {
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet[Math.floor(rand() * alphabet.length)];
  return s;
}

const FUTURE_S = String(Math.floor(Date.now() / 1000) + 100000);
const FUTURE_MS = String(Date.now() + 100000000);

describe('key layout', () => {
  it('test keys span several shards', () => {
    expect(new Set(K.map((k) => keyShard(k, THREADS))).size).toBeGreaterThan(1);
    expect(new Set(T.map((k) => keyShard(k, THREADS))).size).toBe(1);
    expect(keyShard(X1, THREADS)).not.toBe(keyShard(X2, THREADS));
  });
});

// ---- SET / GET -------------------------------------------------------------------

describe('SET and GET', () => {
  diffCase('set, get, overwrite, empty value, missing key', [
    ['SET', 'a', 'hello'], ['GET', 'a'], ['SET', 'a', 'world'], ['GET', 'a'], ['SET', 'a', ''], ['GET', 'a'], ['GET', 'nokey'], ['STRLEN', 'a'],
  ]);
  diffCase('integer-looking values print back identically', [
    ...['0', '1', '-1', '42', '-42', '007', '-0', '+1', ' 1', '1 ', '1.0', '1e3', '9007199254740991', '9007199254740992', '-9007199254740993',
      '9223372036854775807', '-9223372036854775808', '9223372036854775808', '-9223372036854775809', '12345678901234567890123', '0x10', '1_000']
      .flatMap((v, i): Cmd[] => [['SET', `n${i}`, v], ['GET', `n${i}`], ['STRLEN', `n${i}`], ['APPEND', `n${i}`, 'x'], ['GET', `n${i}`]]),
  ]);
  diffCase('wrong arity', [['SET', 'a'], ['GET'], ['GET', 'a', 'b'], ['SET']]);
  diffCase('NX and XX', [
    ['SET', 'a', '1', 'NX'], ['SET', 'a', '2', 'NX'], ['GET', 'a'], ['SET', 'a', '3', 'XX'], ['GET', 'a'], ['SET', 'b', '1', 'XX'], ['GET', 'b'],
    ['SET', 'a', '4', 'nx'], ['SET', 'a', '5', 'xX'], ['GET', 'a'], ['SET', 'a', '6', 'NX', 'NX'], ['SET', 'a', '7', 'XX', 'XX'], ['GET', 'a'],
  ]);
  diffCase('GET option', [
    ['SET', 'a', 'v1', 'GET'], ['SET', 'a', 'v2', 'GET'], ['SET', 'a', 'v3', 'get', 'GET'], ['GET', 'a'],
    ['SET', 'a', 'v4', 'NX', 'GET'], ['GET', 'a'], ['SET', 'b', 'v1', 'XX', 'GET'], ['GET', 'b'], ['SET', 'b', 'v1', 'NX', 'GET'], ['GET', 'b'],
    ['SET', 'a', '5', 'XX', 'GET'], ['SET', 'a', '6', 'GET'], ['SET', 'a', 'x', 'GET', 'EX', '0'], ['GET', 'a'], ['SET', 'a', 'y', 'GET', 'EX', 'abc'], ['GET', 'a'],
  ]);
  diffCase('expire options accepted', [
    ['SET', 'a', '1', 'EX', '1000'], ['GET', 'a'], ['SET', 'a', '2', 'PX', '1000000'], ['GET', 'a'], ['SET', 'a', '3', 'EXAT', FUTURE_S], ['GET', 'a'],
    ['SET', 'a', '4', 'PXAT', FUTURE_MS], ['GET', 'a'], ['SET', 'a', '5', 'ex', '1000', 'NX'], ['SET', 'a', '5', 'XX', 'px', '5000000', 'GET'], ['GET', 'a'],
    ['SET', 'a', '6', 'EX', '10', 'EX', '2000'], ['SET', 'a', '7', 'KEEPTTL'], ['SET', 'a', '8', 'KEEPTTL', 'KEEPTTL', 'XX'], ['GET', 'a'],
    ['SET', 'a', '9', 'EXAT', '9223372036854775'], ['GET', 'a'], ['SET', 'a', '10', 'PXAT', '9223372036854775807'], ['GET', 'a'],
    ['SET', 'a', '11', 'EX', '9223372036854'], ['GET', 'a'], ['SET', 'a', '12', 'PX', '9223372036854775'], ['GET', 'a'],
  ]);
  diffCase('expire option errors', [
    ['SET', 'a', 'v', 'EX'], ['SET', 'a', 'v', 'PX'], ['SET', 'a', 'v', 'EXAT'], ['SET', 'a', 'v', 'PXAT'],
    ['SET', 'a', 'v', 'EX', '0'], ['SET', 'a', 'v', 'EX', '-1'], ['SET', 'a', 'v', 'PX', '0'], ['SET', 'a', 'v', 'PX', '-100'], ['SET', 'a', 'v', 'EXAT', '0'], ['SET', 'a', 'v', 'PXAT', '-1'],
    ['SET', 'a', 'v', 'EX', 'abc'], ['SET', 'a', 'v', 'EX', '1.5'], ['SET', 'a', 'v', 'EX', ''], ['SET', 'a', 'v', 'PX', ' 10'], ['SET', 'a', 'v', 'EX', '99999999999999999999'],
    ['SET', 'a', 'v', 'EX', '9223372036854776'], ['SET', 'a', 'v', 'EX', '9223372036854775'], ['SET', 'a', 'v', 'EX', '9223372036854775807'],
    ['SET', 'a', 'v', 'PX', '9223372036854775807'], ['SET', 'a', 'v', 'PX', '9223372036854000000'], ['SET', 'a', 'v', 'EXAT', '9223372036854776'],
    ['SET', 'a', 'v', 'EXAT', '-9223372036854775808'],
    ['GET', 'a'],
  ]);
  diffCase('option conflicts are syntax errors', [
    ['SET', 'a', 'v', 'NX', 'XX'], ['SET', 'a', 'v', 'XX', 'NX'], ['SET', 'a', 'v', 'EX', '10', 'PX', '100'], ['SET', 'a', 'v', 'PX', '10', 'EX', '100'],
    ['SET', 'a', 'v', 'EX', '10', 'EXAT', FUTURE_S], ['SET', 'a', 'v', 'EXAT', FUTURE_S, 'PXAT', FUTURE_MS], ['SET', 'a', 'v', 'PXAT', FUTURE_MS, 'PX', '1'],
    ['SET', 'a', 'v', 'KEEPTTL', 'EX', '10'], ['SET', 'a', 'v', 'EX', '10', 'KEEPTTL'], ['SET', 'a', 'v', 'PXAT', FUTURE_MS, 'KEEPTTL'],
    ['SET', 'a', 'v', 'PERSIST'], ['SET', 'a', 'v', 'FOO'], ['SET', 'a', 'v', ''], ['SET', 'a', 'v', 'NXX'], ['SET', 'a', 'v', 'N'], ['SET', 'a', 'v', 'GETT'],
    ['SET', 'a', 'v', 'EX', 'EX'], ['SET', 'a', 'v', '10', 'EX'], ['SET', 'a', 'v', 'NX', 'EX', '10', 'XX'], ['GET', 'a'],
    ['SET', 'a', 'v', 'EX', 'abc', 'PX', '5'], ['SET', 'a', 'v', 'EX', '-5', 'FOO'],
  ]);
  diffCase('options end at a NUL byte like C strings', [
    ['SET', 'a', 'v', BIN('NX\0junk')], ['GET', 'a'], ['SET', 'a', 'w', BIN('XX\0'), BIN('GET\0x')], ['GET', 'a'], ['SET', 'a', 'z', BIN('\0NX')],
    ['SET', 'a', 'q', BIN('EX\0'), '100'], ['GET', 'a'], ['GETEX', 'a', BIN('PERSIST\0\0')], ['LCS', 'a', 'a', BIN('LEN\0IDX')],
  ]);
  diffCase('expired keys are gone (EXAT/PXAT in the past)', [
    ['SET', 'a', 'v', 'EXAT', '1'], ['GET', 'a'], ['SET', 'a', 'v', 'PXAT', '1000', 'GET'], ['GET', 'a'], ['SETNX', 'a', 'n'], ['GET', 'a'],
    ['SET', 'b', '5', 'PXAT', '1'], ['INCR', 'b'], ['SET', 'c', 'x', 'EXAT', '100'], ['APPEND', 'c', 'y'], ['GET', 'c'],
    ['SET', 'd', 'x', 'PXAT', '2'], ['SET', 'd', 'y', 'XX'], ['GET', 'd'], ['SET', 'd', 'y', 'NX', 'GET'], ['GET', 'd'],
    ['SET', X1, '1', 'PXAT', '3'], ['MSETNX', X1, 'p', X2, 'q'], ['MGET', X1, X2],
    ['SET', 'e', 'x', 'PXAT', '1'], ['STRLEN', 'e'], ['GETRANGE', 'e', '0', '-1'], ['GETDEL', 'e'], ['GETSET', 'e', 'z'], ['GET', 'e'],
  ]);
});

describe('SETNX, SETEX, PSETEX', () => {
  diffCase('setnx', [['SETNX', 'a', '1'], ['SETNX', 'a', '2'], ['GET', 'a'], ['SETNX', 'b', '12345'], ['GET', 'b'], ['SETNX', 'a'], ['SETNX', 'a', 'b', 'c']]);
  diffCase('setex and psetex', [
    ['SETEX', 'a', '100', 'v'], ['GET', 'a'], ['PSETEX', 'b', '100000', '42'], ['GET', 'b'], ['SETEX', 'a', '100', 'w'], ['GET', 'a'],
    ['SETEX', 'a', '0', 'v'], ['SETEX', 'a', '-1', 'v'], ['SETEX', 'a', 'x', 'v'], ['SETEX', 'a', '1.5', 'v'], ['SETEX', 'a', '9223372036854776', 'v'],
    ['SETEX', 'a', '9223372036854775', 'v'], ['SETEX', 'a', '9223372036854', 'v'], ['GET', 'a'],
    ['PSETEX', 'b', '0', 'v'], ['PSETEX', 'b', '-5', 'v'], ['PSETEX', 'b', 'abc', 'v'], ['PSETEX', 'b', '9223372036854775807', 'v'], ['GET', 'b'],
    ['SETEX', 'a', '10'], ['PSETEX', 'a', '10', 'v', 'x'],
  ]);
});

describe('GETEX, GETDEL, GETSET', () => {
  diffCase('getex options', [
    ['SET', 'a', 'v'], ['GETEX', 'a'], ['GETEX', 'a', 'EX', '1000'], ['GETEX', 'a', 'px', '1000000'], ['GETEX', 'a', 'EXAT', FUTURE_S], ['GETEX', 'a', 'PXAT', FUTURE_MS],
    ['GETEX', 'a', 'PERSIST'], ['GETEX', 'a', 'persist', 'PERSIST'], ['GETEX', 'a', 'EX', '10', 'EX', '20'], ['GET', 'a'], ['GETEX', 'nokey'], ['GETEX', 'nokey', 'EX', '10'],
    ['SET', 'n', '123'], ['GETEX', 'n', 'EX', '100'], ['GET', 'n'],
  ]);
  diffCase('getex errors', [
    ['SET', 'a', 'v'], ['GETEX', 'a', 'NX'], ['GETEX', 'a', 'XX'], ['GETEX', 'a', 'GET'], ['GETEX', 'a', 'KEEPTTL'], ['GETEX', 'a', 'EX'], ['GETEX', 'a', 'EX', '10', 'PX', '10'],
    ['GETEX', 'a', 'PERSIST', 'EX', '10'], ['GETEX', 'a', 'EX', '10', 'PERSIST'], ['GETEX', 'a', 'PXAT', FUTURE_MS, 'EXAT', FUTURE_S], ['GETEX', 'a', 'FOO'],
    ['GETEX', 'a', 'EX', '0'], ['GETEX', 'a', 'EX', '-1'], ['GETEX', 'a', 'PX', 'abc'], ['GETEX', 'a', 'EXAT', '9223372036854776'], ['GETEX', 'a', 'EX', '9223372036854775'],
    ['GETEX', 'nokey', 'EX', 'abc'], ['GETEX', 'nokey', 'EX', '0'], ['GETEX', 'nokey', 'FOO'], ['GETEX'], ['GET', 'a'],
  ]);
  diffCase('getex with a past EXAT/PXAT deletes the key', [
    ['SET', 'a', 'v'], ['GETEX', 'a', 'EXAT', '1'], ['GET', 'a'], ['SET', 'b', '77'], ['GETEX', 'b', 'PXAT', '1000'], ['GET', 'b'], ['GETEX', 'b', 'PXAT', '1000'],
    ['SET', 'c', 'v', 'EX', '1000'], ['GETEX', 'c', 'PXAT', String(Date.now() - 1000)], ['GET', 'c'],
  ]);
  diffCase('getdel', [['SET', 'a', 'v'], ['GETDEL', 'a'], ['GETDEL', 'a'], ['GET', 'a'], ['SET', 'b', '-17'], ['GETDEL', 'b'], ['GET', 'b'], ['GETDEL'], ['GETDEL', 'a', 'b']]);
  diffCase('getset', [['GETSET', 'a', '1'], ['GETSET', 'a', 'two'], ['GETSET', 'a', '33'], ['GET', 'a'], ['INCR', 'a'], ['GETSET', 'a', ''], ['GET', 'a'], ['GETSET', 'a']]);
});

// ---- multi-key ---------------------------------------------------------------------

describe('MGET, MSET, MSETNX', () => {
  diffCase('mset / mget across shards', [
    ['MSET', ...K.flatMap((k, i) => [k, `v${i}`])], ['MGET', ...K], ['MGET', 'a', 'nokey', 'b', 'a', 'zz'], ['MGET', 'a'], ['MGET', 'nokey'],
    ['MSET', 'a', '1', 'b', '-2', 'c', '9007199254740993'], ['MGET', 'c', 'b', 'a'], ['INCR', 'a'], ['MGET', 'a', 'b'],
    ['MSET', 'a', 'x', 'a', 'y', 'b', 'z'], ['MGET', 'a', 'b'], ['MSET', X1, 'one', X2, 'two'], ['MGET', X2, X1, X2],
  ]);
  diffCase('mset / mget on one shard (hash tags)', [['MSET', T[0], '1', T[1], '2', T[2], '3'], ['MGET', ...T, '{t}nope'], ['MSETNX', T[0], 'x', '{t}z', 'y'], ['MGET', T[0], '{t}z']]);
  diffCase('mset arity', [['MSET', 'a'], ['MSET', 'a', '1', 'b'], ['MSET', X1, '1', X2], ['MSET', T[0], '1', T[1]], ['MGET', 'a', 'b', X1, X2], ['MGET']]);
  diffCase('msetnx', [
    ['MSETNX', 'a', '1', 'b', '2', 'c', '3'], ['MGET', 'a', 'b', 'c'], ['MSETNX', 'd', '4', 'a', 'x', 'e', '5'], ['MGET', 'a', 'd', 'e'],
    ['MSETNX', X1, 'p', X2, 'q'], ['MGET', X1, X2], ['DEL', X1], ['MSETNX', X1, 'p2', X2, 'q2'], ['MGET', X1, X2], ['DEL', X2],
    ['MSETNX', X2, 'n', X1, 'm'], ['MGET', X1, X2], ['MSETNX', 'z', '1', 'z', '2'], ['GET', 'z'],
    ['MSETNX', 'a'], ['MSETNX', 'q', '1', 'r'], ['MSETNX', X1, '1', X2], ['MGET', 'q', 'r'],
    ['MSETNX', ...K.flatMap((k) => [k + 'new', k])], ['MGET', ...K.map((k) => k + 'new')],
  ]);
  wrongTypeCase('mget skips other types, mset overwrites them', (mk) => [
    mk('l'), ['MGET', 'a', 'l', X1], ['MSETNX', 'l', 'x', 'a', 'y'], ['MGET', 'a', 'l'], ['MSET', 'l', 'str', X1, 'o'], ['MGET', 'l', X1],
  ]);
});

// ---- APPEND / STRLEN / ranges -----------------------------------------------------

describe('APPEND, STRLEN, GETRANGE, SETRANGE', () => {
  diffCase('append and strlen', [
    ['APPEND', 'a', 'hello'], ['APPEND', 'a', ' world'], ['GET', 'a'], ['STRLEN', 'a'], ['APPEND', 'a', ''], ['STRLEN', 'nokey'],
    ['APPEND', 'n', '12'], ['INCR', 'n'], ['APPEND', 'n', '4'], ['GET', 'n'], ['INCR', 'n'], ['APPEND', 'n', 'x'], ['INCR', 'n'], ['STRLEN', 'n'],
    ['SET', 'm', '-123'], ['STRLEN', 'm'], ['APPEND', 'm', ''], ['GET', 'm'], ['INCRBY', 'm', '3'], ['APPEND', 'e', ''], ['GET', 'e'], ['STRLEN', 'e'],
    ['APPEND', 'a'], ['STRLEN'],
  ]);
  diffCase('getrange and substr', [
    ['SET', 'a', 'Hello World'],
    ...[['0', '-1'], ['0', '4'], ['-5', '-1'], ['-1', '-5'], ['5', '3'], ['3', '3'], ['0', '100'], ['100', '200'], ['-100', '2'], ['-100', '-50'], ['-3', '-100'],
      ['9223372036854775807', '9223372036854775807'], ['-9223372036854775808', '9223372036854775807'], ['-9223372036854775808', '-9223372036854775807'],
      ['-9223372036854775807', '-9223372036854775808'], ['-9007199254740992', '-9007199254740993'], ['-9007199254740993', '-9007199254740992'], ['10', '-1'], ['11', '-1'], ['1', '0']]
      .flatMap(([s, e]): Cmd[] => [['GETRANGE', 'a', s, e], ['SUBSTR', 'a', s, e]]),
    ['GETRANGE', 'nokey', '0', '-1'], ['GETRANGE', 'a', 'x', '1'], ['GETRANGE', 'a', '1', '1.5'], ['GETRANGE', 'nokey', 'x', '1'], ['GETRANGE', 'a', '99999999999999999999', '1'],
    ['SET', 'n', '-12345'], ['GETRANGE', 'n', '0', '2'], ['GETRANGE', 'n', '-2', '-1'], ['SET', 'e', ''], ['GETRANGE', 'e', '0', '-1'], ['GETRANGE', 'e', '-1', '0'],
    ['GETRANGE', 'a', '0'], ['SUBSTR', 'a', '0', '1', '2'],
  ]);
  diffCase('setrange', [
    ['SETRANGE', 'a', '5', 'hi'], ['GET', 'a'], ['STRLEN', 'a'], ['SETRANGE', 'a', '0', 'HELLO'], ['GET', 'a'], ['SETRANGE', 'a', '6', 'xyz'], ['GET', 'a'],
    ['SETRANGE', 'a', '20', '!'], ['GET', 'a'], ['SETRANGE', 'a', '2', ''], ['SETRANGE', 'a', '1000', ''], ['SETRANGE', 'nokey', '3', ''], ['GET', 'nokey'],
    ['SETRANGE', 'a', '-1', 'x'], ['SETRANGE', 'a', 'x', 'y'], ['SETRANGE', 'a', '1.5', 'y'], ['SETRANGE', 'nokey', '-1', ''],
    ['SET', 'n', '12345'], ['SETRANGE', 'n', '1', '9'], ['GET', 'n'], ['INCR', 'n'], ['SETRANGE', 'n', '5', '0'], ['INCR', 'n'], ['SET', 'm', '77'], ['SETRANGE', 'm', '0', ''], ['INCR', 'm'],
    ['SETRANGE', 'a', '536870912', 'x'], ['SETRANGE', 'a', '536870911', 'xy'], ['SETRANGE', 'nokey', '536870912', 'x'], ['SETRANGE', 'a', '9223372036854775807', 'x'],
    ['SETRANGE', 'a', '9223372036854775807', ''], ['SETRANGE', 'a', '99999999999999999999', 'x'], ['GET', 'a'], ['SETRANGE', 'a', '1'],
    ['SETRANGE', 'z', '0', 'abc'], ['SETRANGE', 'z', '3', 'def'], ['GET', 'z'], ['SETRANGE', 'z', '1', 'XYZW'], ['GET', 'z'],
  ]);
  wrongTypeCase('WRONGTYPE on every string command', (mk) => [
    mk('l'), ['GET', 'l'], ['SET', 'l', 'v', 'GET'], ['SET', 'l', 'v', 'NX', 'GET'], ['GETEX', 'l'], ['GETEX', 'l', 'EX', 'abc'], ['GETDEL', 'l'], ['GETSET', 'l', 'v'],
    ['APPEND', 'l', 'x'], ['STRLEN', 'l'], ['GETRANGE', 'l', '0', '-1'], ['GETRANGE', 'l', 'x', '1'], ['SUBSTR', 'l', '0', '1'], ['SETRANGE', 'l', '0', 'x'], ['SETRANGE', 'l', '0', ''], ['SETRANGE', 'l', '-1', 'x'],
    ['INCR', 'l'], ['DECR', 'l'], ['INCRBY', 'l', '2'], ['INCRBY', 'l', 'x'], ['DECRBY', 'l', '2'], ['INCRBYFLOAT', 'l', '1.5'], ['INCRBYFLOAT', 'l', 'x'],
    ['LCS', 'l', 'a'], ['LCS', 'a', 'l', 'FOO'], ['LCS', 'l', X1], ['SETNX', 'l', 'v'], ['MSETNX', 'l', 'v'], ['SET', 'l', 'v', 'NX'], ['SET', 'l', 'v', 'XX'], ['GET', 'l'],
    mk('l2'), ['SET', 'l2', 'v', 'XX', 'GET'], ['SETEX', 'l2', '100', 'x'], ['GET', 'l2'],
  ]);
});

// ---- counters ------------------------------------------------------------------------

describe('INCR, DECR, INCRBY, DECRBY', () => {
  diffCase('basic counting', [
    ['INCR', 'a'], ['INCR', 'a'], ['DECR', 'a'], ['INCRBY', 'a', '100'], ['DECRBY', 'a', '50'], ['DECRBY', 'a', '-7'], ['INCRBY', 'a', '-1000'], ['GET', 'a'],
    ['DECR', 'b'], ['DECRBY', 'c', '5'], ['INCRBY', 'd', '0'], ['GET', 'd'], ['SET', 'e', '-0'], ['INCR', 'e'],
  ]);
  diffCase('non-integer values and increments', [
    ...['abc', '', ' 1', '1 ', '01', '+1', '1.0', '1e2', '0x1', '99999999999999999999', '9223372036854775808', '-9223372036854775809', '--1', '-']
      .flatMap((v, i): Cmd[] => [['SET', `v${i}`, v], ['INCR', `v${i}`], ['DECRBY', `v${i}`, '1'], ['INCRBY', 'ok', v], ['DECRBY', 'ok', v]]),
    ['GET', 'ok'], ['INCR'], ['INCRBY', 'a'], ['DECRBY', 'a', '1', '2'],
  ]);
  diffCase('64-bit exact beyond 2^53 and overflow', [
    ['SET', 'a', '9007199254740990'], ['INCR', 'a'], ['INCR', 'a'], ['INCR', 'a'], ['GET', 'a'], ['INCRBY', 'a', '1000000000000'], ['GET', 'a'], ['DECRBY', 'a', '1000000000003'], ['GET', 'a'],
    ['SET', 'b', '9223372036854775806'], ['INCR', 'b'], ['INCR', 'b'], ['GET', 'b'], ['DECR', 'b'], ['INCRBY', 'b', '1'], ['INCRBY', 'b', '1'],
    ['SET', 'c', '-9223372036854775807'], ['DECR', 'c'], ['DECR', 'c'], ['GET', 'c'], ['INCRBY', 'c', '-1'], ['DECRBY', 'c', '1'], ['INCRBY', 'c', '9223372036854775807'],
    ['INCRBY', 'd', '9223372036854775807'], ['INCR', 'd'], ['INCRBY', 'd', '-9223372036854775808'], ['GET', 'd'],
    ['DECRBY', 'e', '-9223372036854775808'], ['DECRBY', 'e', '9223372036854775807'], ['DECR', 'e'], ['DECR', 'e'], ['GET', 'e'],
    ['INCRBY', 'f', '-9223372036854775808'], ['DECR', 'f'], ['INCRBY', 'f', '9223372036854775807'], ['GET', 'f'],
    ['SET', 'g', '-9007199254740991'], ['DECR', 'g'], ['DECRBY', 'g', '9007199254740991'], ['INCRBY', 'g', '18014398509481983'], ['GET', 'g'],
    ['SET', 'h', '4611686018427387904'], ['INCRBY', 'h', '4611686018427387903'], ['INCRBY', 'h', '1'], ['GET', 'h'], ['APPEND', 'h', '0'], ['INCR', 'h'],
  ]);
  diffCase('counters keep a value readable by every string command', [
    ['INCRBY', 'a', '-9876'], ['GET', 'a'], ['STRLEN', 'a'], ['GETRANGE', 'a', '1', '2'], ['APPEND', 'a', '5'], ['INCR', 'a'], ['SETRANGE', 'a', '0', '1'], ['INCR', 'a'],
    ['GETSET', 'a', '5'], ['INCRBYFLOAT', 'a', '0.5'], ['INCR', 'a'], ['INCRBYFLOAT', 'a', '0.5'], ['INCR', 'a'], ['GET', 'a'], ['LCS', 'a', 'a'],
  ]);
  diffCase('an increment keeps the TTL, touches WATCH, and an expired counter starts over', [
    ['SET', 'a', '5', 'EX', '100'], ['INCR', 'a'], ['TTL', 'a'], ['DECRBY', 'a', '3'], ['TTL', 'a'], ['GET', 'a'],
    ['SET', 'b', '9223372036854775800', 'PX', '100000'], ['INCRBY', 'b', '5'], ['TTL', 'b'], ['GET', 'b'],
    ['SET', 'c', '7', 'PXAT', '1'], ['INCR', 'c'], ['TTL', 'c'], ['GET', 'c'],
    ['SET', 'w', '1'], ['WATCH', 'w'], ['INCR', 'w'], ['MULTI'], ['GET', 'w'], ['EXEC'],
    ['WATCH', 'w'], ['INCRBY', 'w', '0'], ['MULTI'], ['GET', 'w'], ['EXEC'],
    ['SET', 'v', '1'], ['WATCH', 'v'], ['GET', 'v'], ['MULTI'], ['INCR', 'v'], ['EXEC'], ['GET', 'v'],
  ]);
});

describe('INCRBYFLOAT', () => {
  diffCase('long double results like Redis', [
    ['INCRBYFLOAT', 'a', '10.5'], ['INCRBYFLOAT', 'a', '0.1'], ['INCRBYFLOAT', 'a', '-5'], ['GET', 'a'], ['SET', 'b', '5.0e3'], ['INCRBYFLOAT', 'b', '2.0e2'],
    ['INCRBYFLOAT', 'c', '3'], ['INCR', 'c'], ['INCRBYFLOAT', 'c', '1.5'], ['INCR', 'c'], ['INCRBYFLOAT', 'd', '0.0000000000000000001'], ['INCRBYFLOAT', 'd', '-0.00000000000000001'],
    ['INCRBYFLOAT', 'e', '-0'], ['INCRBYFLOAT', 'e', '-0.0'], ['INCRBYFLOAT', 'f', '1e300'], ['INCRBYFLOAT', 'f', '1'], ['INCRBYFLOAT', 'g', '1.7976931348623157e308'],
    ['INCRBYFLOAT', 'g', '1.7976931348623157e308'], ['INCRBYFLOAT', 'h', '1e4000'], ['INCRBYFLOAT', 'h', '1e4000'], ['INCRBYFLOAT', 'h', '-2e4000'],
    ['INCRBYFLOAT', 'i', '1e-4950'], ['INCRBYFLOAT', 'i', '123456789012345678901234567890'], ['INCRBYFLOAT', 'j', '0x1p3'], ['INCRBYFLOAT', 'j', '0X1.8P-1'],
    ['INCRBYFLOAT', 'j', '+.5'], ['INCRBYFLOAT', 'j', '5.'], ['INCRBYFLOAT', 'k', '9223372036854775807'], ['INCRBYFLOAT', 'k', '1'],
    ['SET', 'l', '9007199254740993'], ['INCRBYFLOAT', 'l', '0'], ['SET', 'm', '18446744073709551617'], ['INCRBYFLOAT', 'm', '0'],
    ['INCRBYFLOAT', 'n', '0.1'], ['INCRBYFLOAT', 'n', '0.2'], ['INCRBYFLOAT', 'n', '0.3'], ['INCRBYFLOAT', 'o', '1.1e-17'], ['INCRBYFLOAT', 'o', '1e-18'],
    ['INCRBYFLOAT', 'p', '3.14159265358979323846264338327950288'], ['INCRBYFLOAT', 'p', '-3'], ['INCRBYFLOAT', 'q', '1.18973149535723176502e+4932'],
  ]);
  diffCase('a hundred small steps', [...Array.from({ length: 100 }, (_, i): Cmd => ['INCRBYFLOAT', 'a', i % 3 === 0 ? '0.1' : i % 3 === 1 ? '-0.03' : '1.7'])]);
  diffCase('invalid floats, NaN and infinity', [
    ...['abc', '', ' 1', '1 ', '1.2.3', 'nan', 'NaN', '-nan', '1e', '.', '0x', '0x1p', '1e5000', '-1e5000', '1e-5000', 'infin', '1_0', '1,5', '--1', '1e+', 'e5', '0x.p1']
      .flatMap((v, i): Cmd[] => [['INCRBYFLOAT', 'a', v], ['SET', `s${i}`, v], ['INCRBYFLOAT', `s${i}`, '1']]),
    ['INCRBYFLOAT', 'a', 'inf'], ['INCRBYFLOAT', 'a', '-Infinity'], ['INCRBYFLOAT', 'a', 'INF'], ['SET', 'i', 'inf'], ['INCRBYFLOAT', 'i', '1'], ['INCRBYFLOAT', 'i', 'abc'],
    ['SET', 'big', '1.1e4932'], ['INCRBYFLOAT', 'big', '1.1e4932'], ['GET', 'big'], ['INCRBYFLOAT', 'a', '1'.repeat(5119)], ['INCRBYFLOAT', 'a', '1'.repeat(5120)],
    ['SET', 'long', '1'.repeat(5200)], ['INCRBYFLOAT', 'long', '1'], ['INCRBYFLOAT', 'a', BIN('1\0')], ['INCRBYFLOAT', 'a', BIN('\0')], ['INCRBYFLOAT', 'a'], ['GET', 'a'],
  ]);
});

// ---- LCS ---------------------------------------------------------------------------------

describe('LCS', () => {
  const lcsOpts: Cmd[] = [[], ['LEN'], ['IDX'], ['IDX', 'WITHMATCHLEN'], ['IDX', 'MINMATCHLEN', '4'], ['IDX', 'MINMATCHLEN', '2', 'WITHMATCHLEN'], ['idx', 'minmatchlen', '-3', 'withmatchlen'],
    ['WITHMATCHLEN'], ['MINMATCHLEN', '2'], ['LEN', 'MINMATCHLEN', '1'], ['IDX', 'IDX', 'MINMATCHLEN', '1', 'MINMATCHLEN', '0']];
  diffCase('examples and options', [
    ['MSET', '{l}1', 'ohmytext', '{l}2', 'mynewtext'], ...lcsOpts.map((o): Cmd => ['LCS', '{l}1', '{l}2', ...o]),
    ['LCS', '{l}1', 'nokey'], ['LCS', 'nokey', '{l}2', 'IDX'], ['LCS', 'nokey', 'nokey2', 'LEN'], ['LCS', '{l}1', '{l}1', 'IDX', 'WITHMATCHLEN'],
  ]);
  diffCase('option errors', [
    ['SET', 'a', 'abc'], ['LCS', 'a', 'a', 'LEN', 'IDX'], ['LCS', 'a', 'a', 'IDX', 'LEN'], ['LCS', 'a', 'a', 'FOO'], ['LCS', 'a', 'a', 'MINMATCHLEN'],
    ['LCS', 'a', 'a', 'MINMATCHLEN', 'x'], ['LCS', 'a', 'a', 'MINMATCHLEN', '1.5'], ['LCS', 'a', 'a', 'FOO', 'LEN', 'IDX'], ['LCS', 'a', 'a', 'LEN', 'IDX', 'FOO'], ['LCS', 'a'],
    ['LCS', 'a', 'a', 'MINMATCHLEN', '99999999999999999999'], ['LCS', 'a', 'a', 'IDX', 'MINMATCHLEN', '9223372036854775807'],
  ]);
  diffCase('keys on different shards', [
    ['SET', X1, 'ohmytext'], ['SET', X2, 'mynewtext'], ...lcsOpts.map((o): Cmd => ['LCS', X1, X2, ...o]), ['LCS', X2, X1, 'IDX'], ['LCS', X1, 'nokey'], ['LCS', X1, X2, 'LEN', 'IDX'],
  ]);
  const rand = prng(7);
  const s1 = randomText(rand, 1500, 'ACGT');
  const s2 = randomText(rand, 1300, 'ACGT');
  const s3 = randomText(rand, 300, 'abcdefghij');
  const s4 = randomText(rand, 280, 'abcdefghij');
  diffCase('random strings', [
    ['MSET', '{r}1', s1, '{r}2', s2, '{r}3', s3, '{r}4', s4],
    ['LCS', '{r}1', '{r}2'], ['LCS', '{r}1', '{r}2', 'LEN'], ['LCS', '{r}1', '{r}2', 'IDX', 'MINMATCHLEN', '5', 'WITHMATCHLEN'], ['LCS', '{r}3', '{r}4', 'IDX', 'WITHMATCHLEN'],
    ['LCS', '{r}3', '{r}4'], ['LCS', '{r}4', '{r}3', 'IDX'],
  ]);
  diffCase('int values and binary values', [
    ['SET', '{n}1', '1234567'], ['SET', '{n}2', '-27461'], ['LCS', '{n}1', '{n}2'], ['LCS', '{n}1', '{n}2', 'IDX'],
    ['SET', '{n}3', BIN(ALL_BYTES)], ['SET', '{n}4', BIN(bytes(100, 255) + bytes(0, 120))], ['LCS', '{n}3', '{n}4'], ['LCS', '{n}3', '{n}4', 'IDX', 'MINMATCHLEN', '3', 'WITHMATCHLEN'],
  ]);
  diffCase('transient memory limit', [['SET', '{m}1', 'x'.repeat(12000)], ['SET', '{m}2', 'y'.repeat(12000)], ['LCS', '{m}1', '{m}2'], ['LCS', '{m}1', '{m}2', 'LEN'], ['SET', X1, 'z'.repeat(12000)], ['SET', X2, 'z'.repeat(12000)], ['LCS', X1, X2, 'LEN']]);
});

// ---- RESP3 -------------------------------------------------------------------------------

describe('RESP3', () => {
  resp3Case('null replies and the LCS map', [
    ['GET', 'nokey'], ['MGET', 'nokey', X1, X2], ['MSET', X1, '1', X2, 'two'], ['MGET', X1, 'nokey', X2], ['SET', 'a', 'v', 'NX'], ['SET', 'a', 'w', 'NX'], ['SET', 'b', 'v', 'XX'],
    ['SET', 'b', 'v', 'XX', 'GET'], ['SET', 'a', 'x', 'GET'], ['GETEX', 'nokey'], ['GETEX', 'nokey', 'PERSIST'], ['GETDEL', 'nokey'], ['GETSET', 'nokey', '1'], ['GETRANGE', 'nokey', '0', '1'],
    ['INCRBYFLOAT', 'f', '1.5'], ['INCR', 'i'], ['SETNX', 'a', 'z'], ['MSETNX', X1, 'a', X2, 'b'], ['SET', '{l}1', 'ohmytext'], ['SET', '{l}2', 'mynewtext'],
    ['LCS', '{l}1', '{l}2'], ['LCS', '{l}1', '{l}2', 'LEN'], ['LCS', '{l}1', '{l}2', 'IDX'], ['LCS', '{l}1', '{l}2', 'IDX', 'MINMATCHLEN', '4', 'WITHMATCHLEN'],
    ['SET', X1, 'ohmytext'], ['SET', X2, 'mynewtext'], ['LCS', X1, X2, 'IDX', 'WITHMATCHLEN'], ['LCS', 'nokey', 'nokey2', 'IDX'], ['SET', 'e', 'v', 'EX', '0'], ['MSET', 'a'],
  ]);
});

// ---- binary and big values ----------------------------------------------------------

describe('binary and big values', () => {
  diffCase('all 256 byte values in keys and values', [
    ['SET', BIN(ALL_BYTES), BIN(ALL_BYTES)], ['GET', BIN(ALL_BYTES)], ['STRLEN', BIN(ALL_BYTES)], ['SET', 'b', BIN('\0\r\n\xff')], ['APPEND', 'b', BIN(bytes(0, 40))],
    ['GET', 'b'], ['GETRANGE', 'b', '1', '6'], ['SETRANGE', 'b', '2', BIN('\xfe\0\x80')], ['GET', 'b'], ['SETRANGE', 'nb', '3', BIN('\0\0')], ['GET', 'nb'],
    ['MSET', X1, BIN(bytes(128, 255)), X2, BIN(bytes(0, 127))], ['MGET', X1, X2, BIN(ALL_BYTES)], ['GETEX', 'b', 'EX', '1000'], ['GETSET', 'b', BIN('\x00')], ['GETDEL', 'b'],
    ['SET', BIN('k\0ey'), 'x'], ['GET', BIN('k\0ey')], ['GET', 'k'], ['INCRBY', BIN('\xff'), '5'], ['GET', BIN('\xff')], ['SETNX', BIN('\0'), BIN('\0')], ['GET', BIN('\0')],
  ]);
  const rand = prng(11);
  const mb = randomText(rand, 1 << 20, ALL_BYTES);
  const mb2 = randomText(rand, 1 << 20, 'abcdefgh');
  diffCase('1 MB values', [
    ['SET', 'big', BIN(mb)], ['GET', 'big'], ['STRLEN', 'big'], ['APPEND', 'big', BIN(mb2)], ['STRLEN', 'big'], ['GETRANGE', 'big', '1048570', '1048590'],
    ['GETRANGE', 'big', '-100', '-1'], ['SETRANGE', 'big', '1500000', 'marker'], ['GETRANGE', 'big', '1499990', '1500010'], ['SETRANGE', 'big', '2100000', 'end'],
    ['STRLEN', 'big'], ['GET', 'big'], ['MSET', X1, BIN(mb), X2, BIN(mb2)], ['MGET', X2, X1], ['GETSET', X1, 'small'], ['GETDEL', X2], ['INCRBYFLOAT', 'big', '1'],
    ['LCS', X1, 'big', 'LEN'], ['SETRANGE', 'fresh', '1048576', 'x'], ['STRLEN', 'fresh'], ['GETRANGE', 'fresh', '1048570', '-1'],
  ]);
});

// ---- expiry observed through TTL (when our server has it) ----------------------------

describe('TTL effects', () => {
  ttlCase('which commands keep or clear the TTL', [
    ['SET', 'a', 'v', 'EX', '1000'], ['TTL', 'a'], ['SET', 'a', 'w', 'KEEPTTL'], ['TTL', 'a'], ['SET', 'a', 'x'], ['TTL', 'a'],
    ['SET', 'b', '1', 'PX', '2000000'], ['INCR', 'b'], ['TTL', 'b'], ['INCRBYFLOAT', 'b', '0.5'], ['TTL', 'b'], ['APPEND', 'b', '1'], ['TTL', 'b'], ['SETRANGE', 'b', '0', '9'], ['TTL', 'b'],
    ['DECRBY', 'b', '2'], ['TTL', 'b'], ['GETSET', 'b', 'z'], ['TTL', 'b'], ['SETEX', 'c', '500', 'v'], ['TTL', 'c'], ['PSETEX', 'c', '300000', 'v'], ['TTL', 'c'],
    ['GETEX', 'c', 'EX', '700'], ['TTL', 'c'], ['GETEX', 'c'], ['TTL', 'c'], ['GETEX', 'c', 'PERSIST'], ['TTL', 'c'], ['GETEX', 'c', 'PX', '800000'], ['TTL', 'c'],
    ['SET', 'd', 'v', 'EXAT', FUTURE_S], ['TTL', 'd'], ['GETEX', 'd', 'PXAT', FUTURE_MS], ['TTL', 'd'], ['MSET', 'd', '1', X1, '2'], ['TTL', 'd'],
    ['SET', 'e', 'v', 'EX', '900'], ['SET', 'e', 'v2', 'NX'], ['TTL', 'e'], ['SET', 'e', 'v3', 'XX', 'KEEPTTL', 'GET'], ['TTL', 'e'], ['SET', 'e', 'v4', 'XX', 'EX', '100'], ['TTL', 'e'],
    ['SETNX', 'e', 'v5'], ['TTL', 'e'], ['MSETNX', 'e', '1', 'f', '2'], ['TTL', 'e'], ['TTL', 'f'], ['GETDEL', 'e'], ['TTL', 'e'],
  ]);
});

// ---- randomized differential sequences --------------------------------------------

const RKEYS = ['a', 'b', 'c', 'd', 'e', X1, X2, '{r}x', '{r}y'];
const VALUES = ['', '0', '1', '-1', '42', '-7', '007', '-0', '+3', ' 5', '3.5', '-2.25', '1e3', '10.5', '0.1', 'abc', 'hello world', '9007199254740991', '9007199254740992',
  '9223372036854775806', '9223372036854775807', '-9223372036854775808', '99999999999999999999', 'inf', 'nan', '0x1A', '\0\xff\r\n', 'x'.repeat(60), '123456789012'];
const INCRS = ['1', '-1', '0', '5', '-100', '1000000007', '9007199254740993', '-9007199254740993', '9223372036854775807', '-9223372036854775808', '1.5', 'abc', ''];
const FLOATS = ['0.1', '-0.1', '1.5', '1e10', '-3', '0', '2.5e-5', '1e300', 'abc', '1e5000', 'inf', '7', '0x10', '-0.0000001'];
const INDEXES = ['0', '1', '2', '5', '-1', '-2', '-10', '100', '-100', '9223372036854775807', '-9223372036854775808', 'x'];

function randomCommands(seed: number, n: number): Cmd[] {
  const rand = prng(seed);
  const pick = <T>(a: T[]): T => a[Math.floor(rand() * a.length)];
  const key = (): string => pick(RKEYS);
  const val = (): string => (rand() < 0.1 ? randomText(rand, 1 + Math.floor(rand() * 20), ALL_BYTES) : pick(VALUES));
  const cmds: Cmd[] = [];
  const setOpts = (): string[] => {
    const o: string[] = [];
    const r = rand();
    if (r < 0.15) o.push('NX');
    else if (r < 0.3) o.push('XX');
    if (rand() < 0.25) o.push('GET');
    const e = rand();
    if (e < 0.1) o.push('EX', pick(['1000', '0', '-1', 'x', '9223372036854776']));
    else if (e < 0.2) o.push('PX', pick(['5000000', '0', '9223372036854775807']));
    else if (e < 0.27) o.push('EXAT', pick([FUTURE_S, '1', '0']));
    else if (e < 0.34) o.push('PXAT', pick([FUTURE_MS, '100', '-5']));
    else if (e < 0.42) o.push('KEEPTTL');
    if (rand() < 0.05) o.push(pick(['NX', 'XX', 'EX', 'KEEPTTL', 'PERSIST', 'FOO']));
    for (let i = o.length - 1; i > 0 && rand() < 0.3; i--) {
      const j = Math.floor(rand() * (i + 1));
      [o[i], o[j]] = [o[j], o[i]];
    }
    return o;
  };
  for (let i = 0; i < n; i++) {
    const r = Math.floor(rand() * 26);
    switch (r) {
      case 0: case 1: cmds.push(['SET', key(), val(), ...setOpts()]); break;
      case 2: case 3: cmds.push(['GET', key()]); break;
      case 4: {
        const o = pick([[], ['EX', '1000'], ['PX', '900000'], ['EXAT', FUTURE_S], ['PXAT', '5'], ['PERSIST'], ['EX', '0'], ['EX', 'x'], ['PERSIST', 'EX', '5'], ['KEEPTTL']]);
        cmds.push(['GETEX', key(), ...o]);
        break;
      }
      case 5: cmds.push(['GETDEL', key()]); break;
      case 6: cmds.push(['GETSET', key(), val()]); break;
      case 7: cmds.push(['MGET', ...Array.from({ length: 1 + Math.floor(rand() * 5) }, key)]); break;
      case 8: {
        const m = 1 + Math.floor(rand() * 4);
        const a: string[] = [];
        for (let j = 0; j < m; j++) a.push(key(), val());
        if (rand() < 0.05) a.pop();
        cmds.push(['MSET', ...a]);
        break;
      }
      case 9: {
        const m = 1 + Math.floor(rand() * 3);
        const a: string[] = [];
        for (let j = 0; j < m; j++) a.push(key(), val());
        if (rand() < 0.05) a.pop();
        cmds.push(['MSETNX', ...a]);
        break;
      }
      case 10: cmds.push(['SETNX', key(), val()]); break;
      case 11: cmds.push([pick(['SETEX', 'PSETEX']), key(), pick(['1000', '2000000', '0', '-3', 'x']), val()]); break;
      case 12: cmds.push(['APPEND', key(), val()]); break;
      case 13: cmds.push(['STRLEN', key()]); break;
      case 14: case 15: cmds.push([pick(['INCR', 'DECR']), key()]); break;
      case 16: cmds.push([pick(['INCRBY', 'DECRBY']), key(), pick(INCRS)]); break;
      case 17: case 18: cmds.push(['INCRBYFLOAT', key(), pick(FLOATS)]); break;
      case 19: cmds.push([pick(['GETRANGE', 'SUBSTR']), key(), pick(INDEXES), pick(INDEXES)]); break;
      case 20: cmds.push(['SETRANGE', key(), pick(['0', '1', '3', '10', '40', '-1', 'x', '536870912']), pick(['', 'Z', 'xyz', '42', '\0\0'])]); break;
      case 21: cmds.push(['LCS', key(), key(), ...pick([[], ['LEN'], ['IDX'], ['IDX', 'WITHMATCHLEN'], ['IDX', 'MINMATCHLEN', '2'], ['LEN', 'IDX'], ['FOO']])]); break;
      case 22: cmds.push(['DEL', key()]); break;
      case 23: cmds.push(['MGET', ...RKEYS]); break;
      default: cmds.push(['GET', key()]);
    }
  }
  cmds.push(['MGET', ...RKEYS]);
  return cmds;
}

describe('randomized sequences', () => {
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    it(`seed ${seed}: 1000 commands over ${RKEYS.length} keys`, async () => {
      await compare(randomCommands(seed, 1000));
    }, 120000);
  }
});

// ---- pipelined --------------------------------------------------------------------
//
// The same commands sent as one pipeline: our server runs stretches of it that
// hold multi-key commands spanning shards as pipeline transactions
// (router/pipeline.ts), splitting MSET, MGET, DEL, UNLINK, EXISTS and TOUCH
// into per-shard parts; the replies must still be Redis's, in order.

const PKEYS = Array.from({ length: 16 }, (_, i) => `p${i}`).concat(['{q}1', '{q}2']);

function pipelineCommands(seed: number, n: number): Cmd[] {
  const rand = prng(seed);
  const pick = <T>(a: T[]): T => a[Math.floor(rand() * a.length)];
  const keys = (max: number): string[] => Array.from({ length: 1 + Math.floor(rand() * max) }, () => pick(PKEYS));
  const cmds: Cmd[] = [];
  for (let i = 0; i < n; i++) {
    const r = rand();
    if (r < 0.2) {
      const a: string[] = [];
      for (const k of keys(6)) a.push(k, pick(VALUES));
      if (rand() < 0.05) a.pop(); // a key without its value: the arity error
      cmds.push(['MSET', ...a]);
    } else if (r < 0.32) cmds.push(['MGET', ...keys(6)]);
    else if (r < 0.4) cmds.push([pick(['DEL', 'UNLINK']), ...keys(4)]);
    else if (r < 0.48) cmds.push([pick(['EXISTS', 'TOUCH']), ...keys(5)]);
    else if (r < 0.53) cmds.push(['MSETNX', pick(PKEYS), 'n', pick(PKEYS), 'm']);
    else if (r < 0.58) cmds.push(['RPUSH', pick(PKEYS), 'x']); // wrong types for the rest
    else if (r < 0.7) cmds.push(['SET', pick(PKEYS), pick(VALUES)]);
    else if (r < 0.78) cmds.push([pick(['INCR', 'DECR']), pick(PKEYS)]);
    else if (r < 0.82) cmds.push(['APPEND', pick(PKEYS), pick(VALUES)]);
    else if (r < 0.84) cmds.push(['PING']);
    else if (r < 0.85) cmds.push(['SELECT', pick(['0', '0', '0', '5'])]);
    else cmds.push(['GET', pick(PKEYS)]);
  }
  cmds.push(['SELECT', '0'], ['MGET', ...PKEYS], ['SELECT', '5'], ['MGET', ...PKEYS]);
  return cmds;
}

async function comparePipelined(cmds: Cmd[], resp3: boolean): Promise<void> {
  const all: Cmd[] = resp3 ? [['HELLO', '3'], ...cmds] : cmds;
  const [ours, redis] = await onBoth(async (c) => {
    await c.command('SELECT', '5');
    await c.command('FLUSHDB');
    await c.command('SELECT', '0');
    c.write(Buffer.concat(all.map(encodeCommand)));
    const replies: string[] = [];
    for (let i = 0; i < all.length; i++) replies.push(await c.readReply());
    return replies;
  });
  for (let i = 0; i < all.length; i++) {
    if (i === 0 && resp3) continue; // HELLO names the server
    if (ours[i] !== redis[i]) expect.fail(`reply ${i} differs for ${all[i].join(' ')}\n  ours:  ${JSON.stringify(ours[i])}\n  redis: ${JSON.stringify(redis[i])}`);
  }
}

describe('pipelined randomized sequences (multi-key commands across shards in pipeline transactions)', () => {
  // PIPELINE_FUZZ_SEEDS=n adds n more seeds (by hand; CI runs the four).
  const extra = Number(process.env.PIPELINE_FUZZ_SEEDS ?? 0);
  for (const seed of [11, 12, 13, 14, ...Array.from({ length: extra }, (_, i) => 100 + i)]) {
    it(`seed ${seed}: 3000 pipelined commands${seed === 14 ? ', RESP3' : ''}`, async () => {
      await comparePipelined(pipelineCommands(seed, 3000), seed === 14);
    }, 120000);
  }
});
