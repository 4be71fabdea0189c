import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/db/client.ts';
import { listMigrations, migrate } from '../../src/db/migrate.ts';
import { runCli } from '../support/run-cli.ts';
import { BACKEND, createTestDatabase, type TestDatabase } from '../support/test-database.ts';

describe('npm run db:verify and db:seed', () => {
  let postgres: TestDatabase | undefined;
  let dataDir: string | undefined;
  let env: Record<string, string>;

  beforeAll(async () => {
    if (BACKEND === 'postgres') {
      postgres = await createTestDatabase();
      env = { DATABASE_URL: postgres.url! };
    } else {
      // The scripts run in their own process: the embedded database lives in a folder they open after us.
      dataDir = mkdtempSync(join(tmpdir(), 'churn-db-scripts-'));
      await withDatabase((db) => db.withConnection((sql) => migrate(sql)));
      env = { DATA_DIR: dataDir };
    }
  });
  afterAll(async () => {
    await postgres?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  /** Changes the database as an operator with psql would, between two script runs. */
  async function withDatabase<T>(fn: (db: Database) => Promise<T>): Promise<T> {
    const db = postgres ?? (await openDatabase({ dataDir: dataDir! }));
    try {
      return await fn(db);
    } finally {
      if (!postgres) await db.close();
    }
  }

  it('db:verify passes on a migrated database and says what it checked', async () => {
    const result = await runCli('db-verify', [], env);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/migrations applied with matching checksums/);
    expect(result.stdout).toMatch(/schemas audit, archive present/);
    expect(result.stdout).toMatch(/schema matches the migrations: \d+ tables/);
    expect(result.stdout).toMatch(/db:verify: the database matches the migrations/);
  }, 120_000);

  it('db:verify fails naming a column added by hand, and an applied migration whose file changed', async () => {
    await withDatabase((db) => db.sql.exec(`ALTER TABLE recovery_cases ADD COLUMN notes text; UPDATE schema_migrations SET checksum = 'edited' WHERE version = 3`));
    try {
      const result = await runCli('db-verify', [], env);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/not from the migrations: column public\.recovery_cases\.notes text/);
      expect(result.stderr).toMatch(/migration 0003_operators: the applied checksum differs from the file/);
      expect(result.stderr).toMatch(/db:verify: 2 problems/);
    } finally {
      const checksum = listMigrations().find((m) => m.version === 3)!.checksum;
      await withDatabase((db) => db.sql.exec(`ALTER TABLE recovery_cases DROP COLUMN notes; UPDATE schema_migrations SET checksum = '${checksum}' WHERE version = 3`));
    }
  }, 120_000);

  it('db:seed creates the demo company and the ADMIN_EMAIL operator once; a second run changes nothing', async () => {
    const admin = { ADMIN_EMAIL: 'Ops@Example.test', ADMIN_PASSWORD: 'a-long-operator-password' };
    const first = await runCli('db-seed', [], { ...env, ...admin });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/company biz_demo "Northwind Trading Club": created with default settings/);
    expect(first.stdout).toMatch(/operator ops@example\.test: created/);
    const second = await runCli('db-seed', [], { ...env, ...admin, ADMIN_PASSWORD: 'another-password-entirely' });
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toMatch(/biz_demo "Northwind Trading Club": already there/);
    expect(second.stdout).toMatch(/operator ops@example\.test: already there \(password left as is\)/);
    const rows = await withDatabase(async (db) => (await db.sql.query<{ companies: number; settings: number; operators: number }>(
      `SELECT (SELECT count(*)::int FROM companies) AS companies, (SELECT count(*)::int FROM company_settings) AS settings, (SELECT count(*)::int FROM operators) AS operators`)).rows[0]);
    expect(rows).toEqual({ companies: 1, settings: 1, operators: 1 });
  }, 120_000);
});
