import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpFake, type SmtpFake } from '../fakes/smtp.ts';
import { startWhopApiFake, type WhopApiFake } from '../fakes/whop-api.ts';
import { signV1 } from '../support/sign-webhook.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-database.ts';
import { startTestService, waitFor, type TestService } from '../support/test-service.ts';
import { buildWhopEvent } from '../support/whop-fixtures.ts';
import { emailLookupHash } from '../../src/db/encrypted-text.ts';

describe('outreach in the running service (worker loop, Whop fake, SMTP peer)', () => {
  let database: TestDatabase;
  let service: TestService;
  let whop: WhopApiFake;
  let smtp: SmtpFake;

  beforeAll(async () => {
    database = await createTestDatabase();
    whop = await startWhopApiFake();
    smtp = await startSmtpFake();
    service = await startTestService(database, {
      env: {
        WHOP_API_KEY: 'test_key',
        WHOP_API_BASE_URL: whop.baseURL,
        WHOP_APP_ID: 'app_test',
        SMTP_HOST: '127.0.0.1',
        SMTP_PORT: String(smtp.port),
        SMTP_FROM: 'Churn Saver <recover@churnsaver.test>',
        NUDGE_INTERVAL_SECONDS: '0.2',
        PUBLIC_URL: 'http://placeholder.invalid',
      },
    });
  });
  afterAll(async () => {
    await service?.stop();
    await whop?.close();
    await smtp?.close();
    await database?.close();
  });

  it('a signed payment.failed leads to a push, a DM and an email within seconds; the email’s unsubscribe link works', async () => {
    whop.setMembership('mem_live', { company: { id: 'biz_live', title: 'Live Co' }, product: { id: 'prod_live', title: 'Live Signals', metadata: {} }, user: { id: 'user_live', username: 'live', name: 'Lee Live', email: 'lee@example.test' } });
    whop.setExperience('exp_live', { company: { id: 'biz_live', route: 'live', title: 'Live Co' }, products: [{ id: 'prod_live', route: 'signals', title: 'Live Signals' }] as never });
    const body = JSON.stringify(buildWhopEvent('payment.failed', { company_id: 'biz_live', data: { company: { id: 'biz_live' }, membership: { id: 'mem_live' }, user: { id: 'user_live', email: 'lee@example.test', name: 'Lee Live' }, last_payment_attempt: new Date().toISOString() } }));
    expect((await service.post('/api/webhooks/whop', body, signV1(body, service.webhookSecret))).status).toBe(200);

    const [mail] = await waitFor(async () => (smtp.inbox('lee@example.test').length > 0 ? smtp.inbox('lee@example.test') : null), 15_000, 'email');
    expect(whop.callsTo('POST', '/notifications')).toHaveLength(1);
    expect(whop.messagesTo('user_live')).toHaveLength(1);
    expect(whop.callsTo('POST', '/memberships/mem_live/add_free_days')).toHaveLength(1);
    expect(mail!.subject).toContain('Live Signals');

    const link = mail!.text!.match(/http:\/\/placeholder\.invalid(\/api\/unsubscribe\?token=[^\s]+)/)?.[1];
    expect(link).toBeDefined();
    const page = await fetch(`${service.url}${link}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('You will not receive further payment reminder emails');
    const { rows } = await database.sql.query<{ channel: string; subject_hash: string; reason: string; source: string }>(`SELECT channel, subject_hash, reason, source FROM member_opt_outs WHERE company_id = 'biz_live'`);
    // Keyed by the address's lookup hash: the opt-out list holds no address.
    expect(rows).toEqual([{ channel: 'email', subject_hash: emailLookupHash('lee@example.test'), reason: 'unsubscribe', source: 'member' }]);

    const oneClick = await fetch(`${service.url}${link}`, { method: 'POST' });
    expect(oneClick.status).toBe(200);
    const forged = await fetch(`${service.url}${link!.slice(0, -3)}abc`);
    expect(forged.status).toBe(400);
  });
});
