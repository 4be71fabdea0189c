import Fastify, { type FastifyInstance } from 'fastify';
import type { Job } from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/client.ts';
import { registerErrorHandling } from '../../src/http/errors.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { createMetrics } from '../../src/observability/metrics.ts';
import { flushSentry, initSentry, secretValues } from '../../src/observability/sentry.ts';
import { systemClock } from '../../src/integrations/clock.ts';
import { processWebhookEventsJob } from '../../src/worker/jobs/process-webhook-events.job.ts';
import type { WebhookEventJob } from '../../src/worker/queue.ts';
import { startFakeSentry, type FakeSentry } from '../fakes/sentry.ts';

// The real SDK and its HTTP transport, pointed at a local fake ingest: what an operator's Sentry
// project would receive when SENTRY_DSN is set.
const config = {
  WEBHOOK_SECRET: 'ws_0a1b2c3d4e5f60718293a4b5c6d7e8f9',
  WHOP_API_KEY: 'apik_live_sentry_test_key_42',
  JWT_SECRET: 'jwt-sentry-test-0123456789abcdef0123456789',
  ENCRYPTION_KEY: 'enc-sentry-test-' + 'Z'.repeat(32),
  ADMIN_PASSWORD: 'operator password 2024!',
  SMTP_PASS: 'smtp-sentry-pass',
  DATABASE_URL: 'postgresql://churn:pg-Sentry-Pass@db.internal:5432/churn_saver',
};
const MEMBER_EMAIL = 'member.one@example.com';
const FORBIDDEN = [
  config.WEBHOOK_SECRET, config.WHOP_API_KEY, config.JWT_SECRET, config.ENCRYPTION_KEY, config.ADMIN_PASSWORD, config.SMTP_PASS,
  'pg-Sentry-Pass', MEMBER_EMAIL, 'user-token-eyJ-secret', 'csrf-value-123', 'v1,sig-value', 'session-cookie-value',
];

describe('errors reach Sentry without secrets or member data', () => {
  let sentry: FakeSentry;
  let app: FastifyInstance;
  let url: string;

  beforeAll(async () => {
    sentry = await startFakeSentry();
    expect(await initSentry({ dsn: sentry.dsn, environment: 'production', release: '9.9.9-test', secrets: secretValues(config) })).toBe(true);
    app = Fastify();
    registerErrorHandling(app);
    app.post('/api/boom', async () => {
      throw new Error(`Whop call with ${config.WHOP_API_KEY} for ${MEMBER_EMAIL} failed; db ${config.DATABASE_URL}; jwt ${config.JWT_SECRET}`);
    });
    app.get('/api/missing-thing', async () => {
      throw Object.assign(new Error('no such case'), { statusCode: 404 });
    });
    url = await app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await app?.close();
    await sentry?.close();
  });

  it('a 500 from the HTTP error handler arrives with release, environment and route, and nothing sensitive', async () => {
    const response = await fetch(`${url}/api/boom?email=${encodeURIComponent(MEMBER_EMAIL)}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${config.WHOP_API_KEY}`,
        cookie: 'cs_session=session-cookie-value',
        'x-whop-user-token': 'user-token-eyJ-secret',
        'x-csrf-token': 'csrf-value-123',
        'webhook-signature': 'v1,sig-value',
      },
      body: JSON.stringify({ email: MEMBER_EMAIL, secret: config.WEBHOOK_SECRET, password: config.ADMIN_PASSWORD }),
    });
    expect(response.status).toBe(500);
    const body = (await response.json()) as { error: { code: string; requestId: string } };
    expect(body.error.code).toBe('internal');
    await flushSentry(5000);

    const event = sentry.events().find((e) => (e.tags as Record<string, string> | undefined)?.source === 'http');
    expect(event, `no http event among ${sentry.bodies.length} envelopes`).toBeDefined();
    expect(event).toMatchObject({ environment: 'production', release: '9.9.9-test', tags: { route: '/api/boom', method: 'POST' }, extra: { requestId: body.error.requestId } });
    const exception = (event!.exception as { values: { type: string; value: string }[] }).values[0]!;
    expect(exception.type).toBe('Error');
    expect(exception.value).toBe('Whop call with [redacted] for [email] failed; db postgresql://churn:[redacted]@db.internal:5432/churn_saver; jwt [redacted]');
    for (const envelope of sentry.bodies) for (const value of FORBIDDEN) expect(envelope, `leaked ${value}`).not.toContain(value);
  });

  it('a 4xx is the client’s mistake and is not reported', async () => {
    const before = sentry.events().length;
    expect((await fetch(`${url}/api/missing-thing`)).status).toBe(404);
    await flushSentry(2000);
    expect(sentry.events().length).toBe(before);
  });

  it('a worker job that fails (database unreachable) is reported with its queue and event id', async () => {
    // Nothing listens on port 1: every query fails as in an outage.
    const database = await openDatabase({ databaseUrl: 'postgresql://churn@127.0.0.1:1/unreachable' });
    const logger = createLogger({ level: 'silent', environment: 'test', version: 'test' });
    const job = processWebhookEventsJob({ db: database.db, clock: systemClock, logger, metrics: createMetrics() });
    await expect(job([{ id: 'job-1', name: 'webhook-event-process', data: { eventIds: [4242] } } as Job<WebhookEventJob>])).rejects.toThrow();
    await flushSentry(5000);
    const event = sentry.events().find((e) => (e.tags as Record<string, string> | undefined)?.source === 'worker');
    expect(event).toMatchObject({ tags: { queue: 'webhook-event-process' }, extra: { eventId: 4242 }, release: '9.9.9-test' });
    await database.close();
  });
});
