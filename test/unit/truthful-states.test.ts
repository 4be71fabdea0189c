import { describe, expect, it } from 'vitest';
import { incentiveState, reminderOutcome } from '../../web/src/timeline-items.ts';
import type { Incentive } from '../../web/src/types.ts';

describe('a reminder is never called sent when it was kept in the outbox', () => {
  it.each<[Record<string, string>, string]>([
    [{ push: 'sent', email: 'sent' }, 'Reminder 1 sent by Push, Email'],
    [{ email: 'outbox', push: 'outbox' }, 'Reminder 1 not sent: kept in the outbox, not sent (Email, Push: provider not configured)'],
    [{ push: 'sent', email: 'outbox' }, 'Reminder 1 sent by Push; kept in the outbox, not sent (Email: provider not configured)'],
    [{ dm: 'skipped', email: 'failed' }, 'Reminder 1 not sent: skipped on Direct message; failed on Email'],
    [{}, 'Reminder 1: nothing sent'],
  ])('%j → %s', (channels, words) => {
    expect(reminderOutcome(0, channels)).toBe(words);
  });
});

describe("an incentive's status always resolves: granted, or not granted and why", () => {
  const incentive = (status: Incentive['status'], error: string | null = null): Incentive => ({ type: 'free_days', value: 3, status, cost_cents: 100, currency: 'usd', granted_at: null, error });
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
