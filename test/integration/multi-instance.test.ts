import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newWebhookSecret, signV1 } from '../support/sign-webhook.ts';
import { spawnService, type SpawnedService } from '../support/spawn-service.ts';
import { BACKEND, TEST_REDIS_URL, createTestDatabase, type TestDatabase } from '../support/test-database.ts';
import { withoutControlGroup } from '../support/no-control-group.ts';
import { waitFor } from '../support/test-service.ts';
import { buildWhopEvent } from '../support/whop-fixtures.ts';
import { startSmtpFake } from '../fakes/smtp.ts';
import { startWhopApiFake } from '../fakes/whop-api.ts';

/** An expired card: its default playbook sends step 0 at once on push, DM and email (the fixture's bank decline waits a day). */
const EXPIRED = { decline_code: 'expired_card', failure_message: 'Your card has expired.' };

// PGlite is one process's embedded database; several instances need PostgreSQL.
describe.runIf(BACKEND === 'postgres')('two web and two worker processes on one PostgreSQL', () => {
  let database: TestDatabase;
  const services: SpawnedService[] = [];
  const secret = newWebhookSecret();

  beforeAll(async () => {
    database = await createTestDatabase();
    await withoutControlGroup(database.sql, ['biz_multi0', 'biz_multi1', 'biz_multi2', 'biz_multi3', 'biz_multi4', 'biz_multi5', 'biz_two']);
    // A fresh database with no tables (audit.events and archive.* live in their own schemas): the four processes race to migrate it.
    await database.sql.exec('DROP SCHEMA public CASCADE; DROP SCHEMA IF EXISTS audit CASCADE; DROP SCHEMA IF EXISTS archive CASCADE; CREATE SCHEMA public;');
    const env = { NODE_ENV: 'test', DATABASE_URL: database.url!, REDIS_URL: TEST_REDIS_URL ?? '', WEBHOOK_SECRET: secret, PORT: '0', HOSTNAME: '127.0.0.1', LOG_LEVEL: 'warn' };
    services.push(...(await Promise.all([
      spawnService(env, ['--role', 'web']),
      spawnService(env, ['--role', 'web']),
      spawnService(env, ['--role', 'worker']),
      spawnService(env, ['--role', 'worker']),
    ])));
  }, 90_000);
  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop()));
    await database?.close();
  });

  it('every delivery, spread over both web processes with duplicates, is stored once and processed once', async () => {
    const [webA, webB] = services.filter((s) => s.url);
    const deliveries: { body: string; headers: Record<string, string> }[] = [];
    for (let m = 0; m < 60; m++) {
      const companyId = `biz_multi${m % 6}`;
      for (let attempt = 0; attempt < (m % 3 === 0 ? 2 : 1); attempt++) {
        const event = buildWhopEvent('payment.failed', {
          data: { company: { id: companyId }, membership: { id: `mem_${m}` }, id: `pay_${m}`, last_payment_attempt: new Date(Date.now() - (2 - attempt) * 3_600_000).toISOString() },
        });
        const body = JSON.stringify(event);
        deliveries.push({ body, headers: signV1(body, secret) });
      }
    }
    // Whop retries: every fifth delivery arrives again, at the other web process.
    const sends = deliveries.flatMap((d, i) => [
      { url: i % 2 ? webA!.url : webB!.url, ...d },
      ...(i % 5 === 0 ? [{ url: i % 2 ? webB!.url : webA!.url, ...d }] : []),
    ]);
    const statuses = await Promise.all(
      sends.map(async (s) => (await fetch(`${s.url}/api/webhooks/whop`, { method: 'POST', body: s.body, headers: s.headers })).status),
    );
    expect(statuses.every((s) => s === 200)).toBe(true);

    await waitFor(async () => {
      const { rows } = await database.sql.query<{ n: string }>(`SELECT count(*) AS n FROM webhook_events WHERE status = 'processed'`);
      return Number(rows[0]!.n) === deliveries.length;
    }, 30_000, 'all events processed');

    const events = await database.sql.query<{ n: string; max_attempts: number }>(`SELECT count(*) AS n, max(attempts) AS max_attempts FROM webhook_events`);
    expect(Number(events.rows[0]!.n)).toBe(deliveries.length);
    expect(events.rows[0]!.max_attempts).toBe(1);
    const cases = await database.sql.query<{ whop_membership_id: string; failure_count: number; status: string }>(`SELECT whop_membership_id, failure_count, status FROM recovery_cases`);
    expect(cases.rows).toHaveLength(60);
    for (const c of cases.rows) {
      const m = Number(c.whop_membership_id.slice(4));
      expect(c.failure_count, c.whop_membership_id).toBe(m % 3 === 0 ? 2 : 1);
      expect(c.status).toBe('open');
    }
  });

  it('SIGTERM drains and every process exits 0', async () => {
    const codes = await Promise.all(services.map((s) => s.stop()));
    expect(codes).toEqual([0, 0, 0, 0]);
  });
});

describe.runIf(BACKEND === 'postgres')('two worker processes sending nudges from one PostgreSQL', () => {
  let database: TestDatabase;
  const services: SpawnedService[] = [];
  const secret = newWebhookSecret();
  let whop: Awaited<ReturnType<typeof startWhopApiFake>>;
  let smtp: Awaited<ReturnType<typeof startSmtpFake>>;

  beforeAll(async () => {
    database = await createTestDatabase();
    await withoutControlGroup(database.sql, ['biz_multi0', 'biz_multi1', 'biz_multi2', 'biz_multi3', 'biz_multi4', 'biz_multi5', 'biz_two']);
    whop = await startWhopApiFake();
    smtp = await startSmtpFake();
    const env = {
      NODE_ENV: 'test', DATABASE_URL: database.url!, REDIS_URL: TEST_REDIS_URL ?? '', WEBHOOK_SECRET: secret, PORT: '0', HOSTNAME: '127.0.0.1', LOG_LEVEL: 'warn',
      WHOP_API_KEY: 'test_key', WHOP_API_BASE_URL: whop.baseURL, SMTP_HOST: '127.0.0.1', SMTP_PORT: String(smtp.port), SMTP_FROM: 'recover@churnsaver.test', NUDGE_INTERVAL_SECONDS: '0.1',
    };
    services.push(...(await Promise.all([spawnService(env, ['--role', 'web']), spawnService(env, ['--role', 'worker']), spawnService(env, ['--role', 'worker'])])));
  }, 90_000);
  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop()));
    await whop?.close();
    await smtp?.close();
    await database?.close();
  });

  it('every member gets each channel once and free days once, though both workers sweep the same cases', async () => {
    const web = services.find((s) => s.url)!;
    const members = Array.from({ length: 40 }, (_, i) => `mem_two${i}`);
    for (const m of members) {
      whop.setMembership(m, { company: { id: 'biz_two', title: 'Two Co' }, product: { id: 'prod_two', title: 'Two', metadata: {} }, user: { id: `user_${m}`, username: m, name: m, email: `${m}@example.test` } });
    }
    whop.setExperience('exp_two', { company: { id: 'biz_two', route: 'two', title: 'Two Co' }, products: [{ id: 'prod_two', route: 'two', title: 'Two' }] as never });
    await Promise.all(members.map(async (m) => {
      const body = JSON.stringify(buildWhopEvent('payment.failed', { company_id: 'biz_two', data: { id: `pay_${m}`, company: { id: 'biz_two' }, membership: { id: m }, user: { id: `user_${m}`, email: `${m}@example.test` }, ...EXPIRED, last_payment_attempt: new Date().toISOString() } }));
      const response = await fetch(`${web.url}/api/webhooks/whop`, { method: 'POST', body, headers: signV1(body, secret) });
      expect(response.status).toBe(200);
    }));
    await waitFor(async () => smtp.messages.length >= members.length, 30_000, 'all emails');
    await new Promise((r) => setTimeout(r, 500)); // a late duplicate would show up here
    for (const m of members) {
      expect(smtp.inbox(`${m}@example.test`), m).toHaveLength(1);
      expect(whop.messagesTo(`user_${m}`), m).toHaveLength(1);
      expect(whop.callsTo('POST', `/memberships/${m}/add_free_days`), m).toHaveLength(1);
    }
    expect(whop.callsTo('POST', '/notifications')).toHaveLength(members.length);
  });
});
