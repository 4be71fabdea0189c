import { openDatabase } from '../../src/db/client.ts';
import { installFieldCipher } from '../../src/db/encrypted-text.ts';
import { migrate } from '../../src/db/migrate.ts';
import { generateEncryptionKey, loadKeyring } from '../../src/integrations/crypto/encryption-keys.ts';
import { createFieldCipher } from '../../src/integrations/crypto/field-cipher.ts';
import { presentCaseList, type CaseListQuery } from '../../src/presenters/cases.presenter.ts';
import { presentKpis } from '../../src/presenters/kpis.presenter.ts';
import { resolveLookupHashKey } from '../../src/services/members/resolve-lookup-hash-key.ts';
import { createBenchDatabase } from '../support/bench-database.ts';
import { BIG, BIG_EVERY, seedDashboard } from '../support/dashboard-seed.ts';
import { p95Of, sized, type Figure } from '../support/figures.ts';

// Dashboard KPIs and case search on PostgreSQL: BENCH_SIZE=full seeds 1M cases over 10,000 companies,
// the largest with 100,000 (tiny: 20,000 over 200; BENCH_CASES sets another count, 100 cases a company). p95 of the presenters for the largest company;
// bare limit: p95 of one indexed lookup on the same data (a case by company and user id).
export async function measureDashboard(): Promise<Figure[]> {
  const cases = Number(process.env.BENCH_CASES ?? sized(20_000, 1_000_000));
  const companies = Math.max(2, Math.round(cases / 100));
  const runs = sized(20, 50);
  const db = await createBenchDatabase('churn_bench_dashboard_figure');
  const database = await openDatabase({ databaseUrl: db.url, maxConnections: 4 });
  try {
    await database.withConnection((sql) => migrate(sql));
    const keys = loadKeyring({ current: generateEncryptionKey(), nodeEnv: 'test' });
    if (!keys.ok) throw new Error(keys.problems.join('; '));
    installFieldCipher(createFieldCipher(await resolveLookupHashKey(database.sql, keys.keyring)));
    const now = new Date();
    await seedDashboard(database.sql, now, { cases, companies, log: () => {} });
    // A membership and a user of the largest company, as a creator would paste them into the search box.
    const member = Math.floor(cases / 2 / BIG_EVERY) * BIG_EVERY;
    const bare = await p95Of(runs, 5, () => database.sql.query(`SELECT id FROM recovery_cases WHERE company_id = $1 AND whop_user_id = $2`, [BIG, `user_${member}`]));
    const list = (extra: Partial<CaseListQuery>): CaseListQuery => ({ sort: 'first_failure_at', descending: true, limit: 50, ...extra });
    const searches: [string, string][] = [['membership id', `mem_${member}`], ['user id', `user_${member}`], ['email', `member${member}@example.com`]];
    for (const [, q] of searches) {
      const found = await presentCaseList(BIG, database.db, list({ q }));
      if (found.cases.length === 0 && !q.includes('@')) throw new Error(`case search for ${q} found nothing`);
    }
    const figures: Figure[] = [];
    for (const window of [30, 90, 365]) {
      const p95 = await p95Of(runs, 5, () => presentKpis(BIG, database.db, window, now));
      figures.push({ name: `dashboard KPIs ${window} days, p95 (ms)`, ours: p95, bare, unit: 'ms', higherIsBetter: false, target: 'p95 < 20 ms' });
    }
    for (const [label, q] of searches) {
      const p95 = await p95Of(runs, 5, () => presentCaseList(BIG, database.db, list({ q })));
      figures.push({ name: `case search by ${label}, p95 (ms)`, ours: p95, bare, unit: 'ms', higherIsBetter: false, target: 'p95 < 10 ms' });
    }
    figures[0]!.detail = `${cases.toLocaleString('en-US')} cases, ${(cases / BIG_EVERY).toLocaleString('en-US')} in the largest company; ${runs} runs after 5 warm-ups; bare: one indexed lookup`;
    return figures;
  } finally {
    await database.close();
    await db.drop();
  }
}
