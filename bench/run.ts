// Side-by-side benchmark: starts our server and a real redis-server with
// equivalent settings, runs the same redis-benchmark load against both,
// alternating, for several rounds (after one unmeasured warm-up run on each),
// and prints medians and ratios ours/redis:
// throughput, server CPU microseconds per operation (from /proc, whole
// process, all threads), and latency p50/p99; also the share of the whole
// machine's CPU left idle during each server's runs (/proc/stat): a server
// with threads that leaves CPU idle under load is waiting, not working.
//
//   npm run bench                       # the default matrix
//   npm run bench -- --quick            # SET/GET, P1/P16, 50 clients, threads 2
//   npm run bench -- --tests set,get --pipelines 1,16 --clients 50 --threads 1,2 --rounds 3 --requests 200000
//   (--requests is per run at pipeline 1; pipelined runs send up to 8x more)
//   npm run bench -- --write            # also append the table to bench/RESULTS.md
//   npm run bench -- --data-size 16384 --keyspace 10000
//                                       # values of that many bytes over that many keys
//                                       # (redis-benchmark -d, -r; defaults 3 and 1000000)
//   npm run bench -- --io-threads       # with N > 1 server threads, also against
//                                       # redis-server --io-threads N (multithreaded C Redis
//                                       # on the same machine: the last two columns)

import { execFileSync } from 'node:child_process';
import { argValue, cpuMicros, machineCpu, median, root, startOurs, startRedis, stopServer, type Server } from './servers.ts';
import { appendFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';


interface Opts {
  tests: string[];
  pipelines: number[];
  clients: number[];
  threads: number[];
  rounds: number;
  requests: number;
  benchThreads: number;
  write: boolean;
  /** Also run redis-server with --io-threads N (N = server threads, when > 1). */
  ioThreads: boolean;
  /** Value size in bytes (redis-benchmark -d) and keys the load spreads over (-r). */
  dataSize: number;
  keyspace: number;
}

function parseArgs(): Opts {
  const a = process.argv.slice(2);
  const get = (name: string, def: string): string => argValue(a, name, def);
  const quick = a.includes('--quick');
  return {
    tests: get('tests', quick ? 'set,get' : 'set,get,incr,lpush,lpop,sadd,hset,zadd,mset,eval').split(','),
    pipelines: get('pipelines', '1,16').split(',').map(Number),
    clients: get('clients', quick ? '50' : '50,500').split(',').map(Number),
    threads: get('threads', quick ? '2' : '1,2').split(',').map(Number),
    rounds: Number(get('rounds', quick ? '3' : '3')),
    requests: Number(get('requests', '200000')),
    benchThreads: Number(get('bench-threads', '2')),
    write: a.includes('--write'),
    ioThreads: a.includes('--io-threads'),
    dataSize: Number(get('data-size', '3')),
    keyspace: Number(get('keyspace', '1000000')),
  };
}

interface Sample {
  rps: number;
  p50: number;
  p99: number;
  cpuUsPerOp: number;
  /** Share of the machine's CPU time (every CPU) idle during the run, in %. */
  idlePct: number;
}

function benchArgs(test: string): string[] {
  switch (test) {
    case 'eval':
      return ['eval', "redis.call('set', KEYS[1], ARGV[1]) return 1", '1', 'key:__rand_int__', 'x'];
    default:
      return ['-t', test];
  }
}

/** Pipelined runs get proportionally more requests so each run lasts seconds, not milliseconds. */
function requestsFor(pipeline: number, o: Opts): number {
  return o.requests * Math.max(1, Math.min(pipeline, 8));
}

function runOnce(srv: Server, test: string, pipeline: number, clients: number, o: Opts, requests = requestsFor(pipeline, o)): Sample | null {
  const before = cpuMicros(srv.proc.pid!);
  const machineBefore = machineCpu();
  let out: string;
  try {
    out = execFileSync('redis-benchmark', ['-p', String(srv.port), '-h', '127.0.0.1', '-n', String(requests), '-c', String(clients), '-P', String(pipeline), '-r', String(o.keyspace), '-d', String(o.dataSize), '--threads', String(o.benchThreads), '--csv', ...benchArgs(test)], { encoding: 'latin1', stdio: ['ignore', 'pipe', 'pipe'], timeout: 300000 });
  } catch {
    return null;
  }
  const after = cpuMicros(srv.proc.pid!);
  const machineAfter = machineCpu();
  const idlePct = (100 * (machineAfter.idle - machineBefore.idle)) / Math.max(1, machineAfter.total - machineBefore.total);
  const line = out.trim().split('\n').find((l) => !l.startsWith('"test"'));
  if (line === undefined) return null;
  // CSV with quoted fields (a custom command's name, e.g. a script, may hold commas).
  const f = (line.match(/"([^"]*)"|[^,]+/g) ?? []).map((x) => x.replace(/"/g, ''));
  const rps = Number(f[1]);
  if (!(rps > 0)) return null;
  return { rps, p50: Number(f[4]), p99: Number(f[6]), cpuUsPerOp: (after - before) / requests, idlePct };
}

async function main(): Promise<void> {
  const o = parseArgs();
  const redis = await startRedis();
  const rows: string[] = [];
  const header = '| threads | test | P | clients | rps ratio | cpu/op ratio | p50 ratio | p99 ratio | ours rps | redis rps | ours cpu µs/op | redis cpu µs/op | ours p99 ms | redis p99 ms | machine idle % ours | machine idle % redis |' + (o.ioThreads ? ' rps ratio vs io-threads | cpu/op ratio vs io-threads |' : '');
  const sep = '|' + '---|'.repeat(o.ioThreads ? 18 : 16);
  console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, ${new Date().toISOString()}, node ${process.versions.node}, redis-benchmark --threads ${o.benchThreads}, -n ${o.requests}, -r ${o.keyspace}, -d ${o.dataSize}, rounds ${o.rounds}`);
  console.log(header);
  console.log(sep);
  try {
    for (const threads of o.threads) {
      const ours = await startOurs(threads);
      // Redis's own threaded I/O with as many threads, where asked: what multithreaded C Redis does on this machine.
      const mt = o.ioThreads && threads > 1 ? await startRedis(['--io-threads', String(threads), '--io-threads-do-reads', 'yes']) : null;
      try {
        for (const test of o.tests) {
          for (const P of o.pipelines) {
            for (const clients of o.clients) {
              const a: Sample[] = [];
              const b: Sample[] = [];
              const c: Sample[] = [];
              // Not measured: a quarter-length run on each server first, so that the rounds
              // measure the steady state (ours compiles the command's path on its first
              // thousands of requests; a cross-shard one took ~2 s to reach full speed).
              runOnce(ours, test, P, clients, o, requestsFor(P, o) >> 2);
              runOnce(redis, test, P, clients, o, requestsFor(P, o) >> 2);
              if (mt !== null) runOnce(mt, test, P, clients, o, requestsFor(P, o) >> 2);
              for (let r = 0; r < o.rounds; r++) {
                const x = runOnce(ours, test, P, clients, o);
                const y = runOnce(redis, test, P, clients, o);
                const z = mt !== null ? runOnce(mt, test, P, clients, o) : null;
                if (x) a.push(x);
                if (y) b.push(y);
                if (z) c.push(z);
              }
              if (a.length === 0 || b.length === 0) continue;
              const m = (s: Sample[], k: keyof Sample) => median(s.map((v) => v[k]));
              const f = (x: number, d = 2) => x.toFixed(d);
              const row = `| ${threads} | ${test} | ${P} | ${clients} | **${f(m(a, 'rps') / m(b, 'rps'))}** | ${f(m(a, 'cpuUsPerOp') / m(b, 'cpuUsPerOp'))} | ${f(m(a, 'p50') / m(b, 'p50'))} | ${f(m(a, 'p99') / m(b, 'p99'))} | ${Math.round(m(a, 'rps'))} | ${Math.round(m(b, 'rps'))} | ${f(m(a, 'cpuUsPerOp'))} | ${f(m(b, 'cpuUsPerOp'))} | ${f(m(a, 'p99'), 3)} | ${f(m(b, 'p99'), 3)} | ${Math.round(m(a, 'idlePct'))} | ${Math.round(m(b, 'idlePct'))} |` + (o.ioThreads ? (c.length === 0 ? ' – | – |' : ` ${f(m(a, 'rps') / m(c, 'rps'))} | ${f(m(a, 'cpuUsPerOp') / m(c, 'cpuUsPerOp'))} |`) : '');
              console.log(row);
              rows.push(row);
            }
          }
        }
      } finally {
        await stopServer(ours);
        if (mt !== null) await stopServer(mt);
      }
    }
  } finally {
    await stopServer(redis);
  }
  if (o.write) {
    const cmdline = 'npm run bench -- ' + process.argv.slice(2).join(' ');
    appendFileSync(
      path.join(root, 'bench/RESULTS.md'),
      `\n### ${new Date().toISOString().slice(0, 16)} — ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}\n\nCommand: \`${cmdline}\` (redis-benchmark --threads ${o.benchThreads}, -n ${o.requests}, -r ${o.keyspace}, -d ${o.dataSize}, ${o.rounds} alternating rounds, medians${o.ioThreads ? '; last two columns: ours / redis-server --io-threads N --io-threads-do-reads yes, N = server threads' : ''})\n\n${header}\n${sep}\n${rows.join('\n')}\n`,
    );
  }
}

void main();
