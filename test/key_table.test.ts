// The keyspace dictionary (src/shards/key_table.ts) against a JS Map model:
// random sets, overwrites and deletes through growth, compaction and
// shrinking; live iterators with a Map iterator's guarantees while the table
// changes under them; LRU clocks kept per entry. Then both of our own hash
// tables (key table, sorted-set member table) under hash flooding, where
// SipHash takes over.

import { describe, it, expect } from 'vitest';
import { KeyTable } from '../src/shards/key_table.ts';
import { firstKeyAt, lookupCommand } from '../src/commands/table.ts';
import { sipHash64 } from '../src/shards/string_hash.ts';
import { ZDict } from '../src/shards/types/zset_dict.ts';
import { prng } from './helpers/reply_tree.ts';

describe('KeyTable', () => {
  it('agrees with a Map through random sets, overwrites and deletes (growth, compaction, shrinking)', () => {
    for (const seed of [1, 2, 3]) {
      const rnd = prng(seed);
      const t = new KeyTable();
      const m = new Map<string, string>();
      const space = seed === 1 ? 50 : 5000;
      for (let i = 0; i < 60000; i++) {
        const k = 'k' + Math.floor(rnd() * space);
        const op = rnd();
        if (op < 0.5) {
          t.set(k, 'v' + i, i);
          m.set(k, 'v' + i);
        } else if (op < 0.8) {
          expect(t.delete(k)).toBe(m.delete(k));
        } else expect(t.get(k)).toBe(m.get(k));
        // Phases that empty most of the table make it shrink.
        if (i % 20000 === 19999) for (const key of [...m.keys()]) if (rnd() < 0.9) expect(t.delete(key)).toBe(m.delete(key));
      }
      expect(t.size).toBe(m.size);
      expect([...t.keys()].sort()).toEqual([...m.keys()].sort());
      for (const [k, v] of m) expect(t.get(k)).toBe(v);
    }
  });

  it('iterates in insertion order; a live iterator skips deleted entries, reaches added ones once, every kept one once', () => {
    const rnd = prng(7);
    const t = new KeyTable();
    const m = new Map<string, number>();
    for (let i = 0; i < 3000; i++) {
      t.set('a' + i, i);
      m.set('a' + i, i);
    }
    const it = t.keys();
    const mit = m.keys();
    const seen: string[] = [];
    const mseen: string[] = [];
    let n = 3000;
    for (;;) {
      // Mutate between steps: deletes (some ahead of the iterator), additions (they grow the table).
      for (let j = 0; j < 3; j++) {
        const k = 'a' + Math.floor(rnd() * n);
        t.delete(k);
        m.delete(k);
      }
      if (n < 9000) {
        t.set('a' + n, n);
        m.set('a' + n, n);
        n++;
      }
      const r = it.next();
      const mr = mit.next();
      expect(r.done).toBe(mr.done);
      if (r.done) break;
      seen.push(r.value);
      mseen.push(mr.value as string);
    }
    expect(seen).toEqual(mseen);
    // Closed iterators let the table compact again: a long churn keeps it small.
    for (let i = 0; i < 100000; i++) {
      t.set('c' + (i % 100), i);
      t.delete('c' + ((i + 50) % 100));
    }
    let extra = 0;
    for (let i = 0; i < 100; i++) if (t.has('c' + i)) extra++;
    expect(extra).toBe(50);
    expect(t.size).toBe(m.size + extra);
    expect(t.usedSlots).toBeLessThanOrEqual(2 * t.size + 1);
  });

  it('an open iterator follows its entries through compaction; an abandoned one costs nothing else', () => {
    const t = new KeyTable();
    const m = new Map<string, number>();
    for (let i = 0; i < 4000; i++) {
      t.set('p' + i, i);
      m.set('p' + i, i);
    }
    const it = t.keys();
    const mit = m.keys();
    const got: string[] = [];
    const want: string[] = [];
    for (let step = 0; ; step++) {
      // Delete most entries (ahead of and behind the iterators): the table shrinks and compacts under them.
      if (step === 0 || step === 10) {
        for (let i = step === 0 ? 0 : 101; i < 4000; i += 2) {
          t.delete('p' + i);
          m.delete('p' + i);
        }
      }
      const a = it.next();
      const b = mit.next();
      expect(a.done).toBe(b.done);
      if (a.done) break;
      got.push(a.value);
      want.push(b.value as string);
    }
    expect(got).toEqual(want);
    expect(t.bucketCount).toBeLessThan(4096);
    const abandoned = new KeyTable();
    for (let i = 0; i < 1000; i++) abandoned.set('q' + i, i);
    abandoned.keys().next();
    for (let i = 0; i < 1000; i++) abandoned.delete('q' + i);
    expect(abandoned.bucketCount).toBeLessThan(64);
  });

  it('an iterator abandoned with return() (for ... of with break) does not block compaction', () => {
    const t = new KeyTable();
    for (let i = 0; i < 1000; i++) t.set('k' + i, i);
    for (const k of t) if (k === 'k10') break;
    for (let i = 0; i < 1000; i++) t.delete('k' + i);
    expect(t.size).toBe(0);
    expect(t.bucketCount).toBeLessThan(1024);
    expect([...t.keys()]).toEqual([]);
    t.set('x', 1);
    expect([...t]).toEqual(['x']);
  });

  it('re-indexes incrementally as it grows: lookups, sets and deletes agree with a Map while old buckets remain, over many entry pages', () => {
    const rnd = prng(11);
    const t = new KeyTable();
    const m = new Map<string, number>();
    let sawReindexing = 0;
    const wrong: string[] = [];
    let n = 0;
    // 150k keys span ten entry pages; every doubling leaves the old buckets to move a few at a time.
    while (n < 150000) {
      const k = 'g' + n;
      t.set(k, n, n & 0xffff);
      m.set(k, n);
      n++;
      if (t.reindexing > 0) {
        sawReindexing++;
        // Work on keys whose chains are still in the old buckets and on moved ones alike.
        const probe = 'g' + Math.floor(rnd() * n);
        if (t.get(probe) !== m.get(probe)) wrong.push('get ' + probe);
        if (rnd() < 0.2 && t.delete(probe) !== m.delete(probe)) wrong.push('delete ' + probe);
        if (rnd() < 0.2) {
          t.set(probe, -n);
          m.set(probe, -n);
        }
      }
    }
    expect(wrong).toEqual([]);
    expect(sawReindexing).toBeGreaterThan(1000);
    expect(t.size).toBe(m.size);
    expect(mismatches(t, m)).toEqual([]);
    // Lookups alone finish a re-indexing (one old bucket each).
    const before = t.bucketCount;
    while (t.bucketCount === before) {
      t.set('h' + n, n);
      m.set('h' + n, n);
      n++;
    }
    expect(t.reindexing).toBeGreaterThan(0);
    let lookups = 0;
    while (t.reindexing > 0 && lookups < t.bucketCount) {
      t.find('absent');
      lookups++;
    }
    expect(t.reindexing).toBe(0);
    expect(mismatches(t, m)).toEqual([]);
    // The LRU clocks stayed with their entries (keys never set again keep the one of their first set()).
    let clocks = 0;
    for (const [k, v] of m) if (v >= 0 && k[0] === 'g' && t.lruAt(t.find(k)) !== (v & 0xffff)) clocks++;
    expect(clocks).toBe(0);
    // Iteration order is insertion order across the pages; compaction (most keys deleted) moves entries between pages.
    expect([...t.keys()]).toEqual([...m.keys()]);
    const it = t.keys();
    const mit = m.keys();
    const firstThousand: [unknown, unknown][] = [];
    for (let i = 0; i < 1000; i++) firstThousand.push([it.next().value, mit.next().value]);
    expect(firstThousand.filter(([x, y]) => x !== y)).toEqual([]);
    for (const k of [...m.keys()]) {
      if (rnd() < 0.9) {
        t.delete(k);
        m.delete(k);
      }
    }
    expect(t.bucketCount).toBeLessThan(before);
    const rest: unknown[] = [];
    const mrest: unknown[] = [];
    for (let a = it.next(); !a.done; a = it.next()) rest.push(a.value);
    for (let b = mit.next(); !b.done; b = mit.next()) mrest.push(b.value);
    expect(rest).toEqual(mrest);
    expect(mismatches(t, m)).toEqual([]);
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) seen.add(t.keyOf(t.randomEntry()));
    expect([...seen].filter((k) => !m.has(k))).toEqual([]);
  });

  it('compacts a large table a few slots per write: lookups, live iterators, LRU clocks and order stay as a Map has them', () => {
    const rnd = prng(5);
    const t = new KeyTable();
    const m = new Map<string, number>();
    for (let i = 0; i < 60000; i++) {
      t.set('c' + i, i, i & 0xffff);
      m.set('c' + i, i);
    }
    // Iterators at the start, in the middle (behind holes to come) and near the end.
    const its = [t.keys(), t.keys(), t.keys()];
    const mits = [m.keys(), m.keys(), m.keys()];
    const got: unknown[][] = [[], [], []];
    const want: unknown[][] = [[], [], []];
    for (let i = 0; i < 30000; i++) {
      got[1].push(its[1].next().value);
      want[1].push(mits[1].next().value);
    }
    for (let i = 0; i < 59000; i++) {
      got[2].push(its[2].next().value);
      want[2].push(mits[2].next().value);
    }
    // Delete from the front (a churning cache): more holes than live entries starts a compaction.
    let sawCompacting = 0;
    const wrong: string[] = [];
    let n = 60000;
    for (let i = 0; i < 45000; i++) {
      const k = 'c' + i;
      if (t.delete(k) !== m.delete(k)) wrong.push('delete ' + k);
      if (i % 3 === 0) {
        t.set('c' + n, n, n & 0xffff);
        m.set('c' + n, n);
        n++;
      }
      if (t.compacting > 0) {
        sawCompacting++;
        const probe = 'c' + Math.floor(rnd() * n);
        if (t.get(probe) !== m.get(probe)) wrong.push('get ' + probe);
        const which = Math.floor(rnd() * 3);
        const a = its[which].next();
        const b = mits[which].next();
        got[which].push(a.done ? 'done' : a.value);
        want[which].push(b.done ? 'done' : b.value);
      }
    }
    expect(wrong).toEqual([]);
    expect(sawCompacting).toBeGreaterThan(100);
    for (let w = 0; w < 3; w++) {
      for (let a = its[w].next(); !a.done; a = its[w].next()) got[w].push(a.value);
      for (let b = mits[w].next(); !b.done; b = mits[w].next()) want[w].push(b.value);
      expect(got[w]).toEqual(want[w]);
    }
    // Let the compaction finish (writes drive it), then everything is where the model says.
    while (t.compacting > 0) {
      t.set('c' + n, n, n & 0xffff);
      m.set('c' + n, n);
      n++;
    }
    expect(t.usedSlots).toBeLessThanOrEqual(2 * t.size);
    expect(mismatches(t, m)).toEqual([]);
    expect([...t.keys()]).toEqual([...m.keys()]);
    let clocks = 0;
    for (const [k, v] of m) if (t.lruAt(t.find(k)) !== (v & 0xffff)) clocks++;
    expect(clocks).toBe(0);
    // The freed slots are gone: a random entry is found in a few draws and is always live.
    for (let i = 0; i < 2000; i++) expect(m.has(t.keyOf(t.randomEntry()))).toBe(true);
  });

  it('nextEntry() walks the same entries as the key iterator, their values readable at each', () => {
    const t = new KeyTable<number>();
    for (let i = 0; i < 5000; i++) t.set('e' + i, i * 10);
    for (let i = 0; i < 5000; i += 3) t.delete('e' + i);
    const it = t.keys();
    const got: [string, number][] = [];
    for (let e = it.nextEntry(); e >= 0; e = it.nextEntry()) got.push([t.keyOf(e), t.valueAt(e)]);
    expect(got).toEqual([...t.keys()].map((k) => [k, t.get(k)]));
    expect(it.nextEntry()).toBe(-1);
  });

  it('keeps an LRU clock per entry', () => {
    const t = new KeyTable();
    t.set('a', 1, 100);
    t.set('b', 2, 200);
    expect(t.lruAt(t.find('a'))).toBe(100);
    t.touchAt(t.find('a'), 300);
    t.set('b', 3, 400);
    for (let i = 0; i < 5000; i++) t.set('n' + i, i, 7);
    expect(t.lruAt(t.find('a'))).toBe(300);
    expect(t.lruAt(t.find('b'))).toBe(400);
    expect(t.find('zz')).toBe(-1);
  });
});

/** Keys of the model whose value the table does not hold. */
function mismatches(t: KeyTable, m: Map<string, unknown>): string[] {
  const out: string[] = [];
  for (const [k, v] of m) if (t.get(k) !== v) out.push(k);
  return out;
}

describe('KeyTable.prefetch', () => {
  it("reads ahead for each command's first key where the spec puts it (EVAL's after numkeys), skipping keyless ones (and containers of subcommands: OBJECT ENCODING)", () => {
    // A table with one entry per bucket at most: the value read ahead is the key's own. (A fixed
    // hash: with the per-process random one, 'missing' shared a bucket with 'a' once in 64 runs.)
    const t = new KeyTable(64, (k) => (k === 'a' ? 1 : 2));
    t.set('a', 'va');
    const argvs = [
      ['SET', 'a', 'x'],
      ['EVAL', 'return 1', '1', 'a', 'arg'],
      ['PING'],
      ['OBJECT', 'ENCODING', 'a'],
      ['GET', 'missing'],
    ];
    for (const [argv, spec] of argvs.map((a) => [a, lookupCommand(a[0].toLowerCase())] as const)) expect(spec, argv[0]).toBeDefined();
    const keyAt = new Int32Array(argvs.map((a) => firstKeyAt(lookupCommand(a[0].toLowerCase())!, a)));
    expect([...keyAt]).toEqual([1, 3, 0, 0, 1]);
    expect(t.prefetch(argvs, keyAt, 0, argvs.length)).toBe(5);
    expect([0, 1, 2, 3, 4].map((i) => t.prefetchedValue(i))).toEqual(['va', 'va', undefined, undefined, undefined]);
    t.clearPrefetched(5);
    // Wrong arity or a bad numkeys: no key to read ahead for (and no throw).
    expect(firstKeyAt(lookupCommand('eval')!, ['EVAL', 's', 'x', 'a'])).toBe(0);
    expect(firstKeyAt(lookupCommand('get')!, ['GET'])).toBe(0);
  });
});

describe('KeyTable.randomEntry', () => {
  it('returns live entries only, every one of them over many draws, also with most slots holes', () => {
    const t = new KeyTable();
    for (let i = 0; i < 2000; i++) t.set('r' + i, i);
    // Leave 100 live entries among 2000 used slots (no shrink below a quarter yet: delete in two rounds).
    for (let i = 0; i < 2000; i++) if (i % 20 !== 0) t.delete('r' + i);
    const seen = new Set<string>();
    for (let n = 0; n < 20000; n++) {
      const e = t.randomEntry();
      const k = t.keyOf(e);
      expect(t.find(k)).toBe(e);
      seen.add(k);
    }
    expect(seen.size).toBe(t.size);
    expect(new KeyTable().randomEntry()).toBe(-1);
  });
});

describe('KeyTable under hash flooding', () => {
  it('keys that all collide make the table switch to SipHash; every key stays reachable', () => {
    const t = new KeyTable(8, () => 7);
    const m = new Map<string, number>();
    for (let i = 0; i < 3000; i++) {
      t.set('f' + i, i);
      m.set('f' + i, i);
      if (i % 3 === 0) {
        t.delete('f' + (i >> 1));
        m.delete('f' + (i >> 1));
      }
    }
    expect(t.hardened).toBe(true);
    expect(t.size).toBe(m.size);
    for (let i = 0; i < 3000; i++) expect(t.get('f' + i)).toBe(m.get('f' + i));
    expect([...t.keys()]).toEqual([...m.keys()]);
  });

  it('SipHash-2-4 matches the reference vectors (key 00..0f)', () => {
    const key: [number, number, number, number] = [0x03020100, 0x07060504, 0x0b0a0908, 0x0f0e0d0c];
    const hex = (n: number): string => {
      let s = '';
      for (let i = 0; i < n; i++) s += String.fromCharCode(i);
      const [lo, hi] = sipHash64(s, key, 2, 4);
      return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
    };
    expect([hex(0), hex(1), hex(8), hex(15)]).toEqual(['726fdb47dd0e0e31', '74f839c593dc67fd', '93f5f5799a932462', 'a129ca6149be45e5']);
  });

  it('ordinary keys keep the fast hash', () => {
    const t = new KeyTable();
    for (let i = 0; i < 200000; i++) t.set('key:' + i, i);
    expect(t.hardened).toBe(false);
  });
});

describe('sorted-set member table under hash flooding', () => {
  it('members that all collide make it switch to SipHash; ids stay right through the remaps', () => {
    const d = new ZDict(16, () => 3);
    const ids = new Map<string, number>();
    for (let i = 0; i < 3000; i++) {
      const m = 'm' + i;
      const id = d.add(m, i);
      if (d.remap !== null) {
        for (const [k, old] of ids) ids.set(k, d.remap[old]);
        d.remap = null;
      }
      ids.set(m, id);
    }
    expect(d.hardened).toBe(true);
    for (const [m, id] of ids) {
      expect(d.find(m)).toBe(id);
      expect(d.key(id)).toBe(m);
    }
    expect(d.get('m2999')).toBe(2999);
  });
});
