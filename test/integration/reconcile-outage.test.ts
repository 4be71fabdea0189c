import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/db/client.ts';
import { startWhopApiFake, type WhopApiFake } from '../fakes/whop-api.ts';
import { newWebhookSecret } from '../support/sign-webhook.ts';
import { spawnService, type SpawnedService } from '../support/spawn-service.ts';
import { BACKEND, TEST_REDIS_URL, createTestDatabase, type TestDatabase } from '../support/test-database.ts';
import { waitFor } from '../support/test-service.ts';
import { caseKeys, countStory, deliver, expectedCases, holdMissedStory, knownFailureEvent, lateWebhooks, missedStory, type StoryCounts } from '../support/reconciliation.ts';

const OPERATOR = { email: 'ops@churnsaver.test', password: 'a-long-enough-password' };

/** An operator's view of a running service over HTTP (works on the embedded database, which the service owns). */
async function operatorOf(url: string) {
  const login = await fetch(`${url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(OPERATOR) });
  const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
  await login.arrayBuffer();
  const get = async (path: string) => (await fetch(`${url}${path}`, { headers: { cookie } })).json() as Promise<any>;
  return {
    get,
    /** The first start-up run newer than `afterId` once it succeeded. */
    async startRunAfter(afterId: number) {
      return waitFor(async () => (await get('/api/admin/reconciliations')).runs.find((r: any) => r.id > afterId && r.trigger === 'start' && r.status === 'succeeded'), 90_000, 'the start-up reconciliation');
    },
    async lastRunId(): Promise<number> {
      return (await get('/api/admin/reconciliations')).runs[0]?.id ?? 0;
    },
    async waitUntilQuiet() {
      await waitFor(async () => (await get('/api/admin/overview')).webhooks.pending === 0, 90_000, 'no webhook event pending');
    },
  };
}

describe(`an outage, then a restart, on ${BACKEND} with real processes`, () => {
  let whop: WhopApiFake;
  let database: TestDatabase | undefined;
  let dataDir: string | undefined;
  let service: SpawnedService | undefined;
  const secret = newWebhookSecret();
  // Ids fixed up front; the held objects' times are set when the outage happens (after the last run).
  let story = missedStory('biz_outage', 'o');
  let env: Record<string, string>;

  /** Counts as stored. The embedded database belongs to the service: it is read while the service is stopped. */
  async function counts(): Promise<StoryCounts> {
    if (database) return countStory(database.sql, story);
    const embedded: Database = await openDatabase({ dataDir: dataDir! });
    try {
      return await countStory(embedded.sql, story);
    } finally {
      await embedded.close();
    }
  }
  const start = async () => (service = await spawnService(env));
  const stop = async () => expect(await service!.stop()).toBe(0);

  beforeAll(async () => {
    whop = await startWhopApiFake();
    env = {
      NODE_ENV: 'test', WEBHOOK_SECRET: secret, PORT: '0', HOSTNAME: '127.0.0.1', LOG_LEVEL: 'warn', NUDGE_INTERVAL_SECONDS: '3600',
      WHOP_API_KEY: 'test_key', WHOP_API_BASE_URL: whop.baseURL, ADMIN_EMAIL: OPERATOR.email, ADMIN_PASSWORD: OPERATOR.password,
    };
    if (BACKEND === 'postgres') {
      database = await createTestDatabase();
      Object.assign(env, { DATABASE_URL: database.url!, REDIS_URL: TEST_REDIS_URL ?? '' });
    } else {
      dataDir = mkdtempSync(join(tmpdir(), 'churn-outage-'));
      env.DATA_DIR = dataDir;
    }
  }, 60_000);
  afterAll(async () => {
    await service?.stop();
    await whop?.close();
    await database?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('what Whop holds but never delivered becomes cases exactly once at start; the late deliveries (replayed) and another restart change nothing', async () => {
    // Before the outage: the company is known from a delivery.
    await start();
    expect(await deliver(service!.url!, secret, knownFailureEvent(story))).toBe(200);
    const first = await operatorOf(service!.url!);
    await first.waitUntilQuiet();
    // The start-up run of this first start (it may have begun before the company was known).
    await waitFor(async () => (await first.get('/api/admin/reconciliations')).runs.some((r: any) => r.status === 'succeeded'), 90_000, 'the first start-up run');
    const beforeOutage = await first.lastRunId();
    const deadUrl = `${service!.url!}/api/webhooks/whop`;
    await stop();

    // The outage: Whop's deliveries fail (logged for replay), and it holds what they were about.
    await new Promise((r) => setTimeout(r, 1000));
    story = missedStory('biz_outage', 'o', { now: Date.now(), stepMs: 200 });
    holdMissedStory(whop, story);
    whop.configureWebhook({ id: 'hook_outage', url: deadUrl, secret });
    for (const body of lateWebhooks(whop, story)) expect((await whop.deliverWebhook(body as never)).succeeded).toBe(false);

    // Restart: reconciliation runs at start and feeds what it finds through the webhook path.
    await start();
    const ops = await operatorOf(service!.url!);
    const run = await ops.startRunAfter(beforeOutage);
    expect(run).toMatchObject({ companies_total: 1, events_stored: 3 });
    await ops.waitUntilQuiet();
    if (!database) await stop();
    const afterStart = await counts();
    expect(caseKeys(afterStart)).toEqual(expectedCases(story));

    // Whop's delivery log is replayed by time range to the service's current URL: the late webhooks arrive.
    if (!database) await start();
    whop.configureWebhook({ id: 'hook_outage', url: `${service!.url!}/api/webhooks/whop`, secret });
    const replay = await fetch(`${whop.baseURL}/webhooks/hook_outage/replay`, {
      method: 'POST', headers: { authorization: 'Bearer test_key', 'content-type': 'application/json' },
      body: JSON.stringify({ created_after: new Date(Date.now() - 3_600_000).toISOString() }),
    });
    expect(await replay.json()).toMatchObject({ replayed: 3, results: [{ succeeded: true }, { succeeded: true }, { succeeded: true }] });
    await (await operatorOf(service!.url!)).waitUntilQuiet();
    await stop();
    const afterLate = await counts();
    expect(afterLate.cases).toEqual(afterStart.cases);
    expect(afterLate.facts).toEqual(afterStart.facts);
    expect(afterLate.churnedFactAt).toBe(story.churned.canceledAt);

    // Another restart reconciles again: nothing new.
    await start();
    const ops2 = await operatorOf(service!.url!);
    expect(await ops2.startRunAfter(run.id)).toMatchObject({ companies_total: 1, events_stored: 0 });
    await ops2.waitUntilQuiet();
    await stop();
    expect(await counts()).toEqual(afterLate);
  }, 300_000);
});
