import { z } from 'zod';
import type { PaymentSignals } from '../../../domain/membership-fact.ts';
import { cardExpiryFields, cardExpiryOf, isoTimestamp, optionalTimestamp, parseData, type Parsed } from './fields.ts';
import type { MapResult, ResolvedReferences } from './map-result.ts';
import { paymentData, toPaymentFact } from './payment-data.ts';
import type { WebhookEnvelope } from './webhook-envelope.ts';

/** `data` of `payment.failed`: a Whop Payment whose latest charge attempt failed. */
export const paymentFailedData = paymentData.extend({
  /** Whop's failure reason, e.g. "Your card was declined."; null when Whop gives none. */
  failure_message: z.string().nullish(),
  /** Whop's decline code (about 88 values, e.g. insufficient_funds, three_d_secure_required). */
  decline_code: z.string().nullish(),
  /** When the charge that failed was attempted: the most precise time of the failure. */
  last_payment_attempt: isoTimestamp,
  /** When Whop tries the card again; null when it will not. Read it rather than assuming 5 days. */
  next_payment_attempt: isoTimestamp,
  /** payments.retry may succeed now (open payment, membership still billable). */
  retryable: z.boolean().nullish(),
  ...cardExpiryFields,
});

export type PaymentFailedData = z.infer<typeof paymentFailedData>;

/** The signals of a failed or blocked charge, as the domain stores them. */
export function paymentSignalsOf(payment: PaymentFailedData, recoveryUrl: string | null): Parsed<PaymentSignals> {
  const next = optionalTimestamp('data.next_payment_attempt', payment.next_payment_attempt);
  if (!next.ok) return next;
  const declineCode = payment.decline_code?.trim() ? payment.decline_code.trim() : null;
  return { ok: true, value: { declineCode, nextPaymentAttemptAt: next.value, ...cardExpiryOf(payment), retryable: payment.retryable ?? null, recoveryUrl } };
}

/**
 * `payment.failed` → a `payment_failed` fact, which opens (or adds to) a recovery case.
 * Whop retries failed charges and sends one event per attempt; each attempt is its own fact
 * with its own occurredAt, and the lifecycle merges them into one case.
 */
export function mapPaymentFailed(envelope: WebhookEnvelope, webhookEventId: number | null, references: ResolvedReferences): MapResult {
  const parsed = parseData(paymentFailedData, envelope.data);
  if (!parsed.ok) return parsed;
  const payment = parsed.value;
  const signals = paymentSignalsOf(payment, null);
  if (!signals.ok) return signals;
  return toPaymentFact(
    envelope,
    payment,
    {
      kind: 'payment_failed',
      reason: payment.failure_message ?? null,
      signals: signals.value,
      occurredAt: [
        ['data.last_payment_attempt', payment.last_payment_attempt],
        ['data.updated_at', payment.updated_at],
        ['data.created_at', payment.created_at],
        ['timestamp', envelope.timestamp],
      ],
    },
    webhookEventId,
    references,
  );
}
