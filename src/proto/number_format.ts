// Number parsing and formatting with Redis's exact rules: string2ll for
// integers (64-bit, no spaces, no leading zeros or '+'), %.17g for doubles.

const I64_MAX = 9223372036854775807n;
const I64_MIN = -9223372036854775808n;

/**
 * Redis's string2ll on a latin1 string: returns a number when the value is a
 * safe integer, a bigint when it is a valid 64-bit integer beyond 2^53, and
 * null when the text is not a valid 64-bit integer.
 */
export function parseI64(s: string): number | bigint | null {
  const n = s.length;
  if (n === 0 || n > 20) return null;
  let i = 0;
  let neg = false;
  if (s.charCodeAt(0) === 45) {
    neg = true;
    i = 1;
    if (n === 1) return null;
  }
  const first = s.charCodeAt(i);
  if (first === 48) return n === 1 ? 0 : null;
  if (first < 49 || first > 57) return null;
  let v = 0;
  for (; i < n; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return null;
    v = v * 10 + c;
  }
  if (v <= Number.MAX_SAFE_INTEGER) return neg ? -v : v;
  const b = BigInt(s);
  if (b > I64_MAX || b < I64_MIN) return null;
  return b;
}

/** parseI64 narrowed to safe integers; anything else (including huge valid ones) gives null. */
export function parseSafeInt(s: string): number | null {
  const v = parseI64(s);
  return typeof v === 'number' ? v : null;
}

export function inI64(b: bigint): boolean {
  return b <= I64_MAX && b >= I64_MIN;
}

/**
 * Redis's strtod-based float argument parsing (getDoubleFromObject): the
 * whole string must be a number, no leading/trailing spaces; "inf", "-inf",
 * "infinity" accepted; NaN rejected. null when invalid.
 */
export function parseDouble(s: string): number | null {
  const n = s.length;
  if (n === 0) return null;
  const c0 = s.charCodeAt(0);
  const cl = s.charCodeAt(n - 1);
  if (c0 === 32 || c0 === 9 || c0 === 10 || c0 === 13 || c0 === 11 || c0 === 12) return null;
  if (cl === 32 || cl === 9 || cl === 10 || cl === 13 || cl === 11 || cl === 12) return null;
  const t = s.toLowerCase();
  let body = t;
  let sign = 1;
  if (body[0] === '+' || body[0] === '-') {
    if (body[0] === '-') sign = -1;
    body = body.slice(1);
  }
  if (body === 'inf' || body === 'infinity') return sign * Infinity;
  if (body.startsWith('0x')) {
    if (!/^0x[0-9a-f]+(\.[0-9a-f]*)?(p[+-]?\d+)?$/.test(body) && !/^0x\.[0-9a-f]+(p[+-]?\d+)?$/.test(body)) return null;
    return sign * parseHexFloat(body.slice(2));
  }
  if (!/^(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(body)) return null;
  const v = Number(t);
  return v !== v ? null : v;
}

function parseHexFloat(h: string): number {
  let exp = 0;
  const p = h.indexOf('p');
  if (p >= 0) {
    exp = parseInt(h.slice(p + 1), 10);
    h = h.slice(0, p);
  }
  const dot = h.indexOf('.');
  let frac = '';
  if (dot >= 0) {
    frac = h.slice(dot + 1);
    h = h.slice(0, dot);
  }
  const m = parseInt((h || '0') + frac, 16);
  return m * Math.pow(2, exp - 4 * frac.length);
}

/** C's printf("%.17g", d), with Redis's "inf" / "-inf" / "nan". */
export function formatDouble(d: number, _resp3 = false): string {
  if (d !== d) return 'nan';
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  if (d === 0) return Object.is(d, -0) ? '-0' : '0';
  const e = d.toExponential(16);
  const ei = e.indexOf('e');
  const exp = parseInt(e.slice(ei + 1), 10);
  if (exp < -4 || exp >= 17) {
    let m = e.slice(0, ei);
    if (m.indexOf('.') >= 0) m = m.replace(/0+$/, '').replace(/\.$/, '');
    const ae = Math.abs(exp);
    return m + 'e' + (exp < 0 ? '-' : '+') + (ae < 10 ? '0' + ae : String(ae));
  }
  let f = d.toFixed(Math.max(0, 16 - exp));
  if (f.indexOf('.') >= 0) f = f.replace(/0+$/, '').replace(/\.$/, '');
  return f;
}
