import type { MembershipFact } from '../../../domain/membership-fact.ts';
import type { WebhookEnvelope } from './webhook-envelope.ts';

/**
 * The outcome of mapping one Whop webhook body to a MembershipFact.
 * Every failure is an expected outcome, returned rather than thrown: the event is already stored,
 * and `detail` (naming the field at fault) is for its row and the logs. Mapping is pure, so
 * re-mapping a stored body always gives the same result.
 */
export type MapResult =
  | { ok: true; fact: MembershipFact }
  | { ok: false; reason: MapFailureReason; detail: string };

/**
 * - `unhandled_type`: an event we do not act on (including a refund that failed or was canceled);
 * - `invalid_payload`: a field we need is missing or malformed (detail names it);
 * - `no_company`: neither `data.company.id` nor the top-level `company_id` says whose event it is;
 * - `no_membership`: the event is about no membership (for example a one-time payment).
 */
export type MapFailureReason = 'unhandled_type' | 'invalid_payload' | 'no_company' | 'no_membership';

export function mapFailure(reason: MapFailureReason, detail: string): MapFailure {
  return { ok: false, reason, detail };
}

export type MapFailure = Extract<MapResult, { ok: false }>;

/** One event file's mapper: a parsed v1 envelope and our webhook_events.id to a result. Pure. */
export type EventMapper = (envelope: WebhookEnvelope, webhookEventId: number | null) => MapResult;
