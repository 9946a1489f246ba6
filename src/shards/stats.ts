// Per-thread counters behind INFO stats / commandstats / errorstats; the
// connection thread that runs INFO sums them over all threads.

import type { ErrorCounter } from '../proto/reply_writer.ts';

export class CommandStat {
  calls = 0;
  usec = 0;
  rejected = 0;
  failed = 0;
}

export class ThreadStats implements ErrorCounter {
  commands = 0;
  connectionsReceived = 0;
  /** Ring frames from other threads handled here (work this thread did for them: gc.ts watches it). */
  framesIn = 0;
  /** Connections other threads handed to this one (shards/migrate.ts; INFO threads). */
  migratedIn = 0;
  rejectedConnections = 0;
  netInput = 0;
  netOutput = 0;
  errorReplies = 0;
  /**
   * Error replies plus errors counted where they came from (countFailure):
   * a command failed when this moved while it ran. Never reset (only
   * differences are read), and a command that runs others (a script's
   * redis.call) takes back what they added once they are counted, as Redis
   * does with its previous error count.
   */
  failures = 0;
  readonly errors = new Map<string, number>();
  /** By command id (the table's index). */
  readonly perCommand: CommandStat[] = [];
  /** Recent ops/sec samples (instantaneous_ops_per_sec). */
  private opsSamples: number[] = [];
  private lastSampleOps = 0;
  private lastSampleTime = Date.now();

  countError(prefix: string): void {
    this.errorReplies++;
    this.failures++;
    // Redis keeps at most 128 distinct error codes.
    const n = this.errors.get(prefix);
    if (n !== undefined) this.errors.set(prefix, n + 1);
    else if (this.errors.size < 128) this.errors.set(prefix, 1);
  }

  /** An error reply counted already (a script's reply passing on a redis.call's error): its command failed all the same. */
  countFailure(): void {
    this.failures++;
  }

  cmd(id: number): CommandStat {
    let s = this.perCommand[id];
    if (s === undefined) {
      while (this.perCommand.length <= id) this.perCommand.push(new CommandStat());
      s = this.perCommand[id];
    }
    return s;
  }

  sample(): void {
    const now = Date.now();
    const dt = now - this.lastSampleTime;
    if (dt <= 0) return;
    this.opsSamples.push(((this.commands - this.lastSampleOps) * 1000) / dt);
    if (this.opsSamples.length > 16) this.opsSamples.shift();
    this.lastSampleOps = this.commands;
    this.lastSampleTime = now;
  }

  instantaneousOps(): number {
    if (this.opsSamples.length === 0) return 0;
    let s = 0;
    for (const v of this.opsSamples) s += v;
    return Math.round(s / this.opsSamples.length);
  }

  reset(): void {
    this.commands = 0;
    this.connectionsReceived = 0;
    this.migratedIn = 0;
    this.rejectedConnections = 0;
    this.netInput = 0;
    this.netOutput = 0;
    this.errorReplies = 0;
    this.errors.clear();
    this.perCommand.length = 0;
    this.opsSamples = [];
    this.lastSampleOps = 0;
  }
}
