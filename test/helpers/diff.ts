// Differential testing: the same command sequences go to Debian's
// redis-server 7.0 and to our server, and every reply must be byte-identical.
// Usage in a test file:
//
//   const d = useDiff({ threads: 4 });            // starts both servers for the file
//   diffCase('SET/GET basics', [['SET','a','1'], ['GET','a']]);
//
// Each case starts from FLUSHALL on both servers (db 0, RESP2, fresh connection).

import { afterAll, beforeAll, it, expect } from 'vitest';
import { RawClient } from './resp.ts';
import { startRedis, startServer, haveRedisServer, type RunningServer } from './server.ts';
import { appendFileSync } from 'node:fs';

export type Cmd = (string | Buffer)[];

interface DiffEnv {
  ours: RunningServer | null;
  redis: RunningServer | null;
}

const env: DiffEnv = { ours: null, redis: null };

export const redisAvailable = haveRedisServer();

/** Start both servers for this test file. `args` go to our server only (e.g. ['--server-threads','4']). */
export function useDiff(opts: { threads?: number; args?: string[]; redisArgs?: string[] } = {}): DiffEnv {
  beforeAll(async () => {
    if (!redisAvailable) throw new Error('redis-server is not installed: differential tests need it (apt-get install redis-server)');
    const args = ['--server-threads', String(opts.threads ?? 2), '--enable-debug-command', 'yes', ...(opts.args ?? [])];
    [env.ours, env.redis] = await Promise.all([startServer(args), startRedis(opts.redisArgs ?? [])]);
  }, 60000);
  afterAll(async () => {
    await Promise.all([env.ours?.stop(), env.redis?.stop()]);
  });
  return env;
}

/** Counts compared replies across the run (reported to DIFF_REPORT when set). */
let compared = 0;

function show(s: string): string {
  return JSON.stringify(s.length > 300 ? s.slice(0, 300) + '...' : s);
}

/**
 * Run commands on both servers and compare replies byte for byte.
 * `normalize` may rewrite replies that legitimately differ (e.g. run ids).
 */
export async function compare(cmds: Cmd[], opts: { normalize?: (reply: string, cmd: Cmd) => string } = {}): Promise<void> {
  const a = await RawClient.connect(env.ours!.port);
  const b = await RawClient.connect(env.redis!.port);
  try {
    for (const c of [a, b]) {
      await c.command('FLUSHALL');
    }
    for (const cmd of cmds) {
      const [ra, rb] = await Promise.all([a.command(...cmd), b.command(...cmd)]);
      const na = opts.normalize ? opts.normalize(ra, cmd) : ra;
      const nb = opts.normalize ? opts.normalize(rb, cmd) : rb;
      compared++;
      if (na !== nb) {
        expect.fail(`reply differs for ${cmd.map((x) => x.toString()).join(' ')}\n  ours:  ${show(ra)}\n  redis: ${show(rb)}`);
      }
    }
  } finally {
    a.close();
    b.close();
    if (process.env.DIFF_REPORT) appendFileSync(process.env.DIFF_REPORT, `${cmds.length}\n`);
  }
}

/** One vitest case: the sequence must produce identical replies on both servers. */
export function diffCase(name: string, cmds: Cmd[], opts: { normalize?: (reply: string, cmd: Cmd) => string } = {}): void {
  it(name, async () => {
    await compare(cmds, opts);
  });
}

export function comparedCount(): number {
  return compared;
}

/** Run f on a fresh connection to each server (after FLUSHALL); returns [ours, redis]. */
export async function onBoth<T>(f: (c: RawClient, redis: boolean) => Promise<T>): Promise<[T, T]> {
  const a = await RawClient.connect(env.ours!.port);
  const b = await RawClient.connect(env.redis!.port);
  try {
    await a.command('FLUSHALL');
    await b.command('FLUSHALL');
    return await Promise.all([f(a, false), f(b, true)]);
  } finally {
    a.close();
    b.close();
  }
}

/**
 * The figures of INFO that count commands, sorted: commandstats' calls,
 * rejections and failures (not of the commands in `skip`, which a test runs
 * for itself), errorstats, total errors, keyspace hits and misses.
 */
export async function commandCounts(c: RawClient, skip: string[] = ['info', 'config']): Promise<string[]> {
  const info = (await c.command('INFO', 'everything')).replace(/\r/g, '');
  const out: string[] = [];
  for (const line of info.split('\n')) {
    const m = /^cmdstat_([a-z_|]+):calls=(\d+),usec=[\d.]+,usec_per_call=[\d.]+,rejected_calls=(\d+),failed_calls=(\d+)$/.exec(line);
    if (m !== null && !skip.includes(m[1])) out.push(`${m[1]} ${m[2]} ${m[3]} ${m[4]}`);
    if (/^errorstat_/.test(line) || /^keyspace_(hits|misses):/.test(line) || /^total_error_replies:/.test(line)) out.push(line);
  }
  return out.sort();
}
