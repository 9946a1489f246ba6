// Per-thread slow log and latency monitor (Redis's slowlog.c / latency.c).
// Each server thread records the commands it executed; SLOWLOG and LATENCY
// merge the threads' records (slow log entries by their global id, latency
// samples by time).

/** Redis's SLOWLOG_ENTRY_MAX_ARGC / SLOWLOG_ENTRY_MAX_STRING. */
const MAX_ARGC = 32;
const MAX_STRING = 128;
/** Samples kept per latency event (LATENCY_TS_LEN). */
const LATENCY_TS_LEN = 160;

export interface SlowEntry {
  id: number;
  /** Unix time in seconds. */
  time: number;
  /** Duration in microseconds. */
  us: number;
  argv: string[];
  /** Client address and name; addr is '' when the client lives on thread `from` (resolved at SLOWLOG GET). */
  addr: string;
  name: string;
  from: number;
  clientId: number;
}

/** Trim a command line the way Redis stores it in a slow log entry. */
export function slowlogArgv(argv: string[]): string[] {
  const argc = argv.length > MAX_ARGC ? MAX_ARGC : argv.length;
  const out: string[] = new Array(argc);
  for (let j = 0; j < argc; j++) {
    if (argc !== argv.length && j === argc - 1) {
      out[j] = `... (${argv.length - argc + 1} more arguments)`;
      continue;
    }
    const a = argv[j];
    out[j] = a.length > MAX_STRING ? `${a.slice(0, MAX_STRING)}... (${a.length - MAX_STRING} more bytes)` : a;
  }
  return out;
}

export class SlowLog {
  /** Oldest first. */
  entries: SlowEntry[] = [];

  add(e: SlowEntry, maxLen: number): void {
    if (maxLen <= 0) {
      this.entries.length = 0;
      return;
    }
    this.entries.push(e);
    if (this.entries.length > maxLen) this.entries.splice(0, this.entries.length - maxLen);
  }

  trim(maxLen: number): void {
    if (this.entries.length > maxLen) this.entries.splice(0, this.entries.length - Math.max(0, maxLen));
  }

  reset(): void {
    this.entries = [];
  }
}

export interface LatencySample {
  /** Unix time in seconds. */
  time: number;
  /** Milliseconds. */
  latency: number;
}

export interface LatencySeries {
  /** Oldest first, at most one sample per second (the largest). */
  samples: LatencySample[];
  /** All-time maximum (ms). */
  max: number;
}

export class LatencyMonitor {
  readonly events = new Map<string, LatencySeries>();

  add(event: string, ms: number): void {
    const now = Math.floor(Date.now() / 1000);
    let ts = this.events.get(event);
    if (ts === undefined) {
      ts = { samples: [], max: 0 };
      this.events.set(event, ts);
    }
    if (ms > ts.max) ts.max = ms;
    const last = ts.samples.length > 0 ? ts.samples[ts.samples.length - 1] : undefined;
    if (last !== undefined && last.time === now) {
      if (ms > last.latency) last.latency = ms;
      return;
    }
    ts.samples.push({ time: now, latency: ms });
    if (ts.samples.length > LATENCY_TS_LEN) ts.samples.shift();
  }

  /** Reset the named events (all when empty); returns how many existed. */
  reset(names: string[]): number {
    if (names.length === 0) {
      const n = this.events.size;
      this.events.clear();
      return n;
    }
    let n = 0;
    for (const e of new Set(names)) if (this.events.delete(e)) n++;
    return n;
  }
}

/** Merge latency series of several threads: samples of the same second keep the largest. */
export function mergeSeries(parts: LatencySeries[]): LatencySeries {
  const byTime = new Map<number, number>();
  let max = 0;
  for (const p of parts) {
    if (p.max > max) max = p.max;
    for (const s of p.samples) {
      const cur = byTime.get(s.time);
      if (cur === undefined || s.latency > cur) byTime.set(s.time, s.latency);
    }
  }
  const samples = [...byTime.entries()].sort((a, b) => a[0] - b[0]).map(([time, latency]) => ({ time, latency }));
  if (samples.length > LATENCY_TS_LEN) samples.splice(0, samples.length - LATENCY_TS_LEN);
  return { samples, max };
}

export { LATENCY_TS_LEN };
