// Speculative read batches (router/one_trip.ts) under concurrent writes and
// locks: a client's pipelined reads over two shards run their own shard's part
// at once and the other's in one frame, and are kept only when nothing on the
// client's shard changed meanwhile. Other clients must never see the
// difference: reads keep the writers' order (invariant 2), never see inside a
// script that holds their keys, and every command is counted once, whether its
// batch was kept or ran again the usual way.

import { it, expect, beforeAll, afterAll } from 'vitest';
import { RawClient, encodeCommand } from './helpers/resp.ts';
import { startServer, type RunningServer } from './helpers/server.ts';
import { keyOnShard, connectOn } from './helpers/threads.ts';

const THREADS = 4;
let srv: RunningServer;
beforeAll(async () => {
  srv = await startServer(['--server-threads', String(THREADS)]);
});
afterAll(async () => {
  await srv?.stop();
});

/** A key of `prefix` owned by shard `shard`. */
function keyOn(shard: number, prefix: string): string {
  return keyOnShard(shard, prefix, THREADS);
}

/** Connections on these threads, one after another (connectOn tells placements apart by counting). */
async function connectEach(threads: number[]): Promise<RawClient[]> {
  const out: RawClient[] = [];
  for (const t of threads) out.push(await connectOn(srv.port, t));
  return out;
}

/** Pipeline `cmds` and read their replies. */
async function pipeline(c: RawClient, cmds: string[][]): Promise<string[]> {
  c.write(Buffer.concat(cmds.map(encodeCommand)));
  const out: string[] = [];
  for (let i = 0; i < cmds.length; i++) out.push(await c.readReply());
  return out;
}

function intOf(reply: string): number {
  const m = /^\$\d+\r\n(\d+)\r\n$/.exec(reply);
  if (m === null) throw new Error(`not a number: ${JSON.stringify(reply)}`);
  return Number(m[1]);
}

it('a locked batch whose client is killed while it is in flight still runs, and its keys come free', async () => {
  // A script on shard 1's key keeps thread 1 busy ~300 ms. A client of thread 0 pipelines writes
  // alternating between a key of its own shard and keys of shard 1 (a locked batch: a0 locked here
  // while thread 1 is busy) and is killed at once (CLIENT KILL). Once thread 1 answers, the batch
  // must still run its part here and release a0: a later SET a0 answers, and the batch's writes
  // are all there.
  const a0 = keyOn(0, 'leavea');
  const [b1, c1] = [keyOn(1, 'leaveb'), keyOn(1, 'leavec')];
  const busy = keyOn(1, 'leavebusy');
  // Connected first: placing a connection asks every thread (INFO), and thread 1 will be busy.
  const [s, c, d] = await connectEach([0, 0, 0]);
  const id = /^:(\d+)/.exec(await c.command('CLIENT', 'ID'))![1];
  const script = "local t = redis.call('time') repeat local n = redis.call('time') until (n[1] - t[1]) * 1000000 + (n[2] - t[2]) > 300000 return redis.call('set', KEYS[1], 'done')";
  const running = s.command('EVAL', script, '1', busy);
  await new Promise((r) => setTimeout(r, 50));
  c.write(Buffer.concat([['SET', a0, '1'], ['SET', b1, '1'], ['SET', a0, '2'], ['SET', c1, '1'], ['SET', a0, '3']].map(encodeCommand)));
  await new Promise((r) => setTimeout(r, 20));
  expect(await d.command('CLIENT', 'KILL', 'ID', id)).toBe(':1\r\n');
  c.close();
  expect(await running).toBe('+OK\r\n');
  expect(await d.command('MGET', a0, b1, c1)).toBe('*3\r\n$1\r\n3\r\n$1\r\n1\r\n$1\r\n1\r\n');
  expect(await d.command('SET', a0, 'after')).toBe('+OK\r\n');
  expect(await d.command('GET', a0)).toBe('$5\r\nafter\r\n');
  s.close();
  d.close();
});

it('an ordered locked batch waits for its keys on the later shard, its own shard\'s writes hidden until then', async () => {
  // A script run by a client of thread 3 declares b (shard 1) and d (shard 3), which locks them, and spins ~300 ms,
  // thread 1 free meanwhile. A client of thread 0 pipelines writes alternating between a (shard 0,
  // its own) and keys of shard 1: a locked batch whose other shard comes after its own (ordered),
  // so a's writes run at once, a stays locked, and shard 1's part waits for b instead of being
  // refused. A reader of thread 2 that asks for a meanwhile must get a's last value only with c
  // written too; every SET runs once.
  const a = keyOn(0, 'ordera');
  const [b, c] = [keyOn(1, 'orderb'), keyOn(1, 'orderc')];
  const d = keyOn(3, 'orderd');
  const [s, w, r] = await connectEach([3, 0, 2]);
  const calls = async (): Promise<number> => Number(/^cmdstat_set:calls=(\d+),/m.exec((await r.command('INFO', 'commandstats')).replace(/\r/g, ''))?.[1] ?? 0);
  const before = await calls();
  const script = "local t = redis.call('time') repeat local n = redis.call('time') until (n[1] - t[1]) * 1000000 + (n[2] - t[2]) > 300000 return 1";
  const running = s.command('EVAL', script, '2', b, d);
  await new Promise((res) => setTimeout(res, 50));
  const writes = pipeline(w, [['SET', a, '1'], ['SET', b, 'x'], ['SET', a, '2'], ['SET', c, 'y'], ['SET', a, '3']]);
  await new Promise((res) => setTimeout(res, 30));
  const seenA = await r.command('GET', a);
  // c is not locked by the script: once a reads 3, the batch's write of c (after b's) must be in.
  const seenC = await r.command('GET', c);
  if (seenA === '$1\r\n3\r\n') expect(seenC).toBe('$1\r\ny\r\n');
  expect(await running).toBe(':1\r\n');
  expect(await writes).toEqual(['+OK\r\n', '+OK\r\n', '+OK\r\n', '+OK\r\n', '+OK\r\n']);
  expect(await r.command('MGET', a, b, c)).toBe('*3\r\n$1\r\n3\r\n$1\r\nx\r\n$1\r\ny\r\n');
  // The batch's five SETs, each once (its own shard's ran as it started, not again).
  expect((await calls()) - before).toBe(5);
  for (const x of [s, w, r]) x.close();
});

it('pipelined reads keep a writer\'s order across shards while it writes (invariant 2)', async () => {
  // The writer sets x (shard 0) then y (shard 1) to 1, 2, 3 ..., each once the one before it has
  // answered, through a connection on each key's own thread (so no message between the threads
  // carries the order: only the writer knows it). At every moment x >= y: a reader that saw y = n
  // must see x >= n in any later read of its pipeline, and no key may go back.
  const x = keyOn(0, 'ordx');
  const y = keyOn(1, 'ordy');
  const [wx, wy] = await connectEach([0, 1]);
  expect(await wx.command('MSET', x, '0', y, '0')).toBe('+OK\r\n');
  const readers = await connectEach([0, 1, 0, 1]);
  let stop = false;
  let n = 0;
  const writing = (async () => {
    while (!stop) {
      n++;
      expect(await wx.command('SET', x, String(n))).toBe('+OK\r\n');
      expect(await wy.command('SET', y, String(n))).toBe('+OK\r\n');
    }
  })();
  const reads: string[][] = [];
  for (let i = 0; i < 8; i++) reads.push(['GET', y], ['GET', x]);
  let batches = 0;
  await Promise.all(
    readers.map(async (r) => {
      for (let b = 0; b < 400; b++) {
        const replies = await pipeline(r, reads);
        let lastX = -1;
        let lastY = -1;
        for (let i = 0; i < replies.length; i++) {
          const v = intOf(replies[i]);
          if (reads[i][1] === y) {
            expect(v).toBeGreaterThanOrEqual(lastY);
            lastY = v;
          } else {
            expect(v).toBeGreaterThanOrEqual(lastX);
            // x was set to n before y was.
            expect(v).toBeGreaterThanOrEqual(lastY);
            lastX = v;
          }
        }
        batches++;
      }
    }),
  );
  stop = true;
  await writing;
  expect(batches).toBe(1600);
  expect(n).toBeGreaterThan(0);
  for (const c of [wx, wy, ...readers]) c.close();
});

it('pipelined writes over two shards become visible in order (invariant 2)', async () => {
  // The writer pipelines SET x n, SET y n, SET x n+1 ... (x on shard 0, its own thread's; y on
  // shard 1): batches of them run in one trip, y's part first on the other thread, x's here once
  // it is back, x's keys locked meanwhile. Readers read y, then x through a connection on x's own
  // thread once y's reply is in: x >= y always.
  const x = keyOn(0, 'wordx');
  const y = keyOn(1, 'wordy');
  const [w] = await connectEach([0]);
  expect(await w.command('MSET', x, '0', y, '0')).toBe('+OK\r\n');
  const pairs = await Promise.all([connectEach([1, 0]), connectEach([0, 0]), connectEach([1, 1])]);
  let stop = false;
  let n = 0;
  const writing = (async () => {
    for (let b = 0; b < 400; b++) {
      const cmds: string[][] = [];
      for (let i = 0; i < 8; i++) {
        n++;
        cmds.push(['SET', x, String(n)], ['SET', y, String(n)]);
      }
      for (const r of await pipeline(w, cmds)) expect(r).toBe('+OK\r\n');
    }
    stop = true;
  })();
  let checks = 0;
  await Promise.all(
    pairs.map(async ([ry, rx]) => {
      while (!stop) {
        const vy = intOf(await ry.command('GET', y));
        const vx = intOf(await rx.command('GET', x));
        expect(vx).toBeGreaterThanOrEqual(vy);
        checks++;
      }
    }),
  );
  await writing;
  expect(checks).toBeGreaterThan(0);
  expect(await w.command('MGET', x, y)).toBe(`*2\r\n$4\r\n${n}\r\n$4\r\n${n}\r\n`);
  for (const c of [w, ...pairs.flat()]) c.close();
});

it('pipelined reads never see inside a script that holds their keys', async () => {
  // The script runs on thread 3 (its keys span shards: it runs on its client's thread) and locks
  // a (shard 0) and b (shard 2); it sets a to 'mid', spins ~300 ms, then sets a and b to 'end'.
  // Readers on threads 0 and 1, free meanwhile, pipeline reads of a and of keys of shard 1 (not
  // locked): a must read 'start' or 'end', never 'mid', whichever thread owns it.
  const a = keyOn(0, 'lockeda');
  const b = keyOn(2, 'lockedb');
  const free = [keyOn(1, 'freeb'), keyOn(1, 'freec')];
  const s = await connectOn(srv.port, 3);
  expect(await s.command('SET', a, 'start')).toBe('+OK\r\n');
  expect(await s.command('MSET', free[0], 'f', free[1], 'f')).toBe('+OK\r\n');
  const script =
    "redis.call('set', KEYS[1], 'mid') local t = redis.call('time') repeat local n = redis.call('time') until (n[1] - t[1]) * 1000000 + (n[2] - t[2]) > 300000 redis.call('set', KEYS[1], 'end') redis.call('set', KEYS[2], 'end') return 1";
  const readers = await connectEach([0, 1, 0, 1]);
  const running = s.command('EVAL', script, '2', a, b);
  await new Promise((r) => setTimeout(r, 30));
  const seen = new Set<string>();
  await Promise.all(
    readers.map(async (r) => {
      for (let k = 0; k < 40; k++) {
        const cmds = [['GET', a], ['GET', free[0]], ['GET', a], ['GET', free[1]], ['GET', a], ['GET', free[0]]];
        const replies = await pipeline(r, cmds);
        for (let i = 0; i < replies.length; i += 2) {
          seen.add(replies[i]);
          expect(['$5\r\nstart\r\n', '$3\r\nend\r\n']).toContain(replies[i]);
          expect(replies[i + 1]).toBe('$1\r\nf\r\n');
        }
      }
    }),
  );
  expect(await running).toBe(':1\r\n');
  expect(seen.has('$3\r\nend\r\n')).toBe(true);
  s.close();
  for (const r of readers) r.close();
});

it('every pipelined command is counted once while batches run again the usual way', async () => {
  // Writers keep both shards changing, so some speculative batches are dropped and run again the
  // usual way: INFO must still count each GET once (calls, keyspace hits and misses, errors).
  const keys = [keyOn(0, 'cnta'), keyOn(1, 'cntb'), keyOn(0, 'cntc'), keyOn(1, 'cntd')];
  const list = keyOn(0, 'cntlist');
  const admin = await RawClient.connect(srv.port);
  expect(await admin.command('MSET', keys[0], '1', keys[1], '1')).toBe('+OK\r\n');
  expect(await admin.command('RPUSH', list, 'x')).toBe(':1\r\n');
  expect(await admin.command('CONFIG', 'RESETSTAT')).toBe('+OK\r\n');
  const writers = await connectEach([0, 1]);
  let stop = false;
  let sets = 0;
  // Each batch of SETs alternates between the shards: locked one-trip batches, whose locks make
  // some of the others' batches (and the readers') run again the usual way.
  const writes = [keys[0], keys[1], keys[2], keys[3], keys[0], keys[1]].map((k) => ['SET', k, 'v']);
  const writing = writers.map(async (w) => {
    while (!stop) {
      for (const r of await pipeline(w, writes)) expect(r).toBe('+OK\r\n');
      sets += writes.length;
    }
  });
  const readers = await connectEach([0, 1]);
  // Per batch: 12 GETs over both shards (one of a list: WRONGTYPE), all hits but that one.
  const reads = [keys[0], keys[1], keys[2], keys[3], list, keys[1], keys[0], keys[3], keys[2], keys[1], keys[0], keys[3]].map((k) => ['GET', k]);
  const BATCHES = 150;
  await Promise.all(
    readers.map(async (r) => {
      for (let b = 0; b < BATCHES; b++) {
        const replies = await pipeline(r, reads);
        expect(replies[4]).toBe('-WRONGTYPE Operation against a key holding the wrong kind of value\r\n');
      }
    }),
  );
  stop = true;
  await Promise.all(writing);
  const info = (await admin.command('INFO', 'everything')).replace(/\r/g, '');
  const gets = readers.length * BATCHES * reads.length;
  const wrongType = readers.length * BATCHES;
  expect(info).toMatch(new RegExp(`^cmdstat_get:calls=${gets},usec=[\\d.]+,usec_per_call=[\\d.]+,rejected_calls=0,failed_calls=${wrongType}$`, 'm'));
  expect(info).toMatch(new RegExp(`^errorstat_WRONGTYPE:count=${wrongType}$`, 'm'));
  expect(info).toMatch(new RegExp(`^cmdstat_set:calls=${sets},usec=[\\d.]+,usec_per_call=[\\d.]+,rejected_calls=0,failed_calls=0$`, 'm'));
  const hits = Number(/^keyspace_hits:(\d+)$/m.exec(info)![1]);
  const misses = Number(/^keyspace_misses:(\d+)$/m.exec(info)![1]);
  // GET of the list is a hit in Redis too (the lookup finds it, the type check fails after).
  expect(hits + misses).toBe(gets);
  admin.close();
  for (const c of [...writers, ...readers]) c.close();
});
