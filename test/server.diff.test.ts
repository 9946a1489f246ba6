// Differential tests of the server family against redis-server 7.0: COMMAND
// (INFO / DOCS of every command we have, byte for byte, RESP2 and RESP3),
// INFO (sections and field names; counters after CONFIG RESETSTAT), CONFIG,
// DEBUG, OBJECT, MEMORY, SLOWLOG, LATENCY, TIME, LASTSAVE, SHUTDOWN errors.
// Values that legitimately differ (ids, times, ports, memory figures) are
// normalized; orders Redis takes from its hash tables are sorted on both sides.

import { describe, it, expect } from 'vitest';
import { useDiff, compare, type Cmd } from './helpers/diff.ts';
import { RawClient } from './helpers/resp.ts';
import { infoCounters } from './helpers/info_counters.ts';

const env = useDiff({ threads: 4 });

// ---- a small RESP tree for normalizing replies -------------------------------------

interface Node {
  /** Type byte: + - : $ * % ~ _ , # ( = > | */
  t: string;
  /** Scalar text (bulk payload, line text). */
  v: string;
  c: Node[];
  /** A RESP2 array holding a map's pairs. */
  isMapLike?: boolean;
}

function parse(s: string, pos = 0): [Node, number] {
  const t = s[pos];
  const nl = s.indexOf('\r\n', pos);
  const head = s.slice(pos + 1, nl);
  let p = nl + 2;
  switch (t) {
    case '$':
    case '=':
    case '!': {
      const n = Number(head);
      if (n < 0) return [{ t, v: head, c: [] }, p];
      return [{ t, v: s.slice(p, p + n), c: [] }, p + n + 2];
    }
    case '*':
    case '~':
    case '>':
    case '%':
    case '|': {
      let n = Number(head);
      if (n < 0) return [{ t, v: head, c: [] }, p];
      if (t === '%' || t === '|') n *= 2;
      const c: Node[] = [];
      for (let i = 0; i < n; i++) {
        const [x, q] = parse(s, p);
        c.push(x);
        p = q;
      }
      return [{ t, v: '', c }, p];
    }
    default:
      return [{ t, v: head, c: [] }, p];
  }
}

function ser(n: Node): string {
  switch (n.t) {
    case '$':
    case '=':
    case '!':
      return n.v.startsWith('-') && n.c.length === 0 && /^-\d+$/.test(n.v) ? `${n.t}${n.v}\r\n` : `${n.t}${n.v.length}\r\n${n.v}\r\n`;
    case '*':
    case '~':
    case '>':
      if (n.v !== '') return `${n.t}${n.v}\r\n`;
      return `${n.t}${n.c.length}\r\n${n.c.map(ser).join('')}`;
    case '%':
    case '|':
      return `${n.t}${n.c.length / 2}\r\n${n.c.map(ser).join('')}`;
    default:
      return `${n.t}${n.v}\r\n`;
  }
}

const tree = (r: string): Node => parse(r)[0];

/** Sort the children of an aggregate (by serialized form); maps are sorted by pairs. */
function sortChildren(n: Node): void {
  if (n.t === '%' || n.t === '|' || (n.t === '*' && n.isMapLike === true)) {
    const pairs: [Node, Node][] = [];
    for (let i = 0; i < n.c.length; i += 2) pairs.push([n.c[i], n.c[i + 1]]);
    pairs.sort((a, b) => (ser(a[0]) < ser(b[0]) ? -1 : ser(a[0]) > ser(b[0]) ? 1 : 0));
    n.c = pairs.flat();
    return;
  }
  n.c.sort((a, b) => (ser(a) < ser(b) ? -1 : ser(a) > ser(b) ? 1 : 0));
}

/** COMMAND INFO entries: sort each entry's subcommands (Redis lists them in dict order). */
function sortInfoEntry(e: Node): void {
  if (e.c.length !== 10) return;
  const subs = e.c[9];
  for (const s of subs.c) sortInfoEntry(s);
  sortChildren(subs);
}

/** COMMAND DOCS maps: sort the subcommands map (RESP2: a flat array of pairs). */
function sortDocs(d: Node): void {
  for (let i = 0; i + 1 < d.c.length; i += 2) {
    if (d.c[i].v === 'subcommands') {
      const m = d.c[i + 1];
      for (let j = 1; j < m.c.length; j += 2) sortDocs(m.c[j]);
      m.isMapLike = true;
      sortChildren(m);
    }
  }
}

function isHello(cmd: Cmd): boolean {
  return String(cmd[0]).toUpperCase() === 'HELLO';
}

/** A differential case: the sequence must answer byte for byte as redis-server does. */
function dcase(name: string, cmds: Cmd[], opts: { normalize?: (reply: string, cmd: Cmd) => string } = {}): void {
  it(name, async () => {
    await compare(cmds, opts);
  });
}

/** Run on our server only and return the raw reply. */
async function oursReply(...cmd: string[]): Promise<string> {
  const c = await RawClient.connect(env.ours!.port);
  try {
    return await c.command(...cmd);
  } finally {
    c.close();
  }
}

async function redisReply(...cmd: string[]): Promise<string> {
  const c = await RawClient.connect(env.redis!.port);
  try {
    return await c.command(...cmd);
  } finally {
    c.close();
  }
}

/** Every command name we list (subcommands as container|sub). */
async function ourCommandNames(): Promise<string[]> {
  return tree(await oursReply('COMMAND', 'LIST')).c.map((n) => n.v);
}

// ---- COMMAND -------------------------------------------------------------------

/** COMMAND INFO entry: keep only the subcommands we have, sorted. */
function infoEntryOurs(e: Node, have: Set<string>): void {
  if (e.c.length !== 10) return;
  const subs = e.c[9];
  subs.c = subs.c.filter((x) => have.has(x.c[0].v));
  if (subs.c.length === 0 && subs.t === '*') subs.t = e.c[8].t === '~' || e.c[2].t === '~' ? '~' : '*';
  for (const x of subs.c) infoEntryOurs(x, have);
  sortChildren(subs);
}

/** COMMAND DOCS map: keep only the subcommands we have, sorted. */
function docsOurs(d: Node, have: Set<string>): void {
  for (let i = 0; i + 1 < d.c.length; i += 2) {
    if (d.c[i].v !== 'subcommands') continue;
    const m = d.c[i + 1];
    const kept: Node[] = [];
    for (let j = 0; j + 1 < m.c.length; j += 2) if (have.has(m.c[j].v)) kept.push(m.c[j], m.c[j + 1]);
    m.c = kept;
    for (let j = 1; j < m.c.length; j += 2) docsOurs(m.c[j], have);
    m.isMapLike = true;
    sortChildren(m);
  }
}

/** Our server's and redis's replies to one command line, over one connection each. */
async function both(pre: Cmd[], cmd: Cmd): Promise<[string, string]> {
  const a = await RawClient.connect(env.ours!.port);
  const b = await RawClient.connect(env.redis!.port);
  try {
    for (const p of pre) {
      await a.command(...p);
      await b.command(...p);
    }
    return [await a.command(...cmd), await b.command(...cmd)];
  } finally {
    a.close();
    b.close();
  }
}

/** Commands of this family: their table entries must match redis exactly. */
const OWN = /^(info|command|config|debug|object|memory|slowlog|latency|time|lastsave|shutdown)(\||$)/;

describe('COMMAND INFO / DOCS match redis for every command we have', () => {
  for (const proto of ['2', '3']) {
    for (const what of ['INFO', 'DOCS']) {
      it(`COMMAND ${what}, RESP${proto}`, async (ctx) => {

        const names = await ourCommandNames();
        expect(names.length).toBeGreaterThan(20);
        const have = new Set(names);
        const redisNames = new Set(tree(await redisReply('COMMAND', 'LIST')).c.map((n) => n.v));
        const pre: Cmd[] = proto === '3' ? [['HELLO', '3']] : [];
        const own: string[] = [];
        const others: string[] = [];
        for (const name of names.filter((n) => redisNames.has(n))) {
          const [ra, rb] = await both(pre, ['COMMAND', what, name]);
          const norm = (r: string): string => {
            const t = tree(r);
            if (what === 'INFO') for (const e of t.c) infoEntryOurs(e, have);
            else for (let i = 1; i < t.c.length; i += 2) docsOurs(t.c[i], have);
            return ser(t);
          };
          const na = norm(ra);
          const nb = norm(rb);
          if (na !== nb) (OWN.test(name) ? own : others).push(`${name}\n  ours:  ${JSON.stringify(na).slice(0, 400)}\n  redis: ${JSON.stringify(nb).slice(0, 400)}`);
        }
        expect(own, 'server family entries').toEqual([]);
        // Entries of the other families are theirs to fix; listed here so they show up.
        if (others.length > 0) console.warn(`COMMAND ${what} RESP${proto}: ${others.length} entries of other families differ from redis:\n${others.join('\n')}`);
      });
    }
  }

  it('every command we list is a Redis 7.0 command or a KeyDB extension', async () => {
    const redisNames = new Set(tree(await redisReply('COMMAND', 'LIST')).c.map((n) => n.v));
    const extra = (await ourCommandNames()).filter((n) => !redisNames.has(n));
    expect(extra.filter((n) => !/^(keydb\.|expiremember$|expirememberat$|pexpirememberat$)/.test(n))).toEqual([]);
    // Their entries come from the table alone (no Redis data): still complete.
    for (const name of extra) {
      const info = tree(await oursReply('COMMAND', 'INFO', name)).c[0];
      expect(info.c.length, name).toBe(10);
      expect(info.c[0].v).toBe(name);
      const docs = tree(await oursReply('COMMAND', 'DOCS', name));
      expect(docs.c[0].v).toBe(name);
      expect(docs.c[1].c.map((x) => x.v).filter((_, i) => i % 2 === 0).slice(0, 3)).toEqual(['summary', 'since', 'group']);
    }
  });

  it('COMMAND (all) holds the COMMAND INFO entry of each top-level command', async () => {
    const all = tree(await oursReply('COMMAND'));
    const count = Number((await oursReply('COMMAND', 'COUNT')).slice(1, -2));
    expect(all.c.length).toBe(count);
    const names = all.c.map((e) => e.c[0].v).sort();
    const top = (await ourCommandNames()).filter((n) => !n.includes('|')).sort();
    expect(names).toEqual(top);
    const info = tree(await oursReply('COMMAND', 'INFO', ...names.slice(0, 5)));
    for (const e of info.c) expect(all.c.map(ser)).toContain(ser(e));
  });
});

const sortTop = (r: string): string => {
  if (r[0] !== '*' && r[0] !== '~') return r;
  const t = tree(r);
  sortChildren(t);
  return ser(t);
};

describe('COMMAND subcommands', () => {
  dcase('COMMAND LIST FILTERBY PATTERN of complete families', [
    ['COMMAND', 'LIST', 'FILTERBY', 'PATTERN', 'config*'],
    ['COMMAND', 'LIST', 'FILTERBY', 'PATTERN', 'SLOWLOG*'],
    ['COMMAND', 'LIST', 'FILTERBY', 'PATTERN', 'command|*'],
    ['COMMAND', 'LIST', 'FILTERBY', 'PATTERN', 'nosuchcommand*'],
    ['COMMAND', 'LIST', 'FILTERBY', 'MODULE', 'foo'],
    ['COMMAND', 'LIST', 'FILTERBY', 'ACLCAT', 'nosuchcat'],
    ['COMMAND', 'LIST', 'FILTERBY'],
    ['COMMAND', 'LIST', 'FILTERBY', 'FOO', 'x'],
    ['COMMAND', 'LIST', 'x'],
  ], { normalize: sortTop });

  dcase('COMMAND GETKEYS / GETKEYSANDFLAGS', [
    ['COMMAND', 'GETKEYS', 'GET', 'k'],
    ['COMMAND', 'GETKEYS', 'SET', 'k', 'v', 'EX', '10'],
    ['COMMAND', 'GETKEYS', 'MSET', 'a', '1', 'b', '2', 'c', '3'],
    ['COMMAND', 'GETKEYS', 'DEL', 'a', 'b', 'c'],
    ['COMMAND', 'GETKEYS', 'OBJECT', 'ENCODING', 'k'],
    ['COMMAND', 'GETKEYS', 'MEMORY', 'USAGE', 'k'],
    ['COMMAND', 'GETKEYSANDFLAGS', 'SET', 'k', 'v'],
    ['COMMAND', 'GETKEYSANDFLAGS', 'SET', 'k', 'v', 'GET'],
    ['COMMAND', 'GETKEYSANDFLAGS', 'GET', 'k'],
    ['COMMAND', 'GETKEYSANDFLAGS', 'DEL', 'a', 'b'],
    ['COMMAND', 'GETKEYSANDFLAGS', 'MSET', 'a', '1', 'b', '2'],
    ['COMMAND', 'GETKEYS', 'NOSUCH', 'x'],
    ['COMMAND', 'GETKEYS', 'PING', 'x'],
    ['COMMAND', 'GETKEYS', 'GET', 'a', 'b'],
    ['COMMAND', 'GETKEYS', 'CONFIG', 'NOSUCH', 'x'],
    ['COMMAND', 'GETKEYS', 'GET'],
    ['COMMAND', 'GETKEYSANDFLAGS', 'GET'],
  ]);

  dcase('COMMAND errors and HELP', [
    ['COMMAND', 'HELP'],
    ['COMMAND', 'HELP', 'x'],
    ['COMMAND', 'COUNT', 'x'],
    ['COMMAND', 'NOSUCH'],
    ['COMMAND', 'INFO', 'nosuch', 'GET', 'config|get', 'get|x', 'a|b|c'],
    ['COMMAND', 'DOCS', 'nosuch'],
    ['COMMAND', 'DOCS', 'Get', 'CONFIG|SET', 'nosuch'],
  ]);
});

// ---- INFO ------------------------------------------------------------------------

/** INFO text as "# Section" lines followed by its sorted field names. */
function infoShape(r: string, opts: { drop?: string[]; namesOnly?: string[] } = {}): string {
  const t = tree(r);
  const text = t.t === '=' ? t.v.slice(4) : t.v;
  const out: string[] = [];
  let fields: string[] = [];
  let section = '';
  const flush = (): void => {
    if (section !== '' && !(opts.drop ?? []).includes(section)) out.push(section, ...((opts.namesOnly ?? []).includes(section) ? [] : fields.sort()));
    fields = [];
  };
  for (const line of text.split('\r\n')) {
    if (line.startsWith('# ')) {
      flush();
      section = line;
    } else if (line !== '') fields.push(line.slice(0, line.indexOf(':')));
  }
  flush();
  return out.join('\n');
}

/**
 * Our own section (Threads) is left out; so are the fields of the sections that
 * list what ran so far (the servers' histories differ), compared exactly below
 * after CONFIG RESETSTAT.
 */
const infoNormalize = (r: string, cmd: Cmd): string => {
  if (isHello(cmd)) return '<hello>';
  if (String(cmd[0]).toUpperCase() !== 'INFO') return r;
  return infoShape(r, { drop: ['# Threads'], namesOnly: ['# Commandstats', '# Errorstats', '# Latencystats', '# Keyspace'] });
};

describe('INFO', () => {
  dcase('INFO sections and field names', [
    ['SET', 'a', '1'],
    ['SET', 'b', '2'],
    ['GET', 'nokey'],
    ['NOSUCHCOMMAND'],
    ['INFO'],
    ['INFO', 'default'],
    ['INFO', 'all'],
    ['INFO', 'everything'],
    ['INFO', 'server'],
    ['INFO', 'CLIENTS', 'memory'],
    ['INFO', 'persistence', 'stats', 'replication', 'cpu'],
    ['INFO', 'modules', 'cluster', 'keyspace'],
    ['INFO', 'errorstats', 'commandstats'],
    ['INFO', 'keyspace', 'server', 'default'],
    ['INFO', 'nosuchsection'],
  ], { normalize: infoNormalize });

  it('INFO in RESP3 is a verbatim string', async (ctx) => {
    await compare([['HELLO', '3'], ['INFO', 'cluster'], ['INFO', 'nosuch']], { normalize: (r, c) => (isHello(c) ? '<hello>' : r) });
  });

  const counters: Cmd[] = [
    ['CONFIG', 'RESETSTAT'],
    ['SET', 'a', '1'],
    ['SET', 'b', '2', 'EX', '100'],
    ['SET', 'c', '3'],
    ['GET', 'a'],
    ['GET', 'nokey'],
    ['MSET', 'x', '1', 'y', '2', 'z', '3'],
    ['DEL', 'x', 'y', 'z', 'nokey'],
    ['GET'],
    ['NOSUCHCOMMAND', 'x'],
    ['CONFIG', 'NOSUCH'],
    ['OBJECT', 'ENCODING', 'a'],
    ['DBSIZE'],
  ];
  const report: Cmd[] = [['INFO', 'commandstats'], ['INFO', 'errorstats'], ['INFO', 'keyspace']];
  dcase('INFO commandstats, errorstats, keyspace counters', [...counters, ...report], { normalize: infoCounters });
  dcase('INFO counters with a second database', [...counters, ['SELECT', '3'], ['SET', 'a', '1'], ['SET', 'e', '1', 'PX', '100000'], ...report], { normalize: infoCounters });

  /** INFO stats: only the counters the cases move. */
  const statsCounters = (r: string, cmd: Cmd): string => {
    if (String(cmd[0]).toUpperCase() !== 'INFO') return r;
    const keep = ['keyspace_hits', 'keyspace_misses', 'total_error_replies', 'expired_keys', 'evicted_keys', 'rejected_connections', 'total_commands_processed', 'total_reads_processed', 'total_writes_processed'];
    return tree(r).v.split('\r\n').filter((l) => keep.includes(l.slice(0, l.indexOf(':')))).join('\n');
  };

  dcase('INFO stats counters after RESETSTAT', [
    ['CONFIG', 'RESETSTAT'],
    ['GET', 'a'],
    ['SET', 'a', '1'],
    ['GET', 'a'],
    ['GET', 'b'],
    ['INCR', 'nokey', 'x'],
    ['INFO', 'stats'],
  ], { normalize: statsCounters });

  // Every source read once: the STORE forms' too, and SORT's source once when its patterns reach other shards.
  dcase('keyspace hits and misses of set and sorted set algebra and SORT', [
    ['SADD', 's1', 'a', 'b'], ['ZADD', 'z1', '1', 'a'], ['RPUSH', 'l', '3', '1', '2'], ['SET', 'w_1', '10'], ['SET', 'w_2', '5'],
    ['CONFIG', 'RESETSTAT'],
    ['SINTERSTORE', 'dst', 's1', 's2'], ['SUNIONSTORE', 'dst', 's1', 's2', 's3'], ['SDIFFSTORE', 'dst', 's1', 's2'],
    ['ZINTERSTORE', 'zdst', '2', 'z1', 'z2'], ['ZUNIONSTORE', 'zdst', '2', 'z1', 's1'], ['ZDIFFSTORE', 'zdst', '2', 'z1', 'z2'],
    ['SINTER', 's1', 's2'], ['ZUNION', '2', 'z1', 'z2'],
    ['SORT', 'l', 'BY', 'w_*'], ['SORT', 'l', 'GET', '#', 'GET', 'w_*'], ['SORT', 'l', 'BY', 'w_*', 'STORE', 'ldst'], ['SORT', 'nolist', 'BY', 'w_*'],
    ['INFO', 'stats'],
  ], { normalize: statsCounters });
});

// ---- CONFIG ----------------------------------------------------------------------

/** CONFIG GET: pairs sorted (Redis answers in dict order). */
const configNormalize = (r: string, cmd: Cmd): string => {
  if (isHello(cmd)) return '<hello>';
  if (String(cmd[0]).toUpperCase() !== 'CONFIG' || String(cmd[1]).toUpperCase() !== 'GET' || (r[0] !== '*' && r[0] !== '%')) return r;
  const t = tree(r);
  t.isMapLike = true;
  sortChildren(t);
  return ser(t);
};

describe('CONFIG', () => {
  dcase('CONFIG GET', [
    ['CONFIG', 'GET', 'maxmemory'],
    ['CONFIG', 'GET', 'slowlog-*'],
    ['CONFIG', 'GET', 'latency-monitor-threshold', 'hz', 'databases'],
    ['CONFIG', 'GET', 'nosuch'],
    ['CONFIG', 'GET', 'maxmemory-p*', 'maxmemory-policy'],
    ['CONFIG', 'GET'],
  ], { normalize: configNormalize });

  dcase('CONFIG SET and errors', [
    ['CONFIG', 'SET', 'slowlog-max-len', '100'],
    ['CONFIG', 'GET', 'slowlog-max-len'],
    ['CONFIG', 'SET', 'slowlog-max-len', '128', 'latency-monitor-threshold', '0'],
    ['CONFIG', 'GET', 'slowlog-max-len'],
    ['CONFIG', 'SET', 'slowlog-max-len'],
    ['CONFIG', 'SET', 'slowlog-max-len', '1', 'hz'],
    ['CONFIG', 'SET', 'nosuch', '1'],
    ['CONFIG', 'SET', 'hz', 'abc'],
    ['CONFIG', 'SET', 'maxmemory-policy', 'nosuch'],
    ['CONFIG', 'SET', 'hz', '10', 'hz', '11'],
    ['CONFIG', 'SET', 'databases', '4'],
    ['CONFIG', 'GET', 'hz'],
  ], { normalize: configNormalize });

  dcase('CONFIG HELP and unknown subcommands', [
    ['CONFIG', 'HELP'],
    ['CONFIG', 'NOSUCH'],
    ['CONFIG'],
    ['CONFIG', 'RESETSTAT', 'x'],
    ['CONFIG', 'REWRITE', 'x'],
    ['CONFIG', 'REWRITE'],
  ]);

  it('CONFIG GET in RESP3 is a map', async (ctx) => {
    await compare([['HELLO', '3'], ['CONFIG', 'GET', 'hz'], ['CONFIG', 'GET', 'slowlog-*']], { normalize: configNormalize });
  });
});

// ---- OBJECT / MEMORY -------------------------------------------------------------

describe('OBJECT and MEMORY', () => {
  dcase('OBJECT IDLETIME / FREQ / HELP and DEBUG OBJECT', [
    ['SET', 'fresh', 'v'],
    ['SET', 'num', '42'],
    ['SET', 'long', 'abcdefghij'],
    ['OBJECT', 'IDLETIME', 'fresh'],
    ['OBJECT', 'IDLETIME', 'missing'],
    ['OBJECT', 'FREQ', 'fresh'],
    ['OBJECT', 'FREQ', 'missing'],
    ['OBJECT', 'IDLETIME'],
    ['OBJECT', 'HELP'],
    ['DEBUG', 'OBJECT', 'fresh'],
    ['DEBUG', 'OBJECT', 'num'],
    ['DEBUG', 'OBJECT', 'long'],
    ['DEBUG', 'OBJECT', 'missing'],
  ], {
    // Addresses, the LRU clock's second and idle seconds (a second boundary may pass; Redis's shared
    // integers keep the shared object's clock) differ between processes.
    normalize: (r, cmd) =>
      String(cmd[1]).toUpperCase() === 'IDLETIME' && /^:[01]\r\n$/.test(r)
        ? ':0\r\n'
        : r.replace(/Value at:0x[0-9a-f]+/, 'Value at:ADDR').replace(/ lru:\d+/, ' lru:N').replace(/lru_seconds_idle:\d+/, 'lru_seconds_idle:N'),
  });
  dcase('OBJECT FREQ under an LFU maxmemory-policy (lfu-log-factor 0: every access counts)', [
    ['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lfu'],
    ['SET', 'k', 'v'],
    ['OBJECT', 'FREQ', 'k'],
    ['GET', 'k'],
    ['OBJECT', 'FREQ', 'k'],
    ['OBJECT', 'IDLETIME', 'k'],
    ['CONFIG', 'SET', 'lfu-log-factor', '0'],
    ['GET', 'k'],
    ['GET', 'k'],
    ['HSET', 'h', 'f', 'v'],
    ['HGET', 'h', 'f'],
    ['SET', 'k', 'w'],
    ['OBJECT', 'FREQ', 'k'],
    ['OBJECT', 'FREQ', 'h'],
    ['OBJECT', 'FREQ', 'missing'],
    ['CONFIG', 'SET', 'lfu-log-factor', '10'],
    ['CONFIG', 'SET', 'maxmemory-policy', 'noeviction'],
    ['OBJECT', 'FREQ', 'k'],
  ]);
  dcase('OBJECT ENCODING / REFCOUNT of strings', [
    ['SET', 'int', '12345'],
    ['SET', 'neg', '-7'],
    ['SET', 'small', '5'],
    ['SET', 'big', '9223372036854775807'],
    ['SET', 'toobig', '9223372036854775808'],
    ['SET', 'lead0', '0123'],
    ['SET', 'emb', 'hello'],
    ['SET', 'emb44', 'x'.repeat(44)],
    ['SET', 'raw45', 'x'.repeat(45)],
    ['SET', 'empty', ''],
    ['OBJECT', 'ENCODING', 'int'],
    ['OBJECT', 'ENCODING', 'neg'],
    ['OBJECT', 'ENCODING', 'small'],
    ['OBJECT', 'ENCODING', 'big'],
    ['OBJECT', 'ENCODING', 'toobig'],
    ['OBJECT', 'ENCODING', 'lead0'],
    ['OBJECT', 'ENCODING', 'emb'],
    ['OBJECT', 'ENCODING', 'emb44'],
    ['OBJECT', 'ENCODING', 'raw45'],
    ['OBJECT', 'ENCODING', 'empty'],
    ['OBJECT', 'ENCODING', 'nokey'],
    ['OBJECT', 'REFCOUNT', 'small'],
    ['OBJECT', 'REFCOUNT', 'int'],
    ['OBJECT', 'REFCOUNT', 'emb'],
    ['OBJECT', 'REFCOUNT', 'nokey'],
    ['OBJECT', 'encoding', 'int', 'extra'],
    ['OBJECT', 'NOSUCH', 'x'],
    ['OBJECT'],
  ]);

  dcase('MEMORY USAGE arguments', [
    ['SET', 'k', 'v'],
    ['MEMORY', 'USAGE', 'nokey'],
    ['MEMORY', 'USAGE', 'k', 'SAMPLES'],
    ['MEMORY', 'USAGE', 'k', 'SAMPLES', '-1'],
    ['MEMORY', 'USAGE', 'k', 'SAMPLES', 'x'],
    ['MEMORY', 'USAGE', 'k', 'FOO', '1'],
    ['MEMORY', 'USAGE', 'nokey', 'SAMPLES', '0'],
    ['MEMORY', 'USAGE', 'k'],
    ['MEMORY', 'USAGE', 'k', 'SAMPLES', '0'],
    ['MEMORY', 'USAGE'],
    ['MEMORY', 'NOSUCH'],
    ['MEMORY', 'PURGE'],
    ['MEMORY', 'STATS', 'x'],
    ['MEMORY', 'DOCTOR', 'x'],
  ], { normalize: (r) => (r.startsWith(':') ? ':N\r\n' : r) });

  /** MEMORY STATS: the same fields in the same order; figures differ. */
  const statsShape = (r: string, cmd: Cmd): string => {
    if (isHello(cmd)) return '<hello>';
    if (String(cmd[0]).toUpperCase() !== 'MEMORY') return r;
    const t = tree(r);
    const walk = (n: Node): void => {
      if (n.t === ':' || n.t === ',') n.v = 'N';
      // RESP2 floats are bulk strings: after a key ending in ratio/percentage/fragmentation.
      for (let i = 0; i + 1 < n.c.length; i += 2) if (n.c[i + 1].t === '$' && /ratio|percentage|fragmentation$/.test(n.c[i].v)) n.c[i + 1].v = 'F';
      for (const x of n.c) walk(x);
    };
    walk(t);
    return ser(t);
  };
  dcase('MEMORY STATS fields', [['SET', 'a', '1'], ['SET', 'b', '1', 'EX', '100'], ['MEMORY', 'STATS']], { normalize: statsShape });
  it('MEMORY STATS fields in RESP3', async (ctx) => {
    await compare([['HELLO', '3'], ['SET', 'a', '1'], ['SELECT', '1'], ['SET', 'a', '1'], ['MEMORY', 'STATS']], { normalize: statsShape });
  });
});

// ---- DEBUG -----------------------------------------------------------------------

const PROTOCOL_TYPES = ['string', 'integer', 'double', 'bignum', 'null', 'array', 'set', 'map', 'attrib', 'push', 'verbatim', 'true', 'false', 'nosuch'];

describe('DEBUG', () => {
  dcase('DEBUG PROTOCOL in RESP2', PROTOCOL_TYPES.map((t) => ['DEBUG', 'PROTOCOL', t]));

  it('DEBUG PROTOCOL in RESP3', async (ctx) => {
    // push and attrib answer two replies in RESP3: compare them separately.
    const a = await RawClient.connect(env.ours!.port);
    const b = await RawClient.connect(env.redis!.port);
    try {
      for (const c of [a, b]) await c.command('HELLO', '3');
      for (const t of PROTOCOL_TYPES) {
        const ra = [await a.command('DEBUG', 'PROTOCOL', t)];
        const rb = [await b.command('DEBUG', 'PROTOCOL', t)];
        if (t === 'push' || t === 'attrib') {
          ra.push(await a.readReply());
          rb.push(await b.readReply());
        }
        expect(ra, t).toEqual(rb);
      }
    } finally {
      a.close();
      b.close();
    }
  });

  dcase('DEBUG POPULATE', [
    ['DEBUG', 'POPULATE', '20'],
    ['DBSIZE'],
    ['GET', 'key:0'],
    ['GET', 'key:19'],
    ['GET', 'key:20'],
    ['SET', 'p:3', 'mine'],
    ['DEBUG', 'POPULATE', '5', 'p', '10'],
    ['GET', 'p:1'],
    ['GET', 'p:3'],
    ['DEBUG', 'POPULATE', '3', 'q', '3'],
    ['GET', 'q:2'],
    ['KEYS', '*'],
    ['DBSIZE'],
    ['DEBUG', 'POPULATE', '0'],
    ['DEBUG', 'POPULATE', '-1'],
    ['DEBUG', 'POPULATE', 'x'],
    ['DEBUG', 'POPULATE', '2', 'k', '-1'],
    ['DEBUG', 'POPULATE', '2', 'k', 'x'],
    ['DEBUG', 'POPULATE', '2', 'k', '1', 'extra'],
  ], { normalize: sortTop });

  dcase('DEBUG POPULATE in another database', [
    ['SELECT', '2'],
    ['DEBUG', 'POPULATE', '3', 'db2'],
    ['DBSIZE'],
    ['SELECT', '0'],
    ['DBSIZE'],
    ['SELECT', '2'],
    ['FLUSHDB'],
  ]);

  dcase('DEBUG SLEEP, SET-ACTIVE-EXPIRE and errors', [
    ['DEBUG', 'SLEEP', '0'],
    ['DEBUG', 'SLEEP', '0.01'],
    ['DEBUG', 'SLEEP', 'x'],
    ['DEBUG', 'SLEEP'],
    ['DEBUG', 'SET-ACTIVE-EXPIRE', '0'],
    ['DEBUG', 'SET-ACTIVE-EXPIRE', '1'],
    ['DEBUG', 'set-active-expire'],
    ['DEBUG', 'NOSUCH'],
    ['DEBUG', 'PROTOCOL'],
    ['DEBUG'],
  ]);
});

// ---- SLOWLOG / LATENCY -------------------------------------------------------------

/** Slow log entries: id, time, duration and client port differ. */
function slowlogNormalize(r: string, cmd: Cmd): string {
  if (String(cmd[0]).toUpperCase() !== 'SLOWLOG' || String(cmd[1]).toUpperCase() !== 'GET' || r[0] !== '*') return r;
  const t = tree(r);
  for (const e of t.c) {
    e.c[0].v = 'ID';
    e.c[1].v = 'TIME';
    e.c[2].v = 'US';
    e.c[4].v = e.c[4].v.replace(/:\d+$/, ':PORT');
  }
  return ser(t);
}

describe('SLOWLOG', () => {
  dcase('SLOWLOG records the client name', [
    ['CONFIG', 'SET', 'slowlog-log-slower-than', '0'],
    ['SLOWLOG', 'RESET'],
    ['SET', 'a', '1'],
    ['CLIENT', 'SETNAME', 'me'],
    ['GET', 'b'],
    ['MSET', 'x', '1', 'y', '2', 'z', '3'],
    ['SLOWLOG', 'GET'],
    ['CONFIG', 'SET', 'slowlog-log-slower-than', '10000'],
    ['SLOWLOG', 'RESET'],
  ], { normalize: slowlogNormalize });

  dcase('SLOWLOG records the commands of an EXEC block, not EXEC', [
    ['CONFIG', 'SET', 'slowlog-log-slower-than', '0'],
    ['CLIENT', 'SETNAME', 'blk'],
    ['SLOWLOG', 'RESET'],
    ['MULTI'], ['SET', 'a', '1'], ['GET', 'b'], ['INCR', 'c'], ['MGET', 'a', 'b', 'c'], ['PING'], ['EXEC'],
    ['MULTI'], ['SET', 'x', '1'], ['GET', 'x'], ['EXEC'],
    ['SLOWLOG', 'GET', '-1'],
    ['CONFIG', 'SET', 'slowlog-log-slower-than', '10000'],
    ['SLOWLOG', 'RESET'],
  ], { normalize: slowlogNormalize });

  dcase('SLOWLOG records commands over the threshold', [
    ['CONFIG', 'SET', 'slowlog-log-slower-than', '0'],
    ['SLOWLOG', 'RESET'],
    ['SET', 'a', '1'],
    ['GET', 'b'],
    ['MSET', 'x', '1', 'y', '2', 'z', '3'],
    ['SLOWLOG', 'LEN'],
    ['SLOWLOG', 'GET'],
    ['SLOWLOG', 'GET', '2'],
    ['SLOWLOG', 'GET', '-1'],
    ['SLOWLOG', 'GET', '-2'],
    ['SLOWLOG', 'GET', 'x'],
    ['SLOWLOG', 'GET', '1', '2'],
    ['CONFIG', 'SET', 'slowlog-log-slower-than', '10000'],
    ['SLOWLOG', 'RESET'],
    ['SLOWLOG', 'LEN'],
    ['SLOWLOG', 'HELP'],
    ['SLOWLOG', 'NOSUCH'],
  ], { normalize: slowlogNormalize });

  dcase('SLOWLOG trims long argument lists and strings', [
    ['CONFIG', 'SET', 'slowlog-log-slower-than', '0'],
    ['SLOWLOG', 'RESET'],
    ['SET', 'k', 'v'.repeat(300)],
    ['DEL', ...Array.from({ length: 40 }, (_, i) => `k${i}`)],
    ['SLOWLOG', 'GET', '2'],
    ['CONFIG', 'SET', 'slowlog-log-slower-than', '10000'],
    ['SLOWLOG', 'RESET'],
  ], { normalize: slowlogNormalize });

  dcase('SLOWLOG max length', [
    ['CONFIG', 'SET', 'slowlog-log-slower-than', '0', 'slowlog-max-len', '3'],
    ['SLOWLOG', 'RESET'],
    ['SET', 'a', '1'],
    ['SET', 'b', '1'],
    ['SET', 'c', '1'],
    ['SET', 'd', '1'],
    ['SLOWLOG', 'LEN'],
    ['SLOWLOG', 'GET', '-1'],
    ['CONFIG', 'SET', 'slowlog-log-slower-than', '10000', 'slowlog-max-len', '128'],
    ['SLOWLOG', 'RESET'],
  ], { normalize: slowlogNormalize });
});

/** LATENCY replies: times and measured latencies differ. */
function latencyNormalize(r: string, cmd: Cmd): string {
  if (String(cmd[0]).toUpperCase() !== 'LATENCY') return r;
  const sub = String(cmd[1]).toUpperCase();
  if (sub === 'LATEST' && r[0] === '*') {
    const t = tree(r);
    for (const e of t.c) for (let i = 1; i < 4; i++) e.c[i].v = 'N';
    return ser(t);
  }
  if (sub === 'HISTORY' && r[0] === '*') {
    const t = tree(r);
    for (const e of t.c) for (const x of e.c) x.v = 'N';
    return ser(t);
  }
  if (sub === 'GRAPH' && r[0] !== '-') {
    // Latency figures and the age labels differ; the frame and the bar shape do not.
    const t = tree(r);
    return t.v.replace(/\d+/g, 'N');
  }
  if (sub === 'DOCTOR') {
    const t = tree(r);
    return t.v.replace(/\d+(\.\d+)?/g, 'N');
  }
  return r;
}

/** LATENCY HISTOGRAM: commands sorted, each distribution reduced to its last cumulative count. */
function histogramNormalize(r: string, cmd: Cmd): string {
  const c0 = String(cmd[0]).toUpperCase();
  if (c0 === 'INFO') return infoShape(r);
  if (c0 !== 'LATENCY' || String(cmd[1]).toUpperCase() !== 'HISTOGRAM' || r[0] === '-') return r;
  const t = tree(r);
  for (let i = 1; i < t.c.length; i += 2) {
    const m = t.c[i];
    const hist = m.c[3];
    const last = hist.c[hist.c.length - 1];
    hist.c = [{ t: ':', v: 'N', c: [] }, last];
  }
  t.isMapLike = true;
  sortChildren(t);
  return ser(t);
}

describe('LATENCY', () => {
  dcase('LATENCY HISTOGRAM and INFO latencystats after RESETSTAT', [
    ['CONFIG', 'RESETSTAT'],
    ['SET', 'a', '1'],
    ['SET', 'b', '2'],
    ['GET', 'a'],
    ['CONFIG', 'GET', 'hz'],
    ['LATENCY', 'HISTOGRAM', 'set', 'CONFIG', 'nosuch'],
    ['LATENCY', 'HISTOGRAM', 'get', 'get'],
    ['LATENCY', 'HISTOGRAM', 'nosuch'],
    ['INFO', 'latencystats'],
    ['LATENCY', 'HISTOGRAM'],
  ], { normalize: histogramNormalize });


  dcase('LATENCY with monitoring off', [
    ['LATENCY', 'RESET'],
    ['LATENCY', 'LATEST'],
    ['LATENCY', 'HISTORY', 'command'],
    ['LATENCY', 'DOCTOR'],
    ['LATENCY', 'GRAPH', 'command'],
    ['LATENCY', 'RESET', 'command'],
    ['LATENCY', 'HISTORY'],
    ['LATENCY', 'NOSUCH'],
    ['LATENCY', 'HELP', 'x'],
  ]);

  dcase('LATENCY records slow commands over the threshold', [
    ['LATENCY', 'RESET'],
    ['CONFIG', 'SET', 'latency-monitor-threshold', '5'],
    ['DEBUG', 'SLEEP', '0.02'],
    ['LATENCY', 'LATEST'],
    ['LATENCY', 'HISTORY', 'command'],
    ['LATENCY', 'HISTORY', 'nosuch'],
    ['LATENCY', 'GRAPH', 'command'],
    ['LATENCY', 'GRAPH', 'nosuch'],
    ['LATENCY', 'DOCTOR'],
    ['CONFIG', 'SET', 'slowlog-log-slower-than', '-1'],
    ['LATENCY', 'DOCTOR'],
    ['CONFIG', 'SET', 'slowlog-log-slower-than', '10000'],
    ['LATENCY', 'RESET', 'nosuch', 'command', 'command'],
    ['LATENCY', 'LATEST'],
    ['CONFIG', 'SET', 'latency-monitor-threshold', '0'],
    ['LATENCY', 'DOCTOR'],
  ], { normalize: latencyNormalize });
});

// ---- TIME, LASTSAVE, SHUTDOWN --------------------------------------------------------

describe('TIME, LASTSAVE, SHUTDOWN', () => {
  dcase('TIME and LASTSAVE shapes', [
    ['TIME'],
    ['TIME', 'x'],
    ['LASTSAVE'],
    ['LASTSAVE', 'x'],
  ], { normalize: (r) => r.replace(/\$\d+\r\n\d+\r\n/g, '$N\r\nD\r\n').replace(/^:\d+/, ':N') });

  dcase('SHUTDOWN argument errors', [
    ['SHUTDOWN', 'ABORT'],
    ['SHUTDOWN', 'SAVE', 'NOSAVE'],
    ['SHUTDOWN', 'FOO'],
    ['SHUTDOWN', 'ABORT', 'NOW'],
    ['SHUTDOWN', 'NOSAVE', 'ABORT'],
  ]);
});
