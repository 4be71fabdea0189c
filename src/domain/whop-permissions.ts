import type { WithheldField } from './membership-fact.ts';

/**
 * The Whop app permissions each Churn Saver feature needs (README "Whop app permissions" lists the
 * same table). Sources: the SDK's per-endpoint "Required permissions" docstrings and
 * docs.whop.com/api-reference/payments/payment-failed; see whop-reference.md §2.4 and §7.
 */
export const FEATURE_PERMISSIONS = [
  { feature: 'Receive payment webhooks (failed, succeeded, requires action, refunds, disputes)', permissions: ['webhook_receive:payments', 'payment:basic:read', 'plan:basic:read', 'access_pass:basic:read'] },
  { feature: 'Receive membership webhooks (activated, deactivated, updated, cancellation changes)', permissions: ['webhook_receive:memberships', 'member:basic:read'] },
  { feature: "Members' email on cases, email nudges, member search by email", permissions: ['member:email:read'] },
  { feature: "Members' phone numbers (stored nowhere yet; reported only)", permissions: ['member:phone:read'] },
  { feature: 'The 3-D Secure recovery link of payment.requires_action', permissions: ['member:basic:read'] },
  { feature: 'Look up a member, membership or payment (manage link, name, product; bare ids in webhooks)', permissions: ['member:basic:read', 'member:email:read', 'payment:basic:read'] },
  { feature: 'Free days incentive; undo a scheduled cancel', permissions: ['member:manage'] },
  // @whop/sdk 0.0.42 documents membership:cancel; Whop's current SDK sources document member:manage.
  { feature: 'Cancel a membership from the case page', permissions: ['membership:cancel', 'member:manage'] },
  { feature: 'Retry the failed payment before a nudge', permissions: ['payment:manage'] },
  { feature: 'Push nudges (to an experience of the app)', permissions: ['notification:create'] },
  { feature: 'DM nudges', permissions: ['dms:channel:manage', 'chat:message:create'] },
  { feature: 'List payments and memberships (reconciliation)', permissions: ['payment:basic:read', 'plan:basic:read', 'access_pass:basic:read', 'member:basic:read', 'member:email:read'] },
] as const;

/** What stops working when Whop withholds a field, and the permission that turns it back on. */
export const WITHHELD_CAPABILITIES: Readonly<Record<WithheldField, { capability: string; permission: string }>> = {
  email: { capability: "Members' email addresses (email nudges, search by email)", permission: 'member:email:read' },
  phone: { capability: "Members' phone numbers", permission: 'member:phone:read' },
  recovery_url: { capability: 'The 3-D Secure recovery link (payment.requires_action)', permission: 'member:basic:read' },
};

/** The latest event that could have carried the field: whether Whop withheld it then (null: cannot tell), and when. */
export interface FieldObservation {
  field: WithheldField;
  withheld: boolean | null;
  at: Date;
}

export interface CapabilityStatus {
  field: WithheldField;
  capability: string;
  /** `off`: the latest event that could carry it came without it; `on`: it came; `unknown`: no such event yet. */
  status: 'on' | 'off' | 'unknown';
  /** The permission that turns it on (the creator grants it when reinstalling or updating the app). */
  permission: string;
  /** When the latest event that decided the status happened; null when unknown. */
  observedAt: Date | null;
}

/** One status per permission-gated field, from the latest observation of each. Pure. */
export function capabilitiesOf(observations: readonly FieldObservation[]): CapabilityStatus[] {
  return (Object.keys(WITHHELD_CAPABILITIES) as WithheldField[]).map((field) => {
    const latest = observations.filter((o) => o.field === field).sort((a, b) => b.at.getTime() - a.at.getTime())[0];
    return {
      field,
      ...WITHHELD_CAPABILITIES[field],
      status: latest === undefined || latest.withheld === null ? 'unknown' : latest.withheld ? 'off' : 'on',
      observedAt: latest?.at ?? null,
    };
  });
}
