import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase, type Database } from '../../src/db/client.ts';
import { migrate } from '../../src/db/migrate.ts';
import { installTestCipher } from './test-keys.ts';

/** Which backend this test run exercises: set by the vitest project (see vitest.config.ts). */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL || undefined;
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL || undefined;
export const BACKEND = TEST_DATABASE_URL ? 'postgres' : 'pglite';

export interface TestDatabase extends Database {
  /** postgres:// URL of this file's own database (postgres backend only), for child processes. */
  url?: string;
}

/**
 * A fresh, migrated database for one test file: its own PostgreSQL database when
 * TEST_DATABASE_URL is set, else an in-memory PGlite. close() drops it.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  installTestCipher();
  if (!TEST_DATABASE_URL) {
    const database = await openDatabase({ dataDir: 'memory://' });
    await database.withConnection((sql) => migrate(sql));
    return database;
  }
  const name = `churn_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  const database = await openDatabase({ databaseUrl: url.toString(), maxConnections: 10 });
  await database.withConnection((sql) => migrate(sql));
  return {
    ...database,
    url: url.toString(),
    async close() {
      await database.close();
      const dropper = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await dropper.connect();
      await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await dropper.end();
    },
  };
}
