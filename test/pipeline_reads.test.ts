// A long pipeline of reads and writes over keys of every shard (4 threads):
// each read sees the writes before it and replies come back in request order.
// Also over a keyspace large enough that the server reads ahead for a
// batch's lookups (Keyspace.prefetch), with SELECT and keyless commands mixed in.

import { it, expect, beforeAll, afterAll } from 'vitest';
import { RawClient, encodeCommand } from './helpers/resp.ts';
import { startServer, type RunningServer } from './helpers/server.ts';

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
