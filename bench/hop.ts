// The cost of a cross-thread hop: the same load on keys owned by each
// connection's own server thread ("local") and on keys owned by another
// thread ("remote", one ring round trip per command), with redis-server under
// the same load as a reference. Prints, per path: throughput, server CPU
// microseconds per command (/proc, whole process) and latency p50 / p99, then
// the ratios remote / local.
//
// redis-benchmark cannot choose keys per connection, so this has its own
// closed-loop client: C connections, P commands in flight on each. A
// connection's thread is found as it connects: connections open one at a
// time and each asks INFO threads, whose per-thread client counts show which
// thread took it (SO_REUSEPORT decides).
//
//   node_modules/.bin/node bench/hop.ts [--threads 2] [--clients 50] [--pipelines 1,16]
//       [--tests get,set] [--seconds 3] [--rounds 3] [--paths local,remote,redis]
//       [--keys 1000 (per shard)] [--write]

import { appendFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { keyShard } from '../src/router/slot.ts';
import { argValue, cpuMicros, median, respCommand, root, startOurs, startRedis, stopServer, type Server } from './servers.ts';

interface Opts {
  threads: number;
  clients: number;
  pipelines: number[];
  tests: string[];
  seconds: number;
  rounds: number;
  /** Keys per shard (the keyspace is threads x this). */
  keys: number;
  /** Which of local, remote, redis to run (ratios need all three). */
  paths: string[];
  write: boolean;
}

function parseArgs(): Opts {
  const a = process.argv.slice(2);
  const get = (name: string, def: string): string => argValue(a, name, def);
  return {
    threads: Number(get('threads', '2')),
    clients: Number(get('clients', '50')),
    pipelines: get('pipelines', '1,16').split(',').map(Number),
    tests: get('tests', 'get,set').split(','),
    seconds: Number(get('seconds', '3')),
    rounds: Number(get('rounds', '3')),
    paths: get('paths', 'local,remote,redis').split(','),
    keys: Number(get('keys', '1000')),
    write: a.includes('--write'),
  };
}

const VALUE = 'xxx';

/** The requests for `keys` back to back, and where each starts (a batch is one subarray). */
interface Requests {
  bytes: Buffer;
  starts: Int32Array;
}

function requests(test: string, keys: string[]): Requests {
  const parts = keys.map((k) => (test === 'get' ? respCommand(['GET', k]) : respCommand(['SET', k, VALUE])));
  const starts = new Int32Array(parts.length + 1);
  for (let i = 0; i < parts.length; i++) starts[i + 1] = starts[i] + parts[i].length;
  return { bytes: Buffer.from(parts.join(''), 'latin1'), starts };
}

/** The exact length of a reply (fixed: the values are all VALUE). */
const replyBytes = (test: string): number => (test === 'get' ? `$${VALUE.length}\r\n${VALUE}\r\n`.length : '+OK\r\n'.length);

/** Keys grouped by the shard of ours that owns them. */
function keysByShard(threads: number, perShard: number): string[][] {
  const by: string[][] = Array.from({ length: threads }, () => []);
  for (let i = 0, full = 0; full < threads; i++) {
    const key = `hop:${i}`;
    const s = keyShard(key, threads);
    if (by[s].length < perShard && by[s].push(key) === perShard) full++;
  }
  return by;
}

/** Send one command and wait for its whole reply (a bulk string or a status line). */
function ask(sock: net.Socket, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    let acc = '';
    const onData = (d: Buffer): void => {
      acc += d.toString('latin1');
      const nl = acc.indexOf('\r\n');
      if (nl < 0) return;
      if (acc[0] === '$') {
        const n = Number(acc.slice(1, nl));
        if (acc.length < nl + 2 + n + 2) return;
        acc = acc.slice(nl + 2, nl + 2 + n);
      }
      sock.off('data', onData);
      if (acc[0] === '-') reject(new Error(acc));
      else resolve(acc);
    };
    sock.on('data', onData);
    sock.write(respCommand(args));
  });
}

function threadClients(info: string): number[] {
  const counts: number[] = [];
  for (const m of info.matchAll(/^thread_(\d+):clients=(\d+)/gm)) counts[Number(m[1])] = Number(m[2]);
  return counts;
}

interface Conn {
  sock: net.Socket;
  /** The server thread that owns the connection (0 for redis). */
  thread: number;
}

/** Open `n` connections one at a time; for ours, learn each one's thread from INFO threads. */
async function connect(srv: Server, n: number, ours: boolean): Promise<Conn[]> {
  const conns: Conn[] = [];
  let before: number[] = [];
  for (let i = 0; i < n; i++) {
    const sock = net.connect(srv.port, '127.0.0.1');
    sock.setNoDelay(true);
    sock.on('error', (e) => {
      console.error(`connection to ${srv.name}: ${e.message}`);
      process.exit(1);
    });
    await new Promise<void>((r) => sock.once('connect', () => r()));
    let thread = 0;
    if (ours) {
      const now = threadClients(await ask(sock, ['INFO', 'threads']));
      thread = now.findIndex((c, t) => c > (before[t] ?? 0));
      if (thread < 0) throw new Error('could not tell which thread took a connection');
      before = now;
    }
    conns.push({ sock, thread });
  }
  return conns;
}

interface Sample {
  ops: number;
  cpuUsPerOp: number;
  p50: number;
  p99: number;
}

/** Load for `seconds`: every connection keeps `P` commands in flight on keys of shard `target(thread)`. */
async function load(srv: Server, conns: Conn[], test: string, P: number, seconds: number, target: (thread: number) => number, reqs: Requests[]): Promise<Sample> {
  const size = replyBytes(test);
  const lat: number[] = [];
  let ops = 0;
  let measuring = false;
  const warmupMs = 300;
  const t0 = performance.now();
  const deadline = t0 + warmupMs + seconds * 1000;
  let cpu0 = 0;
  let start = 0;
  setTimeout(() => {
    measuring = true;
    cpu0 = cpuMicros(srv.proc.pid!);
    start = performance.now();
  }, warmupMs);
  await Promise.all(
    conns.map(
      (c, ci) =>
        new Promise<void>((resolve) => {
          const { bytes, starts } = reqs[target(c.thread)];
          const count = starts.length - 1;
          const sent = new Float64Array(P);
          let head = 0;
          let inflight = 0;
          let carry = 0;
          let next = (ci * 7919) % count;
          const send = (): void => {
            const now = performance.now();
            if (now >= deadline) {
              if (inflight === 0) {
                c.sock.off('data', onData);
                resolve();
              }
              return;
            }
            const n = P - inflight;
            if (next + n > count) next = 0;
            for (let i = 0; i < n; i++) sent[(head + inflight + i) % P] = now;
            inflight += n;
            c.sock.write(bytes.subarray(starts[next], starts[next + n]));
            next += n;
          };
          const onData = (d: Buffer): void => {
            carry += d.length;
            const now = performance.now();
            while (carry >= size) {
              carry -= size;
              if (measuring && now < deadline) {
                lat.push(now - sent[head]);
                ops++;
              }
              head = (head + 1) % P;
              inflight--;
            }
            if (inflight === 0) send();
          };
          c.sock.on('data', onData);
          send();
        }),
    ),
  );
  const cpu = cpuMicros(srv.proc.pid!) - cpu0;
  const secs = (Math.min(performance.now(), deadline) - start) / 1000;
  lat.sort((a, b) => a - b);
  const q = (p: number): number => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))];
  return { ops: ops / secs, cpuUsPerOp: cpu / ops, p50: q(0.5), p99: q(0.99) };
}

/** SET every key, pipelined in windows. */
async function preload(srv: Server, keys: string[][]): Promise<void> {
  const [c] = await connect(srv, 1, false);
  const all = keys.flat();
  const WINDOW = 10000;
  for (let i = 0; i < all.length; i += WINDOW) {
    const n = Math.min(WINDOW, all.length - i);
    let got = 0;
    const done = new Promise<void>((r) => {
      const onData = (d: Buffer): void => {
        got += d.length;
        if (got >= n * 5) c.sock.off('data', onData), r();
      };
      c.sock.on('data', onData);
    });
    c.sock.write(all.slice(i, i + n).map((k) => respCommand(['SET', k, VALUE])).join(''));
    await done;
  }
  c.sock.destroy();
}

/** The keys in a fixed pseudo-random order (requests reach a big keyspace the way redis-benchmark -r does). */
function shuffled(keys: string[]): string[] {
  const out = keys.slice();
  let x = 12345;
  for (let i = out.length - 1; i > 0; i--) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    const j = x % (i + 1);
    const t = out[i];
    out[i] = out[j];
    out[j] = t;
  }
  return out;
}

async function main(): Promise<void> {
  const o = parseArgs();
  if (o.threads < 2) throw new Error('--threads must be at least 2 (a remote key needs another thread)');
  const keys = keysByShard(o.threads, o.keys);
  // The remote path's connections pipeline onto another thread's keys only: with migration on they
  // would move to that thread (src/shards/migrate.ts) and the hop would no longer be measured.
  const ours = await startOurs(o.threads, ['--migrate-connections', 'no']);
  const redis = await startRedis();
  // A server that dies mid-run would leave the load waiting for replies forever.
  let stopping = false;
  for (const srv of [ours, redis]) {
    srv.proc.once('exit', (code, signal) => {
      if (stopping) return;
      console.error(`${srv.name} exited during the benchmark (${signal ?? code})`);
      process.exit(1);
    });
  }
  const header = '| test | P | path | ops/s | server CPU µs/op | p50 ms | p99 ms |';
  const sep = '|' + '---|'.repeat(7);
  const rows: string[] = [];
  const ratioRows: string[] = [];
  console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, ${new Date().toISOString()}, node ${process.versions.node}, server-threads ${o.threads}, ${o.clients} clients, ${o.keys} keys per shard, ${o.seconds} s per run, ${o.rounds} alternating rounds, medians`);
  try {
    await preload(ours, keys);
    await preload(redis, keys);
    const oc = await connect(ours, o.clients, true);
    const rc = await connect(redis, o.clients, false);
    const per = Array.from({ length: o.threads }, (_, t) => oc.filter((c) => c.thread === t).length);
    console.log(`connections per thread: ${per.join(' / ')}`);
    console.log(header);
    console.log(sep);
    for (const test of o.tests) {
      const reqs = keys.map((k) => requests(test, shuffled(k)));
      for (const P of o.pipelines) {
        const runs: Record<string, Sample[]> = { local: [], remote: [], redis: [] };
        for (let r = 0; r < o.rounds; r++) {
          if (o.paths.includes('local')) runs.local.push(await load(ours, oc, test, P, o.seconds, (t) => t, reqs));
          if (o.paths.includes('remote')) runs.remote.push(await load(ours, oc, test, P, o.seconds, (t) => (t + 1) % o.threads, reqs));
          if (o.paths.includes('redis')) runs.redis.push(await load(redis, rc, test, P, o.seconds, () => 0, reqs));
        }
        const m = (path: string, k: keyof Sample): number => median(runs[path].map((s) => s[k]));
        for (const path of o.paths) {
          const row = `| ${test} | ${P} | ${path === 'redis' ? 'redis-server' : path} | ${Math.round(m(path, 'ops'))} | ${m(path, 'cpuUsPerOp').toFixed(2)} | ${m(path, 'p50').toFixed(3)} | ${m(path, 'p99').toFixed(3)} |`;
          console.log(row);
          rows.push(row);
        }
        if (runs.local.length === 0 || runs.remote.length === 0) continue;
        const ratio = (k: keyof Sample): string => (m('remote', k) / m('local', k)).toFixed(2);
        const vsRedis = runs.redis.length === 0 ? '' : (m('local', 'cpuUsPerOp') / m('redis', 'cpuUsPerOp')).toFixed(2);
        ratioRows.push(`| ${test} | ${P} | ${ratio('ops')} | ${ratio('cpuUsPerOp')} | ${ratio('p50')} | ${ratio('p99')} | ${vsRedis} |`);
      }
    }
    for (const c of [...oc, ...rc]) c.sock.destroy();
  } finally {
    stopping = true;
    await stopServer(ours);
    await stopServer(redis);
  }
  const ratioHeader = '| test | P | ops/s remote / local | CPU/op remote / local | p50 remote / local | p99 remote / local | CPU/op local / redis |';
  const ratioSep = '|' + '---|'.repeat(7);
  console.log('\n' + ratioHeader + '\n' + ratioSep + '\n' + ratioRows.join('\n'));
  if (o.write) {
    const cmdline = 'node_modules/.bin/node bench/hop.ts ' + process.argv.slice(2).join(' ');
    appendFileSync(
      path.join(root, 'bench/RESULTS.md'),
      `\n### ${new Date().toISOString().slice(0, 16)} — cross-thread hop — ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}\n\nCommand: \`${cmdline}\` (server-threads ${o.threads}, ${o.clients} clients, ${o.keys} keys per shard, ${o.seconds} s per run, ${o.rounds} alternating rounds, medians)\n\n${ratioHeader}\n${ratioSep}\n${ratioRows.join('\n')}\n\n${header}\n${sep}\n${rows.join('\n')}\n`,
    );
  }
}

void main();
