import Whop, { APIConnectionTimeoutError, AuthenticationError, NotFoundError, RateLimitError } from '@whop/sdk';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSmtpFake, type SmtpFake } from '../fakes/smtp.ts';
import { startWhopApiFake, type WhopApiFake } from '../fakes/whop-api.ts';

// The fakes stand in for Whop and the mail server in every scenario test, so they are checked here against the
// real clients: the official @whop/sdk and nodemailer.

describe('Whop API fake, called through the real @whop/sdk', () => {
  let fake: WhopApiFake;
  const client = (options: { maxRetries?: number; timeout?: number } = {}) =>
    new Whop({ apiKey: 'test_key', baseURL: `${fake.url}/api/v1`, appID: 'app_test', maxRetries: 0, ...options });

  beforeAll(async () => {
    fake = await startWhopApiFake();
  });
  afterAll(async () => {
    await fake?.close();
  });
  beforeEach(() => {
    fake.reset();
    fake.setMembership('mem_x', {
      status: 'past_due',
      user: { id: 'user_1', username: 'ada', name: 'Ada', email: 'ada@example.test' },
      company: { id: 'biz_1', title: 'Ada Academy' },
      renewal_period_end: '2026-01-01T00:00:00.000Z',
    });
  });

  it('serves the recovery calls at the paths and with the bodies of the reference, and records them', async () => {
    const whop = client();

    const membership = await whop.memberships.retrieve('mem_x');
    expect(membership).toMatchObject({
      id: 'mem_x',
      status: 'past_due',
      manage_url: 'https://whop.com/billing/manage/mem_x',
      user: { id: 'user_1', username: 'ada', name: 'Ada', email: 'ada@example.test' },
      company: { id: 'biz_1', title: 'Ada Academy' },
      product: { id: expect.any(String), title: expect.any(String) },
      currency: 'usd',
    });

    const extended = await whop.memberships.addFreeDays('mem_x', { free_days: 3 });
    expect(extended.renewal_period_end).toBe('2026-01-04T00:00:00.000Z');

    expect(await whop.notifications.create({ experience_id: 'exp_1', title: 'Payment failed', content: 'Update your card', user_ids: ['user_1'] })).toEqual({
      success: true,
    });

    const channel = await whop.dmChannels.create({ with_user_ids: ['user_1'] });
    expect(channel.id).toMatch(/^feed_/);
    expect((await whop.dmChannels.create({ with_user_ids: ['user_1'] })).id).toBe(channel.id);
    const message = await whop.messages.create({ channel_id: channel.id, content: 'Your payment failed: [update it](https://whop.com/billing/manage/mem_x)' });
    expect(message).toMatchObject({ id: expect.stringMatching(/^msg_/), content: expect.stringContaining('update it') });
    expect(fake.messagesTo('user_1')).toHaveLength(1);

    expect(await whop.users.checkAccess('biz_1', { id: 'user_1' })).toEqual({ has_access: false, access_level: 'no_access' });
    fake.setAccess('user_1', 'biz_1', 'admin');
    expect(await whop.users.checkAccess('biz_1', { id: 'user_1' })).toEqual({ has_access: true, access_level: 'admin' });

    const payment = await whop.payments.retry('pay_1');
    expect(payment).toMatchObject({ id: 'pay_1', status: 'paid', substatus: 'succeeded', total: expect.any(Number), currency: 'usd', membership: { id: expect.any(String) } });
    expect(await whop.payments.retrieve('pay_1')).toMatchObject({ id: 'pay_1', status: 'paid' });

    const canceled = await whop.memberships.cancel('mem_x', { cancellation_mode: 'at_period_end' });
    expect(canceled.cancel_at_period_end).toBe(true);
    expect((await whop.memberships.uncancel('mem_x')).cancel_at_period_end).toBe(false);

    const promo = await whop.promoCodes.create({
      amount_off: 20,
      base_currency: 'usd',
      code: 'STAY20',
      company_id: 'biz_1',
      new_users_only: false,
      promo_duration_months: 1,
      promo_type: 'percentage',
      existing_memberships_only: true,
    });
    expect(promo).toMatchObject({ id: expect.stringMatching(/^promo_/), code: 'STAY20', amount_off: 20, promo_type: 'percentage' });

    fake.setExperience('exp_1', { company: { id: 'biz_1' } });
    expect((await whop.experiences.retrieve('exp_1')).company.id).toBe('biz_1');

    expect(fake.calls.map((c) => `${c.method} ${c.path}`)).toEqual([
      'GET /api/v1/memberships/mem_x',
      'POST /api/v1/memberships/mem_x/add_free_days',
      'POST /api/v1/notifications',
      'POST /api/v1/dm_channels',
      'POST /api/v1/dm_channels',
      'POST /api/v1/messages',
      'GET /api/v1/users/user_1/access/biz_1',
      'GET /api/v1/users/user_1/access/biz_1',
      'POST /api/v1/payments/pay_1/retry',
      'GET /api/v1/payments/pay_1',
      'POST /api/v1/memberships/mem_x/cancel',
      'POST /api/v1/memberships/mem_x/uncancel',
      'POST /api/v1/promo_codes',
      'GET /api/v1/experiences/exp_1',
    ]);
    expect(fake.callsTo('POST', '/api/v1/memberships/mem_x/add_free_days')[0]!.body).toEqual({ free_days: 3 });
    expect(fake.callsTo('POST', '/memberships/:id/cancel')[0]!.body).toEqual({ cancellation_mode: 'at_period_end' });
    expect(fake.callsTo('POST', '/notifications')[0]!.body).toEqual({ experience_id: 'exp_1', title: 'Payment failed', content: 'Update your card', user_ids: ['user_1'] });
    expect(fake.callsTo('POST', '/dm_channels')[0]!.body).toEqual({ with_user_ids: ['user_1'] });
    expect(fake.callsTo('POST', '/messages')[0]!.body).toEqual({ channel_id: channel.id, content: expect.stringContaining('[update it]') });
    expect(fake.callsTo('GET', /\/access\//)).toHaveLength(2);
    for (const call of fake.calls) {
      expect(call.headers.authorization).toBe('Bearer test_key');
      expect(call.appId).toBe('app_test');
      expect(call.status).toBe(200);
    }
  });

  it('answers 404 for an unknown membership and 401 without a bearer key, recording both', async () => {
    const error = await client().memberships.retrieve('mem_unknown').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as NotFoundError).error).toEqual({ error: { type: 'not_found', message: expect.any(String) } });

    const response = await fetch(`${fake.url}/api/v1/memberships/mem_x`);
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: { type: 'unauthorized', message: expect.any(String) } });

    const strict = await startWhopApiFake({ apiKey: 'right_key' });
    try {
      const rejected = await new Whop({ apiKey: 'wrong_key', baseURL: strict.baseURL, maxRetries: 0 }).payments.retrieve('pay_1').catch((e: unknown) => e);
      expect(rejected).toBeInstanceOf(AuthenticationError);
      expect(strict.calls).toHaveLength(1);
    } finally {
      await strict.close();
    }
    expect(fake.calls.map((c) => c.status)).toEqual([404, 401]);
  });

  it('a scripted 429 reaches the SDK as a RateLimitError, and a retrying client then succeeds', async () => {
    fake.failNext('POST /notifications', [{ status: 429 }]);
    const error = await client()
      .notifications.create({ company_id: 'biz_1', title: 't', content: 'c' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).status).toBe(429);
    expect((error as RateLimitError).headers?.get('retry-after')).toBe('1');
    expect((error as RateLimitError).error).toEqual({ error: { type: 'rate_limit_exceeded', message: 'Try again in 1 seconds.' } });
    expect(fake.callsTo('POST', '/notifications')).toHaveLength(1);

    fake.reset();
    fake.failNext('POST /memberships/:id/add_free_days', [{ status: 429 }]);
    const extended = await client({ maxRetries: 1 }).memberships.addFreeDays('mem_x', { free_days: 3 });
    expect(extended.id).toBe('mem_x');
    expect(fake.callsTo('POST', '/memberships/:id/add_free_days').map((c) => c.status)).toEqual([429, 200]);
  });

  it('a scripted delay makes a client with a shorter timeout give up', async () => {
    fake.failNext('GET /memberships/:id', [{ timeoutMs: 1_000 }]);
    const error = await client({ timeout: 100 }).memberships.retrieve('mem_x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIConnectionTimeoutError);
    expect(fake.callsTo('GET', '/memberships/mem_x')).toHaveLength(1);
    // The script is used up: the next call answers normally.
    expect((await client().memberships.retrieve('mem_x')).id).toBe('mem_x');
  });
});

describe('SMTP fake, sent to with nodemailer', () => {
  let smtp: SmtpFake;
  const transport = () =>
    nodemailer.createTransport({ host: '127.0.0.1', port: smtp.port, secure: false, ignoreTLS: true, auth: { user: 'u', pass: 'p' } });

  beforeAll(async () => {
    smtp = await startSmtpFake();
  });
  afterAll(async () => {
    await smtp?.close();
  });
  beforeEach(() => smtp.reset());

  it('receives a multipart message with its recipients, headers and both text and html parts', async () => {
    const link = 'https://whop.com/billing/manage/mem_x?utm_source=churn-saver&utm_medium=email&utm_campaign=payment-failed-reminder-1';
    await transport().sendMail({
      from: 'Churn Saver <noreply@churn-saver.test>',
      to: 'ada@example.test',
      bcc: 'audit@churn-saver.test',
      subject: 'Your payment failed — update your card',
      text: `Hi Ada,\nyour last payment failed. Update your card: ${link}\n${'A long line to force soft breaks. '.repeat(5)}`,
      html: `<p>Hi Ada,</p><p>your last payment failed. <a href="${link}">Update your card</a></p>`,
      headers: { 'List-Unsubscribe': '<https://churn-saver.test/unsubscribe/tok_1>', 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
    });

    expect(smtp.messages).toHaveLength(1);
    const [message] = smtp.inbox('ADA@example.test');
    expect(message).toBeDefined();
    expect(message!.from).toBe('noreply@churn-saver.test');
    expect(message!.to).toEqual(['ada@example.test', 'audit@churn-saver.test']);
    expect(message!.subject).toBe('Your payment failed — update your card');
    expect(message!.headers['list-unsubscribe']).toBe('<https://churn-saver.test/unsubscribe/tok_1>');
    expect(message!.headers['list-unsubscribe-post']).toBe('List-Unsubscribe=One-Click');
    expect(message!.headers.from).toBe('Churn Saver <noreply@churn-saver.test>');
    expect(message!.headers['content-type']).toMatch(/^multipart\/alternative/);
    expect(message!.text).toContain(`Update your card: ${link}`);
    expect(message!.html).toContain(`<a href="${link}">Update your card</a>`);
    expect(message!.authUser).toBe('u');
    expect(smtp.logins).toEqual(['u']);
    expect(smtp.inbox('audit@churn-saver.test')).toHaveLength(1);
    expect(smtp.inbox('someone@else.test')).toHaveLength(0);
  });

  it('decodes base64 parts too', async () => {
    await transport().sendMail({
      from: 'noreply@churn-saver.test',
      to: 'bo@example.test',
      subject: 'Plain',
      text: 'Grüße, Bo: https://whop.com/billing/manage/mem_y',
      html: '<p>Grüße</p>',
      textEncoding: 'base64',
    });
    const [message] = smtp.inbox('bo@example.test');
    expect(message!.raw).toMatch(/Content-Transfer-Encoding: base64/i);
    expect(message!.text).toBe('Grüße, Bo: https://whop.com/billing/manage/mem_y');
    expect(message!.html).toBe('<p>Grüße</p>');
  });

  it('a scripted 550 makes sendMail reject with that response code, and the next message goes through', async () => {
    smtp.failNextWith(550, 'Mailbox unavailable');
    const error = await transport()
      .sendMail({ from: 'noreply@churn-saver.test', to: 'gone@example.test', subject: 'x', text: 'x' })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ responseCode: 550 });
    expect(smtp.messages).toHaveLength(0);
    expect(smtp.rejected).toMatchObject([{ to: ['gone@example.test'], code: 550 }]);

    await transport().sendMail({ from: 'noreply@churn-saver.test', to: 'gone@example.test', subject: 'again', text: 'x' });
    expect(smtp.inbox('gone@example.test').map((m) => m.subject)).toEqual(['again']);
  });

  it('failWith rejects every message until cleared (451, temporary)', async () => {
    const down = await startSmtpFake({ failWith: { code: 451, message: 'Try later' } });
    try {
      const send = () =>
        nodemailer
          .createTransport({ host: '127.0.0.1', port: down.port, secure: false, ignoreTLS: true })
          .sendMail({ from: 'a@churn-saver.test', to: 'b@example.test', subject: 's', text: 't' });
      await expect(send()).rejects.toMatchObject({ responseCode: 451 });
      await expect(send()).rejects.toMatchObject({ responseCode: 451 });
      down.failWith = null;
      await send();
      expect(down.messages).toHaveLength(1);
      expect(down.messages[0]!.authUser).toBeUndefined();
    } finally {
      await down.close();
    }
  });
});
