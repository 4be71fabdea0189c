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
  | 'case_cancelled'
  /** An off-session renewal needs the member to authenticate (3-D Secure): opens or joins a case as "needs authentication". */
  | 'payment_requires_action'
  /** The member (or creator) set the membership to cancel at the end of the period. Never opens a case. */
  | 'cancellation_scheduled'
  /** A scheduled cancellation was undone (cancelation_status `won_back` when a save flow won it). Never opens a case. */
  | 'cancellation_unscheduled';

/** What Whop tells about a failed or blocked charge (payment.failed, payment.requires_action). */
export interface PaymentSignals {
  /** Whop's decline code, e.g. `insufficient_funds`, `three_d_secure_required`; null when none was given. */
  declineCode: string | null;
  /** When Whop will try the card again; null when it will not (or did not say). */
  nextPaymentAttemptAt: Date | null;
  /** Expiry of the card charged (month 1–12, four-digit year); null when unknown. */
  cardExpMonth: number | null;
  cardExpYear: number | null;
  /** Whop's `retryable`: payments.retry may succeed now; null when unknown. */
  retryable: boolean | null;
  /** payment.requires_action: the Whop page where the member confirms; null without member:basic:read. */
  recoveryUrl: string | null;
}

/** What a cancellation fact records about the membership (membership.updated / cancel_at_period_end_changed). */
export interface CancellationDetail {
  /** The option the member picked: too_expensive, switching, … ; null when none. */
  cancelOption: string | null;
  /** Whop's cancelation_status: canceling, left, won_back; null when Whop sent none. */
  cancelationStatus: string | null;
}

/**
 * Fields Whop sent as null although the record has them, which is how Whop answers without the
 * app permission that reads them (docs.whop.com payment-failed): the case still opens, and the
 * settings page names the permission (see src/domain/whop-permissions.ts).
 */
export type WithheldField = 'email' | 'phone' | 'recovery_url';

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
  /** payment_failed / payment_requires_action only; absent on other kinds and on facts made by hand. */
  signals?: PaymentSignals | null;
  /** cancellation_scheduled / cancellation_unscheduled only. */
  cancellation?: CancellationDetail | null;
  /** payment_succeeded only: the promo code the payment used (Whop's promo id) and its subtotal before the discount. */
  promo?: { whopPromoCodeId: string; subtotalCents: number | null } | null;
  /** Permission-gated fields that came back null; absent or empty when none did. */
  withheld?: readonly WithheldField[];
}

/**
 * A fact we learn ourselves rather than from a webhook (a manual cancel, our payment retry, an
 * accepted save offer) about the membership of a case we hold: what it does not say is null, and
 * no webhook event carried it.
 */
export function ownFact(
  of: { companyId: string; whopMembershipId: string; whopUserId: string | null },
  fact: Pick<MembershipFact, 'kind' | 'occurredAt'> & Partial<MembershipFact>,
): MembershipFact {
  const membership = { companyId: of.companyId, whopMembershipId: of.whopMembershipId, whopUserId: of.whopUserId };
  return { ...membership, memberEmail: null, whopPaymentId: null, amountCents: null, currency: null, reason: null, webhookEventId: null, ...fact };
}
