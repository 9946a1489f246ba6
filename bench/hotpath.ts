// In-process cost of the request path without sockets: a client with a fake
// socket is fed pipelined GET/SET requests; prints nanoseconds per command
// for parse + dispatch + execute + reply encoding. A regression guard for the
// JS side of the hot path (the syscalls are what bench/run.ts measures).
//
//   node_modules/.bin/node bench/hotpath.ts [commands-per-batch] [batches]

import { Config } from '../src/config/config.ts';
import { loadConfig } from '../src/config/config.ts';
import { Channels, controlBytes } from '../src/router/channels.ts';
import { ShardThread } from '../src/shards/shard_thread.ts';
import { Client } from '../src/shards/client.ts';
import type { Socket } from 'node:net';

const per = Number(process.argv[2] ?? 16);
const batches = Number(process.argv[3] ?? 200000);
const config: Config = loadConfig(undefined, ['--server-threads', '1']);
const channels = new Channels(0, 1, [[new SharedArrayBuffer(16)]], 64, new SharedArrayBuffer(controlBytes(1)));
const thread = new ShardThread(0, 1, config, channels);
let written = 0;
const socket = { write: (b: Buffer) => { written += b.length; return true; }, remoteAddress: '127.0.0.1', remotePort: 1, localAddress: '127.0.0.1', localPort: 2, end() {}, destroy() {} } as unknown as Socket;
const client = new Client(1, thread, socket, true);

function batch(cmd: string): Buffer {
  const parts: string[] = [];
  for (let i = 0; i < per; i++) {
    const key = 'key:' + String(i * 7919 % 100000).padStart(12, '0');
    parts.push(cmd === 'SET' ? `*3\r\n$3\r\nSET\r\n$${key.length}\r\n${key}\r\n$3\r\nxxx\r\n` : `*2\r\n$3\r\nGET\r\n$${key.length}\r\n${key}\r\n`);
  }
  return Buffer.from(parts.join(''), 'latin1');
}

for (const cmd of ['SET', 'GET']) {
  const b = batch(cmd);
  for (let i = 0; i < 20000; i++) client.onData(Buffer.from(b)), thread.flushOutputs();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < batches; i++) client.onData(Buffer.from(b)), thread.flushOutputs();
  const ns = Number(process.hrtime.bigint() - t0) / (batches * per);
  console.log(`${cmd}: ${ns.toFixed(0)} ns/command (batch ${per}), ${written} bytes written`);
}
process.exit(0);
