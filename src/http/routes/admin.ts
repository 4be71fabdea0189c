import type { FastifyInstance } from 'fastify';
import type { AppDb } from '../../db/client.ts';
import { presentAdminOverview, presentCompanyList } from '../../presenters/admin-overview.presenter.ts';
import type { Clock } from '../../integrations/clock.ts';
import type { Auth } from '../plugins/auth.ts';

/** Operators only: every company, intake health, queue lag and dead letters. */
export async function adminRoutes(app: FastifyInstance, deps: { db: AppDb; clock: Clock; auth: Auth }): Promise<void> {
  app.get('/api/companies', async (request, reply) => {
    if (!(await deps.auth.authorizeOperator(request, reply))) return reply;
    return presentCompanyList(deps.db, deps.clock.now());
  });
  app.get('/api/admin/overview', async (request, reply) => {
    if (!(await deps.auth.authorizeOperator(request, reply))) return reply;
    return presentAdminOverview(deps.db, deps.clock.now());
  });
}
