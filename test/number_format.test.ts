// Unit tests of Redis's number rules: string2ll (parseI64), and the x87
// long double emulation behind INCRBYFLOAT (strtold parsing, one correctly
// rounded addition, printf("%.17Lf") with Redis's trimming). The expected
// strings were produced by a C program using long double on x86-64 with
// glibc, and cross-checked against redis-server 7.0 by the differential tests.

import { describe, it, expect } from 'vitest';
import { parseI64, parseLongDouble, addLongDouble, formatLongDoubleHuman, longDoubleFromInt, type LongDouble } from '../src/proto/number_format.ts';
import { encodeStringValue } from '../src/commands/string_family.ts';

function incrByFloat(a: string, b: string): string | null {
  const x = parseLongDouble(a);
  const y = parseLongDouble(b);
  if (x === null || y === null) return null;
  const s = addLongDouble(x, y);
  return s === null || s.inf ? 'NaN/Inf' : formatLongDoubleHuman(s);
}

type Expect = string | { len: number; prefix: string };

const SUMS: [string, string, Expect][] = [
  ['10.5', '0.1', '10.6'],
  ['0', '0.1', '0.1'],
  ['0.1', '0.2', '0.3'],
  ['1.1', '2.2', '3.3'],
  ['3.0e3', '2.0e2', '3200'],
  ['-5', '5', '0'],
  ['-0.0', '-0.0', '0'],
  ['1e-18', '0', '0'],
  ['-1e-18', '0', '0'],
  ['1.5e-17', '0', '0.00000000000000002'],
  ['0.000000000000000015', '0', '0.00000000000000002'],
  ['123456789012345678901234567890', '0', '123456789012345678899921813504'],
  ['9223372036854775807', '1', '9223372036854775808'],
  ['18446744073709551615', '1', '18446744073709551616'],
  ['18446744073709551617', '0', '18446744073709551616'],
  ['1e300', '1', '1000000000000000000008997324079559193870523944273290747938260082321265646596180935755849152083750497190350372508614274835903592556184672983913096260520748646287327135641843653294084255107606016789726652932370030551382947620994540294772781889620606179267611627097410650567187386105690089424915104006144'],
  ['1.7976931348623157e308', '1.7976931348623157e308', '359538626972463139991842093548208868096772893888658356970628841530353257046248792709403737216774171128857586838851041378617416726902272110715794556052955234146997955372576789671236326588091188869859074894581254961338834769297758245552436667197907705664206565009503223382416235440319971852753604933726679072768'],
  ['1e4000', '1e4000', { len: 4001, prefix: '199999999999999999999309277461992475698649851670139152626030' }],
  ['1.18973149535723176502e+4932', '0', { len: 4933, prefix: '118973149535723176502126385303097020516906332229462420044032' }],
  ['1e-4950', '1', '1'],
  ['1e-4950', '0', '0'],
  ['3.14159265358979323846264338327950288', '-3', '0.14159265358979324'],
  ['0x1p3', '0X1.8P-1', '8.75'],
  ['+.5', '5.', '5.5'],
  ['0.3', '-0.1', '0.2'],
  ['100', '-99.99', '0.01'],
  ['1e20', '-1e20', '0'],
  ['12345.6789', '-0.0001', '12345.67879999999999985'],
  ['2.5', '-2.5000000000000001', '-0.0000000000000001'],
  ['1e17', '0.5', '100000000000000000.5'],
  ['1e16', '0.5', '10000000000000000.5'],
  ['0.1', '1e-30', '0.1'],
  ['7', '0x10', '23'],
  ['-3.75', '1e-5', '-3.74999'],
];

describe('INCRBYFLOAT arithmetic (x87 long double)', () => {
  it.each(SUMS)('%s + %s', (a, b, want) => {
    const got = incrByFloat(a, b);
    expect(got).not.toBeNull();
    if (typeof want === 'string') expect(got).toBe(want);
    else {
      expect(got!.length).toBe(want.len);
      expect(got!.startsWith(want.prefix)).toBe(true);
    }
  });

  it('adds in extended precision, not in doubles', () => {
    // In doubles 10.5 + 0.1 prints as 10.59999999999999964 with %.17f.
    expect(incrByFloat('10.5', '0.1')).toBe('10.6');
    expect(incrByFloat('0.1', '0.2')).toBe('0.3');
  });

  it('integers convert exactly, and sums round once', () => {
    const big = longDoubleFromInt(9007199254740993n);
    expect(formatLongDoubleHuman(big)).toBe('9007199254740993');
    expect(formatLongDoubleHuman(longDoubleFromInt(-42))).toBe('-42');
    expect(formatLongDoubleHuman(longDoubleFromInt(0))).toBe('0');
    const one = longDoubleFromInt(1);
    expect(formatLongDoubleHuman(addLongDouble(longDoubleFromInt(-9223372036854775808n), one)!)).toBe('-9223372036854775807');
    // 2^64 + 1 needs 65 bits: rounds to even.
    expect(formatLongDoubleHuman(addLongDouble(longDoubleFromInt(18446744073709551615n), longDoubleFromInt(2))!)).toBe('18446744073709551616');
  });

  it('inf + -inf is NaN, inf + x is inf', () => {
    const inf = parseLongDouble('inf')!;
    const ninf = parseLongDouble('-inf')!;
    expect(addLongDouble(inf, ninf)).toBeNull();
    expect(addLongDouble(inf, longDoubleFromInt(5))!.inf).toBe(true);
    expect(incrByFloat('1.18973149535723176502e+4932', '1.18973149535723176502e+4932')).toBe('NaN/Inf');
  });

  it('never prints "-0"', () => {
    expect(incrByFloat('-0', '0')).toBe('0');
    expect(incrByFloat('-0.000000000000000001', '0')).toBe('0');
    expect(incrByFloat('-0.00000000000000001', '0')).toBe('-0.00000000000000001');
  });
});

describe('parseLongDouble (string2ld)', () => {
  const invalid = ['abc', '', ' 1', '1 ', '\t1', 'nan', 'NaN', '-nan', '1e', '.', '0x', '0x1p', '1e5000', '-1e5000', '1e-4952', '1e-4951', '1.8e-4951',
    'infin', '1.2.3', '--1', '+-1', '0x.p1', '1\0', '\0', '1,5', '1_0', 'e5', '1e+', '1.1897314953572317651e+4932', '1'.repeat(5119), '0'.repeat(5117) + '1.5'];
  it.each(invalid.map((s) => [JSON.stringify(s).slice(0, 40), s]))('rejects %s', (_, s) => {
    expect(parseLongDouble(s)).toBeNull();
  });

  const valid: [string, string][] = [['inf', 'inf'], ['-Infinity', '-inf'], ['INF', 'inf'], ['+inf', 'inf'], ['3.6e-4951', '0'], ['1.9e-4951', '0'], ['0e999999999', '0'],
    ['0x1P-3', '0.125'], ['0x.8', '0.5'], ['0xA.8p0', '10.5'], ['1.', '1'], ['.25', '0.25'], ['+7', '7'], ['-007.50', '-7.5'], ['1E2', '100'], ['0'.repeat(5116) + '1.5', '1.5'], ['1'.repeat(4000), '1'.repeat(17) + '0']];
  it.each(valid.map(([s, w]) => [JSON.stringify(s).slice(0, 40), s, w]))('accepts %s', (_, s, want) => {
    const v = parseLongDouble(s);
    expect(v).not.toBeNull();
    const out = formatLongDoubleHuman(v!)!;
    if (s.length === 4000) {
      // 4000 ones round to a 64-bit significand: same length, the digits printf prints for it.
      expect(out.length).toBe(4000);
      expect(out.startsWith('1111111111111111111134844693878192487990')).toBe(true);
    } else expect(out).toBe(want);
  });

  it('keeps the sign of zero', () => {
    const z = parseLongDouble('-0.0') as LongDouble;
    expect(z.neg).toBe(true);
    expect(z.m).toBe(0n);
  });
});

describe('parseI64 (string2ll) and the int encoding of stored values', () => {
  it('accepts canonical 64-bit integers only', () => {
    expect(parseI64('0')).toBe(0);
    expect(parseI64('-1')).toBe(-1);
    expect(parseI64('9007199254740991')).toBe(9007199254740991);
    expect(parseI64('9007199254740992')).toBe(9007199254740992n);
    expect(parseI64('9223372036854775807')).toBe(9223372036854775807n);
    expect(parseI64('-9223372036854775808')).toBe(-9223372036854775808n);
    for (const bad of ['', '-', '-0', '01', '+1', ' 1', '1 ', '1.0', '1e3', '9223372036854775808', '-9223372036854775809', '0x10', '123456789012345678901']) {
      expect(parseI64(bad)).toBeNull();
    }
  });

  it('stores a number exactly when Redis would int-encode within the safe range', () => {
    expect(encodeStringValue('123')).toBe(123);
    expect(encodeStringValue('-9007199254740991')).toBe(-9007199254740991);
    expect(encodeStringValue('9007199254740992')).toBe('9007199254740992');
    expect(encodeStringValue('007')).toBe('007');
    expect(encodeStringValue('-0')).toBe('-0');
    expect(encodeStringValue('')).toBe('');
    expect(encodeStringValue('1.5')).toBe('1.5');
    expect(encodeStringValue('abc')).toBe('abc');
    expect(String(encodeStringValue('-42'))).toBe('-42');
  });
});
