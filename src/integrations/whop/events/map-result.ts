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
 * - `no_membership`: the event is about no membership (for example a one-time payment);
 * - `unresolved_reference`: a related record came as a bare id (newer API versions) and could not be
 *   looked up in Whop, so the membership it belongs to is unknown.
 */
export type MapFailureReason = 'unhandled_type' | 'invalid_payload' | 'no_company' | 'no_membership' | 'unresolved_reference';

export function mapFailure(reason: MapFailureReason, detail: string): MapFailure {
  return { ok: false, reason, detail };
}

export type MapFailure = Extract<MapResult, { ok: false }>;

/**
 * Records looked up in Whop for ids a payload gave bare (see references.ts): what a nested object
 * would have told. Empty when nothing needed looking up.
 */
export interface ResolvedReferences {
  payments: ReadonlyMap<string, { membershipId: string | null; companyId: string | null; userId: string | null }>;
  memberships: ReadonlyMap<string, { userId: string | null; email: string | null }>;
}

export const NO_REFERENCES: ResolvedReferences = { payments: new Map(), memberships: new Map() };

/** One event file's mapper: a parsed v1 envelope, our webhook_events.id and looked-up records to a result. Pure. */
export type EventMapper = (envelope: WebhookEnvelope, webhookEventId: number | null, references: ResolvedReferences) => MapResult;
