import { isoTimestamp, parseData } from './fields.ts';
import type { MapResult, ResolvedReferences } from './map-result.ts';
import { paymentData, toPaymentFact } from './payment-data.ts';
import type { WebhookEnvelope } from './webhook-envelope.ts';

/** `data` of `payment.succeeded`: a Whop Payment that was paid. */
export const paymentSucceededData = paymentData.extend({
  /** When the money was collected; attribution windows are measured to this instant. */
  paid_at: isoTimestamp,
});

/** `payment.succeeded` → a `payment_succeeded` fact, which may recover an open case. */
export function mapPaymentSucceeded(envelope: WebhookEnvelope, webhookEventId: number | null, references: ResolvedReferences): MapResult {
  const parsed = parseData(paymentSucceededData, envelope.data);
  if (!parsed.ok) return parsed;
  const payment = parsed.value;
  return toPaymentFact(
    envelope,
    payment,
    {
      kind: 'payment_succeeded',
      reason: null,
      occurredAt: [
        ['data.paid_at', payment.paid_at],
        ['data.updated_at', payment.updated_at],
        ['data.created_at', payment.created_at],
        ['timestamp', envelope.timestamp],
      ],
    },
    webhookEventId,
    references,
  );
}
