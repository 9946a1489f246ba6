// Differential tests of the list family against redis-server 7.0: every
// command, option and error of t_list.c, RESP3 shapes, OBJECT ENCODING, the
// non-blocking paths of the blocking commands (data present, inside MULTI,
// timeouts), multi-key commands across shards (LMOVE, RPOPLPUSH, LMPOP,
// BLPOP, BLMPOP, BLMOVE) and long randomized command sequences. Our server
// runs 4 threads so multi-key commands really cross shards.

import { describe, it, expect } from 'vitest';
import { prng } from './helpers/reply_tree.ts';
import { useDiff, diffCase, compare, type Cmd } from './helpers/diff.ts';
import { keyShard } from '../src/router/slot.ts';

const THREADS = 4;
useDiff({ threads: THREADS });

/** Two keys owned by different shards. */
function crossPair(prefix: string): [string, string] {
  const a = prefix + '0';
  for (let i = 1; ; i++) if (keyShard(prefix + i, THREADS) !== keyShard(a, THREADS)) return [a, prefix + i];
}
/** n keys on n different shards. */
function spread(prefix: string, n: number): string[] {
  const out: string[] = [];
  const seen = new Set<number>();
  for (let i = 0; out.length < n; i++) {
    const s = keyShard(prefix + i, THREADS);
    if (seen.has(s)) continue;
    seen.add(s);
    out.push(prefix + i);
  }
  return out;
}
const [X1, X2] = crossPair('x');
const [S1, S2, S3, S4] = spread('s', 4);

function helloNormalize(reply: string, cmd: Cmd): string {
  return String(cmd[0]).toUpperCase() === 'HELLO' ? '<hello>' : reply;
}

function resp3Case(name: string, cmds: Cmd[]): void {
  it(name, async () => {
    await compare([['HELLO', '3'], ...cmds], { normalize: helloNormalize });
  });
}

function bytes(from: number, to: number): string {
  let s = '';
  for (let i = from; i <= to; i++) s += String.fromCharCode(i);
  return s;
}
const ALL_BYTES = bytes(0, 255);

describe('key layout', () => {
  it('test keys span several shards', () => {
    expect(keyShard(X1, THREADS)).not.toBe(keyShard(X2, THREADS));
    expect(new Set([S1, S2, S3, S4].map((k) => keyShard(k, THREADS))).size).toBe(4);
  });
});

const INDEXES = ['0', '1', '2', '3', '-1', '-2', '-3', '-4', '5', '-6', '100', '-100', '9223372036854775807', '-9223372036854775808', '9223372036854775808', '1.5', 'x', ''];

describe('push and pop', () => {
  diffCase('LPUSH / RPUSH / LRANGE order and lengths', [
    ['LPUSH', 'l', 'a'], ['LPUSH', 'l', 'b', 'c'], ['RPUSH', 'l', 'd', 'e', 'f'], ['LRANGE', 'l', '0', '-1'], ['LLEN', 'l'], ['TYPE', 'l'],
    ['RPUSH', 'r', '1', '2', '3'], ['LRANGE', 'r', '0', '-1'], ['LPUSH', 'r', '0'], ['LRANGE', 'r', '0', '-1'],
  ]);
  diffCase('LPUSHX / RPUSHX', [
    ['LPUSHX', 'l', 'a'], ['RPUSHX', 'l', 'a', 'b'], ['EXISTS', 'l'], ['RPUSH', 'l', 'x'], ['LPUSHX', 'l', 'a', 'b'], ['RPUSHX', 'l', 'c', 'd'], ['LRANGE', 'l', '0', '-1'],
  ]);
  diffCase('LPOP / RPOP single and with count', [
    ['RPUSH', 'l', 'a', 'b', 'c', 'd', 'e'], ['LPOP', 'l'], ['RPOP', 'l'], ['LPOP', 'l', '2'], ['RPOP', 'l', '5'], ['EXISTS', 'l'], ['LPOP', 'l'], ['RPOP', 'l'], ['LPOP', 'l', '3'], ['RPOP', 'l', '0'],
    ['RPUSH', 'm', '1', '2', '3'], ['LPOP', 'm', '0'], ['RPOP', 'm', '1'], ['LPOP', 'm', '9223372036854775807'], ['EXISTS', 'm'],
  ]);
  diffCase('LPOP / RPOP count errors and arity', [
    ['RPUSH', 'l', 'a', 'b'], ['LPOP', 'l', '-1'], ['LPOP', 'l', 'abc'], ['RPOP', 'l', '1.5'], ['LPOP', 'l', '9223372036854775808'], ['LPOP', 'l', '1', '2'], ['RPOP', 'l', '1', '2'], ['LPOP'], ['RPOP'],
    ['LPOP', 'nokey', 'abc'], ['LRANGE', 'l', '0', '-1'],
  ]);
  diffCase('wrong arity and WRONGTYPE', [
    ['LPUSH', 'l'], ['RPUSH'], ['LLEN'], ['LLEN', 'a', 'b'], ['LRANGE', 'l', '0'], ['LINDEX', 'l'], ['LSET', 'l', '0'], ['LINSERT', 'l', 'BEFORE', 'x'], ['LREM', 'l', '0'], ['LTRIM', 'l', '0'], ['LPOS', 'l'], ['LMOVE', 'a', 'b', 'LEFT'], ['RPOPLPUSH', 'a'], ['LMPOP', '1', 'a'],
    ['SET', 's', 'v'], ['LPUSH', 's', 'a'], ['RPUSH', 's', 'a'], ['LPUSHX', 's', 'a'], ['RPUSHX', 's', 'a'], ['LPOP', 's'], ['RPOP', 's', '2'], ['LLEN', 's'], ['LRANGE', 's', '0', '-1'], ['LINDEX', 's', '0'],
    ['LSET', 's', '0', 'x'], ['LINSERT', 's', 'BEFORE', 'a', 'b'], ['LREM', 's', '0', 'a'], ['LTRIM', 's', '0', '1'], ['LPOS', 's', 'a'], ['LMOVE', 's', 'd', 'LEFT', 'LEFT'], ['RPOPLPUSH', 's', 'd'],
    ['LMPOP', '1', 's', 'LEFT'], ['BLPOP', 's', '0'], ['BRPOP', 's', '0'], ['BLMOVE', 's', 'd', 'LEFT', 'LEFT', '0'], ['BRPOPLPUSH', 's', 'd', '0'], ['BLMPOP', '0', '1', 's', 'LEFT'], ['GET', 's'],
  ]);
  diffCase('binary elements', [
    ['RPUSH', 'l', ALL_BYTES, '', '\0', '\r\n', 'x'.repeat(10000)], ['LRANGE', 'l', '0', '-1'], ['LPOS', 'l', '\0'], ['LREM', 'l', '0', ''], ['LINDEX', 'l', '0'], ['LLEN', 'l'],
  ]);
  diffCase('integer-looking elements print back identically', [
    ['RPUSH', 'l', '0', '-1', '007', '+1', '1.0', '9223372036854775807', '-9223372036854775808', '9223372036854775808', '12345678901234567890', ' 1', '-0'],
    ['LRANGE', 'l', '0', '-1'], ['LPOS', 'l', '007'], ['LPOS', 'l', '7'], ['LREM', 'l', '1', '-0'], ['LRANGE', 'l', '0', '-1'],
  ]);
  diffCase('TTL survives pushes, pops to empty delete the key', [
    ['RPUSH', 'l', 'a', 'b'], ['EXPIRE', 'l', '1000'], ['RPUSH', 'l', 'c'], ['TTL', 'l'], ['LPOP', 'l', '3'], ['TTL', 'l'], ['EXISTS', 'l'],
  ]);
});

describe('reading', () => {
  diffCase('LRANGE ranges', [
    ['RPUSH', 'l', 'a', 'b', 'c', 'd', 'e'],
    ...INDEXES.flatMap((s): Cmd[] => INDEXES.filter((_, i) => i % 3 === 0).map((e): Cmd => ['LRANGE', 'l', s, e])),
    ['LRANGE', 'nokey', '0', '-1'], ['LRANGE', 'nokey', 'x', '1'],
  ]);
  diffCase('LINDEX', [['LINDEX', 'nokey', '0'], ['LINDEX', 'nokey', 'x'], ['RPUSH', 'l', 'a', 'b', 'c'], ...INDEXES.map((i): Cmd => ['LINDEX', 'l', i])]);
  diffCase('LLEN', [['LLEN', 'nokey'], ['RPUSH', 'l', 'a', 'b', 'c'], ['LLEN', 'l'], ['RPOP', 'l'], ['LLEN', 'l']]);
  diffCase('LPOS basics and options', [
    ['RPUSH', 'l', 'a', 'b', 'c', 'a', 'b', 'a', 'c', 'a'],
    ['LPOS', 'l', 'a'], ['LPOS', 'l', 'c'], ['LPOS', 'l', 'z'], ['LPOS', 'l', 'a', 'RANK', '2'], ['LPOS', 'l', 'a', 'RANK', '-1'], ['LPOS', 'l', 'a', 'RANK', '-3'], ['LPOS', 'l', 'a', 'RANK', '9'],
    ['LPOS', 'l', 'a', 'COUNT', '0'], ['LPOS', 'l', 'a', 'COUNT', '2'], ['LPOS', 'l', 'a', 'COUNT', '2', 'RANK', '2'], ['LPOS', 'l', 'a', 'RANK', '-2', 'COUNT', '0'], ['LPOS', 'l', 'z', 'COUNT', '0'],
    ['LPOS', 'l', 'a', 'MAXLEN', '3'], ['LPOS', 'l', 'a', 'MAXLEN', '1', 'RANK', '2'], ['LPOS', 'l', 'a', 'COUNT', '0', 'MAXLEN', '6'], ['LPOS', 'l', 'a', 'RANK', '-1', 'MAXLEN', '1'], ['LPOS', 'l', 'b', 'RANK', '-1', 'MAXLEN', '2'],
    ['LPOS', 'l', 'a', 'rank', '1', 'count', '1', 'maxlen', '0'], ['LPOS', 'l', 'a', 'RANK', '1', 'RANK', '3'],
    ['LPOS', 'l', 'a', 'RANK', '-9223372036854775808'], ['LPOS', 'l', 'a', 'RANK', '9223372036854775807'], ['LPOS', 'l', 'a', 'RANK', '-9223372036854775807'], ['LPOS', 'l', 'a', 'COUNT', '9223372036854775807'],
    ['LPOS', 'l', 'a', 'RANK', '-9223372036854775808', 'COUNT', '2'],
  ]);
  diffCase('LPOS errors', [
    ['RPUSH', 'l', 'a'], ['LPOS', 'l', 'a', 'RANK', '0'], ['LPOS', 'l', 'a', 'RANK', 'x'], ['LPOS', 'l', 'a', 'COUNT', '-1'], ['LPOS', 'l', 'a', 'COUNT', 'x'], ['LPOS', 'l', 'a', 'MAXLEN', '-1'],
    ['LPOS', 'l', 'a', 'MAXLEN', 'x'], ['LPOS', 'l', 'a', 'RANK'], ['LPOS', 'l', 'a', 'FOO'], ['LPOS', 'l', 'a', 'COUNT'], ['LPOS', 'nokey', 'a', 'RANK', '0'], ['LPOS', 'nokey', 'a'], ['LPOS', 'nokey', 'a', 'COUNT', '1'],
  ]);
});

describe('in-place writes', () => {
  diffCase('LSET', [
    ['LSET', 'nokey', '0', 'x'], ['LSET', 'nokey', 'x', 'x'], ['RPUSH', 'l', 'a', 'b', 'c'], ['LSET', 'l', '0', 'A'], ['LSET', 'l', '-1', 'C'], ['LSET', 'l', '1', ''], ['LSET', 'l', '3', 'x'], ['LSET', 'l', '-4', 'x'],
    ['LSET', 'l', 'x', 'y'], ['LSET', 'l', '9223372036854775808', 'y'], ['LRANGE', 'l', '0', '-1'],
  ]);
  diffCase('LINSERT', [
    ['LINSERT', 'nokey', 'BEFORE', 'a', 'x'], ['LINSERT', 'nokey', 'MIDDLE', 'a', 'x'], ['RPUSH', 'l', 'a', 'b', 'c', 'b'],
    ['LINSERT', 'l', 'BEFORE', 'b', 'X'], ['LINSERT', 'l', 'after', 'b', 'Y'], ['LINSERT', 'l', 'AFTER', 'c', 'Z'], ['LINSERT', 'l', 'before', 'a', 'W'], ['LINSERT', 'l', 'BEFORE', 'zz', 'x'], ['LINSERT', 'l', 'AROUND', 'a', 'x'],
    ['LRANGE', 'l', '0', '-1'],
    ...Array.from({ length: 40 }, (_, i): Cmd => ['LINSERT', 'l', i % 2 ? 'AFTER' : 'BEFORE', ['a', 'b', 'c', 'X', 'W'][i % 5], 'n' + i]), ['LRANGE', 'l', '0', '-1'], ['LLEN', 'l'],
  ]);
  diffCase('LREM', [
    ['LREM', 'nokey', '0', 'a'], ['LREM', 'nokey', 'x', 'a'], ['RPUSH', 'l', 'a', 'b', 'a', 'c', 'a', 'b', 'a'], ['LREM', 'l', '1', 'a'], ['LRANGE', 'l', '0', '-1'], ['LREM', 'l', '-2', 'a'], ['LRANGE', 'l', '0', '-1'],
    ['LREM', 'l', '0', 'b'], ['LRANGE', 'l', '0', '-1'], ['LREM', 'l', 'x', 'a'], ['LREM', 'l', '5', 'zz'], ['LREM', 'l', '0', 'a'], ['LREM', 'l', '0', 'c'], ['EXISTS', 'l'],
    ['RPUSH', 'm', 'a', 'b', 'a', 'a'], ['LREM', 'm', '-9223372036854775808', 'a'], ['LRANGE', 'm', '0', '-1'], ['RPUSH', 'm', 'a', 'a'], ['LREM', 'm', '9223372036854775807', 'a'], ['LRANGE', 'm', '0', '-1'],
  ]);
  diffCase('LTRIM', [
    ['LTRIM', 'nokey', '0', '1'], ['LTRIM', 'nokey', 'x', '1'],
    ...[['0', '-1'], ['1', '-2'], ['2', '2'], ['-3', '-1'], ['5', '10'], ['-100', '100'], ['3', '1'], ['0', '0'], ['-1', '-1'], ['9223372036854775807', '0'], ['-9223372036854775808', '9223372036854775807']].flatMap(([s, e]): Cmd[] => [
      ['DEL', 'l'], ['RPUSH', 'l', 'a', 'b', 'c', 'd', 'e'], ['LTRIM', 'l', s, e], ['LRANGE', 'l', '0', '-1'], ['EXISTS', 'l'],
    ]),
    ['RPUSH', 'm', 'a'], ['LTRIM', 'm', 'a', '1'], ['LTRIM', 'm', '0', 'x'],
  ]);
});

describe('LMOVE and RPOPLPUSH', () => {
  const moves: Cmd[] = [];
  for (const f of ['LEFT', 'RIGHT']) for (const t of ['LEFT', 'RIGHT']) moves.push(['LMOVE', 'src', 'dst', f, t], ['LRANGE', 'src', '0', '-1'], ['LRANGE', 'dst', '0', '-1']);
  diffCase('all directions, same shard pair unknown', [['RPUSH', 'src', 'a', 'b', 'c', 'd', 'e'], ...moves, ['LMOVE', 'src', 'dst', 'left', 'right']]);
  diffCase('rotation on one key and emptying the source', [
    ['RPUSH', 'l', 'a', 'b', 'c'], ['LMOVE', 'l', 'l', 'LEFT', 'RIGHT'], ['LRANGE', 'l', '0', '-1'], ['RPOPLPUSH', 'l', 'l'], ['LRANGE', 'l', '0', '-1'], ['LMOVE', 'l', 'l', 'RIGHT', 'RIGHT'],
    ['RPUSH', 'one', 'x'], ['RPOPLPUSH', 'one', 'one'], ['LRANGE', 'one', '0', '-1'], ['RPOPLPUSH', 'one', 'two'], ['EXISTS', 'one'], ['LRANGE', 'two', '0', '-1'],
  ]);
  diffCase('errors and missing keys', [
    ['LMOVE', 'nokey', 'd', 'LEFT', 'LEFT'], ['RPOPLPUSH', 'nokey', 'd'], ['EXISTS', 'd'], ['LMOVE', 'a', 'b', 'UP', 'LEFT'], ['LMOVE', 'a', 'b', 'LEFT', 'DOWN'],
    ['SET', 'str', 'v'], ['RPUSH', 'l', 'a'], ['LMOVE', 'l', 'str', 'LEFT', 'LEFT'], ['RPOPLPUSH', 'l', 'str'], ['LRANGE', 'l', '0', '-1'], ['LMOVE', 'str', 'l', 'LEFT', 'LEFT'], ['LMOVE', 'nokey', 'str', 'LEFT', 'LEFT'],
  ]);
  diffCase('across shards', [
    ['RPUSH', X1, 'a', 'b', 'c'], ['LMOVE', X1, X2, 'LEFT', 'RIGHT'], ['RPOPLPUSH', X1, X2], ['LRANGE', X1, '0', '-1'], ['LRANGE', X2, '0', '-1'], ['LMOVE', X2, X1, 'RIGHT', 'LEFT'],
    ['LMOVE', X1, X2, 'RIGHT', 'RIGHT'], ['LMOVE', X1, X2, 'RIGHT', 'RIGHT'], ['LMOVE', X1, X2, 'LEFT', 'LEFT'], ['EXISTS', X1], ['LRANGE', X2, '0', '-1'],
    ['SET', X1, 'str'], ['LMOVE', X2, X1, 'LEFT', 'LEFT'], ['RPOPLPUSH', X1, X2], ['LMOVE', 'nokey', X1, 'LEFT', 'LEFT'], ['DEL', X1], ['RPOPLPUSH', X1, X2], ['LMOVE', X1, X2, 'UP', 'LEFT'],
    ['LRANGE', X2, '0', '-1'], ['GET', X1],
  ]);
});

describe('LMPOP', () => {
  diffCase('single shard', [
    ['LMPOP', '1', 'l', 'LEFT'], ['RPUSH', 'l', 'a', 'b', 'c', 'd'], ['LMPOP', '1', 'l', 'LEFT'], ['LMPOP', '1', 'l', 'RIGHT', 'COUNT', '2'], ['LMPOP', '2', 'nokey', 'l', 'left', 'count', '10'], ['EXISTS', 'l'],
    ['LMPOP', '2', 'nokey', 'l', 'LEFT'],
  ]);
  diffCase('errors', [
    ['LMPOP', '0', 'l', 'LEFT'], ['LMPOP', '-1', 'l', 'LEFT'], ['LMPOP', 'x', 'l', 'LEFT'], ['LMPOP', '2', 'l', 'LEFT'], ['LMPOP', '1', 'l', 'MIDDLE'], ['LMPOP', '1', 'l', 'LEFT', 'COUNT', '0'],
    ['LMPOP', '1', 'l', 'LEFT', 'COUNT', '-1'], ['LMPOP', '1', 'l', 'LEFT', 'COUNT', 'x'], ['LMPOP', '1', 'l', 'LEFT', 'COUNT', '1', 'COUNT', '2'], ['LMPOP', '1', 'l', 'LEFT', 'COUNT'], ['LMPOP', '1', 'l', 'LEFT', 'FOO'],
    ['LMPOP', '9223372036854775807', 'l', 'LEFT'], ['LMPOP', '9223372036854775808', 'l', 'LEFT'],
    ['SET', 's', 'v'], ['RPUSH', 'l', 'a'], ['LMPOP', '2', 's', 'l', 'LEFT'], ['LMPOP', '2', 'l', 's', 'LEFT'], ['LMPOP', '2', 'nokey', 's', 'LEFT'],
  ]);
  diffCase('across shards: first non-empty key in order, WRONGTYPE first', [
    ['RPUSH', S3, 'c1', 'c2', 'c3'], ['RPUSH', S2, 'b1'], ['LMPOP', '4', S1, S2, S3, S4, 'LEFT'], ['LMPOP', '4', S1, S2, S3, S4, 'RIGHT', 'COUNT', '2'], ['LMPOP', '4', S4, S3, S2, S1, 'LEFT', 'COUNT', '5'],
    ['LMPOP', '4', S1, S2, S3, S4, 'LEFT'], ['SET', S4, 'x'], ['RPUSH', S1, 'a'], ['LMPOP', '2', S4, S1, 'LEFT'], ['LMPOP', '2', S1, S4, 'LEFT'], ['LMPOP', '2', S2, S4, 'LEFT'], ['LMPOP', '3', S1, S2, S3, 'LEFT', 'COUNT', '0'],
  ]);
});

describe('blocking commands without blocking', () => {
  diffCase('served at once when a key has data, in key order', [
    ['RPUSH', 'b', '1', '2'], ['RPUSH', 'c', '3'], ['BLPOP', 'a', 'b', 'c', '0'], ['BRPOP', 'a', 'b', 'c', '0'], ['BLPOP', 'a', 'b', 'c', '1.5'], ['EXISTS', 'b', 'c'],
    ['RPUSH', 's', 'x', 'y'], ['BLMOVE', 's', 'd', 'LEFT', 'RIGHT', '0'], ['BRPOPLPUSH', 's', 'd', '0'], ['LRANGE', 'd', '0', '-1'], ['EXISTS', 's'],
    ['RPUSH', 'm', '1', '2', '3'], ['BLMPOP', '0', '2', 'nokey', 'm', 'RIGHT', 'COUNT', '2'], ['BLMPOP', '0', '1', 'm', 'LEFT'],
  ]);
  diffCase('across shards, served at once', [
    ['RPUSH', S3, 'c'], ['RPUSH', S2, 'b'], ['BLPOP', S1, S2, S3, '0'], ['BRPOP', S1, S2, S3, S4, '0'], ['EXISTS', S2, S3],
    ['RPUSH', X1, 'a', 'b'], ['BLMOVE', X1, X2, 'RIGHT', 'LEFT', '0'], ['BRPOPLPUSH', X1, X2, '0'], ['LRANGE', X2, '0', '-1'], ['EXISTS', X1],
    ['RPUSH', S4, '1', '2', '3'], ['BLMPOP', '0', '3', S1, S2, S4, 'LEFT', 'COUNT', '2'], ['SET', S1, 'v'], ['BLPOP', S2, S1, S4, '0'], ['BLMPOP', '0', '2', S1, S4, 'LEFT'], ['BLMPOP', '0', '2', S4, S1, 'LEFT'],
    ['SET', X2, 'v'], ['RPUSH', X1, 'z'], ['BLMOVE', X1, X2, 'LEFT', 'LEFT', '0'], ['LRANGE', X1, '0', '-1'],
  ]);
  diffCase('timeouts: float seconds, errors', [
    ['BLPOP', 'nokey', '0.01'], ['BRPOP', 'nokey', '0.02'], ['BLMOVE', 'nokey', 'd', 'LEFT', 'LEFT', '0.01'], ['BRPOPLPUSH', 'nokey', 'd', '0.01'], ['BLMPOP', '0.01', '1', 'nokey', 'LEFT'],
    ['BLPOP', S1, S2, '0.01'], ['BLMOVE', X1, X2, 'LEFT', 'LEFT', '0.01'], ['BLMPOP', '0.01', '2', S1, S2, 'LEFT'],
    ...['abc', '-1', '-0.5', 'inf', '-inf', 'nan', '1e400', '9223372036854775807', '1e18', '', ' 1', '1 ', '9.3e15'].flatMap((t): Cmd[] => [
      ['BLPOP', 'nokey', t], ['BLPOP', S1, S2, t], ['BRPOPLPUSH', 'nokey', 'd', t], ['BLMOVE', X1, X2, 'LEFT', 'LEFT', t], ['BLMPOP', t, '1', 'nokey', 'LEFT'], ['BLMPOP', t, '2', S1, S2, 'LEFT'],
    ]),
    ['BLPOP', 'nokey', '0x1p-12'], ['BLPOP', 'nokey', '1e-3'],
  ]);
  diffCase('argument errors come before the timeout', [
    ['BLMOVE', 'a', 'b', 'UP', 'LEFT', 'x'], ['BLMOVE', 'a', 'b', 'LEFT', 'UP', '-1'], ['BLMOVE', X1, X2, 'UP', 'LEFT', 'x'], ['BLMPOP', 'x', '0', 'a', 'LEFT'], ['BLMPOP', 'x', '1', 'a', 'UP'], ['BLMPOP', '-1', '2', 'a'],
    ['BLMPOP', '0', '1', 'a', 'LEFT', 'COUNT', '0'], ['BLMPOP', 'x', '1', 'a', 'LEFT', 'FOO'], ['BLPOP', 'a'], ['BLMPOP', '0', '1', 'a'], ['BRPOPLPUSH', 'a', 'b'], ['BLMOVE', 'a', 'b', 'LEFT', 'LEFT'],
  ]);
  diffCase('inside MULTI: never block', [
    ['MULTI'], ['BLPOP', 'nokey', '0'], ['BRPOP', S1, S2, '0'], ['BLMOVE', 'nokey', 'd', 'LEFT', 'LEFT', '0'], ['BRPOPLPUSH', X1, X2, '0'], ['BLMPOP', '0', '1', 'nokey', 'LEFT'], ['BLMPOP', '0', '2', S1, S2, 'LEFT'],
    ['RPUSH', 'q', 'a'], ['BLPOP', 'q', '0'], ['EXEC'],
    ['MULTI'], ['RPUSH', S1, 'x'], ['BLPOP', S2, S1, '0'], ['RPUSH', X1, 'y'], ['BLMOVE', X1, X2, 'LEFT', 'RIGHT', '0'], ['LRANGE', X2, '0', '-1'], ['EXEC'],
  ]);
});

describe('encodings and RESP3', () => {
  diffCase('OBJECT ENCODING (7.0: always quicklist)', [
    ['RPUSH', 'l', 'a'], ['OBJECT', 'ENCODING', 'l'], ['RPUSH', 'l', ...Array.from({ length: 200 }, (_, i) => 'e' + i)], ['OBJECT', 'ENCODING', 'l'], ['RPUSH', 'big', 'x'.repeat(10000)], ['OBJECT', 'ENCODING', 'big'],
    ['CONFIG', 'SET', 'list-max-listpack-size', '4'], ['RPUSH', 'm', '1', '2', '3', '4', '5'], ['OBJECT', 'ENCODING', 'm'], ['LTRIM', 'm', '0', '0'], ['OBJECT', 'ENCODING', 'm'], ['CONFIG', 'SET', 'list-max-listpack-size', '-2'],
  ]);
  resp3Case('RESP3 null shapes', [
    ['LPOP', 'nokey'], ['LPOP', 'nokey', '2'], ['RPOP', 'nokey', '0'], ['LINDEX', 'nokey', '0'], ['LPOS', 'nokey', 'a'], ['LPOS', 'nokey', 'a', 'COUNT', '0'], ['LMOVE', 'nokey', 'd', 'LEFT', 'LEFT'], ['LMPOP', '1', 'nokey', 'LEFT'],
    ['LRANGE', 'nokey', '0', '-1'], ['BLPOP', 'nokey', '0.01'], ['BLMOVE', 'nokey', 'd', 'LEFT', 'LEFT', '0.01'], ['BLMPOP', '0.01', '1', 'nokey', 'LEFT'], ['BLPOP', S1, S2, '0.01'],
    ['RPUSH', 'l', 'a', 'b', 'c'], ['LPOP', 'l', '2'], ['LMPOP', '1', 'l', 'LEFT'], ['RPUSH', 'l', 'x'], ['BLPOP', 'l', '0'], ['LPOS', 'l', 'z'],
    ['MULTI'], ['BLPOP', 'nokey', '0'], ['BLMOVE', 'nokey', 'd', 'LEFT', 'LEFT', '0'], ['EXEC'],
  ]);
});

const LIST_COMMANDS = ['lpush', 'rpush', 'lpushx', 'rpushx', 'lpop', 'rpop', 'llen', 'lrange', 'lindex', 'lset', 'linsert', 'lrem', 'ltrim', 'lpos', 'lmove', 'rpoplpush', 'lmpop', 'blpop', 'brpop', 'blmove', 'brpoplpush', 'blmpop'];

describe('command metadata', () => {
  diffCase('COMMAND INFO and COMMAND DOCS', LIST_COMMANDS.flatMap((c): Cmd[] => [['COMMAND', 'INFO', c], ['COMMAND', 'DOCS', c]]));
  diffCase('COMMAND GETKEYS', [
    ['COMMAND', 'GETKEYS', 'LMPOP', '2', 'a', 'b', 'LEFT'], ['COMMAND', 'GETKEYS', 'BLMPOP', '0', '2', 'a', 'b', 'LEFT', 'COUNT', '3'], ['COMMAND', 'GETKEYS', 'BLPOP', 'a', 'b', 'c', '0'],
    ['COMMAND', 'GETKEYS', 'BLMOVE', 'a', 'b', 'LEFT', 'RIGHT', '0'], ['COMMAND', 'GETKEYS', 'LMPOP', '0', 'a', 'LEFT'], ['COMMAND', 'GETKEYS', 'BLMPOP', '0', '5', 'a', 'LEFT'], ['COMMAND', 'GETKEYS', 'RPOPLPUSH', 'a', 'b'],
  ]);
});

describe('other commands on lists', () => {
  diffCase('RENAME, COPY, MOVE, DUMP-free transfers across shards', [
    ['RPUSH', X1, 'a', 'b', 'c'], ['RENAME', X1, X2], ['LRANGE', X2, '0', '-1'], ['COPY', X2, X1], ['LRANGE', X1, '0', '-1'], ['RPUSH', X1, 'd'], ['LRANGE', X2, '0', '-1'],
    ['MOVE', X1, '1'], ['SELECT', '1'], ['LRANGE', X1, '0', '-1'], ['SELECT', '0'], ['RENAME', X2, 'y'], ['TYPE', 'y'], ['OBJECT', 'ENCODING', 'y'],
  ]);
  // The same with a list in the packed form (past 128 elements), binary elements included.
  const LONG = Array.from({ length: 300 }, (_, i) => (i % 7 === 0 ? ALL_BYTES.slice(i % 200, (i % 200) + 40) : 'e' + i));
  diffCase('RENAME, COPY, MOVE of a long list across shards', [
    ['RPUSH', X1, ...LONG], ['RENAME', X1, X2], ['LRANGE', X2, '0', '-1'], ['COPY', X2, X1], ['LRANGE', X1, '0', '-1'], ['RPUSH', X1, 'd'], ['LLEN', X2],
    ['MOVE', X1, '1'], ['SELECT', '1'], ['LRANGE', X1, '-5', '-1'], ['LLEN', X1], ['SELECT', '0'], ['LTRIM', X2, '0', '9'], ['RENAME', X2, 'y'], ['LRANGE', 'y', '0', '-1'], ['OBJECT', 'ENCODING', 'y'],
  ]);
  diffCase('SORT reads a list', [['RPUSH', 'l', '3', '1', '2'], ['SORT', 'l'], ['SORT', 'l', 'DESC', 'LIMIT', '0', '2'], ['SORT', 'l', 'ALPHA']]);
});

// ---- randomized differential sequences ------------------------------------------------

const RKEYS = ['a', 'b', 'c', X1, X2, S1, S2, '{r}x', '{r}y', 'str'];
const VALUES = ['a', 'b', 'c', '', '0', '1', '-1', '007', 'hello', 'x'.repeat(50), '\0\xff', '9223372036854775807'];
const RINDEX = ['0', '1', '2', '-1', '-2', '3', '-5', '10', '-10', 'x', '9223372036854775807'];

/** Indexes around the lengths long lists reach (past ListValue's PACK_ABOVE, so in the packed form). */
const RINDEX_LONG = [...RINDEX, '100', '-100', '127', '-129', '200', '-300', '500'];

/**
 * n random list commands over RKEYS. With `long`, pushes carry 10 to 60
 * elements and keys are not deleted, so lists grow to hundreds of elements
 * (the packed form, and its moves back and forth with the small form).
 */
function randomCommands(seed: number, n: number, long = false): Cmd[] {
  const rand = prng(seed);
  const pick = <T>(a: T[]): T => a[Math.floor(rand() * a.length)];
  const key = (): string => pick(RKEYS);
  const val = (): string => pick(VALUES);
  const vals = (): string[] => Array.from({ length: long ? 10 + Math.floor(rand() * 50) : 1 + Math.floor(rand() * 4) }, val);
  const index = (): string => pick(long ? RINDEX_LONG : RINDEX);
  const side = (): string => (rand() < 0.95 ? pick(['LEFT', 'RIGHT', 'left']) : 'UP');
  const cmds: Cmd[] = [['SET', 'str', 'v']];
  for (let i = 0; i < n; i++) {
    const r = Math.floor(rand() * 30);
    switch (r) {
      case 0: case 1: case 2: cmds.push(['LPUSH', key(), ...vals()]); break;
      case 3: case 4: case 5: cmds.push(['RPUSH', key(), ...vals()]); break;
      case 6: cmds.push([pick(['LPUSHX', 'RPUSHX']), key(), ...vals()]); break;
      case 7: case 8: cmds.push([pick(['LPOP', 'RPOP']), key(), ...(rand() < 0.4 ? [pick(['0', '1', '2', '5', '-1', 'x'])] : [])]); break;
      case 9: cmds.push(['LLEN', key()]); break;
      case 10: case 11: cmds.push(['LRANGE', key(), index(), index()]); break;
      case 12: cmds.push(['LINDEX', key(), index()]); break;
      case 13: cmds.push(['LSET', key(), index(), val()]); break;
      case 14: cmds.push(['LINSERT', key(), pick(['BEFORE', 'AFTER', 'after', 'X']), val(), val()]); break;
      case 15: cmds.push(['LREM', key(), pick(['0', '1', '-1', '2', '-2', 'x']), val()]); break;
      case 16: cmds.push(['LTRIM', key(), index(), index()]); break;
      case 17: {
        const o: string[] = [];
        if (rand() < 0.4) o.push('RANK', pick(['1', '2', '-1', '-2', '0', '5']));
        if (rand() < 0.4) o.push('COUNT', pick(['0', '1', '2', '-1']));
        if (rand() < 0.3) o.push('MAXLEN', pick(['0', '1', '3', '-1']));
        cmds.push(['LPOS', key(), val(), ...o]);
        break;
      }
      case 18: case 19: cmds.push(['LMOVE', key(), key(), side(), side()]); break;
      case 20: cmds.push(['RPOPLPUSH', key(), key()]); break;
      case 21: {
        const ks = Array.from({ length: 1 + Math.floor(rand() * 3) }, key);
        cmds.push(['LMPOP', String(ks.length), ...ks, side(), ...(rand() < 0.5 ? ['COUNT', pick(['1', '2', '3', '0'])] : [])]);
        break;
      }
      case 22: {
        const ks = Array.from({ length: 1 + Math.floor(rand() * 3) }, key);
        cmds.push([pick(['BLPOP', 'BRPOP']), ...ks, '0.001']);
        break;
      }
      case 23: cmds.push(['BLMOVE', key(), key(), side(), side(), '0.001']); break;
      case 24: {
        const ks = Array.from({ length: 1 + Math.floor(rand() * 3) }, key);
        cmds.push(['BLMPOP', '0.001', String(ks.length), ...ks, side(), ...(rand() < 0.5 ? ['COUNT', pick(['1', '2', '3'])] : [])]);
        break;
      }
      case 25: cmds.push(long ? ['LLEN', key()] : ['DEL', key()]); break;
      case 26: cmds.push(['TYPE', key()]); break;
      case 27: cmds.push(['EXISTS', key()]); break;
      default: cmds.push(['LRANGE', key(), '0', '-1']);
    }
  }
  for (const k of RKEYS) cmds.push(['TYPE', k], ['LRANGE', k, '0', '-1']);
  return cmds;
}

describe('randomized sequences', () => {
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    it(`seed ${seed}: 1500 commands over ${RKEYS.length} keys`, async () => {
      await compare(randomCommands(seed, 1500));
    }, 180000);
  }
  for (const seed of [7, 8, 9]) {
    it(`seed ${seed}: 1500 commands growing long lists`, async () => {
      await compare(randomCommands(seed, 1500, true));
    }, 180000);
  }
});
