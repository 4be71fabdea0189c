import { describe, expect, it } from 'vitest';
import { deriveCases } from '../../src/domain/case-lifecycle.ts';
import type { FactKind, MembershipFact, PaymentSignals } from '../../src/domain/membership-fact.ts';

/** The new Whop signals in the fold: authentication requests, decline details, cancellation facts. */
const POLICY = { attributionWindowDays: 14 };
const NOW = new Date('2030-01-01T00:00:00.000Z');
const t = (day: number, hour = 0) => new Date(Date.UTC(2026, 9, 1 + day, hour));
const signals = (over: Partial<PaymentSignals> = {}): PaymentSignals => ({
  declineCode: null,
  nextPaymentAttemptAt: null,
  cardExpMonth: null,
  cardExpYear: null,
  retryable: null,
  recoveryUrl: null,
  ...over,
});
let id = 1;
function fact(kind: FactKind, at: Date, over: Partial<MembershipFact> = {}): MembershipFact {
  return { kind, companyId: 'biz_a', whopMembershipId: 'mem_1', whopUserId: 'user_1', memberEmail: null, whopPaymentId: null, amountCents: null, currency: 'usd', reason: null, occurredAt: at, webhookEventId: id++, ...over };
}
const failed = (at: Date, s: Partial<PaymentSignals> = {}, paymentId = 'pay_1') => fact('payment_failed', at, { whopPaymentId: paymentId, amountCents: 2500, reason: 'Your card was declined.', signals: signals(s) });
const needsAuth = (at: Date, recoveryUrl: string | null = 'https://whop.com/billing/recover/pay_1') =>
  fact('payment_requires_action', at, { whopPaymentId: 'pay_1', amountCents: 2500, reason: 'authentication_required', signals: signals({ declineCode: 'three_d_secure_required', recoveryUrl }) });
const scheduled = (at: Date) => fact('cancellation_scheduled', at, { reason: 'too_expensive', cancellation: { cancelOption: 'too_expensive', cancelationStatus: 'canceling' } });
const unscheduled = (at: Date) => fact('cancellation_unscheduled', at, { reason: 'won_back', cancellation: { cancelOption: 'too_expensive', cancelationStatus: 'won_back' } });

function shuffle<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe('payment.requires_action', () => {
  it('opens a case that needs authentication and carries the recovery link', () => {
    const [c] = deriveCases([needsAuth(t(0))], POLICY, t(2));
    expect(c).toMatchObject({ status: 'open', needsAuthentication: true, recoveryUrl: 'https://whop.com/billing/recover/pay_1', failureCount: 0, amountAtRiskCents: 2500, declineCode: 'three_d_secure_required' });
    expect(c!.transitions[0]).toMatchObject({ from: null, to: 'open', reason: 'payment_requires_action' });
  });

  it('joins the open case of an earlier failure instead of opening a second one', () => {
    const cases = deriveCases([failed(t(0), { declineCode: 'card_declined' }), needsAuth(t(1))], POLICY, t(2));
    expect(cases).toHaveLength(1);
    expect(cases[0]).toMatchObject({ needsAuthentication: true, failureCount: 1, recoveryUrl: expect.stringContaining('recover') });
    expect(cases[0]!.transitions.map((x) => x.reason)).toEqual(['payment_failed', 'authentication_required']);
  });

  it('a later ordinary failure means a new card is needed, not authentication; the link stays for the record', () => {
    const [c] = deriveCases([needsAuth(t(0)), failed(t(2), { declineCode: 'expired_card' })], POLICY, NOW);
    expect(c).toMatchObject({ needsAuthentication: false, declineCode: 'expired_card', failureCount: 1, recoveryUrl: expect.any(String) });
  });

  it('a payment that then succeeds recovers the case as usual', () => {
    const [c] = deriveCases([needsAuth(t(0)), fact('payment_succeeded', t(1), { whopPaymentId: 'pay_1', amountCents: 2500 })], POLICY, NOW);
    expect(c).toMatchObject({ status: 'recovered', recoveredCents: 2500 });
  });

  it('opens the case even when Whop withheld the link (no member:basic:read)', () => {
    const [c] = deriveCases([needsAuth(t(0), null)], POLICY, t(2));
    expect(c).toMatchObject({ status: 'open', needsAuthentication: true, recoveryUrl: null });
  });
});

describe('decline signals on the case', () => {
  it('the latest failure gives the decline code, next attempt, card expiry and retryable', () => {
    const [c] = deriveCases(
      [
        failed(t(0), { declineCode: 'insufficient_funds', nextPaymentAttemptAt: t(3), cardExpMonth: 4, cardExpYear: 2027, retryable: true }),
        failed(t(3), { declineCode: 'do_not_honor', nextPaymentAttemptAt: null, retryable: false }),
      ],
      POLICY,
      NOW,
    );
    // No further attempt after the last one: null, not the first failure's date.
    expect(c).toMatchObject({ declineCode: 'do_not_honor', nextPaymentAttemptAt: null, cardExpMonth: 4, cardExpYear: 2027, paymentRetryable: false });
  });
});

describe('cancellation facts', () => {
  it('never open a case by themselves', () => {
    expect(deriveCases([scheduled(t(0)), unscheduled(t(1))], POLICY, NOW)).toEqual([]);
  });

  it('are notes on an open case and change nothing else', () => {
    const without = deriveCases([failed(t(0))], POLICY, NOW)[0]!;
    const [c] = deriveCases([failed(t(0)), scheduled(t(1)), unscheduled(t(2))], POLICY, NOW);
    expect(c!.transitions.map((x) => x.reason)).toEqual(['payment_failed', 'cancellation_scheduled', 'cancellation_unscheduled', 'attribution_window_passed']);
    expect({ ...c, transitions: [] }).toEqual({ ...without, transitions: [] });
  });

  it('a repeated report of the same cancellation state (membership.updated on any change) is one note', () => {
    const [c] = deriveCases([failed(t(0)), scheduled(t(1)), scheduled(t(2)), unscheduled(t(3)), unscheduled(t(4)), scheduled(t(5))], POLICY, t(6));
    expect(c!.transitions.map((x) => x.reason)).toEqual(['payment_failed', 'cancellation_scheduled', 'cancellation_unscheduled', 'cancellation_scheduled']);
  });
});

describe('order independence with the new kinds', () => {
  it('50 shuffles of a story with every new kind (and a duplicate) derive the same cases', () => {
    const story = [failed(t(0), { declineCode: 'card_declined', nextPaymentAttemptAt: t(3) }), needsAuth(t(3)), scheduled(t(4)), unscheduled(t(5)), failed(t(6), { declineCode: 'three_d_secure_required' }), scheduled(t(30)), needsAuth(t(40))];
    const expected = deriveCases(story, POLICY, NOW);
    expect(expected).toHaveLength(2);
    for (let seed = 1; seed <= 50; seed++) expect(deriveCases(shuffle([...story, story[1]!], seed), POLICY, NOW), `seed ${seed}`).toEqual(expected);
  });
});
