import { describe, expect, it } from 'vitest';
import { type DeclineCategory, declineCategoryOf } from '../../src/domain/decline-variant.ts';

const byCode = (declineCode: string | null, failureMessage: string | null = null) => declineCategoryOf({ declineCode, failureMessage, needsAuthentication: false });

/**
 * Whop's decline codes (its "payment declines" reasons page and the Stripe codes it passes through)
 * with the category each must get. A code moved to another category changes what members are sent.
 */
const CODES: readonly (readonly [string, DeclineCategory])[] = [
  ['three_d_secure_required', 'needs_authentication'],
  ['three_d_secure_failed', 'needs_authentication'],
  ['authentication_required', 'needs_authentication'],
  ['expired_card', 'card_unusable'],
  ['lost_card', 'card_unusable'],
  ['stolen_card', 'card_unusable'],
  ['pickup_card', 'card_unusable'],
  ['restricted_card', 'card_unusable'],
  ['card_not_supported', 'card_unusable'],
  ['currency_not_supported', 'card_unusable'],
  ['invalid_account', 'card_unusable'],
  ['new_account_information_available', 'card_unusable'],
  ['invalid_card_number', 'card_unusable'],
  ['incorrect_number', 'card_unusable'],
  ['invalid_cvc', 'card_unusable'],
  ['incorrect_cvc', 'card_unusable'],
  ['invalid_cvc_or_expiration', 'card_unusable'],
  ['invalid_expiry_year', 'card_unusable'],
  ['incorrect_zip', 'card_unusable'],
  ['incorrect_pin', 'card_unusable'],
  ['suspected_fraud', 'card_unusable'],
  ['fraudulent', 'card_unusable'],
  ['merchant_blacklist', 'card_unusable'],
  ['stop_payment_order', 'card_unusable'],
  ['revocation_of_authorization', 'card_unusable'],
  ['do_not_try_again', 'card_unusable'],
  ['security_violation', 'card_unusable'],
  ['insufficient_funds', 'insufficient_funds'],
  ['withdrawal_count_limit_exceeded', 'insufficient_funds'],
  ['card_velocity_exceeded', 'insufficient_funds'],
  ['do_not_honor', 'issuer_soft_decline'],
  ['generic_decline', 'issuer_soft_decline'],
  ['card_declined', 'issuer_soft_decline'],
  ['call_issuer', 'issuer_soft_decline'],
  ['approve_with_id', 'issuer_soft_decline'],
  ['issuer_not_available', 'issuer_soft_decline'],
  ['try_again_later', 'issuer_soft_decline'],
  ['reenter_transaction', 'issuer_soft_decline'],
  ['processing_error', 'issuer_soft_decline'],
  ['transaction_not_allowed', 'issuer_soft_decline'],
  ['not_permitted', 'issuer_soft_decline'],
  ['service_not_allowed', 'issuer_soft_decline'],
  ['no_action_taken', 'issuer_soft_decline'],
  ['duplicate_transaction', 'issuer_soft_decline'],
  ['invalid_amount', 'issuer_soft_decline'],
  ['testmode_decline', 'unknown'],
];

describe('declineCategoryOf: Whop decline codes', () => {
  it.each(CODES)('%s is %s', (code, expected) => {
    expect(byCode(code)).toBe(expected);
  });

  it('reads codes whatever their case or surrounding spaces', () => {
    expect(byCode('  Expired_Card ')).toBe('card_unusable');
  });

  it('the code decides over a message that says something else', () => {
    expect(byCode('insufficient_funds', 'Your card was declined.')).toBe('insufficient_funds');
  });
});

describe('declineCategoryOf: without a code, the failure message', () => {
  const rows: readonly (readonly [string, DeclineCategory])[] = [
    ['Your card has insufficient funds.', 'insufficient_funds'],
    ['card_declined: insufficient_funds', 'insufficient_funds'],
    ['Your card has expired.', 'card_unusable'],
    ['This card was reported lost.', 'card_unusable'],
    ['The card has been reported stolen.', 'card_unusable'],
    ['The account is closed.', 'card_unusable'],
    ['Your card does not support this type of purchase.', 'card_unusable'],
    ['This payment requires authentication.', 'needs_authentication'],
    ['3D Secure verification failed', 'needs_authentication'],
    ['Your card was declined.', 'issuer_soft_decline'],
    ['Do not honour', 'issuer_soft_decline'],
    ['Something went wrong', 'unknown'],
    ['', 'unknown'],
  ];
  it.each(rows)('"%s" is %s', (message, expected) => {
    expect(byCode(null, message)).toBe(expected);
  });

  it('an unlisted code falls back to the message, then to the code read as a message', () => {
    expect(byCode('issuer_specific_42', 'Your card has expired.')).toBe('card_unusable');
    expect(byCode('some_new_insufficient_funds_code', null)).toBe('insufficient_funds');
    expect(byCode('brand_new_code', null)).toBe('unknown');
  });

  it('nothing at all is unknown', () => {
    expect(byCode(null, null)).toBe('unknown');
  });
});

describe('declineCategoryOf: other signals', () => {
  it('payment.requires_action is needs_authentication whatever the code', () => {
    expect(declineCategoryOf({ declineCode: 'do_not_honor', failureMessage: null, needsAuthentication: true })).toBe('needs_authentication');
  });

  it('a card past its expiry month is unusable even under a soft code', () => {
    const input = { declineCode: 'do_not_honor', failureMessage: null, needsAuthentication: false, cardExpMonth: 11, cardExpYear: 2026 };
    expect(declineCategoryOf({ ...input, failedAt: new Date('2026-12-01T00:00:00Z') })).toBe('card_unusable');
    // Still inside its expiry month: the card is valid, the code decides.
    expect(declineCategoryOf({ ...input, failedAt: new Date('2026-11-30T23:59:59Z') })).toBe('issuer_soft_decline');
    // Without the failure time the expiry is not read.
    expect(declineCategoryOf(input)).toBe('issuer_soft_decline');
  });
});
