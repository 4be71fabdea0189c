import { and, desc, eq, gt, sql, type SQL } from 'drizzle-orm';
import { recoveryCases } from '../db/schema/recovery-cases.ts';
import { CREDITED_METHODS, type CreditedMethod } from '../domain/recovery-credit.ts';
import type { Queryable } from '../db/client.ts';
import { queryRowsPlanned } from '../db/planned-query.ts';
import { findCurrentSettings } from '../db/repositories/companies.repository.ts';
import {
  headlineCohort,
  KPI_FORMULAS,
  netRecoveredCents,
  recoveryRateByAmount,
  recoveryRateByCount,
  type CaseOutcome,
  type OutcomeCounts,
  type Rate,
} from '../domain/kpi-formulas.ts';
import { ASSUMED_BASELINE_RATE, newcombeLift, PLANNED_MIN_LIFT, plannedSampleSize, type IncrementalRevenue, type Lift } from '../domain/lift.ts';
import { presentIncrementalRevenue, type IncrementalView } from './kpi-incremental.ts';
import { caseGroupsSql, clicksByChannelSql, deliveriesByChannelSql, incentiveCostSql, medianHoursSql, type WindowCuts } from './kpi-rollups.ts';
import { cohortSql, outcomeSql } from './kpi-sql.ts';

const DAY_MS = 86_400_000;
/** Where "How we count" links to: docs/metrics.md, served by routes/dashboard-pages.ts. */
export const METRICS_DOC_URL = '/docs/metrics.md';

type Num = string | number | null;

/**
 * One group of cases: every figure below is a sum over these. Two grouping sets (kpi-rollups.ts):
 * `weekly` false, by all the keys but the cohort week; true, by cohort week, currency and outcome.
 */
interface CaseGroup {
  weekly: boolean;
  currency: string | null;
  outcome: CaseOutcome;
  in_window: boolean;
  in_headline: boolean;
  /** Cohort week (Monday, UTC) of a window case (weekly rows; null for headline-only cases). */
  week_start: string | null;
  steps_sent: number;
  credited_method: string | null;
  credited_channel: string | null;
  credited_step: number | null;
  decline_category: string | null;
  holdout: boolean;
  n: Num;
  at_risk_cents: Num;
  recovered_cents: Num;
}

type CentsRow = { currency: string | null; cents: Num };
type ChannelRow = { channel: string; sent: Num; outbox: Num };
type ClickRow = { channel: string | null; n: Num };

/** A company's attribution window (days) as last read here: the case groups' guess, checked against the settings read beside them. */
const attributionWindowSeen = new Map<string, number>();
/** findCurrentSettings' default for a company without settings (company_settings' column default). */
const DEFAULT_ATTRIBUTION_DAYS = 14;

/** Steps the per-step figures cover (as many as reminder offsets may have). */
const STEPS = 10;

export interface MoneyLine {
  currency: string;
  cases: number;
  recovered_cents: number;
  /** Failed amount of the recovered cases. */
  recovered_failed_cents: number;
  lost_cents: number;
  deciding_cents: number;
  at_risk_cents: number;
  incentive_cost_cents: number;
  net_recovered_cents: number;
  rate_amount: Rate;
}

/**
 * The dashboard's KPIs for one company: cases whose first failure is in the last `windowDays`
 * (the window), plus the headline cohort (the same length, ending one attribution window ago, so
 * every case in it is decided). companyId is argument one and every query is scoped to it.
 * Definitions: domain/kpi-formulas.ts and docs/metrics.md. Amounts are per currency, never summed.
 *
 * The window's and the headline's cases, deliveries, grants, clicks and times to recover are read
 * from rollups (kpi-rollups.ts: whole weeks and days rolled up, the days an edge cuts read case by
 * case), grouped by what the figures distinguish; all statements run at once over the pool.
 */
export async function presentKpis(companyId: string, q: Queryable, windowDays: number, now: Date): Promise<KpisView> {
  const since = new Date(now.getTime() - windowDays * DAY_MS);
  const at = now.toISOString();
  const windowScope = cohortSql(companyId, since);
  const windowCuts: WindowCuts = { companyId, now, since };
  const groupsSql = (attributionDays: number) => caseGroupsSql({ ...windowCuts, headline: headlineCohort(now, windowDays, attributionDays) });
  // The case groups need the attribution window (the headline cohort ends one window ago): they
  // are read with the one this process last saw for the company, beside the settings read, and
  // read again in the rare case the settings say otherwise. Every statement starts at once.
  const guess = attributionWindowSeen.get(companyId) ?? DEFAULT_ATTRIBUTION_DAYS;
  // The small reads share one statement (one round trip, one plan): each as a JSON array of its rows.
  const rowsOf = (query: SQL) => sql`(SELECT coalesce(json_agg(x), '[]'::json) FROM (${query}) x)`;
  const atRiskSql = sql`SELECT c.currency, sum(c.amount_at_risk_cents) AS cents FROM recovery_cases c
    WHERE c.company_id = ${companyId} AND c.status = 'open' AND c.attribution_ends_at > ${at}::timestamptz GROUP BY c.currency`;
  const [settings, guessedGroups, [medianRow], [small], atRiskCases] = await Promise.all([
    findCurrentSettings(q, companyId),
    queryRowsPlanned<CaseGroup>(q, groupsSql(guess)),
    queryRowsPlanned<{ hours: Num }>(q, medianHoursSql(windowCuts)),
    queryRowsPlanned<{ incentive_cost: CentsRow[]; at_risk: CentsRow[]; by_channel: ChannelRow[]; clicks: ClickRow[] }>(
      q,
      // Counted clicks of the window's cases (a cohort case's clicks come after its first failure).
      sql`SELECT ${rowsOf(incentiveCostSql(windowCuts))} AS incentive_cost, ${rowsOf(atRiskSql)} AS at_risk,
                 ${rowsOf(deliveriesByChannelSql(windowCuts))} AS by_channel, ${rowsOf(clicksByChannelSql(windowCuts))} AS clicks`,
    ),
    presentAtRiskCases(companyId, q, now),
  ]);
  const { incentive_cost: incentiveCost, at_risk: atRisk, by_channel: byChannel, clicks } = small!;
  const { attributionWindowDays, nudge } = settings;
  attributionWindowSeen.set(companyId, attributionWindowDays);
  const groups = attributionWindowDays === guess ? guessedGroups : await queryRowsPlanned<CaseGroup>(q, groupsSql(attributionWindowDays));
  const headline = headlineCohort(now, windowDays, attributionWindowDays);
  const median = medianRow?.hours === null || medianRow?.hours === undefined ? null : Number(medianRow.hours);

  const n = (v: Num | undefined) => Number(v ?? 0);
  const cur = (c: string | null) => (c ?? 'usd').toLowerCase();
  const windowGroups = groups.filter((g) => !g.weekly && g.in_window);
  const headlineGroups = groups.filter((g) => !g.weekly && g.in_headline);
  const countsOf = (of: CaseGroup[]): OutcomeCounts & { cases: number } => {
    const k = { cases: 0, recovered: 0, lost: 0, deciding: 0 };
    for (const g of of) {
      k.cases += n(g.n);
      k[g.outcome] += n(g.n);
    }
    return k;
  };

  // Money per currency (window), biggest currency (by cases) first.
  const money = new Map<string, MoneyLine & { decided: number; deciding: number }>();
  const line = (currency: string) => {
    let m = money.get(currency);
    if (!m) {
      m = { currency, cases: 0, recovered_cents: 0, recovered_failed_cents: 0, lost_cents: 0, deciding_cents: 0, at_risk_cents: 0, incentive_cost_cents: 0, net_recovered_cents: 0, rate_amount: null as unknown as Rate, decided: 0, deciding: 0 };
      money.set(currency, m);
    }
    return m;
  };
  for (const g of windowGroups) {
    const m = line(cur(g.currency));
    m.cases += n(g.n);
    if (g.outcome === 'recovered') {
      m.recovered_cents += n(g.recovered_cents);
      m.recovered_failed_cents += n(g.at_risk_cents);
      m.decided += n(g.n);
    } else if (g.outcome === 'lost') {
      m.lost_cents += n(g.at_risk_cents);
      m.decided += n(g.n);
    } else {
      m.deciding_cents += n(g.at_risk_cents);
      m.deciding += n(g.n);
    }
  }
  for (const r of incentiveCost) line(cur(r.currency)).incentive_cost_cents += n(r.cents);
  for (const r of atRisk) line(cur(r.currency)).at_risk_cents += n(r.cents);
  const moneyLines: MoneyLine[] = [...money.values()]
    .sort((a, b) => b.cases - a.cases || a.currency.localeCompare(b.currency))
    .map(({ decided, deciding, ...m }) => ({
      ...m,
      net_recovered_cents: netRecoveredCents({ recoveredCents: m.recovered_cents, incentiveCostCents: m.incentive_cost_cents }),
      rate_amount: recoveryRateByAmount({ recoveredFailedCents: m.recovered_failed_cents, lostCents: m.lost_cents, decidingCents: m.deciding_cents, decidedCases: decided, decidingCases: deciding }),
    }));

  // Headline: rate by count, and by amount per currency.
  const headlineAmounts = new Map<string, { recovered: number; lost: number; deciding: number; decidedCases: number; decidingCases: number }>();
  for (const g of headlineGroups) {
    const key = cur(g.currency);
    const h = headlineAmounts.get(key) ?? { recovered: 0, lost: 0, deciding: 0, decidedCases: 0, decidingCases: 0 };
    headlineAmounts.set(key, h);
    h[g.outcome] += n(g.at_risk_cents);
    if (g.outcome === 'deciding') h.decidingCases += n(g.n);
    else h.decidedCases += n(g.n);
  }
  const headlineCounts = countsOf(headlineGroups);
  const windowCounts = countsOf(windowGroups);

  // Credit: each recovered case counts once, for the one method it is credited to (recovery-credit.ts).
  const recoveredGroups = windowGroups.filter((g) => g.outcome === 'recovered');
  const methodOf = (g: CaseGroup): CreditedMethod => (CREDITED_METHODS.includes(g.credited_method as CreditedMethod) ? (g.credited_method as CreditedMethod) : 'unattributed');
  const byMethod = CREDITED_METHODS.map((method) => {
    const of = recoveredGroups.filter((g) => methodOf(g) === method);
    return { method, recovered: of.reduce((t, g) => t + n(g.n), 0), amounts: perCurrency(of, (g) => n(g.recovered_cents), currencyOrderOf(money)) };
  });
  const isNudgeCredit = (g: CaseGroup) => methodOf(g) === 'nudge' || methodOf(g) === 'manual';

  // Step k: cases that got it (more than k steps sent), and recoveries credited to it.
  const byStep: { step: number; nudged: number; recovered: number }[] = [];
  for (let step = 0; step < STEPS; step++) {
    const nudged = windowGroups.reduce((t, g) => t + (g.steps_sent > step ? n(g.n) : 0), 0);
    const recovered = recoveredGroups.reduce((t, g) => t + (isNudgeCredit(g) && g.credited_step === step ? n(g.n) : 0), 0);
    if (nudged > 0 || recovered > 0) byStep.push({ step, nudged, recovered });
  }

  // By decline reason: Whop's decline code when the case has one (issue #11), else the failure
  // message's category (decline-variant.ts); cases from before either was recorded say so.
  const categories = new Map<string, CaseGroup[]>();
  for (const g of windowGroups) {
    const key = g.decline_category ?? 'not_recorded';
    const of = categories.get(key);
    if (of) of.push(g);
    else categories.set(key, [g]);
  }
  const byDecline = [...categories.entries()]
    .map(([category, of]) => {
      const counts = countsOf(of);
      return { category, ...counts, rate_count: recoveryRateByCount(counts), amounts: perCurrency(of.filter((g) => g.outcome === 'recovered'), (g) => n(g.recovered_cents), currencyOrderOf(money)) };
    })
    .sort((a, b) => b.cases - a.cases || a.category.localeCompare(b.category));

  // Cohort weeks: cases by the week of their first failure, stacked by outcome; amounts per currency.
  const weeks = new Map<string, { week_start: string; recovered: number; lost: number; deciding: number; amounts: Map<string, { currency: string; recovered_cents: number; lost_cents: number; deciding_cents: number }> }>();
  for (const g of groups) {
    if (!g.weekly || !g.in_window) continue;
    const key = g.week_start!;
    let w = weeks.get(key);
    if (!w) weeks.set(key, (w = { week_start: key, recovered: 0, lost: 0, deciding: 0, amounts: new Map() }));
    w[g.outcome] += n(g.n);
    const c = cur(g.currency);
    let a = w.amounts.get(c);
    if (!a) w.amounts.set(c, (a = { currency: c, recovered_cents: 0, lost_cents: 0, deciding_cents: 0 }));
    if (g.outcome === 'recovered') a.recovered_cents += n(g.recovered_cents);
    else if (g.outcome === 'lost') a.lost_cents += n(g.at_risk_cents);
    else a.deciding_cents += n(g.at_risk_cents);
  }
  const currencyOrder = moneyLines.map((m) => m.currency);
  const weekly = [...weeks.values()]
    .sort((a, b) => a.week_start.localeCompare(b.week_start))
    .map((w) => ({ ...w, amounts: [...w.amounts.values()].sort((a, b) => currencyOrder.indexOf(a.currency) - currencyOrder.indexOf(b.currency)) }));

  const controlGroup = await presentControlGroup(companyId, q, { windowGroups, windowScope, windowDays, incentiveCost }, now, nudge.holdout_percent);

  return {
    window_days: windowDays,
    window: { from: since.toISOString(), to: at, ...windowCounts, rate_count: recoveryRateByCount(windowCounts) },
    headline: {
      from: headline.from.toISOString(),
      to: headline.to.toISOString(),
      attribution_window_days: attributionWindowDays,
      ...headlineCounts,
      rate_count: recoveryRateByCount(headlineCounts),
      rate_amount: [...headlineAmounts.entries()]
        .sort(([a], [b]) => (currencyOrder.indexOf(a) + 1 || 1e9) - (currencyOrder.indexOf(b) + 1 || 1e9) || a.localeCompare(b))
        .map(([currency, h]) => ({ currency, ...recoveryRateByAmount({ recoveredFailedCents: h.recovered, lostCents: h.lost, decidingCents: h.deciding, decidedCases: h.decidedCases, decidingCases: h.decidingCases }) })),
    },
    cases_opened: windowCounts.cases,
    recovered: windowCounts.recovered,
    lost: windowCounts.lost,
    deciding: windowCounts.deciding,
    money: moneyLines,
    median_hours_to_recover: median === null ? null : Math.round(median * 10) / 10,
    by_method: byMethod,
    by_step: byStep,
    by_channel: channelRows(byChannel, clicks, recoveredGroups.filter(isNudgeCredit)),
    by_decline: byDecline,
    at_risk_cases: atRiskCases,
    control_group: controlGroup,
    weekly,
    formulas: KPI_FORMULAS,
    formulas_url: METRICS_DOC_URL,
  };
}

/**
 * Treated vs control (held-out) cases of the window, over decided cases: the rates, the lift with
 * its Newcombe interval, the incremental net revenue per currency with a member bootstrap
 * interval, and how many more decided cases the planned (fixed-horizon) sample needs. The
 * per-member read runs only when the window has held-out decided cases.
 */
async function presentControlGroup(
  companyId: string,
  q: Queryable,
  { windowGroups, windowScope, windowDays, incentiveCost }: { windowGroups: CaseGroup[]; windowScope: ReturnType<typeof cohortSql>; windowDays: number; incentiveCost: CentsRow[] },
  now: Date,
  holdoutPercent: number,
): Promise<ControlGroupView> {
  const groupOf = (holdout: boolean): ControlGroupSide => {
    const of = windowGroups.filter((g) => g.holdout === holdout);
    const k = { cases: 0, recovered: 0, lost: 0, deciding: 0 };
    for (const g of of) {
      k.cases += Number(g.n);
      k[g.outcome] += Number(g.n);
    }
    return { ...k, decided: k.recovered + k.lost, rate: recoveryRateByCount(k) };
  };
  const treated = groupOf(false);
  const control = groupOf(true);
  const lift = newcombeLift(treated, control);
  const decided = treated.decided + control.decided;
  const share = holdoutPercent > 0 ? holdoutPercent / 100 : decided > 0 ? control.decided / decided : 0;
  const baseline = control.decided >= 10 && control.rate.value !== null ? control.rate.value : ASSUMED_BASELINE_RATE;
  const planned = plannedSampleSize(baseline, PLANNED_MIN_LIFT, share);
  // What the incremental revenue is computed from, as the rollups tell it (kpi-incremental.ts).
  const inputs = JSON.stringify([
    windowGroups.filter((g) => g.outcome !== 'deciding').map((g) => [g.holdout, g.currency, g.outcome, g.n, g.recovered_cents, g.at_risk_cents]).sort(),
    incentiveCost.map((r) => [r.currency, r.cents]).sort(),
  ]);
  const incremental: IncrementalView =
    control.decided > 0 && treated.decided > 0 ? await presentIncrementalRevenue(companyId, q, { windowScope, windowDays, inputs, now }) : { incremental: [], as_of: now.toISOString(), updating: false };
  return {
    holdout_percent: holdoutPercent,
    treated,
    control,
    lift,
    planned_decided: Number.isFinite(planned) ? planned : null,
    more_decided_needed: Number.isFinite(planned) ? Math.max(0, planned - decided) : null,
    measuring: !Number.isFinite(planned) || decided < planned,
    incremental: incremental.incremental,
    incremental_as_of: incremental.as_of,
    incremental_updating: incremental.updating,
  };
}

function currencyOrderOf(money: Map<string, { cases: number }>): string[] {
  return [...money.entries()].sort(([a, x], [b, y]) => y.cases - x.cases || a.localeCompare(b)).map(([c]) => c);
}

/** Sums `of` per currency, in the overview's currency order; currencies with nothing are left out. */
function perCurrency(groups: CaseGroup[], of: (g: CaseGroup) => number, order: string[]): CurrencyAmount[] {
  const sums = new Map<string, number>();
  for (const g of groups) {
    const c = (g.currency ?? 'usd').toLowerCase();
    sums.set(c, (sums.get(c) ?? 0) + of(g));
  }
  return [...sums.entries()].sort(([a], [b]) => (order.indexOf(a) + 1 || 1e9) - (order.indexOf(b) + 1 || 1e9)).map(([currency, recovered_cents]) => ({ currency, recovered_cents }));
}

/** Per channel: messages sent, kept in the outbox, counted clicks, and recoveries credited to it. */
function channelRows(deliveries: { channel: string; sent: Num; outbox?: Num }[], clicks: { channel: string | null; n: Num }[], credited: CaseGroup[]): KpisView['by_channel'] {
  const channels = [...new Set([...deliveries.map((d) => d.channel), ...clicks.map((c) => c.channel ?? 'unknown'), ...credited.map((g) => g.credited_channel ?? 'unknown')])].sort();
  return channels.map((channel) => {
    const d = deliveries.find((x) => x.channel === channel);
    return {
      channel,
      sent: Number(d?.sent ?? 0),
      outbox: Number(d?.outbox ?? 0),
      clicks: Number(clicks.find((c) => (c.channel ?? 'unknown') === channel)?.n ?? 0),
      recovered: credited.filter((g) => (g.credited_channel ?? 'unknown') === channel).reduce((t, g) => t + Number(g.n ?? 0), 0),
    };
  });
}

/**
 * The overview's at-risk list: open cases still inside their window with the most at stake, their
 * next reminder and when (the company's partial index on open cases by amount).
 */
async function presentAtRiskCases(companyId: string, q: Queryable, now: Date, limit = 5): Promise<AtRiskCase[]> {
  const rows = await q
    .select({
      id: recoveryCases.id,
      member_name: recoveryCases.memberName,
      whop_membership_id: recoveryCases.whopMembershipId,
      amount_at_risk_cents: recoveryCases.amountAtRiskCents,
      currency: recoveryCases.currency,
      steps_sent: recoveryCases.stepsSent,
      next_nudge_at: recoveryCases.nextNudgeAt,
      attribution_ends_at: recoveryCases.attributionEndsAt,
      holdout: recoveryCases.holdout,
    })
    .from(recoveryCases)
    .where(and(eq(recoveryCases.companyId, companyId), eq(recoveryCases.status, 'open'), gt(recoveryCases.attributionEndsAt, now)))
    .orderBy(desc(recoveryCases.amountAtRiskCents), recoveryCases.id)
    .limit(limit);
  return rows.map((r) => ({
    ...r,
    currency: (r.currency ?? 'usd').toLowerCase(),
    next_step: r.holdout || r.next_nudge_at === null ? null : r.steps_sent + 1,
    next_nudge_at: r.holdout ? null : (r.next_nudge_at?.toISOString() ?? null),
    attribution_ends_at: r.attribution_ends_at.toISOString(),
  }));
}

/** Recovered amounts of one currency (minor units). */
export interface CurrencyAmount {
  currency: string;
  recovered_cents: number;
}

/** One cohort's case counts: the window's, or the headline's. `from`/`to` are ISO times. */
export interface CohortCounts extends OutcomeCounts {
  from: string;
  to: string;
  cases: number;
  rate_count: Rate;
}

/** An open case still inside its window, with what is at stake and its next reminder (ISO times). */
export interface AtRiskCase {
  id: string;
  member_name: string | null;
  whop_membership_id: string;
  amount_at_risk_cents: number;
  currency: string;
  steps_sent: number;
  /** 1-based number of the next reminder; null for held-out cases or when none is scheduled. */
  next_step: number | null;
  next_nudge_at: string | null;
  attribution_ends_at: string;
  holdout: boolean;
}

/** Treated or control cases of the window. */
export interface ControlGroupSide extends OutcomeCounts {
  cases: number;
  decided: number;
  rate: Rate;
}

export interface ControlGroupView {
  holdout_percent: number;
  treated: ControlGroupSide;
  control: ControlGroupSide;
  /** Proportions (0.05 = 5 percentage points). */
  lift: Lift;
  planned_decided: number | null;
  more_decided_needed: number | null;
  measuring: boolean;
  incremental: ({ currency: string } & IncrementalRevenue)[];
  /** When the incremental revenue shown was computed (ISO): it is kept while its inputs stand (kpi-incremental.ts). */
  incremental_as_of: string;
  /** True when it was computed from an earlier state and is being recomputed. */
  incremental_updating: boolean;
}

/** GET /api/companies/:companyId/kpis: what the overview shows (docs/metrics.md). */
export interface KpisView {
  window_days: number;
  window: CohortCounts;
  headline: CohortCounts & { attribution_window_days: number; rate_amount: ({ currency: string } & Rate)[] };
  cases_opened: number;
  recovered: number;
  lost: number;
  deciding: number;
  money: MoneyLine[];
  /** Median hours from first failure to recovery (one decimal); null without recoveries. */
  median_hours_to_recover: number | null;
  by_method: { method: CreditedMethod; recovered: number; amounts: CurrencyAmount[] }[];
  by_step: { step: number; nudged: number; recovered: number }[];
  /** `channel` as stored on deliveries and clicks (`unknown` when a click named none). */
  by_channel: { channel: string; sent: number; outbox: number; clicks: number; recovered: number }[];
  by_decline: ({ category: string; cases: number; rate_count: Rate; amounts: CurrencyAmount[] } & OutcomeCounts)[];
  at_risk_cases: AtRiskCase[];
  control_group: ControlGroupView;
  weekly: { week_start: string; recovered: number; lost: number; deciding: number; amounts: { currency: string; recovered_cents: number; lost_cents: number; deciding_cents: number }[] }[];
  formulas: Readonly<Record<keyof typeof KPI_FORMULAS, string>>;
  formulas_url: string;
}
