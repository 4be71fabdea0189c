import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import cookie from '@fastify/cookie';
import type { Logger } from 'pino';
import type { PgBoss } from 'pg-boss';
import type { Database } from '../db/client.ts';
import type { Cache } from '../integrations/redis/cache.ts';
import { createWebhookVerifier } from '../integrations/whop/webhook-verifier.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { Clock } from '../integrations/clock.ts';
import { registerErrorHandling } from './errors.ts';
import { RequestLogController } from './request-log-controller.ts';
import { healthRoutes } from './routes/health.ts';
import { unsubscribeRoutes } from './routes/unsubscribe.ts';
import { clickRoutes } from './routes/clicks.ts';
import { saveOfferRoutes } from './routes/save-offers.ts';
import { companySaveRoutes } from './routes/company-saves.ts';
import { adminRoutes } from './routes/admin.ts';
import { reconciliationRoutes } from './routes/reconciliation.ts';
import { authRoutes } from './routes/auth.ts';
import { companyRoutes } from './routes/companies.ts';
import { memberDataRoutes } from './routes/member-data.ts';
import { dashboardPages, notFoundPage } from './routes/dashboard-pages.ts';
import { createAudit } from './plugins/audit.ts';
import { createAuth } from './plugins/auth.ts';
import { registerRateLimits, type RateLimitSettings } from './plugins/rate-limits.ts';
import { registerSecurityHeaders } from './plugins/security-headers.ts';
import type { NudgeDeps } from '../services/nudges/send-nudge.ts';
import type { HealthDeps } from '../services/operators/check-health.ts';
import { companyExists } from '../db/repositories/companies.repository.ts';
import { webhookRoutes } from './routes/webhooks.ts';
import { templateDraftRoutes } from './routes/template-drafts.ts';
import { variantTestRoutes } from './routes/variant-tests.ts';
import type { ChatCompletionsClient } from '../integrations/ai/chat-completions-client.ts';

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
  nudge: NudgeDeps;
  /** Signs operator sessions. */
  sessionSecret: string;
  secureCookies: boolean;
  publicUrl: string;
  verifyCreatorToken: (token: string) => Promise<{ userId: string } | null>;
  isCompanyAdmin: (companyId: string, userId: string) => Promise<boolean>;
  /**
   * Proxies in front of the service whose X-Forwarded-For entry is trusted: 1 behind the ALB (the
   * client ip is the entry the ALB appended), 0 when clients connect directly. Never "trust all":
   * a client could then pick its own ip and escape the per-ip rate limit. Hop counting assumes
   * only the proxy can reach the service (the deployment guide's security group).
   */
  trustProxyHops?: number;
  rateLimits: RateLimitSettings;
  /** /api/health's disk and external checks (runtime.ts); without them health reports database, Redis and memory. */
  health?: Pick<HealthDeps, 'external' | 'disk'>;
  /** AI-drafted copy (OPENROUTER_API_KEY); absent or null = the feature is off. */
  ai?: ChatCompletionsClient | null;
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    // pino's Logger is a FastifyBaseLogger; the cast only widens the instance's logger type.
    loggerInstance: deps.logger as FastifyBaseLogger,
    logController: new RequestLogController(),
    // A function, because Fastify treats a bare hop count as "trust nothing". Address 0 is the
    // socket peer (the ALB), 1 the entry it appended to X-Forwarded-For, and so on.
    trustProxy: trustHops(deps.trustProxyHops ?? 1),
    bodyLimit: 256 * 1024,
    requestIdHeader: 'x-request-id',
    // Unknown fields are rejected (400 naming them), never silently dropped.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: false } },
  });
  const auth = createAuth({
    sessionSecret: deps.sessionSecret,
    secureCookies: deps.secureCookies,
    verifyCreatorToken: deps.verifyCreatorToken,
    isCompanyAdmin: deps.isCompanyAdmin,
    companyExists: (companyId) => companyExists(deps.database.db, companyId),
  });
  // Before any route: the per-client limit attaches to each route as it is added. Signed-in
  // clients count per principal (creators behind Whop's proxy share its addresses), others per ip.
  const limits = await registerRateLimits(app, deps.rateLimits, async (request) => {
    const principal = await auth.principalOf(request);
    return principal === null ? null : principal.kind === 'creator' ? `creator:${principal.userId}` : `operator:${principal.id}`;
  });
  // Unknown paths count against the ip too (scanners), through the same limiter.
  registerErrorHandling(app, { notFoundPreHandler: app.rateLimit(), notFoundPage });
  registerSecurityHeaders(app, {
    // API answers are never framed; dashboard pages override this per route (dashboard-pages.ts).
    contentSecurityPolicy: { directives: { frameAncestors: ["'none'"] } },
    xFrameOptions: { action: 'deny' },
    strictTransportSecurity: { maxAge: 365 * 24 * 3600, includeSubDomains: true },
    referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
    xContentTypeOptions: true,
    // Helmet sends `X-XSS-Protection: 0` (the browser filter caused more harm than it prevented);
    // the header is present, which the deployment guide's compliance check looks for.
    xXssProtection: true,
  });
  await app.register(cookie);
  registerRequestMetrics(app, deps.metrics);
  // JSON only: without the text/plain parser Fastify has, a JSON route answers any other content
  // type 415 unsupported_media_type. The webhook route reads every content type as raw text in its
  // own scope; the one-click unsubscribe accepts the form bodies mail clients send.
  app.removeContentTypeParser('text/plain');

  const { database, boss, clock, metrics, cache } = deps;
  const audit = createAudit({ db: database.db });
  await app.register(webhookRoutes, { db: database.db, boss, clock, metrics, limits, verify: createWebhookVerifier(deps.webhookSecret), maxInFlight: database.kind === 'pglite' ? 1 : 4 });
  await app.register(healthRoutes, {
    metrics,
    health: { sql: database.sql, databaseKind: database.kind, cache, version: deps.version, now: () => clock.now(), ...deps.health },
  });
  await app.register(unsubscribeRoutes, { db: database.db, signingKey: deps.linkSigningKey });
  await app.register(clickRoutes, { db: database.db, signingKey: deps.linkSigningKey, clock });
  await app.register(saveOfferRoutes, { db: database.db, clock, whop: deps.nudge.whop, signingKey: deps.linkSigningKey });
  await app.register(authRoutes, { db: database.db, clock, auth, audit, limits });
  await app.register(adminRoutes, { db: database.db, clock, auth });
  await app.register(reconciliationRoutes, { db: database.db, boss, clock, auth, audit, whopConfigured: deps.nudge.whop !== null });
  await app.register(companyRoutes, { db: database.db, auth, audit, nudge: deps.nudge, publicUrl: deps.publicUrl });
  await app.register(companySaveRoutes, { db: database.db, auth, clock });
  await app.register(templateDraftRoutes, { db: database.db, auth, audit, ai: deps.ai ?? null });
  await app.register(variantTestRoutes, { db: database.db, auth, audit, clock });
  await app.register(memberDataRoutes, { db: database.db, auth, audit, clock });
  await app.register(dashboardPages);
  // Operators land on the admin overview (it asks them to sign in); creators arrive at /dashboard/biz_… from Whop.
  app.get('/', async (_request, reply) => reply.redirect('/admin'));
  return app;
}

function trustHops(hops: number) {
  return (_address: string, hop: number) => hop < hops;
}

/** http_request_duration_seconds{method,route,status_code}, once per response. */
function registerRequestMetrics(app: FastifyInstance, metrics: Metrics): void {
  // A callback hook: an async one costs a promise per request on the webhook hot path.
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unknown';
    metrics.httpRequestDuration.observe({ method: request.method, route, status_code: String(reply.statusCode) }, reply.elapsedTime / 1000);
    done();
  });
}
