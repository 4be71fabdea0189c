import { sql } from 'drizzle-orm';
import { queryRows, type Queryable } from '../db/client.ts';
import { KPI_FORMULAS, netRecoveredCents, recoveryRates, type KpiInputs } from '../domain/kpi-formulas.ts';

const DAY_MS = 86_400_000;

/**
 * The currency most of the company's cases are in; amounts of other currencies are not mixed in.
 * Most companies sell in one currency: the distinct currencies are found by walking the
 * (company_id, currency) index one value at a time. With several, each is counted only as far as
 * needed to tell which has the most: counts are capped, and the cap grows (x8) until at most one
 * currency reaches it. The winner is exact (a tie goes to the first in currency order).
 */
async function mainCurrencyOf(q: Queryable, companyId: string): Promise<string> {
  const found = await queryRows<{ currency: string }>(
    q,
    sql`WITH RECURSIVE currencies AS (
          SELECT (SELECT min(currency) FROM recovery_cases WHERE company_id = ${companyId}) AS currency
          UNION ALL
          SELECT (SELECT min(r.currency) FROM recovery_cases r WHERE r.company_id = ${companyId} AND r.currency > c.currency)
          FROM currencies c WHERE c.currency IS NOT NULL
        )
        SELECT currency FROM currencies WHERE currency IS NOT NULL`,
  );
  if (found.length <= 1) return found[0]?.currency ?? 'usd';
  let contenders = found.map(({ currency }) => ({ currency, n: 0 }));
  for (let cap = 1000; ; cap *= 8) {
    const counted = await Promise.all(
      contenders.map(async ({ currency }) => {
        const [row] = await queryRows<{ n: string | number }>(
          q,
          sql`SELECT count(*) AS n FROM (SELECT 1 FROM recovery_cases WHERE company_id = ${companyId} AND currency = ${currency} LIMIT ${cap}) capped`,
        );
        return { currency, n: Number(row?.n ?? 0) };
      }),
    );
    const atCap = counted.filter((c) => c.n >= cap);
    // One reached the cap and every other stopped below it: that one has the most.
    if (atCap.length === 1) return atCap[0]!.currency;
    // None reached it: every count is exact.
    if (atCap.length === 0) return counted.reduce((best, c) => (c.n > best.n ? c : best)).currency;
    contenders = atCap;
  }
}

type Num = string | number | null;

/** One group of the window's cases: the totals, the per-step and the weekly figures are sums over these. */
interface CaseGroup {
  status: 'open' | 'recovered' | 'closed_no_recovery';
  currency: string | null;
  steps_sent: number;
  past_window: boolean;
  week_start: Date | string | null;
  n: Num;
  at_risk_cents: Num;
  recovered_cents: Num;
}

/** Steps the per-step figures cover (as many as reminder offsets may have). */
const STEPS = 10;

/**
 * The dashboard's KPIs for one company over cases that first failed in the last `windowDays`.
 * companyId is argument one and every query is scoped to it. Formulas: domain/kpi-formulas.ts.
 *
 * The window's cases are read once, grouped by what the figures distinguish (status, currency,
 * steps sent, past the window, week decided), and the totals, per-step and weekly figures are
 * summed from those groups; the statements do not depend on one another (money is grouped by
 * currency and the company's main currency picked afterwards), so they run side by side.
 */
export async function presentKpis(companyId: string, q: Queryable, windowDays: number, now: Date) {
  const since = new Date(now.getTime() - windowDays * DAY_MS).toISOString();
  const at = now.toISOString();
  const scope = sql`c.company_id = ${companyId} AND c.first_failure_at >= ${since}::timestamptz`;

  const [currency, groups, [medianRow], incentiveCost, atRisk, byChannel] = await Promise.all([
    mainCurrencyOf(q, companyId),
    queryRows<CaseGroup>(
      q,
      // Grouped under "C" (byte order): the same groups, but a sort, when the planner sorts to
      // group a long window, compares bytes rather than locale-aware text.
      sql`SELECT c.status COLLATE "C" AS status, c.currency COLLATE "C" AS currency, c.steps_sent,
                 (c.status = 'open' AND c.attribution_ends_at < ${at}::timestamptz) AS past_window,
                 CASE WHEN c.status <> 'open' THEN date_trunc('week', coalesce(c.recovered_at, c.closed_at)) END AS week_start,
                 count(*) AS n, sum(c.amount_at_risk_cents) AS at_risk_cents, sum(c.recovered_cents) AS recovered_cents
          FROM recovery_cases c WHERE ${scope}
          GROUP BY 5, 3, 4, 1, 2`,
    ),
    queryRows<{ hours: Num }>(
      q,
      sql`SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM c.recovered_at - c.first_failure_at) / 3600) AS hours
          FROM recovery_cases c WHERE ${scope} AND c.status = 'recovered' AND c.recovered_at IS NOT NULL`,
    ),
    queryRows<{ currency: string | null; cents: Num }>(
      q,
      sql`SELECT c.currency, sum(i.cost_cents) AS cents FROM incentives i JOIN recovery_cases c ON c.id = i.case_id
          WHERE ${scope} AND i.company_id = ${companyId} AND i.status = 'granted' GROUP BY c.currency`,
    ),
    queryRows<{ currency: string | null; cents: Num }>(
      q,
      sql`SELECT c.currency, sum(c.amount_at_risk_cents) AS cents FROM recovery_cases c
          WHERE c.company_id = ${companyId} AND c.status = 'open' AND c.attribution_ends_at >= ${at}::timestamptz GROUP BY c.currency`,
    ),
    queryRows<{ channel: string; sent: string | number; recovered_cases: string | number }>(
      q,
      sql`SELECT d.channel, count(*) AS sent, count(DISTINCT c.id) FILTER (WHERE c.status = 'recovered') AS recovered_cases
          FROM deliveries d JOIN recovery_cases c ON c.id = d.case_id
          WHERE ${scope} AND d.company_id = ${companyId} AND d.status IN ('sent', 'outbox') GROUP BY d.channel ORDER BY d.channel`,
    ),
  ]);

  const n = (v: string | number | null | undefined) => Number(v ?? 0);
  const inMain = (g: { currency: string | null }) => g.currency === currency;
  const sum = (of: (g: CaseGroup) => number) => groups.reduce((total, g) => total + of(g), 0);
  const totals = {
    cases_opened: sum((g) => n(g.n)),
    recovered: sum((g) => (g.status === 'recovered' ? n(g.n) : 0)),
    closed_no_recovery: sum((g) => (g.status === 'closed_no_recovery' ? n(g.n) : 0)),
    open: sum((g) => (g.status === 'open' ? n(g.n) : 0)),
    open_past_window: sum((g) => (g.past_window ? n(g.n) : 0)),
    recovered_at_risk_cents: sum((g) => (g.status === 'recovered' && inMain(g) ? n(g.at_risk_cents) : 0)),
    lost_cents: sum((g) => ((g.status === 'closed_no_recovery' || g.past_window) && inMain(g) ? n(g.at_risk_cents) : 0)),
    recovered_cents: sum((g) => (g.status === 'recovered' && inMain(g) ? n(g.recovered_cents) : 0)),
  };

  // Step k: cases that got it (more than k steps sent), and cases recovered after exactly k + 1 steps.
  const byStep: { step: number; nudged: number; recovered_after: number }[] = [];
  for (let step = 0; step < STEPS; step++) {
    const nudged = sum((g) => (g.steps_sent > step ? n(g.n) : 0));
    if (nudged > 0) byStep.push({ step, nudged, recovered_after: sum((g) => (g.status === 'recovered' && g.steps_sent === step + 1 ? n(g.n) : 0)) });
  }

  // Decided cases by the week they were decided (no date sorts last, as in SQL).
  const weeks = new Map<number | null, { week_start: Date | string | null; recovered_cents: number; lost_cents: number; recovered: number; lost: number }>();
  for (const g of groups) {
    if (g.status === 'open') continue;
    const key = g.week_start === null ? null : new Date(g.week_start).getTime();
    let week = weeks.get(key);
    if (!week) weeks.set(key, (week = { week_start: g.week_start, recovered_cents: 0, lost_cents: 0, recovered: 0, lost: 0 }));
    if (g.status === 'recovered') {
      week.recovered += n(g.n);
      if (inMain(g)) week.recovered_cents += n(g.recovered_cents);
    } else {
      week.lost += n(g.n);
      if (inMain(g)) week.lost_cents += n(g.at_risk_cents);
    }
  }
  const weekly = [...weeks.entries()].sort(([a], [b]) => (a === null ? 1 : b === null ? -1 : a - b)).map(([, w]) => w);

  const inputs: KpiInputs = {
    casesOpened: totals.cases_opened,
    recovered: totals.recovered,
    closedNoRecovery: totals.closed_no_recovery,
    open: totals.open,
    openPastWindow: totals.open_past_window,
    recoveredAtRiskCents: totals.recovered_at_risk_cents,
    lostCents: totals.lost_cents,
    recoveredCents: totals.recovered_cents,
    incentiveCostCents: n(incentiveCost.find(inMain)?.cents),
  };
  const rates = recoveryRates(inputs);
  const median = medianRow?.hours;
  return {
    window_days: windowDays,
    currency,
    cases_opened: inputs.casesOpened,
    recovered: inputs.recovered,
    closed_no_recovery: inputs.closedNoRecovery,
    open: inputs.open,
    open_past_window: inputs.openPastWindow,
    recovery_rate_count: rates.byCount,
    recovery_rate_amount: rates.byAmount,
    recovered_cents: inputs.recoveredCents,
    lost_cents: inputs.lostCents,
    at_risk_cents: n(atRisk.find(inMain)?.cents),
    incentive_cost_cents: inputs.incentiveCostCents,
    net_recovered_cents: netRecoveredCents(inputs),
    median_hours_to_recover: median === null || median === undefined ? null : Math.round(Number(median) * 10) / 10,
    by_step: byStep,
    by_channel: byChannel.map((r) => ({ channel: r.channel, sent: n(r.sent), recovered_cases: n(r.recovered_cases) })),
    weekly: weekly.map((r) => ({
      week_start: new Date(r.week_start ?? 0).toISOString().slice(0, 10),
      recovered_cents: r.recovered_cents,
      lost_cents: r.lost_cents,
      recovered: r.recovered,
      lost: r.lost,
    })),
    formulas: KPI_FORMULAS,
  };
}
