// Memory benchmark: how much memory our server and a real redis-server need
// for the same data. For each scenario both servers start fresh (no
// persistence), get the same load, settle for a moment, and we read
//   used_memory  from INFO memory (ours: the V8 heaps of the server threads;
//                redis: the allocator's figure),
//   RSS          VmRSS of the whole process from /proc/<pid>/status, after
//                MEMORY PURGE, and "unpurged" just before it (as the load
//                left the process: V8's young generation at its peak size),
//                and with --idle N, after N seconds without commands (V8's
//                memory reducer shrinks an idle heap; src/shards/gc.ts lets
//                it start within seconds: note that the MEMORY PURGE of the
//                "before" sample makes it start early here anyway),
// before and after the load. The table shows the figures after the load, the
// growth per element (bytes of used_memory and of RSS per key / member) and
// the ratio ours / redis of that growth.
//
// Scenarios (1M = the --scale factor times 1,000,000):
//   strings  DEBUG POPULATE 1000000 key 16 (1M string keys, 16-byte values)
//   hash     one hash of 1M fields   (HSET, 1000 fields a command, pipelined)
//   set      one set of 1M members   (SADD, 1000 members a command, pipelined)
//   zset     one sorted set of 1M    (ZADD, 1000 members a command, pipelined)
//   list     one list of 1M elements (RPUSH, 1000 elements a command, pipelined)
//   hashes   100k hashes of 10 fields (HSET h:<n> f0 v0 .. f9 v9, pipelined)
//   sets     100k sets of 10 integer members (SADD s:<n> ..., intset encoding)
//   zsets    100k sorted sets of 10 members (ZADD z:<n> 0 m0 .. 9 m9, listpack encoding)
//   lists    100k lists of 10 elements (RPUSH l:<n> e0 .. e9)
//
//   node_modules/.bin/node bench/memory.ts                  # everything, 2 server threads
//   node_modules/.bin/node bench/memory.ts --threads 4
//   node_modules/.bin/node bench/memory.ts --only strings,zset --scale 0.1
//   node_modules/.bin/node bench/memory.ts --only strings --idle 120   # also RSS after 2 idle minutes

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { argValue, respCommand, startOurs, startRedis, stopServer, type Server } from './servers.ts';


interface Opts {
  threads: number;
  only: string[] | null;
  scale: number;
  settleMs: number;
  idleMs: number;
}

function parseArgs(): Opts {
  const a = process.argv.slice(2);
  const get = (name: string, def: string): string => argValue(a, name, def);
  const only = get('only', '');
  return {
    threads: Number(get('threads', '2')),
    only: only === '' ? null : only.split(','),
    scale: Number(get('scale', '1')),
    settleMs: Number(get('settle', '3000')),
    idleMs: Number(get('idle', '0')) * 1000,
  };
}

// ---- servers ------------------------------------------------------------------------

/** End of the RESP value at pos, or -1 when incomplete. */
function replyEnd(b: Buffer, pos: number): number {
  if (pos >= b.length) return -1;
  const nl = b.indexOf('\r\n', pos);
  if (nl < 0) return -1;
  const t = b[pos];
  const n = Number(b.latin1Slice(pos + 1, nl));
  const line = nl + 2;
  if (t === 36 /* $ */) return n < 0 ? line : b.length >= line + n + 2 ? line + n + 2 : -1;
  if (t === 42 /* * */ || t === 37 /* % */) {
    let p = line;
    for (let i = 0; i < (t === 37 ? 2 * n : n); i++) {
      p = replyEnd(b, p);
      if (p < 0) return -1;
    }
    return p;
  }
  return line;
}

class Conn {
  private sock: net.Socket;
  private buf = Buffer.alloc(0);
  private want = 0;
  private replies: string[] = [];
  private done: (() => void) | null = null;

  private constructor(sock: net.Socket) {
    this.sock = sock;
    sock.on('data', (d) => {
      this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
      let p = 0;
      for (;;) {
        const e = replyEnd(this.buf, p);
        if (e < 0) break;
        this.replies.push(this.buf.latin1Slice(p, e));
        p = e;
      }
      this.buf = this.buf.subarray(p);
      if (this.done !== null && this.replies.length >= this.want) {
        const f = this.done;
        this.done = null;
        f();
      }
    });
  }

  static connect(port: number): Promise<Conn> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => resolve(new Conn(s)));
      s.once('error', reject);
    });
  }

  /** Send the commands pipelined and return their replies. */
  async run(cmds: string[][]): Promise<string[]> {
    this.replies = [];
    this.want = cmds.length;
    const p = new Promise<void>((r) => (this.done = r));
    let chunk = '';
    for (const c of cmds) {
      chunk += respCommand(c);
      if (chunk.length > 1 << 20) {
        this.sock.write(chunk, 'latin1');
        chunk = '';
      }
    }
    if (chunk.length > 0) this.sock.write(chunk, 'latin1');
    if (this.replies.length < this.want) await p;
    return this.replies;
  }

  async command(...args: string[]): Promise<string> {
    return (await this.run([args]))[0];
  }

  close(): void {
    this.sock.destroy();
  }
}

/** Send a load in pipelined windows of `window` commands; fails on any error reply. */
async function load(c: Conn, cmds: Iterable<string[]>, window = 2000): Promise<void> {
  let batch: string[][] = [];
  for (const cmd of cmds) {
    batch.push(cmd);
    if (batch.length >= window) {
      check(await c.run(batch));
      batch = [];
    }
  }
  if (batch.length > 0) check(await c.run(batch));
}

function check(replies: string[]): void {
  for (const r of replies) if (r.startsWith('-')) throw new Error('error reply during load: ' + r.trim());
}

// ---- measuring ------------------------------------------------------------------------------

interface Sample {
  used: number;
  /** RSS after MEMORY PURGE. */
  rss: number;
  /** RSS before it: what the process holds as the load left it. */
  rssLoaded: number;
  /** RSS after --idle seconds without commands (still before the purge); 0 without --idle. */
  rssIdle: number;
}

function vmRss(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m === null ? 0 : Number(m[1]) * 1024;
}

async function sample(s: Server, c: Conn, idleMs: number): Promise<Sample> {
  const rssLoaded = vmRss(s.proc.pid!);
  let rssIdle = 0;
  if (idleMs > 0) {
    await new Promise((r) => setTimeout(r, idleMs));
    rssIdle = vmRss(s.proc.pid!);
  }
  // Live data only: MEMORY PURGE runs a memory-reducing full GC on every thread of ours
  // (jemalloc's purge of dirty pages on Redis).
  await c.command('MEMORY', 'PURGE');
  const info = await c.command('INFO', 'memory');
  const m = /used_memory:(\d+)/.exec(info);
  return { used: m === null ? 0 : Number(m[1]), rss: vmRss(s.proc.pid!), rssLoaded, rssIdle };
}

// ---- scenarios --------------------------------------------------------------------------------

interface Scenario {
  name: string;
  what: string;
  elements: number;
  fill: (c: Conn) => Promise<void>;
}

function* range<T>(n: number, f: (i: number) => T): Iterable<T> {
  for (let i = 0; i < n; i++) yield f(i);
}

/** Commands adding `n` members to one key, `per` members a command. */
function* bulk(n: number, per: number, head: string[], member: (i: number) => string[]): Iterable<string[]> {
  for (let i = 0; i < n; i += per) {
    const cmd = head.slice();
    for (let j = i; j < Math.min(n, i + per); j++) cmd.push(...member(j));
    yield cmd;
  }
}

function scenarios(scale: number): Scenario[] {
  const M = Math.round(1_000_000 * scale);
  const K = Math.round(100_000 * scale);
  return [
    {
      name: 'strings', what: `DEBUG POPULATE ${M} key 16`, elements: M,
      fill: async (c) => check([await c.command('DEBUG', 'POPULATE', String(M), 'key', '16')]),
    },
    {
      name: 'hash', what: `1 hash, ${M} fields`, elements: M,
      fill: (c) => load(c, bulk(M, 1000, ['HSET', 'bighash'], (i) => [`field:${i}`, `value:${i}`]), 50),
    },
    {
      name: 'set', what: `1 set, ${M} members`, elements: M,
      fill: (c) => load(c, bulk(M, 1000, ['SADD', 'bigset'], (i) => [`member:${i}`]), 50),
    },
    {
      name: 'zset', what: `1 sorted set, ${M} members`, elements: M,
      fill: (c) => load(c, bulk(M, 1000, ['ZADD', 'bigzset'], (i) => [String(i), `member:${i}`]), 50),
    },
    {
      name: 'list', what: `1 list, ${M} elements`, elements: M,
      fill: (c) => load(c, bulk(M, 1000, ['RPUSH', 'biglist'], (i) => [`element:${i}`]), 50),
    },
    {
      name: 'hashes', what: `${K} hashes x 10 fields`, elements: K,
      fill: (c) => load(c, range(K, (i) => { const cmd = ['HSET', `h:${i}`]; for (let f = 0; f < 10; f++) cmd.push(`f${f}`, `v${f}:${i}`); return cmd; }), 2000),
    },
    {
      name: 'sets', what: `${K} sets x 10 integer members`, elements: K,
      fill: (c) => load(c, range(K, (i) => { const cmd = ['SADD', `s:${i}`]; for (let f = 0; f < 10; f++) cmd.push(String(i * 10 + f)); return cmd; }), 2000),
    },
    {
      name: 'zsets', what: `${K} sorted sets x 10 members`, elements: K,
      fill: (c) => load(c, range(K, (i) => { const cmd = ['ZADD', `z:${i}`]; for (let f = 0; f < 10; f++) cmd.push(String(f * 1.5), `m${f}:${i}`); return cmd; }), 2000),
    },
    {
      name: 'lists', what: `${K} lists x 10 elements`, elements: K,
      fill: (c) => load(c, range(K, (i) => { const cmd = ['RPUSH', `l:${i}`]; for (let f = 0; f < 10; f++) cmd.push(`e${f}:${i}`); return cmd; }), 2000),
    },
  ];
}

interface Row {
  scenario: Scenario;
  ours: { before: Sample; after: Sample };
  redis: { before: Sample; after: Sample };
}

async function measure(s: Server, sc: Scenario, settleMs: number, idleMs: number): Promise<{ before: Sample; after: Sample }> {
  const c = await Conn.connect(s.port);
  try {
    await c.command('FLUSHALL');
    await new Promise((r) => setTimeout(r, 500));
    const before = await sample(s, c, 0);
    await sc.fill(c);
    await new Promise((r) => setTimeout(r, settleMs));
    const after = await sample(s, c, idleMs);
    return { before, after };
  } finally {
    c.close();
  }
}

function mb(n: number): string {
  return (n / (1024 * 1024)).toFixed(1) + ' MB';
}

function per(delta: number, n: number): string {
  return (delta / n).toFixed(1);
}

function ratio(a: number, b: number): string {
  return b > 0 ? (a / b).toFixed(2) : '-';
}

async function main(): Promise<void> {
  const o = parseArgs();
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
  } catch {
    throw new Error('redis-server is not installed');
  }
  const rows: Row[] = [];
  for (const sc of scenarios(o.scale)) {
    if (o.only !== null && !o.only.includes(sc.name)) continue;
    process.stderr.write(`${sc.name}: ${sc.what} ...\n`);
    const [ours, redis] = await Promise.all([startOurs(o.threads, ['--enable-debug-command', 'yes']), startRedis(['--enable-debug-command', 'yes'])]);
    try {
      // One server at a time: the load of one must not slow the other's settling.
      const r = await measure(redis, sc, o.settleMs, o.idleMs);
      const m = await measure(ours, sc, o.settleMs, o.idleMs);
      rows.push({ scenario: sc, ours: m, redis: r });
    } finally {
      await Promise.all([stopServer(ours), stopServer(redis)]);
    }
  }
  const head = ['scenario', 'elements', 'ours used', 'ours RSS', 'redis used', 'redis RSS', 'ours B/elem used', 'ours B/elem RSS', 'redis B/elem used', 'redis B/elem RSS', 'ratio used', 'ratio RSS', 'ratio RSS unpurged'];
  if (o.idleMs > 0) head.push(`ratio RSS idle ${o.idleMs / 1000} s`);
  const lines: string[][] = [head];
  for (const r of rows) {
    const n = r.scenario.elements;
    const rd = { used: r.redis.after.used - r.redis.before.used, rss: r.redis.after.rss - r.redis.before.rss };
    const od = { used: r.ours.after.used - r.ours.before.used, rss: r.ours.after.rss - r.ours.before.rss };
    const loaded = ratio(r.ours.after.rssLoaded - r.ours.before.rss, r.redis.after.rssLoaded - r.redis.before.rss);
    lines.push([
      r.scenario.name, String(n), mb(r.ours.after.used), mb(r.ours.after.rss), mb(r.redis.after.used), mb(r.redis.after.rss),
      per(od.used, n), per(od.rss, n), per(rd.used, n), per(rd.rss, n), ratio(od.used, rd.used), ratio(od.rss, rd.rss), loaded,
    ]);
    if (o.idleMs > 0) lines[lines.length - 1].push(ratio(r.ours.after.rssIdle - r.ours.before.rss, r.redis.after.rssIdle - r.redis.before.rss));
  }
  const widths = head.map((_, i) => Math.max(...lines.map((l) => l[i].length)));
  console.log(`server-threads ${o.threads}; B/elem = growth of used_memory / RSS over the load divided by the elements (keys for strings, hashes, sets, zsets and lists; members or elements otherwise); RSS after MEMORY PURGE, and unpurged: the growth as the load left it, before the purge${o.idleMs > 0 ? `; idle: after ${o.idleMs / 1000} s without commands, before the purge` : ''}`);
  for (const l of lines) console.log(l.map((x, i) => x.padEnd(widths[i])).join('  '));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
