import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/db/client.ts';
import { migrate } from '../../src/db/migrate.ts';
import { recordAuditEvent } from '../../src/db/repositories/audit-log.repository.ts';
import { ensureAuditPartitions } from '../../src/services/operators/ensure-audit-partitions.ts';
import { startQueue } from '../../src/worker/queue.ts';
import { BACKEND, createTestDatabase, type TestDatabase } from '../support/test-database.ts';

const clockAt = (iso: string) => ({ now: () => new Date(iso) });

describe('audit.events monthly partitions', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => database?.close());

  const partitionOf = async (action: string) =>
    (await database.sql.query<{ p: string }>(`SELECT tableoid::regclass::text AS p FROM audit.events WHERE action = $1`, [action])).rows.map((r) => r.p);

  it('an action is recorded into its month, and the worker keeps this month and the next three ready', async () => {
    const created = await ensureAuditPartitions({ db: database.db, clock: clockAt('2031-11-20T10:00:00Z') });
    expect(created).toBe(4);
    expect(await ensureAuditPartitions({ db: database.db, clock: clockAt('2031-11-30T23:00:00Z') })).toBe(0);
    await recordAuditEvent(database.db, { companyId: 'biz_a', actor: 'operator:ops@example.test', action: 'settings.update', at: new Date('2032-02-29T23:59:59Z') });
    expect(await partitionOf('settings.update')).toEqual(['audit.events_2032_02']);
    // Months are UTC: 1 March 00:30 in Paris is still February.
    const { rows } = await database.sql.query<{ bounds: string }>(
      `SELECT pg_get_expr(c.relpartbound, c.oid) AS bounds FROM pg_class c WHERE c.oid = 'audit.events_2032_02'::regclass`);
    expect(rows[0]!.bounds).toMatch(/2032-02-01 00:00:00\+00.*2032-03-01 00:00:00\+00/);
  });

  it('a month without a partition still records (default partition), and its rows move when the partition is made', async () => {
    await recordAuditEvent(database.db, { companyId: null, actor: 'anonymous', action: 'auth.login_failed', at: new Date('2035-06-10T08:00:00Z') });
    expect(await partitionOf('auth.login_failed')).toEqual(['audit.events_default']);
    expect(await ensureAuditPartitions({ db: database.db, clock: clockAt('2035-06-01T00:00:00Z') })).toBe(4);
    expect(await partitionOf('auth.login_failed')).toEqual(['audit.events_2035_06']);
    // The queries the service runs still see every row, by id.
    const { rows } = await database.sql.query<{ action: string }>(`SELECT action FROM audit.events WHERE company_id IS NULL OR company_id = 'biz_a' ORDER BY id`);
    expect(rows.map((r) => r.action)).toEqual(['settings.update', 'auth.login_failed']);
  });
});

describe.skipIf(BACKEND !== 'postgres')('statement and idle-in-transaction timeouts on PostgreSQL', () => {
  let database: TestDatabase;
  let timed: Database;
  beforeAll(async () => {
    database = await createTestDatabase();
    timed = await openDatabase({ databaseUrl: database.url!, maxConnections: 2, statementTimeoutMs: 300, idleInTransactionTimeoutMs: 300 });
  });
  afterAll(async () => {
    await timed?.close();
    await database?.close();
  });

  it('a query running longer than DB_STATEMENT_TIMEOUT_MS is cancelled with the timeout error', async () => {
    await expect(timed.sql.query('SELECT pg_sleep(2)')).rejects.toMatchObject({ code: '57014', message: expect.stringMatching(/statement timeout/) });
    // The pool goes on serving.
    expect((await timed.sql.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it('a session left idle inside a transaction is closed after DB_IDLE_IN_TRANSACTION_TIMEOUT_MS', async () => {
    await expect(
      timed.withConnection(async (sql) => {
        await sql.exec('BEGIN');
        await new Promise((r) => setTimeout(r, 800));
        await sql.query('SELECT 1');
      }),
    ).rejects.toThrow(/idle-in-transaction|terminat|Connection/i);
    expect((await timed.sql.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it('migrations are not bound by the statement timeout, and the session gets its timeout back afterwards', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'churn-migrations-'));
    writeFileSync(join(dir, '9001_slow.sql'), 'SELECT pg_sleep(0.8);\nCREATE TABLE slow_migration_done (id integer);');
    await timed.withConnection(async (sql) => {
      expect((await migrate(sql, dir)).applied).toEqual(['9001_slow']);
      expect((await sql.query<{ statement_timeout: string }>('SHOW statement_timeout')).rows[0]!.statement_timeout).toBe('300ms');
    });
  });

  it('pg-boss (its own pool, no timeouts) still sends and fetches jobs', async () => {
    const boss = await startQueue(timed, { role: 'web' });
    try {
      await boss.createQueue('timeouts-probe');
      await boss.send('timeouts-probe', { ok: true });
      const [job] = await boss.fetch<{ ok: boolean }>('timeouts-probe');
      expect(job?.data).toEqual({ ok: true });
    } finally {
      await boss.stop({ graceful: false, close: true });
    }
  });
});
