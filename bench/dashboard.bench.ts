import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { openDatabase, type AppDb } from '../src/db/client.ts';
import { installFieldCipher } from '../src/db/encrypted-text.ts';
import { generateEncryptionKey, loadKeyring } from '../src/integrations/crypto/encryption-keys.ts';
import { createFieldCipher } from '../src/integrations/crypto/field-cipher.ts';
import { resolveLookupHashKey } from '../src/services/resolve-lookup-hash-key.ts';
import { listMigrations, migrate, MIGRATIONS_DIR } from '../src/db/migrate.ts';
import * as schema from '../src/db/schema/index.ts';
import { presentCaseList, type CaseListQuery } from '../src/presenters/cases.presenter.ts';
import { presentKpis } from '../src/presenters/kpis.presenter.ts';

// npm run bench:dashboard — prints figures; asserts nothing.
// On a fresh PostgreSQL database: migrate, seed BENCH_CASES (1,000,000) recovery cases over 10,000
// companies, the largest with a tenth of them (100,000), with deliveries and incentives; VACUUM
// ANALYZE (the state autovacuum keeps a table in); then time the dashboard's presenters for the
// largest company: p50/p95 of BENCH_RUNS (50) runs after 5 warm-ups, against a p95 target of 20 ms.
// A presenter that misses it gets an EXPLAIN (ANALYZE, BUFFERS) summary of each statement it runs.
// BENCH_SKIP_MIGRATIONS=4 leaves migration 0004 out (the figures before its dashboard indexes);
// BENCH_KEEP_DATABASE=1 keeps the seeded database for a closer look instead of dropping it.
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const CASES = Number(process.env.BENCH_CASES ?? 1_000_000);
const COMPANIES = Number(process.env.BENCH_COMPANIES ?? 10_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 50);
const WARMUPS = 5;
const TARGET_MS = 20;
const SKIP = new Set((process.env.BENCH_SKIP_MIGRATIONS ?? '').split(',').filter(Boolean).map(Number));
/** Every 10th case is the largest company's, spread over the whole heap as real arrivals are. */
const BIG_EVERY = 10;
const BIG = 'biz_bench_big';
const CHUNK = 100_000;

/** BENCH_REUSE_DATABASE=<name of a kept database>: skip seeding, apply pending migrations, time again. */
const REUSE = process.env.BENCH_REUSE_DATABASE;
const name = REUSE ?? `churn_bench_dashboard_${Date.now()}`;
if (!REUSE) {
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
}
const url = new URL(ADMIN_URL);
url.pathname = `/${name}`;
const databaseUrl = url.toString();

const database = await openDatabase({ databaseUrl, maxConnections: 4 });
const seconds = (since: number) => ((performance.now() - since) / 1000).toFixed(1);
try {
  const migrations = listMigrations().filter((m) => !SKIP.has(m.version));
  const dir = mkdtempSync(join(tmpdir(), 'churn-bench-migrations-'));
  for (const m of migrations) copyFileSync(join(MIGRATIONS_DIR, `${m.name}.sql`), join(dir, `${m.name}.sql`));
  const migrated = await database.withConnection((sql) => migrate(sql, dir));
  rmSync(dir, { recursive: true, force: true });
  // The presenters decrypt member names as the service does: a key of this run's own (the bench seeds no personal data).
  const keys = loadKeyring({ current: process.env.ENCRYPTION_KEY ?? generateEncryptionKey(), nodeEnv: 'test' });
  if (!keys.ok) throw new Error(keys.problems.join('; '));
  installFieldCipher(createFieldCipher(await resolveLookupHashKey(database.sql, keys.keyring)));
  console.log(`dashboard benchmark on PostgreSQL (${name}), migrations ${migrations.map((m) => m.name.slice(0, 4)).join(', ')}`);

  let now = new Date();
  if (REUSE) {
    const [row] = (await database.sql.query<{ at: Date }>(`SELECT max(first_failure_at) AS at FROM recovery_cases`)).rows;
    now = new Date(row!.at);
    if (migrated.applied.length > 0) await database.sql.exec('VACUUM (ANALYZE) recovery_cases, deliveries, incentives');
    console.log(`reusing the seeded database${migrated.applied.length > 0 ? `; applied ${migrated.applied.join(', ')} and analyzed` : ''}`);
  } else {
    const seedStarted = performance.now();
    await seed(database.sql, now);
    console.log(`seeded ${CASES.toLocaleString('en-US')} cases over ${COMPANIES.toLocaleString('en-US')} companies (${BIG}: ${(CASES / BIG_EVERY).toLocaleString('en-US')}) in ${seconds(seedStarted)} s`);
  }

  // A second drizzle instance on its own pool records the statements each presenter runs, for EXPLAIN.
  const capturePool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  let captured: { sql: string; params: unknown[] }[] = [];
  const captureDb = drizzle(capturePool, { schema, logger: { logQuery: (sql, params) => captured.push({ sql, params }) } }) as unknown as AppDb;

  const listQuery = (extra: Partial<CaseListQuery> = {}): CaseListQuery => ({ sort: 'first_failure_at', descending: true, limit: 50, ...extra });
  const firstPage = await presentCaseList(BIG, database.db, listQuery());
  const cursor = firstPage.next_cursor ?? undefined;
  const search = await presentCaseList(BIG, database.db, listQuery({ q: 'member1234' }));
  const cases: { label: string; run: (db: AppDb) => Promise<unknown> }[] = [
    { label: 'kpis window=30', run: (db) => presentKpis(BIG, db, 30, now) },
    { label: 'kpis window=90', run: (db) => presentKpis(BIG, db, 90, now) },
    { label: 'kpis window=365', run: (db) => presentKpis(BIG, db, 365, now) },
    { label: 'cases default sort', run: (db) => presentCaseList(BIG, db, listQuery()) },
    { label: 'cases status=open', run: (db) => presentCaseList(BIG, db, listQuery({ status: 'open' })) },
    { label: 'cases status=recovered', run: (db) => presentCaseList(BIG, db, listQuery({ status: 'recovered' })) },
    { label: `cases q=member1234 (${search.total} hits)`, run: (db) => presentCaseList(BIG, db, listQuery({ q: 'member1234' })) },
    { label: 'cases page 2 (cursor)', run: (db) => presentCaseList(BIG, db, listQuery({ cursor })) },
  ];

  console.log(`\n${'query'.padEnd(34)} ${'p50 ms'.padStart(8)} ${'p95 ms'.padStart(8)}   p95 < ${TARGET_MS} ms`);
  const misses: typeof cases = [];
  for (const c of cases) {
    const times: number[] = [];
    for (let i = 0; i < WARMUPS + RUNS; i++) {
      const t = performance.now();
      await c.run(database.db);
      if (i >= WARMUPS) times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    const p50 = percentile(times, 0.5);
    const p95 = percentile(times, 0.95);
    console.log(`${c.label.padEnd(34)} ${p50.toFixed(2).padStart(8)} ${p95.toFixed(2).padStart(8)}   ${p95 < TARGET_MS ? 'yes' : 'NO'}`);
    if (p95 >= TARGET_MS) misses.push(c);
  }

  for (const c of misses) {
    captured = [];
    await c.run(captureDb);
    console.log(`\nEXPLAIN (ANALYZE, BUFFERS) of ${c.label}: ${captured.length} statements`);
    for (const [i, statement] of captured.entries()) {
      const { rows } = await capturePool.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${statement.sql}`, statement.params);
      const lines = rows.map((r) => r['QUERY PLAN']);
      const total = lines.find((l) => l.startsWith('Execution Time')) ?? '';
      console.log(`  [${i + 1}] ${total}  ${statement.sql.replace(/\s+/g, ' ').slice(0, 110)}…`);
      // The root and the nodes that say where the time goes: scans, joins, sorts and what they read.
      const telling = lines.filter((l, n) => n === 0 || /Scan|Join|Nested Loop|Sort Method|Rows Removed|Heap Blocks|Heap Fetches|Buffers: shared/.test(l));
      for (const line of telling.slice(0, 9)) console.log(`      ${line}`);
    }
  }
  await capturePool.end();
} catch (error) {
  // The bench's own failure is its exit code, also when the database is kept (that exit used to say 0).
  console.error('bench:dashboard failed:', error);
  process.exitCode = 1;
} finally {
  await database.close();
  if (process.env.BENCH_KEEP_DATABASE === '1') {
    console.log(`kept ${databaseUrl} (BENCH_KEEP_DATABASE=1): drop it with DROP DATABASE ${name}`);
    process.exit(process.exitCode ?? 0);
  }
  const dropper = new pg.Client({ connectionString: ADMIN_URL });
  await dropper.connect();
  await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await dropper.end();
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
}

/**
 * 1M cases: ~45 % recovered, ~35 % closed_no_recovery, ~20 % open, first failures over two years,
 * five prices, 5 % in eur; then two deliveries per case of the largest company (one for other
 * companies' nudged cases) and a free-days incentive for most of the largest company's cases.
 */
async function seed(sql: { query: (text: string, params?: unknown[]) => Promise<unknown>; exec: (text: string) => Promise<void> }, now: Date): Promise<void> {
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
         attribution_window_days, attribution_ends_at, settings_version, next_nudge_at, steps_sent, last_nudge_at, created_at, updated_at)
       SELECT company_id, 'mem_' || g, 'user_' || g, 'member' || g || '@example.com', 'Member ' || g, 'pay_' || g, status,
         (ARRAY['Your card has insufficient funds.', 'Your card was declined.', 'Your card has expired.', NULL])[1 + g % 4],
         1 + (g % 3), amount, CASE WHEN status = 'recovered' THEN amount ELSE 0 END, currency,
         (ARRAY['low', 'medium', 'high'])[1 + (g / 7) % 3], first_at, first_at + (g % 3) * interval '2 days',
         CASE WHEN status = 'recovered' THEN first_at + r3 * interval '10 days' END,
         CASE WHEN status = 'closed_no_recovery' THEN first_at + interval '14 days' END,
         14, first_at + interval '14 days', 1,
         CASE WHEN status = 'open' AND steps < 3 THEN first_at + (2 * steps) * interval '1 day' END, steps,
         CASE WHEN steps > 0 THEN first_at + (2 * (steps - 1)) * interval '1 day' END, first_at, first_at
       FROM (
         SELECT g,
           CASE WHEN g % ${BIG_EVERY} = 0 THEN '${BIG}' ELSE 'biz_bench_' || lpad((1 + g % (${COMPANIES} - 1))::text, 5, '0') END AS company_id,
           CASE WHEN r1 < 0.45 THEN 'recovered' WHEN r1 < 0.80 THEN 'closed_no_recovery' ELSE 'open' END AS status,
           $1::timestamptz - r2 * interval '730 days' AS first_at,
           r3,
           (ARRAY[999, 1499, 2999, 4900, 9900])[1 + g % 5] AS amount,
           CASE WHEN r4 < 0.05 THEN 'eur' ELSE 'usd' END AS currency,
           floor(r3 * 4)::int AS steps
         FROM (SELECT g, random() AS r1, random() AS r2, random() AS r3, random() AS r4 FROM generate_series($2::int, $3::int) g) raw
       ) s`,
      [at, lo, hi],
    );
  }
  console.log(`  recovery_cases: ${seconds(started)} s`);
  started = performance.now();
  await sql.query(
    `INSERT INTO deliveries (company_id, case_id, step, channel, status, attempts, rendered_body, created_at, updated_at, sent_at)
     SELECT c.company_id, c.id, 0, ch.channel, 'sent', 1, 'Your payment did not go through', c.first_failure_at, c.first_failure_at, c.first_failure_at
     FROM recovery_cases c CROSS JOIN (VALUES ('push'), ('dm')) AS ch(channel)
     WHERE c.company_id = $1`,
    [BIG],
  );
  await sql.query(
    `INSERT INTO deliveries (company_id, case_id, step, channel, status, attempts, rendered_body, created_at, updated_at, sent_at)
     SELECT c.company_id, c.id, 0, 'email', 'outbox', 0, 'Your payment did not go through', c.first_failure_at, c.first_failure_at, NULL
     FROM recovery_cases c WHERE c.company_id <> $1 AND c.steps_sent > 0`,
    [BIG],
  );
  console.log(`  deliveries: ${seconds(started)} s`);
  started = performance.now();
  await sql.query(
    `INSERT INTO incentives (company_id, case_id, type, value, status, cost_cents, currency, created_at, updated_at, granted_at)
     SELECT c.company_id, c.id, 'free_days', 3, CASE WHEN c.steps_sent > 0 THEN 'granted' ELSE 'pending' END, c.amount_at_risk_cents * 3 / 30, c.currency,
       c.first_failure_at, c.first_failure_at, CASE WHEN c.steps_sent > 0 THEN c.first_failure_at END
     FROM recovery_cases c WHERE c.company_id = $1 AND (hashtext(c.id::text) & 7) < 5`,
    [BIG],
  );
  // Other companies offer free days less often: the table is not only the largest company's.
  await sql.query(
    `INSERT INTO incentives (company_id, case_id, type, value, status, cost_cents, currency, created_at, updated_at, granted_at)
     SELECT c.company_id, c.id, 'free_days', 7, 'granted', c.amount_at_risk_cents * 7 / 30, c.currency, c.first_failure_at, c.first_failure_at, c.first_failure_at
     FROM recovery_cases c WHERE c.company_id <> $1 AND c.steps_sent > 0 AND (hashtext(c.id::text) & 3) = 0`,
    [BIG],
  );
  console.log(`  incentives: ${seconds(started)} s`);
  started = performance.now();
  await sql.exec('VACUUM (ANALYZE) companies, company_settings, recovery_cases, deliveries, incentives');
  console.log(`  VACUUM (ANALYZE): ${seconds(started)} s`);
}
