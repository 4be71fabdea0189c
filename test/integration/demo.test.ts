import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_COMPANY_ID, DEMO_OPERATOR, seedDemo, type DemoSummary } from '../../src/cli/demo-seed.ts';
import { presentKpis } from '../../src/presenters/kpis.presenter.ts';
import { presentCaseList } from '../../src/presenters/cases.presenter.ts';
import { authenticateOperator } from '../../src/services/operators/authenticate-operator.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-database.ts';
import { decrypted } from '../support/test-keys.ts';

// npm run demo: what a newcomer sees on the dashboard after seeding, on both backends.
describe('npm run demo (seedDemo)', () => {
  const now = new Date('2026-11-25T12:00:00.000Z');
  let database: TestDatabase;
  let first: DemoSummary;

  const count = async (query: string, params: unknown[] = []) => Number((await database.sql.query<{ n: string | number }>(query, params)).rows[0]?.n ?? 0);

  beforeAll(async () => {
    database = await createTestDatabase();
    first = await seedDemo(database, { now });
  }, 300_000);
  afterAll(async () => {
    await database?.close();
  });

  it('seeds a few hundred cases of biz_demo in every status, as the dashboard shows them', async () => {
    expect(first.outcome).toBe('seeded');
    expect(first.cases.total).toBeGreaterThanOrEqual(200);
    expect(first.cases.recovered).toBeGreaterThan(0);
    expect(first.cases.closed_no_recovery).toBeGreaterThan(0);
    expect(first.cases.open).toBeGreaterThan(0);

    const kpis = await presentKpis(DEMO_COMPANY_ID, database.db, 90, now);
    expect(kpis.cases_opened).toBeGreaterThan(0);
    expect(kpis.recovered).toBeGreaterThan(0);
    expect(kpis.lost).toBeGreaterThan(0);
    expect(kpis.deciding).toBeGreaterThan(0);
    expect(kpis.money[0]!.recovered_cents).toBeGreaterThan(0);

    for (const status of ['open', 'recovered', 'closed_no_recovery'] as const) {
      const page = await presentCaseList(DEMO_COMPANY_ID, database.db, { status, sort: 'first_failure_at', descending: true, limit: 10 });
      expect(page.total, status).toBeGreaterThan(0);
      expect(page.cases[0]!.member_email ?? '').toMatch(/@example\.com$|^$/);
    }
    // Open cases are the ones still inside their attribution window.
    expect(await count(`SELECT count(*) AS n FROM recovery_cases WHERE company_id = $1 AND status = 'open' AND attribution_ends_at < $2`, [DEMO_COMPANY_ID, now.toISOString()])).toBe(0);
  });

  it('went through the pipeline: processed webhooks, outbox deliveries with their text, refunds and deactivations', async () => {
    expect(await count(`SELECT count(*) AS n FROM webhook_events WHERE company_id = $1 AND status <> 'processed'`, [DEMO_COMPANY_ID])).toBe(0);
    expect(first.webhooks).toBeGreaterThan(first.cases.total);
    expect(first.deliveries.outbox).toBeGreaterThan(0);
    expect(await count(`SELECT count(*) AS n FROM deliveries WHERE company_id = $1 AND status = 'outbox' AND rendered_body IS NOT NULL`, [DEMO_COMPANY_ID])).toBe(first.deliveries.outbox);
    expect(first.nudges).toBeGreaterThan(0);
    expect(await count(`SELECT count(*) AS n FROM case_events WHERE company_id = $1 AND reason = 'recovery_reversed'`, [DEMO_COMPANY_ID])).toBeGreaterThan(0);
    const reasons = (await database.sql.query<{ failure_reason: string | null }>(`SELECT failure_reason FROM recovery_cases WHERE company_id = $1`, [DEMO_COMPANY_ID])).rows.map(decrypted);
    expect(reasons.filter((r) => r.failure_reason === 'membership_deactivated').length).toBeGreaterThan(0);
    expect(await count(`SELECT count(*) AS n FROM recovery_cases WHERE company_id = $1 AND currency = 'eur'`, [DEMO_COMPANY_ID])).toBeGreaterThan(0);
    expect(await count(`SELECT count(*) AS n FROM pgboss.job WHERE state <> 'completed'`)).toBe(0);
  });

  it('creates the operator the summary names, who can log in', async () => {
    expect(first.operator).toEqual(DEMO_OPERATOR);
    const login = await authenticateOperator({ db: database.db, clock: { now: () => now } }, DEMO_OPERATOR);
    expect(login.ok).toBe(true);
  });

  it('running it again changes nothing; --reset deletes biz_demo and seeds the same story afresh', async () => {
    const cases = await count(`SELECT count(*) AS n FROM recovery_cases WHERE company_id = $1`, [DEMO_COMPANY_ID]);
    const again = await seedDemo(database, { now });
    expect(again.outcome).toBe('already_seeded');
    expect(again.cases).toEqual(first.cases);
    expect(await count(`SELECT count(*) AS n FROM recovery_cases WHERE company_id = $1`, [DEMO_COMPANY_ID])).toBe(cases);
    expect(await count(`SELECT count(*) AS n FROM operators WHERE email = $1`, [DEMO_OPERATOR.email])).toBe(1);

    // --reset on a smaller story (a full one costs a minute per backend): nothing of the first
    // seed is left, and resetting again tells the same story exactly.
    const reset = await seedDemo(database, { now, reset: true, members: 40 });
    expect(reset.outcome).toBe('seeded');
    expect(reset.cases.total).toBeGreaterThan(0);
    expect(reset.cases.total).toBeLessThan(first.cases.total);
    expect(await count(`SELECT count(*) AS n FROM recovery_cases WHERE company_id = $1`, [DEMO_COMPANY_ID])).toBe(reset.cases.total);
    expect(await count(`SELECT count(*) AS n FROM webhook_events WHERE company_id = $1`, [DEMO_COMPANY_ID])).toBe(reset.webhooks);
    const again2 = await seedDemo(database, { now, reset: true, members: 40 });
    expect(again2.cases).toEqual(reset.cases);
    expect(again2.webhooks).toBe(reset.webhooks);
    expect(again2.deliveries).toEqual(reset.deliveries);
  }, 300_000);
});
