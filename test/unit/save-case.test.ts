import { describe, expect, it } from 'vitest';
import { acceptRate, saveOutcomeOf, saveRate } from '../../src/domain/kpi-formulas.ts';
import type { FactKind, MembershipFact } from '../../src/domain/membership-fact.ts';
import { creditSave, deriveSaveCases, SAVE_HOLD_DAYS } from '../../src/domain/save-case.ts';
import { composeSaveOffer, matchSaveOffer } from '../../src/domain/save-offer.ts';

const DAY = 86_400_000;
const T0 = new Date('2026-11-01T12:00:00.000Z');
const at = (days: number) => new Date(T0.getTime() + days * DAY);

function fact(kind: FactKind, day: number, extra: Partial<MembershipFact> = {}): MembershipFact {
  return { kind, companyId: 'biz_a', whopMembershipId: 'mem_a', whopUserId: 'user_a', memberEmail: null, whopPaymentId: kind.startsWith('payment') ? `pay_${day}` : null, amountCents: null, currency: null, reason: null, occurredAt: at(day), webhookEventId: null, ...extra };
}
const scheduled = (day: number, option: string | null = 'too_expensive') => fact('cancellation_scheduled', day, { cancellation: { cancelOption: option, cancelationStatus: 'canceling' } });
const undone = (day: number) => fact('cancellation_unscheduled', day, { cancellation: { cancelOption: null, cancelationStatus: 'won_back' } });

describe('save cases from a membership’s facts', () => {
  it('a scheduled cancel opens one case with the reason Whop recorded; a repeat of it opens none', () => {
    expect(deriveSaveCases([scheduled(0), scheduled(1)], at(2))).toEqual([
      { scheduledAt: at(0), cancelOption: 'too_expensive', status: 'open', savedAt: null, holdEndsAt: null, decidedAt: null, revertedReason: null },
    ]);
  });

  it('undone and still active 30 days later: held (the save counts), decided at the end of the hold', () => {
    const facts = [scheduled(0), undone(2), fact('payment_succeeded', 20)];
    expect(deriveSaveCases(facts, at(2 + SAVE_HOLD_DAYS - 0.01))[0]).toMatchObject({ status: 'saved', savedAt: at(2), holdEndsAt: at(32), decidedAt: null });
    expect(deriveSaveCases(facts, at(32))[0]).toMatchObject({ status: 'held', decidedAt: at(32) });
  });

  it('a save by an accepted pause holds 30 days after billing resumes, and an unpaid renewal then reverts it', () => {
    const pauses = [{ acceptedAt: at(2), resumesAt: at(32) }];
    const facts = [scheduled(0, 'unused'), undone(2)];
    expect(deriveSaveCases(facts, at(40), { pauses })[0]).toMatchObject({ status: 'saved', holdEndsAt: at(62) });
    expect(deriveSaveCases([...facts, fact('payment_succeeded', 32)], at(62), { pauses })[0]).toMatchObject({ status: 'held', decidedAt: at(62) });
    expect(deriveSaveCases([...facts, fact('payment_failed', 32)], at(62), { pauses })[0]).toMatchObject({ status: 'reverted', revertedReason: 'payment_unpaid' });
    // A pause accepted for an earlier case does not stretch a later one.
    expect(deriveSaveCases([scheduled(40), undone(41)], at(80), { pauses })[0]).toMatchObject({ holdEndsAt: at(71) });
  });

  it.each([
    ['the membership ended', [fact('membership_deactivated', 10)], 'membership_ended', 10],
    ['a cancellation scheduled again', [scheduled(9)], 'cancellation_scheduled_again', 9],
    ['a refund of a payment', [fact('payment_reversed', 12)], 'payment_reversed', 12],
  ] as const)('cancelled anyway — %s inside the 30 days — reverts the save', (_why, later, reason, day) => {
    const [c] = deriveSaveCases([scheduled(0), undone(2), ...later], at(40));
    expect(c).toMatchObject({ status: 'reverted', revertedReason: reason, decidedAt: at(day) });
  });

  it('a renewal that failed and was never paid reverts the save at the end of the hold; paid later, it holds', () => {
    expect(deriveSaveCases([scheduled(0), undone(2), fact('payment_failed', 15)], at(40))[0]).toMatchObject({ status: 'reverted', revertedReason: 'payment_unpaid', decidedAt: at(32) });
    expect(deriveSaveCases([scheduled(0), undone(2), fact('payment_failed', 15), fact('payment_succeeded', 17)], at(40))[0]).toMatchObject({ status: 'held' });
  });

  it('after the hold, a deactivation no longer reverts it, and a new schedule opens a new case', () => {
    const cases = deriveSaveCases([scheduled(0), undone(2), fact('membership_deactivated', 50), scheduled(60, 'unused')], at(61));
    expect(cases.map((c) => [c.status, c.cancelOption])).toEqual([['held', 'too_expensive'], ['open', 'unused']]);
  });

  it('the cancellation took effect without a save: lost', () => {
    expect(deriveSaveCases([scheduled(0), fact('membership_deactivated', 25)], at(26))[0]).toMatchObject({ status: 'lost', decidedAt: at(25) });
  });

  it('arrival order never matters', () => {
    const facts = [scheduled(0), undone(2), fact('payment_failed', 15), fact('payment_succeeded', 17), fact('membership_deactivated', 50), scheduled(60)];
    const expected = deriveSaveCases(facts, at(70));
    expect(deriveSaveCases([...facts].reverse(), at(70))).toEqual(expected);
    expect(deriveSaveCases([facts[3]!, facts[0]!, facts[5]!, facts[1]!, facts[4]!, facts[2]!], at(70))).toEqual(expected);
  });

  it('a creator’s "cancel membership" from our dashboard, echoed by Whop, opens no save case', () => {
    const creator = fact('case_cancelled', 0, { reason: 'membership cancelled (at_period_end)' });
    expect(deriveSaveCases([creator, scheduled(0.001, null)], at(1))).toEqual([]);
    // A case closed by hand (no membership change) does not hide a member's own cancel.
    expect(deriveSaveCases([fact('case_cancelled', 0, { reason: 'paid by bank transfer' }), scheduled(0.5)], at(1))).toHaveLength(1);
  });

  it('an unscheduled fact with no scheduled cancel before it is no case', () => {
    expect(deriveSaveCases([undone(1), fact('payment_failed', 2)], at(3))).toEqual([]);
  });
});

describe('the credit of a save (same order as recoveries)', () => {
  const base = { savedAt: at(5), acceptedAt: null, lastClick: null, offerSentAt: null, deliveredChannels: [] as string[] };
  it.each([
    ['accepted on our page, after an email click', { acceptedAt: at(5), lastClick: { at: at(4), channel: 'email' } }, { by: 'offer', channel: 'email' }],
    ['undone in Whop after a counted click', { lastClick: { at: at(4), channel: 'dm' } }, { by: 'offer', channel: 'dm' }],
    ['undone after the offer was delivered by push only', { offerSentAt: at(1), deliveredChannels: ['push'] }, { by: 'offer', channel: 'push' }],
    ['undone before any offer reached the member', { offerSentAt: at(6), deliveredChannels: ['push'] }, { by: 'own', channel: null }],
    ['a click after the undo does not count', { lastClick: { at: at(6), channel: 'dm' } }, { by: 'own', channel: null }],
    ['no offer at all (held out)', {}, { by: 'own', channel: null }],
  ] as const)('%s', (_name, over, expected) => {
    expect(creditSave({ ...base, ...over })).toEqual(expected);
  });
});

describe('the offer matched to the reason', () => {
  const policy = (freeDays: number, unused: 'free_days' | 'pause' = 'free_days') => ({ freeDays, unused, pauseDays: 30 });
  it.each([
    ['too_expensive', policy(3), { kind: 'promo_code', days: null }],
    ['too_expensive', policy(0, 'pause'), { kind: 'promo_code', days: null }],
    ['unused', policy(7), { kind: 'free_days', days: 7 }],
    ['not_using', policy(7), { kind: 'free_days', days: 7 }],
    ['unused', policy(7, 'pause'), { kind: 'pause', days: 30 }],
    ['unused', policy(0), { kind: 'message', days: null }],
    ['missing_features', policy(3, 'pause'), { kind: 'message', days: null }],
    [null, policy(3), { kind: 'message', days: null }],
  ] as const)('%s with %o → %o', (option, p, expected) => {
    expect(matchSaveOffer(option, p)).toEqual(expected);
  });

  const words = (offer: { kind: 'promo_code' | 'pause' | 'message'; days: number | null }, extra: { promo?: { code: string; offer: string } | null; message?: string | null } = {}) =>
    composeSaveOffer({ offer, ...extra, companyName: 'Acme', productTitle: 'Pro', linkFor: () => 'https://x.test/r', unsubscribeUrl: null });

  it('a promo offer names the code Whop has; without one it reads as the message and promises no discount', () => {
    const withCode = words({ kind: 'promo_code', days: null }, { promo: { code: 'SAVE-7K3QM9TX', offer: '20 % off for 3 months' } });
    expect(withCode.email.text).toContain('SAVE-7K3QM9TX');
    expect(withCode.page.title).toBe('Stay with Acme for less: 20 % off for 3 months');
    const without = words({ kind: 'promo_code', days: null }, { promo: null });
    expect(without.page.title).toBe('A note from Acme');
    expect(without.email.text).not.toMatch(/off|discount|SAVE-/);
  });

  it('a pause names its days and says access is kept; the message offer carries the creator’s own words', () => {
    expect(words({ kind: 'pause', days: 30 }).page.lead).toContain('pause your payments for 30 days: you keep access');
    expect(words({ kind: 'message', days: null }, { message: 'We ship the new course on Friday.' }).page.lead).toContain('We ship the new course on Friday.');
    expect(words({ kind: 'message', days: null }, { message: '<b>hi</b>' }).email.html).toContain('&lt;b&gt;hi&lt;/b&gt;');
  });

  it('the words name the creator and the days, every channel carries its own link, and HTML is escaped', () => {
    const copy = composeSaveOffer({ offer: { kind: 'free_days', days: 7 }, companyName: 'Tom & <Jerry>', productTitle: null, linkFor: (c) => `https://x.test/r?c=${c}`, unsubscribeUrl: 'https://x.test/u' });
    expect(copy.push.body).toContain('https://x.test/r?c=push');
    expect(copy.dm.body).toContain('https://x.test/r?c=dm');
    expect(copy.email.text).toContain('https://x.test/r?c=email');
    expect(copy.email.subject).toBe('Stay with Tom & <Jerry>: 7 days on us');
    expect(copy.email.html).toContain('Tom &amp; &lt;Jerry&gt;');
    expect(copy.email.html).not.toContain('<Jerry>');
  });
});

describe('save figures (hand-computed)', () => {
  it('save rate = held ÷ (held + reverted + lost), deciding excluded; accept rate = accepted ÷ sent', () => {
    // 3 held, 1 reverted, 2 lost, 4 still deciding (2 open, 2 saved inside their 30 days).
    const statuses = ['held', 'held', 'held', 'reverted', 'lost', 'lost', 'open', 'open', 'saved', 'saved'] as const;
    const counts = { held: 0, reverted: 0, lost: 0, deciding: 0 };
    for (const s of statuses) counts[saveOutcomeOf(s)] += 1;
    expect(counts).toEqual({ held: 3, reverted: 1, lost: 2, deciding: 4 });
    expect(saveRate(counts)).toEqual({ value: 0.5, decided: 6, deciding: 4, provisional: false });
    expect(saveRate({ held: 1, reverted: 0, lost: 0, deciding: 3 })).toEqual({ value: 1, decided: 1, deciding: 3, provisional: true });
    expect(saveRate({ held: 0, reverted: 0, lost: 0, deciding: 0 }).value).toBeNull();
    expect(acceptRate({ accepted: 2, offersSent: 7 })).toBe(0.2857);
    expect(acceptRate({ accepted: 0, offersSent: 0 })).toBeNull();
  });
});
