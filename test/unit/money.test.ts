import { describe, expect, it } from 'vitest';
import { currencyExponent, formatAmount, formatMinorUnits, toMinorUnits } from '../../src/domain/money.ts';

describe('currencyExponent', () => {
  it.each([
    ['usd', 2],
    ['eur', 2],
    ['gbp', 2],
    ['jpy', 0],
    ['krw', 0],
    ['vnd', 0],
    ['xof', 0],
    ['kwd', 3],
    ['bhd', 3],
    ['tnd', 3],
    ['clf', 4],
    ['JPY', 0],
    ['Kwd', 3],
    ['USD', 2],
    ['zzz', 2],
  ])('%s has %i decimals', (currency, exponent) => {
    expect(currencyExponent(currency)).toBe(exponent);
  });
});

describe('toMinorUnits', () => {
  it.each<[amount: number | string, currency: string, minor: number]>([
    // Whole and two-decimal amounts, including ones binary floats get wrong when multiplied.
    [29.99, 'usd', 2999],
    [19.99, 'usd', 1999], // 19.99 * 100 = 1998.9999999999998
    [10.43, 'usd', 1043],
    [0.1 + 0.2, 'usd', 30], // 0.30000000000000004
    [1.005, 'usd', 101], // 1.005 * 100 = 100.49999999999999
    [4.35, 'usd', 435], // 4.35 * 100 = 434.99999999999994
    [0, 'usd', 0],
    [-0, 'usd', 0],
    [5, 'usd', 500],
    [123456.78, 'usd', 12345678],
    [9007199254740.99, 'usd', 900719925474099],
    // Beyond the exponent: half away from zero.
    [0.285, 'usd', 29],
    [0.284, 'usd', 28],
    [0.2849999, 'usd', 28],
    [-0.285, 'usd', -29],
    [0.005, 'usd', 1],
    [0.004, 'usd', 0],
    [-0.004, 'usd', 0],
    // Negative amounts.
    [-29.99, 'usd', -2999],
    [-10, 'usd', -1000],
    // Exponent notation, as String(number) produces for small and large numbers.
    [1e-7, 'usd', 0],
    [0.000001, 'usd', 0],
    ['1.5e3', 'usd', 150000],
    ['2.5E-2', 'usd', 3],
    ['-1e2', 'usd', -10000],
    // Zero-decimal currencies: the amount is already in minor units.
    [1000, 'jpy', 1000],
    [1000.4, 'jpy', 1000],
    [1000.5, 'jpy', 1001],
    [-1000.5, 'jpy', -1001],
    [1500, 'krw', 1500],
    // Three- and four-decimal currencies.
    [1.234, 'kwd', 1234],
    [1.2345, 'kwd', 1235],
    [10, 'bhd', 10000],
    [1.0001, 'clf', 10001],
    // Upper-case codes.
    [29.99, 'USD', 2999],
    [1000, 'JPY', 1000],
    // Strings, as some APIs send decimals.
    ['29.99', 'usd', 2999],
    ['19.990', 'usd', 1999],
    ['0.285', 'usd', 29],
    ['  7.5 ', 'usd', 750],
    ['+3.10', 'usd', 310],
    ['.5', 'usd', 50],
    ['5.', 'usd', 500],
    ['0001.10', 'usd', 110],
    ['123456.78', 'usd', 12345678],
    ['1000', 'jpy', 1000],
    ['1.234', 'kwd', 1234],
  ])('%s %s is %i minor units', (amount, currency, minor) => {
    expect(toMinorUnits(amount, currency)).toBe(minor);
  });

  it('never returns negative zero', () => {
    expect(Object.is(toMinorUnits(-0.001, 'usd'), 0)).toBe(true);
    expect(Object.is(toMinorUnits('-0', 'usd'), 0)).toBe(true);
  });

  it.each<[amount: number | string, currency: string]>([
    [Number.NaN, 'usd'],
    [Number.POSITIVE_INFINITY, 'usd'],
    [Number.NEGATIVE_INFINITY, 'usd'],
    ['', 'usd'],
    ['  ', 'usd'],
    ['abc', 'usd'],
    ['12abc', 'usd'],
    ['1,000.00', 'usd'],
    ['$10', 'usd'],
    ['.', 'usd'],
    ['-', 'usd'],
    ['1e', 'usd'],
    ['0x10', 'usd'],
    ['NaN', 'usd'],
    ['Infinity', 'usd'],
    ['1.2.3', 'usd'],
    // Too large to count in safe integers.
    [1e21, 'jpy'],
    ['90071992547409.92', 'usd'],
    ['1e400', 'usd'],
  ])('rejects %j with a RangeError', (amount, currency) => {
    expect(() => toMinorUnits(amount, currency)).toThrow(RangeError);
  });

  it('accepts the largest safe amount', () => {
    expect(toMinorUnits('90071992547409.91', 'usd')).toBe(Number.MAX_SAFE_INTEGER);
  });
});

describe('formatMinorUnits', () => {
  it.each<[minor: number, currency: string, text: string]>([
    [1043, 'usd', '10.43'],
    [2999, 'usd', '29.99'],
    [1000, 'usd', '10.00'],
    [5, 'usd', '0.05'],
    [0, 'usd', '0.00'],
    [-5, 'usd', '-0.05'],
    [-2999, 'usd', '-29.99'],
    [12345678, 'usd', '123456.78'],
    [1000, 'jpy', '1000'],
    [-1000, 'JPY', '-1000'],
    [1234, 'kwd', '1.234'],
    [7, 'kwd', '0.007'],
    [10001, 'clf', '1.0001'],
  ])('%i %s is %s', (minor, currency, text) => {
    expect(formatMinorUnits(minor, currency)).toBe(text);
  });

  it.each([1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53])('rejects %d', (minor) => {
    expect(() => formatMinorUnits(minor, 'usd')).toThrow(RangeError);
  });

  it.each<[amount: string, currency: string]>([
    ['29.99', 'usd'],
    ['0.01', 'usd'],
    ['-12.50', 'usd'],
    ['1000', 'jpy'],
    ['1.234', 'kwd'],
  ])('round-trips %s %s', (amount, currency) => {
    expect(formatMinorUnits(toMinorUnits(amount, currency), currency)).toBe(amount);
  });
});

describe('formatAmount: the amount a member reads in a nudge', () => {
  it.each([
    [2999, 'usd', '$29.99'],
    [1000, 'jpy', '¥1,000'],
    [123456, 'eur', '€1,234.56'],
    [1234, 'kwd', 'KWD 1.234'],
    [1234, 'xyz', 'XYZ 12.34'],
    [1234, 'abcd', '12.34 ABCD'],
  ])('%i %s is shown as %s', (cents, currency, shown) => {
    expect(formatAmount(cents, currency).replace(/\u00a0/g, ' ')).toBe(shown);
  });
});
