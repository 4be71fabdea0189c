import type { FastifyInstance } from 'fastify';
import type { AppDb } from '../../db/client.ts';
import { authenticateOperator } from '../../services/authenticate-operator.ts';
import type { Clock } from '../../services/clock.ts';
import { errorBody } from '../errors.ts';
import type { Auth } from '../plugins/auth.ts';

/** Operator sign-in (the deployment guide's smoke test calls POST /api/auth/login). */
export async function authRoutes(app: FastifyInstance, deps: { db: AppDb; clock: Clock; auth: Auth }): Promise<void> {
  app.post<{ Body: { email: string; password: string } }>(
    '/api/auth/login',
    {
      schema: {
        body: {
          type: 'object',
          required: ['email', 'password'],
          additionalProperties: false,
          properties: { email: { type: 'string', minLength: 3, maxLength: 320 }, password: { type: 'string', minLength: 1, maxLength: 1000 } },
        },
      },
    },
    async (request, reply) => {
      const result = await authenticateOperator(deps, request.body);
      if (!result.ok) {
        if (result.reason === 'locked')
          return reply.code(429).header('retry-after', String(result.retryAfterSeconds)).send(errorBody('rate_limited', `too many failed sign-ins; try again in ${result.retryAfterSeconds} s`));
        // The same answer whether or not the email exists.
        return reply.code(401).send(errorBody('unauthorized', 'email or password is wrong'));
      }
      const csrf = await deps.auth.issueSession(reply, result.operator);
      return { user: { kind: 'operator', email: result.operator.email }, csrf_token: csrf };
    },
  );

  app.post('/api/auth/logout', async (_request, reply) => {
    deps.auth.clearSession(reply);
    return reply.code(204).send();
  });

  app.get('/api/auth/me', async (request, reply) => {
    const principal = await deps.auth.principalOf(request);
    if (!principal) return reply.code(401).send(errorBody('unauthorized', 'not signed in'));
    return principal.kind === 'operator'
      ? { kind: 'operator', email: principal.email, csrf_token: principal.csrf }
      : { kind: 'creator', user_id: principal.userId };
  });
}
