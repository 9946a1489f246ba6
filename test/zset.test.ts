// Unit tests of the sorted set structures: the order-statistic B+tree
// (zset_btree.ts) and the ZSetValue in both encodings (zset.ts), checked
// against a naive model (a sorted array) over long random operation sequences:
// ranks, seeks, score and lex counts, cursor walks in both directions, range
// removal, conversions and the codec.

import { prng } from './helpers/reply_tree.ts';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startServer, type RunningServer } from './helpers/server.ts';
import { RawClient, encodeCommand } from './helpers/resp.ts';
import { keyShard } from '../src/router/slot.ts';
import { ZTree, ZPos, cmpKey } from '../src/shards/types/zset_btree.ts';
import { ZDict } from '../src/shards/types/zset_dict.ts';
import { ZSetValue, ZCursor, encodeZSet, decodeZSet, dupZSet } from '../src/shards/types/zset.ts';

type Elem = [number, string];

/** The naive model: member -> score, sorted on demand. */
class Model {
  readonly map = new Map<string, number>();
  sorted(): Elem[] {
    return [...this.map].map(([m, s]): Elem => [s, m]).sort((a, b) => cmpKey(a[0], a[1], b[0], b[1]));
  }
}

function treeElems(t: ZTree): Elem[] {
  const out: Elem[] = [];
  for (let l: ZTree['first'] | null = t.first; l !== null; l = l.next) for (const id of l.ids) out.push([t.d.vals[id], t.d.key(id)]);
  return out;
}

/** A tree with its element store, driven by member like ZSetValue does (dict ids, remaps after a shrink). */
class Harness {
  d = new ZDict();
  t = new ZTree(this.d);
  private fix(): void {
    if (this.d.remap !== null) {
      this.t.remap(this.d.remap);
      this.d.remap = null;
    }
  }
  insert(s: number, m: string): void {
    const id = this.d.add(m, s);
    this.fix();
    this.t.insert(id);
  }
  update(m: string, s: number): void {
    this.t.update(this.d.find(m), s);
  }
  delete(m: string): boolean {
    const id = this.d.find(m);
    if (id < 0) return false;
    this.t.delete(id);
    this.d.removeAt(id);
    this.fix();
    return true;
  }
  rank(m: string): number {
    const id = this.d.find(m);
    return id < 0 ? -1 : this.t.rank(id);
  }
}

function zElems(z: ZSetValue): Elem[] {
  const out: Elem[] = [];
  if (z.size === 0) return out;
  const c = new ZCursor();
  z.seek(0, c);
  do out.push([c.score, c.member]);
  while (c.next());
  return out;
}

describe('ZDict', () => {
  it('ids stay put while it grows and its index moves incrementally; freed ids are reused; a shrink remaps them', () => {
    const rand = prng(9);
    const d = new ZDict();
    const ids = new Map<string, number>();
    const wrong: string[] = [];
    for (let i = 0; i < 100000; i++) {
      const m = 'z' + i;
      ids.set(m, d.add(m, i));
      expect(d.remap).toBe(null);
      if (i % 7 === 0) {
        // Remove one at random: its id goes back to the free list.
        const victim = 'z' + Math.floor(rand() * i);
        const id = ids.get(victim);
        if (id !== undefined) {
          d.removeAt(id);
          ids.delete(victim);
          const again = d.add('again' + i, -i);
          if (again !== id) wrong.push(`freed ${id} not reused (${again})`);
          d.removeAt(again);
        }
      }
      if (i % 97 === 0) {
        const probe = 'z' + Math.floor(rand() * i);
        const want = ids.get(probe);
        if (d.find(probe) !== (want ?? -1)) wrong.push('find ' + probe);
      }
    }
    expect(wrong).toEqual([]);
    expect(d.size).toBe(ids.size);
    for (const [m, id] of ids) if (d.find(m) !== id || d.key(id) !== m || d.vals[id] !== Number(m.slice(1))) wrong.push(m);
    expect(wrong).toEqual([]);
    // A scan that runs while members come and go reaches every member present all along.
    const stay = new Set([...ids.keys()].filter(() => rand() < 0.5));
    const seen = new Set<string>();
    let pos = 0;
    const epoch = d.epoch & 0xffff;
    let n = 0;
    do {
      const ms: string[] = [];
      const ss: number[] = [];
      pos = d.scan(pos, epoch, 100, ms, ss);
      for (const m of ms) seen.add(m);
      for (let k = 0; k < 50; k++) {
        const m = 'z' + Math.floor(rand() * 100000);
        const id = ids.get(m);
        if (id !== undefined && !stay.has(m)) {
          d.removeAt(id);
          ids.delete(m);
        } else if (id === undefined) ids.set(m, d.add(m, n++));
      }
    } while (pos >= 0);
    expect([...stay].filter((m) => !seen.has(m))).toEqual([]);
    // Removing nearly everything shrinks the arrays: ids are renumbered once, through remap.
    const before = d.capacity;
    let remapped = 0;
    for (const m of [...ids.keys()].slice(0, ids.size - 100)) {
      d.removeAt(ids.get(m)!);
      ids.delete(m);
      if (d.remap !== null) {
        remapped++;
        for (const [k, old] of ids) ids.set(k, d.remap[old]);
        d.remap = null;
      }
    }
    expect(remapped).toBeGreaterThan(0);
    expect(d.capacity).toBeLessThan(before / 8);
    for (const [m, id] of ids) if (d.find(m) !== id || d.key(id) !== m) wrong.push(m);
    expect(wrong).toEqual([]);
  });
});

describe('ZTree against a naive model', () => {
  for (const [seed, members] of [[1, 40], [2, 300], [3, 3000], [4, 20000]] as const) {
    it(`seed ${seed}: random inserts, updates, deletes over ${members} members`, () => {
      const rand = prng(seed);
      const h = new Harness();
      const model = new Model();
      const steps = 40000;
      for (let step = 0; step < steps; step++) {
        const r = rand();
        const m = 'm' + Math.floor(rand() * members);
        const s = Math.floor(rand() * 60) / (rand() < 0.5 ? 1 : 8) - 10;
        const cur = model.map.get(m);
        if (r < 0.55) {
          if (cur === undefined) h.insert(s, m);
          else h.update(m, s);
          model.map.set(m, s);
        } else if (r < 0.9) {
          expect(h.delete(m)).toBe(cur !== undefined);
          model.map.delete(m);
        } else if (r > 0.985) {
          const sorted = model.sorted();
          expect(h.t.size).toBe(sorted.length);
          const pos = new ZPos();
          const want: unknown[] = [];
          const got: unknown[] = [];
          for (let i = 0; i < sorted.length; i += 1 + Math.floor(sorted.length / 50)) {
            h.t.seek(i, pos);
            const id = pos.leaf!.ids[pos.i];
            want.push([i, sorted[i][1], sorted[i][0]]);
            got.push([h.rank(sorted[i][1]), h.d.key(id), h.d.vals[id]]);
          }
          expect(got).toEqual(want);
          expect(h.rank('absent')).toBe(-1);
          const x = Math.floor(rand() * 80) / 8 - 12;
          expect(h.t.countScoreBelow(x, false)).toBe(sorted.filter((e) => e[0] < x).length);
          expect(h.t.countScoreBelow(x, true)).toBe(sorted.filter((e) => e[0] <= x).length);
        }
        if (step % 2003 === 0) h.t.check();
      }
      h.t.check();
      expect(treeElems(h.t)).toEqual(model.sorted());
      expect(h.d.size).toBe(model.map.size);
      for (const m of model.map.keys()) expect(h.delete(m)).toBe(true);
      h.t.check();
      expect(h.t.size).toBe(0);
    });
  }

  it('monotonic inserts fill leaves completely (both directions)', () => {
    for (const dir of [1, -1]) {
      const h = new Harness();
      for (let i = 0; i < 50000; i++) h.insert(dir * i, 'x' + i);
      h.t.check();
      expect(h.t.nodeCounts().leaves).toBe(Math.ceil(50000 / 128));
    }
  });

  it('lex counts on equal scores', () => {
    const rand = prng(9);
    const h = new Harness();
    const t = h.t;
    const names = new Set<string>();
    while (names.size < 5000) names.add(Math.floor(rand() * 1e6).toString(36));
    for (const n of names) h.insert(0, n);
    t.check();
    const sorted = [...names].sort();
    for (let k = 0; k < 200; k++) {
      const x = Math.floor(rand() * 1e6).toString(36);
      expect(t.countLexBelow(x, false)).toBe(sorted.filter((e) => e < x).length);
      expect(t.countLexBelow(x, true)).toBe(sorted.filter((e) => e <= x).length);
    }
  });

  it('bulk load from sorted arrays', () => {
    for (const n of [0, 1, 31, 128, 129, 1000, 8193, 100000]) {
      const ms: string[] = [];
      const ss: number[] = [];
      for (let i = 0; i < n; i++) {
        ms.push('k' + String(i).padStart(7, '0'));
        ss.push(Math.floor(i / 3));
      }
      const z = ZSetValue.fromSorted(ms.slice(), ss.slice(), true);
      z.tree!.check();
      expect(z.size).toBe(n);
      if (n > 0) expect(z.rank(ms[n - 1])).toBe(n - 1);
      for (let i = 0; i < n; i += 3) z.remove(ms[i]);
      z.tree!.check();
      expect(z.size).toBe(n - Math.ceil(n / 3));
    }
  });
});

describe('ZSetValue in both encodings', () => {
  for (const skiplist of [false, true]) {
    it(`${skiplist ? 'skiplist' : 'listpack'}: operations match the model`, () => {
      const rand = prng(skiplist ? 21 : 22);
      const z = new ZSetValue(skiplist);
      const model = new Model();
      const members = skiplist ? 2000 : 100;
      const cur = new ZCursor();
      for (let step = 0; step < 20000; step++) {
        const r = rand();
        const m = 'm' + Math.floor(rand() * members);
        const s = Math.floor(rand() * 40) / 4;
        const old = model.map.get(m);
        if (r < 0.5) {
          if (old === undefined) z.insert(s, m);
          else if (old !== s) z.setScore(m, old, s);
          model.map.set(m, s);
        } else if (r < 0.8) {
          expect(z.remove(m)).toBe(old !== undefined);
          model.map.delete(m);
        } else if (r < 0.83 && model.map.size > 0) {
          const n = model.map.size;
          const a = Math.floor(rand() * n);
          const b = Math.min(n - 1, a + Math.floor(rand() * 10));
          const sorted = model.sorted();
          expect(z.removeRankRange(a, b)).toBe(b - a + 1);
          for (let i = a; i <= b; i++) model.map.delete(sorted[i][1]);
        } else if (r > 0.98) {
          const sorted = model.sorted();
          expect(z.size).toBe(sorted.length);
          expect(z.score(m)).toBe(old);
          expect(z.rank(m)).toBe(old === undefined ? -1 : sorted.findIndex((e) => e[1] === m));
          const x = Math.floor(rand() * 44) / 4 - 0.5;
          expect(z.countScoreBelow(x, false)).toBe(sorted.filter((e) => e[0] < x).length);
          expect(z.countScoreBelow(x, true)).toBe(sorted.filter((e) => e[0] <= x).length);
          if (sorted.length > 0) {
            // Walk a window forward and backward from a random rank.
            const at = Math.floor(rand() * sorted.length);
            const fwd: Elem[] = [];
            z.seek(at, cur);
            do fwd.push([cur.score, cur.member]);
            while (fwd.length < 300 && cur.next());
            expect(fwd).toEqual(sorted.slice(at, at + 300));
            const back: Elem[] = [];
            z.seek(at, cur);
            do back.push([cur.score, cur.member]);
            while (back.length < 300 && cur.prev());
            expect(back).toEqual(sorted.slice(Math.max(0, at - 299), at + 1).reverse());
          }
        }
      }
      expect(zElems(z)).toEqual(model.sorted());
      if (skiplist) z.tree!.check();
    });
  }

  it('conversions keep the contents; a listpack turns -0 into 0', () => {
    const z = new ZSetValue(false);
    for (let i = 0; i < 100; i++) z.insert(i % 7, 'e' + i);
    z.insert(-0, 'neg');
    expect(Object.is(z.score('neg'), 0)).toBe(true);
    const before = zElems(z);
    z.toSkiplist();
    expect(z.encoding()).toBe('skiplist');
    expect(zElems(z)).toEqual(before);
    z.tree!.check();
    z.insert(-0, 'neg2');
    expect(Object.is(z.score('neg2'), -0)).toBe(true);
    z.toListpack();
    expect(z.encoding()).toBe('listpack');
    expect(Object.is(z.score('neg2'), 0)).toBe(true);
  });

  it('codec round trip and dup keep contents, encoding, binary members and exact scores', () => {
    for (const skiplist of [false, true]) {
      const z = new ZSetValue(skiplist);
      const specials = [0.1, -2.5e-300, 1e308, Infinity, -Infinity, 123456789.123456789, 2 ** 53 + 2];
      z.insert(-0, 'zero');
      for (let i = 0; i < 300; i++) z.insert(specials[i % specials.length] + (i % 3), String.fromCharCode(i % 256, (i * 7) % 256, 0, 58) + i);
      const back = decodeZSet(encodeZSet(z));
      expect(back.encoding()).toBe(z.encoding());
      expect(zElems(back)).toEqual(zElems(z));
      expect(Object.is(back.score('zero'), z.score('zero'))).toBe(true);
      const d = dupZSet(z);
      expect(zElems(d)).toEqual(zElems(z));
      d.remove('zero');
      expect(z.score('zero')).not.toBe(undefined);
    }
  });
});

// ---- blocking commands against our server (4 threads) ---------------------------------------

describe('blocking BZPOPMIN / BZPOPMAX / BZMPOP (4 threads)', () => {
  let srv: RunningServer | null = null;
  const THREADS = 4;
  beforeAll(async () => {
    srv = await startServer(['--server-threads', String(THREADS)]);
  }, 60000);
  afterAll(async () => {
    await srv?.stop();
  });

  const conn = async (): Promise<RawClient> => RawClient.connect(srv!.port);
  /** Keys on distinct shards. */
  const spread = (prefix: string, n: number): string[] => {
    const out: string[] = [];
    const used = new Set<number>();
    for (let i = 0; out.length < n; i++) {
      const s = keyShard(prefix + i, THREADS);
      if (used.has(s) && used.size < THREADS) continue;
      used.add(s);
      out.push(prefix + i);
    }
    return out;
  };
  /** Wait until `n` clients are blocked (CLIENT LIST flag b). */
  const blocked = async (admin: RawClient, n: number): Promise<void> => {
    for (let i = 0; i < 500; i++) {
      const list = await admin.command('CLIENT', 'LIST');
      if ((list.match(/flags=b/g) ?? []).length >= n) return;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error('clients did not block');
  };
  const send = (c: RawClient, ...args: string[]): void => c.write(encodeCommand(args));

  it('a waiter is served by a later ZADD, in the BZPOPMIN shape', async () => {
    const [a, b, admin] = [await conn(), await conn(), await conn()];
    try {
      await admin.command('FLUSHALL');
      send(a, 'BZPOPMIN', 'bz1', '0');
      await blocked(admin, 1);
      expect(await b.command('ZADD', 'bz1', '2', 'x', '1', 'y')).toBe(':2\r\n');
      expect(await a.readReply()).toBe('*3\r\n$3\r\nbz1\r\n$1\r\ny\r\n$1\r\n1\r\n');
      expect(await b.command('ZRANGE', 'bz1', '0', '-1')).toBe('*1\r\n$1\r\nx\r\n');
      send(a, 'BZPOPMAX', 'bz1', '0');
      expect(await a.readReply()).toBe('*3\r\n$3\r\nbz1\r\n$1\r\nx\r\n$1\r\n2\r\n');
      expect(await b.command('EXISTS', 'bz1')).toBe(':0\r\n');
    } finally {
      for (const c of [a, b, admin]) c.close();
    }
  });

  it('keys on several shards: the first key to get data serves the waiter', async () => {
    const keys = spread('bzx', 4);
    const [a, b, admin] = [await conn(), await conn(), await conn()];
    try {
      await admin.command('FLUSHALL');
      send(a, 'BZPOPMAX', ...keys, '0');
      await blocked(admin, 1);
      await b.command('ZADD', keys[2], '5', 'five', '6', 'six');
      expect(await a.readReply()).toBe(`*3\r\n$${keys[2].length}\r\n${keys[2]}\r\n$3\r\nsix\r\n$1\r\n6\r\n`);
      expect(await b.command('ZCARD', keys[2])).toBe(':1\r\n');
      // Data already there: served at once from the first non-empty key in argument order.
      await b.command('ZADD', keys[3], '1', 'one');
      expect(await a.command('BZPOPMIN', ...keys, '0')).toBe(`*3\r\n$${keys[2].length}\r\n${keys[2]}\r\n$4\r\nfive\r\n$1\r\n5\r\n`);
      expect(await a.command('BZPOPMIN', ...keys, '0')).toBe(`*3\r\n$${keys[3].length}\r\n${keys[3]}\r\n$3\r\none\r\n$1\r\n1\r\n`);
    } finally {
      for (const c of [a, b, admin]) c.close();
    }
  });

  it('BZMPOP with COUNT, across shards, RESP2 and RESP3', async () => {
    const keys = spread('bzm', 3);
    const [a, b, admin] = [await conn(), await conn(), await conn()];
    try {
      await admin.command('FLUSHALL');
      send(a, 'BZMPOP', '0', '3', ...keys, 'MIN', 'COUNT', '2');
      await blocked(admin, 1);
      await b.command('ZADD', keys[1], '1', 'a', '2', 'b', '3', 'c');
      const k = keys[1];
      expect(await a.readReply()).toBe(`*2\r\n$${k.length}\r\n${k}\r\n*2\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n`);
      await a.command('HELLO', '3');
      send(a, 'BZMPOP', '0', '3', ...keys, 'MAX', 'COUNT', '5');
      expect(await a.readReply()).toBe(`*2\r\n$${k.length}\r\n${k}\r\n*1\r\n*2\r\n$1\r\nc\r\n,3\r\n`);
      send(a, 'BZPOPMIN', keys[0], '0');
      await blocked(admin, 1);
      await b.command('ZADD', keys[0], '1.5', 'z');
      expect(await a.readReply()).toBe(`*3\r\n$${keys[0].length}\r\n${keys[0]}\r\n$1\r\nz\r\n,1.5\r\n`);
    } finally {
      for (const c of [a, b, admin]) c.close();
    }
  });

  it('timeouts reply a null array; waiters are served first come first served', async () => {
    const [a, b, c, admin] = [await conn(), await conn(), await conn(), await conn()];
    try {
      await admin.command('FLUSHALL');
      expect(await a.command('BZPOPMIN', 'tk', '0.05')).toBe('*-1\r\n');
      const keys = spread('tkx', 2);
      expect(await a.command('BZPOPMIN', ...keys, '0.05')).toBe('*-1\r\n');
      expect(await a.command('BZMPOP', '0.05', '2', ...keys, 'MIN')).toBe('*-1\r\n');
      await a.command('HELLO', '3');
      expect(await a.command('BZPOPMAX', 'tk', '0.05')).toBe('_\r\n');
      send(a, 'BZPOPMIN', 'fifo', '0');
      await blocked(admin, 1);
      send(b, 'BZPOPMIN', 'fifo', '0');
      await blocked(admin, 2);
      await c.command('ZADD', 'fifo', '1', 'first', '2', 'second');
      expect(await a.readReply()).toBe('*3\r\n$4\r\nfifo\r\n$5\r\nfirst\r\n,1\r\n');
      expect(await b.readReply()).toBe('*3\r\n$4\r\nfifo\r\n$6\r\nsecond\r\n$1\r\n2\r\n');
    } finally {
      for (const x of [a, b, c, admin]) x.close();
    }
  });

  it('store commands, RENAME and MULTI interplay', async () => {
    const [src, dst] = spread('st', 2);
    const [a, b, admin] = [await conn(), await conn(), await conn()];
    try {
      await admin.command('FLUSHALL');
      send(a, 'BZPOPMIN', dst, '0');
      await blocked(admin, 1);
      await b.command('ZADD', src, '3', 'm');
      expect(await b.command('ZUNIONSTORE', dst, '1', src, 'WEIGHTS', '2')).toBe(':1\r\n');
      expect(await a.readReply()).toBe(`*3\r\n$${dst.length}\r\n${dst}\r\n$1\r\nm\r\n$1\r\n6\r\n`);
      send(a, 'BZPOPMAX', dst, '0');
      await blocked(admin, 1);
      expect(await b.command('RENAME', src, dst)).toBe('+OK\r\n');
      expect(await a.readReply()).toBe(`*3\r\n$${dst.length}\r\n${dst}\r\n$1\r\nm\r\n$1\r\n3\r\n`);
      // Inside MULTI a blocking pop never blocks.
      await b.command('MULTI');
      await b.command('BZPOPMIN', 'none', '0');
      await b.command('BZMPOP', '0', '1', 'none', 'MAX');
      expect(await b.command('EXEC')).toBe('*2\r\n*-1\r\n*-1\r\n');
      // Another type: WRONGTYPE at once.
      await b.command('SET', 'str', 'v');
      expect(await b.command('BZPOPMIN', 'none', 'str', '0')).toBe('-WRONGTYPE Operation against a key holding the wrong kind of value\r\n');
    } finally {
      for (const c of [a, b, admin]) c.close();
    }
  });

  it('member TTLs (EXPIREMEMBER) on sorted sets: lazy and active removal, carried by RENAME across shards', async () => {
    const [k1, k2] = spread('sub', 2);
    const a = await conn();
    try {
      await a.command('FLUSHALL');
      await a.command('ZADD', 'z', '1', 'a', '2', 'b', '3', 'c');
      expect(await a.command('PEXPIREMEMBERAT', 'z', 'b', '1000')).toBe(':1\r\n');
      expect(await a.command('ZRANGE', 'z', '0', '-1')).toBe('*2\r\n$1\r\na\r\n$1\r\nc\r\n');
      expect(await a.command('ZSCORE', 'z', 'b')).toBe('$-1\r\n');
      expect(await a.command('ZCARD', 'z')).toBe(':2\r\n');
      // Skiplist encoding, range commands and the store commands see only live members.
      const add: string[] = ['ZADD', k1];
      for (let i = 0; i < 200; i++) add.push(String(i), 'm' + i);
      await a.command(...add);
      expect(await a.command('PEXPIREMEMBERAT', k1, 'm5', '1000')).toBe(':1\r\n');
      expect(await a.command('ZRANGEBYSCORE', k1, '4', '6')).toBe('*2\r\n$2\r\nm4\r\n$2\r\nm6\r\n');
      expect(await a.command('ZUNIONSTORE', k2, '1', k1)).toBe(':199\r\n');
      // A TTL travels with its member through RENAME to another shard.
      expect(await a.command('EXPIREMEMBER', k1, 'm7', '1000')).toBe(':1\r\n');
      expect(await a.command('RENAME', k1, k2)).toBe('+OK\r\n');
      expect(await a.command('TTL', k2, 'm7')).toMatch(/^:(999|1000)\r\n$/);
      // The last member expiring removes the key.
      await a.command('ZADD', 'solo', '1', 'x');
      await a.command('PEXPIREMEMBERAT', 'solo', 'x', '1000');
      expect(await a.command('ZCARD', 'solo')).toBe(':0\r\n');
      expect(await a.command('TYPE', 'solo')).toBe('+none\r\n');
      // Active expiry removes members (and then the key) without any access.
      await a.command('FLUSHALL');
      await a.command('ZADD', 'act', '1', 'x', '2', 'y');
      await a.command('PEXPIRE', 'act', '100000');
      await a.command('EXPIREMEMBER', 'act', 'x', '1', 'ms');
      await a.command('EXPIREMEMBER', 'act', 'y', '1', 'ms');
      let size = '';
      for (let i = 0; i < 300 && size !== ':0\r\n'; i++) {
        await new Promise((r) => setTimeout(r, 20));
        size = await a.command('DBSIZE');
      }
      expect(size).toBe(':0\r\n');
    } finally {
      a.close();
    }
  });
});
