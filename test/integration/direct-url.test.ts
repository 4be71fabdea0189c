import { existsSync } from 'node:fs';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.ts';
import { startRuntime, type Runtime } from '../../src/runtime.ts';
import { BACKEND, TEST_REDIS_URL, createTestDatabase, type TestDatabase } from '../support/test-database.ts';
import { TEST_ENCRYPTION_KEY } from '../support/test-keys.ts';
import { waitFor } from '../support/test-service.ts';

/** db/migrate.ts's session advisory lock. */
const MIGRATION_LOCK_ID = 727_001;
const SOCKET_DIR = '/var/run/postgresql';

type Session = { application_name: string; via: 'tcp' | 'socket' };

/**
 * DATABASE_URL over TCP (what a pooler would sit on), DIRECT_URL over the server's Unix socket: the
 * same database, told apart in pg_stat_activity by client_addr (NULL on a socket).
 */
describe.runIf(BACKEND === 'postgres' && existsSync(SOCKET_DIR))('DIRECT_URL: session work goes straight to PostgreSQL, requests through DATABASE_URL', () => {
  let database: TestDatabase;
  let admin: pg.Client;
  let runtime: Runtime | undefined;
  let name: string;

  const sessions = async (where: string, params: unknown[] = []): Promise<Session[]> =>
    (
      await admin.query<Session>(
        `SELECT a.application_name, CASE WHEN a.client_addr IS NULL THEN 'socket' ELSE 'tcp' END AS via
           FROM pg_stat_activity a WHERE a.datname = $1 AND a.pid <> pg_backend_pid() ${where}`,
        [name, ...params],
      )
    ).rows;

  beforeAll(async () => {
    database = await createTestDatabase();
    name = new URL(database.url!).pathname.slice(1);
    admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
  });
  afterAll(async () => {
    await runtime?.stop();
    await admin?.end();
    await database?.close();
  });

  it('the migration lock is taken on DIRECT_URL, pg-boss connects there, and request queries use DATABASE_URL', async () => {
    const pooledUrl = database.url!; // postgres://…@127.0.0.1:5432/<name>
    const directUrl = `postgresql://postgres@/${name}?host=${encodeURIComponent(SOCKET_DIR)}`;
    const loaded = loadConfig({
      NODE_ENV: 'test', PORT: '0', HOSTNAME: '127.0.0.1', LOG_LEVEL: 'silent', ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
      DATABASE_URL: pooledUrl, DIRECT_URL: directUrl, ...(TEST_REDIS_URL ? { REDIS_URL: TEST_REDIS_URL } : {}),
    });
    if (!loaded.ok) throw new Error(loaded.problems.join('; '));

    // Hold the migration lock, so the start-up waits on it where it can be seen.
    await admin.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
    const starting = startRuntime({ config: loaded.config, logger: pino({ level: 'silent' }), webhookSecret: 'ws_direct_url_test' });
    const waiter = await waitFor(async () => {
      const rows = await sessions(`AND a.pid IN (SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objid = $2 AND NOT granted)`, [MIGRATION_LOCK_ID]);
      return rows[0];
    }, 15_000, 'the start-up waiting on the migration lock');
    expect(waiter).toEqual({ application_name: 'churn-saver-direct', via: 'socket' });
    await admin.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]);
    runtime = await starting;

    const health = await fetch(`${runtime.url}/api/health`);
    expect(health.status).toBe(200);
    const all = await sessions('');
    const queue = all.filter((s) => s.application_name === 'churn-saver-queue');
    const requests = all.filter((s) => s.application_name === 'churn-saver');
    expect(queue.length).toBeGreaterThan(0);
    expect(queue.every((s) => s.via === 'socket')).toBe(true);
    // The health check's SELECT 1 (request traffic) went through DATABASE_URL.
    expect(requests.length).toBeGreaterThan(0);
    expect(requests.every((s) => s.via === 'tcp')).toBe(true);
    // withConnection (session work) is on DIRECT_URL, plain queries on DATABASE_URL.
    const on = async (run: (sql: Runtime['database']['sql']) => Promise<{ rows: { addr: string | null }[] }>) => (await run(runtime!.database.sql)).rows[0]!.addr;
    expect(await runtime.database.withConnection(async (sql) => (await sql.query<{ addr: string | null }>('SELECT inet_client_addr()::text AS addr')).rows[0]!.addr)).toBeNull();
    expect(await on((sql) => sql.query('SELECT inet_client_addr()::text AS addr'))).toBe('127.0.0.1/32');
  });
});
