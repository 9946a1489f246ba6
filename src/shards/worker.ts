// Entry of a server thread: rebuilds the config, joins the rings, listens
// on every bind address with reusePort (the kernel spreads connections over
// the threads) and serves clients; talks to the main thread through comlink.

import { workerData, parentPort, type MessagePort } from 'node:worker_threads';
import net from 'node:net';
import { chmodSync, existsSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { Config } from '../config/config.ts';
import { Channels } from '../router/channels.ts';
import { ShardThread } from './shard_thread.ts';
import { Client } from './client.ts';
import { readIntoBuffer, adoptDescriptor, ReadBuffer } from './conn_socket.ts';
import { restoreState, countMoveEnded, type ClientState } from './migrate.ts';
import { trimOutputSpares } from '../proto/reply_writer.ts';
import { createLogger } from '../log.ts';
import { startExpireCycle } from './expire_cycle.ts';
import { startIdleGc } from './gc.ts';
import { initMonitors } from './monitor.ts';
import { initScripting } from '../scripting/engine.ts';
import type { MainApi, WorkerApi, WorkerInit } from '../control.ts';
import { CTRL_CLIENT_ID, CTRL_CLIENTS, CTRL_LISTEN_BARRIER, CTRL_LISTENING } from '../control.ts';
import { listenAddresses, tcpListenFailure } from '../listen_addresses.ts';
import { strerror } from '../config/strerror.ts';

const init = workerData as WorkerInit;
const config = Config.fromSnapshot(init.config, init.configFile);
const log = createLogger({ level: config.str('loglevel'), file: config.str('logfile'), format: config.str('log-format'), role: 'M' });
const channels = new Channels(init.index, init.threads, init.rings, init.ringCapacity, init.control);
const thread = new ShardThread(init.index, init.threads, config, channels);
const ctrl = new Int32Array(init.control);
const main = Comlink.wrap<MainApi>(nodeEndpoint(init.mainPort as MessagePort));
thread.main = main;
thread.ctrl = ctrl;
if (init.runId !== undefined) thread.runId = init.runId;
if (init.startTime !== undefined) thread.serverStart = init.startTime;
thread.log = log;
initMonitors(ctrl);
if (init.scripting !== undefined) initScripting(thread, init.scripting);
/** The listeners: TCP (port, bind) and the unix socket. */
let tcpServers: net.Server[] = [];
const unixServers: net.Server[] = [];
/** TCP listeners opened for a CONFIG SET of port or bind, not switched to yet (tcpListenNew). */
let pendingTcp: net.Server[] = [];

/** A numeric directive, or `dflt` while the config does not know it. */
function numOr(name: string, dflt: number): number {
  try {
    const v = config.num(name);
    return Number.isFinite(v) ? v : dflt;
  } catch {
    return dflt;
  }
}

/** The parser limits that follow the config: proto-max-bulk-len, client-query-buffer-limit. */
const limits = { maxBulkLen: 512 * 1024 * 1024, queryBufferLimit: 1024 * 1024 * 1024 };

function readLimits(): void {
  limits.maxBulkLen = numOr('proto-max-bulk-len', 512 * 1024 * 1024);
  limits.queryBufferLimit = numOr('client-query-buffer-limit', 1024 * 1024 * 1024);
}
readLimits();

/** Where this thread's connections read (conn_socket.ts): one buffer, consumed or copied on each read. */
const readBuffer = new ReadBuffer();

/** A new connection (accepted paused); `unixPath` is set for the unix socket listener. */
function onConnection(accepted: net.Socket, unixPath: string): void {
  accepted.on('error', () => {});
  if (unixPath === '' && accepted.remoteAddress === undefined) {
    // Reset by the peer before we got to it.
    accepted.destroy();
    return;
  }
  const total = Atomics.add(ctrl, CTRL_CLIENTS, 1) + 1;
  const maxclients = config.num('maxclients');
  if (total > maxclients) {
    Atomics.sub(ctrl, CTRL_CLIENTS, 1);
    thread.stats.rejectedConnections++;
    accepted.end('-ERR max number of clients reached\r\n', () => accepted.destroy());
    return;
  }
  let client: Client | null = null;
  const socket = readIntoBuffer(accepted, readBuffer, (chunk) => client!.onData(chunk, true));
  if (socket === null) {
    Atomics.sub(ctrl, CTRL_CLIENTS, 1);
    return;
  }
  thread.stats.connectionsReceived++;
  socket.setNoDelay(true);
  const ka = config.num('tcp-keepalive');
  if (ka > 0 && unixPath === '') socket.setKeepAlive(true, ka * 1000);
  client = serve(socket, Atomics.add(ctrl, CTRL_CLIENT_ID, 1) + 1, unixPath, null);
  // Accepted while another thread's listener was not open yet (the threads open theirs together,
  // but a woken thread may wait for a core): the kernel had only this thread to give it to.
  if (unixPath === '' && thread.migrateConnections && Atomics.load(ctrl, CTRL_LISTENING) < init.threads) {
    const to = (init.index + earlyAccepts++) % init.threads;
    if (to !== init.index) client.moveNow(to);
  }
}

/** Connections accepted before every thread listened: they go round the threads. */
let earlyAccepts = 0;

/**
 * A connection another thread handed over (migrate.ts): fd, a duplicate of
 * its descriptor (its socket options came along: they belong to the
 * kernel's socket), served as client `id` with the state it had there.
 */
function adoptConnection(fd: number, id: number, state: ClientState): void {
  if (thread.adoptDelayMs > 0) setTimeout(takeOver, thread.adoptDelayMs, fd, id, state);
  else takeOver(fd, id, state);
}

/** adoptConnection's work: the descriptor becomes a socket of this thread's loop, served as client `id`. */
function takeOver(fd: number, id: number, state: ClientState): void {
  let client: Client | null = null;
  let socket: net.Socket;
  try {
    socket = adoptDescriptor(fd, readBuffer, (chunk) => client!.onData(chunk, true));
  } catch (e) {
    log.warning(`Could not take over a connection from another thread: ${(e as Error).message}`);
    thread.dropConnection(fd);
    return;
  }
  thread.stats.migratedIn++;
  try {
    client = serve(socket, id, state.unixPath, state);
  } finally {
    // Whatever happened, the move is over: looks over every thread's clients must not wait for it.
    countMoveEnded(ctrl);
  }
}
thread.adoptConnection = adoptConnection;

/** Serve `socket` as client `id` from now on (`state`: what it brings from another thread). */
function serve(socket: net.Socket, id: number, unixPath: string, state: ClientState | null): Client {
  socket.on('error', () => {});
  const c = new Client(id, thread, socket, config.str('requirepass') === '', unixPath);
  if (state !== null) restoreState(c, state);
  c.parser.maxBulkLen = limits.maxBulkLen;
  c.parser.queryBufferLimit = limits.queryBufferLimit;
  thread.clients.set(id, c);
  socket.on('close', () => {
    c.onClosed();
    // Not when it moved to another thread (handOver took it out of the map first).
    if (thread.clients.delete(id)) Atomics.sub(ctrl, CTRL_CLIENTS, 1);
  });
  return c;
}

/**
 * Like Redis's clientsCron: close clients idle longer than `timeout` seconds
 * (not replicas, monitors, blocked or Pub/Sub clients), restart the
 * read-buffer peak figure of CLIENT LIST, and give back the input buffer
 * room of clients idle for two seconds (RequestParser.trim), the reply
 * writer's spare buffers beyond two and the room the lock table grew to.
 */
function clientsCron(): void {
  trimOutputSpares();
  thread.locks.trim();
  const timeout = numOr('timeout', 0);
  const now = Date.now();
  const nowSec = Math.floor(now / 1000);
  for (const c of thread.clients.values()) {
    c.readPeak = 0;
    if (now - c.lastInteraction > 2000) c.parser.trim();
    if (timeout <= 0 || c.closed) continue;
    if (c.replicaLike || c.blocked !== null || c.pausedNow || c.sub + c.psub + c.ssub > 0) continue;
    if (nowSec - Math.floor(c.lastInteraction / 1000) > timeout) {
      log.verbose('Closing idle client');
      c.close();
    }
  }
}

/** Longest a thread waits at the listen barrier for the others (they are all started: a few ms at most). */
const LISTEN_BARRIER_MS = 1000;

/**
 * Wait until every server thread is here, so that all bind their listeners
 * within microseconds of each other (listen() makes its syscalls at once for
 * an address). Connections that came while a single thread listened would
 * all be its own, and stay there.
 */
function listenBarrier(): void {
  if (Atomics.add(ctrl, CTRL_LISTEN_BARRIER, 1) + 1 >= init.threads) {
    Atomics.notify(ctrl, CTRL_LISTEN_BARRIER);
    return;
  }
  const until = Date.now() + LISTEN_BARRIER_MS;
  for (;;) {
    const here = Atomics.load(ctrl, CTRL_LISTEN_BARRIER);
    if (here >= init.threads || Date.now() >= until) return;
    Atomics.wait(ctrl, CTRL_LISTEN_BARRIER, here, 1);
  }
}

/** TCP listeners on `port` (none for 0) at the bind addresses, into `into`; rejects with Redis's log lines when one fails. */
function listenTcp(port: number, bind: string[], into: net.Server[]): Promise<void[]> {
  const waits: Promise<void>[] = [];
  if (port !== 0) {
    for (const { addr, host, ipv6Only, optional } of listenAddresses(bind)) {
      waits.push(
        new Promise<void>((resolve, reject) => {
          const srv = net.createServer({ noDelay: true, pauseOnConnect: true }, (s) => onConnection(s, ''));
          srv.once('error', (e: NodeJS.ErrnoException) => {
            if (optional && (e.code === 'EADDRNOTAVAIL' || e.code === 'EAFNOSUPPORT' || e.code === 'EPROTONOSUPPORT')) resolve();
            else reject(new Error(tcpListenFailure(addr, port, strerror(e))));
          });
          srv.listen({ port, host, ipv6Only, reusePort: true, backlog: config.num('tcp-backlog') }, () => {
            into.push(srv);
            resolve();
          });
        }),
      );
    }
  }
  return Promise.all(waits);
}

function listen(): Promise<unknown> {
  const waits: Promise<unknown>[] = [listenTcp(config.num('port'), config.list('bind'), tcpServers)];
  const unix = config.str('unixsocket');
  if (unix !== '' && init.index === 0) {
    waits.push(
      new Promise<void>((resolve, reject) => {
        const srv = net.createServer({ noDelay: true, pauseOnConnect: true }, (s) => onConnection(s, unix));
        srv.once('error', (e: NodeJS.ErrnoException) => {
          // libuv reports a missing directory as EACCES; Redis prints bind's own error.
          const code = e.code === 'EACCES' && !existsSync(path.dirname(unix)) ? 'ENOENT' : e;
          reject(new Error(`Failed opening Unix socket: bind: ${strerror(code)}`));
        });
        // As Redis: whatever is at the path goes first (the socket file a crashed server left, say).
        try {
          unlinkSync(unix);
        } catch {
          // nothing there
        }
        srv.listen(unix, () => {
          chmodSync(unix, parseInt(config.str('unixsocketperm') || '0', 8) || 0o700);
          unixServers.push(srv);
          resolve();
        });
      }),
    );
  }
  return Promise.all(waits);
}

const api: WorkerApi = {
  async start() {
    channels.start();
    startExpireCycle(thread);
    setInterval(() => thread.stats.sample(), 100).unref();
    setInterval(clientsCron, 1000).unref();
    startIdleGc(thread);
  },
  async listen() {
    listenBarrier();
    await listen();
    Atomics.add(ctrl, CTRL_LISTENING, 1);
  },
  applyConfig(changed) {
    config.applySnapshotValues(changed);
    thread.configChanged(changed);
    if ('proto-max-bulk-len' in changed || 'client-query-buffer-limit' in changed || 'requirepass' in changed) {
      readLimits();
      for (const c of thread.clients.values()) {
        c.parser.maxBulkLen = limits.maxBulkLen;
        c.parser.queryBufferLimit = limits.queryBufferLimit;
        c.parser.authenticated = !c.authRequired();
      }
    }
  },
  async tcpListenNew(port, bind) {
    try {
      await listenTcp(port, bind, pendingTcp);
      return null;
    } catch (e) {
      return (e as Error).message;
    }
  },
  tcpSwitch(commit) {
    // Stop accepting on the ones let go; close()'s callback would wait for every open connection to end.
    for (const s of commit ? tcpServers : pendingTcp) s.close();
    if (commit) tcpServers = pendingTcp;
    pendingTcp = [];
  },
  async stopListening() {
    // Stop accepting now; close()'s callback would wait for every open connection to end.
    for (const s of tcpServers) s.close();
    for (const s of unixServers) s.close();
  },
  closeClients() {
    for (const c of thread.clients.values()) c.close();
  },
};

Comlink.expose(api, nodeEndpoint(parentPort!));
