import { z } from 'zod';
import { parseData } from './fields.ts';
import type { MapResult, ResolvedReferences } from './map-result.ts';
import { membershipData, toMembershipFact } from './membership-data.ts';
import type { WebhookEnvelope } from './webhook-envelope.ts';

/** `data` of `membership.deactivated` (legacy v5: `membership.went_invalid`). */
export const membershipDeactivatedData = membershipData.extend({
  /** The member's own words when cancelling; free text, often empty. */
  cancellation_reason: z.string().nullish(),
  /** The option the member picked when cancelling, e.g. `too_expensive`. */
  cancel_option: z.string().nullish(),
});

/**
 * `membership.deactivated` → a `membership_deactivated` fact: the member lost access (churned),
 * whether by cancelling, by expiry or because payment retries ran out.
 */
export function mapMembershipDeactivated(envelope: WebhookEnvelope, webhookEventId: number | null, references: ResolvedReferences): MapResult {
  const parsed = parseData(membershipDeactivatedData, envelope.data);
  if (!parsed.ok) return parsed;
  const membership = parsed.value;
  // The free text may be empty when the member skipped it; the picked option says more then.
  const reason = nonEmpty(membership.cancellation_reason) ?? nonEmpty(membership.cancel_option);
  return toMembershipFact(envelope, membership, { kind: 'membership_deactivated', reason }, webhookEventId, references);
}

function nonEmpty(text: string | null | undefined): string | null {
  const trimmed = text?.trim();
  return trimmed ? trimmed : null;
}
