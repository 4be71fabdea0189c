import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { openDatabase } from '../src/db/client.ts';
import { generateEncryptionKey, loadKeyring } from '../src/integrations/crypto/encryption-keys.ts';
import { createFieldCipher } from '../src/integrations/crypto/field-cipher.ts';
import { resolveLookupHashKey } from '../src/services/members/resolve-lookup-hash-key.ts';
import { BIG } from './support/dashboard-seed.ts';

// npx tsx bench/kpi-ab.ts <kept bench:dashboard database> <kpis.presenter.ts> [<another kpis.presenter.ts> …]
// A/B of KPI presenters (e.g. main's checkout against this one) on one database, request by request
// alternating in one process so they share the machine's load: checks their answers are deep-equal
// (30/90/365 days), then p50/p95 of RUNS (60) runs each after 5 warm-ups. Asserts nothing.
const [name, ...presenters] = process.argv.slice(2);
if (!name || presenters.length === 0) throw new Error('usage: npx tsx bench/kpi-ab.ts <database> <kpis.presenter.ts>...');
const url = new URL(process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test');
url.pathname = `/${name}`;
const database = await openDatabase({ databaseUrl: url.toString(), maxConnections: 4 });
const keys = loadKeyring({ current: process.env.ENCRYPTION_KEY ?? generateEncryptionKey(), nodeEnv: 'test' });
if (!keys.ok) throw new Error(keys.problems.join('; '));
if (!process.env.ENCRYPTION_KEY) await database.sql.query(`DELETE FROM encryption_settings WHERE id = 1`);
const cipher = createFieldCipher(await resolveLookupHashKey(database.sql, keys.keyring));
type Present = (company: string, db: typeof database.db, windowDays: number, now: Date) => Promise<unknown>;
const mods: Present[] = [];
for (const p of presenters) {
  // Each checkout has its own module instances: install the cipher in the presenter's own.
  const { installFieldCipher } = await import(join(dirname(p), '../db/encrypted-text.ts'));
  installFieldCipher(cipher);
  mods.push((await import(p)).presentKpis);
}
const [row] = (await database.sql.query<{ at: Date }>(`SELECT max(first_failure_at) AS at FROM recovery_cases`)).rows;
const now = new Date(row!.at);
const RUNS = Number(process.env.RUNS ?? 60);
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(p * xs.length) - 1)]!;
const label = (p: string) => p.split('/').slice(-4, -3)[0];
for (const w of [30, 90, 365])
  for (const at of [now, new Date(now.getTime() - 7.3 * 3_600_000)]) {
    const outs = await Promise.all(mods.map((present) => present(BIG, database.db, w, at)));
    for (const [j, o] of outs.entries()) if (JSON.stringify(o) !== JSON.stringify(outs[0])) console.log(`DIFFERENT: ${label(presenters[j]!)} at ${w} days, ${at.toISOString()}`);
  }
console.log(`load ${loadavg().map((l) => l.toFixed(1)).join(' ')}; p50/p95 ms of ${RUNS} runs`);
for (const w of [30, 90, 365]) {
  const times: number[][] = mods.map(() => []);
  const cpu: number[][] = [];
  for (let i = 0; i < 5 + RUNS; i++)
    for (const [j, present] of mods.entries()) {
      const t = performance.now();
      const c = process.cpuUsage();
      await present(BIG, database.db, w, now);
      if (i >= 5) times[j]!.push(performance.now() - t);
      if (i >= 5 && process.env.CPU) { const u = process.cpuUsage(c); (cpu[j] ??= []).push((u.user + u.system) / 1000); }
    }
  console.log(`${String(w).padStart(3)} days: ` + times.map((t, j) => `${label(presenters[j]!)} ${pct(t, 0.5).toFixed(2)} / ${pct(t, 0.95).toFixed(2)}`).join('   ') + (cpu.length ? `   node cpu p50 ${cpu.map((c) => pct(c, 0.5).toFixed(2)).join(' ')}` : ''));
}
console.log(`load ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
await database.close();
