// A 100 MB value crosses between threads (rings of 1 MB: it streams through
// in pieces) intact, while another client keeps being served.

import { it, expect, beforeAll, afterAll } from 'vitest';
import { Redis } from 'ioredis';
import { startServer, type RunningServer } from './helpers/server.ts';
import { keyShard } from '../src/router/slot.ts';

let srv: RunningServer;
beforeAll(async () => {
  srv = await startServer(['--server-threads', '2']);
});
afterAll(async () => {
  await srv?.stop();
});

it('a 100 MB value passes between threads both ways while other clients are served', async () => {
  const writer = new Redis({ port: srv.port, host: '127.0.0.1', enableReadyCheck: false });
  const other = new Redis({ port: srv.port, host: '127.0.0.1', enableReadyCheck: false });
  const big = Buffer.alloc(100 * 1024 * 1024);
  for (let i = 0; i < big.length; i += 4096) big[i] = i & 255;
  // Keys on both shards, so whichever thread accepted the connection, one of them is remote.
  const keys = ['big:a', 'big:b0'];
  for (let i = 1; keyShard(keys[1], 2) === keyShard(keys[0], 2); i++) keys[1] = 'big:b' + i;
  let served = 0;
  let stop = false;
  const pinger = (async () => {
    while (!stop) {
      await other.set('small', String(served));
      served++;
    }
  })();
  for (const k of keys) {
    expect(await writer.set(k, big)).toBe('OK');
    expect(await writer.strlen(k)).toBe(big.length);
    const back = await writer.getBuffer(k);
    expect(back!.equals(big)).toBe(true);
  }
  stop = true;
  await pinger;
  expect(served).toBeGreaterThan(0);
  writer.disconnect();
  other.disconnect();
}, 120000);
