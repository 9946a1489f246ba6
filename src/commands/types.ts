// The shape of the one command table: each command's name, arity, flags, key
// positions, ACL categories, docs, how it is routed and its handler. Dispatch,
// routing, COMMAND INFO/DOCS/GETKEYS and ACL categories all read from it.

import type { Keyspace } from '../shards/keyspace.ts';
import type { ReplyWriter } from '../proto/reply_writer.ts';
import type { ShardThread } from '../shards/shard_thread.ts';
import type { Client } from '../shards/client.ts';

/** What a handler sees while it runs on the thread that owns its keys. */
export interface ExecContext {
  ks: Keyspace;
  db: number;
  out: ReplyWriter;
  thread: ShardThread;
  /** The connection, when the command runs on the connection's own thread (local commands, inline execution). */
  client: Client | null;
}

export type Handler = (c: ExecContext, argv: string[]) => void;

/** Coordinates a command whose keys span shards (or that needs every shard); writes the reply itself. */
export type CrossHandler = (client: Client, argv: string[]) => Promise<void>;

/**
 * Routing:
 *  - 'keys': runs on the shard owning its keys (all on one shard), else through `cross`.
 *  - 'local': keyless, runs on the connection's thread with the client at hand.
 *  - 'all': needs every shard; always through `cross`.
 */
export type Route = 'keys' | 'local' | 'all';

export interface KeySpec {
  first: number;
  last: number;
  step: number;
}

export interface CommandSpec {
  name: string;
  arity: number;
  flags: string[];
  /** Key positions as COMMAND reports them (first, last, step); first 0 = no keys. */
  keys: KeySpec;
  /** Custom key extraction (numkeys style commands); returns argv indexes. */
  getKeys?: (argv: string[]) => number[];
  acl: string[];
  group: string;
  summary: string;
  since: string;
  complexity?: string;
  /** Argument docs for COMMAND DOCS, in Redis's shape (optional). */
  args?: unknown[];
  route: Route;
  handler: Handler;
  cross?: CrossHandler;
  /**
   * For a command that reads keys it does not declare (SORT's BY / GET
   * patterns, scripts that reach undeclared keys): true when a request whose
   * declared keys all live on `shard` (NO_SHARD: it has none) must still run
   * through `cross` (see table.ts shardOf). EXEC asks with shard MULTI_SHARD
   * whether a queued command needs its block to lock every shard.
   */
  crossIf?: (argv: string[], shard: number, shards: number) => boolean;
  /**
   * A handler that ran on a shard for a client of another thread and found it
   * must run again as a cross-shard command (a script that needs the global
   * lock) sets thread.rerun and writes nothing; the shard then runs this,
   * coordinating the transaction itself, and sends the reply it returns. The
   * client's later commands on that shard wait until then. (On the client's
   * own thread `cross` runs instead.)
   */
  rerun?: (thread: ShardThread, db: number, resp: 2 | 3, argv: string[]) => Promise<Buffer>;
  /**
   * A multi-key command whose keys may span shards and that splits into the
   * same command over each shard's keys (MSET, MGET, DEL ...): `span`
   * arguments per key (2 for MSET's key value), and how the parts' replies
   * make the command's reply: 'ok' (+OK, or the first error), 'sum' (the sum
   * of the integers) or 'array' (the elements put back in key order). A
   * pipeline transaction (router/pipeline.ts) runs such a command's parts
   * with the rest of the pipeline.
   */
  split?: { span: 1 | 2; merge: 'ok' | 'sum' | 'array' };
  /**
   * A read that keeps state of its own between calls (the member SCAN
   * sessions, which a call moves on): it must run exactly once per request,
   * so it is never speculated (router/one_trip.ts).
   */
  keepsState?: true;
  /** Container commands (CONFIG, CLIENT, OBJECT, ...): lowercase subcommand name to spec. */
  subcommands?: Map<string, CommandSpec>;
  /** Filled by the table: the 'write' flag, read on the hot path. */
  write?: boolean;
  /** Filled by the table: the 'blocking' flag (client.ts holds later commands while one is in flight). */
  blocking?: boolean;
  /** Filled by the table: may run in a pipeline transaction (router/pipeline.ts; split commands only when split). */
  pipelined?: boolean;
  /**
   * Filled by the table: a pipelined command of the single-key shape: may run
   * in a one-trip batch (router/one_trip.ts).
   */
  oneTrip?: boolean;
  /**
   * Filled by the table: a plain single-key read (oneTrip, the 'readonly'
   * flag, nothing it may write or replicate, no state of its own): may run
   * in a speculative one-trip batch (router/one_trip.ts).
   */
  speculable?: boolean;
  /**
   * Filled by the table: may change the keyspace ('write', 'may_replicate' or
   * 'admin'): running it moves Keyspace.changes (router/one_trip.ts).
   */
  mayChange?: boolean;
  /** Filled by the table: the 'no_auth' flag. */
  noAuth?: boolean;
  /** Filled by the table: index used on the rings and for per-thread stats. */
  id?: number;
  /** Filled by the table: the parent of a subcommand. */
  parent?: CommandSpec;
}

export const NO_KEYS: KeySpec = { first: 0, last: 0, step: 0 };
