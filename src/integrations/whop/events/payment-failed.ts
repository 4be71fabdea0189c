import { z } from 'zod';
import { isoTimestamp, parseData } from './fields.ts';
import type { MapResult } from './map-result.ts';
import { paymentData, toPaymentFact } from './payment-data.ts';
import type { WebhookEnvelope } from './webhook-envelope.ts';

/** `data` of `payment.failed`: a Whop Payment whose latest charge attempt failed. */
export const paymentFailedData = paymentData.extend({
  /** Whop's failure reason, e.g. "Your card was declined."; null when Whop gives none. */
  failure_message: z.string().nullish(),
  /** When the charge that failed was attempted: the most precise time of the failure. */
  last_payment_attempt: isoTimestamp,
});

/**
 * `payment.failed` → a `payment_failed` fact, which opens (or adds to) a recovery case.
 * Whop retries failed charges and sends one event per attempt; each attempt is its own fact
 * with its own occurredAt, and the lifecycle merges them into one case.
 */
export function mapPaymentFailed(envelope: WebhookEnvelope, webhookEventId: number | null): MapResult {
  const parsed = parseData(paymentFailedData, envelope.data);
  if (!parsed.ok) return parsed;
  const payment = parsed.value;
  return toPaymentFact(
    envelope,
    payment,
    {
      kind: 'payment_failed',
      reason: payment.failure_message ?? null,
      occurredAt: [
        ['data.last_payment_attempt', payment.last_payment_attempt],
        ['data.updated_at', payment.updated_at],
        ['data.created_at', payment.created_at],
        ['timestamp', envelope.timestamp],
      ],
    },
    webhookEventId,
  );
}
