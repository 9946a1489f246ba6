// Protocol robustness over raw sockets: the same bytes go to our server and to
// a real redis-server 7.0, and what comes back (and whether the connection is
// closed) must be identical. Plus parser-level splitting tests and a fuzz run
// that checks the server survives garbage without disturbing other clients.

import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import net from 'node:net';
import { useDiff } from './helpers/diff.ts';
import { encodeCommand, RawClient } from './helpers/resp.ts';
import { startRedis, startServer, type RunningServer } from './helpers/server.ts';
import { RequestParser, splitArgs } from '../src/proto/request_parser.ts';

const env = useDiff({ threads: 2 });

const SENTINEL = encodeCommand(['ECHO', '__end_of_exchange__']);
const SENTINEL_REPLY = '$19\r\n__end_of_exchange__\r\n';

interface Exchange {
  data: string;
  closed: boolean;
}

interface ExchangeOpts {
  /** Append an ECHO and stop at its reply (the connection must stay usable). Otherwise wait for the server to close. */
  sentinel?: boolean;
  /** Let the event loop turn between chunks, so the server sees them as separate reads. */
  gap?: boolean;
  timeoutMs?: number;
  /** Neither a close nor a sentinel is expected: report what arrived within this many ms. */
  quietMs?: number;
}

function exchange(port: number, chunks: (string | Buffer)[], opts: ExchangeOpts = {}): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    sock.setNoDelay(true);
    let data = Buffer.alloc(0);
    let done = false;
    const finish = (closed: boolean): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve({ data: data.toString('latin1'), closed });
    };
    const timer = setTimeout(() => {
      if (done) return;
      done = true;
      sock.destroy();
      reject(new Error(`no ${opts.sentinel ? 'sentinel reply' : 'close'} from port ${port}; got ${JSON.stringify(data.toString('latin1').slice(0, 300))}`));
    }, opts.timeoutMs ?? 10000);
    sock.on('data', (d) => {
      data = Buffer.concat([data, d]);
      if (opts.sentinel && data.length >= SENTINEL_REPLY.length && data.toString('latin1', data.length - SENTINEL_REPLY.length) === SENTINEL_REPLY) finish(false);
    });
    sock.on('error', () => {});
    sock.on('close', () => finish(true));
    sock.on('connect', async () => {
      for (const c of chunks) {
        if (done) return;
        sock.write(typeof c === 'string' ? Buffer.from(c, 'latin1') : c);
        if (opts.gap) await new Promise((r) => setTimeout(r, 1));
      }
      if (opts.sentinel && !done) sock.write(SENTINEL);
      if (opts.quietMs !== undefined) setTimeout(() => finish(false), opts.quietMs);
    });
  });
}

function show(s: string): string {
  return JSON.stringify(s.length > 400 ? s.slice(0, 400) + '...' : s);
}

/** Run the exchange against both servers and require identical bytes and close state. */
async function both(chunks: (string | Buffer)[], opts: ExchangeOpts = {}, ports = { ours: env.ours!.port, redis: env.redis!.port }): Promise<Exchange> {
  const [a, b] = await Promise.all([exchange(ports.ours, chunks, opts), exchange(ports.redis, chunks, opts)]);
  if (a.data !== b.data || a.closed !== b.closed) {
    expect.fail(`differs for ${show(chunks.map((c) => c.toString()).join(''))}\n  ours:  ${show(a.data)} closed=${a.closed}\n  redis: ${show(b.data)} closed=${b.closed}`);
  }
  return a;
}

/** The input must end with a protocol error: the error comes back, then the server closes. */
async function protocolError(input: string | Buffer, expected: string): Promise<void> {
  const r = await both([input]);
  expect(r.closed).toBe(true);
  expect(r.data.endsWith(`-ERR Protocol error: ${expected}\r\n`)).toBe(true);
}

function cmds(...list: string[][]): Buffer {
  return Buffer.concat(list.map((c) => encodeCommand(c)));
}

describe('protocol errors (compared with redis-server)', () => {
  it('invalid multibulk length', async () => {
    for (const s of ['*x\r\n', '*\r\n', '*01\r\n', '*-0\r\n', '*1x\r\n', '* 1\r\n', '*+1\r\n', '*2147483648\r\n', '*-9999999999999999999\r\n', '*99999999999999999999\r\n', '*1.0\r\n']) {
      await protocolError(s, 'invalid multibulk length');
    }
  });

  it('zero and negative multibulk lengths are skipped', async () => {
    const r = await both(['*0\r\n*-1\r\n*-999999999999999999\r\nPING\r\n*0\r\n', cmds(['PING'])], { sentinel: true });
    expect(r.data).toBe('+PONG\r\n+PONG\r\n' + SENTINEL_REPLY);
  });

  it('invalid bulk length', async () => {
    for (const s of ['*1\r\n$x\r\n', '*1\r\n$-1\r\n', '*1\r\n$\r\n', '*1\r\n$01\r\n', '*1\r\n$536870913\r\n', '*1\r\n$9223372036854775808\r\n', '*2\r\n$4\r\nECHO\r\n$ 1\r\n']) {
      await protocolError(s, 'invalid bulk length');
    }
  });

  it("expected '$'", async () => {
    await protocolError('*1\r\nx3\r\n', "expected '$', got 'x'");
    await protocolError('*2\r\n$4\r\nECHO\r\n:5\r\n', "expected '$', got ':'");
    // The byte is printed raw; a CR or LF becomes a space like every newline in an error.
    await protocolError('*1\r\n\r\n', "expected '$', got ' '");
    await protocolError('*1\r\n\n\r\n', "expected '$', got ' '");
    await protocolError(Buffer.from('*1\r\n\xe9\r\n', 'latin1'), "expected '$', got '\xe9'");
  });

  it('unbalanced quotes in inline requests', async () => {
    for (const s of ['SET a "b\r\n', "SET a 'b\r\n", 'ECHO "a"b\r\n', "ECHO 'a'b\r\n", 'ECHO "a\\\r\n', '"\r\n']) {
      await protocolError(s, 'unbalanced quotes in request');
    }
  });

  it('too big inline request, mbulk count and bulk count', async () => {
    await protocolError('a'.repeat(70000), 'too big inline request');
    await protocolError('*' + '1'.repeat(70000), 'too big mbulk count string');
    await protocolError('*1\r\n$' + '1'.repeat(70000), 'too big bulk count string');
  });

  it('a NUL byte hides the line end (Redis looks for it with strchr)', async () => {
    // Each would wait for more input; pushing the buffer past 64 KB gives the "too big" error.
    await protocolError(Buffer.concat([Buffer.from('PI\0NG\r\n', 'latin1'), Buffer.alloc(70000, 97)]), 'too big inline request');
    await protocolError(Buffer.concat([Buffer.from('*1\0\r\n', 'latin1'), Buffer.alloc(70000, 97)]), 'too big mbulk count string');
    await protocolError(Buffer.concat([Buffer.from('*1\r\nx\0\r\n', 'latin1'), Buffer.alloc(70000, 97)]), 'too big bulk count string');
    await protocolError(Buffer.concat([Buffer.from('*1\r\n$1\0\r\n', 'latin1'), Buffer.alloc(70000, 97)]), 'too big bulk count string');
  });

  it('replies to commands before the error come first, nothing after it runs', async () => {
    const r = await both([Buffer.concat([cmds(['PING'], ['SET', 'k', 'v'], ['GET', 'k']), Buffer.from('*1\r\n$x\r\n'), cmds(['SET', 'k', 'other'])])]);
    expect(r.data).toBe('+PONG\r\n+OK\r\n$1\r\nv\r\n-ERR Protocol error: invalid bulk length\r\n');
    const g = await both([cmds(['GET', 'k'])], { sentinel: true });
    expect(g.data).toBe('$1\r\nv\r\n' + SENTINEL_REPLY);
  });

  it('the error arrives even when the bad bytes come in a later read', async () => {
    await both([cmds(['PING']), '*1\r\n', '$4\r\nPI', 'NG\r\n', '*1\r\n$-5\r\n'], { gap: true });
  });

  it('huge declared lengths within limits just wait for the data', async () => {
    const r = await both([cmds(['PING']), '*2147483647\r\n$4\r\nECHO\r\n$536870912\r\n', 'abc'], { gap: true, quietMs: 500 });
    expect(r).toEqual({ data: '+PONG\r\n', closed: false });
  });
});

describe('request forms (compared with redis-server)', () => {
  it('inline commands, telnet style', async () => {
    await both(['PING\r\nSET k hello\r\nGET k\nECHO "a b\\x41\\n\\z"\r\nECHO \'it\\\'s\'\r\nECHO foo"bar baz"\r\n\tECHO\tx\t\r\nECHO ""\r\n'], { sentinel: true });
    // \v and \f do not split words (only skipped as leading blanks).
    await both(['ECHO a\x0bb\r\nECHO a\x0cb\r\n\x0b\x0cPING\r\n'], { sentinel: true });
    await both(['ECHO "\\x4"\r\nECHO "\\xzz"\r\nECHO "\\"\\\\"\r\n'], { sentinel: true });
  });

  it('empty lines and blank-only lines are ignored', async () => {
    const r = await both(['\r\n\n   \r\n\t\r\nPING\r\n\r\n'], { sentinel: true });
    expect(r.data).toBe('+PONG\r\n' + SENTINEL_REPLY);
  });

  it('multibulk quirks: $0 command name, bytes after a bulk are skipped unchecked', async () => {
    await both(['*1\r\n$0\r\n\r\n', '*1\r\n$4\r\nPINGxx*1\r\n$4\r\nPING\r\n', '*2\r\n$4\r\nECHO\r\n$0\r\n\r\n'], { sentinel: true });
  });

  it('unknown command replies quote arguments like Redis (128 bytes, cut at NUL)', async () => {
    const long = 'x'.repeat(200);
    await both([cmds(['NOSUCHCMD', 'a\0b', long, 'c'], [long, 'y'], ['NO\0PE'], ['CLIENT', 'N\0O'], ['FOO\r\nBAR', 'x\ny'])], { sentinel: true });
  });

  it('POST and Host: lines close the connection silently', async () => {
    const a = await both(['POST / HTTP/1.1\r\nHost: example\r\n\r\n']);
    expect(a).toEqual({ data: '', closed: true });
    // (With replies pending, whether Redis still writes them before closing is a race: not compared.)
    const b = await both(['host: x\r\n', cmds(['PING'])], { gap: true });
    expect(b).toEqual({ data: '', closed: true });
  });

  it('pipelines thousands of commands in one write, across shards', async () => {
    const parts: string[][] = [];
    for (let i = 0; i < 1500; i++) {
      parts.push(['SET', `key:${i}`, `value-${i}`]);
      parts.push(['GET', `key:${i >> 1}`]);
      if (i % 7 === 0) parts.push(['DEL', `key:${i}`, `key:${i + 1}`, `other:${i}`]);
      if (i % 11 === 0) parts.push(['PING']);
    }
    const r = await both([cmds(...parts)], { sentinel: true, timeoutMs: 30000 });
    expect(r.data.length).toBeGreaterThan(20000);
  });

  it('many inline commands in one write', async () => {
    let s = '';
    for (let i = 0; i < 2000; i++) s += `SET inl:${i} "v ${i}"\r\nGET inl:${i}\n`;
    await both([s], { sentinel: true, timeoutMs: 30000 });
  });

  it('commands split at every byte boundary over the wire', async () => {
    const stream = Buffer.concat([
      cmds(['SET', 'split', 'a\r\nb'], ['GET', 'split'], ['ECHO', '']),
      Buffer.from('PING\r\nECHO "x y"\n*0\r\n\r\n'),
      cmds(['ECHO', 'tail']),
    ]);
    const chunks: Buffer[] = [];
    for (let i = 0; i < stream.length; i++) chunks.push(stream.subarray(i, i + 1));
    const r = await both(chunks, { sentinel: true, gap: true });
    expect(r.data).toBe('+OK\r\n$4\r\na\r\nb\r\n$0\r\n\r\n+PONG\r\n$3\r\nx y\r\n$4\r\ntail\r\n' + SENTINEL_REPLY);
  });

  it('binary-safe arguments', async () => {
    const all = Buffer.alloc(256);
    for (let i = 0; i < 256; i++) all[i] = i;
    const crlf = Buffer.from('\r\n*1\r\n$4\r\nPING\r\n\0\xff', 'latin1');
    const r = await both([cmds(['SET', 'bin', all.toString('latin1')], ['GET', 'bin'], ['ECHO', crlf.toString('latin1')], ['SET', all.toString('latin1'), 'k'], ['GET', all.toString('latin1')])], { sentinel: true });
    expect(r.data).toContain(all.toString('latin1'));
  });

  it('a large argument arriving in many pieces', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024 + 17, 120);
    for (let i = 0; i < big.length; i += 4099) big[i] = 65 + (i % 26);
    const req = cmds(['SET', 'bigval', big.toString('latin1')], ['STRLEN', 'bigval'], ['GET', 'bigval']);
    const chunks: Buffer[] = [];
    for (let i = 0; i < req.length; i += 65521) chunks.push(req.subarray(i, i + 65521));
    await both([...chunks.slice(0, 3), req.subarray(0, 0), ...chunks.slice(3)], { sentinel: true, timeoutMs: 30000 });
  });

  it('partial commands of many connections interleave (one thread reads them all into one buffer)', async () => {
    // Each connection's stream is cut into pieces; the pieces go out round by round over all the
    // connections, so every read of a connection lands between other connections' reads.
    const conns = 12;
    const streams: Buffer[] = [];
    for (let i = 0; i < conns; i++) {
      const size = [20, 5000, 100_000][i % 3] + i;
      const value = Buffer.alloc(size, 97 + (i % 26));
      for (let j = 0; j < size; j += 97) value[j] = 48 + ((i + j) % 10);
      streams.push(cmds(['SET', `il:${i}`, value.toString('latin1')], ['GET', `il:${i}`], ['APPEND', `il:${i}`, 'tail'], ['STRLEN', `il:${i}`], ['ECHO', `done ${i}`]));
    }
    const cut = (b: Buffer, i: number): Buffer[] => {
      const at = [7, 31, Math.floor(b.length / 2), b.length - 3].map((x) => Math.min(b.length, x + i));
      const parts: Buffer[] = [];
      let from = 0;
      for (const to of at) {
        parts.push(b.subarray(from, to));
        from = to;
      }
      parts.push(b.subarray(from));
      return parts;
    };
    const run = async (port: number): Promise<string[]> => {
      const socks = await Promise.all(Array.from({ length: conns }, () => RawClient.connect(port)));
      const pieces = streams.map(cut);
      for (let round = 0; round < pieces[0].length; round++) {
        for (let k = 0; k < conns; k++) {
          const i = round % 2 === 0 ? k : conns - 1 - k;
          if (pieces[i][round].length > 0) socks[i].write(pieces[i][round]);
        }
        await new Promise((r) => setTimeout(r, 20));
      }
      const out: string[] = [];
      for (const c of socks) {
        let data = '';
        for (let n = 0; n < 5; n++) data += await c.readReply(10000);
        out.push(data);
        c.close();
      }
      return out;
    };
    const [ours, redis] = await Promise.all([run(env.ours!.port), run(env.redis!.port)]);
    for (let i = 0; i < conns; i++) {
      expect(ours[i]).toBe(redis[i]);
      expect(ours[i].endsWith(`$${`done ${i}`.length}\r\ndone ${i}\r\n`)).toBe(true);
    }
  });

  it('random valid and invalid requests (seeded)', async () => {
    let seed = 12345;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const word = (): string => {
      // Never a real command name: always has a digit or a symbol.
      const chars = 'abcxyz019_-:\\\'"\t ';
      let w = String.fromCharCode(97 + rnd(26)) + String(rnd(10));
      const n = rnd(8);
      for (let i = 0; i < n; i++) w += chars[rnd(chars.length)];
      return w;
    };
    for (let sample = 0; sample < 40; sample++) {
      const parts: (string | Buffer)[] = [];
      const units = 1 + rnd(12);
      for (let u = 0; u < units; u++) {
        switch (rnd(8)) {
          case 0:
            parts.push(cmds(['SET', 'f' + rnd(5), word()]));
            break;
          case 1:
            parts.push(cmds(['GET', 'f' + rnd(5)]));
            break;
          case 2:
            parts.push(`${word()} ${word()}\r\n`);
            break;
          case 3:
            parts.push(cmds([word(), word(), word()]));
            break;
          case 4:
            parts.push(`ECHO ${word()}\r\n`);
            break;
          case 5:
            parts.push('\r\n');
            break;
          case 6:
            parts.push(cmds(['PING', word()]));
            break;
          default:
            if (rnd(4) === 0) parts.push(['*1\r\n$-2\r\n', '*x\r\n', '*1\r\n?\r\n', 'ECHO "x\r\n'][rnd(4)]);
            else parts.push(cmds(['ECHO', word() + '\r\n' + word()]));
        }
      }
      // Samples with a protocol error end in a close instead of the sentinel reply.
      await both([Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : p)))], { sentinel: true });
    }
  });
});

describe('limits that need their own servers', () => {
  let ours: RunningServer;
  let redis: RunningServer;
  const args = ['--requirepass', 'sekret', '--proto-max-bulk-len', '1mb', '--client-query-buffer-limit', '1mb'];
  beforeAll(async () => {
    [ours, redis] = await Promise.all([startServer(['--server-threads', '2', ...args]), startRedis(args)]);
  }, 60000);
  afterAll(async () => {
    await Promise.all([ours?.stop(), redis?.stop()]);
  });
  const ports = () => ({ ours: ours.port, redis: redis.port });

  it('unauthenticated clients may not send big requests', async () => {
    await both(['*11\r\n'], {}, ports());
    await both(['*1\r\n$16385\r\n'], {}, ports());
    // 10 arguments and 16 KB are fine: both wait for the rest.
    const r = await both(['*10\r\n$4\r\nPING\r\n$16384\r\n'], { quietMs: 500 }, ports());
    expect(r).toEqual({ data: '', closed: false });
  });

  it('after AUTH the limits are the usual ones', async () => {
    const big = 'z'.repeat(20000);
    const keys = 'abcdefghijkl'.split('');
    const r = await both([cmds(['AUTH', 'sekret'], ['SET', 'a', big], ['DEL', ...keys], ['STRLEN', 'a'])], { sentinel: true }, ports());
    expect(r.data).toBe('+OK\r\n+OK\r\n:1\r\n:0\r\n' + SENTINEL_REPLY);
  });

  it('proto-max-bulk-len', async () => {
    await both([cmds(['AUTH', 'sekret']), '*2\r\n$4\r\nECHO\r\n$1048577\r\n'], { gap: true }, ports());
    const r = await both([cmds(['AUTH', 'sekret'], ['SET', 'max', 'm'.repeat(1000000)], ['STRLEN', 'max'])], { sentinel: true }, ports());
    expect(r.data).toBe('+OK\r\n+OK\r\n:1000000\r\n' + SENTINEL_REPLY);
  });

  it('client-query-buffer-limit closes the connection without a reply', async () => {
    // A 1 MB argument plus its CRLF is more than the 1 MB query buffer limit.
    const head = Buffer.from('*2\r\n$4\r\nECHO\r\n$1048576\r\n');
    const body = Buffer.alloc(1048576 + 200000, 113);
    const r = await both([cmds(['AUTH', 'sekret']), head, body.subarray(0, 600000), body.subarray(600000)], { gap: true }, ports());
    expect(r).toEqual({ data: '+OK\r\n', closed: true });
  });
});

describe('RequestParser splitting', () => {
  const stream = Buffer.concat([
    encodeCommand(['SET', 'k', 'v\r\n\0']),
    Buffer.from('PING\r\n\r\nECHO "a b" \'c\'\n*0\r\n*-1\r\n'),
    encodeCommand(['ECHO', 'x'.repeat(40000)]),
    encodeCommand(['MSET', 'a', '1', 'b', '']),
  ]);
  const expected = [['SET', 'k', 'v\r\n\0'], ['PING'], ['ECHO', 'a b', 'c'], ['ECHO', 'x'.repeat(40000)], ['MSET', 'a', '1', 'b', '']];

  function drain(p: RequestParser, out: string[][]): void {
    for (;;) {
      const c = p.next();
      if (c === null) break;
      out.push(c);
    }
  }

  it('gives the same commands for a split at every byte boundary', () => {
    for (let i = 0; i <= stream.length; i += i < 200 || i > stream.length - 200 ? 1 : 997) {
      const p = new RequestParser();
      const got: string[][] = [];
      p.feed(stream.subarray(0, i));
      drain(p, got);
      p.feed(stream.subarray(i));
      drain(p, got);
      expect(p.error).toBeNull();
      expect(got).toEqual(expected);
    }
  });

  it('one byte at a time', () => {
    const p = new RequestParser();
    const got: string[][] = [];
    for (let i = 0; i < stream.length; i++) {
      p.feed(stream.subarray(i, i + 1));
      drain(p, got);
    }
    expect(got).toEqual(expected);
    expect(p.pendingBytes).toBe(0);
  });

  it('limits near 64-bit overflow exactly as string2ll', () => {
    const p = new RequestParser();
    p.feed(Buffer.from('*-9223372036854775808\r\n*-9223372036854775809\r\n'));
    expect(p.next()).toBeNull();
    expect(p.error).toBe('ERR Protocol error: invalid multibulk length');
  });

  it('splitArgs follows sdssplitargs', () => {
    expect(splitArgs('a\x0bb\x0cc')).toEqual(['a\x0bb\x0cc']);
    expect(splitArgs('\x0b a b\x0c')).toEqual(['a', 'b\x0c']);
    expect(splitArgs('"a"\x0bb')).toEqual(['a', 'b']);
    expect(splitArgs('x"y z"')).toEqual(['xy z']);
    expect(splitArgs('x"y z"w')).toBeNull();
    expect(splitArgs('"\\x41\\x4g"')).toEqual(['Ax4g']);
    expect(splitArgs('"unterminated')).toBeNull();
    expect(splitArgs('')).toEqual([]);
  });
});

describe('fuzz: garbage never hurts the server or other clients', () => {
  it('survives random bytes on many connections while another client works', async () => {
    const port = env.ours!.port;
    const worker = await RawClient.connect(port);
    let seed = 987654321;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const fragments = ['*', '$', '\r\n', '\n', '"', "'", '\\x', '*3\r\n', '$3\r\n', '$-1', '*-1', '99999999', '\0', ' '];
    let checked = 0;
    for (let round = 0; round < 10; round++) {
      const garbage: Promise<Exchange | Error>[] = [];
      for (let c = 0; c < 8; c++) {
        const len = 1 + rnd(4000);
        const b = Buffer.alloc(len);
        for (let i = 0; i < len; i++) b[i] = rnd(256);
        // Mix in protocol-looking pieces so the parser goes deep, not just "unknown command".
        const mixed: Buffer[] = [];
        for (let i = 0; i < len; i += 50) {
          mixed.push(b.subarray(i, i + 50));
          if (rnd(2) === 0) mixed.push(Buffer.from(fragments[rnd(fragments.length)], 'latin1'));
        }
        garbage.push(exchange(port, mixed, { gap: rnd(2) === 0, timeoutMs: 300 }).catch((e: Error) => e));
      }
      // The well-behaved client keeps getting exact answers meanwhile.
      const key = `fuzz:${round}`;
      expect(await worker.command('SET', key, `v${round}`)).toBe('+OK\r\n');
      expect(await worker.command('GET', key)).toBe(`$${String(round).length + 1}\r\nv${round}\r\n`);
      checked += 2;
      await Promise.all(garbage);
    }
    expect(checked).toBe(20);
    expect(await worker.command('PING')).toBe('+PONG\r\n');
    worker.close();
    const fresh = await RawClient.connect(port);
    expect(await fresh.command('ECHO', 'alive')).toBe('$5\r\nalive\r\n');
    fresh.close();
    expect(env.ours!.proc.exitCode).toBeNull();
  });
});
