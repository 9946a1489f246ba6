// Connection commands: PING ECHO QUIT SELECT AUTH HELLO RESET, the CLIENT
// container (client_family.ts) and MONITOR.

import { def } from './define.ts';
import type { CommandSpec, ExecContext } from './types.ts';
import type { Client } from '../shards/client.ts';
import type { ShardThread } from '../shards/shard_thread.ts';
import { parseI64 } from '../proto/number_format.ts';
import { SERVER_VERSION } from '../version.ts';
import { addMonitor, removeMonitor } from '../shards/monitor.ts';
import { clientCommand, clientInternalCommands, validClientName } from './client_family.ts';

const REDACTED = '(redacted)';
const ERR_WRONGPASS = 'WRONGPASS invalid username-password pair or user is disabled.';

/**
 * Check a user's password. Until ACL users exist the only user is "default",
 * whose password is `requirepass` (none: any password is accepted, as for a
 * nopass user). The ACL subsystem replaces this through setCredentialCheck.
 */
let credentialCheck = (thread: ShardThread, user: string, pass: string): boolean => {
  if (user !== 'default') return false;
  const rp = thread.config.str('requirepass');
  return rp === '' || pass === rp;
};

export function setCredentialCheck(fn: (thread: ShardThread, user: string, pass: string) => boolean): void {
  credentialCheck = fn;
}

/** Does the default user have a password (requirepass)? */
function defaultUserHasPassword(thread: ShardThread): boolean {
  return thread.config.str('requirepass') !== '';
}

/** ACLAuthenticateUser: on success the client is authenticated as `user`. */
function authenticate(client: Client, user: string, pass: string): boolean {
  if (!credentialCheck(client.thread, user, pass)) return false;
  client.authenticated = true;
  client.user = user;
  client.parser.authenticated = true;
  return true;
}

/** Work RESET does for other subsystems (MULTI discards, Pub/Sub unsubscribes, ...), run in order. */
export const resetHooks: ((c: Client) => void)[] = [];

function ping(c: ExecContext, argv: string[]): void {
  if (argv.length > 2) {
    c.out.error("ERR wrong number of arguments for 'ping' command");
    return;
  }
  const client = c.client;
  // A RESP2 subscriber gets PING's answer in the Pub/Sub message shape.
  if (client !== null && client.resp === 2 && client.sub + client.psub + client.ssub > 0) {
    c.out.array(2);
    c.out.bulk('pong');
    c.out.bulk(argv.length === 2 ? argv[1] : '');
    return;
  }
  if (argv.length === 2) c.out.bulk(argv[1]);
  else c.out.simple('PONG');
}

function select(c: ExecContext, argv: string[]): void {
  const v = parseI64(argv[1]);
  if (v === null) {
    c.out.error('ERR value is not an integer or out of range');
    return;
  }
  if (typeof v !== 'number' || v < -2147483648 || v > 2147483647) {
    c.out.error('ERR value is out of range, value must between -2147483648 and 2147483647');
    return;
  }
  if (v < 0 || v >= c.ks.dbs.length) {
    c.out.error('ERR DB index is out of range');
    return;
  }
  c.client!.db = v;
  c.db = v;
  c.out.ok();
}

function auth(c: ExecContext, argv: string[]): void {
  if (argv.length > 3) {
    c.out.error('ERR syntax error');
    return;
  }
  const client = c.client!;
  // The password (and user) never reach MONITOR or the slow log.
  let user = 'default';
  let pass: string;
  if (argv.length === 2) {
    pass = argv[1];
    argv[1] = REDACTED;
    if (!defaultUserHasPassword(c.thread)) {
      c.out.error('ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?');
      return;
    }
  } else {
    user = argv[1];
    pass = argv[2];
    argv[1] = REDACTED;
    argv[2] = REDACTED;
  }
  if (authenticate(client, user, pass)) c.out.ok();
  else c.out.error(ERR_WRONGPASS);
}

function hello(c: ExecContext, argv: string[]): void {
  const client = c.client!;
  let ver = 0;
  if (argv.length >= 2) {
    const v = parseI64(argv[1]);
    if (v === null) {
      c.out.error('ERR Protocol version is not an integer or out of range');
      return;
    }
    if (v < 2 || v > 3) {
      c.out.error('NOPROTO unsupported protocol version');
      return;
    }
    ver = Number(v);
  }
  for (let j = 2; j < argv.length; j++) {
    const moreargs = argv.length - 1 - j;
    const opt = argv[j].toLowerCase();
    if (opt === 'auth' && moreargs >= 2) {
      const user = argv[j + 1];
      const pass = argv[j + 2];
      argv[j + 1] = REDACTED;
      argv[j + 2] = REDACTED;
      if (!authenticate(client, user, pass)) {
        c.out.error(ERR_WRONGPASS);
        return;
      }
      j += 2;
    } else if (opt === 'setname' && moreargs >= 1) {
      const name = argv[j + 1];
      if (!validClientName(name)) {
        c.out.error('ERR Client names cannot contain spaces, newlines or special characters.');
        return;
      }
      client.name = name;
      j++;
    } else {
      c.out.error(`ERR Syntax error in HELLO option '${argv[j]}'`);
      return;
    }
  }
  if (client.authRequired()) {
    c.out.error(
      'NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time',
    );
    return;
  }
  if (ver !== 0) {
    client.resp = ver as 2 | 3;
    c.out.resp = client.resp;
  }
  const out = c.out;
  out.map(7);
  out.bulk('server');
  out.bulk('redis');
  out.bulk('version');
  out.bulk(SERVER_VERSION);
  out.bulk('proto');
  out.int(client.resp);
  out.bulk('id');
  out.int(client.id);
  out.bulk('mode');
  out.bulk('standalone');
  out.bulk('role');
  // Replication is not supported yet: this server is always a master.
  out.bulk('master');
  out.bulk('modules');
  out.array(0);
}

function reset(c: ExecContext): void {
  const client = c.client!;
  if (client.isReplica || client.isMaster) {
    c.out.error('ERR can only reset normal client connections');
    return;
  }
  if (client.monitor) removeMonitor(c.thread, client);
  client.db = 0;
  c.db = 0;
  client.resp = 2;
  c.out.resp = 2;
  client.user = 'default';
  client.authenticated = !defaultUserHasPassword(c.thread);
  client.parser.authenticated = client.authenticated;
  for (const h of resetHooks) h(client);
  client.name = '';
  client.setReplyMode('reset');
  c.out.simple('RESET');
}

const CONN_FAST = ['@fast', '@connection'];
const NO_AUTH_FLAGS = ['noscript', 'loading', 'stale', 'fast', 'no-auth', 'allow-busy'];

export const connectionCommands: CommandSpec[] = [
  def('ping', { arity: -1, flags: ['fast'], acl: CONN_FAST, group: 'connection', summary: 'Ping the server', since: '1.0.0', complexity: 'O(1)', handler: ping }),
  def('echo', {
    arity: 2, flags: ['loading', 'stale', 'fast'], acl: CONN_FAST, group: 'connection', summary: 'Echo the given string', since: '1.0.0', complexity: 'O(1)',
    handler(c, argv) {
      c.out.bulk(argv[1]);
    },
  }),
  def('quit', {
    arity: -1, flags: NO_AUTH_FLAGS, acl: CONN_FAST, group: 'connection', summary: 'Close the connection', since: '1.0.0', complexity: 'O(1)',
    handler(c) {
      c.out.ok();
      c.client!.closeAfterReply = true;
    },
  }),
  def('select', { arity: 2, flags: ['loading', 'stale', 'fast'], acl: CONN_FAST, group: 'connection', summary: 'Change the selected database for the current connection', since: '1.0.0', complexity: 'O(1)', handler: select }),
  def('auth', { arity: -2, flags: NO_AUTH_FLAGS, acl: CONN_FAST, group: 'connection', summary: 'Authenticate to the server', since: '1.0.0', complexity: 'O(N) where N is the number of passwords defined for the user', handler: auth }),
  def('hello', { arity: -1, flags: NO_AUTH_FLAGS, acl: CONN_FAST, group: 'connection', summary: 'Handshake with Redis', since: '6.0.0', complexity: 'O(1)', handler: hello }),
  def('reset', { arity: 1, flags: NO_AUTH_FLAGS, acl: CONN_FAST, group: 'connection', summary: 'Reset the connection', since: '6.2.0', complexity: 'O(1)', handler: reset }),
  def('monitor', {
    arity: 1, flags: ['admin', 'noscript', 'loading', 'stale'], acl: ['@admin', '@slow', '@dangerous'], group: 'server', summary: 'Listen for all requests received by the server in real time', since: '1.0.0',
    handler(c) {
      const client = c.client!;
      // Already a monitor or a replica: Redis ignores the command without a reply.
      if (client.replicaLike) return;
      addMonitor(c.thread, client);
      c.out.ok();
    },
  }),
  clientCommand,
  ...clientInternalCommands,
];
