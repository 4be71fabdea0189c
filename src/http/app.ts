import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import type { Logger } from 'pino';
import type { PgBoss } from 'pg-boss';
import type { Database } from '../db/client.ts';
import type { Cache } from '../integrations/redis/cache.ts';
import { createWebhookVerifier } from '../integrations/whop/webhook-verifier.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { Clock } from '../services/clock.ts';
import { registerErrorHandling } from './errors.ts';
import { RequestLogController } from './request-log-controller.ts';
import { healthRoutes } from './routes/health.ts';
import { unsubscribeRoutes } from './routes/unsubscribe.ts';
import { adminRoutes } from './routes/admin.ts';
import { authRoutes } from './routes/auth.ts';
import { companyRoutes } from './routes/companies.ts';
import { dashboardPages } from './routes/dashboard-pages.ts';
import { createAuth } from './plugins/auth.ts';
import type { OutreachDeps } from '../services/send-nudge.ts';
import { webhookRoutes } from './routes/webhooks.ts';

export interface AppDeps {
  database: Database;
  boss: PgBoss;
  cache: Cache;
  logger: Logger;
  metrics: Metrics;
  clock: Clock;
  webhookSecret: string;
  /** Key for links we send (unsubscribe). */
  linkSigningKey: string;
  version: string;
  outreach: OutreachDeps;
  /** Signs operator sessions. */
  sessionSecret: string;
  secureCookies: boolean;
  publicUrl: string;
  verifyCreatorToken: (token: string) => Promise<{ userId: string } | null>;
  isCompanyAdmin: (companyId: string, userId: string) => Promise<boolean>;
  /** Behind the ALB: trust X-Forwarded-For for the client ip. */
  trustProxy?: boolean;
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    // pino's Logger is a FastifyBaseLogger; the cast only widens the instance's logger type.
    loggerInstance: deps.logger as FastifyBaseLogger,
    logController: new RequestLogController(),
    trustProxy: deps.trustProxy ?? true,
    bodyLimit: 256 * 1024,
    requestIdHeader: 'x-request-id',
    // Unknown fields are rejected (400 naming them), never silently dropped.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: false } },
  });
  registerErrorHandling(app);
  await app.register(helmet, { contentSecurityPolicy: { directives: { frameAncestors: ["'none'"] } } });
  await app.register(cookie);
  registerRequestMetrics(app, deps.metrics);

  const { database, boss, clock, metrics, cache } = deps;
  await app.register(webhookRoutes, { db: database.db, boss, clock, metrics, verify: createWebhookVerifier(deps.webhookSecret), maxInFlight: database.kind === 'pglite' ? 1 : 4 });
  await app.register(healthRoutes, {
    metrics,
    health: { sql: database.sql, databaseKind: database.kind, cache, version: deps.version, now: () => clock.now() },
  });
  await app.register(unsubscribeRoutes, { db: database.db, signingKey: deps.linkSigningKey });
  const auth = createAuth({ sessionSecret: deps.sessionSecret, secureCookies: deps.secureCookies, verifyCreatorToken: deps.verifyCreatorToken, isCompanyAdmin: deps.isCompanyAdmin });
  await app.register(authRoutes, { db: database.db, clock, auth });
  await app.register(adminRoutes, { db: database.db, clock, auth });
  await app.register(companyRoutes, { db: database.db, auth, outreach: deps.outreach, publicUrl: deps.publicUrl });
  await app.register(dashboardPages);
  // Operators land on the admin overview (it asks them to sign in); creators arrive at /dashboard/biz_… from Whop.
  app.get('/', async (_request, reply) => reply.redirect('/admin'));
  return app;
}

/** http_request_duration_seconds{method,route,status_code}, once per response. */
function registerRequestMetrics(app: FastifyInstance, metrics: Metrics): void {
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unknown';
    metrics.httpRequestDuration.observe({ method: request.method, route, status_code: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });
}
