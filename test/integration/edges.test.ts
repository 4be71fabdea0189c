import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOperator } from '../../src/services/operators/create-operator.ts';
import type { WhopApiFake } from '../fakes/whop-api.ts';
import { newWebhookSecret, signV1 } from '../support/sign-webhook.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-database.ts';
import { startServiceWithWhop } from '../support/service-with-whop.ts';
import { waitFor, type TestService } from '../support/test-service.ts';
import { buildWhopEvent } from '../support/whop-fixtures.ts';
import type { createWhopTokenIssuer } from '../support/whop-user-token.ts';
import { decrypted } from '../support/test-keys.ts';
import { readResponse } from '../support/read-response.ts';
import { withoutControlGroup } from '../support/no-control-group.ts';

const OPERATOR = { email: 'ops@edges.test', password: 'edges operator passphrase 1' };
/** Tight limits so a test can reach them; the defaults are 2000 per 5 min, 6000 per minute and 10 per 15 min. */
const LIMITS = { RATE_LIMIT_IP_MAX: '5', RATE_LIMIT_PRINCIPAL_MAX: '60', RATE_LIMIT_COMPANY_WEBHOOKS_PER_MINUTE: '3', RATE_LIMIT_LOGIN_MAX: '3' };
const SQL_PAYLOADS = ["' OR 1=1 --", '"; DROP TABLE recovery_cases; --'];
const NAME_PAYLOAD = "Robert'); DROP TABLE recovery_cases; --";

describe('edges: rate limits, security headers, content types, audit log, injection', () => {
  let database: TestDatabase;
  let service: TestService;
  let whop: WhopApiFake;
  let issuer: Awaited<ReturnType<typeof createWhopTokenIssuer>>;
  let owner: string;

  // The service trusts one proxy hop (TRUST_PROXY_HOPS=1, the ALB), so X-Forwarded-For picks the
  // client ip. Every request gets an address of its own unless a test fixes one, so only the
  // requests a test means to count reach the per-ip limit.
  let nextIp = 0;
  const freshIp = () => `10.77.${Math.floor(++nextIp / 250)}.${(nextIp % 250) + 1}`;

  type Init = { method?: string; headers?: Record<string, string>; body?: unknown; raw?: string; ip?: string };
  const api = async (path: string, init: Init = {}) => {
    const hasJson = init.body !== undefined;
    const response = await fetch(`${service.url}${path}`, {
      method: init.method ?? 'GET',
      headers: { 'x-forwarded-for': init.ip ?? freshIp(), ...(hasJson ? { 'content-type': 'application/json' } : {}), ...init.headers },
      body: init.raw ?? (hasJson ? JSON.stringify(init.body) : undefined),
      redirect: 'manual',
    });
    return readResponse(response);
  };
  const as = (token: string) => ({ 'x-whop-user-token': token });

  function failedPayment(companyId: string, membershipId: string, user: Record<string, unknown> = {}) {
    return JSON.stringify(
      buildWhopEvent('payment.failed', {
        company_id: companyId,
        data: { id: `pay_${membershipId}`, company: { id: companyId }, membership: { id: membershipId }, user: { id: `user_${membershipId}`, ...user }, last_payment_attempt: new Date(Date.now() - 3_600_000).toISOString() },
      }),
    );
  }
  const deliver = (body: string, headers: Record<string, string>, ip = freshIp()) => api('/api/webhooks/whop', { method: 'POST', raw: body, headers, ip });
  const storedFor = async (companyId: string) =>
    Number((await database.sql.query<{ n: string }>(`SELECT count(*) AS n FROM webhook_events WHERE company_id = $1`, [companyId])).rows[0]!.n);
  const auditRows = async (action: string) =>
    (await database.sql.query<{ company_id: string | null; actor: string; action: string; target: string | null; ip: string | null; detail: any; at: Date }>(`SELECT * FROM audit.events WHERE action = $1 ORDER BY id`, [action])).rows;
  const caseIdOf = async (membershipId: string) =>
    waitFor(async () => (await database.sql.query<{ id: string }>(`SELECT id FROM recovery_cases WHERE whop_membership_id = $1`, [membershipId])).rows[0]?.id, 20_000, `case of ${membershipId}`);

  beforeAll(async () => {
    database = await createTestDatabase();
    // The member is nudged below: no control group (10 % of members are held out by default).
    await withoutControlGroup(database.sql, ['biz_edge_sql']);
    ({ service, whop, issuer } = await startServiceWithWhop(database, {
      ADMIN_EMAIL: OPERATOR.email,
      ADMIN_PASSWORD: OPERATOR.password,
      JWT_SECRET: 'an-edges-test-jwt-secret-long-enough-0987',
      ...LIMITS,
    }));
    for (const companyId of ['biz_edge_audit', 'biz_edge_sql']) whop.setAccess('user_edge_owner', companyId, 'admin');
    owner = await issuer.token('user_edge_owner');
    whop.setExperience('exp_edge_sql', { company: { id: 'biz_edge_sql', route: 'sql', title: 'SQL Co' }, products: [{ id: 'prod_edge_sql', route: 'sql', title: 'SQL' }] as never });
    whop.setMembership('mem_edge_sql', {
      company: { id: 'biz_edge_sql', title: 'SQL Co' },
      product: { id: 'prod_edge_sql', title: 'SQL', metadata: {} },
      user: { id: 'user_mem_edge_sql', username: 'bobby', name: NAME_PAYLOAD, email: "o'brien@example.test" },
    });
  });
  afterAll(async () => {
    await service?.stop();
    await whop?.close();
    await database?.close();
  });

  describe('per-ip rate limit', () => {
    it('past RATE_LIMIT_IP_MAX a client gets 429 rate_limited with Retry-After; other clients and the health check do not', async () => {
      const ip = '203.0.113.10';
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await api('/api/auth/me', { ip })).status);
      expect(statuses).toEqual([401, 401, 401, 401, 401]);
      const limited = await api('/api/auth/me', { ip });
      expect(limited.status).toBe(429);
      expect(limited.json).toEqual({ error: { code: 'rate_limited', message: expect.stringMatching(/retry in/) } });
      const retryAfter = Number(limited.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(300);
      // Every route, unknown paths included (scanners count too).
      expect((await api('/api/companies/biz_edge_audit/kpis', { ip })).status).toBe(429);
      expect((await api('/no/such/path', { ip })).status).toBe(429);
      expect((await api('/api/auth/me', { ip: '203.0.113.11' })).status).toBe(401);
      // The ALB and Prometheus poll from a few addresses: never limited.
      for (let i = 0; i < 3; i++) expect((await api('/api/health', { ip })).status).toBe(200);
      expect((await api('/api/metrics', { ip })).status).toBe(200);
    });

    it('a client cannot pick its own ip: only the entry the trusted proxy appended counts', async () => {
      const ip = '203.0.113.20';
      for (let i = 0; i < 5; i++) await api('/api/auth/me', { ip });
      // A forged leftmost X-Forwarded-For entry does not make a new client.
      expect((await api('/api/auth/me', { headers: { 'x-forwarded-for': `198.18.0.${Math.floor(Math.random() * 250)}, ${ip}` } })).status).toBe(429);
    });

    it("behind one proxy address (Whop's iframe proxy) 3 creators and an operator are each counted on their own; anonymous traffic from it stays limited per ip", async () => {
      const proxyIp = '203.0.113.30';
      const creators = ['user_edge_proxy_a', 'user_edge_proxy_b', 'user_edge_proxy_c'];
      const tokens = await Promise.all(creators.map((id) => issuer.token(id)));
      const proxyOperator = { email: 'proxy@edges.test', password: 'the-right-password-for-proxy' };
      await createOperator({ db: database.db }, { ...proxyOperator, updateExisting: false });
      const login = await api('/api/auth/login', { method: 'POST', body: proxyOperator, ip: '203.0.113.31' });
      const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
      // Interleaved, as a busy proxy forwards them: 3 creators + 1 operator x 5 requests = 20 from one address, 4x the limit.
      const statuses: number[] = [];
      for (let round = 0; round < 5; round++) {
        for (const token of tokens) statuses.push((await api('/api/auth/me', { ip: proxyIp, headers: as(token) })).status);
        statuses.push((await api('/api/auth/me', { ip: proxyIp, headers: { cookie } })).status);
      }
      expect(statuses).toEqual(Array(20).fill(200));
      // Each principal still has its limit (RATE_LIMIT_PRINCIPAL_MAX here 60): the first creator reaches it, the others are untouched.
      let served = 5;
      while ((await api('/api/auth/me', { ip: proxyIp, headers: as(tokens[0]!) })).status === 200) served++;
      expect(served).toBe(60);
      expect((await api('/api/auth/me', { ip: proxyIp, headers: as(tokens[1]!) })).status).toBe(200);
      // A forged or expired token is anonymous: counted on the address.
      for (let i = 0; i < 5; i++) expect((await api('/api/auth/me', { ip: proxyIp, headers: as('not-a-token') })).status).toBe(401);
      expect((await api('/api/auth/me', { ip: proxyIp, headers: as('not-a-token') })).status).toBe(429);
    });
  });

  describe('per-company webhook limit', () => {
    it('counts only verified deliveries: an unsigned flood naming the company does not spend its quota', async () => {
      const companyId = 'biz_edge_flood';
      for (let i = 0; i < 10; i++) {
        const body = failedPayment(companyId, `mem_flood_forged${i}`);
        expect((await deliver(body, signV1(body, newWebhookSecret()))).status).toBe(401);
        expect((await deliver(body, { 'content-type': 'application/json' })).status).toBe(401);
      }
      for (let i = 0; i < 3; i++) {
        const body = failedPayment(companyId, `mem_flood${i}`);
        expect((await deliver(body, signV1(body, service.webhookSecret))).status).toBe(200);
      }
      const over = failedPayment(companyId, 'mem_flood3');
      const overHeaders = signV1(over, service.webhookSecret);
      const refused = await deliver(over, overHeaders);
      expect(refused.status).toBe(429);
      expect(refused.json.error.code).toBe('rate_limited');
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(60);
      expect(await storedFor(companyId)).toBe(3);
      const { rows } = await database.sql.query(`SELECT 1 FROM webhook_events WHERE webhook_id = $1`, [overHeaders['webhook-id']]);
      expect(rows).toEqual([]);
      // Another company's quota is its own.
      const other = failedPayment('biz_edge_other', 'mem_other0');
      expect((await deliver(other, signV1(other, service.webhookSecret))).status).toBe(200);
    });
  });

  describe('per-account sign-in limit', () => {
    it('counts failures only: more good sign-ins than RATE_LIMIT_LOGIN_MAX in a row never lock an operator out', async () => {
      const account = { email: 'busy@edges.test', password: 'the-right-password-for-busy' };
      await createOperator({ db: database.db }, { ...account, updateExisting: false });
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++) statuses.push((await api('/api/auth/login', { method: 'POST', body: account })).status);
      expect(statuses).toEqual(Array(8).fill(200));
      // Failures still count: two wrong, a good one (not counted), one more wrong, then refused.
      const next: number[] = [];
      for (const password of ['wrong-1', 'wrong-2', account.password, 'wrong-3', account.password])
        next.push((await api('/api/auth/login', { method: 'POST', body: { email: account.email, password } })).status);
      expect(next).toEqual([401, 401, 200, 401, 429]);
    });

    it('past RATE_LIMIT_LOGIN_MAX attempts an account answers 429 even to the right password, whatever the case of the email', async () => {
      const account = { email: 'limited@edges.test', password: 'the-right-password-for-limited' };
      await createOperator({ db: database.db }, { ...account, updateExisting: false });
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) statuses.push((await api('/api/auth/login', { method: 'POST', body: { email: account.email, password: `wrong-${i}` } })).status);
      expect(statuses).toEqual([401, 401, 401]);
      const limited = await api('/api/auth/login', { method: 'POST', body: account });
      expect(limited.status).toBe(429);
      expect(limited.json.error.code).toBe('rate_limited');
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(900);
      expect((await api('/api/auth/login', { method: 'POST', body: { ...account, email: 'LIMITED@Edges.Test' } })).status).toBe(429);
      expect((await auditRows('auth.login_failed')).filter((r) => r.target === 'operator:limited@edges.test').map((r) => r.detail.reason)).toEqual([
        'invalid_credentials',
        'invalid_credentials',
        'invalid_credentials',
        'rate_limited',
        'rate_limited',
      ]);
    });
  });

  describe('security headers', () => {
    const expectBaseline = (headers: Headers) => {
      const hsts = headers.get('strict-transport-security') ?? '';
      expect(Number(hsts.match(/max-age=(\d+)/)?.[1])).toBeGreaterThanOrEqual(365 * 24 * 3600);
      expect(hsts).toMatch(/includeSubDomains/);
      expect(headers.get('x-content-type-options')).toBe('nosniff');
      expect(headers.get('referrer-policy')).toBe('strict-origin-when-cross-origin');
      // Present (the deployment guide's compliance check), with the modern value that disables the old filter.
      expect(headers.get('x-xss-protection')).toBe('0');
    };
    const frameAncestors = (headers: Headers) => headers.get('content-security-policy')?.match(/frame-ancestors ([^;]+)/)?.[1]?.trim().split(/\s+/);

    it('the API (/api/health, errors) may not be framed at all: frame-ancestors none and X-Frame-Options DENY', async () => {
      for (const response of [await api('/api/health'), await api('/api/auth/me'), await api('/no/such/path')]) {
        expectBaseline(response.headers);
        expect(frameAncestors(response.headers)).toEqual(["'none'"]);
        expect(response.headers.get('x-frame-options')).toBe('DENY');
      }
    });

    it('a dashboard page may be framed by Whop only, and carries no X-Frame-Options that would refuse Whop', async () => {
      const page = await api('/dashboard/biz_edge_audit');
      expect([200, 503]).toContain(page.status); // 503 when the SPA is not built
      expectBaseline(page.headers);
      const ancestors = frameAncestors(page.headers)!;
      expect(ancestors).toEqual(expect.arrayContaining(['https://whop.com', 'https://*.whop.com']));
      expect(ancestors.filter((a) => a !== "'self'").sort()).toEqual(['https://*.whop.com', 'https://whop.com']);
      expect(page.headers.get('x-frame-options')).toBeNull();
    });

    it('operator pages are not frameable', async () => {
      for (const path of ['/admin', '/login']) {
        const page = await api(path);
        expectBaseline(page.headers);
        expect(frameAncestors(page.headers)).toEqual(["'none'"]);
        expect(page.headers.get('x-frame-options')).toBe('DENY');
      }
    });
  });

  describe('content types and sizes', () => {
    it('PUT settings with a non-JSON body answers 415 unsupported_media_type and changes nothing', async () => {
      const before = await api('/api/companies/biz_edge_audit/settings', { headers: as(owner) });
      for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml']) {
        const response = await api('/api/companies/biz_edge_audit/settings', { method: 'PUT', headers: { ...as(owner), 'content-type': contentType }, raw: '{"incentive_days":7}' });
        expect(response.status).toBe(415);
        expect(response.json.error.code).toBe('unsupported_media_type');
      }
      expect((await api('/api/companies/biz_edge_audit/settings', { headers: as(owner) })).json.version).toBe(before.json.version);
    });

    it('other JSON routes refuse other content types too; the webhook route reads any content type as signed bytes', async () => {
      const login = await api('/api/auth/login', { method: 'POST', headers: { 'content-type': 'text/plain' }, raw: JSON.stringify(OPERATOR) });
      expect(login.status).toBe(415);
      const body = failedPayment('biz_edge_text', 'mem_text0');
      const delivered = await deliver(body, { ...signV1(body, service.webhookSecret), 'content-type': 'text/plain' });
      expect(delivered.status).toBe(200);
      // RFC 8058 one-click: mail clients POST a form; the route reads the token from the query.
      const oneClick = await api('/api/unsubscribe?token=not-a-valid-token', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, raw: 'List-Unsubscribe=One-Click' });
      expect(oneClick.status).toBe(400);
      expect(oneClick.json.error.code).toBe('bad_request');
    });

    it('bodies over a route’s limit answer 413 payload_too_large', async () => {
      const big = await api('/api/companies/biz_edge_audit/settings', { method: 'PUT', headers: as(owner), body: { templates: { email: { body: { generic: 'x'.repeat(300 * 1024) } } } } });
      expect(big.status).toBe(413);
      expect(big.json.error.code).toBe('payload_too_large');
      const login = await api('/api/auth/login', { method: 'POST', body: { email: OPERATOR.email, password: 'p'.repeat(9 * 1024) } });
      expect(login.status).toBe(413);
    });
  });

  describe('audit log', () => {
    it('a settings update is written with who, what, when and from which ip; a refused one too', async () => {
      const ip = '192.0.2.31';
      const saved = await api('/api/companies/biz_edge_audit/settings', { method: 'PUT', headers: as(owner), body: { incentive_days: 7 }, ip });
      expect(saved.status).toBe(200);
      const invalid = await api('/api/companies/biz_edge_audit/settings', { method: 'PUT', headers: as(owner), body: { incentive_days: 5 }, ip });
      expect(invalid.status).toBe(400);
      const rows = await auditRows('settings.update');
      expect(rows).toEqual([
        expect.objectContaining({ company_id: 'biz_edge_audit', actor: 'creator:user_edge_owner', target: 'settings', ip, detail: { ok: true, version: saved.json.version, fields: ['incentive_days'] } }),
        expect.objectContaining({ company_id: 'biz_edge_audit', actor: 'creator:user_edge_owner', ip, detail: expect.objectContaining({ ok: false, reason: 'invalid_settings', problems: ['incentive_days'] }) }),
      ]);
      expect(Date.now() - new Date(rows[0]!.at).getTime()).toBeLessThan(60_000);
    });

    it('a case action is written after its outcome is known, a refused repeat with the reason', async () => {
      const body = failedPayment('biz_edge_audit', 'mem_audit0');
      expect((await deliver(body, signV1(body, service.webhookSecret))).status).toBe(200);
      const caseId = await caseIdOf('mem_audit0');
      const ip = '192.0.2.32';
      expect((await api(`/api/companies/biz_edge_audit/cases/${caseId}/cancel`, { method: 'POST', headers: as(owner), body: {}, ip })).status).toBe(200);
      expect((await api(`/api/companies/biz_edge_audit/cases/${caseId}/cancel`, { method: 'POST', headers: as(owner), body: {}, ip })).status).toBe(409);
      expect(await auditRows('case.cancel')).toEqual([
        expect.objectContaining({ company_id: 'biz_edge_audit', actor: 'creator:user_edge_owner', target: caseId, ip, detail: { ok: true } }),
        expect.objectContaining({ company_id: 'biz_edge_audit', actor: 'creator:user_edge_owner', target: caseId, ip, detail: { ok: false, reason: 'case_closed' } }),
      ]);
      expect((await api('/api/companies/biz_edge_audit/cases.csv?q=mem_audit', { headers: as(owner), ip })).status).toBe(200);
      expect(await auditRows('cases.export_csv')).toEqual([expect.objectContaining({ company_id: 'biz_edge_audit', actor: 'creator:user_edge_owner', ip, detail: expect.objectContaining({ ok: true, searched: true }) })]);
    });

    it('sign-in, a failed sign-in and sign-out are written with the ip, never the password', async () => {
      const ip = '192.0.2.33';
      expect((await api('/api/auth/login', { method: 'POST', body: { email: OPERATOR.email, password: 'not-the-password' }, ip })).status).toBe(401);
      const login = await api('/api/auth/login', { method: 'POST', body: OPERATOR, ip });
      expect(login.status).toBe(200);
      const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
      expect((await api('/api/auth/logout', { method: 'POST', headers: { cookie }, ip })).status).toBe(204);

      const failed = (await auditRows('auth.login_failed')).filter((r) => r.target === `operator:${OPERATOR.email}`);
      expect(failed).toEqual([expect.objectContaining({ company_id: null, actor: 'anonymous', ip, detail: { ok: false, reason: 'invalid_credentials' } })]);
      expect((await auditRows('auth.login')).filter((r) => r.actor === `operator:${OPERATOR.email}`)).toEqual([expect.objectContaining({ company_id: null, actor: `operator:${OPERATOR.email}`, ip, detail: { ok: true } })]);
      expect(await auditRows('auth.logout')).toEqual([expect.objectContaining({ actor: `operator:${OPERATOR.email}`, ip })]);
      const everything = JSON.stringify((await database.sql.query(`SELECT * FROM audit.events`)).rows);
      expect(everything).not.toContain(OPERATOR.password);
      expect(everything).not.toContain('not-the-password');
    });
  });

  describe('SQL injection payloads are data', () => {
    it.each(SQL_PAYLOADS)('the case search q=%s finds nothing and every table is still there', async (payload) => {
      const response = await api(`/api/companies/biz_edge_sql/cases?q=${encodeURIComponent(payload)}`, { headers: as(owner) });
      expect(response.status).toBe(200);
      expect(response.json).toMatchObject({ cases: [], total: 0 });
      const csv = await api(`/api/companies/biz_edge_sql/cases.csv?q=${encodeURIComponent(payload)}`, { headers: as(owner) });
      expect(csv.text.trim().split('\n')).toHaveLength(1);
      const { rows } = await database.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM recovery_cases`);
      expect(rows[0]!.n).toBeGreaterThan(0);
    });

    it('a member name and email with SQL in them are stored as sent and come back verbatim in JSON', async () => {
      const body = failedPayment('biz_edge_sql', 'mem_edge_sql', { email: "o'brien@example.test", name: NAME_PAYLOAD });
      const headers = signV1(body, service.webhookSecret);
      expect((await deliver(body, headers)).status).toBe(200);
      const caseId = await caseIdOf('mem_edge_sql');
      const stored = await database.sql.query<{ raw_body: string }>(`SELECT raw_body FROM webhook_events WHERE webhook_id = $1`, [headers['webhook-id']]);
      expect(JSON.parse(decrypted(stored.rows[0]!).raw_body).data.user.name).toBe(NAME_PAYLOAD);

      // The quote is a character like any other: searching the (exact, encrypted-at-rest) address finds the member.
      const found = await api(`/api/companies/biz_edge_sql/cases?q=${encodeURIComponent("O'Brien@example.test")}`, { headers: as(owner) });
      expect(found.json.cases.map((c: any) => c.id)).toEqual([caseId]);
      expect(found.json.cases[0].member_email).toBe("o'brien@example.test");

      // The name the dashboard shows comes from Whop's membership when the member is nudged (the
      // default playbook of the fixture's bank decline retries first: failing here, the message goes).
      whop.setRetryOutcome('pay_mem_edge_sql', { status: 'open', substatus: 'failed' });
      const nudged = await api(`/api/companies/biz_edge_sql/cases/${caseId}/nudge`, { method: 'POST', headers: as(owner), body: {} });
      expect(nudged.status).toBe(200);
      const page = await api(`/api/companies/biz_edge_sql/cases/${caseId}`, { headers: as(owner) });
      expect(page.json.case.member_name).toBe(NAME_PAYLOAD);
      expect(page.json.case.member_email).toBe("o'brien@example.test");
      const { rows } = await database.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM recovery_cases`);
      expect(rows[0]!.n).toBeGreaterThan(0);
      expect(await auditRows('case.nudge')).toEqual([expect.objectContaining({ company_id: 'biz_edge_sql', target: caseId, detail: expect.objectContaining({ ok: true, outcome: 'sent', step: 0 }) })]);
    });
  });
});
