// Differential tests of the generic keyspace family against redis-server 7.0,
// with 4 server threads so multi-key commands (DEL, RENAME, COPY ...) often
// span shards. Other databases are inspected through SWAPDB 0 N.

import { describe, it, expect } from 'vitest';
import { replyValue } from './helpers/reply_tree.ts';
import { useDiff, diffCase, compare, type Cmd } from './helpers/diff.ts';
import { RawClient } from './helpers/resp.ts';
import { keyShard } from '../src/router/slot.ts';

const THREADS = 4;
const env = useDiff({ threads: THREADS });

/** n keys `prefix0..` that live on pairwise different shards (n <= THREADS). */
function spread(prefix: string, n: number): string[] {
  const out: string[] = [];
  const used = new Set<number>();
  for (let i = 0; out.length < n; i++) {
    const k = prefix + i;
    const s = keyShard(k, THREADS);
    if (!used.has(s)) {
      used.add(s);
      out.push(k);
    }
  }
  return out;
}

/** Two keys on the same shard (a shared hash tag). */
const [S1, S2] = ['{t}one', '{t}two'];
const [A, B, C, D] = spread('key:', 4);

function cmdName(cmd: Cmd): string {
  return cmd[0].toString().toUpperCase();
}

/** Replies whose order or exact value is unspecified: KEYS sorted, PTTL to seconds, RANDOMKEY to nil/key. */
function normalize(reply: string, cmd: Cmd): string {
  const name = cmdName(cmd);
  if (name === 'KEYS' && reply[0] === '*') {
    const [arr] = replyValue(reply);
    return JSON.stringify((arr as string[]).slice().sort());
  }
  if (name === 'PTTL' && reply[0] === ':') {
    const n = Number(reply.slice(1, -2));
    return n < 0 ? reply : ':~' + Math.round(n / 1000);
  }
  if (name === 'RANDOMKEY') return reply.startsWith('$-1') ? 'nil' : 'key';
  return reply;
}

const opts = { normalize };

describe('DEL UNLINK EXISTS TOUCH TYPE', () => {
  diffCase('DEL counts existing keys, across shards, duplicates once', [
    ['SET', A, '1'], ['SET', B, '2'], ['SET', C, '3'], ['SET', S1, 'x'],
    ['DEL', A, B, 'missing', A], ['EXISTS', A, B, C], ['DEL', C, S1, S2], ['DEL', 'nothing'], ['DBSIZE'],
  ]);
  diffCase('UNLINK like DEL', [
    ['SET', A, '1'], ['SET', B, '2'], ['SET', D, '4'], ['UNLINK', A, B, C, D, A], ['UNLINK', A], ['DBSIZE'],
  ]);
  diffCase('EXISTS counts duplicates, across shards', [
    ['SET', A, '1'], ['SET', B, 'x'], ['EXISTS', A, A, A], ['EXISTS', A, B, C, D, B], ['EXISTS', 'none'], ['EXISTS', S1, S2],
  ]);
  diffCase('TOUCH counts existing keys', [
    ['SET', A, '1'], ['SET', C, '3'], ['TOUCH', A, B, C, A], ['TOUCH', 'zz'],
  ]);
  diffCase('TYPE of strings, ints and missing keys', [
    ['SET', A, 'hello'], ['SET', B, '12'], ['TYPE', A], ['TYPE', B], ['TYPE', 'missing'],
  ]);
  diffCase('arity errors', [
    ['DEL'], ['UNLINK'], ['EXISTS'], ['TOUCH'], ['TYPE'], ['TYPE', 'a', 'b'], ['KEYS'], ['KEYS', 'a', 'b'], ['SCAN'], ['RANDOMKEY', 'x'],
    ['RENAME', 'a'], ['RENAMENX', 'a', 'b', 'c'], ['MOVE', 'a'], ['COPY', 'a'], ['EXPIRE', 'a'], ['PEXPIRE', 'a'], ['EXPIREAT', 'a'], ['PEXPIREAT', 'a'],
    ['TTL'], ['PTTL'], ['EXPIRETIME', 'a', 'b'], ['EXPIRETIME'], ['PEXPIRETIME'], ['PERSIST'], ['DBSIZE', 'x'], ['SWAPDB', '0'],
  ]);
});

describe('KEYS', () => {
  const keys = ['alpha', 'beta', 'gamma', 'a', 'ab', 'abc', 'a*c', 'a?c', 'x[1]', 'hello', 'hallo', 'hxllo', 'hllo', 'heeeello', 'HELLO', 'a\\b', ''];
  const setup: Cmd[] = keys.map((k) => ['SET', k, 'v']);
  const patterns = ['*', 'a*', '*a', '?', '??', 'a?c', 'a\\*c', 'a\\?c', 'h?llo', 'h*llo', 'h[ae]llo', 'h[^e]llo', 'h[a-b]llo', 'h[b-a]llo', 'x\\[1\\]', 'x[[]1]', '*l*o', '', 'a\\\\b', 'H*', '[', 'a[', '*[', 'nomatch', '***', 'a**c', '[a-'];
  diffCase('patterns', [...setup, ...patterns.map((p): Cmd => ['KEYS', p])], opts);
  diffCase('expired keys are not listed', [['SET', 'k1', 'v'], ['SET', 'k2', 'v'], ['PEXPIREAT', 'k1', '1000'], ['SET', 'k3', 'v'], ['PEXPIRE', 'k3', '100000'], ['KEYS', '*'], ['DBSIZE']], opts);
  diffCase('empty db', [['KEYS', '*'], ['KEYS', 'a']], opts);
  diffCase('binary key names', [['SET', Buffer.from([0, 1, 255, 10]), 'v'], ['SET', Buffer.from('caf\xe9', 'latin1'), 'v'], ['KEYS', '*'], ['KEYS', Buffer.from('caf?', 'latin1')], ['KEYS', Buffer.from([0, 42])]], opts);
});

describe('RANDOMKEY', () => {
  diffCase('nil on an empty db, the only key otherwise', [['RANDOMKEY'], ['SET', A, '1'], ['RANDOMKEY'], ['SET', B, '1'], ['RANDOMKEY'], ['DEL', A, B], ['RANDOMKEY']], opts);
  it('returns the only key, on any shard', async () => {
    for (const k of [A, B, C, D]) await compare([['SET', k, 'v'], ['RANDOMKEY']]);
  });
  diffCase('skips expired keys', [['SET', A, '1'], ['PEXPIREAT', A, '1'], ['RANDOMKEY'], ['SET', B, '2'], ['SET', C, '2'], ['PEXPIREAT', C, '1'], ['RANDOMKEY'], ['DBSIZE']]);
});

describe('RENAME RENAMENX', () => {
  for (const [label, x, y] of [['same shard', S1, S2], ['across shards', A, B], ['across shards, reversed', D, C]] as const) {
    diffCase(`RENAME ${label}`, [
      ['SET', x, 'hello'], ['RENAME', x, y], ['GET', x], ['GET', y], ['EXISTS', x, y],
      ['SET', x, 'other'], ['EXPIRE', x, '1000'], ['RENAME', x, y], ['TTL', y], ['GET', y], ['EXISTS', x],
      ['SET', x, '42'], ['RENAME', x, y], ['TTL', y], ['INCR', y], ['GET', y],
      ['RENAME', x, y], ['RENAME', 'missing', y], ['RENAMENX', 'missing', y],
      ['SET', x, 'a'], ['EXPIRE', y, '50'], ['RENAME', x, y], ['TTL', y],
    ]);
    diffCase(`RENAMENX ${label}`, [
      ['SET', x, 'v1'], ['SET', y, 'v2'], ['RENAMENX', x, y], ['GET', x], ['GET', y],
      ['DEL', y], ['EXPIRE', x, '300'], ['RENAMENX', x, y], ['GET', y], ['TTL', y], ['EXISTS', x],
      ['RENAMENX', x, y],
    ]);
  }
  diffCase('RENAME a key to itself', [['SET', A, 'v'], ['RENAME', A, A], ['RENAMENX', A, A], ['GET', A], ['RENAME', 'nokey', 'nokey'], ['RENAMENX', 'nokey', 'nokey']]);
  diffCase('RENAME of an expired key', [['SET', A, 'v'], ['PEXPIREAT', A, '5'], ['RENAME', A, B], ['SET', C, 'v'], ['SET', D, 'old'], ['PEXPIREAT', D, '5'], ['RENAMENX', C, D], ['GET', D]]);
  diffCase('RENAME with binary values', [['SET', A, Buffer.from([0, 255, 13, 10, 0])], ['RENAME', A, B], ['GET', B], ['STRLEN', B]]);
});

describe('MOVE', () => {
  diffCase('errors', [
    ['SET', 'k', 'v'], ['MOVE', 'k', 'x'], ['MOVE', 'k', '-1'], ['MOVE', 'k', '16'], ['MOVE', 'k', '99999999999'], ['MOVE', 'k', '0'], ['MOVE', 'k', ''], ['MOVE', 'k', '1.5'],
    ['MOVE', 'missing', '0'], ['MOVE', 'missing', '1'],
  ]);
  diffCase('moves the key and its TTL', [
    ['SET', 'k', 'v'], ['EXPIRE', 'k', '500'], ['MOVE', 'k', '3'], ['EXISTS', 'k'], ['DBSIZE'],
    ['SWAPDB', '0', '3'], ['GET', 'k'], ['TTL', 'k'], ['SWAPDB', '0', '3'],
    ['SET', 'k', 'again'], ['MOVE', 'k', '3'], ['GET', 'k'], ['SWAPDB', '0', '3'], ['GET', 'k'],
  ]);
  diffCase('int values keep working after a move', [['SET', 'n', '10'], ['MOVE', 'n', '1'], ['SWAPDB', '0', '1'], ['INCR', 'n'], ['TYPE', 'n']]);
});

describe('COPY', () => {
  diffCase('errors', [
    ['SET', A, 'v'], ['COPY', A, A], ['COPY', A, B, 'FOO'], ['COPY', A, B, 'DB'], ['COPY', A, B, 'DB', 'x'], ['COPY', A, B, 'DB', '16'], ['COPY', A, B, 'DB', '-1'],
    ['COPY', A, B, 'DB', '99999999999'], ['COPY', A, A, 'DB', '0'], ['COPY', A, A, 'REPLACE'], ['COPY', A, B, 'DB', 'x', 'BAD'], ['COPY', A, B, 'REPLACE', 'BAD'],
  ]);
  for (const [label, x, y] of [['same shard', S1, S2], ['across shards', A, B], ['across shards, reversed', D, C]] as const) {
    diffCase(`COPY ${label}`, [
      ['COPY', x, y], ['SET', x, 'v1'], ['COPY', x, y], ['GET', y], ['TTL', y],
      ['SET', x, 'v2'], ['COPY', x, y], ['GET', y], ['COPY', x, y, 'REPLACE'], ['GET', y], ['GET', x],
      ['EXPIRE', x, '1000'], ['COPY', x, y, 'replace'], ['TTL', y], ['TTL', x],
      ['SET', x, '7'], ['COPY', x, y, 'REPLACE'], ['INCR', y], ['GET', x], ['TTL', y],
      ['APPEND', y, 'z'], ['GET', x],
    ]);
    diffCase(`COPY ${label} to another db`, [
      ['SET', x, 'v'], ['EXPIRE', x, '700'], ['COPY', x, y, 'DB', '2'], ['COPY', x, x, 'DB', '2'], ['COPY', x, x, 'DB', '2'], ['COPY', x, x, 'db', '2', 'replace'],
      ['EXISTS', y], ['SWAPDB', '0', '2'], ['GET', x], ['GET', y], ['TTL', y], ['TTL', x], ['DBSIZE'], ['SWAPDB', '0', '2'], ['DBSIZE'],
    ]);
  }
  diffCase('COPY of an expired key', [['SET', A, 'v'], ['PEXPIREAT', A, '3'], ['COPY', A, B], ['EXISTS', A, B]]);
});

describe('EXPIRE family', () => {
  diffCase('set, read back, persist', [
    ['SET', 'k', 'v'], ['TTL', 'k'], ['PTTL', 'k'], ['EXPIRETIME', 'k'], ['PEXPIRETIME', 'k'], ['PERSIST', 'k'],
    ['EXPIRE', 'k', '100'], ['TTL', 'k'], ['PTTL', 'k'], ['PERSIST', 'k'], ['TTL', 'k'], ['PERSIST', 'k'],
    ['PEXPIRE', 'k', '100000'], ['TTL', 'k'], ['PTTL', 'k'],
    ['EXPIREAT', 'k', '33177117420'], ['EXPIRETIME', 'k'], ['PEXPIRETIME', 'k'], ['TTL', 'k'],
    ['PEXPIREAT', 'k', '33177117420499'], ['EXPIRETIME', 'k'], ['PEXPIRETIME', 'k'],
    ['PEXPIREAT', 'k', '33177117420500'], ['EXPIRETIME', 'k'],
    ['TTL', 'missing'], ['PTTL', 'missing'], ['EXPIRETIME', 'missing'], ['PEXPIRETIME', 'missing'], ['PERSIST', 'missing'],
    ['EXPIRE', 'missing', '10'], ['PEXPIRE', 'missing', '10'], ['EXPIREAT', 'missing', '10'], ['PEXPIREAT', 'missing', '10'],
  ], opts);
  diffCase('a past or negative time deletes the key', [
    ['SET', 'a', '1'], ['EXPIRE', 'a', '-1'], ['EXISTS', 'a'], ['SET', 'a', '1'], ['EXPIRE', 'a', '0'], ['EXISTS', 'a'],
    ['SET', 'a', '1'], ['PEXPIRE', 'a', '-100'], ['EXISTS', 'a'], ['SET', 'a', '1'], ['EXPIREAT', 'a', '100'], ['EXISTS', 'a'],
    ['SET', 'a', '1'], ['PEXPIREAT', 'a', '0'], ['EXISTS', 'a'], ['SET', 'a', '1'], ['PEXPIREAT', 'a', '-9223372036854775808'], ['EXISTS', 'a'],
    ['SET', 'a', '1'], ['EXPIRE', 'a', '-9223372036854775'], ['EXISTS', 'a'], ['DBSIZE'],
  ]);
  diffCase('option errors', [
    ['SET', 'k', 'v'], ['EXPIRE', 'k', '10', 'NX', 'XX'], ['EXPIRE', 'k', '10', 'nx', 'gt'], ['EXPIRE', 'k', '10', 'NX', 'LT'], ['EXPIRE', 'k', '10', 'GT', 'LT'],
    ['EXPIRE', 'k', '10', 'FOO'], ['EXPIRE', 'k', '10', 'NX', 'foo'], ['PEXPIRE', 'k', '10', 'gt', 'lt'], ['EXPIREAT', 'k', '10', 'bar'],
    ['EXPIRE', 'k', 'abc'], ['EXPIRE', 'k', '1.5'], ['EXPIRE', 'k', ''], ['EXPIRE', 'k', '99999999999999999999'], ['EXPIRE', 'k', 'abc', 'FOO'],
    ['EXPIRE', 'missing', '10', 'NX', 'XX'], ['TTL', 'k'],
  ]);
  diffCase('overflow', [
    ['SET', 'k', 'v'], ['EXPIRE', 'k', '9223370399119966'], ['EXPIRE', 'k', '9223372036854776'], ['EXPIRE', 'k', '-9223372036854776'], ['EXPIRE', 'k', '9223372036854775807'],
    ['PEXPIRE', 'k', '9223372036854775807'], ['PEXPIRE', 'k', '9223372036854770000'], ['EXPIREAT', 'k', '9223372036854776'], ['EXPIREAT', 'k', '9223372036854775807'],
    ['EXPIRE', 'missing', '9223370399119966'], ['TTL', 'k'],
    ['PEXPIREAT', 'k', '9223372036854775807'], ['EXISTS', 'k'], ['EXPIREAT', 'k', '9223372036854775'], ['EXISTS', 'k'],
  ]);
  diffCase('NX XX GT LT', [
    ['SET', 'k', 'v'],
    ['EXPIRE', 'k', '100', 'XX'], ['TTL', 'k'], ['EXPIRE', 'k', '100', 'GT'], ['TTL', 'k'],
    ['EXPIRE', 'k', '100', 'LT'], ['TTL', 'k'], ['PERSIST', 'k'], ['EXPIRE', 'k', '-5', 'GT'], ['EXISTS', 'k'],
    ['EXPIRE', 'k', '100', 'NX'], ['TTL', 'k'], ['EXPIRE', 'k', '200', 'NX'], ['TTL', 'k'],
    ['EXPIRE', 'k', '200', 'XX'], ['TTL', 'k'], ['EXPIRE', 'k', '100', 'GT'], ['TTL', 'k'], ['EXPIRE', 'k', '300', 'GT'], ['TTL', 'k'],
    ['EXPIRE', 'k', '400', 'LT'], ['TTL', 'k'], ['EXPIRE', 'k', '50', 'LT'], ['TTL', 'k'],
    ['EXPIRE', 'k', '60', 'XX', 'GT'], ['TTL', 'k'], ['EXPIRE', 'k', '10', 'xx', 'lt'], ['TTL', 'k'], ['EXPIRE', 'k', '600', 'XX', 'LT'], ['TTL', 'k'],
    ['PEXPIREAT', 'k', '33177117420000', 'GT'], ['PEXPIRETIME', 'k'], ['PEXPIREAT', 'k', '33177117420000', 'GT'], ['PEXPIREAT', 'k', '33177117420000', 'LT'],
    ['PEXPIREAT', 'k', '33177117419999', 'LT'], ['PEXPIRETIME', 'k'],
    ['EXPIRE', 'k', '-1', 'LT'], ['EXISTS', 'k'],
    ['SET', 'k', 'v'], ['EXPIRE', 'k', '-1', 'LT'], ['EXISTS', 'k'], ['SET', 'k', 'v'], ['EXPIRE', 'k', '-1', 'XX'], ['EXISTS', 'k'], ['EXPIRE', 'k', '-1', 'NX'], ['EXISTS', 'k'],
  ]);
  diffCase('SET clears the TTL; expired keys read as missing', [
    ['SET', 'k', 'v'], ['EXPIRE', 'k', '100'], ['SET', 'k', 'w'], ['TTL', 'k'], ['SET', 'j', 'v'], ['PEXPIREAT', 'j', '1'], ['TTL', 'j'], ['PTTL', 'j'], ['TYPE', 'j'], ['PERSIST', 'j'],
  ]);
});

describe('DBSIZE FLUSHDB FLUSHALL SWAPDB', () => {
  diffCase('FLUSHDB only flushes the current db', [
    ['SET', A, '1'], ['SET', B, '1'], ['SET', C, '1'], ['MOVE', C, '1'], ['DBSIZE'], ['FLUSHDB'], ['DBSIZE'], ['SWAPDB', '0', '1'], ['DBSIZE'], ['GET', C],
    ['FLUSHDB', 'SYNC'], ['DBSIZE'], ['SET', A, '1'], ['FLUSHDB', 'async'], ['DBSIZE'], ['FLUSHDB', 'foo'], ['FLUSHDB', 'SYNC', 'ASYNC'], ['SWAPDB', '0', '1'], ['DBSIZE'],
  ]);
  diffCase('FLUSHALL flushes every db', [
    ['SET', A, '1'], ['SET', B, '1'], ['MOVE', B, '5'], ['SET', C, '1'], ['MOVE', C, '15'], ['FLUSHALL'], ['DBSIZE'], ['SWAPDB', '0', '5'], ['DBSIZE'], ['SWAPDB', '0', '15'], ['DBSIZE'],
    ['SET', A, '1'], ['FLUSHALL', 'ASYNC'], ['DBSIZE'], ['SET', A, '1'], ['FLUSHALL', 'sync'], ['DBSIZE'], ['FLUSHALL', 'x'], ['FLUSHALL', 'async', 'x'],
  ]);
  diffCase('SWAPDB errors', [
    ['SWAPDB', 'x', '1'], ['SWAPDB', '1', 'x'], ['SWAPDB', 'x', 'y'], ['SWAPDB', '0', '16'], ['SWAPDB', '-1', '0'], ['SWAPDB', '99999999999', '0'], ['SWAPDB', '0', '99999999999'],
    ['SWAPDB', '', '0'], ['SWAPDB', '16', 'x'], ['SWAPDB', '0', '0'], ['SWAPDB', '15', '15'],
  ]);
  diffCase('SWAPDB swaps every shard at once', [
    ['SET', A, 'a0'], ['SET', B, 'b0'], ['SET', C, 'c0'], ['MOVE', C, '1'], ['SET', D, 'd0'], ['MOVE', D, '1'],
    ['SWAPDB', '0', '1'], ['DBSIZE'], ['GET', A], ['GET', C], ['GET', D], ['KEYS', '*'], ['SWAPDB', '1', '0'], ['KEYS', '*'], ['DBSIZE'],
  ], opts);
  diffCase('DBSIZE counts across shards', [['DBSIZE'], ['SET', A, '1'], ['SET', B, '1'], ['SET', C, '1'], ['SET', D, '1'], ['SET', S1, '1'], ['DBSIZE'], ['DEL', A, C], ['DBSIZE']]);
});

// ---- SCAN ---------------------------------------------------------------------

async function scanAll(port: number, extra: string[]): Promise<string[]> {
  const c = await RawClient.connect(port);
  try {
    const seen: string[] = [];
    let cursor = '0';
    let calls = 0;
    do {
      const [r] = replyValue(await c.command('SCAN', cursor, ...extra));
      const [next, keys] = r as [string, string[]];
      cursor = next;
      seen.push(...keys);
      if (++calls > 100000) throw new Error('SCAN does not terminate');
    } while (cursor !== '0');
    return [...new Set(seen)].sort();
  } finally {
    c.close();
  }
}

describe('SCAN', () => {
  diffCase('argument errors', [
    ['SCAN', 'x'], ['SCAN', ' 1'], ['SCAN', '1x'], ['SCAN', '18446744073709551616'], ['SCAN', '-'], ['SCAN', '+'], ['SCAN', '0', 'COUNT'], ['SCAN', '0', 'COUNT', '0'], ['SCAN', '0', 'COUNT', '-1'],
    ['SCAN', '0', 'COUNT', 'x'], ['SCAN', '0', 'MATCH'], ['SCAN', '0', 'TYPE'], ['SCAN', '0', 'FOO', 'bar'], ['SCAN', '0', 'COUNT', '10', 'BAD'], ['SCAN', 'x', 'COUNT', '0'],
    ['SCAN', '0', 'COUNT', '99999999999999999999'],
  ]);
  diffCase('empty db', [['SCAN', '0'], ['SCAN', '0', 'MATCH', 'a*', 'COUNT', '100', 'TYPE', 'string']]);

  it('a full iteration returns every key, with MATCH, COUNT and TYPE', async () => {
    const cmds: Cmd[] = [];
    for (let i = 0; i < 300; i++) cmds.push(['SET', (i % 3 === 0 ? 'user:' : 'item:') + i, String(i)]);
    cmds.push(['SET', 'gone', 'x'], ['PEXPIREAT', 'gone', '1']);
    await compare(cmds);
    for (const extra of [[], ['COUNT', '1'], ['COUNT', '7'], ['COUNT', '1000'], ['MATCH', 'user:*'], ['MATCH', 'item:1?'], ['MATCH', '*', 'COUNT', '3'], ['TYPE', 'string'], ['TYPE', 'STRING', 'COUNT', '50'], ['TYPE', 'list'], ['TYPE', 'none'], ['MATCH', 'nothing*']]) {
      const [ours, theirs] = await Promise.all([scanAll(env.ours!.port, extra), scanAll(env.redis!.port, extra)]);
      expect(ours, `SCAN ... ${extra.join(' ')}`).toEqual(theirs);
    }
  });
});

// ---- randomized sequences ---------------------------------------------------------

/** Small deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomSequence(seed: number, n: number): Cmd[] {
  const r = rng(seed);
  const keys = ['k0', 'k1', 'k2', 'k3', 'k4', 'k5', '{t}a', '{t}b', 'n0', 'n1'];
  const pick = <T>(a: T[]): T => a[Math.floor(r() * a.length)];
  const key = () => pick(keys);
  const int = (lo: number, hi: number) => String(lo + Math.floor(r() * (hi - lo + 1)));
  const db = () => int(0, 3);
  const flags = () => pick([[], [], ['NX'], ['XX'], ['GT'], ['LT'], ['XX', 'GT'], ['XX', 'LT'], ['NX', 'XX'], ['GT', 'LT']]);
  const far = () => String(33177117420000 + Math.floor(r() * 1000) * 1000);
  const gens: (() => Cmd)[] = [
    () => ['SET', key(), pick(['v', 'hello', '1', '42', '-7', ''])],
    () => ['SET', key(), pick(['v', 'x']), 'EX', int(100, 900)],
    () => ['GET', key()],
    () => ['INCR', key()],
    () => ['APPEND', key(), 'z'],
    () => ['DEL', ...Array.from({ length: 1 + Math.floor(r() * 3) }, key)],
    () => ['UNLINK', key(), key()],
    () => ['EXISTS', ...Array.from({ length: 1 + Math.floor(r() * 4) }, key)],
    () => ['TOUCH', key(), key()],
    () => ['TYPE', key()],
    () => ['RENAME', key(), key()],
    () => ['RENAMENX', key(), key()],
    () => ['COPY', key(), key(), ...pick([[], ['REPLACE'], ['DB', db()], ['DB', db(), 'REPLACE']])],
    () => ['MOVE', key(), db()],
    () => ['EXPIRE', key(), int(100, 900), ...flags()],
    () => ['EXPIRE', key(), int(-5, 0), ...flags()],
    () => ['PEXPIRE', key(), int(100, 900) + '000', ...flags()],
    () => ['EXPIREAT', key(), String(Math.floor(Number(far()) / 1000)), ...flags()],
    () => ['PEXPIREAT', key(), far(), ...flags()],
    () => ['PERSIST', key()],
    () => ['TTL', key()],
    () => ['PTTL', key()],
    () => ['PEXPIRETIME', key()],
    () => ['EXPIRETIME', key()],
    () => ['DBSIZE'],
    () => ['KEYS', pick(['*', 'k*', '{t}*', 'n?', '*1'])],
    () => ['RANDOMKEY'],
    () => ['SWAPDB', db(), db()],
    () => (r() < 0.2 ? ['FLUSHDB'] : ['DBSIZE']),
  ];
  const out: Cmd[] = [];
  for (let i = 0; i < n; i++) out.push(pick(gens)());
  return out;
}

/** EXPIRETIME / PEXPIRETIME after a relative EXPIRE depend on the call's clock: compare them only when they came from an absolute time. */
function randomNormalize(reply: string, cmd: Cmd): string {
  const name = cmdName(cmd);
  if ((name === 'EXPIRETIME' || name === 'PEXPIRETIME') && reply[0] === ':') {
    const n = Number(reply.slice(1, -2));
    if (n > 0 && n < 33177117420) return ':relative';
    if (n > 0 && name === 'PEXPIRETIME' && n < 33177117420000) return ':relative';
  }
  return normalize(reply, cmd);
}

describe('randomized sequences', () => {
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    it(`seed ${seed}: 2000 commands agree`, async () => {
      await compare(randomSequence(seed, 2000), { normalize: randomNormalize });
    }, 120000);
  }
});
