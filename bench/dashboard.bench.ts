import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { openDatabase, type AppDb } from '../src/db/client.ts';
import { installFieldCipher } from '../src/db/encrypted-text.ts';
import { generateEncryptionKey, loadKeyring } from '../src/integrations/crypto/encryption-keys.ts';
import { createFieldCipher } from '../src/integrations/crypto/field-cipher.ts';
import { resolveLookupHashKey } from '../src/services/members/resolve-lookup-hash-key.ts';
import { listMigrations, migrate, MIGRATIONS_DIR } from '../src/db/migrate.ts';
import * as schema from '../src/db/schema/index.ts';
import { presentCaseList, type CaseListQuery } from '../src/presenters/cases.presenter.ts';
import { forgetIncrementalRevenue } from '../src/presenters/kpi-incremental.ts';
import { presentKpis } from '../src/presenters/kpis.presenter.ts';
import { BIG, BIG_EVERY, kpiRollupTables, seedDashboard } from './support/dashboard-seed.ts';

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

// The service's own pool size (10): the overview runs its statements at once over it.
const database = await openDatabase({ databaseUrl });
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
  // A reused database holds the lookup-hash key under the first run's own key, and no data encrypted with it.
  if (REUSE && !process.env.ENCRYPTION_KEY) await database.sql.query(`DELETE FROM encryption_settings WHERE id = 1`);
  installFieldCipher(createFieldCipher(await resolveLookupHashKey(database.sql, keys.keyring)));
  console.log(`dashboard benchmark on PostgreSQL (${name}), migrations ${migrations.map((m) => m.name.slice(0, 4)).join(', ')}`);

  let now = new Date();
  if (REUSE) {
    const [row] = (await database.sql.query<{ at: Date }>(`SELECT max(first_failure_at) AS at FROM recovery_cases`)).rows;
    now = new Date(row!.at);
    if (migrated.applied.length > 0) await database.sql.exec(['VACUUM (ANALYZE) recovery_cases, deliveries, incentives', ...(await kpiRollupTables(database.sql))].join(', '));
    console.log(`reusing the seeded database${migrated.applied.length > 0 ? `; applied ${migrated.applied.join(', ')} and analyzed` : ''}`);
  } else {
    const seedStarted = performance.now();
    await seedDashboard(database.sql, now, { cases: CASES, companies: COMPANIES });
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
    // The control group's incremental revenue is kept while its inputs stand, and recomputed after
    // the answer when they change (kpi-incremental.ts): these time a process's first load of a
    // window, the one load that computes it before answering.
    ...[30, 90, 365].map((days) => ({ label: `kpis window=${days}, first load`, run: (db: AppDb) => (forgetIncrementalRevenue(), presentKpis(BIG, db, days, now)) })),
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
  // A reused database stays as it was found (dropping it cost the next run a 17-minute seed).
  if (process.env.BENCH_KEEP_DATABASE === '1' || REUSE) {
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
