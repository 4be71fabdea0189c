import type { FastifyInstance } from 'fastify';
import type { PgBoss } from 'pg-boss';
import type { AppDb } from '../../db/client.ts';
import type { createWebhookVerifier } from '../../integrations/whop/webhook-verifier.ts';
import type { Metrics } from '../../observability/metrics.ts';
import type { Clock } from '../../integrations/clock.ts';
import { companyIdOfDelivery, createWebhookIntake } from '../../services/webhooks/webhook-intake.ts';
import { errorBody } from '../errors.ts';
import type { RateLimits } from '../plugins/rate-limits.ts';

export const WEBHOOK_BODY_LIMIT = 1024 * 1024;

export interface WebhookRouteDeps {
  db: AppDb;
  boss: PgBoss;
  clock: Clock;
  metrics: Metrics;
  verify: ReturnType<typeof createWebhookVerifier>;
  /** Intake transactions at once (1 on PGlite, its single connection). */
  maxInFlight: number;
  limits: RateLimits;
}

/**
 * POST /api/webhooks/whop: verify the signature over the raw bytes, store, enqueue, answer.
 * Over 1 MiB is refused by the body parser (413) before any database work. Besides the per-ip
 * limit every route has, verified deliveries are limited per company (429 with Retry-After: Whop retries).
 */
export async function webhookRoutes(app: FastifyInstance, deps: WebhookRouteDeps): Promise<void> {
  // The signature covers the exact bytes, so this route reads any content type as a raw string.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: WEBHOOK_BODY_LIMIT }, (_req, body, done) => done(null, body));

  const ingestWebhook = createWebhookIntake(deps, { maxInFlight: deps.maxInFlight });
  // No per-ip limit here: Whop delivers every company's events from a few addresses, so an ip limit
  // would throttle all creators together. Unsigned requests are refused before any database work;
  // verified ones count against their company's limit; the WAF keeps the outer bound.
  app.post('/api/webhooks/whop', { bodyLimit: WEBHOOK_BODY_LIMIT, config: { rateLimit: false } }, async (request, reply) => {
    const rawBody = typeof request.body === 'string' ? request.body : '';
    const verified = deps.verify(rawBody, request.headers);
    if (!verified.ok) {
      deps.metrics.webhooksReceived.inc({ type: 'unknown', outcome: 'rejected' });
      const status = verified.code === 'invalid_signature' ? 401 : 400;
      return reply.code(status).send(errorBody(verified.code, verified.message));
    }
    // Only a verified delivery counts against its company's quota: the body names the company,
    // and an unsigned body could name anyone's.
    const limited = await deps.limits.checkCompanyWebhook(request, companyIdOfDelivery(verified.body));
    if (!limited.allowed) {
      deps.metrics.webhooksReceived.inc({ type: 'unknown', outcome: 'rate_limited' });
      return reply
        .code(429)
        .header('retry-after', String(limited.retryAfterSeconds))
        .send(errorBody('rate_limited', `too many deliveries for this company; retry in ${limited.retryAfterSeconds} s`));
    }
    let result;
    try {
      result = await ingestWebhook({ webhookId: verified.webhookId, apiVersion: verified.apiVersion, rawBody, body: verified.body });
    } catch (error) {
      // Not stored: 503 makes Whop retry (10 s, 20 s, 40 s).
      request.log.error({ err: error }, 'webhook could not be stored');
      deps.metrics.webhooksReceived.inc({ type: 'unknown', outcome: 'failed' });
      return reply.code(503).header('retry-after', '10').send(errorBody('unavailable', 'the event could not be stored; retry later'));
    }
    if (!result.ok) {
      deps.metrics.webhooksReceived.inc({ type: 'unknown', outcome: 'rejected' });
      return reply.code(400).send(errorBody('invalid_body', result.message));
    }
    deps.metrics.webhooksReceived.inc({ type: result.type, outcome: result.outcome });
    if (result.outcome === 'duplicate') return reply.code(200).send({ received: true, duplicate: true });
    return reply.code(200).send({ received: true, id: result.eventId, ignored: result.outcome === 'ignored' });
  });
}
