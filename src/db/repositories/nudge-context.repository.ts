import { sql } from 'drizzle-orm';
import type { Channel } from '../../domain/channels.ts';
import { queryRows, type Queryable } from '../client.ts';
import { readableEventDetail } from '../encrypted-text.ts';
import { END_FACT_KINDS, type MembershipEndFact } from './contact-history.repository.ts';

/**
 * What sending a claimed case's step reads about its member, read for a whole claim batch in ONE
 * statement instead of four per nudge: the membership's end facts (isMembershipEnded), the channels
 * another case of the same payment already carried this step on (listChannelsSentForInvoiceStep)
 * and the latest hold row. (The member's opt-outs are read with the step's start: Whop names the member first.)
 */
export interface NudgeContext {
  step: number;
  endFacts: MembershipEndFact[];
  sentForInvoiceStep: Channel[];
  latestHold: Record<string, unknown> | null;
}

export interface ContextKey {
  caseId: string;
  companyId: string;
  whopMembershipId: string;
  whopPaymentId: string | null;
  step: number;
}

export async function loadNudgeContexts(q: Queryable, keys: readonly ContextKey[]): Promise<Map<string, NudgeContext>> {
  if (keys.length === 0) return new Map();
  const input = keys.map((k) => ({
    id: k.caseId, company_id: k.companyId, membership: k.whopMembershipId, payment: k.whopPaymentId, step: k.step,
  }));
  type Row = { id: string; facts: MembershipEndFact[] | null; invoice: Channel[] | null; hold: Record<string, unknown> | null };
  const rows = await queryRows<Row>(q, sql`
    SELECT k.id,
      (SELECT json_agg(f) FROM (SELECT kind, cancelation_status FROM membership_facts
         WHERE company_id = k.company_id AND whop_membership_id = k.membership AND kind IN (${sql.raw(END_FACT_KINDS)})
         ORDER BY occurred_at DESC, id DESC LIMIT 20) f) AS facts,
      (SELECT json_agg(DISTINCT d.channel) FROM deliveries d JOIN recovery_cases c ON c.id = d.case_id
         WHERE k.payment IS NOT NULL AND c.company_id = k.company_id AND d.company_id = k.company_id AND c.whop_payment_id = k.payment
           AND d.step = k.step AND c.id <> k.id AND d.status IN ('sent', 'sending', 'unknown')) AS invoice,
      (SELECT e.detail FROM case_events e WHERE e.case_id = k.id AND e.reason = 'nudge_held' ORDER BY e.id DESC LIMIT 1) AS hold
    FROM json_to_recordset(${JSON.stringify(input)}::json) AS k(id uuid, company_id text, membership text, payment text, step int)`);
  const byId = new Map(keys.map((k) => [k.caseId, k]));
  return new Map(rows.map((r) => {
    const key = byId.get(r.id)!;
    return [r.id, {
      step: key.step,
      endFacts: r.facts ?? [],
      sentForInvoiceStep: r.invoice ?? [],
      latestHold: readableEventDetail(r.hold),
    }];
  }));
}
