// Number parsing and formatting with the exact semantics of the C routines Redis uses
// for configuration values (string2ll, strtoll, memtoull, rewriteConfigFormatMemory).
// Values are bigint because Redis configs span the full 64-bit signed/unsigned range.

import { parseI64 } from '../proto/number_format.ts';

export const LLONG_MIN = -(2n ** 63n);
export const LLONG_MAX = 2n ** 63n - 1n;
export const ULLONG_MAX = 2n ** 64n - 1n;

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/**
 * Strict decimal integer (Redis string2ll): optional '-', no leading zeros, no
 * spaces or '+', must fit in a signed 64-bit integer. Returns null when invalid.
 */
export function string2ll(s: string): bigint | null {
  const v = parseI64(s);
  return v === null ? null : BigInt(v);
}

export interface StrtollResult {
  value: bigint;
  /** Index of the first character not consumed (0 when no digits were found). */
  end: number;
  /** True when the value saturated (errno ERANGE). */
  overflow: boolean;
}

/** C strtoll(): leading white space, optional sign, digits in `base` (8 or 10). */
export function strtoll(s: string, base = 10): StrtollResult {
  let i = 0;
  const n = s.length;
  while (i < n && isSpace(s.charCodeAt(i))) i++;
  let neg = false;
  if (i < n && (s[i] === '+' || s[i] === '-')) {
    neg = s[i] === '-';
    i++;
  }
  const start = i;
  let v = 0n;
  const b = BigInt(base);
  while (i < n) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d >= base) break;
    v = v * b + BigInt(d);
    i++;
  }
  if (i === start) return { value: 0n, end: 0, overflow: false };
  let value = neg ? -v : v;
  let overflow = false;
  if (value > LLONG_MAX) {
    value = LLONG_MAX;
    overflow = true;
  } else if (value < LLONG_MIN) {
    value = LLONG_MIN;
    overflow = true;
  }
  return { value, end: i, overflow };
}

/** strtoll() that must consume the whole string (`*endptr == '\0'`); "" gives 0. */
export function strtollFull(s: string, base = 10): bigint | null {
  const r = strtoll(s, base);
  if (r.end !== s.length) return null;
  return r.value;
}

const UNITS: Record<string, bigint> = {
  '': 1n,
  b: 1n,
  k: 1000n,
  kb: 1024n,
  m: 1000n * 1000n,
  mb: 1024n * 1024n,
  g: 1000n * 1000n * 1000n,
  gb: 1024n * 1024n * 1024n,
};

/**
 * Redis memtoull(): digits followed by an optional unit (b, k, kb, m, mb, g, gb;
 * case-insensitive). "k" is 1000, "kb" is 1024. A missing number counts as 0, a
 * too-large number saturates and the product wraps modulo 2^64, as in C.
 */
export function memtoull(s: string): bigint | null {
  if (s.charCodeAt(0) === 45) return null;
  let u = 0;
  while (u < s.length && isDigit(s.charCodeAt(u))) u++;
  const mul = UNITS[s.slice(u).toLowerCase()];
  if (mul === undefined) return null;
  if (u >= 128) return null;
  let v = u === 0 ? 0n : BigInt(s.slice(0, u));
  if (v > ULLONG_MAX) v = ULLONG_MAX;
  return BigInt.asUintN(64, v * mul);
}

/** How CONFIG REWRITE writes a byte count: the largest of gb/mb/kb that divides it. */
export function formatMemory(bytes: bigint): string {
  const b = BigInt.asIntN(64, bytes);
  const gb = 1024n * 1024n * 1024n;
  const mb = 1024n * 1024n;
  const kb = 1024n;
  if (b !== 0n && b % gb === 0n) return `${b / gb}gb`;
  if (b !== 0n && b % mb === 0n) return `${b / mb}mb`;
  if (b !== 0n && b % kb === 0n) return `${b / kb}kb`;
  return `${b}`;
}

/** Truncate to a C int (what assigning a long long to an int does). */
export function toInt32(v: bigint): bigint {
  return BigInt.asIntN(32, v);
}
