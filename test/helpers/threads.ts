// Placing a test's connection on a chosen server thread: the kernel spreads
// connections over the threads (SO_REUSEPORT), and INFO threads tells which
// thread took a new one.

import { RawClient } from './resp.ts';
import { keyShard } from '../../src/router/slot.ts';

/** The first key `prefix`0, `prefix`1 ... that shard `shard` of `threads` owns. */
export function keyOnShard(shard: number, prefix: string, threads: number): string {
  for (let i = 0; ; i++) if (keyShard(`${prefix}${i}`, threads) === shard) return `${prefix}${i}`;
}

/** Per-thread client counts from INFO threads. */
export function threadClients(info: string): number[] {
  const counts: number[] = [];
  for (const m of info.matchAll(/^thread_(\d+):clients=(\d+)/gm)) counts[Number(m[1])] = Number(m[2]);
  return counts;
}

/** A new connection to the server on `port` that a thread for which `wanted(thread)` holds took. */
async function connectWhere(port: number, wanted: (took: number[], before: number[]) => boolean, what: string): Promise<RawClient> {
  const probe = await RawClient.connect(port);
  try {
    for (let tries = 0; tries < 50; tries++) {
      const before = threadClients(await probe.command('INFO', 'threads'));
      const c = await RawClient.connect(port);
      const after = threadClients(await probe.command('INFO', 'threads'));
      if (wanted(after, before)) return c;
      c.close();
    }
  } finally {
    probe.close();
  }
  throw new Error(`no connection went to ${what}`);
}

/** A connection that thread `thread` took. */
export function connectOn(port: number, thread: number): Promise<RawClient> {
  return connectWhere(port, (after, before) => after[thread] === before[thread] + 1, `thread ${thread}`);
}

/** A connection that a thread other than `thread` took. */
export function connectOffThread(port: number, thread: number): Promise<RawClient> {
  return connectWhere(port, (after, before) => after[thread] === before[thread], `a thread other than ${thread}`);
}
