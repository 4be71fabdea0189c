/**
 * Money as integer minor units plus a lowercase ISO 4217 currency.
 * Whop sends amounts as decimals in major units (29.99 for $29.99, 1000 for ¥1000); we store minor
 * units so sums and comparisons are exact. Conversion goes through the decimal string, never through
 * `amount * 100`, because 19.99 * 100 is 1998.9999999999998 in binary floating point.
 */

/** ISO 4217 currencies whose minor unit is not 1/100. Every other code has exponent 2. */
const EXPONENT_BY_CURRENCY: Readonly<Record<string, number>> = {
  bif: 0, clp: 0, djf: 0, gnf: 0, isk: 0, jpy: 0, kmf: 0, krw: 0, pyg: 0,
  rwf: 0, ugx: 0, uyi: 0, vnd: 0, vuv: 0, xaf: 0, xof: 0, xpf: 0,
  bhd: 3, iqd: 3, jod: 3, kwd: 3, lyd: 3, omr: 3, tnd: 3,
  clf: 4,
};

/** Digits after the decimal point in one major unit of `currency` (case-insensitive); 2 when not listed. */
export function currencyExponent(currency: string): number {
  const exponent = EXPONENT_BY_CURRENCY[currency.toLowerCase()];
  return exponent ?? 2;
}

/** Sign, integer digits, fraction digits, decimal exponent: "12", "-0.285", ".5", "1e-7", "1.5E+3". */
const DECIMAL = /^([+-])?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** Beyond this many integer digits a minor-unit amount cannot be a safe integer. */
const MAX_SAFE_DIGITS = String(Number.MAX_SAFE_INTEGER).length;

/**
 * Converts a Whop amount in major units (number or decimal string) to integer minor units of `currency`.
 * Exact: works on the decimal digits, so 19.99 usd is 1999 and 0.285 usd is 29.
 * Digits beyond the currency's exponent are rounded half away from zero (-0.285 usd is -29).
 * Throws RangeError for NaN, Infinity, non-numeric strings, or a result beyond Number.MAX_SAFE_INTEGER.
 */
export function toMinorUnits(amount: number | string, currency: string): number {
  if (typeof amount === 'number' && !Number.isFinite(amount)) {
    throw new RangeError(`amount is not a finite number: ${amount}`);
  }
  // String(number) gives the shortest decimal that round-trips, e.g. "10.43" or "1e-7".
  const text = typeof amount === 'number' ? String(amount) : amount.trim();
  const match = DECIMAL.exec(text);
  const [, sign = '', intPart = '', fracPart = '', expPart = '0'] = match ?? [];
  if (!match || (intPart === '' && fracPart === '')) {
    throw new RangeError(`amount is not a decimal number: ${JSON.stringify(amount)}`);
  }

  // digits × 10^(pointAt − digits.length) is the amount in minor units.
  let digits = intPart + fracPart;
  let pointAt = intPart.length + Number(expPart) + currencyExponent(currency);
  const firstNonZero = digits.search(/[1-9]/);
  if (firstNonZero === -1) return 0;
  digits = digits.slice(firstNonZero);
  pointAt -= firstNonZero;

  if (pointAt > MAX_SAFE_DIGITS) throw unsafe(amount, currency);
  const whole = pointAt <= 0 ? '0' : digits.slice(0, pointAt).padEnd(pointAt, '0');
  // Half away from zero only needs the first dropped digit; when the point is left of all
  // digits by more than one place, that digit is an implicit zero.
  const firstDropped = pointAt < 0 ? '0' : (digits[pointAt] ?? '0');
  const magnitude = Number(whole) + (firstDropped >= '5' ? 1 : 0);
  if (!Number.isSafeInteger(magnitude)) throw unsafe(amount, currency);
  // `0 * -1` is -0; minor units have no negative zero.
  return sign === '-' && magnitude !== 0 ? -magnitude : magnitude;
}

/**
 * The major-unit decimal string of an amount in minor units, with exactly the currency's exponent
 * of fraction digits: 1043 usd is "10.43", 1000 jpy is "1000", 1234 kwd is "1.234", -5 usd is "-0.05".
 * Throws RangeError when `minorUnits` is not a safe integer.
 */
export function formatMinorUnits(minorUnits: number, currency: string): string {
  if (!Number.isSafeInteger(minorUnits)) {
    throw new RangeError(`minor units must be a safe integer: ${minorUnits}`);
  }
  const exponent = currencyExponent(currency);
  const sign = minorUnits < 0 ? '-' : '';
  const digits = String(Math.abs(minorUnits));
  if (exponent === 0) return sign + digits;
  const padded = digits.padStart(exponent + 1, '0');
  return `${sign}${padded.slice(0, -exponent)}.${padded.slice(-exponent)}`;
}

function unsafe(amount: number | string, currency: string): RangeError {
  return new RangeError(`amount ${JSON.stringify(amount)} ${currency} exceeds the safe integer range in minor units`);
}

const amountFormats = new Map<string, Intl.NumberFormat | null>();
/**
 * An amount in minor units as a member reads it: "$29.99", "¥1,000"; a code Intl cannot format as
 * "12.34 XYZ". Formatters are cached (building one is slow); the cache changes no result.
 */
export function formatAmount(minorUnits: number, currency: string): string {
  const code = currency.toUpperCase();
  if (!amountFormats.has(code)) {
    let format: Intl.NumberFormat | null = null;
    try {
      format = new Intl.NumberFormat('en-US', { style: 'currency', currency: code });
    } catch {}
    amountFormats.set(code, format);
  }
  const format = amountFormats.get(code);
  const major = formatMinorUnits(minorUnits, currency);
  return format ? format.format(Number(major)) : `${major} ${code}`;
}
