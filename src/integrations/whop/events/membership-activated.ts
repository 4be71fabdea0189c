import { parseData } from './fields.ts';
import type { MapResult, ResolvedReferences } from './map-result.ts';
import { membershipData, toMembershipFact } from './membership-data.ts';
import type { WebhookEnvelope } from './webhook-envelope.ts';

/** `data` of `membership.activated` (legacy v5: `membership.went_valid`). */
export const membershipActivatedData = membershipData;

/** `membership.activated` → a `membership_activated` fact: the member has access again. */
export function mapMembershipActivated(envelope: WebhookEnvelope, webhookEventId: number | null, references: ResolvedReferences): MapResult {
  const parsed = parseData(membershipActivatedData, envelope.data);
  if (!parsed.ok) return parsed;
  return toMembershipFact(envelope, parsed.value, { kind: 'membership_activated', reason: null }, webhookEventId, references);
}
