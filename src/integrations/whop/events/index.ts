import { mapDisputeCreated } from './dispute-created.ts';
import { isLegacyV5, normalizeLegacyV5 } from './legacy-v5.ts';
import { mapFailure, type EventMapper, type MapResult } from './map-result.ts';
import { mapMembershipActivated } from './membership-activated.ts';
import { mapMembershipDeactivated } from './membership-deactivated.ts';
import { mapPaymentFailed } from './payment-failed.ts';
import { mapPaymentSucceeded } from './payment-succeeded.ts';
import { mapRefundCreated } from './refund-created.ts';
import { webhookEnvelope } from './webhook-envelope.ts';

export type { EventMapper, MapFailure, MapFailureReason, MapResult } from './map-result.ts';
export type { WebhookEnvelope } from './webhook-envelope.ts';
export { isLegacyV5, normalizeLegacyV5 } from './legacy-v5.ts';

/** The v1 event types we turn into facts. Every other type is stored and marked ignored. */
export const HANDLED_EVENT_TYPES = [
  'payment.failed',
  'payment.succeeded',
  'membership.activated',
  'membership.deactivated',
  'refund.created',
  'dispute.created',
] as const;

export type HandledEventType = (typeof HANDLED_EVENT_TYPES)[number];

const MAPPERS: Readonly<Record<HandledEventType, EventMapper>> = {
  'payment.failed': mapPaymentFailed,
  'payment.succeeded': mapPaymentSucceeded,
  'membership.activated': mapMembershipActivated,
  'membership.deactivated': mapMembershipDeactivated,
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
 */
export function mapWebhookToFact(body: unknown, webhookEventId: number | null): MapResult {
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
  return MAPPERS[type](envelope.data, webhookEventId);
}
