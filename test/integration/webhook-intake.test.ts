import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signV1, signV5, newWebhookSecret } from '../support/sign-webhook.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-database.ts';
import { startTestService, waitFor, type TestService } from '../support/test-service.ts';
import { buildWhopEvent } from '../support/whop-fixtures.ts';
import { decrypted } from '../support/test-keys.ts';

const WEBHOOK = '/api/webhooks/whop';
/** A payment.failed happening now (the fixture's own dates are long past every window). */
const failedNow = (data: Record<string, unknown> = {}) =>
  buildWhopEvent('payment.failed', { data: { last_payment_attempt: new Date().toISOString(), ...data } });

describe('POST /api/webhooks/whop', () => {
  let database: TestDatabase;
  let service: TestService;
  let seq = 0;
  const company = () => `biz_intake${++seq}`;

  beforeAll(async () => {
    database = await createTestDatabase();
    service = await startTestService(database);
  });
  afterAll(async () => {
    await service?.stop();
    await database?.close();
  });

  const countEvents = async (where = 'true') =>
    Number((await database.sql.query<{ n: string }>(`SELECT count(*) AS n FROM webhook_events WHERE ${where}`)).rows[0]!.n);
  const casesOf = async (companyId: string) =>
    (await database.sql.query<Record<string, any>>(`SELECT * FROM recovery_cases WHERE company_id = $1 ORDER BY first_failure_at`, [companyId])).rows.map(decrypted);

  it('stores a signed payment.failed, answers 200, and opens one recovery case', async () => {
    const companyId = company();
    const body = JSON.stringify(failedNow({ company: { id: companyId }, membership: { id: 'mem_a' }, total: 29.99, currency: 'usd', failure_message: 'Your card has insufficient funds.' }));
    const headers = signV1(body, service.webhookSecret);
    const response = await service.post(WEBHOOK, body, headers);
    expect(response.status).toBe(200);
    expect(response.json.received).toBe(true);
    const stored = await database.sql.query<{ raw_body: string; status: string }>(`SELECT raw_body, status FROM webhook_events WHERE webhook_id = $1`, [headers['webhook-id']]);
    // Stored encrypted (AES-256-GCM under ENCRYPTION_KEY), and exactly what was sent once decrypted.
    expect(stored.rows[0]!.raw_body).toMatch(/^enc:v1:[0-9a-f]{12}:/);
    expect(stored.rows[0]!.raw_body).not.toContain('insufficient');
    expect(decrypted(stored.rows[0]!).raw_body).toBe(body);
    const [opened] = await waitFor(async () => ((await casesOf(companyId)).length === 1 ? casesOf(companyId) : null), 15_000, 'case to open');
    expect(opened).toMatchObject({ status: 'open', whop_membership_id: 'mem_a', failure_count: 1, currency: 'usd', failure_reason: 'Your card has insufficient funds.' });
    expect(Number(opened!.amount_at_risk_cents)).toBe(2999);
    await waitFor(async () => (await countEvents(`webhook_id = '${headers['webhook-id']}' AND status = 'processed'`)) === 1, 10_000, 'processed');
  });

  it('a duplicate webhook-id answers 200 {duplicate:true} and has no second effect', async () => {
    const companyId = company();
    const body = JSON.stringify(failedNow({ company: { id: companyId }, membership: { id: 'mem_dup' } }));
    const headers = signV1(body, service.webhookSecret);
    expect((await service.post(WEBHOOK, body, headers)).status).toBe(200);
    const again = await service.post(WEBHOOK, body, headers);
    expect(again.status).toBe(200);
    expect(again.json).toMatchObject({ duplicate: true });
    await waitFor(async () => (await casesOf(companyId)).length === 1, 15_000, 'case');
    expect(await countEvents(`webhook_id = '${headers['webhook-id']}'`)).toBe(1);
    expect((await casesOf(companyId))[0]!.failure_count).toBe(1);
  });

  it('a delivery signed with another secret is refused with 401 naming webhook-signature, and nothing is stored', async () => {
    const body = JSON.stringify(buildWhopEvent('payment.failed', {}));
    const headers = signV1(body, newWebhookSecret());
    const before = await countEvents();
    const response = await service.post(WEBHOOK, body, headers);
    expect(response.status).toBe(401);
    expect(response.json.error.code).toBe('invalid_signature');
    expect(response.json.error.message).toContain('webhook-signature');
    expect(await countEvents()).toBe(before);
  });

  it('a body changed after signing is refused', async () => {
    const body = JSON.stringify(buildWhopEvent('payment.failed', {}));
    const headers = signV1(body, service.webhookSecret);
    const response = await service.post(WEBHOOK, body.replace('"usd"', '"eur"'), headers);
    expect(response.status).toBe(401);
  });

  it.each(['webhook-id', 'webhook-timestamp', 'webhook-signature'])('a missing %s header is refused with 401 naming it', async (header) => {
    const body = JSON.stringify(buildWhopEvent('payment.failed', {}));
    const headers = signV1(body, service.webhookSecret);
    delete headers[header];
    const response = await service.post(WEBHOOK, body, headers);
    expect(response.status).toBe(401);
    expect(response.json.error.message).toContain(header);
  });

  it('a replay signed more than 5 minutes ago is refused with 401 naming webhook-timestamp', async () => {
    const body = JSON.stringify(buildWhopEvent('payment.failed', {}));
    const headers = signV1(body, service.webhookSecret, { at: new Date(Date.now() - 6 * 60_000) });
    const response = await service.post(WEBHOOK, body, headers);
    expect(response.status).toBe(401);
    expect(response.json.error.message).toContain('webhook-timestamp');
  });

  it('a captured delivery replayed 6 minutes later (same webhook-id, its original signature) is refused, and a re-signed copy is only a duplicate', async () => {
    const companyId = company();
    const body = JSON.stringify(failedNow({ company: { id: companyId }, membership: { id: 'mem_replay' } }));
    const sentAt = new Date(Date.now() - 6 * 60_000);
    const captured = signV1(body, service.webhookSecret, { at: sentAt });
    // The original delivery (its id), accepted when it was fresh; then the captured headers replayed.
    expect((await service.post(WEBHOOK, body, signV1(body, service.webhookSecret, { id: captured['webhook-id'] }))).status).toBe(200);
    const replay = await service.post(WEBHOOK, body, captured);
    expect(replay.status).toBe(401);
    expect(replay.json.error.message).toContain('webhook-timestamp');
    const again = await service.post(WEBHOOK, body, signV1(body, service.webhookSecret, { id: captured['webhook-id'] }));
    expect(again.status).toBe(200);
    expect(again.json.duplicate).toBe(true);
    expect(await countEvents(`webhook_id = '${captured['webhook-id']}'`)).toBe(1);
  });

  it('a body over 1 MiB is refused with 413 before anything is stored', async () => {
    const body = JSON.stringify({ ...buildWhopEvent('payment.failed', {}), padding: 'x'.repeat(1024 * 1024) });
    const before = await countEvents();
    const response = await service.post(WEBHOOK, body, signV1(body, service.webhookSecret));
    expect(response.status).toBe(413);
    expect(response.json.error.code).toBe('payload_too_large');
    expect(await countEvents()).toBe(before);
  });

  it.each([
    ['not JSON', 'this is not json', 'JSON'],
    ['JSON without type', JSON.stringify({ id: 'msg_x', data: {} }), 'type'],
    ['JSON without id', JSON.stringify({ type: 'payment.failed', data: {} }), 'id'],
  ])('a signed body that is %s is refused with 400 naming the problem', async (_what, body, named) => {
    const response = await service.post(WEBHOOK, body, signV1(body, service.webhookSecret));
    expect(response.status).toBe(400);
    expect(response.json.error.message).toContain(named);
  });

  it('an event type we do not act on is stored, answered 200 and marked ignored', async () => {
    const body = JSON.stringify({ ...buildWhopEvent('payment.failed', {}), type: 'entry.created' });
    const headers = signV1(body, service.webhookSecret);
    const response = await service.post(WEBHOOK, body, headers);
    expect(response.status).toBe(200);
    expect(response.json.ignored).toBe(true);
    expect(await countEvents(`webhook_id = '${headers['webhook-id']}' AND status = 'ignored' AND type = 'entry.created'`)).toBe(1);
  });

  it('answers 503 when the event cannot be stored, so Whop retries, and accepts the retry once storage is back', async () => {
    const body = JSON.stringify(failedNow({ company: { id: company() } }));
    const headers = signV1(body, service.webhookSecret);
    await database.sql.exec('ALTER TABLE webhook_events RENAME TO webhook_events_away');
    try {
      const response = await service.post(WEBHOOK, body, headers);
      expect(response.status).toBe(503);
      expect(response.json.error.code).toBe('unavailable');
    } finally {
      await database.sql.exec('ALTER TABLE webhook_events_away RENAME TO webhook_events');
    }
    expect((await service.post(WEBHOOK, body, headers)).status).toBe(200);
    expect(await countEvents(`webhook_id = '${headers['webhook-id']}'`)).toBe(1);
  });

  it('accepts a legacy v5 membership.went_valid as membership.activated and recovers the open case', async () => {
    const companyId = company();
    const failed = JSON.stringify(failedNow({ company: { id: companyId }, membership: { id: 'mem_v5' } }));
    expect((await service.post(WEBHOOK, failed, signV1(failed, service.webhookSecret))).status).toBe(200);
    await waitFor(async () => (await casesOf(companyId)).length === 1, 15_000, 'case');
    const legacy = JSON.stringify({
      api_version: 'v5',
      action: 'membership.went_valid',
      company: companyId,
      data: { id: 'mem_v5', status: 'active', valid: true, user_id: 'user_v5', product_id: 'prod_1', plan_id: 'plan_1', created_at: Math.ceil(Date.now() / 1000) + 1 },
    });
    const response = await service.post(WEBHOOK, legacy, signV5(legacy, service.webhookSecret));
    expect(response.status).toBe(200);
    await waitFor(async () => (await casesOf(companyId))[0]?.status === 'recovered', 15_000, 'recovery');
  });

  it('a legacy v5 delivery with a bad signature is refused with 401 naming x-whop-signature', async () => {
    const legacy = JSON.stringify({ api_version: 'v5', action: 'payment.failed', data: {} });
    const headers = signV5(legacy, newWebhookSecret());
    const response = await service.post(WEBHOOK, legacy, headers);
    expect(response.status).toBe(401);
    expect(response.json.error.message).toContain('x-whop-signature');
  });

  it('never writes the webhook signature or the secret to the logs', async () => {
    const body = JSON.stringify(buildWhopEvent('payment.failed', {}));
    const headers = signV1(body, service.webhookSecret);
    await service.post(WEBHOOK, body, headers);
    const text = JSON.stringify(service.logs);
    expect(service.logs.some((l) => l.url === WEBHOOK && l.statusCode === 200)).toBe(true);
    expect(text).not.toContain(headers['webhook-signature']!.slice(3));
    expect(text).not.toContain(service.webhookSecret);
  });

  it('a burst of 300 concurrent deliveries (with retries) is stored once each and every one is processed', async () => {
    const companyId = company();
    const deliveries = Array.from({ length: 300 }, (_, i) => {
      const body = JSON.stringify(failedNow({ id: `pay_burst${i}`, company: { id: companyId }, membership: { id: `mem_burst${i % 100}` }, last_payment_attempt: new Date(Date.now() - (300 - i) * 1000).toISOString() }));
      return { body, headers: signV1(body, service.webhookSecret) };
    });
    const withRetries = [...deliveries, ...deliveries.filter((_, i) => i % 10 === 0)];
    const statuses = await Promise.all(withRetries.map((d) => service.post(WEBHOOK, d.body, d.headers).then((r) => r.status)));
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    const ids = deliveries.map((d) => `'${d.headers['webhook-id']}'`).join(',');
    expect(await countEvents(`webhook_id IN (${ids})`)).toBe(300);
    await waitFor(async () => (await countEvents(`webhook_id IN (${ids}) AND status = 'processed'`)) === 300, 100_000, 'burst processed');
    const cases = await casesOf(companyId);
    expect(cases).toHaveLength(100);
    expect(cases.every((c) => c.failure_count === 3)).toBe(true);
    // Correctness, not speed (that is npm run bench): a loaded CI machine may take a minute for 300 events.
  }, 120_000);
});
