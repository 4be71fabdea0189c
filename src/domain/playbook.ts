import { declineCategoryOf, type DeclineCategory } from './decline-variant.ts';
import type { Channel } from './message-template.ts';

/**
 * Playbooks: for each decline category, which steps a case gets, when, on which channels, and
 * whether our payment retry runs first. Planning is pure: the case's first failure, Whop's cancel
 * time and the payment's signals go in, dated steps come out; the nudge sweep sends them.
 */

const HOUR_MS = 3_600_000;

export interface PlaybookStep {
  /** Hours after the first failure at which the step is due (0: at once). */
  afterHours: number;
  /** Channels the step uses, before the company's own on/off switches apply. */
  channels: readonly Channel[];
  /** Retry the payment (payments.retry) before the message, when retryPaymentDecision allows it. */
  retryFirst: boolean;
  /** Move the step to the next likely payday on or after its time (see nextPaydayAt). */
  onPayday: boolean;
}

export interface Playbook {
  steps: readonly PlaybookStep[];
  /**
   * When Whop's cancellation time is known, the last step is sent this many hours before it: the
   * member's last chance comes while access can still be kept.
   */
  lastStepLeadHours: number;
}

const step = (afterHours: number, channels: readonly Channel[], options: Partial<Pick<PlaybookStep, 'retryFirst' | 'onPayday'>> = {}): PlaybookStep => ({
  afterHours,
  channels,
  retryFirst: options.retryFirst ?? false,
  onPayday: options.onPayday ?? false,
});

/**
 * Defaults written per category; Whop already emails up to four times and DMs twice on Discord
 * while it retries for about five days, so ours are few and say what Whop's generic notices do not.
 * - needs_authentication: the recovery link at once on push and DM (the member must act, no
 *   retry can pass 3-D Secure), an email the next day, a last call before the cancel.
 * - card_unusable: ask for a new card at once on every channel; never a retry (the card is gone).
 * - insufficient_funds: a gentle note at once, then the ask (retry first) on the next payday and
 *   the one after.
 * - issuer_soft_decline: retry first a day later, then ask; again two days after.
 * - unknown: today's T+0/2/4 days on every channel.
 */
export const DEFAULT_PLAYBOOKS: { readonly [C in DeclineCategory]: Playbook } = {
  needs_authentication: { steps: [step(0, ['push', 'dm']), step(24, ['email', 'push']), step(72, ['email', 'dm'])], lastStepLeadHours: 12 },
  card_unusable: { steps: [step(0, ['push', 'dm', 'email']), step(48, ['email', 'dm']), step(96, ['email', 'push'])], lastStepLeadHours: 12 },
  insufficient_funds: {
    steps: [step(0, ['email']), step(24, ['push', 'email'], { retryFirst: true, onPayday: true }), step(24 * 8, ['email', 'dm'], { retryFirst: true, onPayday: true })],
    lastStepLeadHours: 12,
  },
  issuer_soft_decline: { steps: [step(24, ['push', 'email'], { retryFirst: true }), step(72, ['email', 'dm'], { retryFirst: true }), step(96, ['push', 'dm'])], lastStepLeadHours: 12 },
  unknown: { steps: [step(0, ['push', 'dm', 'email']), step(48, ['push', 'dm', 'email']), step(96, ['push', 'dm', 'email'])], lastStepLeadHours: 12 },
};

/** Why our payment retry does or does not run before a step. */
export type RetryDecision =
  | { retry: true }
  | { retry: false; reason: 'not_in_playbook' | 'card_unusable' | 'not_retryable' | 'whop_retry_scheduled' };

export interface RetrySignals {
  category: DeclineCategory;
  /** Whop's `retryable` of the latest failure; false when unknown. */
  paymentRetryable: boolean;
  /** When Whop itself tries the card next; null when it will not or did not say. */
  nextPaymentAttemptAt: Date | null;
}

/**
 * Whether our payments.retry may run at `at`. Never for an unusable card; never when Whop did
 * not mark the payment retryable; never while Whop has its own attempt scheduled after `at`
 * (two charges racing is a double-charge risk). Call it again at send time with the case as
 * stored then: a later failure moves Whop's next attempt.
 */
export function retryPaymentDecision(retryFirst: boolean, signals: RetrySignals, at: Date): RetryDecision {
  if (!retryFirst) return { retry: false, reason: 'not_in_playbook' };
  if (signals.category === 'card_unusable') return { retry: false, reason: 'card_unusable' };
  if (!signals.paymentRetryable) return { retry: false, reason: 'not_retryable' };
  if (signals.nextPaymentAttemptAt !== null && signals.nextPaymentAttemptAt.getTime() > at.getTime()) return { retry: false, reason: 'whop_retry_scheduled' };
  return { retry: true };
}

/** What a stored case knows about its latest failure (recovery_cases, migration 0012). */
export interface CaseDeclineFacts {
  declineCode: string | null;
  failureReason: string | null;
  needsAuthentication: boolean;
  cardExpMonth: number | null;
  cardExpYear: number | null;
  lastFailureAt: Date;
  paymentRetryable: boolean;
  nextPaymentAttemptAt: Date | null;
}

/** The retry signals of a stored case, its decline category included. */
export function retrySignalsOfCase(c: CaseDeclineFacts): RetrySignals {
  const category = declineCategoryOf({
    declineCode: c.declineCode,
    failureMessage: c.failureReason,
    needsAuthentication: c.needsAuthentication,
    cardExpMonth: c.cardExpMonth,
    cardExpYear: c.cardExpYear,
    failedAt: c.lastFailureAt,
  });
  return { category, paymentRetryable: c.paymentRetryable, nextPaymentAttemptAt: c.nextPaymentAttemptAt };
}

export interface PlanInput extends RetrySignals {
  playbook: Playbook;
  firstFailureAt: Date;
  /**
   * When Whop cancels the membership (from the membership record); null when not known. Nothing is
   * planned at or after it, and the last step moves to lastStepLeadHours before it.
   */
  whopCancelAt: Date | null;
  /** Our own bound: nothing after the attribution window could be credited. */
  attributionEndsAt: Date;
  /** Zone in which paydays are read: the member's where known, else the company's. */
  paydayTimeZone: string;
}

export interface PlannedStep {
  /** 0-based index into the playbook's steps (the index templates use). */
  index: number;
  at: Date;
  channels: readonly Channel[];
  /** The retry decision as planned; the send path re-decides with retryPaymentDecision. */
  retry: RetryDecision;
}

/**
 * The dated steps of a case, ascending, all before Whop's cancel and within the attribution
 * window. Steps are never moved before the first failure; when the cancel is near, middle steps
 * that would fall after the last one are dropped, so the last step stays the last before the cancel.
 */
export function planPlaybook(input: PlanInput): PlannedStep[] {
  const first = input.firstFailureAt.getTime();
  const cancelAt = input.whopCancelAt?.getTime() ?? Infinity;
  const endsAt = input.attributionEndsAt.getTime();
  const steps = input.playbook.steps;
  const timeOf = (s: PlaybookStep): number => {
    const due = first + s.afterHours * HOUR_MS;
    return s.onPayday ? nextPaydayAt(new Date(due), input.paydayTimeZone).getTime() : due;
  };
  const lastIndex = steps.length - 1;
  const planned = steps.map((s, index) => {
    let at = timeOf(s);
    if (index === lastIndex && Number.isFinite(cancelAt)) at = Math.min(cancelAt - input.playbook.lastStepLeadHours * HOUR_MS, input.attributionEndsAt.getTime());
    return { index, at: Math.max(at, first) };
  });
  if (Number.isFinite(cancelAt) && planned.length > 1) {
    // A cancel so near that the last call falls on or before the first step: the first step,
    // if it still comes before the cancel, is the last call. Else steps after the last call go.
    const lastAt = planned[lastIndex]!.at;
    if (lastAt <= planned[0]!.at && planned[0]!.at < cancelAt) planned.pop();
    else planned.splice(0, lastIndex, ...planned.slice(0, lastIndex).filter((p) => p.at < lastAt));
  }
  return planned
    .filter((p) => p.at < cancelAt && p.at <= endsAt)
    .sort((a, b) => a.at - b.at || a.index - b.index)
    // Two steps on the same instant (two payday steps on one payday) are one message: the earlier step.
    .filter((p, i, sorted) => i === 0 || p.at !== sorted[i - 1]!.at)
    .map(({ index, at }) => ({
      index,
      at: new Date(at),
      channels: steps[index]!.channels,
      retry: retryPaymentDecision(steps[index]!.retryFirst, input, new Date(at)),
    }));
}

/** Local hour at which a payday step goes out: paychecks usually land overnight. */
export const PAYDAY_HOUR = 9;

/**
 * Whether a local calendar day is a likely payday: the 1st, the 15th, or the last business day
 * (Monday to Friday; public holidays are not known) of its month.
 */
export function isLikelyPayday(year: number, month: number, day: number): boolean {
  if (day === 1 || day === 15) return true;
  return day === lastBusinessDay(year, month);
}

/**
 * The first instant on or after `at` that falls on a likely payday in `timeZone`, no earlier than
 * PAYDAY_HOUR local time that day. `at` itself when it already is on a payday after that hour.
 */
export function nextPaydayAt(at: Date, timeZone: string): Date {
  let { year, month, day } = localDateOf(at.getTime(), timeZone);
  // A payday comes at least every 16 days (the 15th, then the 1st); 40 bounds any month.
  for (let i = 0; i < 40; i++) {
    if (isLikelyPayday(year, month, day)) {
      const morning = instantOf(year, month, day, PAYDAY_HOUR, timeZone);
      if (i > 0 || morning >= at.getTime()) return new Date(morning);
      return at;
    }
    ({ year, month, day } = nextDay(year, month, day));
  }
  throw new Error(`no payday within 40 days of ${at.toISOString()}`);
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function lastBusinessDay(year: number, month: number): number {
  let day = daysInMonth(year, month);
  // getUTCDay: 0 Sunday, 6 Saturday.
  while ([0, 6].includes(new Date(Date.UTC(year, month - 1, day)).getUTCDay())) day -= 1;
  return day;
}

function nextDay(year: number, month: number, day: number): { year: number; month: number; day: number } {
  const d = new Date(Date.UTC(year, month - 1, day + 1));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** Creating a DateTimeFormat is costly; the cache changes no result, so the module stays pure. */
const FORMATTERS = new Map<string, Intl.DateTimeFormat>();

function partsOf(at: number, timeZone: string): Record<string, number> {
  let formatter = FORMATTERS.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    FORMATTERS.set(timeZone, formatter);
  }
  const parts: Record<string, number> = {};
  for (const p of formatter.formatToParts(at)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return parts;
}

function localDateOf(at: number, timeZone: string): { year: number; month: number; day: number } {
  const p = partsOf(at, timeZone);
  return { year: p.year!, month: p.month!, day: p.day! };
}

/**
 * The instant whose wall clock in `timeZone` reads year-month-day hour:00. Two rounds of offset
 * correction settle every real zone, including across a daylight-saving change.
 */
function instantOf(year: number, month: number, day: number, hour: number, timeZone: string): number {
  const wall = Date.UTC(year, month - 1, day, hour);
  let guess = wall;
  for (let i = 0; i < 2; i++) {
    const p = partsOf(guess, timeZone);
    const shown = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour! % 24, p.minute!, p.second!);
    guess += wall - shown;
  }
  return guess;
}

/** The company's settings a playbook is read from (src/domain/nudge-settings.ts). */
export interface PlaybookSettings {
  decline_playbooks: boolean;
  playbooks: Partial<Record<DeclineCategory, { steps: readonly { after_hours: number; channels: readonly Channel[]; retry_first: boolean; on_payday: boolean }[]; last_step_lead_hours: number }>>;
}

/**
 * The playbook a case of `category` follows: the company's own for that category, else ours
 * (DEFAULT_PLAYBOOKS). Only read when settings.decline_playbooks is on; off, every case follows
 * reminder_offsets_days as before #15.
 */
export function playbookFor(settings: PlaybookSettings, category: DeclineCategory): Playbook {
  const own = settings.playbooks[category];
  if (!own) return DEFAULT_PLAYBOOKS[category];
  return {
    steps: own.steps.map((s) => ({ afterHours: s.after_hours, channels: s.channels, retryFirst: s.retry_first, onPayday: s.on_payday })),
    lastStepLeadHours: own.last_step_lead_hours,
  };
}

/**
 * When Whop cancels the membership, as far as its signals tell (null: they do not). Whop keeps a
 * past-due membership while it retries (about five days, docs.whop.com) and cancels when an attempt
 * fails with none after it; no payload carries the cancel time, so it is read from Whop's cadence:
 * - a next attempt is scheduled: the cancel comes no sooner than that attempt plus the interval
 *   Whop used to schedule it (from the failure to the attempt), the earliest the attempt after it
 *   or the cancel can come in a cadence that does not speed up [unverified: Whop publishes none];
 * - a failure after earlier ones with no next attempt: Whop has stopped retrying, the cancel is
 *   imminent: LAST_CALL_GRACE_MS after that failure (the last step, moved before it, goes at once);
 * - a first failure with no next attempt: unknown (Whop may not retry this charge at all, or did not say).
 * Each later failure re-plans with its own signals (the case holds the latest failure's).
 */
export function whopCancelAtOf(c: { nextPaymentAttemptAt: Date | null; lastFailureAt: Date; failureCount: number }): Date | null {
  const last = c.lastFailureAt.getTime();
  if (c.nextPaymentAttemptAt === null) return c.failureCount > 1 ? new Date(last + LAST_CALL_GRACE_MS) : null;
  const next = c.nextPaymentAttemptAt.getTime();
  if (next <= last) return null;
  return new Date(next + (next - last));
}

/** How long after Whop's final failed attempt a last call may still go (the membership.deactivated that follows closes the case). */
export const LAST_CALL_GRACE_MS = HOUR_MS;

/** What nextPlaybookNudgeAt reads of a case. */
export interface PlaybookCaseInput extends PlanInput {
  status: 'open' | 'recovered' | 'closed_no_recovery';
  /** The next step's index must be at least this (steps_sent: one past the last step sent). */
  stepsSent: number;
  lastNudgeAt: Date | null;
  /** Least time between two nudges of one case, in hours. */
  minGapHours: number;
}

/**
 * The next step of a case planned by playbook, and when it may go (null: none will). The step is
 * the first planned step at or after stepsSent; it goes at its planned time, never before the gap
 * after the last nudge nor before `now`, and not at all once that falls at or after Whop's cancel
 * or past the attribution window. Quiet hours and the member cap are the contact policy's, at send.
 * Idempotent, like nextNudgeAt: it derives everything from its input.
 */
export function nextPlaybookNudgeAt(input: PlaybookCaseInput, now: Date): { step: PlannedStep; at: Date } | null {
  if (input.status !== 'open') return null;
  const step = planPlaybook(input).find((p) => p.index >= input.stepsSent);
  if (!step) return null;
  const gapEndsAt = input.lastNudgeAt === null ? -Infinity : input.lastNudgeAt.getTime() + input.minGapHours * HOUR_MS;
  const at = Math.max(step.at.getTime(), gapEndsAt, now.getTime());
  if (at >= (input.whopCancelAt?.getTime() ?? Infinity) || at > input.attributionEndsAt.getTime()) return null;
  return { step, at: new Date(at) };
}

/** DEFAULT_PLAYBOOKS in the settings' own shape (snake_case), for the settings page to show as the defaults. */
export function defaultPlaybookSettings(): Record<DeclineCategory, { steps: { after_hours: number; channels: readonly Channel[]; retry_first: boolean; on_payday: boolean }[]; last_step_lead_hours: number }> {
  return Object.fromEntries(
    Object.entries(DEFAULT_PLAYBOOKS).map(([category, p]) => [
      category,
      { steps: p.steps.map((s) => ({ after_hours: s.afterHours, channels: s.channels, retry_first: s.retryFirst, on_payday: s.onPayday })), last_step_lead_hours: p.lastStepLeadHours },
    ]),
  ) as ReturnType<typeof defaultPlaybookSettings>;
}
