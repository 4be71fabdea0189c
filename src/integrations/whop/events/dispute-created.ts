import { parseData } from './fields.ts';
import type { MapResult, ResolvedReferences } from './map-result.ts';
import { paymentReversalData, toPaymentReversalFact } from './payment-reversal.ts';
import type { WebhookEnvelope } from './webhook-envelope.ts';

/** `data` of `dispute.created`: a chargeback opened against a payment. */
export const disputeCreatedData = paymentReversalData;

/**
 * `dispute.created` → a `payment_reversed` fact with reason 'dispute'. The disputed amount is
 * treated as lost from the moment the dispute opens: a recovery that is being charged back is not
 * one to credit, whatever the dispute's later outcome.
 */
export function mapDisputeCreated(envelope: WebhookEnvelope, webhookEventId: number | null, references: ResolvedReferences): MapResult {
  const parsed = parseData(disputeCreatedData, envelope.data);
  if (!parsed.ok) return parsed;
  return toPaymentReversalFact(envelope, parsed.value, 'dispute', webhookEventId, references);
}
