import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../src/db/migrate.ts';
import { FACT_KINDS } from '../../src/domain/case-lifecycle.ts';
import { CHANNELS } from '../../src/domain/channels.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-database.ts';

/** Tables that are not tenant data (bookkeeping of the service itself). */
const NOT_TENANT_TABLES = new Set(['schema_migrations', 'operators', 'encryption_settings', 'whop_rate_budget', 'reconciliation_runs']);

describe('database schema', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => database?.close());

  it('every tenant table has a company_id column, so every query can be scoped to one creator', async () => {
    const { rows } = await database.sql.query<{ table_name: string; has_company: boolean }>(`
      SELECT t.table_name, bool_or(c.column_name = 'company_id') AS has_company
      FROM information_schema.tables t
      JOIN information_schema.columns c ON c.table_schema = t.table_schema AND c.table_name = t.table_name
      WHERE t.table_schema = 'public' AND t.table_type = 'BASE TABLE'
      GROUP BY t.table_name`);
    const tenantTables = rows.filter((r) => !NOT_TENANT_TABLES.has(r.table_name));
    expect(tenantTables.length).toBeGreaterThanOrEqual(6);
    expect(tenantTables.filter((r) => !r.has_company).map((r) => r.table_name)).toEqual([]);
  });

  it('money columns are integer minor units (bigint), never floating point', async () => {
    const { rows } = await database.sql.query<{ column_name: string; data_type: string }>(`
      SELECT column_name, data_type FROM information_schema.columns
      WHERE table_schema = 'public' AND column_name LIKE '%\\_cents'`);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row.data_type, row.column_name).toBe('bigint');
  });

  /** The quoted values of a table's CHECK constraints on one column (PostgreSQL prints `col = ANY (ARRAY['a'::text, …])`). */
  async function checkedValues(table: string, column: string): Promise<string[]> {
    const { rows } = await database.sql.query<{ def: string }>(
      `SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = $1::regclass AND contype = 'c'`,
      [table],
    );
    const defs = rows.map((r) => r.def).filter((def) => new RegExp(`\\b${column}\\b`).test(def));
    return [...new Set(defs.flatMap((def) => [...def.matchAll(/'([^']+)'/g)].map((m) => m[1]!)))].sort();
  }

  it('the CHECK constraints list exactly the domain\'s fact kinds and channels (a new one needs a migration that replaces the CHECK)', async () => {
    // A new FactKind: drop and re-add membership_facts_kind_check in a new migration (latest: 0012_whop_signals.sql).
    expect(await checkedValues('membership_facts', 'kind')).toEqual([...FACT_KINDS].sort());
    // A new channel (domain/channels.ts): replace the channel CHECKs of deliveries (0002) and member_opt_outs (0006).
    expect(await checkedValues('deliveries', 'channel')).toEqual([...CHANNELS].sort());
    expect(await checkedValues('member_opt_outs', 'channel')).toEqual([...CHANNELS].sort());
  });

  it('running migrations again applies nothing and two instances migrating at once both succeed', async () => {
    const [a, b] = await Promise.all([database.withConnection((sql) => migrate(sql)), database.withConnection((sql) => migrate(sql))]);
    expect(a.applied).toEqual([]);
    expect(b.applied).toEqual([]);
  });
});
