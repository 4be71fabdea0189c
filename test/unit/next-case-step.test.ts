import { describe, expect, it } from 'vitest';
import { nextCaseStep, type CaseStepFacts } from '../../src/domain/next-case-step.ts';
import { DEFAULT_NUDGE_SETTINGS, parseNudgeSettings, type NudgeSettings } from '../../src/domain/nudge-settings.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Wednesday 2 December 2026, 15:00 UTC. */
const T0 = new Date('2026-12-02T15:00:00Z');
const at = (hours: number) => new Date(T0.getTime() + hours * HOUR);

function facts(over: Partial<CaseStepFacts> = {}): CaseStepFacts {
  return {
    status: 'open', firstFailureAt: T0, lastFailureAt: T0, failureCount: 1, attributionEndsAt: at(14 * 24), stepsSent: 0, lastNudgeAt: null,
    declineCode: null, failureReason: null, needsAuthentication: false, cardExpMonth: null, cardExpYear: null, paymentRetryable: true, nextPaymentAttemptAt: null, ...over,
  };
}
function settings(over: Record<string, unknown>): NudgeSettings {
  const parsed = parseNudgeSettings(over);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.settings;
}
const ON = settings({ decline_playbooks: true });
const OFF = settings({ decline_playbooks: false });

describe('nextCaseStep', () => {
  it('with playbooks off, every case keeps the reminder days on every enabled channel', () => {
    const step = nextCaseStep(facts({ declineCode: 'insufficient_funds', stepsSent: 1, lastNudgeAt: T0 }), OFF, T0);
    expect(step).toMatchObject({ index: 1, at: at(48), channels: ['push', 'dm', 'email'], plannedBy: 'offsets', category: 'insufficient_funds' });
  });

  it('by default (settings never saved), a case follows its category playbook', () => {
    const step = nextCaseStep(facts({ declineCode: 'insufficient_funds', stepsSent: 1, lastNudgeAt: T0 }), DEFAULT_NUDGE_SETTINGS, T0);
    // 2 December + 24 h → the 15th, 09:00 UTC (no quiet hours: no company zone).
    expect(step).toMatchObject({ index: 1, at: new Date('2026-12-15T09:00:00Z'), channels: ['push', 'email'], plannedBy: 'playbook' });
  });

  it('an expired card: the new-card step at once on every channel, never a retry', () => {
    const step = nextCaseStep(facts({ declineCode: 'expired_card' }), settings({ decline_playbooks: true, retry_payment_first: true }), T0);
    expect(step).toMatchObject({ index: 0, at: T0, channels: ['push', 'dm', 'email'], retryFirst: false, category: 'card_unusable' });
  });

  it('insufficient funds: the ask lands on the next payday, at 09:00 in the company zone', () => {
    const s = settings({ decline_playbooks: true, quiet_hours: { start_hour: 22, end_hour: 7, timezone: 'America/New_York' } });
    const step = nextCaseStep(facts({ declineCode: 'insufficient_funds', stepsSent: 1, lastNudgeAt: T0 }), s, T0);
    // 2 December + 24 h → the next likely payday is the 15th, 09:00 New York (14:00 UTC).
    expect(step).toMatchObject({ index: 1, at: new Date('2026-12-15T14:00:00Z'), retryFirst: true });
  });

  it("nothing is planned at or after Whop's cancel; the last step comes 12 hours before it", () => {
    const c = facts({ nextPaymentAttemptAt: at(36) }); // cancel read as 72 h
    const steps: number[] = [];
    let state = c;
    for (let i = 0; i < 5; i++) {
      const next = nextCaseStep(state, ON, state.lastNudgeAt ?? T0);
      if (!next) break;
      expect(next.at.getTime()).toBeLessThan(at(72).getTime());
      steps.push((next.at.getTime() - T0.getTime()) / HOUR);
      state = { ...state, stepsSent: next.index + 1, lastNudgeAt: next.at };
    }
    expect(steps).toEqual([0, 48, 60]);
  });

  it("a channel the company switched off is left out of the category's step", () => {
    const step = nextCaseStep(facts({ needsAuthentication: true }), settings({ decline_playbooks: true, enable_dm: false }), T0);
    expect(step).toMatchObject({ channels: ['push'], category: 'needs_authentication' });
  });

  it('a closed case gets nothing in either mode', () => {
    expect(nextCaseStep(facts({ status: 'recovered' }), ON, T0)).toBeNull();
    expect(nextCaseStep(facts({ status: 'recovered' }), OFF, T0)).toBeNull();
  });

  it('quiet hours in the member zone move the step', () => {
    const s = settings({ decline_playbooks: true, quiet_hours: { start_hour: 22, end_hour: 8, timezone: 'America/New_York' } });
    // 15:00 UTC is 00:00 in Tokyo: quiet until 08:00 Tokyo, 23:00 UTC.
    expect(nextCaseStep(facts({ memberTimeZone: 'Asia/Tokyo' }), s, T0)?.at).toEqual(new Date('2026-12-02T23:00:00Z'));
    expect(nextCaseStep(facts(), s, T0)?.at).toEqual(T0);
  });
});
void DAY;
