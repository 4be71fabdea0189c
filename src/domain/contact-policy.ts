import type { Channel } from './message-template.ts';
import { endOfQuietHours } from './nudge-schedule.ts';
import type { QuietHours } from './nudge-settings.ts';

/**
 * The contact policy: whether a nudge step may reach the member now, and on which channels. One
 * place for every rule that holds a message back whatever the playbook says (issue #15 §1):
 * - nothing once the membership was cancelled or the member left (they are gone; a nudge is noise);
 * - at most one message per invoice (Whop payment) per channel per step, even across cases;
 * - at most `memberCap.maxNudges` nudges to one member in any `memberCap.windowHours`, across
 *   every case of theirs (two memberships failing together do not double the messages);
 * - quiet hours read in the member's time zone where known, else the zone the company set.
 * Pure: the adapter reads the counts and times, this decides, the send path records why.
 */

export interface MemberCap {
  /** Most nudges (steps that reached the member, any channel) in the window; at least 1. */
  maxNudges: number;
  /** Sliding window, in hours. */
  windowHours: number;
}

export interface ContactPolicy {
  /** null: no cap across cases. */
  memberCap: MemberCap | null;
  /** The company's quiet hours (settings.quiet_hours); null for none. */
  quietHours: QuietHours | null;
}

export interface ContactInput {
  now: Date;
  /** The step's channels after the company's switches and the member's opt-outs. */
  channels: readonly Channel[];
  /** Whop said the membership is cancelled (status canceled/expired) or the member left (cancelation_status left). */
  membershipEnded: boolean;
  /** The member's IANA zone where known; null falls back to the zone of the company's quiet hours. */
  memberTimeZone: string | null;
  /** When each earlier nudge reached this member, any case (the adapter may pass only the cap window's). */
  memberNudgesAt: readonly Date[];
  /** Channels that already carried this step for this invoice (another case of the same payment). */
  sentForInvoiceStep: readonly Channel[];
  /** A held step moved past this instant would be useless (Whop's cancel, the attribution window); null: no bound. */
  mustSendBefore: Date | null;
}

export type HoldReason = 'membership_ended' | 'already_sent_for_invoice' | 'member_cap' | 'quiet_hours' | 'window_closed';

export type ContactDecision =
  | { send: true; channels: Channel[]; skipped: readonly Channel[] }
  /** `until`: when the step may be tried again; null: never (the case gets nothing more from this step). */
  | { send: false; reason: HoldReason; until: Date | null };

const HOUR_MS = 3_600_000;

/**
 * The decision for one step at `now`. Order: an ended membership stops everything; channels that
 * already carried this invoice's step are dropped (and when none is left, the step is done); then
 * the cap and quiet hours move the step to the first instant both allow, which is held as
 * `window_closed` when it falls at or after mustSendBefore.
 */
export function decideContact(policy: ContactPolicy, input: ContactInput): ContactDecision {
  if (input.membershipEnded) return { send: false, reason: 'membership_ended', until: null };
  const skipped = input.channels.filter((c) => input.sentForInvoiceStep.includes(c));
  const channels = input.channels.filter((c) => !input.sentForInvoiceStep.includes(c));
  if (channels.length === 0) return { send: false, reason: 'already_sent_for_invoice', until: null };

  const now = input.now.getTime();
  let at = now;
  let reason: HoldReason | null = null;
  // Cap and quiet hours can push each other (the cap frees up inside quiet hours, the end of the
  // quiet hours still sees the cap full): a few rounds settle it, since each only moves forward.
  for (let round = 0; round < 8; round++) {
    const capFreeAt = policy.memberCap ? capFreesAt(policy.memberCap, input.memberNudgesAt, at) : at;
    if (capFreeAt > at) {
      reason ??= 'member_cap';
      at = capFreeAt;
    }
    const quiet = quietHoursFor(policy.quietHours, input.memberTimeZone);
    const quietEndsAt = quiet ? endOfQuietHours(at, quiet) : at;
    if (quietEndsAt > at) {
      reason ??= 'quiet_hours';
      at = quietEndsAt;
      continue;
    }
    if (capFreeAt <= at) break;
  }
  if (reason === null) return { send: true, channels, skipped };
  if (input.mustSendBefore !== null && at >= input.mustSendBefore.getTime()) return { send: false, reason: 'window_closed', until: null };
  return { send: false, reason, until: new Date(at) };
}

/** Quiet hours as the member lives them: the company's hours, in the member's zone where known. */
export function quietHoursFor(quietHours: QuietHours | null, memberTimeZone: string | null): QuietHours | null {
  if (!quietHours) return null;
  return memberTimeZone ? { ...quietHours, timezone: memberTimeZone } : quietHours;
}

/**
 * The first instant at or after `at` when fewer than maxNudges nudges fall in the window before
 * it: with the window full, when the oldest one that keeps it full leaves it.
 */
function capFreesAt(cap: MemberCap, sentAt: readonly Date[], at: number): number {
  const windowMs = cap.windowHours * HOUR_MS;
  const inWindow = sentAt.map((d) => d.getTime()).filter((t) => t <= at && t > at - windowMs).sort((a, b) => a - b);
  if (inWindow.length < cap.maxNudges) return at;
  // Dropping the oldest (length - maxNudges + 1) leaves maxNudges - 1 in the window.
  return inWindow[inWindow.length - cap.maxNudges]! + windowMs;
}
