import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpFake } from '../fakes/smtp.ts';
import { startWhopApiFake, type WhopApiFake } from '../fakes/whop-api.ts';
import { newWebhookSecret, signV1 } from '../support/sign-webhook.ts';
import { spawnService, type SpawnedService } from '../support/spawn-service.ts';
import { BACKEND, TEST_REDIS_URL, createTestDatabase, type TestDatabase } from '../support/test-database.ts';
import { withoutControlGroup } from '../support/no-control-group.ts';
import { waitFor } from '../support/test-service.ts';
import { buildWhopEvent } from '../support/whop-fixtures.ts';

/** An expired card: its default playbook sends step 0 at once on push, DM and email (the fixture's bank decline waits a day). */
const EXPIRED = { decline_code: 'expired_card', failure_message: 'Your card has expired.' };

/** Whop's limit, scaled down so a test drains a backlog in seconds: 10 calls per operation per 2 s. */
const LIMIT = 10;
const WINDOW_MS = 2000;

/** The most calls of one route the fake received in any WINDOW_MS (sliding), per route. */
function busiestWindows(whop: WhopApiFake): Record<string, number> {
  const byRoute = new Map<string, number[]>();
  for (const call of whop.calls) if (call.route) byRoute.set(call.route, [...(byRoute.get(call.route) ?? []), call.at.getTime()]);
  const out: Record<string, number> = {};
  for (const [route, times] of byRoute) {
    times.sort((a, b) => a - b);
    let most = 0;
    for (let i = 0, j = 0; i < times.length; i++) {
      while (times[i]! - times[j]! >= WINDOW_MS) j++;
      most = Math.max(most, i - j + 1);
    }
    out[route] = most;
  }
  return out;
}

// Several processes need PostgreSQL. Once with the buckets in Redis, once in PostgreSQL (no REDIS_URL).
describe.runIf(BACKEND === 'postgres').each([
  ['Redis', true],
  ['PostgreSQL', false],
])('three worker processes share one Whop budget in %s', (_store, withRedis) => {
  let database: TestDatabase;
  let whop: WhopApiFake;
  let smtp: Awaited<ReturnType<typeof startSmtpFake>>;
  const services: SpawnedService[] = [];
  const secret = newWebhookSecret();
  const members = Array.from({ length: 30 }, (_, i) => `mem_fleet${withRedis ? 'r' : 'p'}${i}`);

  beforeAll(async () => {
    database = await createTestDatabase();
    await withoutControlGroup(database.sql, ['biz_fleet']);
    whop = await startWhopApiFake();
    smtp = await startSmtpFake();
    whop.enforceRateLimit({ limit: LIMIT, windowMs: WINDOW_MS });
    for (const m of members) {
      whop.setMembership(m, { company: { id: 'biz_fleet', title: 'Fleet Co' }, product: { id: 'prod_fleet', title: 'Fleet', metadata: {} }, user: { id: `user_${m}`, username: m, name: m, email: `${m}@example.test` } });
    }
    whop.setExperience('exp_fleet', { company: { id: 'biz_fleet', route: 'fleet', title: 'Fleet Co' }, products: [{ id: 'prod_fleet', route: 'fleet', title: 'Fleet' }] as never });
    const env = {
      NODE_ENV: 'test', DATABASE_URL: database.url!, REDIS_URL: withRedis ? (TEST_REDIS_URL ?? '') : '', WEBHOOK_SECRET: secret, PORT: '0', HOSTNAME: '127.0.0.1', LOG_LEVEL: 'warn',
      WHOP_API_KEY: `key_fleet_${withRedis}`, WHOP_API_BASE_URL: whop.baseURL, SMTP_HOST: '127.0.0.1', SMTP_PORT: String(smtp.port), SMTP_FROM: 'recover@churnsaver.test',
      NUDGE_INTERVAL_SECONDS: '0.1', RECONCILE_ON_START: 'false',
      WHOP_RATE_LIMIT_PER_WINDOW: String(LIMIT), WHOP_RATE_WINDOW_SECONDS: String(WINDOW_MS / 1000), WHOP_RATE_BURST: '2',
    };
    services.push(...(await Promise.all([
      spawnService(env, ['--role', 'web']),
      spawnService(env, ['--role', 'worker']),
      spawnService(env, ['--role', 'worker']),
      spawnService(env, ['--role', 'worker']),
    ])));
  }, 120_000);
  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop()));
    await whop?.close();
    await smtp?.close();
    await database?.close();
  });

  it('a backlog of due nudges drains at the budget: every member reached once, Whop never over its limit, a 429 pauses the operation on every worker', async () => {
    // Whop's first answer to a push is a 429 asking for 3 s: nobody may push before those 3 s are over.
    whop.failNext('POST /notifications', [{ status: 429, headers: { 'retry-after': '3' } }]);
    const web = services.find((s) => s.url)!;
    await Promise.all(members.map(async (m) => {
      const body = JSON.stringify(buildWhopEvent('payment.failed', { company_id: 'biz_fleet', data: { id: `pay_${m}`, company: { id: 'biz_fleet' }, membership: { id: m }, user: { id: `user_${m}`, email: `${m}@example.test` }, ...EXPIRED, last_payment_attempt: new Date().toISOString() } }));
      const response = await fetch(`${web.url}/api/webhooks/whop`, { method: 'POST', body, headers: signV1(body, secret) });
      expect(response.status).toBe(200);
    }));
    await waitFor(async () => smtp.messages.length >= members.length && whop.callsTo('POST', '/messages').length >= members.length && whop.callsTo('POST', '/notifications').filter((c) => c.status === 200).length >= members.length, 90_000, 'every channel of every member');

    expect(whop.rateLimitViolations()).toEqual({});
    for (const [route, most] of Object.entries(busiestWindows(whop))) expect(most, route).toBeLessThanOrEqual(LIMIT);
    for (const m of members) {
      expect(smtp.inbox(`${m}@example.test`), m).toHaveLength(1);
      expect(whop.messagesTo(`user_${m}`), m).toHaveLength(1);
      expect(whop.callsTo('POST', `/memberships/${m}/add_free_days`), m).toHaveLength(1);
    }
    const pushes = whop.callsTo('POST', '/notifications');
    const throttled = pushes.find((c) => c.status === 429)!;
    // Calls already on the wire when Whop answered may land just after it; none was sent later inside the pause.
    const t = throttled.at.getTime();
    expect(pushes.filter((c) => c.at.getTime() > t + 250 && c.at.getTime() < t + 2900)).toEqual([]);
    expect(pushes.filter((c) => c.at.getTime() >= t + 2900).length).toBeGreaterThan(0);
  }, 120_000);
});
