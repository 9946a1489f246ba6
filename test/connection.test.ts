// Connection management on a multi-threaded server: CLIENT LIST / KILL /
// PAUSE / UNBLOCK and MONITOR across threads (clients spread over 4 threads),
// idle timeout, maxclients, AUTH with requirepass, RESP3 clients, keepalive.

import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { Redis } from 'ioredis';
import { startServer, type RunningServer } from './helpers/server.ts';
import { RawClient, encodeCommand } from './helpers/resp.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The text of a bulk or verbatim reply. */
function bulkText(reply: string): string {
  const m = /^[$=](\d+)\r\n/.exec(reply);
  if (m === null) throw new Error('not a bulk reply: ' + JSON.stringify(reply));
  const body = reply.slice(m[0].length, m[0].length + Number(m[1]));
  return reply[0] === '=' ? body.slice(4) : body;
}

function parseInfoLine(line: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const kv of line.split(' ')) {
    const i = kv.indexOf('=');
    m.set(kv.slice(0, i), kv.slice(i + 1));
  }
  return m;
}

async function clientList(c: RawClient, ...args: string[]): Promise<Map<string, string>[]> {
  const text = bulkText(await c.command('CLIENT', 'LIST', ...args));
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map(parseInfoLine);
}

async function idOf(c: RawClient): Promise<number> {
  return Number(/^:(\d+)/.exec(await c.command('CLIENT', 'ID'))![1]);
}

/** Read replies until `n` arrived (MONITOR lines are simple strings). */
async function readN(c: RawClient, n: number, timeoutMs = 5000): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(await c.readReply(timeoutMs));
  return out;
}

/** Resolves when the client got a reply, or 'pending' after `ms`. */
async function replyWithin(c: RawClient, ms: number): Promise<string> {
  try {
    return await c.readReply(ms);
  } catch (e) {
    if (/timeout/.test(String(e))) return 'pending';
    throw e;
  }
}

const FIELDS = 'id addr laddr fd name age idle flags db sub psub ssub multi qbuf qbuf-free argv-mem multi-mem rbs rbp obl oll omem tot-mem events cmd user redir resp'.split(' ');

describe('on 4 threads', () => {
  let srv: RunningServer;
  beforeAll(async () => {
    srv = await startServer(['--server-threads', '4']);
  });
  afterAll(async () => {
    await srv?.stop();
  });

  async function connectMany(n: number, prefix: string): Promise<RawClient[]> {
    const cs: RawClient[] = [];
    for (let i = 0; i < n; i++) {
      const c = await RawClient.connect(srv.port);
      expect(await c.command('CLIENT', 'SETNAME', `${prefix}${i}`)).toBe('+OK\r\n');
      cs.push(c);
    }
    return cs;
  }

  it('CLIENT LIST sees the clients of every thread, in id order, with Redis 7.0 fields', async () => {
    const cs = await connectMany(12, 'lst');
    const me = await RawClient.connect(srv.port);
    await me.command('SELECT', '4');
    const list = await clientList(me);
    const names = list.map((l) => l.get('name'));
    for (let i = 0; i < 12; i++) expect(names).toContain(`lst${i}`);
    const ids = list.map((l) => Number(l.get('id')));
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    for (const l of list) expect([...l.keys()]).toEqual(FIELDS);
    const mine = list.find((l) => Number(l.get('id')) === ids[ids.length - 1])!;
    expect(mine.get('cmd')).toBe('client|list');
    expect(mine.get('db')).toBe('4');
    expect(mine.get('argv-mem')).toBe('10');
    expect(mine.get('flags')).toBe('N');
    expect(list.find((l) => l.get('name') === 'lst3')!.get('cmd')).toBe('client|setname');

    // ID filter: argument order, repeats kept, unknown ids skipped.
    const pick = [await idOf(cs[7]), await idOf(cs[2]), 999999, await idOf(cs[7])];
    const byId = await clientList(me, 'ID', ...pick.map(String));
    expect(byId.map((l) => l.get('name'))).toEqual(['lst7', 'lst2', 'lst7']);
    const normal = (await clientList(me, 'TYPE', 'normal')).map((l) => l.get('name'));
    for (let i = 0; i < 12; i++) expect(normal).toContain(`lst${i}`);
    expect(await clientList(me, 'TYPE', 'pubsub')).toEqual([]);
    for (const c of [...cs, me]) c.close();
  });

  it('CLIENT LIST shows a client in MULTI as Redis does', async () => {
    const m = await RawClient.connect(srv.port);
    m.write('CLIENT SETNAME inmulti\r\nMULTI\r\nSET a b\r\nGET a\r\n');
    expect(await readN(m, 4)).toEqual(['+OK\r\n', '+OK\r\n', '+QUEUED\r\n', '+QUEUED\r\n']);
    const other = await RawClient.connect(srv.port);
    const l = (await clientList(other)).find((x) => x.get('name') === 'inmulti')!;
    // multi-mem: the queued arguments' bytes plus a pointer each (3+1+1 + 24, 3+1 + 16).
    expect([l.get('flags'), l.get('multi'), l.get('multi-mem'), l.get('cmd')]).toEqual(['x', '2', '49', 'get']);
    for (const c of [m, other]) c.close();
  });

  it('CLIENT KILL by id, addr, laddr and the old form reaches every thread', async () => {
    const cs = await connectMany(10, 'kil');
    const killer = await RawClient.connect(srv.port);
    // By ID, one at a time.
    for (const c of cs.slice(0, 4)) {
      expect(await killer.command('CLIENT', 'KILL', 'ID', String(await idOf(c)))).toBe(':1\r\n');
      await c.waitClosed();
      expect(c.closed).toBe(true);
    }
    // By ADDR (the client's own address as CLIENT INFO reports it).
    const info = parseInfoLine(bulkText(await cs[4].command('CLIENT', 'INFO')));
    expect(await killer.command('CLIENT', 'KILL', 'ADDR', info.get('addr')!)).toBe(':1\r\n');
    await cs[4].waitClosed();
    expect(cs[4].closed).toBe(true);
    // Old form.
    const info5 = parseInfoLine(bulkText(await cs[5].command('CLIENT', 'INFO')));
    expect(await killer.command('CLIENT', 'KILL', info5.get('addr')!)).toBe('+OK\r\n');
    expect(await killer.command('CLIENT', 'KILL', info5.get('addr')!)).toBe('-ERR No such client\r\n');
    // LADDR matches everyone (one listening address); SKIPME yes spares the caller.
    const n = await killer.command('CLIENT', 'KILL', 'LADDR', info.get('laddr')!, 'SKIPME', 'yes');
    expect(Number(/^:(\d+)/.exec(n)![1])).toBeGreaterThanOrEqual(4);
    for (const c of cs.slice(6)) {
      await c.waitClosed();
      expect(c.closed).toBe(true);
    }
    expect(await killer.command('PING')).toBe('+PONG\r\n');
    const names = (await clientList(killer)).map((l) => l.get('name'));
    expect(names.filter((x) => x?.startsWith('kil'))).toEqual([]);
    // The caller can kill itself: the reply comes first, then the connection closes.
    expect(await killer.command('CLIENT', 'KILL', 'ID', String(await idOf(killer)), 'SKIPME', 'no')).toBe(':1\r\n');
    await killer.waitClosed();
    expect(killer.closed).toBe(true);
  });

  it('CLIENT PAUSE WRITE holds writes on all threads, reads go on, UNPAUSE releases in order', async () => {
    const admin = await RawClient.connect(srv.port);
    const writers = await connectMany(8, 'pw');
    expect(await admin.command('CLIENT', 'PAUSE', '100000', 'WRITE')).toBe('+OK\r\n');
    for (let i = 0; i < writers.length; i++) writers[i].write(`SET pk${i} 1\r\nGET pk${i}\r\nINCR pk${i}\r\n`);
    const reader = await RawClient.connect(srv.port);
    expect(await reader.command('GET', 'pk0')).toBe('$-1\r\n');
    for (const w of writers) expect(await replyWithin(w, 50)).toBe('pending');
    // Held clients show as blocked on their write command.
    const held = (await clientList(reader)).filter((l) => l.get('name')!.startsWith('pw'));
    expect(held.length).toBe(8);
    for (const l of held) {
      expect(l.get('flags')).toBe('b');
      expect(l.get('cmd')).toBe('set');
    }
    expect(await admin.command('CLIENT', 'UNPAUSE')).toBe('+OK\r\n');
    for (const w of writers) expect(await readN(w, 3)).toEqual(['+OK\r\n', '$1\r\n1\r\n', ':2\r\n']);
    for (const c of [admin, reader, ...writers]) c.close();
  });

  it('CLIENT PAUSE WRITE holds writes about to be queued in MULTI and EXEC of a block with writes', async () => {
    const [admin, b, c, d] = [await RawClient.connect(srv.port), await RawClient.connect(srv.port), await RawClient.connect(srv.port), await RawClient.connect(srv.port)];
    b.write('MULTI\r\nSET e1 1\r\n');
    expect(await readN(b, 2)).toEqual(['+OK\r\n', '+QUEUED\r\n']);
    c.write('MULTI\r\nGET e1\r\n');
    expect(await readN(c, 2)).toEqual(['+OK\r\n', '+QUEUED\r\n']);
    expect(await admin.command('CLIENT', 'PAUSE', '100000', 'WRITE')).toBe('+OK\r\n');
    b.write('EXEC\r\n');
    expect(await c.command('EXEC')).toBe('*1\r\n$-1\r\n');
    d.write('MULTI\r\nSET e2 2\r\n');
    expect(await d.readReply()).toBe('+OK\r\n');
    expect(await replyWithin(b, 50)).toBe('pending');
    expect(await replyWithin(d, 50)).toBe('pending');
    expect(await admin.command('CLIENT', 'UNPAUSE')).toBe('+OK\r\n');
    expect(await b.readReply()).toBe('*1\r\n+OK\r\n');
    expect(await d.readReply()).toBe('+QUEUED\r\n');
    expect(await d.command('EXEC')).toBe('*1\r\n+OK\r\n');
    for (const x of [admin, b, c, d]) x.close();
  });

  it('CLIENT PAUSE ALL holds every command until it expires; monitors are exempt', async () => {
    const admin = await RawClient.connect(srv.port);
    const mon = await RawClient.connect(srv.port);
    expect(await mon.command('MONITOR')).toBe('+OK\r\n');
    const others = await connectMany(6, 'pa');
    expect(await admin.command('CLIENT', 'PAUSE', '400', 'ALL')).toBe('+OK\r\n');
    for (const c of others) c.write('PING\r\n');
    admin.write('PING\r\n');
    // The monitor is not paused and may list clients meanwhile.
    mon.write('CLIENT LIST\r\n');
    let list = '';
    for (;;) {
      const r = await mon.readReply();
      if (r[0] === '$') {
        list = bulkText(r);
        break;
      }
    }
    expect(list).toMatch(/name=pa0 .*flags=b /);
    // When the pause runs out, everything held goes through.
    for (const c of [...others, admin]) expect(await c.readReply(5000)).toBe('+PONG\r\n');
    for (const c of [admin, mon, ...others]) c.close();
  });

  it('CLIENT PAUSE keeps the stricter mode and the later end; UNPAUSE lifts it', async () => {
    const admin = await RawClient.connect(srv.port);
    const c = await RawClient.connect(srv.port);
    // Monitors are not paused: this one can lift the pause when everyone else is held.
    const mon = await RawClient.connect(srv.port);
    expect(await mon.command('MONITOR')).toBe('+OK\r\n');
    try {
      expect(await admin.command('CLIENT', 'PAUSE', '100000', 'WRITE')).toBe('+OK\r\n');
      expect(await admin.command('CLIENT', 'PAUSE', '10', 'ALL')).toBe('+OK\r\n');
      // Now ALL until the later end: even reads wait, also after 10 ms.
      c.write('GET x\r\n');
      expect(await replyWithin(c, 300)).toBe('pending');
    } finally {
      mon.write('CLIENT UNPAUSE\r\n');
    }
    expect(await c.readReply()).toBe('$-1\r\n');
    for (const x of [admin, c, mon]) x.close();
  });

  it('CLIENT UNBLOCK answers 0 for clients that are not in a blocking command (also paused ones)', async () => {
    const admin = await RawClient.connect(srv.port);
    const c = await RawClient.connect(srv.port);
    const id = String(await idOf(c));
    expect(await admin.command('CLIENT', 'UNBLOCK', id)).toBe(':0\r\n');
    expect(await admin.command('CLIENT', 'PAUSE', '100000', 'WRITE')).toBe('+OK\r\n');
    c.write('SET u 1\r\n');
    expect(await replyWithin(c, 50)).toBe('pending');
    expect(await admin.command('CLIENT', 'UNBLOCK', id, 'ERROR')).toBe(':0\r\n');
    expect(await admin.command('CLIENT', 'UNPAUSE')).toBe('+OK\r\n');
    expect(await c.readReply()).toBe('+OK\r\n');
    for (const x of [admin, c]) x.close();
  });

  it('MONITOR streams the commands of clients on every thread', async () => {
    const mons = [await RawClient.connect(srv.port), await RawClient.connect(srv.port), await RawClient.connect(srv.port)];
    for (const m of mons) expect(await m.command('MONITOR')).toBe('+OK\r\n');
    const cs = await connectMany(8, 'mn');
    const expected: string[] = [];
    const addrs: string[] = [];
    for (let i = 0; i < cs.length; i++) {
      const addr = parseInfoLine(bulkText(await cs[i].command('CLIENT', 'INFO'))).get('addr')!;
      addrs.push(addr);
      expected.push(`[0 ${addr}] "CLIENT" "SETNAME" "mn${i}"`);
      // CLIENT INFO itself is not admin: shown too.
      expected.push(`[0 ${addr}] "CLIENT" "INFO"`);
      let batch = '';
      for (let j = 0; j < 20; j++) batch += `SET mk${i}:${j} v${j}\r\n`;
      cs[i].write(batch);
      for (let j = 0; j < 20; j++) expected.push(`[0 ${addr}] "SET" "mk${i}:${j}" "v${j}"`);
      await readN(cs[i], 20);
      expect(await cs[i].command('SELECT', '7')).toBe('+OK\r\n');
      expected.push(`[7 ${addr}] "SELECT" "7"`);
      expect(await cs[i].command('GET', 'x\x00"\\\n\xff')).toBe('$-1\r\n');
      expected.push(`[7 ${addr}] "GET" "x\\x00\\"\\\\\\n\\xff"`);
      expect(await cs[i].command('AUTH', 'secret')).toMatch(/^-ERR AUTH <password> called without/);
      expected.push(`[7 ${addr}] "AUTH" "(redacted)"`);
      // Admin commands are not shown.
      expect(await cs[i].command('CLIENT', 'LIST', 'TYPE', 'master')).toBe('$0\r\n\r\n');
    }
    // Lines from clients on every thread, each client's in its own order, on every monitor.
    const monitorLines = cs.length * 25;
    for (const m of mons) {
      const got = (await readN(m, monitorLines)).map((l) => {
        expect(l).toMatch(/^\+\d{10}\.\d{6} \[/);
        return l.slice(19, -2);
      });
      for (let i = 0; i < cs.length; i++) {
        const mine = got.filter((l) => l.includes(` ${addrs[i]}] `));
        expect(mine).toEqual(expected.slice(i * 25, i * 25 + 25));
      }
    }
    // After RESET a monitor gets nothing more.
    expect(await mons[0].command('RESET')).toBe('+RESET\r\n');
    expect(await cs[0].command('PING')).toBe('+PONG\r\n');
    // The other monitors saw the RESET and the PING (commands of different threads: either order).
    const last = (await readN(mons[1], 2)).map((l) => l.slice(l.lastIndexOf(' ') + 1)).sort();
    expect(last).toEqual(['"PING"\r\n', '"RESET"\r\n']);
    expect(await mons[0].command('PING')).toBe('+PONG\r\n');
    for (const c of [...mons, ...cs]) c.close();
  });

  it('a monitor may not touch the keyspace', async () => {
    const m = await RawClient.connect(srv.port);
    expect(await m.command('MONITOR')).toBe('+OK\r\n');
    expect(await m.command('GET', 'a')).toBe("-ERR Replica can't interact with the keyspace\r\n");
    expect(await m.command('SET', 'a', 'b')).toBe("-ERR Replica can't interact with the keyspace\r\n");
    expect(await m.command('ECHO', 'fine')).toBe('$4\r\nfine\r\n');
    m.close();
  });

  it('RESP3 clients (ioredis protocol 3) and HELLO', async () => {
    const r = new Redis({ port: srv.port, host: '127.0.0.1', protocol: 3, lazyConnect: true });
    await r.connect();
    await r.set('r3', 'v');
    expect(await r.get('r3')).toBe('v');
    const info = (await r.call('CLIENT', 'INFO')) as string;
    expect(info).toMatch(/ resp=3\n$/);
    const hello = (await r.call('HELLO')) as unknown;
    const asObject = hello instanceof Map ? Object.fromEntries(hello) : Array.isArray(hello) ? Object.fromEntries(hello.reduce((acc: unknown[][], v, i) => (i % 2 ? acc : [...acc, [v, hello[i + 1]]]), [])) : (hello as Record<string, unknown>);
    expect(asObject.proto).toBe(3);
    expect(asObject.version).toBe('7.0.15');
    r.disconnect();
    const raw = await RawClient.connect(srv.port);
    expect(await raw.command('HELLO', '3')).toMatch(/^%7\r\n\$6\r\nserver\r\n\$5\r\nredis\r\n/);
    expect(await raw.command('GET', 'nosuchkey')).toBe('_\r\n');
    expect(await raw.command('RESET')).toBe('+RESET\r\n');
    expect(await raw.command('GET', 'nosuchkey')).toBe('$-1\r\n');
    raw.close();
  });
});

describe('timeout and tcp-keepalive', () => {
  let srv: RunningServer;
  beforeAll(async () => {
    srv = await startServer(['--server-threads', '2', '--timeout', '1', '--tcp-keepalive', '60']);
  });
  afterAll(async () => {
    await srv?.stop();
  });

  it('closes idle clients, keeps busy ones and monitors', async () => {
    const idle = await RawClient.connect(srv.port);
    const busy = await RawClient.connect(srv.port);
    const mon = await RawClient.connect(srv.port);
    expect(await mon.command('MONITOR')).toBe('+OK\r\n');
    expect(await idle.command('PING')).toBe('+PONG\r\n');
    for (let i = 0; i < 12 && !idle.closed; i++) {
      expect(await busy.command('PING')).toBe('+PONG\r\n');
      await sleep(300);
    }
    await idle.waitClosed(3000);
    expect(idle.closed).toBe(true);
    expect(busy.closed).toBe(false);
    expect(mon.closed).toBe(false);
    // The monitor saw the busy client's PINGs meanwhile.
    expect(await mon.readReply()).toMatch(/"PING"\r\n$/);
    for (const c of [busy, mon]) c.close();
  });

  const hasSs = (() => {
    try {
      execFileSync('ss', ['-V'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();

  it.skipIf(!hasSs)('sets TCP keepalive on accepted connections', async () => {
    const c = await RawClient.connect(srv.port);
    expect(await c.command('PING')).toBe('+PONG\r\n');
    const out = execFileSync('ss', ['-tnoe', 'state', 'established', `( sport = :${srv.port} )`]).toString();
    expect(out).toMatch(/timer:\(keepalive,/);
    c.close();
  });
});

describe('maxclients', () => {
  let srv: RunningServer;
  beforeAll(async () => {
    srv = await startServer(['--server-threads', '2', '--maxclients', '3']);
  });
  afterAll(async () => {
    await srv?.stop();
  });

  /** A connection the server accepted (earlier connections, like the start-up probe's, may still count until their close is seen). */
  async function accepted(): Promise<RawClient> {
    for (let i = 0; i < 100; i++) {
      const c = await RawClient.connect(srv.port);
      const r = await c.command('PING').catch(() => '');
      if (r === '+PONG\r\n') return c;
      c.close();
      await sleep(20);
    }
    throw new Error('no room on the server');
  }

  it('refuses the client beyond maxclients with Redis error', async () => {
    const cs = [await accepted(), await accepted(), await accepted()];
    const extra = await RawClient.connect(srv.port);
    expect(await extra.readReply()).toBe('-ERR max number of clients reached\r\n');
    await extra.waitClosed();
    expect(extra.closed).toBe(true);
    cs[0].close();
    // Once the server has seen the close, there is room again.
    cs[0] = await accepted();
    for (const c of cs) c.close();
  });
});

describe('requirepass', () => {
  let srv: RunningServer;
  beforeAll(async () => {
    srv = await startServer(['--server-threads', '2', '--requirepass', 's3cret']);
  });
  afterAll(async () => {
    await srv?.stop();
  });

  it('AUTH, HELLO AUTH and RESET with a password', async () => {
    const c = await RawClient.connect(srv.port);
    expect(await c.command('GET', 'a')).toBe('-NOAUTH Authentication required.\r\n');
    expect(await c.command('CLIENT', 'ID')).toBe('-NOAUTH Authentication required.\r\n');
    expect(await c.command('HELLO', '3')).toMatch(/^-NOAUTH HELLO must be called with the client already authenticated/);
    expect(await c.command('AUTH', 'wrong')).toBe('-WRONGPASS invalid username-password pair or user is disabled.\r\n');
    expect(await c.command('AUTH', 'default', 'wrong')).toBe('-WRONGPASS invalid username-password pair or user is disabled.\r\n');
    expect(await c.command('AUTH', 's3cret')).toBe('+OK\r\n');
    expect(await c.command('SET', 'a', '1')).toBe('+OK\r\n');
    expect(await c.command('RESET')).toBe('+RESET\r\n');
    expect(await c.command('GET', 'a')).toBe('-NOAUTH Authentication required.\r\n');
    expect(await c.command('HELLO', '3', 'AUTH', 'default', 's3cret', 'SETNAME', 'h3')).toMatch(/^%7\r\n/);
    expect(await c.command('GET', 'a')).toBe('$1\r\n1\r\n');
    expect(bulkText(await c.command('CLIENT', 'INFO'))).toMatch(/ name=h3 .* user=default redir=-1 resp=3\n$/);
    expect(await c.command('QUIT')).toBe('+OK\r\n');
    await c.waitClosed();
    expect(c.closed).toBe(true);
  });

  it('unauthenticated clients get the small request limits', async () => {
    const c = await RawClient.connect(srv.port);
    c.write('*11\r\n');
    expect(await c.readReply()).toBe('-ERR Protocol error: unauthenticated multibulk length\r\n');
    await c.waitClosed();
    expect(c.closed).toBe(true);
  });

  it('a pipeline: AUTH, then RESET, then a request only an authenticated client may send', async () => {
    const c = await RawClient.connect(srv.port);
    // The server parses a pipeline's commands ahead of running them: the ones after RESET must
    // still meet the unauthenticated limits, as in Redis.
    c.write(Buffer.concat([encodeCommand(['AUTH', 's3cret']), encodeCommand(['PING']), encodeCommand(['RESET']), Buffer.from('*11\r\n')]));
    expect(await c.readReply()).toBe('+OK\r\n');
    expect(await c.readReply()).toBe('+PONG\r\n');
    expect(await c.readReply()).toBe('+RESET\r\n');
    expect(await c.readReply()).toBe('-ERR Protocol error: unauthenticated multibulk length\r\n');
    await c.waitClosed();
    expect(c.closed).toBe(true);
  });

  it('ioredis with a password', async () => {
    const r = new Redis({ port: srv.port, host: '127.0.0.1', password: 's3cret', lazyConnect: true });
    await r.connect();
    expect(await r.ping()).toBe('PONG');
    r.disconnect();
  });
});

describe('bind', () => {
  it("Redis's default '* -::*' listens on every IPv4 address and, where the machine has IPv6, every IPv6 one", async () => {
    const srv6 = await startServer(['--bind', '* -::*', '--server-threads', '2']);
    try {
      const v4 = new Redis({ port: srv6.port, host: '127.0.0.1' });
      expect(await v4.ping()).toBe('PONG');
      v4.disconnect();
      const v6 = await RawClient.connect(srv6.port, '::1').catch(() => null);
      if (v6 !== null) {
        expect(await v6.command('PING')).toBe('+PONG\r\n');
        v6.close();
      }
      expect(srv6.proc.exitCode).toBe(null);
    } finally {
      await srv6.stop();
    }
  });
});
