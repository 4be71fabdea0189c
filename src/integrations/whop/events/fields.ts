import { z } from 'zod';
import { toMinorUnits } from '../../../domain/money.ts';
import { mapFailure, type MapFailure } from './map-result.ts';

/**
 * Field schemas and small parsers shared by the event files. Schemas are loose and nullish
 * because Whop documents most nested objects as `| null` and adds fields over time.
 */

/** A nested Whop object of which we only need the id: `{ id: "mem_…", … }`. */
export const idRef = z.looseObject({ id: z.string().min(1) });

/** `user` on payments and memberships; `email` needs the member:email:read scope, else null. */
export const userRef = z.looseObject({ id: z.string().min(1), email: z.string().nullish() });

/** Decimal amount in major currency units (29.99 for $29.99); a string is tolerated. */
export const decimalAmount = z.union([z.number(), z.string()], { error: 'expected a decimal number or string' }).nullish();

/** ISO 8601 string; parsed later by `pickOccurredAt` so the failure can name the field. */
export const isoTimestamp = z.string().nullish();

export type Parsed<T> = { ok: true; value: T } | MapFailure;

/** Parses `data` with `schema`; on failure the detail names each bad field as `data.<path>`. */
export function parseData<T>(schema: z.ZodType<T>, data: unknown): Parsed<T> {
  const result = schema.safeParse(data);
  if (result.success) return { ok: true, value: result.data };
  const problems = result.error.issues.map((issue) => {
    const path = ['data', ...issue.path.map(String)].join('.');
    return `${path}: ${issue.message}`;
  });
  return mapFailure('invalid_payload', problems.join('; '));
}

/**
 * Offset is required: a timestamp without one would be read in the server's local zone.
 * Fractions beyond milliseconds are allowed and truncated.
 */
const ISO_8601 = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2})?)(?:\.(\d+))?(Z|[+-]\d{2}:?\d{2})$/;

/** The instant an ISO 8601 string names, or null when it is not one. */
export function parseIsoTimestamp(value: string): Date | null {
  const match = ISO_8601.exec(value.trim());
  if (!match) return null;
  const [, dateTime, fraction, zone = 'Z'] = match;
  const millis = fraction ? `.${fraction.slice(0, 3).padEnd(3, '0')}` : '';
  const offset = zone === 'Z' || zone.includes(':') ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`;
  const date = new Date(`${dateTime}${millis}${offset}`);
  return Number.isNaN(date.getTime()) ? null : date;
}

/**
 * occurredAt from the first candidate that is present, in the caller's order of preference.
 * A present but unparsable candidate is invalid_payload naming it, rather than silently falling
 * through to a later (less precise) timestamp.
 */
export function pickOccurredAt(candidates: ReadonlyArray<readonly [field: string, value: string | null | undefined]>): Parsed<Date> {
  for (const [field, value] of candidates) {
    if (value === null || value === undefined) continue;
    const date = parseIsoTimestamp(value);
    if (!date) return mapFailure('invalid_payload', `${field}: not an ISO 8601 timestamp: ${JSON.stringify(value)}`);
    return { ok: true, value: date };
  }
  const fields = candidates.map(([field]) => field).join(', ');
  return mapFailure('invalid_payload', `no timestamp: none of ${fields} is present`);
}

/**
 * Minor units of a decimal amount; null when the amount is absent, or when the currency is, since
 * the number of minor units depends on it (1000 is ¥1000 but $10.00).
 */
export function amountInMinorUnits(
  field: string,
  amount: number | string | null | undefined,
  currency: string | null,
): Parsed<number | null> {
  if (amount === null || amount === undefined || currency === null) return { ok: true, value: null };
  try {
    return { ok: true, value: toMinorUnits(amount, currency) };
  } catch (error) {
    if (error instanceof RangeError) return mapFailure('invalid_payload', `${field}: ${error.message}`);
    throw error;
  }
}

/** Whop currency codes are lowercase ISO 4217; lowercased again in case a producer differs. */
export function normalizeCurrency(currency: string | null | undefined): string | null {
  const trimmed = currency?.trim();
  return trimmed ? trimmed.toLowerCase() : null;
}

/** The first non-empty company id, in the caller's order of preference. */
export function firstCompanyId(...ids: ReadonlyArray<string | null | undefined>): string | null {
  return ids.find((id): id is string => typeof id === 'string' && id.length > 0) ?? null;
}
