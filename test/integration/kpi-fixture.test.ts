import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { presentCompanyList } from '../../src/presenters/admin-overview.presenter.ts';
import { incrementalRecomputations } from '../../src/presenters/kpi-incremental.ts';
import { presentKpis } from '../../src/presenters/kpis.presenter.ts';
import { FIXTURE_COMPANY, FIXTURE_NOW, fixtureCaseId, LIFT_COMPANY, OTHER_COMPANY, seedKpiFixture } from '../support/kpi-fixture.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-database.ts';

// Every value below was computed by hand from the table in test/support/kpi-fixture.ts.
const notProvisional = { provisional: false };

describe('KPIs of the hand-computed fixture company', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
    await seedKpiFixture(database.sql);
  });
  afterAll(async () => database?.close());

  it('30 days: counts by outcome and the rate over decided cases only, with how many are still deciding', async () => {
    const k = await presentKpis(FIXTURE_COMPANY, database.db, 30, FIXTURE_NOW);
    // Cases 4–16: recovered 4, 5, 8, 10, 13; lost 6, 7 (open past its window), 9; deciding 11, 12, 14, 15, 16.
    expect({ cases: k.cases_opened, recovered: k.recovered, lost: k.lost, deciding: k.deciding }).toEqual({ cases: 13, recovered: 5, lost: 3, deciding: 5 });
    expect(k.window.rate_count).toEqual({ value: 0.625, decided: 8, deciding: 5, ...notProvisional });
  });

  it('30 days: money per currency, never summed across currencies, net of incentives granted', async () => {
    const k = await presentKpis(FIXTURE_COMPANY, database.db, 30, FIXTURE_NOW);
    expect(k.money).toEqual([
      {
        currency: 'usd',
        cases: 9,
        recovered_cents: 6500, // 4 + 8 + 10
        recovered_failed_cents: 6500,
        lost_cents: 2500, // 6 + 7
        deciding_cents: 10_000, // 11, 14, 15, 16
        at_risk_cents: 10_800, // open inside their window, any first failure: 11, 14, 15, 16, 18
        incentive_cost_cents: 333, // granted on 4 and 11 (10's is pending, 1's is outside the window)
        net_recovered_cents: 6167,
        rate_amount: { value: 0.7222, decided: 5, deciding: 4, ...notProvisional }, // 6500 / 9000
      },
      {
        currency: 'eur',
        cases: 4,
        recovered_cents: 5500, // 5 (4500 paid for 4000 failed) + 13
        recovered_failed_cents: 5000,
        lost_cents: 3000, // 9
        deciding_cents: 6000, // 12
        at_risk_cents: 6000,
        incentive_cost_cents: 400, // 5 (9's grant failed)
        net_recovered_cents: 5100,
        rate_amount: { value: 0.625, decided: 3, deciding: 1, ...notProvisional }, // 5000 / 8000
      },
    ]);
  });

  it('the headline rate is over the latest cohort whose windows have ended (first failure 14–44 days ago)', async () => {
    const k = await presentKpis(FIXTURE_COMPANY, database.db, 30, FIXTURE_NOW);
    // Cases 1–9 and 18: recovered 1, 4, 5, 8; lost 2, 3, 6, 7, 9; 18 (a 60-day window) still deciding.
    expect(k.headline).toEqual({
      from: '2026-10-07T12:00:00.000Z',
      to: '2026-11-06T12:00:00.000Z',
      attribution_window_days: 14,
      cases: 10,
      recovered: 4,
      lost: 5,
      deciding: 1,
      rate_count: { value: 0.4444, decided: 9, deciding: 1, ...notProvisional },
      rate_amount: [
        { currency: 'usd', value: 0.625, decided: 6, deciding: 1, ...notProvisional }, // 7500 / 12000
        { currency: 'eur', value: 0.3333, decided: 3, deciding: 0, ...notProvisional }, // 4000 / 12000
      ],
    });
  });

  it('7 days: mostly undecided, so the rate is provisional, never a bare "100%"', async () => {
    const k = await presentKpis(FIXTURE_COMPANY, database.db, 7, FIXTURE_NOW);
    // Cases 13 (recovered), 14, 15, 16 (deciding).
    expect(k.window.rate_count).toEqual({ value: 1, decided: 1, deciding: 3, provisional: true });
    expect(k.money.map((m) => [m.currency, m.rate_amount])).toEqual([
      ['usd', { value: null, decided: 0, deciding: 3, provisional: true }],
      ['eur', { value: 1, decided: 1, deciding: 0, provisional: false }],
    ]);
    // Headline: first failure 14–21 days ago: 8 recovered, 9 lost.
    expect(k.headline.rate_count).toEqual({ value: 0.5, decided: 2, deciding: 0, provisional: false });
  });

  it('the weekly chart is by cohort week (week of first failure), recovered / lost / still deciding', async () => {
    const k = await presentKpis(FIXTURE_COMPANY, database.db, 30, FIXTURE_NOW);
    const usd = (recovered_cents: number, lost_cents: number, deciding_cents: number) => ({ currency: 'usd', recovered_cents, lost_cents, deciding_cents });
    const eur = (recovered_cents: number, lost_cents: number, deciding_cents: number) => ({ currency: 'eur', recovered_cents, lost_cents, deciding_cents });
    expect(k.weekly).toEqual([
      { week_start: '2026-10-19', recovered: 2, lost: 0, deciding: 0, amounts: [usd(2000, 0, 0), eur(4500, 0, 0)] },
      { week_start: '2026-10-26', recovered: 1, lost: 2, deciding: 0, amounts: [usd(2500, 2500, 0)] },
      { week_start: '2026-11-02', recovered: 1, lost: 1, deciding: 0, amounts: [usd(2000, 0, 0), eur(0, 3000, 0)] },
      { week_start: '2026-11-09', recovered: 1, lost: 0, deciding: 2, amounts: [usd(0, 0, 4000), eur(1000, 0, 6000)] },
      { week_start: '2026-11-16', recovered: 0, lost: 0, deciding: 3, amounts: [usd(0, 0, 6000)] },
    ]);
  });

  it('median time to recover and the per-reminder figures', async () => {
    const k = await presentKpis(FIXTURE_COMPANY, database.db, 30, FIXTURE_NOW);
    expect(k.median_hours_to_recover).toBe(24); // 2, 12, 24, 48, 72
    expect(k.by_step).toEqual([
      { step: 0, nudged: 9, recovered: 2 }, // steps > 0: 4, 5, 7, 9, 10, 11, 12, 13, 14; credited to reminder 1: 10 (nudge), 5 (manual)
      { step: 1, nudged: 3, recovered: 1 }, // 4, 7, 9; credited: 4
      { step: 2, nudged: 1, recovered: 0 }, // 7
    ]);
  });

  it('each recovery is credited to one method; by channel and by step sum to the recoveries, not to a multiple', async () => {
    const k = await presentKpis(FIXTURE_COMPANY, database.db, 30, FIXTURE_NOW);
    expect(k.by_method).toEqual([
      { method: 'whop_retry', recovered: 1, amounts: [{ currency: 'usd', recovered_cents: 2500 }] }, // 8
      { method: 'nudge', recovered: 2, amounts: [{ currency: 'usd', recovered_cents: 4000 }] }, // 4, 10
      { method: 'manual', recovered: 1, amounts: [{ currency: 'eur', recovered_cents: 4500 }] }, // 5
      { method: 'churn_saver_retry', recovered: 0, amounts: [] },
      { method: 'unattributed', recovered: 1, amounts: [{ currency: 'eur', recovered_cents: 1000 }] }, // 13, recovered before credit was recorded
    ]);
    expect(k.by_method.reduce((t, m) => t + m.recovered, 0)).toBe(k.recovered);
    expect(k.by_channel).toEqual([
      { channel: 'dm', sent: 0, outbox: 1, clicks: 1, recovered: 1 }, // outbox: 11; click: 11; credited: 5 (manual)
      { channel: 'email', sent: 1, outbox: 1, clicks: 1, recovered: 1 }, // sent 10, outbox 4; 10's scanner click not counted
      { channel: 'push', sent: 2, outbox: 0, clicks: 1, recovered: 1 }, // 4 twice; credited 4
    ]);
  });

  it('recovery by decline reason: cases, rate over decided, recovered per currency', async () => {
    const k = await presentKpis(FIXTURE_COMPANY, database.db, 30, FIXTURE_NOW);
    expect(k.by_decline).toEqual([
      { category: 'card_declined', cases: 5, recovered: 1, lost: 2, deciding: 2, rate_count: { value: 0.3333, decided: 3, deciding: 2, provisional: false }, amounts: [{ currency: 'usd', recovered_cents: 2000 }] },
      { category: 'insufficient_funds', cases: 3, recovered: 2, lost: 0, deciding: 1, rate_count: { value: 1, decided: 2, deciding: 1, provisional: true }, amounts: [{ currency: 'usd', recovered_cents: 2500 }, { currency: 'eur', recovered_cents: 4500 }] },
      { category: 'card_expired', cases: 2, recovered: 1, lost: 1, deciding: 0, rate_count: { value: 0.5, decided: 2, deciding: 0, provisional: false }, amounts: [{ currency: 'usd', recovered_cents: 2000 }] },
      { category: 'generic', cases: 2, recovered: 0, lost: 0, deciding: 2, rate_count: { value: null, decided: 0, deciding: 2, provisional: true }, amounts: [] },
      { category: 'not_recorded', cases: 1, recovered: 1, lost: 0, deciding: 0, rate_count: { value: 1, decided: 1, deciding: 0, provisional: false }, amounts: [{ currency: 'eur', recovered_cents: 1000 }] },
    ]);
  });

  it('the at-risk list: open cases inside their window with the most at stake, their next reminder and when', async () => {
    const k = await presentKpis(FIXTURE_COMPANY, database.db, 30, FIXTURE_NOW);
    expect(k.at_risk_cases.map((c) => [c.whop_membership_id, c.amount_at_risk_cents, c.currency, c.next_step, c.next_nudge_at])).toEqual([
      ['mem_fixture12', 6000, 'eur', 2, '2026-11-21T00:00:00.000Z'],
      ['mem_fixture11', 4000, 'usd', 2, '2026-11-21T12:00:00.000Z'],
      ['mem_fixture15', 3000, 'usd', null, null],
      ['mem_fixture14', 2000, 'usd', null, null],
      ['mem_fixture16', 1000, 'usd', null, null],
    ]);
  });

  it("the operators' company list uses the overview's 30-day definition, per currency", async () => {
    const { companies } = await presentCompanyList(database.db, FIXTURE_NOW);
    expect(companies).toEqual([
      { company_id: FIXTURE_COMPANY, title: 'Fixture Club', open_cases: 7, recovered_30d: [{ currency: 'eur', recovered_cents: 5500 }, { currency: 'usd', recovered_cents: 6500 }] },
      { company_id: LIFT_COMPANY, title: 'Lift Club', open_cases: 1, recovered_30d: [{ currency: 'usd', recovered_cents: 8000 }] },
      { company_id: OTHER_COMPANY, title: 'Other Club', open_cases: 0, recovered_30d: [{ currency: 'usd', recovered_cents: 7777 }] },
    ]);
    const k = await presentKpis(FIXTURE_COMPANY, database.db, 30, FIXTURE_NOW);
    expect(Object.fromEntries(k.money.map((m) => [m.currency, m.recovered_cents]))).toEqual({ usd: 6500, eur: 5500 });
  });

  it("another company's cases never reach the figures", async () => {
    const k = await presentKpis(OTHER_COMPANY, database.db, 30, FIXTURE_NOW);
    expect(k.money).toEqual([expect.objectContaining({ currency: 'usd', recovered_cents: 7777, incentive_cost_cents: 999 })]);
    expect(k.cases_opened).toBe(1);
  });

  it('control group: treated vs held-out rates over decided cases, the lift with its Newcombe interval, incremental revenue, and how many more cases are needed', async () => {
    const k = await presentKpis(LIFT_COMPANY, database.db, 30, FIXTURE_NOW);
    const g = k.control_group;
    expect(g.treated).toEqual({ cases: 11, recovered: 7, lost: 3, deciding: 1, decided: 10, rate: { value: 0.7, decided: 10, deciding: 1, provisional: false } });
    expect(g.control).toEqual({ cases: 5, recovered: 1, lost: 4, deciding: 0, decided: 5, rate: { value: 0.2, decided: 5, deciding: 0, provisional: false } });
    // 0.7 − 0.2; interval from Wilson (7/10) and (1/5) by the square-and-add rule, computed independently.
    expect(g.lift.estimate).toBeCloseTo(0.5, 10);
    expect(g.lift.lower).toBeCloseTo(-0.021646, 5);
    expect(g.lift.upper).toBeCloseTo(0.752521, 5);
    // Fixed horizon: 10 points over the assumed 30 % baseline (control has < 10 decided), a third held out → 778.
    expect({ planned: g.planned_decided, more: g.more_decided_needed, measuring: g.measuring }).toEqual({ planned: 778, more: 763, measuring: true });
    // (net per treated case − recovered per control case) × treated cases = ((7000 − 100) / 10 − 1000 / 5) × 10.
    expect(g.incremental).toHaveLength(1);
    const [usd] = g.incremental;
    expect(usd).toMatchObject({ currency: 'usd', estimate: 4900 });
    expect(usd!.lower!).toBeLessThan(4900);
    expect(usd!.upper!).toBeGreaterThan(4900);
    expect((await presentKpis(LIFT_COMPANY, database.db, 30, FIXTURE_NOW)).control_group.incremental).toEqual(g.incremental);
  });

  it('without a control group there is no lift, and it says so', async () => {
    const k = await presentKpis(FIXTURE_COMPANY, database.db, 30, FIXTURE_NOW);
    expect(k.control_group).toMatchObject({ holdout_percent: 0, control: { decided: 0 }, lift: { estimate: null }, planned_decided: null, more_decided_needed: null, measuring: true, incremental: [] });
  });
});

describe('the incremental revenue follows the data it is computed from', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
    await seedKpiFixture(database.sql);
  });
  afterAll(async () => database?.close());

  it('a held-out case recovered after a read: the next load shows the earlier figure as updating, then the new one', async () => {
    const before = (await presentKpis(LIFT_COMPANY, database.db, 30, FIXTURE_NOW)).control_group;
    expect(before.incremental[0]).toMatchObject({ currency: 'usd', estimate: 4900 });
    expect(before.incremental_updating).toBe(false);
    // Case 31 (held out, lost) turns out recovered: control 2 of 5 → ((7000 − 100) / 10 − 2000 / 5) × 10.
    const recoveredAt = new Date(FIXTURE_NOW.getTime() - 19 * 86_400_000).toISOString();
    await database.sql.query(`UPDATE recovery_cases SET status = 'recovered', recovered_cents = 1000, recovered_at = $2, closed_at = NULL WHERE id = $1`, [fixtureCaseId(31), recoveredAt]);
    const later = new Date(FIXTURE_NOW.getTime() + 60_000);
    const stale = (await presentKpis(LIFT_COMPANY, database.db, 30, later)).control_group;
    // The rates come from the rollups and are current; the incremental revenue says it is being recomputed.
    expect(stale.control).toMatchObject({ recovered: 2, decided: 5 });
    expect(stale).toMatchObject({ incremental: before.incremental, incremental_as_of: FIXTURE_NOW.toISOString(), incremental_updating: true });
    await incrementalRecomputations();
    const after = (await presentKpis(LIFT_COMPANY, database.db, 30, later)).control_group;
    expect(after).toMatchObject({ incremental_as_of: later.toISOString(), incremental_updating: false });
    expect(after.incremental[0]).toMatchObject({ currency: 'usd', estimate: 2900 });
    expect(after.incremental[0]!.upper).not.toBe(before.incremental[0]!.upper);
  });
});
