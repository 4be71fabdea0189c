import { describe, expect, it } from 'vitest';
import type { QuietHours } from '../../src/domain/nudge-settings.ts';
import { isDue, isInQuietHours, minGapEndsAt, nextNudgeAt, scheduleInputOf, stepIndexFor, type NudgeScheduleInput } from '../../src/domain/nudge-schedule.ts';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** Monday 6 January 2025, 15:00 UTC: 10:00 in New York, outside any usual quiet hours. */
const FAILED_AT = new Date('2025-01-06T15:00:00.000Z');
const at = (days: number, hours = 0) => new Date(FAILED_AT.getTime() + days * DAY_MS + hours * HOUR_MS);
const iso = (d: Date | null) => d?.toISOString() ?? null;

const NEW_YORK_NIGHTS: QuietHours = { start_hour: 22, end_hour: 7, timezone: 'America/New_York' };

function caseWith(over: Partial<NudgeScheduleInput> = {}): NudgeScheduleInput {
  return {
    offsetsDays: [0, 2, 4],
    firstFailureAt: FAILED_AT,
    stepsSent: 0,
    lastNudgeAt: null,
    minGapHours: 12,
    quietHours: null,
    status: 'open',
    attributionEndsAt: at(14),
    ...over,
  };
}

/**
 * Drives a case with a sweep every `tickMinutes` from `from` to `until`, sending whenever a nudge
 * is due (as the send-due-nudge job does), and returns when each nudge went out.
 */
function sweep(input: NudgeScheduleInput, from: Date, until: Date, tickMinutes = 15): string[] {
  const sent: string[] = [];
  let state = input;
  for (let t = from.getTime(); t <= until.getTime(); t += tickMinutes * 60_000) {
    const now = new Date(t);
    if (isDue(nextNudgeAt(state, now), now)) {
      sent.push(now.toISOString());
      state = { ...state, stepsSent: state.stepsSent + 1, lastNudgeAt: now };
    }
  }
  return sent;
}

describe('nextNudgeAt: when reminders go out', () => {
  it.each<[title: string, over: Partial<NudgeScheduleInput>, now: Date, expected: Date | null]>([
    ['the day-0 reminder goes out as soon as the payment fails', {}, FAILED_AT, FAILED_AT],
    ['the day-2 reminder is due two days after the failure', { stepsSent: 1, lastNudgeAt: FAILED_AT }, at(0, 1), at(2)],
    ['the day-4 reminder is due four days after the failure', { stepsSent: 2, lastNudgeAt: at(2) }, at(2, 1), at(4)],
    ['after the last reminder nothing more is sent', { stepsSent: 3, lastNudgeAt: at(4) }, at(4, 1), null],
    ['a recovered member gets no more reminders', { status: 'recovered' }, FAILED_AT, null],
    ['a closed case gets no more reminders', { status: 'closed_no_recovery' }, FAILED_AT, null],
    ['a reminder that would fall after the attribution window is not sent', { offsetsDays: [0, 20], stepsSent: 1, lastNudgeAt: FAILED_AT }, at(1), null],
    ['a reminder due exactly at the end of the attribution window is still sent', { offsetsDays: [0, 14], stepsSent: 1, lastNudgeAt: FAILED_AT }, at(1), at(14)],
    ['a case still open after its window passed gets nothing more', { stepsSent: 1, lastNudgeAt: FAILED_AT }, at(15), null],
    ['a reminder never follows the previous one by less than the gap', { offsetsDays: [0, 1], stepsSent: 1, lastNudgeAt: at(0, 20), minGapHours: 12 }, at(0, 21), at(1, 8)],
    ['with no gap, a reminder goes out at its offset even right after another', { offsetsDays: [0, 1], stepsSent: 1, lastNudgeAt: at(0, 23), minGapHours: 0 }, at(0, 23), at(1)],
    ['an overdue reminder is due now, not at its past due time', { stepsSent: 1, lastNudgeAt: FAILED_AT }, at(3), at(3)],
    ['a case opened late (delayed webhook) sends its first reminder now', {}, at(0, 5), at(0, 5)],
    ['offsets count whole 24-hour days from the failure, to the millisecond', { firstFailureAt: new Date('2025-01-06T15:00:00.123Z'), stepsSent: 1, lastNudgeAt: FAILED_AT }, at(1), new Date('2025-01-08T15:00:00.123Z')],
  ])('%s', (_title, over, now, expected) => {
    expect(iso(nextNudgeAt(caseWith(over), now))).toBe(iso(expected));
  });
});

describe('catching up after downtime', () => {
  it('after 3 days of downtime the overdue day-0 and day-2 reminders go out 12 hours apart, not together', () => {
    expect(sweep(caseWith(), at(3), at(10))).toEqual([at(3).toISOString(), at(3, 12).toISOString(), at(4).toISOString()]);
  });

  it('without downtime the reminders go out on days 0, 2 and 4', () => {
    expect(sweep(caseWith(), FAILED_AT, at(10))).toEqual([FAILED_AT.toISOString(), at(2).toISOString(), at(4).toISOString()]);
  });

  it('after a week of downtime the remaining reminders are still spread by the gap', () => {
    expect(sweep(caseWith({ minGapHours: 24 }), at(7), at(14))).toEqual([at(7).toISOString(), at(8).toISOString(), at(9).toISOString()]);
  });

  it('reminders caught up late stop at the end of the attribution window', () => {
    expect(sweep(caseWith({ attributionEndsAt: at(3, 12) }), at(3), at(10))).toEqual([at(3).toISOString(), at(3, 12).toISOString()]);
  });

  it('an overdue reminder found during the night waits for the morning, not for its past due time', () => {
    // 2025-01-09T03:00Z is 22:00 in New York; the morning is 07:00 EST = 12:00Z.
    const input = caseWith({ quietHours: NEW_YORK_NIGHTS, stepsSent: 1, lastNudgeAt: FAILED_AT });
    expect(iso(nextNudgeAt(input, new Date('2025-01-09T03:00:00Z')))).toBe('2025-01-09T12:00:00.000Z');
  });
});

describe('quiet hours', () => {
  it.each<[title: string, dueAt: string, quietHours: QuietHours, expected: string]>([
    ['a reminder due at 23:00 in New York with quiet hours 22–7 waits until 07:00 local', '2025-01-07T04:00:00Z', NEW_YORK_NIGHTS, '2025-01-07T12:00:00.000Z'],
    ['in summer (EDT) the same reminder waits until 07:00 EDT', '2025-07-07T03:00:00Z', NEW_YORK_NIGHTS, '2025-07-07T11:00:00.000Z'],
    ['a reminder due at 03:00 local waits until 07:00 the same morning', '2025-01-07T08:00:00Z', NEW_YORK_NIGHTS, '2025-01-07T12:00:00.000Z'],
    ['a reminder due at 22:00 sharp is quiet: the window starts on the hour', '2025-01-07T03:00:00Z', NEW_YORK_NIGHTS, '2025-01-07T12:00:00.000Z'],
    ['a reminder due at 06:59:59 waits one second for 07:00', '2025-01-07T11:59:59Z', NEW_YORK_NIGHTS, '2025-01-07T12:00:00.000Z'],
    ['a reminder due at 07:00 sharp goes out: the window ends on the hour', '2025-01-07T12:00:00Z', NEW_YORK_NIGHTS, '2025-01-07T12:00:00.000Z'],
    ['a reminder due at 21:59 goes out before the quiet hours start', '2025-01-07T02:59:00Z', NEW_YORK_NIGHTS, '2025-01-07T02:59:00.000Z'],
    ['a reminder due at 23:17:42.5 waits until 07:00:00.000, not 07:17', '2025-01-07T04:17:42.500Z', NEW_YORK_NIGHTS, '2025-01-07T12:00:00.000Z'],
    ['quiet hours that do not wrap midnight (9–17) hold a noon reminder until 17:00', '2025-01-07T12:00:00Z', { start_hour: 9, end_hour: 17, timezone: 'UTC' }, '2025-01-07T17:00:00.000Z'],
    ['a reminder outside non-wrapping quiet hours goes out as due', '2025-01-07T18:00:00Z', { start_hour: 9, end_hour: 17, timezone: 'UTC' }, '2025-01-07T18:00:00.000Z'],
    ['quiet hours 0–6 in London hold a 01:30 reminder until 06:00', '2025-01-07T01:30:00Z', { start_hour: 0, end_hour: 6, timezone: 'Europe/London' }, '2025-01-07T06:00:00.000Z'],
    ['in India (UTC+5:30) 23:00 waits until 07:00 IST, a half-hour boundary in UTC', '2025-01-07T17:30:00Z', { start_hour: 22, end_hour: 7, timezone: 'Asia/Kolkata' }, '2025-01-08T01:30:00.000Z'],
    ['in Nepal (UTC+5:45) 23:00 waits until 07:00 NPT', '2025-01-07T17:15:00Z', { start_hour: 22, end_hour: 7, timezone: 'Asia/Kathmandu' }, '2025-01-08T01:15:00.000Z'],
    ['in Tokyo a reminder due at 23:00 JST waits until 07:00 JST', '2025-01-07T14:00:00Z', { start_hour: 22, end_hour: 7, timezone: 'Asia/Tokyo' }, '2025-01-07T22:00:00.000Z'],
    // Daylight-saving changes: the wall clock decides, not a fixed offset.
    ['on the night clocks spring forward in New York, 22:30 EST waits until 07:00 EDT', '2025-03-09T03:30:00Z', NEW_YORK_NIGHTS, '2025-03-09T11:00:00.000Z'],
    ['on the night clocks fall back in New York, 23:00 EDT waits until 07:00 EST', '2025-11-02T03:00:00Z', NEW_YORK_NIGHTS, '2025-11-02T12:00:00.000Z'],
    ['quiet hours ending at 02:00, an hour that does not exist on spring-forward night, end at 03:00 EDT', '2025-03-09T04:00:00Z', { start_hour: 22, end_hour: 2, timezone: 'America/New_York' }, '2025-03-09T07:00:00.000Z'],
    ['quiet hours ending at 01:00 on fall-back night end at the first 01:00 (EDT)', '2025-11-02T03:00:00Z', { start_hour: 22, end_hour: 1, timezone: 'America/New_York' }, '2025-11-02T05:00:00.000Z'],
    ['quiet hours starting at 01:00 on fall-back night cover both 01:00 hours', '2025-11-02T05:30:00Z', { start_hour: 1, end_hour: 2, timezone: 'America/New_York' }, '2025-11-02T07:00:00.000Z'],
    ['in Berlin, clocks springing forward at 02:00 do not move a 07:00 end', '2025-03-30T00:30:00Z', { start_hour: 22, end_hour: 7, timezone: 'Europe/Berlin' }, '2025-03-30T05:00:00.000Z'],
  ])('%s', (_title, dueAt, quietHours, expected) => {
    const firstFailureAt = new Date(dueAt);
    const input = caseWith({ firstFailureAt, quietHours, attributionEndsAt: new Date(firstFailureAt.getTime() + 14 * DAY_MS) });
    expect(iso(nextNudgeAt(input, firstFailureAt))).toBe(expected);
  });

  it('a reminder pushed past the end of the attribution window by quiet hours is not sent', () => {
    const firstFailureAt = new Date('2025-01-07T04:00:00Z'); // 23:00 in New York
    const input = caseWith({ firstFailureAt, quietHours: NEW_YORK_NIGHTS, attributionEndsAt: new Date('2025-01-07T06:00:00Z') });
    expect(nextNudgeAt(input, firstFailureAt)).toBeNull();
  });

  it('quiet hours apply after the gap: a gap ending at 02:00 local waits until 07:00', () => {
    const lastNudgeAt = new Date('2025-01-08T19:00:00Z'); // 14:00 EST; +12 h = 02:00 EST
    const input = caseWith({ quietHours: NEW_YORK_NIGHTS, offsetsDays: [0, 2], stepsSent: 1, lastNudgeAt });
    expect(iso(nextNudgeAt(input, lastNudgeAt))).toBe('2025-01-09T12:00:00.000Z');
  });

  it.each<[title: string, instant: string, quiet: boolean]>([
    ['21:59 in New York is not quiet', '2025-01-07T02:59:00Z', false],
    ['22:00 in New York is quiet', '2025-01-07T03:00:00Z', true],
    ['midnight in New York is quiet', '2025-01-07T05:00:00Z', true],
    ['06:59 in New York is quiet', '2025-01-07T11:59:00Z', true],
    ['07:00 in New York is not quiet', '2025-01-07T12:00:00Z', false],
  ])('isInQuietHours: %s', (_title, instant, quiet) => {
    expect(isInQuietHours(new Date(instant), NEW_YORK_NIGHTS)).toBe(quiet);
  });
});

describe('isDue', () => {
  it.each<[title: string, nextAt: Date | null, now: Date, due: boolean]>([
    ['a nudge scheduled in the past is due', at(0), at(1), true],
    ['a nudge scheduled for this very moment is due', at(1), at(1), true],
    ['a nudge scheduled a millisecond from now is not due yet', new Date(at(1).getTime() + 1), at(1), false],
    ['a case with nothing scheduled is never due', null, at(1), false],
  ])('%s', (_title, nextAt, now, due) => {
    expect(isDue(nextAt, now)).toBe(due);
  });
});

describe('stepIndexFor', () => {
  it.each<[title: string, offsets: number[], stepsSent: number, step: number | null]>([
    ['before any reminder, the next step is the first (0)', [0, 2, 4], 0, 0],
    ['after two reminders, the next step is the third (2)', [0, 2, 4], 2, 2],
    ['after every reminder there is no next step', [0, 2, 4], 3, null],
    ['a single-reminder schedule has one step', [3], 1, null],
  ])('%s', (_title, offsets, stepsSent, step) => {
    expect(stepIndexFor(offsets, stepsSent)).toBe(step);
  });

  it.each([-1, 1.5, Number.NaN])('a stepsSent of %s is a bug and throws', (stepsSent) => {
    expect(() => stepIndexFor([0, 2, 4], stepsSent)).toThrow(RangeError);
  });
});

describe('scheduleInputOf and minGapEndsAt: one rule for every caller', () => {
  const settings = { reminder_offsets_days: [0, 2, 4], min_gap_hours: 12, quiet_hours: null };
  const state = { firstFailureAt: at(0), stepsSent: 1, lastNudgeAt: at(1, 20), status: 'open' as const, attributionEndsAt: at(14) };

  it('a case and its settings version give the schedule input the sweep and the nudge both use', () => {
    expect(scheduleInputOf(settings, state)).toEqual({ offsetsDays: [0, 2, 4], firstFailureAt: at(0), stepsSent: 1, lastNudgeAt: at(1, 20), minGapHours: 12, quietHours: null, status: 'open', attributionEndsAt: at(14) });
    // Step 1 is due on day 2 at 00:00, but the gap after day 1 20:00 holds it until day 2 08:00.
    expect(nextNudgeAt(scheduleInputOf(settings, state), at(1, 21))).toEqual(at(2, 8));
  });

  it('"nudge now" may follow the last nudge only after the gap; the first nudge has no gap', () => {
    expect(minGapEndsAt(at(1, 20), 12)).toEqual(at(2, 8));
    expect(minGapEndsAt(at(1, 20), 0)).toEqual(at(1, 20));
    expect(minGapEndsAt(null, 12)).toBeNull();
  });
});
