import { describe, expect, it } from 'vitest';
import { DECLINE_CATEGORIES, type DeclineCategory } from '../../src/domain/decline-variant.ts';
import { DEFAULT_PLAYBOOKS, type PlanInput, type PlaybookCaseInput, isLikelyPayday, nextPaydayAt, nextPlaybookNudgeAt, planPlaybook, playbookFor, retryPaymentDecision, whopCancelAtOf } from '../../src/domain/playbook.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** The one clock of these tests: every time below is an offset from it. */
const T0 = new Date('2026-12-02T10:00:00Z'); // a Wednesday

function plan(category: DeclineCategory, overrides: Partial<PlanInput> = {}) {
  return planPlaybook({
    category,
    playbook: DEFAULT_PLAYBOOKS[category],
    firstFailureAt: T0,
    whopCancelAt: null,
    attributionEndsAt: new Date(T0.getTime() + 14 * DAY),
    paydayTimeZone: 'UTC',
    paymentRetryable: true,
    nextPaymentAttemptAt: null,
    ...overrides,
  });
}

describe('default playbooks', () => {
  it('every category has steps, each on at least one channel', () => {
    for (const category of DECLINE_CATEGORIES) {
      expect(DEFAULT_PLAYBOOKS[category].steps.length).toBeGreaterThan(0);
      for (const s of DEFAULT_PLAYBOOKS[category].steps) expect(s.channels.length).toBeGreaterThan(0);
    }
  });

  it('a card that cannot be charged again is never planned a retry by default', () => {
    expect(DEFAULT_PLAYBOOKS.card_unusable.steps.some((s) => s.retryFirst)).toBe(false);
  });
});

describe('planPlaybook: needs authentication', () => {
  it('sends the recovery link at once on push and DM, without a retry', () => {
    const [first] = plan('needs_authentication');
    expect(first).toMatchObject({ index: 0, at: T0, channels: ['push', 'dm'], retry: { retry: false, reason: 'not_in_playbook' } });
  });
});

describe('planPlaybook: card unusable', () => {
  it('an expired card never gets a retry, even when Whop calls it retryable and a custom step asks for one', () => {
    const retrying = { ...DEFAULT_PLAYBOOKS.card_unusable, steps: DEFAULT_PLAYBOOKS.card_unusable.steps.map((s) => ({ ...s, retryFirst: true })) };
    const steps = plan('card_unusable', { playbook: retrying, paymentRetryable: true });
    expect(steps.length).toBe(3);
    for (const s of steps) expect(s.retry).toEqual({ retry: false, reason: 'card_unusable' });
  });

  it('asks for a new card at once on every channel', () => {
    expect(plan('card_unusable')[0]).toMatchObject({ at: T0, channels: ['push', 'dm', 'email'] });
  });
});

describe('planPlaybook: insufficient funds lands on the payday', () => {
  it.each([
    // failure time, zone, expected ask (step 1) time
    ['2026-12-02T10:00:00Z', 'UTC', '2026-12-15T09:00:00.000Z'], // Wednesday the 2nd: the 15th
    ['2026-12-16T10:00:00Z', 'UTC', '2026-12-31T09:00:00.000Z'], // after the 15th: the last business day
    ['2027-01-18T10:00:00Z', 'UTC', '2027-01-29T09:00:00.000Z'], // January 2027 ends on a Sunday: Friday the 29th
    ['2026-12-16T10:00:00Z', 'America/New_York', '2026-12-31T14:00:00.000Z'], // 09:00 in New York
    ['2026-12-13T23:30:00Z', 'Asia/Tokyo', '2026-12-15T00:00:00.000Z'], // a day later it is the 15th, 08:30 in Tokyo: 09:00 local
  ])('a failure at %s (%s) gets its ask on %s', (failedAt, zone, askAt) => {
    const firstFailureAt = new Date(failedAt);
    const steps = plan('insufficient_funds', { firstFailureAt, paydayTimeZone: zone, attributionEndsAt: new Date(firstFailureAt.getTime() + 30 * DAY) });
    const ask = steps.find((s) => s.index === 1)!;
    expect(ask.at.toISOString()).toBe(askAt);
    expect(ask.retry).toEqual({ retry: true });
  });

  it('every payday step is on a likely payday in the member zone', () => {
    for (let d = 0; d < 62; d++) {
      const firstFailureAt = new Date(T0.getTime() + d * DAY);
      for (const s of plan('insufficient_funds', { firstFailureAt, paydayTimeZone: 'Europe/Berlin' }).filter((p) => p.index > 0)) {
        const [y, m, day] = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Berlin' }).format(s.at).split('-').map(Number);
        expect(isLikelyPayday(y!, m!, day!), `${firstFailureAt.toISOString()} -> ${s.at.toISOString()}`).toBe(true);
      }
    }
  });
});

describe('planPlaybook: Whop\'s window', () => {
  it.each(DECLINE_CATEGORIES)('nothing of %s is planned at or past Whop\'s cancel, and the last step comes before it', (category) => {
    for (const cancelAfterHours of [6, 30, 5 * 24, 9 * 24, 40 * 24]) {
      const whopCancelAt = new Date(T0.getTime() + cancelAfterHours * HOUR);
      const steps = plan(category, { whopCancelAt });
      expect(steps.length).toBeGreaterThan(0);
      for (const s of steps) expect(s.at.getTime()).toBeLessThan(whopCancelAt.getTime());
      for (const s of steps) expect(s.at.getTime()).toBeLessThanOrEqual(T0.getTime() + 14 * DAY);
      const times = steps.map((s) => s.at.getTime());
      expect(times).toEqual([...times].sort((a, b) => a - b));
    }
  });

  it('with the cancel five days out, the last step goes 12 hours before it', () => {
    const whopCancelAt = new Date(T0.getTime() + 5 * DAY);
    const steps = plan('card_unusable', { whopCancelAt });
    expect(steps.at(-1)!.at.getTime()).toBe(whopCancelAt.getTime() - 12 * HOUR);
  });

  it('a payday after the cancel is dropped, the last call stays', () => {
    const whopCancelAt = new Date(T0.getTime() + 5 * DAY); // the 15th is after the cancel
    const steps = plan('insufficient_funds', { whopCancelAt });
    expect(steps.map((s) => s.index)).toEqual([0, 2]);
    expect(steps[1]!.at.getTime()).toBe(whopCancelAt.getTime() - 12 * HOUR);
  });

  it('a cancel hours away leaves the immediate step alone', () => {
    const steps = plan('needs_authentication', { whopCancelAt: new Date(T0.getTime() + 6 * HOUR) });
    expect(steps).toHaveLength(1);
    expect(steps[0]).toMatchObject({ index: 0, at: T0 });
  });

  it('without a known cancel, the attribution window bounds the plan', () => {
    const steps = plan('unknown', { attributionEndsAt: new Date(T0.getTime() + 3 * DAY) });
    expect(steps.map((s) => s.index)).toEqual([0, 1]);
  });
});

describe('retryPaymentDecision', () => {
  const signals = { category: 'issuer_soft_decline' as const, paymentRetryable: true, nextPaymentAttemptAt: null };

  it('never retries while Whop has its own attempt scheduled later (double-charge risk)', () => {
    expect(retryPaymentDecision(true, { ...signals, nextPaymentAttemptAt: new Date(T0.getTime() + HOUR) }, T0)).toEqual({ retry: false, reason: 'whop_retry_scheduled' });
    expect(retryPaymentDecision(true, { ...signals, nextPaymentAttemptAt: new Date(T0.getTime() - HOUR) }, T0)).toEqual({ retry: true });
  });

  it('skips a payment Whop did not mark retryable', () => {
    expect(retryPaymentDecision(true, { ...signals, paymentRetryable: false }, T0)).toEqual({ retry: false, reason: 'not_retryable' });
  });

  it('a soft decline retries first when nothing forbids it', () => {
    const steps = plan('issuer_soft_decline');
    expect(steps[0]).toMatchObject({ at: new Date(T0.getTime() + DAY), retry: { retry: true } });
  });

  it('a planned retry that would run before Whop\'s own attempt is skipped in the plan', () => {
    const steps = plan('issuer_soft_decline', { nextPaymentAttemptAt: new Date(T0.getTime() + 2 * DAY) });
    expect(steps.find((s) => s.index === 0)!.retry).toEqual({ retry: false, reason: 'whop_retry_scheduled' });
    expect(steps.find((s) => s.index === 1)!.retry).toEqual({ retry: true });
  });
});

describe('nextPaydayAt', () => {
  it('is the time itself when it is already a payday morning', () => {
    const at = new Date('2026-12-15T12:00:00Z');
    expect(nextPaydayAt(at, 'UTC')).toEqual(at);
  });

  it('a payday before its morning moves to 09:00 that day', () => {
    expect(nextPaydayAt(new Date('2026-12-01T03:00:00Z'), 'UTC').toISOString()).toBe('2026-12-01T09:00:00.000Z');
  });

  it('keeps 09:00 local across a daylight-saving change', () => {
    // Clocks go forward in New York on 2027-03-14; the next payday is Monday the 15th.
    expect(nextPaydayAt(new Date('2027-03-13T12:00:00Z'), 'America/New_York').toISOString()).toBe('2027-03-15T13:00:00.000Z');
  });
});

describe("Whop's window", () => {
  const failed = (hours: number) => new Date(T0.getTime() + hours * HOUR);

  it("reads the cancel from Whop's next attempt and its cadence, not from a fixed five days", () => {
    expect(whopCancelAtOf({ nextPaymentAttemptAt: failed(48), lastFailureAt: T0, failureCount: 1 })).toEqual(failed(96));
    expect(whopCancelAtOf({ nextPaymentAttemptAt: failed(72), lastFailureAt: failed(48), failureCount: 2 })).toEqual(failed(96));
  });

  it('a failure with no next attempt after earlier ones means Whop stopped retrying; a first one tells nothing', () => {
    expect(whopCancelAtOf({ nextPaymentAttemptAt: null, lastFailureAt: failed(96), failureCount: 3 })).toEqual(failed(97));
    expect(whopCancelAtOf({ nextPaymentAttemptAt: null, lastFailureAt: T0, failureCount: 1 })).toBeNull();
  });

  it.each(DECLINE_CATEGORIES)('%s: nothing is planned at or after the cancel, and the last step comes before it', (category) => {
    const whopCancelAt = whopCancelAtOf({ nextPaymentAttemptAt: failed(36), lastFailureAt: T0, failureCount: 1 })!;
    const steps = plan(category, { whopCancelAt });
    expect(steps.length).toBeGreaterThan(0);
    for (const s of steps) expect(s.at.getTime()).toBeLessThan(whopCancelAt.getTime());
    expect(steps.at(-1)!.index).toBe(DEFAULT_PLAYBOOKS[category].steps.length - 1);
  });
});

describe('nextPlaybookNudgeAt', () => {
  const base = (over: Partial<PlaybookCaseInput> = {}): PlaybookCaseInput => ({
    category: 'unknown',
    playbook: DEFAULT_PLAYBOOKS.unknown,
    firstFailureAt: T0,
    whopCancelAt: null,
    attributionEndsAt: new Date(T0.getTime() + 14 * DAY),
    paydayTimeZone: 'UTC',
    paymentRetryable: false,
    nextPaymentAttemptAt: null,
    status: 'open',
    stepsSent: 0,
    lastNudgeAt: null,
    minGapHours: 12,
    ...over,
  });

  it('walks the planned steps in order, one past the last sent', () => {
    expect(nextPlaybookNudgeAt(base(), T0)).toMatchObject({ step: { index: 0 }, at: T0 });
    expect(nextPlaybookNudgeAt(base({ stepsSent: 1, lastNudgeAt: T0 }), T0)).toMatchObject({ step: { index: 1 }, at: new Date(T0.getTime() + 2 * DAY) });
    expect(nextPlaybookNudgeAt(base({ stepsSent: 3 }), T0)).toBeNull();
  });

  it('a closed case gets nothing', () => {
    expect(nextPlaybookNudgeAt(base({ status: 'recovered' }), T0)).toBeNull();
  });

  it('a gap that would push the step past the cancel drops it', () => {
    const whopCancelAt = new Date(T0.getTime() + 50 * HOUR);
    const planned = nextPlaybookNudgeAt(base({ stepsSent: 1, lastNudgeAt: new Date(T0.getTime() + 40 * HOUR), minGapHours: 20, whopCancelAt }), T0);
    expect(planned).toBeNull();
  });

  it("the company's own playbook replaces ours for its category only", () => {
    const settings = { decline_playbooks: true, playbooks: { card_unusable: { steps: [{ after_hours: 6, channels: ['email' as const], retry_first: true, on_payday: false }], last_step_lead_hours: 4 } } };
    expect(playbookFor(settings, 'card_unusable')).toEqual({ steps: [{ afterHours: 6, channels: ['email'], retryFirst: true, onPayday: false }], lastStepLeadHours: 4 });
    expect(playbookFor(settings, 'insufficient_funds')).toBe(DEFAULT_PLAYBOOKS.insufficient_funds);
  });
});
