// The floor of a Node TCP server at pipeline 1, as a reference for ours:
// the simplest RESP responder Node can run (answers every PING of the
// redis-benchmark PING_MBULK test with +PONG, reading through net.Socket's
// `onread` into one buffer and writing with socket.write) against our server
// and redis-server, under the same load, alternating rounds; prints server
// CPU µs per request (from /proc) and throughput, medians, and the ratios.
// Our server costing what the floor costs means the rest of the pipeline-1
// gap to redis-server is Node's per-connection callback machinery, not ours.
//
//   node_modules/.bin/node bench/node_floor.ts [--rounds 3] [--requests 300000] [--clients 50]
//
// The floor server itself: node_modules/.bin/node bench/node_floor.ts --serve PORT

import { execFileSync, spawn } from 'node:child_process';
import net from 'node:net';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { argValue, cpuMicros, freePort, median, startOurs, startRedis, stopServer, waitPort, type Server } from './servers.ts';

const args = process.argv.slice(2);

/** The floor server: +PONG for every 14-byte PING request read. */
function serve(port: number): void {
  const buf = Buffer.allocUnsafe(64 * 1024);
  const REQUEST = 14; // *1\r\n$4\r\nPING\r\n
  const replies: Buffer[] = [];
  for (let n = 1; n <= 64; n++) replies.push(Buffer.from('+PONG\r\n'.repeat(n), 'latin1'));
  const srv = net.createServer({ noDelay: true, pauseOnConnect: true }, (accepted) => {
    const handle = (accepted as unknown as { _handle: unknown })._handle;
    (accepted as unknown as { _handle: unknown })._handle = null;
    const s: net.Socket = new net.Socket({
      handle,
      onread: {
        buffer: buf,
        callback: (n: number) => {
          const k = Math.max(1, Math.round(n / REQUEST));
          s.write(k <= 64 ? replies[k - 1] : Buffer.from('+PONG\r\n'.repeat(k), 'latin1'));
          return true;
        },
      },
    } as unknown as net.SocketConstructorOpts);
    s.on('error', () => {});
    s.resume();
  });
  srv.listen(port, '127.0.0.1');
}

async function startFloor(): Promise<Server> {
  const port = await freePort();
  const proc = spawn(process.execPath, [fileURLToPath(import.meta.url), '--serve', String(port)], { stdio: 'ignore' });
  await waitPort(port);
  return { name: 'node floor', port, proc };
}

interface Sample {
  rps: number;
  cpuUsPerOp: number;
}

function runOnce(srv: Server, requests: number, clients: number): Sample | null {
  const before = cpuMicros(srv.proc.pid!);
  let out: string;
  try {
    out = execFileSync('redis-benchmark', ['-p', String(srv.port), '-h', '127.0.0.1', '-t', 'ping_mbulk', '-n', String(requests), '-c', String(clients), '--threads', '2', '--csv'], { encoding: 'latin1', stdio: ['ignore', 'pipe', 'pipe'], timeout: 300000 });
  } catch {
    return null;
  }
  const after = cpuMicros(srv.proc.pid!);
  const line = out.trim().split('\n').find((l) => l.startsWith('"PING'));
  if (line === undefined) return null;
  const rps = Number(line.split(',')[1].replace(/"/g, ''));
  return rps > 0 ? { rps, cpuUsPerOp: (after - before) / requests } : null;
}

async function main(): Promise<void> {
  const rounds = Number(argValue(args, 'rounds', '3'));
  const requests = Number(argValue(args, 'requests', '300000'));
  const clients = Number(argValue(args, 'clients', '50'));
  const servers = [await startOurs(1), await startFloor(), await startRedis()];
  const samples = new Map<Server, Sample[]>(servers.map((s) => [s, []]));
  try {
    for (const s of servers) runOnce(s, Math.ceil(requests / 3), clients); // warm-up
    for (let r = 0; r < rounds; r++) {
      for (const s of servers) {
        const x = runOnce(s, requests, clients);
        if (x !== null) samples.get(s)!.push(x);
      }
    }
  } finally {
    for (const s of servers) await stopServer(s);
  }
  const redis = samples.get(servers[2])!;
  const redisCpu = median(redis.map((x) => x.cpuUsPerOp));
  const redisRps = median(redis.map((x) => x.rps));
  console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, ${new Date().toISOString()}, node ${process.versions.node}, PING_MBULK at pipeline 1, ${clients} clients, -n ${requests}, ${rounds} rounds (medians)`);
  console.log('| server | cpu µs/request | cpu ratio to redis | requests/s | rps ratio to redis |');
  console.log('|---|---|---|---|---|');
  for (const s of servers) {
    const xs = samples.get(s)!;
    const cpu = median(xs.map((x) => x.cpuUsPerOp));
    const rps = median(xs.map((x) => x.rps));
    console.log(`| ${s.name} | ${cpu.toFixed(2)} | ${(cpu / redisCpu).toFixed(2)} | ${Math.round(rps)} | ${(rps / redisRps).toFixed(2)} |`);
  }
}

if (args[0] === '--serve') serve(Number(args[1]));
else await main();
