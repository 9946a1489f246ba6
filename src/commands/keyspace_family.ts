// Generic keyspace commands (db.c, expire.c).

import { def } from './define.ts';
import type { CommandSpec } from './types.ts';
import { crossSumKeys, runOnAllShards } from '../router/cross.ts';
import { intValue } from '../proto/reply_reader.ts';

const del: CommandSpec = def('del', {
  arity: -2, flags: ['write'], keys: [1, -1, 1], acl: ['@keyspace', '@write', '@slow'], group: 'generic', summary: 'Delete a key', since: '1.0.0', complexity: 'O(N)',
  handler(c, argv) {
    let n = 0;
    for (let i = 1; i < argv.length; i++) if (c.ks.deleteLive(c.db, argv[i])) n++;
    c.out.int(n);
  },
  cross: crossSumKeys(() => del),
});

export const keyspaceCommands: CommandSpec[] = [
  del,
  def('dbsize', {
    arity: 1, flags: ['readonly', 'fast'], acl: ['@keyspace', '@read', '@fast'], group: 'server', summary: 'Return the number of keys in the selected database', since: '1.0.0', complexity: 'O(1)', route: 'all',
    handler(c) { c.out.int(c.ks.size(c.db)); },
    async cross(client, argv) {
      const parts = await runOnAllShards(client, [argv], 'all');
      let n = 0;
      for (const p of parts) n += intValue(p[0]);
      client.out().int(n);
    },
  }),
];
