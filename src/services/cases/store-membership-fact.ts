import { eq, sql } from 'drizzle-orm';
import { queryRows, type AppTx } from '../../db/client.ts';
import { insertMembershipFact } from '../../db/repositories/membership-facts.repository.ts';
import { membershipFacts } from '../../db/schema/membership-facts.ts';
import type { MembershipFact } from '../../domain/membership-fact.ts';
import { isSameStatusChange, type StatusFactRef } from '../../domain/status-change.ts';
import { SYNTHESIZED_PREFIX } from '../../integrations/whop/synthesized-events.ts';

/**
 * Stores a fact once. Payment facts are one fact per (payment, kind, attempt time), fields a REST
 * read and the delivery carry alike, so the unique index makes a reconciled payment and its late
 * webhook one fact. A membership's status change is different: a REST read gives the membership's
 * current `updated_at`, which any later edit moves, so a reconciled activation or deactivation and
 * the real delivery of the same change may differ in time. A status fact next to one of the same
 * kind, either of them reconciled, is the same change: the delivery's time and event replace the
 * reconciled ones. The caller (record-membership-fact.ts) holds the membership's lock, so the
 * comparison and the insert see the same stored facts. Returns whether a new fact was stored.
 */
export async function storeMembershipFact(tx: AppTx, fact: MembershipFact, options: { synthesized: boolean }): Promise<boolean> {
  if (!isStatusFact(fact)) return insertMembershipFact(tx, fact);
  const rows = await queryRows<{ id: string | number; kind: string; occurred_at: Date | string; webhook_id: string | null }>(tx, sql`
    SELECT f.id, f.kind, f.occurred_at, e.webhook_id
    FROM membership_facts f LEFT JOIN webhook_events e ON e.id = f.webhook_event_id
    WHERE f.company_id = ${fact.companyId} AND f.whop_membership_id = ${fact.whopMembershipId}
      AND f.kind IN ('membership_activated', 'membership_deactivated')
    ORDER BY f.occurred_at, f.id`);
  const existing: StatusFactRef[] = rows.map((r) => ({
    id: Number(r.id),
    kind: r.kind as StatusFactRef['kind'],
    occurredAt: new Date(r.occurred_at),
    synthesized: r.webhook_id?.startsWith(SYNTHESIZED_PREFIX) ?? false,
  }));
  const same = isSameStatusChange(existing, { kind: fact.kind, occurredAt: fact.occurredAt, synthesized: options.synthesized });
  if (!same) return insertMembershipFact(tx, fact);
  // The delivery is the better witness of the change: its time is the change's, not a later edit's.
  if (same.synthesized && !options.synthesized) {
    // Through the query builder: reason is encrypted by its column codec.
    await tx
      .update(membershipFacts)
      .set({ occurredAt: fact.occurredAt, webhookEventId: fact.webhookEventId, ...(fact.reason !== null ? { reason: fact.reason } : {}) })
      .where(eq(membershipFacts.id, same.id));
  }
  return false;
}

/** A membership status change: whether it is new depends on the membership's stored ones. */
export function isStatusFact(fact: MembershipFact): fact is MembershipFact & { kind: 'membership_activated' | 'membership_deactivated' } {
  return fact.kind === 'membership_activated' || fact.kind === 'membership_deactivated';
}
