import { sql, type SQL } from 'drizzle-orm';
import { outcomeSql } from './kpi-sql.ts';

/**
 * The dashboard KPIs' reads of the per-day rollups (migration 0029, kept exact by triggers).
 * A window's or cohort's edges are `now` minus whole days, so they cut through one UTC day each:
 * whole cohort weeks come from the week rollups (cases 0037; deliveries, grants and clicks 0044),
 * other whole days from the day rollups, the cases of a cut day (and open cases whose attribution
 * window ends today, whose outcome turns at a time of day) from the live tables, each read with
 * the exact definitions of kpi-sql.ts. Every figure is the same as a pass over every case.
 */

const DAY_MS = 86_400_000;

/** A UTC day as its date and the instants it spans. */
interface Day {
  date: string;
  start: string;
  end: string;
}

function dayOf(at: Date): Day {
  const start = Math.floor(at.getTime() / DAY_MS) * DAY_MS;
  return { date: new Date(start).toISOString().slice(0, 10), start: new Date(start).toISOString(), end: new Date(start + DAY_MS).toISOString() };
}

export interface KpiCuts {
  companyId: string;
  now: Date;
  /** Start of the window (cases whose first failure is at or after it). */
  since: Date;
  /** The headline cohort [from, to). */
  headline: { from: Date; to: Date };
}

/** What the window's own reads (not the headline cohort's) need. */
export type WindowCuts = Omit<KpiCuts, 'headline'>;

const ts = (iso: string) => sql`${iso}::timestamptz`;
const day = (d: Day) => sql`${d.date}::date`;

/** The distinct days the window's and headline's edges cut: their cases are read one by one. */
function cutDays(k: KpiCuts): Day[] {
  const days = [dayOf(k.headline.from), dayOf(k.headline.to), dayOf(k.since)];
  return days.filter((d, i) => days.findIndex((e) => e.date === d.date) === i);
}

/** A day as its number since 1970-01-01 (a Thursday), and back. */
const dayNumber = (d: Day) => Date.parse(d.start) / DAY_MS;
const dayAt = (n: number): Day => dayOf(new Date(n * DAY_MS));
/** The Monday starting the week of day number n (weeks start on Monday, UTC, as the chart's do). */
const mondayOf = (n: number) => n - ((((n + 3) % 7) + 7) % 7);

/**
 * Whole days (lo, hi) exclusive (hi null: no end) split into whole cohort weeks, read from
 * kpi_case_weeks, and the days of the partial weeks at its ends, read from kpi_case_days.
 */
function splitByWeeks(lo: number, hi: number | null): { weeks: [number, number | null] | null; days: [number, number][] } {
  const firstMonday = mondayOf(lo + 1) === lo + 1 ? lo + 1 : mondayOf(lo + 1) + 7;
  const lastMonday = hi === null ? null : mondayOf(hi);
  if (lastMonday !== null && firstMonday >= lastMonday) return { weeks: null, days: hi! - 1 >= lo + 1 ? [[lo + 1, hi! - 1]] : [] };
  const days: [number, number][] = [];
  if (firstMonday > lo + 1) days.push([lo + 1, firstMonday - 1]);
  if (lastMonday !== null && hi! - 1 >= lastMonday) days.push([lastMonday, hi! - 1]);
  return { weeks: [firstMonday, lastMonday], days };
}

/**
 * The KPI pass's groups (currency × outcome × window/headline × cohort week × steps × credit ×
 * decline reason × control group, with counts and amounts): whole weeks from kpi_case_weeks, the
 * other whole days from kpi_case_days, the rest from recovery_cases. Same columns as the pass over
 * every case it replaces.
 */
export function caseGroupsSql(k: KpiCuts): SQL {
  const since = dayOf(k.since);
  const from = dayOf(k.headline.from);
  const to = dayOf(k.headline.to);
  const today = dayOf(k.now);
  const cuts = cutDays(k);
  const live = (where: SQL) => sql`
    SELECT c.currency, ${outcomeSql(k.now)} AS outcome,
           (c.first_failure_at >= ${ts(k.since.toISOString())}) AS in_window,
           (c.first_failure_at >= ${ts(k.headline.from.toISOString())} AND c.first_failure_at < ${ts(k.headline.to.toISOString())}) AS in_headline,
           CASE WHEN c.first_failure_at >= ${ts(k.since.toISOString())} THEN date_trunc('week', c.first_failure_at AT TIME ZONE 'UTC')::date END AS week_start,
           c.steps_sent, c.credited_method, c.credited_channel, c.credited_step, coalesce(c.decline_code, c.decline_category) AS decline_category, c.holdout,
           1 AS n, c.amount_at_risk_cents AS at_risk_cents, c.recovered_cents
    FROM recovery_cases c WHERE c.company_id = ${k.companyId} AND ${where}`;
  // The cut days' cases, one branch each: with the day's bounds as constants the planner knows how
  // few rows they are (a join on a list of days made it expect thousands and sort, not hash).
  const cutCases = cuts.map((d) => live(sql`c.first_failure_at >= ${ts(d.start)} AND c.first_failure_at < ${ts(d.end)}`));
  // Open cases of whole days whose window ends today: lost or deciding depends on the time.
  const turningToday = live(
    sql`c.status = 'open' AND c.attribution_ends_at >= ${ts(today.start)} AND c.attribution_ends_at < ${ts(today.end)}
        AND c.first_failure_at >= ${ts(from.start)} AND kpi_day(c.first_failure_at) NOT IN (${sql.join(cuts.map(day), sql`, `)})`,
  );
  const outcome = sql`CASE WHEN r.status = 'recovered' THEN 'recovered'
                WHEN r.status = 'closed_no_recovery' OR r.open_ends_day < ${day(today)} THEN 'lost' ELSE 'deciding' END`;
  const rolledWhere = sql`r.company_id = ${k.companyId} AND r.n <> 0 AND r.open_ends_day IS DISTINCT FROM ${day(today)}`;

  // Between two cut days (and after the last) a day's membership of the window and of the headline
  // cohort is the same for every day: those stretches are what the rollups answer.
  const [S, F, T] = [dayNumber(since), dayNumber(from), dayNumber(to)];
  const points = cuts.map(dayNumber).sort((a, b) => a - b);
  const days: number[] = [];
  const weeks: number[] = [];
  let openWeeks: number | null = null;
  points.forEach((lo, i) => {
    const hi = points[i + 1] ?? null;
    if (!(lo >= S) && !(lo >= F && hi !== null && hi <= T)) return;
    const split = splitByWeeks(lo, hi);
    for (const [a, b] of split.days) for (let d = a; d <= b; d++) days.push(d);
    if (!split.weeks) return;
    const [w1, w2] = split.weeks;
    if (w2 === null) openWeeks = w1;
    else for (let w = w1; w < w2; w += 7) weeks.push(w);
  });
  // Each listed week lies inside one stretch: its Monday and Sunday say the stretch's flags.
  // Lists (= ANY) keep each table to one index-only scan; an OR of ranges would read heap pages.
  const list = (ns: number[]) => sql`${`{${ns.map((n) => dayAt(n).date).join(',')}}`}::date[]`;
  const weekWhere =
    weeks.length === 0 ? (openWeeks === null ? null : sql`r.cohort_week >= ${day(dayAt(openWeeks))}`)
    : openWeeks === null ? sql`r.cohort_week = ANY(${list(weeks)})`
    : sql`r.cohort_week >= ${day(dayAt(weeks[0]!))} AND (r.cohort_week = ANY(${list(weeks)}) OR r.cohort_week >= ${day(dayAt(openWeeks))})`;
  const weekly = weekWhere === null ? [] : [sql`
    SELECT r.currency, ${outcome} AS outcome,
           (r.cohort_week > ${day(since)}) AS in_window,
           (r.cohort_week > ${day(from)} AND r.cohort_week + 6 < ${day(to)}) AS in_headline,
           CASE WHEN r.cohort_week > ${day(since)} THEN r.cohort_week END AS week_start,
           r.steps_sent, r.credited_method, r.credited_channel, r.credited_step, r.decline_category, r.holdout,
           r.n, r.at_risk_cents, r.recovered_cents
    FROM kpi_case_weeks r WHERE ${rolledWhere} AND ${weekWhere}`];
  const daily = days.length === 0 ? [] : [sql`
    SELECT r.currency, ${outcome} AS outcome,
           (r.cohort_day > ${day(since)}) AS in_window,
           (r.cohort_day > ${day(from)} AND r.cohort_day < ${day(to)}) AS in_headline,
           CASE WHEN r.cohort_day > ${day(since)} THEN date_trunc('week', r.cohort_day::timestamp)::date END AS week_start,
           r.steps_sent, r.credited_method, r.credited_channel, r.credited_step, r.decline_category, r.holdout,
           r.n, r.at_risk_cents, r.recovered_cents
    FROM kpi_case_days r WHERE ${rolledWhere} AND r.cohort_day = ANY(${list(days)})`];
  return caseGroupSetsSql(sql.join([...weekly, ...daily, ...cutCases, turningToday], sql` UNION ALL `));
}

/**
 * Rows of cases (or of their rollups: currency, outcome, in_window, in_headline, week_start (a date),
 * steps_sent, credited_method, credited_channel, credited_step, decline_category, holdout, n,
 * at_risk_cents, recovered_cents) summed in two grouping sets: `weekly` false, by everything the
 * figures distinguish but the cohort week; `weekly` true, by cohort week, currency and outcome (the
 * chart), the other keys null. Far fewer rows than the product of both for the presenter to read.
 * The week turns into text per output row only (to_char per rolled row cost ~0.5 ms at 365 days).
 */
export function caseGroupSetsSql(rows: SQL): SQL {
  return sql`
    SELECT grouping(g.week_start) = 0 AS weekly, g.currency, g.outcome, g.in_window, g.in_headline, to_char(g.week_start, 'YYYY-MM-DD') AS week_start, g.steps_sent,
           g.credited_method, g.credited_channel, g.credited_step, g.decline_category, g.holdout,
           sum(g.n) AS n, sum(g.at_risk_cents) AS at_risk_cents, sum(g.recovered_cents) AS recovered_cents
    FROM (
      -- Byte-wise ("C") keys: grouping is the same, and a sort, when the planner picks one, is cheaper.
      SELECT r.currency COLLATE "C" AS currency, r.outcome COLLATE "C" AS outcome, r.in_window, r.in_headline, r.week_start,
             r.steps_sent, r.credited_method COLLATE "C" AS credited_method, r.credited_channel COLLATE "C" AS credited_channel, r.credited_step,
             r.decline_category COLLATE "C" AS decline_category, r.holdout, r.n, r.at_risk_cents, r.recovered_cents
      FROM (${rows}) r WHERE r.in_window OR r.in_headline
    ) g
    GROUP BY GROUPING SETS (
      (g.currency, g.outcome, g.in_window, g.in_headline, g.steps_sent, g.credited_method, g.credited_channel, g.credited_step, g.decline_category, g.holdout),
      (g.in_window, g.week_start, g.currency, g.outcome))
    HAVING sum(g.n) > 0`;
}

/** The window's recovered cases (recovered_at set): `c` is recovery_cases. */
const windowRecoveries = (k: WindowCuts) =>
  sql`c.company_id = ${k.companyId} AND c.status = 'recovered' AND c.recovered_at IS NOT NULL AND c.first_failure_at >= ${ts(k.since.toISOString())}`;

/**
 * The window's recoveries by whole days from first failure to recovery (kpi_recover_day): whole
 * cohort weeks from kpi_recovery_weeks, the window's first (partial) week from the live rows.
 */
export function recoveryHistogramSql(k: WindowCuts): SQL {
  const next = mondayOf(dayNumber(dayOf(k.since))) + 7;
  const weekStart = day(dayAt(next));
  return sql`
    SELECT g.bucket, sum(g.n) AS n FROM (
      SELECT r.recover_day AS bucket, r.n FROM kpi_recovery_weeks r WHERE r.company_id = ${k.companyId} AND r.cohort_week >= ${weekStart}
      UNION ALL
      SELECT kpi_recover_day(c.first_failure_at, c.recovered_at), 1 FROM recovery_cases c
      WHERE ${windowRecoveries(k)} AND c.first_failure_at < ${ts(dayAt(next).start)}
    ) g GROUP BY g.bucket HAVING sum(g.n) <> 0 ORDER BY g.bucket`;
}

/** The first day of the month after the one of `d` (UTC). */
function nextMonthOf(d: Day): Day {
  const at = new Date(d.start);
  return dayOf(new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1)));
}

/**
 * The median (percentile_cont(0.5)) of the window's hours from first failure to recovery, the same
 * value as sorting every recovery, in one statement: the day histogram says which whole-day buckets
 * hold the one or two middle recoveries and how many come before them; the hour histogram
 * (kpi_recovery_hours by cohort month, the window's first, partial month from the live rows of
 * those days) says which hours; only the window's cases of those hours are read and sorted.
 * One row, `hours` (null without recoveries).
 */
export function medianHoursSql(k: WindowCuts): SQL {
  const month = nextMonthOf(dayOf(k.since));
  return sql`
    WITH h AS (${recoveryHistogramSql(k)}),
    c AS (SELECT bucket, n, sum(n) OVER (ORDER BY bucket) - n AS before FROM h),
    r AS (SELECT floor((sum(n) - 1) / 2) AS lo, ceil((sum(n) - 1) / 2) AS hi FROM h HAVING sum(n) > 0),
    m AS (SELECT r.lo, r.hi, lo_c.bucket AS lo_bucket, lo_c.before AS lo_before, hi_c.bucket AS hi_bucket
          FROM r JOIN c lo_c ON r.lo >= lo_c.before AND r.lo < lo_c.before + lo_c.n JOIN c hi_c ON r.hi >= hi_c.before AND r.hi < hi_c.before + hi_c.n),
    hh AS (
      SELECT g.hour, sum(g.n) AS n FROM (
        SELECT x.recover_hour AS hour, x.n FROM kpi_recovery_hours x
        WHERE x.company_id = ${k.companyId} AND x.cohort_month >= ${day(month)}
          AND x.recover_hour BETWEEN (SELECT lo_bucket * 24 FROM m) AND (SELECT hi_bucket * 24 + 23 FROM m)
        UNION ALL
        SELECT kpi_recover_hour(c.first_failure_at, c.recovered_at), 1 FROM recovery_cases c
        WHERE ${windowRecoveries(k)} AND c.first_failure_at < ${ts(month.start)}
          AND kpi_recover_day(c.first_failure_at, c.recovered_at) BETWEEN (SELECT lo_bucket FROM m) AND (SELECT hi_bucket FROM m)
      ) g GROUP BY g.hour HAVING sum(g.n) <> 0),
    hc AS (SELECT hour, n, (SELECT lo_before FROM m) + sum(n) OVER (ORDER BY hour) - n AS before FROM hh),
    mh AS (SELECT m.lo, m.hi, lo_h.hour AS lo_hour, lo_h.before AS lo_before, hi_h.hour AS hi_hour
           FROM m JOIN hc lo_h ON m.lo >= lo_h.before AND m.lo < lo_h.before + lo_h.n JOIN hc hi_h ON m.hi >= hi_h.before AND m.hi < hi_h.before + hi_h.n)
    SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY s.h) AS hours FROM (
      SELECT (extract(epoch FROM c.recovered_at - c.first_failure_at) / 3600)::float8 AS h FROM recovery_cases c
      WHERE ${windowRecoveries(k)} AND kpi_recover_hour(c.first_failure_at, c.recovered_at) BETWEEN (SELECT lo_hour FROM mh) AND (SELECT hi_hour FROM mh)
      ORDER BY h OFFSET (SELECT (lo - lo_before)::bigint FROM mh) LIMIT (SELECT (hi - lo + 1)::bigint FROM mh)
    ) s`;
}

/**
 * The window's parts for a child rollup (`<table>_weeks` and `<table>_days`): whole cohort weeks
 * after its first day from the weeks table, the other whole days from the days table, and its
 * first, cut day (`cutCases`) from the live rows of the cases of `companyId`. `rolled(columns)`
 * is a UNION ALL of both rollup tables' `columns` (`r` is the rollup row).
 */
function windowParts(k: WindowCuts, table: 'kpi_delivery' | 'kpi_incentive' | 'kpi_click') {
  const first = dayOf(k.since);
  const split = splitByWeeks(dayNumber(first), null);
  const weeks = sql.raw(`${table}_weeks`);
  const days = sql.raw(`${table}_days`);
  const dayList = split.days.flatMap(([a, b]) => Array.from({ length: b - a + 1 }, (_, i) => dayAt(a + i).date));
  const rolled = (columns: SQL, where: SQL = sql`TRUE`) =>
    sql.join(
      [
        sql`SELECT ${columns} FROM ${weeks} r WHERE r.company_id = ${k.companyId} AND r.cohort_week >= ${day(dayAt(split.weeks![0]))} AND ${where}`,
        ...(dayList.length === 0 ? [] : [sql`SELECT ${columns} FROM ${days} r WHERE r.company_id = ${k.companyId} AND r.cohort_day = ANY(${`{${dayList.join(',')}}`}::date[]) AND ${where}`]),
      ],
      sql` UNION ALL `,
    );
  return {
    rolled,
    cutCases: sql`c.company_id = ${k.companyId} AND c.first_failure_at >= ${ts(k.since.toISOString())} AND c.first_failure_at < ${ts(first.end)}`,
    first,
  };
}

/** Estimated cost of the incentives granted on the window's cases, per currency of the case. */
export function incentiveCostSql(k: WindowCuts): SQL {
  const w = windowParts(k, 'kpi_incentive');
  return sql`
    SELECT g.currency, sum(g.cents) AS cents FROM (
      ${w.rolled(sql`r.currency, r.n, r.cost_cents AS cents`)}
      UNION ALL
      SELECT c.currency, 1, i.cost_cents FROM recovery_cases c JOIN incentives i ON i.case_id = c.id
      WHERE ${w.cutCases} AND i.company_id = ${k.companyId} AND i.status = 'granted'
    ) g GROUP BY g.currency HAVING sum(g.n) > 0`;
}

/** Messages of the window's cases sent and kept in the outbox, per channel. */
export function deliveriesByChannelSql(k: WindowCuts): SQL {
  const w = windowParts(k, 'kpi_delivery');
  return sql`
    SELECT g.channel, coalesce(sum(g.n) FILTER (WHERE g.status = 'sent'), 0) AS sent, coalesce(sum(g.n) FILTER (WHERE g.status = 'outbox'), 0) AS outbox FROM (
      ${w.rolled(sql`r.channel, r.status, r.n`)}
      UNION ALL
      SELECT d.channel, d.status, 1 FROM recovery_cases c JOIN deliveries d ON d.case_id = c.id
      WHERE ${w.cutCases} AND d.company_id = ${k.companyId} AND d.status IN ('sent', 'outbox')
    ) g GROUP BY g.channel HAVING sum(g.n) > 0 ORDER BY g.channel`;
}

/**
 * Counted clicks of the window's cases made since the window's start, per channel. A rollup row
 * of a whole day holds clicks after the case's first failure (so after the start), or an early
 * click's own day: one on the start's day is read from the live rows.
 */
export function clicksByChannelSql(k: WindowCuts): SQL {
  const w = windowParts(k, 'kpi_click');
  const clicked = sql`e.reason = 'link_clicked' AND e.detail->>'counted' = 'true' AND e.company_id = ${k.companyId} AND e.at >= ${ts(k.since.toISOString())}`;
  return sql`
    SELECT g.channel, sum(g.n) AS n FROM (
      ${w.rolled(sql`r.channel, r.n`, sql`(r.early_day IS NULL OR r.early_day > ${day(w.first)})`)}
      UNION ALL
      SELECT e.detail->>'channel', 1 FROM case_events e JOIN recovery_cases c ON c.id = e.case_id
      WHERE ${clicked} AND e.at < ${ts(w.first.end)} AND c.company_id = ${k.companyId} AND c.first_failure_at >= ${ts(w.first.end)} AND e.at < c.first_failure_at
      UNION ALL
      SELECT e.detail->>'channel', 1 FROM recovery_cases c JOIN case_events e ON e.case_id = c.id
      WHERE ${w.cutCases} AND ${clicked}
    ) g GROUP BY 1 HAVING sum(g.n) > 0`;
}
