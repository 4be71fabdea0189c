import type { FastifyInstance } from 'fastify';
import type { AppDb } from '../../db/client.ts';
import { presentAdminOverview, presentCompanyList } from '../../presenters/admin-overview.presenter.ts';
import type { Clock } from '../../integrations/clock.ts';
import type { Auth } from '../plugins/auth.ts';
import { useOperatorScope } from '../plugins/company-scope.ts';

/** Operators only (useOperatorScope): every company, intake health, queue lag and dead letters. */
export async function adminRoutes(app: FastifyInstance, deps: { db: AppDb; clock: Clock; auth: Auth }): Promise<void> {
  useOperatorScope(app, deps);
  app.get('/api/companies', async () => presentCompanyList(deps.db, deps.clock.now()));
  app.get('/api/admin/overview', async () => presentAdminOverview(deps.db, deps.clock.now()));
}
