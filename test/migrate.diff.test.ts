// A client that moves to another thread mid-stream (src/shards/migrate.ts),
// compared with redis-server 7.0 byte for byte: pipelined batches on the keys
// of the other thread's shard (every type, wrong types and errors included),
// in RESP3, in database 3, under a client name. Every reply must be Redis's,
// before, during and after the move, every command counted once (INFO
// commandstats, errorstats, keyspace hits and misses), and the client's
// name, database and protocol the same afterwards.

import { it, expect } from 'vitest';
import { prng } from './helpers/reply_tree.ts';
import { useDiff, commandCounts, type Cmd } from './helpers/diff.ts';
import { RawClient, encodeCommand } from './helpers/resp.ts';
import { connectOn, keyOnShard } from './helpers/threads.ts';
import { MIGRATE_AFTER } from '../src/shards/migrate.ts';

const THREADS = 2;
const env = useDiff({ threads: THREADS });

/** n keys of shard 0 with this prefix. */
function keys(prefix: string, n: number): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < n; i++) out.push(keyOnShard(0, `${prefix}${out.length}-${i}-`, THREADS));
  return out;
}
const S = keys('s', 3);
const L = keys('l', 2);
const H = keys('h', 2);
const Z = keys('z', 2);
const T = keys('t', 2);

/** A command on one of shard 0's keys: writes and reads of every type, on the right and the wrong type. */
function command(rand: () => number, i: number): Cmd {
  const pick = <T>(a: T[]): T => a[Math.floor(rand() * a.length)];
  const r = rand();
  if (r < 0.1) return ['SET', pick(S), `v${i}`];
  if (r < 0.16) return ['INCR', pick(S)];
  if (r < 0.2) return ['APPEND', pick(S), 'x'];
  if (r < 0.26) return ['GET', pick([...S, ...L])];
  if (r < 0.36) return [pick(['LPUSH', 'RPUSH']), pick([...L, ...S]), `e${i % 13}`];
  if (r < 0.42) return [pick(['LPOP', 'RPOP']), pick(L)];
  if (r < 0.46) return ['LRANGE', pick(L), '0', '4'];
  if (r < 0.54) return ['HSET', pick(H), `f${i % 7}`, `h${i}`];
  if (r < 0.58) return [pick(['HGETALL', 'HLEN']), pick([...H, ...Z])];
  if (r < 0.66) return ['ZADD', pick(Z), String(i % 11), `m${i % 9}`];
  if (r < 0.7) return ['ZRANGE', pick(Z), '0', '2', 'WITHSCORES'];
  if (r < 0.78) return [pick(['SADD', 'SREM']), pick(T), String(i % 17)];
  if (r < 0.82) return ['SMISMEMBER', pick(T), '1', '2', '3'];
  if (r < 0.85) return ['INCRBY', pick(S), 'x']; // not an integer
  if (r < 0.87) return ['GET']; // arity
  if (r < 0.9) return ['EXPIRE', pick(S), '100000'];
  if (r < 0.93) return ['TTL', pick(S)];
  return ['EXISTS', pick([...S, ...L, ...H])];
}

function migratedIn(info: string): number {
  let n = 0;
  for (const m of info.matchAll(/migrated_in=(\d+)/g)) n += Number(m[1]);
  return n;
}

it('a client moving to the thread that owns its keys mid-stream gets Redis\'s replies, counted once', async () => {
  const ours = await connectOn(env.ours!.port, 1);
  const redis = await RawClient.connect(env.redis!.port);
  try {
    const movedBefore = migratedIn(await ours.command('INFO', 'threads'));
    const rand = prng(41);
    const batches: Cmd[][] = [];
    for (let b = 0, i = 0; b < Math.ceil((MIGRATE_AFTER * 3) / 16); b++) {
      const batch: Cmd[] = [];
      for (let k = 0; k < 16; k++) batch.push(command(rand, i++));
      batches.push(batch);
    }
    const after: Cmd[] = [['CLIENT', 'GETNAME'], ['DBSIZE'], ['SELECT', '0'], ['DBSIZE'], ['SELECT', '3']];
    // What every key holds at the end (set members are integers: an intset, ordered in both servers).
    for (const k of [...S, ...L, ...H, ...Z, ...T]) after.push(['TYPE', k], ['TTL', k]);
    for (const k of S) after.push(['GET', k]);
    for (const k of L) after.push(['LRANGE', k, '0', '-1']);
    for (const k of H) after.push(['HGETALL', k]);
    for (const k of Z) after.push(['ZRANGE', k, '0', '-1', 'WITHSCORES']);
    for (const k of T) after.push(['SMEMBERS', k]);
    const [a, b] = await Promise.all(
      [ours, redis].map(async (c) => {
        await c.command('FLUSHALL');
        await c.command('CONFIG', 'RESETSTAT');
        const head = [await c.command('SELECT', '3'), await c.command('CLIENT', 'SETNAME', 'diffmover')];
        await c.command('HELLO', '3');
        const replies: string[] = [];
        for (const batch of batches) {
          c.write(Buffer.concat(batch.map(encodeCommand)));
          for (let i = 0; i < batch.length; i++) replies.push(await c.readReply());
        }
        for (const cmd of after) replies.push(await c.command(...cmd));
        await c.command('HELLO', '2');
        return { head, replies, counts: await commandCounts(c, ['info', 'config', 'hello', 'client|id']) };
      }),
    );
    expect(migratedIn(await ours.command('INFO', 'threads'))).toBe(movedBefore + 1);
    expect(a.head).toEqual(b.head);
    const all = [...batches.flat(), ...after];
    for (let i = 0; i < all.length; i++) {
      if (a.replies[i] !== b.replies[i]) expect.fail(`reply ${i} differs for ${all[i].join(' ')}\n  ours:  ${JSON.stringify(a.replies[i])}\n  redis: ${JSON.stringify(b.replies[i])}`);
    }
    expect(a.counts).toEqual(b.counts);
  } finally {
    ours.close();
    redis.close();
  }
}, 120000);
