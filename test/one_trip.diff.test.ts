// Pipelined commands over keys of two shards, compared with redis-server 7.0
// byte for byte: with two threads our server runs such stretches as one-trip
// batches (router/one_trip.ts), the other shard's part in one frame: reads
// speculatively (its own part at once), writes under locks (its own part when
// the other's is back). The replies must still be Redis's, in request order,
// with every command counted once (INFO commandstats, errorstats and the
// keyspace hits and misses are compared too), and the data the same (DUMP).

import { describe, it, expect } from 'vitest';
import { prng } from './helpers/reply_tree.ts';
import { useDiff, onBoth, commandCounts, type Cmd } from './helpers/diff.ts';
import { encodeCommand } from './helpers/resp.ts';
import { keyShard } from '../src/router/slot.ts';

const THREADS = 2;
useDiff({ threads: THREADS });

/** n keys of each shard, by type prefix: s (strings), h (hashes), l (lists), z (sorted sets), t (sets). */
function keysOf(prefix: string, n: number): string[] {
  const out: string[] = [];
  const per = [0, 0];
  for (let i = 0; out.length < 2 * n; i++) {
    const k = `${prefix}${i}`;
    const s = keyShard(k, THREADS);
    if (per[s] < n) {
      per[s]++;
      out.push(k);
    }
  }
  return out;
}
const S = keysOf('s', 4);
const H = keysOf('h', 3);
const L = keysOf('l', 3);
const Z = keysOf('z', 3);
const T = keysOf('t', 3);
const MISSING = keysOf('missing', 2);

function setup(): Cmd[] {
  const cmds: Cmd[] = [];
  S.forEach((k, i) => cmds.push(['SET', k, `value-${i}-${'x'.repeat(i * 7)}`]));
  cmds.push(['SETBIT', S[0], '100', '1']);
  H.forEach((k, i) => cmds.push(['HSET', k, 'f1', `v${i}`, 'f2', String(i * 10), 'f3', 'x'.repeat(i)]));
  L.forEach((k, i) => cmds.push(['RPUSH', k, 'a', 'b', String(i), 'c', 'a']));
  Z.forEach((k, i) => cmds.push(['ZADD', k, '1', 'one', String(2 + i), 'two', '3.5', 'three']));
  T.forEach((k, i) => cmds.push(['SADD', k, '1', '2', String(30 + i)])); // integers: an intset, ordered in both servers
  cmds.push(['EXPIREAT', S[1], '4000000000'], ['PEXPIREAT', H[0], '4000000000123']);
  return cmds;
}

/** A read of a random key of either shard: every type's reads, on the right and the wrong type, and missing keys. */
function read(rand: () => number): Cmd {
  const pick = <T>(a: T[]): T => a[Math.floor(rand() * a.length)];
  const any = (): string => pick([...S, ...H, ...L, ...Z, ...T, ...MISSING]);
  const r = rand();
  if (r < 0.25) return ['GET', pick(rand() < 0.8 ? S : [...H, ...MISSING])];
  if (r < 0.3) return [pick(['STRLEN', 'TYPE', 'EXPIRETIME', 'PEXPIRETIME']), any()];
  if (r < 0.33) return ['GETRANGE', pick(S), '2', '-3'];
  if (r < 0.36) return [pick(['BITCOUNT', 'GETBIT']), pick(S), ...(rand() < 0.5 ? [] : ['100'])];
  if (r < 0.45) return ['HGET', pick([...H, ...S]), pick(['f1', 'f2', 'nope'])];
  if (r < 0.5) return [pick(['HGETALL', 'HLEN', 'HKEYS']), pick([...H, ...MISSING])];
  if (r < 0.53) return ['HMGET', pick(H), 'f1', 'nope', 'f3'];
  if (r < 0.6) return ['LRANGE', pick([...L, ...S]), '0', pick(['-1', '2'])];
  if (r < 0.64) return [pick(['LINDEX', 'LPOS']), pick(L), pick(['1', 'a', '-1'])];
  if (r < 0.67) return ['LLEN', any()];
  if (r < 0.73) return ['ZSCORE', pick(Z), pick(['one', 'two', 'nope'])];
  if (r < 0.77) return ['ZRANGE', pick([...Z, ...T]), '0', '-1', 'WITHSCORES'];
  if (r < 0.8) return [pick(['ZRANK', 'ZREVRANK']), pick(Z), pick(['three', 'nope'])];
  if (r < 0.83) return ['ZCOUNT', pick(Z), '1', '(3.5'];
  if (r < 0.88) return [pick(['SCARD', 'SMEMBERS']), pick([...T, ...MISSING])];
  if (r < 0.92) return ['SISMEMBER', pick([...T, ...L]), pick(['1', '31', 'zz'])];
  if (r < 0.94) return ['SMISMEMBER', pick(T), '1', 'no', '32'];
  if (r < 0.96) return ['GET']; // arity error: breaks the stretch
  if (r < 0.98) return ['GETRANGE', pick(S), 'x', '1']; // not an integer
  return ['TTL', pick(S)];
}

/** Mostly reads in long stretches, broken now and then by a write, a keyless command or SELECT. */
function sequence(seed: number, n: number): Cmd[] {
  const rand = prng(seed);
  const cmds: Cmd[] = [];
  for (let i = 0; i < n; i++) {
    const r = rand();
    if (r < 0.03) cmds.push(['SET', S[Math.floor(rand() * S.length)], `w${i}`]);
    else if (r < 0.04) cmds.push(['HINCRBY', H[Math.floor(rand() * H.length)], 'f2', '1']);
    else if (r < 0.05) cmds.push(['LPUSH', L[Math.floor(rand() * L.length)], `e${i}`]);
    else if (r < 0.055) cmds.push(['PING']);
    else if (r < 0.06) cmds.push(['SELECT', rand() < 0.7 ? '0' : '3']);
    else cmds.push(read(rand));
  }
  cmds.push(['SELECT', '0']);
  return cmds;
}

/** A write (or a read) of a random key of either shard, of every type, wrong types included: locked batches. */
function write(rand: () => number, i: number): Cmd {
  const pick = <T>(a: T[]): T => a[Math.floor(rand() * a.length)];
  const r = rand();
  if (r < 0.15) return ['SET', pick(S), `w${i}`];
  if (r < 0.22) return [pick(['INCR', 'DECR']), pick([...S, ...MISSING])];
  if (r < 0.26) return ['INCRBY', pick(MISSING), '5'];
  if (r < 0.3) return ['APPEND', pick(S), 'a'];
  if (r < 0.34) return ['GETSET', pick(S), `g${i}`];
  if (r < 0.38) return [pick(['SETNX', 'GETDEL']), pick(MISSING), ...(r < 0.36 ? ['n'] : [])];
  if (r < 0.44) return ['HSET', pick([...H, ...S]), pick(['f1', 'f4']), `h${i}`];
  if (r < 0.48) return ['HINCRBY', pick(H), 'f2', '3'];
  if (r < 0.54) return [pick(['LPUSH', 'RPUSH']), pick([...L, ...H]), `e${i}`];
  if (r < 0.58) return [pick(['LPOP', 'RPOP']), pick(L)];
  if (r < 0.63) return ['ZADD', pick(Z), String(i % 7), `m${i % 5}`];
  if (r < 0.66) return ['ZINCRBY', pick([...Z, ...L]), '1.5', 'one'];
  if (r < 0.71) return [pick(['SADD', 'SREM']), pick(T), String(i % 9)];
  if (r < 0.725) return ['EXPIREAT', pick(S), '4000000000'];
  if (r < 0.74) return ['PERSIST', pick(S)];
  if (r < 0.76) return ['SETRANGE', pick(S), '3', 'zz'];
  if (r < 0.78) return ['SET', pick(S), 'v', pick(['NX', 'XX', 'GET', 'EX'])]; // EX without its number: a syntax error
  return read(rand);
}

/** Writes mixed with reads in long stretches, now and then broken by a keyless command or SELECT. */
function writeSequence(seed: number, n: number): Cmd[] {
  const rand = prng(seed);
  const cmds: Cmd[] = [];
  for (let i = 0; i < n; i++) {
    const r = rand();
    if (r < 0.01) cmds.push(['PING']);
    else if (r < 0.02) cmds.push(['SELECT', rand() < 0.7 ? '0' : '3']);
    else cmds.push(write(rand, i));
  }
  cmds.push(['SELECT', '0']);
  // What every key holds at the end (a wrong-type reply where a write changed a key's type).
  for (const k of [...S, ...H, ...L, ...Z, ...T, ...MISSING]) cmds.push(['TYPE', k], ['EXPIRETIME', k]);
  for (const k of [...S, ...MISSING]) cmds.push(['GET', k]);
  for (const k of H) cmds.push(['HGETALL', k]);
  for (const k of L) cmds.push(['LRANGE', k, '0', '-1']);
  for (const k of Z) cmds.push(['ZRANGE', k, '0', '-1', 'WITHSCORES']);
  for (const k of T) cmds.push(['SMEMBERS', k]);
  return cmds;
}

/**
 * TTL of a key with an absolute expiry (EXPIREAT above) reads the wall clock:
 * the two servers run the same command a few milliseconds apart, so across a
 * second's rounding boundary their replies may differ by one.
 */
function sameTtl(cmd: Cmd, ours: string, redis: string): boolean {
  if (cmd[0] !== 'TTL') return false;
  const a = /^:(\d+)\r\n$/.exec(ours);
  const b = /^:(\d+)\r\n$/.exec(redis);
  return a !== null && b !== null && Math.abs(Number(a[1]) - Number(b[1])) <= 1;
}

async function run(body: Cmd[], resp3: boolean): Promise<void> {
  const all: Cmd[] = resp3 ? [['HELLO', '3'], ...body] : body;
  const [ours, redis] = await onBoth(async (c) => {
    for (const cmd of setup()) await c.command(...cmd);
    await c.command('CONFIG', 'RESETSTAT');
    c.write(Buffer.concat(all.map(encodeCommand)));
    const replies: string[] = [];
    for (let i = 0; i < all.length; i++) replies.push(await c.readReply());
    if (resp3) await c.command('HELLO', '2');
    return { replies, counts: await commandCounts(c) };
  });
  for (let i = 0; i < all.length; i++) {
    if (i === 0 && resp3) continue; // HELLO names the server
    if (ours.replies[i] !== redis.replies[i] && !sameTtl(all[i], ours.replies[i], redis.replies[i])) expect.fail(`reply ${i} differs for ${all[i].join(' ')}\n  ours:  ${JSON.stringify(ours.replies[i])}\n  redis: ${JSON.stringify(redis.replies[i])}`);
  }
  expect(ours.counts.filter((l) => !l.startsWith('hello '))).toEqual(redis.counts.filter((l) => !l.startsWith('hello ')));
}

describe('pipelined reads over two shards (speculative one-trip batches)', () => {
  for (const seed of [21, 22, 23]) {
    it(`seed ${seed}: 2000 pipelined commands, mostly reads${seed === 23 ? ', RESP3' : ''}`, async () => {
      await run(sequence(seed, 2000), seed === 23);
    }, 120000);
  }
});

describe('pipelined writes and reads over two shards (locked one-trip batches)', () => {
  for (const seed of [31, 32, 33]) {
    it(`seed ${seed}: 2000 pipelined commands, mostly writes${seed === 33 ? ', RESP3' : ''}`, async () => {
      await run(writeSequence(seed, 2000), seed === 33);
    }, 120000);
  }
});
