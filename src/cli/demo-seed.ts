import { sql } from 'drizzle-orm';
import { queryRows, type Database } from '../db/client.ts';
import { updateCaseNudge } from '../db/repositories/nudges.repository.ts';
import { closeExpiredCases } from '../services/cases/close-expired-cases.ts';
import { purgeExpiredPersonalData } from '../services/members/purge-expired-personal-data.ts';
import { createOperator } from '../services/operators/create-operator.ts';
import { createWebhookIntake } from '../services/webhooks/webhook-intake.ts';
import { processWebhookEvent } from '../services/webhooks/process-webhook-event.ts';
import { sendDueNudges } from '../services/nudges/send-due-nudges.ts';
import type { NudgeDeps } from '../services/nudges/send-nudge.ts';
import { createSettingsVersions } from '../services/settings/settings-versions.ts';
import { createUnsubscribeToken } from '../services/members/unsubscribe-links.ts';
import { unsubscribeMember } from '../services/members/unsubscribe-member.ts';
import { QUEUES, startQueue, type WebhookEventJob } from '../worker/queue.ts';
import { DEMO_COMPANY_ID, DEMO_COMPANY_TITLE, planDemoStory, type DemoMember } from './demo-story.ts';

export { DEMO_COMPANY_ID, DEMO_COMPANY_TITLE };
export const DEMO_OPERATOR = { email: 'demo@churnsaver.local', password: 'demo-password-1234' } as const;

const DAY = 86_400_000;

export interface SeedDemoOptions {
  /** The end of the story; default: the real now. */
  now?: Date;
  /** Delete biz_demo's rows first and seed again. Without it a seeded demo is left as is. */
  reset?: boolean;
  /** Members whose payment failed (default 300: about 340 cases). */
  members?: number;
  /** Where links in the outbox messages point and the key that signs them (default: a demo key). */
  links?: { publicUrl: string; signingKey: string };
  /** Progress lines (default: none). */
  log?: (line: string) => void;
  /** RAW_WEBHOOK_RETENTION_DAYS (default 30): the hourly purge a worker runs over those 90 days. */
  rawWebhookRetentionDays?: number;
}

export interface DemoSummary {
  outcome: 'seeded' | 'already_seeded';
  companyId: string;
  title: string;
  cases: { open: number; recovered: number; closed_no_recovery: number; total: number };
  /** Recovered minor units per currency. */
  recoveredCents: Record<string, number>;
  webhooks: number;
  nudges: number;
  deliveries: Record<string, number>;
  operator: { email: string; password: string };
  seconds: number;
}

/** A clock the demo moves forward; every service reads it, as the test clock does in the tests. */
function createDemoClock(start: Date) {
  let current = start;
  return {
    now: () => current,
    set(at: Date) {
      // Never backwards: services would see time run the wrong way.
      if (at.getTime() > current.getTime()) current = at;
    },
  };
}

/**
 * Seeds the demo company `biz_demo` through the real pipeline under a clock that walks the last
 * 90 days: each Whop delivery goes through the webhook intake (row + pg-boss job in one
 * transaction), the queued job is taken and processed as the worker would, nudges are swept in
 * outbox mode whenever one falls due, and expired cases are closed by the daily sweep. Idempotent:
 * a database that already has biz_demo's cases is left alone unless `reset`.
 * Run it on a database no service is using at the same time: the sweeps are not scoped to biz_demo.
 */
export async function seedDemo(database: Database, options: SeedDemoOptions = {}): Promise<DemoSummary> {
  const started = performance.now();
  const db = database.db;
  const log = options.log ?? (() => {});
  const now = options.now ?? new Date();
  if (options.reset) await deleteDemoRows(database);
  if ((await countDemoCases(database)) > 0) {
    await ensureDemoOperator(database);
    return { ...(await summarize(database)), outcome: 'already_seeded', seconds: (performance.now() - started) / 1000 };
  }
  await refuseWhenSweepsWouldTouchOthers(database, now);

  const story = planDemoStory({ now, members: options.members ?? 300 });
  const clock = createDemoClock(new Date(now.getTime() - 91 * DAY));
  const links = options.links ?? { publicUrl: 'http://localhost:3000', signingKey: 'churn-saver-demo' };
  const nudge: NudgeDeps = { db, clock, whop: null, email: null, links, settings: createSettingsVersions(db), random: () => 0.5 };
  const boss = await startQueue(database, { role: 'web' });
  try {
    const ingest = createWebhookIntake({ db, boss, clock }, { maxInFlight: 1 });
    const members = new Map<string, DemoMember>(story.members.map((m) => [m.membershipId, m]));
    let nextSweep = startOfNextDay(clock.now());

    /** Moves the clock to `target`, sending every nudge that falls due on the way and closing expired cases each midnight. */
    const advanceTo = async (target: Date) => {
      for (;;) {
        const due = await nextDueNudge(database);
        const at = Math.min(due?.getTime() ?? Infinity, nextSweep.getTime());
        if (at > target.getTime()) break;
        clock.set(new Date(at));
        if (at === nextSweep.getTime()) {
          await closeExpiredCases({ db, clock });
          nextSweep = new Date(nextSweep.getTime() + DAY);
        }
        if (due && due.getTime() <= clock.now().getTime()) {
          const errors: unknown[] = [];
          const swept = await sendDueNudges(nudge, { limit: 200, onError: (_id, error) => errors.push(error) });
          if (errors.length > 0) throw errors[0];
          if (swept.claimed === 0) throw new Error(`a nudge due at ${due.toISOString()} could not be claimed`);
        }
      }
      clock.set(target);
    };

    /** Takes the queued processing jobs and runs them, as a worker does. */
    const work = async () => {
      for (;;) {
        const jobs = await boss.fetch<WebhookEventJob>(QUEUES.processWebhookEvent, { batchSize: 50 });
        if (jobs.length === 0) return;
        for (const job of jobs) {
          for (const id of job.data.eventIds) {
            const processed = await processWebhookEvent({ db, clock }, Number(id));
            if (!processed.ok) throw new Error(`demo webhook ${id} was not processed: ${JSON.stringify(processed)}`);
            if (processed.outcome !== 'processed') continue;
            // With a Whop API key, the first nudge's membership lookup records the member's name and
            // product; in outbox mode nothing asks Whop, so the demo records what Whop would answer.
            for (const created of processed.createdCases) {
              const member = members.get((await membershipOf(database, created.id)) ?? '');
              if (member) await updateCaseNudge(db, created.id, { memberName: member.name, whopProductId: member.product.id });
            }
          }
        }
        await boss.complete(QUEUES.processWebhookEvent, jobs.map((j) => j.id));
      }
    };

    let delivered = 0;
    for (const step of story.steps) {
      if (step.kind === 'unsubscribe') {
        await advanceTo(step.at);
        if (step.member.email) await unsubscribeMember({ db, signingKey: links.signingKey }, createUnsubscribeToken(links.signingKey, { companyId: DEMO_COMPANY_ID, email: step.member.email, whopUserId: null }));
        continue;
      }
      await advanceTo(step.receivedAt);
      const rawBody = JSON.stringify(step.body);
      const ingested = await ingest({ webhookId: step.body.id, apiVersion: 'v1', rawBody, body: JSON.parse(rawBody) });
      if (!ingested.ok || ingested.outcome === 'ignored') throw new Error(`demo webhook not accepted: ${JSON.stringify(ingested)}`);
      await work();
      delivered += 1;
      if (delivered % 200 === 0) log(`  ${delivered} webhooks delivered (story at ${clock.now().toISOString().slice(0, 10)})`);
    }
    await advanceTo(now);
    // The worker closes expired cases every few minutes; the demo's last sweep is at `now`.
    await closeExpiredCases({ db, clock });
    // A worker running over those 90 days would have cleared raw bodies past their retention
    // (the compliance audit's gdpr check fails on any left).
    await purgeExpiredPersonalData({ db, clock }, { rawWebhookDays: options.rawWebhookRetentionDays ?? 30 });
  } finally {
    await boss.stop({ graceful: false, close: true });
  }

  await ensureDemoOperator(database);
  return { ...(await summarize(database)), outcome: 'seeded', seconds: (performance.now() - started) / 1000 };
}

/** The operator who logs in at /login; its password is set back to the demo's on every run. */
async function ensureDemoOperator(database: Database): Promise<void> {
  const operator = await createOperator({ db: database.db }, { ...DEMO_OPERATOR, updateExisting: true });
  if (!operator.ok) throw new Error(operator.message);
}

function startOfNextDay(at: Date): Date {
  return new Date(Math.floor(at.getTime() / DAY) * DAY + DAY);
}

async function countDemoCases(database: Database): Promise<number> {
  const [row] = await queryRows<{ n: number | string }>(database.db, sql`SELECT count(*) AS n FROM recovery_cases WHERE company_id = ${DEMO_COMPANY_ID}`);
  return Number(row?.n ?? 0);
}

async function membershipOf(database: Database, caseId: string): Promise<string | null> {
  const [row] = await queryRows<{ m: string }>(database.db, sql`SELECT whop_membership_id AS m FROM recovery_cases WHERE id = ${caseId}`);
  return row?.m ?? null;
}

/** The earliest nudge of the demo company still to go out. */
async function nextDueNudge(database: Database): Promise<Date | null> {
  const [row] = await queryRows<{ at: Date | string | null }>(database.db,
    sql`SELECT min(next_nudge_at) AS at FROM recovery_cases WHERE company_id = ${DEMO_COMPANY_ID} AND status = 'open' AND next_nudge_at IS NOT NULL`,
  );
  return row?.at ? new Date(row.at) : null;
}

/** --reset: every row of biz_demo (companies cascades to settings, facts, cases, timeline, deliveries, incentives, suppressions). */
async function deleteDemoRows(database: Database): Promise<void> {
  await database.db.transaction(async (tx) => {
    await tx.execute(sql`DELETE FROM companies WHERE company_id = ${DEMO_COMPANY_ID}`);
    await tx.execute(sql`DELETE FROM webhook_events WHERE company_id = ${DEMO_COMPANY_ID}`);
  });
}

/**
 * The nudge sweep and the close sweep are the service's own, and they are not scoped to one
 * company: under the demo's clock they would act on other companies' cases. Refuse when there is
 * anything of another company they could touch (a database in use: seed a fresh DATA_DIR instead).
 */
async function refuseWhenSweepsWouldTouchOthers(database: Database, now: Date): Promise<void> {
  const [row] = await queryRows<{ due: number | string; pending: number | string }>(database.db,
    sql`SELECT
          (SELECT count(*) FROM recovery_cases WHERE company_id <> ${DEMO_COMPANY_ID} AND status = 'open' AND next_nudge_at <= ${now.toISOString()}::timestamptz) AS due,
          (SELECT count(*) FROM webhook_events WHERE status = 'pending') AS pending`,
  );
  const due = Number(row?.due ?? 0);
  const pending = Number(row?.pending ?? 0);
  if (due > 0 || pending > 0)
    throw new Error(
      `this database is in use (${due} due nudges of other companies, ${pending} pending webhooks): the demo runs the real sweeps under a simulated clock, so seed it into a fresh database (another DATA_DIR or DATABASE_URL)`,
    );
}

async function summarize(database: Database): Promise<Omit<DemoSummary, 'outcome' | 'seconds'>> {
  const c = DEMO_COMPANY_ID;
  const byStatus = await queryRows<{ status: string; n: number | string }>(database.db, sql`SELECT status, count(*) AS n FROM recovery_cases WHERE company_id = ${c} GROUP BY status`);
  const recovered = await queryRows<{ currency: string | null; cents: number | string }>(database.db,
    sql`SELECT currency, sum(recovered_cents) AS cents FROM recovery_cases WHERE company_id = ${c} AND status = 'recovered' GROUP BY currency ORDER BY currency`,
  );
  const byDelivery = await queryRows<{ status: string; n: number | string }>(database.db, sql`SELECT status, count(*) AS n FROM deliveries WHERE company_id = ${c} GROUP BY status ORDER BY status`);
  const [counts] = await queryRows<{ webhooks: number | string; nudges: number | string; title: string | null }>(database.db,
    sql`SELECT (SELECT count(*) FROM webhook_events WHERE company_id = ${c}) AS webhooks,
               (SELECT count(*) FROM case_events WHERE company_id = ${c} AND reason = 'nudge_sent') AS nudges,
               (SELECT title FROM companies WHERE company_id = ${c}) AS title`,
  );
  const status = Object.fromEntries(byStatus.map((r) => [r.status, Number(r.n)]));
  const cases = { open: status.open ?? 0, recovered: status.recovered ?? 0, closed_no_recovery: status.closed_no_recovery ?? 0, total: 0 };
  cases.total = cases.open + cases.recovered + cases.closed_no_recovery;
  return {
    companyId: c,
    title: counts?.title ?? DEMO_COMPANY_TITLE,
    cases,
    recoveredCents: Object.fromEntries(recovered.map((r) => [r.currency ?? 'usd', Number(r.cents)])),
    webhooks: Number(counts?.webhooks ?? 0),
    nudges: Number(counts?.nudges ?? 0),
    deliveries: Object.fromEntries(byDelivery.map((r) => [r.status, Number(r.n)])),
    operator: { ...DEMO_OPERATOR },
  };
}
