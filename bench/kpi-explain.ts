import { drizzle } from 'drizzle-orm/node-postgres';
import { dirname, join } from 'node:path';
import pg from 'pg';
import type { AppDb } from '../src/db/client.ts';
import * as schema from '../src/db/schema/index.ts';
import { installFieldCipher } from '../src/db/encrypted-text.ts';
import { generateEncryptionKey, loadKeyring } from '../src/integrations/crypto/encryption-keys.ts';
import { createFieldCipher } from '../src/integrations/crypto/field-cipher.ts';
import { resolveLookupHashKey } from '../src/services/members/resolve-lookup-hash-key.ts';
import { BIG } from './support/dashboard-seed.ts';

// npx tsx bench/kpi-explain.ts <database> [window days, default 365]: EXPLAIN (ANALYZE, BUFFERS) of
// every statement the overview's KPIs run for the largest company of a kept bench:dashboard
// database (BENCH_KEEP_DATABASE=1), each run BENCH_EXPLAIN_RUNS (11) times without per-node timing (TIMING OFF, whose clock reads would
// inflate row-heavy nodes): the median planning and
// execution times, buffers and rows, and their sums (what one overview costs the server).
// Asserts nothing. BENCH_DATABASE_URL names the admin URL as in bench:dashboard; BENCH_PRESENTER
// names another checkout's kpis.presenter.ts (e.g. main's) to explain its statements instead.
const [name, windowArg] = process.argv.slice(2);
if (!name) throw new Error('usage: npx tsx bench/kpi-explain.ts <database> [window days]');
const windowDays = Number(windowArg ?? 365);
const RUNS = Number(process.env.BENCH_EXPLAIN_RUNS ?? 11);
const url = new URL(process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test');
url.pathname = `/${name}`;
const pool = new pg.Pool({ connectionString: url.toString(), max: 1 });
// The at-risk list decrypts member names: a key of this run's own, as bench:dashboard does on a reused database.
const keys = loadKeyring({ current: process.env.ENCRYPTION_KEY ?? generateEncryptionKey(), nodeEnv: 'test' });
if (!keys.ok) throw new Error(keys.problems.join('; '));
if (!process.env.ENCRYPTION_KEY) await pool.query(`DELETE FROM encryption_settings WHERE id = 1`);
const cipher = createFieldCipher(await resolveLookupHashKey({ query: async (text: string, params?: unknown[]) => ({ rows: (await pool.query(text, params)).rows }), exec: async (text: string) => void (await pool.query(text)) }, keys.keyring));
installFieldCipher(cipher);
const presenterPath = process.env.BENCH_PRESENTER ?? '../src/presenters/kpis.presenter.ts';
// Another checkout has its own module instances: its cipher is installed in its own.
if (process.env.BENCH_PRESENTER) (await import(join(dirname(presenterPath), '../db/encrypted-text.ts'))).installFieldCipher(cipher);
const { presentKpis } = (await import(presenterPath)) as { presentKpis: (company: string, db: AppDb, windowDays: number, now: Date) => Promise<unknown> };
let captured: { sql: string; params: unknown[] }[] = [];
const db = drizzle(pool, { schema, logger: { logQuery: (sql, params) => captured.push({ sql, params }) } }) as unknown as AppDb;
const [{ at }] = (await pool.query<{ at: Date }>(`SELECT max(first_failure_at) AS at FROM recovery_cases`)).rows as [{ at: Date }];
const now = new Date(at);
await presentKpis(BIG, db, windowDays, now);
captured = [];
await presentKpis(BIG, db, windowDays, now);
const statements = captured;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`EXPLAIN (ANALYZE, BUFFERS) of the KPIs at ${windowDays} days (${name}), median of ${RUNS}; load ${(await import('node:os')).loadavg().map((l) => l.toFixed(1)).join(' ')}`);
console.log(`${'#'.padStart(2)} ${'plan ms'.padStart(8)} ${'exec ms'.padStart(8)} ${'buffers'.padStart(8)} ${'rows'.padStart(7)}  statement`);
let plan = 0;
let exec = 0;
let buffers = 0;
for (const [i, s] of statements.entries()) {
  const p: number[] = [];
  const e: number[] = [];
  let b = 0;
  let rows = 0;
  for (let r = 0; r < RUNS; r++) {
    const { rows: out } = await pool.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (ANALYZE, BUFFERS, TIMING OFF, FORMAT JSON) ${s.sql}`, s.params);
    const [root] = out[0]!['QUERY PLAN'] as [{ Plan: Record<string, number>; 'Planning Time': number; 'Execution Time': number; Planning?: Record<string, number> }];
    p.push(root['Planning Time']);
    e.push(root['Execution Time']);
    b = (root.Plan['Shared Hit Blocks'] ?? 0) + (root.Plan['Shared Read Blocks'] ?? 0);
    rows = readRows(root.Plan);
  }
  plan += median(p);
  exec += median(e);
  buffers += b;
  console.log(`${String(i + 1).padStart(2)} ${median(p).toFixed(2).padStart(8)} ${median(e).toFixed(2).padStart(8)} ${String(b).padStart(8)} ${String(rows).padStart(7)}  ${s.sql.replace(/\s+/g, ' ').slice(0, 90)}`);
  if (process.env.BENCH_EXPLAIN_PLANS === '1') {
    const { rows: text } = await pool.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${s.sql}`, s.params);
    for (const l of text) console.log(`      ${l['QUERY PLAN']}`);
  }
}
console.log(`   ${plan.toFixed(2).padStart(8)} ${exec.toFixed(2).padStart(8)} ${String(buffers).padStart(8)}          sum of ${statements.length} statements`);
await pool.end();

/** Rows read from tables and indexes: the sum of the scans' actual rows times loops. */
function readRows(node: Record<string, unknown>): number {
  const own = /Scan/.test(String(node['Node Type'])) && !/Subquery|CTE|Function|Values|Result/.test(String(node['Node Type'])) ? Number(node['Actual Rows']) * Number(node['Actual Loops']) : 0;
  return own + ((node.Plans as Record<string, unknown>[] | undefined) ?? []).reduce((t, c) => t + readRows(c), 0);
}
