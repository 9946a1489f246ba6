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
  /** Reads from client sockets that brought bytes, and writes of replies to them (total_reads/writes_processed). */
  reads = 0;
  writes = 0;
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
  /**
   * The last SAMPLES per-second rates of commands, bytes read and bytes
   * written, taken every 100 ms (sample()), as Redis's
   * trackInstantaneousMetric: INFO shows their mean over all SAMPLES slots
   * (instantaneous_ops_per_sec, _input_kbps, _output_kbps).
   */
  private readonly opsRates = new Float64Array(SAMPLES);
  private readonly inRates = new Float64Array(SAMPLES);
  private readonly outRates = new Float64Array(SAMPLES);
  private sampleAt = 0;
  private lastOps = 0;
  private lastIn = 0;
  private lastOut = 0;
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
    const i = this.sampleAt;
    this.opsRates[i] = Math.floor(((this.commands - this.lastOps) * 1000) / dt);
    this.inRates[i] = Math.floor(((this.netInput - this.lastIn) * 1000) / dt);
    this.outRates[i] = Math.floor(((this.netOutput - this.lastOut) * 1000) / dt);
    this.sampleAt = (i + 1) % SAMPLES;
    this.lastOps = this.commands;
    this.lastIn = this.netInput;
    this.lastOut = this.netOutput;
    this.lastSampleTime = now;
  }

  instantaneousOps(): number {
    return Math.floor(mean(this.opsRates));
  }

  /** Bytes read from clients per second, in KB (instantaneous_input_kbps). */
  inputKbps(): number {
    return Math.floor(mean(this.inRates)) / 1024;
  }

  outputKbps(): number {
    return Math.floor(mean(this.outRates)) / 1024;
  }

  reset(): void {
    this.commands = 0;
    this.connectionsReceived = 0;
    this.migratedIn = 0;
    this.rejectedConnections = 0;
    this.netInput = 0;
    this.netOutput = 0;
    this.reads = 0;
    this.writes = 0;
    this.errorReplies = 0;
    this.errors.clear();
    this.perCommand.length = 0;
    this.opsRates.fill(0);
    this.inRates.fill(0);
    this.outRates.fill(0);
    this.sampleAt = 0;
    this.lastOps = 0;
    this.lastIn = 0;
    this.lastOut = 0;
    this.lastSampleTime = Date.now();
  }
}

/** Rate samples kept for the instantaneous figures (Redis's STATS_METRIC_SAMPLES). */
const SAMPLES = 16;

function mean(a: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s / a.length;
}
