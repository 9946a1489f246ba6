// Keyspace family on our server alone (4 threads): SCAN's guarantee while the
// keyspace changes underneath, COUNT / MATCH / TYPE, cursors, sessions lost to
// eviction or FLUSHDB; cross-shard RENAME atomicity; RANDOMKEY coverage; and
// unit tests of the value codec and Keyspace.randomKey.

import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startServer, type RunningServer } from './helpers/server.ts';
import { replyValue } from './helpers/reply_tree.ts';
import { RawClient, encodeCommand } from './helpers/resp.ts';
import { keyShard } from '../src/router/slot.ts';
import { Keyspace, type TypedValue } from '../src/shards/keyspace.ts';
import { encodeValue, decodeValue, dupValue, registerValueCodec, ValueCodecError } from '../src/shards/value_codec.ts';
import { parseScanCursor, decodeCursor, encodeCursor, scanStep } from '../src/shards/scan_cursor.ts';

const THREADS = 4;
let srv: RunningServer;

beforeAll(async () => {
  srv = await startServer(['--server-threads', String(THREADS)]);
}, 60000);
afterAll(async () => {
  await srv?.stop();
});

function connect(): Promise<RawClient> {
  return RawClient.connect(srv.port);
}

async function cmd(c: RawClient, ...args: string[]): Promise<unknown> {
  return replyValue(await c.command(...args))[0];
}

/** Send many commands in one write and read all replies. */
async function pipeline(c: RawClient, cmds: string[][]): Promise<string[]> {
  c.write(Buffer.concat(cmds.map((a) => encodeCommand(a))));
  const out: string[] = [];
  for (let i = 0; i < cmds.length; i++) out.push(await c.readReply(20000));
  return out;
}

async function fill(c: RawClient, keys: string[]): Promise<void> {
  for (let i = 0; i < keys.length; i += 1000) await pipeline(c, keys.slice(i, i + 1000).map((k) => ['SET', k, 'v']));
}

interface ScanResult {
  keys: string[];
  calls: number;
  cursors: string[];
  maxPerCall: number;
}

/** A full SCAN iteration; `between` runs after every call (concurrent changes). */
async function scanAll(c: RawClient, extra: string[] = [], start = '0', between?: () => Promise<void>): Promise<ScanResult> {
  const keys: string[] = [];
  const cursors: string[] = [];
  let cursor = start;
  let calls = 0;
  let maxPerCall = 0;
  do {
    const [next, batch] = (await cmd(c, 'SCAN', cursor, ...extra)) as [string, string[]];
    cursor = next;
    cursors.push(next);
    keys.push(...batch);
    maxPerCall = Math.max(maxPerCall, batch.length);
    if (++calls > 200000) throw new Error('SCAN does not terminate');
    if (between !== undefined) await between();
  } while (cursor !== '0');
  return { keys, calls, cursors, maxPerCall };
}

describe('SCAN guarantee with 4 threads', () => {
  it('returns every key present throughout while other keys are added and deleted', async () => {
    const c = await connect();
    const mut = await connect();
    await cmd(c, 'FLUSHALL');
    const stable = Array.from({ length: 3000 }, (_, i) => 'stable:' + i);
    await fill(c, stable);
    // Churn from another connection while the iteration runs: bursts of new
    // keys (growing each shard's table past rehash points) and deletions
    // (shrinking it again), plus delete-and-recreate of volatile keys.
    let round = 0;
    let stop = false;
    let mutations = 0;
    const churn = (async () => {
      while (!stop) {
        const cmds: string[][] = [];
        for (let i = 0; i < 200; i++) cmds.push(['SET', `churn:${round}:${i}`, 'x']);
        if (round >= 2) cmds.push(['DEL', ...Array.from({ length: 200 }, (_, i) => `churn:${round - 2}:${i}`)]);
        cmds.push(['DEL', 'vol:' + (round % 50)], ['SET', 'vol:' + ((round + 25) % 50), 'y']);
        await pipeline(mut, cmds);
        mutations += cmds.length;
        round++;
      }
    })();
    const before = mutations;
    const r = await scanAll(c, ['COUNT', '20'], '0', async () => {
      await new Promise((res) => setImmediate(res));
    });
    const during = mutations - before;
    stop = true;
    await churn;
    expect(during).toBeGreaterThan(0);
    const seen = new Set(r.keys);
    const missing = stable.filter((k) => !seen.has(k));
    expect(missing).toEqual([]);
    c.close();
    mut.close();
  }, 120000);

  it('returns each key exactly once when nothing changes', async () => {
    const c = await connect();
    await cmd(c, 'FLUSHALL');
    const keys = Array.from({ length: 1000 }, (_, i) => 'once:' + i);
    await fill(c, keys);
    for (const count of ['1', '10', '333', '5000']) {
      const r = await scanAll(c, ['COUNT', count]);
      expect(r.keys.length).toBe(keys.length);
      expect(r.keys.slice().sort()).toEqual(keys.slice().sort());
    }
    c.close();
  });

  it('keys deleted during the iteration and never re-added are not returned after their deletion', async () => {
    const c = await connect();
    await cmd(c, 'FLUSHALL');
    const keys = Array.from({ length: 400 }, (_, i) => 'del:' + i);
    await fill(c, keys);
    const deleted = new Set<string>();
    const returnedAfterDelete: string[] = [];
    let i = 0;
    let cursor = '0';
    do {
      const [next, batch] = (await cmd(c, 'SCAN', cursor, 'COUNT', '15')) as [string, string[]];
      for (const k of batch) if (deleted.has(k)) returnedAfterDelete.push(k);
      cursor = next;
      // Delete a few keys, not yet returned or already returned alike.
      for (let j = 0; j < 5 && i < keys.length; j++, i += 3) {
        await cmd(c, 'DEL', keys[i]);
        deleted.add(keys[i]);
      }
    } while (cursor !== '0');
    expect(returnedAfterDelete).toEqual([]);
    c.close();
  });
});

describe('SCAN options and cursors', () => {
  it('COUNT bounds the keys of one call and the number of calls follows it', async () => {
    const c = await connect();
    await cmd(c, 'FLUSHALL');
    await fill(c, Array.from({ length: 500 }, (_, i) => 'cnt:' + i));
    for (const count of [1, 7, 50]) {
      const r = await scanAll(c, ['COUNT', String(count)]);
      expect(r.maxPerCall).toBeLessThanOrEqual(count);
      expect(r.calls).toBeGreaterThanOrEqual(Math.ceil(500 / count));
      expect(new Set(r.keys).size).toBe(500);
    }
    // A keyspace smaller than COUNT comes back in one call, like Redis.
    await cmd(c, 'FLUSHALL');
    await fill(c, ['s1', 's2', 's3', 's4', 's5']);
    const [cur, batch] = (await cmd(c, 'SCAN', '0')) as [string, string[]];
    expect(cur).toBe('0');
    expect(batch.slice().sort()).toEqual(['s1', 's2', 's3', 's4', 's5']);
    c.close();
  });

  it('MATCH and TYPE filter the keys', async () => {
    const c = await connect();
    await cmd(c, 'FLUSHALL');
    const keys = Array.from({ length: 300 }, (_, i) => (i % 4 === 0 ? 'user:' : 'obj:') + i);
    await fill(c, keys);
    const users = keys.filter((k) => k.startsWith('user:')).sort();
    expect((await scanAll(c, ['MATCH', 'user:*', 'COUNT', '13'])).keys.sort()).toEqual(users);
    expect((await scanAll(c, ['MATCH', 'user:1?'])).keys.sort()).toEqual(users.filter((k) => /^user:1.$/.test(k)));
    expect((await scanAll(c, ['MATCH', '*'])).keys.length).toBe(300);
    expect((await scanAll(c, ['TYPE', 'string'])).keys.length).toBe(300);
    expect((await scanAll(c, ['TYPE', 'STRING', 'MATCH', 'user:*'])).keys.sort()).toEqual(users);
    expect((await scanAll(c, ['TYPE', 'list'])).keys).toEqual([]);
    expect((await scanAll(c, ['TYPE', 'hash', 'COUNT', '1000'])).keys).toEqual([]);
    c.close();
  });

  it('skips expired keys', async () => {
    const c = await connect();
    await cmd(c, 'FLUSHALL');
    const live = Array.from({ length: 50 }, (_, i) => 'live:' + i);
    await fill(c, live);
    await pipeline(c, Array.from({ length: 50 }, (_, i) => ['SET', 'dead:' + i, 'v', 'PX', '1']));
    await new Promise((r) => setTimeout(r, 20));
    expect((await scanAll(c, ['COUNT', '3'])).keys.sort()).toEqual(live.slice().sort());
    c.close();
  });

  it('cursors are decimal integers below 2^53, ending at 0', async () => {
    const c = await connect();
    await cmd(c, 'FLUSHALL');
    await fill(c, Array.from({ length: 200 }, (_, i) => 'cur:' + i));
    const r = await scanAll(c, ['COUNT', '2']);
    expect(r.cursors[r.cursors.length - 1]).toBe('0');
    for (const cur of r.cursors) {
      expect(cur).toMatch(/^(0|[1-9][0-9]*)$/);
      expect(Number(cur)).toBeLessThanOrEqual(Number.MAX_SAFE_INTEGER);
    }
    c.close();
  });

  it('a cursor past the last shard or beyond 2^53 ends the iteration', async () => {
    const c = await connect();
    await cmd(c, 'FLUSHALL');
    await cmd(c, 'SET', 'x', '1');
    expect(await cmd(c, 'SCAN', String(THREADS))).toEqual(['0', []]);
    expect(await cmd(c, 'SCAN', '9007199254740993')).toEqual(['0', []]);
    expect(await cmd(c, 'SCAN', '18446744073709551615')).toEqual(['0', []]);
    c.close();
  });

  it('an unknown session restarts its shard from the beginning, later shards follow', async () => {
    const c = await connect();
    await cmd(c, 'FLUSHALL');
    const keys = Array.from({ length: 400 }, (_, i) => 'lost:' + i);
    await fill(c, keys);
    const shard = 1;
    const start = String(encodeCursor(shard, 987654));
    const r = await scanAll(c, ['COUNT', '10'], start);
    const expected = keys.filter((k) => keyShard(k, THREADS) >= shard).sort();
    expect([...new Set(r.keys)].sort()).toEqual(expected);
    c.close();
  });

  it('an iteration whose session was evicted still returns every key', async () => {
    const c = await connect();
    const other = await connect();
    await cmd(c, 'FLUSHALL');
    const keys = Array.from({ length: 200 }, (_, i) => 'evict:' + i);
    await fill(c, keys);
    // Start an iteration and stop inside shard 0.
    const [first, batch] = (await cmd(c, 'SCAN', '0', 'COUNT', '3')) as [string, string[]];
    expect(decodeCursor(BigInt(first), THREADS)).toEqual({ shard: 0, session: expect.any(Number) });
    // More abandoned iterations on shard 0 than the session table holds.
    for (let i = 0; i < 4200; i += 600) await pipeline(other, Array.from({ length: 600 }, () => ['SCAN', '0', 'COUNT', '1']));
    const rest = await scanAll(c, ['COUNT', '10'], first);
    expect([...new Set([...batch, ...rest.keys])].sort()).toEqual(keys.slice().sort());
    c.close();
    other.close();
  }, 60000);

  it('FLUSHDB or SWAPDB during an iteration restarts on the new contents', async () => {
    const c = await connect();
    await cmd(c, 'FLUSHALL');
    await fill(c, Array.from({ length: 100 }, (_, i) => 'old:' + i));
    const [cur] = (await cmd(c, 'SCAN', '0', 'COUNT', '5')) as [string, string[]];
    await cmd(c, 'FLUSHDB');
    const fresh = Array.from({ length: 60 }, (_, i) => 'new:' + i);
    await fill(c, fresh);
    const r = await scanAll(c, ['COUNT', '5'], cur);
    for (const k of r.keys) expect(k.startsWith('new:')).toBe(true);
    // Shard 0 restarted from its beginning; later shards come whole.
    expect([...new Set(r.keys)].sort()).toEqual(fresh.slice().sort());

    const [cur2] = (await cmd(c, 'SCAN', '0', 'COUNT', '5')) as [string, string[]];
    await cmd(c, 'SWAPDB', '0', '1');
    expect((await scanAll(c, ['COUNT', '5'], cur2)).keys).toEqual([]);
    await cmd(c, 'SWAPDB', '0', '1');
    c.close();
  });

  it('errors', async () => {
    const c = await connect();
    expect(await c.command('SCAN', 'abc')).toBe('-ERR invalid cursor\r\n');
    expect(await c.command('SCAN', '0', 'COUNT', '0')).toBe('-ERR syntax error\r\n');
    expect(await c.command('SCAN', '0', 'MATCH')).toBe('-ERR syntax error\r\n');
    c.close();
  });
});

describe('cross-shard atomicity', () => {
  it('RENAME between shards: the value is always in exactly one of the two keys', async () => {
    const x = 'ren:x';
    let y = 'ren:y';
    for (let i = 0; keyShard(y, THREADS) === keyShard(x, THREADS); i++) y = 'ren:y' + i;
    const a = await connect();
    const b = await connect();
    await cmd(a, 'DEL', x, y);
    await cmd(a, 'SET', x, 'v');
    let stop = false;
    let renames = 0;
    const mover = (async () => {
      let from = x;
      let to = y;
      while (!stop) {
        await pipeline(a, [['RENAME', from, to]]);
        [from, to] = [to, from];
        renames++;
      }
    })();
    const seen = new Set<string>();
    for (let i = 0; i < 1500; i++) {
      const [ex, cp] = (await pipeline(b, [['EXISTS', x, y], ['COPY', x, 'ren:copy', 'REPLACE']])).map((r) => replyValue(r)[0]);
      seen.add(String(ex));
      if (cp !== 1 && cp !== 0) throw new Error('COPY failed: ' + String(cp));
    }
    stop = true;
    await mover;
    expect(renames).toBeGreaterThan(0);
    expect([...seen]).toEqual(['1']);
    expect(await cmd(a, 'EXISTS', x, y)).toBe(1);
    a.close();
    b.close();
  }, 60000);
});

describe('RANDOMKEY', () => {
  it('returns keys of every shard', async () => {
    const c = await connect();
    await cmd(c, 'FLUSHALL');
    const keys = Array.from({ length: 8 }, (_, i) => 'rk:' + i);
    await fill(c, keys);
    expect(new Set(keys.map((k) => keyShard(k, THREADS))).size).toBeGreaterThan(1);
    const replies = await pipeline(c, Array.from({ length: 500 }, () => ['RANDOMKEY']));
    const got = new Set(replies.map((r) => replyValue(r)[0] as string));
    expect([...got].sort()).toEqual(keys.slice().sort());
    c.close();
  });
});

// ---- units -------------------------------------------------------------------

interface FakeList extends TypedValue {
  type: 'list';
  items: string[];
}

describe('value codec', () => {
  it('round-trips strings (binary) and keeps int-encoded numbers as numbers', () => {
    for (const v of ['', 'hello', '\x00\xff\r\n', '123', '-0', '007']) {
      expect(decodeValue(encodeValue(v))).toBe(v);
    }
    for (const n of [0, 1, -1, 42, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER]) {
      const back = decodeValue(encodeValue(n));
      expect(typeof back).toBe('number');
      expect(back).toBe(n);
    }
  });

  it('uses the codec registered for a type, and dup makes an independent copy', () => {
    registerValueCodec('list', {
      encode: (v) => (v as FakeList).items.join('\x00'),
      decode: (body) => ({ type: 'list', items: body === '' ? [] : body.split('\x00') }) as FakeList,
    });
    const l: FakeList = { type: 'list', items: ['a', 'b\xff', ''] };
    const back = decodeValue(encodeValue(l)) as FakeList;
    expect(back.type).toBe('list');
    expect(back.items).toEqual(['a', 'b\xff', '']);
    const copy = dupValue(l) as FakeList;
    expect(copy).not.toBe(l);
    copy.items.push('z');
    expect(l.items.length).toBe(3);
    expect(dupValue('s')).toBe('s');
  });

  it('rejects unknown types and malformed payloads', () => {
    expect(() => encodeValue({ type: 'stream' })).toThrow(ValueCodecError);
    expect(() => decodeValue('tstream:x')).toThrow(ValueCodecError);
    expect(() => decodeValue('x')).toThrow(ValueCodecError);
    expect(() => decodeValue('i')).toThrow(ValueCodecError);
    expect(() => decodeValue('tlist')).toThrow(ValueCodecError);
  });
});

describe('scan cursor helpers', () => {
  it('parses cursors like strtoul', () => {
    expect(parseScanCursor('')).toBe(0n);
    expect(parseScanCursor('0')).toBe(0n);
    expect(parseScanCursor('+5')).toBe(5n);
    expect(parseScanCursor('-1')).toBe(18446744073709551615n);
    expect(parseScanCursor('-0')).toBe(0n);
    expect(parseScanCursor('18446744073709551615')).toBe(18446744073709551615n);
    for (const bad of ['18446744073709551616', ' 1', '1 ', '-', '+', '1x', '0x1', '1.0']) expect(parseScanCursor(bad)).toBeNull();
  });

  it('encodes shard and session and decodes them back', () => {
    expect(encodeCursor(0, 0)).toBe(0);
    expect(decodeCursor(BigInt(encodeCursor(3, 77)), 4)).toEqual({ shard: 3, session: 77 });
    expect(decodeCursor(5n, 4)).toBeNull();
    expect(decodeCursor(2n ** 53n, 4)).toBeNull();
  });

  it('scanStep walks a db once, across deletions and growth', () => {
    const ks = new Keyspace(2);
    for (let i = 0; i < 100; i++) ks.set(0, 'k' + i, 'v');
    const seen: string[] = [];
    let r = scanStep(ks, 0, 0, 10, { pattern: null, type: null });
    seen.push(...r.keys);
    let n = 0;
    while (r.next !== 0) {
      // For a while: delete a not-yet-seen key, add new ones (the table grows past rehash points).
      if (n < 20) {
        ks.delete(0, 'k' + (99 - n));
        for (let j = 0; j < 30; j++) ks.set(0, `new${n}:${j}`, 'v');
        n++;
      }
      r = scanStep(ks, 0, r.next, 10, { pattern: null, type: null });
      seen.push(...r.keys);
    }
    const set = new Set(seen);
    expect(n).toBe(20);
    expect(set.size).toBe(seen.length);
    for (let i = 0; i < 100 - n; i++) expect(set.has('k' + i)).toBe(true);
    for (let m = 0; m < n; m++) for (let j = 0; j < 30; j++) expect(set.has(`new${m}:${j}`)).toBe(true);
    expect(scanStep(ks, 1, 0, 10, { pattern: null, type: null })).toEqual({ next: 0, seen: 0, keys: [] });
  });
});

describe('Keyspace.randomKey', () => {
  it('never returns a deleted or expired key and deletes expired ones', () => {
    const ks = new Keyspace(1);
    expect(ks.randomKey(0)).toBeUndefined();
    for (let i = 0; i < 50; i++) ks.set(0, 'k' + i, 'v');
    for (let i = 0; i < 50; i += 2) ks.delete(0, 'k' + i);
    for (let i = 1; i < 40; i += 2) ks.setExpire(0, 'k' + i, 1);
    ks.now = 1000;
    const got = new Set<string>();
    for (let i = 0; i < 500; i++) got.add(ks.randomKey(0)!);
    expect([...got].sort()).toEqual(['k41', 'k43', 'k45', 'k47', 'k49']);
    for (const k of ['k1', 'k3', 'k39']) expect(ks.dbs[0].dict.has(k)).toBe(false);
    for (let i = 41; i < 50; i += 2) ks.setExpire(0, 'k' + i, 1);
    expect(ks.randomKey(0)).toBeUndefined();
    expect(ks.size(0)).toBe(0);
  });

  it('sees keys added after its pool was built', () => {
    const ks = new Keyspace(1);
    ks.set(0, 'first', 'v');
    expect(ks.randomKey(0)).toBe('first');
    ks.delete(0, 'first');
    ks.set(0, 'second', 'v');
    expect(ks.randomKey(0)).toBe('second');
  });
});

describe('Keyspace.changes', () => {
  // Speculative read batches (router/one_trip.ts) keep their reads only when the counter did not
  // move: every way the keyspace changes must move it, and reads must not.
  it('moves with every mutation and not with reads', () => {
    const ks = new Keyspace(2);
    ks.now = 1000;
    const moves = (what: string, f: () => void): void => {
      const before = ks.changes;
      f();
      expect(ks.changes, what).toBeGreaterThan(before);
    };
    const still = (what: string, f: () => void): void => {
      const before = ks.changes;
      f();
      expect(ks.changes, what).toBe(before);
    };
    moves('set', () => ks.set(0, 'a', 'v'));
    moves('update', () => ks.update(0, 'a', 'w'));
    const e = ks.entry(0, 'a');
    moves('replaceAt', () => ks.replaceAt(0, e, 'x'));
    moves('setExpire', () => ks.setExpire(0, 'a', 5000));
    still('read of a key whose TTL is not due', () => ks.read(0, 'a'));
    expect(ks.soonestExpiry).toBe(5000);
    moves('removeExpire', () => ks.removeExpire(0, 'a'));
    moves('delete', () => ks.delete(0, 'a'));
    ks.set(0, 'b', 'v');
    ks.setExpire(0, 'b', 2000);
    ks.now = 3000;
    moves('lazy expiry', () => ks.read(0, 'b'));
    ks.set(0, 'c', 'v');
    still('reads', () => {
      ks.read(0, 'c');
      ks.get(0, 'c');
      ks.peek(0, 'c');
      ks.has(0, 'missing');
      ks.randomKey(0);
    });
    moves('swapDb', () => ks.swapDb(0, 1));
    moves('flushDb', () => ks.flushDb(1));
    moves('flushAll', () => ks.flushAll());
  });
});
