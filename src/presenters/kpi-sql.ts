import { sql, type SQL } from 'drizzle-orm';

/**
 * SQL spellings of the KPI definitions in domain/kpi-formulas.ts, shared by the creator overview
 * and the operators' company list so both count the same way. `c` is recovery_cases.
 */

/** outcomeOf(): recovered | lost (closed, or open past its attribution window) | deciding. */
export function outcomeSql(at: Date): SQL {
  const now = at.toISOString();
  return sql`CASE WHEN c.status = 'recovered' THEN 'recovered'
                  WHEN c.status = 'closed_no_recovery' OR c.attribution_ends_at <= ${now}::timestamptz THEN 'lost'
                  ELSE 'deciding' END`;
}

/**
 * The cohort: cases of the company whose first failure is in [from, to) (no upper bound when `to`
 * is null). Index-friendly: a range of (company_id, first_failure_at).
 */
export function cohortSql(companyId: SQL | string, from: Date, to: Date | null = null): SQL {
  const company = typeof companyId === 'string' ? sql`${companyId}` : companyId;
  const upper = to === null ? sql`` : sql` AND c.first_failure_at < ${to.toISOString()}::timestamptz`;
  return sql`c.company_id = ${company} AND c.first_failure_at >= ${from.toISOString()}::timestamptz${upper}`;
}

/** Recovered money of a set of cases (sum it per currency, never across). */
export const recoveredCentsSql = sql`coalesce(sum(c.recovered_cents) FILTER (WHERE c.status = 'recovered'), 0)`;
