import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withoutControlGroup } from '../support/no-control-group.ts';
import type { PgBoss } from 'pg-boss';
import { closeExpiredCases } from '../../src/services/cases/close-expired-cases.ts';
import { createWebhookIntake } from '../../src/services/webhooks/webhook-intake.ts';
import { processWebhookEvent } from '../../src/services/webhooks/process-webhook-event.ts';
import { requeuePendingWebhooks } from '../../src/services/webhooks/requeue-pending-webhooks.ts';
import { QUEUES, startQueue } from '../../src/worker/queue.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-database.ts';
import { buildWhopEvent, type WhopFixtureType } from '../support/whop-fixtures.ts';
import { decrypted } from '../support/test-keys.ts';

const DAY = 86_400_000;
const DAY0 = Date.parse('2026-03-02T10:00:00.000Z');
const at = (days: number) => new Date(DAY0 + days * DAY);
const iso = (days: number) => at(days).toISOString();

/** One injected clock drives every service call in these stories. */
const clock = { current: at(0), now() { return this.current; } };

interface Step { type: WhopFixtureType; day: number; data: Record<string, unknown> }

/** The recorded story of one member: fails, retried, recovers, fails next month, lost, pays late. */
function story(membershipId: string): Step[] {
  return [
    { type: 'payment.failed', day: 0, data: { id: 'pay_1', total: 29.99, failure_message: 'Your card has insufficient funds.', last_payment_attempt: iso(0) } },
    { type: 'payment.failed', day: 1, data: { id: 'pay_1', total: 29.99, failure_message: 'Your card was declined.', last_payment_attempt: iso(1) } },
    { type: 'payment.succeeded', day: 3, data: { id: 'pay_1', total: 29.99, paid_at: iso(3) } },
    { type: 'membership.activated', day: 3.01, data: { id: membershipId, updated_at: iso(3.01) } },
    { type: 'payment.failed', day: 31, data: { id: 'pay_2', total: 29.99, failure_message: 'Your card has expired.', last_payment_attempt: iso(31) } },
    { type: 'payment.succeeded', day: 50, data: { id: 'pay_3', total: 29.99, paid_at: iso(50) } },
  ].map((s) => ({ ...s, type: s.type as WhopFixtureType }));
}

function bodyOf(step: Step, companyId: string, membershipId: string) {
  const isMembership = step.type.startsWith('membership.');
  const ids = isMembership
    ? { company: { id: companyId }, id: membershipId }
    : { company: { id: companyId }, membership: { id: membershipId } };
  return buildWhopEvent(step.type, { company_id: companyId, data: { ...ids, ...step.data } });
}

describe('recovery case lifecycle, stored', () => {
  let database: TestDatabase;
  let boss: PgBoss;
  let ingestWebhook: ReturnType<typeof createWebhookIntake>;
  beforeAll(async () => {
    database = await createTestDatabase();
    boss = await startQueue(database, { role: 'web' });
    ingestWebhook = createWebhookIntake({ db: database.db, boss, clock });
  });
  afterAll(async () => {
    await boss?.stop({ graceful: false, close: true });
    await database?.close();
  });

  async function deliver(body: object, now: Date, webhookId?: string) {
    clock.current = now;
    const raw = JSON.stringify(body);
    const ingested = await ingestWebhook({ webhookId: webhookId ?? (body as { id: string }).id, apiVersion: 'v1', rawBody: raw, body });
    if (!ingested.ok || ingested.outcome !== 'accepted') return ingested;
    return processWebhookEvent({ db: database.db, clock }, ingested.eventId);
  }
  const casesOf = async (companyId: string) =>
    (await database.sql.query<Record<string, any>>(
      `SELECT status, whop_membership_id, failure_reason, failure_count, amount_at_risk_cents::int AS at_risk, recovered_cents::int AS recovered,
              currency, risk_level, first_failure_at, recovered_at, closed_at, attribution_ends_at, id
       FROM recovery_cases WHERE company_id = $1 ORDER BY first_failure_at`, [companyId])).rows.map(decrypted);
  const timelineOf = async (caseId: string) =>
    (await database.sql.query<{ from_status: string | null; to_status: string; reason: string }>(
      `SELECT from_status, to_status, reason FROM case_events WHERE case_id = $1 ORDER BY at, id`, [caseId])).rows;

  it('day by day: opens on day 0, merges day 1, recovers day 3, a new case on day 31 closes unrecovered, a day-50 payment is not attributed', async () => {
    const companyId = 'biz_story';
    const steps = story('mem_story');
    await deliver(bodyOf(steps[0]!, companyId, 'mem_story'), at(0));
    let [c] = await casesOf(companyId);
    expect(c).toMatchObject({ status: 'open', failure_count: 1, at_risk: 2999, currency: 'usd', risk_level: 'low' });

    await deliver(bodyOf(steps[1]!, companyId, 'mem_story'), at(1));
    [c] = await casesOf(companyId);
    expect(c).toMatchObject({ status: 'open', failure_count: 2, failure_reason: 'Your card was declined.' });

    await deliver(bodyOf(steps[2]!, companyId, 'mem_story'), at(3));
    await deliver(bodyOf(steps[3]!, companyId, 'mem_story'), at(3.01));
    [c] = await casesOf(companyId);
    expect(c).toMatchObject({ status: 'recovered', recovered: 2999 });
    expect(c!.recovered_at.toISOString()).toBe(iso(3));
    expect((await timelineOf(c!.id)).map((e) => e.reason)).toEqual(['payment_failed', 'failure_merged', 'payment_succeeded']);

    await deliver(bodyOf(steps[4]!, companyId, 'mem_story'), at(31));
    let cases = await casesOf(companyId);
    expect(cases.map((x) => x.status)).toEqual(['recovered', 'open']);
    expect(cases[1]).toMatchObject({ risk_level: 'high', failure_count: 1 });

    clock.current = at(46);
    expect(await closeExpiredCases({ db: database.db, clock })).toBe(1);
    cases = await casesOf(companyId);
    expect(cases[1]).toMatchObject({ status: 'closed_no_recovery' });
    expect(cases[1]!.closed_at.toISOString()).toBe(iso(45));
    expect((await timelineOf(cases[1]!.id)).at(-1)).toMatchObject({ from_status: 'open', to_status: 'closed_no_recovery', reason: 'attribution_window_passed' });

    await deliver(bodyOf(steps[5]!, companyId, 'mem_story'), at(50));
    cases = await casesOf(companyId);
    expect(cases.map((x) => [x.status, x.recovered])).toEqual([['recovered', 2999], ['closed_no_recovery', 0]]);
  });

  it('the same story delivered shuffled and with duplicates ends in exactly the same cases and timelines', async () => {
    const expected = await finalStateOf('biz_inorder', (steps) => steps);
    expect(expected.length).toBe(2);
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let round = 0; round < 4; round++) {
      const shuffled = await finalStateOf(`biz_shuffled${round}`, (steps) => {
        const withDuplicates = steps.flatMap((s) => (random() < 0.4 ? [s, s] : [s]));
        return withDuplicates.sort(() => random() - 0.5);
      });
      expect(shuffled, `round ${round}`).toEqual(expected);
    }
  });

  async function finalStateOf(companyId: string, order: (steps: { body: object }[]) => { body: object }[]) {
    // Whether a member is held out is drawn at random: the same story must not depend on it.
    await withoutControlGroup(database.sql, [companyId]);
    const steps = story('mem_perm').map((s) => ({ body: bodyOf(s, companyId, 'mem_perm') }));
    for (const s of order(steps)) await deliver(s.body, at(60));
    const cases = await casesOf(companyId);
    return Promise.all(cases.map(async ({ id, ...rest }) => ({ ...rest, timeline: await timelineOf(id) })));
  }

  it('a success whose delivery arrives before its failure still ends recovered', async () => {
    const companyId = 'biz_early_success';
    const [failed, , succeeded] = story('mem_e');
    await deliver(bodyOf(succeeded!, companyId, 'mem_e'), at(3));
    expect(await casesOf(companyId)).toEqual([]);
    await deliver(bodyOf(failed!, companyId, 'mem_e'), at(3));
    expect(await casesOf(companyId)).toMatchObject([{ status: 'recovered', recovered: 2999 }]);
  });

  it('the same membership id under two companies never touches the other company’s case', async () => {
    await deliver(buildWhopEvent('payment.failed', { data: { company: { id: 'biz_one' }, membership: { id: 'mem_shared' }, id: 'pay_s1', last_payment_attempt: iso(0) } }), at(0));
    await deliver(buildWhopEvent('payment.succeeded', { data: { company: { id: 'biz_two' }, membership: { id: 'mem_shared' }, id: 'pay_s2', paid_at: iso(1) } }), at(1));
    expect(await casesOf('biz_one')).toMatchObject([{ status: 'open', recovered: 0 }]);
    expect(await casesOf('biz_two')).toEqual([]);
  });

  it('a refund of the recovering payment reverses the recovery and shows it on the timeline', async () => {
    const companyId = 'biz_refund';
    await deliver(buildWhopEvent('payment.failed', { data: { company: { id: companyId }, membership: { id: 'mem_r' }, id: 'pay_r', total: 50, last_payment_attempt: iso(0) } }), at(0));
    await deliver(buildWhopEvent('payment.succeeded', { data: { company: { id: companyId }, membership: { id: 'mem_r' }, id: 'pay_r', total: 50, paid_at: iso(2) } }), at(2));
    await deliver(
      buildWhopEvent('refund.created', { company_id: companyId, data: { amount: 50, currency: 'usd', status: 'succeeded', created_at: iso(4), payment: { id: 'pay_r', membership: { id: 'mem_r' }, company: { id: companyId } } } }),
      at(4),
    );
    const [c] = await casesOf(companyId);
    expect(c).toMatchObject({ status: 'open', recovered: 0 });
    expect((await timelineOf(c!.id)).map((e) => `${e.from_status}->${e.to_status}:${e.reason}`)).toEqual([
      'null->open:payment_failed',
      'open->recovered:payment_succeeded',
      'recovered->open:recovery_reversed',
    ]);
  });

  it('membership.deactivated with no open case opens one with reason membership_deactivated', async () => {
    await deliver(buildWhopEvent('membership.deactivated', { data: { company: { id: 'biz_churn' }, id: 'mem_c', updated_at: iso(0) } }), at(0));
    expect(await casesOf('biz_churn')).toMatchObject([{ status: 'open', failure_reason: 'membership_deactivated', risk_level: 'high' }]);
  });

  it('processing the same stored event twice changes nothing the second time', async () => {
    clock.current = at(0);
    const body = buildWhopEvent('payment.failed', { data: { company: { id: 'biz_twice' }, membership: { id: 'mem_t' }, last_payment_attempt: iso(0) } });
    const ingested = await ingestWebhook({ webhookId: body.id, apiVersion: 'v1', rawBody: JSON.stringify(body), body });
    if (!ingested.ok || ingested.outcome !== 'accepted') throw new Error('not accepted');
    const [first, second] = await Promise.all([processWebhookEvent({ db: database.db, clock }, ingested.eventId), processWebhookEvent({ db: database.db, clock }, ingested.eventId)]);
    expect([first, second].map((r) => r.ok && r.outcome).sort()).toEqual(['already_done', 'processed']);
    expect(await casesOf('biz_twice')).toMatchObject([{ failure_count: 1 }]);
  });

  it('a payload we cannot read is marked failed with the problem, not retried forever', async () => {
    clock.current = at(0);
    const body = { id: 'msg_broken', type: 'payment.failed', data: { company: { id: 'biz_broken' } } };
    const ingested = await ingestWebhook({ webhookId: 'msg_broken', apiVersion: 'v1', rawBody: JSON.stringify(body), body });
    if (!ingested.ok || ingested.outcome !== 'accepted') throw new Error('not accepted');
    const result = await processWebhookEvent({ db: database.db, clock }, ingested.eventId);
    expect(result).toMatchObject({ ok: false, reason: 'invalid_payload' });
    const { rows } = await database.sql.query<{ status: string; error: string }>(`SELECT status, error FROM webhook_events WHERE id = $1`, [ingested.eventId]);
    expect(rows[0]!.status).toBe('failed');
    expect(rows[0]!.error).toContain('data.id');
  });

  it('the sweep re-enqueues an event left pending whose job was lost', async () => {
    await database.sql.query(
      `INSERT INTO webhook_events (webhook_id, type, raw_body, status, received_at) VALUES ('msg_lost', 'payment.failed', '{}', 'pending', $1)`,
      [at(0).toISOString()],
    );
    const { rows } = await database.sql.query<{ id: number }>(`SELECT id FROM webhook_events WHERE webhook_id = 'msg_lost'`);
    clock.current = at(0.5);
    expect(await requeuePendingWebhooks({ db: database.db, boss, clock })).toBeGreaterThanOrEqual(1);
    const jobs = await boss.fetch<{ eventIds: number[] }>(QUEUES.processWebhookEvent, { batchSize: 100 });
    expect(jobs.flatMap((j) => j.data.eventIds.map(Number))).toContain(Number(rows[0]!.id));
  });
});
