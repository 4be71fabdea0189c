import type { AppDb } from '../../db/client.ts';
import { listExpiredOpenCases } from '../../db/repositories/recovery-cases.repository.ts';
import type { Clock } from '../../integrations/clock.ts';
import { rederiveMembership } from './record-membership-fact.ts';

/**
 * Closes open cases whose attribution window has passed (closed_no_recovery), by re-deriving
 * their memberships at `now`. Each membership in its own short transaction; safe to run anywhere.
 * Returns how many memberships were reconciled.
 */
export async function closeExpiredCases(deps: { db: AppDb; clock: Clock }, batchSize = 500): Promise<number> {
  const now = deps.clock.now();
  const expired = await listExpiredOpenCases(deps.db, now, batchSize);
  for (const c of expired) {
    await deps.db.transaction((tx) => rederiveMembership(tx, c.companyId, c.whopMembershipId, now));
  }
  return expired.length;
}
