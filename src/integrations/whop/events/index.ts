import { mapDisputeCreated } from './dispute-created.ts';
import { isLegacyV5, normalizeLegacyV5 } from './legacy-v5.ts';
import { mapFailure, NO_REFERENCES, type EventMapper, type MapResult, type ResolvedReferences } from './map-result.ts';
import { mapMembershipActivated } from './membership-activated.ts';
import { mapMembershipCancellation } from './membership-cancellation.ts';
import { mapMembershipDeactivated } from './membership-deactivated.ts';
import { mapPaymentFailed } from './payment-failed.ts';
import { mapPaymentRequiresAction } from './payment-requires-action.ts';
import { mapPaymentSucceeded } from './payment-succeeded.ts';
import { mapRefundCreated } from './refund-created.ts';
import { webhookEnvelope } from './webhook-envelope.ts';

export type { EventMapper, MapFailure, MapFailureReason, MapResult, ResolvedReferences } from './map-result.ts';
export { NO_REFERENCES } from './map-result.ts';
export { referencesToResolve, type ReferencesToResolve } from './references.ts';
export type { WebhookEnvelope } from './webhook-envelope.ts';
export { isLegacyV5, normalizeLegacyV5 } from './legacy-v5.ts';

/**
 * The v1 event types we turn into facts. Every other type is stored and marked ignored, among them
 * `invoice.past_due` on purpose: the charge behind it already arrives as payment.failed (with the
 * membership, decline code and next attempt), and an invoice names no membership to join.
 */
export const HANDLED_EVENT_TYPES = [
  'payment.failed',
  'payment.succeeded',
  'payment.requires_action',
  'membership.activated',
  'membership.deactivated',
  'membership.updated',
  'membership.cancel_at_period_end_changed',
  'refund.created',
  'dispute.created',
] as const;

export type HandledEventType = (typeof HANDLED_EVENT_TYPES)[number];

const MAPPERS: Readonly<Record<HandledEventType, EventMapper>> = {
  'payment.failed': mapPaymentFailed,
  'payment.succeeded': mapPaymentSucceeded,
  'payment.requires_action': mapPaymentRequiresAction,
  'membership.activated': mapMembershipActivated,
  'membership.deactivated': mapMembershipDeactivated,
  'membership.updated': mapMembershipCancellation,
  'membership.cancel_at_period_end_changed': mapMembershipCancellation,
  'refund.created': mapRefundCreated,
  'dispute.created': mapDisputeCreated,
};

export function isHandledEventType(type: string): type is HandledEventType {
  return Object.hasOwn(MAPPERS, type);
}

/**
 * Maps a Whop webhook body (v1, or legacy v5 which is normalized first) to a MembershipFact.
 * Pure and deterministic: re-mapping a stored body gives the same result, which is what lets
 * processing be retried. `webhookEventId` is our webhook_events.id, copied into the fact.
 * An unknown `type` is `unhandled_type`, an expected outcome: the caller marks the event ignored.
 * `references` are the records looked up in Whop for ids the body gave bare (see references.ts);
 * both payload shapes of one event give the same fact once they are supplied.
 */
export function mapWebhookToFact(body: unknown, webhookEventId: number | null, references: ResolvedReferences = NO_REFERENCES): MapResult {
  const normalized = normalizeLegacyV5(body);
  const type = typeof normalized === 'object' && normalized !== null ? (normalized as { type?: unknown }).type : undefined;
  if (typeof type !== 'string' || type === '') {
    const what = isLegacyV5(body) ? 'action' : 'type';
    return mapFailure('invalid_payload', `${what}: missing; not a Whop webhook body`);
  }
  // Checked before the envelope is validated: an event we ignore may be stored whatever its shape.
  if (!isHandledEventType(type)) return mapFailure('unhandled_type', `${type} is not an event we act on`);

  const envelope = webhookEnvelope.safeParse(normalized);
  if (!envelope.success) {
    const problems = envelope.error.issues.map((issue) => `${issue.path.map(String).join('.') || '(body)'}: ${issue.message}`);
    return mapFailure('invalid_payload', problems.join('; '));
  }
  return MAPPERS[type](envelope.data, webhookEventId, references);
}
