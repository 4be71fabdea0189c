import { z } from 'zod';
import { parseData } from './fields.ts';
import { mapFailure, type MapResult, type ResolvedReferences } from './map-result.ts';
import { paymentReversalData, toPaymentReversalFact } from './payment-reversal.ts';
import type { WebhookEnvelope } from './webhook-envelope.ts';

/** `data` of `refund.created`: a Whop Refund with a summary of the payment it refunds. */
export const refundCreatedData = paymentReversalData.extend({
  /** `pending|requires_action|succeeded|failed|canceled`. */
  status: z.string().nullish(),
});

/** A refund in these states gave no money back, so it reverses nothing. */
const STATUSES_THAT_REVERSE_NOTHING = new Set(['failed', 'canceled']);

/**
 * `refund.created` → a `payment_reversed` fact with reason 'refund': a recovery that the refunded
 * payment produced is reduced by the refunded amount. A pending refund counts, since most complete;
 * a failed or canceled one is `unhandled_type` (stored and ignored, like any event we do not act on).
 */
export function mapRefundCreated(envelope: WebhookEnvelope, webhookEventId: number | null, references: ResolvedReferences): MapResult {
  const parsed = parseData(refundCreatedData, envelope.data);
  if (!parsed.ok) return parsed;
  const refund = parsed.value;
  if (refund.status && STATUSES_THAT_REVERSE_NOTHING.has(refund.status)) {
    return mapFailure('unhandled_type', `refund.created ${refund.id} has status ${refund.status}: nothing was refunded`);
  }
  return toPaymentReversalFact(envelope, refund, 'refund', webhookEventId, references);
}
