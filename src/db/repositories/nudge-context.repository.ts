import { getTableColumns } from 'drizzle-orm';
import type { Channel } from '../../domain/channels.ts';
import { queryText, type AppDb } from '../client.ts';
import { readableEventDetail } from '../encrypted-text.ts';
import { recoveryCases } from '../schema/recovery-cases.ts';
import { NUDGE_LEASE_MS, type StoredCase } from './nudges.repository.ts';
import { END_FACT_KINDS, type MembershipEndFact } from './contact-history.repository.ts';
import { nudgeOutcomeCtes, nudgeOutcomeParams, type NudgeOutcome } from './step-deliveries.repository.ts';

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
 * `after`: the previous round's end (its outcomes, written by nudgeOutcomeCtes as CTEs of the
 * same statement), so releasing those cases and claiming the next is one commit (never more than
 * one round held); `except`: that round's cases (their rows are the CTEs' to update). The text
 * never changes: a named prepared statement where the pool owns its sessions (queryText).
 */
export async function claimRound(db: AppDb, now: Date, limit: number, leaseMs = NUDGE_LEASE_MS, after: { outcomes: readonly NudgeOutcome[]; except: readonly string[] } = { outcomes: [], except: [] }): Promise<ClaimedRound> {
  const at = now.toISOString();
  type Row = Record<string, unknown> & { ctx_facts: MembershipEndFact[] | null; ctx_invoice: { step: number; channel: Channel }[] | null; ctx_hold: Record<string, unknown> | null };
  const rows = await queryText<Row>(db, 'claim_nudge_round', CLAIM_ROUND, [
    ...nudgeOutcomeParams(after.outcomes), at, after.except.join(','), limit, new Date(now.getTime() + leaseMs).toISOString(),
  ]);
  const cases = rows.map((r) => {
    const c: Record<string, unknown> = {};
    for (const [key, column] of CASE_COLUMNS) {
      const raw = r[column.name];
      c[key] = raw === null || raw === undefined ? null : column.mapFromDriverValue(raw);
    }
    return c as StoredCase;
  });
  return {
    cases,
    contexts: new Map(rows.map((r, i) => [cases[i]!.id, { endFacts: r.ctx_facts ?? [], sentForInvoice: r.ctx_invoice ?? [], latestHold: readableEventDetail(r.ctx_hold) }])),
  };
}

const CASE_COLUMNS = Object.entries(getTableColumns(recoveryCases));

/**
 * $1-$3 the previous round's outcomes (nudgeOutcomeCtes; empty arrays when none), $4 now, $5 the
 * previous round's case ids (comma-separated, '' for none), $6 the limit, $7 the lease's end.
 */
const CLAIM_ROUND = `
  WITH ${nudgeOutcomeCtes(1)}, due AS (
    SELECT id FROM recovery_cases
    WHERE status = 'open' AND next_nudge_at <= $4::timestamptz AND (nudge_claimed_until IS NULL OR nudge_claimed_until < $4::timestamptz)
      AND id <> ALL(string_to_array($5::text, ',')::uuid[])
    ORDER BY next_nudge_at LIMIT $6::int FOR UPDATE SKIP LOCKED
  )
  UPDATE recovery_cases c SET nudge_claimed_until = $7::timestamptz FROM due WHERE c.id = due.id
  RETURNING c.*,
    (SELECT json_agg(f) FROM (SELECT kind, cancelation_status FROM membership_facts
       WHERE company_id = c.company_id AND whop_membership_id = c.whop_membership_id AND kind IN (${END_FACT_KINDS})
       ORDER BY occurred_at DESC, id DESC LIMIT 20) f) AS ctx_facts,
    (SELECT json_agg(DISTINCT jsonb_build_object('step', d.step, 'channel', d.channel)) FROM deliveries d JOIN recovery_cases o ON o.id = d.case_id
       WHERE c.whop_payment_id IS NOT NULL AND o.company_id = c.company_id AND d.company_id = c.company_id AND o.whop_payment_id = c.whop_payment_id
         AND o.id <> c.id AND d.status IN ('sent', 'sending', 'unknown')) AS ctx_invoice,
    (SELECT e.detail FROM case_events e WHERE e.case_id = c.id AND e.reason = 'nudge_held' ORDER BY e.id DESC LIMIT 1) AS ctx_hold`;
