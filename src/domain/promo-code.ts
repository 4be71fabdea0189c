import { formatMinorUnits } from './money.ts';

/**
 * Promo-code incentives (issue #15 §3): the terms a company offers, the code a case gets, what the
 * code costs once redeemed, and the sentence the case shows. Pure: the random bytes and the clock
 * come in as arguments.
 */

/** What a company's promo code gives; percentage or a flat amount in the case's currency. */
export type PromoTerms =
  | { promo_type: 'percentage'; percent_off: number; duration_months: number; valid_days: number }
  | { promo_type: 'flat_amount'; amount_off_cents: number; currency: string; duration_months: number; valid_days: number };

/** Alphabet without look-alikes (0/O, 1/I/L): a member types the code at checkout. */
const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
export const PROMO_CODE_PREFIX = 'SAVE-';
/** 8 symbols of 31: about 40 bits, so a code cannot be guessed by another member. */
export const PROMO_CODE_SYMBOLS = 8;

/**
 * The case's code, e.g. `SAVE-7K3QM9TX`, from random bytes (at least PROMO_CODE_SYMBOLS of them).
 * Chosen once, stored with the incentive before Whop is called: the same code is what an
 * interrupted creation is looked up by, so a retry never makes a second one.
 */
export function promoCodeFrom(randomBytes: Uint8Array): string {
  if (randomBytes.length < PROMO_CODE_SYMBOLS) throw new Error(`promoCodeFrom needs ${PROMO_CODE_SYMBOLS} random bytes`);
  let code = PROMO_CODE_PREFIX;
  // 256 % 31 leaves a slight bias towards the first symbols; harmless for a single-use code.
  for (let i = 0; i < PROMO_CODE_SYMBOLS; i++) code += CODE_ALPHABET[randomBytes[i]! % CODE_ALPHABET.length];
  return code;
}

/** Whop codes compare without regard to case; ours are upper-case already. */
export function isSamePromoCode(a: string | null | undefined, b: string | null | undefined): boolean {
  return typeof a === 'string' && typeof b === 'string' && a.trim().toUpperCase() === b.trim().toUpperCase();
}

/**
 * Why these terms cannot apply to a case in `currency`, or null when they can: a flat amount is
 * in one currency and Whop applies it in that currency only.
 */
export function whyPromoTermsDoNotApply(terms: PromoTerms, currency: string | null): string | null {
  if (terms.promo_type === 'percentage') return null;
  if (!currency) return `the flat amount is in ${terms.currency.toUpperCase()} and the case's currency is unknown`;
  return currency.toLowerCase() === terms.currency.toLowerCase() ? null : `the flat amount is in ${terms.currency.toUpperCase()} and this case is in ${currency.toUpperCase()}`;
}

/** "20 % off for 3 months", "$5.00 off for 1 month": what {promo_offer} reads. */
export function describePromoOffer(terms: PromoTerms): string {
  const off = terms.promo_type === 'percentage' ? `${terms.percent_off} % off` : `${formatFlat(terms.amount_off_cents, terms.currency)} off`;
  return `${off} for ${terms.duration_months} ${terms.duration_months === 1 ? 'month' : 'months'}`;
}

function formatFlat(cents: number, currency: string): string {
  const code = currency.toUpperCase();
  const major = formatMinorUnits(cents, currency);
  try {
    return new Intl.NumberFormat('en-US', { style: 'currency', currency: code }).format(Number(major));
  } catch {
    return `${major} ${code}`;
  }
}

/** When a code created at `createdAt` stops being accepted by Whop (`expires_at`). */
export function promoExpiresAt(terms: PromoTerms, createdAt: Date): Date {
  return new Date(createdAt.getTime() + terms.valid_days * 86_400_000);
}

/**
 * The discount a redeemed code commits the company to, in minor units of the payment's currency:
 * the discount on the redeeming payment times the months the code lasts. The payment's own
 * figures (`subtotal` − `total`) are preferred; without them it follows from the terms and the
 * amount the member paid. Counted in full at redemption, like free days at their grant: a member
 * who leaves early makes it an overstatement of cost, never of what was recovered net.
 */
export function promoCostCents(terms: PromoTerms, payment: { totalCents: number | null; subtotalCents: number | null }): number {
  const { totalCents, subtotalCents } = payment;
  let perPayment: number;
  if (totalCents !== null && subtotalCents !== null && subtotalCents > totalCents) perPayment = subtotalCents - totalCents;
  else if (terms.promo_type === 'flat_amount') perPayment = terms.amount_off_cents;
  else if (totalCents !== null && terms.percent_off < 100) perPayment = Math.round((totalCents * terms.percent_off) / (100 - terms.percent_off));
  else perPayment = 0;
  return Math.max(0, perPayment) * terms.duration_months;
}

/** The stored state of a case's promo code, as the case detail and the timeline read it. */
export interface PromoCodeState {
  code: string;
  terms: PromoTerms;
  /** Incentive status: pending/granting (being created), granted (exists at Whop), failed, unknown. */
  status: 'pending' | 'granting' | 'granted' | 'failed' | 'unknown';
  expiresAt: Date | null;
  redeemedAt: Date | null;
  error: string | null;
}

/**
 * One truthful sentence: "Promo code SAVE-7K3QM9TX: 20 % off for 3 months, not redeemed yet".
 * A code is only called created once Whop has it, and only called redeemed once a payment used it.
 */
export function describePromoCodeState(state: PromoCodeState, now: Date): string {
  const head = `Promo code ${state.code}: ${describePromoOffer(state.terms)}`;
  switch (state.status) {
    case 'pending':
    case 'granting':
      return `${head}, being created at Whop (not sent to the member yet)`;
    case 'failed':
      return `${head}, not created${state.error ? ` (${state.error})` : ''}`;
    case 'unknown':
      return `${head}, creation interrupted and not confirmed by Whop: check Whop's promo codes before offering it by hand`;
    case 'granted':
      if (state.redeemedAt) return `${head}, redeemed on ${state.redeemedAt.toISOString().slice(0, 10)}`;
      if (state.expiresAt && state.expiresAt.getTime() <= now.getTime()) return `${head}, expired on ${state.expiresAt.toISOString().slice(0, 10)} without being redeemed`;
      return `${head}, not redeemed yet${state.expiresAt ? ` (valid until ${state.expiresAt.toISOString().slice(0, 10)})` : ''}`;
  }
}
