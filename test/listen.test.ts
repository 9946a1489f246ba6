// The listeners: every server thread listens on the port (SO_REUSEPORT) and
// the kernel spreads new connections over the sockets listening. They open
// together once all threads have started, so that the first connections
// (a pool opened as the server comes up) do not all land on the one thread
// that happened to listen first, and stay there.

import { it, expect, afterAll } from 'vitest';
import net from 'node:net';
import { startServer, freePort, waitForUnixSocket, type RunningServer } from './helpers/server.ts';
import { writeFileSync, existsSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RawClient } from './helpers/resp.ts';

const servers: RunningServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

/** A connection to port, or null when nobody listens yet (or the kernel connected it to itself). */
function tryConnect(port: number): Promise<net.Socket | null> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      if (s.localPort !== port) return resolve(s);
      s.destroy();
      resolve(null);
    });
    s.once('error', () => resolve(null));
  });
}

/** PING on a raw connection; the reply. */
function ping(s: net.Socket): Promise<string> {
  return new Promise((resolve) => {
    let got = '';
    const onData = (d: Buffer): void => {
      got += d.toString('latin1');
      if (!got.endsWith('\r\n')) return;
      s.off('data', onData);
      resolve(got);
    };
    s.on('data', onData);
    s.write('PING\r\n');
  });
}

/** INFO threads' clients= per thread. */
async function clientsPerThread(c: RawClient): Promise<number[]> {
  const info = await c.command('INFO', 'threads');
  return [...info.matchAll(/^thread_\d+:clients=(\d+)/gm)].map((m) => Number(m[1]));
}

it('connections opened the moment the port opens spread over both threads', async () => {
  const srv = await startServer(['--server-threads', '2'], { waitReady: false });
  servers.push(srv);
  const sockets: net.Socket[] = [];
  try {
    // The first connection the port takes, then 39 more right away: a pool connecting as the server starts.
    for (let tries = 0; sockets.length === 0; tries++) {
      if (srv.proc.exitCode !== null || tries > 10000) throw new Error('server did not start:\n' + srv.output());
      const s = await tryConnect(srv.port);
      if (s !== null) sockets.push(s);
      else await new Promise((r) => setTimeout(r, 1));
    }
    while (sockets.length < 40) sockets.push((await tryConnect(srv.port))!);
    const probe = await RawClient.connect(srv.port);
    let per = await clientsPerThread(probe);
    // Every connection is served by now or soon (accepted on its thread's event loop).
    while (per[0] + per[1] < 41) per = await clientsPerThread(probe);
    probe.close();
    expect(per.length).toBe(2);
    expect(per[0]).toBeGreaterThan(0);
    expect(per[1]).toBeGreaterThan(0);
    // Every connection is served, those handed to another thread as they came included.
    const replies = await Promise.all(sockets.map((s) => ping(s)));
    expect(replies.every((r) => r === '+PONG\r\n')).toBe(true);
  } finally {
    for (const s of sockets) s.destroy();
  }
});

it('a second server on a port in use refuses to start, as redis-server does; the first goes on', async () => {
  const first = await startServer(['--server-threads', '2']);
  servers.push(first);
  // The threads listen with SO_REUSEPORT: without the check a second instance would share the port.
  const second = await startServer(['--server-threads', '2'], { port: first.port, waitReady: false });
  servers.push(second);
  expect(await outcome(second)).toBe(1);
  expect(second.output()).toContain(`Warning: Could not create server TCP listening socket 127.0.0.1:${first.port}: bind: Address already in use`);
  expect(second.output()).toContain(`Failed listening on port ${first.port} (TCP), aborting.`);
  // Every new connection still reaches the first server.
  for (let i = 0; i < 8; i++) {
    const c = await RawClient.connect(first.port);
    expect(await c.command('PING')).toBe('+PONG\r\n');
    c.close();
  }
});

it('the unix socket path is taken over from whatever a crashed server left there, as redis-server does', async () => {
  const sock = path.join(os.tmpdir(), `keydb-listen-${process.pid}.sock`);
  writeFileSync(sock, 'left behind');
  try {
    const srv = await startServer(['--unixsocket', sock]);
    servers.push(srv);
    await waitForUnixSocket(srv, sock);
    const c = await RawClient.connectUnix(sock);
    expect(await c.command('PING')).toBe('+PONG\r\n');
    c.close();
  } finally {
    if (existsSync(sock)) rmSync(sock);
  }
});

/** The server's exit code, or 'ready' when it started listening after all. */
function outcome(srv: RunningServer): Promise<number | null | 'ready'> {
  return new Promise((resolve) => {
    const poll = setInterval(() => {
      if (srv.proc.exitCode !== null) resolve(srv.proc.exitCode);
      else if (srv.output().includes('Ready to accept connections')) resolve('ready');
      else return;
      clearInterval(poll);
    }, 20);
  });
}

it('an address it cannot listen on stops the server with redis-server log lines', async () => {
  // 192.0.2.1: TEST-NET-1 (RFC 5737), on no machine's interfaces.
  const srv = await startServer(['--bind', '192.0.2.1'], { waitReady: false });
  servers.push(srv);
  expect(await outcome(srv)).toBe(1);
  expect(srv.output()).toContain(`Warning: Could not create server TCP listening socket 192.0.2.1:${srv.port}: bind: Cannot assign requested address`);
  expect(srv.output()).toContain(`Failed listening on port ${srv.port} (TCP), aborting.`);
  const unix = await startServer(['--unixsocket', '/nonexistent-dir-for-keydb-test/x.sock'], { waitReady: false });
  servers.push(unix);
  expect(await outcome(unix)).toBe(1);
  expect(unix.output()).toContain('Failed opening Unix socket: bind: No such file or directory');
});

it('CONFIG SET port and bind move the listeners of every thread, and refuse what they cannot listen on, as redis-server does', async () => {
  const a = await startServer(['--server-threads', '2']);
  const b = await startServer();
  servers.push(a, b);
  const c = await RawClient.connect(a.port);
  // A port another process listens on, an address this machine lacks: refused, nothing changes.
  expect(await c.command('CONFIG', 'SET', 'port', String(b.port))).toBe("-ERR CONFIG SET failed (possibly related to argument 'port') - Unable to listen on this port. Check server logs.\r\n");
  expect(await c.command('CONFIG', 'SET', 'bind', '192.0.2.1')).toBe("-ERR CONFIG SET failed (possibly related to argument 'bind') - Failed to bind to specified addresses.\r\n");
  expect(await c.command('CONFIG', 'GET', 'port')).toBe(`*2\r\n$4\r\nport\r\n$${String(a.port).length}\r\n${a.port}\r\n`);
  // A free port: new connections go there, none to the old one; open ones go on.
  const next = await freePort();
  expect(await c.command('CONFIG', 'SET', 'port', String(next))).toBe('+OK\r\n');
  for (let i = 0; i < 8; i++) {
    const n = await RawClient.connect(next);
    expect(await n.command('PING')).toBe('+PONG\r\n');
    n.close();
  }
  expect(await tryConnect(a.port)).toBeNull();
  expect(await clientsPerThread(c)).toHaveLength(2);
  expect(await c.command('PING')).toBe('+PONG\r\n');
  c.close();
});
