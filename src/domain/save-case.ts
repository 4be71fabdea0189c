import type { MembershipFact } from './membership-fact.ts';

/**
 * Save cases (issue #15 §2): a member scheduled a cancellation (Whop's `cancel_at_period_end`,
 * cancelation status `canceling`); we answer with one offer matched to the reason, and count a save
 * only if the membership is still active and paid 30 days after it was saved (Chargebee's rule).
 * Like recovery cases they are a fold over the membership's facts, so arrival order never matters.
 *
 * - open: scheduled, not undone yet.
 * - saved: the cancellation was undone; the 30-day hold is running (still deciding).
 * - held: 30 days passed with the membership active and paid (for a pause: 30 days after billing
 *   resumed): the save counts.
 * - reverted: inside those 30 days the membership ended, the member scheduled a cancel again, a
 *   renewal failed and was not paid, or a payment was refunded/disputed: the save does not count.
 * - lost: the cancellation took effect (membership deactivated) without a save.
 */
export type SaveCaseStatus = 'open' | 'saved' | 'held' | 'reverted' | 'lost';
export type SaveOfferKind = 'promo_code' | 'free_days' | 'pause' | 'message';
/** What a save is credited to: our offer (accepted, or undone after the offer reached the member) or the member on their own. */
export type SaveCredit = 'offer' | 'own';
export type RevertReason = 'membership_ended' | 'cancellation_scheduled_again' | 'payment_unpaid' | 'payment_reversed';

/** Chargebee's rule: a save holds when the membership is still active and paid this long after it. */
export const SAVE_HOLD_DAYS = 30;
const DAY_MS = 86_400_000;
/** How long after a creator's cancel from our dashboard Whop's echo of it is recognised as such. */
const CREATOR_CANCEL_ECHO_MS = DAY_MS;

export interface DerivedSaveCase {
  scheduledAt: Date;
  cancelOption: string | null;
  status: SaveCaseStatus;
  /** When the cancellation was undone; null unless saved (or held/reverted). */
  savedAt: Date | null;
  /** savedAt + SAVE_HOLD_DAYS (for an accepted pause: when billing resumes + SAVE_HOLD_DAYS). */
  holdEndsAt: Date | null;
  /** When it became held, reverted or lost. */
  decidedAt: Date | null;
  revertedReason: RevertReason | null;
}

const SAVE_FACT_KINDS = new Set(['case_cancelled', 'cancellation_scheduled', 'cancellation_unscheduled', 'membership_deactivated', 'payment_failed', 'payment_succeeded', 'payment_reversed']);

/** True when a membership's facts can hold a save case at all (no scheduled cancel, no save case: intake skips the work). */
export function hasCancellationFacts(facts: readonly MembershipFact[]): boolean {
  return facts.some((f) => f.kind === 'cancellation_scheduled');
}

/** A pause the member accepted as their save offer: billing resumes at `resumesAt`. */
export interface AcceptedPause {
  acceptedAt: Date;
  resumesAt: Date;
}

/**
 * The membership's save cases, oldest first. One is open at a time; a cancellation scheduled again
 * while a save is on hold reverts that save and opens no new case (the member already had our
 * offer); after a case is decided, a new scheduled cancellation opens a new case.
 * A save made by accepting a pause holds SAVE_HOLD_DAYS after billing resumes rather than after
 * the save: during the pause there is no renewal, so "still paid" can only be seen after it.
 * Pure: `now` decides only whether a 30-day hold has ended.
 */
export function deriveSaveCases(facts: readonly MembershipFact[], now: Date, options: { pauses?: readonly AcceptedPause[] } = {}): DerivedSaveCase[] {
  const sorted = facts.filter((f) => SAVE_FACT_KINDS.has(f.kind)).sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime() || order(a) - order(b));
  const cases: DerivedSaveCase[] = [];
  let current: DerivedSaveCase | null = null;
  // An unpaid renewal during the hold: the time of the failure still unpaid, if any.
  let unpaidSince: Date | null = null;
  // A creator's "cancel membership" from our dashboard (a case_cancelled fact) comes back from Whop
  // as a scheduled cancel: that is no member leaving, and gets no save case.
  let creatorCancelAt: number | null = null;

  const holdEnded = (c: DerivedSaveCase, at: Date) => c.holdEndsAt !== null && at.getTime() >= c.holdEndsAt.getTime();
  const settleHold = (c: DerivedSaveCase, at: Date): boolean => {
    if (c.status !== 'saved' || !holdEnded(c, at)) return false;
    Object.assign(c, unpaidSince ? { status: 'reverted', revertedReason: 'payment_unpaid', decidedAt: c.holdEndsAt } : { status: 'held', decidedAt: c.holdEndsAt });
    return true;
  };
  const revert = (c: DerivedSaveCase, at: Date, reason: RevertReason) => Object.assign(c, { status: 'reverted', revertedReason: reason, decidedAt: at });

  for (const fact of sorted) {
    if (current) settleHold(current, fact.occurredAt);
    const c = current;
    switch (fact.kind) {
      case 'case_cancelled':
        // services/cases/cancel-membership.ts closes the case with this reason.
        if (fact.reason?.startsWith('membership cancelled')) creatorCancelAt = fact.occurredAt.getTime();
        break;
      case 'cancellation_scheduled':
        if (creatorCancelAt !== null && fact.occurredAt.getTime() - creatorCancelAt <= CREATOR_CANCEL_ECHO_MS) break;
        if (c?.status === 'open') c.cancelOption ??= fact.cancellation?.cancelOption ?? null;
        else if (c?.status === 'saved') revert(c, fact.occurredAt, 'cancellation_scheduled_again');
        else {
          current = { scheduledAt: fact.occurredAt, cancelOption: fact.cancellation?.cancelOption ?? null, status: 'open', savedAt: null, holdEndsAt: null, decidedAt: null, revertedReason: null };
          cases.push(current);
          unpaidSince = null;
        }
        break;
      case 'cancellation_unscheduled':
        if (c?.status === 'open') {
          const at = fact.occurredAt.getTime();
          const pause = options.pauses?.find((p) => p.acceptedAt.getTime() >= c.scheduledAt.getTime() && p.acceptedAt.getTime() <= at);
          const holdFrom = Math.max(at, pause?.resumesAt.getTime() ?? at);
          Object.assign(c, { status: 'saved', savedAt: fact.occurredAt, holdEndsAt: new Date(holdFrom + SAVE_HOLD_DAYS * DAY_MS) });
        }
        break;
      case 'membership_deactivated':
        if (c?.status === 'open') Object.assign(c, { status: 'lost', decidedAt: fact.occurredAt });
        else if (c?.status === 'saved') revert(c, fact.occurredAt, 'membership_ended');
        break;
      case 'payment_failed':
        if (c?.status === 'saved') unpaidSince ??= fact.occurredAt;
        break;
      case 'payment_succeeded':
        unpaidSince = null;
        break;
      case 'payment_reversed':
        if (c?.status === 'saved') revert(c, fact.occurredAt, 'payment_reversed');
        break;
    }
  }
  if (current) settleHold(current, now);
  return cases;
}

/** Same-instant facts: the schedule before its undo, a payment before its reversal. */
function order(f: MembershipFact): number {
  return ['case_cancelled', 'cancellation_scheduled', 'payment_failed', 'payment_succeeded', 'cancellation_unscheduled', 'payment_reversed', 'membership_deactivated'].indexOf(f.kind);
}

/**
 * The credit of a save (the recovery credit's order, issue #12 §2): accepted on our page → the
 * offer (the channel of the last counted click); else undone after a counted click or after the
 * offer was delivered → the offer; else the member (or creator) undid it on their own.
 */
export function creditSave(k: { savedAt: Date; acceptedAt: Date | null; lastClick: { at: Date; channel: string } | null; offerSentAt: Date | null; deliveredChannels: readonly string[] }): { by: SaveCredit; channel: string | null } {
  const saved = k.savedAt.getTime();
  const click = k.lastClick && k.lastClick.at.getTime() <= saved ? k.lastClick : null;
  if (k.acceptedAt || click) return { by: 'offer', channel: click?.channel ?? null };
  if (k.offerSentAt && k.offerSentAt.getTime() <= saved && k.deliveredChannels.length > 0) return { by: 'offer', channel: k.deliveredChannels.length === 1 ? k.deliveredChannels[0]! : null };
  return { by: 'own', channel: null };
}
