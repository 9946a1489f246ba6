// A long pipeline of reads and writes over keys of every shard (4 threads):
// each read sees the writes before it and replies come back in request order.
// Also over a keyspace large enough that the server reads ahead for a
// batch's lookups (Keyspace.prefetch), with SELECT and keyless commands mixed in.
// A client's run of commands for another shard travels as one frame and its
// replies as another (Channels.sendBatched): runs with replies switched off for
// some commands, and runs whose middle command waits for a lock.

import { it, expect, beforeAll, afterAll } from 'vitest';
import { RawClient, encodeCommand } from './helpers/resp.ts';
import { startServer, type RunningServer } from './helpers/server.ts';
import { keyShard } from '../src/router/slot.ts';
import { connectOffThread } from './helpers/threads.ts';

let srv: RunningServer;
beforeAll(async () => {
  srv = await startServer(['--server-threads', '4', '--enable-debug-command', 'yes']);
});
afterAll(async () => {
  await srv?.stop();
});

it('a pipeline of reads and writes over keys of every shard answers in request order', async () => {
  const c = await RawClient.connect(srv.port);
  const N = 400;
  const setup = Array.from({ length: N }, (_, i) => encodeCommand(['SET', `k${i}`, `v${i}`]));
  c.write(Buffer.concat(setup));
  for (let i = 0; i < N; i++) expect(await c.readReply()).toBe('+OK\r\n');
  // Mixed pipeline: GET k_i, and every 7th command a write whose effect the next read of that key must see.
  const cmds: string[][] = [];
  const expected: string[] = [];
  const model = new Map<string, string>();
  for (let i = 0; i < N; i++) model.set(`k${i}`, `v${i}`);
  let seed = 7;
  const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % N;
  for (let i = 0; i < 3000; i++) {
    const k = `k${rnd()}`;
    if (i % 7 === 0) {
      const v = `w${i}`;
      cmds.push(['SET', k, v]);
      model.set(k, v);
      expected.push('+OK\r\n');
    } else if (i % 11 === 0) {
      const k2 = `k${rnd()}`;
      cmds.push(['MGET', k, k2]);
      const a = model.get(k)!;
      const b = model.get(k2)!;
      expected.push(`*2\r\n$${a.length}\r\n${a}\r\n$${b.length}\r\n${b}\r\n`);
    } else {
      cmds.push(['GET', k]);
      const v = model.get(k)!;
      expected.push(`$${v.length}\r\n${v}\r\n`);
    }
  }
  c.write(Buffer.concat(cmds.map(encodeCommand)));
  for (let i = 0; i < cmds.length; i++) expect(await c.readReply()).toBe(expected[i]);
  c.close();
});

it('a pipeline over a large keyspace, with SELECT and keyless commands in it, answers in request order', async () => {
  const c = await RawClient.connect(srv.port);
  // 160k keys: about 40k a shard, past the size from which lookups are read ahead.
  expect(await c.command('DEBUG', 'POPULATE', '160000', 'big', '8')).toBe('+OK\r\n');
  const cmds: string[][] = [];
  const expected: string[] = [];
  let seed = 11;
  const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % 160000;
  const val = (j: number) => `value:${j}`.padEnd(8, '\0').slice(0, 8);
  const written = new Map<string, string>();
  let db = 0;
  for (let i = 0; i < 4000; i++) {
    const j = rnd();
    const k = `big:${j}`;
    switch (i % 9) {
      case 0:
        cmds.push(['PING']);
        expected.push('+PONG\r\n');
        break;
      case 1:
        db = db === 0 ? 1 : 0;
        cmds.push(['SELECT', String(db)]);
        expected.push('+OK\r\n');
        break;
      case 2: {
        const v = `w${i}`;
        cmds.push(['SET', k, v]);
        written.set(db + k, v);
        expected.push('+OK\r\n');
        break;
      }
      default: {
        cmds.push(['GET', k]);
        const v = written.get(db + k) ?? (db === 0 ? val(j) : undefined);
        expected.push(v === undefined ? '$-1\r\n' : `$${v.length}\r\n${v}\r\n`);
      }
    }
  }
  c.write(Buffer.concat(cmds.map(encodeCommand)));
  for (let i = 0; i < cmds.length; i++) expect(await c.readReply()).toBe(expected[i]);
  c.close();
});

for (const db of [0, 3]) it(`pipelines on one big hash and one big set (their members read ahead) answer in request order, db ${db}`, async () => {
  const c = await RawClient.connect(srv.port);
  // db 0 holds the 160k keys above (its lookups are read ahead too), db 3 only these two.
  expect(await c.command('SELECT', String(db))).toBe('+OK\r\n');
  // 40k fields / members: past the size from which member lookups are read ahead.
  const fill: Buffer[] = [];
  for (let i = 0; i < 40000; i += 1000) {
    const h = ['HSET', '{big}h'];
    const s = ['SADD', '{big}s'];
    for (let j = i; j < i + 1000; j++) h.push(`f${j}`, `v${j}`), s.push(`m${j}`);
    fill.push(encodeCommand(h), encodeCommand(s));
  }
  c.write(Buffer.concat(fill));
  for (let i = 0; i < fill.length; i++) expect(await c.readReply()).toBe(':1000\r\n');
  const hash = new Map<string, string>();
  const set = new Set<string>();
  for (let j = 0; j < 40000; j++) hash.set(`f${j}`, `v${j}`), set.add(`m${j}`);
  let seed = 5;
  const rnd = (n: number) => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n;
  const cmds: string[][] = [];
  const expected: string[] = [];
  for (let i = 0; i < 4000; i++) {
    const f = `f${rnd(50000)}`;
    const m = `m${rnd(50000)}`;
    // Runs on one key (the hash, then the set): whole batches on one collection.
    switch (i < 2000 ? i % 3 : 3 + (i % 3)) {
      case 0:
        cmds.push(['HSET', '{big}h', f, `w${i}`]);
        expected.push(hash.has(f) ? ':0\r\n' : ':1\r\n');
        hash.set(f, `w${i}`);
        break;
      case 1:
        cmds.push(['HDEL', '{big}h', f]);
        expected.push(hash.delete(f) ? ':1\r\n' : ':0\r\n');
        break;
      case 2: {
        cmds.push(['HGET', '{big}h', f]);
        const v = hash.get(f);
        expected.push(v === undefined ? '$-1\r\n' : `$${v.length}\r\n${v}\r\n`);
        break;
      }
      case 3:
        cmds.push(['SADD', '{big}s', m]);
        expected.push(set.has(m) ? ':0\r\n' : ':1\r\n');
        set.add(m);
        break;
      case 4:
        cmds.push(['SREM', '{big}s', m]);
        expected.push(set.delete(m) ? ':1\r\n' : ':0\r\n');
        break;
      default:
        cmds.push(['SISMEMBER', '{big}s', m]);
        expected.push(set.has(m) ? ':1\r\n' : ':0\r\n');
    }
  }
  c.write(Buffer.concat(cmds.map(encodeCommand)));
  for (let i = 0; i < cmds.length; i++) expect(await c.readReply()).toBe(expected[i]);
  expect(await c.command('HLEN', '{big}h')).toBe(`:${hash.size}\r\n`);
  expect(await c.command('SCARD', '{big}s')).toBe(`:${set.size}\r\n`);
  c.close();
});

/** n keys owned by shard `shard` of 4. */
function keysOn(shard: number, prefix: string, n: number): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < n; i++) if (keyShard(`${prefix}${i}`, 4) === shard) out.push(`${prefix}${i}`);
  return out;
}

it('a command sent on its own after a pipelined batch goes to its own key\'s shard, whatever the batch ended with', async () => {
  // The shards of a batch's keys are found once, as it is parsed ahead (Client.prefetch), and
  // dispatch takes them from there: a command that comes alone afterwards must not take the
  // batch's last one. For every pair of shards: a batch whose commands all end on one, then GETs
  // of keys on the other, each on its own.
  const c = await RawClient.connect(srv.port);
  for (let last = 0; last < 4; last++) {
    const batchKeys = keysOn(last, `alone${last}:`, 16);
    for (let other = 0; other < 4; other++) {
      if (other === last) continue;
      const [k] = keysOn(other, `alone${last}:${other}:`, 1);
      expect(await c.command('SET', k, `v${other}`)).toBe('+OK\r\n');
      c.write(Buffer.concat(batchKeys.map((b) => encodeCommand(['SET', b, 'x']))));
      for (let i = 0; i < batchKeys.length; i++) expect(await c.readReply()).toBe('+OK\r\n');
      expect(await c.command('GET', k)).toBe(`$2\r\nv${other}\r\n`);
      expect(await c.command('APPEND', k, '!')).toBe(':3\r\n');
    }
  }
  c.close();
});

it('runs of commands for one shard with CLIENT REPLY SKIP and errors inside answer in request order', async () => {
  const c = await RawClient.connect(srv.port);
  const cmds: string[][] = [];
  const expected: string[] = [];
  for (let shard = 0; shard < 4; shard++) {
    const [k1, k2, k3, h] = keysOn(shard, `run${shard}:`, 4);
    cmds.push(['HSET', h, 'f', 'v'], ['SET', k1, 'a'], ['CLIENT', 'REPLY', 'SKIP'], ['SET', k2, 'b'], ['INCR', h], ['SET', k3, 'c'], ['GET', k2], ['GET', k1]);
    expected.push(':1\r\n', '+OK\r\n', '-WRONGTYPE Operation against a key holding the wrong kind of value\r\n', '+OK\r\n', '$1\r\nb\r\n', '$1\r\na\r\n');
  }
  c.write(Buffer.concat(cmds.map(encodeCommand)));
  for (let i = 0; i < expected.length; i++) expect(await c.readReply()).toBe(expected[i]);
  expect(await c.command('PING')).toBe('+PONG\r\n');
  c.close();
});

/**
 * A script over keys a (shard 0) and b (shard 1) holds their locks for ~300 ms while it spins;
 * pipelines sent meanwhile run [SET p, GET a, SET q, GET q, GET p] on shard 0 (a is locked): p
 * runs at once, the rest waits behind a. Several clients, so that some are on threads the script
 * does not occupy. `meanwhile` runs while the script holds the locks.
 */
async function pipelinesBehindALock(prefix: string, aFirst: boolean, meanwhile: () => Promise<void>): Promise<void> {
  const [a, ...ps] = keysOn(0, `${prefix}:`, 17);
  const [b] = keysOn(1, `${prefix}1:`, 1);
  // The script runs on its client's thread (its keys span shards): not shard 0's, which then stays
  // free to run other work while a is locked.
  const s = await connectOffThread(srv.port, 0);
  expect(await s.command('SET', a, 'old')).toBe('+OK\r\n');
  const script = "redis.call('set', KEYS[1], 'x') redis.call('set', KEYS[2], 'x') local t = redis.call('time') repeat local n = redis.call('time') until (n[1] - t[1]) * 1000000 + (n[2] - t[2]) > 300000 return 1";
  const running = aFirst ? s.command('EVAL', script, '2', a, b) : s.command('EVAL', script, '2', b, a);
  await new Promise((r) => setTimeout(r, 50));
  const clients = await Promise.all(Array.from({ length: 8 }, () => RawClient.connect(srv.port)));
  for (let i = 0; i < clients.length; i++) {
    const p = ps[2 * i];
    const q = ps[2 * i + 1];
    clients[i].write(Buffer.concat([['SET', p, 'p'], ['GET', a], ['SET', q, 'q'], ['GET', q], ['GET', p]].map(encodeCommand)));
  }
  await meanwhile();
  for (const c of clients) {
    expect(await c.readReply()).toBe('+OK\r\n');
    expect(['$1\r\nx\r\n', '$3\r\nold\r\n']).toContain(await c.readReply());
    expect(await c.readReply()).toBe('+OK\r\n');
    expect(await c.readReply()).toBe('$1\r\nq\r\n');
    expect(await c.readReply()).toBe('$1\r\np\r\n');
    expect(await c.command('PING')).toBe('+PONG\r\n');
    c.close();
  }
  expect(await running).toBe(':1\r\n');
  s.close();
}

it('a run whose middle command waits for a lock answers in request order once the lock is released', async () => {
  await pipelinesBehindALock('lockrun', true, async () => {});
});

it('work waiting for a lock keeps its order while other transactions come and go on its shard', async () => {
  // With a client running cross-shard MSETs on other keys of shard 0 meanwhile: each one that ends
  // there runs the shard's waiting queue again while a is still locked, and a pipeline's commands
  // after GET a must stay behind it.
  const others0 = keysOn(0, 'lockpass0:', 40);
  const others2 = keysOn(2, 'lockpass2:', 40);
  await pipelinesBehindALock('lockpass', false, async () => {
    const d = await RawClient.connect(srv.port);
    // For most of the ~250 ms the script still holds a.
    const until = Date.now() + 200;
    for (let i = 0; Date.now() < until; i++) expect(await d.command('MSET', others0[i % 40], 'v', others2[i % 40], 'v')).toBe('+OK\r\n');
    d.close();
  });
});

it('commands run for another thread\'s client are timed from their own start, not from the run before', async () => {
  // A run of commands from another thread (and a pipeline step) reads the clock once per command:
  // each starts when the one before it in the run ended. A run that comes later must not start
  // from where the earlier one ended: with a pause between two runs, no command may take the
  // pause as its own time (slow log, INFO commandstats).
  const keys = keysOn(2, 'timed:', 8);
  const [other] = keysOn(3, 'timed3:', 1);
  const c = await connectOffThread(srv.port, 2);
  const admin = await RawClient.connect(srv.port);
  expect(await admin.command('CONFIG', 'SET', 'slowlog-log-slower-than', '200000')).toBe('+OK\r\n');
  expect(await admin.command('SLOWLOG', 'RESET')).toBe('+OK\r\n');
  try {
    for (let round = 0; round < 3; round++) {
      // A run of GETs and SETs on shard 2, then a split MSET in a pipeline (a pipeline step on each shard).
      const cmds = keys.flatMap((k) => [['SET', k, `v${round}`], ['GET', k]]);
      cmds.push(['MSET', keys[0], 'm', other, 'm'], ['GET', keys[0]]);
      c.write(Buffer.concat(cmds.map(encodeCommand)));
      for (let i = 0; i < keys.length; i++) {
        expect(await c.readReply()).toBe('+OK\r\n');
        expect(await c.readReply()).toBe(`$2\r\nv${round}\r\n`);
      }
      expect(await c.readReply()).toBe('+OK\r\n');
      expect(await c.readReply()).toBe('$1\r\nm\r\n');
      await new Promise((r) => setTimeout(r, 300));
    }
    expect(await admin.command('SLOWLOG', 'GET')).toBe('*0\r\n');
  } finally {
    expect(await admin.command('CONFIG', 'SET', 'slowlog-log-slower-than', '10000')).toBe('+OK\r\n');
    admin.close();
    c.close();
  }
});
