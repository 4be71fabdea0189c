import { describe, expect, it } from 'vitest';
import { type DeclineVariant, declineVariantOf } from '../../src/domain/decline-variant.ts';

interface Row {
  title: string;
  failureReason: string | null;
  expected: DeclineVariant;
}

const rows: Row[] = [
  { title: 'Whop\'s "Your card has insufficient funds." gets the insufficient-funds message', failureReason: 'Your card has insufficient funds.', expected: 'insufficient_funds' },
  { title: 'the insufficient_funds decline code gets the insufficient-funds message', failureReason: 'insufficient_funds', expected: 'insufficient_funds' },
  { title: 'a generic decline wrapping insufficient funds gets the insufficient-funds message', failureReason: 'card_declined: insufficient_funds', expected: 'insufficient_funds' },
  { title: 'a withdrawal limit reached gets the insufficient-funds message', failureReason: 'withdrawal_count_limit_exceeded', expected: 'insufficient_funds' },
  { title: '"Your card has expired." gets the expired-card message', failureReason: 'Your card has expired.', expected: 'card_expired' },
  { title: 'the expired_card decline code gets the expired-card message', failureReason: 'expired_card', expected: 'card_expired' },
  { title: 'case does not matter ("CARD EXPIRED")', failureReason: 'CARD EXPIRED', expected: 'card_expired' },
  { title: 'a mistyped expiry year is a declined card, not an expired one', failureReason: 'invalid_expiry_year', expected: 'card_declined' },
  { title: '"Your card was declined." gets the declined-card message', failureReason: 'Your card was declined.', expected: 'card_declined' },
  { title: 'do_not_honor gets the declined-card message', failureReason: 'do_not_honor', expected: 'card_declined' },
  { title: '"Do not honour" (British spelling) gets the declined-card message', failureReason: 'Do not honour', expected: 'card_declined' },
  { title: 'generic_decline gets the declined-card message', failureReason: 'generic_decline', expected: 'card_declined' },
  { title: 'a stolen card is told "declined", never "stolen"', failureReason: 'stolen_card', expected: 'card_declined' },
  { title: 'a wrong security code gets the declined-card message', failureReason: 'incorrect_cvc', expected: 'card_declined' },
  { title: 'a card that does not support the purchase gets the declined-card message', failureReason: 'Your card does not support this type of purchase.', expected: 'card_declined' },
  { title: 'a processing error gets the generic message', failureReason: 'processing_error', expected: 'generic' },
  { title: 'a membership cancelled without a payment failure gets the generic message', failureReason: 'membership_deactivated', expected: 'generic' },
  { title: 'an unknown reason gets the generic message', failureReason: 'Something went wrong', expected: 'generic' },
  { title: 'an empty reason gets the generic message', failureReason: '', expected: 'generic' },
  { title: 'no reason at all gets the generic message', failureReason: null, expected: 'generic' },
];

describe('declineVariantOf', () => {
  it.each(rows)('$title', ({ failureReason, expected }) => {
    expect(declineVariantOf(failureReason)).toBe(expected);
  });
});
