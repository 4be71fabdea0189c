import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deriveCases, FACT_KINDS } from '../../src/domain/case-lifecycle.ts';
import type { MembershipFact } from '../../src/domain/membership-fact.ts';
import type { LifecyclePolicy } from '../../src/domain/recovery-case.ts';

// Property tests of the fold's invariants (#13 §8). Facts are drawn from every kind the domain
// lists (FACT_KINDS), on a coarse hour grid over 60 days so same-instant ties are frequent, with a
// few payment ids so failures, successes and reversals of the same payment meet.
const START = Date.parse('2026-01-05T00:00:00.000Z');
const HOUR = 3_600_000;
const POLICY: LifecyclePolicy = { attributionWindowDays: 7 };
const NOW = new Date(START + 90 * 24 * HOUR);

const signals = fc.record({
  declineCode: fc.constantFrom(null, 'insufficient_funds', 'three_d_secure_required', 'expired_card'),
  nextPaymentAttemptAt: fc.option(fc.integer({ min: 0, max: 60 * 24 }).map((h) => new Date(START + h * HOUR)), { nil: null }),
  cardExpMonth: fc.constantFrom(null, 1, 12),
  cardExpYear: fc.constantFrom(null, 2026, 2027),
  retryable: fc.constantFrom(null, true, false),
  recoveryUrl: fc.constantFrom(null, 'https://whop.com/pay/confirm'),
});

const fact: fc.Arbitrary<MembershipFact> = fc.record({
  kind: fc.constantFrom(...FACT_KINDS),
  companyId: fc.constant('biz_prop'),
  whopMembershipId: fc.constant('mem_prop'),
  whopUserId: fc.constantFrom(null, 'user_1'),
  memberEmail: fc.constantFrom(null, 'lee@example.test', 'lee.new@example.test'),
  whopPaymentId: fc.constantFrom(null, 'pay_1', 'pay_2', 'pay_3'),
  amountCents: fc.constantFrom(null, 0, 1500, 2999),
  currency: fc.constantFrom(null, 'usd', 'eur'),
  reason: fc.constantFrom(null, 'insufficient_funds', 'Your card was declined.', 'refund', 'dispute'),
  occurredAt: fc.integer({ min: 0, max: 60 * 24 }).map((h) => new Date(START + h * HOUR)),
  webhookEventId: fc.option(fc.integer({ min: 1, max: 10_000 }), { nil: null }),
  signals: fc.option(signals, { nil: undefined }),
  cancellation: fc.option(fc.record({ cancelOption: fc.constantFrom(null, 'too_expensive'), cancelationStatus: fc.constantFrom(null, 'canceling', 'won_back') }), { nil: undefined }),
});

/** Storage keeps one fact per (kind, payment, instant): the dedupe index of membership_facts. */
const keyOf = (f: MembershipFact) => `${f.kind}|${f.whopPaymentId ?? ''}|${f.occurredAt.getTime()}`;
const membershipFacts = fc.uniqueArray(fact, { maxLength: 30, selector: keyOf });

/** The same facts, in any order and with any of them delivered again (as fresh copies). */
const redelivered = (facts: MembershipFact[]) =>
  fc
    .subarray(facts)
    .chain((again) => {
      const all = [...facts, ...again.map((f) => structuredClone(f))];
      return fc.shuffledSubarray(all, { minLength: all.length, maxLength: all.length });
    });

const derive = (facts: readonly MembershipFact[], policy: LifecyclePolicy = POLICY) => deriveCases(facts, policy, NOW);

describe('the fold, for any facts of one membership', () => {
  it('any order and any duplication of the facts gives the same cases', () => {
    fc.assert(
      fc.property(membershipFacts.chain((facts) => fc.tuple(fc.constant(facts), redelivered(facts))), ([facts, shuffled]) => {
        expect(derive(shuffled)).toEqual(derive(facts));
      }),
      { numRuns: 300 },
    );
  });

  it('re-deriving with the windows the stored cases kept gives the same cases (what reconcile does)', () => {
    fc.assert(
      fc.property(membershipFacts, fc.integer({ min: 1, max: 60 }), (facts, laterWindow) => {
        const first = derive(facts);
        const knownWindowDays = new Map(first.map((c) => [c.firstFailureAt.getTime(), c.attributionWindowDays]));
        expect(derive(facts, { attributionWindowDays: laterWindow, knownWindowDays })).toEqual(first);
      }),
      { numRuns: 200 },
    );
  });

  it('at most one case is open, and only the latest; cases come in the order they opened', () => {
    fc.assert(
      fc.property(membershipFacts, (facts) => {
        const cases = derive(facts);
        cases.slice(0, -1).forEach((c) => expect(c.status).not.toBe('open'));
        const starts = cases.map((c) => c.firstFailureAt.getTime());
        expect(starts).toEqual([...starts].sort((a, b) => a - b));
      }),
    );
  });

  it('each case reads as its timeline says: opened from nothing, status = last transition, windows as long as the policy', () => {
    fc.assert(
      fc.property(membershipFacts, (facts) => {
        for (const c of derive(facts)) {
          expect(c.transitions[0]).toMatchObject({ from: null, to: 'open' });
          expect(c.status).toBe(c.transitions.at(-1)!.to);
          c.transitions.slice(1).forEach((t, i) => expect(t.from).toBe(c.transitions[i]!.to));
          expect(c.attributionEndsAt.getTime() - c.firstFailureAt.getTime()).toBe(POLICY.attributionWindowDays * 24 * HOUR);
          expect(c.status === 'open' ? c.closedAt : null).toBeNull();
        }
      }),
    );
  });

  it('recovered money is the sum of the payments still attributed, never negative, each inside the window', () => {
    fc.assert(
      fc.property(membershipFacts, (facts) => {
        for (const c of derive(facts)) {
          expect(c.recoveredCents).toBe(c.attributedPayments.reduce((sum, p) => sum + p.amountCents, 0));
          for (const p of c.attributedPayments) {
            expect(p.amountCents).toBeGreaterThanOrEqual(0);
            expect(p.at.getTime()).toBeGreaterThanOrEqual(c.firstFailureAt.getTime());
            expect(p.at.getTime()).toBeLessThanOrEqual(c.attributionEndsAt.getTime());
          }
          if (c.status === 'recovered') expect(c.recoveredAt !== null || c.attributedPayments.length > 0).toBe(true);
        }
      }),
    );
  });

  it('the arbitraries draw every fact kind the domain lists', () => {
    const seen = new Set(fc.sample(fact, { numRuns: 2000, seed: 13 }).map((f) => f.kind));
    expect([...seen].sort()).toEqual([...FACT_KINDS].sort());
  });
});

