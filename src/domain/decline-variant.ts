/**
 * Which message a member gets depends on why their payment failed: an expired card needs a new
 * card, insufficient funds often clears on its own, a bank decline needs the bank or another card.
 */
export const DECLINE_VARIANTS = ['insufficient_funds', 'card_expired', 'card_declined', 'generic'] as const;
export type DeclineVariant = (typeof DECLINE_VARIANTS)[number];

/** Messages (and bare codes) saying the money was not there; shared by variants and categories. */
const INSUFFICIENT_FUNDS_MESSAGE = /insufficient[\s_-]*funds|not[\s_-]*sufficient[\s_-]*funds|\bnsf\b|withdrawal[\s_-]*count[\s_-]*limit/i;
/** Messages (and bare codes) of a bank's refusal; shared by variants and categories. */
const DECLINED_MESSAGE =
  /declin|do[\s_-]*not[\s_-]*honou?r|not[\s_-]*permitted|not[\s_-]*allowed|not[\s_-]*support|lost[\s_-]*card|stolen[\s_-]*card|pick[\s_-]*up[\s_-]*card|restricted[\s_-]*card|security[\s_-]*violation|incorrect[\s_-]*(?:cvc|number|zip)|invalid[\s_-]*(?:cvc|number|account|expiry)|card[\s_-]*velocity|fraudulent|revoked/i;

/**
 * First match wins, so the order matters: Stripe-like reasons often nest a specific decline code
 * inside a generic one ("card_declined: insufficient_funds"), and the specific one decides.
 * Reasons come from Whop's failure_message (prose such as "Your card was declined.") or a bare
 * decline code (do_not_honor); both spellings are matched, case-insensitively.
 */
const VARIANT_BY_REASON: readonly (readonly [RegExp, DeclineVariant])[] = [
  [INSUFFICIENT_FUNDS_MESSAGE, 'insufficient_funds'],
  // "expired", not "expir": invalid_expiry_year is a typo in the card details, not an expired card.
  [/expired/i, 'card_expired'],
  [DECLINED_MESSAGE, 'card_declined'],
];

/**
 * The message variant for a payment's failure reason. Null, blank or unrecognised reasons
 * (processing errors, a cancelled membership) get the generic message.
 */
export function declineVariantOf(failureReason: string | null): DeclineVariant {
  if (failureReason === null) return 'generic';
  for (const [pattern, variant] of VARIANT_BY_REASON) if (pattern.test(failureReason)) return variant;
  return 'generic';
}

/**
 * Decline categories: what the playbook does about a failure (src/domain/playbook.ts). Finer than
 * the message variant above in one way that matters: a lost or stolen card is told "declined" by
 * its message but is planned as card_unusable (ask for a new card, never retry).
 * - needs_authentication: the bank wants the member to confirm the charge (3-D Secure).
 * - card_unusable: expired, lost, stolen, closed or wrong card details: only a new card helps.
 * - insufficient_funds: the card works but the money is not there yet: time the ask for payday.
 * - issuer_soft_decline: the bank said no for now: retry first, then ask.
 * - unknown: nothing tells us why.
 */
export const DECLINE_CATEGORIES = ['needs_authentication', 'card_unusable', 'insufficient_funds', 'issuer_soft_decline', 'unknown'] as const;
export type DeclineCategory = (typeof DECLINE_CATEGORIES)[number];

/**
 * Decline codes that mean the bank wants the member to authenticate, not a new card: Whop's
 * three_d_secure_* family (eleven values) and Stripe's authentication_required. The one test of it:
 * case-lifecycle.ts marks such a case needs_authentication with it.
 */
export const AUTHENTICATION_DECLINE = /^(three_d_secure|authentication_required)/;

/**
 * Whop's decline codes by category. Whop's code list is not in the SDK snapshot we could read
 * (whopsdk-typescript of 2026-07-21 has no decline_code), so this is Whop's "payment declines"
 * reasons page plus the Stripe decline codes Whop passes through; three_d_secure_* match by prefix
 * (AUTHENTICATION_DECLINE). A code not listed here falls back to the failure message.
 */
const CATEGORY_BY_CODE: Readonly<Record<string, DeclineCategory>> = {
  authentication_required: 'needs_authentication',
  // The card itself cannot be charged again: a new card (or fixed details) is the only way.
  expired_card: 'card_unusable',
  card_expired: 'card_unusable',
  lost_card: 'card_unusable',
  stolen_card: 'card_unusable',
  pickup_card: 'card_unusable',
  restricted_card: 'card_unusable',
  card_closed: 'card_unusable',
  account_closed: 'card_unusable',
  invalid_account: 'card_unusable',
  new_account_information_available: 'card_unusable',
  card_not_supported: 'card_unusable',
  currency_not_supported: 'card_unusable',
  invalid_card_number: 'card_unusable',
  incorrect_number: 'card_unusable',
  invalid_number: 'card_unusable',
  invalid_cvc: 'card_unusable',
  incorrect_cvc: 'card_unusable',
  invalid_cvc_or_expiration: 'card_unusable',
  invalid_expiry_month: 'card_unusable',
  invalid_expiry_year: 'card_unusable',
  incorrect_zip: 'card_unusable',
  incorrect_pin: 'card_unusable',
  invalid_pin: 'card_unusable',
  pin_try_exceeded: 'card_unusable',
  // Fraud and "stop" codes: retrying is what the bank asked us not to do.
  fraudulent: 'card_unusable',
  suspected_fraud: 'card_unusable',
  merchant_blacklist: 'card_unusable',
  stop_payment_order: 'card_unusable',
  revocation_of_authorization: 'card_unusable',
  revocation_of_all_authorizations: 'card_unusable',
  do_not_try_again: 'card_unusable',
  security_violation: 'card_unusable',
  // The card works; the balance or limit does not, until money comes in.
  insufficient_funds: 'insufficient_funds',
  withdrawal_count_limit_exceeded: 'insufficient_funds',
  card_velocity_exceeded: 'insufficient_funds',
  // The issuer declined for now: a later retry often passes.
  do_not_honor: 'issuer_soft_decline',
  generic_decline: 'issuer_soft_decline',
  card_declined: 'issuer_soft_decline',
  call_issuer: 'issuer_soft_decline',
  approve_with_id: 'issuer_soft_decline',
  issuer_not_available: 'issuer_soft_decline',
  try_again_later: 'issuer_soft_decline',
  reenter_transaction: 'issuer_soft_decline',
  processing_error: 'issuer_soft_decline',
  transaction_not_allowed: 'issuer_soft_decline',
  not_permitted: 'issuer_soft_decline',
  service_not_allowed: 'issuer_soft_decline',
  no_action_taken: 'issuer_soft_decline',
  duplicate_transaction: 'issuer_soft_decline',
  invalid_amount: 'issuer_soft_decline',
  // Nothing the member or a retry can act on.
  testmode_decline: 'unknown',
};

/** Failure messages by category, first match wins (the same order rule as VARIANT_BY_REASON). */
const CATEGORY_BY_MESSAGE: readonly (readonly [RegExp, DeclineCategory])[] = [
  [/authenticat|3[\s_-]*d[\s_-]*secure|three[\s_-]*d[\s_-]*secure|\bsca\b/i, 'needs_authentication'],
  [INSUFFICIENT_FUNDS_MESSAGE, 'insufficient_funds'],
  [/expired|\blost\b|lost[\s_-]*card|stolen|pick[\s_-]*up[\s_-]*card|restricted[\s_-]*card|closed|revoked|fraud|incorrect[\s_-]*(?:cvc|number|zip)|invalid[\s_-]*(?:cvc|number|account|expiry)|not[\s_-]*support/i, 'card_unusable'],
  [DECLINED_MESSAGE, 'issuer_soft_decline'],
];

export interface DeclineInput {
  /** Whop's decline_code of the latest failure; null when none was given. */
  declineCode: string | null;
  /** Whop's failure_message; read only when the code is absent or not one we know. */
  failureMessage: string | null;
  /** payment.requires_action was received (or the case says so): always needs_authentication. */
  needsAuthentication: boolean;
  /** Expiry of the card charged; a card past its month is unusable whatever the code says. */
  cardExpMonth?: number | null;
  cardExpYear?: number | null;
  /** When the charge failed, to compare with the expiry; without it the expiry is not read. */
  failedAt?: Date | null;
}

/**
 * The decline category of a failure. Order: a request for authentication wins; then a card whose
 * expiry month has passed (in UTC) at failedAt; then the decline code; then the failure message.
 * Pure and total: every input has a category, unknown as the last resort.
 */
export function declineCategoryOf(input: DeclineInput): DeclineCategory {
  const code = input.declineCode?.trim().toLowerCase() || null;
  if (input.needsAuthentication || (code !== null && AUTHENTICATION_DECLINE.test(code))) return 'needs_authentication';
  if (isCardExpired(input)) return 'card_unusable';
  if (code !== null) {
    const byCode = CATEGORY_BY_CODE[code];
    if (byCode !== undefined) return byCode;
  }
  for (const text of [input.failureMessage, code]) {
    if (text === null || text.trim() === '') continue;
    for (const [pattern, category] of CATEGORY_BY_MESSAGE) if (pattern.test(text)) return category;
  }
  return 'unknown';
}

/** The card expires at the end of its expiry month: failing in a later month means it is expired. */
function isCardExpired({ cardExpMonth: month, cardExpYear: year, failedAt }: DeclineInput): boolean {
  if (month == null || year == null || failedAt == null) return false;
  return failedAt.getUTCFullYear() * 12 + failedAt.getUTCMonth() > year * 12 + (month - 1);
}
