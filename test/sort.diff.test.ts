// Differential tests of SORT and SORT_RO against redis-server 7.0: lists,
// sets and sorted sets; numeric and ALPHA order, ASC/DESC, LIMIT, BY patterns
// (string keys, hash fields, 'nosort'), GET patterns ('#', keys, hash fields),
// STORE, every error, strtod edge cases of the scores, RESP3 shapes; BY / GET
// keys and STORE destinations on other shards (4 threads), an atomicity check
// against concurrent cross-shard writers, and randomized sequences.
//
// Orders Redis leaves to chance are not compared: a hashtable-encoded set
// without sorting (iteration order), and ALPHA BY ties on sets, sorted sets or
// with LIMIT (Redis's partial quicksort is not stable).

import { describe, it, expect } from 'vitest';
import { prng } from './helpers/reply_tree.ts';
import { useDiff, diffCase, compare, type Cmd } from './helpers/diff.ts';
import { RawClient } from './helpers/resp.ts';
import { keyShard } from '../src/router/slot.ts';

const THREADS = 4;
const env = useDiff({ threads: THREADS });

const BIN = (s: string): Buffer => Buffer.from(s, 'latin1');

/** Keys owned by pairwise different shards. */
function distinctShardKeys(prefix: string, n: number): string[] {
  const out: string[] = [];
  const seen = new Set<number>();
  for (let i = 0; out.length < n; i++) {
    const k = prefix + i;
    const s = keyShard(k, THREADS);
    if (!seen.has(s)) {
      seen.add(s);
      out.push(k);
    }
  }
  return out;
}
const XS = distinctShardKeys('x', THREADS);

function helloNormalize(reply: string, cmd: Cmd): string {
  return String(cmd[0]).toUpperCase() === 'HELLO' ? '<hello>' : reply;
}

describe('key layout', () => {
  it('weight keys of the fixtures span shards', () => {
    expect(new Set(['w_1', 'w_2', 'w_3', 'w_10', 'w_-5'].map((k) => keyShard(k, THREADS))).size).toBeGreaterThan(1);
    expect(new Set(XS.map((k) => keyShard(k, THREADS))).size).toBe(THREADS);
  });
});

const LIST: Cmd = ['RPUSH', 'l', '3', '1', '2', '10', '-5', '1.5', '2'];
const WEIGHTS: Cmd = ['MSET', 'w_1', '5', 'w_2', '4', 'w_3', '3', 'w_10', '2', 'w_-5', '1', 'w_1.5', '0'];
const HASHES: Cmd[] = [['HSET', 'h_1', 'f', 'b', 'n', '7'], ['HSET', 'h_2', 'f', 'a', 'n', '8'], ['HSET', 'h_3', 'f', 'd'], ['HSET', 'h_10', 'f', 'c', 'n', '-1'], ['HSET', 'h_-5', 'f', 'e', 'n', '2.5']];

// ---- lists ---------------------------------------------------------------------------

describe('SORT on lists', () => {
  diffCase('numeric, DESC, ALPHA', [
    LIST, ['SORT', 'l'], ['SORT', 'l', 'DESC'], ['SORT', 'l', 'ASC'], ['SORT', 'l', 'desc', 'asc'], ['SORT', 'l', 'ALPHA'], ['SORT', 'l', 'alpha', 'DESC'], ['SORT', 'l', 'ALPHA', 'ALPHA'],
    ['SORT_RO', 'l'], ['SORT_RO', 'l', 'DESC', 'ALPHA'], ['LRANGE', 'l', '0', '-1'],
  ]);
  diffCase('LIMIT', [
    LIST, ['SORT', 'l', 'LIMIT', '0', '3'], ['SORT', 'l', 'LIMIT', '2', '2'], ['SORT', 'l', 'LIMIT', '5', '100'], ['SORT', 'l', 'LIMIT', '7', '1'], ['SORT', 'l', 'LIMIT', '6', '1'],
    ['SORT', 'l', 'LIMIT', '100', '1'], ['SORT', 'l', 'LIMIT', '-5', '2'], ['SORT', 'l', 'LIMIT', '1', '-1'], ['SORT', 'l', 'LIMIT', '1', '0'], ['SORT', 'l', 'LIMIT', '0', '0'],
    ['SORT', 'l', 'LIMIT', '-1', '-1'], ['SORT', 'l', 'DESC', 'LIMIT', '1', '3'], ['SORT', 'l', 'LIMIT', '1', '3', 'LIMIT', '2', '2'], ['SORT', 'l', 'LIMIT', '0', '9223372036854775807'],
    ['SORT', 'l', 'ALPHA', 'LIMIT', '3', '3', 'DESC'], ['SORT', 'nokey', 'LIMIT', '0', '1'], ['SORT', 'nokey', 'LIMIT', '5', '5'],
  ]);
  diffCase('BY nosort keeps list order (DESC reverses, LIMIT selects)', [
    LIST, ['SORT', 'l', 'BY', 'nosort'], ['SORT', 'l', 'BY', 'nosort', 'DESC'], ['SORT', 'l', 'BY', 'nosort', 'LIMIT', '1', '3'], ['SORT', 'l', 'BY', 'nosort', 'DESC', 'LIMIT', '1', '3'],
    ['SORT', 'l', 'BY', 'nosort', 'LIMIT', '5', '10'], ['SORT', 'l', 'BY', 'nosort', 'DESC', 'LIMIT', '5', '10'], ['SORT', 'l', 'BY', 'nosort', 'LIMIT', '10', '10'],
    ['SORT', 'l', 'BY', 'constant', 'ALPHA'], ['SORT', 'l', 'BY', 'w_*', 'BY', 'nosort'], ['SORT', 'l', 'BY', 'nosort', 'BY', 'w_*'], ['SORT', 'l', 'BY', BIN('x\0*')],
  ]);
  diffCase('BY string keys (missing weights count as 0; ties by element)', [
    LIST, WEIGHTS, ['SORT', 'l', 'BY', 'w_*'], ['SORT', 'l', 'BY', 'w_*', 'DESC'], ['SORT', 'l', 'BY', 'w_*', 'LIMIT', '1', '2'], ['DEL', 'w_3', 'w_1'],
    ['SORT', 'l', 'BY', 'w_*'], ['SORT', 'l', 'BY', 'w_*', 'DESC', 'LIMIT', '0', '4'], ['SORT', 'l', 'BY', '*_w'], ['SET', 'w_2', 'abc'], ['SORT', 'l', 'BY', 'w_*'],
  ]);
  diffCase('BY ALPHA on values (missing ones first)', [
    ['RPUSH', 'l', 'a', 'b', 'c', 'd', 'e'], ['MSET', 'v_a', 'zz', 'v_b', 'yy', 'v_c', 'xx', 'v_e', 'ww'], ['SORT', 'l', 'BY', 'v_*', 'ALPHA'], ['SORT', 'l', 'BY', 'v_*', 'ALPHA', 'DESC'],
    ['SORT', 'l', 'BY', 'v_*', 'ALPHA', 'LIMIT', '1', '2'], ['SORT', 'l', 'BY', 'v_*', 'ALPHA', 'STORE', 'dst'], ['LRANGE', 'dst', '0', '-1'], ['SORT', 'l', 'BY', 'v_*'],
  ]);
  diffCase('BY hash fields', [
    LIST, ...HASHES, ['SORT', 'l', 'BY', 'h_*->n'], ['SORT', 'l', 'BY', 'h_*->f', 'ALPHA'], ['SORT', 'l', 'BY', 'h_*->f', 'ALPHA', 'DESC'], ['SORT', 'l', 'BY', 'h_*->missing'],
    ['SORT', 'l', 'BY', 'h_*->'], ['SORT', 'l', 'BY', 'h_*->f->g', 'ALPHA'], ['SET', 'h_1', 'str'], ['SORT', 'l', 'BY', 'h_*->n'], ['SORT', 'l', 'BY', 'w_*->n'],
  ]);
  diffCase('GET patterns', [
    LIST, WEIGHTS, ...HASHES, ['SORT', 'l', 'GET', '#'], ['SORT', 'l', 'GET', 'w_*'], ['SORT', 'l', 'GET', '#', 'GET', 'w_*', 'GET', 'h_*->f', 'GET', 'h_*->n'],
    ['SORT', 'l', 'BY', 'w_*', 'GET', 'h_*->f', 'LIMIT', '1', '3'], ['SORT', 'l', 'GET', 'nostar'], ['SORT', 'l', 'GET', 'w_*', 'GET', 'w_*', 'DESC'], ['SORT', 'l', 'GET', '##'],
    ['SORT', 'l', 'GET', BIN('#\0x')], ['SORT', 'l', 'GET', 'h_*->'], ['SORT', 'l', 'BY', 'nosort', 'GET', '#', 'GET', 'w_*'], ['SORT', 'l', 'GET', '*'], ['SET', '3', 'three'], ['SORT', 'l', 'GET', '*'],
    ['SORT', 'l', 'GET', 'w_*', 'LIMIT', '0', '0'], ['SORT_RO', 'l', 'GET', 'w_*', 'BY', 'w_*'],
  ]);
  diffCase('STORE', [
    LIST, WEIGHTS, ['SORT', 'l', 'STORE', 'dst'], ['LRANGE', 'dst', '0', '-1'], ['TYPE', 'dst'], ['OBJECT', 'ENCODING', 'dst'],
    ['SORT', 'l', 'BY', 'w_*', 'GET', '#', 'GET', 'w_*', 'GET', 'nope_*', 'STORE', 'dst'], ['LRANGE', 'dst', '0', '-1'], ['SORT', 'l', 'LIMIT', '0', '0', 'STORE', 'dst'], ['EXISTS', 'dst'],
    ['SET', 'dst', 'x', 'EX', '1000'], ['SORT', 'l', 'STORE', 'dst'], ['TTL', 'dst'], ['SADD', 'dst2', 'a'], ['SORT', 'l', 'DESC', 'STORE', 'dst2'], ['TYPE', 'dst2'], ['LRANGE', 'dst2', '0', '-1'],
    ['SORT', 'nokey', 'STORE', 'dst2'], ['EXISTS', 'dst2'], ['SORT', 'l', 'STORE', 'a', 'STORE', 'b'], ['EXISTS', 'a'], ['LRANGE', 'b', '0', '-1'], ['SORT', 'l', 'STORE', 'l'], ['LRANGE', 'l', '0', '-1'],
    ['SORT', 'l', 'ALPHA', 'STORE', 'dst'], ['LRANGE', 'dst', '0', '-1'],
  ]);
  diffCase('ALPHA compares bytes (binary, NUL, high bytes)', [
    ['RPUSH', 'b', BIN('b\x00z'), BIN('b\x00a'), 'B', 'a', BIN('\xe9'), BIN('\x7f'), '', 'ab', 'b'], ['SORT', 'b', 'ALPHA', 'STORE', 'bs'], ['LRANGE', 'bs', '0', '-1'],
    ['RPUSH', 'c', BIN('\xff'), BIN('\x01'), 'Z', 'z', '0', BIN('\xc3\xa9')], ['SORT', 'c', 'ALPHA'], ['SORT', 'c', 'ALPHA', 'DESC'], ['SORT', 'c', 'ALPHA', 'STORE', 'cs'], ['LRANGE', 'cs', '0', '-1'],
  ]);
});

// ---- scores -----------------------------------------------------------------------------

describe('numeric scores (strtod)', () => {
  const vals = [' 12', '12 ', '0x1A', '0X10', '0x', '1e400', '-1e400', '1e-400', '1e-310', '2.2250738585072014e-308', 'inf', '-inf', '+inf', 'infinity', '-Infinity', 'nan', '-nan',
    '', ' ', '1.5', '+3', '.5', '5.', '1e5', '1E-2', '- 1', '--1', '0x1p3', '1_0', '١', '\t7', '\n8', '007', '-0', '9223372036854775808', '1e308'];
  for (const v of vals) {
    diffCase(`element ${JSON.stringify(v)}`, [['RPUSH', 'l', '5', v, '-2'], ['SORT', 'l'], ['SORT', 'l', 'DESC'], ['SET', 'w_5', v], ['RPUSH', 'k', '5', '6'], ['SET', 'w_6', '1'], ['SORT', 'k', 'BY', 'w_*']]);
  }
  diffCase('values cut at NUL like C strings', [['RPUSH', 'l', BIN('3\x00x'), '2', BIN('1\x00')], ['SORT', 'l'], ['MSET', 'w_a', BIN('9\x00zz'), 'w_b', '4'], ['RPUSH', 'k', 'a', 'b'], ['SORT', 'k', 'BY', 'w_*']]);
  diffCase('numeric ties ordered by element bytes', [['RPUSH', 'l', '1.0', '1', '01', '1e0', '+1', '1.00', '2', '0x1'], ['SORT', 'l'], ['SORT', 'l', 'DESC'], ['SORT', 'l', 'LIMIT', '2', '3']]);
});

// ---- sets and sorted sets ------------------------------------------------------------------

describe('SORT on sets and sorted sets', () => {
  diffCase('intset: native order, numeric, alpha', [
    ['SADD', 's', '3', '1', '2', '10', '-5', '100'], ['SORT', 's'], ['SORT', 's', 'DESC'], ['SORT', 's', 'ALPHA'], ['SORT', 's', 'BY', 'nosort'], ['SORT', 's', 'BY', 'nosort', 'DESC'],
    ['SORT', 's', 'BY', 'nosort', 'LIMIT', '1', '2'], ['SORT', 's', 'BY', 'nosort', 'STORE', 'd'], ['LRANGE', 'd', '0', '-1'], ['SORT', 's', 'BY', 'nosort', 'DESC', 'STORE', 'd'], ['LRANGE', 'd', '0', '-1'],
    ['SORT', 's', 'LIMIT', '2', '2'],
  ]);
  diffCase('hashtable set: sorted results and STORE with nosort (forced ALPHA)', [
    ['SADD', 's', 'b', 'a', 'd', 'c', '1', '10', '2'], ['SORT', 's', 'ALPHA'], ['SORT', 's', 'ALPHA', 'DESC', 'LIMIT', '1', '3'], ['SORT', 's'],
    ['SORT', 's', 'BY', 'nosort', 'STORE', 'd'], ['LRANGE', 'd', '0', '-1'], ['SORT', 's', 'BY', 'nosort', 'DESC', 'LIMIT', '1', '2', 'STORE', 'd'], ['LRANGE', 'd', '0', '-1'],
    ['SORT', 's', 'BY', 'nosort', 'GET', 'v_*', 'STORE', 'd'], ['LRANGE', 'd', '0', '-1'],
    ['MSET', 'w_a', '4', 'w_b', '3', 'w_c', '2', 'w_d', '1', 'w_1', '9', 'w_10', '8', 'w_2', '7'], ['SORT', 's', 'BY', 'w_*'], ['SORT', 's', 'BY', 'w_*', 'GET', '#', 'GET', 'w_*', 'LIMIT', '2', '3'],
  ]);
  diffCase('sorted sets: score order with nosort, becomes skiplist', [
    ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '0.5', 'd', '2', 'bb'], ['OBJECT', 'ENCODING', 'z'], ['SORT', 'z', 'BY', 'nosort'], ['OBJECT', 'ENCODING', 'z'],
    ['SORT', 'z', 'BY', 'nosort', 'DESC'], ['SORT', 'z', 'BY', 'nosort', 'LIMIT', '1', '3'], ['SORT', 'z', 'BY', 'nosort', 'DESC', 'LIMIT', '1', '3'], ['SORT', 'z', 'BY', 'nosort', 'LIMIT', '4', '9'],
    ['SORT', 'z', 'ALPHA'], ['SORT', 'z', 'ALPHA', 'DESC'], ['SORT', 'z'], ['SORT', 'z', 'BY', 'nosort', 'STORE', 'd'], ['LRANGE', 'd', '0', '-1'],
    ['ZADD', 'z2', '5', '1', '3', '2', '4', '30'], ['SORT_RO', 'z2'], ['OBJECT', 'ENCODING', 'z2'], ['SORT', 'z2', 'DESC', 'LIMIT', '0', '2'], ['SORT', 'z2', 'BY', 'nosort', 'GET', '#', 'GET', 'w_*'],
    ['MSET', 'w_1', '3', 'w_2', '1', 'w_30', '2'], ['SORT', 'z2', 'BY', 'w_*', 'GET', 'w_*'],
  ]);
  diffCase('missing key', [['SORT', 'nokey'], ['SORT', 'nokey', 'BY', 'w_*', 'GET', '#', 'ALPHA'], ['SORT', 'nokey', 'STORE', 'd'], ['EXISTS', 'd'], ['SORT_RO', 'nokey', 'DESC']]);
});

// ---- errors ------------------------------------------------------------------------------

describe('SORT errors', () => {
  diffCase('syntax and arguments', [
    ['RPUSH', 'l', '1', '2'], ['SORT', 'l', 'FOO'], ['SORT', 'l', 'LIMIT'], ['SORT', 'l', 'LIMIT', '1'], ['SORT', 'l', 'LIMIT', 'a', '1'], ['SORT', 'l', 'LIMIT', '1', 'b'], ['SORT', 'l', 'LIMIT', '1.5', '2'],
    ['SORT', 'l', 'LIMIT', '99999999999999999999', '1'], ['SORT', 'l', 'BY'], ['SORT', 'l', 'GET'], ['SORT', 'l', 'STORE'], ['SORT', 'l', 'ASC', 'DESC', 'FOO'], ['SORT', 'l', BIN('DESC\0x')],
    ['SORT', 'l', 'LIMIT', 'a', 'b', 'FOO'], ['SORT', 'l', 'FOO', 'LIMIT', 'a', 'b'], ['SORT'], ['SORT_RO'], ['SORT_RO', 'l', 'STORE', 'd'], ['SORT_RO', 'l', 'FOO'], ['EXISTS', 'd'],
    ['SORT', 'nokey', 'FOO'], ['SORT', 'nokey', 'LIMIT', 'x', '1'],
  ]);
  diffCase('wrong type and unconvertible scores', [
    ['SET', 'str', 'x'], ['SORT', 'str'], ['SORT', 'str', 'FOO'], ['SORT_RO', 'str', 'ALPHA'], ['HSET', 'h', 'f', 'v'], ['SORT', 'h'], ['SORT', 'h', 'STORE', 'd'],
    ['RPUSH', 'l', 'a', '1'], ['SORT', 'l'], ['SORT', 'l', 'STORE', 'd'], ['EXISTS', 'd'], ['SORT', 'l', 'ALPHA'], ['SORT', 'l', 'BY', 'nosort'], ['MSET', 'w_a', '1', 'w_1', 'x'], ['SORT', 'l', 'BY', 'w_*'],
    ['SORT', 'l', 'BY', 'w_*', 'ALPHA'], ['SORT', 'l', 'LIMIT', '0', '0'], ['SORT', 'str', 'STORE', 'd'], ['GET', 'str'],
  ]);
});

describe('RESP3', () => {
  it('shapes: arrays, nulls for missing GET values', async () => {
    await compare([
      ['HELLO', '3'], ['RPUSH', 'l', '2', '1'], ['SET', 'w_1', 'one'], ['SORT', 'l', 'GET', '#', 'GET', 'w_*'], ['SORT', 'l', 'STORE', 'd'], ['SORT_RO', 'nokey'], ['SORT', 'l', 'FOO'],
    ], { normalize: helloNormalize });
  });
});

// ---- across shards ----------------------------------------------------------------------------

describe('SORT across shards', () => {
  const weights: Cmd[] = [];
  const list: Cmd = ['RPUSH', XS[0]];
  for (let i = 0; i < 30; i++) {
    list.push(String(i));
    weights.push(['SET', `cw_${i}`, String((i * 7) % 30)], ['HSET', `ch_${i}`, 'name', `n${(i * 11) % 30}`]);
  }
  diffCase('BY / GET keys on every shard', [
    list, ...weights, ['SORT', XS[0], 'BY', 'cw_*'], ['SORT', XS[0], 'BY', 'cw_*', 'GET', 'ch_*->name', 'GET', '#', 'DESC', 'LIMIT', '3', '10'],
    ['SORT', XS[0], 'BY', 'ch_*->name', 'ALPHA', 'GET', 'cw_*'], ['SORT_RO', XS[0], 'BY', 'cw_*', 'GET', 'cw_*'], ['SORT', XS[0], 'BY', 'nosort', 'GET', 'ch_*->name', 'LIMIT', '5', '5'],
  ]);
  diffCase('STORE on another shard', [
    list, ...weights, ['SORT', XS[0], 'STORE', XS[1]], ['LRANGE', XS[1], '0', '-1'], ['SORT', XS[0], 'BY', 'cw_*', 'GET', 'ch_*->name', 'STORE', XS[2]], ['LRANGE', XS[2], '0', '-1'],
    ['SORT', XS[0], 'LIMIT', '0', '0', 'STORE', XS[2]], ['EXISTS', XS[2]], ['SET', XS[3], 'x', 'EX', '100'], ['SORT', XS[0], 'DESC', 'STORE', XS[3]], ['TTL', XS[3]], ['LRANGE', XS[3], '0', '2'],
    ['SORT', XS[0], 'BY', 'cw_*', 'STORE', XS[0]], ['LRANGE', XS[0], '0', '-1'], ['SORT', 'nokey', 'STORE', XS[3]], ['EXISTS', XS[3]],
    ['SET', XS[1], 'str'], ['SORT', XS[1], 'STORE', XS[2]], ['SORT', XS[0], 'BY', 'cw_*', 'GET', 'nope', 'STORE', XS[2]], ['LRANGE', XS[2], '0', '3'],
    ['RPUSH', XS[1] + 'l', 'a', 'b'], ['SORT', XS[1] + 'l', 'STORE', XS[3]], ['EXISTS', XS[3]],
  ]);
  diffCase('hash-tagged patterns (one shard)', [
    ['RPUSH', '{u}list', '3', '1', '2'], ['MSET', '{u}w_1', '30', '{u}w_2', '20', '{u}w_3', '10'], ['HSET', '{u}h_1', 'f', 'one'], ['HSET', '{u}h_3', 'f', 'three'],
    ['SORT', '{u}list', 'BY', '{u}w_*', 'GET', '#', 'GET', '{u}h_*->f'], ['SORT', '{u}list', 'BY', '{u}w_*', 'STORE', '{u}dst'], ['LRANGE', '{u}dst', '0', '-1'],
    ['SORT', '{u}list', 'BY', '{u}w_*', 'STORE', XS[1]], ['LRANGE', XS[1], '0', '-1'], ['SORT', '{u}list', 'BY', 'w{u}_*'], ['SORT', '{u}list', 'GET', '{}w_*'], ['SORT', '{u}list', 'BY', '{*}'],
  ]);
  it('sees one consistent moment while cross-shard writers run', async () => {
    const a = await RawClient.connect(env.ours!.port);
    const b = await RawClient.connect(env.ours!.port);
    try {
      await a.command('FLUSHALL');
      const N = 12;
      const push = ['RPUSH', XS[0]];
      for (let i = 0; i < N; i++) push.push(String(i));
      await a.command(...push);
      const mset = (k: number): string[] => {
        const cmd = ['MSET'];
        for (let i = 0; i < N; i++) cmd.push(`aw_${i}`, `${String(k).padStart(6, '0')}:${String((i * 5) % N).padStart(2, '0')}`);
        return cmd;
      };
      await b.command(...mset(0));
      let stop = false;
      const writer = (async () => {
        for (let k = 1; !stop; k++) {
          expect(await b.command(...mset(k))).toBe('+OK\r\n');
          if (k % 3 === 0) expect(await b.command('SORT', XS[0], 'BY', 'aw_*', 'ALPHA', 'GET', 'aw_*', 'STORE', XS[1])).toBe(`:${N}\r\n`);
        }
      })();
      for (let r = 0; r < 150; r++) {
        const reply = await a.command('SORT', XS[0], 'BY', 'aw_*', 'ALPHA', 'GET', 'aw_*');
        const vals = reply.split('\r\n').filter((l) => l.includes(':'));
        expect(vals.length).toBe(N);
        const gens = new Set(vals.map((v) => v.split(':')[0]));
        expect(gens.size).toBe(1);
        expect(vals).toEqual([...vals].sort());
        const stored = await a.command('LRANGE', XS[1], '0', '-1');
        const svals = stored.split('\r\n').filter((l) => l.includes(':'));
        if (svals.length > 0) expect(new Set(svals.map((v) => v.split(':')[0])).size).toBe(1);
      }
      stop = true;
      await writer;
    } finally {
      a.close();
      b.close();
    }
  }, 60000);
  it('reads the pattern keys of the elements it sorts while the source changes', async () => {
    // Each name n_i has the fixed weight i (keys on every shard); a writer keeps
    // replacing the list's elements, so the keys a SORT needs change under it
    // (the coordinator must notice and lock what the new elements need).
    const a = await RawClient.connect(env.ours!.port);
    const b = await RawClient.connect(env.ours!.port);
    try {
      await a.command('FLUSHALL');
      const mset = ['MSET'];
      for (let i = 0; i < 60; i++) mset.push(`mw_n_${i}`, String(i));
      await a.command(...mset);
      await a.command('RPUSH', XS[2], ...Array.from({ length: 10 }, (_, i) => `n_${i}`));
      let stop = false;
      const writer = (async () => {
        for (let k = 0; !stop; k++) await b.command('LSET', XS[2], String(k % 10), `n_${(k * 7) % 60}`);
      })();
      for (let r = 0; r < 150; r++) {
        const reply = await a.command('SORT', XS[2], 'BY', 'mw_*', 'GET', '#', 'GET', 'mw_*');
        const lines = reply.split('\r\n').filter((l, i) => i > 0 && !l.startsWith('$') && l !== '');
        expect(lines.length).toBe(20);
        let last = -1;
        for (let i = 0; i < lines.length; i += 2) {
          const w = Number(lines[i + 1]);
          expect(lines[i]).toBe(`n_${w}`);
          expect(w).toBeGreaterThanOrEqual(last);
          last = w;
        }
      }
      stop = true;
      await writer;
    } finally {
      a.close();
      b.close();
    }
  }, 60000);
});

// ---- randomized sequences --------------------------------------------------------------------

function randomCommands(seed: number, n: number): Cmd[] {
  const rand = prng(seed);
  const pick = <T>(a: T[]): T => a[Math.floor(rand() * a.length)];
  const int = (lo: number, hi: number): number => lo + Math.floor(rand() * (hi - lo + 1));
  const NUMS = ['0', '1', '2', '3', '-1', '10', '2.5', '-0.5', '1e2', '7', '42', '100', '-20'];
  const WORDS = ['a', 'b', 'c', 'apple', 'Banana', 'cherry', 'x1', 'x10', 'x2', 'zz'];
  const out: Cmd[] = [];
  // Sources: a numeric list, a word list, an intset, a word set, a sorted set; on different shards.
  const numList = 'rl_n';
  const wordList = 'rl_w';
  const intSet = 'rs_i';
  const wordSet = 'rs_w';
  const zset = 'rz';
  for (let i = 0; i < n; i++) {
    const r = rand();
    if (r < 0.12) out.push(['RPUSH', numList, pick(NUMS)]);
    else if (r < 0.2) out.push(['RPUSH', wordList, pick(WORDS)]);
    else if (r < 0.25) out.push(['SADD', intSet, String(int(-50, 50))]);
    else if (r < 0.3) out.push(['SADD', wordSet, pick(WORDS)]);
    else if (r < 0.36) out.push(['ZADD', zset, String(int(-5, 5)), pick([...WORDS, ...NUMS])]);
    else if (r < 0.42) out.push(['SET', `rw_${pick([...WORDS, ...NUMS])}`, rand() < 0.1 ? pick(WORDS) : String(int(-100, 100))]);
    else if (r < 0.46) out.push(['HSET', `rh_${pick([...WORDS, ...NUMS])}`, 'f', String(int(0, 1000)), 'g', pick(WORDS)]);
    else if (r < 0.48) out.push(['LPOP', pick([numList, wordList])]);
    else if (r < 0.5) out.push(['DEL', pick(['rw_a', 'rw_1', 'rh_b', 'rh_2', numList])]);
    else {
      // A SORT whose order Redis defines.
      const src = pick([numList, wordList, intSet, wordSet, zset]);
      const isList = src === numList || src === wordList;
      const numeric = src === numList || src === intSet;
      const cmd: Cmd = [rand() < 0.2 ? 'SORT_RO' : 'SORT', src];
      const mode = rand();
      let alphaBy = false;
      if (mode < 0.3) {
        if (!numeric || rand() < 0.3) cmd.push('ALPHA');
      } else if (mode < 0.55) {
        cmd.push('BY', pick(['rw_*', 'rh_*->f']));
      } else if (mode < 0.65 && isList) {
        cmd.push('BY', 'rh_*->g', 'ALPHA');
        alphaBy = true;
      } else if (mode < 0.8 && src !== wordSet) {
        cmd.push('BY', 'nosort');
      } else if (!numeric) cmd.push('ALPHA');
      if (rand() < 0.4) cmd.push('DESC');
      // ALPHA BY ties are only ordered for full-range sorts of lists (stable).
      if (!alphaBy && rand() < 0.4) cmd.push('LIMIT', String(int(-1, 6)), String(int(-1, 6)));
      const ng = rand() < 0.5 ? 0 : int(1, 3);
      for (let j = 0; j < ng; j++) cmd.push('GET', pick(['#', 'rw_*', 'rh_*->f', 'rh_*->g', 'none']));
      if (cmd[0] === 'SORT' && rand() < 0.3) {
        const dst = pick(['rd', 'rd2', numList]);
        cmd.push('STORE', dst);
        out.push(cmd, ['LRANGE', dst, '0', '-1']);
        continue;
      }
      out.push(cmd);
    }
  }
  return out;
}

describe('randomized sequences', () => {
  for (const seed of [11, 12, 13, 14, 15, 16]) {
    it(`seed ${seed}: 800 commands`, async () => {
      await compare(randomCommands(seed, 800));
    }, 120000);
  }
});
