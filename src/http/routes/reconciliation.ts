import type { FastifyInstance } from 'fastify';
import type { PgBoss } from 'pg-boss';
import type { AppDb } from '../../db/client.ts';
import { presentReconciliationRuns, toRunView } from '../../presenters/reconciliation.presenter.ts';
import type { Clock } from '../../integrations/clock.ts';
import { requestReconciliation } from '../../services/reconciliation/request-reconciliation.ts';
import { errorBody } from '../errors.ts';
import type { Audit } from '../plugins/audit.ts';
import { actorOf, type Auth } from '../plugins/auth.ts';

/** Operators only: reconciliation runs with Whop, and "reconcile now" (audited). */
export async function reconciliationRoutes(app: FastifyInstance, deps: { db: AppDb; boss: PgBoss; clock: Clock; auth: Auth; audit: Audit; whopConfigured: boolean }): Promise<void> {
  app.get('/api/admin/reconciliations', async (request, reply) => {
    if (!(await deps.auth.authorizeOperator(request, reply))) return reply;
    return presentReconciliationRuns(deps.db);
  });
  app.post('/api/admin/reconciliations', { schema: { body: { anyOf: [{ type: 'object', additionalProperties: false, properties: {} }, { type: 'null' }] } } }, async (request, reply) => {
    const operator = await deps.auth.authorizeOperator(request, reply);
    if (!operator) return reply;
    const result = await requestReconciliation(deps, { operatorEmail: operator.email });
    if (!result.ok) {
      await deps.audit(request, { companyId: null, actor: actorOf(operator), action: 'whop.reconcile', target: 'whop', detail: { ok: false, reason: result.reason } });
      return reply.code(409).send(errorBody('conflict', 'WHOP_API_KEY is not set: there is no Whop to reconcile with'));
    }
    await deps.audit(request, { companyId: null, actor: actorOf(operator), action: 'whop.reconcile', target: `reconciliation_run:${result.run.id}`, detail: { ok: true, outcome: result.outcome } });
    return reply.code(result.outcome === 'queued' ? 202 : 200).send({ outcome: result.outcome, run: toRunView(result.run) });
  });
}
