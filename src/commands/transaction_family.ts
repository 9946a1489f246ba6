// MULTI, EXEC, DISCARD, WATCH, UNWATCH (multi.c). Queueing happens in the
// connection (client.ts); EXEC runs the block through src/router/multi_exec.ts.

import { def } from './define.ts';
import type { CommandSpec, ExecContext } from './types.ts';
import { execMulti, unwatchAll } from '../router/multi_exec.ts';
import { groupKeys, withTxn } from '../router/cross.ts';
import { resetHooks } from './connection_family.ts';

// RESET discards the MULTI state and the watched keys.
resetHooks.push((client) => {
  client.multi = null;
  client.multiDirty = false;
  if (client.watchedShards !== null) void unwatchAll(client);
});

function internal(name: string, arity: number, handler: (c: ExecContext, argv: string[]) => void): CommandSpec {
  return def(name, { arity, flags: ['fast'], group: 'transactions', summary: 'internal: WATCH on the owning shard', since: '7.0.0', handler });
}

export const transactionCommands: CommandSpec[] = [
  def('multi', {
    arity: 1, flags: ['noscript', 'loading', 'stale', 'fast', 'allow-busy'], acl: ['@fast', '@transaction'], group: 'transactions', summary: 'Mark the start of a transaction block', since: '1.2.0', complexity: 'O(1)',
    handler(c) {
      const client = c.client!;
      if (client.multi !== null) {
        c.out.error('ERR MULTI calls can not be nested');
        return;
      }
      client.multi = [];
      client.multiDirty = false;
      c.out.ok();
    },
  }),
  def('exec', {
    arity: 1, flags: ['noscript', 'loading', 'stale', 'skip-slowlog'], acl: ['@slow', '@transaction'], group: 'transactions', summary: 'Execute all commands issued after MULTI', since: '1.2.0', complexity: 'Depends on commands in the transaction', route: 'all',
    cross: execMulti,
  }),
  def('discard', {
    arity: 1, flags: ['noscript', 'loading', 'stale', 'fast', 'allow-busy'], acl: ['@fast', '@transaction'], group: 'transactions', summary: 'Discard all commands issued after MULTI', since: '2.0.0', complexity: 'O(N), when N is the number of queued commands', route: 'all',
    async cross(client) {
      if (client.multi === null) {
        client.out().error('ERR DISCARD without MULTI');
        return;
      }
      client.multi = null;
      client.multiDirty = false;
      await unwatchAll(client);
      client.out().ok();
    },
  }),
  def('watch', {
    arity: -2, flags: ['noscript', 'loading', 'stale', 'fast', 'allow-busy'], keys: [1, -1, 1], acl: ['@fast', '@transaction'], group: 'transactions', summary: 'Watch the given keys to determine execution of the MULTI/EXEC block', since: '2.2.0', complexity: 'O(1) for every key.', route: 'all',
    async cross(client, argv) {
      if (client.multi !== null) {
        client.out().error('ERR WATCH inside MULTI is not allowed');
        return;
      }
      const positions: number[] = [];
      for (let i = 1; i < argv.length; i++) positions.push(i);
      const groups = groupKeys(argv, positions, client.thread.threads);
      if (client.watchId === 0) client.watchId = client.id * 4096 + (++client.watchSeq % 4096);
      const id = String(client.watchId);
      await withTxn(client, async (t) => {
        for (const g of groups) {
          await t.step(g.shard, [['__watch', id, String(client.db), ...g.positions.map((p) => argv[p])]], null);
          if (client.watchedShards === null) client.watchedShards = new Set();
          client.watchedShards.add(g.shard);
        }
      });
      client.out().ok();
    },
  }),
  def('unwatch', {
    arity: 1, flags: ['noscript', 'loading', 'stale', 'fast', 'allow-busy'], acl: ['@fast', '@transaction'], group: 'transactions', summary: 'Forget about all watched keys', since: '2.2.0', complexity: 'O(1)', route: 'all',
    async cross(client) {
      await unwatchAll(client);
      client.out().ok();
    },
  }),
  // Shard-side parts of WATCH (steps of the commands above).
  internal('__watch', -4, (c, argv) => {
    const id = Number(argv[1]);
    const db = Number(argv[2]);
    for (let i = 3; i < argv.length; i++) c.thread.watch.watch(id, db, argv[i], c.ks);
    c.out.ok();
  }),
  internal('__watch_check', 2, (c, argv) => {
    c.out.int(c.thread.watch.isDirty(Number(argv[1]), c.ks) ? 1 : 0);
  }),
  internal('__unwatch', 2, (c, argv) => {
    c.thread.watch.unwatch(Number(argv[1]));
    c.out.ok();
  }),
];
