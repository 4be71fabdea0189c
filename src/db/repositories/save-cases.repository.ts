import { and, asc, eq, sql } from 'drizzle-orm';
import { queryRows, type Queryable } from '../client.ts';
import { saveCases } from '../schema/save-cases.ts';

export type StoredSaveCase = typeof saveCases.$inferSelect;

/** A membership's save cases, oldest first, locked for the caller's transaction. */
export async function lockMembershipSaveCases(q: Queryable, companyId: string, whopMembershipId: string): Promise<StoredSaveCase[]> {
  return q
    .select()
    .from(saveCases)
    .where(and(eq(saveCases.companyId, companyId), eq(saveCases.whopMembershipId, whopMembershipId)))
    .orderBy(asc(saveCases.scheduledAt))
    .for('update');
}

/** One save case of one company; null when it does not exist or belongs to another company. */
export async function findSaveCase(q: Queryable, companyId: string, id: string): Promise<StoredSaveCase | null> {
  const [row] = await q
    .select()
    .from(saveCases)
    .where(and(eq(saveCases.companyId, companyId), eq(saveCases.id, id)))
    .limit(1);
  return row ?? null;
}

/**
 * Claims due offers for `leaseMs` (FOR UPDATE SKIP LOCKED): any number of workers send each offer
 * once; a killed worker's claim lapses after the lease.
 */
export async function claimDueSaveOffers(q: Queryable, now: Date, leaseMs: number, limit: number): Promise<StoredSaveCase[]> {
  const until = new Date(now.getTime() + leaseMs);
  const rows = await queryRows<{ id: string }>(
    q,
    sql`UPDATE save_cases SET offer_claimed_until = ${until}
        WHERE id IN (SELECT id FROM save_cases
                     WHERE offer_due_at <= ${now} AND status = 'open' AND NOT holdout
                       AND (offer_claimed_until IS NULL OR offer_claimed_until < ${now})
                     ORDER BY offer_due_at LIMIT ${limit} FOR UPDATE SKIP LOCKED)
        RETURNING id`,
  );
  if (rows.length === 0) return [];
  return q.select().from(saveCases).where(sql`${saveCases.id} IN (${sql.join(rows.map((r) => sql`${r.id}::uuid`), sql`, `)})`);
}

/** Saves whose 30-day hold has ended and that are not decided yet (the hold sweep re-derives them). */
export async function listSavesPastHold(q: Queryable, now: Date, limit: number): Promise<{ companyId: string; whopMembershipId: string }[]> {
  return queryRows(q, sql`SELECT company_id AS "companyId", whop_membership_id AS "whopMembershipId" FROM save_cases WHERE status = 'saved' AND hold_ends_at <= ${now} ORDER BY hold_ends_at LIMIT ${limit}`);
}
