// The same server with server-threads 1 (no rings, every key local): a cross
// section of every family against redis-server, byte for byte, plus a
// randomized sequence.

import { describe, it } from 'vitest';
import { useDiff, diffCase, compare, type Cmd } from './helpers/diff.ts';

useDiff({ threads: 1 });

describe('server-threads 1', () => {
  diffCase('strings and keys', [
    ['SET', 'a', '1'], ['INCR', 'a'], ['APPEND', 'a', 'x'], ['GET', 'a'], ['MSET', 'b', '2', 'c', '3'], ['MGET', 'a', 'b', 'c', 'd'],
    ['EXPIRE', 'b', '100'], ['TTL', 'b'], ['PERSIST', 'b'], ['RENAME', 'b', 'e'], ['EXISTS', 'a', 'b', 'e'], ['DEL', 'a', 'e'], ['DBSIZE'], ['KEYS', '*'],
  ]);
  diffCase('lists, hashes, sets, sorted sets', [
    ['RPUSH', 'l', 'a', 'b', 'c'], ['LPOP', 'l'], ['LRANGE', 'l', '0', '-1'], ['LMOVE', 'l', 'l2', 'LEFT', 'RIGHT'],
    ['HSET', 'h', 'f', '1', 'g', '2'], ['HINCRBY', 'h', 'f', '5'], ['HGETALL', 'h'], ['OBJECT', 'ENCODING', 'h'],
    ['SADD', 's', '3', '1', '2'], ['SMEMBERS', 's'], ['SINTERSTORE', 'd', 's', 's'], ['OBJECT', 'ENCODING', 's'],
    ['ZADD', 'z', '1', 'a', '2', 'b', '1.5', 'c'], ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'], ['ZUNIONSTORE', 'zu', '2', 'z', 's'], ['ZRANGE', 'zu', '0', '-1', 'WITHSCORES'],
    ['SETBIT', 'bm', '7', '1'], ['BITCOUNT', 'bm'], ['SORT', 's'], ['TYPE', 'z'],
  ]);
  diffCase('transactions and blocking commands inside MULTI', [
    ['MULTI'], ['SET', 'x', '1'], ['BLPOP', 'nolist', '0'], ['INCR', 'x'], ['EXEC'],
    ['WATCH', 'x'], ['SET', 'x', '5'], ['MULTI'], ['GET', 'x'], ['EXEC'],
  ]);
  diffCase('scripting', [
    ['EVAL', "redis.call('set', KEYS[1], ARGV[1]) return redis.call('incrby', KEYS[1], 2)", '1', 'k', '40'],
    ['EVAL', 'return {1, 2, {3, "x"}, nil, 5}', '0'],
    ['EVAL', 'return redis.call("nosuch")', '0'],
    ['SCRIPT', 'LOAD', 'return 7'], ['EVALSHA', 'a7b4b1b8e4ef5d1e9ddc9b2d8d6d2d9e6e3b6a0f', '0'],
  ]);

  it('a randomized sequence over a small key space', async () => {
    let seed = 12345;
    const rnd = (n: number) => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n;
    const keys = ['k1', 'k2', 'k3', 'k4'];
    const k = () => keys[rnd(keys.length)];
    const gens: (() => Cmd)[] = [
      () => ['SET', k(), String(rnd(100))], () => ['GET', k()], () => ['INCR', k()], () => ['DEL', k(), k()], () => ['APPEND', k(), 'z'],
      () => ['LPUSH', k(), String(rnd(10))], () => ['RPOP', k()], () => ['LLEN', k()], () => ['SADD', k(), String(rnd(10))], () => ['SCARD', k()],
      () => ['HSET', k(), 'f' + rnd(3), String(rnd(10))], () => ['HLEN', k()], () => ['ZADD', k(), String(rnd(10)), 'm' + rnd(5)], () => ['ZCARD', k()],
      () => ['TYPE', k()], () => ['EXISTS', k(), k()], () => ['RENAME', k(), k()], () => ['MGET', k(), k(), k()], () => ['STRLEN', k()],
    ];
    const cmds: Cmd[] = [];
    for (let i = 0; i < 2000; i++) cmds.push(gens[rnd(gens.length)]());
    await compare(cmds);
  });
});
