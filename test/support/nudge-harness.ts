import type { PgBoss } from 'pg-boss';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { createEmailSender } from '../../src/integrations/email/email-sender.ts';
import { createWhopGateway } from '../../src/integrations/whop/whop-gateway.ts';
import { createWebhookIntake } from '../../src/services/webhooks/webhook-intake.ts';
import { processWebhookBatch } from '../../src/services/webhooks/process-webhook-batch.ts';
import { processWebhookEvent } from '../../src/services/webhooks/process-webhook-event.ts';
import type { NudgeDeps } from '../../src/services/nudges/send-nudge.ts';
import { createSettingsVersions } from '../../src/services/settings/settings-versions.ts';
import { updateCompanySettings } from '../../src/services/settings/update-company-settings.ts';
import { startQueue } from '../../src/worker/queue.ts';
import { startSmtpFake, type SmtpFake } from '../fakes/smtp.ts';
import { startWhopApiFake, type WhopApiFake } from '../fakes/whop-api.ts';
import { createTestDatabase, type TestDatabase } from './test-database.ts';
import { buildWhopEvent, type WhopFixtureType } from './whop-fixtures.ts';

export const DAY = 86_400_000;

/** One test clock that every service call reads. */
export function createTestClock(start: Date) {
  return {
    current: start,
    now() {
      return this.current;
    },
    set(at: Date) {
      this.current = at;
    },
  };
}

export interface NudgeHarness {
  whop: WhopApiFake;
  smtp: SmtpFake;
  boss: PgBoss;
  deps: NudgeDeps;
  clock: ReturnType<typeof createTestClock>;
  /** Stores and processes one webhook body now (as intake + worker would: one event, or the worker's batch path). */
  deliver(type: WhopFixtureType, data: Record<string, unknown>, companyId: string, via?: 'event' | 'batch'): Promise<void>;
  /** Seeds a member at the Whop fake: membership, its product's experience. */
  seedMember(membershipId: string, companyId: string, member?: { email?: string; name?: string; userId?: string }): void;
  saveSettings(companyId: string, settings: Record<string, unknown>): Promise<number>;
  close(): Promise<void>;
}

/** The real services against real local servers: the Whop API fake and an SMTP peer. */
export async function startNudgeHarness(database: TestDatabase, start: Date, options: { outbox?: boolean } = {}): Promise<NudgeHarness> {
  const clock = createTestClock(start);
  const whop = await startWhopApiFake({ clock });
  const smtp = await startSmtpFake();
  const boss = await startQueue(database, { role: 'web' });
  const ingest = createWebhookIntake({ db: database.db, boss, clock });
  const email = options.outbox ? null : createEmailSender({ host: '127.0.0.1', port: smtp.port, from: 'Churn Saver <recover@churnsaver.test>', secure: false });
  const deps: NudgeDeps = {
    db: database.db,
    clock,
    whop: options.outbox ? null : createWhopGateway({ apiKey: 'test_key', baseURL: whop.baseURL, appID: 'app_test', timeoutMs: 2000, now: () => clock.now().getTime() }),
    email,
    links: { publicUrl: 'https://recover.example.test', signingKey: 'test-signing-key' },
    settings: createSettingsVersions(database.db),
    random: () => 0.5,
  };
  return {
    whop,
    smtp,
    boss,
    deps,
    clock,
    async deliver(type, data, companyId, via = 'event') {
      const body = buildWhopEvent(type, { company_id: companyId, data: { company: { id: companyId }, ...data } });
      const ingested = await ingest({ webhookId: body.id, apiVersion: 'v1', rawBody: JSON.stringify(body), body });
      if (!ingested.ok || ingested.outcome !== 'accepted') throw new Error(`not accepted: ${JSON.stringify(ingested)}`);
      const processed =
        via === 'batch'
          ? (await processWebhookBatch({ db: database.db, clock }, [ingested.eventId])).results.get(ingested.eventId)!
          : await processWebhookEvent({ db: database.db, clock }, ingested.eventId);
      if (!processed.ok) throw new Error(`not processed: ${JSON.stringify(processed)}`);
    },
    seedMember(membershipId, companyId, member = {}) {
      const productId = `prod_${companyId}`;
      whop.setMembership(membershipId, {
        company: { id: companyId, title: 'Northwind Trading Club' },
        product: { id: productId, title: 'Northwind Signals', metadata: {} },
        user: { id: member.userId ?? `user_${membershipId}`, username: 'dana', name: member.name ?? 'Dana Reyes', email: member.email ?? 'dana@example.test' },
      });
      whop.setExperience(`exp_${companyId}`, { company: { id: companyId, route: 'northwind', title: 'Northwind Trading Club' }, products: [{ id: productId, route: 'signals', title: 'Northwind Signals' }] as never });
    },
    async saveSettings(companyId, settings) {
      // Scenarios expect every member nudged: no control group unless the test asks for one.
      const saved = await updateCompanySettings({ db: database.db }, { companyId, settings: { holdout_percent: 0, ...settings }, actor: 'test' });
      if (!saved.ok) throw new Error(JSON.stringify(saved.problems));
      return saved.version;
    },
    async close() {
      email?.close();
      await boss.stop({ graceful: false, close: true });
      await whop.close();
      await smtp.close();
    },
  };
}

export interface NudgeScenarioOptions {
  /** The harness clock's start, and where each test's clock is set back to. */
  day0: Date;
  /** Each test gets `biz_<prefix><seq>` / `mem_<prefix><seq>`, seeded at the Whop fake; without a prefix, no per-test member. */
  prefix?: string;
  /** The seeded member's email for this test's seq (the harness default when omitted). */
  email?: (seq: number) => string;
  /** Company settings saved for each test's company after seeding. */
  settings?: Record<string, unknown>;
  /** Before each test, stop earlier tests' cases (next_nudge_at = NULL): sweeps are global. Default true. */
  stopEarlierCases?: boolean;
  /** Which fakes forget earlier tests before each test. Default ['whop']. */
  reset?: Array<'whop' | 'smtp'>;
  /** Passed to startNudgeHarness. */
  outbox?: boolean;
}

export interface NudgeScenario {
  readonly h: NudgeHarness;
  readonly database: TestDatabase;
  readonly seq: number;
  readonly companyId: string;
  readonly membershipId: string;
}

/**
 * The scenario files' shared setup: one database and harness per describe, and (with a prefix)
 * a fresh company and member per test. Read the values through the returned getters: they
 * change per test.
 */
export function useNudgeScenario(options: NudgeScenarioOptions): NudgeScenario {
  const { day0, prefix, email, settings, stopEarlierCases = true, reset = ['whop'], outbox } = options;
  let database: TestDatabase;
  let h: NudgeHarness;
  let seq = 0;
  // A fresh PGlite migrates in ~40 s on a loaded 2-core machine, before pg-boss starts: more than the 60 s hook default leaves.
  beforeAll(async () => {
    database = await createTestDatabase();
    h = await startNudgeHarness(database, day0, outbox === undefined ? {} : { outbox });
  }, 180_000);
  afterAll(async () => {
    await h?.close();
    await database?.close();
  });
  const ids = (kind: 'biz' | 'mem') => {
    if (prefix === undefined) throw new Error('useNudgeScenario: no per-test member without a prefix');
    return `${kind}_${prefix}${seq}`;
  };
  if (prefix !== undefined) {
    beforeEach(async () => {
      if (stopEarlierCases) await database.sql.exec('UPDATE recovery_cases SET next_nudge_at = NULL');
      seq += 1;
      if (reset.includes('whop')) h.whop.reset();
      if (reset.includes('smtp')) h.smtp.reset();
      h.clock.set(day0);
      h.seedMember(ids('mem'), ids('biz'), email ? { email: email(seq) } : undefined);
      // Always saved, so the company has no control group (holdout 0) unless `settings` sets one.
      await h.saveSettings(ids('biz'), settings ?? {});
    });
  }
  return {
    get h() { return h; },
    get database() { return database; },
    get seq() { return seq; },
    get companyId() { return ids('biz'); },
    get membershipId() { return ids('mem'); },
  };
}
