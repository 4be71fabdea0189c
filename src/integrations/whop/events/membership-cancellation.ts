import { z } from 'zod';
import { parseData } from './fields.ts';
import { mapFailure, type MapResult, type ResolvedReferences } from './map-result.ts';
import { membershipData, toMembershipFact } from './membership-data.ts';
import type { WebhookEnvelope } from './webhook-envelope.ts';

/** `data` of `membership.updated` and `membership.cancel_at_period_end_changed`. */
export const membershipCancellationData = membershipData.extend({
  cancel_at_period_end: z.boolean().nullish(),
  /** The option the member picked: too_expensive, switching, missing_features, … */
  cancel_option: z.string().nullish(),
  /** canceling, left or won_back (a scheduled cancellation the creator saved). */
  cancelation_status: z.string().nullish(),
});

/**
 * → `cancellation_scheduled` (cancel_at_period_end true) or `cancellation_unscheduled` (false), with
 * the picked option and Whop's cancelation_status; `won_back` is recorded as an unscheduled fact.
 * They are stored for the save flow and never open a case. A `membership.updated` that changes
 * nothing about cancellation (no flag, no status) is `unhandled_type`, stored and ignored.
 * Both events may report the same change: the fact is the same (same kind and updated_at) and stored once.
 */
export function mapMembershipCancellation(envelope: WebhookEnvelope, webhookEventId: number | null, references: ResolvedReferences): MapResult {
  const parsed = parseData(membershipCancellationData, envelope.data);
  if (!parsed.ok) return parsed;
  const m = parsed.value;
  const status = m.cancelation_status?.trim() || null;
  const flag = m.cancel_at_period_end ?? null;
  const isFlagChange = envelope.type === 'membership.cancel_at_period_end_changed';
  // `left` (the member is gone) is membership.deactivated's business, not a cancellation change.
  const scheduled = flag === true || (flag === null && status === 'canceling') ? true : status === 'won_back' || (isFlagChange && flag === false) ? false : null;
  if (scheduled === null) return mapFailure('unhandled_type', `${envelope.type} ${m.id}: no cancellation scheduled or undone in this update`);
  const cancelOption = m.cancel_option?.trim() || null;
  return toMembershipFact(
    envelope,
    m,
    {
      kind: scheduled ? 'cancellation_scheduled' : 'cancellation_unscheduled',
      reason: scheduled ? cancelOption : status,
      cancellation: { cancelOption, cancelationStatus: status },
    },
    webhookEventId,
    references,
  );
}
