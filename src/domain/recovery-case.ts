export type CaseStatus = 'open' | 'recovered' | 'closed_no_recovery';
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
  | 'cancelled';

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
