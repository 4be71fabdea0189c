import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WhopApiFake } from '../fakes/whop-api.ts';
import { readResponse } from '../support/read-response.ts';
import { startServiceWithWhop } from '../support/service-with-whop.ts';
import { signV1 } from '../support/sign-webhook.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-database.ts';
import { decrypted } from '../support/test-keys.ts';
import type { TestService } from '../support/test-service.ts';
import { waitFor } from '../support/test-service.ts';
import { buildWhopEventIn, type WhopEventOverrides, type WhopFixtureShape, type WhopFixtureType } from '../support/whop-fixtures.ts';
import type { createWhopTokenIssuer } from '../support/whop-user-token.ts';

/**
 * Today's Whop end to end: the service pinned to 2026-09-15, webhooks in the new shape (account_id,
 * bare ids) and the old one, signed at test time and posted over HTTP; bare ids are looked up in
 * the Whop fake. What the creator sees: the case, its decline code, the CSV, the settings page's
 * capabilities.
 */
const C = 'biz_signals';
const C_PERM = 'biz_signals_perm';
const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();

describe('the new Whop signals, delivered and stored', () => {
  let database: TestDatabase;
  let service: TestService;
  let whop: WhopApiFake;
  let issuer: Awaited<ReturnType<typeof createWhopTokenIssuer>>;
  let owner: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    ({ service, whop, issuer } = await startServiceWithWhop(database, { WHOP_API_VERSION: '2026-09-15' }));
    whop.setAccess('user_owner', C, 'admin');
    whop.setAccess('user_owner', C_PERM, 'admin');
    owner = await issuer.token('user_owner');
  });
  afterAll(async () => {
    await service?.stop();
    await whop?.close();
    await database?.close();
  });

  const api = async (path: string) => readResponse(await fetch(`${service.url}${path}`, { headers: { 'x-whop-user-token': owner } }));
  const eventStatus = async (webhookId: string) =>
    (await database.sql.query<{ status: string; error: string | null }>(`SELECT status, error FROM webhook_events WHERE webhook_id = $1`, [webhookId])).rows[0];

  /** Posts a signed delivery and waits until the worker has dealt with it. */
  async function deliver(shape: WhopFixtureShape, type: WhopFixtureType, overrides: WhopEventOverrides) {
    const body = JSON.stringify(buildWhopEventIn(shape, type, overrides));
    const headers = signV1(body, service.webhookSecret);
    expect((await service.post('/api/webhooks/whop', body, headers)).status).toBe(200);
    return waitFor(async () => {
      const row = await eventStatus(headers['webhook-id']!);
      return row && row.status !== 'pending' ? row : null;
    }, 15_000, `${type} processed`);
  }
  const casesOf = async (companyId: string, membershipId: string) =>
    (await database.sql.query<Record<string, any>>(`SELECT * FROM recovery_cases WHERE company_id = $1 AND whop_membership_id = $2 ORDER BY first_failure_at`, [companyId, membershipId])).rows.map(decrypted);
  const factsOf = async (companyId: string, membershipId: string) =>
    (await database.sql.query<Record<string, any>>(`SELECT * FROM membership_facts WHERE company_id = $1 AND whop_membership_id = $2 ORDER BY occurred_at, id`, [companyId, membershipId])).rows.map(decrypted);

  it('start-up logs the pinned Whop API version and the endpoints it chose', () => {
    expect(service.logs.find((l) => l.msg === 'whop api version pinned')).toMatchObject({ whopApiVersion: '2026-09-15', endpoints: 'dated', whopApi: 'configured' });
  });

  it('payment.requires_action (2026-09-15 shape) opens the case as needing authentication, with its recovery link and the member looked up in Whop', async () => {
    whop.setMembership('mem_auth', { company: { id: C, title: 'Signals' }, user: { id: 'user_auth', username: 'auth', name: 'Ada', email: 'ada@example.com' } });
    const at = hoursAgo(2);
    const processed = await deliver('2026-09-15', 'payment.requires_action', {
      account_id: C,
      data: { id: 'pay_auth', membership: 'mem_auth', user: 'user_auth', last_payment_attempt: at, updated_at: at, created_at: at },
    });
    expect(processed.status).toBe('processed');
    const [c] = await casesOf(C, 'mem_auth');
    expect(c).toMatchObject({
      status: 'open',
      needs_authentication: true,
      recovery_url: 'https://whop.com/billing/recover/pay_9QwErT5yUi3kVx',
      decline_code: 'three_d_secure_required',
      failure_count: 0,
      member_email: 'ada@example.com',
      whop_user_id: 'user_auth',
    });
    // The bare user id was looked up once, at the pinned version.
    expect(whop.callsTo('GET', '/memberships/mem_auth').map((call) => call.headers['api-version-date'])).toEqual(['2026-09-15']);

    const detail = await api(`/api/companies/${C}/cases/${c!.id}`);
    expect(detail.status).toBe(200);
    expect(detail.json.case).toMatchObject({ decline_code: 'three_d_secure_required', needs_authentication: true, has_recovery_url: true, card_exp_month: 10, card_exp_year: 2028 });
    expect(JSON.stringify(detail.json)).not.toContain('billing/recover');
  });

  it('a later ordinary failure (2026-07-20 shape) joins the same case: one case, the new decline code, no longer waiting for authentication', async () => {
    const at = hoursAgo(1);
    await deliver('2026-07-20', 'payment.failed', {
      company_id: C,
      data: { id: 'pay_auth', company: { id: C }, membership: { id: 'mem_auth' }, decline_code: 'insufficient_funds', next_payment_attempt: hoursAgo(-48), last_payment_attempt: at, updated_at: at },
    });
    const cases = await casesOf(C, 'mem_auth');
    expect(cases).toHaveLength(1);
    expect(cases[0]).toMatchObject({ failure_count: 1, decline_code: 'insufficient_funds', needs_authentication: false, payment_retryable: true });
    expect(cases[0]!.next_payment_attempt_at).toBeInstanceOf(Date);

    const csv = await api(`/api/companies/${C}/cases.csv`);
    const [header, row] = csv.text.trim().split('\n');
    expect(header!.split(',').at(-1)).toBe('decline_code');
    expect(row!.split(',').at(-1)).toBe('insufficient_funds');
  });

  it('cancellation scheduled, then won back: both stored as facts with cancel_option and cancelation_status, and no case opens', async () => {
    await deliver('2026-09-15', 'membership.cancel_at_period_end_changed', { account_id: C, data: { id: 'mem_cancel', user: 'user_cancel', updated_at: hoursAgo(5) } });
    await deliver('2026-07-20', 'membership.updated', { company_id: C, data: { id: 'mem_cancel', company: { id: C }, updated_at: hoursAgo(4) } });
    const facts = await factsOf(C, 'mem_cancel');
    expect(facts.map((f) => [f.kind, f.cancel_option, f.cancelation_status])).toEqual([
      ['cancellation_scheduled', 'too_expensive', 'canceling'],
      ['cancellation_unscheduled', 'too_expensive', 'won_back'],
    ]);
    expect(await casesOf(C, 'mem_cancel')).toEqual([]);
  });

  it('a refund whose payment is a bare id is resolved through Whop and reverses the right membership', async () => {
    whop.setPayment('pay_refunded', { company: { id: C, route: 'signals', title: 'Signals' }, membership: { id: 'mem_refund', phone_number: null, status: 'active' }, user: { id: 'user_refund', email: null, name: null, username: 'r' } });
    whop.setMembership('mem_refund', { company: { id: C, title: 'Signals' }, user: { id: 'user_refund', username: 'r', name: 'R', email: 'r@example.com' } });
    const processed = await deliver('2026-09-15', 'refund.created', { account_id: C, data: { id: 'rfnd_bare', payment: 'pay_refunded', created_at: hoursAgo(1) } });
    expect(processed.status).toBe('processed');
    const [fact] = await factsOf(C, 'mem_refund');
    expect(fact).toMatchObject({ kind: 'payment_reversed', whop_payment_id: 'pay_refunded', reason: 'refund', member_email: 'r@example.com' });
    expect(whop.callsTo('GET', '/payments/pay_refunded')).toHaveLength(1);
  });

  it('a refund whose bare payment Whop does not know is marked failed, naming the id', async () => {
    const processed = await deliver('2026-09-15', 'refund.created', { account_id: C, data: { id: 'rfnd_unknown', payment: 'pay_nowhere', created_at: hoursAgo(1) } });
    expect(processed).toMatchObject({ status: 'failed', error: expect.stringContaining('unresolved_reference') });
    expect(processed.error).toContain('pay_nowhere');
  });

  it('without member:email:read and member:basic:read the case still opens, and the settings say what is off and which permission turns it on', async () => {
    const before = await api(`/api/companies/${C_PERM}/settings`);
    expect(before.json.whop_capabilities.map((c: { status: string }) => c.status)).toEqual(['unknown', 'unknown', 'unknown']);
    const at = hoursAgo(1);
    await deliver('2026-07-20', 'payment.requires_action', {
      company_id: C_PERM,
      data: { id: 'pay_perm', company: { id: C_PERM }, membership: { id: 'mem_perm' }, user: { id: 'user_perm', email: null }, recovery_url: null, customer_phone: null, last_payment_attempt: at, updated_at: at },
    });
    const [c] = await casesOf(C_PERM, 'mem_perm');
    expect(c).toMatchObject({ status: 'open', needs_authentication: true, recovery_url: null, member_email: null });
    const settings = await api(`/api/companies/${C_PERM}/settings`);
    expect(settings.json.whop_api_version).toBe('2026-09-15');
    expect(settings.json.whop_capabilities).toEqual([
      expect.objectContaining({ field: 'email', status: 'off', permission: 'member:email:read' }),
      expect.objectContaining({ field: 'phone', status: 'off', permission: 'member:phone:read' }),
      expect.objectContaining({ field: 'recovery_url', status: 'off', permission: 'member:basic:read' }),
    ]);
    // Another company's capabilities are its own.
    const other = await api(`/api/companies/${C}/settings`);
    expect(other.json.whop_capabilities.find((x: { field: string }) => x.field === 'email').status).toBe('on');
  });
});
