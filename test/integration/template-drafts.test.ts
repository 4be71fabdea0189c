import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChatCompletionsFake, GOOD_DRAFT, type ChatCompletionsFake } from '../fakes/chat-completions.ts';
import type { WhopApiFake } from '../fakes/whop-api.ts';
import { readResponse } from '../support/read-response.ts';
import { startServiceWithWhop } from '../support/service-with-whop.ts';
import { signV1 } from '../support/sign-webhook.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-database.ts';
import { startTestService, waitFor, type TestService } from '../support/test-service.ts';
import { buildWhopEvent } from '../support/whop-fixtures.ts';

// Issue #15 §4: AI-drafted copy the creator approves, against a local chat-completions fake.
const A = 'biz_draft_a';
const B = 'biz_draft_b';
const MEMBER = { name: 'Dana Reyes', email: 'dana.reyes@example.test', user: 'user_dana0001', membership: 'mem_dana0001', payment: 'pay_dana0001' };
const BRIEF = { product: 'Northwind Signals, a daily stock-market newsletter for retail traders', tone: 'warm, brief', language: 'English' };

describe('AI-drafted copy', () => {
  let database: TestDatabase;
  let service: TestService;
  let whop: WhopApiFake;
  let ai: ChatCompletionsFake;
  let ownerA: string;
  let ownerB: string;

  const api = async (path: string, init: { method?: string; token?: string; body?: unknown } = {}) =>
    readResponse(
      await fetch(`${service.url}${path}`, {
        method: init.method ?? 'GET',
        headers: { ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}), ...(init.token ? { 'x-whop-user-token': init.token } : {}) },
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
      }),
    );
  const draft = (body: unknown, token = ownerA, company = A) => api(`/api/companies/${company}/settings/drafts`, { method: 'POST', token, body });

  beforeAll(async () => {
    database = await createTestDatabase();
    ai = await startChatCompletionsFake();
    let issuer;
    ({ service, whop, issuer } = await startServiceWithWhop(database, { OPENROUTER_API_KEY: 'sk-or-test-key', OPENROUTER_BASE_URL: ai.baseUrl, OPENROUTER_MODEL: 'fake/model-1', OPENROUTER_TIMEOUT_SECONDS: '1' }));
    whop.setAccess('user_owner_a', A, 'admin');
    whop.setAccess('user_owner_b', B, 'admin');
    ownerA = await issuer.token('user_owner_a');
    ownerB = await issuer.token('user_owner_b');
    // A member of A with a name, an email and ids: none of it may reach the model.
    const body = JSON.stringify(
      buildWhopEvent('payment.failed', {
        company_id: A,
        data: { id: MEMBER.payment, company: { id: A, title: 'Northwind' }, membership: { id: MEMBER.membership }, user: { id: MEMBER.user, email: MEMBER.email, name: MEMBER.name }, total: 37.45, last_payment_attempt: new Date(Date.now() - 3_600_000).toISOString() },
      }),
    );
    expect((await service.post('/api/webhooks/whop', body, signV1(body, service.webhookSecret))).status).toBe(200);
    const other = JSON.stringify(buildWhopEvent('payment.failed', { company_id: B, data: { id: 'pay_b0', company: { id: B }, membership: { id: 'mem_b0' }, user: { id: 'user_b0', email: 'b0@example.test' } } }));
    expect((await service.post('/api/webhooks/whop', other, signV1(other, service.webhookSecret))).status).toBe(200);
    await waitFor(async () => (await database.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM recovery_cases`)).rows[0]!.n === 2, 20_000, 'cases');
  });
  afterAll(async () => {
    await service?.stop();
    await whop?.close();
    await ai?.close();
    await database?.close();
  });

  it('says it is available, with the model', async () => {
    const response = await api(`/api/companies/${A}/settings/drafts`, { token: ownerA });
    expect(response.status).toBe(200);
    expect(response.json).toMatchObject({ available: true, model: 'fake/model-1' });
  });

  it('drafts an email for step 2 of the expired-card variant, beside the current text, and changes nothing', async () => {
    ai.setMode('good');
    const before = await api(`/api/companies/${A}/settings`, { token: ownerA });
    const response = await draft({ channel: 'email', step: 1, variant: 'card_expired', brief: BRIEF });
    expect(response.status, response.text).toBe(200);
    expect(response.json.draft).toEqual({ subject: GOOD_DRAFT.subject, body: GOOD_DRAFT.body });
    // The current text is what members get today: our default for an expired card.
    expect(response.json.current.subject).toBe('The card for your {product} membership has expired');
    expect(response.json.target).toEqual({ channel: 'email', step: 1, variant: 'card_expired' });
    const after = await api(`/api/companies/${A}/settings`, { token: ownerA });
    expect(after.json.version).toBe(before.json.version);
    expect(after.json.settings).toEqual(before.json.settings);
  });

  it('sends the model only the brief, the template context and placeholder names: no member data, no key in the body', async () => {
    ai.setMode('good');
    ai.requests.length = 0;
    expect((await draft({ channel: 'dm', variant: 'generic', brief: BRIEF })).status).toBe(200);
    expect(ai.requests).toHaveLength(1);
    const [sent] = ai.requests;
    expect(sent!.path).toBe('/chat/completions');
    expect(sent!.headers.authorization).toBe('Bearer sk-or-test-key');
    expect(Object.keys(sent!.body).sort()).toEqual(['max_tokens', 'messages', 'model', 'temperature']);
    expect(sent!.body.model).toBe('fake/model-1');
    expect(sent!.body.messages!.map((m) => m.role)).toEqual(['system', 'user']);
    const user = sent!.body.messages![1]!.content;
    expect(user).toContain(BRIEF.product);
    expect(user).toContain('Channel: dm');
    expect(sent!.body.messages![0]!.content).toContain('{manage_url}');
    for (const personal of [MEMBER.name, 'Dana', MEMBER.email, MEMBER.user, MEMBER.membership, MEMBER.payment, '37.45', 'b0@example.test', A, B, 'sk-or-test-key'])
      expect(sent!.raw, personal).not.toContain(personal);
  });

  it('a brief holding a member’s email or id is refused before anything is sent', async () => {
    ai.requests.length = 0;
    const response = await draft({ channel: 'email', brief: { ...BRIEF, product: `Newsletter; write to ${MEMBER.email} about ${MEMBER.user}` } });
    expect(response.status).toBe(400);
    expect(response.json.error.problems.map((p: { field: string }) => p.field)).toEqual(['brief.product', 'brief.product']);
    expect(ai.requests).toHaveLength(0);
  });

  it.each([
    ['slow', 504, 'gateway_timeout', 'ai_timeout', /did not answer within 1 seconds/],
    ['fail500', 502, 'bad_gateway', 'ai_failed', /HTTP 500/],
    ['fail429', 503, 'unavailable', 'ai_rate_limited', /HTTP 429/],
    ['refusal', 502, 'bad_gateway', 'ai_refused', /declined to write/],
    ['broken_placeholders', 502, 'bad_gateway', 'ai_malformed_answer', /unknown placeholder \{coupon\}/],
    ['malformed_json', 502, 'bad_gateway', 'ai_malformed_answer', /not JSON/],
    ['no_text', 502, 'bad_gateway', 'ai_malformed_answer', /no text/],
  ] as const)('a %s answer is a %i %s naming the problem, and nothing changes', async (mode, status, code, reason, message) => {
    ai.setMode(mode);
    const before = await api(`/api/companies/${A}/settings`, { token: ownerA });
    const started = Date.now();
    const response = await draft({ channel: 'push', step: 0, variant: 'generic', brief: BRIEF });
    expect(response.status, response.text).toBe(status);
    expect(response.json.error).toMatchObject({ code, reason });
    expect(response.json.error.message).toMatch(message);
    // The provider's own error text (which can echo part of a key) never reaches the creator.
    expect(response.text).not.toContain('sk-or');
    if (mode === 'slow') expect(Date.now() - started).toBeLessThan(2_900);
    if (mode === 'fail429') expect(response.headers.get('retry-after')).toBe('7');
    const after = await api(`/api/companies/${A}/settings`, { token: ownerA });
    expect(after.json.version).toBe(before.json.version);
  });

  it('a draft that breaks a placeholder also names the unclosed one', async () => {
    ai.setMode('broken_placeholders');
    const response = await draft({ channel: 'dm', brief: BRIEF });
    expect(response.json.error.problems).toEqual(expect.arrayContaining(['body: unknown placeholder {coupon}', expect.stringMatching(/^body: malformed placeholder \{amount/)]));
  });

  it('a draft without the payment link, or too long for a push title, is refused', async () => {
    ai.setMode('custom', { answer: JSON.stringify({ title: 'x'.repeat(121), body: 'Please pay for {product}.' }) });
    const response = await draft({ channel: 'push', brief: BRIEF });
    expect(response.status).toBe(502);
    expect(response.json.error.problems).toEqual(['title: must be at most 120 characters', 'body: must contain {manage_url}, the link to update the payment']);
  });

  it('an answer in a ```json fence is read', async () => {
    ai.setMode('custom', { answer: '```json\n' + JSON.stringify({ body: 'Hi, update your card for {product}: {manage_url}' }) + '\n```' });
    const response = await draft({ channel: 'dm', brief: BRIEF });
    expect(response.status, response.text).toBe(200);
    expect(response.json.draft).toEqual({ body: 'Hi, update your card for {product}: {manage_url}' });
  });

  it('a step that does not exist is a 400 naming it', async () => {
    const response = await draft({ channel: 'email', step: 5, brief: BRIEF });
    expect(response.status).toBe(400);
    expect(response.json.error.message).toMatch(/step: there is no reminder step 5/);
  });

  it('approving is the ordinary settings save: a new version, audited, and the preview renders the approved text', async () => {
    ai.setMode('good');
    const drafted = await draft({ channel: 'email', step: null, variant: 'insufficient_funds', brief: BRIEF });
    expect(drafted.status).toBe(200);
    const current = await api(`/api/companies/${A}/settings`, { token: ownerA });
    const settings = current.json.settings;
    settings.templates = { ...settings.templates, email: { ...settings.templates.email, subject: { insufficient_funds: drafted.json.draft.subject }, body: { insufficient_funds: drafted.json.draft.body } } };
    const saved = await api(`/api/companies/${A}/settings`, { method: 'PUT', token: ownerA, body: settings });
    expect(saved.status, saved.text).toBe(200);
    expect(saved.json.version).toBe(current.json.version + 1);
    const preview = await api(`/api/companies/${A}/settings/preview`, { method: 'POST', token: ownerA, body: { settings: saved.json.settings, channel: 'email', variant: 'insufficient_funds' } });
    expect(preview.json.subject).toBe('Quick fix needed for your Northwind Signals membership');
    const { rows } = await database.sql.query<{ action: string; detail: { ok: boolean; reason?: string; version?: number; model?: string } }>(
      `SELECT action, detail FROM audit.events WHERE company_id = $1 AND action IN ('settings.draft', 'settings.update') ORDER BY id`,
      [A],
    );
    expect(rows.at(-1)).toMatchObject({ action: 'settings.update', detail: { ok: true, version: saved.json.version } });
    expect(rows.filter((r) => r.action === 'settings.draft' && r.detail.ok).at(-1)!.detail).toMatchObject({ model: 'fake/model-1' });
    expect(rows.some((r) => r.action === 'settings.draft' && r.detail.reason === 'ai_timeout')).toBe(true);
  });

  describe('save offers (the offer kind x channel, and the offer page)', () => {
    const PAUSE_DM = { body: 'Take a break from {product}: we pause billing for {days} days and you keep access. Keep it: {offer_url}' };

    it('drafts a pause offer’s DM beside our current text, from the offer’s context only, and changes nothing', async () => {
      ai.setMode('custom', { answer: JSON.stringify(PAUSE_DM) });
      ai.requests.length = 0;
      const before = await api(`/api/companies/${A}/settings`, { token: ownerA });
      const response = await draft({ offer: 'pause', channel: 'dm', brief: BRIEF });
      expect(response.status, response.text).toBe(200);
      expect(response.json.target).toEqual({ offer: 'pause', channel: 'dm' });
      expect(response.json.draft).toEqual(PAUSE_DM);
      expect(response.json.current.body).toMatch(/^You set \{product\} to cancel at the end of this period\. Keep it and we pause your payments for \{days\} days/);
      const [sent] = ai.requests;
      expect(sent!.body.messages![1]!.content).toContain('we pause their billing for {days} days');
      expect(sent!.body.messages![0]!.content).toContain('{offer_url}');
      expect(sent!.body.messages![0]!.content).not.toContain('{manage_url}');
      for (const personal of [MEMBER.name, 'Dana', MEMBER.email, MEMBER.user, MEMBER.membership, MEMBER.payment, '37.45', A, 'sk-or-test-key']) expect(sent!.raw, personal).not.toContain(personal);
      expect((await api(`/api/companies/${A}/settings`, { token: ownerA })).json.version).toBe(before.json.version);
    });

    it('a placeholder-breaking answer for a save offer is refused naming each problem; so is a nudge-shaped one', async () => {
      ai.setMode('custom', { answer: JSON.stringify({ subject: 'Stay for {days} days', body: 'Use {coupon} or {promo_code before it ends.' }) });
      const broken = await draft({ offer: 'promo_code', channel: 'email', brief: BRIEF });
      expect(broken.status).toBe(502);
      expect(broken.json.error.reason).toBe('ai_malformed_answer');
      expect(broken.json.error.problems).toEqual([
        expect.stringMatching(/^subject: unknown placeholder \{days\}: a promo code offer knows/),
        expect.stringMatching(/^body: unknown placeholder \{coupon\}/),
        expect.stringMatching(/^body: malformed placeholder \{promo_code/),
        'body: must contain {offer_url}, the link to the offer',
      ]);
      ai.setMode('good'); // a payment-recovery draft: {manage_url}, {amount}… mean nothing in a save offer
      const nudgeShaped = await draft({ offer: 'free_days', channel: 'push', brief: BRIEF });
      expect(nudgeShaped.status).toBe(502);
      expect(nudgeShaped.json.error.message).toMatch(/unknown placeholder \{manage_url\}/);
    });

    it('a save-offer target has no step or variant, and the offer page needs an offer', async () => {
      expect((await draft({ offer: 'pause', channel: 'dm', step: 0, brief: BRIEF })).status).toBe(400);
      expect((await draft({ channel: 'page', brief: BRIEF })).status).toBe(400);
      expect((await draft({ offer: 'refund', channel: 'dm', brief: BRIEF })).status).toBe(400);
    });

    it('approving the offer page’s draft is a settings save (new version, audited); the preview renders it and an invalid text is refused by field', async () => {
      const PAGE = { title: 'Stay with {company} for less', lead: 'Your code {promo_code} gives {promo_offer}.', button: 'Keep {product}' };
      ai.setMode('custom', { answer: JSON.stringify(PAGE) });
      const drafted = await draft({ offer: 'promo_code', channel: 'page', brief: BRIEF });
      expect(drafted.status, drafted.text).toBe(200);
      const current = await api(`/api/companies/${A}/settings`, { token: ownerA });
      const settings = current.json.settings;
      settings.save_offers = { ...settings.save_offers, templates: { promo_code: { page: drafted.json.draft } } };
      const saved = await api(`/api/companies/${A}/settings`, { method: 'PUT', token: ownerA, body: settings });
      expect(saved.status, saved.text).toBe(200);
      expect(saved.json.version).toBe(current.json.version + 1);
      expect((await api(`/api/companies/${A}/settings`, { token: ownerA })).json.settings.save_offers.templates).toEqual({ promo_code: { page: PAGE } });
      const preview = await api(`/api/companies/${A}/settings/preview`, { method: 'POST', token: ownerA, body: { settings: saved.json.settings, offer: 'promo_code', channel: 'page' } });
      expect(preview.json).toEqual({ title: 'Stay with Northwind for less', body: 'Your code SAVE-EXAMPLE1 gives 20 % off for 3 months.', button: 'Keep Northwind Signals' });
      const email = await api(`/api/companies/${A}/settings/preview`, { method: 'POST', token: ownerA, body: { settings: saved.json.settings, offer: 'promo_code', channel: 'email' } });
      expect(email.json.subject).toBe('Stay with Northwind for less: 20 % off for 3 months');
      expect(email.json.body).toContain('/save/example');
      // The company's own name, as stored from Whop, not a sample: B's reads B's.
      const [b] = (await database.sql.query<{ title: string }>(`SELECT title FROM companies WHERE company_id = $1`, [B])).rows;
      const other = await api(`/api/companies/${B}/settings/preview`, { method: 'POST', token: ownerB, body: { offer: 'message', channel: 'page' } });
      expect(other.json).toMatchObject({ title: `A note from ${b!.title}`, button: 'Keep Northwind Signals' });
      expect((await api(`/api/companies/${A}/settings/preview`, { method: 'POST', token: ownerA, body: { channel: 'page' } })).status).toBe(400);
      const { rows } = await database.sql.query<{ target: string; detail: { ok: boolean } }>(`SELECT target, detail FROM audit.events WHERE company_id = $1 AND action = 'settings.draft' ORDER BY id`, [A]);
      expect(rows.at(-1)).toMatchObject({ target: 'save_offers.templates.promo_code.page', detail: { ok: true } });
      settings.save_offers.templates = { promo_code: { dm: { body: 'Take {days} days off' } } };
      const refused = await api(`/api/companies/${A}/settings`, { method: 'PUT', token: ownerA, body: settings });
      expect(refused.status).toBe(400);
      expect(refused.json.error.problems.map((p: { field: string }) => p.field)).toEqual(['save_offers.templates.promo_code.dm.body', 'save_offers.templates.promo_code.dm.body']);
    });
  });

  it('another company’s owner can neither draft nor approve for this company, nor see whether it can', async () => {
    ai.requests.length = 0;
    expect((await draft({ channel: 'email', brief: BRIEF }, ownerB, A)).status).toBe(404);
    expect((await api(`/api/companies/${A}/settings/drafts`, { token: ownerB })).status).toBe(404);
    const before = await api(`/api/companies/${A}/settings`, { token: ownerA });
    const approve = await api(`/api/companies/${A}/settings`, { method: 'PUT', token: ownerB, body: { templates: { email: { subject: { generic: GOOD_DRAFT.subject } } } } });
    expect(approve.status).toBe(404);
    expect((await api(`/api/companies/${A}/settings`, { token: ownerA })).json.version).toBe(before.json.version);
    expect(ai.requests).toHaveLength(0);
    // Without credentials: 401, nothing sent either.
    expect((await draft({ channel: 'email', brief: BRIEF }, '')).status).toBe(401);
    expect(ai.requests).toHaveLength(0);
    // B's own drafts work and are B's.
    ai.setMode('good');
    expect((await draft({ channel: 'email', brief: BRIEF }, ownerB, B)).status).toBe(200);
  });

  it('drafts are limited per company: the 31st in an hour is a 429 with Retry-After, and another company is unaffected', async () => {
    ai.setMode('good');
    let last;
    for (let i = 0; i < 40; i++) {
      last = await draft({ channel: 'dm', brief: BRIEF });
      if (last.status !== 200) break;
    }
    expect(last!.status).toBe(429);
    expect(last!.json.error.code).toBe('rate_limited');
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await draft({ channel: 'dm', brief: BRIEF }, ownerB, B)).status).toBe(200);
  });
});

describe('AI-drafted copy without OPENROUTER_API_KEY', () => {
  let database: TestDatabase;
  let service: TestService;
  const OPERATOR = { email: 'ops@drafts.test', password: 'a long operator password' };

  beforeAll(async () => {
    database = await createTestDatabase();
    service = await startTestService(database, { env: { ADMIN_EMAIL: OPERATOR.email, ADMIN_PASSWORD: OPERATOR.password, NUDGE_INTERVAL_SECONDS: '3600' } });
    const body = JSON.stringify(buildWhopEvent('payment.failed', { company_id: 'biz_nokey', data: { id: 'pay_nokey', company: { id: 'biz_nokey' }, membership: { id: 'mem_nokey' } } }));
    expect((await service.post('/api/webhooks/whop', body, signV1(body, service.webhookSecret))).status).toBe(200);
    await waitFor(async () => (await database.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM recovery_cases`)).rows[0]!.n === 1, 20_000, 'case');
  });
  afterAll(async () => {
    await service?.stop();
    await database?.close();
  });

  it('is absent, and the API says so: GET available false, POST 409 ai_not_configured', async () => {
    const login = await fetch(`${service.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(OPERATOR) });
    expect(login.status).toBe(200);
    const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const { csrf_token: csrf } = (await login.json()) as { csrf_token: string };
    const status = await readResponse(await fetch(`${service.url}/api/companies/biz_nokey/settings/drafts`, { headers: { cookie } }));
    expect(status.status).toBe(200);
    expect(status.json).toEqual({ available: false, message: expect.stringContaining('OPENROUTER_API_KEY') });
    const posted = await readResponse(
      await fetch(`${service.url}/api/companies/biz_nokey/settings/drafts`, { method: 'POST', headers: { cookie, 'x-csrf-token': csrf, 'content-type': 'application/json' }, body: JSON.stringify({ channel: 'email', brief: BRIEF }) }),
    );
    expect(posted.status).toBe(409);
    expect(posted.json.error).toMatchObject({ code: 'conflict', reason: 'ai_not_configured' });
  });
});
