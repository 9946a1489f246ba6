// Connection commands and CLIENT subcommands, byte for byte against a real
// redis-server 7.0 (values that identify a connection, like ids, ports and
// buffer sizes, are masked before comparing).

import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import net from 'node:net';
import { useDiff, diffCase, type Cmd } from './helpers/diff.ts';
import { encodeCommand, RawClient } from './helpers/resp.ts';
import { startRedis, startServer, type RunningServer } from './helpers/server.ts';

const env = useDiff({ threads: 2 });

/** HELLO's id and CLIENT ID differ between servers. */
function maskIds(reply: string, cmd: Cmd): string {
  const name = String(cmd[0]).toLowerCase();
  if (name === 'hello') return reply.replace(/(\$2\r\nid\r\n):\d+\r\n/, '$1:N\r\n');
  if (name === 'client' && String(cmd[1]).toLowerCase() === 'id') return reply.replace(/^:\d+\r\n$/, ':N\r\n');
  if (name === 'client' && String(cmd[1]).toLowerCase() === 'info') return maskInfo(reply);
  return reply;
}

const VOLATILE = /\b(id|addr|laddr|fd|age|idle|qbuf|qbuf-free|rbs|rbp|obl|oll|omem|tot-mem|events)=\S*/g;

/** Mask the per-connection values of CLIENT INFO / LIST lines, keeping the field layout and the rest. */
function maskInfo(reply: string): string {
  const m = /^([$=])(\d+)\r\n/.exec(reply);
  if (m === null) return reply;
  const start = m[0].length;
  const body = reply.slice(start, start + Number(m[2])).replace(VOLATILE, '$1=*');
  return `${m[1]}${body.length}\r\n${body}\r\n`;
}

function readUntil(port: number, data: Buffer, done: (got: string) => boolean): Promise<{ data: string; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let got = '';
    let finished = false;
    const finish = (closed: boolean): void => {
      if (finished) return;
      finished = true;
      clearTimeout(t);
      s.destroy();
      resolve({ data: got, closed });
    };
    const t = setTimeout(() => {
      finished = true;
      s.destroy();
      reject(new Error('timeout; got ' + JSON.stringify(got.slice(0, 300))));
    }, 10000);
    s.on('data', (d) => {
      got += d.toString('latin1');
      if (done(got)) finish(false);
    });
    s.on('error', () => {});
    s.on('close', () => finish(true));
    s.on('connect', () => s.write(data));
  });
}

const END = encodeCommand(['ECHO', '__pipeline_end__']);
const END_REPLY = '$16\r\n__pipeline_end__\r\n';

/**
 * Send all commands in one write (replies may be switched off, so there is no
 * reply per command to wait for), then an ECHO; compare everything up to its reply.
 */
function pipelineCase(name: string, cmds: string[][], normalize: (s: string) => string = (s) => s): void {
  it(name, async () => {
    const data = Buffer.concat([encodeCommand(['FLUSHALL']), ...cmds.map((c) => encodeCommand(c)), END]);
    const [a, b] = await Promise.all([env.ours!.port, env.redis!.port].map((p) => readUntil(p, data, (g) => g.endsWith(END_REPLY))));
    expect(normalize(a.data)).toBe(normalize(b.data));
    expect(a.closed).toBe(b.closed);
  });
}

describe('PING ECHO SELECT QUIT', () => {
  diffCase('PING and ECHO', [['PING'], ['PING', 'hello'], ['PING', 'a', 'b'], ['ping', ''], ['ECHO', 'x'], ['ECHO'], ['ECHO', 'a', 'b'], ['ECHO', '\0\r\n\xff'], ['echo', '']]);
  diffCase('SELECT', [
    ['SELECT', '15'], ['SET', 'k', 'v'], ['GET', 'k'], ['SELECT', '0'], ['GET', 'k'], ['SELECT', '15'], ['GET', 'k'],
    ['SELECT', '16'], ['SELECT', '-1'], ['SELECT', 'x'], ['SELECT', '2147483648'], ['SELECT', '-2147483649'], ['SELECT', '99999999999999999999'],
    ['SELECT', ' 1'], ['SELECT', '01'], ['SELECT', '+1'], ['SELECT', '1.0'], ['SELECT', ''], ['SELECT'], ['SELECT', '1', '2'],
  ]);
  diffCase('keys in another db across shards', [['SELECT', '3'], ['SET', 'a', '1'], ['SET', 'b', '2'], ['SET', 'c', '3'], ['DEL', 'a', 'b', 'c', 'd'], ['SELECT', '0'], ['DEL', 'a', 'b']]);
  diffCase('QUIT', [['PING'], ['QUIT']]);
  diffCase('QUIT with arguments', [['QUIT', 'now', 'please']]);
});

describe('AUTH and HELLO', () => {
  diffCase('AUTH without a password configured', [['AUTH', 'x'], ['AUTH', 'default', 'x'], ['AUTH', 'default', ''], ['AUTH', 'nobody', 'x'], ['AUTH', 'Default', 'x'], ['AUTH', 'a', 'b', 'c'], ['AUTH']]);
  diffCase(
    'HELLO versions and options',
    [
      ['HELLO'], ['HELLO', '2'], ['HELLO', '4'], ['HELLO', '1'], ['HELLO', '-1'], ['HELLO', 'x'], ['HELLO', '03'], ['HELLO', '3.0'], ['HELLO', '99999999999999999999'],
      ['HELLO', '3', 'foo'], ['HELLO', '3', 'SETNAME'], ['HELLO', '3', 'SETNAME', 'a b'], ['CLIENT', 'GETNAME'], ['HELLO', '2', 'SETNAME', 'nm'], ['CLIENT', 'GETNAME'],
      ['HELLO', '2', 'AUTH', 'default', 'x'], ['HELLO', '2', 'AUTH', 'nobody', 'x'], ['HELLO', '2', 'AUTH', 'default'], ['HELLO', '2', 'auth', 'default', 'p', 'setname'],
      ['HELLO', '2', 'SETNAME', 'ab', 'FOO'], ['CLIENT', 'GETNAME'], ['HELLO', '2', 'SETNAME', ''], ['CLIENT', 'GETNAME'], ['HELLO', '2', 'SETNAME', 'x', 'SETNAME', 'y'], ['CLIENT', 'GETNAME'],
    ],
    { normalize: maskIds },
  );
  diffCase(
    'RESP3 after HELLO 3',
    [
      ['HELLO', '3'], ['SET', 'a', '1'], ['GET', 'a'], ['GET', 'nokey'], ['CLIENT', 'GETNAME'], ['CLIENT', 'LIST', 'ID', '0'], ['CLIENT', 'INFO'],
      ['PING'], ['PING', 'x'], ['DEL', 'a', 'b', 'c'], ['HELLO', '3', 'SETNAME', 'bad name'], ['HELLO'], ['HELLO', '2'], ['GET', 'nokey'],
    ],
    { normalize: maskIds },
  );
  diffCase(
    'RESET',
    [
      ['SELECT', '3'], ['SET', 'k', 'v'], ['CLIENT', 'SETNAME', 'x'], ['HELLO', '3'], ['CLIENT', 'NO-EVICT', 'on'], ['RESET'], ['CLIENT', 'GETNAME'], ['GET', 'k'], ['CLIENT', 'INFO'],
      ['HELLO'], ['RESET', 'x'], ['reset'],
    ],
    { normalize: maskIds },
  );
});

describe('CLIENT', () => {
  diffCase(
    'ID SETNAME GETNAME',
    [
      ['CLIENT', 'ID'], ['CLIENT', 'ID', 'x'], ['CLIENT', 'GETNAME'], ['CLIENT', 'SETNAME', 'conn-1'], ['CLIENT', 'GETNAME'], ['CLIENT', 'SETNAME', 'a b'], ['CLIENT', 'SETNAME', 'a\nb'],
      ['CLIENT', 'SETNAME', '\xe9'], ['CLIENT', 'SETNAME', '~!'], ['CLIENT', 'GETNAME'], ['CLIENT', 'SETNAME', ''], ['CLIENT', 'GETNAME'], ['CLIENT', 'SETNAME'], ['CLIENT', 'SETNAME', 'a', 'b'],
      ['CLIENT', 'GETNAME', 'x'], ['client', 'setname', 'Mixed_Case'], ['CLIENT', 'GETNAME'],
    ],
    { normalize: maskIds },
  );
  diffCase('container errors and HELP', [['CLIENT'], ['CLIENT', 'FOO'], ['client', 'nosuch', 'x'], ['CLIENT', 'HELP'], ['CLIENT', 'help'], ['CLIENT', 'HELP', 'x'], ['CLIENT', 'GETREDIR'], ['CLIENT', 'GETREDIR', 'x']]);
  diffCase('NO-EVICT and REPLY arguments', [
    ['CLIENT', 'NO-EVICT', 'on'], ['CLIENT', 'NO-EVICT', 'OFF'], ['CLIENT', 'NO-EVICT', 'x'], ['CLIENT', 'NO-EVICT'], ['CLIENT', 'NO-EVICT', 'on', 'off'],
    ['CLIENT', 'REPLY', 'x'], ['CLIENT', 'REPLY'], ['CLIENT', 'REPLY', 'on', 'off'], ['CLIENT', 'REPLY', 'ON'],
  ]);
  diffCase('INFO fields', [['CLIENT', 'INFO'], ['CLIENT', 'SETNAME', 'inf'], ['SELECT', '5'], ['CLIENT', 'NO-EVICT', 'on'], ['CLIENT', 'INFO'], ['CLIENT', 'INFO', 'x']], { normalize: maskIds });
  diffCase('LIST arguments', [
    ['CLIENT', 'LIST', 'x'], ['CLIENT', 'LIST', 'TYPE', 'x'], ['CLIENT', 'LIST', 'TYPE', 'normal', 'x'], ['CLIENT', 'LIST', 'ID', 'x'], ['CLIENT', 'LIST', 'ID', '0', '99999'],
    ['CLIENT', 'LIST', 'TYPE', 'master'], ['CLIENT', 'LIST', 'TYPE', 'replica'], ['CLIENT', 'LIST', 'TYPE', 'slave'], ['CLIENT', 'LIST', 'TYPE', 'PUBSUB'], ['CLIENT', 'LIST', 'ID'],
    ['CLIENT', 'LIST', 'id', '1', 'x'], ['CLIENT', 'LIST', 'ID', '-5', '99999999999999999999'],
  ]);
  diffCase('KILL arguments and no match', [
    ['CLIENT', 'KILL', '1.2.3.4:5'], ['CLIENT', 'KILL', 'a', 'b', 'c'], ['CLIENT', 'KILL', 'ID', 'x'], ['CLIENT', 'KILL', 'ID', '0'], ['CLIENT', 'KILL', 'ID', '-1'],
    ['CLIENT', 'KILL', 'ID', '1', 'TYPE', 'x'], ['CLIENT', 'KILL', 'TYPE'], ['CLIENT', 'KILL', 'USER', 'nobody'], ['CLIENT', 'KILL', 'SKIPME', 'maybe'], ['CLIENT', 'KILL', 'ID', '999999'],
    ['CLIENT', 'KILL', 'ADDR', '1.2.3.4:5', 'LADDR', 'x'], ['CLIENT', 'KILL', 'TYPE', 'master'], ['CLIENT', 'KILL', 'TYPE', 'slave'], ['CLIENT', 'KILL', 'TYPE', 'pubsub'],
    ['CLIENT', 'KILL', 'USER', 'default', 'SKIPME', 'yes', 'ADDR', '9.9.9.9:1'], ['CLIENT', 'KILL', 'MAXAGE', '1'], ['CLIENT', 'KILL'], ['CLIENT', 'KILL', 'ID', '1', 'TYPE'],
  ]);
  diffCase('UNBLOCK of a client that is not blocked', [
    ['CLIENT', 'UNBLOCK', '99999'], ['CLIENT', 'UNBLOCK', '99999', 'TIMEOUT'], ['CLIENT', 'UNBLOCK', '99999', 'error'], ['CLIENT', 'UNBLOCK', 'x'], ['CLIENT', 'UNBLOCK', '1', 'x'],
    ['CLIENT', 'UNBLOCK', '0'], ['CLIENT', 'UNBLOCK', '-5'], ['CLIENT', 'UNBLOCK', '1', '2', '3'], ['CLIENT', 'UNBLOCK'],
  ]);
  diffCase('PAUSE and UNPAUSE arguments', [
    ['CLIENT', 'PAUSE', 'x'], ['CLIENT', 'PAUSE', '-1'], ['CLIENT', 'PAUSE', '10', 'x'], ['CLIENT', 'PAUSE', '10', 'write', 'x'], ['CLIENT', 'PAUSE', '99999999999999999999'],
    ['CLIENT', 'PAUSE', 'x', 'y'], ['CLIENT', 'PAUSE'], ['CLIENT', 'UNPAUSE', 'x'], ['CLIENT', 'PAUSE', '0'], ['CLIENT', 'PAUSE', '0', 'WRITE'], ['CLIENT', 'PAUSE', '1', 'all'],
    ['CLIENT', 'UNPAUSE'], ['PING'], ['CLIENT', 'PAUSE', '9223372036854775807', 'WRITE'], ['SET', 'k', 'v'], ['GET', 'k'],
  ]);
});

describe('reply modes and MONITOR (pipelined)', () => {
  // Keys spread over both shards, so replies come from the other thread too.
  const keys = ['a', 'b', 'c', 'd', 'e', 'f'];
  pipelineCase('CLIENT REPLY OFF / ON', [
    ['CLIENT', 'REPLY', 'OFF'], ...keys.map((k) => ['SET', k, k]), ['GET', 'a'], ['DEL', 'a', 'b', 'c'], ['NOSUCH'], ['CLIENT', 'REPLY', 'ON'], ...keys.map((k) => ['GET', k]),
  ]);
  pipelineCase('CLIENT REPLY SKIP', [
    ['CLIENT', 'REPLY', 'SKIP'], ['SET', 'a', '1'], ['GET', 'a'], ['CLIENT', 'REPLY', 'SKIP'], ['DEL', 'a', 'b', 'c'], ['GET', 'a'],
    ['CLIENT', 'REPLY', 'SKIP'], ['CLIENT', 'REPLY', 'SKIP'], ['PING', '1'], ['PING', '2'], ['CLIENT', 'REPLY', 'SKIP'], ['NOSUCH'], ['PING', '3'],
  ]);
  pipelineCase('interplay of OFF, SKIP, ON and RESET', [
    ['CLIENT', 'REPLY', 'SKIP'], ['RESET'], ['PING', '1'],
    ['CLIENT', 'REPLY', 'SKIP'], ['CLIENT', 'REPLY', 'ON'], ['PING', '2'],
    ['CLIENT', 'REPLY', 'OFF'], ['CLIENT', 'REPLY', 'SKIP'], ['PING', '3'], ['CLIENT', 'REPLY', 'ON'], ['PING', '4'],
    ['CLIENT', 'REPLY', 'OFF'], ['PING', '5'], ['RESET'], ['PING', '6'],
    ['CLIENT', 'REPLY', 'SKIP'], ['CLIENT', 'REPLY', 'OFF'], ['PING', '7'], ['CLIENT', 'REPLY', 'ON'], ['CLIENT', 'REPLY', 'x'],
  ]);
  pipelineCase(
    'MONITOR replies, its own commands and RESET',
    [['MONITOR'], ['MONITOR'], ['PING'], ['GET', 'k'], ['SET', 'k', 'v'], ['DEL', 'a', 'b'], ['CLIENT', 'SETNAME', 'mon'], ['ECHO', 'a"b\\c\x01\xff\r\n'], ['CLIENT', 'GETNAME'], ['RESET'], ['PING'], ['GET', 'k']],
    (s) => s.replace(/\+\d+\.\d{6} \[(\d+) [^\]]+\]/g, '+T [$1 peer]'),
  );
});

describe('with requirepass (own pair of servers)', () => {
  let ours: RunningServer;
  let redis: RunningServer;
  beforeAll(async () => {
    [ours, redis] = await Promise.all([startServer(['--server-threads', '2', '--requirepass', 'pw']), startRedis(['--requirepass', 'pw'])]);
  }, 60000);
  afterAll(async () => {
    await Promise.all([ours?.stop(), redis?.stop()]);
  });

  function authCase(name: string, cmds: string[][]): void {
    it(name, async () => {
      const [a, b] = await Promise.all([RawClient.connect(ours.port), RawClient.connect(redis.port)]);
      try {
        for (const cmd of cmds) {
          const [ra, rb] = await Promise.all([a.command(...cmd), b.command(...cmd)]);
          expect(maskIds(ra, cmd), cmd.join(' ')).toBe(maskIds(rb, cmd));
        }
      } finally {
        a.close();
        b.close();
      }
    });
  }

  authCase('AUTH', [
    ['GET', 'a'], ['NOSUCH', 'x'], ['CLIENT', 'ID', 'x'], ['CLIENT', 'NOPE'], ['AUTH', 'x'], ['AUTH', 'default', 'x'], ['AUTH', 'nobody', 'pw'], ['AUTH', 'a', 'b', 'c'],
    ['AUTH', 'pw'], ['SET', 'a', '1'], ['AUTH', 'bad'], ['GET', 'a'], ['AUTH', 'default', 'pw'], ['RESET'], ['GET', 'a'], ['PING'], ['AUTH', 'default', 'pw'], ['GET', 'a'],
  ]);
  authCase('HELLO', [
    ['HELLO'], ['HELLO', '3'], ['HELLO', '3', 'SETNAME', 'nm'], ['HELLO', '3', 'AUTH', 'default', 'bad'], ['HELLO', '4', 'AUTH', 'default', 'pw'], ['GET', 'a'],
    ['HELLO', '3', 'AUTH', 'default', 'pw', 'SETNAME', 'a b'], ['CLIENT', 'GETNAME'], ['GET', 'a'], ['HELLO', '2', 'AUTH', 'default', 'pw'], ['RESET'], ['HELLO', '2', 'AUTH', 'default', 'pw', 'SETNAME', 'x'], ['CLIENT', 'GETNAME'],
  ]);
  authCase('QUIT needs no AUTH', [['QUIT']]);
});
