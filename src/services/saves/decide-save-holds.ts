import type { AppDb } from '../../db/client.ts';
import { listSavesPastHold } from '../../db/repositories/save-cases.repository.ts';
import type { Clock } from '../../integrations/clock.ts';
import { rederiveMembership } from '../cases/record-membership-fact.ts';

/**
 * Saves whose 30-day hold has ended become held or reverted (domain/save-case.ts decides from the
 * membership's facts: a deactivation, a cancel scheduled again, an unpaid renewal or a reversal
 * inside the 30 days reverts it). Facts a webhook never delivered arrive through reconciliation
 * first. Re-derives each membership under its lock; safe to run on any number of workers.
 * Returns how many memberships were re-derived.
 */
export async function decideSaveHolds(deps: { db: AppDb; clock: Clock }, options: { limit?: number } = {}): Promise<number> {
  const now = deps.clock.now();
  const due = await listSavesPastHold(deps.db, now, options.limit ?? 500);
  for (const m of due) await deps.db.transaction((tx) => rederiveMembership(tx, m.companyId, m.whopMembershipId, now));
  return due.length;
}
