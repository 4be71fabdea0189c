import type { Logger } from 'pino';
import type { AppDb } from '../../db/client.ts';
import { archiveOldCases } from '../../services/cases/archive-old-cases.ts';
import { pruneEmptyRollupRows } from '../../db/repositories/kpi-rollups.repository.ts';
import type { Clock } from '../../integrations/clock.ts';

/**
 * Daily: moves finished cases idle for over 2 years (and their timeline, deliveries, incentives and
 * facts) into the archive schema. A run that stops at its batch limit says so; the next run goes on.
 * Then deletes the KPI rollups' all-zero rows (groups that emptied, such as open cases' groups after
 * they closed), which the overview would otherwise read past on every load.
 */
export function archiveOldCasesJob(deps: { db: AppDb; clock: Clock; logger: Logger }) {
  return async (): Promise<void> => {
    const result = await archiveOldCases(deps);
    if (result.memberships > 0 || result.more) deps.logger.info({ ...result }, 'archived cases idle for over 2 years');
    const pruned = await pruneEmptyRollupRows(deps.db);
    if (pruned > 0) deps.logger.info({ rows: pruned }, 'pruned empty KPI rollup rows');
  };
}
