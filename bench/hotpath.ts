// In-process cost of the request path without sockets: a client with a fake
// socket is fed pipelined requests of one workload at a time; prints
// nanoseconds per command for parse + dispatch + execute + reply encoding.
// A regression guard for the JS side of the hot path (the syscalls are what
// bench/run.ts measures). Keys are random over 1M, as in bench/run.ts.
//
//   node_modules/.bin/node bench/hotpath.ts [--per N] [--batches N] [--tests set,get,...] [--threads 2]
//
// --per 1 is the pipeline-1 shape (one command per read); the default 16 is
// the pipelined one. --threads 2 runs two server threads in this one thread,
// their rings pumped by hand, the client on thread 1: about half its keys are
// thread 0's, so the cross-thread machinery (one-trip batches, pipeline
// transactions, the rings' encoding) is measured without the scheduler, the
// doorbells and the sockets. Not EVAL there (one scripting engine per thread).
// Both threads share this isolate's JIT feedback (in the server each has its
// own), so a function that serves both may be compiled differently here.
// --keys own|other (two threads) puts every key of SET, GET, INCR and MSET
// under a hash tag of the client's own thread or of the other one (tagged
// keys are 3 bytes longer); the default, random, spreads them.

import { Config } from '../src/config/config.ts';
import { loadConfig } from '../src/config/config.ts';
import { Channels, controlBytes } from '../src/router/channels.ts';
import { ringMatrix } from '../src/router/ring.ts';
import { ShardThread } from '../src/shards/shard_thread.ts';
import { Client } from '../src/shards/client.ts';
import { initScripting } from '../src/scripting/engine.ts';
import { createScriptingShared } from '../src/scripting/shared.ts';
import type { Socket } from 'node:net';
import { argValue, respCommand } from './servers.ts';
import { keyShard } from '../src/router/slot.ts';

const args = process.argv.slice(2);
const per = Number(argValue(args, 'per', '16'));
const batches = Number(argValue(args, 'batches', '0'));
const threads = Number(argValue(args, 'threads', '1'));
if (threads !== 1 && threads !== 2) throw new Error('--threads is 1 or 2');
const keys = argValue(args, 'keys', 'random');
if (keys !== 'random' && (threads !== 2 || (keys !== 'own' && keys !== 'other'))) throw new Error('--keys is own or other, with --threads 2');
const tests = argValue(args, 'tests', threads === 1 ? 'set,get,incr,lpush,lpop,sadd,hset,zadd,mset,eval' : 'set,get,incr,mset').split(',');
const config: Config = loadConfig(undefined, ['--server-threads', String(threads)]);
const RING_CAPACITY = 1 << 20;
const rings = ringMatrix(threads, RING_CAPACITY);
const control = new SharedArrayBuffer(controlBytes(threads));
const shards: ShardThread[] = [];
for (let i = 0; i < threads; i++) shards.push(new ShardThread(i, threads, config, new Channels(i, threads, rings, RING_CAPACITY, control, null)));
if (threads === 1) initScripting(shards[0], createScriptingShared(1));
/** The client's thread: the last one. */
const thread = shards[threads - 1];
let written = 0;
const socket = { write: (b: Buffer) => { written += b.length; return true; }, remoteAddress: '127.0.0.1', remotePort: 1, localAddress: '127.0.0.1', localPort: 2, end() {}, destroy() {} } as unknown as Socket;
const client = new Client(1, thread, socket, true);
thread.clients.set(client.id, client);

/** A {hash tag} that puts a key on the client's thread (own) or the other one; '' for random keys. */
function keyTag(): string {
  if (keys === 'random') return '';
  const want = keys === 'own' ? threads - 1 : 0;
  for (let c = 97; ; c++) if (keyShard(`{${String.fromCharCode(c)}}`, threads) === want) return `{${String.fromCharCode(c)}}`;
}
const tag = keyTag();

let seed = 1;
function rand(): string {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return String(seed % 1000000).padStart(12, '0');
}

/** The same commands as bench/run.ts (redis-benchmark's tests), one random key each. */
function command(test: string): string[] {
  switch (test) {
    case 'set': return ['SET', tag + 'key:' + rand(), 'xxx'];
    case 'get': return ['GET', tag + 'key:' + rand()];
    case 'incr': return ['INCR', tag + 'counter:' + rand()];
    case 'lpush': return ['LPUSH', 'mylist', 'xxx'];
    case 'lpop': return ['LPOP', 'mylist'];
    case 'sadd': return ['SADD', 'myset', 'element:' + rand()];
    case 'hset': return ['HSET', 'myhash', 'element:' + rand(), 'xxx'];
    case 'zadd': return ['ZADD', 'myzset', String(Number(rand()) % 1000), 'element:' + rand()];
    case 'mset': {
      const argv = ['MSET'];
      for (let i = 0; i < 10; i++) argv.push(tag + 'key:' + rand(), 'xxx');
      return argv;
    }
    case 'eval': return ['EVAL', "redis.call('set', KEYS[1], ARGV[1]) return 1", '1', 'key:' + rand(), 'x'];
    default: throw new Error('unknown test ' + test);
  }
}

/** A ring of distinct batches (so that the keys vary as they do under redis-benchmark -r). */
function batchesOf(test: string): Buffer[] {
  const out: Buffer[] = [];
  for (let b = 0; b < 64; b++) {
    const parts: string[] = [];
    for (let i = 0; i < per; i++) parts.push(respCommand(command(test)));
    out.push(Buffer.from(parts.join(''), 'latin1'));
  }
  return out;
}

/**
 * Feed `count` batches from the ring. Every 1000 batches the event loop gets
 * a turn: each batch queues the thread's end-of-turn output flush
 * (setImmediate), which a loop that never yields would pile up by the
 * million (the flush itself is called here directly, as a turn would).
 */
async function feed(ring: Buffer[], count: number): Promise<void> {
  for (let done = 0; done < count; ) {
    const end = Math.min(count, done + 1000);
    for (let i = done; i < end; i++) {
      client.onData(ring[i & 63], true);
      // Two threads: pump the rings until no frame moves (the batch is done then).
      if (threads > 1) for (let moved = 1; moved !== 0; ) {
        moved = 0;
        for (const t of shards) moved += t.channels.pump();
      }
      thread.flushOutputs();
    }
    done = end;
    await new Promise((r) => setImmediate(r));
  }
}

for (const test of tests) {
  const ring = batchesOf(test);
  const n = batches > 0 ? batches : Math.ceil(2000000 / per);
  // LPOP needs a list to pop from: fill it first.
  if (test === 'lpop') {
    const fill = Buffer.from(respCommand(['LPUSH', 'mylist', 'xxx']).repeat(1000), 'latin1');
    await feed(new Array<Buffer>(64).fill(fill), Math.ceil((n * per + 20000 * per) / 1000));
  }
  await feed(ring, Math.ceil(n / 10));
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  await feed(ring, n);
  const ns = Number(process.hrtime.bigint() - t0) / (n * per);
  const cpu = process.cpuUsage(cpu0);
  // CPU time too: on a shared VM the wall clock also counts the time another guest had the core.
  const cpuNs = ((cpu.user + cpu.system) * 1000) / (n * per);
  console.log(`${test}: ${ns.toFixed(0)} ns/command (batch ${per}; CPU ${cpuNs.toFixed(0)} ns)`);
}
console.log(`(${written} bytes of replies)`);
process.exit(0);
