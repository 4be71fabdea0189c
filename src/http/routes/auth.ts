import type { FastifyInstance } from 'fastify';
import type { AppDb } from '../../db/client.ts';
import { authenticateOperator } from '../../services/operators/authenticate-operator.ts';
import type { Clock } from '../../integrations/clock.ts';
import { errorBody } from '../errors.ts';
import type { Audit } from '../plugins/audit.ts';
import { actorOf, type Auth } from '../plugins/auth.ts';
import type { RateLimits } from '../plugins/rate-limits.ts';

/** A sign-in body is two short strings. */
const LOGIN_BODY_LIMIT = 8 * 1024;

/** Operator sign-in (the deployment guide's smoke test calls POST /api/auth/login). */
export async function authRoutes(app: FastifyInstance, deps: { db: AppDb; clock: Clock; auth: Auth; audit: Audit; limits: RateLimits }): Promise<void> {
  const { audit } = deps;
  app.post<{ Body: { email: string; password: string } }>(
    '/api/auth/login',
    {
      bodyLimit: LOGIN_BODY_LIMIT,
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
      const email = request.body.email.trim().toLowerCase();
      // The account, never the password: who tried to sign in is what an investigation needs.
      const attempt = { companyId: null, actor: 'anonymous', target: `operator:${email}` } as const;
      // Failures in the window are checked before the password is, so guessing stops here whatever
      // the lockout says; a good sign-in never counts (ten in a row must not lock an operator out).
      const limited = await deps.limits.checkLogin(request, email);
      if (!limited.allowed) {
        await audit(request, { ...attempt, action: 'auth.login_failed', detail: { ok: false, reason: 'rate_limited' } });
        return reply
          .code(429)
          .header('retry-after', String(limited.retryAfterSeconds))
          .send(errorBody('rate_limited', `too many sign-in attempts for this account; try again in ${limited.retryAfterSeconds} s`));
      }
      const result = await authenticateOperator(deps, request.body);
      if (!result.ok) {
        await audit(request, { ...attempt, action: 'auth.login_failed', detail: { ok: false, reason: result.reason } });
        if (result.reason !== 'locked') await deps.limits.countLoginFailure(request, email);
        if (result.reason === 'locked')
          return reply.code(429).header('retry-after', String(result.retryAfterSeconds)).send(errorBody('rate_limited', `too many failed sign-ins; try again in ${result.retryAfterSeconds} s`));
        // The same answer whether or not the email exists.
        return reply.code(401).send(errorBody('unauthorized', 'email or password is wrong'));
      }
      const csrf = await deps.auth.issueSession(reply, result.operator);
      await audit(request, { companyId: null, actor: `operator:${result.operator.email}`, action: 'auth.login', target: `operator:${result.operator.email}`, detail: { ok: true } });
      return { user: { kind: 'operator', email: result.operator.email }, csrf_token: csrf };
    },
  );

  app.post('/api/auth/logout', { bodyLimit: LOGIN_BODY_LIMIT }, async (request, reply) => {
    // Audited only when there was a session to end; signing out twice is not an action.
    const principal = await deps.auth.principalOf(request);
    deps.auth.clearSession(reply);
    if (principal?.kind === 'operator') await audit(request, { companyId: null, actor: actorOf(principal), action: 'auth.logout', target: actorOf(principal), detail: { ok: true } });
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
