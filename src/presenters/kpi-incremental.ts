import { sql, type SQL } from 'drizzle-orm';
import { queryRows, type Queryable } from '../db/client.ts';
import { incrementalRevenue, seededRandom, type IncrementalRevenue } from '../domain/lift.ts';
import { outcomeSql } from './kpi-sql.ts';

/**
 * The control group's incremental revenue per currency (docs/metrics.md `incremental_revenue`).
 * Unlike every other figure of the overview it is read member by member: at 100,000 cases a
 * 365-day window's decided cases lie on ~37,000 heap pages (about a second to read). So the result
 * is kept per company and window with what it was computed from (`inputs`: the decided cases'
 * counts and amounts as the rollups give them on every load, and the window's incentive cost):
 * - the same inputs within INCREMENTAL_TTL_MS: the kept result;
 * - other inputs, or older: the kept result, marked `updating` with the time it was computed
 *   (`as_of`), while one recomputation per company and window runs after the answer;
 * - nothing kept yet in this process (its first load of that window): computed before answering.
 */

type Num = string | number | null;
export type CurrencyIncrement = { currency: string } & IncrementalRevenue;

export interface IncrementalView {
  incremental: CurrencyIncrement[];
  /** When the figures shown were computed (ISO). */
  as_of: string;
  /** True when they were computed from an earlier state and a recomputation is running. */
  updating: boolean;
}

interface Kept {
  inputs: string;
  at: Date;
  incremental: CurrencyIncrement[];
}

const kept = new Map<string, Kept>();
const running = new Map<string, Promise<void>>();
const INCREMENTAL_TTL_MS = 10 * 60_000;
/** At most this many company windows are kept (the least recently computed is dropped). */
const KEPT_MAX = 2_000;

function keep(key: string, value: Kept): void {
  kept.delete(key);
  kept.set(key, value);
  if (kept.size > KEPT_MAX) kept.delete(kept.keys().next().value!);
}

/** Forgets every kept result (the bench times the first load; tests start afresh). */
export function forgetIncrementalRevenue(): void {
  kept.clear();
}

/** Resolves when the recomputations started so far have ended (tests, the bench). */
export async function incrementalRecomputations(): Promise<void> {
  await Promise.all([...running.values()]);
}

export async function presentIncrementalRevenue(
  companyId: string,
  q: Queryable,
  { windowScope, windowDays, inputs, now }: { windowScope: SQL; windowDays: number; inputs: string; now: Date },
): Promise<IncrementalView> {
  const key = `${companyId}\u0000${windowDays}`;
  const seen = kept.get(key);
  const age = seen ? now.getTime() - seen.at.getTime() : Number.POSITIVE_INFINITY;
  if (seen && seen.inputs === inputs && age >= 0 && age < INCREMENTAL_TTL_MS) return { incremental: seen.incremental, as_of: seen.at.toISOString(), updating: false };
  const compute = async () => keep(key, { inputs, at: now, incremental: await computeIncrementalRevenue(companyId, q, windowScope, now) });
  if (!seen) {
    await compute();
    return { incremental: kept.get(key)!.incremental, as_of: now.toISOString(), updating: false };
  }
  if (!running.has(key)) {
    // A failed recomputation keeps the earlier result; the next load tries again.
    const job = compute()
      .catch(() => {})
      .finally(() => running.delete(key));
    running.set(key, job);
  }
  return { incremental: seen.incremental, as_of: seen.at.toISOString(), updating: true };
}

/**
 * Members with alike outcomes come grouped (how many members had k decided cases and these sums):
 * the bootstrap draws over distinct outcomes, so the draws do not grow with members.
 */
async function computeIncrementalRevenue(companyId: string, q: Queryable, windowScope: SQL, now: Date): Promise<CurrencyIncrement[]> {
  const outcomes = await queryRows<{ holdout: boolean; currency: string; cases: Num; recovered: Num; incentive: Num; members: Num }>(
    q,
    sql`SELECT m.holdout, m.currency, m.cases, m.recovered, m.incentive, count(*) AS members FROM (
          SELECT c.holdout, lower(coalesce(c.currency, 'usd')) AS currency, count(*) AS cases,
                 coalesce(sum(c.recovered_cents) FILTER (WHERE c.status = 'recovered'), 0) AS recovered,
                 coalesce(sum((SELECT sum(i.cost_cents) FROM incentives i WHERE i.case_id = c.id AND i.status = 'granted')), 0) AS incentive
          FROM recovery_cases c WHERE ${windowScope} AND ${outcomeSql(now)} <> 'deciding'
          GROUP BY c.holdout, 2, coalesce(c.whop_user_id, c.whop_membership_id)) m
        GROUP BY 1, 2, 3, 4, 5`,
  );
  const incremental: CurrencyIncrement[] = [];
  for (const currency of [...new Set(outcomes.map((m) => m.currency))].sort()) {
    const inCurrency = outcomes.filter((m) => m.currency === currency);
    const outcome = (m: (typeof outcomes)[number], net: boolean) => ({ cases: Number(m.cases), netCents: Number(m.recovered) - (net ? Number(m.incentive) : 0), members: Number(m.members) });
    const treated = inCurrency.filter((m) => !m.holdout).map((m) => outcome(m, true));
    const control = inCurrency.filter((m) => m.holdout).map((m) => outcome(m, false));
    // Seeded by the company: the same data shows the same interval on every load.
    incremental.push({ currency, ...incrementalRevenue(treated, control, seededRandom(seedOf(`${companyId}:${currency}`))) });
  }
  return incremental;
}

function seedOf(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}
