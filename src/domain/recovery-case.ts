/** A case's statuses, in the order the dashboard lists them. */
export const CASE_STATUSES = ['open', 'recovered', 'closed_no_recovery'] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];
export type RiskLevel = 'low' | 'medium' | 'high';

export type TransitionReason =
  | 'payment_failed'
  | 'membership_deactivated'
  | 'failure_merged'
  | 'payment_succeeded'
  | 'membership_activated'
  | 'payment_attributed'
  | 'recovery_reduced'
  | 'recovery_reversed'
  | 'attribution_window_passed'
  | 'cancelled'
  /** payment.requires_action opened the case (the member must authenticate the charge). */
  | 'payment_requires_action'
  /** payment.requires_action joined an open case. */
  | 'authentication_required'
  /** Timeline notes on an open case; they never change its status. */
  | 'cancellation_scheduled'
  | 'cancellation_unscheduled';

/** One row of the case timeline: a status change (from may equal to for notes). */
export interface CaseTransition {
  from: CaseStatus | null;
  to: CaseStatus;
  reason: TransitionReason;
  at: Date;
  webhookEventId: number | null;
}

export interface AttributedPayment {
  whopPaymentId: string;
  /** Minor units still counted after any refunds. */
  amountCents: number;
  at: Date;
}

/** A recovery case as derived from a membership's facts. */
export interface DerivedCase {
  companyId: string;
  whopMembershipId: string;
  whopUserId: string | null;
  memberEmail: string | null;
  /** The payment whose failure opened the case; null when a deactivation opened it. */
  whopPaymentId: string | null;
  status: CaseStatus;
  failureReason: string | null;
  failureCount: number;
  /** Minor units of `currency`. */
  amountAtRiskCents: number;
  /** Minor units, summed over every attributed payment, net of reversals. */
  recoveredCents: number;
  currency: string | null;
  riskLevel: RiskLevel;
  firstFailureAt: Date;
  lastFailureAt: Date;
  recoveredAt: Date | null;
  closedAt: Date | null;
  attributionWindowDays: number;
  /** firstFailureAt + attributionWindowDays: payments after this are not attributed. */
  attributionEndsAt: Date;
  attributedPayments: AttributedPayment[];
  transitions: CaseTransition[];
  /** Latest decline code of the case's failures (payment.failed `decline_code`); null when none was given. */
  declineCode: string | null;
  /** When Whop retries the card next, from the latest failure; null when it will not or did not say. */
  nextPaymentAttemptAt: Date | null;
  cardExpMonth: number | null;
  cardExpYear: number | null;
  /** Whop's `retryable` of the latest failure (false when unknown). */
  paymentRetryable: boolean;
  /** The latest charge is waiting for the member to authenticate it (3-D Secure). */
  needsAuthentication: boolean;
  /** Whop page where the member authenticates; null when Whop withheld it or none was sent. */
  recoveryUrl: string | null;
}

export interface LifecyclePolicy {
  /** Days after the first failure during which a payment is attributed to the case (1–60). */
  attributionWindowDays: number;
  /**
   * Windows of cases already stored, by first failure time in ms: a case keeps the window it
   * opened with even after the company changes its settings.
   */
  knownWindowDays?: ReadonlyMap<number, number>;
}
