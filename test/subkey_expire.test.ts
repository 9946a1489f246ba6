// KeyDB subkey expires on our server alone (4 threads; KeyDB itself is not
// installed): EXPIREMEMBER / EXPIREMEMBERAT / PEXPIREMEMBERAT on set and hash
// members, TTL / PTTL / PERSIST with a member argument, lazy expiry on access,
// active expiry by the expire cycle on every shard, the key deleted with its
// last member, TTLs following RENAME / COPY / MOVE (within and across shards),
// KEYDB.MEXISTS and KEYDB.HRENAME; plus unit tests of the MemberExpires heap.

import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startServer, type RunningServer } from './helpers/server.ts';
import { RawClient } from './helpers/resp.ts';
import { keyShard } from '../src/router/slot.ts';
import { MemberExpires } from '../src/shards/subkey_expire.ts';
import { SetValue } from '../src/shards/types/set.ts';
import { HashValue } from '../src/shards/types/hash.ts';
import { encodeValue, decodeValue, dupValue } from '../src/shards/value_codec.ts';

const THREADS = 4;
let srv: RunningServer;

beforeAll(async () => {
  srv = await startServer(['--server-threads', String(THREADS), '--enable-debug-command', 'yes', '--hz', '100']);
}, 60000);
afterAll(async () => {
  await srv?.stop();
});

async function client(): Promise<RawClient> {
  const c = await RawClient.connect(srv.port);
  await c.command('FLUSHALL');
  return c;
}

/** One key per shard. */
function keysOnShards(prefix: string): string[] {
  const out: string[] = [];
  const seen = new Set<number>();
  for (let i = 0; out.length < THREADS; i++) {
    const s = keyShard(prefix + i, THREADS);
    if (!seen.has(s)) {
      seen.add(s);
      out.push(prefix + i);
    }
  }
  return out;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Poll until `f` returns true (no timing assertion: only a generous deadline against hanging). */
async function eventually(f: () => Promise<boolean>, deadlineMs = 10000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!(await f())) {
    if (Date.now() > end) throw new Error('condition not reached before the deadline');
    await sleep(20);
  }
}

function int(r: string): number {
  expect(r[0]).toBe(':');
  return Number(r.slice(1, -2));
}

describe('EXPIREMEMBER and friends', () => {
  it('replies and errors', async () => {
    const c = await client();
    try {
      await c.command('SADD', 's', 'a', 'b');
      await c.command('HSET', 'h', 'f', 'v');
      await c.command('SET', 'str', 'x');
      expect(await c.command('EXPIREMEMBER', 's', 'a', '100')).toBe(':1\r\n');
      expect(await c.command('EXPIREMEMBER', 's', 'zz', '100')).toBe(':0\r\n');
      expect(await c.command('EXPIREMEMBER', 'nokey', 'a', '100')).toBe(':0\r\n');
      expect(await c.command('EXPIREMEMBER', 'str', 'a', '100')).toBe('-ERR object type is unsupported\r\n');
      expect(await c.command('EXPIREMEMBER', 'h', 'f', '100', 'ms')).toBe(':1\r\n');
      expect(await c.command('EXPIREMEMBER', 'h', 'f', '100', 'MS')).toBe(':1\r\n');
      expect(await c.command('EXPIREMEMBER', 'h', 'f', '100', 'S')).toBe(':1\r\n');
      expect(await c.command('EXPIREMEMBER', 'h', 'f', '100', 'm')).toBe('-ERR Invalid unit arg\r\n');
      expect(await c.command('EXPIREMEMBER', 'h', 'f', '100', 's', 'x')).toBe('-ERR Invalid number of arguments\r\n');
      expect(await c.command('EXPIREMEMBER', 'h', 'f', 'abc')).toBe('-ERR value is not an integer or out of range\r\n');
      expect(await c.command('EXPIREMEMBER', 'h', 'f', 'abc', 'x', 'y')).toBe('-ERR value is not an integer or out of range\r\n');
      expect(await c.command('EXPIREMEMBER', 'nokey', 'f', '1', 'bad')).toBe('-ERR Invalid unit arg\r\n');
      expect(await c.command('EXPIREMEMBER', 'h', 'f')).toBe("-ERR wrong number of arguments for 'expiremember' command\r\n");
      expect(await c.command('EXPIREMEMBERAT', 'h', 'f')).toBe("-ERR wrong number of arguments for 'expirememberat' command\r\n");
      expect(await c.command('EXPIREMEMBERAT', 'h', 'f', '1', 'x')).toBe("-ERR wrong number of arguments for 'expirememberat' command\r\n");
      expect(await c.command('PEXPIREMEMBERAT', 'h', 'f', 'x')).toBe('-ERR value is not an integer or out of range\r\n');
      expect(await c.command('EXPIREMEMBERAT', 'str', 'f', '1')).toBe('-ERR object type is unsupported\r\n');
      const future = Math.floor(Date.now() / 1000) + 1000;
      expect(await c.command('EXPIREMEMBERAT', 's', 'b', String(future))).toBe(':1\r\n');
      const ttl = int(await c.command('TTL', 's', 'b'));
      expect(ttl).toBeGreaterThan(990);
      expect(ttl).toBeLessThanOrEqual(1000);
      expect(await c.command('PEXPIREMEMBERAT', 's', 'b', String(future * 1000 + 500))).toBe(':1\r\n');
      const pttl = int(await c.command('PTTL', 's', 'b'));
      expect(pttl).toBeGreaterThan(990000);
      expect(pttl).toBeLessThanOrEqual(1000500);
      // Huge values are accepted (C arithmetic) and are simply far away.
      expect(await c.command('EXPIREMEMBER', 's', 'a', '9223372036854775807', 'ms')).toBe(':1\r\n');
    } finally {
      c.close();
    }
  });

  it('TTL / PTTL / PERSIST with a member', async () => {
    const c = await client();
    try {
      await c.command('SADD', 's', 'a', 'b');
      expect(await c.command('EXPIREMEMBER', 's', 'a', '100')).toBe(':1\r\n');
      expect(await c.command('TTL', 's', 'a')).toBe(':100\r\n');
      const p = int(await c.command('PTTL', 's', 'a'));
      expect(p).toBeGreaterThan(99000);
      expect(p).toBeLessThanOrEqual(100000);
      expect(await c.command('TTL', 's', 'b')).toBe(':-1\r\n');
      expect(await c.command('TTL', 's', 'nosuch')).toBe(':-1\r\n');
      expect(await c.command('TTL', 'nokey', 'a')).toBe(':-2\r\n');
      expect(await c.command('PTTL', 'nokey', 'a')).toBe(':-2\r\n');
      expect(await c.command('TTL', 's', 'a', 'x')).toBe('-ERR Invalid arguments\r\n');
      expect(await c.command('TTL', 'nokey', 'a', 'x')).toBe(':-2\r\n');
      // The key's own TTL is separate from its members'.
      expect(await c.command('TTL', 's')).toBe(':-1\r\n');
      expect(await c.command('EXPIRE', 's', '500')).toBe(':1\r\n');
      expect(await c.command('TTL', 's')).toBe(':500\r\n');
      expect(await c.command('TTL', 's', 'a')).toBe(':100\r\n');
      expect(await c.command('PERSIST', 's', 'b')).toBe(':0\r\n');
      expect(await c.command('PERSIST', 's', 'a')).toBe(':1\r\n');
      expect(await c.command('PERSIST', 's', 'a')).toBe(':0\r\n');
      expect(await c.command('TTL', 's', 'a')).toBe(':-1\r\n');
      expect(await c.command('TTL', 's')).toBe(':500\r\n');
      expect(await c.command('PERSIST', 'nokey', 'a')).toBe(':0\r\n');
      expect(await c.command('PERSIST', 's', 'a', 'b')).toBe('-ERR Invalid arguments\r\n');
      // KeyDB's PERSIST key drops the key's TTL and every member TTL.
      expect(await c.command('EXPIREMEMBER', 's', 'a', '100')).toBe(':1\r\n');
      expect(await c.command('PERSIST', 's')).toBe(':1\r\n');
      expect(await c.command('TTL', 's')).toBe(':-1\r\n');
      expect(await c.command('TTL', 's', 'a')).toBe(':-1\r\n');
      expect(await c.command('EXPIREMEMBER', 's', 'a', '100')).toBe(':1\r\n');
      expect(await c.command('PERSIST', 's')).toBe(':1\r\n');
      expect(await c.command('TTL', 's', 'a')).toBe(':-1\r\n');
      expect(await c.command('PERSIST', 's')).toBe(':0\r\n');
      // Plain TTL / PTTL / PERSIST keep Redis's replies.
      await c.command('SET', 'k', 'v');
      expect(await c.command('TTL', 'k')).toBe(':-1\r\n');
      expect(await c.command('PERSIST', 'k')).toBe(':0\r\n');
      expect(await c.command('TTL', 'k', 'm')).toBe(':-1\r\n');
      expect(await c.command('PERSIST', 'k', 'm')).toBe(':0\r\n');
      expect(await c.command('TTL')).toBe("-ERR wrong number of arguments for 'ttl' command\r\n");
      expect(await c.command('PERSIST')).toBe("-ERR wrong number of arguments for 'persist' command\r\n");
    } finally {
      c.close();
    }
  });
});

describe('lazy expiry', () => {
  it('expired members vanish on access; the last one takes the key', async () => {
    const c = await client();
    try {
      await c.command('DEBUG', 'SET-ACTIVE-EXPIRE', '0');
      await c.command('SADD', 's', '1', '2', '3');
      await c.command('HSET', 'h', 'a', '1', 'b', '2');
      expect(await c.command('EXPIREMEMBER', 's', '2', '1', 'ms')).toBe(':1\r\n');
      expect(await c.command('EXPIREMEMBER', 'h', 'a', '1', 'ms')).toBe(':1\r\n');
      await sleep(30);
      expect(await c.command('SMEMBERS', 's')).toBe('*2\r\n$1\r\n1\r\n$1\r\n3\r\n');
      expect(await c.command('SISMEMBER', 's', '2')).toBe(':0\r\n');
      expect(await c.command('HGETALL', 'h')).toBe('*2\r\n$1\r\nb\r\n$1\r\n2\r\n');
      expect(await c.command('HGET', 'h', 'a')).toBe('$-1\r\n');
      expect(await c.command('TTL', 's', '2')).toBe(':-1\r\n');
      // Past absolute times: gone at the next access.
      expect(await c.command('EXPIREMEMBERAT', 's', '1', '1')).toBe(':1\r\n');
      expect(await c.command('PEXPIREMEMBERAT', 's', '3', '1')).toBe(':1\r\n');
      expect(await c.command('DBSIZE')).toBe(':2\r\n');
      expect(await c.command('SCARD', 's')).toBe(':0\r\n');
      expect(await c.command('EXISTS', 's')).toBe(':0\r\n');
      expect(await c.command('DBSIZE')).toBe(':1\r\n');
      expect(await c.command('EXPIREMEMBER', 'h', 'b', '-5')).toBe(':1\r\n');
      expect(await c.command('HLEN', 'h')).toBe(':0\r\n');
      expect(await c.command('TYPE', 'h')).toBe('+none\r\n');
      // Every kind of access runs the hook: writes, TTL, MEXISTS, SCAN-style reads.
      await c.command('SADD', 't', 'x', 'y');
      await c.command('EXPIREMEMBER', 't', 'x', '1', 'ms');
      await sleep(10);
      expect(await c.command('SADD', 't', 'z')).toBe(':1\r\n');
      expect(await c.command('SSCAN', 't', '0')).toMatch(/^\*2\r\n\$1\r\n0\r\n\*2\r\n/);
      await c.command('EXPIREMEMBER', 't', 'y', '1', 'ms');
      await c.command('EXPIREMEMBER', 't', 'z', '1', 'ms');
      await sleep(10);
      expect(await c.command('KEYDB.MEXISTS', 't')).toBe('*1\r\n:0\r\n');
      expect(await c.command('EXISTS', 't')).toBe(':0\r\n');
    } finally {
      await c.command('DEBUG', 'SET-ACTIVE-EXPIRE', '1');
      c.close();
    }
  });

  it('removing, re-adding or overwriting drops a member TTL', async () => {
    const c = await client();
    try {
      await c.command('SADD', 's', 'a', 'b');
      await c.command('EXPIREMEMBER', 's', 'a', '100');
      await c.command('SREM', 's', 'a');
      await c.command('SADD', 's', 'a');
      expect(await c.command('TTL', 's', 'a')).toBe(':-1\r\n');
      await c.command('HSET', 'h', 'f', '1', 'g', '2');
      await c.command('EXPIREMEMBER', 'h', 'f', '100');
      await c.command('HSET', 'h', 'f', '3');
      expect(await c.command('TTL', 'h', 'f')).toBe(':100\r\n');
      await c.command('HDEL', 'h', 'f');
      await c.command('HSET', 'h', 'f', '4');
      expect(await c.command('TTL', 'h', 'f')).toBe(':-1\r\n');
      await c.command('EXPIREMEMBER', 'h', 'g', '100');
      await c.command('SET', 'h', 'string now');
      expect(await c.command('TTL', 'h', 'g')).toBe(':-1\r\n');
      await c.command('DEL', 'h');
      await c.command('HSET', 'h', 'g', '1');
      expect(await c.command('TTL', 'h', 'g')).toBe(':-1\r\n');
      // SMOVE: the member leaves with no TTL.
      await c.command('SADD', '{m}a', 'x', 'y');
      await c.command('EXPIREMEMBER', '{m}a', 'x', '100');
      expect(await c.command('SMOVE', '{m}a', '{m}b', 'x')).toBe(':1\r\n');
      expect(await c.command('TTL', '{m}b', 'x')).toBe(':-1\r\n');
      // SINTERSTORE builds a fresh set without member TTLs.
      await c.command('EXPIREMEMBER', '{m}a', 'y', '100');
      await c.command('SINTERSTORE', '{m}c', '{m}a');
      expect(await c.command('TTL', '{m}c', 'y')).toBe(':-1\r\n');
      expect(await c.command('TTL', '{m}a', 'y')).toBe(':100\r\n');
    } finally {
      c.close();
    }
  });
});

describe('active expiry', () => {
  it('the expire cycle removes due members on every shard and deletes emptied keys', async () => {
    const c = await client();
    try {
      const keys = keysOnShards('ax');
      for (const k of keys) {
        await c.command('SADD', k, 'gone1', 'gone2', 'stay');
        await c.command('EXPIREMEMBER', k, 'gone1', '200', 'ms');
        await c.command('EXPIREMEMBER', k, 'gone2', '300', 'ms');
        await c.command('HSET', k + 'h', 'a', '1');
        await c.command('EXPIREMEMBER', k + 'h', 'a', '200', 'ms');
        await c.command('SADD', k + 'all', '1', '2');
        await c.command('EXPIREMEMBER', k + 'all', '1', '100', 'ms');
        await c.command('EXPIREMEMBER', k + 'all', '2', '400', 'ms');
      }
      // Only commands that do not touch member TTLs: emptied keys go without any access.
      await eventually(async () => int(await c.command('DBSIZE')) === THREADS);
      for (const k of keys) {
        expect(await c.command('EXISTS', k, k + 'h', k + 'all')).toBe(':1\r\n');
        expect(await c.command('SMEMBERS', k)).toBe('*1\r\n$4\r\nstay\r\n');
      }
      const info = await c.command('INFO', 'stats');
      expect(Number(/expired_keys:(\d+)/.exec(info)![1])).toBeGreaterThanOrEqual(2 * THREADS);
    } finally {
      c.close();
    }
  });

  it('many members expire in bulk; persisted ones stay', async () => {
    const c = await client();
    try {
      const members = Array.from({ length: 3000 }, (_, i) => `m${i}`);
      await c.command('SADD', 'bulk', ...members, 'keep');
      const cmds = members.map((m) => encodeFor('EXPIREMEMBER', 'bulk', m, '30', 'ms'));
      c.write(Buffer.concat(cmds));
      for (let i = 0; i < members.length; i++) expect(await c.readReply()).toBe(':1\r\n');
      await c.command('EXPIREMEMBER', 'bulk', 'keep', '30', 'ms');
      await c.command('PERSIST', 'bulk', 'keep');
      await eventually(async () => (await c.command('OBJECT', 'ENCODING', 'bulk')) !== '$-1\r\n' && (await memoryOf(c, 'bulk')) < 2000);
      expect(await c.command('SMEMBERS', 'bulk')).toBe('*1\r\n$4\r\nkeep\r\n');
    } finally {
      c.close();
    }
  });
});

function encodeFor(...args: string[]): Buffer {
  return Buffer.from(`*${args.length}\r\n` + args.map((a) => `$${Buffer.byteLength(a, 'latin1')}\r\n${a}\r\n`).join(''), 'latin1');
}

async function memoryOf(c: RawClient, key: string): Promise<number> {
  const r = await c.command('MEMORY', 'USAGE', key);
  return r[0] === ':' ? Number(r.slice(1, -2)) : 0;
}

describe('member TTLs travel with their key', () => {
  for (const [label, a, b] of [['same shard', '{r}a', '{r}b'], ['across shards', ...keysOnShards('tr').slice(0, 2)]] as const) {
    it(`${label}: RENAME, COPY`, async () => {
      const c = await client();
      try {
        await c.command('SADD', a, 'x', 'y');
        await c.command('EXPIREMEMBER', a, 'x', '100');
        expect(await c.command('RENAME', a, b)).toBe('+OK\r\n');
        expect(await c.command('TTL', b, 'x')).toBe(':100\r\n');
        expect(await c.command('TTL', b, 'y')).toBe(':-1\r\n');
        expect(await c.command('COPY', b, a)).toBe(':1\r\n');
        expect(await c.command('TTL', a, 'x')).toBe(':100\r\n');
        // Independent copies.
        await c.command('PERSIST', a, 'x');
        expect(await c.command('TTL', b, 'x')).toBe(':100\r\n');
        // A renamed key's members still expire actively.
        await c.command('HSET', a, 'f', '1');
        await c.command('DEL', a);
        await c.command('HSET', a, 'f', '1');
        await c.command('EXPIREMEMBER', a, 'f', '50', 'ms');
        await c.command('DEL', b);
        expect(await c.command('RENAME', a, b)).toBe('+OK\r\n');
        await eventually(async () => (await c.command('EXISTS', b)) === ':0\r\n');
      } finally {
        c.close();
      }
    });
  }
  it('MOVE keeps member TTLs', async () => {
    const c = await client();
    try {
      await c.command('SADD', 'mv', 'x');
      await c.command('EXPIREMEMBER', 'mv', 'x', '50', 'ms');
      expect(await c.command('MOVE', 'mv', '2')).toBe(':1\r\n');
      await c.command('SELECT', '2');
      expect(int(await c.command('PTTL', 'mv', 'x'))).toBeGreaterThanOrEqual(0);
      await eventually(async () => (await c.command('EXISTS', 'mv')) === ':0\r\n');
    } finally {
      c.close();
    }
  });
});

describe('KEYDB.MEXISTS', () => {
  it('one boolean per key, across shards, RESP2 and RESP3', async () => {
    const c = await client();
    try {
      const keys = keysOnShards('me');
      await c.command('SET', keys[0], 'v');
      await c.command('SADD', keys[2], 'm');
      expect(await c.command('KEYDB.MEXISTS', ...keys)).toBe('*4\r\n:1\r\n:0\r\n:1\r\n:0\r\n');
      expect(await c.command('KEYDB.MEXISTS', keys[0], 'nokey', keys[0])).toBe('*3\r\n:1\r\n:0\r\n:1\r\n');
      expect(await c.command('keydb.mexists', '{x}a', '{x}b')).toBe('*2\r\n:0\r\n:0\r\n');
      await c.command('HELLO', '3');
      expect(await c.command('KEYDB.MEXISTS', ...keys)).toBe('*4\r\n#t\r\n#f\r\n#t\r\n#f\r\n');
      expect(await c.command('KEYDB.MEXISTS')).toBe("-ERR wrong number of arguments for 'keydb.mexists' command\r\n");
    } finally {
      c.close();
    }
  });
});

describe('KEYDB.HRENAME', () => {
  it('renames a field as KeyDB does', async () => {
    const c = await client();
    try {
      await c.command('HSET', 'h', 'a', '1', 'b', '2', 'c', '3');
      expect(await c.command('KEYDB.HRENAME', 'h', 'a', 'z')).toBe(':1\r\n');
      expect(await c.command('HGETALL', 'h')).toBe('*6\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nz\r\n$1\r\n1\r\n');
      expect(await c.command('KEYDB.HRENAME', 'h', 'b', 'c')).toBe(':1\r\n');
      expect(await c.command('HGETALL', 'h')).toBe('*4\r\n$1\r\nc\r\n$1\r\n2\r\n$1\r\nz\r\n$1\r\n1\r\n');
      expect(await c.command('KEYDB.HRENAME', 'h', 'z', 'z')).toBe(':1\r\n');
      expect(await c.command('HGET', 'h', 'z')).toBe('$1\r\n1\r\n');
      expect(await c.command('KEYDB.HRENAME', 'h', 'nope', 'x')).toBe("-ERR hash key doesn't exist\r\n");
      expect(await c.command('KEYDB.HRENAME', 'nokey', 'a', 'b')).toBe('$-1\r\n');
      await c.command('SET', 's', 'x');
      expect(await c.command('KEYDB.HRENAME', 's', 'a', 'b')).toBe('-WRONGTYPE Operation against a key holding the wrong kind of value\r\n');
      expect(await c.command('KEYDB.HRENAME', 'h', 'a')).toBe("-ERR wrong number of arguments for 'keydb.hrename' command\r\n");
      await c.command('HELLO', '3');
      expect(await c.command('KEYDB.HRENAME', 'nokey', 'a', 'b')).toBe('_\r\n');
      // The old field's TTL goes with it; a long new name converts the encoding.
      await c.command('EXPIREMEMBER', 'h', 'c', '100');
      expect(await c.command('KEYDB.HRENAME', 'h', 'c', 'x'.repeat(100))).toBe(':1\r\n');
      expect(await c.command('TTL', 'h', 'c')).toBe(':-1\r\n');
      expect(await c.command('TTL', 'h', 'x'.repeat(100))).toBe(':-1\r\n');
      expect(await c.command('OBJECT', 'ENCODING', 'h')).toBe('$9\r\nhashtable\r\n');
    } finally {
      c.close();
    }
  });
});

describe('units', () => {
  it('MemberExpires: earliest first, updates and removals', () => {
    const e = new MemberExpires();
    expect(e.next()).toBe(Infinity);
    e.set('a', 50);
    e.set('b', 10);
    e.set('c', 30);
    e.set('b', 40);
    expect(e.next()).toBe(30);
    e.delete('c');
    expect(e.next()).toBe(40);
    expect(e.takeDue(39)).toBe(null);
    expect(e.takeDue(45)).toBe('b');
    expect(e.takeDue(45)).toBe(null);
    expect(e.size).toBe(1);
    // Many rewrites of one member keep the heap bounded.
    for (let i = 0; i < 10000; i++) e.set('a', 1000 + i);
    expect(e.next()).toBe(10999);
    const copy = e.clone();
    expect(copy.takeDue(20000)).toBe('a');
    expect(e.get('a')).toBe(10999);
    // Random order in, sorted order out.
    const f = new MemberExpires();
    const times = Array.from({ length: 500 }, (_, i) => (i * 7919) % 1000);
    times.forEach((t, i) => f.set(`m${i}`, t));
    const out: number[] = [];
    for (let m = f.takeDue(2000); m !== null; m = f.takeDue(2000)) out.push(times[Number(m.slice(1))]);
    expect(out).toEqual([...times].sort((x, y) => x - y));
  });

  it('codecs carry encodings and member TTLs', () => {
    const s = SetValue.forMember('1');
    for (const m of ['3', '1', '2']) s.add(m, 512);
    s.memberExpires = new MemberExpires();
    s.memberExpires.set('2', 12345);
    const s2 = decodeValue(encodeValue(s)) as SetValue;
    expect(s2.list()).toEqual(['1', '2', '3']);
    expect(s2.encoding()).toBe('intset');
    expect(s2.memberExpires!.get('2')).toBe(12345);
    const h = new HashValue();
    h.set('f\0:1', 'v;2', 512, 64);
    h.set('g', '', 512, 64);
    h.convert();
    const h2 = dupValue(h) as HashValue;
    expect(h2.encoding()).toBe('hashtable');
    expect(h2.get('f\0:1')).toBe('v;2');
    expect(h2.get('g')).toBe('');
    h2.set('g', 'changed', 512, 64);
    expect(h.get('g')).toBe('');
    expect(h2.memberExpires).toBe(null);
  });
});
