import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WhopApiFake } from '../fakes/whop-api.ts';
import { newWebhookSecret, signV1, signV5 } from '../support/sign-webhook.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-database.ts';
import { startServiceWithWhop } from '../support/service-with-whop.ts';
import { waitFor, type TestService } from '../support/test-service.ts';
import { buildLegacyWhopEvent, buildWhopEvent } from '../support/whop-fixtures.ts';
import type { createWhopTokenIssuer } from '../support/whop-user-token.ts';
import { decrypted } from '../support/test-keys.ts';
import { withoutControlGroup } from '../support/no-control-group.ts';

const MEMBER_EMAIL = 'leak.check@example.test';
const MEMBER_NAME = 'Lena Leakcheck';
const COMPANY = 'biz_logscan';

/**
 * A realistic session against the whole service, then every log line it wrote and every answer
 * it gave are searched for the secrets, tokens, signatures and personal data that went in.
 */
describe('logs and error answers never carry secrets, tokens, signatures or member data', () => {
  let database: TestDatabase;
  let service: TestService;
  let whop: WhopApiFake;
  let issuer: Awaited<ReturnType<typeof createWhopTokenIssuer>>;

  const secrets = {
    webhookSecret: newWebhookSecret(),
    operatorPassword: `pw-${randomBytes(12).toString('hex')}`,
    wrongPassword: `wrong-${randomBytes(12).toString('hex')}`,
    jwtSecret: `jwt-${randomBytes(24).toString('hex')}`,
    whopApiKey: `whop_key_${randomBytes(16).toString('hex')}`,
  };
  const operatorEmail = 'scan-ops@churnsaver.test';
  /** Values seen during the session that must not show up either (signatures, tokens, cookies). */
  const seen = new Map<string, string>();
  /** Every answer: status and body. */
  const answers: { what: string; status: number; body: string }[] = [];

  const call = async (what: string, path: string, init: RequestInit = {}) => {
    const response = await fetch(`${service.url}${path}`, { redirect: 'manual', ...init });
    const body = await response.text();
    answers.push({ what, status: response.status, body });
    return { status: response.status, body, headers: response.headers };
  };
  const json = (body: unknown) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  beforeAll(async () => {
    database = await createTestDatabase();
    // The member is nudged below: no control group (10 % of members are held out by default).
    await withoutControlGroup(database.sql, [COMPANY]);
    ({ service, whop, issuer } = await startServiceWithWhop(database, {
      // Everything a debugging operator could turn on.
      LOG_LEVEL: 'trace',
      WEBHOOK_SECRET: secrets.webhookSecret,
      JWT_SECRET: secrets.jwtSecret,
      WHOP_API_KEY: secrets.whopApiKey,
      ADMIN_EMAIL: operatorEmail,
      ADMIN_PASSWORD: secrets.operatorPassword,
    }));
    whop.setAccess('user_scan_owner', COMPANY, 'admin');
    whop.setExperience('exp_scan', { company: { id: COMPANY, route: 'scan', title: 'Scan Co' }, products: [{ id: 'prod_scan', route: 'scan', title: 'Scan' }] as never });
    whop.setMembership('mem_scan', { company: { id: COMPANY, title: 'Scan Co' }, product: { id: 'prod_scan', title: 'Scan', metadata: {} }, user: { id: 'user_scan', username: 'lena', name: MEMBER_NAME, email: MEMBER_EMAIL } });
  });
  afterAll(async () => {
    await service?.stop();
    await whop?.close();
    await database?.close();
  });

  it('a session of webhooks, sign-ins, creator requests, failures and a 500 leaves no secret or member email behind', async () => {
    // Signed deliveries carrying the member's email and name (v1 and legacy v5).
    const failed = JSON.stringify(
      buildWhopEvent('payment.failed', {
        company_id: COMPANY,
        data: { id: 'pay_scan', company: { id: COMPANY }, membership: { id: 'mem_scan' }, user: { id: 'user_scan', email: MEMBER_EMAIL, name: MEMBER_NAME }, last_payment_attempt: new Date(Date.now() - 3_600_000).toISOString() },
      }),
    );
    const signed = signV1(failed, secrets.webhookSecret);
    seen.set('webhook-signature', signed['webhook-signature']!);
    expect((await call('signed payment.failed', '/api/webhooks/whop', { method: 'POST', headers: signed, body: failed })).status).toBe(200);
    expect((await call('the same delivery again', '/api/webhooks/whop', { method: 'POST', headers: signed, body: failed })).status).toBe(200);
    const legacy = JSON.stringify(buildLegacyWhopEvent('payment.failed', { company: COMPANY, data: { company_id: COMPANY, user_id: 'user_scan', membership_id: 'mem_scan_v5', email: MEMBER_EMAIL, last_payment_attempt: Math.floor(Date.now() / 1000) - 60 } }));
    const legacyHeaders = signV5(legacy, secrets.webhookSecret);
    seen.set('x-whop-signature', legacyHeaders['x-whop-signature']!);
    await call('signed legacy v5', '/api/webhooks/whop', { method: 'POST', headers: legacyHeaders, body: legacy });

    // Deliveries that fail: another secret, a tampered body, signed garbage, a signed body that is not JSON.
    const forged = signV1(failed, newWebhookSecret());
    seen.set('forged webhook-signature', forged['webhook-signature']!);
    expect((await call('forged signature', '/api/webhooks/whop', { method: 'POST', headers: forged, body: failed })).status).toBe(401);
    expect((await call('tampered body', '/api/webhooks/whop', { method: 'POST', headers: signed, body: failed.replace('pay_scan', 'pay_other') })).status).toBe(401);
    const notJson = `email=${MEMBER_EMAIL}`;
    expect((await call('signed non-JSON', '/api/webhooks/whop', { method: 'POST', headers: signV1(notJson, secrets.webhookSecret), body: notJson })).status).toBe(400);

    // Operator: a wrong password, a malformed body with the password in it, the right one, then use the session.
    expect((await call('wrong password', '/api/auth/login', json({ email: operatorEmail, password: secrets.wrongPassword }))).status).toBe(401);
    const malformed = await call('malformed login JSON', '/api/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"email":"${operatorEmail}","password":${secrets.operatorPassword}}` });
    expect(malformed.status).toBe(400);
    expect((await call('login as text/plain', '/api/auth/login', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ email: operatorEmail, password: secrets.operatorPassword }) })).status).toBe(415);
    const login = await call('login', '/api/auth/login', json({ email: operatorEmail, password: secrets.operatorPassword }));
    expect(login.status).toBe(200);
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    seen.set('session cookie', cookie.split('=')[1]!);
    const csrf = JSON.parse(login.body).csrf_token as string;
    seen.set('csrf token', csrf);
    expect((await call('operator overview', '/api/admin/overview', { headers: { cookie } })).status).toBe(200);
    expect((await call('write without csrf', `/api/companies/${COMPANY}/settings`, { method: 'PUT', headers: { cookie, 'content-type': 'application/json' }, body: '{}' })).status).toBe(403);

    // Creator: Whop's proxy sends the user token on every request.
    const token = await issuer.token('user_scan_owner');
    seen.set('x-whop-user-token', token);
    const creator = { 'x-whop-user-token': token };
    const caseId = await waitFor(async () => (await database.sql.query<{ id: string }>(`SELECT id FROM recovery_cases WHERE whop_membership_id = 'mem_scan'`)).rows[0]?.id, 20_000, 'case');
    expect((await call('kpis', `/api/companies/${COMPANY}/kpis`, { headers: creator })).status).toBe(200);
    expect((await call('search by email', `/api/companies/${COMPANY}/cases?q=${encodeURIComponent(MEMBER_EMAIL)}`, { headers: creator })).status).toBe(200);
    expect((await call('export by email', `/api/companies/${COMPANY}/cases.csv?q=${encodeURIComponent(MEMBER_EMAIL)}`, { headers: creator })).status).toBe(200);
    // The fixture's bank decline: the default playbook retries first; failing, the reminder (and its member data) goes out.
    whop.setRetryOutcome('pay_scan', { status: 'open', substatus: 'failed' });
    expect((await call('nudge', `/api/companies/${COMPANY}/cases/${caseId}/nudge`, { ...json({}), headers: { ...creator, 'content-type': 'application/json' } })).status).toBe(200);
    expect((await call('nudge again', `/api/companies/${COMPANY}/cases/${caseId}/nudge`, { ...json({}), headers: { ...creator, 'content-type': 'application/json' } })).status).toBe(409);
    expect((await call('invalid settings', `/api/companies/${COMPANY}/settings`, { method: 'PUT', headers: { ...creator, 'content-type': 'application/json' }, body: JSON.stringify({ templates: { email: { subject: { generic: `Hi ${MEMBER_EMAIL} {coupon}` } } } }) })).status).toBe(400);
    expect((await call('expired token', `/api/companies/${COMPANY}/kpis`, { headers: { 'x-whop-user-token': await issuer.token('user_scan_owner', { expiresIn: '-1m' }) } })).status).toBe(401);
    // A 500: a case id the route's shape check lets through but PostgreSQL cannot read as a uuid.
    const broken = await call('500', `/api/companies/${COMPANY}/cases/${'-'.repeat(36)}`, { headers: creator });
    if (broken.status === 500) expect(JSON.parse(broken.body)).toEqual({ error: { code: 'internal', message: expect.any(String), requestId: expect.any(String) } });

    // The member: the unsubscribe link from the email (kept as outbox: no SMTP here).
    const outbox = await waitFor(async () => (await database.sql.query<{ rendered_body: string }>(`SELECT rendered_body FROM deliveries WHERE channel = 'email' AND rendered_body IS NOT NULL`)).rows.map(decrypted)[0], 10_000, 'email outbox');
    const unsubscribe = outbox.rendered_body.match(/(\/api\/unsubscribe\?token=[^\s)>"]+)/)?.[1];
    expect(unsubscribe).toBeDefined();
    seen.set('unsubscribe token', new URL(unsubscribe!, 'http://x').searchParams.get('token')!);
    expect((await call('unsubscribe', unsubscribe!)).status).toBe(200);
    expect((await call('one-click unsubscribe', unsubscribe!, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' })).status).toBe(200);
    expect((await call('forged unsubscribe', `${unsubscribe!.slice(0, -4)}abcd`)).status).toBe(400);

    await call('sign out', '/api/auth/logout', { method: 'POST', headers: { cookie } });
    await waitFor(async () => (await database.sql.query(`SELECT 1 FROM webhook_events WHERE status = 'pending'`)).rows.length === 0, 10_000, 'processing');
    await service.stop();

    const forbidden: Record<string, string> = { ...secrets, ...Object.fromEntries(seen) };
    const personal = { 'member email': MEMBER_EMAIL, 'member email (url-encoded)': encodeURIComponent(MEMBER_EMAIL), 'member name': MEMBER_NAME };

    // Sanity: the session really produced request lines, a 500 line (when there was one), and the values to look for.
    const logText = JSON.stringify(service.logs);
    expect(service.logs.filter((l) => l.msg === 'request completed').length).toBeGreaterThan(15);
    expect(logText).toContain('/cases?q=[redacted]');
    expect(logText).toContain('/api/unsubscribe?token=[redacted]');
    if (broken.status === 500) expect(logText).toContain('params: [redacted]');

    for (const [name, value] of Object.entries({ ...forbidden, ...personal })) {
      expect(value.length, name).toBeGreaterThan(8);
      expect(logText.includes(value), `${name} appears in the logs`).toBe(false);
    }
    for (const answer of answers) {
      for (const [name, value] of Object.entries(forbidden)) {
        // The sign-in answer hands the operator its own CSRF token; that is its purpose.
        if (name === 'csrf token' && answer.what === 'login') continue;
        expect(answer.body.includes(value), `${name} appears in the answer to "${answer.what}"`).toBe(false);
      }
      // Member data is what a creator's successful reads are for; no error answer carries it.
      if (answer.status >= 400) for (const [name, value] of Object.entries(personal)) expect(answer.body.includes(value), `${name} appears in the ${answer.status} answer to "${answer.what}"`).toBe(false);
    }
  });
});
