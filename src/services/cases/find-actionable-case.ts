import type { Queryable } from '../../db/client.ts';
import { findCase } from '../../db/repositories/nudges.repository.ts';
import type { StoredCase } from '../../db/repositories/recovery-cases.repository.ts';
import { isUuid } from '../../domain/is-uuid.ts';

export type ActionRefusal =
  | { ok: false; reason: 'not_found'; message: string }
  | { ok: false; reason: 'case_recovered' | 'case_closed'; message: string };

/**
 * The case an action targets, only if it belongs to `companyId` (another company's case is
 * "not found", never "forbidden") and is still open: actions on recovered or closed cases are refused.
 */
export async function findActionableCase(q: Queryable, companyId: string, caseId: string): Promise<{ ok: true; case: StoredCase } | ActionRefusal> {
  const c = isUuid(caseId) ? await findCase(q, caseId) : null;
  if (!c || c.companyId !== companyId) return { ok: false, reason: 'not_found', message: `no case ${caseId} in this company` };
  if (c.status === 'recovered') return { ok: false, reason: 'case_recovered', message: 'the case is already recovered; nothing to do' };
  if (c.status === 'closed_no_recovery') return { ok: false, reason: 'case_closed', message: 'the case is closed' };
  return { ok: true, case: c };
}
