// Server-family behaviours that cannot be compared byte for byte with a
// single-threaded redis-server: INFO sums over threads, CONFIG SET reaches
// every thread, the slow log merges the threads' logs, SHUTDOWN ends the
// process with exit code 0, DEBUG is refused unless enabled.

import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { RawClient } from './helpers/resp.ts';
import { startServer, type RunningServer } from './helpers/server.ts';
import { keyShard } from '../src/router/slot.ts';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const THREADS = 4;

/** The text of a bulk / verbatim reply. */
function text(r: string): string {
  const nl = r.indexOf('\r\n');
  const body = r.slice(nl + 2, r.length - 2);
  return r[0] === '=' ? body.slice(4) : body;
}

function infoFields(r: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of text(r).split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0 && !line.startsWith('#')) m.set(line.slice(0, i), line.slice(i + 1));
  }
  return m;
}

/** Keys spread so that every shard owns `per` of them. */
function keysOnEveryShard(prefix: string, per: number): string[] {
  const left = new Array<number>(THREADS).fill(per);
  const out: string[] = [];
  for (let i = 0; left.some((n) => n > 0); i++) {
    const k = `${prefix}${i}`;
    const s = keyShard(k, THREADS);
    if (left[s] > 0) {
      left[s]--;
      out.push(k);
    }
  }
  return out;
}

async function waitFor(cond: () => Promise<boolean>, ms = 5000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await cond()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return cond();
}

describe('server family on a 4-thread server', () => {
  let srv: RunningServer;
  let c: RawClient;
  beforeAll(async () => {
    srv = await startServer(['--server-threads', String(THREADS), '--enable-debug-command', 'yes']);
    c = await RawClient.connect(srv.port);
  }, 60000);
  afterAll(async () => {
    c?.close();
    await srv?.stop();
  });

  it('INFO keyspace and threads sum the shards', async () => {
    await c.command('FLUSHALL');
    const keys = keysOnEveryShard('k', 25);
    for (const k of keys) expect(await c.command('SET', k, 'v')).toBe('+OK\r\n');
    await c.command('SET', keys[0], 'v', 'EX', '1000');
    const ks = text(await c.command('INFO', 'keyspace'));
    expect(ks).toMatch(/^# Keyspace\r\ndb0:keys=100,expires=1,avg_ttl=\d+\r\n$/);
    const avg = Number(/avg_ttl=(\d+)/.exec(ks)![1]);
    expect(avg).toBeGreaterThan(990000);
    expect(avg).toBeLessThanOrEqual(1000000);
    const th = text(await c.command('INFO', 'threads'));
    const lines = th.split('\r\n').filter((l) => l.startsWith('thread_'));
    expect(lines.length).toBe(THREADS);
    let total = 0;
    for (let i = 0; i < THREADS; i++) {
      const m = new RegExp(`^thread_${i}:clients=(\\d+),ops=(\\d+),keys=(\\d+),migrated_in=(\\d+)$`).exec(lines[i]);
      expect(m, lines[i]).not.toBeNull();
      expect(Number(m![3])).toBe(25);
      total += Number(m![3]);
    }
    expect(total).toBe(100);
    // INFO everything carries our Threads section after Redis's.
    expect(text(await c.command('INFO', 'everything'))).toMatch(/# Keyspace\r\n[^#]*\r\n# Threads\r\n/);
  });

  it('INFO stats and commandstats count each command once, wherever it ran', async () => {
    expect(await c.command('CONFIG', 'RESETSTAT')).toBe('+OK\r\n');
    const keys = keysOnEveryShard('s', 2);
    for (const k of keys) await c.command('SET', k, '1');
    for (const k of keys) await c.command('GET', k);
    await c.command('GET', 'missing');
    await c.command('MSET', ...keys.flatMap((k) => [k, '2']));
    await c.command('DBSIZE');
    const stats = infoFields(await c.command('INFO', 'stats'));
    // RESETSTAT itself, 8 SET, 9 GET, MSET, DBSIZE.
    expect(stats.get('total_commands_processed')).toBe(String(1 + 8 + 9 + 1 + 1));
    expect(stats.get('keyspace_hits')).toBe('8');
    expect(stats.get('keyspace_misses')).toBe('1');
    const cmd = text(await c.command('INFO', 'commandstats'));
    expect(cmd).toMatch(/cmdstat_set:calls=8,/);
    expect(cmd).toMatch(/cmdstat_get:calls=9,/);
    expect(cmd).toMatch(/cmdstat_mset:calls=1,/);
    expect(cmd).toMatch(/cmdstat_dbsize:calls=1,/);
    expect(cmd).toMatch(/cmdstat_info:calls=1,/);
    expect(cmd).not.toMatch(/cmdstat___/);
  });

  it('INFO memory reports the heaps of all threads', async () => {
    const m = infoFields(await c.command('INFO', 'memory'));
    const used = Number(m.get('used_memory'));
    expect(used).toBeGreaterThan(THREADS * 1024 * 1024);
    expect(Number(m.get('used_memory_rss'))).toBeGreaterThan(used / 2);
    expect(Number(m.get('used_memory_peak'))).toBeGreaterThanOrEqual(used);
    expect(m.get('used_memory_human')).toMatch(/^\d+\.\d\dM$/);
    expect(m.get('mem_allocator')).toBe('node');
    const s = infoFields(await c.command('INFO', 'server'));
    expect(s.get('process_id')).toBe(String(srv.proc.pid));
    expect(s.get('tcp_port')).toBe(String(srv.port));
    expect(s.get('run_id')).toMatch(/^[0-9a-f]{40}$/);
    // One run id for the process, whichever thread answers.
    const ids = new Set<string>();
    for (let i = 0; i < 8; i++) {
      const x = await RawClient.connect(srv.port);
      ids.add(infoFields(await x.command('INFO', 'server')).get('run_id')!);
      x.close();
    }
    expect([...ids]).toEqual([s.get('run_id')]);
  });

  it('CONFIG SET reaches every thread (slow log on all shards)', async () => {
    expect(await c.command('CONFIG', 'SET', 'slowlog-log-slower-than', '0')).toBe('+OK\r\n');
    expect(await c.command('SLOWLOG', 'RESET')).toBe('+OK\r\n');
    const keys = keysOnEveryShard('cfg', 1);
    for (const k of keys) await c.command('SET', k, 'x');
    const r = await c.command('SLOWLOG', 'GET', '-1');
    for (const k of keys) expect(r).toContain(`$${k.length}\r\n${k}\r\n`);
    const len = Number((await c.command('SLOWLOG', 'LEN')).slice(1, -2));
    // SLOWLOG RESET, the SETs, SLOWLOG GET.
    expect(len).toBe(1 + keys.length + 1);
    // Every connection (whatever thread it landed on) sees the new value.
    for (let i = 0; i < 8; i++) {
      const x = await RawClient.connect(srv.port);
      expect(await x.command('CONFIG', 'GET', 'slowlog-log-slower-than')).toBe('*2\r\n$23\r\nslowlog-log-slower-than\r\n$1\r\n0\r\n');
      x.close();
    }
    expect(await c.command('CONFIG', 'SET', 'slowlog-log-slower-than', '10000')).toBe('+OK\r\n');
    await c.command('SLOWLOG', 'RESET');
  });

  it('SLOWLOG merges the threads newest first, with the client address', async () => {
    await c.command('SLOWLOG', 'RESET');
    await c.command('CONFIG', 'SET', 'slowlog-log-slower-than', '0');
    const keys = keysOnEveryShard('sl', 1);
    for (const k of keys) await c.command('GET', k);
    await c.command('CONFIG', 'SET', 'slowlog-log-slower-than', '10000');
    const r = await c.command('SLOWLOG', 'GET', '-1');
    const ids = [...r.matchAll(/\*6\r\n:(\d+)\r\n/g)].map((m) => Number(m[1]));
    expect(ids.length).toBeGreaterThanOrEqual(keys.length + 1);
    for (let i = 1; i < ids.length; i++) expect(ids[i]).toBeLessThan(ids[i - 1]);
    // Every GET entry names this client's address (the entries of other threads are resolved too).
    const addrs = [...r.matchAll(/\*2\r\n\$3\r\nGET\r\n\$\d+\r\n[^\r]*\r\n\$\d+\r\n([^\r]*)\r\n/g)].map((m) => m[1]);
    expect(addrs.length).toBe(keys.length);
    expect(new Set(addrs).size).toBe(1);
    expect(addrs[0]).toMatch(/^127\.0\.0\.1:\d+$/);
    await c.command('SLOWLOG', 'RESET');
  });

  it('DEBUG SLEEP shows in the slow log and the latency monitor', async () => {
    await c.command('SLOWLOG', 'RESET');
    await c.command('LATENCY', 'RESET');
    await c.command('CONFIG', 'SET', 'latency-monitor-threshold', '10');
    expect(await c.command('DEBUG', 'SLEEP', '0.05')).toBe('+OK\r\n');
    const r = await c.command('SLOWLOG', 'GET', '1');
    const m = /^\*1\r\n\*6\r\n:\d+\r\n:\d+\r\n:(\d+)\r\n\*3\r\n\$5\r\nDEBUG\r\n\$5\r\nSLEEP\r\n\$4\r\n0\.05\r\n/.exec(r);
    expect(m, r).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThanOrEqual(50000);
    const latest = await c.command('LATENCY', 'LATEST');
    const lm = /^\*1\r\n\*4\r\n\$7\r\ncommand\r\n:\d+\r\n:(\d+)\r\n:(\d+)\r\n$/.exec(latest);
    expect(lm, latest).not.toBeNull();
    expect(Number(lm![1])).toBeGreaterThanOrEqual(50);
    expect(text(await c.command('LATENCY', 'DOCTOR'))).toMatch(/^Dave, I have observed latency spikes in this Redis instance\./);
    await c.command('CONFIG', 'SET', 'latency-monitor-threshold', '0');
    expect(await c.command('LATENCY', 'RESET')).toBe(':1\r\n');
    await c.command('SLOWLOG', 'RESET');
  });

  it('DEBUG SLEEP holds commands on every shard until it ends', async () => {
    const keys = keysOnEveryShard('sleep', 1);
    const others = await Promise.all(keys.map(() => RawClient.connect(srv.port)));
    const t0 = performance.now();
    const sleeper = c.command('DEBUG', 'SLEEP', '0.5');
    // Once the sleep holds the shards, a write to any of them completes only when it ends
    // (a lower bound: a loaded machine can only make it later).
    await new Promise((r) => setTimeout(r, 100));
    const done = await Promise.all(
      keys.map(async (k, i) => {
        expect(await others[i].command('SET', k, '1')).toBe('+OK\r\n');
        return performance.now() - t0;
      }),
    );
    expect(await sleeper).toBe('+OK\r\n');
    for (const ms of done) expect(ms).toBeGreaterThanOrEqual(480);
    for (const o of others) o.close();
  });

  it('a cross-shard command counts the time it ran, not its waits for locks and other threads', async () => {
    await c.command('CONFIG', 'SET', 'slowlog-log-slower-than', '200000');
    await c.command('SLOWLOG', 'RESET');
    await c.command('CONFIG', 'RESETSTAT');
    const keys = keysOnEveryShard('waits', 1);
    const mset = ['MSET', ...keys.flatMap((k) => [k, 'v'])];
    // Several connections, so that some are on threads the sleep does not block: their MSET
    // starts at once and waits ~400 ms for the locks DEBUG SLEEP holds on every shard.
    const others = await Promise.all(Array.from({ length: 8 }, () => RawClient.connect(srv.port)));
    const sleeper = c.command('DEBUG', 'SLEEP', '0.5');
    await new Promise((r) => setTimeout(r, 100));
    const t0 = performance.now();
    const replies = await Promise.all(others.map((o) => o.command(...mset)));
    const waited = performance.now() - t0;
    expect(await sleeper).toBe('+OK\r\n');
    for (const r of replies) expect(r).toBe('+OK\r\n');
    expect(waited).toBeGreaterThanOrEqual(300);
    const stats = text(await c.command('INFO', 'commandstats'));
    const m = /cmdstat_mset:calls=8,usec=\d+,usec_per_call=([\d.]+)/.exec(stats);
    expect(m, stats).not.toBeNull();
    expect(Number(m![1])).toBeLessThan(100000);
    expect(text(await c.command('SLOWLOG', 'GET', '128'))).not.toMatch(/MSET/);
    await c.command('CONFIG', 'SET', 'slowlog-log-slower-than', '10000');
    for (const o of others) o.close();
  });

  it('DEBUG SET-ACTIVE-EXPIRE switches active expiry on every thread', async () => {
    await c.command('FLUSHALL');
    expect(await c.command('DEBUG', 'SET-ACTIVE-EXPIRE', '0')).toBe('+OK\r\n');
    const keys = keysOnEveryShard('ttl', 5);
    for (const k of keys) await c.command('SET', k, 'v', 'PX', '10');
    // Several expire cycles (hz 10) pass; nothing touches the keys.
    await new Promise((r) => setTimeout(r, 400));
    expect(await c.command('DBSIZE')).toBe(`:${keys.length}\r\n`);
    expect(await c.command('DEBUG', 'SET-ACTIVE-EXPIRE', '1')).toBe('+OK\r\n');
    const gone = await waitFor(async () => (await c.command('DBSIZE')) === ':0\r\n', 10000);
    if (!gone) console.log(await c.command('DBSIZE'), text(await c.command('INFO', 'keyspace')), infoFields(await c.command('INFO', 'stats')).get('expired_keys'), text(await c.command('INFO', 'threads')), await c.command('CONFIG', 'GET', 'hz'));
    expect(gone).toBe(true);
  });

  it('active expiry keeps scanning a database after a pass that expired nothing', async () => {
    await c.command('FLUSHALL');
    const keys = keysOnEveryShard('later', 3);
    for (const k of keys) await c.command('SET', k, 'v', 'PX', '1000');
    // Expire cycles run over the keys while they are still alive, then they expire
    // without anyone touching them.
    await new Promise((r) => setTimeout(r, 300));
    expect(await c.command('DBSIZE')).toBe(`:${keys.length}\r\n`);
    expect(await waitFor(async () => (await c.command('DBSIZE')) === ':0\r\n', 10000)).toBe(true);
  });

  it('MEMORY STATS and DOCTOR describe the whole server', async () => {
    await c.command('FLUSHALL');
    await c.command('DEBUG', 'POPULATE', '100');
    const r = await c.command('MEMORY', 'STATS');
    const t = r.split('\r\n');
    const field = (name: string): string => t[t.indexOf(name) + 1];
    expect(field('keys.count')).toBe(':100');
    expect(Number(field('total.allocated').slice(1))).toBeGreaterThan(THREADS * 1024 * 1024);
    expect(r).toContain('$4\r\ndb.0\r\n*6\r\n$23\r\noverhead.hashtable.main\r\n');
    const doc = text(await c.command('MEMORY', 'DOCTOR'));
    expect(doc).toMatch(/^(Hi Sam, I can't find any memory issue|Sam, I detected a few issues in this Redis instance memory implants:\n\n \* [\s\S]*I'm here to keep you safe, Sam\. I want to help you\.\n$)/);
  });

  it('DEBUG POPULATE creates keys on every shard', async () => {
    await c.command('FLUSHALL');
    expect(await c.command('DEBUG', 'POPULATE', '1000', 'pop', '16')).toBe('+OK\r\n');
    expect(await c.command('DBSIZE')).toBe(':1000\r\n');
    const th = text(await c.command('INFO', 'threads'));
    for (const m of th.matchAll(/keys=(\d+)/g)) expect(Number(m[1])).toBeGreaterThan(100);
    expect(await c.command('GET', 'pop:999')).toBe('$16\r\nvalue:999' + '\0'.repeat(7) + '\r\n');
  });

  it('MEMORY USAGE grows with the value', async () => {
    await c.command('SET', 'small', 'x');
    await c.command('SET', 'large', 'x'.repeat(10000));
    const small = Number((await c.command('MEMORY', 'USAGE', 'small')).slice(1, -2));
    const large = Number((await c.command('MEMORY', 'USAGE', 'large')).slice(1, -2));
    expect(small).toBeGreaterThan(0);
    expect(large).toBeGreaterThan(small + 10000 - 64);
    expect(large).toBeLessThan(small + 10000 + 256);
  });

  it('COMMAND COUNT and TIME', async () => {
    const count = Number((await c.command('COMMAND', 'COUNT')).slice(1, -2));
    const list = await c.command('COMMAND', 'LIST');
    const top = [...list.matchAll(/\$\d+\r\n([^\r]*)\r\n/g)].map((m) => m[1]).filter((n) => !n.includes('|'));
    expect(count).toBe(top.length);
    const t = /^\*2\r\n\$\d+\r\n(\d+)\r\n\$\d+\r\n(\d+)\r\n$/.exec(await c.command('TIME'));
    expect(t).not.toBeNull();
    expect(Math.abs(Number(t![1]) - Date.now() / 1000)).toBeLessThan(5);
    expect(Number(t![2])).toBeLessThan(1000000);
  });
});

describe('DEBUG gate', () => {
  it('DEBUG is refused unless enable-debug-command allows it', async () => {
    const srv = await startServer(['--server-threads', '2']);
    const c = await RawClient.connect(srv.port);
    try {
      expect(await c.command('DEBUG', 'SLEEP', '0')).toBe(
        '-ERR DEBUG command not allowed. If the enable-debug-command option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.\r\n',
      );
    } finally {
      c.close();
      await srv.stop();
    }
    const local = await startServer(['--server-threads', '2', '--enable-debug-command', 'local']);
    const l = await RawClient.connect(local.port);
    try {
      expect(await l.command('DEBUG', 'SLEEP', '0')).toBe('+OK\r\n');
    } finally {
      l.close();
      await local.stop();
    }
  });
});

describe('CONFIG REWRITE', () => {
  it('CONFIG SET then CONFIG REWRITE writes the new values into the config file', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'server-test-'));
    const file = path.join(dir, 'keydb.conf');
    writeFileSync(file, '# test config\nhz 10\nslowlog-max-len 128\n');
    const srv = await startServer(['--server-threads', '2'], { configFile: file });
    const c = await RawClient.connect(srv.port);
    try {
      expect(await c.command('CONFIG', 'SET', 'hz', '25', 'slowlog-max-len', '64')).toBe('+OK\r\n');
      expect(await c.command('CONFIG', 'REWRITE')).toBe('+OK\r\n');
      const text = readFileSync(file, 'latin1');
      expect(text).toMatch(/^hz 25$/m);
      expect(text).toMatch(/^slowlog-max-len 64$/m);
      expect(text).toContain('# test config');
      expect(infoFields(await c.command('INFO', 'server')).get('config_file')).toBe(file);
    } finally {
      c.close();
      await srv.stop();
    }
  });
});

describe('CONFIG SET of a setting whose feature is missing', () => {
  it('answers +OK as Redis does and logs that the setting is ignored, once', async () => {
    const srv = await startServer(['--server-threads', '2']);
    const c = await RawClient.connect(srv.port);
    try {
      expect(await c.command('CONFIG', 'SET', 'appendonly', 'yes')).toBe('+OK\r\n');
      expect(await c.command('CONFIG', 'SET', 'hz', '11')).toBe('+OK\r\n');
      const line = "Directive 'appendonly' is set but AOF persistence is not supported yet; ignoring it.";
      // The log reaches us through the process's output pipe: wait for it.
      for (let i = 0; i < 250 && !srv.output().includes(line); i++) await new Promise((r) => setTimeout(r, 20));
      expect(srv.output().split(line).length - 1).toBe(1);
    } finally {
      c.close();
      await srv.stop();
    }
  });
});

describe('SHUTDOWN', () => {
  it('SHUTDOWN closes the connections and the process exits with code 0', async () => {
    const srv = await startServer(['--server-threads', '2']);
    const c = await RawClient.connect(srv.port);
    const other = await RawClient.connect(srv.port);
    expect(await c.command('SET', 'a', '1')).toBe('+OK\r\n');
    // Without persistence a save cannot succeed.
    expect(await c.command('SHUTDOWN', 'SAVE')).toBe('-ERR Errors trying to SHUTDOWN. Check logs.\r\n');
    const exited = new Promise<number | null>((r) => srv.proc.once('exit', (code) => r(code)));
    // A command pipelined after SHUTDOWN gets no reply.
    c.write('*2\r\n$8\r\nSHUTDOWN\r\n$6\r\nNOSAVE\r\n*1\r\n$4\r\nPING\r\n');
    expect(await c.waitClosed()).toBe('');
    expect(await exited).toBe(0);
    expect(await other.waitClosed()).toBe('');
  });

  it('SHUTDOWN SAVE FORCE exits in spite of the failed save', async () => {
    const srv = await startServer(['--server-threads', '1']);
    const c = await RawClient.connect(srv.port);
    const exited = new Promise<number | null>((r) => srv.proc.once('exit', (code) => r(code)));
    c.write('*3\r\n$8\r\nSHUTDOWN\r\n$4\r\nSAVE\r\n$5\r\nFORCE\r\n');
    expect(await c.waitClosed()).toBe('');
    expect(await exited).toBe(0);
  });
});
