// One client connection: reads requests, dispatches each through the command
// table, and keeps the client's order across shards (invariant 2): commands
// for one remote shard are pipelined; a command for any other place waits
// until the replies in flight are back. Replies are written in request order.

import type { Socket } from 'node:net';
import { RequestParser } from '../proto/request_parser.ts';
import { lookupCommand, shardOf, MULTI_SHARD, NO_SHARD } from '../commands/table.ts';
import type { CommandSpec } from '../commands/types.ts';
import type { ShardThread } from './shard_thread.ts';
import { ReplyWriter } from '../proto/reply_writer.ts';

/** Sink for replies of a command whose reply is switched off. */
const DISCARD = new ReplyWriter();


/** Held reply bytes are written anyway beyond this size. */
const HOLD_LIMIT = 256 * 1024;
const EMPTY_BUF = Buffer.alloc(0);

const WAIT_NONE = 0;
const WAIT_CROSS = 1; // a cross-shard command is running
const WAIT_LOCK = 2; // an inline command waits for a transaction's lock

export class Client {
  readonly id: number;
  readonly thread: ShardThread;
  readonly socket: Socket;
  readonly parser = new RequestParser();
  readonly createdAt = Date.now();
  lastInteraction = Date.now();
  name = '';
  libName = '';
  libVer = '';
  db = 0;
  resp: 2 | 3 = 2;
  authenticated: boolean;
  closed = false;
  closeAfterReply = false;
  lastCommand = 'NULL';
  readonly addr: string;
  readonly laddr: string;
  readonly isUnix: boolean;

  /** Commands sent to `inflightShard` whose replies have not come back. */
  private inflight = 0;
  private inflightShard = -1;
  private waitState = WAIT_NONE;
  /** A parsed command that could not run yet (ordering); it runs first on resume. */
  private stalled: string[] | null = null;

  constructor(id: number, thread: ShardThread, socket: Socket, authenticated: boolean) {
    this.id = id;
    this.thread = thread;
    this.socket = socket;
    this.authenticated = authenticated;
    this.parser.authenticated = authenticated;
    this.isUnix = socket.remoteAddress === undefined;
    this.addr = this.isUnix ? '/unixsocket:0' : fmtAddr(socket.remoteAddress!, socket.remotePort!);
    this.laddr = this.isUnix ? '/unixsocket:0' : fmtAddr(socket.localAddress!, socket.localPort!);
  }

  onData(chunk: Buffer): void {
    this.thread.stats.netInput += chunk.length;
    this.lastInteraction = Date.now();
    this.parser.feed(chunk);
    this.process();
    this.thread.endBatch();
    if (this.held !== null && this.inflight === 0 && this.waitState === WAIT_NONE) this.write(EMPTY_BUF);
  }

  /**
   * Reply bytes for the socket. While commands are still running elsewhere
   * (replies in flight, a cross-shard command) the bytes are held, so a
   * pipelined batch goes out in one write instead of one per shard switch.
   */
  write(b: Buffer): void {
    if (this.closed) return;
    const idle = this.inflight === 0 && this.waitState === WAIT_NONE;
    if (!idle || this.held !== null) {
      if (this.held === null) this.held = [];
      if (b.length > 0) this.held.push(b);
      this.heldBytes += b.length;
      if (!idle && this.heldBytes < HOLD_LIMIT) return;
      b = this.held.length === 1 ? this.held[0] : Buffer.concat(this.held, this.heldBytes);
      this.held = null;
      this.heldBytes = 0;
    }
    if (b.length > 0) this.socket.write(b);
    if (this.closeAfterReply && idle) this.close();
  }

  private held: Buffer[] | null = null;
  private heldBytes = 0;

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.end();
  }

  /** Run queued requests until the input is used up or the client must wait. */
  process(): void {
    while (!this.closed && this.waitState === WAIT_NONE && !this.closeAfterReply) {
      let argv = this.stalled;
      if (argv !== null) this.stalled = null;
      else {
        argv = this.parser.next();
        if (argv === null) {
          if (this.parser.error !== null && this.inflight === 0) this.protocolError(this.parser.error);
          return;
        }
      }
      if (!this.dispatch(argv)) {
        this.stalled = argv;
        return;
      }
    }
  }

  private protocolError(msg: string): void {
    if (msg !== '') this.thread.outFor(this).error(msg);
    this.closeAfterReply = true;
    this.thread.seal();
    this.close();
  }

  /** False when the command has to wait for replies in flight on another shard. */
  private dispatch(argv: string[]): boolean {
    const thread = this.thread;
    let spec = lookupCommand(argv[0]);
    if (spec !== undefined && spec.subcommands !== undefined && argv.length >= 2) {
      const sub = spec.subcommands.get(argv[1].toLowerCase());
      if (sub === undefined) return this.reject(null, `ERR unknown subcommand '${trunc(argv[1])}'. Try ${spec.name.toUpperCase()} HELP.`);
      spec = sub;
    }
    if (spec === undefined) {
      let args = '';
      for (let i = 1; i < argv.length && args.length < 128; i++) args += `'${argv[i].slice(0, 128 - args.length)}' `;
      return this.reject(null, `ERR unknown command '${trunc(argv[0])}', with args beginning with: ${args}`);
    }
    if ((spec.arity > 0 && argv.length !== spec.arity) || argv.length < -spec.arity) {
      return this.reject(spec, `ERR wrong number of arguments for '${fullName(spec)}' command`);
    }
    if (!this.authenticated && !spec.flags.includes('no-auth')) return this.reject(spec, 'NOAUTH Authentication required.');

    const discard = this.discardThis();
    if (spec.route === 'keys') {
      const shard = shardOf(spec, argv, thread.threads);
      if (shard >= 0) {
        if (this.inflight !== 0 && shard !== this.inflightShard) return false;
        this.lastCommand = fullName(spec);
        if (shard === thread.index) {
          const mark = this.markReply();
          if (!thread.execLocal(this, spec, argv)) {
            this.waitState = WAIT_LOCK;
            return true;
          }
          this.afterReply(mark);
        } else {
          thread.sendCommand(this, shard, spec, argv, discard);
          this.inflight++;
          this.inflightShard = shard;
          this.afterRemoteSend();
        }
        return true;
      }
      if (shard === MULTI_SHARD) return this.runCross(spec, argv);
      // NO_SHARD: no key present (optional keys); runs here.
    }
    if (this.inflight !== 0) return false;
    this.lastCommand = fullName(spec);
    if (spec.route === 'all') return this.runCross(spec, argv);
    const mark = this.markReply();
    thread.execClientCommand(this, spec, argv);
    this.afterReply(mark);
    return true;
  }

  private reject(spec: CommandSpec | null, msg: string): boolean {
    if (this.inflight !== 0) return false;
    if (spec !== null) this.thread.stats.cmd(spec.id!).rejected++;
    const mark = this.markReply();
    this.thread.outFor(this).error(msg);
    this.afterReply(mark);
    return true;
  }

  private runCross(spec: CommandSpec, argv: string[]): boolean {
    if (this.inflight !== 0) return false;
    this.waitState = WAIT_CROSS;
    this.crossDiscard = this.discardThis();
    this.nextReplyMode();
    spec.cross!(this, argv).then(this.crossDone, (err: unknown) => {
      this.out().error('ERR internal error: ' + String((err as Error)?.message ?? err));
      this.crossDone();
    });
    return true;
  }

  private crossDiscard = false;

  /** Where a cross-shard command writes its reply. */
  out(): ReplyWriter {
    return this.crossDiscard ? DISCARD : this.thread.outFor(this);
  }

  private readonly crossDone = (): void => {
    if (this.crossDiscard) DISCARD.reset();
    this.crossDiscard = false;
    this.waitState = WAIT_NONE;
    this.resume();
  };

  // CLIENT REPLY OFF / SKIP: the reply of a command is produced, then dropped.
  replyOff = false;
  skipNext = false;
  private skipThis = false;

  private discardThis(): boolean {
    return this.replyOff || this.skipThis;
  }

  private nextReplyMode(): void {
    this.skipThis = this.skipNext;
    this.skipNext = false;
  }

  private markReply(): number {
    return this.discardThis() ? this.thread.outFor(this).len : -1;
  }

  private afterReply(mark: number): void {
    if (mark >= 0) {
      const out = this.thread.outFor(this);
      if (out.len >= mark) out.len = mark;
    }
    this.nextReplyMode();
  }

  private afterRemoteSend(): void {
    this.nextReplyMode();
  }

  /** A reply from the shard the last commands went to. */
  remoteReply(payload: Buffer, start: number, end: number): void {
    if (end > start) this.thread.outFor(this).raw(payload, start, end);
    if (--this.inflight === 0) {
      this.inflightShard = -1;
      this.resume();
    }
  }

  /** The lock an inline command waited for was granted and the command ran. */
  lockGranted(): void {
    this.waitState = WAIT_NONE;
    this.resume();
  }

  resume(): void {
    if (this.closed) return;
    if (this.closeAfterReply && this.inflight === 0 && this.waitState === WAIT_NONE) {
      this.thread.seal();
      this.close();
      return;
    }
    this.process();
    this.thread.endBatch();
    if (this.held !== null && this.inflight === 0 && this.waitState === WAIT_NONE) this.write(EMPTY_BUF);
  }

  /** Commands still running for this client (CLIENT LIST's qbuf / multi figures). */
  get pendingQuery(): number {
    return this.parser.pendingBytes;
  }
}

function trunc(s: string): string {
  return s.length > 128 ? s.slice(0, 128) : s;
}

export function fullName(spec: CommandSpec): string {
  return spec.parent !== undefined ? spec.parent.name + '|' + spec.name : spec.name;
}

function fmtAddr(ip: string, port: number): string {
  if (ip.startsWith('::ffff:')) ip = ip.slice(7);
  return `${ip}:${port}`;
}

export { NO_SHARD };
