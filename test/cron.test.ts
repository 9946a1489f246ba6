// KEYDB.CRON (KeyDB's scheduled Lua scripts) on our server with 4 threads:
// jobs are keys of type "cron" on the shard owning their name; their scripts
// may touch keys on any shard.

import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { RawClient } from './helpers/resp.ts';
import { startServer, type RunningServer } from './helpers/server.ts';

let srv: RunningServer;
let c: RawClient;

beforeAll(async () => {
  srv = await startServer(['--server-threads', '4']);
  c = await RawClient.connect(srv.port);
});
afterAll(async () => {
  c?.close();
  await srv?.stop();
});

async function eventually(cond: () => Promise<boolean>, ms = 10000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('condition not reached');
}

describe('KEYDB.CRON', () => {
  it('a single-shot job whose time has passed runs once and removes its key', async () => {
    await c.command('FLUSHALL');
    expect(await c.command('KEYDB.CRON', 'testjob', 'single', '0', '1', "redis.call('incr', KEYS[1])", '1', 'testkey')).toBe('+OK\r\n');
    await eventually(async () => (await c.command('GET', 'testkey')) === '$1\r\n1\r\n');
    await eventually(async () => (await c.command('EXISTS', 'testjob')) === ':0\r\n');
  });

  it('a repeating job runs when due, stays as a key of type cron, and its next run is in the future', async () => {
    await c.command('FLUSHALL');
    await c.command('KEYDB.CRON', 'testjob', 'repeat', '0', '1000000', "redis.call('incr', KEYS[1])", '1', 'testkey');
    await eventually(async () => (await c.command('GET', 'testkey')) === '$1\r\n1\r\n');
    expect(await c.command('EXISTS', 'testjob')).toBe(':1\r\n');
    expect(await c.command('TYPE', 'testjob')).toBe('+cron\r\n');
    expect(await c.command('DEL', 'testjob')).toBe(':1\r\n');
  });

  it('repeats every interval, with keys on several shards and arguments', async () => {
    await c.command('FLUSHALL');
    await c.command('KEYDB.CRON', 'rep', 'repeat', '50', "redis.call('incrby', KEYS[1], ARGV[1]) redis.call('incrby', KEYS[2], ARGV[1])", '2', 'ka', 'kb', '2');
    await eventually(async () => Number((await c.command('GET', 'kb')).split('\r\n')[1] ?? 0) >= 6);
    const [a, b] = (await c.command('MGET', 'ka', 'kb')).split('\r\n').filter((l) => /^\d+$/.test(l)).map(Number);
    expect(a % 2).toBe(0);
    expect(b).toBeGreaterThanOrEqual(6);
    await c.command('DEL', 'rep');
  });

  it('a job follows its key through RENAME and stops with DEL', async () => {
    await c.command('FLUSHALL');
    await c.command('KEYDB.CRON', 'j1', 'repeat', '30', "redis.call('incr', KEYS[1])", '1', 'n');
    await eventually(async () => Number((await c.command('GET', 'n')).split('\r\n')[1] ?? 0) >= 2);
    expect(await c.command('RENAME', 'j1', 'j2-other-name')).toBe('+OK\r\n');
    const before = Number((await c.command('GET', 'n')).split('\r\n')[1]);
    await eventually(async () => Number((await c.command('GET', 'n')).split('\r\n')[1]) >= before + 2);
    expect(await c.command('DEL', 'j2-other-name')).toBe(':1\r\n');
    expect(await c.command('EXISTS', 'j1', 'j2-other-name')).toBe(':0\r\n');
  });

  it('answers KeyDB\'s errors', async () => {
    expect(await c.command('KEYDB.CRON', 'j', 'bogus', '1', 's')).toBe('-ERR syntax error\r\n');
    expect(await c.command('KEYDB.CRON', 'j', 'single', '0', 's')).toBe('-ERR interval must be positive\r\n');
    expect(await c.command('KEYDB.CRON', 'j', 'single', 'x', 's')).toBe('-ERR missing expire time\r\n');
    expect(await c.command('KEYDB.CRON', 'j', 'single', '1', 's', '5', 'a')).toBe('-ERR Missing arguments or numkeys is too big\r\n');
    expect(await c.command('KEYDB.CRON', 'j', 'single', '1', 's', 'x')).toBe('-ERR value is not an integer or out of range\r\n');
    expect(await c.command('KEYDB.CRON', 'j', 'single', '1')).toBe("-ERR wrong number of arguments for 'keydb.cron' command\r\n");
  });
});
