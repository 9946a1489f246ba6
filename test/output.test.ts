// Replies written straight to the socket handle (conn_socket.ts
// writeToSocket): a client that stops reading makes the kernel refuse bytes
// and libuv queue the rest; the replies must still arrive complete and in
// order, and QUIT must close only after every queued reply went out.

import { it, expect, beforeAll, afterAll } from 'vitest';
import net from 'node:net';
import { startServer, type RunningServer } from './helpers/server.ts';

let srv: RunningServer;
beforeAll(async () => {
  srv = await startServer(['--server-threads', '2']);
});
afterAll(async () => {
  await srv?.stop();
});

function cmd(...args: string[]): string {
  return `*${args.length}\r\n` + args.map((a) => `$${a.length}\r\n${a}\r\n`).join('');
}

/** Send `request`, wait `pauseMs` without reading, then read until the server closes. */
function exchange(request: string, pauseMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const s = net.connect(srv.port, '127.0.0.1', () => {
      s.pause();
      s.write(request);
      setTimeout(() => s.resume(), pauseMs);
    });
    s.on('data', (c) => chunks.push(c));
    s.on('error', reject);
    s.on('close', () => resolve(Buffer.concat(chunks)));
  });
}

it('replies to a client that stops reading arrive complete and in order, before QUIT closes', async () => {
  const value = 'v'.repeat(256 * 1024);
  const setup = await exchange(cmd('SET', 'big', value) + cmd('SET', '{big}n', '0') + cmd('QUIT'), 0);
  expect(setup.toString('latin1')).toBe('+OK\r\n+OK\r\n+OK\r\n');
  let request = '';
  let expected = '';
  for (let i = 1; i <= 100; i++) {
    request += cmd('GET', 'big') + cmd('INCR', '{big}n');
    expected += `$${value.length}\r\n${value}\r\n:${i}\r\n`;
  }
  request += cmd('QUIT');
  expected += '+OK\r\n';
  // 25 MB of replies: far more than the socket buffers hold while the client does not read.
  const got = await exchange(request, 300);
  expect(got.length).toBe(expected.length);
  expect(got.toString('latin1') === expected).toBe(true);
});
