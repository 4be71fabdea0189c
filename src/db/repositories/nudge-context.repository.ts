import { sql } from 'drizzle-orm';
import type { Channel } from '../../domain/channels.ts';
import { queryRows, type Queryable } from '../client.ts';
import { emailLookupHashes, readableEventDetail, userLookupHashes } from '../encrypted-text.ts';
import type { OptOutChannel } from '../schema/member-opt-outs.ts';
import { END_FACT_KINDS, type MembershipEndFact } from './contact-history.repository.ts';

/**
 * What sending a claimed case's step reads about its member, read for a whole claim batch in ONE
 * statement instead of four per nudge: the membership's end facts (isMembershipEnded), the channels
 * another case of the same payment already carried this step on (listChannelsSentForInvoiceStep),
 * the opt-outs of the member as the case knows them (whop user id, email) and the latest hold row.
 */
export interface NudgeContext {
  step: number;
  endFacts: MembershipEndFact[];
  sentForInvoiceStep: Channel[];
  /** The identity the opt-outs were read for: a lookup that finds another one reads them again. */
  optOutsFor: { email: string | null; whopUserId: string | null };
  optOutRows: { channel: OptOutChannel; subjectHash: string }[];
  latestHold: Record<string, unknown> | null;
}

export interface ContextKey {
  caseId: string;
  companyId: string;
  whopMembershipId: string;
  whopPaymentId: string | null;
  step: number;
  email: string | null;
  whopUserId: string | null;
}

export async function loadNudgeContexts(q: Queryable, keys: readonly ContextKey[]): Promise<Map<string, NudgeContext>> {
  if (keys.length === 0) return new Map();
  const input = keys.map((k) => ({
    id: k.caseId, company_id: k.companyId, membership: k.whopMembershipId, payment: k.whopPaymentId, step: k.step,
    hashes: [...(k.email ? emailLookupHashes(k.email) : []), ...(k.whopUserId ? userLookupHashes(k.whopUserId) : [])].join(','),
  }));
  type Row = { id: string; facts: MembershipEndFact[] | null; invoice: Channel[] | null; opt_outs: { channel: OptOutChannel; subject_hash: string }[] | null; hold: Record<string, unknown> | null };
  const rows = await queryRows<Row>(q, sql`
    SELECT k.id,
      (SELECT json_agg(f) FROM (SELECT kind, cancelation_status FROM membership_facts
         WHERE company_id = k.company_id AND whop_membership_id = k.membership AND kind IN (${sql.raw(END_FACT_KINDS)})
         ORDER BY occurred_at DESC, id DESC LIMIT 20) f) AS facts,
      (SELECT json_agg(DISTINCT d.channel) FROM deliveries d JOIN recovery_cases c ON c.id = d.case_id
         WHERE k.payment IS NOT NULL AND c.company_id = k.company_id AND d.company_id = k.company_id AND c.whop_payment_id = k.payment
           AND d.step = k.step AND c.id <> k.id AND d.status IN ('sent', 'sending', 'unknown')) AS invoice,
      (SELECT json_agg(json_build_object('channel', o.channel, 'subject_hash', o.subject_hash)) FROM member_opt_outs o
         WHERE k.hashes <> '' AND o.company_id = k.company_id AND o.subject_hash = ANY(string_to_array(k.hashes, ','))) AS opt_outs,
      (SELECT e.detail FROM case_events e WHERE e.case_id = k.id AND e.reason = 'nudge_held' ORDER BY e.id DESC LIMIT 1) AS hold
    FROM json_to_recordset(${JSON.stringify(input)}::json) AS k(id uuid, company_id text, membership text, payment text, step int, hashes text)`);
  const byId = new Map(keys.map((k) => [k.caseId, k]));
  return new Map(rows.map((r) => {
    const key = byId.get(r.id)!;
    return [r.id, {
      step: key.step,
      endFacts: r.facts ?? [],
      sentForInvoiceStep: r.invoice ?? [],
      optOutsFor: { email: key.email, whopUserId: key.whopUserId },
      optOutRows: (r.opt_outs ?? []).map((o) => ({ channel: o.channel, subjectHash: o.subject_hash })),
      latestHold: readableEventDetail(r.hold),
    }];
  }));
}
