import { z } from 'zod';
import { parseData } from './fields.ts';
import type { MapResult, ResolvedReferences } from './map-result.ts';
import { toPaymentFact } from './payment-data.ts';
import { paymentFailedData, paymentSignalsOf } from './payment-failed.ts';
import type { WebhookEnvelope } from './webhook-envelope.ts';

/**
 * `data` of `payment.requires_action`: an off-session renewal the bank wants the member to
 * authenticate (3-D Secure). Never sent for on-session checkouts
 * (docs.whop.com/api-reference/payments/payment-requires-action).
 */
export const paymentRequiresActionData = paymentFailedData.extend({
  /** The Whop page where the member confirms the charge; null without member:basic:read. */
  recovery_url: z.string().nullish(),
});

/**
 * `payment.requires_action` → a `payment_requires_action` fact: it opens (or joins) the
 * membership's case as "needs authentication" and carries recovery_url for the playbooks to send.
 */
export function mapPaymentRequiresAction(envelope: WebhookEnvelope, webhookEventId: number | null, references: ResolvedReferences): MapResult {
  const parsed = parseData(paymentRequiresActionData, envelope.data);
  if (!parsed.ok) return parsed;
  const payment = parsed.value;
  const recoveryUrl = payment.recovery_url?.trim() ? payment.recovery_url.trim() : null;
  const signals = paymentSignalsOf(payment, recoveryUrl);
  if (!signals.ok) return signals;
  return toPaymentFact(
    envelope,
    payment,
    {
      kind: 'payment_requires_action',
      reason: payment.failure_message ?? 'authentication_required',
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
