// Scripting with 4 server threads: scripts stay atomic when they move values
// between keys owned by different shards (declared or not) while other
// clients read them; a busy script is reported to clients on other threads
// (BUSY) and killable from them (SCRIPT KILL / FUNCTION KILL, FUNCTION STATS);
// EVAL and FCALL on keys owned by another thread than the client's.

import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { Redis } from 'ioredis';
import { startServer, type RunningServer } from './helpers/server.ts';
import { RawClient } from './helpers/resp.ts';
import { keyShard } from '../src/router/slot.ts';

const THREADS = 4;
let srv: RunningServer;

/** Keys owned by pairwise different shards. */
function keysOnShards(prefix: string, n: number): string[] {
  const out: string[] = [];
  const used = new Set<number>();
  for (let i = 0; out.length < n; i++) {
    const k = `${prefix}${i}`;
    const s = keyShard(k, THREADS);
    if (!used.has(s)) {
      used.add(s);
      out.push(k);
    }
  }
  return out;
}

function connect(): Redis {
  return new Redis({ port: srv.port, host: '127.0.0.1', enableReadyCheck: false, maxRetriesPerRequest: 0 });
}

beforeAll(async () => {
  srv = await startServer(['--server-threads', String(THREADS)]);
});
afterAll(async () => {
  await srv?.stop();
});

const MOVE_DECLARED = `
local a = tonumber(redis.call('get', KEYS[1]))
local b = tonumber(redis.call('get', KEYS[2]))
local n = tonumber(ARGV[1])
redis.call('set', KEYS[1], a - n)
redis.call('set', KEYS[2], b + n)
return a - n + b + n`;

const MOVE_UNDECLARED = `
local a = tonumber(redis.call('get', ARGV[1]))
local b = tonumber(redis.call('get', ARGV[2]))
local n = tonumber(ARGV[3])
redis.call('set', ARGV[1], a - n)
redis.call('set', ARGV[2], b + n)
return a - n + b + n`;

describe('atomic scripts across shards', () => {
  it('moves between keys of different shards never show a torn state to MGET or to scripts', async () => {
    const [a, b, c, d] = keysOnShards('acct:', 4);
    const setup = connect();
    await setup.mset(a, 1000, b, 1000, c, 1000, d, 1000);
    let done = false;
    let reads = 0;
    const bad: string[] = [];
    const movers = Array.from({ length: 4 }, async (_, w) => {
      const r = connect();
      const pairs: [string, string][] = [
        [a, b],
        [b, c],
        [c, d],
        [d, a],
        [a, c],
        [b, d],
      ];
      for (let i = 0; i < 150; i++) {
        const [x, y] = pairs[(i + w) % pairs.length];
        const amount = String(((i * 7 + w) % 13) - 6);
        if (i % 2 === 0) await r.eval(MOVE_DECLARED, 2, x, y, amount);
        // Undeclared keys: the script runs under the global lock (after its first run escalated).
        else {
          const res = (await r.eval(MOVE_UNDECLARED, 0, x, y, amount).catch((e: Error) => e)) as number | Error;
          if (res instanceof Error) bad.push(res.message);
        }
      }
      r.disconnect();
    });
    const readers = Array.from({ length: 4 }, async (_, w) => {
      const r = connect();
      while (!done) {
        const vals = w % 2 === 0 ? await r.mget(a, b, c, d) : ((await r.eval("return redis.call('mget', KEYS[1], KEYS[2], KEYS[3], KEYS[4])", 4, a, b, c, d)) as string[]);
        const sum = vals.reduce((s, v) => s + Number(v), 0);
        reads++;
        if (sum !== 4000) bad.push(`torn read ${vals.join(',')}`);
      }
      r.disconnect();
    });
    await Promise.all(movers);
    done = true;
    await Promise.all(readers);
    const final = await setup.mget(a, b, c, d);
    setup.disconnect();
    expect(bad).toEqual([]);
    expect(reads).toBeGreaterThan(0);
    expect(final.reduce((s, v) => s + Number(v), 0)).toBe(4000);
  }, 60000);

  it('EVAL and FCALL on keys owned by another thread than the client', async () => {
    const keys = keysOnShards('own:', THREADS);
    const clients = Array.from({ length: 8 }, connect);
    await clients[0].function('LOAD', 'REPLACE', "#!lua name=owner\nredis.register_function('incr2', function(keys, args) return redis.call('incrby', keys[1], args[1]) end)");
    let expected = 0;
    for (let round = 0; round < 5; round++) {
      for (const c of clients) {
        for (const k of keys) {
          await c.eval("return redis.call('incr', KEYS[1])", 1, k);
          await c.fcall('incr2', 1, k, 2);
        }
        expected += 3;
      }
    }
    for (const k of keys) expect(Number(await clients[0].get(k))).toBe(expected);
    // One script over keys of every shard.
    const total = await clients[1].eval("local s = 0 for i, k in ipairs(KEYS) do s = s + redis.call('get', k) end return s", keys.length, ...keys);
    expect(total).toBe(expected * keys.length);
    for (const c of clients) c.disconnect();
  });
});

describe('redis.call arguments', () => {
  it('reach the command intact: binary, empty, numbers, and larger than the shared argument buffer', async () => {
    const c = connect();
    const bin = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    await c.eval("return redis.call('set', KEYS[1], ARGV[1])", 1, 'args:bin', bin);
    expect(Buffer.compare((await c.getBuffer('args:bin'))!, bin)).toBe(0);
    await c.eval("return redis.call('set', KEYS[1], '')", 1, 'args:empty');
    expect(await c.get('args:empty')).toBe('');
    // Lua numbers are passed as %.17g text, as Redis does.
    expect(await c.eval("return redis.call('incrby', KEYS[1], 5)", 1, 'args:n')).toBe(5);
    await c.eval("return redis.call('set', KEYS[1], 0.1)", 1, 'args:f');
    expect(await c.get('args:f')).toBe('0.10000000000000001');
    // 100 KB: past the 64 KB buffer, the arguments go as an array instead.
    const big = 'x'.repeat(100 * 1024);
    expect(await c.eval("redis.call('set', KEYS[1], ARGV[1]) return redis.call('strlen', KEYS[1])", 1, 'args:big', big)).toBe(big.length);
    expect(await c.get('args:big')).toBe(big);
    const many = Array.from({ length: 3000 }, (_, i) => 'm' + i);
    expect(await c.eval("return redis.call('sadd', KEYS[1], unpack(ARGV))", 1, 'args:set', ...many)).toBe(3000);
    c.disconnect();
  });
});

describe('undeclared keys take the global lock', () => {
  let uniq = 0;
  /** A body never seen before (its first run is the one that escalates). */
  const fresh = (body: string): string => `-- ${++uniq} ${Date.now()}\n${body}`;

  it('a first run escalates before writing, even under pcall, and the client keeps its order', async () => {
    const [a, b, c, d] = keysOnShards('esc:', 4);
    const clients = Array.from({ length: 8 }, connect);
    await clients[0].mset(a, 0, b, 0, c, 0, d, 0);
    const bad: string[] = [];
    await Promise.all(
      clients.map(async (r, w) => {
        for (let i = 0; i < 20; i++) {
          // A new script each time: its run on the owning shard of KEYS[1] reaches three undeclared keys
          // (pcall cannot keep it from stopping), then runs again holding every shard.
          const body = fresh(`
            local ok = pcall(redis.call, 'get', ARGV[1])
            for _, k in ipairs({ARGV[1], ARGV[2], ARGV[3]}) do redis.call('incr', k) end
            return redis.call('incr', KEYS[1])`);
          const p = r.pipeline();
          p.eval(body, 1, a, b, c, d);
          // Pipelined after it on the same shard: must see the script's effect.
          p.get(a);
          p.get(b);
          const res = (await p.exec())!;
          for (const [err] of res) if (err) bad.push(String(err.message));
          if (Number(res[1][1]) < Number(res[0][1])) bad.push(`order: ${res[0][1]} then GET ${res[1][1]} (worker ${w})`);
        }
      }),
    );
    expect(bad).toEqual([]);
    expect(await clients[0].mget(a, b, c, d)).toEqual(['160', '160', '160', '160']);
    for (const r of clients) r.disconnect();
  }, 60000);

  it('keyless scripts, functions, keyspace-wide commands and MULTI blocks with scripts', async () => {
    const keys = keysOnShards('kl:', 4);
    const r = connect();
    await r.function('LOAD', 'REPLACE', "#!lua name=glob\nredis.register_function('sumall', function(keys, args) local s = 0 for _, k in ipairs(args) do s = s + (tonumber(redis.call('get', k)) or 0) end return s end)");
    await r.mset(keys[0], 1, keys[1], 2, keys[2], 3, keys[3], 4);
    expect(await r.fcall('sumall', 0, ...keys)).toBe(10);
    expect(await r.eval("return redis.call('dbsize') > 0 and 1 or 0", 0)).toBe(1);
    expect(await r.eval(fresh("redis.call('set', ARGV[1], 'x') return redis.call('get', ARGV[2])"), 0, keys[0], keys[1])).toBe('2');
    await r.set(keys[0], 1);
    const m = r.multi();
    m.eval("return redis.call('incr', KEYS[1]) + redis.call('incr', KEYS[2])", 2, keys[0], keys[2]);
    m.eval(fresh("return redis.call('incr', ARGV[1])"), 0, keys[3]);
    m.fcall('sumall', 0, ...keys);
    expect(await m.exec()).toEqual([
      [null, 2 + 4],
      [null, 5],
      [null, 2 + 2 + 4 + 5],
    ]);
    r.disconnect();
  });
});

describe('busy scripts', () => {
  /** Connections until one is served by another thread than the busy one (it answers while the script runs). */
  async function otherThreadClient(probe: (c: RawClient) => Promise<string>): Promise<{ client: RawClient; reply: string; rest: RawClient[] }> {
    const rest: RawClient[] = [];
    for (let i = 0; i < 40; i++) {
      const c = await RawClient.connect(srv.port);
      const reply = await probe(c).catch(() => null);
      if (reply !== null) return { client: c, reply, rest };
      rest.push(c);
    }
    throw new Error('no connection on another thread answered');
  }

  it('BUSY for other clients, SCRIPT KILL from another thread ends the script', async () => {
    const admin = await RawClient.connect(srv.port);
    expect(await admin.command('CONFIG', 'SET', 'busy-reply-threshold', '100')).toBe('+OK\r\n');
    const runner = await RawClient.connect(srv.port);
    runner.write(Buffer.from('*3\r\n$4\r\nEVAL\r\n$39\r\nlocal i = 0 while true do i = i + 1 end\r\n$1\r\n0\r\n'));
    await new Promise((r) => setTimeout(r, 400));
    const { client, reply, rest } = await otherThreadClient((c) => {
      c.write(Buffer.from('*1\r\n$4\r\nPING\r\n'));
      return c.readReply(300);
    });
    expect(reply).toBe('-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n');
    expect(await client.command('FUNCTION', 'KILL')).toBe('-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n');
    expect(await client.command('FUNCTION', 'STATS')).toBe('-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n');
    expect(await client.command('SCRIPT', 'KILL')).toBe('+OK\r\n');
    const killed = await runner.readReply(5000);
    expect(killed).toMatch(/^-ERR Script killed by user with SCRIPT KILL\.\.\. script: [0-9a-f]{40}, on @user_script:1\.\r\n$/);
    expect(await client.command('PING')).toBe('+PONG\r\n');
    expect(await runner.command('PING')).toBe('+PONG\r\n');
    expect(await client.command('SCRIPT', 'KILL')).toBe('-NOTBUSY No scripts in execution right now.\r\n');
    for (const c of [admin, runner, client, ...rest]) c.close();
  }, 30000);

  it('a script that wrote is UNKILLABLE; it finishes and its writes stay', async () => {
    const admin = await RawClient.connect(srv.port);
    await admin.command('CONFIG', 'SET', 'busy-reply-threshold', '100');
    const runner = await RawClient.connect(srv.port);
    const script = "redis.call('set', KEYS[1], 'w') local i = 0 while i < 30000000 do i = i + 1 end return 'done'";
    runner.write(Buffer.from(`*4\r\n$4\r\nEVAL\r\n$${script.length}\r\n${script}\r\n$1\r\n1\r\n$6\r\nunkill\r\n`));
    await new Promise((r) => setTimeout(r, 300));
    const { client, rest } = await otherThreadClient((c) => {
      c.write(Buffer.from('*1\r\n$4\r\nPING\r\n'));
      return c.readReply(300);
    });
    const r = await client.command('SCRIPT', 'KILL');
    // The script may also have ended already on a fast machine.
    expect([
      '-UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.\r\n',
      '-NOTBUSY No scripts in execution right now.\r\n',
    ]).toContain(r);
    expect(await runner.readReply(30000)).toBe('$4\r\ndone\r\n');
    expect(await client.command('GET', 'unkill')).toBe('$1\r\nw\r\n');
    for (const c of [admin, runner, client, ...rest]) c.close();
  }, 60000);

  it('FUNCTION STATS shows the busy function, FUNCTION KILL ends it', async () => {
    const admin = await RawClient.connect(srv.port);
    await admin.command('CONFIG', 'SET', 'busy-reply-threshold', '100');
    await admin.command('FUNCTION', 'FLUSH');
    await admin.command('FUNCTION', 'LOAD', 'REPLACE', "#!lua name=busy\nredis.register_function('spin', function() while true do end end)");
    const runner = await RawClient.connect(srv.port);
    runner.write(Buffer.from('*4\r\n$5\r\nFCALL\r\n$4\r\nspin\r\n$1\r\n0\r\n$5\r\nextra\r\n'));
    await new Promise((r) => setTimeout(r, 400));
    const { client, reply, rest } = await otherThreadClient((c) => {
      c.write(Buffer.from('*2\r\n$8\r\nFUNCTION\r\n$5\r\nSTATS\r\n'));
      return c.readReply(300);
    });
    expect(reply).toMatch(/^\*4\r\n\$14\r\nrunning_script\r\n\*6\r\n\$4\r\nname\r\n\$4\r\nspin\r\n\$7\r\ncommand\r\n\*4\r\n\$5\r\nFCALL\r\n\$4\r\nspin\r\n\$1\r\n0\r\n\$5\r\nextra\r\n\$11\r\nduration_ms\r\n:\d+\r\n\$7\r\nengines\r\n/);
    expect(await client.command('GET', 'x')).toBe('-BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.\r\n');
    expect(await client.command('SCRIPT', 'KILL')).toBe('-BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.\r\n');
    expect(await client.command('FUNCTION', 'KILL')).toBe('+OK\r\n');
    expect(await runner.readReply(5000)).toBe('-ERR Script killed by user with SCRIPT KILL... script: spin, on @user_function:2.\r\n');
    expect(await client.command('FUNCTION', 'STATS')).toBe('*4\r\n$14\r\nrunning_script\r\n$-1\r\n$7\r\nengines\r\n*2\r\n$3\r\nLUA\r\n*4\r\n$15\r\nlibraries_count\r\n:1\r\n$15\r\nfunctions_count\r\n:1\r\n');
    await admin.command('FUNCTION', 'FLUSH');
    await admin.command('CONFIG', 'SET', 'busy-reply-threshold', '5000');
    for (const c of [admin, runner, client, ...rest]) c.close();
  }, 30000);
});
