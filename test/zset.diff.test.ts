// Differential tests of the sorted set family against redis-server 7.0: every
// command, option and error of t_zset.c, both encodings and the conversions
// between them, RESP3 shapes, score formatting, cross-shard multi-key commands
// (our server runs 4 threads), and randomized command sequences.

import { describe, it, expect } from 'vitest';
import { prng } from './helpers/reply_tree.ts';
import { useDiff, diffCase, compare, type Cmd } from './helpers/diff.ts';
import { RawClient } from './helpers/resp.ts';
import { keyShard } from '../src/router/slot.ts';

const THREADS = 4;
const env = useDiff({ threads: THREADS });

// ---- helpers -------------------------------------------------------------------

/** Two keys owned by different shards. */
function crossPair(prefix: string): [string, string] {
  const a = prefix + '0';
  for (let i = 1; ; i++) if (keyShard(prefix + i, THREADS) !== keyShard(a, THREADS)) return [a, prefix + i];
}
/** Keys on as many different shards as possible. */
function spread(prefix: string, n: number): string[] {
  const out: string[] = [];
  const used = new Set<number>();
  for (let i = 0; out.length < n; i++) {
    const k = prefix + i;
    const s = keyShard(k, THREADS);
    if (used.size < THREADS && used.has(s)) continue;
    used.add(s);
    out.push(k);
  }
  return out;
}
const [X1, X2] = crossPair('x');
const [Y1, Y2, Y3, Y4] = spread('y', 4);

const BIN = (s: string): Buffer => Buffer.from(s, 'latin1');

function helloNormalize(reply: string, cmd: Cmd): string {
  return String(cmd[0]).toUpperCase() === 'HELLO' ? '<hello>' : reply;
}

/** A case that runs in RESP3 (HELLO 3 first). */
function resp3Case(name: string, cmds: Cmd[]): void {
  it(name, async () => {
    await compare([['HELLO', '3'], ...cmds], { normalize: helloNormalize });
  });
}

/** ZADD key with n members m0..m(n-1) scored by f(i). */
function zaddMany(key: string, n: number, f: (i: number) => number | string = (i) => i, name: (i: number) => string = (i) => 'm' + i): Cmd {
  const cmd: Cmd = ['ZADD', key];
  for (let i = 0; i < n; i++) cmd.push(String(f(i)), name(i));
  return cmd;
}

async function withBoth<T>(fn: (a: RawClient, b: RawClient) => Promise<T>): Promise<T> {
  const a = await RawClient.connect(env.ours!.port);
  const b = await RawClient.connect(env.redis!.port);
  try {
    await a.command('FLUSHALL');
    await b.command('FLUSHALL');
    return await fn(a, b);
  } finally {
    a.close();
    b.close();
  }
}

/** Parse a RESP reply (RESP2/3) into nested JS values (strings, numbers, arrays, null). */
function parse(r: string): unknown {
  let p = 0;
  const line = (): string => {
    const e = r.indexOf('\r\n', p);
    const s = r.slice(p, e);
    p = e + 2;
    return s;
  };
  const value = (): unknown => {
    const t = r[p++];
    const l = line();
    switch (t) {
      case '+': case ',': case '(': case '#': return l;
      case '-': return { error: l };
      case ':': return Number(l);
      case '_': return null;
      case '$': {
        const n = Number(l);
        if (n < 0) return null;
        const s = r.slice(p, p + n);
        p += n + 2;
        return s;
      }
      case '*': case '~': case '>': {
        const n = Number(l);
        if (n < 0) return null;
        const a: unknown[] = [];
        for (let i = 0; i < n; i++) a.push(value());
        return a;
      }
      case '%': {
        const n = Number(l);
        const a: unknown[] = [];
        for (let i = 0; i < 2 * n; i++) a.push(value());
        return a;
      }
      default:
        throw new Error('bad reply ' + JSON.stringify(r));
    }
  };
  return value();
}

describe('key layout', () => {
  it('test keys span several shards', () => {
    expect(keyShard(X1, THREADS)).not.toBe(keyShard(X2, THREADS));
    expect(new Set([Y1, Y2, Y3, Y4].map((k) => keyShard(k, THREADS))).size).toBe(4);
  });
});

// ---- ZADD / ZINCRBY ---------------------------------------------------------------

describe('ZADD', () => {
  diffCase('add, update, count of added', [
    ['ZADD', 'z', '1', 'a'], ['ZADD', 'z', '2', 'b', '3', 'c'], ['ZADD', 'z', '5', 'a', '4', 'd'], ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'],
    ['ZADD', 'z', '1', 'x', '2', 'x', '3', 'x'], ['ZSCORE', 'z', 'x'], ['ZCARD', 'z'], ['TYPE', 'z'],
  ]);
  diffCase('CH NX XX GT LT', [
    ['ZADD', 'z', '1', 'a', '2', 'b'], ['ZADD', 'z', 'CH', '1', 'a', '3', 'b', '4', 'c'], ['ZADD', 'z', 'NX', '10', 'a', '5', 'e'], ['ZADD', 'z', 'XX', '10', 'a', '5', 'f'],
    ['ZADD', 'z', 'XX', 'CH', '11', 'a', '5', 'g'], ['ZADD', 'z', 'GT', 'CH', '1', 'a', '20', 'b', '7', 'h'], ['ZADD', 'z', 'LT', 'CH', '100', 'a', '0', 'b', '8', 'i'],
    ['ZADD', 'z', 'XX', 'GT', 'CH', '50', 'a', '50', 'zz'], ['ZADD', 'z', 'lt', 'xx', 'ch', '-1', 'a'], ['ZADD', 'z', 'nx', 'ch', '1', 'a', '1', 'new'],
    ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'], ['ZADD', 'nokey', 'XX', '1', 'a'], ['EXISTS', 'nokey'], ['ZADD', 'nokey', 'XX', 'INCR', '1', 'a'], ['EXISTS', 'nokey'],
    ['ZADD', 'z', 'GT', 'GT', 'CH', 'CH', '99', 'a'], ['ZSCORE', 'z', 'a'],
  ]);
  diffCase('INCR option', [
    ['ZADD', 'z', 'INCR', '5', 'a'], ['ZADD', 'z', 'INCR', '2.5', 'a'], ['ZADD', 'z', 'INCR', '-10', 'a'], ['ZADD', 'z', 'NX', 'INCR', '1', 'a'], ['ZADD', 'z', 'NX', 'INCR', '1', 'b'],
    ['ZADD', 'z', 'XX', 'INCR', '1', 'c'], ['ZADD', 'z', 'GT', 'INCR', '-1', 'a'], ['ZADD', 'z', 'GT', 'INCR', '1', 'a'], ['ZADD', 'z', 'LT', 'INCR', '1', 'a'], ['ZADD', 'z', 'LT', 'INCR', '-1', 'a'],
    ['ZADD', 'z', 'INCR', '0', 'a'], ['ZADD', 'z', 'CH', 'INCR', '1', 'a'], ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'],
    ['ZADD', 'z', 'INCR', '+inf', 'a'], ['ZADD', 'z', 'INCR', '-inf', 'a'], ['ZSCORE', 'z', 'a'], ['ZADD', 'z', 'INCR', 'inf', 'a'],
  ]);
  diffCase('option errors', [
    ['ZADD', 'z', '1'], ['ZADD', 'z'], ['ZADD', 'z', '1', 'a', '2'], ['ZADD', 'z', 'NX', '1'], ['ZADD', 'z', 'NX', 'XX', '1', 'a'], ['ZADD', 'z', 'GT', 'LT', '1', 'a'],
    ['ZADD', 'z', 'NX', 'GT', '1', 'a'], ['ZADD', 'z', 'LT', 'NX', '1', 'a'], ['ZADD', 'z', 'XX', 'NX', 'GT', '1', 'a'], ['ZADD', 'z', 'INCR', '1', 'a', '2', 'b'],
    ['ZADD', 'z', 'NX', 'XX', 'INCR', '1', 'a', '2', 'b'], ['ZADD', 'z', 'INCR', 'GT', 'LT', '1', 'a', '2', 'b'], ['ZADD', 'z', 'FOO', '1', 'a'], ['ZADD', 'z', 'CH'], ['ZADD', 'z', 'CH', 'NX', 'INCR'],
    ['ZADD', 'z', 'abc', 'a'], ['ZADD', 'z', '1', 'a', 'x', 'b'], ['ZADD', 'z', 'nan', 'a'], ['ZADD', 'z', '1e400', 'a'], ['ZADD', 'z', '-1e400', 'a'], ['ZADD', 'z', '1e-400', 'a'],
    ['ZADD', 'z', ' 1', 'a'], ['ZADD', 'z', '1 ', 'a'], ['ZADD', 'z', '', 'a'], ['ZADD', 'z', '1x', 'a'], ['ZADD', 'z', BIN('1\0'), 'a'], ['ZADD', 'z', '--1', 'a'], ['ZADD', 'z', '.', 'a'],
    ['EXISTS', 'z'], ['ZADD', 'z', 'INCR', 'abc', 'a'], ['ZADD', 'z', 'INCR', '1', 'a', 'x', 'b'],
  ]);
  diffCase('score formats', [
    ...['0', '-0', '1', '-1', '0.1', '1.5', '-2.25', '1e-5', '1e-310', '123456789012345678', '1.5e300', '-1.7976931348623157e308', '0x10', '0X1p4', '+5', '5.', '.5', '1E3', 'inf', '-inf', '+inf', 'Infinity', '-INFINITY', '3.14159265358979323846', '9007199254740993', '1e16', '4503599627370496', '4503599627370495.5', '1e18', '4611686018427387904', '4611686018427387905', '5e18', '-4611686018427387904', '12345678901234567']
      .flatMap((v, i): Cmd[] => [['ZADD', 'z' + i, v, 'm'], ['ZSCORE', 'z' + i, 'm'], ['ZRANGE', 'z' + i, '0', '-1', 'WITHSCORES'], ['ZSCAN', 'z' + i, '0']]),
    ['ZADD', 'n', '-0', 'a'], ['ZINCRBY', 'n', '0', 'a'], ['ZINCRBY', 'n', '-0', 'a'], ['ZADD', 'n', '0', 'b', '-0', 'c'], ['ZRANGE', 'n', '0', '-1', 'WITHSCORES'], ['ZRANGEBYSCORE', 'n', '-0', '0', 'WITHSCORES'],
  ]);
  diffCase('wrong type and arity', [
    ['SET', 's', 'v'], ['ZADD', 's', '1', 'a'], ['ZADD', 's', 'XX', '1', 'a'], ['ZADD', 's', 'abc', 'a'], ['ZINCRBY', 's', '1', 'a'], ['GET', 's'],
    ['ZADD'], ['ZADD', 's'], ['ZINCRBY', 'z', '1'], ['ZINCRBY', 'z', '1', 'a', 'b'],
  ]);
  diffCase('binary members sort by bytes', [
    ['ZADD', 'z', '0', BIN('a\0b'), '0', BIN('a'), '0', BIN('\xff'), '0', BIN('A'), '0', BIN(''), '0', BIN('a\0'), '0', BIN('\x80x'), '0', BIN('ab')],
    ['ZRANGE', 'z', '0', '-1'], ['ZRANK', 'z', BIN('a\0')], ['ZSCORE', 'z', ''], ['ZRANGEBYLEX', 'z', '-', '+'], ['ZRANGEBYLEX', 'z', BIN('[a\0'), BIN('(\xff')],
    ['ZREM', 'z', BIN('a\0b')], ['ZRANGE', 'z', '0', '-1'],
  ]);
});

describe('ZINCRBY', () => {
  diffCase('increments', [
    ['ZINCRBY', 'z', '1', 'a'], ['ZINCRBY', 'z', '2.5', 'a'], ['ZINCRBY', 'z', '-10', 'b'], ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'], ['ZINCRBY', 'z', 'abc', 'a'],
    ['ZINCRBY', 'z', 'inf', 'a'], ['ZINCRBY', 'z', '-inf', 'a'], ['ZSCORE', 'z', 'a'], ['ZINCRBY', 'z', '0.1', 'c'], ['ZINCRBY', 'z', '0.2', 'c'],
    ['ZINCRBY', 'z', 'nx', 'a'], ['ZINCRBY', 'z', 'incr', 'a'], ['ZINCRBY', 'z', 'ch', 'a'], ['ZINCRBY', 'z', '1e400', 'a'],
  ]);
});

// ---- ZREM ZCARD ZCOUNT ZLEXCOUNT ZSCORE ZMSCORE ZRANK ----------------------------------------

describe('ZREM ZCARD ZSCORE ZMSCORE ZRANK', () => {
  diffCase('zrem', [
    ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c'], ['ZREM', 'z', 'a', 'x', 'a'], ['ZREM', 'nokey', 'a'], ['ZRANGE', 'z', '0', '-1'], ['ZREM', 'z', 'b', 'c', 'd'], ['EXISTS', 'z'],
    ['SET', 's', 'v'], ['ZREM', 's', 'a'], ['ZREM', 'z'],
  ]);
  diffCase('zcard zscore zmscore', [
    ['ZADD', 'z', '1', 'a', '2.5', 'b'], ['ZCARD', 'z'], ['ZCARD', 'nokey'], ['ZSCORE', 'z', 'b'], ['ZSCORE', 'z', 'x'], ['ZSCORE', 'nokey', 'a'],
    ['ZMSCORE', 'z', 'a', 'x', 'b'], ['ZMSCORE', 'nokey', 'a', 'b'], ['ZMSCORE', 'z'], ['SET', 's', 'v'], ['ZCARD', 's'], ['ZSCORE', 's', 'a'], ['ZMSCORE', 's', 'a'],
  ]);
  diffCase('zrank zrevrank', [
    ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '3', 'd'], ['ZRANK', 'z', 'a'], ['ZRANK', 'z', 'd'], ['ZREVRANK', 'z', 'a'], ['ZREVRANK', 'z', 'c'], ['ZRANK', 'z', 'x'],
    ['ZREVRANK', 'nokey', 'a'], ['SET', 's', 'v'], ['ZRANK', 's', 'a'], ['ZRANK', 'z', 'a', 'withscore'],
  ]);
});

describe('ZCOUNT ZLEXCOUNT', () => {
  diffCase('zcount ranges', [
    ['ZADD', 'z', '-inf', 'n', '1', 'a', '2', 'b', '3', 'c', '4', 'd', 'inf', 'p'],
    ...[['-inf', '+inf'], ['1', '3'], ['(1', '3'], ['1', '(3'], ['(1', '(3'], ['3', '1'], ['(2', '(2'], ['2', '2'], ['(2', '2'], ['-inf', '-inf'], ['(-inf', '+inf'], ['inf', 'inf'], ['(inf', 'inf'],
      ['', ''], [' 2', '3'], ['(', '3'], ['0x1', '0x3'], ['1e0', '3e0'], ['-1e400', '1e400'], ['1e-400', '2'], ['2', BIN('3\0junk')]].map((r): Cmd => ['ZCOUNT', 'z', r[0], r[1]]),
    ['ZCOUNT', 'z', 'a', '1'], ['ZCOUNT', 'z', '1', 'b'], ['ZCOUNT', 'z', '((1', '2'], ['ZCOUNT', 'z', 'nan', '2'], ['ZCOUNT', 'z', '1', '(nan'], ['ZCOUNT', 'z', ' ', '2'], ['ZCOUNT', 'z', '1 ', '2'],
    ['ZCOUNT', 'nokey', '0', '1'], ['ZCOUNT', 'nokey', 'a', '1'], ['SET', 's', 'v'], ['ZCOUNT', 's', '0', '1'], ['ZCOUNT', 's', 'x', '1'],
  ]);
  diffCase('zlexcount ranges', [
    ['ZADD', 'z', '0', 'a', '0', 'b', '0', 'c', '0', 'd', '0', 'e', '0', 'ee'],
    ...[['-', '+'], ['[a', '[c'], ['(a', '[c'], ['[a', '(c'], ['(a', '(c'], ['[c', '[a'], ['[b', '(b'], ['[b', '[b'], ['+', '-'], ['-', '-'], ['+', '+'], ['[', '+'], ['(', '[e'], ['[e', '+'], ['(e', '+'], ['[d', '[ee'],
      ['-', '[e\0'], [BIN('+\0'), '-'], [BIN('-\0x'), '+']].map((r): Cmd => ['ZLEXCOUNT', 'z', r[0], r[1]]),
    ['ZLEXCOUNT', 'z', 'a', '[c'], ['ZLEXCOUNT', 'z', '[a', 'c'], ['ZLEXCOUNT', 'z', '', '+'], ['ZLEXCOUNT', 'z', '+a', '+'], ['ZLEXCOUNT', 'z', '-', '-x'],
    ['ZLEXCOUNT', 'nokey', '-', '+'], ['ZLEXCOUNT', 'nokey', 'x', '+'], ['SET', 's', 'v'], ['ZLEXCOUNT', 's', '-', '+'], ['ZLEXCOUNT', 's', 'x', '+'],
  ]);
  diffCase('lex ranges over mixed scores (listpack scan order)', [
    ['ZADD', 'z', '3', 'a', '1', 'b', '2', 'c', '0', 'd', '5', 'e'], ['ZRANGE', 'z', '0', '-1'],
    ['ZLEXCOUNT', 'z', '[b', '[d'], ['ZRANGEBYLEX', 'z', '[b', '[d'], ['ZREVRANGEBYLEX', 'z', '[d', '[b'], ['ZRANGEBYLEX', 'z', '-', '(c'], ['ZREVRANGEBYLEX', 'z', '+', '(c'],
    ['ZRANGEBYLEX', 'z', '[a', '+', 'LIMIT', '1', '2'], ['ZREVRANGEBYLEX', 'z', '+', '[a', 'LIMIT', '1', '2'], ['ZREMRANGEBYLEX', 'z', '[b', '[c'], ['ZRANGE', 'z', '0', '-1'],
  ]);
});

// ---- ZRANGE family -------------------------------------------------------------------

const Z10: Cmd = ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd', '5', 'e', '6', 'f', '7', 'g', '8', 'h', '9', 'i', '10', 'j'];
const L10: Cmd = ['ZADD', 'l', '0', 'a', '0', 'b', '0', 'c', '0', 'd', '0', 'e', '0', 'f', '0', 'g', '0', 'h', '0', 'i', '0', 'j'];

function rangeCases(key: string): Cmd[] {
  return [
    ...[['0', '-1'], ['0', '0'], ['-1', '-1'], ['2', '5'], ['-3', '-1'], ['5', '2'], ['-100', '100'], ['100', '200'], ['-100', '-50'], ['0', '-100'], ['3', '-3'], ['9223372036854775807', '-1'], ['-9223372036854775808', '9223372036854775807']]
      .flatMap((r): Cmd[] => [['ZRANGE', key, r[0], r[1]], ['ZRANGE', key, r[0], r[1], 'WITHSCORES'], ['ZRANGE', key, r[0], r[1], 'REV'], ['ZREVRANGE', key, r[0], r[1], 'WITHSCORES']]),
    ...[['-inf', '+inf'], ['2', '5'], ['(2', '(5'], ['5', '2'], ['(1', '1'], ['3', '3'], ['-inf', '(4']].flatMap((r): Cmd[] => [
      ['ZRANGE', key, r[0], r[1], 'BYSCORE'], ['ZRANGE', key, r[0], r[1], 'BYSCORE', 'WITHSCORES', 'LIMIT', '1', '2'], ['ZRANGE', key, r[1], r[0], 'BYSCORE', 'REV'],
      ['ZRANGEBYSCORE', key, r[0], r[1], 'WITHSCORES'], ['ZREVRANGEBYSCORE', key, r[1], r[0], 'LIMIT', '1', '3'], ['ZREVRANGEBYSCORE', key, r[1], r[0], 'WITHSCORES', 'LIMIT', '0', '-1'],
      ['ZRANGEBYSCORE', key, r[0], r[1], 'LIMIT', '2', '0'], ['ZRANGEBYSCORE', key, r[0], r[1], 'LIMIT', '-1', '2'], ['ZRANGEBYSCORE', key, r[0], r[1], 'LIMIT', '100', '2'],
      ['ZRANGEBYSCORE', key, r[0], r[1], 'LIMIT', '3', '-5'],
    ]),
  ];
}

function lexCases(key: string): Cmd[] {
  return [['-', '+'], ['[b', '[e'], ['(b', '(e'], ['[e', '[b'], ['(a', '+'], ['-', '(c'], ['[c', '[c'], ['(c', '[c'], ['[bb', '[dd']].flatMap((r): Cmd[] => [
    ['ZRANGE', key, r[0], r[1], 'BYLEX'], ['ZRANGE', key, r[1], r[0], 'BYLEX', 'REV'], ['ZRANGE', key, r[0], r[1], 'BYLEX', 'LIMIT', '1', '3'],
    ['ZRANGEBYLEX', key, r[0], r[1]], ['ZRANGEBYLEX', key, r[0], r[1], 'LIMIT', '2', '2'], ['ZREVRANGEBYLEX', key, r[1], r[0]], ['ZREVRANGEBYLEX', key, r[1], r[0], 'LIMIT', '1', '-1'],
    ['ZRANGEBYLEX', key, r[0], r[1], 'LIMIT', '-1', '5'], ['ZLEXCOUNT', key, r[0], r[1]],
  ]);
}

describe('ZRANGE family', () => {
  diffCase('by rank, score and lex (listpack)', [Z10, L10, ...rangeCases('z'), ...lexCases('l'), ['OBJECT', 'ENCODING', 'z']]);
  diffCase('by rank, score and lex (skiplist)', [
    Z10, L10, ['ZADD', 'z', '100', 'x'.repeat(100)], ['ZADD', 'l', '0', 'y'.repeat(100)], ['ZREM', 'z', 'x'.repeat(100)], ['ZREM', 'l', 'y'.repeat(100)],
    ['OBJECT', 'ENCODING', 'z'], ['OBJECT', 'ENCODING', 'l'], ...rangeCases('z'), ...lexCases('l'),
  ]);
  diffCase('missing keys and wrong types', [
    ['ZRANGE', 'nokey', '0', '-1'], ['ZRANGE', 'nokey', '0', '-1', 'WITHSCORES'], ['ZRANGEBYSCORE', 'nokey', '0', '1'], ['ZRANGEBYLEX', 'nokey', '-', '+'], ['ZREVRANGE', 'nokey', '0', '1'],
    ['SET', 's', 'v'], ['ZRANGE', 's', '0', '-1'], ['ZRANGEBYSCORE', 's', '0', '1'], ['ZREVRANGEBYLEX', 's', '+', '-'], ['ZRANGE', 's', 'a', 'b'], ['ZRANGE', 's', '0', '1', 'FOO'],
  ]);
  diffCase('syntax errors', [
    Z10,
    ['ZRANGE', 'z', '0', '-1', 'LIMIT', '0', '1'], ['ZRANGE', 'z', '0', '-1', 'LIMIT', '0', '-1'], ['ZRANGE', 'z', '0', '-1', 'LIMIT', '5', '-1', 'WITHSCORES'], ['ZRANGE', 'z', '-', '+', 'BYLEX', 'WITHSCORES'],
    ['ZRANGE', 'z', '0', '-1', 'LIMIT', '0'], ['ZRANGE', 'z', '0', '-1', 'LIMIT'], ['ZRANGE', 'z', '0', '-1', 'LIMIT', 'a', '1'], ['ZRANGE', 'z', '0', '-1', 'LIMIT', '0', 'b'], ['ZRANGE', 'z', '0', '1', 'BYSCORE', 'LIMIT', 'a', 'b', 'FOO'],
    ['ZRANGE', 'z', '0', '-1', 'REV', 'REV'], ['ZRANGE', 'z', '0', '-1', 'BYSCORE', 'BYLEX'], ['ZRANGE', 'z', '0', '-1', 'BYSCORE', 'BYSCORE'], ['ZRANGE', 'z', '0', '-1', 'FOO'],
    ['ZRANGE', 'z', 'a', '-1'], ['ZRANGE', 'z', '0', '1.5'], ['ZRANGE', 'z', 'a', 'b', 'BYSCORE'], ['ZRANGE', 'z', '0', '1', 'BYLEX'], ['ZRANGE', 'z', '[a', 'b', 'BYLEX', 'REV'],
    ['ZRANGEBYSCORE', 'z', '0', '1', 'REV'], ['ZRANGEBYSCORE', 'z', '0', '1', 'BYSCORE'], ['ZRANGEBYSCORE', 'z', '0', '1', 'BYLEX'], ['ZREVRANGE', 'z', '0', '1', 'REV'], ['ZREVRANGE', 'z', '0', '1', 'BYSCORE'],
    ['ZRANGEBYLEX', 'z', '-', '+', 'WITHSCORES'], ['ZRANGEBYSCORE', 'z', '0', '1', 'WITHSCORES', 'WITHSCORES'], ['ZRANGEBYSCORE', 'z', 'x', '1'], ['ZREVRANGEBYSCORE', 'z', '1', 'x'],
    ['ZRANGEBYLEX', 'z', 'a', '+'], ['ZREVRANGEBYLEX', 'z', '+', 'a'], ['ZRANGE', 'z', '0', '-1', BIN('withscores\0x')], ['ZRANGE', 'z', '0', '-1', 'withscores', 'limit', '0', '1'],
    ['ZRANGE', 'z', '0'], ['ZRANGEBYSCORE', 'z', '0'], ['ZREVRANGE', 'z'],
  ]);
});

describe('ZRANGESTORE', () => {
  diffCase('store forms', [
    Z10, L10, ['ZRANGESTORE', 'd', 'z', '0', '-1'], ['ZRANGE', 'd', '0', '-1', 'WITHSCORES'], ['OBJECT', 'ENCODING', 'd'],
    ['ZRANGESTORE', 'd', 'z', '2', '4', 'REV'], ['ZRANGE', 'd', '0', '-1', 'WITHSCORES'], ['ZRANGESTORE', 'd', 'z', '(2', '8', 'BYSCORE', 'LIMIT', '1', '3'], ['ZRANGE', 'd', '0', '-1', 'WITHSCORES'],
    ['ZRANGESTORE', 'd', 'z', '8', '(2', 'BYSCORE', 'REV', 'LIMIT', '1', '3'], ['ZRANGE', 'd', '0', '-1', 'WITHSCORES'], ['ZRANGESTORE', 'd', 'l', '[c', '(g', 'BYLEX'], ['ZRANGE', 'd', '0', '-1', 'WITHSCORES'],
    ['ZRANGESTORE', 'd', 'l', '(g', '[c', 'BYLEX', 'REV', 'LIMIT', '0', '2'], ['ZRANGE', 'd', '0', '-1', 'WITHSCORES'],
    ['ZRANGESTORE', 'd', 'z', '5', '1'], ['EXISTS', 'd'], ['ZRANGESTORE', 'd', 'nokey', '0', '-1'], ['EXISTS', 'd'], ['SET', 'd', 'str'], ['ZRANGESTORE', 'd', 'z', '0', '0'], ['TYPE', 'd'],
    ['SET', 'd', 'str'], ['ZRANGESTORE', 'd', 'z', '5', '1'], ['EXISTS', 'd'], ['EXPIRE', 'z', '1000'], ['ZRANGESTORE', 'z', 'z', '0', '1'], ['TTL', 'z'], ['ZRANGE', 'z', '0', '-1'],
  ]);
  diffCase('store errors', [
    Z10, ['SET', 's', 'v'], ['ZRANGESTORE', 'd', 's', '0', '-1'], ['ZRANGESTORE', 'd', 'z', '0', '-1', 'WITHSCORES'], ['ZRANGESTORE', 'd', 'z', '0', '-1', 'LIMIT', '0', '1'],
    ['ZRANGESTORE', 'd', 'z', 'a', '-1'], ['ZRANGESTORE', 'd', 'z', 'x', '1', 'BYSCORE'], ['ZRANGESTORE', 'd', 'z', 'x', '1', 'BYLEX'], ['ZRANGESTORE', 'd', 'z', '0'], ['ZRANGESTORE', 'd', 'z', '0', '1', 'FOO'], ['EXISTS', 'd'],
  ]);
  diffCase('store result encodings', [
    zaddMany('big', 200), ['ZRANGESTORE', 'd1', 'big', '0', '127'], ['OBJECT', 'ENCODING', 'd1'], ['ZRANGESTORE', 'd2', 'big', '0', '128'], ['OBJECT', 'ENCODING', 'd2'],
    ['ZRANGESTORE', 'd3', 'big', '-inf', '+inf', 'BYSCORE', 'LIMIT', '0', '128'], ['OBJECT', 'ENCODING', 'd3'], ['ZRANGESTORE', 'd4', 'big', '-inf', '+inf', 'BYSCORE', 'LIMIT', '0', '129'], ['OBJECT', 'ENCODING', 'd4'],
    ['ZADD', 'long', '1', 'a', '2', 'x'.repeat(65)], ['ZRANGESTORE', 'd5', 'long', '0', '0'], ['OBJECT', 'ENCODING', 'd5'], ['ZRANGESTORE', 'd6', 'long', '0', '-1'], ['OBJECT', 'ENCODING', 'd6'],
    ['ZRANGE', 'd4', '0', '-1', 'WITHSCORES'],
  ]);
  diffCase('across shards', [
    Z10, ['ZADD', X1, '1', 'a', '2', 'b', '3', 'c'], ['ZRANGESTORE', X2, X1, '0', '-1'], ['ZRANGE', X2, '0', '-1', 'WITHSCORES'], ['ZRANGESTORE', X2, X1, '(1', '+inf', 'BYSCORE'], ['ZRANGE', X2, '0', '-1', 'WITHSCORES'],
    ['ZRANGESTORE', X2, X1, '5', '6'], ['EXISTS', X2], ['SET', X2, 'v'], ['ZRANGESTORE', X2, X1, '0', '0'], ['TYPE', X2], ['SET', X1, 'v'], ['ZRANGESTORE', X2, X1, '0', '0'], ['ZRANGESTORE', X2, X1, '0', '0', 'WITHSCORES'],
    ['DEL', X1], ['ZRANGESTORE', X2, X1, '0', '-1'], ['EXISTS', X2],
  ]);
});

// ---- ZREMRANGEBY* ----------------------------------------------------------------------

describe('ZREMRANGEBY*', () => {
  for (const big of [false, true]) {
    const extra: Cmd[] = big ? [zaddMany('z', 150, (i) => 100 + i, (i) => 'q' + i), ['ZADD', 'l', '0', 'x'.repeat(70)]] : [];
    diffCase(`by rank, score, lex (${big ? 'skiplist' : 'listpack'})`, [
      Z10, L10, ...extra, ['ZREMRANGEBYRANK', 'z', '1', '2'], ['ZRANGE', 'z', '0', '-1'], ['ZREMRANGEBYRANK', 'z', '-2', '-1'], ['ZREMRANGEBYRANK', 'z', '5', '1'], ['ZREMRANGEBYRANK', 'z', '100', '200'],
      ['ZREMRANGEBYSCORE', 'z', '(3', '5'], ['ZRANGE', 'z', '0', '-1'], ['ZREMRANGEBYSCORE', 'z', '5', '3'], ['ZREMRANGEBYSCORE', 'z', '-inf', '(2'], ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'],
      ['ZREMRANGEBYLEX', 'l', '(b', '[d'], ['ZRANGE', 'l', '0', '-1'], ['ZREMRANGEBYLEX', 'l', '[x', '-'], ['ZREMRANGEBYLEX', 'l', '-', '(c'], ['ZRANGE', 'l', '0', '-1'],
      ['ZREMRANGEBYRANK', 'z', '0', '-1'], ['EXISTS', 'z'], ['ZREMRANGEBYLEX', 'l', '-', '+'], ['EXISTS', 'l'], ['ZCARD', 'z'],
    ]);
  }
  diffCase('errors', [
    Z10, ['ZREMRANGEBYRANK', 'z', 'a', '1'], ['ZREMRANGEBYRANK', 'z', '0', 'b'], ['ZREMRANGEBYSCORE', 'z', 'a', '1'], ['ZREMRANGEBYSCORE', 'z', '1', '(x'], ['ZREMRANGEBYLEX', 'z', 'a', '+'],
    ['ZREMRANGEBYLEX', 'z', '-', 'b'], ['ZREMRANGEBYRANK', 'nokey', '0', '1'], ['ZREMRANGEBYSCORE', 'nokey', 'a', '1'], ['SET', 's', 'v'], ['ZREMRANGEBYRANK', 's', '0', '1'],
    ['ZREMRANGEBYSCORE', 's', '0', '1'], ['ZREMRANGEBYLEX', 's', '-', '+'], ['ZREMRANGEBYRANK', 's', 'x', '1'], ['ZREMRANGEBYRANK', 'z', '0'], ['ZRANGE', 'z', '0', '-1'],
  ]);
});

// ---- ZPOPMIN ZPOPMAX ZMPOP ------------------------------------------------------------------

describe('ZPOP and ZMPOP', () => {
  diffCase('zpopmin zpopmax', [
    Z10, ['ZPOPMIN', 'z'], ['ZPOPMAX', 'z'], ['ZPOPMIN', 'z', '2'], ['ZPOPMAX', 'z', '3'], ['ZPOPMIN', 'z', '0'], ['ZPOPMIN', 'z', '-1'], ['ZPOPMIN', 'z', 'a'], ['ZPOPMIN', 'z', '1', '2'],
    ['ZPOPMAX', 'z', '100'], ['EXISTS', 'z'], ['ZPOPMIN', 'z'], ['ZPOPMIN', 'z', '5'], ['ZPOPMIN', 'z', '0'], ['ZPOPMAX', 'nokey', '-1'],
    ['SET', 's', 'v'], ['ZPOPMIN', 's'], ['ZPOPMIN', 's', '0'], ['ZPOPMAX', 's', '-5'], ['ZPOPMIN'],
  ]);
  diffCase('zpop on a skiplist', [zaddMany('z', 300, (i) => (i * 7) % 300), ['ZPOPMIN', 'z', '5'], ['ZPOPMAX', 'z', '5'], ['ZCARD', 'z'], ['ZRANGE', 'z', '0', '3', 'WITHSCORES']]);
  diffCase('zmpop', [
    ['ZADD', '{t}a', '1', 'a1', '2', 'a2'], ['ZADD', '{t}b', '3', 'b1', '4', 'b2', '5', 'b3'],
    ['ZMPOP', '2', '{t}none', '{t}b', 'MIN'], ['ZMPOP', '2', '{t}a', '{t}b', 'MAX', 'COUNT', '10'], ['ZMPOP', '3', '{t}a', '{t}x', '{t}b', 'min', 'count', '1'], ['ZMPOP', '1', '{t}b', 'MAX'],
    ['ZMPOP', '2', '{t}a', '{t}b', 'MIN'], ['EXISTS', '{t}a', '{t}b'],
    ['ZMPOP', '0', '{t}a', 'MIN'], ['ZMPOP', '-1', '{t}a', 'MIN'], ['ZMPOP', 'x', '{t}a', 'MIN'], ['ZMPOP', '3', '{t}a', 'MIN'], ['ZMPOP', '1', '{t}a', 'MID'], ['ZMPOP', '1', '{t}a', 'MIN', 'COUNT'],
    ['ZMPOP', '1', '{t}a', 'MIN', 'COUNT', '0'], ['ZMPOP', '1', '{t}a', 'MIN', 'COUNT', '-1'], ['ZMPOP', '1', '{t}a', 'MIN', 'COUNT', 'x'], ['ZMPOP', '1', '{t}a', 'MIN', 'COUNT', '1', 'COUNT', '2'],
    ['ZMPOP', '1', '{t}a', 'MIN', 'FOO'], ['ZMPOP', '1', '{t}a'], ['ZMPOP', '2', '{t}a', 'MIN'],
    ['SET', '{t}s', 'v'], ['ZADD', '{t}c', '1', 'c'], ['ZMPOP', '2', '{t}s', '{t}c', 'MIN'], ['ZMPOP', '2', '{t}c', '{t}s', 'MIN'], ['ZMPOP', '2', '{t}none', '{t}s', 'MAX'],
  ]);
  diffCase('zmpop across shards', [
    ['ZADD', Y2, '1', 'a', '2', 'b'], ['ZADD', Y4, '3', 'c'], ['ZMPOP', '4', Y1, Y2, Y3, Y4, 'MAX'], ['ZMPOP', '4', Y1, Y2, Y3, Y4, 'MIN', 'COUNT', '5'], ['ZMPOP', '4', Y1, Y2, Y3, Y4, 'MIN', 'COUNT', '5'],
    ['ZMPOP', '4', Y1, Y2, Y3, Y4, 'MIN'], ['SET', Y3, 'x'], ['ZADD', Y4, '1', 'd'], ['ZMPOP', '4', Y1, Y2, Y3, Y4, 'MIN'], ['ZMPOP', '2', Y4, Y3, 'MIN'], ['ZMPOP', '4', Y1, Y2, Y3, Y4, 'BAD'],
    ['ZMPOP', '5', Y1, Y2, Y3, Y4, 'MIN'], ['ZMPOP', '2', Y1, Y1, 'MIN'],
  ]);
});

// ---- BZPOPMIN BZPOPMAX BZMPOP (paths that do not wait) --------------------------------------

describe('BZPOP and BZMPOP without waiting', () => {
  diffCase('served at once, errors, timeouts', [
    ['ZADD', '{t}a', '1', 'a1', '2', 'a2'], ['ZADD', '{t}b', '3', 'b1'], ['BZPOPMIN', '{t}none', '{t}a', '0'], ['BZPOPMAX', '{t}a', '{t}b', '1'], ['BZPOPMAX', '{t}a', '{t}b', '0.5'],
    ['EXISTS', '{t}a', '{t}b'], ['BZPOPMIN', '{t}a', '0.01'], ['BZPOPMAX', '{t}a', '{t}b', '0.01'],
    ['ZADD', '{t}b', '1', 'x', '2', 'y', '3', 'z'], ['BZMPOP', '0', '2', '{t}a', '{t}b', 'MIN'], ['BZMPOP', '0', '2', '{t}a', '{t}b', 'MAX', 'COUNT', '2'], ['BZMPOP', '0.01', '2', '{t}a', '{t}b', 'MIN', 'COUNT', '10'],
    ['BZMPOP', '0.01', '1', '{t}b', 'MIN'],
    ['BZPOPMIN', '{t}a', 'abc'], ['BZPOPMIN', '{t}a', '-1'], ['BZPOPMIN', '{t}a', 'inf'], ['BZPOPMIN', '{t}a', '1e400'], ['BZPOPMIN', '{t}a'],
    ['BZMPOP', 'abc', '1', '{t}a', 'MIN'], ['BZMPOP', 'abc', '0', '{t}a', 'MIN'], ['BZMPOP', '-1', '1', '{t}a', 'MIN'], ['BZMPOP', 'abc', '1', '{t}a', 'MID'], ['BZMPOP', '0', '1', '{t}a', 'MIN', 'COUNT', '0'],
    ['BZMPOP', '0', '2', '{t}a', 'MIN'], ['BZMPOP', '0', '1', '{t}a'],
    ['SET', '{t}s', 'v'], ['BZPOPMIN', '{t}s', '0'], ['BZPOPMIN', '{t}none', '{t}s', '0'], ['BZMPOP', '0', '2', '{t}none', '{t}s', 'MAX'], ['ZADD', '{t}c', '1', 'c'], ['BZPOPMAX', '{t}c', '{t}s', '0'],
    ['MULTI'], ['BZPOPMIN', '{t}none', '0'], ['BZMPOP', '0', '1', '{t}none', 'MAX'], ['ZADD', '{t}c', '5', 'q'], ['BZPOPMAX', '{t}c', '0'], ['EXEC'],
  ]);
  resp3Case('RESP3 shapes', [
    ['ZADD', '{t}a', '1.5', 'a1', '2', 'a2'], ['BZPOPMIN', '{t}a', '0'], ['BZMPOP', '0', '1', '{t}a', 'MAX', 'COUNT', '3'], ['BZPOPMIN', '{t}a', '0.01'], ['BZMPOP', '0.01', '1', '{t}a', 'MIN'],
  ]);
  diffCase('across shards', [
    ['ZADD', Y3, '1', 'a', '2', 'b'], ['BZPOPMIN', Y1, Y2, Y3, Y4, '0'], ['BZMPOP', '0', '4', Y1, Y2, Y3, Y4, 'MAX', 'COUNT', '3'], ['BZPOPMIN', Y1, Y2, '0.01'], ['BZMPOP', '0.01', '2', Y1, Y2, 'MIN'],
    ['SET', Y2, 'v'], ['BZPOPMIN', Y1, Y2, '0'], ['ZADD', Y4, '7', 'z'], ['BZPOPMAX', Y4, Y2, '0'], ['BZMPOP', '0', '2', Y1, Y2, 'MIN'],
    ['MULTI'], ['BZPOPMIN', Y1, Y3, '0'], ['BZMPOP', '0', '2', Y1, Y3, 'MIN'], ['EXEC'],
  ]);
});

// ---- ZRANDMEMBER ------------------------------------------------------------------------

describe('ZRANDMEMBER', () => {
  diffCase('deterministic forms', [
    ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c'], ['ZRANDMEMBER', 'z', '3'], ['ZRANDMEMBER', 'z', '5', 'WITHSCORES'], ['ZRANDMEMBER', 'z', '0'], ['ZRANDMEMBER', 'z', '0', 'WITHSCORES'],
    ['ZRANDMEMBER', 'nokey'], ['ZRANDMEMBER', 'nokey', '5'], ['ZRANDMEMBER', 'nokey', '-5', 'WITHSCORES'], ['ZRANDMEMBER', 'z', 'x'], ['ZRANDMEMBER', 'z', '1', 'FOO'], ['ZRANDMEMBER', 'z', '1', 'WITHSCORES', 'x'],
    ['ZRANDMEMBER', 'z', '-9223372036854775808'], ['ZRANDMEMBER', 'z', '-9223372036854775807', 'WITHSCORES'], ['ZRANDMEMBER', 'z', '9223372036854775807', 'WITHSCORES'], ['ZRANDMEMBER', 'z', '4611686018427387904', 'WITHSCORES'],
    ['ZRANDMEMBER', 'z', '4611686018427387903', 'WITHSCORES'], ['ZRANDMEMBER', 'z', '9223372036854775808'],
    ['SET', 's', 'v'], ['ZRANDMEMBER', 's'], ['ZRANDMEMBER', 's', '1'], ['ZRANDMEMBER', 's', 'x'], zaddMany('big', 200), ['ZRANDMEMBER', 'big', '200', 'WITHSCORES'], ['ZRANDMEMBER', 'big', '1000'],
  ]);
  resp3Case('deterministic forms (RESP3)', [['ZADD', 'z', '1', 'a', '2.5', 'b', '3', 'c'], ['ZRANDMEMBER', 'z', '3', 'WITHSCORES'], ['ZRANDMEMBER', 'nokey'], ['ZRANDMEMBER', 'nokey', '3'], ['ZRANDMEMBER', 'z', '0', 'WITHSCORES']]);
  for (const [label, n] of [['listpack', 20], ['skiplist', 300]] as const) {
    for (const resp of [2, 3]) {
      it(`random forms by shape (${label}, RESP${resp})`, async () => {
        await withBoth(async (a, b) => {
          for (const c of [a, b]) {
            if (resp === 3) await c.command('HELLO', '3');
            await c.command(...zaddMany('z', n, (i) => i / 2));
          }
          const members = new Map<string, string>();
          for (let i = 0; i < n; i++) members.set('m' + i, String(i / 2));
          for (const args of [['1'], ['-1'], ['5'], ['-5'], ['15'], ['-50'], [String(n - 1)], ['7', 'WITHSCORES'], ['-7', 'WITHSCORES'], [String(n - 2), 'WITHSCORES'], ['-1000', 'WITHSCORES'], []]) {
            const ra = parse(await a.command('ZRANDMEMBER', 'z', ...args));
            const rb = parse(await b.command('ZRANDMEMBER', 'z', ...args));
            const shape = (r: unknown): unknown => (Array.isArray(r) ? r.map((e) => (Array.isArray(e) ? e.length : typeof e)) : typeof r);
            expect(shape(ra)).toEqual(shape(rb));
            const flat = (r: unknown): string[] => (Array.isArray(r) ? (r.flat() as string[]) : [r as string]);
            const ws = args.includes('WITHSCORES');
            const fa = flat(ra);
            const elems: string[] = [];
            for (let i = 0; i < fa.length; i += ws ? 2 : 1) {
              expect(members.has(fa[i])).toBe(true);
              if (ws) expect(Number(fa[i + 1])).toBe(Number(members.get(fa[i])));
              elems.push(fa[i]);
            }
            const count = args.length === 0 ? 1 : Number(args[0]);
            if (count > 0) expect(new Set(elems).size).toBe(elems.length);
          }
        });
      });
    }
  }
});

// ---- set operations ------------------------------------------------------------------------

describe('ZUNION ZINTER ZDIFF', () => {
  const setup: Cmd[] = [['ZADD', '{t}a', '1', 'x', '2', 'y', '3', 'z'], ['ZADD', '{t}b', '10', 'y', '20', 'z', '30', 'w'], ['ZADD', '{t}c', '0.1', 'x', '0.2', 'y']];
  diffCase('union, inter, diff with weights and aggregates', [
    ...setup,
    ...['ZUNION', 'ZINTER', 'ZDIFF'].flatMap((op): Cmd[] => [
      [op, '2', '{t}a', '{t}b'], [op, '2', '{t}a', '{t}b', 'WITHSCORES'], [op, '3', '{t}a', '{t}b', '{t}c', 'WITHSCORES'], [op, '1', '{t}a', 'withscores'], [op, '2', '{t}a', '{t}none', 'WITHSCORES'],
      [op, '2', '{t}none', '{t}a', 'WITHSCORES'], [op, '2', '{t}a', '{t}a', 'WITHSCORES'],
    ]),
    ...['ZUNION', 'ZINTER'].flatMap((op): Cmd[] => [
      [op, '2', '{t}a', '{t}b', 'WEIGHTS', '2', '0.5', 'WITHSCORES'], [op, '2', '{t}a', '{t}b', 'AGGREGATE', 'MIN', 'WITHSCORES'], [op, '2', '{t}a', '{t}b', 'AGGREGATE', 'max', 'WITHSCORES'],
      [op, '2', '{t}a', '{t}b', 'aggregate', 'sum', 'weights', '-1', '1', 'withscores'], [op, '2', '{t}a', '{t}b', 'WEIGHTS', '1', '2', 'WEIGHTS', '3', '4', 'AGGREGATE', 'MIN', 'AGGREGATE', 'MAX', 'WITHSCORES', 'WITHSCORES'],
      [op, '3', '{t}a', '{t}b', '{t}c', 'WEIGHTS', '1', '1', '1', 'WITHSCORES'], [op, '2', '{t}a', '{t}a', 'WEIGHTS', '1', '2', 'WITHSCORES'],
    ]),
  ]);
  diffCase('errors', [
    ...setup, ['SET', '{t}s', 'v'],
    ...['ZUNION', 'ZINTER', 'ZDIFF', 'ZINTERCARD'].flatMap((op): Cmd[] => [
      [op, '0', '{t}a'], [op, '-1', '{t}a'], [op, 'x', '{t}a'], [op, '3', '{t}a', '{t}b'], [op, '2', '{t}a', '{t}s'], [op, '2', '{t}s', '{t}a', 'FOO'], [op, '2', '{t}a', '{t}b', 'FOO'],
      [op, '2', '{t}a', '{t}b', 'WEIGHTS', '1'], [op, '2', '{t}a', '{t}b', 'WEIGHTS', '1', 'x'], [op, '2', '{t}a', '{t}b', 'AGGREGATE'], [op, '2', '{t}a', '{t}b', 'AGGREGATE', 'AVG'],
      [op, '2', '{t}a', '{t}b', 'LIMIT', '1'], [op, '2', '{t}a', '{t}b', 'LIMIT', '-1'], [op, '2', '{t}a', '{t}b', 'LIMIT', 'x'], [op, '9223372036854775808', '{t}a'], [op, '1'],
      [op, '2', '{t}a', '{t}b', 'WEIGHTS', 'nan', '1'], [op, '2', '{t}a', '{t}b', 'WITHSCORES', 'FOO'],
    ]),
  ]);
  diffCase('NaN and infinities in aggregates', [
    ['ZADD', '{t}a', 'inf', 'x', '-inf', 'y', '1', 'z'], ['ZADD', '{t}b', '-inf', 'x', '-inf', 'y', 'inf', 'z'],
    ['ZUNION', '2', '{t}a', '{t}b', 'WITHSCORES'], ['ZINTER', '2', '{t}a', '{t}b', 'WITHSCORES'], ['ZUNION', '2', '{t}a', '{t}b', 'WEIGHTS', '0', '0', 'WITHSCORES'],
    ['ZINTER', '2', '{t}a', '{t}b', 'WEIGHTS', '0', '1', 'AGGREGATE', 'MIN', 'WITHSCORES'], ['ZINTER', '2', '{t}a', '{t}b', 'WEIGHTS', '0', '1', 'AGGREGATE', 'MAX', 'WITHSCORES'],
    ['ZUNION', '2', '{t}a', '{t}b', 'WEIGHTS', 'inf', '-inf', 'WITHSCORES'], ['ZUNIONSTORE', '{t}d', '2', '{t}a', '{t}b', 'WEIGHTS', '1', '-1'], ['ZRANGE', '{t}d', '0', '-1', 'WITHSCORES'],
  ]);
  diffCase('summation order: smallest input first', [
    ['ZADD', '{t}a', '0.1', 'x', '5', 'p', '6', 'q'], ['ZADD', '{t}b', '0.2', 'x', '7', 'r'], ['ZADD', '{t}c', '0.3', 'x'], ['ZADD', '{t}d', '0.3', 'x', '1', 'y', '2', 'z'],
    ['ZUNION', '3', '{t}a', '{t}b', '{t}c', 'WITHSCORES'], ['ZUNION', '3', '{t}c', '{t}b', '{t}a', 'WITHSCORES'], ['ZINTER', '3', '{t}a', '{t}b', '{t}c', 'WITHSCORES'],
    ['ZINTER', '2', '{t}a', '{t}d', 'WITHSCORES'], ['ZINTER', '2', '{t}d', '{t}a', 'WITHSCORES'], ['ZUNION', '4', '{t}d', '{t}a', '{t}b', '{t}c', 'WEIGHTS', '0.1', '0.7', '1.3', '3', 'WITHSCORES'],
  ]);
  diffCase('store forms', [
    ...setup,
    ['ZUNIONSTORE', '{t}d', '2', '{t}a', '{t}b'], ['ZRANGE', '{t}d', '0', '-1', 'WITHSCORES'], ['ZINTERSTORE', '{t}d', '2', '{t}a', '{t}b', 'WEIGHTS', '1', '2', 'AGGREGATE', 'MAX'], ['ZRANGE', '{t}d', '0', '-1', 'WITHSCORES'],
    ['ZDIFFSTORE', '{t}d', '2', '{t}a', '{t}c'], ['ZRANGE', '{t}d', '0', '-1', 'WITHSCORES'], ['ZDIFFSTORE', '{t}d', '2', '{t}a', '{t}a'], ['EXISTS', '{t}d'], ['ZINTERSTORE', '{t}d', '2', '{t}a', '{t}none'],
    ['SET', '{t}d', 'v'], ['ZUNIONSTORE', '{t}d', '1', '{t}a'], ['TYPE', '{t}d'], ['ZUNIONSTORE', '{t}a', '2', '{t}a', '{t}b'], ['ZRANGE', '{t}a', '0', '-1', 'WITHSCORES'],
    ['ZUNIONSTORE', '{t}d', '1', '{t}a', 'WITHSCORES'], ['ZDIFFSTORE', '{t}d', '1', '{t}a', 'WEIGHTS', '1'], ['ZDIFFSTORE', '{t}d', '1', '{t}a', 'AGGREGATE', 'SUM'], ['ZINTERSTORE', '{t}d', '0', '{t}a'],
    ['ZINTERSTORE', '{t}d', '2', '{t}a'], ['SET', '{t}s', 'v'], ['ZUNIONSTORE', '{t}d', '2', '{t}a', '{t}s'], ['ZRANGE', '{t}d', '0', '-1'], ['EXPIRE', '{t}d', '100'], ['ZUNIONSTORE', '{t}d', '1', '{t}a'], ['TTL', '{t}d'],
    ['ZUNIONSTORE', '{t}d'], ['ZINTERSTORE', '{t}d', '1'],
  ]);
  diffCase('store result encodings', [
    zaddMany('{t}big', 200), zaddMany('{t}big2', 200, (i) => i, (i) => 'n' + i), ['ZINTERSTORE', '{t}d', '2', '{t}big', '{t}big2'], ['EXISTS', '{t}d'],
    ['ZUNIONSTORE', '{t}d', '1', '{t}big'], ['OBJECT', 'ENCODING', '{t}d'], ['ZREMRANGEBYRANK', '{t}big', '0', '149'], ['OBJECT', 'ENCODING', '{t}big'], ['ZUNIONSTORE', '{t}d', '1', '{t}big'], ['OBJECT', 'ENCODING', '{t}d'],
    ['ZADD', '{t}long', '1', 'x'.repeat(65)], ['ZUNIONSTORE', '{t}d', '2', '{t}big', '{t}long'], ['OBJECT', 'ENCODING', '{t}d'], ['ZDIFFSTORE', '{t}d', '2', '{t}big', '{t}long'], ['OBJECT', 'ENCODING', '{t}d'],
    ['ZUNIONSTORE', '{t}d', '2', '{t}big', '{t}big2'], ['OBJECT', 'ENCODING', '{t}d'], ['ZCARD', '{t}d'], ['ZRANGE', '{t}d', '100', '110', 'WITHSCORES'],
  ]);
  diffCase('plain sets as inputs score 1', [
    ['SADD', '{t}s', 'x', 'y', 'q'], ['SADD', '{t}i', '1', '2', '3'], ['ZADD', '{t}a', '5', 'x', '6', 'z', '7', '2'],
    ['ZUNION', '2', '{t}a', '{t}s', 'WITHSCORES'], ['ZINTER', '2', '{t}a', '{t}s', 'WITHSCORES'], ['ZDIFF', '2', '{t}a', '{t}s', 'WITHSCORES'], ['ZDIFF', '2', '{t}s', '{t}a', 'WITHSCORES'],
    ['ZUNION', '3', '{t}a', '{t}s', '{t}i', 'WEIGHTS', '1', '10', '100', 'WITHSCORES'], ['ZINTER', '2', '{t}i', '{t}a', 'WITHSCORES'], ['ZINTERCARD', '2', '{t}s', '{t}a'],
    ['ZUNIONSTORE', '{t}d', '2', '{t}s', '{t}i'], ['ZRANGE', '{t}d', '0', '-1', 'WITHSCORES'], ['ZINTER', '2', '{t}s', '{t}s', 'WITHSCORES'], ['ZDIFF', '1', '{t}i', 'WITHSCORES'],
    ['ZRANGE', '{t}s', '0', '-1'], ['ZRANGESTORE', '{t}d', '{t}s', '0', '-1'],
  ]);
  diffCase('zintercard', [
    ...setup, ['ZINTERCARD', '2', '{t}a', '{t}b'], ['ZINTERCARD', '2', '{t}a', '{t}b', 'LIMIT', '0'], ['ZINTERCARD', '2', '{t}a', '{t}b', 'LIMIT', '1'], ['ZINTERCARD', '1', '{t}a', 'LIMIT', '2'],
    ['ZINTERCARD', '3', '{t}a', '{t}b', '{t}c'], ['ZINTERCARD', '2', '{t}a', '{t}none'], ['ZINTERCARD', '2', '{t}a', '{t}b', 'WITHSCORES'], ['ZINTERCARD', '2', '{t}a', '{t}b', 'WEIGHTS', '1', '1'],
    ['ZINTERCARD', '2', '{t}a', '{t}b', 'LIMIT', '1', 'LIMIT', '5'],
  ]);
  diffCase('across shards', [
    ['ZADD', Y1, '1', 'x', '2', 'y', '3', 'z'], ['ZADD', Y2, '10', 'y', '20', 'z', '30', 'w'], ['ZADD', Y3, '0.5', 'x'], ['SADD', Y4, 'z', 'w'],
    ['ZUNION', '3', Y1, Y2, Y3, 'WITHSCORES'], ['ZINTER', '2', Y1, Y2, 'WEIGHTS', '2', '3', 'WITHSCORES'], ['ZDIFF', '3', Y1, Y2, Y3, 'WITHSCORES'], ['ZINTERCARD', '2', Y1, Y2],
    ['ZUNION', '4', Y1, Y2, Y3, Y4, 'AGGREGATE', 'MAX', 'WITHSCORES'], ['ZINTER', '2', Y2, Y4, 'WITHSCORES'],
    ['ZUNIONSTORE', Y4, '3', Y1, Y2, Y3], ['ZRANGE', Y4, '0', '-1', 'WITHSCORES'], ['ZINTERSTORE', Y3, '2', Y1, Y2], ['ZRANGE', Y3, '0', '-1', 'WITHSCORES'],
    ['ZDIFFSTORE', Y1, '2', Y1, Y2], ['ZRANGE', Y1, '0', '-1', 'WITHSCORES'], ['ZINTERSTORE', Y1, '2', Y2, 'nokey'], ['EXISTS', Y1], ['SET', Y1, 'v'], ['ZUNION', '2', Y1, Y2], ['ZUNIONSTORE', Y3, '2', Y2, Y1],
    ['ZINTERCARD', '2', Y2, Y1], ['ZUNION', '2', Y2, Y3, 'FOO'], ['ZUNION', '5', Y2, Y3], ['ZUNIONSTORE', Y3, '0', Y2], ['ZUNIONSTORE', Y1, '1', Y2], ['TYPE', Y1], ['ZRANGE', Y1, '0', '-1'],
  ]);
  diffCase('store encodings across shards', [zaddMany(Y1, 150), zaddMany(Y2, 100, (i) => i * 2), ['ZINTERSTORE', Y3, '2', Y1, Y2], ['OBJECT', 'ENCODING', Y3], ['ZUNIONSTORE', Y4, '2', Y1, Y2], ['OBJECT', 'ENCODING', Y4], ['ZRANGE', Y4, '0', '5', 'WITHSCORES']]);
});

// ---- ZSCAN ----------------------------------------------------------------------------------

describe('ZSCAN', () => {
  diffCase('listpack: everything at once', [
    ['ZADD', 'z', '1', 'a', '2.5', 'b', '-3', 'c', '4', 'ab'], ['ZSCAN', 'z', '0'], ['ZSCAN', 'z', '0', 'COUNT', '1'], ['ZSCAN', 'z', '0', 'MATCH', 'a*'], ['ZSCAN', 'z', '0', 'match', '*', 'count', '100'],
    ['ZSCAN', 'z', '123'], ['ZSCAN', 'nokey', '0'], ['ZSCAN', 'nokey', 'x'],
  ]);
  diffCase('errors', [
    ['ZADD', 'z', '1', 'a'], ['ZSCAN', 'z', 'x'], ['ZSCAN', 'z', '-1'], ['ZSCAN', 'z', '0', 'COUNT', '0'], ['ZSCAN', 'z', '0', 'COUNT', 'x'], ['ZSCAN', 'z', '0', 'COUNT'], ['ZSCAN', 'z', '0', 'TYPE', 'zset'],
    ['ZSCAN', 'z', '0', 'FOO', 'bar'], ['ZSCAN', 'z', '18446744073709551616'], ['ZSCAN', 'z', '18446744073709551615'], ['SET', 's', 'v'], ['ZSCAN', 's', '0'], ['ZSCAN', 's', 'x'], ['ZSCAN', 's', '0', 'COUNT', '0'], ['ZSCAN', 'z'],
  ]);
  it('skiplist: a full iteration returns every member once with its score', async () => {
    await withBoth(async (a, b) => {
      const add = zaddMany('z', 500, (i) => i / 4);
      await a.command(...add);
      await b.command(...add);
      for (const match of [null, 'm1*']) {
        const collect = async (c: RawClient): Promise<Map<string, string>> => {
          const got = new Map<string, string>();
          let cursor = '0';
          let calls = 0;
          do {
            const r = parse(await c.command('ZSCAN', 'z', cursor, 'COUNT', '20', ...(match ? ['MATCH', match] : []))) as [string, string[]];
            cursor = r[0];
            for (let i = 0; i < r[1].length; i += 2) got.set(r[1][i], r[1][i + 1]);
            expect(++calls).toBeLessThan(1000);
          } while (cursor !== '0');
          return got;
        };
        const ga = await collect(a);
        const gb = await collect(b);
        expect(ga.size).toBe(gb.size);
        for (const [m, s] of gb) expect(ga.get(m)).toBe(s);
      }
    });
  });
});

// ---- encodings ---------------------------------------------------------------------------

describe('encodings', () => {
  diffCase('listpack to skiplist by entries and value size; never back', [
    zaddMany('a', 128), ['OBJECT', 'ENCODING', 'a'], ['ZADD', 'a', '1000', 'extra'], ['OBJECT', 'ENCODING', 'a'], ['ZREMRANGEBYRANK', 'a', '0', '-3'], ['OBJECT', 'ENCODING', 'a'], ['ZRANGE', 'a', '0', '-1', 'WITHSCORES'],
    ['ZADD', 'b', '1', 'x'.repeat(64)], ['OBJECT', 'ENCODING', 'b'], ['ZADD', 'b', '2', 'y'.repeat(65)], ['OBJECT', 'ENCODING', 'b'], ['ZADD', 'c', '1', 'y'.repeat(65)], ['OBJECT', 'ENCODING', 'c'],
    ['ZADD', 'd', '1', 'short', '2', 'y'.repeat(65)], ['OBJECT', 'ENCODING', 'd'], ['ZADD', 'e', '1', 'y'.repeat(65), '2', 'short'], ['OBJECT', 'ENCODING', 'e'],
    zaddMany('f', 129), ['OBJECT', 'ENCODING', 'f'], ['ZINCRBY', 'g', '1', 'y'.repeat(65)], ['OBJECT', 'ENCODING', 'g'],
    ['ZADD', 'h', ...Array.from({ length: 130 }, () => ['1', 'same']).flat()], ['OBJECT', 'ENCODING', 'h'], ['ZCARD', 'h'],
    ['ZADD', 'i', 'XX', '1', 'y'.repeat(65)], ['OBJECT', 'ENCODING', 'i'], ['ZADD', 'j', '1', 'a'], ['ZADD', 'j', 'XX', '1', 'y'.repeat(65)], ['OBJECT', 'ENCODING', 'j'],
  ]);
  it('zset-max-listpack-entries 0 and small values', async () => {
    await withBoth(async (a, b) => {
      try {
        for (const c of [a, b]) await c.command('CONFIG', 'SET', 'zset-max-listpack-entries', '0');
        const cmds: Cmd[] = [['ZADD', 'z', '1', 'a'], ['OBJECT', 'ENCODING', 'z'], ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'], ['ZUNIONSTORE', 'd', '1', 'z'], ['OBJECT', 'ENCODING', 'd']];
        for (const c of [a, b]) await c.command('CONFIG', 'SET', 'zset-max-listpack-entries', '0');
        for (const cmd of cmds) expect(await a.command(...cmd)).toBe(await b.command(...cmd));
        for (const c of [a, b]) await c.command('CONFIG', 'SET', 'zset-max-listpack-entries', '4', 'zset-max-listpack-value', '3');
        const cmds2: Cmd[] = [zaddMany('y', 4), ['OBJECT', 'ENCODING', 'y'], ['ZADD', 'y', '9', 'x'], ['OBJECT', 'ENCODING', 'y'], ['ZADD', 'w', '1', 'abc'], ['OBJECT', 'ENCODING', 'w'], ['ZADD', 'w', '1', 'abcd'], ['OBJECT', 'ENCODING', 'w'],
          ['ZRANGESTORE', 'd2', 'y', '0', '3'], ['OBJECT', 'ENCODING', 'd2'], ['ZUNIONSTORE', 'd3', '1', 'w'], ['OBJECT', 'ENCODING', 'd3']];
        for (const cmd of cmds2) expect(await a.command(...cmd)).toBe(await b.command(...cmd));
      } finally {
        for (const c of [a, b]) await c.command('CONFIG', 'SET', 'zset-max-listpack-entries', '128', 'zset-max-listpack-value', '64');
      }
    });
  });
  diffCase('RENAME, COPY and MOVE keep contents and encodings (across shards too)', [
    ['ZADD', X1, '1', 'a', '2', 'b'], zaddMany('big', 200, (i) => i / 3), ['RENAME', X1, X2], ['ZRANGE', X2, '0', '-1', 'WITHSCORES'], ['OBJECT', 'ENCODING', X2],
    ['COPY', 'big', X1], ['OBJECT', 'ENCODING', X1], ['ZRANGE', X1, '0', '5', 'WITHSCORES'], ['ZCARD', X1], ['ZADD', X1, '1', 'new'], ['ZCARD', 'big'], ['MOVE', X1, '1'], ['SELECT', '1'], ['ZCARD', X1],
    ['OBJECT', 'ENCODING', X1], ['SELECT', '0'], ['RENAME', 'big', X2], ['ZRANGEBYSCORE', X2, '(10', '11', 'WITHSCORES'], ['OBJECT', 'ENCODING', X2],
  ]);
});

// ---- RESP3 -------------------------------------------------------------------------------

describe('RESP3 shapes', () => {
  resp3Case('doubles, nulls and nested pairs', [
    Z10, ['ZSCORE', 'z', 'a'], ['ZSCORE', 'z', 'nope'], ['ZSCORE', 'nokey', 'a'], ['ZMSCORE', 'z', 'a', 'nope', 'b'], ['ZINCRBY', 'z', '0.5', 'a'], ['ZADD', 'z', 'INCR', '1', 'a'], ['ZADD', 'z', 'NX', 'INCR', '1', 'a'],
    ['ZRANK', 'z', 'nope'], ['ZRANGE', 'z', '0', '2', 'WITHSCORES'], ['ZRANGE', 'z', '0', '2'], ['ZRANGEBYSCORE', 'z', '2', '5', 'WITHSCORES', 'LIMIT', '1', '2'], ['ZREVRANGE', 'z', '0', '1', 'WITHSCORES'],
    ['ZPOPMIN', 'z'], ['ZPOPMIN', 'z', '2'], ['ZPOPMAX', 'z', '1'], ['ZPOPMIN', 'z', '0'], ['ZPOPMIN', 'nokey'], ['ZPOPMIN', 'nokey', '3'], ['ZMPOP', '1', 'z', 'MIN'], ['ZMPOP', '1', 'z', 'MAX', 'COUNT', '2'], ['ZMPOP', '1', 'nokey', 'MIN'],
    ['ZADD', 'inf', 'inf', 'a', '-inf', 'b', '-0', 'c'], ['ZRANGE', 'inf', '0', '-1', 'WITHSCORES'], ['ZSCORE', 'inf', 'a'], ['ZSCORE', 'inf', 'c'],
    ['ZUNION', '2', 'z', 'inf', 'WITHSCORES'], ['ZINTER', '1', 'z'], ['ZDIFF', '1', 'z', 'WITHSCORES'], ['ZSCAN', 'z', '0'], ['ZRANDMEMBER', 'nokey'], ['ZRANGESTORE', 'd', 'z', '0', '-1'],
  ]);
  diffCase('RESP2 shapes of the same', [
    Z10, ['ZPOPMIN', 'z'], ['ZPOPMIN', 'z', '2'], ['ZPOPMIN', 'nokey'], ['ZMPOP', '1', 'z', 'MAX', 'COUNT', '2'], ['ZMPOP', '1', 'nokey', 'MIN'], ['ZSCORE', 'nokey', 'a'], ['ZMSCORE', 'z', 'x'],
  ]);
});

// ---- MULTI / EXEC and expiry ------------------------------------------------------------------

describe('transactions and expiry', () => {
  diffCase('zset commands inside MULTI across shards', [
    ['MULTI'], ['ZADD', Y1, '1', 'a', '2', 'b'], ['ZADD', Y2, '2', 'b', '3', 'c'], ['ZUNIONSTORE', Y3, '2', Y1, Y2], ['ZINTER', '2', Y1, Y2, 'WITHSCORES'], ['ZMPOP', '2', Y4, Y3, 'MAX'],
    ['ZRANGESTORE', Y4, Y3, '0', '-1'], ['ZINTERCARD', '2', Y1, Y2], ['EXEC'], ['ZRANGE', Y4, '0', '-1', 'WITHSCORES'],
  ]);
  diffCase('WATCH sees zset writes (and only real changes)', [
    ['ZADD', 'w', '1', 'a'], ['WATCH', 'w'], ['ZADD', 'w', '1', 'a'], ['ZREM', 'w', 'nope'], ['ZADD', 'w', 'XX', '1', 'b'], ['MULTI'], ['PING'], ['EXEC'],
    ['WATCH', 'w'], ['ZINCRBY', 'w', '1', 'a'], ['MULTI'], ['PING'], ['EXEC'], ['WATCH', 'w'], ['ZPOPMIN', 'w'], ['MULTI'], ['PING'], ['EXEC'],
    ['ZADD', 'v', '1', 'a'], ['WATCH', 'v'], ['ZUNIONSTORE', 'v', '1', 'v'], ['MULTI'], ['PING'], ['EXEC'], ['WATCH', 'v'], ['ZREMRANGEBYSCORE', 'v', '5', '6'], ['MULTI'], ['PING'], ['EXEC'],
  ]);
  diffCase('expired zsets are gone', [
    ['ZADD', 'z', '1', 'a'], ['PEXPIRE', 'z', '1'], ['DEBUG', 'SLEEP', '0.01'], ['ZCARD', 'z'], ['ZADD', 'z', 'XX', '1', 'a'], ['ZRANGE', 'z', '0', '-1'], ['ZADD', 'z', '2', 'b'], ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'],
  ]);
});

// ---- randomized sequences --------------------------------------------------------------------

const RKEYS = ['{r}a', '{r}b', '{r}c', 'ra', 'rb', 'rc', 'rd'];
const LKEYS = ['{r}la', 'lb'];
const SCORES = ['0', '1', '2', '3', '-1', '1.5', '0.25', '10', '100', '-0', 'inf', '-inf', '2.5', '7'];

function randomCommands(seed: number, n: number, members: number): Cmd[] {
  const rand = prng(seed);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rand() * a.length)];
  const key = (): string => pick(RKEYS);
  const mem = (): string => 'm' + Math.floor(rand() * members);
  const sc = (): string => pick(SCORES);
  const idx = (): string => String(Math.floor(rand() * 14) - 7);
  const bound = (): string => (rand() < 0.15 ? pick(['-inf', '+inf', '(-inf', '(inf']) : (rand() < 0.3 ? '(' : '') + pick(['0', '1', '2', '3', '5', '10', '-1', '1.5']));
  const lex = (): string => (rand() < 0.15 ? pick(['-', '+']) : (rand() < 0.5 ? '(' : '[') + mem());
  const out: Cmd[] = [];
  for (let i = 0; i < n; i++) {
    const r = rand();
    let cmd: Cmd;
    if (r < 0.22) {
      const k = rand() < 0.2 ? pick(LKEYS) : key();
      const lexKey = LKEYS.includes(k);
      const flags = lexKey ? [] : pick([[], [], [], ['NX'], ['XX'], ['GT'], ['LT'], ['CH'], ['XX', 'CH'], ['GT', 'CH'], ['INCR'], ['NX', 'INCR']]);
      const pairs = flags.includes('INCR') ? 1 : 1 + Math.floor(rand() * 4);
      cmd = ['ZADD', k, ...flags];
      for (let j = 0; j < pairs; j++) cmd.push(lexKey ? '0' : sc(), mem());
    } else if (r < 0.27) cmd = ['ZINCRBY', key(), sc(), mem()];
    else if (r < 0.32) cmd = ['ZREM', rand() < 0.2 ? pick(LKEYS) : key(), mem(), mem()];
    else if (r < 0.35) cmd = ['ZCARD', key()];
    else if (r < 0.40) cmd = [pick(['ZSCORE', 'ZRANK', 'ZREVRANK']), key(), mem()];
    else if (r < 0.42) cmd = ['ZMSCORE', key(), mem(), mem(), mem()];
    else if (r < 0.47) cmd = ['ZRANGE', key(), idx(), idx(), ...pick([[], ['WITHSCORES'], ['REV'], ['REV', 'WITHSCORES']])];
    else if (r < 0.53) {
      const rev = rand() < 0.5;
      const a = bound();
      const b = bound();
      cmd = [rev ? 'ZREVRANGEBYSCORE' : 'ZRANGEBYSCORE', key(), a, b, ...pick([[], ['WITHSCORES'], ['LIMIT', '1', '2'], ['WITHSCORES', 'LIMIT', '0', '-1'], ['LIMIT', '2', '1']])];
    } else if (r < 0.57) {
      const k = pick(LKEYS);
      cmd = [pick(['ZRANGEBYLEX', 'ZREVRANGEBYLEX', 'ZLEXCOUNT']), k, lex(), lex()];
      if (cmd[0] !== 'ZLEXCOUNT' && rand() < 0.3) cmd.push('LIMIT', '1', '3');
    } else if (r < 0.60) cmd = ['ZCOUNT', key(), bound(), bound()];
    else if (r < 0.63) cmd = ['ZREMRANGEBYRANK', key(), idx(), idx()];
    else if (r < 0.65) cmd = ['ZREMRANGEBYSCORE', key(), bound(), bound()];
    else if (r < 0.67) cmd = ['ZREMRANGEBYLEX', pick(LKEYS), lex(), lex()];
    else if (r < 0.71) cmd = [pick(['ZPOPMIN', 'ZPOPMAX']), key(), ...pick([[], ['1'], ['2'], ['0']])];
    else if (r < 0.73) cmd = ['ZMPOP', '3', key(), key(), key(), pick(['MIN', 'MAX']), ...pick([[], ['COUNT', '2']])];
    else if (r < 0.82) {
      const op = pick(['ZUNIONSTORE', 'ZINTERSTORE', 'ZDIFFSTORE', 'ZUNION', 'ZINTER', 'ZDIFF', 'ZINTERCARD']);
      const nk = 1 + Math.floor(rand() * 3);
      const ks = Array.from({ length: nk }, key);
      cmd = op.endsWith('STORE') ? [op, key(), String(nk), ...ks] : [op, String(nk), ...ks];
      if (op !== 'ZDIFFSTORE' && op !== 'ZDIFF' && op !== 'ZINTERCARD') {
        if (rand() < 0.4) cmd.push('WEIGHTS', ...ks.map(() => pick(['1', '2', '0.5', '-1', '0'])));
        if (rand() < 0.4) cmd.push('AGGREGATE', pick(['SUM', 'MIN', 'MAX']));
      }
      if (!op.endsWith('STORE') && op !== 'ZINTERCARD' && rand() < 0.6) cmd.push('WITHSCORES');
      if (op === 'ZINTERCARD' && rand() < 0.5) cmd.push('LIMIT', pick(['0', '1', '2']));
    } else if (r < 0.86) {
      cmd = ['ZRANGESTORE', key(), key(), ...pick([[idx(), idx()], [bound(), bound(), 'BYSCORE'], [bound(), bound(), 'BYSCORE', 'REV', 'LIMIT', '1', '2']])];
    } else if (r < 0.88) cmd = ['ZRANGESTORE', pick(LKEYS), pick(LKEYS), lex(), lex(), 'BYLEX'];
    else if (r < 0.91) cmd = ['ZCARD', key()];
    else if (r < 0.93) cmd = ['OBJECT', 'ENCODING', key()];
    else if (r < 0.95) cmd = ['ZRANDMEMBER', key(), pick(['1000', '-0', '0']), ...pick([[], ['WITHSCORES']])];
    else if (r < 0.96) cmd = ['DEL', key()];
    else if (r < 0.97) cmd = ['SET', key(), 'str'];
    else if (r < 0.98) cmd = ['SADD', key(), mem(), mem()];
    else cmd = ['ZRANGE', key(), '0', '-1', 'WITHSCORES'];
    out.push(cmd);
  }
  for (const k of [...RKEYS, ...LKEYS]) out.push(['ZRANGE', k, '0', '-1', 'WITHSCORES']);
  return out;
}

describe('randomized sequences', () => {
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    it(`seed ${seed}: 3000 commands, small sets`, async () => {
      await compare(randomCommands(seed, 3000, 12));
    }, 60000);
  }
  // ZSET_FUZZ_SEEDS=n adds n more seeds of each kind (long local runs).
  const extra = Number(process.env.ZSET_FUZZ_SEEDS ?? 0);
  for (let k = 0; k < extra; k++) {
    it(`extra seed ${1000 + k}: small and large sets`, async () => {
      await compare(randomCommands(1000 + k, 3000, 12));
      const pre: Cmd[] = RKEYS.slice(0, 4).map((key) => zaddMany(key, 140, (i) => (i * 37) % 23, (i) => 'm' + i));
      await compare([...pre, zaddMany('{r}la', 140, () => 0, (i) => 'm' + i), ...randomCommands(2000 + k, 3000, 200)]);
    }, 120000);
  }
  for (const seed of [11, 12, 13]) {
    it(`seed ${seed}: 3000 commands, sets crossing the listpack limit`, async () => {
      // Grow the sets past 128 members first so both encodings and the conversions are exercised.
      const pre: Cmd[] = [];
      for (const k of RKEYS.slice(0, 4)) pre.push(zaddMany(k, 140, (i) => (i * 37) % 23, (i) => 'm' + i));
      pre.push(zaddMany('{r}la', 140, () => 0, (i) => 'm' + i));
      await compare([...pre, ...randomCommands(seed, 3000, 200)]);
    }, 60000);
  }
});
