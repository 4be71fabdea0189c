/**
 * Which message a member gets depends on why their payment failed: an expired card needs a new
 * card, insufficient funds often clears on its own, a bank decline needs the bank or another card.
 */
export const DECLINE_VARIANTS = ['insufficient_funds', 'card_expired', 'card_declined', 'generic'] as const;
export type DeclineVariant = (typeof DECLINE_VARIANTS)[number];

/**
 * First match wins, so the order matters: Stripe-like reasons often nest a specific decline code
 * inside a generic one ("card_declined: insufficient_funds"), and the specific one decides.
 * Reasons come from Whop's failure_message (prose such as "Your card was declined.") or a bare
 * decline code (do_not_honor); both spellings are matched, case-insensitively.
 */
const VARIANT_BY_REASON: readonly (readonly [RegExp, DeclineVariant])[] = [
  [/insufficient[\s_-]*funds|not[\s_-]*sufficient[\s_-]*funds|\bnsf\b|withdrawal[\s_-]*count[\s_-]*limit/i, 'insufficient_funds'],
  // "expired", not "expir": invalid_expiry_year is a typo in the card details, not an expired card.
  [/expired/i, 'card_expired'],
  [
    /declin|do[\s_-]*not[\s_-]*honou?r|not[\s_-]*permitted|not[\s_-]*allowed|not[\s_-]*support|lost[\s_-]*card|stolen[\s_-]*card|pick[\s_-]*up[\s_-]*card|restricted[\s_-]*card|security[\s_-]*violation|incorrect[\s_-]*(?:cvc|number|zip)|invalid[\s_-]*(?:cvc|number|account|expiry)|card[\s_-]*velocity|fraudulent|revoked/i,
    'card_declined',
  ],
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
