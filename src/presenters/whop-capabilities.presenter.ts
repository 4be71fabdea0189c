import { sql } from 'drizzle-orm';
import type { Queryable } from '../db/client.ts';
import { queryRows } from '../db/client.ts';
import { capabilitiesOf, type CapabilityStatus, type FieldObservation } from '../domain/whop-permissions.ts';

/**
 * Which permission-gated Whop fields reach this company, judged by the latest fact that could
 * carry each: email (any fact whose payload had the user object: an email, or one noted withheld),
 * phone (the latest failed or blocked payment: withheld or, since we keep no phone numbers, unknown),
 * recovery_url (the latest payment.requires_action). Company-scoped like every presenter.
 */
export async function presentWhopCapabilities(companyId: string, q: Queryable): Promise<CapabilityStatus[]> {
  const rows = await queryRows<{ field: FieldObservation['field']; withheld: boolean | null; at: Date | string }>(
    q,
    sql`(SELECT 'email' AS field, ('email' = ANY(withheld_fields)) AS withheld, occurred_at AS at FROM membership_facts
          WHERE company_id = ${companyId} AND (member_email IS NOT NULL OR 'email' = ANY(withheld_fields))
          ORDER BY occurred_at DESC LIMIT 1)
        UNION ALL
        (SELECT 'phone', CASE WHEN 'phone' = ANY(withheld_fields) THEN true END, occurred_at FROM membership_facts
          WHERE company_id = ${companyId} AND kind IN ('payment_failed', 'payment_requires_action') ORDER BY occurred_at DESC LIMIT 1)
        UNION ALL
        (SELECT 'recovery_url', ('recovery_url' = ANY(withheld_fields)), occurred_at FROM membership_facts
          WHERE company_id = ${companyId} AND kind = 'payment_requires_action' ORDER BY occurred_at DESC LIMIT 1)`,
  );
  return capabilitiesOf(rows.map((r) => ({ field: r.field, withheld: r.withheld, at: new Date(r.at) })));
}
