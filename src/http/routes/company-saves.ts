import type { FastifyInstance } from 'fastify';
import type { AppDb } from '../../db/client.ts';
import type { Clock } from '../../integrations/clock.ts';
import { presentSaves } from '../../presenters/saves.presenter.ts';
import type { Auth } from '../plugins/auth.ts';
import { companyParams } from './companies.ts';

/** `GET /api/companies/:companyId/saves?window=30`: the dashboard's "Saves" section, scoped to the company after auth. */
export async function companySaveRoutes(app: FastifyInstance, deps: { db: AppDb; auth: Auth; clock: Clock }): Promise<void> {
  app.get<{ Params: { companyId: string }; Querystring: { window?: number } }>(
    '/api/companies/:companyId/saves',
    { schema: { params: companyParams, querystring: { type: 'object', additionalProperties: false, properties: { window: { type: 'integer', minimum: 1, maximum: 365 } } } } },
    async (request, reply) => {
      if (!(await deps.auth.authorize(request, reply, request.params.companyId))) return reply;
      return presentSaves(deps.db, request.params.companyId, { windowDays: request.query.window ?? 30, now: deps.clock.now() });
    },
  );
}
