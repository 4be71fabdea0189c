import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from 'pg-boss';
import pino from 'pino';
import { insertWebhookEvents } from '../../src/db/repositories/webhook-events.repository.ts';
import { createMetrics } from '../../src/observability/metrics.ts';
import { processWebhookEvent } from '../../src/services/webhooks/process-webhook-event.ts';
import { MAX_PROCESSING_ATTEMPTS, processWebhookEventsJob } from '../../src/worker/jobs/process-webhook-events.job.ts';
import type { WebhookEventJob } from '../../src/worker/queue.ts';
import { holdoutDrawOf } from '../../src/services/cases/assign-holdout.ts';
import { withoutControlGroup } from '../support/no-control-group.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-database.ts';
import { decrypted } from '../support/test-keys.ts';
import { buildWhopEvent, type WhopFixtureType } from '../support/whop-fixtures.ts';

const DAY = 86_400_000;
const now = new Date();
const iso = (daysAgo: number) => new Date(now.getTime() - daysAgo * DAY).toISOString();
const clock = { now: () => now };

/** Every kind of event one batch can hold: failures, a retry, a payment, status changes, a duplicate, bad and unhandled ones. */
function deliveries(companyId: string): { webhookId: string; body: string }[] {
  const event = (type: WhopFixtureType, data: Record<string, unknown>) => buildWhopEvent(type, { company_id: companyId, data: { company: { id: companyId, title: `${companyId} Co` }, ...data } });
  const list: [string, unknown][] = [
    ['f1', event('payment.failed', { id: 'pay_a', membership: { id: 'mem_a' }, total: 29.99, failure_message: 'Your card has insufficient funds.', last_payment_attempt: iso(10) })],
    ['f2', event('payment.failed', { id: 'pay_b', membership: { id: 'mem_b' }, total: 9.99, last_payment_attempt: iso(9) })],
    ['f3', event('payment.failed', { id: 'pay_a', membership: { id: 'mem_a' }, total: 29.99, failure_message: 'Your card was declined.', last_payment_attempt: iso(8) })],
    ['s1', event('payment.succeeded', { id: 'pay_a', membership: { id: 'mem_a' }, total: 29.99, paid_at: iso(7) })],
    ['a1', event('membership.activated', { id: 'mem_a', updated_at: iso(7) })],
    ['d1', event('membership.deactivated', { id: 'mem_b', updated_at: iso(2) })],
    // The same failure delivered under a second webhook id: one fact.
    ['f2again', event('payment.failed', { id: 'pay_b', membership: { id: 'mem_b' }, total: 9.99, last_payment_attempt: iso(9) })],
    ['neg', event('payment.failed', { id: 'pay_c', membership: { id: 'mem_c' }, total: -5, last_payment_attempt: iso(1) })],
    ['f4', event('payment.failed', { id: 'pay_d', membership: { id: 'mem_d' }, total: 49, last_payment_attempt: iso(1) })],
  ];
  return [...list.map(([id, body]) => ({ webhookId: `${companyId}_${id}`, body: JSON.stringify(body) })), { webhookId: `${companyId}_notjson`, body: '{"type":"payment.failed",' }];
}

describe('webhook events processed in batches', () => {
  let database: TestDatabase;
  const deps = () => ({ db: database.db, clock, logger: pino({ level: 'silent' }), metrics: createMetrics() });
  const jobOf = (eventIds: number[]) => [{ id: 'job', name: 'webhook-event-process', data: { eventIds } }] as unknown as Job<WebhookEventJob>[];

  beforeAll(async () => {
    database = await createTestDatabase();
    // Holding a member out is random: both companies nudge everyone, so their outcomes can be compared.
    await withoutControlGroup(database.sql, ['biz_single', 'biz_batch']);
  });
  afterAll(async () => {
    await database?.close();
  });

  async function store(companyId: string): Promise<number[]> {
    const rows = await insertWebhookEvents(database.db, deliveries(companyId).map((d) => ({ webhookId: d.webhookId, companyId, type: 'payment.failed', apiVersion: 'v1', rawBody: d.body, status: 'pending', receivedAt: now })));
    return rows.map((r) => r.id);
  }
  /** What a creator sees of a company's processing, without ids and the company's name. */
  async function outcomeOf(companyId: string) {
    const cases = (await database.sql.query<Record<string, unknown>>(
      `SELECT whop_membership_id, status, failure_reason, failure_count, amount_at_risk_cents::int AS at_risk, recovered_cents::int AS recovered, risk_level,
              first_failure_at, recovered_at, closed_at, next_nudge_at, (SELECT array_agg(reason ORDER BY at, id) FROM case_events e WHERE e.case_id = c.id) AS timeline
       FROM recovery_cases c WHERE company_id = $1 ORDER BY whop_membership_id, first_failure_at`, [companyId])).rows.map(decrypted);
    const events = (await database.sql.query<{ webhook_id: string; status: string; error: string | null; attempts: number; company_id: string | null }>(
      `SELECT replace(webhook_id, $1, '') AS webhook_id, status, error, attempts, company_id IS NOT NULL AS has_company FROM webhook_events WHERE webhook_id LIKE $1 || '%' ORDER BY id`, [companyId])).rows;
    const facts = (await database.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM membership_facts WHERE company_id = $1`, [companyId])).rows[0]!.n;
    const company = (await database.sql.query<{ title: string }>(`SELECT title FROM companies WHERE company_id = $1`, [companyId])).rows[0];
    return { cases, events, facts, company: company?.title.replace(companyId, '') };
  }

  it('gives the same cases, facts and event statuses as processing the events one by one', async () => {
    const oneByOne = await store('biz_single');
    for (const id of oneByOne) await processWebhookEvent(deps(), id);
    const batched = await store('biz_batch');
    await processWebhookEventsJob(deps())(jobOf(batched));

    const expected = await outcomeOf('biz_single');
    expect(await outcomeOf('biz_batch')).toEqual(expected);
    // The batch did the work, not nothing twice: cases for a, b, d; the bad ones failed with their reason.
    expect(expected.cases.map((c) => `${c.whop_membership_id}:${c.status}`)).toEqual(['mem_a:recovered', 'mem_b:open', 'mem_d:open']);
    expect(expected.events.find((e) => e.webhook_id === '_neg')).toMatchObject({ status: 'failed', error: expect.stringMatching(/^invalid_fact: /) });
    expect(expected.events.find((e) => e.webhook_id === '_notjson')).toMatchObject({ status: 'failed', error: 'raw body is not JSON' });
    expect(expected.events.filter((e) => e.status === 'processed')).toHaveLength(8);

    // A job run again (pg-boss retrying it) changes no case or fact (a failed row is only read again).
    await processWebhookEventsJob(deps())(jobOf(batched));
    const again = await outcomeOf('biz_batch');
    expect({ cases: again.cases, facts: again.facts }).toEqual({ cases: expected.cases, facts: expected.facts });
  });

  it('holds out the same members as one by one: a case takes the group of its member\'s earliest case, stored or opened earlier in the batch', async () => {
    const companyId = 'biz_holdout_batch';
    const failed = (webhookId: string, membershipId: string, user: string | null, daysAgo: number) => ({
      webhookId,
      body: JSON.stringify(buildWhopEvent('payment.failed', { company_id: companyId, data: { id: `pay_${webhookId}`, company: { id: companyId }, membership: { id: membershipId }, user: user && { id: user }, total: 19, last_payment_attempt: iso(daysAgo) } })),
    });
    // Ids whose own draw at 50 % is `held`, so that taking an earlier case's group shows.
    const drawn = (prefix: string, held: boolean) => Array.from({ length: 100 }, (_, n) => `${prefix}${n}`).find((id) => holdoutDrawOf({ companyId, memberKey: id }) < 50 === held)!;
    const users = Array.from({ length: 6 }, (_, i) => `user_${i}`);
    const [early, earlyMembership, mixUser, mixMembership] = [drawn('user_early_', true), drawn('mem_early_', true), drawn('user_mix_', true), drawn('mem_mix_', false)];
    // Stored while the control group was off (holdout_percent 0): these members are treated.
    const before = [failed('hb_before_u', 'mem_early_old', early, 30), failed('hb_before_m', earlyMembership, null, 30)];
    // At 50 %: both memberships of a user (the one sorted second failed first), members Whop sends
    // without a user (matched by membership), the early members again, and one membership whose
    // first case (with its user) and second case (without) open in the same batch.
    const batch = [
      ...users.flatMap((u, i) => [failed(`hb_${i}_a`, `mem_${i}_a`, u, 3), failed(`hb_${i}_b`, `mem_${i}_b`, u, 6)]),
      ...[0, 1, 2, 3].map((i) => failed(`hb_anon_${i}`, `mem_anon_${i}`, null, 4)),
      failed('hb_early_u', 'mem_early_new', early, 2),
      failed('hb_early_m', earlyMembership, null, 2),
      failed('hb_mix_1', mixMembership, mixUser, 40),
      failed('hb_mix_2', mixMembership, null, 2),
    ];
    const run = async (apply: (ids: number[]) => Promise<void>) => {
      await database.sql.query(`DELETE FROM webhook_events WHERE webhook_id LIKE 'hb_%'`);
      await database.sql.query(`DELETE FROM companies WHERE company_id = $1`, [companyId]);
      await withoutControlGroup(database.sql, [companyId]);
      for (const [version, list] of [[1, before], [2, batch]] as const) {
        if (version === 2) await database.sql.query(`INSERT INTO company_settings (company_id, version, settings) VALUES ($1, 2, '{"holdout_percent": 50}')`, [companyId]);
        const rows = await insertWebhookEvents(database.db, list.map((d) => ({ webhookId: d.webhookId, companyId, type: 'payment.failed', apiVersion: 'v1', rawBody: d.body, status: 'pending', receivedAt: now })));
        await apply(rows.map((r) => r.id));
      }
      return (await database.sql.query<{ whop_membership_id: string; whop_user_id: string | null; holdout: boolean; next_nudge_at: Date | null; timeline: string[] }>(
        `SELECT whop_membership_id, whop_user_id, holdout, next_nudge_at, first_failure_at, (SELECT array_agg(reason ORDER BY at, id) FROM case_events e WHERE e.case_id = c.id) AS timeline
         FROM recovery_cases c WHERE company_id = $1 ORDER BY whop_membership_id, first_failure_at`, [companyId])).rows;
    };
    const oneByOne = await run(async (ids) => {
      for (const id of ids) await processWebhookEvent(deps(), id);
    });
    const batched = await run((ids) => processWebhookEventsJob(deps())(jobOf(ids)));

    expect(batched).toEqual(oneByOne);
    expect(batched).toHaveLength(2 + users.length * 2 + 4 + 2 + 2);
    const holdoutOf = (membershipId: string) => batched.filter((c) => c.whop_membership_id === membershipId).map((c) => c.holdout);
    // The earlier case's group, not the member's own draw (which would hold them out).
    expect([...holdoutOf('mem_early_new'), ...holdoutOf(earlyMembership)]).toEqual([false, false, false]);
    // The second case has no user: it takes the group of the membership's first case, opened in the same batch.
    expect(holdoutOf(mixMembership)).toEqual([true, true]);
    expect(new Set(batched.map((c) => c.holdout))).toEqual(new Set([true, false]));
    expect(batched.filter((c) => c.holdout).every((c) => c.next_nudge_at === null && c.timeline.includes('holdout_assigned'))).toBe(true);
    for (const u of users) expect(new Set(batched.filter((c) => c.whop_user_id === u).map((c) => c.holdout)).size).toBe(1);
  });

  it('one event the database refuses fails only itself: the rest of its batch is applied, it is retried up to the attempt limit', async () => {
    // A fault only this membership's fact meets, as a row PostgreSQL cannot store would be.
    await database.sql.query(`CREATE FUNCTION refuse_mem_bad() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.whop_membership_id = 'mem_a' AND NEW.company_id = 'biz_refused' THEN RAISE EXCEPTION 'refused for the test'; END IF; RETURN NEW; END $$`);
    await database.sql.query(`CREATE TRIGGER refuse_mem_bad BEFORE INSERT ON membership_facts FOR EACH ROW EXECUTE FUNCTION refuse_mem_bad()`);
    try {
      const ids = await store('biz_refused');
      await expect(processWebhookEventsJob(deps())(jobOf(ids))).rejects.toThrow(/membership_facts/);
      const { cases, events } = await outcomeOf('biz_refused');
      expect(cases.map((c) => `${c.whop_membership_id}:${c.status}`)).toEqual(['mem_b:open', 'mem_d:open']);
      const refused = events.filter((e) => e.status === 'pending');
      // f1 and f3 (mem_a's failures) and s1 carry mem_a facts; the activation too.
      expect(refused.map((e) => e.webhook_id).sort()).toEqual(['_a1', '_f1', '_f3', '_s1']);
      expect(refused.every((e) => e.attempts === 1 && e.error !== null)).toBe(true);
      expect(events.filter((e) => e.status === 'processed')).toHaveLength(4);
      for (let attempt = 2; attempt <= MAX_PROCESSING_ATTEMPTS; attempt++) await processWebhookEventsJob(deps())(jobOf(ids)).catch(() => {});
      const after = (await outcomeOf('biz_refused')).events.filter((e) => refused.some((r) => r.webhook_id === e.webhook_id));
      expect(after.every((e) => e.status === 'failed' && e.attempts === MAX_PROCESSING_ATTEMPTS)).toBe(true);
    } finally {
      await database.sql.query(`DROP TRIGGER refuse_mem_bad ON membership_facts`);
    }
  });
});
