import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
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
  });
  registerErrorHandling(app);
  await app.register(helmet, { contentSecurityPolicy: { directives: { frameAncestors: ["'none'"] } } });
  registerRequestMetrics(app, deps.metrics);

  const { database, boss, clock, metrics, cache } = deps;
  await app.register(webhookRoutes, { db: database.db, boss, clock, metrics, verify: createWebhookVerifier(deps.webhookSecret), maxInFlight: database.kind === 'pglite' ? 1 : 4 });
  await app.register(healthRoutes, {
    metrics,
    health: { sql: database.sql, databaseKind: database.kind, cache, version: deps.version, now: () => clock.now() },
  });
  await app.register(unsubscribeRoutes, { db: database.db, signingKey: deps.linkSigningKey });
  app.get('/', async (_request, reply) =>
    reply.send({
      service: 'churn-saver',
      version: deps.version,
      webhook_url: '/api/webhooks/whop',
      health: '/api/health',
      metrics: '/api/metrics',
    }),
  );
  return app;
}

/** http_request_duration_seconds{method,route,status_code}, once per response. */
function registerRequestMetrics(app: FastifyInstance, metrics: Metrics): void {
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unknown';
    metrics.httpRequestDuration.observe({ method: request.method, route, status_code: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });
}
