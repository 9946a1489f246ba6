// CLIENT subcommands (networking.c clientCommand): ID SETNAME GETNAME LIST
// INFO KILL REPLY NO-EVICT PAUSE UNPAUSE UNBLOCK HELP GETREDIR.
//
// Clients live on the thread that accepted them (or the one they moved to:
// shards/migrate.ts), so the subcommands that look at other clients (LIST,
// KILL, UNBLOCK) and the pause (PAUSE, UNPAUSE) run an internal command on
// every thread (runOnAllShards) and merge the answers; LIST and KILL so that
// a connection moving meanwhile is met once (settledClients). UNBLOCK needs
// not: a blocked client does not move.

import { def } from './define.ts';
import { subcommandSyntaxErrorText } from './help.ts';
import type { CommandSpec, ExecContext } from './types.ts';
import type { Client } from '../shards/client.ts';
import { runOnAllShards } from '../router/cross.ts';
import { arrayElements, intValue, stringValue } from '../proto/reply_reader.ts';
import { parseI64 } from '../proto/number_format.ts';
import { setPause, unpause, PAUSE_ALL, PAUSE_WRITE } from '../shards/pause.ts';
import { socketFd } from '../shards/conn_socket.ts';
import { settledClients } from '../shards/migrate.ts';

const ERR_SYNTAX = 'ERR syntax error';
const ERR_NOT_INT = 'ERR value is not an integer or out of range';
const ERR_NAME = 'ERR Client names cannot contain spaces, newlines or special characters.';

/** Per-connection memory outside the buffers (socket, parser, client object): an estimate for tot-mem. */
const CLIENT_BASE_MEM = 4096;

/** Redis's name check: printable ASCII without spaces ('!' .. '~'); '' clears the name. */
export function validClientName(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

/** getClientTypeByName: the canonical type, or '' when unknown. */
function clientTypeByName(s: string): string {
  switch (s.toLowerCase()) {
    case 'normal':
      return 'normal';
    case 'slave':
    case 'replica':
      return 'replica';
    case 'pubsub':
      return 'pubsub';
    case 'master':
      return 'master';
    default:
      return '';
  }
}

/** getClientType: monitors count as normal clients. */
function clientType(c: Client): string {
  if (c.isMaster) return 'master';
  if (c.isReplica && !c.monitor) return 'replica';
  if (c.sub + c.psub + c.ssub > 0) return 'pubsub';
  return 'normal';
}

function argvLen(argv: string[] | null): number {
  if (argv === null) return 0;
  let n = 0;
  for (let i = 0; i < argv.length; i++) n += argv[i].length;
  return n;
}

function bufferedWrites(c: Client): number {
  const st = (c.socket as unknown as { _writableState?: { getBuffer?: () => unknown[] } })._writableState;
  return st !== undefined && typeof st.getBuffer === 'function' ? st.getBuffer().length : 0;
}

/**
 * One CLIENT LIST / CLIENT INFO line with Redis 7.0's fields. `argvMem` is the
 * size of the arguments of the command being executed (the caller's own
 * CLIENT command), or -1 to use the client's waiting command.
 */
export function clientInfoLine(c: Client, argvMem: number): string {
  const nowSec = Math.floor(Date.now() / 1000);
  let flags = '';
  if (c.monitor) flags += 'O';
  else if (c.isReplica) flags += 'S';
  if (c.isMaster) flags += 'M';
  if (c.sub + c.psub + c.ssub > 0) flags += 'P';
  if (c.multi !== null) flags += 'x';
  if (c.blocked !== null || c.pausedNow) flags += 'b';
  if (c.closeAfterReply) flags += 'c';
  if (c.isUnix) flags += 'U';
  if (c.noEvict) flags += 'e';
  if (flags === '') flags = 'N';
  const argvMemNow = argvMem >= 0 ? argvMem : argvLen(c.stalledArgv);
  const qbuf = c.parser.pendingBytes;
  const rbs = c.parser.bufferSize;
  const obl = c.heldOutput;
  const omem = c.socket.writableLength;
  const oll = bufferedWrites(c);
  // Redis's multi-mem: the queued arguments' bytes plus a pointer per argument.
  let multiMem = 0;
  if (c.multi !== null) for (const q of c.multi) multiMem += argvLen(q.argv) + 8 * q.argv.length;
  const totMem = CLIENT_BASE_MEM + rbs + argvMemNow + multiMem + obl + omem;
  return (
    `id=${c.id} addr=${c.addr} laddr=${c.laddr} fd=${socketFd(c.socket)} name=${c.name}` +
    ` age=${nowSec - Math.floor(c.createdAt / 1000)} idle=${nowSec - Math.floor(c.lastInteraction / 1000)}` +
    ` flags=${flags} db=${c.db} sub=${c.sub} psub=${c.psub} ssub=${c.ssub} multi=${c.multi === null ? -1 : c.multi.length}` +
    ` qbuf=${qbuf} qbuf-free=0 argv-mem=${argvMemNow} multi-mem=${multiMem} rbs=${rbs} rbp=${Math.max(c.readPeak, rbs)}` +
    ` obl=${obl} oll=${oll} omem=${omem} tot-mem=${totMem} events=${obl > 0 || omem > 0 ? 'rw' : 'r'}` +
    ` cmd=${c.lastCommand} user=${c.user} redir=-1 resp=${c.resp}`
  );
}

const HELP = [
  'CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CACHING (YES|NO)',
  '    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.',
  'GETREDIR',
  '    Return the client ID we are redirecting to when tracking is enabled.',
  'GETNAME',
  '    Return the name of the current connection.',
  'ID',
  '    Return the ID of the current connection.',
  'INFO',
  '    Return information about the current client connection.',
  'KILL <ip:port>',
  '    Kill connection made from <ip:port>.',
  'KILL <option> <value> [<option> <value> [...]]',
  '    Kill connections. Options are:',
  '    * ADDR (<ip:port>|<unixsocket>:0)',
  '      Kill connections made from the specified address',
  '    * LADDR (<ip:port>|<unixsocket>:0)',
  '      Kill connections made to specified local address',
  '    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)',
  '      Kill connections by type.',
  '    * USER <username>',
  '      Kill connections authenticated by <username>.',
  '    * SKIPME (YES|NO)',
  '      Skip killing current connection (default: yes).',
  'LIST [options ...]',
  '    Return information about client connections. Options:',
  '    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)',
  '      Return clients of specified type.',
  'UNPAUSE',
  '    Stop the current client pause, resuming traffic.',
  'PAUSE <timeout> [WRITE|ALL]',
  '    Suspend all, or just write, clients for <timeout> milliseconds.',
  'REPLY (ON|OFF|SKIP)',
  '    Control the replies sent to the current connection.',
  'SETNAME <name>',
  '    Assign the name <name> to the current connection.',
  'UNBLOCK <clientid> [TIMEOUT|ERROR]',
  '    Unblock the specified blocked client.',
  'TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]',
  '         [OPTIN] [OPTOUT] [NOLOOP]',
  '    Control server assisted client side caching.',
  'TRACKINGINFO',
  '    Report tracking status for the current connection.',
  'NO-EVICT (ON|OFF)',
  '    Protect current client connection from eviction.',
  'HELP',
  '    Prints this help.',
];

/** ACL users that CLIENT KILL USER accepts; until ACLs exist the only user is "default". */
export let userExists: (name: string) => boolean = (name) => name === 'default';

export function setUserLookup(fn: (name: string) => boolean): void {
  userExists = fn;
}

// ---- CLIENT LIST -----------------------------------------------------------------

async function clientListCross(client: Client, argv: string[]): Promise<void> {
  let type = '';
  let ids: string[] = [];
  if (argv.length === 4 && argv[2].toLowerCase() === 'type') {
    type = clientTypeByName(argv[3]);
    if (type === '') {
      client.out().error(`ERR Unknown client type '${argv[3]}'`);
      return;
    }
  } else if (argv.length > 3 && argv[2].toLowerCase() === 'id') {
    for (let j = 3; j < argv.length; j++) {
      const v = parseI64(argv[j]);
      if (v === null) {
        client.out().error('ERR Invalid client ID');
        return;
      }
      ids.push(String(v));
    }
  } else if (argv.length !== 2) {
    client.out().error(ERR_SYNTAX);
    return;
  }
  const cmd = ['__client_list', String(client.id), String(argvLen(argv)), type, ...ids];
  const byId = new Map<number, string>();
  await settledClients(client.thread.ctrl, async () => {
    byId.clear();
    const parts = await runOnAllShards(client, [cmd], null);
    for (const p of parts) {
      for (const e of arrayElements(p[0])) {
        const line = stringValue(e)!;
        byId.set(Number(line.slice(3, line.indexOf(' '))), line);
      }
    }
  });
  let text = '';
  if (ids.length > 0) {
    for (const id of ids) {
      const line = byId.get(Number(id));
      if (line !== undefined) text += line + '\n';
    }
  } else {
    const sorted = [...byId.keys()].sort((a, b) => a - b);
    for (const id of sorted) text += byId.get(id)! + '\n';
  }
  client.out().verbatim(text);
}

/** __client_list <caller id> <caller argv-mem> <type or ''> [id ...]: this thread's lines. */
function clientListLocal(c: ExecContext, argv: string[]): void {
  const callerId = Number(argv[1]);
  const callerArgvMem = Number(argv[2]);
  const type = argv[3];
  let ids: Set<number> | null = null;
  if (argv.length > 4) {
    ids = new Set();
    for (let i = 4; i < argv.length; i++) ids.add(Number(argv[i]));
  }
  const lines: string[] = [];
  for (const cl of c.thread.clients.values()) {
    if (cl.closed) continue;
    if (type !== '' && clientType(cl) !== type) continue;
    if (ids !== null && !ids.has(cl.id)) continue;
    lines.push(clientInfoLine(cl, cl.id === callerId ? callerArgvMem : -1));
  }
  c.out.array(lines.length);
  for (const l of lines) c.out.bulk(l);
}

// ---- CLIENT KILL -------------------------------------------------------------------

async function clientKillCross(client: Client, argv: string[]): Promise<void> {
  // Internal form: __client_kill <caller id> <skipme 0|1> then filter name/value pairs.
  const filters: string[] = [];
  let skipme = true;
  const oldForm = argv.length === 3;
  if (oldForm) {
    filters.push('addr', argv[2]);
    skipme = false; // the old form may kill the caller itself
  } else {
    for (let i = 2; i < argv.length; i += 2) {
      const opt = argv[i].toLowerCase();
      const moreargs = argv.length > i + 1;
      if (!moreargs) {
        client.out().error(ERR_SYNTAX);
        return;
      }
      const val = argv[i + 1];
      if (opt === 'id') {
        const v = parseI64(val);
        if (v === null || v < 1) {
          client.out().error('ERR client-id should be greater than 0');
          return;
        }
        filters.push('id', String(v));
      } else if (opt === 'type') {
        const t = clientTypeByName(val);
        if (t === '') {
          client.out().error(`ERR Unknown client type '${val}'`);
          return;
        }
        filters.push('type', t);
      } else if (opt === 'addr') filters.push('addr', val);
      else if (opt === 'laddr') filters.push('laddr', val);
      else if (opt === 'user') {
        if (!userExists(val)) {
          client.out().error(`ERR No such user '${val}'`);
          return;
        }
        filters.push('user', val);
      } else if (opt === 'skipme') {
        const v = val.toLowerCase();
        if (v === 'yes') skipme = true;
        else if (v === 'no') skipme = false;
        else {
          client.out().error(ERR_SYNTAX);
          return;
        }
      } else {
        client.out().error(ERR_SYNTAX);
        return;
      }
    }
  }
  const cmd = ['__client_kill', String(client.id), skipme ? '1' : '0', ...filters];
  let killed = 0;
  await settledClients(client.thread.ctrl, async () => {
    const parts = await runOnAllShards(client, [cmd], null);
    for (const p of parts) killed += intValue(p[0]);
  });
  if (oldForm) {
    if (killed === 0) client.out().error('ERR No such client');
    else client.out().ok();
  } else client.out().int(killed);
}

/** __client_kill: kill this thread's matching clients; the caller itself closes after its reply. */
function clientKillLocal(c: ExecContext, argv: string[]): void {
  const callerId = Number(argv[1]);
  const skipme = argv[2] === '1';
  let addr: string | null = null;
  let laddr: string | null = null;
  let type: string | null = null;
  let user: string | null = null;
  let id = 0;
  for (let i = 3; i + 1 < argv.length; i += 2) {
    const v = argv[i + 1];
    switch (argv[i]) {
      case 'addr':
        addr = v;
        break;
      case 'laddr':
        laddr = v;
        break;
      case 'type':
        type = v;
        break;
      case 'user':
        user = v;
        break;
      case 'id':
        id = Number(v);
        break;
    }
  }
  let killed = 0;
  for (const cl of [...c.thread.clients.values()]) {
    if (cl.closed) continue;
    if (addr !== null && cl.addr !== addr) continue;
    if (laddr !== null && cl.laddr !== laddr) continue;
    if (type !== null && clientType(cl) !== type) continue;
    if (id !== 0 && cl.id !== id) continue;
    if (user !== null && cl.user !== user) continue;
    if (cl.id === callerId) {
      // Already marked: by an earlier run of this kill (settledClients), counted there.
      if (skipme || cl.closeAfterReply) continue;
      cl.closeAfterReply = true;
    } else cl.kill();
    killed++;
  }
  c.out.int(killed);
}

// ---- CLIENT UNBLOCK, PAUSE, UNPAUSE ------------------------------------------------

async function clientUnblockCross(client: Client, argv: string[]): Promise<void> {
  if (argv.length > 4) {
    client.out().error(subcommandSyntaxErrorText(argv[0].toUpperCase(), argv[1]));
    return;
  }
  let error = false;
  if (argv.length === 4) {
    const r = argv[3].toLowerCase();
    if (r === 'timeout') error = false;
    else if (r === 'error') error = true;
    else {
      client.out().error('ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR');
      return;
    }
  }
  const id = parseI64(argv[2]);
  if (id === null) {
    client.out().error(ERR_NOT_INT);
    return;
  }
  const parts = await runOnAllShards(client, [['__client_unblock', String(id), error ? '1' : '0']], null);
  let n = 0;
  for (const p of parts) n += intValue(p[0]);
  client.out().int(n);
}

/** __client_unblock <id> <error 0|1>: 1 when the client is on this thread and was blocked by a blocking command. */
function clientUnblockLocal(c: ExecContext, argv: string[]): void {
  const cl = c.thread.clients.get(Number(argv[1]));
  if (cl === undefined || cl.closed || cl.blocked === null) {
    c.out.int(0);
    return;
  }
  cl.blocked.unblock(argv[2] === '1');
  c.thread.endBatch();
  c.out.int(1);
}

const I64_MAX = 9223372036854775807n;

async function clientPauseCross(client: Client, argv: string[]): Promise<void> {
  if (argv.length > 4) {
    client.out().error(subcommandSyntaxErrorText(argv[0].toUpperCase(), argv[1]));
    return;
  }
  let type = PAUSE_ALL;
  if (argv.length === 4) {
    const m = argv[3].toLowerCase();
    if (m === 'write') type = PAUSE_WRITE;
    else if (m === 'all') type = PAUSE_ALL;
    else {
      client.out().error('ERR CLIENT PAUSE mode must be WRITE or ALL');
      return;
    }
  }
  const t = parseI64(argv[2]);
  if (t === null) {
    client.out().error('ERR timeout is not an integer or out of range');
    return;
  }
  if (t < 0) {
    client.out().error('ERR timeout is negative');
    return;
  }
  // Redis 7.0 adds the timeout to the current time in 64 bits: past the limit the sum wraps to
  // a time in the past, which lifts the pause at once.
  const now = Date.now();
  let end = 0;
  if (t > 0) end = BigInt(t) + BigInt(now) > I64_MAX ? -1 : Number(t) + now;
  await runOnAllShards(client, [['__client_pause', String(type), String(end)]], null);
  client.out().ok();
}

async function clientUnpauseCross(client: Client): Promise<void> {
  await runOnAllShards(client, [['__client_unpause']], null);
  client.out().ok();
}

// ---- the table entries ---------------------------------------------------------------

const CONN = ['@slow', '@connection'];
const ADMIN = ['@admin', '@slow', '@dangerous', '@connection'];
const FLAGS = ['noscript', 'loading', 'stale'];
const ADMIN_FLAGS = ['admin', 'noscript', 'loading', 'stale'];
const INTERNAL = { arity: -1, group: 'connection', summary: 'internal', since: '0.0.0' };

export const clientCommand: CommandSpec = def('client', {
  arity: -2, acl: ['@slow'], group: 'connection', summary: 'A container for client connection commands', since: '2.4.0', complexity: 'Depends on subcommand.',
  subcommands: [
    def('id', {
      arity: 2, flags: FLAGS, acl: CONN, group: 'connection', summary: 'Returns the client ID for the current connection', since: '5.0.0', complexity: 'O(1)',
      handler(c) {
        c.out.int(c.client!.id);
      },
    }),
    def('setname', {
      arity: 3, flags: FLAGS, acl: CONN, group: 'connection', summary: 'Set the current connection name', since: '2.6.9', complexity: 'O(1)',
      handler(c, argv) {
        if (!validClientName(argv[2])) {
          c.out.error(ERR_NAME);
          return;
        }
        c.client!.name = argv[2];
        c.out.ok();
      },
    }),
    def('getname', {
      arity: 2, flags: FLAGS, acl: CONN, group: 'connection', summary: 'Get the current connection name', since: '2.6.9', complexity: 'O(1)',
      handler(c) {
        const name = c.client!.name;
        if (name === '') c.out.nullBulk();
        else c.out.bulk(name);
      },
    }),
    def('list', {
      arity: -2, flags: ADMIN_FLAGS, acl: ADMIN, group: 'connection', summary: 'Get the list of client connections', since: '2.4.0', complexity: 'O(N) where N is the number of client connections',
      route: 'all', cross: clientListCross,
    }),
    def('info', {
      arity: 2, flags: FLAGS, acl: CONN, group: 'connection', summary: 'Returns information about the current client connection.', since: '6.2.0', complexity: 'O(1)',
      handler(c, argv) {
        c.out.verbatim(clientInfoLine(c.client!, argvLen(argv)) + '\n');
      },
    }),
    def('kill', {
      arity: -3, flags: ADMIN_FLAGS, acl: ADMIN, group: 'connection', summary: 'Kill the connection of a client', since: '2.4.0', complexity: 'O(N) where N is the number of client connections',
      route: 'all', cross: clientKillCross,
    }),
    def('reply', {
      arity: 3, flags: FLAGS, acl: CONN, group: 'connection', summary: 'Instruct the server whether to reply to commands', since: '3.2.0', complexity: 'O(1)',
      handler(c, argv) {
        const client = c.client!;
        const mode = argv[2].toLowerCase();
        if (mode === 'on') {
          client.setReplyMode('on');
          c.out.ok();
        } else if (mode === 'off') client.setReplyMode('off');
        else if (mode === 'skip') client.setReplyMode('skip');
        else c.out.error(ERR_SYNTAX);
      },
    }),
    def('no-evict', {
      arity: 3, flags: ADMIN_FLAGS, acl: ADMIN, group: 'connection', summary: 'Set client eviction mode for the current connection', since: '7.0.0', complexity: 'O(1)',
      handler(c, argv) {
        const v = argv[2].toLowerCase();
        if (v === 'on') c.client!.noEvict = true;
        else if (v === 'off') c.client!.noEvict = false;
        else {
          c.out.error(ERR_SYNTAX);
          return;
        }
        c.out.ok();
      },
    }),
    def('pause', {
      arity: -3, flags: ADMIN_FLAGS, acl: ADMIN, group: 'connection', summary: 'Stop processing commands from clients for some time', since: '2.9.50', complexity: 'O(1)',
      route: 'all', cross: clientPauseCross,
    }),
    def('unpause', {
      arity: 2, flags: ADMIN_FLAGS, acl: ADMIN, group: 'connection', summary: 'Resume processing of clients that were paused', since: '6.2.0', complexity: 'O(N) Where N is the number of paused clients',
      route: 'all', cross: clientUnpauseCross,
    }),
    def('unblock', {
      arity: -3, flags: ADMIN_FLAGS, acl: ADMIN, group: 'connection', summary: 'Unblock a client blocked in a blocking command from a different connection', since: '5.0.0', complexity: 'O(log N) where N is the number of client connections',
      route: 'all', cross: clientUnblockCross,
    }),
    def('getredir', {
      arity: 2, flags: FLAGS, acl: CONN, group: 'connection', summary: 'Get tracking notifications redirection client ID if any', since: '6.0.0', complexity: 'O(1)',
      handler(c) {
        // Client-side caching (CLIENT TRACKING) is not supported: never redirecting.
        c.out.int(-1);
      },
    }),
    def('help', {
      arity: 2, flags: ['loading', 'stale'], acl: CONN, group: 'connection', summary: 'Show helpful text about the different subcommands', since: '5.0.0', complexity: 'O(1)',
      handler(c) {
        c.out.array(HELP.length);
        for (const l of HELP) c.out.simple(l);
      },
    }),
  ],
});

/** Internal per-thread parts of the cross-thread subcommands. */
export const clientInternalCommands: CommandSpec[] = [
  def('__client_list', { ...INTERNAL, handler: clientListLocal }),
  def('__client_kill', { ...INTERNAL, handler: clientKillLocal }),
  def('__client_unblock', { ...INTERNAL, handler: clientUnblockLocal }),
  def('__client_pause', {
    ...INTERNAL,
    handler(c, argv) {
      setPause(Number(argv[1]), Number(argv[2]));
      c.out.ok();
    },
  }),
  def('__client_unpause', {
    ...INTERNAL,
    handler(c) {
      unpause();
      c.thread.endBatch();
      c.out.ok();
    },
  }),
];
