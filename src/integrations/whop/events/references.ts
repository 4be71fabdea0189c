import { normalizeLegacyV5 } from './legacy-v5.ts';

/**
 * Ids a webhook body gives bare where the mapper needs what the record says (newer Whop versions
 * may send related records as ids instead of objects). Pure; the service looks them up in Whop
 * (cached) and passes the answers to mapWebhookToFact as ResolvedReferences.
 * - `payments`: a refund's or dispute's `data.payment` given as an id: which membership it is about.
 *   Without the answer the event cannot be mapped (unresolved_reference).
 * - `memberships`: a payment or membership event whose `user` is a bare id or missing: the member's
 *   id and email. Without the answer the fact has no email (outreach looks the member up anyway).
 */
export interface ReferencesToResolve {
  payments: string[];
  memberships: string[];
}

const PAYMENT_EVENTS = new Set(['payment.failed', 'payment.succeeded', 'payment.requires_action']);
const MEMBERSHIP_EVENTS = new Set(['membership.activated', 'membership.deactivated', 'membership.updated', 'membership.cancel_at_period_end_changed']);
const REVERSAL_EVENTS = new Set(['refund.created', 'dispute.created']);

export function referencesToResolve(body: unknown): ReferencesToResolve {
  const none: ReferencesToResolve = { payments: [], memberships: [] };
  const normalized = normalizeLegacyV5(body) as { type?: unknown; data?: unknown } | null;
  if (typeof normalized !== 'object' || normalized === null || !isRecord(normalized.data)) return none;
  const { type, data } = normalized;
  if (typeof type !== 'string') return none;
  if (REVERSAL_EVENTS.has(type)) return typeof data.payment === 'string' && data.payment !== '' ? { payments: [data.payment], memberships: [] } : none;
  const membershipId = PAYMENT_EVENTS.has(type) ? idOf(data.membership) : MEMBERSHIP_EVENTS.has(type) ? idOf(data.id) : null;
  if (!membershipId || isRecord(data.user)) return none;
  return { payments: [], memberships: [membershipId] };
}

function idOf(value: unknown): string | null {
  if (typeof value === 'string' && value !== '') return value;
  if (isRecord(value) && typeof value.id === 'string' && value.id !== '') return value.id;
  return null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
