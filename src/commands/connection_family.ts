// Connection commands (PING, ECHO, SELECT, QUIT, HELLO, AUTH, CLIENT, RESET).

import { def } from './define.ts';
import type { CommandSpec } from './types.ts';

export const connectionCommands: CommandSpec[] = [
  def('ping', {
    arity: -1, flags: ['fast'], acl: ['@fast', '@connection'], group: 'connection', summary: 'Ping the server', since: '1.0.0', complexity: 'O(1)',
    handler(c, argv) {
      if (argv.length > 2) c.out.error("ERR wrong number of arguments for 'ping' command");
      else if (argv.length === 2) c.out.bulk(argv[1]);
      else c.out.simple('PONG');
    },
  }),
  def('echo', { arity: 2, flags: ['fast'], acl: ['@fast', '@connection'], group: 'connection', summary: 'Echo the given string', since: '1.0.0', complexity: 'O(1)', handler(c, argv) { c.out.bulk(argv[1]); } }),
  def('quit', {
    arity: -1, flags: ['noscript', 'loading', 'stale', 'fast', 'no-auth', 'allow-busy'], acl: ['@fast', '@connection'], group: 'connection', summary: 'Close the connection', since: '1.0.0', complexity: 'O(1)',
    handler(c) { c.out.ok(); c.client!.closeAfterReply = true; },
  }),
];
