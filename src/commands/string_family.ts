// String commands (t_string.c).

import { def } from './define.ts';
import type { CommandSpec, ExecContext } from './types.ts';

const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';

function get(c: ExecContext, argv: string[]): void {
  const v = c.ks.read(c.db, argv[1]);
  if (v === undefined) c.out.nullBulk();
  else if (typeof v === 'string') c.out.bulk(v);
  else if (typeof v === 'number') c.out.bulkNumber(v);
  else c.out.error(WRONGTYPE);
}

function set(c: ExecContext, argv: string[]): void {
  c.ks.set(c.db, argv[1], argv[2]);
  c.out.ok();
}

export const stringCommands: CommandSpec[] = [
  def('get', { arity: 2, flags: ['readonly', 'fast'], keys: [1, 1, 1], acl: ['@read', '@string', '@fast'], group: 'string', summary: 'Get the value of a key', since: '1.0.0', complexity: 'O(1)', handler: get }),
  def('set', { arity: -3, flags: ['write', 'denyoom'], keys: [1, 1, 1], acl: ['@write', '@string', '@slow'], group: 'string', summary: 'Set the string value of a key', since: '1.0.0', complexity: 'O(1)', handler: set }),
];
