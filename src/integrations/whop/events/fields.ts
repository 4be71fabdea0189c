import { z } from 'zod';
import { toMinorUnits } from '../../../domain/money.ts';
import { mapFailure, type MapFailure, type ResolvedReferences } from './map-result.ts';
import type { WebhookEnvelope } from './webhook-envelope.ts';

/**
 * Field schemas and small parsers shared by the event files. Schemas are loose and nullish
 * because Whop documents most nested objects as `| null` and adds fields over time.
 */

/** A nested Whop object of which we only need the id: `{ id: "mem_…", … }`. */
export const idObject = z.looseObject({ id: z.string().min(1) });

/** A bare id string becomes `{ id }`, so both shapes parse alike and errors still name `….id`. */
const bareIdToObject = (value: unknown) => (typeof value === 'string' ? { id: value } : value);

/**
 * A related record: nested (`{ id, … }`, up to 2026-07-20) or a bare id string (newer versions may
 * return ids instead of objects; whopsdk-rust payments.rs). Parsed into `{ id }` either way.
 */
export const idRef = z.preprocess(bareIdToObject, idObject);

/**
 * `user` on payments and memberships, nested or a bare id. `email` is null without the
 * member:email:read permission, and absent (undefined) when the payload gave only an id.
 */
export const userRef = z.preprocess(bareIdToObject, z.looseObject({ id: z.string().min(1), email: z.string().nullish() }));

export type Ref = z.infer<typeof idRef>;
export type UserRef = z.infer<typeof userRef>;

/** The id of a related record, or null. */
export function refId(ref: Ref | UserRef | null | undefined): string | null {
  return ref?.id ?? null;
}

/**
 * The member's email from a user reference: `known` is false when the payload could not say (a bare
 * id, no user, no email field), so a lookup may tell; true with null when Whop withheld it (no member:email:read).
 */
export function emailOf(user: UserRef | null | undefined): { known: boolean; email: string | null } {
  if (!user || user.email === undefined) return { known: false, email: null };
  return { known: true, email: user.email };
}

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

/**
 * Signals that only some charges carry, as the domain stores them. `card_exp_*` are top-level at
 * newer versions and under `payment_method.card` before; a month outside 1–12 is dropped, not stored.
 */
export const cardExpiryFields = {
  card_exp_month: z.number().int().nullish(),
  card_exp_year: z.number().int().nullish(),
  /** `{ id, card: { exp_month, exp_year } }`, or a bare id at newer versions. */
  payment_method: z
    .union([z.string(), z.looseObject({ card: z.looseObject({ exp_month: z.number().int().nullish(), exp_year: z.number().int().nullish() }).nullish() })])
    .nullish(),
};

export function cardExpiryOf(p: {
  card_exp_month?: number | null | undefined;
  card_exp_year?: number | null | undefined;
  payment_method?: string | { card?: { exp_month?: number | null | undefined; exp_year?: number | null | undefined } | null | undefined } | null | undefined;
}): { cardExpMonth: number | null; cardExpYear: number | null } {
  const card = typeof p.payment_method === 'object' ? p.payment_method?.card : null;
  const month = p.card_exp_month ?? card?.exp_month ?? null;
  const year = p.card_exp_year ?? card?.exp_year ?? null;
  if (month === null || year === null || month < 1 || month > 12) return { cardExpMonth: null, cardExpYear: null };
  // Two-digit years (25) are read as 2025.
  return { cardExpMonth: month, cardExpYear: year < 100 ? 2000 + year : year };
}

/** An optional ISO timestamp field: null when absent, invalid_payload naming the field when unreadable. */
export function optionalTimestamp(field: string, value: string | null | undefined): Parsed<Date | null> {
  if (value === null || value === undefined) return { ok: true, value: null };
  const date = parseIsoTimestamp(value);
  return date ? { ok: true, value: date } : mapFailure('invalid_payload', `${field}: not an ISO 8601 timestamp: ${JSON.stringify(value)}`);
}

/** The first non-empty company id, in the caller's order of preference. */
export function firstCompanyId(...ids: ReadonlyArray<string | null | undefined>): string | null {
  return ids.find((id): id is string => typeof id === 'string' && id.length > 0) ?? null;
}

/**
 * Whose event it is: the record's own company (nested or id; `account` from 2026-08-14), else the
 * envelope's `company_id` or, from 2026-08-14, `account_id`.
 */
export function companyIdOf(envelope: WebhookEnvelope, ...refs: ReadonlyArray<Ref | null | undefined>): string | null {
  return firstCompanyId(...refs.map(refId), envelope.company_id, envelope.account_id);
}

/**
 * The member behind a record: user id and email from the payload, completed from the membership
 * looked up in Whop when the payload gave the user as a bare id (or not at all). `emailWithheld`
 * is true when Whop sent the user without an email: the member:email:read permission is missing.
 */
export function memberOf(
  user: UserRef | null | undefined,
  whopMembershipId: string,
  references: ResolvedReferences,
): { whopUserId: string | null; memberEmail: string | null; emailWithheld: boolean } {
  const fromPayload = emailOf(user);
  const looked = references.memberships.get(whopMembershipId);
  const whopUserId = refId(user) ?? looked?.userId ?? null;
  if (fromPayload.known) return { whopUserId, memberEmail: fromPayload.email, emailWithheld: fromPayload.email === null };
  return { whopUserId, memberEmail: looked?.email ?? null, emailWithheld: false };
}
