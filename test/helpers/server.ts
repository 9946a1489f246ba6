// Starting servers for integration and differential tests: ours (through the
// project's Node, like bin/keydb-server) and a real redis-server, each on a
// free port, stopped after the suite.

import { spawn, type ChildProcess, execFileSync } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface RunningServer {
  port: number;
  proc: ChildProcess;
  output: () => string;
  stop: () => Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

function nodeBinary(): string {
  const local = path.join(root, 'node_modules/.bin/node');
  return existsSync(local) ? local : process.execPath;
}

async function waitForPort(port: number, proc: ChildProcess, out: () => string, timeoutMs = 20000): Promise<void> {
  return waitForListener({ port, host: '127.0.0.1' }, proc, out, timeoutMs);
}

/**
 * Wait until the server's unix socket takes connections: it opens after the
 * TCP port (startServer waits for that one only).
 */
export function waitForUnixSocket(srv: RunningServer, socketPath: string, timeoutMs = 20000): Promise<void> {
  return waitForListener({ path: socketPath }, srv.proc, srv.output, timeoutMs);
}

async function waitForListener(where: net.NetConnectOpts, proc: ChildProcess, out: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`server exited with ${proc.exitCode}:\n${out()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(where);
      s.once('connect', () => {
        // A connection to a port nobody listens on yet can connect to itself when the kernel picks
        // that same port for its local end (TCP simultaneous open): not the server.
        const self = 'port' in where && s.localPort === where.port;
        s.destroy();
        resolve(!self);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`server did not start listening on ${JSON.stringify(where)}:\n${out()}`);
}

function stopper(proc: ChildProcess): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
      proc.once('exit', () => resolve());
      proc.kill('SIGTERM');
      setTimeout(() => proc.kill('SIGKILL'), 5000).unref();
    });
}

/**
 * Start our server: `args` are directives as on the command line (e.g.
 * ['--server-threads', '4']). `waitReady: false` returns as soon as the
 * process is spawned, before it listens. `port`: that one instead of a free one.
 */
export async function startServer(args: string[] = [], opts: { configFile?: string; waitReady?: boolean; port?: number } = {}): Promise<RunningServer> {
  const port = opts.port ?? (await freePort());
  const argv = [path.join(root, 'src/main.ts')];
  if (opts.configFile !== undefined) argv.push(opts.configFile);
  argv.push('--port', String(port), '--bind', '127.0.0.1', '--save', '', ...args);
  const proc = spawn(nodeBinary(), argv, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let buf = '';
  proc.stdout!.on('data', (d) => (buf += d));
  proc.stderr!.on('data', (d) => (buf += d));
  const output = () => buf;
  if (opts.waitReady !== false) await waitForPort(port, proc, output);
  return { port, proc, output, stop: stopper(proc) };
}

export function haveRedisServer(): boolean {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Start Debian's redis-server 7.0 with no persistence, for differential tests. */
export async function startRedis(args: string[] = []): Promise<RunningServer> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'redis-diff-'));
  const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--enable-debug-command', 'yes', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let buf = '';
  proc.stdout!.on('data', (d) => (buf += d));
  proc.stderr!.on('data', (d) => (buf += d));
  const output = () => buf;
  await waitForPort(port, proc, output);
  return { port, proc, output, stop: stopper(proc) };
}

export { root };
