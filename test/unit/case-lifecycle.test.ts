import { describe, expect, it } from 'vitest';
import { deriveCases, isWithinAttributionWindow, orderFacts } from '../../src/domain/case-lifecycle.ts';
import type { FactKind, MembershipFact } from '../../src/domain/membership-fact.ts';
import type { DerivedCase, LifecyclePolicy } from '../../src/domain/recovery-case.ts';

// ---------------------------------------------------------------------------------------------
// Fact builders: one company, one membership, times as day offsets from a fixed start date.
// ---------------------------------------------------------------------------------------------

const START_ISO = '2025-03-01T12:00:00.000Z';
const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;
const POLICY: LifecyclePolicy = { attributionWindowDays: 14 };

/** The instant `days` days (plus `extraMs`) after the start date, via its ISO form. */
function day(days: number, extraMs = 0): Date {
  return new Date(new Date(Date.parse(START_ISO) + days * DAY_MS + extraMs).toISOString());
}

let nextEventId = 1;

function fact(kind: FactKind, at: Date, over: Partial<MembershipFact> = {}): MembershipFact {
  return {
    kind,
    companyId: 'biz_a',
    whopMembershipId: 'mem_1',
    whopUserId: 'user_1',
    memberEmail: 'member@example.com',
    whopPaymentId: null,
    amountCents: null,
    currency: 'usd',
    reason: null,
    occurredAt: at,
    webhookEventId: nextEventId++,
    ...over,
  };
}

const failed = (at: Date, paymentId = 'pay_1', reason: string | null = 'insufficient_funds', amountCents = 2500) =>
  fact('payment_failed', at, { whopPaymentId: paymentId, reason, amountCents });
const succeeded = (at: Date, paymentId = 'pay_1', amountCents = 2500) =>
  fact('payment_succeeded', at, { whopPaymentId: paymentId, amountCents });
const activated = (at: Date) => fact('membership_activated', at);
const deactivated = (at: Date, reason: string | null = 'cancelled_by_user') => fact('membership_deactivated', at, { reason });
const reversed = (at: Date, paymentId = 'pay_1', amountCents: number | null = null, reason = 'refund') =>
  fact('payment_reversed', at, { whopPaymentId: paymentId, amountCents, reason });

const FAR_FUTURE = day(1000);

function derive(facts: MembershipFact[], now: Date = FAR_FUTURE, policy: LifecyclePolicy = POLICY): DerivedCase[] {
  return deriveCases(facts, policy, now);
}

function only(cases: DerivedCase[]): DerivedCase {
  expect(cases).toHaveLength(1);
  return cases[0]!;
}

const reasons = (c: DerivedCase) => c.transitions.map((t) => t.reason);

// Deterministic PRNG (mulberry32) so shuffles are reproducible.
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function shuffledWithDuplicates<T>(items: readonly T[], rand: () => number): T[] {
  const out: T[] = [];
  for (const item of items) {
    out.push(item);
    // Up to two extra redeliveries; half of them as structurally equal copies.
    const extra = Math.floor(rand() * 3);
    for (let i = 0; i < extra; i++) out.push(rand() < 0.5 ? item : structuredClone(item));
  }
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

describe('a failed payment opens a recovery case', () => {
  it('the first failure opens one open case carrying the failure details', () => {
    const f = failed(day(0), 'pay_1', 'Your card has insufficient funds', 4900);
    const c = only(derive([f], day(1)));
    expect(c).toMatchObject({
      companyId: 'biz_a',
      whopMembershipId: 'mem_1',
      whopPaymentId: 'pay_1',
      status: 'open',
      failureCount: 1,
      failureReason: 'Your card has insufficient funds',
      amountAtRiskCents: 4900,
      recoveredCents: 0,
      currency: 'usd',
      riskLevel: 'low',
      firstFailureAt: day(0),
      lastFailureAt: day(0),
      recoveredAt: null,
      closedAt: null,
      attributionWindowDays: 14,
      attributionEndsAt: day(14),
      attributedPayments: [],
    });
    expect(c.transitions).toEqual([{ from: null, to: 'open', reason: 'payment_failed', at: day(0), webhookEventId: f.webhookEventId }]);
  });

  it.each([
    { reason: 'insufficient_funds', risk: 'low' },
    { reason: 'card expired', risk: 'high' },
    { reason: 'generic_decline', risk: 'medium' },
  ] as const)('a first failure for "$reason" is rated $risk risk', ({ reason, risk }) => {
    expect(only(derive([failed(day(0), 'pay_1', reason)], day(1))).riskLevel).toBe(risk);
  });

  it('the attribution window follows the policy (30 days ends 30 days after the first failure)', () => {
    const c = only(derive([failed(day(0))], day(1), { attributionWindowDays: 30 }));
    expect(c.attributionWindowDays).toBe(30);
    expect(c.attributionEndsAt).toEqual(day(30));
  });

  it('a second failure within the window is merged into the same case, not a new one', () => {
    const c = only(derive([failed(day(0), 'pay_1', 'insufficient_funds'), failed(day(1), 'pay_1', 'card expired', 2600)], day(2)));
    expect(c.status).toBe('open');
    expect(c.failureCount).toBe(2);
    expect(c.failureReason).toBe('card expired');
    expect(c.firstFailureAt).toEqual(day(0));
    expect(c.lastFailureAt).toEqual(day(1));
    expect(c.attributionEndsAt).toEqual(day(14));
    expect(c.riskLevel).toBe('high');
    expect(reasons(c)).toEqual(['payment_failed', 'failure_merged']);
  });

  it('a third merged failure makes the case high risk', () => {
    const c = only(derive([failed(day(0)), failed(day(2)), failed(day(4))], day(5)));
    expect(c.failureCount).toBe(3);
    expect(c.riskLevel).toBe('high');
  });

  it('a failure after the window closes the old case unrecovered and opens a new one', () => {
    const cases = derive([failed(day(0), 'pay_1'), failed(day(20), 'pay_2', 'generic_decline', 3000)], day(21));
    expect(cases).toHaveLength(2);
    const [old, fresh] = cases as [DerivedCase, DerivedCase];
    expect(old.status).toBe('closed_no_recovery');
    expect(old.closedAt).toEqual(day(14));
    expect(old.transitions.at(-1)).toEqual({ from: 'open', to: 'closed_no_recovery', reason: 'attribution_window_passed', at: day(14), webhookEventId: null });
    expect(fresh).toMatchObject({ status: 'open', whopPaymentId: 'pay_2', failureCount: 1, failureReason: 'generic_decline', amountAtRiskCents: 3000, firstFailureAt: day(20), attributionEndsAt: day(34) });
  });
});

describe('a later successful payment is attributed within the window', () => {
  it('a payment inside the window recovers the case with its amount and time', () => {
    const c = only(derive([failed(day(0)), succeeded(day(3), 'pay_1', 2500)]));
    expect(c.status).toBe('recovered');
    expect(c.recoveredCents).toBe(2500);
    expect(c.recoveredAt).toEqual(day(3));
    expect(c.closedAt).toBeNull();
    expect(c.attributedPayments).toEqual([{ whopPaymentId: 'pay_1', amountCents: 2500, at: day(3) }]);
    expect(reasons(c)).toEqual(['payment_failed', 'payment_succeeded']);
  });

  it('several payments in the window are summed and the recovery time stays the first', () => {
    const c = only(derive([failed(day(0)), succeeded(day(2), 'pay_1', 2500), succeeded(day(9), 'pay_2', 1000)]));
    expect(c.status).toBe('recovered');
    expect(c.recoveredCents).toBe(3500);
    expect(c.recoveredAt).toEqual(day(2));
    expect(reasons(c)).toEqual(['payment_failed', 'payment_succeeded', 'payment_attributed']);
  });

  it.each([
    { title: 'the same payment delivered twice at the same time counts once', second: () => succeeded(day(2), 'pay_1', 2500) },
    { title: 'the same payment id reported again later counts once', second: () => succeeded(day(4), 'pay_1', 2500) },
  ])('$title', ({ second }) => {
    const c = only(derive([failed(day(0)), succeeded(day(2), 'pay_1', 2500), second()]));
    expect(c.recoveredCents).toBe(2500);
    expect(c.attributedPayments).toHaveLength(1);
  });

  it.each([15, 20])('a payment on day %i is not attributed to a 14-day case', (d) => {
    const c = only(derive([failed(day(0)), succeeded(day(d), 'pay_9', 2500)], day(d + 1)));
    expect(c.status).toBe('closed_no_recovery');
    expect(c.recoveredCents).toBe(0);
    expect(c.recoveredAt).toBeNull();
    expect(c.attributedPayments).toEqual([]);
    expect(c.closedAt).toEqual(day(14));
  });

  it('a payment exactly at the window end (to the millisecond) is still attributed', () => {
    const c = only(derive([failed(day(0)), succeeded(day(14), 'pay_2', 2500)]));
    expect(c.status).toBe('recovered');
    expect(c.recoveredCents).toBe(2500);
    expect(c.recoveredAt).toEqual(day(14));
  });

  it('a payment 1 ms after the window end is not attributed', () => {
    const c = only(derive([failed(day(0)), succeeded(day(14, 1), 'pay_2', 2500)]));
    expect(c.status).toBe('closed_no_recovery');
    expect(c.recoveredCents).toBe(0);
    expect(c.closedAt).toEqual(day(14));
  });

  it('isWithinAttributionWindow includes both ends and nothing outside', () => {
    const c = { firstFailureAt: day(0), attributionEndsAt: day(14) };
    expect(isWithinAttributionWindow(c, day(0))).toBe(true);
    expect(isWithinAttributionWindow(c, day(14))).toBe(true);
    expect(isWithinAttributionWindow(c, day(0, -1))).toBe(false);
    expect(isWithinAttributionWindow(c, day(14, 1))).toBe(false);
  });

  it('a payment before any failure recovers nothing and opens nothing', () => {
    expect(derive([succeeded(day(0), 'pay_0')])).toEqual([]);
  });
});

describe('the attribution window closes with time (`now`)', () => {
  it.each([
    { title: 'a case is still open the day before its window ends', now: day(13), status: 'open', closedAt: null },
    { title: 'a case is still open at the very end of its window', now: day(14), status: 'open', closedAt: null },
    { title: 'a case is closed unrecovered once its window has passed', now: day(14, 1), status: 'closed_no_recovery', closedAt: day(14) },
    { title: 'a case seen a month later shows it closed at the window end', now: day(30), status: 'closed_no_recovery', closedAt: day(14) },
  ] as const)('$title', ({ now, status, closedAt }) => {
    const c = only(derive([failed(day(0))], now));
    expect(c.status).toBe(status);
    expect(c.closedAt).toEqual(closedAt);
  });

  it('a recovered case is not closed when its window passes', () => {
    const c = only(derive([failed(day(0)), succeeded(day(1))], day(30)));
    expect(c.status).toBe('recovered');
    expect(c.closedAt).toBeNull();
  });
});

describe('membership activation and deactivation', () => {
  it('re-activation recovers an open case with nothing recovered yet', () => {
    const c = only(derive([failed(day(0)), activated(day(2))]));
    expect(c.status).toBe('recovered');
    expect(c.recoveredCents).toBe(0);
    expect(c.recoveredAt).toEqual(day(2));
    expect(reasons(c)).toEqual(['payment_failed', 'membership_activated']);
  });

  it('a payment in the window after re-activation adds its amount to the recovered case', () => {
    const c = only(derive([failed(day(0)), activated(day(2)), succeeded(day(3), 'pay_1', 2500)]));
    expect(c.status).toBe('recovered');
    expect(c.recoveredCents).toBe(2500);
    expect(c.recoveredAt).toEqual(day(2));
    expect(reasons(c)).toEqual(['payment_failed', 'membership_activated', 'payment_attributed']);
  });

  it('a payment after the window does not add to a case recovered by re-activation', () => {
    const c = only(derive([failed(day(0)), activated(day(2)), succeeded(day(15), 'pay_2', 2500)]));
    expect(c.status).toBe('recovered');
    expect(c.recoveredCents).toBe(0);
  });

  it('activation without any case opens nothing', () => {
    expect(derive([activated(day(0))])).toEqual([]);
  });

  it('a deactivation with no open case opens a high-risk case with no failures', () => {
    const c = only(derive([deactivated(day(0))], day(1)));
    expect(c).toMatchObject({
      status: 'open',
      whopPaymentId: null,
      failureReason: 'membership_deactivated',
      failureCount: 0,
      riskLevel: 'high',
      firstFailureAt: day(0),
      attributionEndsAt: day(14),
    });
    expect(reasons(c)).toEqual(['membership_deactivated']);
  });

  it('a deactivation while a case is open only adds a timeline note', () => {
    const c = only(derive([failed(day(0), 'pay_1', 'insufficient_funds'), deactivated(day(2))], day(3)));
    expect(c.status).toBe('open');
    expect(c.failureCount).toBe(1);
    expect(c.failureReason).toBe('insufficient_funds');
    expect(c.transitions.at(-1)).toMatchObject({ from: 'open', to: 'open', reason: 'membership_deactivated', at: day(2) });
  });

  it('a case opened by deactivation is recovered by a payment in the window', () => {
    const c = only(derive([deactivated(day(0)), succeeded(day(5), 'pay_5', 1200)]));
    expect(c.status).toBe('recovered');
    expect(c.recoveredCents).toBe(1200);
  });
});

describe('refunds and disputes reverse a recovery', () => {
  it('a full refund inside the window puts the latest case back to open', () => {
    const c = only(derive([failed(day(0)), succeeded(day(2), 'pay_1', 2500), reversed(day(4), 'pay_1')], day(5)));
    expect(c.status).toBe('open');
    expect(c.recoveredCents).toBe(0);
    expect(c.recoveredAt).toBeNull();
    expect(c.transitions.at(-1)).toMatchObject({ from: 'recovered', to: 'open', reason: 'recovery_reversed', at: day(4) });
  });

  it('a reopened case closes unrecovered once its window passes', () => {
    const c = only(derive([failed(day(0)), succeeded(day(2)), reversed(day(4))], day(20)));
    expect(c.status).toBe('closed_no_recovery');
    expect(c.closedAt).toEqual(day(14));
    expect(reasons(c)).toEqual(['payment_failed', 'payment_succeeded', 'recovery_reversed', 'attribution_window_passed']);
  });

  it('a dispute after the window closes the case unrecovered', () => {
    const c = only(derive([failed(day(0)), succeeded(day(2)), reversed(day(20), 'pay_1', null, 'dispute')]));
    expect(c.status).toBe('closed_no_recovery');
    expect(c.recoveredCents).toBe(0);
    expect(c.closedAt).toEqual(day(20));
    expect(c.transitions.at(-1)).toMatchObject({ from: 'recovered', to: 'closed_no_recovery', reason: 'recovery_reversed' });
  });

  it('a refund of an earlier case\'s payment closes that case, never reopens it, while a newer case exists', () => {
    const cases = derive([failed(day(0), 'pay_1'), succeeded(day(2), 'pay_1'), failed(day(10), 'pay_2'), reversed(day(11), 'pay_1')], day(12));
    expect(cases).toHaveLength(2);
    expect(cases[0]!.status).toBe('closed_no_recovery');
    expect(cases[0]!.closedAt).toEqual(day(11));
    expect(cases[1]!.status).toBe('open');
  });

  it('a partial refund leaves the case recovered with less', () => {
    const c = only(derive([failed(day(0)), succeeded(day(2), 'pay_1', 2500), reversed(day(4), 'pay_1', 1000)]));
    expect(c.status).toBe('recovered');
    expect(c.recoveredCents).toBe(1500);
    expect(c.attributedPayments).toEqual([{ whopPaymentId: 'pay_1', amountCents: 1500, at: day(2) }]);
    expect(c.transitions.at(-1)).toMatchObject({ from: 'recovered', to: 'recovered', reason: 'recovery_reduced' });
  });

  it('refunding one of two attributed payments keeps the case recovered with the other', () => {
    const c = only(derive([failed(day(0)), succeeded(day(2), 'pay_1', 2500), succeeded(day(3), 'pay_2', 1000), reversed(day(4), 'pay_1')]));
    expect(c.status).toBe('recovered');
    expect(c.recoveredCents).toBe(1000);
    expect(reasons(c).at(-1)).toBe('recovery_reduced');
  });

  it('two partial refunds that add up to the whole payment reverse the recovery', () => {
    const c = only(derive([failed(day(0)), succeeded(day(2), 'pay_1', 2500), reversed(day(3), 'pay_1', 1000), reversed(day(4), 'pay_1', 1500)], day(5)));
    expect(c.status).toBe('open');
    expect(c.recoveredCents).toBe(0);
    expect(reasons(c).slice(-2)).toEqual(['recovery_reduced', 'recovery_reversed']);
  });

  it('a refund larger than what is left never makes the recovered amount negative', () => {
    const c = only(derive([failed(day(0)), succeeded(day(2), 'pay_1', 2500), reversed(day(3), 'pay_1', 9999)], day(5)));
    expect(c.recoveredCents).toBe(0);
    expect(c.status).toBe('open');
  });

  it.each([
    { title: 'a refund of a payment that was never attributed changes nothing', extra: () => reversed(day(20), 'pay_other') },
    { title: 'a refund of a payment outside the window changes nothing', extra: () => reversed(day(21), 'pay_late') },
    { title: 'a refund without a payment id changes nothing', extra: () => fact('payment_reversed', day(5), { reason: 'refund' }) },
  ])('$title', ({ extra }) => {
    const base = [failed(day(0)), succeeded(day(2)), succeeded(day(20), 'pay_late')];
    expect(derive([...base, extra()])).toEqual(derive(base));
  });
});

describe('stale and out-of-order deliveries', () => {
  it('a success delivered before its failure but stamped later still ends recovered', () => {
    const c = only(derive([succeeded(day(1), 'pay_1', 2500), failed(day(0), 'pay_1')]));
    expect(c.status).toBe('recovered');
    expect(c.recoveredCents).toBe(2500);
    expect(c.recoveredAt).toEqual(day(1));
  });

  it('a failure of a payment that already succeeded earlier is ignored', () => {
    expect(derive([succeeded(day(0), 'pay_1'), failed(day(1), 'pay_1')])).toEqual([]);
  });

  it('a stale failure does not merge into an open case', () => {
    const c = only(derive([failed(day(0), 'pay_1'), succeeded(day(1), 'pay_2', 2500), failed(day(2), 'pay_2')]));
    expect(c.failureCount).toBe(1);
    expect(c.status).toBe('recovered');
  });

  it('a failure and a success stamped at the same instant: the success cures the failure', () => {
    const c = only(derive([succeeded(day(0), 'pay_1'), failed(day(0), 'pay_1')]));
    expect(c.status).toBe('recovered');
  });

  it('orderFacts sorts by time and drops exact redeliveries', () => {
    const a = failed(day(0));
    const b = succeeded(day(1));
    const ordered = orderFacts([b, a, structuredClone(b), a]);
    expect(ordered.map((f) => [f.kind, f.occurredAt.toISOString()])).toEqual([
      ['payment_failed', day(0).toISOString()],
      ['payment_succeeded', day(1).toISOString()],
    ]);
  });
});

describe('a case keeps the window it opened with', () => {
  it('a stored 14-day case still attributes on day 14 after the company moves to 7 days', () => {
    const policy: LifecyclePolicy = { attributionWindowDays: 7, knownWindowDays: new Map([[day(0).getTime(), 14]]) };
    const c = only(derive([failed(day(0)), succeeded(day(12), 'pay_2')], FAR_FUTURE, policy));
    expect(c.attributionWindowDays).toBe(14);
    expect(c.attributionEndsAt).toEqual(day(14));
    expect(c.status).toBe('recovered');
  });

  it('a stored 14-day case does not stretch to 30 days when the company moves to 30', () => {
    const policy: LifecyclePolicy = { attributionWindowDays: 30, knownWindowDays: new Map([[day(0).getTime(), 14]]) };
    const c = only(derive([failed(day(0)), succeeded(day(20), 'pay_2')], FAR_FUTURE, policy));
    expect(c.attributionWindowDays).toBe(14);
    expect(c.status).toBe('closed_no_recovery');
  });

  it('a new case after the settings change uses the new window', () => {
    const policy: LifecyclePolicy = { attributionWindowDays: 7, knownWindowDays: new Map([[day(0).getTime(), 14]]) };
    const cases = derive([failed(day(0), 'pay_1'), failed(day(40), 'pay_2')], day(41), policy);
    expect(cases.map((c) => c.attributionWindowDays)).toEqual([14, 7]);
    expect(cases[1]!.attributionEndsAt).toEqual(day(47));
  });
});

describe('order independence: arrival order and redeliveries never change the outcome', () => {
  const story: MembershipFact[] = [
    failed(day(0), 'pay_1', 'insufficient_funds', 2500),
    failed(day(1), 'pay_1', 'card expired', 2500),
    deactivated(day(2)),
    succeeded(day(3), 'pay_1', 2500),
    activated(day(3, MINUTE_MS)),
    reversed(day(5), 'pay_1', null, 'refund'),
    failed(day(40), 'pay_2', 'generic_decline', 2500),
    succeeded(day(41), 'pay_2', 2500),
  ];
  const now = day(60);
  const expected = derive(story, now);

  it('the recorded story derives the expected two cases in order', () => {
    expect(expected).toHaveLength(2);
    const [first, second] = expected as [DerivedCase, DerivedCase];
    expect(first).toMatchObject({ status: 'closed_no_recovery', failureCount: 2, failureReason: 'card expired', recoveredCents: 0, closedAt: day(14) });
    expect(reasons(first)).toEqual([
      'payment_failed',
      'failure_merged',
      'membership_deactivated',
      'payment_succeeded',
      'recovery_reversed',
      'attribution_window_passed',
    ]);
    expect(second).toMatchObject({ status: 'recovered', whopPaymentId: 'pay_2', failureCount: 1, recoveredCents: 2500, recoveredAt: day(41) });
  });

  it('200 seeded shuffles with random redeliveries all derive the same cases', () => {
    const rand = mulberry32(0xc0ffee);
    for (let run = 0; run < 200; run++) {
      const delivered = shuffledWithDuplicates(story, rand);
      expect(derive(delivered, now), `shuffle #${run}`).toEqual(expected);
    }
  });

  it('delivering the story backwards derives the same cases', () => {
    expect(derive([...story].reverse(), now)).toEqual(expected);
  });

  // A second story: recovery by re-activation, a later payment added, a partial refund, a stale
  // failure, a same-instant failure and success, a deactivation-opened case and a late payment.
  const story2: MembershipFact[] = [
    failed(day(0), 'pay_1', 'insufficient_funds', 2500),
    activated(day(2)),
    succeeded(day(3), 'pay_1', 2500),
    succeeded(day(10), 'pay_x', 1000),
    reversed(day(11), 'pay_1', 1000, 'dispute'),
    failed(day(12), 'pay_x', 'card expired', 1000),
    deactivated(day(30)),
    failed(day(31), 'pay_3', 'do_not_honor', 2500),
    succeeded(day(31), 'pay_3', 2500),
    failed(day(60), 'pay_4', 'insufficient_funds', 2500),
    succeeded(day(75), 'pay_4', 2500),
  ];
  const now2 = day(90);
  const expected2 = derive(story2, now2);

  it('the second story derives three cases: recovered, recovered, closed unrecovered', () => {
    expect(expected2.map((c) => [c.status, c.recoveredCents, c.failureCount])).toEqual([
      ['recovered', 2500, 1],
      ['recovered', 2500, 1],
      ['closed_no_recovery', 0, 1],
    ]);
    expect(expected2[0]!.recoveredAt).toEqual(day(2));
    expect(reasons(expected2[0]!)).toEqual(['payment_failed', 'membership_activated', 'payment_attributed', 'payment_attributed', 'recovery_reduced']);
    expect(expected2[1]!).toMatchObject({ failureReason: 'do_not_honor', whopPaymentId: null, recoveredAt: day(31) });
    expect(expected2[2]!.closedAt).toEqual(day(74));
  });

  it('200 seeded shuffles with random redeliveries of the second story all derive the same cases', () => {
    const rand = mulberry32(20_250_301);
    for (let run = 0; run < 200; run++) {
      expect(derive(shuffledWithDuplicates(story2, rand), now2), `shuffle #${run}`).toEqual(expected2);
    }
  });

  it('deriving does not mutate the delivered facts', () => {
    const copy = structuredClone(story);
    derive(story, now);
    expect(story).toEqual(copy);
  });
});
