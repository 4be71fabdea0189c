import type { SqlRunner } from '../../src/db/client.ts';
import type { Channel } from '../../src/domain/channels.ts';

/**
 * A hand-computed company for the KPI tests (integration and browser): cases in USD and EUR,
 * decided and still deciding, inside the 30-day window, in the headline cohort (first failure
 * 14–44 days ago, the attribution window being 14 days), both, or neither. Every expected value in
 * KPI_FIXTURE_EXPECTED was worked out by hand from this table (docs/metrics.md has the formulas);
 * nothing is computed by the code under test.
 */
export const FIXTURE_COMPANY = 'biz_fixture';
export const OTHER_COMPANY = 'biz_fixture_other';
/** A company with a control group: treated and held-out cases, for the lift. */
export const LIFT_COMPANY = 'biz_fixture_lift';
/** A Friday. */
export const FIXTURE_NOW = new Date('2026-11-20T12:00:00.000Z');

const DAY = 86_400_000;
const HOUR = 3_600_000;

interface FixtureCase {
  no: number;
  /** First failure, days before FIXTURE_NOW. */
  d: number;
  status: 'open' | 'recovered' | 'closed_no_recovery';
  currency: 'usd' | 'eur';
  risk: number;
  recovered?: number;
  /** Hours from first failure to the recovering payment. */
  hoursToRecover?: number;
  steps: number;
  /** Attribution window in days (default 14). */
  window?: number;
  incentive?: { status: 'granted' | 'pending' | 'failed'; cost: number };
  company?: string;
  /** Stored credit (method, channel, step), as services/cases/credit-recovered-case.ts writes it. */
  credit?: [string, string | null, number | null];
  /** decline-variant.ts category; absent: a case from before it was recorded. */
  category?: string;
  /** Next reminder due, days after FIXTURE_NOW. */
  nextNudgeInDays?: number;
  /** In the control group. */
  holdout?: boolean;
}

export const FIXTURE_CASES: FixtureCase[] = [
  { no: 1, d: 40, status: 'recovered', currency: 'usd', risk: 3000, recovered: 3000, hoursToRecover: 30, steps: 1, incentive: { status: 'granted', cost: 300 }, credit: ['nudge', 'email', 0], category: 'card_declined' },
  { no: 2, d: 38, status: 'closed_no_recovery', currency: 'usd', risk: 2000, steps: 3 },
  { no: 3, d: 35, status: 'closed_no_recovery', currency: 'eur', risk: 5000, steps: 3 },
  { no: 4, d: 28, status: 'recovered', currency: 'usd', risk: 2000, recovered: 2000, hoursToRecover: 24, steps: 2, incentive: { status: 'granted', cost: 200 }, credit: ['nudge', 'push', 1], category: 'card_expired' },
  // Paid more than failed (two payments summed): the rate by amount counts what failed.
  { no: 5, d: 27, status: 'recovered', currency: 'eur', risk: 4000, recovered: 4500, hoursToRecover: 48, steps: 1, incentive: { status: 'granted', cost: 400 }, credit: ['manual', 'dm', 0], category: 'insufficient_funds' },
  { no: 6, d: 25, status: 'closed_no_recovery', currency: 'usd', risk: 1000, steps: 0, category: 'card_declined' },
  // Open, but its window ended 8 days ago and the sweep has not closed it: lost.
  { no: 7, d: 22, status: 'open', currency: 'usd', risk: 1500, steps: 3, category: 'card_declined' },
  // Whop's own retry, before any nudge.
  { no: 8, d: 20, status: 'recovered', currency: 'usd', risk: 2500, recovered: 2500, hoursToRecover: 2, steps: 0, credit: ['whop_retry', null, null], category: 'insufficient_funds' },
  { no: 9, d: 16, status: 'closed_no_recovery', currency: 'eur', risk: 3000, steps: 2, incentive: { status: 'failed', cost: 300 }, category: 'card_expired' },
  { no: 10, d: 12, status: 'recovered', currency: 'usd', risk: 2000, recovered: 2000, hoursToRecover: 72, steps: 1, incentive: { status: 'pending', cost: 200 }, credit: ['nudge', 'email', 0], category: 'card_declined' },
  { no: 11, d: 10, status: 'open', currency: 'usd', risk: 4000, steps: 1, incentive: { status: 'granted', cost: 133 }, category: 'generic', nextNudgeInDays: 1 },
  { no: 12, d: 9, status: 'open', currency: 'eur', risk: 6000, steps: 1, category: 'card_declined', nextNudgeInDays: 0.5 },
  { no: 13, d: 5, status: 'recovered', currency: 'eur', risk: 1000, recovered: 1000, hoursToRecover: 12, steps: 1 },
  { no: 14, d: 3, status: 'open', currency: 'usd', risk: 2000, steps: 1, category: 'insufficient_funds' },
  { no: 15, d: 2, status: 'open', currency: 'usd', risk: 3000, steps: 0, category: 'generic' },
  { no: 16, d: 1, status: 'open', currency: 'usd', risk: 1000, steps: 0, category: 'card_declined' },
  // Outside every cohort the tests look at.
  { no: 17, d: 45, status: 'recovered', currency: 'usd', risk: 9999, recovered: 9999, hoursToRecover: 5, steps: 1 },
  // Opened under an older 60-day attribution window: in the headline cohort, still deciding, at risk now.
  { no: 18, d: 35, status: 'open', currency: 'usd', risk: 800, steps: 3, window: 60 },
  // Another company's case: must never show up.
  { no: 19, d: 10, status: 'recovered', currency: 'usd', risk: 7777, recovered: 7777, hoursToRecover: 1, steps: 1, company: OTHER_COMPANY, incentive: { status: 'granted', cost: 999 } },
  // The control-group company: treated 7 recovered of 10 decided (+1 deciding), control 1 of 5.
  ...[20, 21, 22, 23, 24, 25, 26].map((no): FixtureCase => ({ no, d: 20, status: 'recovered', currency: 'usd', risk: 1000, recovered: 1000, hoursToRecover: 10, steps: 1, company: LIFT_COMPANY, ...(no === 20 ? { incentive: { status: 'granted' as const, cost: 100 } } : {}) })),
  ...[27, 28, 29].map((no): FixtureCase => ({ no, d: 20, status: 'closed_no_recovery', currency: 'usd', risk: 1000, steps: 3, company: LIFT_COMPANY })),
  { no: 30, d: 20, status: 'recovered', currency: 'usd', risk: 1000, recovered: 1000, hoursToRecover: 30, steps: 0, company: LIFT_COMPANY, holdout: true },
  ...[31, 32, 33, 34].map((no): FixtureCase => ({ no, d: 20, status: 'closed_no_recovery', currency: 'usd', risk: 1000, steps: 0, company: LIFT_COMPANY, holdout: true })),
  { no: 35, d: 3, status: 'open', currency: 'usd', risk: 1000, steps: 1, company: LIFT_COMPANY },
];

/** Deliveries (case no, step, channel, status). */
export const FIXTURE_DELIVERIES: [number, number, Channel, 'sent' | 'outbox' | 'failed'][] = [
  [4, 0, 'push', 'sent'],
  [4, 0, 'email', 'outbox'],
  [4, 1, 'push', 'sent'],
  [10, 0, 'email', 'sent'],
  [11, 0, 'dm', 'outbox'],
  [12, 0, 'email', 'failed'],
  [19, 0, 'push', 'sent'],
];

/** Clicks (case no, step, channel, counted), hours after the first failure. */
export const FIXTURE_CLICKS: [number, number, Channel, boolean][] = [
  [4, 1, 'push', true],
  [10, 0, 'email', true],
  [10, 0, 'email', false], // a mail scanner
  [11, 0, 'dm', true],
];

export const fixtureCaseId = (no: number) => `00000000-0000-4000-8000-${String(no).padStart(12, '0')}`;

/** Writes the fixture's companies, cases, incentives and deliveries. */
export async function seedKpiFixture(sql: SqlRunner): Promise<void> {
  for (const [company, title] of [[FIXTURE_COMPANY, 'Fixture Club'], [OTHER_COMPANY, 'Other Club'], [LIFT_COMPANY, 'Lift Club']] as const) {
    await sql.query(`INSERT INTO companies (company_id, title) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [company, title]);
    // No control-group setting (holdout 0): the lift company's held-out cases were assigned earlier.
    await sql.query(`INSERT INTO company_settings (company_id, version, settings) VALUES ($1, 1, '{"holdout_percent": 0}') ON CONFLICT DO NOTHING`, [company]);
  }
  for (const c of FIXTURE_CASES) {
    const first = new Date(FIXTURE_NOW.getTime() - c.d * DAY);
    const windowDays = c.window ?? 14;
    const recoveredAt = c.status === 'recovered' ? new Date(first.getTime() + (c.hoursToRecover ?? 0) * HOUR) : null;
    const closedAt = c.status === 'closed_no_recovery' ? new Date(first.getTime() + windowDays * DAY) : null;
    await sql.query(
      `INSERT INTO recovery_cases (id, company_id, whop_membership_id, whop_user_id, status, amount_at_risk_cents, recovered_cents, currency,
         first_failure_at, last_failure_at, recovered_at, closed_at, attribution_window_days, attribution_ends_at, settings_version, steps_sent, failure_count,
         credited_method, credited_channel, credited_step, decline_category, next_nudge_at, holdout)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10, $11, $12, $13, 1, $14, 1, $15, $16, $17, $18, $19, $20)`,
      [
        fixtureCaseId(c.no),
        c.company ?? FIXTURE_COMPANY,
        `mem_fixture${c.no}`,
        `user_fixture${c.no}`,
        c.status,
        c.risk,
        c.recovered ?? 0,
        c.currency,
        first.toISOString(),
        recoveredAt?.toISOString() ?? null,
        closedAt?.toISOString() ?? null,
        windowDays,
        new Date(first.getTime() + windowDays * DAY).toISOString(),
        c.steps,
        c.credit?.[0] ?? null,
        c.credit?.[1] ?? null,
        c.credit?.[2] ?? null,
        c.category ?? null,
        c.nextNudgeInDays === undefined ? null : new Date(FIXTURE_NOW.getTime() + c.nextNudgeInDays * DAY).toISOString(),
        c.holdout === true,
      ],
    );
    if (c.incentive)
      await sql.query(`INSERT INTO incentives (company_id, case_id, type, value, status, cost_cents, currency, granted_at) VALUES ($1, $2, 'free_days', 3, $3, $4, $5, $6)`, [
        c.company ?? FIXTURE_COMPANY,
        fixtureCaseId(c.no),
        c.incentive.status,
        c.incentive.cost,
        c.currency,
        c.incentive.status === 'granted' ? first.toISOString() : null,
      ]);
  }
  for (const [no, step, channel, status] of FIXTURE_DELIVERIES) {
    const c = FIXTURE_CASES.find((x) => x.no === no)!;
    const at = new Date(FIXTURE_NOW.getTime() - c.d * DAY + (step + 1) * HOUR).toISOString();
    await sql.query(`INSERT INTO deliveries (company_id, case_id, step, channel, status, attempts, sent_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 1, $6, $7, $7)`, [
      c.company ?? FIXTURE_COMPANY,
      fixtureCaseId(no),
      step,
      channel,
      status,
      status === 'sent' ? at : null,
      at,
    ]);
  }
  for (const [no, step, channel, counted] of FIXTURE_CLICKS) {
    const c = FIXTURE_CASES.find((x) => x.no === no)!;
    const at = new Date(FIXTURE_NOW.getTime() - c.d * DAY + (step + 2) * HOUR).toISOString();
    await sql.query(`INSERT INTO case_events (company_id, case_id, from_status, to_status, reason, actor, source, detail, at) VALUES ($1, $2, $3, $3, 'link_clicked', 'member', 'outreach', $4, $5)`, [
      FIXTURE_COMPANY,
      fixtureCaseId(no),
      c.status,
      JSON.stringify({ step, channel, counted, ...(counted ? {} : { why: 'bot_user_agent' }) }),
      at,
    ]);
  }
}
