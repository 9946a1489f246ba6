// Parsers for the directives whose values are not a single scalar: save, bind,
// client-output-buffer-limit, oom-score-adj-values, notify-keyspace-events, replicaof,
// dir, latency-tracking-info-percentiles, and KeyDB's server-thread-affinity,
// storage-provider and tls-allowlist. Each takes the arguments of a config line (or
// the CONFIG SET value split on spaces) and returns the canonical CONFIG GET string.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { memtoull, strtoll, strtollFull, toInt32 } from './cnum.ts';
import { fromFsPath, toFsPath } from './fspath.ts';
import { strerror } from './strerror.ts';

export type ParseResult = { ok: true; value: string } | { ok: false; error: string };

/** What a parser may need to know besides the value being parsed. */
export interface ParseContext {
  /** True while reading a config file / command line, false for CONFIG SET. */
  reading: boolean;
  /** Per-load state of Redis's "first save line replaces the defaults" rule. */
  state: { saveLoaded: boolean };
  /** Current working directory (the `dir` value), to resolve relative paths. */
  cwd: string;
  /** Absolute path of the config file, if any. */
  configFile?: string;
  /** Current value of another directive (for checks that depend on it). */
  lookup?: (name: string) => string | undefined;
}

const ok = (value: string): ParseResult => ({ ok: true, value });
const fail = (error: string): ParseResult => ({ ok: false, error });

// ---- save ----

export function parseSave(args: string[], current: string, ctx: ParseContext): ParseResult {
  if (args.length === 1 && args[0] === '') args = [];
  if (args.length & 1) return fail('Invalid save parameters');
  const vals: bigint[] = [];
  for (let j = 0; j < args.length; j++) {
    const v = strtollFull(args[j]!);
    if (v === null || ((j & 1) === 0 && v < 1n) || ((j & 1) === 1 && v < 0n)) return fail('Invalid save parameters');
    vals.push((j & 1) === 1 ? toInt32(v) : v);
  }
  let out: string[] = [];
  if (args.length > 0 && ctx.reading) {
    // While reading the config, the first save line replaces the defaults and later
    // ones add to it.
    if (ctx.state.saveLoaded) out = current === '' ? [] : current.split(' ');
    ctx.state.saveLoaded = true;
  }
  for (const v of vals) out.push(v.toString());
  return ok(out.join(' '));
}

/** Save points as [seconds, changes] pairs of decimal strings. */
export function savePoints(value: string): [string, string][] {
  const parts = value === '' ? [] : value.split(' ');
  const out: [string, string][] = [];
  for (let i = 0; i + 1 < parts.length; i += 2) out.push([parts[i]!, parts[i + 1]!]);
  return out;
}

// ---- client-output-buffer-limit ----

export interface BufferLimit {
  hard: bigint;
  soft: bigint;
  seconds: bigint;
}

/** The three classes in Redis's order, with the name CONFIG GET prints. */
export const BUFFER_CLASSES = ['normal', 'slave', 'pubsub'] as const;

export function bufferLimits(value: string): Record<(typeof BUFFER_CLASSES)[number], BufferLimit> {
  const p = value.split(' ');
  const out = {} as Record<(typeof BUFFER_CLASSES)[number], BufferLimit>;
  for (let i = 0; i + 3 < p.length; i += 4) {
    out[p[i] as (typeof BUFFER_CLASSES)[number]] = { hard: BigInt(p[i + 1]!), soft: BigInt(p[i + 2]!), seconds: BigInt(p[i + 3]!) };
  }
  return out;
}

function bufferClass(name: string): (typeof BUFFER_CLASSES)[number] | null {
  const n = name.toLowerCase();
  if (n === 'normal') return 'normal';
  if (n === 'slave' || n === 'replica') return 'slave';
  if (n === 'pubsub') return 'pubsub';
  return null; // includes 'master', which has no limits
}

export function parseClientOutputBufferLimit(args: string[], current: string): ParseResult {
  if (args.length % 4) return fail('Wrong number of arguments in buffer limit configuration.');
  const limits = bufferLimits(current);
  for (let j = 0; j < args.length; j += 4) {
    const cls = bufferClass(args[j]!);
    if (!cls) return fail('Invalid client class specified in buffer limit configuration.');
    const hard = memtoull(args[j + 1]!);
    const soft = memtoull(args[j + 2]!);
    const secs = strtoll(args[j + 3]!);
    const seconds = toInt32(secs.value);
    if (hard === null || soft === null || seconds < 0n || secs.end !== args[j + 3]!.length) {
      return fail('Error in hard, soft or soft_seconds setting in buffer limit configuration.');
    }
    limits[cls] = { hard, soft, seconds };
  }
  return ok(BUFFER_CLASSES.map((c) => `${c} ${limits[c].hard} ${limits[c].soft} ${limits[c].seconds}`).join(' '));
}

// ---- oom-score-adj-values ----

export function parseOomScoreAdjValues(args: string[]): ParseResult {
  if (args.length !== 3) return fail('wrong number of arguments');
  const vals: bigint[] = [];
  for (const a of args) {
    const v = strtollFull(a);
    if (v === null || v < -2000n || v > 2000n) {
      return fail('Invalid oom-score-adj-values, elements must be between -2000 and 2000.');
    }
    vals.push(v);
  }
  return ok(vals.join(' '));
}

// ---- notify-keyspace-events ----

const NOTIFY = {
  K: 1 << 0, // keyspace
  E: 1 << 1, // keyevent
  g: 1 << 2,
  $: 1 << 3,
  l: 1 << 4,
  s: 1 << 5,
  h: 1 << 6,
  z: 1 << 7,
  x: 1 << 8,
  e: 1 << 9,
  t: 1 << 10,
  m: 1 << 11, // key miss
  d: 1 << 12, // module
  n: 1 << 13, // new key
} as const;
const NOTIFY_ALL = NOTIFY.g | NOTIFY.$ | NOTIFY.l | NOTIFY.s | NOTIFY.h | NOTIFY.z | NOTIFY.x | NOTIFY.e | NOTIFY.t | NOTIFY.d;

/** Parse keyspace event classes to a bit set; -1 on an unknown character. */
export function keyspaceEventsToFlags(classes: string): number {
  let flags = 0;
  for (const c of classes) {
    if (c === 'A') flags |= NOTIFY_ALL;
    else if (Object.hasOwn(NOTIFY, c)) flags |= NOTIFY[c as keyof typeof NOTIFY];
    else return -1;
  }
  return flags;
}

/** The canonical class string for a bit set, in Redis's order. */
export function keyspaceEventsToString(flags: number): string {
  let res = '';
  if ((flags & NOTIFY_ALL) === NOTIFY_ALL) {
    res += 'A';
  } else {
    for (const c of ['g', '$', 'l', 's', 'h', 'z', 'x', 'e', 't', 'd', 'n'] as const) {
      if (flags & NOTIFY[c]) res += c;
    }
  }
  if (flags & NOTIFY.K) res += 'K';
  if (flags & NOTIFY.E) res += 'E';
  if (flags & NOTIFY.m) res += 'm';
  return res;
}

export function parseNotifyKeyspaceEvents(args: string[]): ParseResult {
  if (args.length !== 1) return fail('wrong number of arguments');
  const flags = keyspaceEventsToFlags(args[0]!);
  if (flags === -1) return fail("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
  return ok(keyspaceEventsToString(flags));
}

// ---- bind / tls-allowlist ----

export function parseBind(args: string[]): ParseResult {
  if (args.length > 16) return fail('Too many bind addresses specified.');
  if (args.length === 1 && args[0] === '') args = [];
  return ok(args.join(' '));
}

export function parseList(args: string[]): ParseResult {
  if (args.length === 1 && args[0] === '') args = [];
  return ok(args.join(' '));
}

// ---- replicaof ----

export function parseReplicaOf(args: string[]): ParseResult {
  if (args.length !== 2) return fail('wrong number of arguments');
  if (args[0]!.toLowerCase() === 'no' && args[1]!.toLowerCase() === 'one') return ok('');
  const r = strtoll(args[1]!);
  const port = toInt32(r.value);
  if (port < 0n || port > 65535n || r.end !== args[1]!.length) return fail('Invalid master port');
  return ok(`${args[0]} ${port}`);
}

// ---- dir ----

export function parseDir(args: string[], ctx: ParseContext): ParseResult {
  if (args.length !== 1) return fail('wrong number of arguments');
  const d = args[0]!;
  if (d === '') return fail(strerror('ENOENT'));
  const target = path.resolve(toFsPath(ctx.cwd), toFsPath(d));
  try {
    const st = fs.statSync(target);
    if (!st.isDirectory()) return fail(strerror('ENOTDIR'));
    fs.accessSync(target, fs.constants.X_OK);
    return ok(fromFsPath(fs.realpathSync(target)));
  } catch (e) {
    return fail(strerror(e));
  }
}

// ---- latency-tracking-info-percentiles ----

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const SPECIAL_FLOAT = /^[+-]?(inf|infinity|nan(\([0-9a-zA-Z_]*\))?)$/i;
const HEX_FLOAT = /^([+-]?)0[xX]([0-9a-fA-F]*)\.?([0-9a-fA-F]*)(?:[pP]([+-]?\d+))?$/;

/** Redis string2d(): strtod() consuming the whole string, no leading space, no NaN, no overflow. */
export function string2d(s: string): number | null {
  if (s.length === 0) return null;
  if (DECIMAL.test(s)) {
    const v = Number(s);
    if (!Number.isFinite(v)) return null; // overflow (ERANGE, HUGE_VAL)
    if (v === 0 && /[1-9]/.test(s.replace(/[eE].*$/, ''))) return null; // underflow to zero
    return v;
  }
  if (SPECIAL_FLOAT.test(s)) {
    if (/nan/i.test(s)) return null;
    return s.startsWith('-') ? -Infinity : Infinity;
  }
  const h = HEX_FLOAT.exec(s);
  if (h && (h[2]!.length > 0 || h[3]!.length > 0)) {
    const mant = parseInt((h[2]! + h[3]!) || '0', 16);
    const v = mant * 2 ** (Number(h[4] ?? 0) - 4 * h[3]!.length);
    if (!Number.isFinite(v)) return null;
    return h[1] === '-' ? -v : v;
  }
  return null;
}

/** printf("%f") followed by Redis's trimDoubleString(). */
export function formatPercentile(v: number): string {
  let s = Object.is(v, -0) ? '-0.000000' : v.toFixed(6);
  if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
  return s;
}

export function parseLatencyPercentiles(args: string[]): ParseResult {
  if (args.length === 1 && args[0] === '') args = [];
  const out: string[] = [];
  for (const a of args) {
    const v = string2d(a);
    if (v === null) return fail('Invalid latency-tracking-info-percentiles parameters');
    if (v > 100 || v < 0) return fail('latency-tracking-info-percentiles parameters should sit between [0.0,100.0]');
    out.push(formatPercentile(v));
  }
  return ok(out.join(' '));
}

// ---- KeyDB: server-thread-affinity, storage-provider ----

export function parseThreadAffinity(args: string[]): ParseResult {
  if (args.length !== 1) return fail('wrong number of arguments');
  const v = args[0]!.toLowerCase();
  if (v === 'true' || v === 'false') return ok(v);
  const n = toInt32(strtoll(args[0]!).value); // atoi()
  if (n > 0n) return ok(n.toString());
  return fail('Unknown argument: server-thread-affinity expects either true or false');
}

export function parseStorageProvider(args: string[]): ParseResult {
  const kind = (args[0] ?? '').toLowerCase();
  if ((kind === 'none' || kind === 'test') && args.length === 1) return ok(kind);
  if (kind === 'flash' && args.length === 2 && args[1] !== '') return ok(`flash ${args[1]}`);
  return fail('Invalid storage provider specified');
}
