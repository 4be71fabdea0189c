import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signV1 } from '../support/sign-webhook.ts';
import { BACKEND, createTestDatabase, type TestDatabase } from '../support/test-database.ts';
import { startTestService, waitFor, type TestService } from '../support/test-service.ts';
import { buildWhopEvent } from '../support/whop-fixtures.ts';

describe('health and metrics', () => {
  let database: TestDatabase;
  let service: TestService;
  beforeAll(async () => {
    database = await createTestDatabase();
    service = await startTestService(database);
  });
  afterAll(async () => {
    await service?.stop();
    await database?.close();
  });

  it('GET /api/health answers 200 with the guide’s JSON shape', async () => {
    const response = await fetch(`${service.url}/api/health`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as any;
    expect(body).toMatchObject({ status: 'healthy', version: expect.any(String), timestamp: expect.any(String) });
    expect(new Date(body.timestamp).toString()).not.toBe('Invalid Date');
    for (const name of ['database', 'redis']) {
      expect(body.checks[name]).toMatchObject({ healthy: true, response_time: expect.any(Number), message: expect.any(String) });
    }
    expect(body.checks.redis.message).toMatch(BACKEND === 'pglite' ? /not configured/ : /successful/);
  });

  it('GET /api/health answers 503 unhealthy naming the database when it is gone', async () => {
    const broken = { ...database, sql: { ...database.sql, query: async () => Promise.reject(new Error('connection refused')) } };
    const { checkHealth } = await import('../../src/services/operators/check-health.ts');
    const report = await checkHealth({ sql: broken.sql, databaseKind: database.kind, cache: service.cache, version: 'x', now: () => new Date() });
    expect(report.status).toBe('unhealthy');
    expect(report.checks.database).toMatchObject({ healthy: false, message: expect.stringContaining('connection refused') });
  });

  it('GET /api/metrics exposes the guide’s metric names after traffic', async () => {
    const body = JSON.stringify(buildWhopEvent('payment.failed', { data: { company: { id: 'biz_metrics' }, membership: { id: 'mem_m' } } }));
    expect((await service.post('/api/webhooks/whop', body, signV1(body, service.webhookSecret))).status).toBe(200);
    const text = await waitFor(async () => {
      const t = await (await fetch(`${service.url}/api/metrics`)).text();
      return t.includes('recovery_cases_created_total{') ? t : null;
    }, 15_000, 'case metric');
    expect(text).toContain('churn_saver_process_cpu_user_seconds_total');
    expect(text).toMatch(/http_request_duration_seconds_bucket\{le="0.1",method="POST",route="\/api\/webhooks\/whop",status_code="200"\}/);
    expect(text).toMatch(/webhooks_received_total\{type="payment.failed",outcome="accepted"\} 1/);
    expect(text).toMatch(/recovery_cases_created_total\{risk_level="(low|medium|high)"\} 1/);
    expect(text).toMatch(/database_query_duration_seconds_count\{operation="insert",table="webhook_events"\} [1-9]/);
    expect(text).toMatch(/database_query_duration_seconds_count\{operation="reconcile",table="recovery_cases"\} [1-9]/);
  });
});
