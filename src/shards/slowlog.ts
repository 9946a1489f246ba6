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

// ---- per-command latency histograms (INFO latencystats, LATENCY HISTOGRAM) ----
// Redis keeps an HdrHistogram per command (1 ns .. 1 s, 2 significant digits);
// this is the same bucket layout, so percentiles come out at the same bucket
// edges: 256 sub-buckets, values in nanoseconds.

const SUB_HALF_MAG = 7;
const SUB_HALF = 1 << SUB_HALF_MAG; // 128
const SUB_MASK = 2 * SUB_HALF - 1; // 255
const HIST_MAX_NS = 1_000_000_000;
const HIST_LEN = 24 * SUB_HALF; // 23 buckets + 1

function countsIndex(v: number): number {
  const pow2ceiling = 32 - Math.clz32(v | SUB_MASK);
  const bucket = pow2ceiling - (SUB_HALF_MAG + 1);
  const sub = v >>> bucket;
  return ((bucket + 1) << SUB_HALF_MAG) + (sub - SUB_HALF);
}

function valueFromIndex(i: number): number {
  let bucket = (i >> SUB_HALF_MAG) - 1;
  let sub = (i & (SUB_HALF - 1)) + SUB_HALF;
  if (bucket < 0) {
    sub -= SUB_HALF;
    bucket = 0;
  }
  return sub * 2 ** bucket;
}

/** Highest value in the same bucket as v (HdrHistogram's highest_equivalent_value). */
export function highestEquivalent(v: number): number {
  const pow2ceiling = 32 - Math.clz32(v | SUB_MASK);
  const bucket = pow2ceiling - (SUB_HALF_MAG + 1);
  const sub = v >>> bucket;
  const adjusted = sub >= 2 * SUB_HALF ? bucket + 1 : bucket;
  const lowest = sub * 2 ** bucket;
  return lowest + 2 ** adjusted - 1;
}

export class LatencyHistogram {
  readonly counts = new Uint32Array(HIST_LEN);
  total = 0;

  /** Record a duration in microseconds. */
  record(us: number): void {
    let ns = Math.round(us * 1000);
    if (ns < 1) ns = 1;
    else if (ns > HIST_MAX_NS) ns = HIST_MAX_NS;
    this.counts[countsIndex(ns)]++;
    this.total++;
  }

  /** Non-zero buckets as [index, count] pairs (to ship between threads). */
  sparse(): [number, number][] {
    const out: [number, number][] = [];
    for (let i = 0; i < HIST_LEN; i++) if (this.counts[i] !== 0) out.push([i, this.counts[i]]);
    return out;
  }

  add(sparse: [number, number][]): void {
    for (const [i, n] of sparse) {
      this.counts[i] += n;
      this.total += n;
    }
  }

  /** hdr_value_at_percentile, in nanoseconds. */
  valueAtPercentile(p: number): number {
    const req = p < 100 ? p : 100;
    let want = Math.floor((req / 100) * this.total + 0.5);
    if (want < 1) want = 1;
    let seen = 0;
    for (let i = 0; i < HIST_LEN; i++) {
      seen += this.counts[i];
      if (seen >= want) {
        const v = valueFromIndex(i);
        return p === 0 ? v : highestEquivalent(v);
      }
    }
    return 0;
  }

  /** LATENCY HISTOGRAM's cumulative distribution: [usec, cumulative count] at 1, 2, 4 ... µs. */
  cdf(): [number, number][] {
    const out: [number, number][] = [];
    let level = 1024;
    let idx = 0;
    let cum = 0;
    let prev = 0;
    while (cum < this.total || prev === 0) {
      const li = countsIndex(Math.min(level, HIST_MAX_NS));
      while (idx <= li && idx < HIST_LEN) cum += this.counts[idx++];
      if (cum > prev) out.push([Math.floor(highestEquivalent(level) / 1000), cum]);
      prev = cum;
      if (cum >= this.total || idx >= HIST_LEN) break;
      level *= 2;
    }
    return out;
  }
}
