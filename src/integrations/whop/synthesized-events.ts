import type { WhopObject } from './whop-lists.ts';

/**
 * Webhook events made from Whop REST reads, for reconciliation. A v1 webhook's `data` serializes
 * exactly like a REST read at the same API version (whop-reference.md §7), so the event carries
 * the object unchanged and goes through the same intake, mapper and fact uniqueness as a delivery.
 *
 * The id is derived from the object's state: reading the same unchanged object again gives the
 * same id (webhook_events dedupes it), while the real delivery, with Whop's own `msg_…` id, is a
 * second row whose fact is the same fact (same payment id, kind and attempt time; membership status
 * changes merge in services/webhooks/store-membership-fact.ts), so it is stored once.
 */
export const SYNTHESIZED_PREFIX = 'reconcile:';

export function isSynthesizedWebhookId(webhookId: string): boolean {
  return webhookId.startsWith(SYNTHESIZED_PREFIX);
}

export interface SynthesizedEvent {
  webhookId: string;
  type: 'payment.failed' | 'payment.succeeded' | 'membership.activated' | 'membership.deactivated';
  body: { id: string; api_version: 'v1'; type: string; timestamp: string; company_id: string; data: WhopObject };
  rawBody: string;
}

/** Whop statuses of a membership that no longer grants access (a `membership.deactivated`). */
export const INACTIVE_MEMBERSHIP_STATUSES = ['canceled', 'expired', 'completed'] as const;
export const ACTIVE_MEMBERSHIP_STATUSES = ['active', 'trialing'] as const;

/**
 * The event a listed payment stands for: paid → payment.succeeded; open with a failed attempt →
 * payment.failed (its latest attempt: one fact per attempt, like the deliveries). Null for what
 * we do not act on (no membership: a one-time purchase; drafts, voids, pending).
 */
export function eventForPayment(payment: WhopObject, companyId: string, now: Date): SynthesizedEvent | null {
  // Nested `{id}` or, at newer API versions, a bare id.
  const membership = payment.membership as { id?: unknown } | string | null | undefined;
  if (typeof membership !== 'string' && typeof membership?.id !== 'string') return null;
  const status = payment.status;
  const substatus = payment.substatus;
  if (status === 'paid' && typeof payment.paid_at === 'string') return synthesize('payment.succeeded', payment, companyId, payment.paid_at, now);
  const failed = substatus === 'failed' || substatus === 'past_due' || (Number(payment.payments_failed ?? 0) > 0 && payment.failure_message != null);
  if (status === 'open' && failed) return synthesize('payment.failed', payment, companyId, stamp(payment.last_payment_attempt, payment.updated_at), now);
  return null;
}

/** A membership's status as the event that would have announced it. */
export function eventForMembership(membership: WhopObject, companyId: string, now: Date): SynthesizedEvent | null {
  const status = String(membership.status);
  const type = (INACTIVE_MEMBERSHIP_STATUSES as readonly string[]).includes(status)
    ? 'membership.deactivated'
    : (ACTIVE_MEMBERSHIP_STATUSES as readonly string[]).includes(status)
      ? 'membership.activated'
      : null;
  if (!type) return null;
  return synthesize(type, membership, companyId, stamp(membership.updated_at, membership.canceled_at), now);
}

function stamp(...candidates: unknown[]): string {
  return String(candidates.find((c) => typeof c === 'string' && c !== '') ?? 'unstamped');
}

function synthesize(type: SynthesizedEvent['type'], data: WhopObject, companyId: string, state: string, now: Date): SynthesizedEvent {
  const webhookId = `${SYNTHESIZED_PREFIX}${type}:${data.id}:${state}`;
  const body = { id: webhookId, api_version: 'v1' as const, type, timestamp: now.toISOString(), company_id: companyId, data };
  return { webhookId, type, body, rawBody: JSON.stringify(body) };
}
