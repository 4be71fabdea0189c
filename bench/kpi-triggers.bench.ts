import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import pg from 'pg';
import { openDatabase } from '../src/db/client.ts';
import { migrate, MIGRATIONS_DIR } from '../src/db/migrate.ts';
import { createBenchDatabase } from './support/bench-database.ts';

// npx tsx bench/kpi-triggers.bench.ts — prints figures; asserts nothing.
// The write cost of the KPI rollup triggers: on a fresh PostgreSQL database, one connection runs
// BENCH_CASES (400) case lifecycles per round the way the service writes them, one autocommit
// statement each: open the case, two reminders (delivery sent, steps_sent + 1), a granted
// incentive, the recovery (status, recovered_at, credit). Three modes alternate round by round
// (BENCH_ROUNDS, 4) so they share the machine's load: the triggers off, 0029's (day rollups),
// 0037's (day and week rollups of cases, the time-to-recover histogram), 0044's (week rollups of
// deliveries, grants and clicks too) and 0045's (the hour histogram too). Every mode has every
// migration's indexes (0045's on recovery_cases included): the figure is the triggers' own work. Prints ms per lifecycle (7 writes);
// BENCH_ONE_TRANSACTION=1 runs each round in one transaction (the triggers' work without commits).
const CASES = Number(process.env.BENCH_CASES ?? 400);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const TABLES = ['recovery_cases', 'deliveries', 'incentives'];
/** BENCH_ONE_TRANSACTION=1: each round in one transaction, so the figure is the triggers' own work, not commits. */
const ONE_TRANSACTION = process.env.BENCH_ONE_TRANSACTION === '1';

const db = await createBenchDatabase('churn_bench_kpi_triggers');
const database = await openDatabase({ databaseUrl: db.url, maxConnections: 1 });
const client = new pg.Client({ connectionString: db.url });
try {
  await database.withConnection((sql) => migrate(sql));
  await client.connect();
  await client.query(`INSERT INTO companies (company_id, title) VALUES ('biz_trig', 'Trigger bench')`);
  // Each mode's versions of the rollup functions (the latest migration defining each), swapped in.
  const of = (file: string) => readFileSync(join(MIGRATIONS_DIR, file), 'utf8');
  const fn = (file: string, name: string) =>
    of(file).match(new RegExp(`CREATE (OR REPLACE )?FUNCTION ${name}\\([\\s\\S]*?END \\$fn\\$;`))![0].replace(/^CREATE FUNCTION/, 'CREATE OR REPLACE FUNCTION');
  const children = (file: string) => ['kpi_children_add', 'kpi_delivery_add', 'kpi_incentive_add', 'kpi_click_add'].map((name) => fn(file, name)).join('\n');
  const on = TABLES.map((t) => `ALTER TABLE ${t} ENABLE TRIGGER USER;`).join('');
  const modes: Record<string, string> = {
    off: TABLES.map((t) => `ALTER TABLE ${t} DISABLE TRIGGER USER;`).join(''),
    '0029': on + fn('0029_kpi_rollups.sql', 'kpi_case_add') + children('0029_kpi_rollups.sql'),
    '0037': on + fn('0037_kpi_rollups_weekly.sql', 'kpi_case_add') + children('0029_kpi_rollups.sql'),
    '0044': on + fn('0037_kpi_rollups_weekly.sql', 'kpi_case_add') + children('0044_kpi_child_rollups_weekly.sql'),
    '0045': on + fn('0045_kpi_recovery_hours.sql', 'kpi_case_add') + children('0044_kpi_child_rollups_weekly.sql'),
  };
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(modes).map((m) => [m, []]));
  let serial = 0;
  for (let round = 0; round < ROUNDS; round++) {
    for (const [mode, setup] of Object.entries(modes)) {
      await client.query(setup);
      const started = performance.now();
      if (ONE_TRANSACTION) await client.query('BEGIN');
      for (let i = 0; i < CASES; i++) {
        const n = serial++;
        // Cohort days spread over a year, as a company's cases are.
        const first = new Date(Date.UTC(2026, 0, 1) + (n % 365) * 86_400_000 + (n % 24) * 3_600_000).toISOString();
        const { rows } = await client.query<{ id: string }>(
          `INSERT INTO recovery_cases (company_id, whop_membership_id, status, amount_at_risk_cents, currency, first_failure_at, last_failure_at,
             attribution_window_days, attribution_ends_at, settings_version, updated_at)
           VALUES ('biz_trig', $1, 'open', 2999, 'usd', $2, $2, 14, $2::timestamptz + interval '14 days', 1, $2) RETURNING id`,
          [`mem_${n}`, first],
        );
        const id = rows[0]!.id;
        for (const step of [0, 1]) {
          await client.query(`INSERT INTO deliveries (company_id, case_id, step, channel, status, sent_at) VALUES ('biz_trig', $1, $2, 'push', 'sent', now())`, [id, step]);
          await client.query(`UPDATE recovery_cases SET steps_sent = steps_sent + 1, last_nudge_at = now(), updated_at = now() WHERE id = $1`, [id]);
        }
        await client.query(`INSERT INTO incentives (company_id, case_id, type, value, status, cost_cents, currency, granted_at) VALUES ('biz_trig', $1, 'free_days', 3, 'granted', 299, 'usd', now())`, [id]);
        await client.query(
          `UPDATE recovery_cases SET status = 'recovered', recovered_cents = 2999, recovered_at = first_failure_at + interval '50 hours',
             credited_method = 'nudge', credited_channel = 'push', credited_step = 1, updated_at = now() WHERE id = $1`,
          [id],
        );
      }
      if (ONE_TRANSACTION) await client.query('COMMIT');
      times[mode]!.push((performance.now() - started) / CASES);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(`KPI rollup triggers, ${CASES} case lifecycles (7 writes each) × ${ROUNDS} rounds per mode${ONE_TRANSACTION ? ', one transaction a round' : ', autocommit'}, load ${loadavg()[0]!.toFixed(1)}`);
  for (const [mode, ts] of Object.entries(times)) {
    const m = median(ts);
    console.log(`  triggers ${mode.padEnd(4)}  ${m.toFixed(2)} ms per lifecycle (${(m / 7).toFixed(3)} ms per write)  +${(((m - median(times.off!)) / median(times.off!)) * 100).toFixed(0)} % vs off   rounds: ${ts.map((t) => t.toFixed(2)).join(' ')}`);
  }
} finally {
  await client.end().catch(() => {});
  await database.close();
  await db.drop();
}
