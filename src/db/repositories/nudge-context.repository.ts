import { getTableColumns, sql, type SQL } from 'drizzle-orm';
import type { Channel } from '../../domain/channels.ts';
import { queryRows, type Queryable } from '../client.ts';
import { readableEventDetail } from '../encrypted-text.ts';
import { recoveryCases } from '../schema/recovery-cases.ts';
import { NUDGE_LEASE_MS, type StoredCase } from './nudges.repository.ts';
import { END_FACT_KINDS, type MembershipEndFact } from './contact-history.repository.ts';

/**
 * What sending a claimed case's step reads about its member, read with the claim of the round
 * (claimRound, one statement) instead of three queries per nudge: the membership's end facts (isMembershipEnded), the channels
 * another case of the same payment already carried this step on (listChannelsSentForInvoiceStep)
 * and the latest hold row. (The member's opt-outs are read with the step's start: Whop names the member first.)
 */
export interface NudgeContext {
  step: number;
  endFacts: MembershipEndFact[];
  sentForInvoiceStep: Channel[];
  latestHold: Record<string, unknown> | null;
}

/** What claimRound returns per case, before its step is known (the payment's channels for every step). */
export interface ClaimedContext {
  endFacts: MembershipEndFact[];
  sentForInvoice: { step: number; channel: Channel }[];
  latestHold: Record<string, unknown> | null;
}

/** The context for the step the case is at. */
export function contextForStep(claimed: ClaimedContext, step: number): NudgeContext {
  return { step, endFacts: claimed.endFacts, sentForInvoiceStep: [...new Set(claimed.sentForInvoice.filter((s) => s.step === step).map((s) => s.channel))], latestHold: claimed.latestHold };
}

export type ClaimedRound = { cases: StoredCase[]; contexts: Map<string, ClaimedContext> };

/**
 * claimDueCases and the round's context in ONE statement: up to `limit` open cases whose next
 * nudge is due, earliest first, for this worker only (rows locked by another worker are skipped,
 * claimed rows carry a lease), each with what the contact policy reads about its member.
 * `after`: the previous round's end (nudgeOutcomeWrites), run as CTEs of the same statement, so
 * releasing those cases and claiming the next is one commit (never more than one round held);
 * `except`: that round's cases (their rows are the CTEs' to update).
 */
export async function claimRound(q: Queryable, now: Date, limit: number, leaseMs = NUDGE_LEASE_MS, after: { writes: SQL[]; except: string[] } = { writes: [], except: [] }): Promise<ClaimedRound> {
  const at = now.toISOString();
  const previous = after.writes.map((b, i) => sql`${sql.raw(`w${i}`)} AS (${b}), `);
  const except = after.except.length > 0 ? sql`AND id NOT IN (${sql.join(after.except.map((id) => sql`${id}::uuid`), sql`, `)})` : sql``;
  type Row = Record<string, unknown> & { ctx_facts: MembershipEndFact[] | null; ctx_invoice: { step: number; channel: Channel }[] | null; ctx_hold: Record<string, unknown> | null };
  const rows = await queryRows<Row>(q, sql`
    WITH ${sql.join(previous, sql``)}due AS (
      SELECT id FROM recovery_cases
      WHERE status = 'open' AND next_nudge_at <= ${at}::timestamptz AND (nudge_claimed_until IS NULL OR nudge_claimed_until < ${at}::timestamptz) ${except}
      ORDER BY next_nudge_at LIMIT ${limit} FOR UPDATE SKIP LOCKED
    )
    UPDATE recovery_cases c SET nudge_claimed_until = ${new Date(now.getTime() + leaseMs).toISOString()}::timestamptz FROM due WHERE c.id = due.id
    RETURNING c.*,
      (SELECT json_agg(f) FROM (SELECT kind, cancelation_status FROM membership_facts
         WHERE company_id = c.company_id AND whop_membership_id = c.whop_membership_id AND kind IN (${sql.raw(END_FACT_KINDS)})
         ORDER BY occurred_at DESC, id DESC LIMIT 20) f) AS ctx_facts,
      (SELECT json_agg(DISTINCT jsonb_build_object('step', d.step, 'channel', d.channel)) FROM deliveries d JOIN recovery_cases o ON o.id = d.case_id
         WHERE c.whop_payment_id IS NOT NULL AND o.company_id = c.company_id AND d.company_id = c.company_id AND o.whop_payment_id = c.whop_payment_id
           AND o.id <> c.id AND d.status IN ('sent', 'sending', 'unknown')) AS ctx_invoice,
      (SELECT e.detail FROM case_events e WHERE e.case_id = c.id AND e.reason = 'nudge_held' ORDER BY e.id DESC LIMIT 1) AS ctx_hold`);
  const columns = Object.entries(getTableColumns(recoveryCases));
  const cases = rows.map((r) => Object.fromEntries(columns.map(([key, column]) => {
    const raw = r[column.name];
    return [key, raw === null || raw === undefined ? null : column.mapFromDriverValue(raw)];
  })) as StoredCase);
  return {
    cases,
    contexts: new Map(rows.map((r, i) => [cases[i]!.id, { endFacts: r.ctx_facts ?? [], sentForInvoice: r.ctx_invoice ?? [], latestHold: readableEventDetail(r.ctx_hold) }])),
  };
}
