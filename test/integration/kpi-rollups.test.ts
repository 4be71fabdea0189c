import fc from 'fast-check';
import { sql, type SQL } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.ts';
import { headlineCohort } from '../../src/domain/kpi-formulas.ts';
import { caseGroupSetsSql, caseGroupsSql, clicksByChannelSql, deliveriesByChannelSql, incentiveCostSql, medianHoursSql, type KpiCuts } from '../../src/presenters/kpi-rollups.ts';
import { cohortSql, outcomeSql } from '../../src/presenters/kpi-sql.ts';
import { archiveOldCases } from '../../src/services/cases/archive-old-cases.ts';
import { pruneEmptyRollupRows } from '../../src/db/repositories/kpi-rollups.repository.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-database.ts';

// The per-day and per-week rollups (migrations 0029, 0037, 0044, 0045) must say exactly what a pass over every live row says,
// after any mix of writes: cases opened, changed (status, steps, credit, currency, first failure,
// window), deleted, merged (history handed to another case, as reconcile-membership-cases.ts
// does), anonymised, archived (the real archive job), and their deliveries, grants and clicks;
// and the daily pruning of the rollups' all-zero rows in between.
// The reference statements below are the KPI reads as they were before the rollups.

const NOW = new Date('2026-11-20T12:00:00.000Z');
const DAY = 86_400_000;
const HOUR = 3_600_000;
const MONDAY = new Date('2026-11-16T00:00:00.000Z');
const COMPANIES = ['biz_roll_a', 'biz_roll_b'];

const caseArb = fc.record({
  company: fc.constantFrom(0, 0, 1),
  // Anywhere in 800 days, or within a day of where a window's or headline cohort's edge falls.
  hoursBefore: fc.oneof(
    fc.integer({ min: -30, max: 800 * 24 }),
    fc.tuple(fc.constantFrom(0, 1, 7, 14, 15, 28, 30, 44, 60, 90, 120, 365, 379, 395), fc.integer({ min: -36, max: 36 })).map(([d, h]) => d * 24 + h),
  ),
  status: fc.constantFrom('open', 'recovered', 'closed_no_recovery'),
  amount: fc.integer({ min: 0, max: 20_000 }),
  currency: fc.constantFrom('usd', 'eur', 'USD', null),
  steps: fc.integer({ min: 0, max: 3 }),
  credit: fc.option(fc.tuple(fc.constantFrom('nudge', 'whop_retry', 'manual', 'bogus'), fc.option(fc.constantFrom('push', 'dm', 'email')), fc.option(fc.integer({ min: 0, max: 2 })))),
  decline: fc.option(fc.constantFrom('insufficient_funds', 'expired_card')),
  declineCode: fc.option(fc.constantFrom('do_not_honor')),
  holdout: fc.boolean(),
  windowDays: fc.constantFrom(7, 14, 30),
  // Fractions of an hour too: the median is compared to the exact percentile, not to whole hours.
  hoursToRecover: fc.oneof(fc.integer({ min: 0, max: 300 }), fc.double({ min: 0, max: 300, noNaN: true })),
});

const commandArb = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('case' as const), c: caseArb }), weight: 6 },
  { arbitrary: fc.record({ kind: fc.constant('update' as const), i: fc.nat(), c: caseArb, fields: fc.subarray(['status', 'steps', 'credit', 'currency', 'first', 'window', 'amount', 'holdout', 'decline', 'recovered_at'] as const, { minLength: 1 }) }), weight: 4 },
  { arbitrary: fc.record({ kind: fc.constant('delete' as const), i: fc.nat() }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('merge' as const), i: fc.nat(), j: fc.nat() }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('anonymise' as const), i: fc.nat() }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('archive' as const), days: fc.integer({ min: 700, max: 1200 }) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('prune' as const) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('delivery' as const), i: fc.nat(), step: fc.integer({ min: 0, max: 2 }), channel: fc.constantFrom('push', 'dm', 'email'), status: fc.constantFrom('pending', 'sent', 'outbox', 'failed') }), weight: 4 },
  { arbitrary: fc.record({ kind: fc.constant('delivery_status' as const), j: fc.nat(), status: fc.constantFrom('pending', 'sent', 'outbox', 'dead'), delete: fc.boolean() }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('incentive' as const), i: fc.nat(), type: fc.constantFrom('free_days', 'promo_code'), status: fc.constantFrom('granted', 'pending', 'failed'), cost: fc.integer({ min: 0, max: 3000 }) }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('incentive_status' as const), j: fc.nat(), status: fc.constantFrom('granted', 'granting', 'unknown'), cost: fc.integer({ min: 0, max: 3000 }), delete: fc.boolean() }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('click' as const), i: fc.nat(), hoursAfter: fc.integer({ min: -40, max: 400 }), channel: fc.option(fc.constantFrom('push', 'dm', 'email')), counted: fc.boolean() }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('click_change' as const), j: fc.nat(), delete: fc.boolean() }), weight: 1 },
);
type Command = typeof commandArb extends fc.Arbitrary<infer T> ? T : never;
type CaseSpec = Extract<Command, { kind: 'case' }>['c'];

describe('KPI rollups equal a pass over the live rows after any mix of writes', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => database?.close());

  const run = (text: string, params: unknown[] = []) => database.sql.query(text, params);
  const pick = async (table: string, n: number) => {
    const { rows } = await database.sql.query<{ id: string }>(`SELECT id::text AS id FROM ${table} ORDER BY id`);
    return rows.length === 0 ? null : rows[n % rows.length]!.id;
  };

  async function apply(cmd: Command): Promise<void> {
    const caseValues = (c: CaseSpec) => {
      const first = new Date(NOW.getTime() - c.hoursBefore * HOUR);
      return {
        first,
        ends: new Date(first.getTime() + c.windowDays * DAY),
        recovered: c.status === 'recovered' ? Math.round(c.amount * 1.1) : 0,
        recoveredAt: c.status === 'recovered' ? new Date(first.getTime() + c.hoursToRecover * HOUR) : null,
      };
    };
    switch (cmd.kind) {
      case 'case': {
        const c = cmd.c;
        const v = caseValues(c);
        await run(
          `INSERT INTO recovery_cases (company_id, whop_membership_id, whop_user_id, member_email, status, amount_at_risk_cents, recovered_cents, currency, first_failure_at,
             last_failure_at, recovered_at, attribution_window_days, attribution_ends_at, settings_version, steps_sent, credited_method, credited_channel, credited_step,
             decline_category, decline_code, holdout, updated_at)
           VALUES ($1, 'mem_' || gen_random_uuid(), 'user_x', 'x@example.com', $2, $3, $4, $5, $6, $6, $7, $8, $9, 1, $10, $11, $12, $13, $14, $15, $16, $6)`,
          [COMPANIES[c.company], c.status, c.amount, v.recovered, c.currency, v.first.toISOString(), v.recoveredAt?.toISOString() ?? null, c.windowDays, v.ends.toISOString(), c.steps,
            c.credit?.[0] ?? null, c.credit?.[1] ?? null, c.credit?.[2] ?? null, c.decline, c.declineCode, c.holdout],
        );
        return;
      }
      case 'update': {
        const id = await pick('recovery_cases', cmd.i);
        if (!id) return;
        const c = cmd.c;
        const v = caseValues(c);
        const sets: string[] = [];
        const params: unknown[] = [id];
        const set = (col: string, value: unknown) => {
          params.push(value);
          sets.push(`${col} = $${params.length}`);
        };
        for (const f of cmd.fields) {
          if (f === 'status') (set('status', c.status), set('recovered_cents', v.recovered));
          if (f === 'steps') set('steps_sent', c.steps);
          if (f === 'credit') (set('credited_method', c.credit?.[0] ?? null), set('credited_channel', c.credit?.[1] ?? null), set('credited_step', c.credit?.[2] ?? null));
          if (f === 'currency') set('currency', c.currency);
          if (f === 'first') set('first_failure_at', v.first.toISOString());
          if (f === 'window') set('attribution_ends_at', v.ends.toISOString());
          if (f === 'amount') set('amount_at_risk_cents', c.amount);
          if (f === 'holdout') set('holdout', c.holdout);
          if (f === 'decline') (set('decline_category', c.decline), set('decline_code', c.declineCode));
          // Only the recovery time (the histogram of 0037 follows it; status may stay recovered).
          if (f === 'recovered_at') set('recovered_at', new Date(v.first.getTime() - (c.hoursBefore % 7) * HOUR + c.hoursToRecover * HOUR).toISOString());
        }
        // A second open case of the membership or a taken (membership, first failure) key is refused: skip it.
        await run(`UPDATE recovery_cases SET ${sets.join(', ')} WHERE id = $1`, params).catch((e: Error) => {
          if (!/unique|duplicate/i.test(e.message)) throw e;
        });
        return;
      }
      case 'delete': {
        const id = await pick('recovery_cases', cmd.i);
        if (id) await run(`DELETE FROM recovery_cases WHERE id = $1`, [id]);
        return;
      }
      case 'merge': {
        const from = await pick('recovery_cases', cmd.i);
        const to = await pick('recovery_cases', cmd.j);
        if (!from || !to || from === to) return;
        const [a] = (await database.sql.query<{ company_id: string }>(`SELECT company_id FROM recovery_cases WHERE id = ANY($1::uuid[]) GROUP BY company_id`, [[from, to]])).rows;
        if (!a || (await database.sql.query(`SELECT DISTINCT company_id FROM recovery_cases WHERE id = ANY($1::uuid[])`, [[from, to]])).rows.length > 1) return;
        // History moves to the continuing case (what it already has of a step/channel or type stays with it).
        await run(`DELETE FROM deliveries d WHERE d.case_id = $1 AND EXISTS (SELECT 1 FROM deliveries t WHERE t.case_id = $2 AND t.step = d.step AND t.channel = d.channel)`, [from, to]);
        await run(`UPDATE deliveries SET case_id = $2 WHERE case_id = $1`, [from, to]);
        await run(`DELETE FROM incentives i WHERE i.case_id = $1 AND EXISTS (SELECT 1 FROM incentives t WHERE t.case_id = $2 AND t.type = i.type)`, [from, to]);
        await run(`UPDATE incentives SET case_id = $2 WHERE case_id = $1`, [from, to]);
        await run(`UPDATE case_events SET case_id = $2 WHERE case_id = $1`, [from, to]);
        await run(`DELETE FROM recovery_cases WHERE id = $1`, [from]);
        return;
      }
      case 'anonymise': {
        const id = await pick('recovery_cases', cmd.i);
        if (id) await run(`UPDATE recovery_cases SET member_email = NULL, whop_user_id = NULL, updated_at = $2 WHERE id = $1`, [id, NOW.toISOString()]);
        return;
      }
      case 'archive':
        await archiveOldCases({ db: database.db, clock: { now: () => new Date(NOW.getTime() + cmd.days * DAY) } });
        return;
      case 'prune': {
        // The daily job's pruning, in batches of 2 so its loop runs: afterwards no all-zero row is left.
        await pruneEmptyRollupRows(database.db, 2);
        const { rows: left } = await database.sql.query<{ n: string }>(
          `SELECT (SELECT count(*) FROM kpi_case_days WHERE n = 0 AND at_risk_cents = 0 AND recovered_cents = 0) + (SELECT count(*) FROM kpi_case_weeks WHERE n = 0 AND at_risk_cents = 0 AND recovered_cents = 0) + (SELECT count(*) FROM kpi_delivery_days WHERE n = 0) AS n`,
        );
        expect(Number(left[0]!.n)).toBe(0);
        return;
      }
      case 'delivery': {
        const id = await pick('recovery_cases', cmd.i);
        if (id)
          await run(
            `INSERT INTO deliveries (company_id, case_id, step, channel, status) SELECT company_id, id, $2, $3, $4 FROM recovery_cases WHERE id = $1 ON CONFLICT DO NOTHING`,
            [id, cmd.step, cmd.channel, cmd.status],
          );
        return;
      }
      case 'delivery_status': {
        const id = await pick('deliveries', cmd.j);
        if (id) await run(cmd.delete ? `DELETE FROM deliveries WHERE id = $1` : `UPDATE deliveries SET status = $2 WHERE id = $1`, cmd.delete ? [id] : [id, cmd.status]);
        return;
      }
      case 'incentive': {
        const id = await pick('recovery_cases', cmd.i);
        if (id)
          await run(
            // A promo code carries its code and terms, and costs nothing until redeemed (0033's CHECKs).
            `INSERT INTO incentives (company_id, case_id, type, value, status, cost_cents, code, terms)
             SELECT company_id, id, $2, 3, $3, CASE WHEN $2 = 'promo_code' THEN 0 ELSE $4 END,
                    CASE WHEN $2 = 'promo_code' THEN 'SAVE-' || left(md5(random()::text), 10) END, CASE WHEN $2 = 'promo_code' THEN '{}'::jsonb END
             FROM recovery_cases WHERE id = $1 ON CONFLICT DO NOTHING`,
            [id, cmd.type, cmd.status, cmd.cost],
          );
        return;
      }
      case 'incentive_status': {
        const id = await pick('incentives', cmd.j);
        if (id) await run(cmd.delete ? `DELETE FROM incentives WHERE id = $1` : `UPDATE incentives SET status = $2, cost_cents = CASE WHEN type = 'promo_code' AND redeemed_at IS NULL THEN 0 ELSE $3 END WHERE id = $1`, cmd.delete ? [id] : [id, cmd.status, cmd.cost]);
        return;
      }
      case 'click': {
        const id = await pick('recovery_cases', cmd.i);
        if (id)
          await run(
            `INSERT INTO case_events (company_id, case_id, to_status, reason, source, at, detail)
             SELECT company_id, id, status, 'link_clicked', 'outreach', first_failure_at + $2 * interval '1 hour', jsonb_build_object('channel', $3::text, 'counted', $4::boolean)
             FROM recovery_cases WHERE id = $1`,
            [id, cmd.hoursAfter, cmd.channel, cmd.counted],
          );
        return;
      }
      case 'click_change': {
        const { rows } = await database.sql.query<{ id: string }>(`SELECT id::text AS id FROM case_events WHERE reason = 'link_clicked' ORDER BY id`);
        const id = rows.length === 0 ? null : rows[cmd.j % rows.length]!.id;
        if (!id) return;
        await run(cmd.delete ? `DELETE FROM case_events WHERE id = $1` : `UPDATE case_events SET detail = detail || jsonb_build_object('counted', NOT (detail->>'counted')::boolean) WHERE id = $1`, [id]);
        return;
      }
    }
  }

  const rows = async (query: SQL) => (await queryRows<Record<string, unknown>>(database.db, query)).map((r) => JSON.stringify(Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v])))).sort();

  it('rollups and the reads over them match the live rows', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(commandArb, { minLength: 5, maxLength: 45 }), async (commands) => {
        await run(`DELETE FROM companies WHERE company_id = ANY($1)`, [COMPANIES]);
        await run(`DELETE FROM archive.recovery_cases`);
        await run(`DELETE FROM archive.membership_facts`);
        for (const id of COMPANIES) await run(`INSERT INTO companies (company_id, title) VALUES ($1, $1)`, [id]);
        for (const cmd of commands) await apply(cmd);

        // The rollup tables themselves: each equals a GROUP BY of the live rows (zero rows aside).
        for (const [table, live] of Object.entries(LIVE_ROLLUPS)) expect(await rows(sql.raw(`SELECT * FROM ${table} WHERE n <> 0`)), table).toEqual(await rows(sql.raw(live)));

        // The KPI reads at windows and times of day whose edges cut days, against the old statements.
        for (const companyId of COMPANIES)
          // NOW is a Friday noon; MONDAY starts a cohort week, so a window's edge falls on a week's edge.
          for (const now of [NOW, new Date(NOW.getTime() + 11.5 * HOUR + 17_000), new Date(NOW.getTime() - 12 * HOUR), MONDAY])
            for (const [windowDays, attribution] of [[1, 14], [7, 7], [30, 14], [90, 30], [365, 14]] as const) {
              const cuts: KpiCuts = { companyId, now, since: new Date(now.getTime() - windowDays * DAY), headline: headlineCohort(now, windowDays, attribution) };
              const at = `${companyId} at ${now.toISOString()}, ${windowDays} days`;
              expect(await rows(caseGroupsSql(cuts)), `groups ${at}`).toEqual(await rows(referenceGroups(cuts)));
              expect(await rows(incentiveCostSql(cuts)), `incentives ${at}`).toEqual(await rows(referenceIncentives(cuts)));
              expect(await rows(deliveriesByChannelSql(cuts)), `deliveries ${at}`).toEqual(await rows(referenceDeliveries(cuts)));
              expect(await rows(clicksByChannelSql(cuts)), `clicks ${at}`).toEqual(await rows(referenceClicks(cuts)));
              const [median] = await queryRows<{ hours: number | null }>(database.db, referenceMedian(cuts));
              const [ours] = await queryRows<{ hours: number | null }>(database.db, medianHoursSql(cuts));
              expect(ours!.hours === null ? null : Number(ours!.hours), `median ${at}`).toBe(median!.hours === null ? null : Number(median!.hours));
            }
      }),
      { numRuns: 25 },
    );
  }, 600_000);
});

/** Each rollup as a GROUP BY of the live rows (the migrations' backfills). */
const LIVE_ROLLUPS: Record<string, string> = {
  // Not a KPI rollup: the case list's total (migration 0050), kept under the same writes.
  case_status_counts: `SELECT company_id, status, count(*) AS n FROM recovery_cases GROUP BY 1, 2`,
  kpi_case_days: `SELECT company_id, kpi_day(first_failure_at) AS cohort_day, currency, status, CASE WHEN status = 'open' THEN kpi_day(attribution_ends_at) END AS open_ends_day, steps_sent,
       credited_method, credited_channel, credited_step, coalesce(decline_code, decline_category) AS decline_category, holdout, count(*) AS n, sum(amount_at_risk_cents) AS at_risk_cents, sum(recovered_cents) AS recovered_cents
    FROM recovery_cases GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11`,
  kpi_case_weeks: `SELECT company_id, kpi_week(first_failure_at) AS cohort_week, currency, status, CASE WHEN status = 'open' THEN kpi_day(attribution_ends_at) END AS open_ends_day, steps_sent,
       credited_method, credited_channel, credited_step, coalesce(decline_code, decline_category) AS decline_category, holdout, count(*) AS n, sum(amount_at_risk_cents) AS at_risk_cents, sum(recovered_cents) AS recovered_cents
    FROM recovery_cases GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11`,
  kpi_recovery_weeks: `SELECT company_id, kpi_week(first_failure_at) AS cohort_week, kpi_recover_day(first_failure_at, recovered_at) AS recover_day, count(*) AS n
    FROM recovery_cases WHERE status = 'recovered' AND recovered_at IS NOT NULL GROUP BY 1, 2, 3`,
  kpi_recovery_hours: `SELECT company_id, kpi_recover_hour(first_failure_at, recovered_at) AS recover_hour, kpi_month(first_failure_at) AS cohort_month, count(*) AS n
    FROM recovery_cases WHERE status = 'recovered' AND recovered_at IS NOT NULL GROUP BY 1, 2, 3`,
  kpi_delivery_days: `SELECT c.company_id, kpi_day(c.first_failure_at) AS cohort_day, x.channel, x.status, count(*) AS n
    FROM deliveries x JOIN recovery_cases c ON c.id = x.case_id AND c.company_id = x.company_id WHERE x.status IN ('sent', 'outbox') GROUP BY 1, 2, 3, 4`,
  kpi_incentive_days: `SELECT c.company_id, kpi_day(c.first_failure_at) AS cohort_day, c.currency, count(*) AS n, sum(x.cost_cents) AS cost_cents
    FROM incentives x JOIN recovery_cases c ON c.id = x.case_id AND c.company_id = x.company_id WHERE x.status = 'granted' GROUP BY 1, 2, 3`,
  kpi_delivery_weeks: `SELECT c.company_id, kpi_week(c.first_failure_at) AS cohort_week, x.channel, x.status, count(*) AS n
    FROM deliveries x JOIN recovery_cases c ON c.id = x.case_id AND c.company_id = x.company_id WHERE x.status IN ('sent', 'outbox') GROUP BY 1, 2, 3, 4`,
  kpi_incentive_weeks: `SELECT c.company_id, kpi_week(c.first_failure_at) AS cohort_week, c.currency, count(*) AS n, sum(x.cost_cents) AS cost_cents
    FROM incentives x JOIN recovery_cases c ON c.id = x.case_id AND c.company_id = x.company_id WHERE x.status = 'granted' GROUP BY 1, 2, 3`,
  kpi_click_weeks: `SELECT c.company_id, kpi_week(c.first_failure_at) AS cohort_week, x.detail->>'channel' AS channel, CASE WHEN x.at < c.first_failure_at THEN kpi_day(x.at) END AS early_day, count(*) AS n
    FROM case_events x JOIN recovery_cases c ON c.id = x.case_id AND c.company_id = x.company_id WHERE x.reason = 'link_clicked' AND x.detail->>'counted' = 'true' GROUP BY 1, 2, 3, 4`,
  kpi_click_days: `SELECT c.company_id, kpi_day(c.first_failure_at) AS cohort_day, x.detail->>'channel' AS channel, CASE WHEN x.at < c.first_failure_at THEN kpi_day(x.at) END AS early_day, count(*) AS n
    FROM case_events x JOIN recovery_cases c ON c.id = x.case_id AND c.company_id = x.company_id WHERE x.reason = 'link_clicked' AND x.detail->>'counted' = 'true' GROUP BY 1, 2, 3, 4`,
};

// The KPI statements as presenters/kpis.presenter.ts ran them over every case before the rollups.
function referenceGroups(k: KpiCuts): SQL {
  const since = k.since.toISOString();
  // Every case of the cohorts, summed in the presenter's two grouping sets.
  return caseGroupSetsSql(sql`
      SELECT c.currency, ${outcomeSql(k.now)} AS outcome,
             (c.first_failure_at >= ${since}::timestamptz) AS in_window,
             (c.first_failure_at >= ${k.headline.from.toISOString()}::timestamptz AND c.first_failure_at < ${k.headline.to.toISOString()}::timestamptz) AS in_headline,
             CASE WHEN c.first_failure_at >= ${since}::timestamptz THEN date_trunc('week', c.first_failure_at AT TIME ZONE 'UTC')::date END AS week_start,
             c.steps_sent, c.credited_method, c.credited_channel, c.credited_step, coalesce(c.decline_code, c.decline_category) AS decline_category, c.holdout,
             1 AS n, c.amount_at_risk_cents AS at_risk_cents, c.recovered_cents
      FROM recovery_cases c WHERE ${cohortSql(k.companyId, k.headline.from)}`);
}
function referenceMedian(k: KpiCuts): SQL {
  return sql`SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM c.recovered_at - c.first_failure_at) / 3600) AS hours
    FROM recovery_cases c WHERE ${cohortSql(k.companyId, k.since)} AND c.status = 'recovered' AND c.recovered_at IS NOT NULL`;
}
function referenceIncentives(k: KpiCuts): SQL {
  return sql`SELECT c.currency, sum(i.cost_cents) AS cents FROM incentives i JOIN recovery_cases c ON c.id = i.case_id
    WHERE ${cohortSql(k.companyId, k.since)} AND i.company_id = ${k.companyId} AND i.status = 'granted' GROUP BY c.currency`;
}
function referenceDeliveries(k: KpiCuts): SQL {
  return sql`SELECT d.channel, count(*) FILTER (WHERE d.status = 'sent') AS sent, count(*) FILTER (WHERE d.status = 'outbox') AS outbox
    FROM deliveries d JOIN recovery_cases c ON c.id = d.case_id
    WHERE ${cohortSql(k.companyId, k.since)} AND d.company_id = ${k.companyId} AND d.status IN ('sent', 'outbox') GROUP BY d.channel`;
}
function referenceClicks(k: KpiCuts): SQL {
  return sql`SELECT e.detail->>'channel' AS channel, count(*) AS n FROM case_events e JOIN recovery_cases c ON c.id = e.case_id
    WHERE e.company_id = ${k.companyId} AND e.reason = 'link_clicked' AND e.at >= ${k.since.toISOString()}::timestamptz
      AND e.detail->>'counted' = 'true' AND ${cohortSql(k.companyId, k.since)} GROUP BY 1`;
}
