// A long pipeline of reads and writes over keys of every shard (4 threads):
// each read sees the writes before it and replies come back in request order.

import { it, expect, beforeAll, afterAll } from 'vitest';
import { RawClient, encodeCommand } from './helpers/resp.ts';
import { startServer, type RunningServer } from './helpers/server.ts';

let srv: RunningServer;
beforeAll(async () => {
  srv = await startServer(['--server-threads', '4']);
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
