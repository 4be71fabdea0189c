import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { openDatabase } from '../src/db/client.ts';
import { compilePgliteOnBaseline } from '../src/db/embedded-memory.ts';
import { migrate } from '../src/db/migrate.ts';
import { generateEncryptionKey, loadKeyring } from '../src/integrations/crypto/encryption-keys.ts';
import { createFieldCipher } from '../src/integrations/crypto/field-cipher.ts';
import { resolveLookupHashKey } from '../src/services/members/resolve-lookup-hash-key.ts';
import { BIG, seedDashboard } from './support/dashboard-seed.ts';

// npx tsx bench/kpi-pglite.ts <kpis.presenter.ts> [<another> …]: the KPI presenters on embedded
// PGlite (in memory), on bench:dashboard's data set at BENCH_CASES (100,000; a tenth in the largest
// company), alternating request by request; p50/p95 of RUNS (30) after 3 warm-ups. Asserts nothing.
const presenters = process.argv.slice(2);
const CASES = Number(process.env.BENCH_CASES ?? 100_000);
const RUNS = Number(process.env.RUNS ?? 30);
// PGlite's WASM compiled as the embedded service has it once up (EMBEDDED_LOW_MEMORY; false keeps
// V8's defaults); the service's young generation is V8's default by then, as here.
if (process.env.EMBEDDED_LOW_MEMORY !== 'false') compilePgliteOnBaseline();
const database = await openDatabase({ dataDir: 'memory://' });
await database.withConnection((sql) => migrate(sql));
const keys = loadKeyring({ current: generateEncryptionKey(), nodeEnv: 'test' });
if (!keys.ok) throw new Error(keys.problems.join('; '));
const cipher = createFieldCipher(await resolveLookupHashKey(database.sql, keys.keyring));
const now = new Date();
const started = performance.now();
await seedDashboard(database.sql, now, { cases: CASES, companies: Math.max(10, CASES / 100), log: () => {} });
console.log(`PGlite: seeded ${CASES.toLocaleString('en-US')} cases in ${((performance.now() - started) / 1000).toFixed(0)} s; load ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
type Present = (company: string, db: typeof database.db, windowDays: number, now: Date) => Promise<unknown>;
const mods: Present[] = [];
for (const p of presenters) {
  (await import(join(dirname(p), '../db/encrypted-text.ts'))).installFieldCipher(cipher);
  mods.push((await import(p)).presentKpis);
}
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(p * xs.length) - 1)]!;
const label = (p: string) => p.split('/').slice(-4, -3)[0];
for (const w of [30, 90, 365]) {
  const outs: string[] = [];
  for (const present of mods) outs.push(JSON.stringify(await present(BIG, database.db, w, now)));
  if (outs.some((o) => o !== outs[0])) console.log(`DIFFERENT at ${w} days`);
  const times: number[][] = mods.map(() => []);
  for (let i = 0; i < 3 + RUNS; i++)
    for (const [j, present] of mods.entries()) {
      const t = performance.now();
      await present(BIG, database.db, w, now);
      if (i >= 3) times[j]!.push(performance.now() - t);
    }
  console.log(`${String(w).padStart(3)} days: ` + times.map((t, j) => `${label(presenters[j]!)} ${pct(t, 0.5).toFixed(2)} / ${pct(t, 0.95).toFixed(2)}`).join('   '));
}
// What PostgreSQL chose for the prepared reads (db/planned-query.ts): generic plans (planned once) or custom ones.
const plans = await database.sql.query<{ statements: number; generic: number; custom: number }>(
  'SELECT count(*)::int AS statements, coalesce(sum(generic_plans), 0)::int AS generic, coalesce(sum(custom_plans), 0)::int AS custom FROM pg_prepared_statements',
);
console.log(`prepared reads: ${JSON.stringify(plans.rows[0])}`);
console.log(`load ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
await database.close();
