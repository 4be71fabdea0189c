import type { Logger } from 'pino';
import type { AppDb } from '../../db/client.ts';
import type { Clock } from '../../integrations/clock.ts';
import { ensureAuditPartitions } from '../../services/operators/ensure-audit-partitions.ts';

/** Daily (and at worker start): audit.events partitions for this month and the next three. */
export function ensureAuditPartitionsJob(deps: { db: AppDb; clock: Clock; logger: Logger }) {
  return async (): Promise<void> => {
    const created = await ensureAuditPartitions(deps);
    if (created > 0) deps.logger.info({ created }, 'created audit.events monthly partitions');
  };
}
