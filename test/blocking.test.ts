// Blocking list commands on a 4-thread server: waits on one shard and across
// shards, FIFO among waiters, timeouts, every way a waiter gets served
// (pushes, LMOVE / BLMOVE chains, RENAME, COPY, MOVE, SWAPDB, MULTI/EXEC),
// CLIENT UNBLOCK, disconnects, WRONGTYPE, and concurrent producer/consumer
// stress with many blocked consumers (no element lost or served twice).
// Deterministic scenarios run on both our server and redis-server 7.0 and
// their transcripts must be identical; clients are sequenced by waiting for
// INFO's blocked_clients count, never by timing.

import { describe, it, expect } from 'vitest';
import { prng } from './helpers/reply_tree.ts';
import { useDiff } from './helpers/diff.ts';
import { RawClient, encodeCommand } from './helpers/resp.ts';
import { keyShard } from '../src/router/slot.ts';

const THREADS = 4;
const env = useDiff({ threads: THREADS });

/** n keys on n different shards. */
function spread(prefix: string, n: number): string[] {
  const out: string[] = [];
  const seen = new Set<number>();
  for (let i = 0; out.length < n; i++) {
    const s = keyShard(prefix + i, THREADS);
    if (seen.has(s)) continue;
    seen.add(s);
    out.push(prefix + i);
  }
  return out;
}

/** A key on the same shard as `key` (different name). */
function sameShard(key: string, prefix: string): string {
  for (let i = 0; ; i++) if (keyShard(prefix + i, THREADS) === keyShard(key, THREADS)) return prefix + i;
}

const [K0, K1, K2, K3] = spread('k', 4);

type Server = 'ours' | 'redis';
const port = (s: Server): number => (s === 'ours' ? env.ours!.port : env.redis!.port);

async function connect(s: Server, n = 1): Promise<RawClient[]> {
  const out: RawClient[] = [];
  for (let i = 0; i < n; i++) out.push(await RawClient.connect(port(s)));
  return out;
}

function send(c: RawClient, ...args: string[]): void {
  c.write(encodeCommand(args));
}

async function blockedClients(admin: RawClient): Promise<number> {
  const info = await admin.command('INFO', 'clients');
  const m = /blocked_clients:(\d+)/.exec(info);
  return m === null ? -1 : Number(m[1]);
}

/** Wait until the server reports `n` blocked clients (the sequencing point of every scenario). */
async function waitBlocked(admin: RawClient, n: number): Promise<void> {
  const deadline = Date.now() + 10000;
  for (;;) {
    const b = await blockedClients(admin);
    if (b === n) return;
    if (Date.now() > deadline) throw new Error(`blocked_clients stayed ${b}, expected ${n}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Send a blocking command and wait until the server counts one more blocked client. */
async function block(admin: RawClient, c: RawClient, expected: number, ...args: string[]): Promise<void> {
  send(c, ...args);
  await waitBlocked(admin, expected);
}

/** A command whose reply may take long (a consumer blocked until producers get to its keys). */
async function slow(c: RawClient, ...args: string[]): Promise<string> {
  send(c, ...args);
  return c.readReply(600000);
}

async function clientId(c: RawClient): Promise<string> {
  return (await c.command('CLIENT', 'ID')).slice(1, -2);
}

/** Run a scenario on both servers; the transcripts (reply texts) must be identical. */
async function both(scenario: (s: Server, log: string[]) => Promise<void>): Promise<string[]> {
  const logs: Record<Server, string[]> = { ours: [], redis: [] };
  for (const s of ['redis', 'ours'] as Server[]) {
    const [admin] = await connect(s);
    await admin.command('FLUSHALL');
    admin.close();
    await scenario(s, logs[s]);
  }
  expect(logs.ours).toEqual(logs.redis);
  return logs.ours;
}

describe('waking blocked clients', () => {
  it('keys on different shards in one BLPOP: the key that gets data serves it', async () => {
    const t = await both(async (s, log) => {
      const [admin, a, p] = await connect(s, 3);
      await block(admin, a, 1, 'BLPOP', K0, K1, K2, K3, '0');
      log.push(await p.command('RPUSH', K2, 'x', 'y'));
      log.push(await a.readReply());
      log.push(await p.command('LRANGE', K2, '0', '-1'));
      await block(admin, a, 1, 'BRPOP', K3, K1, '0');
      log.push(await p.command('RPUSH', K1, '1', '2'));
      log.push(await a.readReply());
      log.push(await p.command('DEL', K1));
      await block(admin, a, 1, 'BLMPOP', '0', '3', K0, K1, K3, 'RIGHT', 'COUNT', '5');
      log.push(await p.command('RPUSH', K3, 'a', 'b', 'c'));
      log.push(await a.readReply());
      log.push(String(await blockedClients(admin)));
      for (const c of [admin, a, p]) c.close();
    });
    expect(t[1]).toBe(`*2\r\n$${K2.length}\r\n${K2}\r\n$1\r\nx\r\n`);
  });

  it('FIFO among clients blocked on one key (several threads, one and several shards)', async () => {
    await both(async (s, log) => {
      const [admin, p] = await connect(s, 2);
      const waiters = await connect(s, 8);
      // Alternate waits on K0 alone and on K0 plus keys of other shards.
      for (let i = 0; i < waiters.length; i++) {
        const args = i % 2 === 0 ? ['BLPOP', K0, '0'] : ['BLPOP', K1, K0, K2, '0'];
        await block(admin, waiters[i], i + 1, ...args);
      }
      log.push(await p.command('RPUSH', K0, 'e0', 'e1', 'e2'));
      for (let i = 0; i < 3; i++) log.push(await waiters[i].readReply());
      await waitBlocked(admin, 5);
      log.push(await p.command('RPUSH', K0, 'e3', 'e4', 'e5', 'e6', 'e7', 'e8'));
      for (let i = 3; i < 8; i++) log.push(await waiters[i].readReply());
      log.push(await p.command('LRANGE', K0, '0', '-1'));
      log.push(String(await blockedClients(admin)));
      for (const c of [admin, p, ...waiters]) c.close();
    });
  });

  it('a pipeline after a blocking command runs only after it is served; earlier replies are sent at once', async () => {
    await both(async (s, log) => {
      const [admin, a, p] = await connect(s, 3);
      a.write(Buffer.concat([encodeCommand(['SET', 'before', '1']), encodeCommand(['BLPOP', K1, '0']), encodeCommand(['GET', 'after']), encodeCommand(['LLEN', K1])]));
      log.push(await a.readReply());
      await waitBlocked(admin, 1);
      log.push(await p.command('SET', 'after', 'yes'));
      log.push(await p.command('RPUSH', K1, 'v', 'w'));
      log.push(await a.readReply());
      log.push(await a.readReply());
      log.push(await a.readReply());
      for (const c of [admin, a, p]) c.close();
    });
  });

  it('0 waits forever; float timeouts reply null', async () => {
    await both(async (s, log) => {
      const [admin, a, b, p] = await connect(s, 4);
      log.push(await a.command('BLPOP', K0, '0.05'));
      log.push(await a.command('BLPOP', K0, K1, '0.05'));
      log.push(await a.command('BLMOVE', K0, K1, 'LEFT', 'LEFT', '0.02'));
      log.push(await a.command('BLMPOP', '0.02', '2', K2, K3, 'LEFT'));
      await block(admin, b, 1, 'BLPOP', K0, '0');
      await expect(b.readReply(300)).rejects.toThrow(/timeout/);
      log.push(String(await blockedClients(admin)));
      log.push(await p.command('LPUSH', K0, 'late'));
      log.push(await b.readReply());
      for (const c of [admin, a, b, p]) c.close();
    });
  });

  it('served by LMOVE, RPOPLPUSH, BLMOVE chains and MULTI/EXEC', async () => {
    await both(async (s, log) => {
      const [admin, a, b, c, p] = await connect(s, 5);
      const src = K0;
      const mid = K1;
      const local = sameShard(K0, 'm');
      // LMOVE into a key a client waits on (same shard and across shards).
      await block(admin, a, 1, 'BLPOP', local, '0');
      await block(admin, b, 2, 'BLPOP', mid, '0');
      log.push(await p.command('RPUSH', src, '1', '2', '3'));
      log.push(await p.command('LMOVE', src, local, 'LEFT', 'RIGHT'));
      log.push(await a.readReply());
      log.push(await p.command('RPOPLPUSH', src, mid));
      log.push(await b.readReply());
      // A chain: BLMOVE src -> mid, BLMOVE mid -> local (other shard), BLPOP local.
      log.push(await p.command('DEL', src));
      await block(admin, a, 1, 'BLMOVE', src, mid, 'RIGHT', 'LEFT', '0');
      await block(admin, b, 2, 'BLMOVE', mid, local, 'LEFT', 'LEFT', '0');
      await block(admin, c, 3, 'BLPOP', local, '0');
      log.push(await p.command('RPUSH', src, 'chain'));
      log.push(await a.readReply());
      log.push(await b.readReply());
      log.push(await c.readReply());
      log.push(await p.command('EXISTS', src, mid, local));
      // The same chain inside one shard: served in one pass after the push.
      const [h1, h2, h3] = [sameShard(K2, 'h'), sameShard(K2, 'hh'), sameShard(K2, 'hhh')];
      await block(admin, a, 1, 'BLMOVE', h1, h2, 'LEFT', 'LEFT', '0');
      await block(admin, b, 2, 'BRPOPLPUSH', h2, h3, '0');
      await block(admin, c, 3, 'BLMPOP', '0', '2', K3, h3, 'RIGHT', 'COUNT', '2');
      log.push(await p.command('RPUSH', h1, 'one', 'two'));
      log.push(await a.readReply());
      log.push(await b.readReply());
      log.push(await c.readReply());
      log.push(await p.command('LRANGE', h1, '0', '-1'));
      log.push(await p.command('EXISTS', h2, h3));
      // MULTI/EXEC: served after the block, which sees its own pushes.
      await block(admin, a, 1, 'BLPOP', src, '0');
      log.push(await p.command('MULTI'));
      log.push(await p.command('RPUSH', src, 'x', 'y'));
      log.push(await p.command('LLEN', src));
      log.push(await p.command('LPOP', src));
      log.push(await p.command('EXEC'));
      log.push(await a.readReply());
      log.push(await p.command('LRANGE', src, '0', '-1'));
      for (const x of [admin, a, b, c, p]) x.close();
    });
  });

  it('served by RENAME, COPY, MOVE and SWAPDB onto the key', async () => {
    await both(async (s, log) => {
      const [admin, a, p] = await connect(s, 3);
      const near = sameShard(K0, 'n');
      for (const from of [near, K2]) {
        await block(admin, a, 1, 'BLPOP', K0, '0');
        log.push(await p.command('RPUSH', from, 'r1', 'r2'));
        log.push(await p.command('RENAME', from, K0));
        log.push(await a.readReply());
        log.push(await p.command('DEL', K0));
      }
      await block(admin, a, 1, 'BLPOP', K0, '0');
      log.push(await p.command('RPUSH', K3, 'c1'));
      log.push(await p.command('COPY', K3, K0));
      log.push(await a.readReply());
      await block(admin, a, 1, 'BRPOP', K1, '0');
      log.push(await p.command('SELECT', '1'));
      log.push(await p.command('RPUSH', K1, 'moved'));
      log.push(await p.command('MOVE', K1, '0'));
      log.push(await a.readReply());
      await block(admin, a, 1, 'BLPOP', K2, '0');
      log.push(await p.command('RPUSH', K2, 'swapped'));
      log.push(await p.command('SWAPDB', '0', '1'));
      log.push(await a.readReply());
      log.push(await p.command('SWAPDB', '0', '1'));
      for (const x of [admin, a, p]) x.close();
    });
  });

  it('WRONGTYPE: an existing key of another type errors at once; one that becomes another type does not serve', async () => {
    await both(async (s, log) => {
      const [admin, a, p] = await connect(s, 3);
      log.push(await p.command('SET', K1, 'str'));
      log.push(await a.command('BLPOP', K0, K1, '0'));
      log.push(await a.command('BLMOVE', K1, K0, 'LEFT', 'LEFT', '0'));
      log.push(await p.command('DEL', K1));
      await block(admin, a, 1, 'BLPOP', K0, K1, '0');
      log.push(await p.command('SET', K0, 'now a string'));
      log.push(await p.command('SADD', K1, 'member'));
      log.push(String(await blockedClients(admin)));
      log.push(await p.command('DEL', K0));
      log.push(await p.command('RPUSH', K0, 'finally'));
      log.push(await a.readReply());
      // BLMOVE into a destination that became another type: the waiter gets WRONGTYPE, the source keeps its element.
      log.push(await p.command('DEL', K0, K1));
      await block(admin, a, 1, 'BLMOVE', K0, K1, 'LEFT', 'LEFT', '0');
      log.push(await p.command('SET', K1, 'str'));
      log.push(await p.command('RPUSH', K0, 'kept'));
      log.push(await a.readReply());
      log.push(await p.command('LRANGE', K0, '0', '-1'));
      const same = sameShard(K0, 'w');
      await block(admin, a, 1, 'BLMOVE', K2, same, 'LEFT', 'LEFT', '0');
      log.push(await p.command('SET', same, 'str'));
      log.push(await p.command('RPUSH', K2, 'kept'));
      log.push(await a.readReply());
      for (const x of [admin, a, p]) x.close();
    });
  });
});

describe('ending a wait without data', () => {
  it('CLIENT UNBLOCK TIMEOUT and ERROR (waits on every shard, single and multi-shard)', async () => {
    await both(async (s, log) => {
      const [admin, a, p] = await connect(s, 3);
      const id = await clientId(a);
      const waits: string[][] = [
        ['BLPOP', K0, '0'], ['BLPOP', K1, '0'], ['BLPOP', K2, '0'], ['BLPOP', K3, '0'], ['BLPOP', K0, K1, K2, K3, '0'],
        ['BLMOVE', K0, K1, 'LEFT', 'LEFT', '0'], ['BRPOPLPUSH', K2, sameShard(K2, 'u'), '0'], ['BLMPOP', '0', '2', K1, K3, 'LEFT'],
      ];
      for (const w of waits) {
        for (const mode of [[], ['TIMEOUT'], ['ERROR']]) {
          await block(admin, a, 1, ...w);
          log.push(await p.command('CLIENT', 'UNBLOCK', id, ...mode));
          log.push(await a.readReply());
          log.push(await p.command('CLIENT', 'UNBLOCK', id, ...mode));
        }
      }
      log.push(await p.command('CLIENT', 'UNBLOCK', id, 'FOO'));
      log.push(await p.command('CLIENT', 'UNBLOCK', 'x'));
      log.push(await a.command('PING'));
      log.push(String(await blockedClients(admin)));
      for (const x of [admin, a, p]) x.close();
    });
  });

  it('a blocked client that disconnects leaves no waiter behind (values stay in the list)', async () => {
    await both(async (s, log) => {
      const [admin, p] = await connect(s, 2);
      const waits: string[][] = [['BLPOP', K0, '0'], ['BLPOP', K1, '0'], ['BLPOP', K2, K3, '0'], ['BLMOVE', K3, K0, 'LEFT', 'LEFT', '0'], ['BLMPOP', '0', '4', K0, K1, K2, K3, 'LEFT']];
      for (const w of waits) {
        const [a] = await connect(s);
        await block(admin, a, 1, ...w);
        a.close();
        await waitBlocked(admin, 0);
        log.push(await p.command('RPUSH', K0, 'v'));
        log.push(await p.command('RPUSH', K1, 'v'));
        log.push(await p.command('RPUSH', K2, 'v'));
        log.push(await p.command('RPUSH', K3, 'v'));
        log.push(await p.command('DEL', K0, K1, K2, K3));
      }
      for (const x of [admin, p]) x.close();
    });
  });

  it('CLIENT LIST shows the b flag while blocked', async () => {
    const [admin, a] = await connect('ours', 2);
    const id = await clientId(a);
    await block(admin, a, 1, 'BLPOP', K0, K1, '0');
    const line = (await admin.command('CLIENT', 'LIST')).split('\n').find((l) => l.includes(`id=${id} `))!;
    expect(line).toMatch(/ flags=b /);
    expect(line).toMatch(/ cmd=blpop /);
    await admin.command('CLIENT', 'UNBLOCK', id);
    expect(await a.readReply()).toBe('*-1\r\n');
    admin.close();
    a.close();
  });
});

// ---- concurrency: no element lost or served twice ------------------------------------

/** Elements of a RESP array of bulk strings (nested arrays flattened; nulls skipped). */
function bulks(reply: string): string[] {
  const out: string[] = [];
  const re = /\$(\d+)\r\n/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(reply)) !== null) {
    const n = Number(m[1]);
    out.push(reply.substr(re.lastIndex, n));
    re.lastIndex += n + 2;
  }
  return out;
}

describe('producer / consumer stress', () => {
  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}: many blocked consumers across shards, relays, timeouts and CLIENT UNBLOCK`, async () => {
      const rand = prng(seed);
      const SRC = spread('q', 4).concat(spread('qq', 4));
      const RELAY = spread('relay', 4);
      const TOTAL = 6000;
      const [admin] = await connect('ours');
      await admin.command('FLUSHALL');
      const consumed: string[] = [];
      let done = false;
      const seen = new Set<string>();
      const consumers: Promise<void>[] = [];
      const conns: RawClient[] = [];
      const ids: string[] = [];
      const errors: string[] = [];
      const closedByUs = (e: unknown): boolean => done && String(e).includes('connection closed');

      /** Terminal consumers: BLPOP / BRPOP / BLMPOP over a few keys (one shard or several). */
      const terminal = async (keys: string[], kind: number, timeout: string): Promise<void> => {
        const [c] = await connect('ours');
        conns.push(c);
        ids.push(await clientId(c));
        while (!done) {
          let cmd: string[];
          if (kind === 0) cmd = ['BLPOP', ...keys, timeout];
          else if (kind === 1) cmd = ['BRPOP', ...keys, timeout];
          else cmd = ['BLMPOP', timeout, String(keys.length), ...keys, 'LEFT', 'COUNT', '3'];
          let r: string;
          try {
            r = await slow(c, ...cmd);
          } catch (e) {
            if (!closedByUs(e)) errors.push(String(e));
            return;
          }
          if (r.startsWith('-UNBLOCKED') || r === '*-1\r\n') continue;
          if (r.startsWith('-')) errors.push('unexpected ' + r);
          const els = bulks(r).slice(1);
          for (const e of els) {
            if (seen.has(e)) errors.push('served twice: ' + e);
            seen.add(e);
            consumed.push(e);
          }
        }
      };
      /** Relays: BLMOVE / BRPOPLPUSH from sources into relay keys (consumed by terminals). */
      const relay = async (src: string, dst: string): Promise<void> => {
        const [c] = await connect('ours');
        conns.push(c);
        ids.push(await clientId(c));
        while (!done) {
          try {
            const r = rand() < 0.5 ? await slow(c, 'BLMOVE', src, dst, 'LEFT', 'RIGHT', '0') : await slow(c, 'BRPOPLPUSH', src, dst, '0.05');
            if (r.startsWith('-') && !r.startsWith('-UNBLOCKED')) errors.push('unexpected ' + r);
          } catch (e) {
            if (!closedByUs(e)) errors.push(String(e));
            return;
          }
        }
      };
      for (let i = 0; i < 14; i++) {
        const n = 1 + Math.floor(rand() * 3);
        const keys: string[] = [];
        for (let j = 0; j < n; j++) keys.push(rand() < 0.25 ? RELAY[Math.floor(rand() * RELAY.length)] : SRC[Math.floor(rand() * SRC.length)]);
        consumers.push(terminal(keys, i % 3, rand() < 0.3 ? '0.01' : '0'));
      }
      // Every relay key and every source has a terminal consumer of its own.
      for (const k of RELAY) consumers.push(terminal([k], 0, '0'));
      for (const k of SRC) consumers.push(terminal([k], 1, '0'));
      for (let i = 0; i < 4; i++) consumers.push(relay(SRC[i], RELAY[(i + 1) % RELAY.length]));

      // Producers: several connections pushing (single and variadic) to random sources.
      const producers = await connect('ours', 3);
      let next = 0;
      const produce = async (c: RawClient): Promise<void> => {
        while (next < TOTAL) {
          const n = Math.min(1 + Math.floor(rand() * 4), TOTAL - next);
          const vals: string[] = [];
          for (let i = 0; i < n; i++) vals.push('v' + next++);
          const k = SRC[Math.floor(rand() * SRC.length)];
          const r = await c.command(rand() < 0.5 ? 'RPUSH' : 'LPUSH', k, ...vals);
          expect(r.startsWith(':')).toBe(true);
          if (rand() < 0.02) await admin.command('CLIENT', 'UNBLOCK', ids[Math.floor(rand() * ids.length)], rand() < 0.5 ? 'ERROR' : 'TIMEOUT');
        }
      };
      await Promise.all(producers.map(produce));
      const deadline = Date.now() + 60000;
      while (consumed.length < TOTAL && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      done = true;
      expect(errors).toEqual([]);
      expect(consumed.length).toBe(TOTAL);
      expect(seen.size).toBe(TOTAL);
      for (const c of conns) c.close();
      for (const c of producers) c.close();
      await waitBlocked(admin, 0);
      for (const k of [...SRC, ...RELAY]) expect(await admin.command('LLEN', k)).toBe(':0\r\n');
      await Promise.allSettled(consumers);
      expect(errors).toEqual([]);
      // No registration was left behind: a new waiter on every key is served by the next push.
      const [w] = await connect('ours');
      for (const k of [...SRC, ...RELAY]) {
        await block(admin, w, 1, 'BLPOP', k, '0');
        expect(await admin.command('RPUSH', k, 'probe')).toBe(':1\r\n');
        expect(await w.readReply()).toBe(`*2\r\n$${k.length}\r\n${k}\r\n$5\r\nprobe\r\n`);
      }
      w.close();
      admin.close();
    }, 120000);
  }
});
