import { describe, expect, it } from 'vitest';
import { buildTimeline, incentiveState, nudgeOutcome } from '../../web/src/timeline-items.ts';
import type { Incentive } from '../../web/src/types.ts';

describe('a reminder is never called sent when it was kept in the outbox', () => {
  it.each<[Record<string, string>, string]>([
    [{ push: 'sent', email: 'sent' }, 'Reminder 1 sent by Push, Email'],
    [{ email: 'outbox', push: 'outbox' }, 'Reminder 1 not sent: kept in the outbox, not sent (Email, Push: provider not configured)'],
    [{ push: 'sent', email: 'outbox' }, 'Reminder 1 sent by Push; kept in the outbox, not sent (Email: provider not configured)'],
    [{ dm: 'skipped', email: 'failed' }, 'Reminder 1 not sent: skipped on Direct message; failed on Email'],
    [{}, 'Reminder 1: nothing sent'],
  ])('%j → %s', (channels, words) => {
    expect(nudgeOutcome(0, channels)).toBe(words);
  });
});

describe("an incentive's status always resolves: granted, or not granted and why", () => {
  const incentive = (status: Incentive['status'], error: string | null = null): Incentive => ({ type: 'free_days', value: 3, status, cost_cents: 100, currency: 'usd', granted_at: null, error, code: null, terms: null, expires_at: null, redeemed_at: null, summary: null });
  it.each<[Incentive['status'], string | null, 'open' | 'recovered' | 'closed_no_recovery', { words: string; granted: boolean; why: string | null }]>([
    ['granted', null, 'recovered', { words: 'granted', granted: true, why: null }],
    ['pending', null, 'open', { words: 'not granted yet', granted: false, why: 'it is granted with the first reminder' }],
    ['pending', null, 'recovered', { words: 'not granted', granted: false, why: 'the case was recovered before it was granted' }],
    ['pending', null, 'closed_no_recovery', { words: 'not granted', granted: false, why: 'the case closed before it was granted' }],
    ['granting', null, 'closed_no_recovery', { words: 'not granted', granted: false, why: 'the case closed before it was granted' }],
    ['failed', 'not granted: no Whop API key (outbox mode)', 'open', { words: 'not granted', granted: false, why: 'not granted: no Whop API key (outbox mode)' }],
  ])('%s (error %s) on a %s case', (status, error, caseStatus, expected) => {
    expect(incentiveState(incentive(status, error), caseStatus)).toEqual(expected);
  });
});

describe('a promo code on the timeline costs nothing until redeemed', () => {
  const detail = (incentive: Partial<Incentive>) =>
    ({
      case: { status: 'open' },
      timeline: [],
      deliveries: [],
      incentives: [{ type: 'promo_code', value: 20, status: 'granted', cost_cents: 0, currency: 'usd', granted_at: '2026-05-04T15:00:00.000Z', error: null, code: 'SAVE-AAAA', redeemed_at: null, summary: 'Promo code SAVE-AAAA: 20 % off for 3 months, not redeemed yet', ...incentive }],
    }) as never;
  it('shows the server sentence and says no cost is counted while unredeemed', () => {
    const [item] = buildTimeline(detail({}));
    expect(item).toMatchObject({ title: 'Promo code SAVE-AAAA: 20 % off for 3 months, not redeemed yet', notes: ['No cost counted: only a redeemed code costs anything'] });
  });
  it('shows the cost once a payment redeemed it', () => {
    const [item] = buildTimeline(detail({ redeemed_at: '2026-05-06T00:00:00.000Z', cost_cents: 1800, summary: 'Promo code SAVE-AAAA: 20 % off for 3 months, redeemed on 2026-05-06' }));
    expect(item!.notes[0]).toMatch(/^Cost \$18\.00/);
    expect(item!.tone).toBe('good');
  });
});
