// Invariants under concurrency with 4 server threads (DESIGN.md):
// - per-client order across shards: a writer pipelines SET a i / SET b i
//   (keys on different shards); no reader ever sees b newer than a;
// - atomic multi-key commands across shards: MSET x i y i vs MGET x y.

import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { Redis } from 'ioredis';
import { startServer, type RunningServer } from './helpers/server.ts';
import { keyShard } from '../src/router/slot.ts';
import { RawClient, encodeCommand } from './helpers/resp.ts';

const THREADS = 4;
let srv: RunningServer;

/** Two keys owned by different shards. */
function keysOnDifferentShards(prefix: string): [string, string] {
  const a = prefix + 'a';
  for (let i = 0; ; i++) {
    const b = `${prefix}b${i}`;
    if (keyShard(b, THREADS) !== keyShard(a, THREADS)) return [a, b];
  }
}

function connect(): Redis {
  return new Redis({ port: srv.port, host: '127.0.0.1', enableReadyCheck: false });
}

/**
 * Six clients move items between a and b, 400 moves each (move: client,
 * from, to, move number, mover number), while `readers` atomic readers
 * (read: client, reader number; the sizes of a and b) count the reads whose
 * sizes do not add up to `total`.
 */
async function moveBackAndForth(
  a: string,
  b: string,
  total: number,
  readers: number,
  move: (c: Redis, from: string, to: string, i: number, m: number) => Promise<void>,
  read: (c: Redis, r: number) => Promise<[number, number]>,
): Promise<{ reads: number; torn: number }> {
  let done = false;
  let reads = 0;
  let torn = 0;
  const movers = Array.from({ length: 6 }, async (_, m) => {
    const c = connect();
    for (let i = 0; i < 400; i++) {
      if ((i + m) % 2 === 0) await move(c, a, b, i, m);
      else await move(c, b, a, i, m);
    }
    c.disconnect();
  });
  const readerRuns = Array.from({ length: readers }, async (_, r) => {
    const c = connect();
    while (!done) {
      const [x, y] = await read(c, r);
      reads++;
      if (x + y !== total) torn++;
    }
    c.disconnect();
  });
  await Promise.all(movers);
  done = true;
  await Promise.all(readerRuns);
  return { reads, torn };
}

beforeAll(async () => {
  srv = await startServer(['--server-threads', String(THREADS)]);
});
afterAll(async () => {
  await srv?.stop();
});

describe('invariants with 4 threads', () => {
  it('a client\'s writes become visible in order across shards', async () => {
    const [ka, kb] = keysOnDifferentShards('order:');
    const writer = connect();
    await writer.set(ka, 0);
    await writer.set(kb, 0);
    const ROUNDS = 4000;
    let done = false;
    let violations = 0;
    let reads = 0;
    const write = (async () => {
      for (let i = 1; i <= ROUNDS; i += 50) {
        const p = writer.pipeline();
        for (let j = i; j < i + 50; j++) p.set(ka, j).set(kb, j);
        await p.exec();
      }
      done = true;
    })();
    const readers = Array.from({ length: 6 }, async () => {
      const r = connect();
      while (!done) {
        // b first, then a: a must never be behind b.
        const res = await r.pipeline().get(kb).get(ka).exec();
        const b = Number(res![0][1]);
        const a = Number(res![1][1]);
        reads++;
        if (a < b) violations++;
      }
      r.disconnect();
    });
    await Promise.all([write, ...readers]);
    writer.disconnect();
    expect(reads).toBeGreaterThan(0);
    expect(violations).toBe(0);
  });

  it('MSET across shards is atomic for MGET readers', async () => {
    const [kx, ky] = keysOnDifferentShards('atomic:');
    const writers = Array.from({ length: 3 }, () => connect());
    await writers[0].mset(kx, 0, ky, 0);
    let done = false;
    let torn = 0;
    let reads = 0;
    const writing = writers.map(async (c, w) => {
      for (let i = 0; i < 1500; i++) await c.mset(kx, `${w}:${i}`, ky, `${w}:${i}`);
    });
    const readers = Array.from({ length: 4 }, async () => {
      const r = connect();
      while (!done) {
        const [x, y] = await r.mget(kx, ky);
        reads++;
        if (x !== y) torn++;
      }
      r.disconnect();
    });
    await Promise.all(writing);
    done = true;
    await Promise.all(readers);
    for (const c of writers) c.disconnect();
    expect(reads).toBeGreaterThan(0);
    expect(torn).toBe(0);
  });

  it('pipelined MSETs (pipeline transactions) stay atomic and in order for pipelined MGET readers, and count once each', async () => {
    // A writer pipelines MSET x v y v with a growing v, each followed by SET z v (z on yet another
    // shard); readers pipeline MGET x y, GET z, MGET x y: x and y always agree, and never run
    // behind a z that the writer set after them.
    const [kx, ky] = keysOnDifferentShards('patomic:');
    let kz = 'patomic:z';
    for (let i = 0; keyShard(kz, THREADS) === keyShard(kx, THREADS) || keyShard(kz, THREADS) === keyShard(ky, THREADS); i++) kz = `patomic:z${i}`;
    const admin = connect();
    await admin.mset(kx, 0, ky, 0, kz, 0);
    await admin.config('RESETSTAT');
    const writers = [connect()];
    let done = false;
    let bad = 0;
    let reads = 0;
    let msets = 0;
    const writing = writers.map(async (c) => {
      for (let round = 0; round < 100; round++) {
        const p = c.pipeline();
        for (let j = 0; j < 20; j++) {
          const v = round * 20 + j + 1;
          p.mset(kx, v, ky, v).set(kz, v);
          msets++;
        }
        await p.exec();
      }
    });
    const readers = Array.from({ length: 4 }, async () => {
      const r = connect();
      while (!done) {
        const res = (await r.pipeline().mget(kx, ky).get(kz).mget(kx, ky).exec())!;
        const [x1, y1] = res[0][1] as string[];
        const z = Number(res[1][1]);
        const [x2, y2] = res[2][1] as string[];
        reads++;
        if (x1 !== y1 || x2 !== y2) bad++;
        if (Number(x2) < z) bad++;
      }
      r.disconnect();
    });
    await Promise.all(writing);
    done = true;
    await Promise.all(readers);
    const stats = await admin.info('commandstats');
    const calls = /cmdstat_mset:calls=(\d+)/.exec(stats);
    for (const c of writers) c.disconnect();
    admin.disconnect();
    expect(reads).toBeGreaterThan(0);
    expect(bad).toBe(0);
    expect(Number(calls![1])).toBe(msets);
  });

  it('pipeline transactions that mostly queue behind each other (a small key pool on every shard): every client finishes, each sees its own writes, MGET x y never torn', async () => {
    // 24 writers pipeline MSETs over a pool of 12 keys spread over the shards (plus the pair x y):
    // nearly every step finds a key taken and waits, so the shards' queues hold many steps whose
    // blocking keys change as others run (LockTable.conflictAt's hint). Each writer's own counter
    // key must end at its last value; readers must never see x and y apart.
    const [kx, ky] = keysOnDifferentShards('contend:');
    const pool = Array.from({ length: 12 }, (_, i) => `contend:k${i}`);
    expect(new Set(pool.map((k) => keyShard(k, THREADS))).size).toBe(THREADS);
    const admin = connect();
    await admin.mset(kx, 0, ky, 0);
    let bad = 0;
    let reads = 0;
    let done = false;
    const writers = Array.from({ length: 24 }, async (_, w) => {
      const c = connect();
      const own = `contend:own${w}`;
      let seq = 0;
      for (let round = 0; round < 40; round++) {
        const p = c.pipeline();
        for (let j = 0; j < 8; j++) {
          seq++;
          const a = pool[(w + j) % pool.length];
          const b = pool[(w * 7 + j * 3 + round) % pool.length];
          p.mset(a, `${w}:${seq}`, b, `${w}:${seq}`, own, seq);
          if (j % 3 === 0) p.mset(kx, `${w}:${seq}`, ky, `${w}:${seq}`);
        }
        p.get(own);
        const res = (await p.exec())!;
        if (res.some(([e]) => e !== null) || Number(res[res.length - 1][1]) !== seq) bad++;
      }
      c.disconnect();
    });
    const readers = Array.from({ length: 3 }, async () => {
      const r = connect();
      while (!done) {
        const res = (await r.pipeline().mget(kx, ky).mget(...pool).mget(kx, ky).exec())!;
        const [x1, y1] = res[0][1] as string[];
        const [x2, y2] = res[2][1] as string[];
        reads++;
        if (x1 !== y1 || x2 !== y2) bad++;
      }
      r.disconnect();
    });
    await Promise.all(writers);
    done = true;
    await Promise.all(readers);
    expect(await admin.ping()).toBe('PONG');
    admin.disconnect();
    expect(reads).toBeGreaterThan(0);
    expect(bad).toBe(0);
  }, 60000);

  it('LMOVE / RPOPLPUSH back and forth across shards: atomic readers (MULTI, scripts) always count every element once, and none is lost', async () => {
    const [qa, qb] = keysOnDifferentShards('mv:');
    const items = Array.from({ length: 40 }, (_, i) => `e${i}`);
    const setup = connect();
    await setup.rpush(qa, ...items);
    const { reads, torn } = await moveBackAndForth(qa, qb, items.length, 3, async (c, from, to, i, m) => {
      // Both directions and both ends: the source's shard locks first one way, the destination's the other.
      if (i % 3 === 0) await c.rpoplpush(from, to);
      else await c.call('LMOVE', from, to, i % 2 === 0 ? 'LEFT' : 'RIGHT', m % 2 === 0 ? 'LEFT' : 'RIGHT');
    }, async (c, r) => {
      if (r === 0) return (await c.eval('return {redis.call("llen", KEYS[1]), redis.call("llen", KEYS[2])}', 2, qa, qb)) as [number, number];
      const res = await c.multi().llen(qa).llen(qb).exec();
      return [Number(res![0][1]), Number(res![1][1])];
    });
    const all = [...(await setup.lrange(qa, 0, -1)), ...(await setup.lrange(qb, 0, -1))].sort();
    setup.disconnect();
    expect(reads).toBeGreaterThan(0);
    expect(torn).toBe(0);
    expect(all).toEqual(items.sort());
  }, 60000);

  it('SMOVE back and forth across shards: atomic readers (MULTI) always count every member once, and none is lost', async () => {
    const [sa, sb] = keysOnDifferentShards('smv:');
    const members = Array.from({ length: 30 }, (_, i) => `m${i}`);
    const setup = connect();
    await setup.sadd(sa, ...members);
    const { reads, torn } = await moveBackAndForth(sa, sb, members.length, 2, async (c, from, to, i, m) => {
      await c.smove(from, to, members[(i * 7 + m) % members.length]);
    }, async (c) => {
      const res = await c.multi().scard(sa).scard(sb).exec();
      return [Number(res![0][1]), Number(res![1][1])];
    });
    const all = [...(await setup.smembers(sa)), ...(await setup.smembers(sb))].sort();
    setup.disconnect();
    expect(reads).toBeGreaterThan(0);
    expect(torn).toBe(0);
    expect(all).toEqual(members.sort());
  }, 60000);

  it('LMOVE and SMOVE across shards inside EXEC keep their keys locked to the end of the block (an element moved there and back is never seen moved)', async () => {
    const [qa, qb] = keysOnDifferentShards('xmv:');
    const [sa, sb] = keysOnDifferentShards('xsmv:');
    const setup = connect();
    await setup.rpush(qa, 'a1', 'a2', 'a3');
    await setup.sadd(sa, 'm1', 'm2');
    const { reads, torn } = await moveBackAndForth(qa, qb, 0, 2, async (c, _from, _to, i) => {
      // There and back in one block: nothing has moved once the block is done.
      if (i % 2 === 0) await c.multi().lmove(qa, qb, 'LEFT', 'LEFT').lmove(qb, qa, 'LEFT', 'LEFT').exec();
      else await c.multi().smove(sa, sb, 'm1').smove(sb, sa, 'm1').exec();
    }, async (c) => {
      const res = await c.multi().llen(qb).scard(sb).exec();
      return [Number(res![0][1]), Number(res![1][1])];
    });
    expect(await setup.lrange(qa, 0, -1)).toEqual(['a1', 'a2', 'a3']);
    expect((await setup.smembers(sa)).sort()).toEqual(['m1', 'm2']);
    setup.disconnect();
    expect(reads).toBeGreaterThan(0);
    expect(torn).toBe(0);
  }, 60000);

  it('DEL across shards removes all keys atomically', async () => {
    const c = connect();
    const keys = Array.from({ length: 40 }, (_, i) => `del:${i}`);
    const shards = new Set(keys.map((k) => keyShard(k, THREADS)));
    expect(shards.size).toBe(THREADS);
    await c.mset(...keys.flatMap((k) => [k, 'v']));
    expect(await c.exists(...keys)).toBe(40);
    expect(await c.del(...keys, 'missing')).toBe(40);
    expect(await c.exists(...keys)).toBe(0);
    c.disconnect();
  });

  it('MULTI INCR x INCR y EXEC and value-moving scripts (declared and undeclared keys) across shards: readers (MGET and scripts) never see a torn state (100k+ transactions)', async () => {
    const [kx, ky] = keysOnDifferentShards('multi:');
    const [kp, kq] = keysOnDifferentShards('move:');
    const WRITERS = 4;
    const PER_WRITER = 25000;
    const BATCH = 500;
    const MOVERS = 2;
    const MOVES = 5000;
    // Keyless scripts reaching the same keys through ARGV: they run under the global lock.
    const UNDECLARED_MOVES = 500;
    const TOTAL = 1000000;
    const setup = connect();
    await setup.set(kp, TOTAL);
    await setup.set(kq, 0);
    const move = "local v = redis.call('DECR', KEYS[1]) redis.call('INCR', KEYS[2]) return v";
    const sum = "return tonumber(redis.call('GET', KEYS[1])) + tonumber(redis.call('GET', KEYS[2]))";
    const moveUndeclared = "local v = redis.call('DECR', ARGV[1]) redis.call('INCR', ARGV[2]) return v";
    const block = Buffer.concat([encodeCommand(['MULTI']), encodeCommand(['INCR', kx]), encodeCommand(['INCR', ky]), encodeCommand(['EXEC'])]);
    let done = false;
    let torn = 0;
    let reads = 0;
    let execs = 0;
    let moves = 0;
    const writers = Array.from({ length: WRITERS }, async () => {
      const c = await RawClient.connect(srv.port);
      for (let sent = 0; sent < PER_WRITER; sent += BATCH) {
        c.write(Buffer.concat(Array.from({ length: BATCH }, () => block)));
        for (let i = 0; i < BATCH; i++) {
          for (let k = 0; k < 3; k++) await c.readReply(60000);
          const r = await c.readReply(60000);
          if (r.startsWith('*2\r\n')) execs++;
        }
      }
      c.close();
    });
    const movers = Array.from({ length: MOVERS }, async () => {
      const c = await RawClient.connect(srv.port);
      for (let sent = 0; sent < MOVES; sent += 100) {
        c.write(Buffer.concat(Array.from({ length: 100 }, () => encodeCommand(['EVAL', move, '2', kp, kq]))));
        for (let i = 0; i < 100; i++) if ((await c.readReply(60000)).startsWith(':')) moves++;
      }
      c.close();
    });
    const undeclaredMover = (async () => {
      const c = await RawClient.connect(srv.port);
      for (let sent = 0; sent < UNDECLARED_MOVES; sent += 100) {
        c.write(Buffer.concat(Array.from({ length: 100 }, () => encodeCommand(['EVAL', moveUndeclared, '0', kp, kq]))));
        for (let i = 0; i < 100; i++) if ((await c.readReply(60000)).startsWith(':')) moves++;
      }
      c.close();
    })();
    const readers = Array.from({ length: 4 }, async (_, n) => {
      const r = connect();
      while (!done) {
        if (n % 2 === 0) {
          const [x, y] = await r.mget(kx, ky);
          if (x !== y) torn++;
          const [p, q] = await r.mget(kp, kq);
          if (Number(p) + Number(q) !== TOTAL) torn++;
        } else {
          // A declared-key reader, and now and then a keyless one (global lock).
          const s = reads % 8 === 7 ? await r.eval(sum.replaceAll('KEYS', 'ARGV'), 0, kp, kq) : await r.eval(sum, 2, kp, kq);
          if (Number(s) !== TOTAL) torn++;
        }
        reads++;
      }
      r.disconnect();
    });
    await Promise.all([...writers, ...movers, undeclaredMover]);
    done = true;
    await Promise.all(readers);
    const [x, y] = await setup.mget(kx, ky);
    const [p, q] = await setup.mget(kp, kq);
    setup.disconnect();
    expect(execs).toBe(WRITERS * PER_WRITER);
    expect(moves).toBe(MOVERS * MOVES + UNDECLARED_MOVES);
    expect(Number(x)).toBe(WRITERS * PER_WRITER);
    expect(Number(y)).toBe(WRITERS * PER_WRITER);
    expect(Number(q)).toBe(MOVERS * MOVES + UNDECLARED_MOVES);
    expect(Number(p) + Number(q)).toBe(TOTAL);
    expect(reads).toBeGreaterThan(0);
    expect(torn).toBe(0);
  }, 300000);

  it('pipeline transactions among EXEC blocks, scripts (declared keys and the global lock), FLUSHALL and BLPOP: every client finishes, MGET x y never torn', async () => {
    // A fixed amount of work per client (a deadlock shows as the test's timeout), keys x, y and
    // s0..s11 spread over the shards.
    const keys = Array.from({ length: 12 }, (_, i) => `mix:s${i}`);
    const clients: Redis[] = [];
    const mk = (): Redis => {
      const c = connect();
      clients.push(c);
      return c;
    };
    let torn = 0;
    let pipelines = 0;
    const pipeliner = async (seed: number): Promise<void> => {
      const c = mk();
      for (let round = 0; round < 150; round++) {
        const p = c.pipeline();
        for (let j = 0; j < 16; j++) {
          const v = `${seed}:${round}:${j}`;
          const r = (seed * 31 + round * 7 + j * 13) % 10;
          if (r < 3) p.mset('mix:x', v, 'mix:y', v, keys[j % 12], v);
          else if (r < 5) p.mget('mix:x', 'mix:y');
          else if (r < 6) p.del(keys[(j * 5) % 12], keys[(j * 7) % 12]);
          else if (r < 7) p.exists(...keys.slice(0, 6));
          else p.set(keys[j % 12], v);
        }
        for (const [, val] of (await p.exec())!) if (Array.isArray(val) && val.length === 2 && val[0] !== null && val[1] !== null && val[0] !== val[1]) torn++;
        pipelines++;
      }
    };
    const execer = async (): Promise<void> => {
      const c = mk();
      for (let i = 0; i < 400; i++) await c.multi().set('mix:x', `e${i}`).set(keys[3], 'e').set('mix:y', `e${i}`).exec();
    };
    const evaler = async (undeclared: boolean): Promise<void> => {
      const c = mk();
      for (let i = 0; i < (undeclared ? 100 : 300); i++) {
        if (undeclared) await c.eval("redis.call('set', 'mix:x', ARGV[1]) redis.call('set', 'mix:y', ARGV[1]) return 1", 0, `u${i}`);
        else await c.eval("redis.call('set', KEYS[1], ARGV[1]) redis.call('set', KEYS[2], ARGV[1]) return 1", 2, 'mix:x', 'mix:y', `d${i}`);
      }
    };
    const flusher = async (): Promise<void> => {
      const c = mk();
      for (let i = 0; i < 10; i++) {
        await new Promise((r) => setTimeout(r, 50));
        await c.flushall();
      }
    };
    const blocker = async (): Promise<void> => {
      const c = mk();
      const d = mk();
      for (let i = 0; i < 200; i++) {
        const popped = c.blpop('mix:bl', 5);
        await d.pipeline().mset('mix:x', 'b', 'mix:y', 'b').lpush('mix:bl', 'v').mget('mix:x', 'mix:y').exec();
        // (FLUSHALL may take the element first: the wait then times out with a nil.)
        const got = await popped;
        if (got !== null) expect(got).toEqual(['mix:bl', 'v']);
      }
    };
    await Promise.all([...[1, 2, 3, 4].map(pipeliner), execer(), execer(), evaler(false), evaler(true), flusher(), blocker()]);
    for (const c of clients) c.disconnect();
    expect(pipelines).toBe(600);
    expect(torn).toBe(0);
  }, 120000);
});
