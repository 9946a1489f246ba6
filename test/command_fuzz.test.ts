// Hostile input at the command level (invariant 5): random commands from the
// table with random arguments, pipelined over keys of every shard (4 threads).
// Every request must get a well-formed reply, no handler may fail internally,
// and the server must keep serving. FUZZ_SEED / FUZZ_N change the seed and the
// number of commands (300k over 3 seeds passed by hand).

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

// Commands that would stop the server, block for long, or flood the test's own connection.
const SKIP = new Set(['shutdown', 'monitor', 'debug', 'client', 'quit', 'reset', 'subscribe', 'psubscribe', 'ssubscribe', 'multi', 'exec', 'watch', 'blpop', 'brpop', 'blmove', 'brpoplpush', 'blmpop', 'bzpopmin', 'bzpopmax', 'bzmpop', 'keydb.cron', 'config', 'function', 'script', 'eval', 'evalsha', 'eval_ro', 'evalsha_ro', 'fcall', 'fcall_ro', 'flushall', 'flushdb', 'swapdb', 'select', 'hello', 'auth', 'latency', 'slowlog', 'memory']);

it('survives 20k random commands with random arguments and never fails internally', async () => {
  const c = await RawClient.connect(srv.port);
  const list = (await c.command('COMMAND', 'LIST')).split('\r\n').filter((l, i) => i > 0 && !l.startsWith('$') && l !== '');
  const names = list.filter((n) => !SKIP.has(n.toLowerCase()));
  expect(names.length).toBeGreaterThan(100);
  let seed = Number(process.env.FUZZ_SEED ?? 4242);
  const rnd = (n: number) => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n;
  const pool = ['k1', 'k2', '{t}a', '{t}b', 'list', 'h', 's', 'z', '0', '1', '-1', '2', '10', '-5', '3.5', 'inf', '-inf', '+inf', '(1', '[a', '-', '+', 'nan', 'x'.repeat(70), '', 'WITHSCORES', 'LIMIT', 'COUNT', 'MATCH', '*', 'BYSCORE', 'BYLEX', 'REV', 'NX', 'XX', 'GT', 'LT', 'CH', 'INCR', 'GET', 'SET', 'INCRBY', 'OVERFLOW', 'SAT', 'u8', 'i64', '#1', 'LEFT', 'RIGHT', 'BEFORE', 'AFTER', 'ALPHA', 'DESC', 'STORE', 'BY', 'nosort', 'WEIGHTS', 'AGGREGATE', 'MAX', 'EX', 'PX', 'KEEPTTL', 'AND', 'OR', 'NOT', 'BIT', 'BYTE', 'TYPE', 'string', 'RANK', 'MAXLEN', 'IDX', 'LEN', 'REPLACE', 'DB', 'WITHVALUES', 'TIMEOUT', '9223372036854775807', '-9223372036854775808', '18446744073709551616', '0x10', '1e400'];
  const BATCH = 500;
  let internal = 0;
  for (let done = 0; done < Number(process.env.FUZZ_N ?? 20000); done += BATCH) {
    const cmds: string[][] = [];
    for (let i = 0; i < BATCH; i++) {
      const argv = [names[rnd(names.length)]];
      const n = rnd(7);
      for (let j = 0; j < n; j++) argv.push(pool[rnd(pool.length)]);
      cmds.push(argv);
    }
    c.write(Buffer.concat(cmds.map(encodeCommand)));
    for (let i = 0; i < BATCH; i++) {
      const r = await c.readReply(20000);
      if (r.includes('internal error')) internal++;
    }
  }
  expect(internal).toBe(0);
  expect(await c.command('PING')).toBe('+PONG\r\n');
  c.close();
  const d = await RawClient.connect(srv.port);
  expect(await d.command('SET', 'alive', '1')).toBe('+OK\r\n');
  d.close();
}, 120000);
