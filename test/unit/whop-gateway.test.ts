import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mapWebhookToFact } from '../../src/integrations/whop/events/index.ts';
import { createWhopGateway, type WhopGateway } from '../../src/integrations/whop/whop-gateway.ts';
import { createReferenceResolver } from '../../src/services/webhooks/resolve-webhook-references.ts';
import { startWhopApiFake, type WhopApiFake } from '../fakes/whop-api.ts';

/** The gateway against the Whop fake at both endpoint generations: what Whop sees, and what it does. */
let fake: WhopApiFake;
beforeAll(async () => {
  fake = await startWhopApiFake({ apiKey: 'k' });
});
afterAll(async () => fake.close());
beforeEach(() => fake.reset());

const gatewayAt = (apiVersion?: string): WhopGateway => createWhopGateway({ apiKey: 'k', baseURL: fake.baseURL, apiVersion, timeoutMs: 2000 });
const CLASSIC = '2026-07-20';
const DATED = '2026-09-15';

describe('every Whop call carries the pinned version', () => {
  it('sends WHOP_API_VERSION as Api-Version-Date, not the SDK default or process.env', async () => {
    const before = process.env.WHOP_API_VERSION;
    process.env.WHOP_API_VERSION = '2025-01-01';
    try {
      fake.setMembership('mem_v');
      await gatewayAt(DATED).getMembership('mem_v');
      await gatewayAt().getMembership('mem_v');
    } finally {
      if (before === undefined) delete process.env.WHOP_API_VERSION;
      else process.env.WHOP_API_VERSION = before;
    }
    expect(fake.calls.map((c) => c.headers['api-version-date'])).toEqual([DATED, CLASSIC]);
  });
});

describe.each([
  { version: CLASSIC, generation: 'classic', freeDays: ['POST', '/memberships/mem_a/add_free_days', { free_days: 7 }], uncancel: ['POST', '/memberships/mem_a/uncancel'], pauseField: 'resumes_at' },
  { version: DATED, generation: 'dated', freeDays: ['POST', '/memberships/mem_a/extend', { days: 7 }], uncancel: ['PATCH', '/memberships/mem_a', { cancel_at_period_end: false }], pauseField: 'until' },
] as const)('at $version the gateway speaks the $generation endpoints', ({ version, generation, freeDays, uncancel, pauseField }) => {
  it(`pauses the billing until a date with ${pauseField} (the member keeps access)`, async () => {
    const id = `mem_pause_${generation}`;
    fake.setMembership(id);
    const resumes = new Date(Date.now() + 30 * 86_400_000);
    expect(await gatewayAt(version).pauseMembership(id, resumes)).toEqual({ ok: true, value: undefined });
    const [call] = fake.callsTo('POST', `/memberships/${id}/pause`);
    expect([call?.status, call?.body]).toEqual([200, { [pauseField]: resumes.toISOString() }]);
    expect(fake.membership(id)).toMatchObject({ payment_collection_paused: true, status: 'active' });
  });

  it('grants free days through the endpoint that exists at this version', async () => {
    const before = fake.setMembership('mem_a', { renewal_period_end: '2026-12-10T00:00:00.000Z' });
    const gateway = gatewayAt(version);
    expect(gateway.generation).toBe(generation);
    expect(await gateway.addFreeDays('mem_a', 7)).toEqual({ ok: true, value: undefined });
    const [call] = fake.callsTo(freeDays[0], freeDays[1]);
    expect(call?.body).toEqual(freeDays[2]);
    expect(call?.status).toBe(200);
    expect(fake.membership('mem_a')?.renewal_period_end).toBe('2026-12-17T00:00:00.000Z');
    expect(before.id).toBe('mem_a');
  });

  it('undoes a scheduled cancel through the endpoint that exists at this version', async () => {
    fake.setMembership('mem_a', { cancel_at_period_end: true });
    expect((await gatewayAt(version).uncancelMembership('mem_a')).ok).toBe(true);
    const [call] = fake.callsTo(uncancel[0], uncancel[1]);
    expect(call?.status).toBe(200);
    if (uncancel.length === 3) expect(call?.body).toEqual(uncancel[2]);
    expect(fake.membership('mem_a')?.cancel_at_period_end).toBe(false);
  });

  it('a cancel at period end keeps access (cancel_at_period_end sent explicitly)', async () => {
    fake.setMembership('mem_a', { status: 'past_due' });
    expect((await gatewayAt(version).cancelMembership('mem_a', 'at_period_end')).ok).toBe(true);
    expect(fake.callsTo('POST', '/memberships/mem_a/cancel')[0]?.body).toMatchObject({ cancel_at_period_end: true });
    expect(fake.cancellations).toMatchObject([{ membershipId: 'mem_a', effect: 'at_period_end', apiVersion: version }]);
    expect(fake.membership('mem_a')).toMatchObject({ status: 'past_due', cancel_at_period_end: true });
  });

  it('an immediate cancel revokes access', async () => {
    fake.setMembership('mem_a');
    expect((await gatewayAt(version).cancelMembership('mem_a', 'immediate')).ok).toBe(true);
    expect(fake.callsTo('POST', '/memberships/mem_a/cancel')[0]?.body).toMatchObject({ cancel_at_period_end: false });
    expect(fake.cancellations).toMatchObject([{ effect: 'immediate' }]);
    expect(fake.membership('mem_a')?.status).toBe('canceled');
  });

  it('lists memberships and payments of one company with the filters of this version', async () => {
    fake.setMembership('mem_l1', { status: 'past_due', company: { id: 'biz_l', title: 'L' } });
    fake.setMembership('mem_l2', { status: 'active', company: { id: 'biz_l', title: 'L' } });
    fake.setMembership('mem_other', { status: 'past_due', company: { id: 'biz_other', title: 'O' } });
    fake.setPayment('pay_l1', { status: 'open', company: { id: 'biz_l', route: 'l', title: 'L' }, membership: { id: 'mem_l1', phone_number: null, status: 'past_due' }, user: { id: 'user_l1', email: null, name: null, username: 'l1' } });
    const gateway = gatewayAt(version);
    const memberships = await gateway.listMemberships({ companyId: 'biz_l', status: 'past_due' });
    const payments = await gateway.listPayments({ companyId: 'biz_l', status: 'open' });
    expect(memberships).toEqual({ ok: true, value: { items: [expect.objectContaining({ id: 'mem_l1', companyId: 'biz_l', status: 'past_due' })], nextCursor: null } });
    // Related records come back nested (classic) or as bare ids (dated): the same ids either way.
    expect(payments).toEqual({ ok: true, value: { items: [expect.objectContaining({ id: 'pay_l1', companyId: 'biz_l', membershipId: 'mem_l1', userId: 'user_l1' })], nextCursor: null } });
    const query = fake.callsTo('GET', '/payments')[0]!.query;
    if (generation === 'dated') expect(query).toMatchObject({ account_id: 'biz_l', status: 'open' });
    else expect(query).toMatchObject({ company_id: 'biz_l', 'statuses[]': 'open' });
  });

  it('reads a payment whose related records may be bare ids', async () => {
    fake.setPayment('pay_r', { membership: { id: 'mem_r', phone_number: null, status: 'past_due' }, user: { id: 'user_r', email: null, name: null, username: 'r' } });
    expect(await gatewayAt(version).getPayment('pay_r')).toMatchObject({ ok: true, value: { id: 'pay_r', membershipId: 'mem_r', userId: 'user_r', companyId: 'biz_fake' } });
  });
});

describe('the fake refuses what Whop would refuse at each version', () => {
  const raw = (version: string, method: string, path: string, body?: object) =>
    fetch(`${fake.baseURL}${path}`, {
      method,
      headers: { authorization: 'Bearer k', 'api-version-date': version, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });

  it('add_free_days and uncancel are gone at 2026-09-15; extend is not there before it', async () => {
    fake.setMembership('mem_x');
    expect((await raw(DATED, 'POST', '/memberships/mem_x/add_free_days', { free_days: 3 })).status).toBe(404);
    expect((await raw(DATED, 'POST', '/memberships/mem_x/uncancel')).status).toBe(404);
    expect((await raw(CLASSIC, 'POST', '/memberships/mem_x/extend', { days: 3 })).status).toBe(404);
  });

  it('a pause takes resumes_at before 2026-09-15 and until from it; the other field, or a past time, is a 400', async () => {
    fake.setMembership('mem_px');
    const later = new Date(Date.now() + 86_400_000).toISOString();
    expect((await raw(DATED, 'POST', '/memberships/mem_px/pause', { resumes_at: later })).status).toBe(400);
    expect((await raw(CLASSIC, 'POST', '/memberships/mem_px/pause', { until: later })).status).toBe(400);
    expect((await raw(CLASSIC, 'POST', '/memberships/mem_px/pause', { resumes_at: new Date(Date.now() - 1000).toISOString() })).status).toBe(400);
    expect(fake.membership('mem_px')?.payment_collection_paused).toBe(false);
  });

  it('at 2026-09-15 a cancel without cancel_at_period_end revokes access immediately', async () => {
    fake.setMembership('mem_x');
    expect((await raw(DATED, 'POST', '/memberships/mem_x/cancel', { cancellation_mode: 'at_period_end' })).status).toBe(200);
    expect(fake.cancellations).toMatchObject([{ membershipId: 'mem_x', effect: 'immediate', apiVersion: DATED }]);
    expect(fake.membership('mem_x')?.status).toBe('canceled');
  });

  it('a list with the other version\'s filters is a 400', async () => {
    expect((await raw(DATED, 'GET', '/memberships?company_id=biz_fake')).status).toBe(400);
    expect((await raw(CLASSIC, 'GET', '/payments?account_id=biz_fake')).status).toBe(400);
    expect((await raw(DATED, 'GET', '/payments?account_id=biz_fake&statuses[]=open')).status).toBe(400);
  });

  it('a failure of a raw call maps like an SDK call (retryable 5xx with status)', async () => {
    fake.setMembership('mem_f');
    fake.failNext('POST /memberships/:id/extend', [{ status: 503 }]);
    expect(await gatewayAt(DATED).addFreeDays('mem_f', 2)).toMatchObject({ ok: false, provider: 'whop', retryable: true, status: 503 });
    fake.failNext('PATCH /memberships/:id', [{ status: 403 }]);
    expect(await gatewayAt(DATED).uncancelMembership('mem_f')).toMatchObject({ ok: false, retryable: false, status: 403 });
  });
});

describe('the fake serves the new events in the shape of each version', () => {
  it.each(['payment.failed', 'payment.requires_action'] as const)('%s from a stored payment maps to the same fact at 2026-07-20 and at 2026-09-15 (bare ids looked up through the gateway)', async (type) => {
    const at = '2026-11-30T10:00:00.000Z';
    fake.setMembership('mem_ev', { company: { id: 'biz_ev', title: 'Ev' }, user: { id: 'user_ev', username: 'ev', name: 'Eve', email: 'eve@example.com' } });
    fake.setPayment('pay_ev', {
      company: { id: 'biz_ev', route: 'ev', title: 'Ev' },
      membership: { id: 'mem_ev', phone_number: null, status: 'past_due' },
      user: { id: 'user_ev', email: 'eve@example.com', name: 'Eve', username: 'ev' },
      payment_method: { id: 'payt_ev', card: { brand: 'visa', exp_month: 3, exp_year: 2027, last4: '4242' } } as never,
      last_payment_attempt: at,
      next_payment_attempt: '2026-12-03T10:00:00.000Z',
    });
    fake.setPaymentExtras('pay_ev', { decline_code: type === 'payment.failed' ? 'insufficient_funds' : 'three_d_secure_required', recovery_url: 'https://whop.com/billing/recover/pay_ev' });
    const classicBody = fake.webhookBody(type, 'pay_ev', CLASSIC);
    const datedBody = fake.webhookBody(type, 'pay_ev', DATED);
    expect(datedBody).toMatchObject({ account_id: 'biz_ev', data: { membership: 'mem_ev', user: 'user_ev', card_exp_month: 3 } });
    expect(datedBody).not.toHaveProperty('company_id');
    const resolve = createReferenceResolver(gatewayAt(DATED), { clock: { now: () => new Date() } });
    const resolved = await resolve(datedBody);
    if (!resolved.ok) throw new Error(resolved.message);
    const classic = mapWebhookToFact(classicBody, 1);
    expect(classic).toMatchObject({ ok: true, fact: { companyId: 'biz_ev', memberEmail: 'eve@example.com', signals: { cardExpMonth: 3, cardExpYear: 2027 } } });
    expect(mapWebhookToFact(datedBody, 1, resolved.references)).toEqual(classic);
  });

  it('membership.cancel_at_period_end_changed from a stored membership, in both shapes', async () => {
    fake.setMembership('mem_cx', { company: { id: 'biz_ev', title: 'Ev' }, cancel_at_period_end: true, cancel_option: 'too_expensive', updated_at: '2026-11-30T10:00:00.000Z' });
    const classic = mapWebhookToFact(fake.webhookBody('membership.cancel_at_period_end_changed', 'mem_cx', CLASSIC), 1);
    expect(classic).toMatchObject({ ok: true, fact: { kind: 'cancellation_scheduled', companyId: 'biz_ev', reason: 'too_expensive' } });
    const datedBody = fake.webhookBody('membership.cancel_at_period_end_changed', 'mem_cx', DATED);
    const resolved = await createReferenceResolver(gatewayAt(DATED), { clock: { now: () => new Date() } })(datedBody);
    expect(resolved.ok && mapWebhookToFact(datedBody, 1, resolved.references)).toEqual(classic);
  });
});
