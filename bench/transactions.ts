// MULTI/EXEC throughput, ours vs redis-server, side by side with the same
// load: C connections, each sending blocks of `MULTI; INCR {a}; INCR {b};
// EXEC` (keys chosen to sit on different shards of ours) with P blocks in
// flight, for D seconds per round, alternating servers, several rounds;
// prints median transactions/s and the ratio.
//
//   node_modules/.bin/node bench/transactions.ts [--threads 2] [--clients 50] [--pipeline 1] [--seconds 3] [--rounds 3] [--spread 1]

import net from 'node:net';
import { respCommand, startOurs, startRedis, stopServer } from './servers.ts';
import { keyShard } from '../src/router/slot.ts';

const arg = (n: string, d: number) => {
  const i = process.argv.indexOf('--' + n);
  return i > 0 ? Number(process.argv[i + 1]) : d;
};
const threads = arg('threads', 2);
const clients = arg('clients', 50);
const pipeline = arg('pipeline', 1);
const seconds = arg('seconds', 3);
const rounds = arg('rounds', 3);
/** --spread 1: every connection has its own pair of keys (no lock contention); default: all share one hot pair. */
const spread = arg('spread', 0) === 1;

/** Count complete EXEC replies in a stream of replies to MULTI, INCR, INCR, EXEC blocks. */
function keyPair(prefix: string): [string, string] {
  const ka = prefix + 'a';
  let kb = prefix + 'b0';
  for (let i = 0; keyShard(kb, Math.max(threads, 2)) === keyShard(ka, Math.max(threads, 2)); i++) kb = prefix + 'b' + i;
  return [ka, kb];
}

async function load(port: number): Promise<number> {
  // Replies per block: +OK, +QUEUED, +QUEUED, *2 :n :n  -> count the "*2\r\n" lines.
  const deadline = Date.now() + seconds * 1000;
  let done = 0;
  await Promise.all(
    Array.from({ length: clients }, (_, c) =>
      new Promise<void>((resolve) => {
        const [ka, kb] = keyPair(spread ? `tx:${c}:` : 'tx:');
        const block = Buffer.from(respCommand(['MULTI']) + respCommand(['INCR', ka]) + respCommand(['INCR', kb]) + respCommand(['EXEC']), 'latin1');
        const s = net.connect(port, '127.0.0.1');
        let inflight = 0;
        let tail = '';
        const send = () => {
          while (inflight < pipeline && Date.now() < deadline) {
            s.write(block);
            inflight++;
          }
          if (inflight === 0) {
            s.destroy();
            resolve();
          }
        };
        s.on('connect', send);
        s.on('data', (d) => {
          const text = tail + d.toString('latin1');
          let idx = 0;
          let n = 0;
          for (;;) {
            const j = text.indexOf('*2\r\n', idx);
            if (j < 0) break;
            n++;
            idx = j + 4;
          }
          tail = text.slice(Math.max(idx, text.length - 3));
          inflight -= n;
          done += n;
          send();
        });
        s.on('error', () => resolve());
      }),
    ),
  );
  return done / seconds;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

async function main(): Promise<void> {
  const [ours, redis] = await Promise.all([startOurs(threads), startRedis()]);
  const pOurs = ours.port;
  const pRedis = redis.port;
  try {
    const a: number[] = [];
    const b: number[] = [];
    for (let r = 0; r < rounds; r++) {
      a.push(await load(pOurs));
      b.push(await load(pRedis));
    }
    const mo = median(a);
    const mr = median(b);
    console.log(`MULTI/EXEC (2 INCR on 2 shards, ${spread ? 'a key pair per client' : 'one hot key pair'}), threads=${threads}, clients=${clients}, pipeline=${pipeline}: ours ${mo.toFixed(0)} tx/s, redis ${mr.toFixed(0)} tx/s, ratio ${(mo / mr).toFixed(2)}`);
  } finally {
    await Promise.all([stopServer(ours), stopServer(redis)]);
  }
}

void main();
