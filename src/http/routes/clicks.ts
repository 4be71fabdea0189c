import type { FastifyInstance } from 'fastify';
import type { AppDb } from '../../db/client.ts';
import type { Clock } from '../../integrations/clock.ts';
import { recordClick } from '../../services/nudges/record-click.ts';
import { errorBody } from '../errors.ts';

/** `GET|HEAD /r?t=<token>`: a tracked link in a nudge. Records the click, then forwards (302). */
export async function clickRoutes(app: FastifyInstance, deps: { db: AppDb; signingKey: string; clock: Clock }): Promise<void> {
  const schema = { querystring: { type: 'object', required: ['t'], properties: { t: { type: 'string', minLength: 10, maxLength: 4000 } } } } as const;
  // exposeHeadRoute is off so a HEAD (a link scanner's probe) is recorded as such, not as a GET.
  for (const method of ['GET', 'HEAD'] as const)
    app.route<{ Querystring: { t: string } }>({
      method,
      url: '/r',
      schema,
      exposeHeadRoute: false,
      handler: async (request, reply) => {
        const result = await recordClick(deps, { token: request.query.t, method, userAgent: request.headers['user-agent'], now: deps.clock.now() });
        if (!result.ok) return reply.code(400).send(errorBody('bad_request', 'token: not a valid link'));
        return reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer').redirect(result.to, 302);
      },
    });
}
