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

/** n characters that differ from those of every other i. */
function distinctValue(i: number, n: number): string {
  let s = '';
  for (let k = 0; s.length < n; k++) s += `<${i}:${k}>`;
  return s.slice(0, n);
}

it('big outputs handed off without a copy stay intact while other clients reuse the writer buffers', async () => {
  // 40 KB values, each different: a GET batch is over the hand-off size (reply_writer.ts HANDOFF_BYTES).
  const values = Array.from({ length: 8 }, (_, i) => distinctValue(i, 40 * 1024));
  let setup = '';
  for (let i = 0; i < values.length; i++) setup += cmd('SET', `hk${i}`, values[i]);
  const ok = await exchange(setup + cmd('QUIT'), 0);
  expect(ok.toString('latin1')).toBe('+OK\r\n'.repeat(values.length + 1));
  const batch = (order: number[], rounds: number): [string, string] => {
    let request = '';
    let expected = '';
    for (let r = 0; r < rounds; r++) {
      for (const i of order) {
        request += cmd('GET', `hk${i}`);
        expected += `$${values[i].length}\r\n${values[i]}\r\n`;
      }
      request += cmd('PING');
      expected += '+PONG\r\n';
    }
    return [request + cmd('QUIT'), expected + '+OK\r\n'];
  };
  // One client stops reading while its replies (over 6 MB) are queued by libuv; meanwhile
  // others take and return the writer's spare buffers many times.
  const [slowReq, slowExp] = batch([0, 1, 2, 3, 4, 5, 6, 7], 20);
  const slow = exchange(slowReq, 400);
  const others: Promise<Buffer>[] = [];
  const othersExp: string[] = [];
  for (let k = 0; k < 6; k++) {
    const [req, exp] = batch([(k + 3) % 8, (k + 5) % 8], 30);
    others.push(exchange(req, 0));
    othersExp.push(exp);
  }
  // And many clients whose output of a turn is one 40 KB reply (handed off, written at the turn's end).
  for (let k = 0; k < 24; k++) {
    const [req, exp] = batch([k % 8], 1);
    others.push(exchange(req, 0));
    othersExp.push(exp);
  }
  const got = await Promise.all(others);
  for (let k = 0; k < got.length; k++) expect(got[k].toString('latin1') === othersExp[k]).toBe(true);
  const slowGot = await slow;
  expect(slowGot.length).toBe(slowExp.length);
  expect(slowGot.toString('latin1') === slowExp).toBe(true);
});
