import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nudgeCaseNow } from '../../src/services/nudges/nudge-case-now.ts';
import { sendDueNudges } from '../../src/services/nudges/send-due-nudges.ts';
import { updateCompanySettings } from '../../src/services/settings/update-company-settings.ts';
import { DAY, startNudgeHarness, type NudgeHarness } from '../support/nudge-harness.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-database.ts';

const DAY0 = new Date('2026-07-01T15:00:00.000Z');
const COMPANY = 'biz_holdout';
const MEMBERS = 40;

describe('the control group (holdout_percent)', () => {
  let database: TestDatabase;
  let h: NudgeHarness;
  const fail = (i: number, payment: string, at: Date) =>
    h.deliver('payment.failed', { id: payment, membership: { id: `mem_h${i}` }, user: { id: `user_h${i}`, email: `h${i}@example.test`, name: 'Dana' }, total: 20, currency: 'usd', failure_message: 'Your card was declined.', last_payment_attempt: at.toISOString() }, COMPANY);
  const cases = async () =>
    (await database.sql.query<{ id: string; whop_user_id: string; holdout: boolean; next_nudge_at: Date | null; steps_sent: number }>(`SELECT id, whop_user_id, holdout, next_nudge_at, steps_sent FROM recovery_cases WHERE company_id = $1 ORDER BY first_failure_at`, [COMPANY])).rows;

  beforeAll(async () => {
    database = await createTestDatabase();
    h = await startNudgeHarness(database, DAY0);
    expect(await updateCompanySettings({ db: database.db }, { companyId: COMPANY, settings: { holdout_percent: 50 }, actor: 'test' })).toMatchObject({ ok: true });
    for (let i = 0; i < MEMBERS; i++) {
      h.seedMember(`mem_h${i}`, COMPANY, { email: `h${i}@example.test`, userId: `user_h${i}` });
      await fail(i, `pay_h${i}`, DAY0);
      h.whop.setRetryOutcome(`pay_h${i}`, { status: 'open', substatus: 'failed' }); // our retry fails: the reminder goes out
    }
    // A bank decline's default playbook: retry the payment, then remind, a day after the failure.
    h.clock.set(new Date(DAY0.getTime() + DAY));
    await sendDueNudges(h.deps);
  }, 120_000);
  afterAll(async () => {
    await h?.close();
    await database?.close();
  });

  it('about half the members are held out, decided when the case opens and stored on it', async () => {
    const held = (await cases()).filter((c) => c.holdout).length;
    // Binomial(40, 0.5): outside 8–32 with probability below 1e-4.
    expect(held).toBeGreaterThan(8);
    expect(held).toBeLessThan(32);
  });

  it('held-out cases get nothing from us: no payment retry, no reminder, no incentive, nothing scheduled; their timeline says so', async () => {
    const all = await cases();
    for (const c of all.filter((x) => x.holdout)) {
      expect(c).toMatchObject({ next_nudge_at: null, steps_sent: 0 });
      const { rows: deliveries } = await database.sql.query(`SELECT 1 FROM deliveries WHERE case_id = $1`, [c.id]);
      const { rows: incentives } = await database.sql.query(`SELECT 1 FROM incentives WHERE case_id = $1`, [c.id]);
      const { rows: events } = await database.sql.query<{ reason: string }>(`SELECT reason FROM case_events WHERE case_id = $1 AND reason = 'holdout_assigned'`, [c.id]);
      expect([deliveries.length, incentives.length, events.length]).toEqual([0, 0, 1]);
      const i = c.whop_user_id.slice('user_h'.length);
      expect(JSON.stringify(h.whop.callsTo('POST', `/memberships/mem_h${i}/add_free_days`))).toBe('[]');
      expect(h.whop.callsTo('POST', `/payments/pay_h${i}/retry`)).toHaveLength(0);
    }
    for (const c of all.filter((x) => !x.holdout)) {
      expect(c.steps_sent).toBe(1);
      expect(h.whop.callsTo('POST', `/payments/pay_h${c.whop_user_id.slice('user_h'.length)}/retry`)).toHaveLength(1);
    }
  });

  it('"nudge now" on a held-out case is refused', async () => {
    const held = (await cases()).find((c) => c.holdout)!;
    expect(await nudgeCaseNow(h.deps, { companyId: COMPANY, caseId: held.id, actor: 'creator:owner', force: true })).toMatchObject({ ok: true, result: { ok: false, reason: 'held_out' } });
  });

  it('sticky per member: a later case of the same member is in the same group', async () => {
    const first = await cases();
    // Every member's first case ends (paid), then fails again 30 days later: a new case each.
    for (let i = 0; i < MEMBERS; i++) {
      h.clock.set(new Date(DAY0.getTime() + DAY));
      await h.deliver('payment.succeeded', { id: `pay_ok_h${i}`, membership: { id: `mem_h${i}` }, total: 20, currency: 'usd', paid_at: h.clock.now().toISOString() }, COMPANY);
      h.clock.set(new Date(DAY0.getTime() + 30 * DAY));
      await fail(i, `pay_h2_${i}`, h.clock.now());
    }
    const all = await cases();
    expect(all).toHaveLength(2 * MEMBERS);
    const groupOf = new Map(first.map((c) => [c.whop_user_id, c.holdout]));
    for (const c of all) expect(c.holdout).toBe(groupOf.get(c.whop_user_id));
  });
});
