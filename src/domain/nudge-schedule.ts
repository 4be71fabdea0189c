import type { NudgeSettings, QuietHours } from './nudge-settings.ts';
import type { CaseStatus } from './recovery-case.ts';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export interface NudgeScheduleInput {
  /** Days after the first failure at which each reminder is due, ascending (as settings store them). */
  offsetsDays: readonly number[];
  firstFailureAt: Date;
  /** Reminders already sent for this case; the next one is step `stepsSent` (0-based). */
  stepsSent: number;
  /** When the last reminder went out; null before the first. */
  lastNudgeAt: Date | null;
  /** Least time between two nudges of one case, in hours. */
  minGapHours: number;
  /** Local hours in which nothing is sent; null or absent for none. */
  quietHours?: QuietHours | null;
  status: CaseStatus;
  /** Nudging after the attribution window could not be credited, so it stops there. */
  attributionEndsAt: Date;
}

/** The settings a schedule reads: a new schedule setting is added here and in scheduleInputOf. */
export type ScheduleSettings = Pick<NudgeSettings, 'reminder_offsets_days' | 'min_gap_hours' | 'quiet_hours'>;

/** What a case contributes to its schedule. */
export interface CaseScheduleState {
  firstFailureAt: Date;
  stepsSent: number;
  lastNudgeAt: Date | null;
  status: CaseStatus;
  attributionEndsAt: Date;
}

/** The one place a case and its settings version become the schedule's input. */
export function scheduleInputOf(settings: ScheduleSettings, c: CaseScheduleState): NudgeScheduleInput {
  return {
    offsetsDays: settings.reminder_offsets_days,
    firstFailureAt: c.firstFailureAt,
    stepsSent: c.stepsSent,
    lastNudgeAt: c.lastNudgeAt,
    minGapHours: settings.min_gap_hours,
    quietHours: settings.quiet_hours,
    status: c.status,
    attributionEndsAt: c.attributionEndsAt,
  };
}

/** The earliest time the next nudge may follow the last one; null before the first nudge. */
export function minGapEndsAt(lastNudgeAt: Date | null, minGapHours: number): Date | null {
  return lastNudgeAt === null ? null : new Date(lastNudgeAt.getTime() + minGapHours * HOUR_MS);
}

/**
 * The 0-based index of the next reminder step, or null when every step was sent.
 * Step k is the k-th offset of the sorted offsets, which is also the index custom templates use.
 */
export function stepIndexFor(offsetsDays: readonly number[], stepsSent: number): number | null {
  if (!Number.isInteger(stepsSent) || stepsSent < 0) throw new RangeError(`stepsSent must be a non-negative integer: ${stepsSent}`);
  return stepsSent < offsetsDays.length ? stepsSent : null;
}

/**
 * When the next reminder of a case may go out, or null when none will: the case is not open,
 * every step was sent, or the next one would fall after the attribution window.
 *
 * Step k is due at firstFailureAt + offsetsDays[k] days (24-hour days, like the attribution
 * window), but never before lastNudgeAt + minGapHours and never before `now`. The gap is what
 * spreads reminders that fell due during downtime: they go out one at a time, minGapHours apart,
 * never in a burst. Clamping to `now` matters for quiet hours: an overdue reminder is moved out of
 * the quiet hours as they stand now, not as they stood when it fell due.
 * Finally a time inside quiet hours moves to the end of that quiet window, in local wall-clock time
 * of the quiet hours' time zone (across midnight and daylight-saving changes).
 *
 * Idempotent: it derives everything from its input, so a sweep may recompute it before sending
 * (send only when isDue), and store the result as the case's next_nudge_at.
 */
export function nextNudgeAt(input: NudgeScheduleInput, now: Date): Date | null {
  if (input.status !== 'open') return null;
  const step = stepIndexFor(input.offsetsDays, input.stepsSent);
  if (step === null) return null;
  const dueAt = input.firstFailureAt.getTime() + input.offsetsDays[step]! * DAY_MS;
  const gapEndsAt = minGapEndsAt(input.lastNudgeAt, input.minGapHours)?.getTime() ?? -Infinity;
  let at = Math.max(dueAt, gapEndsAt, now.getTime());
  if (input.quietHours) at = endOfQuietHours(at, input.quietHours);
  return at > input.attributionEndsAt.getTime() ? null : new Date(at);
}

/** True when a reminder scheduled at `nextAt` may be sent at `now`; never when nextAt is null. */
export function isDue(nextAt: Date | null, now: Date): boolean {
  return nextAt !== null && nextAt.getTime() <= now.getTime();
}

/**
 * Quiet hours run from start_hour:00 up to (not including) end_hour:00 local time; when
 * start > end they wrap midnight (22 → 7 is 22:00–06:59). Equal hours mean no quiet hours
 * (settings reject them, since "always quiet" would never send).
 */
export function isInQuietHours(at: Date, quietHours: QuietHours): boolean {
  return isQuietHour(localTimeOf(at.getTime(), quietHours.timezone).hour, quietHours);
}

function isQuietHour(hour: number, { start_hour: start, end_hour: end }: QuietHours): boolean {
  if (start === end) return false;
  return start < end ? hour >= start && hour < end : hour >= start || hour < end;
}

/**
 * `at` (ms) when it is outside quiet hours, else the first instant after it whose local hour is
 * outside them. Walks from local hour boundary to local hour boundary, reading the wall clock each
 * time, so a skipped hour (spring forward) or a repeated one (fall back) is handled by what the
 * clock actually shows, as are zones with half- or quarter-hour offsets.
 */
export function endOfQuietHours(at: number, quietHours: QuietHours): number {
  let t = at;
  // A quiet window lasts at most 23 local hours; a DST change adds at most one more step.
  for (let steps = 0; steps < 48; steps++) {
    const local = localTimeOf(t, quietHours.timezone);
    if (!isQuietHour(local.hour, quietHours)) return t;
    t += HOUR_MS - (local.minute * 60_000 + local.second * 1000 + local.millisecond);
  }
  throw new Error(`quiet hours ${quietHours.start_hour}–${quietHours.end_hour} in ${quietHours.timezone} never end`);
}

/** Creating a DateTimeFormat is costly; the cache changes no result, so the module stays pure. */
const FORMATTERS = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = FORMATTERS.get(timeZone);
  if (!formatter) {
    // hourCycle h23: with hour12: false some engines print midnight as "24".
    formatter = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    FORMATTERS.set(timeZone, formatter);
  }
  return formatter;
}

function localTimeOf(at: number, timeZone: string): { hour: number; minute: number; second: number; millisecond: number } {
  let hour = 0;
  let minute = 0;
  let second = 0;
  for (const part of formatterFor(timeZone).formatToParts(at)) {
    if (part.type === 'hour') hour = Number(part.value) % 24;
    else if (part.type === 'minute') minute = Number(part.value);
    else if (part.type === 'second') second = Number(part.value);
  }
  // No zone offset has had sub-second precision, so milliseconds are the same everywhere.
  return { hour, minute, second, millisecond: ((at % 1000) + 1000) % 1000 };
}
