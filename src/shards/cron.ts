// KEYDB.CRON jobs. A job is a value of type 'cron' stored under its name (so
// it lives, moves and is deleted like any key); the shard that owns the name
// keeps a schedule of its jobs and, when one is due, runs the job's script
// with EVAL through an internal connection of this thread (full routing:
// keys on other shards work as for any client), in the job's database.
// A single-shot job's key is deleted when it runs; a repeating job moves to
// its next time (skipping intervals that are already in the past), as KeyDB
// does.

import type { Socket } from 'node:net';
import type { TypedValue } from './keyspace.ts';
import type { ShardThread } from './shard_thread.ts';
import { Client } from './client.ts';
import { CTRL_CLIENT_ID } from '../control.ts';
import { registerValueCodec, ValueCodecError } from './value_codec.ts';

export class CronJob implements TypedValue {
  readonly type = 'cron' as const;
  script: string;
  /** ms between runs. */
  interval: number;
  /** Base time (ms): the next run is at startTime + interval. */
  startTime: number;
  keys: string[];
  args: string[];
  single: boolean;

  constructor(script: string, interval: number, startTime: number, keys: string[], args: string[], single: boolean) {
    this.script = script;
    this.interval = interval;
    this.startTime = startTime;
    this.keys = keys;
    this.args = args;
    this.single = single;
  }

  get nextRun(): number {
    return this.startTime + this.interval;
  }

  encoding(): string {
    return 'raw';
  }

  memoryUsage(): number {
    let n = 64 + this.script.length;
    for (const k of this.keys) n += 24 + k.length;
    for (const a of this.args) n += 24 + a.length;
    return n;
  }
}

registerValueCodec('cron', {
  encode(v) {
    const j = v as unknown as CronJob;
    return JSON.stringify([j.script, j.interval, j.startTime, j.keys, j.args, j.single]);
  },
  decode(body) {
    try {
      const [script, interval, startTime, keys, args, single] = JSON.parse(body) as [string, number, number, string[], string[], boolean];
      return new CronJob(script, interval, startTime, keys, args, single) as unknown as TypedValue;
    } catch {
      throw new ValueCodecError('bad cron payload');
    }
  },
});

function encodeCommand(argv: string[]): Buffer {
  let s = `*${argv.length}\r\n`;
  for (const a of argv) s += `$${a.length}\r\n${a}\r\n`;
  return Buffer.from(s, 'latin1');
}

/** The jobs a shard owns, and the timer that runs them. */
export class CronTable {
  private readonly thread: ShardThread;
  /** db + '\0' + name -> the job object scheduled under it. */
  private readonly jobs = new Map<string, CronJob>();
  private timer: NodeJS.Timeout | null = null;
  private runner: Client | null = null;

  constructor(thread: ShardThread) {
    this.thread = thread;
  }

  schedule(db: number, name: string, job: CronJob): void {
    this.jobs.set(db + '\0' + name, job);
    if (this.timer === null) {
      this.timer = setInterval(() => this.tick(), 10);
      this.timer.unref();
    }
  }

  private tick(): void {
    const now = Date.now();
    for (const [id, job] of this.jobs) {
      const sep = id.indexOf('\0');
      const db = Number(id.slice(0, sep));
      const name = id.slice(sep + 1);
      // The job runs only while its key still holds it (DEL, overwrite, RENAME, FLUSHDB cancel it).
      const d = this.thread.ks.dbs[db];
      if (d === undefined || d.dict.get(name) !== (job as unknown)) {
        this.jobs.delete(id);
        continue;
      }
      if (job.nextRun > now) continue;
      if (job.single) {
        this.thread.ks.delete(db, name);
        this.jobs.delete(id);
      } else {
        job.startTime += job.interval;
        if (job.startTime < now) job.startTime += job.interval * (Math.floor((now - job.startTime) / job.interval) + 1);
      }
      this.run(db, job);
    }
    if (this.jobs.size === 0 && this.timer !== null) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  /** EVAL the job's script through this thread's internal connection (replies are discarded). */
  private run(db: number, job: CronJob): void {
    if (this.runner === null) {
      const sink = { write: () => true, end() {}, destroy() {}, remoteAddress: '127.0.0.1', remotePort: 0, localAddress: '127.0.0.1', localPort: 0 } as unknown as Socket;
      const ctrl = this.thread.ctrl;
      const id = ctrl !== null ? Atomics.add(ctrl, CTRL_CLIENT_ID, 1) + 1 : 0;
      this.runner = new Client(id, this.thread, sink, true);
      this.runner.name = 'keydb.cron';
      // Replies of the commands it sends to other shards come back by client id.
      this.thread.internalClients.set(id, this.runner);
    }
    const argv = ['EVAL', job.script, String(job.keys.length), ...job.keys, ...job.args];
    this.runner.onData(Buffer.concat([encodeCommand(['SELECT', String(db)]), encodeCommand(argv)]));
  }
}
