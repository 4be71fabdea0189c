import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WhopApiFake } from '../fakes/whop-api.ts';
import { signV1 } from '../support/sign-webhook.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-database.ts';
import { startServiceWithWhop } from '../support/service-with-whop.ts';
import { waitFor, type TestService } from '../support/test-service.ts';
import { buildWhopEvent } from '../support/whop-fixtures.ts';
import type { createWhopTokenIssuer } from '../support/whop-user-token.ts';
import { readResponse } from '../support/read-response.ts';
import { withoutControlGroup } from '../support/no-control-group.ts';

const OPERATOR = { email: 'ops@churnsaver.test', password: 'correct horse battery staple' };

describe('dashboard API', () => {
  let database: TestDatabase;
  let service: TestService;
  let whop: WhopApiFake;
  let issuer: Awaited<ReturnType<typeof createWhopTokenIssuer>>;
  let ownerA: string;
  let ownerB: string;

  const api = async (path: string, init: { method?: string; headers?: Record<string, string>; body?: unknown } = {}) => {
    const response = await fetch(`${service.url}${path}`, {
      method: init.method ?? 'GET',
      headers: { ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}), ...init.headers },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      redirect: 'manual',
    });
    return readResponse(response);
  };
  const as = (token: string) => ({ 'x-whop-user-token': token });

  async function fail(companyId: string, membershipId: string, extra: Record<string, unknown> = {}) {
    const body = JSON.stringify(buildWhopEvent('payment.failed', { company_id: companyId, data: { id: `pay_${membershipId}`, company: { id: companyId }, membership: { id: membershipId }, last_payment_attempt: new Date(Date.now() - 3_600_000).toISOString(), ...extra } }));
    expect((await service.post('/api/webhooks/whop', body, signV1(body, service.webhookSecret))).status).toBe(200);
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    // Every case here is nudged on demand: no control group (10 % of members by default).
    await withoutControlGroup(database.sql, ['biz_dash_a', 'biz_dash_b']);
    ({ service, whop, issuer } = await startServiceWithWhop(database, {
      ADMIN_EMAIL: OPERATOR.email,
      ADMIN_PASSWORD: OPERATOR.password,
      JWT_SECRET: 'a-test-jwt-secret-that-is-long-enough-1234',
    }));
    whop.setAccess('user_owner_a', 'biz_dash_a', 'admin');
    whop.setAccess('user_owner_b', 'biz_dash_b', 'admin');
    whop.setAccess('user_member', 'biz_dash_a', 'customer');
    ownerA = await issuer.token('user_owner_a');
    ownerB = await issuer.token('user_owner_b');
    whop.setExperience('exp_dash_a', { company: { id: 'biz_dash_a', route: 'a', title: 'A' }, products: [{ id: 'prod_dash_a', route: 'a', title: 'A' }] as never });
    for (let i = 0; i < 7; i++) whop.setMembership(`mem_a${i}`, { company: { id: 'biz_dash_a', title: 'A' }, product: { id: 'prod_dash_a', title: 'A', metadata: {} }, user: { id: `user_a${i}`, username: `a${i}`, name: `A ${i}`, email: `a${i}@example.test` } });
    for (let i = 0; i < 7; i++) await fail('biz_dash_a', `mem_a${i}`, { total: 10 + i, user: { id: `user_a${i}`, email: `a${i}@example.test`, name: i === 0 ? '=HYPERLINK("http://evil.test","x")' : `A ${i}` } });
    await fail('biz_dash_b', 'mem_b0', { user: { id: 'user_b0', email: 'b0@example.test' } });
    await waitFor(async () => {
      const { rows } = await database.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM recovery_cases`);
      return rows[0]!.n === 8;
    }, 20_000, 'cases');
  });
  afterAll(async () => {
    await service?.stop();
    await whop?.close();
    await database?.close();
  });

  describe('authentication and tenant isolation', () => {
    it.each(['/api/companies/biz_dash_a/kpis', '/api/companies/biz_dash_a/cases', '/api/companies/biz_dash_a/settings', '/api/companies', '/api/admin/overview'])(
      'without credentials %s answers 401',
      async (path) => {
        const response = await api(path);
        expect(response.status).toBe(401);
        expect(response.json.error.code).toBe('unauthorized');
      },
    );

    it('a creator who is admin of the company sees its KPIs and cases', async () => {
      const kpis = await api('/api/companies/biz_dash_a/kpis', { headers: as(ownerA) });
      expect(kpis.status).toBe(200);
      expect(kpis.json).toMatchObject({ cases_opened: 7, deciding: 7, money: [{ currency: 'usd' }] });
      const cases = await api('/api/companies/biz_dash_a/cases', { headers: as(ownerA) });
      expect(cases.json.cases).toHaveLength(7);
    });

    it.each([
      '/api/companies/biz_dash_b/kpis',
      '/api/companies/biz_dash_b/cases',
      '/api/companies/biz_dash_b/settings',
      '/api/companies/biz_dash_b/cases.csv',
    ])('a creator of another company gets 404 for %s', async (path) => {
      const response = await api(path, { headers: as(ownerA) });
      expect(response.status).toBe(404);
      expect(response.text).not.toContain('mem_b0');
    });

    it.each([
      ['POST', '/api/companies/biz_dash_b/member-data/exports', { user_id: 'user_b0' }],
      ['POST', '/api/companies/biz_dash_b/member-data/erasures', { user_id: 'user_b0', confirm: true }],
      ['POST', '/api/companies/biz_dash_b/member-data/opt-outs', { user_id: 'user_b0', channels: ['push'] }],
      ['GET', '/api/companies/biz_dash_b/member-data/erasures', undefined],
      ['GET', '/api/companies/biz_dash_b/member-data/exports/00000000-0000-4000-8000-000000000000', undefined],
      ['PUT', '/api/companies/biz_dash_b/settings', { attribution_window_days: 3 }],
    ] as const)('a creator of another company gets 404 for %s %s, and nothing about that company changes', async (method, path, body) => {
      const before = await database.sql.query(`SELECT (SELECT count(*) FROM recovery_cases WHERE company_id = 'biz_dash_b' AND whop_user_id = 'user_b0')::int AS cases,
        (SELECT count(*) FROM member_opt_outs WHERE company_id = 'biz_dash_b')::int AS opt_outs, (SELECT count(*) FROM company_settings WHERE company_id = 'biz_dash_b')::int AS settings`);
      const response = await api(path, { method, headers: as(ownerA), ...(body ? { body } : {}) });
      expect(response.status).toBe(404);
      expect(response.text).not.toContain('user_b0');
      const after = await database.sql.query(`SELECT (SELECT count(*) FROM recovery_cases WHERE company_id = 'biz_dash_b' AND whop_user_id = 'user_b0')::int AS cases,
        (SELECT count(*) FROM member_opt_outs WHERE company_id = 'biz_dash_b')::int AS opt_outs, (SELECT count(*) FROM company_settings WHERE company_id = 'biz_dash_b')::int AS settings`);
      expect(after.rows).toEqual(before.rows);
    });

    it('a spoofed x-company-id header or a member (customer) token gives no access', async () => {
      expect((await api('/api/companies/biz_dash_b/cases', { headers: { ...as(ownerA), 'x-company-id': 'biz_dash_b', 'x-whop-company-id': 'biz_dash_b' } })).status).toBe(404);
      expect((await api('/api/companies/biz_dash_a/cases', { headers: as(await issuer.token('user_member')) })).status).toBe(404);
    });

    it('another company’s case under this company’s path is not found, and actions on it change nothing', async () => {
      const caseB = (await database.sql.query<{ id: string }>(`SELECT id FROM recovery_cases WHERE company_id = 'biz_dash_b'`)).rows[0]!.id;
      expect((await api(`/api/companies/biz_dash_a/cases/${caseB}`, { headers: as(ownerA) })).status).toBe(404);
      expect((await api(`/api/companies/biz_dash_a/cases/${caseB}/cancel`, { method: 'POST', headers: as(ownerA), body: {} })).status).toBe(404);
      const { rows } = await database.sql.query<{ status: string }>(`SELECT status FROM recovery_cases WHERE id = $1`, [caseB]);
      expect(rows[0]!.status).toBe('open');
    });

    it.each([
      ['for another app', () => issuer.token('user_owner_a', { appId: 'app_someone_else' })],
      ['that expired', () => issuer.token('user_owner_a', { expiresIn: '-1m' })],
      ['from another issuer', () => issuer.token('user_owner_a', { issuer: 'urn:evil' })],
      ['signed by another key', async () => issuer.token('user_owner_a', { key: (await generateKeyPair('ES256')).privateKey })],
      ['that is garbage', async () => 'not-a-jwt'],
    ])('a Whop user token %s is refused with 401', async (_what, mint) => {
      expect((await api('/api/companies/biz_dash_a/kpis', { headers: as(await mint()) })).status).toBe(401);
    });

    it('operators log in with a session cookie; a wrong password and an unknown email get the same 401', async () => {
      const wrong = await api('/api/auth/login', { method: 'POST', body: { email: OPERATOR.email, password: 'nope' } });
      const unknown = await api('/api/auth/login', { method: 'POST', body: { email: 'nobody@churnsaver.test', password: 'nope' } });
      expect(wrong.status).toBe(401);
      expect(unknown.status).toBe(401);
      expect(wrong.json).toEqual(unknown.json);
      const ok = await api('/api/auth/login', { method: 'POST', body: OPERATOR });
      expect(ok.status).toBe(200);
      const cookie = ok.headers.get('set-cookie')!;
      expect(cookie).toMatch(/cs_session=[^;]+;.*HttpOnly/i);
      expect(cookie).toMatch(/SameSite=Lax/i);
      const session = { cookie: cookie.split(';')[0]! };
      expect((await api('/api/auth/me', { headers: session })).json).toMatchObject({ kind: 'operator', email: OPERATOR.email });
      expect((await api('/api/companies/biz_dash_b/kpis', { headers: session })).status).toBe(200);
      expect((await api('/api/companies', { headers: session })).json.companies.map((c: any) => c.company_id)).toEqual(expect.arrayContaining(['biz_dash_a', 'biz_dash_b']));
      const overview = await api('/api/admin/overview', { headers: session });
      expect(overview.json).toMatchObject({ companies: 2, webhooks: { failed: 0 }, deliveries: { dead: 0 } });
    });

    it('an operator’s state-changing request without the CSRF token is refused with 403', async () => {
      const login = await api('/api/auth/login', { method: 'POST', body: OPERATOR });
      const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
      const body = { reminder_offsets_days: [0, 3] };
      expect((await api('/api/companies/biz_dash_b/settings', { method: 'PUT', headers: { cookie }, body })).status).toBe(403);
      expect((await api('/api/companies/biz_dash_b/settings', { method: 'PUT', headers: { cookie, 'x-csrf-token': 'guess' }, body })).status).toBe(403);
      const saved = await api('/api/companies/biz_dash_b/settings', { method: 'PUT', headers: { cookie, 'x-csrf-token': login.json.csrf_token }, body });
      expect(saved.status).toBe(200);
      expect(saved.json.settings.reminder_offsets_days).toEqual([0, 3]);
    });

    it('a creator cannot reach the operator overview', async () => {
      expect((await api('/api/admin/overview', { headers: as(ownerA) })).status).toBe(404);
    });

    it('repeated failed logins back off with 429 and Retry-After', async () => {
      const email = 'locked@churnsaver.test';
      const { createOperator } = await import('../../src/services/operators/create-operator.ts');
      await createOperator({ db: database.db }, { email, password: 'a-long-enough-password', updateExisting: false });
      const statuses: number[] = [];
      for (let i = 0; i < 7; i++) statuses.push((await api('/api/auth/login', { method: 'POST', body: { email, password: 'wrong' } })).status);
      expect(statuses.slice(0, 6)).toEqual([401, 401, 401, 401, 401, 401]);
      const locked = await api('/api/auth/login', { method: 'POST', body: { email, password: 'a-long-enough-password' } });
      expect(locked.status).toBe(429);
      expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    });
  });

  describe('routes', () => {
    it.each([['0'], ['366'], ['abc']])('GET kpis?window=%s answers 400 naming window', async (window) => {
      const response = await api(`/api/companies/biz_dash_a/kpis?window=${window}`, { headers: as(ownerA) });
      expect(response.status).toBe(400);
      expect(response.json.error.message).toMatch(/window/);
    });

    it('every figure the KPIs explain is defined in docs/metrics.md, which the answer links to and the server serves', async () => {
      const response = await api('/api/companies/biz_dash_a/kpis?window=90', { headers: as(ownerA) });
      expect(response.json.window_days).toBe(90);
      const doc = readFileSync(join(process.cwd(), 'docs', 'metrics.md'), 'utf8');
      const documented = new Set([...doc.matchAll(/^### .*?`([a-z_]+)`/gm)].map((m) => m[1]));
      const explained = Object.keys(response.json.formulas);
      expect(explained.length).toBeGreaterThan(5);
      expect(explained.filter((key) => !documented.has(key))).toEqual([]);
      // Every money figure the API returns has its definition.
      const moneyFields = Object.keys(response.json.money[0]).filter((key) => key.endsWith('_cents'));
      expect(moneyFields.filter((key) => !documented.has(key))).toEqual([]);
      const served = await fetch(`${service.url}${response.json.formulas_url}`);
      expect(served.status).toBe(200);
      expect(await served.text()).toBe(doc);
    });

    it('cases filter by status and search, sort by amount, and page with a cursor without overlap', async () => {
      const search = await api('/api/companies/biz_dash_a/cases?q=A3%40example.test', { headers: as(ownerA) });
      expect(search.json.cases.map((c: any) => c.whop_membership_id)).toEqual(['mem_a3']);
      const recovered = await api('/api/companies/biz_dash_a/cases?status=recovered', { headers: as(ownerA) });
      expect(recovered.json.cases).toEqual([]);
      // The totals (the company's count rows, migration 0050) are per status and per company: B's case is not A's.
      expect(recovered.json.total).toBe(0);
      expect((await api('/api/companies/biz_dash_a/cases?status=open', { headers: as(ownerA) })).json.total).toBe(7);
      const first = await api('/api/companies/biz_dash_a/cases?sort=-amount&limit=4', { headers: as(ownerA) });
      expect(first.json.cases.map((c: any) => c.amount_at_risk_cents)).toEqual([1600, 1500, 1400, 1300]);
      expect(first.json.total).toBe(7);
      const second = await api(`/api/companies/biz_dash_a/cases?sort=-amount&limit=4&cursor=${first.json.next_cursor}`, { headers: as(ownerA) });
      expect(second.json.cases.map((c: any) => c.amount_at_risk_cents)).toEqual([1200, 1100, 1000]);
      expect(second.json.next_cursor).toBeNull();
    });

    it('case search matches the start of a membership or user id, with or without its prefix, never the middle', async () => {
      const ids = async (q: string) => (await api(`/api/companies/biz_dash_a/cases?q=${encodeURIComponent(q)}`, { headers: as(ownerA) })).json.cases.map((c: any) => c.whop_membership_id).sort();
      expect(await ids('a3')).toEqual(['mem_a3']);
      expect(await ids('user_a5')).toEqual(['mem_a5']);
      expect(await ids('mem_a')).toEqual(['mem_a0', 'mem_a1', 'mem_a2', 'mem_a3', 'mem_a4', 'mem_a5', 'mem_a6']);
      expect((await api('/api/companies/biz_dash_a/cases?q=mem_a', { headers: as(ownerA) })).json.total).toBe(7);
      // A LIKE wildcard is text, not a pattern; the middle of an id is not a prefix.
      expect(await ids('mem_%')).toEqual([]);
      expect(await ids('_a3')).toEqual([]);
    });

    it.each([
      ['limit=201', 'limit'],
      ['sort=email', 'sort'],
      ['status=lost', 'status'],
      ['from=yesterday', 'from'],
      ['cursor=bogus', 'cursor'],
      ['unexpected=1', 'unexpected'],
    ])('GET cases?%s answers 400 naming the parameter', async (query, named) => {
      const response = await api(`/api/companies/biz_dash_a/cases?${query}`, { headers: as(ownerA) });
      expect(response.status).toBe(400);
      expect(response.json.error.message).toContain(named);
    });

    it('a case page has the timeline; a nudge action sends and is written with who did it', async () => {
      const id = (await api('/api/companies/biz_dash_a/cases?q=mem_a1', { headers: as(ownerA) })).json.cases[0].id;
      // The fixture's bank decline: its default playbook retries the payment first (failing here), then push + email.
      whop.setRetryOutcome('pay_mem_a1', { status: 'open', substatus: 'failed' });
      const nudged = await api(`/api/companies/biz_dash_a/cases/${id}/nudge`, { method: 'POST', headers: as(ownerA), body: {} });
      expect(nudged.status).toBe(200);
      expect(nudged.json.result).toMatchObject({ ok: true, outcome: 'sent', step: 0 });
      const page = await api(`/api/companies/biz_dash_a/cases/${id}`, { headers: as(ownerA) });
      expect(page.json.case.steps_sent).toBe(1);
      expect(page.json.timeline.map((e: any) => e.reason)).toEqual(expect.arrayContaining(['payment_failed', 'nudge_requested', 'nudge_sent']));
      expect(page.json.timeline.find((e: any) => e.reason === 'nudge_requested').actor).toBe('creator:user_owner_a');
      expect(page.json.deliveries.map((d: any) => `${d.channel}:${d.status}`).sort()).toEqual(['email:outbox', 'push:sent']);
      const again = await api(`/api/companies/biz_dash_a/cases/${id}/nudge`, { method: 'POST', headers: as(ownerA), body: {} });
      expect(again.status).toBe(409);
      expect(again.json.error.message).toMatch(/less than 12 h ago; allowed from/);
      const forced = await api(`/api/companies/biz_dash_a/cases/${id}/nudge`, { method: 'POST', headers: as(ownerA), body: { force: true } });
      expect(forced.status).toBe(403);
    });

    it('a nudge that would do nothing (every reminder already sent) answers 409 with the reason, not 200', async () => {
      const id = (await api('/api/companies/biz_dash_a/cases?q=mem_a3', { headers: as(ownerA) })).json.cases[0].id;
      await database.sql.query(`UPDATE recovery_cases SET steps_sent = 3 WHERE id = $1`, [id]);
      const nudged = await api(`/api/companies/biz_dash_a/cases/${id}/nudge`, { method: 'POST', headers: as(ownerA), body: {} });
      expect(nudged.status).toBe(409);
      expect(nudged.json.error).toEqual({ code: 'conflict', reason: 'no_steps_left', message: 'every reminder of this case has already gone out; nothing was sent' });
      const page = await api(`/api/companies/biz_dash_a/cases/${id}`, { headers: as(ownerA) });
      expect(page.json.deliveries).toEqual([]);
    });

    it('cancelling a case works once; the second time it is refused with 409 and a reason', async () => {
      const id = (await api('/api/companies/biz_dash_a/cases?q=mem_a2', { headers: as(ownerA) })).json.cases[0].id;
      expect((await api(`/api/companies/biz_dash_a/cases/${id}/cancel`, { method: 'POST', headers: as(ownerA), body: {} })).status).toBe(200);
      const again = await api(`/api/companies/biz_dash_a/cases/${id}/cancel`, { method: 'POST', headers: as(ownerA), body: {} });
      expect(again.status).toBe(409);
      expect(again.json.error.message).toBe('the case is closed');
    });

    it('the company is named by Whop’s title from its events, renamed by a later event, never another company’s', async () => {
      const named = await api('/api/companies/biz_dash_a', { headers: as(ownerA) });
      expect(named.status).toBe(200);
      // The recorded payment.failed fixture names its company.
      expect(named.json).toEqual({ company: { id: 'biz_dash_a', name: 'Northwind Trading Club' } });
      // One event at a time: the name is the one of the latest event processed that carries one.
      const deliver = async (id: string, title: string | null) => {
        const body = JSON.stringify(buildWhopEvent('payment.succeeded', { company_id: 'biz_dash_a', data: { id, company: { id: 'biz_dash_a', title }, membership: { id: 'mem_named' }, total: 1, currency: 'usd', paid_at: new Date().toISOString() } }));
        expect((await service.post('/api/webhooks/whop', body, signV1(body, service.webhookSecret))).status).toBe(200);
        await waitFor(async () => {
          const { rows } = await database.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM webhook_events WHERE status = 'pending'`);
          return rows[0]!.n === 0;
        }, 10_000, 'events processed');
        return (await api('/api/companies/biz_dash_a', { headers: as(ownerA) })).json.company.name;
      };
      expect(await deliver('pay_named_1', 'Alpha Trading Club')).toBe('Alpha Trading Club');
      expect(await deliver('pay_named_2', 'Alpha Traders')).toBe('Alpha Traders');
      // An event without a title keeps the name.
      expect(await deliver('pay_named_3', null)).toBe('Alpha Traders');
      expect((await api('/api/companies/biz_dash_b', { headers: as(ownerA) })).status).toBe(404);
    });

    it('settings: an unclosed {amount is refused by the server, naming the template and the placeholder', async () => {
      const before = await api('/api/companies/biz_dash_a/settings', { headers: as(ownerA) });
      const refused = await api('/api/companies/biz_dash_a/settings', { method: 'PUT', headers: as(ownerA), body: { templates: { email: { body: { card_expired: 'Your {amount payment failed: {manage_url}' } } } } });
      expect(refused.status).toBe(400);
      expect(refused.json.error.problems).toEqual([{ field: 'templates.email.body.card_expired', message: 'malformed placeholder {amount: it is never closed with }; write {amount}' }]);
      expect((await api('/api/companies/biz_dash_a/settings', { headers: as(ownerA) })).json.version).toBe(before.json.version);
    });

    it('an unknown path gets the product’s page in a browser and the JSON error body from an API client', async () => {
      const browser = await api('/nothing/here', { headers: { accept: 'text/html,application/xhtml+xml' } });
      expect(browser.status).toBe(404);
      expect(browser.text).toMatch(/<div id="root">/);
      expect(browser.text).not.toContain('no route');
      const client = await api('/nothing/here');
      expect(client.status).toBe(404);
      expect(client.json.error).toEqual({ code: 'not_found', message: 'no route GET /nothing/here' });
      const apiPath = await api('/api/nothing', { headers: { accept: 'text/html' } });
      expect(apiPath.status).toBe(404);
      expect(apiPath.json.error.code).toBe('not_found');
    });

    it('settings: invalid values answer 400 naming the field, unknown fields are rejected, a valid save makes a new version', async () => {
      const before = await api('/api/companies/biz_dash_a/settings', { headers: as(ownerA) });
      expect(before.json).toMatchObject({ settings: { reminder_offsets_days: [0, 2, 4], incentive_days: 3 }, webhook_url: expect.stringMatching(/\/api\/webhooks\/whop$/) });
      const invalid = await api('/api/companies/biz_dash_a/settings', { method: 'PUT', headers: as(ownerA), body: { incentive_days: 5, templates: { dm: { body: { generic: 'Hi {nickname}' } } } } });
      expect(invalid.status).toBe(400);
      expect(invalid.json.error.problems.map((p: any) => p.field)).toEqual(expect.arrayContaining(['incentive_days', 'templates.dm.body.generic']));
      const unknown = await api('/api/companies/biz_dash_a/settings', { method: 'PUT', headers: as(ownerA), body: { send_sms: true } });
      expect(unknown.status).toBe(400);
      expect(unknown.json.error.message).toContain('send_sms');
      const saved = await api('/api/companies/biz_dash_a/settings', { method: 'PUT', headers: as(ownerA), body: { incentive_days: 7 } });
      expect(saved.json.version).toBe(before.json.version + 1);
      const preview = await api('/api/companies/biz_dash_a/settings/preview', { method: 'POST', headers: as(ownerA), body: { channel: 'email', variant: 'card_expired', settings: { incentive_days: 7 } } });
      expect(preview.json.body).toContain('https://whop.com/billing/manage/mem_example');
      expect(preview.json.body).toMatch(/7 free days/);
    });

    it('cases.csv streams every case with money in major units, ISO dates, and neutralised formulas', async () => {
      await database.sql.query(`UPDATE recovery_cases SET member_email = '=cmd|calc', failure_reason = '+SUM(1)' WHERE whop_membership_id = 'mem_a0'`);
      const response = await api('/api/companies/biz_dash_a/cases.csv', { headers: as(ownerA) });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/csv/);
      expect(response.headers.get('content-disposition')).toMatch(/attachment; filename="cases-biz_dash_a-/);
      const lines = response.text.trim().split('\n');
      expect(lines[0]).toBe('id,status,membership,user,email,failure_reason,failure_count,amount_at_risk,recovered,currency,first_failure_at,recovered_at,closed_at,decline_code');
      expect(lines).toHaveLength(8);
      const a6 = lines.find((l) => l.includes('mem_a6'))!;
      expect(a6).toContain(',16.00,0.00,usd,');
      expect(a6).toMatch(/,\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z,/);
      const a0 = lines.find((l) => l.includes('mem_a0'))!;
      expect(a0).toContain(`'=cmd|calc`);
      expect(a0).toContain(`'+SUM(1)`);
      expect(response.text).not.toContain('mem_b0');
    });
  });
});

describe('dashboard API for a company that has not sent anything yet', () => {
  let database: TestDatabase;
  let service: TestService;
  let whop: WhopApiFake;
  let issuer: Awaited<ReturnType<typeof createWhopTokenIssuer>>;
  beforeAll(async () => {
    database = await createTestDatabase();
    ({ service, whop, issuer } = await startServiceWithWhop(database, { ADMIN_EMAIL: OPERATOR.email, ADMIN_PASSWORD: OPERATOR.password }));
    whop.setAccess('user_new', 'biz_new', 'admin');
  });
  afterAll(async () => {
    await service?.stop();
    await whop?.close();
    await database?.close();
  });

  it('its creator gets default settings with the webhook URL to register, and empty KPIs', async () => {
    const headers = { 'x-whop-user-token': await issuer.token('user_new') };
    const settings = await fetch(`${service.url}/api/companies/biz_new/settings`, { headers });
    expect(settings.status).toBe(200);
    expect(await settings.json()).toMatchObject({ version: 0, settings: { reminder_offsets_days: [0, 2, 4] }, webhook_url: expect.stringMatching(/\/api\/webhooks\/whop$/) });
    const kpis = await (await fetch(`${service.url}/api/companies/biz_new/kpis`, { headers })).json();
    expect(kpis).toMatchObject({ cases_opened: 0, money: [], window: { rate_count: { value: null, decided: 0 } } });
  });

  it('an operator opening a company we have never heard of gets 404', async () => {
    const login = await fetch(`${service.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(OPERATOR) });
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    expect((await fetch(`${service.url}/api/companies/biz_nope/kpis`, { headers: { cookie } })).status).toBe(404);
  });
});
