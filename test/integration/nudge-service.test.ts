import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpFake, type SmtpFake } from '../fakes/smtp.ts';
import { startWhopApiFake, type WhopApiFake } from '../fakes/whop-api.ts';
import { signV1 } from '../support/sign-webhook.ts';
import { withoutControlGroup } from '../support/no-control-group.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-database.ts';
import { startTestService, waitFor, type TestService } from '../support/test-service.ts';
import { buildWhopEvent } from '../support/whop-fixtures.ts';
import { emailLookupHash } from '../../src/db/encrypted-text.ts';

describe('outreach in the running service (worker loop, Whop fake, SMTP peer)', () => {
  let database: TestDatabase;
  let service: TestService;
  let whop: WhopApiFake;
  let smtp: SmtpFake;
  let mail: ReturnType<SmtpFake['inbox']>[number] | undefined;
  let link: string | undefined;
  let oneClickPath: string | undefined;

  beforeAll(async () => {
    database = await createTestDatabase();
    await withoutControlGroup(database.sql, ['biz_live']);
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

  it('a signed payment.failed leads to a push, a DM and an email within seconds; the email carries RFC 8058 one-click headers', async () => {
    whop.setMembership('mem_live', { company: { id: 'biz_live', title: 'Live Co' }, product: { id: 'prod_live', title: 'Live Signals', metadata: {} }, user: { id: 'user_live', username: 'live', name: 'Lee Live', email: 'lee@example.test' } });
    whop.setExperience('exp_live', { company: { id: 'biz_live', route: 'live', title: 'Live Co' }, products: [{ id: 'prod_live', route: 'signals', title: 'Live Signals' }] as never });
    // An expired card: its default playbook asks for a new card at once on every channel.
    const body = JSON.stringify(buildWhopEvent('payment.failed', { company_id: 'biz_live', data: { company: { id: 'biz_live', title: 'Live Co' }, membership: { id: 'mem_live' }, user: { id: 'user_live', email: 'lee@example.test', name: 'Lee Live' }, decline_code: 'expired_card', failure_message: 'Your card has expired.', last_payment_attempt: new Date().toISOString() } }));
    expect((await service.post('/api/webhooks/whop', body, signV1(body, service.webhookSecret))).status).toBe(200);

    [mail] = await waitFor(async () => (smtp.inbox('lee@example.test').length > 0 ? smtp.inbox('lee@example.test') : null), 15_000, 'email');
    expect(whop.callsTo('POST', '/notifications')).toHaveLength(1);
    expect(whop.messagesTo('user_live')).toHaveLength(1);
    expect(whop.callsTo('POST', '/memberships/mem_live/add_free_days')).toHaveLength(1);
    expect(mail!.subject).toContain('Live Signals');
    // The body's link opens the page (GET); the header's URL is the mail client's one-click target (POST).
    link = mail!.text!.match(/http:\/\/placeholder\.invalid(\/api\/unsubscribe\?token=[^\s]+)/)?.[1];
    expect(link).toBeDefined();
    oneClickPath = mail!.headers['list-unsubscribe']?.match(/^<http:\/\/placeholder\.invalid(\/api\/unsubscribe\?token=u2\.[\w-]+)>$/)?.[1];
    expect(oneClickPath).toBeDefined();
    expect(mail!.headers['list-unsubscribe-post']).toBe('List-Unsubscribe=One-Click');
  });

  const optOuts = async () =>
    (await database.sql.query<{ channel: string; subject_hash: string; reason: string; source: string }>(`SELECT channel, subject_hash, reason, source FROM member_opt_outs WHERE company_id = 'biz_live' ORDER BY channel`)).rows;

  it('opening the email’s link (as a mail scanner does) changes nothing: it shows a page in the creator’s name with the buttons', async () => {
    for (const method of ['GET', 'HEAD', 'GET']) {
      const page = await fetch(`${service.url}${link}`, { method, headers: { accept: 'text/html' } });
      expect(page.status).toBe(200);
      if (method === 'GET') {
        const html = await page.text();
        expect(html).toContain('Stop payment reminders from Live Co?');
        expect(html).toContain('Stop reminder emails');
        expect(html).toContain('Stop all reminders: email, Whop push and Whop direct messages');
        expect(html).not.toMatch(/\bpush, dm\b/);
      }
    }
    expect(await optOuts()).toEqual([]);
  });

  it('the mail client’s one-click POST unsubscribes the address from email only', async () => {
    const oneClick = await fetch(`${service.url}${oneClickPath}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    expect(oneClick.status).toBe(200);
    expect(await oneClick.json()).toEqual({ unsubscribed: true, channels: ['email'] });
    // Keyed by the address's lookup hash: the opt-out list holds no address.
    expect(await optOuts()).toEqual([{ channel: 'email', subject_hash: emailLookupHash('lee@example.test'), reason: 'unsubscribe', source: 'member' }]);
  });

  it('the page’s "stop all" button stops Whop push and DMs too, answered in plain words', async () => {
    const done = await fetch(`${service.url}${link}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' }, body: 'scope=all' });
    expect(done.status).toBe(200);
    const html = await done.text();
    expect(html).toContain('You will not receive further payment reminders from Live Co by email, Whop push or Whop direct messages.');
    expect((await optOuts()).map((row) => row.channel)).toEqual(['dm', 'email', 'push']);
  });

  it('a forged, cut-off or missing token gets a page from a browser and a JSON error from anything else', async () => {
    for (const broken of [`${link!.slice(0, -3)}abc`, '/api/unsubscribe?token=abc', '/api/unsubscribe']) {
      const page = await fetch(`${service.url}${broken}`, { headers: { accept: 'text/html' } });
      expect(page.status).toBe(400);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await page.text()).toContain('This unsubscribe link is not complete');
      const api = await fetch(`${service.url}${broken}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
      expect(api.status).toBe(400);
      expect((await api.json()).error.code).toBe('bad_request');
    }
  });
});
