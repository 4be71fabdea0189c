import type { FastifyInstance } from 'fastify';
import type { PgBoss } from 'pg-boss';
import type { AppDb } from '../../db/client.ts';
import { presentReconciliationRuns, toRunView } from '../../presenters/reconciliation.presenter.ts';
import type { Clock } from '../../integrations/clock.ts';
import { requestReconciliation } from '../../services/reconciliation/request-reconciliation.ts';
import type { Audit } from '../plugins/audit.ts';
import type { Auth } from '../plugins/auth.ts';
import { operatorScopeOf, useOperatorScope } from '../plugins/company-scope.ts';
import { sendResult } from '../send-result.ts';

/** Operators only (useOperatorScope): reconciliation runs with Whop, and "reconcile now" (audited). */
export async function reconciliationRoutes(app: FastifyInstance, deps: { db: AppDb; boss: PgBoss; clock: Clock; auth: Auth; audit: Audit; whopConfigured: boolean }): Promise<void> {
  useOperatorScope(app, deps);
  app.get('/api/admin/reconciliations', async () => presentReconciliationRuns(deps.db));
  app.post('/api/admin/reconciliations', { schema: { body: { anyOf: [{ type: 'object', additionalProperties: false, properties: {} }, { type: 'null' }] } } }, async (request, reply) => {
    const scope = operatorScopeOf(request);
    const result = await requestReconciliation(deps, { operatorEmail: scope.operator.email });
    await scope.audit('whop.reconcile', result.ok ? `reconciliation_run:${result.run.id}` : 'whop', result.ok ? { ok: true, outcome: result.outcome } : { ok: false, reason: result.reason });
    return sendResult(
      reply,
      result,
      (requested) => reply.code(requested.outcome === 'queued' ? 202 : 200).send({ outcome: requested.outcome, run: toRunView(requested.run) }),
      (failed) => ({ reason: failed.reason, message: 'WHOP_API_KEY is not set: there is no Whop to reconcile with' }),
    );
  });
}
