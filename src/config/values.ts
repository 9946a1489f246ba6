// Parsing and validating a directive's value, with Redis 7.0's rules and error texts,
// into the canonical string CONFIG GET prints.

import { memtoull, string2ll, strtoll } from './cnum.ts';
import type { Directive, EnumDirective, NumericDirective, StringDirective } from './directives.ts';
import {
  type ParseContext,
  type ParseResult,
  parseBind,
  parseClientOutputBufferLimit,
  parseDir,
  parseLatencyPercentiles,
  parseList,
  parseNotifyKeyspaceEvents,
  parseOomScoreAdjValues,
  parseReplicaOf,
  parseSave,
  parseStorageProvider,
  parseThreadAffinity,
} from './special.ts';

export type { ParseContext, ParseResult } from './special.ts';

const ok = (value: string): ParseResult => ({ ok: true, value });
const fail = (error: string): ParseResult => ({ ok: false, error });

/**
 * Parse `args` for directive `d`. `args` holds the arguments after the name on a
 * config line, or for CONFIG SET the value (split on single spaces for multi-argument
 * directives). `current` is the value being replaced (some directives merge).
 */
export function parseValue(d: Directive, args: string[], current: string, ctx: ParseContext): ParseResult {
  switch (d.type) {
    case 'bool': {
      const r = parseBool(args[0]!, d.trueFalse === true);
      if (r.ok && r.value === 'yes' && d.yesError) return fail(d.yesError);
      return r;
    }
    case 'numeric':
      return parseNumeric(d, args[0]!, ctx);
    case 'enum':
      return parseEnum(d, args);
    case 'string':
      return parseString(d, args[0]!, ctx);
    case 'special':
      return parseSpecial(d.name, args, current, ctx);
  }
}

function parseBool(v: string, trueFalse: boolean): ParseResult {
  const l = v.toLowerCase();
  if (l === 'yes' || (trueFalse && l === 'true')) return ok('yes');
  if (l === 'no' || (trueFalse && l === 'false')) return ok('no');
  return fail("argument must be 'yes' or 'no'");
}

const UNSIGNED = new Set(['uint', 'ulonglong', 'size_t']);

function parseNumeric(d: NumericDirective, v: string, ctx: ParseContext): ParseResult {
  let n: bigint | null = null;
  if (d.unit === 'memory' || d.unit === 'memory-percent') {
    const m = memtoull(v);
    if (m !== null) n = BigInt.asIntN(64, m);
  }
  if (n === null && d.unit === 'memory-percent' && v.length > 1 && v.endsWith('%')) {
    const p = string2ll(v.slice(0, -1));
    if (p !== null && p >= 0n) n = -p; // percentages are stored negated
  }
  if (n === null && d.unit === 'octal') {
    const r = strtoll(v, 8);
    if (!r.overflow && r.end === v.length) n = r.value;
  }
  if (n === null && d.unit === undefined) n = string2ll(v);
  if (n === null) {
    if (d.error) return fail(d.error);
    if (d.unit === 'memory-percent') return fail('argument must be a memory or percent value');
    if (d.unit === 'memory') return fail('argument must be a memory value');
    if (d.unit === 'octal') return fail("argument couldn't be parsed as an octal number");
    return fail("argument couldn't be parsed into an integer");
  }

  if (UNSIGNED.has(d.ctype)) {
    const u = BigInt.asUintN(64, n);
    if (u > d.max || u < d.min) {
      if (d.error) return fail(d.error);
      const f = (x: bigint) => (d.unit === 'octal' ? x.toString(8) : x.toString());
      return fail(`argument must be between ${f(d.min)} and ${f(d.max)} inclusive`);
    }
  } else if (d.unit === 'memory-percent' && n < 0n) {
    if (n < d.min) return fail(`percentage argument must be less or equal to ${-d.min}`);
  } else if (n > d.max || n < d.min) {
    if (d.error) return fail(d.error);
    return fail(`argument must be between ${d.min} and ${d.max} inclusive`);
  }

  // Redis accepts any hz but caps it to 1..500.
  if (d.name === 'hz') n = n < 1n ? 1n : n > 500n ? 500n : n;
  // CONFIG SET resizes the replication backlog to at least 16kb (loading does not).
  if (d.name === 'repl-backlog-size' && !ctx.reading && n < 16384n) n = 16384n;
  return ok(formatNumeric(d, n));
}

/** CONFIG GET form of a stored numeric value. */
export function formatNumeric(d: NumericDirective, n: bigint): string {
  if (d.unit === 'memory-percent' && n < 0n) return `${-n}%`;
  if (d.unit === 'memory' || d.unit === 'memory-percent') return BigInt.asUintN(64, n).toString();
  if (d.unit === 'octal') return n.toString(8);
  return n.toString();
}

/** Inverse of formatNumeric: the value Redis stores internally (percentages negative). */
export function numericValue(d: NumericDirective, canonical: string): bigint {
  if (canonical.endsWith('%')) return -BigInt(canonical.slice(0, -1));
  if (d.unit === 'octal') return BigInt('0o' + (canonical || '0'));
  return BigInt(canonical);
}

function parseEnum(d: EnumDirective, args: string[]): ParseResult {
  const val = enumValueOf(d, args);
  if (val === null) return fail(`argument(s) must be one of the following: ${d.values.map((e) => e[0]).join(', ')}`);
  if (d.name.startsWith('shutdown-on-sig') && (val & 1) && (val & 2)) {
    return fail("shutdown options SAVE and NOSAVE can't be used simultaneously");
  }
  return ok(enumName(d, val));
}

/** The numeric value of enum names (OR-ed for bit-flag enums); null when invalid. */
export function enumValueOf(d: EnumDirective, args: string[]): number | null {
  if (args.length === 0 || (!d.flags && args.length !== 1)) return null;
  let val = 0;
  for (const a of args) {
    const l = a.toLowerCase();
    const hit = d.values.find((e) => e[0] === l);
    if (!hit) return null;
    val |= hit[1];
  }
  return val;
}

/** Redis configEnumGetName(): the first exact match, else (flags) the names of the set bits. */
export function enumName(d: EnumDirective, val: number): string {
  const names: string[] = [];
  let unmatched = val;
  for (const [name, v] of d.values) {
    if (v === val) return name;
    if (d.flags && v !== 0 && (unmatched & v) === v) {
      names.push(name);
      unmatched &= ~v;
    }
  }
  return names.length > 0 && unmatched === 0 ? names.join(' ') : 'unknown';
}

const PROC_TITLE_VARS = new Set(['title', 'listen-addr', 'server-mode', 'port', 'tls-port', 'unixsocket', 'config-file']);

/** Redis validateProcTitleTemplate(): known {variables} and a non-empty expansion. */
function validProcTitleTemplate(t: string, ctx: ParseContext): boolean {
  const vars: Record<string, string> = {
    title: '',
    'listen-addr': '*:6379',
    'server-mode': ctx.lookup?.('cluster-enabled') === 'yes' ? '[cluster]' : '',
    port: '6379',
    'tls-port': '0',
    unixsocket: ctx.lookup?.('unixsocket') ?? '',
    'config-file': ctx.configFile ?? '-',
  };
  let res = '';
  let p = 0;
  while (p < t.length) {
    const sv = t.indexOf('{', p);
    if (sv < 0) {
      res += t.slice(p);
      break;
    }
    res += t.slice(p, sv);
    if (sv + 1 >= t.length) return false;
    if (t[sv + 1] === '{') {
      res += '{';
      p = sv + 2;
      continue;
    }
    const ev = t.indexOf('}', sv + 1);
    if (ev < 0) return false;
    const name = t.slice(sv + 1, ev);
    if (!PROC_TITLE_VARS.has(name)) return false;
    res += vars[name];
    p = ev + 1;
  }
  return res.replace(/^ +| +$/g, '').length > 0;
}

function parseString(d: StringDirective, v: string, ctx: ParseContext): ParseResult {
  const isBaseName = !v.includes('/') && !v.includes('\\');
  switch (d.check) {
    case 'dbfilename':
      if (!isBaseName) return fail("dbfilename can't be a path, just a filename");
      break;
    case 'appendfilename':
      if (v === '') return fail("appendfilename can't be empty");
      if (!isBaseName) return fail("appendfilename can't be a path, just a filename");
      break;
    case 'appenddirname':
      if (v === '') return fail("appenddirname can't be empty");
      if (!isBaseName) return fail("appenddirname can't be a path, just a dirname");
      break;
    case 'hostname':
      if (v.length >= 256) return fail('Hostnames must be less than 256 characters');
      if (!/^[A-Za-z0-9.-]*$/.test(v)) return fail('Hostnames may only contain alphanumeric characters, hyphens or dots');
      break;
    case 'proc-title-template':
      if (!validProcTitleTemplate(v, ctx)) return fail('template format is invalid or contains unknown variables');
      break;
  }
  return ok(v);
}

function parseSpecial(name: string, args: string[], current: string, ctx: ParseContext): ParseResult {
  switch (name) {
    case 'save':
      return parseSave(args, current, ctx);
    case 'client-output-buffer-limit':
      return parseClientOutputBufferLimit(args, current);
    case 'oom-score-adj-values':
      return parseOomScoreAdjValues(args);
    case 'notify-keyspace-events':
      return parseNotifyKeyspaceEvents(args);
    case 'bind':
      return parseBind(args);
    case 'replicaof':
      return parseReplicaOf(args);
    case 'dir':
      return parseDir(args, ctx);
    case 'latency-tracking-info-percentiles':
      return parseLatencyPercentiles(args);
    case 'server-thread-affinity':
      return parseThreadAffinity(args);
    case 'storage-provider':
      return parseStorageProvider(args);
    case 'tls-allowlist':
      return parseList(args);
  }
  return fail(`no parser for ${name}`);
}
