/**
 * A fact about one membership of one company, mapped from a Whop webhook.
 * Facts are the only input of the case lifecycle: cases are derived by folding a
 * membership's facts in time order, so arrival order never changes the outcome.
 */
export type FactKind =
  | 'payment_failed'
  | 'payment_succeeded'
  | 'membership_activated'
  | 'membership_deactivated'
  /** A refund or dispute against a payment: a recovery it produced is reversed. */
  | 'payment_reversed'
  /** A creator or operator cancelled the case by hand (reason holds who and why). */
  | 'case_cancelled';

export interface MembershipFact {
  kind: FactKind;
  /** Whop company id (biz_…): the tenant. */
  companyId: string;
  /** Whop membership id (mem_…). */
  whopMembershipId: string;
  whopUserId: string | null;
  memberEmail: string | null;
  /** The payment this fact is about (pay_…); for payment_reversed, the payment reversed. */
  whopPaymentId: string | null;
  /** Integer minor units of `currency` (cents for usd, yen for jpy); null when unknown. */
  amountCents: number | null;
  /** Lowercase ISO 4217 code, as Whop sends it. */
  currency: string | null;
  /** Whop's failure_message, a cancellation reason, or 'refund' / 'dispute' for reversals. */
  reason: string | null;
  /** When it happened according to Whop (not when we received it). */
  occurredAt: Date;
  /** Our webhook_events.id that carried the fact; null for facts made by hand (tests, imports). */
  webhookEventId: number | null;
}
