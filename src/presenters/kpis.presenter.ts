import { sql } from 'drizzle-orm';
import type { Queryable } from '../db/client.ts';
import { KPI_FORMULAS, netRecoveredCents, recoveryRates, type KpiInputs } from '../domain/kpi-formulas.ts';

const DAY_MS = 86_400_000;

async function rows<T>(q: Queryable, query: ReturnType<typeof sql>): Promise<T[]> {
  return ((await q.execute(query)) as unknown as { rows: T[] }).rows;
}

/** The currency most of the company's cases are in; amounts of other currencies are not mixed in. */
async function mainCurrencyOf(q: Queryable, companyId: string): Promise<string> {
  const [row] = await rows<{ currency: string }>(
    q,
    sql`SELECT currency FROM recovery_cases WHERE company_id = ${companyId} AND currency IS NOT NULL GROUP BY currency ORDER BY count(*) DESC LIMIT 1`,
  );
  return row?.currency ?? 'usd';
}

/**
 * The dashboard's KPIs for one company over cases that first failed in the last `windowDays`.
 * companyId is argument one and every query is scoped to it. Formulas: domain/kpi-formulas.ts.
 */
export async function presentKpis(companyId: string, q: Queryable, windowDays: number, now: Date) {
  const since = new Date(now.getTime() - windowDays * DAY_MS).toISOString();
  const at = now.toISOString();
  const currency = await mainCurrencyOf(q, companyId);
  const scope = sql`c.company_id = ${companyId} AND c.first_failure_at >= ${since}::timestamptz`;
  const money = sql`c.currency = ${currency}`;

  const [totals] = await rows<Record<string, string | number | null>>(
    q,
    sql`SELECT
          count(*) AS cases_opened,
          count(*) FILTER (WHERE c.status = 'recovered') AS recovered,
          count(*) FILTER (WHERE c.status = 'closed_no_recovery') AS closed_no_recovery,
          count(*) FILTER (WHERE c.status = 'open') AS open,
          count(*) FILTER (WHERE c.status = 'open' AND c.attribution_ends_at < ${at}::timestamptz) AS open_past_window,
          coalesce(sum(c.amount_at_risk_cents) FILTER (WHERE c.status = 'recovered' AND ${money}), 0) AS recovered_at_risk_cents,
          coalesce(sum(c.amount_at_risk_cents) FILTER (WHERE (c.status = 'closed_no_recovery' OR (c.status = 'open' AND c.attribution_ends_at < ${at}::timestamptz)) AND ${money}), 0) AS lost_cents,
          coalesce(sum(c.recovered_cents) FILTER (WHERE c.status = 'recovered' AND ${money}), 0) AS recovered_cents,
          percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM c.recovered_at - c.first_failure_at) / 3600)
            FILTER (WHERE c.status = 'recovered' AND c.recovered_at IS NOT NULL) AS median_hours_to_recover
        FROM recovery_cases c WHERE ${scope}`,
  );
  const [incentive] = await rows<{ cost: string | number }>(
    q,
    sql`SELECT coalesce(sum(i.cost_cents), 0) AS cost FROM incentives i JOIN recovery_cases c ON c.id = i.case_id
        WHERE ${scope} AND i.company_id = ${companyId} AND i.status = 'granted' AND ${money}`,
  );
  const [atRisk] = await rows<{ cents: string | number }>(
    q,
    sql`SELECT coalesce(sum(c.amount_at_risk_cents), 0) AS cents FROM recovery_cases c
        WHERE c.company_id = ${companyId} AND c.status = 'open' AND c.attribution_ends_at >= ${at}::timestamptz AND ${money}`,
  );
  const byStep = await rows<{ step: number; nudged: string | number; recovered_after: string | number }>(
    q,
    sql`SELECT s.step, count(*) FILTER (WHERE c.steps_sent > s.step) AS nudged,
               count(*) FILTER (WHERE c.status = 'recovered' AND c.steps_sent = s.step + 1) AS recovered_after
        FROM recovery_cases c CROSS JOIN generate_series(0, 9) AS s(step)
        WHERE ${scope} AND c.steps_sent > s.step GROUP BY s.step ORDER BY s.step`,
  );
  const byChannel = await rows<{ channel: string; sent: string | number; recovered_cases: string | number }>(
    q,
    sql`SELECT d.channel, count(*) AS sent, count(DISTINCT c.id) FILTER (WHERE c.status = 'recovered') AS recovered_cases
        FROM deliveries d JOIN recovery_cases c ON c.id = d.case_id
        WHERE ${scope} AND d.company_id = ${companyId} AND d.status IN ('sent', 'outbox') GROUP BY d.channel ORDER BY d.channel`,
  );
  const weekly = await rows<{ week_start: Date | string; recovered_cents: string | number; lost_cents: string | number; recovered: string | number; lost: string | number }>(
    q,
    sql`SELECT date_trunc('week', coalesce(c.recovered_at, c.closed_at)) AS week_start,
               coalesce(sum(c.recovered_cents) FILTER (WHERE c.status = 'recovered' AND ${money}), 0) AS recovered_cents,
               coalesce(sum(c.amount_at_risk_cents) FILTER (WHERE c.status = 'closed_no_recovery' AND ${money}), 0) AS lost_cents,
               count(*) FILTER (WHERE c.status = 'recovered') AS recovered,
               count(*) FILTER (WHERE c.status = 'closed_no_recovery') AS lost
        FROM recovery_cases c WHERE ${scope} AND c.status <> 'open'
        GROUP BY 1 ORDER BY 1`,
  );

  const n = (v: string | number | null | undefined) => Number(v ?? 0);
  const inputs: KpiInputs = {
    casesOpened: n(totals?.cases_opened),
    recovered: n(totals?.recovered),
    closedNoRecovery: n(totals?.closed_no_recovery),
    open: n(totals?.open),
    openPastWindow: n(totals?.open_past_window),
    recoveredAtRiskCents: n(totals?.recovered_at_risk_cents),
    lostCents: n(totals?.lost_cents),
    recoveredCents: n(totals?.recovered_cents),
    incentiveCostCents: n(incentive?.cost),
  };
  const rates = recoveryRates(inputs);
  const median = totals?.median_hours_to_recover;
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
    at_risk_cents: n(atRisk?.cents),
    incentive_cost_cents: inputs.incentiveCostCents,
    net_recovered_cents: netRecoveredCents(inputs),
    median_hours_to_recover: median === null || median === undefined ? null : Math.round(Number(median) * 10) / 10,
    by_step: byStep.map((r) => ({ step: Number(r.step), nudged: n(r.nudged), recovered_after: n(r.recovered_after) })),
    by_channel: byChannel.map((r) => ({ channel: r.channel, sent: n(r.sent), recovered_cases: n(r.recovered_cases) })),
    weekly: weekly.map((r) => ({
      week_start: new Date(r.week_start).toISOString().slice(0, 10),
      recovered_cents: n(r.recovered_cents),
      lost_cents: n(r.lost_cents),
      recovered: n(r.recovered),
      lost: n(r.lost),
    })),
    formulas: KPI_FORMULAS,
  };
}
