import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { presentKpis } from '../../src/presenters/kpis.presenter.ts';
import { archiveOldCases } from '../../src/services/cases/archive-old-cases.ts';
import { sendDueNudges } from '../../src/services/nudges/send-due-nudges.ts';
import { DAY, startNudgeHarness, type NudgeHarness } from '../support/nudge-harness.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-database.ts';

const NOW = new Date('2026-11-20T12:00:00.000Z');
const daysAgo = (days: number) => new Date(NOW.getTime() - days * DAY);
const COMPANY = 'biz_archive';

describe('archiving cases idle for over 2 years', () => {
  let database: TestDatabase;
  let h: NudgeHarness;

  const fail = async (membership: string, at: Date, payment: string) => {
    h.clock.set(at);
    h.seedMember(membership, COMPANY, { email: `${membership}@example.test` });
    await h.deliver('payment.failed', { id: payment, membership: { id: membership }, user: { id: `user_${membership}`, email: `${membership}@example.test`, name: 'Dana Reyes' }, total: 29.99, currency: 'usd', decline_code: 'expired_card', failure_message: 'Your card has expired.', last_payment_attempt: at.toISOString() }, COMPANY);
    // An expired card's first nudge goes out right away (its default playbook): deliveries, the incentive and a timeline row.
    await sendDueNudges(h.deps);
  };
  const pay = async (membership: string, at: Date, payment: string) => {
    h.clock.set(at);
    await h.deliver('payment.succeeded', { id: payment, membership: { id: membership }, total: 29.99, currency: 'usd', paid_at: at.toISOString() }, COMPANY);
  };
  /** Rows of the membership in `schema.table` (children through their cases in the same schema). */
  const count = async (schema: 'public' | 'archive', table: string, membership: string) => {
    const ofMembership = table === 'membership_facts' || table === 'recovery_cases' ? 'whop_membership_id = $1' : `case_id IN (SELECT id FROM ${schema}.recovery_cases WHERE whop_membership_id = $1)`;
    const { rows } = await database.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${schema}.${table} WHERE ${ofMembership}`, [membership]);
    return rows[0]!.n;
  };
  const rowsOf = async (membership: string, schema: 'public' | 'archive') => {
    const counts: Record<string, number> = {};
    for (const t of ['recovery_cases', 'case_events', 'deliveries', 'incentives', 'membership_facts']) counts[t] = await count(schema, t, membership);
    return counts;
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    h = await startNudgeHarness(database, daysAgo(3 * 365));
    // Recovered 3 years ago (after a nudge and 3 free days): moves.
    await fail('mem_old', daysAgo(3 * 365), 'pay_old');
    await pay('mem_old', daysAgo(3 * 365 - 2), 'pay_old');
    // Open since 3 years ago (the close sweep never ran on it): never archived.
    await fail('mem_open', daysAgo(3 * 365), 'pay_open');
    // Recovered 3 years ago, failing again now: the member's history stays live with the new case.
    await fail('mem_back', daysAgo(3 * 365), 'pay_back1');
    await pay('mem_back', daysAgo(3 * 365 - 1), 'pay_back1');
    // Recovered a year ago: stays.
    await fail('mem_year', daysAgo(365), 'pay_year');
    await pay('mem_year', daysAgo(364), 'pay_year');
    // This month's cases, the ones the dashboard's windows show.
    await fail('mem_back', daysAgo(20), 'pay_back2');
    await fail('mem_recent', daysAgo(10), 'pay_recent');
    await pay('mem_recent', daysAgo(8), 'pay_recent');
    h.clock.set(NOW);
  });
  afterAll(async () => {
    await h?.close();
    await database?.close();
  });

  it('a 3-year-old recovered case moves with its timeline, deliveries, incentive and facts; the 1-year-old, the open and the returning member stay; dashboard KPIs are unchanged', async () => {
    const before = await rowsOf('mem_old', 'public');
    expect(before).toMatchObject({ recovery_cases: 1, incentives: 1 });
    expect(before.case_events).toBeGreaterThanOrEqual(2);
    expect(before.deliveries).toBeGreaterThanOrEqual(1);
    expect(before.membership_facts).toBe(2);
    const { rows: [oldCase] } = await database.sql.query<Record<string, unknown>>(`SELECT * FROM recovery_cases WHERE whop_membership_id = 'mem_old'`);
    const kpisBefore = await Promise.all([30, 90, 365].map((w) => presentKpis(COMPANY, database.db, w, NOW)));
    // The windows show something to keep: this month's two cases, and a year's three.
    expect(kpisBefore.map((k) => [k.cases_opened, k.recovered])).toEqual([[2, 1], [2, 1], [3, 2]]);

    const result = await archiveOldCases({ db: database.db, clock: h.clock });

    expect(result).toMatchObject({ memberships: 1, more: false, moved: { recovery_cases: 1, ...before } });
    expect(await rowsOf('mem_old', 'public')).toEqual({ recovery_cases: 0, case_events: 0, deliveries: 0, incentives: 0, membership_facts: 0 });
    expect(await rowsOf('mem_old', 'archive')).toEqual(before);
    const { rows: [archived] } = await database.sql.query<Record<string, unknown>>(`SELECT * FROM archive.recovery_cases WHERE whop_membership_id = 'mem_old'`);
    const { archived_at, ...copied } = archived!;
    expect(copied).toEqual(oldCase);
    expect(archived_at).toEqual(NOW);

    for (const [membership, cases] of [['mem_year', 1], ['mem_open', 1], ['mem_back', 2], ['mem_recent', 1]] as const) {
      expect((await rowsOf(membership, 'public')).recovery_cases, membership).toBe(cases);
      expect((await rowsOf(membership, 'archive')).recovery_cases, membership).toBe(0);
    }
    expect(await Promise.all([30, 90, 365].map((w) => presentKpis(COMPANY, database.db, w, NOW)))).toEqual(kpisBefore);
  });

  it('a second run moves nothing, and the archived member failing again gets one new case, not the old one back', async () => {
    const again = await archiveOldCases({ db: database.db, clock: h.clock });
    expect(again).toMatchObject({ memberships: 0, moved: { recovery_cases: 0, membership_facts: 0 } });

    await fail('mem_old', NOW, 'pay_old2');
    const { rows } = await database.sql.query<{ status: string; first_failure_at: Date }>(`SELECT status, first_failure_at FROM recovery_cases WHERE whop_membership_id = 'mem_old'`);
    expect(rows).toEqual([{ status: 'open', first_failure_at: NOW }]);
    expect(await count('archive', 'recovery_cases', 'mem_old')).toBe(1);
  });

  it('refuses, naming the column, when a live table gained a column its archive copy lacks', async () => {
    await database.sql.exec('ALTER TABLE deliveries ADD COLUMN provider_region text');
    try {
      await expect(archiveOldCases({ db: database.db, clock: h.clock })).rejects.toThrow(/archive\.deliveries lacks column provider_region/);
    } finally {
      await database.sql.exec('ALTER TABLE deliveries DROP COLUMN provider_region');
    }
  });
});
