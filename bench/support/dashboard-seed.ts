// The dashboard benchmarks' data set (bench:dashboard and the dashboard figure of npm run bench).
/** Every 10th case is the largest company's, spread over the whole heap as real arrivals are. */
export const BIG_EVERY = 10;
export const BIG = 'biz_bench_big';
const CHUNK = 100_000;

/** The KPI rollup tables the triggers keep (migrations 0029, 0037) that this database has (BENCH_SKIP_MIGRATIONS may leave some out). */
export async function kpiRollupTables(sql: { query: (text: string, params?: unknown[]) => Promise<unknown> }): Promise<string[]> {
  const { rows } = (await sql.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE 'kpi\\_%' ORDER BY 1`)) as { rows: { tablename: string }[] };
  return rows.map((r) => r.tablename);
}

/**
 * 1M cases: ~45 % recovered, ~35 % closed_no_recovery, ~20 % open (closed once their window ends, as
 * the expired-case sweep does), first failures over two years,
 * five prices, 5 % in eur; then two deliveries per case of the largest company (one for other
 * companies' nudged cases) and a free-days incentive for most of the largest company's cases.
 * 10 % of members are held out (the default control group) and get neither.
 */
export async function seedDashboard(
  sql: { query: (text: string, params?: unknown[]) => Promise<unknown>; exec: (text: string) => Promise<void> },
  now: Date,
  { cases: CASES, companies: COMPANIES, log = console.log }: { cases: number; companies: number; log?: (line: string) => void },
): Promise<void> {
  const seconds = (since: number) => ((performance.now() - since) / 1000).toFixed(1);
  const at = now.toISOString();
  let started = performance.now();
  await sql.query(
    `INSERT INTO companies (company_id, title) SELECT CASE WHEN g = 0 THEN $1 ELSE 'biz_bench_' || lpad(g::text, 5, '0') END, 'Bench company ' || g FROM generate_series(0, $2::int - 1) g`,
    [BIG, COMPANIES],
  );
  await sql.query(`INSERT INTO company_settings (company_id, version) SELECT company_id, 1 FROM companies`);
  for (let lo = 0; lo < CASES; lo += CHUNK) {
    const hi = Math.min(CASES, lo + CHUNK) - 1;
    await sql.query(
      `INSERT INTO recovery_cases (company_id, whop_membership_id, whop_user_id, member_email, member_name, whop_payment_id, status, failure_reason,
         failure_count, amount_at_risk_cents, recovered_cents, currency, risk_level, first_failure_at, last_failure_at, recovered_at, closed_at,
         attribution_window_days, attribution_ends_at, settings_version, next_nudge_at, steps_sent, last_nudge_at, created_at, updated_at, holdout)
       SELECT company_id, 'mem_' || g, 'user_' || g, 'member' || g || '@example.com', 'Member ' || g, 'pay_' || g, status,
         (ARRAY['Your card has insufficient funds.', 'Your card was declined.', 'Your card has expired.', NULL])[1 + g % 4],
         1 + (g % 3), amount, CASE WHEN status = 'recovered' THEN amount ELSE 0 END, currency,
         (ARRAY['low', 'medium', 'high'])[1 + (g / 7) % 3], first_at, first_at + (g % 3) * interval '2 days',
         CASE WHEN status = 'recovered' THEN first_at + r3 * interval '10 days' END,
         CASE WHEN status = 'closed_no_recovery' THEN first_at + interval '14 days' END,
         14, first_at + interval '14 days', 1,
         CASE WHEN status = 'open' AND steps < 3 THEN first_at + (2 * steps) * interval '1 day' END, steps,
         CASE WHEN steps > 0 THEN first_at + (2 * (steps - 1)) * interval '1 day' END, first_at, first_at, held_out
       FROM (
         SELECT g,
           CASE WHEN g % ${BIG_EVERY} = 0 THEN '${BIG}' ELSE 'biz_bench_' || lpad((1 + g % (${COMPANIES} - 1))::text, 5, '0') END AS company_id,
           -- An open case whose 14-day window has ended is closed by the expired-case sweep
           -- (close-expired-cases.ts): only the last 14 days' cases are still open.
           CASE WHEN r1 < 0.45 THEN 'recovered' WHEN r1 < 0.80 OR r2 >= 14.0 / 730 THEN 'closed_no_recovery' ELSE 'open' END AS status,
           $1::timestamptz - r2 * interval '730 days' AS first_at,
           r3,
           (ARRAY[999, 1499, 2999, 4900, 9900])[1 + g % 5] AS amount,
           CASE WHEN r4 < 0.05 THEN 'eur' ELSE 'usd' END AS currency,
           CASE WHEN r5 < 0.10 THEN 0 ELSE floor(r3 * 4)::int END AS steps,
           r5 < 0.10 AS held_out
         FROM (SELECT g, random() AS r1, random() AS r2, random() AS r3, random() AS r4, random() AS r5 FROM generate_series($2::int, $3::int) g) raw
       ) s`,
      [at, lo, hi],
    );
  }
  log(`  recovery_cases: ${seconds(started)} s`);
  started = performance.now();
  await sql.query(
    `INSERT INTO deliveries (company_id, case_id, step, channel, status, attempts, rendered_body, created_at, updated_at, sent_at)
     SELECT c.company_id, c.id, 0, ch.channel, 'sent', 1, 'Your payment did not go through', c.first_failure_at, c.first_failure_at, c.first_failure_at
     FROM recovery_cases c CROSS JOIN (VALUES ('push'), ('dm')) AS ch(channel)
     WHERE c.company_id = $1 AND NOT c.holdout`,
    [BIG],
  );
  await sql.query(
    `INSERT INTO deliveries (company_id, case_id, step, channel, status, attempts, rendered_body, created_at, updated_at, sent_at)
     SELECT c.company_id, c.id, 0, 'email', 'outbox', 0, 'Your payment did not go through', c.first_failure_at, c.first_failure_at, NULL
     FROM recovery_cases c WHERE c.company_id <> $1 AND c.steps_sent > 0`,
    [BIG],
  );
  log(`  deliveries: ${seconds(started)} s`);
  started = performance.now();
  await sql.query(
    `INSERT INTO incentives (company_id, case_id, type, value, status, cost_cents, currency, created_at, updated_at, granted_at)
     SELECT c.company_id, c.id, 'free_days', 3, CASE WHEN c.steps_sent > 0 THEN 'granted' ELSE 'pending' END, c.amount_at_risk_cents * 3 / 30, c.currency,
       c.first_failure_at, c.first_failure_at, CASE WHEN c.steps_sent > 0 THEN c.first_failure_at END
     FROM recovery_cases c WHERE c.company_id = $1 AND NOT c.holdout AND (hashtext(c.id::text) & 7) < 5`,
    [BIG],
  );
  // Other companies offer free days less often: the table is not only the largest company's.
  await sql.query(
    `INSERT INTO incentives (company_id, case_id, type, value, status, cost_cents, currency, created_at, updated_at, granted_at)
     SELECT c.company_id, c.id, 'free_days', 7, 'granted', c.amount_at_risk_cents * 7 / 30, c.currency, c.first_failure_at, c.first_failure_at, c.first_failure_at
     FROM recovery_cases c WHERE c.company_id <> $1 AND c.steps_sent > 0 AND (hashtext(c.id::text) & 3) = 0`,
    [BIG],
  );
  log(`  incentives: ${seconds(started)} s`);
  started = performance.now();
  // The rollups too (0029, 0037): a million trigger upserts left them as autovacuum would find them.
  await sql.exec(['VACUUM (ANALYZE) companies, company_settings, recovery_cases, deliveries, incentives', ...(await kpiRollupTables(sql))].join(', '));
  log(`  VACUUM (ANALYZE): ${seconds(started)} s`);
}
