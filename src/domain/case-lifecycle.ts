import type { FactKind, MembershipFact, PaymentSignals } from './membership-fact.ts';
import type { CaseStatus, DerivedCase, LifecyclePolicy, TransitionReason } from './recovery-case.ts';
import { AUTHENTICATION_DECLINE } from './decline-variant.ts';
import { riskLevelOf } from './risk-level.ts';

const DAY_MS = 86_400_000;

/**
 * Tie-break for facts with the same timestamp: a failure precedes the success that cures it, and
 * a request for authentication precedes the failure it may turn into.
 */
const KIND_ORDER: Record<FactKind, number> = {
  payment_requires_action: 0,
  payment_failed: 1,
  membership_deactivated: 2,
  payment_succeeded: 3,
  membership_activated: 4,
  payment_reversed: 5,
  case_cancelled: 6,
  cancellation_scheduled: 7,
  cancellation_unscheduled: 8,
};

/** Every fact kind the fold reads (complete by construction: KIND_ORDER is a Record over FactKind). */
export const FACT_KINDS = Object.keys(KIND_ORDER) as readonly FactKind[];

const NO_SIGNALS: PaymentSignals = { declineCode: null, nextPaymentAttemptAt: null, cardExpMonth: null, cardExpYear: null, retryable: null, recoveryUrl: null };

/** Facts in the order the fold reads them; exact duplicates (same kind, payment, time) dropped. */
export function orderFacts(facts: readonly MembershipFact[]): MembershipFact[] {
  const seen = new Set<string>();
  const unique: MembershipFact[] = [];
  for (const fact of facts) {
    const key = `${fact.kind}|${fact.whopPaymentId ?? ''}|${fact.occurredAt.getTime()}`;
    if (seen.has(key)) continue;
    seen.add(key);
    unique.push(fact);
  }
  return unique.sort(
    (a, b) =>
      a.occurredAt.getTime() - b.occurredAt.getTime() ||
      KIND_ORDER[a.kind] - KIND_ORDER[b.kind] ||
      (a.whopPaymentId ?? '').localeCompare(b.whopPaymentId ?? ''),
  );
}

/**
 * The recovery cases of one membership of one company, derived from all its facts.
 * Pure and order-independent: any permutation or duplication of `facts` gives the same result,
 * which is what makes out-of-order and repeated Whop deliveries safe.
 * `now` closes open cases whose attribution window has passed.
 */
export function deriveCases(facts: readonly MembershipFact[], policy: LifecyclePolicy, now: Date): DerivedCase[] {
  const ordered = orderFacts(facts);
  const succeededAt = new Map<string, number>();
  for (const f of ordered) {
    if (f.kind === 'payment_succeeded' && f.whopPaymentId !== null && !succeededAt.has(f.whopPaymentId))
      succeededAt.set(f.whopPaymentId, f.occurredAt.getTime());
  }
  const cases: DerivedCase[] = [];
  // membership.updated repeats the cancellation flag on every change: only a change of it is a note.
  let cancellation: FactKind | null = null;
  for (const fact of ordered) {
    if (fact.kind === 'cancellation_scheduled' || fact.kind === 'cancellation_unscheduled') {
      if (fact.kind === cancellation) continue;
      cancellation = fact.kind;
    }
    const current = cases.at(-1);
    if (current) closeIfWindowPassed(current, fact.occurredAt);
    // A failure (or 3-D Secure request) stamped after its own payment succeeded is a stale delivery.
    if ((fact.kind === 'payment_failed' || fact.kind === 'payment_requires_action') && isAfterOwnSuccess(fact, succeededAt)) continue;
    const next = decide(current, cases, fact, policy);
    if (next) cases.push(next);
  }
  const last = cases.at(-1);
  if (last) closeIfWindowPassed(last, now);
  return cases;
}

/**
 * Applies one fact to the latest case (mutating it) or returns a newly opened case.
 * `cases` holds every earlier case, for reversals of payments attributed long ago.
 */
function decide(
  current: DerivedCase | undefined,
  cases: readonly DerivedCase[],
  fact: MembershipFact,
  policy: LifecyclePolicy,
): DerivedCase | null {
  const t = fact.occurredAt;
  const isOpen = current?.status === 'open';
  switch (fact.kind) {
    case 'payment_failed':
      if (current && isOpen) {
        current.failureCount += 1;
        current.failureReason = fact.reason ?? current.failureReason;
        current.lastFailureAt = t;
        if (fact.amountCents !== null) current.amountAtRiskCents = fact.amountCents;
        current.currency = fact.currency ?? current.currency;
        adoptMember(current, fact);
        adoptSignals(current, fact);
        refreshRisk(current, false);
        transition(current, 'open', 'failure_merged', fact);
        return null;
      }
      return open(fact, policy, 'payment_failed');
    case 'payment_requires_action':
      if (current && isOpen) {
        if (fact.amountCents !== null) current.amountAtRiskCents = fact.amountCents;
        current.currency = fact.currency ?? current.currency;
        adoptMember(current, fact);
        adoptSignals(current, fact);
        transition(current, 'open', 'authentication_required', fact);
        return null;
      }
      return open(fact, policy, 'payment_requires_action');
    case 'cancellation_scheduled':
    case 'cancellation_unscheduled':
      // Facts for the save flow: a note on an open case, never a case of their own.
      if (current && isOpen) transition(current, 'open', fact.kind, fact);
      return null;
    case 'membership_deactivated':
      if (current && isOpen) {
        transition(current, 'open', 'membership_deactivated', fact);
        return null;
      }
      return open(fact, policy, 'membership_deactivated');
    case 'payment_succeeded':
      if (!current || !isWithinAttributionWindow(current, t)) return null;
      if (current.status === 'closed_no_recovery') return null;
      if (fact.whopPaymentId !== null && current.attributedPayments.some((p) => p.whopPaymentId === fact.whopPaymentId)) return null;
      current.attributedPayments.push({ whopPaymentId: fact.whopPaymentId ?? `unknown@${t.toISOString()}`, amountCents: fact.amountCents ?? 0, at: t });
      current.recoveredCents += fact.amountCents ?? 0;
      current.currency = current.currency ?? fact.currency;
      if (isOpen) {
        current.recoveredAt = t;
        transition(current, 'recovered', 'payment_succeeded', fact);
      } else {
        transition(current, 'recovered', 'payment_attributed', fact);
      }
      return null;
    case 'membership_activated':
      if (current && isOpen && isWithinAttributionWindow(current, t)) {
        current.recoveredAt = t;
        transition(current, 'recovered', 'membership_activated', fact);
      }
      return null;
    case 'payment_reversed':
      reverse(cases, current, fact);
      return null;
    case 'case_cancelled':
      // Only an open case can be cancelled; a later failure opens a new case as usual.
      if (current && isOpen) {
        current.closedAt = t;
        transition(current, 'closed_no_recovery', 'cancelled', fact);
      }
      return null;
  }
}

function isAfterOwnSuccess(fact: MembershipFact, succeededAt: ReadonlyMap<string, number>): boolean {
  const success = fact.whopPaymentId === null ? undefined : succeededAt.get(fact.whopPaymentId);
  return success !== undefined && success < fact.occurredAt.getTime();
}

/** Payments from the first failure up to and including the end of the window are attributed. */
export function isWithinAttributionWindow(c: Pick<DerivedCase, 'firstFailureAt' | 'attributionEndsAt'>, at: Date): boolean {
  return at.getTime() >= c.firstFailureAt.getTime() && at.getTime() <= c.attributionEndsAt.getTime();
}

function open(fact: MembershipFact, policy: LifecyclePolicy, reason: 'payment_failed' | 'membership_deactivated' | 'payment_requires_action'): DerivedCase {
  const t = fact.occurredAt;
  const windowDays = policy.knownWindowDays?.get(t.getTime()) ?? policy.attributionWindowDays;
  const byDeactivation = reason === 'membership_deactivated';
  const byFailure = reason === 'payment_failed';
  const opened: DerivedCase = {
    companyId: fact.companyId,
    whopMembershipId: fact.whopMembershipId,
    whopUserId: fact.whopUserId,
    memberEmail: fact.memberEmail,
    whopPaymentId: byDeactivation ? null : fact.whopPaymentId,
    status: 'open',
    failureReason: byDeactivation ? 'membership_deactivated' : fact.reason,
    failureCount: byFailure ? 1 : 0,
    amountAtRiskCents: fact.amountCents ?? 0,
    recoveredCents: 0,
    currency: fact.currency,
    riskLevel: 'medium',
    firstFailureAt: t,
    lastFailureAt: t,
    recoveredAt: null,
    closedAt: null,
    attributionWindowDays: windowDays,
    attributionEndsAt: new Date(t.getTime() + windowDays * DAY_MS),
    attributedPayments: [],
    transitions: [{ from: null, to: 'open', reason, at: t, webhookEventId: fact.webhookEventId }],
    declineCode: null,
    nextPaymentAttemptAt: null,
    cardExpMonth: null,
    cardExpYear: null,
    paymentRetryable: false,
    needsAuthentication: false,
    recoveryUrl: null,
  };
  adoptSignals(opened, fact);
  refreshRisk(opened, byDeactivation);
  return opened;
}

function reverse(cases: readonly DerivedCase[], current: DerivedCase | undefined, fact: MembershipFact): void {
  const target = cases.find((c) => c.attributedPayments.some((p) => p.whopPaymentId === fact.whopPaymentId));
  const payment = target?.attributedPayments.find((p) => p.whopPaymentId === fact.whopPaymentId);
  if (!target || !payment || payment.amountCents <= 0) return;
  const reversed = Math.min(payment.amountCents, fact.amountCents ?? payment.amountCents);
  payment.amountCents -= reversed;
  target.recoveredCents = Math.max(0, target.recoveredCents - reversed);
  if (target.attributedPayments.some((p) => p.amountCents > 0)) {
    transition(target, target.status, 'recovery_reduced', fact);
    return;
  }
  // Only the latest case may reopen: a membership has at most one open case.
  const reopen = target === current && fact.occurredAt.getTime() <= target.attributionEndsAt.getTime();
  target.recoveredAt = null;
  if (reopen) {
    transition(target, 'open', 'recovery_reversed', fact);
  } else {
    target.closedAt = fact.occurredAt;
    transition(target, 'closed_no_recovery', 'recovery_reversed', fact);
  }
}

function closeIfWindowPassed(c: DerivedCase, at: Date): void {
  if (c.status !== 'open' || at.getTime() <= c.attributionEndsAt.getTime()) return;
  c.closedAt = c.attributionEndsAt;
  c.transitions.push({ from: 'open', to: 'closed_no_recovery', reason: 'attribution_window_passed', at: c.attributionEndsAt, webhookEventId: null });
  c.status = 'closed_no_recovery';
}

function transition(c: DerivedCase, to: CaseStatus, reason: TransitionReason, fact: MembershipFact): void {
  c.transitions.push({ from: c.status, to, reason, at: fact.occurredAt, webhookEventId: fact.webhookEventId });
  c.status = to;
}

function adoptMember(c: DerivedCase, fact: MembershipFact): void {
  c.whopUserId = c.whopUserId ?? fact.whopUserId;
  c.memberEmail = fact.memberEmail ?? c.memberEmail;
}

/**
 * The latest charge's signals win (facts are folded in time order): its decline code, next attempt,
 * card expiry and retryability. A request for authentication, or a 3-D Secure decline, marks the
 * case as needing authentication; any other later failure clears that. A fact without signals
 * (made by hand) reads as one whose signals are all unknown, exactly as it reads back from storage.
 */
function adoptSignals(c: DerivedCase, fact: MembershipFact): void {
  const s = fact.signals ?? NO_SIGNALS;
  c.declineCode = s.declineCode ?? c.declineCode;
  if (fact.kind === 'payment_failed') c.nextPaymentAttemptAt = s.nextPaymentAttemptAt;
  if (s.cardExpMonth !== null && s.cardExpYear !== null) {
    c.cardExpMonth = s.cardExpMonth;
    c.cardExpYear = s.cardExpYear;
  }
  if (s.retryable !== null) c.paymentRetryable = s.retryable;
  c.needsAuthentication = fact.kind === 'payment_requires_action' || (s.declineCode !== null && AUTHENTICATION_DECLINE.test(s.declineCode));
  c.recoveryUrl = s.recoveryUrl ?? c.recoveryUrl;
}

function refreshRisk(c: DerivedCase, openedByDeactivation: boolean): void {
  c.riskLevel = riskLevelOf({ failureReason: c.failureReason, failureCount: c.failureCount, openedByDeactivation });
}

