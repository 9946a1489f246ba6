// Entry of a server thread: rebuilds the config, joins the rings, listens
// on every bind address with reusePort (the kernel spreads connections over
// the threads) and serves clients; talks to the main thread through comlink.

import { workerData, parentPort, type MessagePort } from 'node:worker_threads';
import net from 'node:net';
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { Config } from '../config/config.ts';
import { Channels } from '../router/channels.ts';
import { ShardThread } from './shard_thread.ts';
import { Client } from './client.ts';
import { createLogger } from '../log.ts';
import { startExpireCycle } from './expire_cycle.ts';
import type { MainApi, WorkerApi, WorkerInit } from '../control.ts';
import { CTRL_CLIENT_ID, CTRL_CLIENTS } from '../control.ts';

const init = workerData as WorkerInit;
const config = Config.fromSnapshot(init.config, init.configFile);
const log = createLogger({ level: config.str('loglevel'), file: config.str('logfile'), format: config.str('log-format'), role: 'M' });
const channels = new Channels(init.index, init.threads, init.rings, init.ringCapacity, init.control);
const thread = new ShardThread(init.index, init.threads, config, channels);
const ctrl = new Int32Array(init.control);
const main = Comlink.wrap<MainApi>(nodeEndpoint(init.mainPort as MessagePort));
thread.main = main;
thread.log = log;
const servers: net.Server[] = [];

function onConnection(socket: net.Socket): void {
  thread.stats.connectionsReceived++;
  const total = Atomics.add(ctrl, CTRL_CLIENTS, 1) + 1;
  const maxclients = config.num('maxclients');
  if (total > maxclients) {
    Atomics.sub(ctrl, CTRL_CLIENTS, 1);
    thread.stats.rejectedConnections++;
    socket.end('-ERR max number of clients reached\r\n');
    return;
  }
  socket.setNoDelay(true);
  const ka = config.num('tcp-keepalive');
  if (ka > 0 && socket.remoteAddress !== undefined) socket.setKeepAlive(true, ka * 1000);
  const id = Atomics.add(ctrl, CTRL_CLIENT_ID, 1) + 1;
  const client = new Client(id, thread, socket, config.str('requirepass') === '');
  thread.clients.set(id, client);
  socket.on('data', (chunk: Buffer) => client.onData(chunk));
  socket.on('error', () => {});
  socket.on('close', () => {
    client.closed = true;
    if (thread.clients.delete(id)) Atomics.sub(ctrl, CTRL_CLIENTS, 1);
  });
}

function listen(): Promise<void[]> {
  const port = config.num('port');
  const waits: Promise<void>[] = [];
  if (port !== 0) {
    for (let addr of config.list('bind')) {
      const optional = addr.startsWith('-');
      if (optional) addr = addr.slice(1);
      const host = addr === '*' ? '0.0.0.0' : addr;
      waits.push(
        new Promise<void>((resolve, reject) => {
          const srv = net.createServer({ noDelay: true }, onConnection);
          srv.once('error', (e: NodeJS.ErrnoException) => {
            if (optional && (e.code === 'EADDRNOTAVAIL' || e.code === 'EAFNOSUPPORT')) resolve();
            else reject(new Error(`Could not create server TCP listening socket ${addr}:${port}: ${e.message}`));
          });
          srv.listen({ port, host, reusePort: true, backlog: config.num('tcp-backlog') }, () => {
            servers.push(srv);
            resolve();
          });
        }),
      );
    }
  }
  const unix = config.str('unixsocket');
  if (unix !== '' && init.index === 0) {
    waits.push(
      new Promise<void>((resolve, reject) => {
        const srv = net.createServer({ noDelay: true }, onConnection);
        srv.once('error', (e) => reject(new Error(`Failed opening Unix socket: ${e.message}`)));
        srv.listen(unix, async () => {
          const { chmodSync } = await import('node:fs');
          chmodSync(unix, parseInt(config.str('unixsocketperm') || '0', 8) || 0o700);
          servers.push(srv);
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
    await listen();
  },
  applyConfig(changed) {
    config.applySnapshotValues(changed);
    thread.configChanged(changed);
  },
  async stopListening() {
    await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  },
  closeClients() {
    for (const c of thread.clients.values()) c.close();
  },
};

Comlink.expose(api, nodeEndpoint(parentPort!));
