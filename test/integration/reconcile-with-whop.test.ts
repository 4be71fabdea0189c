import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServiceWithWhop, type ServiceWithWhop } from '../support/service-with-whop.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-database.ts';
import { newWebhookSecret } from '../support/sign-webhook.ts';
import { waitFor } from '../support/test-service.ts';
import {
  caseKeys, countStory, deliver, expectedCases, holdMissedStory, knownFailureEvent, lateWebhooks, missedStory, waitUntilProcessed,
} from '../support/reconciliation.ts';

const OPERATOR = { email: 'ops@churnsaver.test', password: 'a-long-enough-password' };

// Both endpoint generations: the pin decides the list dialect (company_id + statuses[] / account_id + status) and
// whether payments name their membership as a nested object or a bare id.
describe.each(['2026-07-20', '2026-09-15'])('reconciliation with Whop (admin page trigger), API version %s', (apiVersion) => {
  let database: TestDatabase;
  let env: ServiceWithWhop;
  const secret = newWebhookSecret();
  const story = missedStory('biz_recon', 'r');
  let session: { cookie: string; csrf: string };

  const api = async (path: string, init: { method?: string; headers?: Record<string, string>; body?: unknown } = {}) => {
    const response = await fetch(`${env.service.url}${path}`, {
      method: init.method ?? 'GET',
      headers: { ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}), ...init.headers },
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    });
    const text = await response.text();
    return { status: response.status, json: text ? JSON.parse(text) : null, headers: response.headers };
  };
  const reconcileNow = async () => {
    const asked = await api('/api/admin/reconciliations', { method: 'POST', headers: { cookie: session.cookie, 'x-csrf-token': session.csrf }, body: {} });
    expect(asked.status).toBe(202);
    const runId = asked.json.run.id;
    return waitFor(async () => {
      const runs = (await api('/api/admin/reconciliations', { headers: { cookie: session.cookie } })).json.runs as { id: number; status: string }[];
      const run = runs.find((r) => r.id === runId);
      return run && (run.status === 'succeeded' || run.status === 'failed') ? run : null;
    }, 30_000, 'the reconciliation run to finish') as Promise<Record<string, any>>;
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    env = await startServiceWithWhop(database, { WEBHOOK_SECRET: secret, ADMIN_EMAIL: OPERATOR.email, ADMIN_PASSWORD: OPERATOR.password, RECONCILE_ON_START: 'false', WHOP_API_VERSION: apiVersion });
    const login = await api('/api/auth/login', { method: 'POST', body: OPERATOR });
    session = { cookie: login.headers.get('set-cookie')!.split(';')[0]!, csrf: login.json.csrf_token };
    // Before the outage: the company is known from a delivery that opened one member's case.
    expect(await deliver(env.service.url, secret, knownFailureEvent(story))).toBe(200);
    await waitUntilProcessed(database.sql);
  });
  afterAll(async () => {
    await env?.service.stop();
    await env?.whop.close();
    await database?.close();
  });

  it('payments and memberships no webhook announced become cases once; the late webhooks and a second run change nothing', async () => {
    holdMissedStory(env.whop, story);
    const run = await reconcileNow();
    expect(run).toMatchObject({ status: 'succeeded', trigger: 'operator', requested_by: OPERATOR.email, companies_total: 1, companies_done: 1, events_stored: 3 });
    await waitUntilProcessed(database.sql);
    const afterRun = await countStory(database.sql, story);
    expect(caseKeys(afterRun)).toEqual(expectedCases(story));
    // Whop was asked by company, status and time, page by page.
    const paymentsCall = env.whop.callsTo('GET', '/payments')[0]!;
    const scope = apiVersion === '2026-07-20' ? (c: { query: Record<string, unknown> }) => [c.query.company_id, c.query['statuses[]']] : (c: { query: Record<string, unknown> }) => [c.query.account_id, c.query.status];
    expect(env.whop.callsTo('GET', '/payments').map(scope)).toEqual([[story.companyId, 'open'], [story.companyId, 'paid']]);
    expect(Date.parse(String(paymentsCall.query.updated_after))).toBeLessThan(Date.parse(story.failed.at));

    // The deliveries Whop could not make arrive late, one of them twice (a retry).
    const late = lateWebhooks(env.whop, story);
    for (const body of [...late, late[2]!]) expect(await deliver(env.service.url, secret, body)).toBe(200);
    await waitUntilProcessed(database.sql);
    const afterLate = await countStory(database.sql, story);
    expect(afterLate.cases).toEqual(afterRun.cases);
    expect(afterLate.facts).toEqual(afterRun.facts);
    // The cancellation is one fact, now at the time the delivery gives (the read only knew a later edit).
    expect(afterLate.churnedFactAt).toBe(story.churned.canceledAt);

    const again = await reconcileNow();
    expect(again).toMatchObject({ status: 'succeeded', events_stored: 0 });
    // It read from where the first run started, minus the 30-minute overlap, not from the lookback.
    const secondRead = env.whop.callsTo('GET', '/payments').at(-1)!;
    expect(Date.parse(String(secondRead.query.updated_after))).toBe(Date.parse(run.started_at) - 30 * 60_000);
    await waitUntilProcessed(database.sql);
    expect(await countStory(database.sql, story)).toEqual(afterLate);

    const metrics = await (await fetch(`${env.service.url}/api/metrics`)).text();
    expect(metrics).toMatch(/reconciliation_events_total\{type="payment.failed",outcome="stored"\} 1/);
    expect(metrics).toMatch(/reconciliation_runs_total\{trigger="operator",status="succeeded"\} 2/);
  });

  it('a company whose list Whop refuses keeps its cursor and shows the error; the run is marked failed', async () => {
    const { rows: before } = await database.sql.query<{ reconciled_through: Date }>(`SELECT reconciled_through FROM reconciliation_cursors WHERE company_id = $1`, [story.companyId]);
    env.whop.failNext('GET /payments', [{ status: 403, body: { error: { type: 'forbidden', message: 'payment:basic:read missing' } } }]);
    const run = await reconcileNow();
    expect(run.status).toBe('failed');
    expect(run.error).toContain(story.companyId);
    expect(run.error).toContain('payment:basic:read missing');
    const { rows: after } = await database.sql.query<{ reconciled_through: Date; last_error: string }>(`SELECT reconciled_through, last_error FROM reconciliation_cursors WHERE company_id = $1`, [story.companyId]);
    expect(new Date(after[0]!.reconciled_through).toISOString()).toBe(new Date(before[0]!.reconciled_through).toISOString());
    expect(after[0]!.last_error).toContain('403');
  });

  it('only operators reach it: no session is 401, a missing CSRF token 403; each request is audited', async () => {
    expect((await api('/api/admin/reconciliations', { method: 'POST', body: {} })).status).toBe(401);
    expect((await api('/api/admin/reconciliations', { method: 'POST', headers: { cookie: session.cookie }, body: {} })).status).toBe(403);
    expect((await api('/api/admin/reconciliations', { method: 'POST', headers: { cookie: session.cookie, 'x-csrf-token': session.csrf }, body: { company: 'x' } })).status).toBe(400);
    const { rows } = await database.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit.events WHERE action = 'whop.reconcile' AND actor LIKE $1`, [`%${OPERATOR.email}%`]);
    expect(Number(rows[0]!.n)).toBeGreaterThanOrEqual(3);
  });
});
