// Tail latency while tables grow: each load runs against a fresh server of
// ours and a fresh redis-server (alternating, `--rounds` times), filling an
// empty keyspace (or one big collection) with millions of entries, and
// prints the max latency, p99.9 and throughput of each run: what a server
// loading a large dataset under traffic shows when a table doubles, compacts
// or rehashes in one go (bench/RESULTS.md, "tables that grow without
// pausing").
//
//   node_modules/.bin/node bench/fill.ts                       # every load, 1 round
//   node_modules/.bin/node bench/fill.ts --loads set1,churn --rounds 2 --threads 2
//
// Loads: set1 (SET P1, 3M requests over 100M random keys), set16 (SET P16,
// 6M), setex (SET ... EX 100000 P16, 3M), churn (DEBUG POPULATE 2M keys,
// then SET and DEL over 4M random keys at once, 25 clients P4 each; the SET
// run is measured), zadd / hset / sadd (P16, 2M random members into one
// key). --scale multiplies the request counts.

import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { startOurs, startRedis, stopServer, argValue, type Server } from './servers.ts';

const run = promisify(execFile);
const args = process.argv.slice(2);
const rounds = Number(argValue(args, 'rounds', '1'));
const threads = Number(argValue(args, 'threads', '1'));
const scale = Number(argValue(args, 'scale', '1'));
const loads = argValue(args, 'loads', 'set1,set16,setex,churn,zadd,hset,sadd').split(',');

interface Load {
  /** redis-benchmark arguments after -p/-n (the measured run). */
  bench: string[];
  requests: number;
  /** Set-up before the measured run (a command), and a load running beside it (redis-benchmark arguments). */
  setup?: string[];
  beside?: string[];
}

const n = (x: number): number => Math.round(x * scale);
const LOADS: Record<string, Load> = {
  set1: { requests: n(3e6), bench: ['-t', 'set', '-r', '100000000', '-c', '50', '-P', '1', '--threads', '2'] },
  set16: { requests: n(6e6), bench: ['-t', 'set', '-r', '100000000', '-c', '50', '-P', '16', '--threads', '2'] },
  setex: { requests: n(3e6), bench: ['-r', '100000000', '-c', '50', '-P', '16', '--threads', '2', 'SET', 'key:__rand_int__', 'vvvvvvvvvvvvvvvv', 'EX', '100000'] },
  churn: {
    requests: n(4e6),
    setup: ['DEBUG', 'POPULATE', String(n(2e6)), 'key:', '16'],
    beside: ['-n', String(n(4e6)), '-r', String(n(4e6)), '-c', '25', '-P', '4', 'DEL', 'key:__rand_int__'],
    bench: ['-r', String(n(4e6)), '-c', '25', '-P', '4', 'SET', 'key:__rand_int__', 'xxxxxxxxxxxxxxxx'],
  },
  zadd: { requests: n(2e6), bench: ['-r', '100000000', '-c', '50', '-P', '16', '--threads', '2', 'ZADD', 'bigz', '__rand_int__', 'm:__rand_int__'] },
  hset: { requests: n(2e6), bench: ['-r', '100000000', '-c', '50', '-P', '16', '--threads', '2', 'HSET', 'bighash', 'f:__rand_int__', 'v'] },
  sadd: { requests: n(2e6), bench: ['-r', '100000000', '-c', '50', '-P', '16', '--threads', '2', 'SADD', 'bigset', 'm:__rand_int__'] },
};

interface Result {
  rps: number;
  p999: number;
  max: number;
}

/** Throughput, p99.9 and max (ms) from redis-benchmark's full output (its percentile distribution). */
function parse(out: string): Result {
  const text = out.replace(/\r/g, '\n');
  const rps = Number(/throughput summary: ([\d.]+)/.exec(text)?.[1] ?? NaN);
  let p999 = NaN;
  for (const m of text.matchAll(/^\s*([\d.]+)% <= ([\d.]+) milliseconds/gm)) {
    if (Number(m[1]) >= 99.9) {
      p999 = Number(m[2]);
      break;
    }
  }
  const summary = /latency summary[^\n]*\n[^\n]*\n\s*([\d.\s]+)/.exec(text)?.[1].trim().split(/\s+/).map(Number) ?? [];
  return { rps, p999, max: summary[5] ?? NaN };
}

async function measure(srv: Server, load: Load): Promise<Result> {
  if (load.setup) execFileSync('redis-cli', ['-p', String(srv.port), ...load.setup], { stdio: 'ignore' });
  const beside = load.beside ? run('redis-benchmark', ['-p', String(srv.port), ...load.beside], { maxBuffer: 1 << 28 }) : null;
  const { stdout } = await run('redis-benchmark', ['-p', String(srv.port), '-n', String(load.requests), ...load.bench], { maxBuffer: 1 << 28 });
  if (beside) await beside;
  return parse(stdout);
}

async function main(): Promise<void> {
  console.log(`server-threads ${threads}, rounds ${rounds}, scale ${scale}; each run against a fresh server`);
  console.log('| load | ours max ms | redis max ms | ours p99.9 ms | redis p99.9 ms | ours rps | redis rps |');
  console.log('|---|---|---|---|---|---|---|');
  for (const name of loads) {
    const load = LOADS[name];
    if (load === undefined) throw new Error(`unknown load ${name} (${Object.keys(LOADS).join(', ')})`);
    for (let r = 0; r < rounds; r++) {
      const res: Result[] = [];
      for (const start of [() => startOurs(threads), () => startRedis()]) {
        const srv = await start();
        try {
          res.push(await measure(srv, load));
        } finally {
          await stopServer(srv);
        }
      }
      const [o, d] = res;
      console.log(`| ${name} | ${o.max} | ${d.max} | ${o.p999} | ${d.p999} | ${Math.round(o.rps)} | ${Math.round(d.rps)} |`);
    }
  }
}

await main();
