import { describe, expect, it } from 'vitest';
import { deriveCases } from '../../src/domain/case-lifecycle.ts';
import type { FactKind, MembershipFact, PaymentSignals } from '../../src/domain/membership-fact.ts';
import type { DerivedCase } from '../../src/domain/recovery-case.ts';

// Details of the fold a creator sees on the case page, found by mutation testing (#13 §8):
// which failure's amount, currency, member and card signals the case shows, stale deliveries,
// hand cancellation, attribution of several payments, and refunds of the right case.
const DAY = 86_400_000;
const T0 = Date.parse('2026-02-02T12:00:00.000Z');
const day = (n: number) => new Date(T0 + n * DAY);
const POLICY = { attributionWindowDays: 10 };
const NO_SIGNALS: PaymentSignals = { declineCode: null, nextPaymentAttemptAt: null, cardExpMonth: null, cardExpYear: null, retryable: null, recoveryUrl: null };

function fact(kind: FactKind, at: number, over: Partial<MembershipFact> = {}): MembershipFact {
  return { kind, companyId: 'biz_d', whopMembershipId: 'mem_d', whopUserId: 'user_1', memberEmail: 'a@example.test', whopPaymentId: 'pay_1', amountCents: 2000, currency: 'usd', reason: 'Your card was declined.', occurredAt: day(at), webhookEventId: null, ...over };
}
const derive = (facts: MembershipFact[], now = day(100)) => deriveCases(facts, POLICY, now);
const one = (facts: MembershipFact[], now?: Date): DerivedCase => {
  const cases = derive(facts, now);
  expect(cases).toHaveLength(1);
  return cases[0]!;
};
const signals = (over: Partial<PaymentSignals>): PaymentSignals => ({ ...NO_SIGNALS, ...over });

describe('what a later failure or authentication request changes on an open case', () => {
  it.each([
    ['payment_failed', { amountCents: null }, { amountAtRiskCents: 2000 }],
    ['payment_failed', { amountCents: 3500 }, { amountAtRiskCents: 3500 }],
    ['payment_failed', { currency: null }, { currency: 'usd' }],
    ['payment_requires_action', { amountCents: null }, { amountAtRiskCents: 2000 }],
    ['payment_requires_action', { amountCents: 3500 }, { amountAtRiskCents: 3500 }],
    ['payment_requires_action', { currency: null }, { currency: 'usd' }],
    ['payment_failed', { memberEmail: 'new@example.test', whopUserId: 'user_2' }, { memberEmail: 'new@example.test', whopUserId: 'user_1' }],
    ['payment_requires_action', { memberEmail: 'new@example.test' }, { memberEmail: 'new@example.test' }],
    ['payment_failed', { memberEmail: null }, { memberEmail: 'a@example.test' }],
  ] as const)('%s with %j: the case shows %j', (kind, over, shown) => {
    expect(one([fact('payment_failed', 0), fact(kind, 1, { whopPaymentId: 'pay_2', ...over })])).toMatchObject(shown);
  });

  it('a case opened without currency, member id or email takes them from the next failure', () => {
    const c = one([fact('payment_failed', 0, { currency: null, whopUserId: null, memberEmail: null }), fact('payment_failed', 1, { whopPaymentId: 'pay_2', currency: 'eur', whopUserId: 'user_9', memberEmail: 'z@example.test' })]);
    expect(c).toMatchObject({ currency: 'eur', whopUserId: 'user_9', memberEmail: 'z@example.test' });
    const viaAuth = one([fact('payment_failed', 0, { currency: null, whopUserId: null }), fact('payment_requires_action', 1, { whopPaymentId: 'pay_2', currency: 'eur', whopUserId: 'user_9' })]);
    expect(viaAuth).toMatchObject({ currency: 'eur', whopUserId: 'user_9' });
  });

  it('a merged soft failure is medium risk, not high as a deactivation would be', () => {
    const c = one([fact('payment_failed', 0, { reason: 'insufficient funds' }), fact('payment_failed', 1, { whopPaymentId: 'pay_2', reason: 'insufficient funds' })]);
    expect(c).toMatchObject({ failureCount: 2, riskLevel: 'medium' });
  });
});

describe('card signals on the case come from the latest charge', () => {
  const failWith = (at: number, s: Partial<PaymentSignals>, kind: FactKind = 'payment_failed') => fact(kind, at, { whopPaymentId: `pay_${at}`, signals: signals(s) });
  it.each([
    ['next retry from a failure', [failWith(0, { nextPaymentAttemptAt: day(3) })], { nextPaymentAttemptAt: day(3) }],
    ['a later failure without a retry clears it', [failWith(0, { nextPaymentAttemptAt: day(3) }), failWith(1, {})], { nextPaymentAttemptAt: null }],
    ['an authentication request leaves the retry as it was', [failWith(0, { nextPaymentAttemptAt: day(3) }), failWith(1, { nextPaymentAttemptAt: day(9) }, 'payment_requires_action')], { nextPaymentAttemptAt: day(3) }],
    ['card expiry needs month and year', [failWith(0, { cardExpMonth: 4, cardExpYear: 2027 }), failWith(1, { cardExpMonth: 9 }), failWith(2, { cardExpYear: 2030 })], { cardExpMonth: 4, cardExpYear: 2027 }],
    ['a newer full expiry replaces it', [failWith(0, { cardExpMonth: 4, cardExpYear: 2027 }), failWith(1, { cardExpMonth: 9, cardExpYear: 2030 })], { cardExpMonth: 9, cardExpYear: 2030 }],
    ['retryable unknown keeps the last known', [failWith(0, { retryable: true }), failWith(1, { retryable: null })], { paymentRetryable: true }],
    ['retryable false replaces true', [failWith(0, { retryable: true }), failWith(1, { retryable: false })], { paymentRetryable: false }],
    ['a request for authentication needs authentication', [failWith(0, {}, 'payment_requires_action')], { needsAuthentication: true }],
    ['a 3-D Secure decline needs authentication', [failWith(0, { declineCode: 'three_d_secure_required' })], { needsAuthentication: true }],
    ['authentication_required decline too', [failWith(0, { declineCode: 'authentication_required' })], { needsAuthentication: true }],
    ['another decline does not', [failWith(0, { declineCode: 'insufficient_funds' })], { needsAuthentication: false }],
    ['a decline that only contains the words does not', [failWith(0, { declineCode: 'card_three_d_secure_required' })], { needsAuthentication: false }],
    ['no decline code does not', [failWith(0, {})], { needsAuthentication: false }],
    ['a later plain failure clears it', [failWith(0, {}, 'payment_requires_action'), failWith(1, { declineCode: 'card_declined' })], { needsAuthentication: false, declineCode: 'card_declined' }],
  ] as const)('%s', (_what, facts, shown) => {
    expect(one([...facts])).toMatchObject(shown);
  });
});

describe('stale deliveries: a failure stamped after its own payment succeeded', () => {
  it.each([['payment_failed'], ['payment_requires_action']] as const)('%s after the success opens no case, even when the payment is refunded later', (kind) => {
    expect(derive([fact('payment_succeeded', 1), fact(kind, 2), fact('payment_reversed', 3, { reason: 'refund' })])).toEqual([]);
  });
  it('a failure of another payment still opens a case', () => {
    expect(one([fact('payment_succeeded', 1), fact('payment_failed', 2, { whopPaymentId: 'pay_2' })], day(3))).toMatchObject({ status: 'open', whopPaymentId: 'pay_2' });
  });
  it('two failures of one payment at one instant in either order: the case is the first payment id', () => {
    const a = fact('payment_failed', 0, { whopPaymentId: 'pay_a', amountCents: 100 });
    const b = fact('payment_failed', 0, { whopPaymentId: 'pay_b', amountCents: 200 });
    expect(one([b, a])).toMatchObject({ whopPaymentId: 'pay_a', amountAtRiskCents: 200, failureCount: 2 });
    expect(one([a, b])).toMatchObject({ whopPaymentId: 'pay_a', amountAtRiskCents: 200, failureCount: 2 });
  });
});

describe('cancelled by hand, and notes', () => {
  it('an open case cancelled by hand is closed without recovery at that time, and a later payment is not attributed', () => {
    const c = one([fact('payment_failed', 0), fact('case_cancelled', 1, { whopPaymentId: null, reason: 'operator: duplicate' }), fact('payment_succeeded', 2)]);
    expect(c).toMatchObject({ status: 'closed_no_recovery', closedAt: day(1), recoveredCents: 0, attributedPayments: [] });
    expect(c.transitions.map((t) => `${t.from}>${t.to}:${t.reason}`)).toEqual(['null>open:payment_failed', 'open>closed_no_recovery:cancelled']);
  });
  it('cancelling a recovered case changes nothing', () => {
    const c = one([fact('payment_failed', 0), fact('payment_succeeded', 1), fact('case_cancelled', 2, { whopPaymentId: null })]);
    expect(c).toMatchObject({ status: 'recovered', closedAt: null });
    expect(c.transitions.map((t) => t.reason)).toEqual(['payment_failed', 'payment_succeeded']);
  });
  it('a scheduled cancellation after recovery is no note on the recovered case', () => {
    const c = one([fact('payment_failed', 0), fact('payment_succeeded', 1), fact('cancellation_scheduled', 2, { whopPaymentId: null })]);
    expect(c.transitions.map((t) => t.reason)).toEqual(['payment_failed', 'payment_succeeded']);
  });
});

describe('payments attributed to a case', () => {
  it('two payments inside the window both count; the same payment twice counts once', () => {
    const c = one([fact('payment_failed', 0), fact('payment_succeeded', 1, { amountCents: 2000 }), fact('payment_succeeded', 5, { whopPaymentId: 'pay_2', amountCents: 500 }), fact('payment_succeeded', 6, { amountCents: 2000 })]);
    expect(c.recoveredCents).toBe(2500);
    expect(c.attributedPayments.map((p) => p.whopPaymentId)).toEqual(['pay_1', 'pay_2']);
    expect(c.transitions.map((t) => t.reason)).toEqual(['payment_failed', 'payment_succeeded', 'payment_attributed']);
  });
  it('a payment without id is attributed under an unknown@<time> id; a case without currency takes the payment\'s', () => {
    const c = one([fact('payment_failed', 0, { currency: null }), fact('payment_succeeded', 1, { whopPaymentId: null, currency: 'eur' })]);
    expect(c.attributedPayments).toEqual([{ whopPaymentId: `unknown@${day(1).toISOString()}`, amountCents: 2000, at: day(1) }]);
    expect(c.currency).toBe('eur');
  });
});

describe('refunds reach the case the payment recovered', () => {
  const twoCases = [fact('payment_failed', 0), fact('payment_succeeded', 1), fact('payment_failed', 20, { whopPaymentId: 'pay_2' }), fact('payment_succeeded', 21, { whopPaymentId: 'pay_2', amountCents: 900 })];
  it('refunding the second case\'s payment leaves the first case recovered', () => {
    const [first, second] = derive([...twoCases, fact('payment_reversed', 22, { whopPaymentId: 'pay_2', amountCents: null, reason: 'refund' })], day(23));
    expect(first).toMatchObject({ status: 'recovered', recoveredCents: 2000 });
    expect(second).toMatchObject({ status: 'open', recoveredCents: 0 });
  });
  it('a second refund of a fully refunded payment adds nothing', () => {
    const c = one([fact('payment_failed', 0), fact('payment_succeeded', 1), fact('payment_reversed', 2, { reason: 'refund' }), fact('payment_reversed', 3, { reason: 'dispute' })], day(5));
    expect(c.transitions.map((t) => t.reason)).toEqual(['payment_failed', 'payment_succeeded', 'recovery_reversed']);
    expect(c.status).toBe('open');
  });
  it('a refund exactly at the end of the window reopens the case', () => {
    const c = one([fact('payment_failed', 0), fact('payment_succeeded', 1), fact('payment_reversed', 10, { reason: 'refund' })], day(10));
    expect(c).toMatchObject({ status: 'open', recoveredAt: null });
  });
  it('a refund after the window closes it without recovery', () => {
    const c = one([fact('payment_failed', 0), fact('payment_succeeded', 1), fact('payment_reversed', 10.5, { reason: 'refund' })], day(11));
    expect(c).toMatchObject({ status: 'closed_no_recovery', closedAt: day(10.5) });
  });
});
