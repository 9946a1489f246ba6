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
    const h = sign * parseHexFloat(body.slice(2));
    // strtod's ERANGE: overflow to infinity, or a nonzero value rounding to zero.
    if (h === Infinity || h === -Infinity || (h === 0 && /[1-9a-f]/.test(body.slice(2).split('p')[0]))) return null;
    return h;
  }
  if (!/^(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(body)) return null;
  const v = Number(t);
  // strtod's ERANGE: overflow to infinity, or a nonzero value rounding to zero.
  if (v === Infinity || v === -Infinity || (v === 0 && /[1-9]/.test(body.split('e')[0]))) return null;
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
  // Fast paths: safe integers print exactly; in [1e-4, 1e17) both %.17g and
  // toPrecision(17) use fixed notation with the same digits.
  if (Number.isSafeInteger(d)) return String(d);
  const a = d < 0 ? -d : d;
  if (a >= 1e-4 && a < 1e17) {
    const f = d.toPrecision(17);
    if (f.indexOf('.') < 0) return f;
    let end = f.length;
    while (f.charCodeAt(end - 1) === 48) end--;
    if (f.charCodeAt(end - 1) === 46) end--;
    return f.slice(0, end);
  }
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

// ---------------------------------------------------------------------------
// C `long double` as Redis uses it on x86-64 (INCRBYFLOAT, HINCRBYFLOAT): the
// x87 80-bit extended format, a 64-bit significand with an explicit integer
// bit and a 15-bit exponent. Emulated exactly with BigInt: a value is
// (-1)^neg * m * 2^e with 0 <= m < 2^64 and LD_EMIN <= e <= LD_EMAX; every
// result is rounded once, to nearest with ties to even, as the FPU does.

/** A finite or infinite x87 extended-precision value (NaN never escapes these functions). */
export interface LongDouble {
  neg: boolean;
  /** Significand, 0 <= m < 2^64 (0n for zero). */
  m: bigint;
  /** Binary exponent of the significand's last bit. */
  e: number;
  inf: boolean;
}

/** Exponent of the smallest subnormal, 2^-16445. */
const LD_EMIN = -16445;
/** Largest finite value is (2^64 - 1) * 2^16320. */
const LD_EMAX = 16320;
const TWO64 = 1n << 64n;
const TWO63 = 1n << 63n;
/** Redis's MAX_LONG_DOUBLE_CHARS: longer inputs are rejected, longer outputs are an error. */
export const MAX_LONG_DOUBLE_CHARS = 5 * 1024;

function ldZero(neg: boolean): LongDouble {
  return { neg, m: 0n, e: 0, inf: false };
}

function ldInf(neg: boolean): LongDouble {
  return { neg, m: 0n, e: 0, inf: true };
}

/** Number of bits of x > 0. */
function bitLength(x: bigint): number {
  if (x < 0x100000000n) return 32 - Math.clz32(Number(x));
  if (x < 0x20000000000000n) return 64 - Math.clz32(Math.floor(Number(x) / 4294967296));
  const h = x.toString(16);
  return (h.length - 1) * 4 + (32 - Math.clz32(parseInt(h[0], 16)));
}

/** Round num/den * 2^binExp (num, den > 0) to the nearest long double, ties to even. */
function roundLongDouble(neg: boolean, num: bigint, den: bigint, binExp: number): LongDouble {
  const lb = bitLength(num) - bitLength(den);
  // The value lies in [2^(lb-1+binExp), 2^(lb+1+binExp)).
  if (lb + 1 + binExp <= LD_EMIN - 1) return ldZero(neg); // below half the smallest subnormal
  if (lb - 1 + binExp > LD_EMAX + 64) return ldInf(neg);
  let e = binExp + lb - 66; // the quotient below gets 66 or 67 bits
  if (e < LD_EMIN) e = LD_EMIN;
  const sh = binExp - e;
  let n2 = num;
  let d2 = den;
  if (sh >= 0) n2 = num << BigInt(sh);
  else d2 = den << BigInt(-sh);
  const q = n2 / d2;
  const r = n2 - q * d2;
  let m: bigint;
  let cmp: number; // the dropped part against one half ulp
  const qb = q === 0n ? 0 : bitLength(q);
  if (qb > 64) {
    const extra = qb - 64;
    const bx = BigInt(extra);
    m = q >> bx;
    const dropped = q & ((1n << bx) - 1n);
    const half = 1n << BigInt(extra - 1);
    cmp = dropped > half ? 1 : dropped < half ? -1 : r !== 0n ? 1 : 0;
    e += extra;
  } else {
    m = q;
    const twice = r << 1n;
    cmp = twice > d2 ? 1 : twice < d2 ? -1 : 0;
  }
  if (cmp > 0 || (cmp === 0 && (m & 1n) === 1n)) {
    m += 1n;
    if (m === TWO64) {
      m = TWO63;
      e++;
    }
  }
  if (m === 0n) return ldZero(neg);
  if (e > LD_EMAX) return ldInf(neg);
  return { neg, m, e, inf: false };
}

const LD_DEC = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
const LD_HEX = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?\d+))?$/;
const LD_INF = /^([+-]?)(?:inf|infinity)$/i;

function clampExp(s: string | undefined): number {
  if (s === undefined) return 0;
  const v = Number(s);
  return v > 1e9 ? 1e9 : v < -1e9 ? -1e9 : v;
}

/**
 * Redis's string2ld (strtold on the whole argument): the entire string must
 * be a decimal or hex floating point number or inf/infinity; no spaces, no
 * NaN, no overflow to infinity, no underflow to zero (a nonzero subnormal is
 * fine). null when invalid.
 */
export function parseLongDouble(s: string): LongDouble | null {
  const n = s.length;
  if (n === 0 || n >= MAX_LONG_DOUBLE_CHARS) return null;
  let mt = LD_DEC.exec(s);
  if (mt !== null) {
    const ip = mt[2];
    const fp = mt[3] ?? '';
    if (ip.length === 0 && fp.length === 0) return null;
    const neg = mt[1] === '-';
    let digits = ip + fp;
    let z = 0;
    while (z < digits.length && digits.charCodeAt(z) === 48) z++;
    if (z === digits.length) return ldZero(neg);
    digits = z === 0 ? digits : digits.slice(z);
    const k = clampExp(mt[4]) - fp.length;
    const mag = digits.length - 1 + k; // value in [10^mag, 10^(mag+1))
    if (mag > 4933 || mag < -4952) return null; // ERANGE: overflow, or underflow to zero
    const d = BigInt(digits);
    const r = k >= 0 ? roundLongDouble(neg, d * 10n ** BigInt(k), 1n, 0) : roundLongDouble(neg, d, 10n ** BigInt(-k), 0);
    if (r.inf || r.m === 0n) return null;
    return r;
  }
  mt = LD_HEX.exec(s);
  if (mt !== null) {
    const ip = mt[2];
    const fp = mt[3] ?? '';
    if (ip.length === 0 && fp.length === 0) return null;
    const neg = mt[1] === '-';
    const h = BigInt('0x' + ip + fp);
    if (h === 0n) return ldZero(neg);
    const r = roundLongDouble(neg, h, 1n, clampExp(mt[4]) - 4 * fp.length);
    if (r.inf || r.m === 0n) return null;
    return r;
  }
  mt = LD_INF.exec(s);
  if (mt !== null) return ldInf(mt[1] === '-');
  return null;
}

/** The exact long double of an integer (|v| < 2^63 is always exact; larger ones round). */
export function longDoubleFromInt(v: number | bigint): LongDouble {
  const b = typeof v === 'bigint' ? v : BigInt(v);
  if (b === 0n) return ldZero(false);
  const neg = b < 0n;
  const a = neg ? -b : b;
  if (a < TWO64) return { neg, m: a, e: 0, inf: false };
  return roundLongDouble(neg, a, 1n, 0);
}

/** a + b rounded once (x87 FADD); inf + -inf gives null (NaN). */
export function addLongDouble(a: LongDouble, b: LongDouble): LongDouble | null {
  if (a.inf || b.inf) {
    if (a.inf && b.inf && a.neg !== b.neg) return null;
    return a.inf ? a : b;
  }
  if (a.m === 0n) return b.m === 0n ? ldZero(a.neg && b.neg) : b;
  if (b.m === 0n) return a;
  const e = a.e < b.e ? a.e : b.e;
  let x = a.m << BigInt(a.e - e);
  if (a.neg) x = -x;
  let y = b.m << BigInt(b.e - e);
  if (b.neg) y = -y;
  const s = x + y;
  if (s === 0n) return ldZero(false);
  return s < 0n ? roundLongDouble(true, -s, 1n, e) : roundLongDouble(false, s, 1n, e);
}

const TEN17 = 10n ** 17n;

/**
 * Redis's ld2string in LD_STR_HUMAN mode: printf("%.17Lf") (exact decimal
 * expansion, rounded half to even), trailing zeros after the point and then
 * the point itself removed, "-0" turned into "0". null for a result that
 * does not fit Redis's buffer (never for finite long doubles).
 */
export function formatLongDoubleHuman(x: LongDouble): string | null {
  if (x.inf) return x.neg ? '-inf' : 'inf';
  // q = round(|x| * 10^17)
  let q: bigint;
  if (x.m === 0n) q = 0n;
  else if (x.e >= 0) q = (x.m << BigInt(x.e)) * TEN17;
  else {
    const num = x.m * TEN17;
    const sh = BigInt(-x.e);
    q = num >> sh;
    const r = num - (q << sh);
    const half = 1n << (sh - 1n);
    if (r > half || (r === half && (q & 1n) === 1n)) q += 1n;
  }
  const ip = q / TEN17;
  const fp = q - ip * TEN17;
  let out = (x.neg ? '-' : '') + ip.toString();
  if (out.length + 18 + 1 > MAX_LONG_DOUBLE_CHARS) return null;
  if (fp !== 0n) out += '.' + fp.toString().padStart(17, '0').replace(/0+$/, '');
  if (out === '-0') return '0';
  return out;
}
