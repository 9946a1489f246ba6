// Starting the two servers a benchmark compares: ours (on the project's Node,
// like bin/keydb-server) and Debian's redis-server, each on a free port with
// persistence off, the CPU time they use; the median of measurements,
// argument parsing and the RESP encoding of commands. Shared by bench/run.ts,
// bench/memory.ts, bench/transactions.ts, bench/hop.ts.

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface Server {
  name: string;
  port: number;
  proc: ChildProcess;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

export async function waitPort(port: number): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const ok = await new Promise<boolean>((r) => {
      const s = net.connect(port, '127.0.0.1');
      // Connected to itself (the kernel picked `port` for the local end while nobody listens): not the server.
      s.once('connect', () => {
        const self = s.localPort === port;
        s.destroy();
        r(!self);
      });
      s.once('error', () => r(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('server did not start on ' + port);
}

/** Our server with `threads` server threads; `args` are extra directives. */
export async function startOurs(threads: number, args: string[] = []): Promise<Server> {
  const port = await freePort();
  const local = path.join(root, 'node_modules/.bin/node');
  const node = existsSync(local) ? local : process.execPath;
  const proc = spawn(node, [path.join(root, 'src/main.ts'), '--port', String(port), '--bind', '127.0.0.1', '--server-threads', String(threads), '--save', '', '--appendonly', 'no', '--loglevel', 'warning', ...args], { cwd: root, stdio: 'ignore' });
  await waitPort(port);
  return { name: `ours(t=${threads})`, port, proc };
}

/** Debian's redis-server with persistence off; `args` are extra directives. */
export async function startRedis(args: string[] = []): Promise<Server> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-redis-'));
  const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--loglevel', 'warning', ...args], { stdio: 'ignore' });
  await waitPort(port);
  return { name: 'redis', port, proc };
}

export function stopServer(s: Server): Promise<void> {
  return new Promise((resolve) => {
    if (s.proc.exitCode !== null || s.proc.signalCode !== null) return resolve();
    s.proc.once('exit', () => resolve());
    s.proc.kill('SIGTERM');
  });
}

const TICK_US = 1e6 / Number(execFileSync('getconf', ['CLK_TCK']).toString().trim() || '100');

/** CPU time a process has used so far, all threads, user + system, in microseconds (/proc, clock-tick resolution). */
export function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_US;
}

/** The whole machine's CPU time so far (/proc/stat, every CPU, in clock ticks): idle (idle + iowait) and total. */
export function machineCpu(): { idle: number; total: number } {
  const f = readFileSync('/proc/stat', 'latin1').split('\n')[0].trim().split(/\s+/).slice(1, 9).map(Number);
  return { idle: f[3] + f[4], total: f.reduce((a, b) => a + b, 0) };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** The value after `--name` in a benchmark's arguments, or `def`. */
export function argValue(args: string[], name: string, def: string): string {
  const i = args.indexOf('--' + name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : def;
}

/** A command as a client sends it (RESP array of bulk strings; latin1 arguments). */
export function respCommand(args: string[]): string {
  let s = `*${args.length}\r\n`;
  for (const a of args) s += `$${a.length}\r\n${a}\r\n`;
  return s;
}
