import { quietHoursFor } from './contact-policy.ts';
import { declineCategoryOf, type DeclineCategory } from './decline-variant.ts';
import { CHANNELS, type Channel } from './message-template.ts';
import { endOfQuietHours, nextNudgeAt, scheduleInputOf } from './nudge-schedule.ts';
import type { NudgeSettings } from './nudge-settings.ts';
import { nextPlaybookNudgeAt, playbookFor, whopCancelAtOf, type RetryDecision } from './playbook.ts';
import type { CaseStatus } from './recovery-case.ts';

/** What a case's next step is planned from: the stored (or derived) case, as of its latest failure. */
export interface CaseStepFacts {
  status: CaseStatus;
  firstFailureAt: Date;
  lastFailureAt: Date;
  failureCount: number;
  attributionEndsAt: Date;
  /** One past the last step sent (steps_sent). */
  stepsSent: number;
  lastNudgeAt: Date | null;
  declineCode: string | null;
  failureReason: string | null;
  needsAuthentication: boolean;
  cardExpMonth: number | null;
  cardExpYear: number | null;
  paymentRetryable: boolean;
  nextPaymentAttemptAt: Date | null;
  /** The member's IANA zone where known (Whop sends none today); null reads the company's. */
  memberTimeZone?: string | null;
}

export interface CaseStep {
  /** 0-based step index (deliveries.step, the index step templates use). */
  index: number;
  /** When it may go: planned time, gap, now and quiet hours applied. */
  at: Date;
  /** The step's channels after the company's on/off switches (opt-outs are the send path's). */
  channels: Channel[];
  /** Whether to retry the payment first, as planned; the send path re-decides at send time. */
  retryFirst: boolean;
  category: DeclineCategory;
  /** Which schedule planned it: the category's playbook, or reminder_offsets_days (decline_playbooks off). */
  plannedBy: 'playbook' | 'offsets';
  /** When Whop cancels as far as its signals tell; null when unknown (see whopCancelAtOf). */
  whopCancelAt: Date | null;
}

/** The decline category of a case (src/domain/decline-variant.ts), from its latest failure. */
export function categoryOfCase(c: CaseStepFacts): DeclineCategory {
  return declineCategoryOf({ declineCode: c.declineCode, failureMessage: c.failureReason, needsAuthentication: c.needsAuthentication, cardExpMonth: c.cardExpMonth, cardExpYear: c.cardExpYear, failedAt: c.lastFailureAt });
}

/**
 * The next step of a case and when it may go, or null when none will. One planner for case open,
 * re-derive and send: with decline_playbooks off, reminder_offsets_days on every enabled channel
 * (as before #15); on, the category's playbook inside Whop's window, its channels limited to the
 * enabled ones, quiet hours read in the member's zone where known, and nothing at or after Whop's
 * cancel. Pure and idempotent.
 */
export function nextCaseStep(c: CaseStepFacts, settings: NudgeSettings, now: Date): CaseStep | null {
  const category = categoryOfCase(c);
  const enabled = CHANNELS.filter((ch) => settings[`enable_${ch}`]);
  const whopCancelAt = whopCancelAtOf(c);
  if (!settings.decline_playbooks) {
    const at = nextNudgeAt(scheduleInputOf(settings, c), now);
    return at === null ? null : { index: c.stepsSent, at, channels: enabled, retryFirst: settings.retry_payment_first, category, plannedBy: 'offsets', whopCancelAt };
  }
  const memberZone = c.memberTimeZone ?? null;
  const next = nextPlaybookNudgeAt(
    {
      category,
      playbook: playbookFor(settings, category),
      firstFailureAt: c.firstFailureAt,
      whopCancelAt,
      attributionEndsAt: c.attributionEndsAt,
      paydayTimeZone: memberZone ?? settings.quiet_hours?.timezone ?? 'UTC',
      paymentRetryable: c.paymentRetryable,
      nextPaymentAttemptAt: c.nextPaymentAttemptAt,
      status: c.status,
      stepsSent: c.stepsSent,
      lastNudgeAt: c.lastNudgeAt,
      minGapHours: settings.min_gap_hours,
    },
    now,
  );
  if (!next) return null;
  const quiet = quietHoursFor(settings.quiet_hours, memberZone);
  const at = quiet ? endOfQuietHours(next.at.getTime(), quiet) : next.at.getTime();
  if (at >= (whopCancelAt?.getTime() ?? Infinity) || at > c.attributionEndsAt.getTime()) return null;
  return {
    index: next.step.index,
    at: new Date(at),
    channels: next.step.channels.filter((ch) => enabled.includes(ch)),
    retryFirst: wantsRetry(next.step.retry),
    category,
    plannedBy: 'playbook',
    whopCancelAt,
  };
}

/** A planned step asks for a retry unless the playbook itself has none (the rest is re-decided at send). */
function wantsRetry(decision: RetryDecision): boolean {
  return decision.retry || decision.reason !== 'not_in_playbook';
}
