import { mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../../src/cli/demo-seed.ts';
import { hasCommand, runScript, startRecordingServer, writeFakeCommand } from '../support/ops-scripts.ts';
import { BACKEND, TEST_DATABASE_URL, createTestDatabase, type TestDatabase } from '../support/test-database.ts';

// scripts/backup.sh and scripts/restore.sh on the real PostgreSQL (pg_dump needs a server; the
// pglite project skips this file). The database is filled through the real pipeline (npm run demo's
// seed: webhooks, cases, deliveries, incentives, pg-boss jobs, audit rows).
const clientTools = hasCommand('pg_dump') && hasCommand('pg_restore') && hasCommand('psql');
if (BACKEND === 'postgres' && !clientTools && process.env.CI) throw new Error('CI needs pg_dump, pg_restore and psql');
const DAY = 86_400_000;
/** Trust auth ignores it; the scripts must still never print it. */
const PASSWORD = 'not-a-real-password-7f3a';

function withPassword(url: string): string {
  const u = new URL(url);
  u.password = PASSWORD;
  return u.toString();
}

async function admin<T>(run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/** Row count of every table (partitions and pg-boss included), sequence positions, and a checksum of recovery_cases. */
async function snapshot(url: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const tables = await client.query<{ name: string }>(
      `SELECT format('%I.%I', table_schema, table_name) AS name FROM information_schema.tables
       WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`,
    );
    const counts: Record<string, number> = {};
    for (const { name } of tables.rows) counts[name] = Number((await client.query(`SELECT count(*) AS n FROM ${name}`)).rows[0].n);
    const sequences = await client.query(`SELECT schemaname || '.' || sequencename AS name, last_value FROM pg_sequences ORDER BY 1`);
    const checksum = (await client.query(`SELECT md5(string_agg(c::text, '|' ORDER BY c.id)) AS md5 FROM recovery_cases c`)).rows[0].md5 as string;
    return { counts, sequences: sequences.rows, checksum };
  } finally {
    await client.end();
  }
}

describe.skipIf(BACKEND !== 'postgres' || !clientTools)('scripts/backup.sh and scripts/restore.sh', () => {
  let seeded: TestDatabase;
  let empty: TestDatabase;
  let work: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'backup-test-'));
    seeded = await createTestDatabase();
    await seedDemo(seeded, { now: new Date('2026-11-25T12:00:00.000Z'), members: 40 });
    // A second, migrated database with no rows: for the S3, Slack and retention cases.
    empty = await createTestDatabase();
  }, 180_000);
  afterAll(async () => {
    await seeded?.close();
    await empty?.close();
    await rm(work, { recursive: true, force: true });
  });

  it('a backup restored into a recreated database gives back every row: counts per table, sequences, recovery_cases checksum', async () => {
    const url = seeded.url!;
    const name = new URL(url).pathname.slice(1);
    const before = await snapshot(url);
    expect(before.counts['public.recovery_cases']).toBeGreaterThan(20);
    expect(before.counts['public.deliveries']).toBeGreaterThan(0);
    expect(before.counts['public.webhook_events']).toBeGreaterThan(before.counts['public.recovery_cases']!);

    const dir = join(work, 'round-trip');
    const backup = await runScript('backup.sh', [], { env: { DATABASE_URL: withPassword(url), BACKUP_DIR: dir } });
    expect(backup.stderr).toContain('verified:');
    expect(backup.code).toBe(0);
    const file = backup.stdout.trim().split('\n').at(-1)!;
    expect(basename(file)).toMatch(new RegExp(`^churn_saver_${name}_\\d{8}T\\d{6}Z\\.dump$`));
    expect(await readdir(dir)).toEqual([basename(file)]);

    await admin(async (client) => {
      await client.query(`DROP DATABASE ${name} WITH (FORCE)`);
      await client.query(`CREATE DATABASE ${name}`);
    });
    const restore = await runScript('restore.sh', ['--yes', '--migrate', file], { env: { DATABASE_URL: withPassword(url), NODE_ENV: 'test' }, timeoutMs: 120_000 });
    expect(restore.stderr).toContain(`done: database ${name}`);
    expect(restore.code).toBe(0);
    // The restored schema_migrations matches the code: db:migrate has nothing to apply.
    expect(restore.stdout).toMatch(/up to date/);

    const after = await snapshot(url);
    expect(after.counts).toEqual(before.counts);
    expect(after.sequences).toEqual(before.sequences);
    expect(after.checksum).toBe(before.checksum);
    for (const output of [backup.stdout, backup.stderr, restore.stdout, restore.stderr]) expect(output).not.toContain(PASSWORD);
  }, 180_000);

  it('restoring over a database that changed since the backup puts it back exactly (partitioned tables included)', async () => {
    const url = seeded.url!;
    const backup = await runScript('backup.sh', ['--dir', join(work, 'in-place')], { env: { DATABASE_URL: url } });
    expect(backup.code).toBe(0);
    const before = await snapshot(url);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(`DELETE FROM recovery_cases WHERE id IN (SELECT id FROM recovery_cases ORDER BY id LIMIT 3)`);
    await client.query(`INSERT INTO audit.events (actor, action) VALUES ('operator:ops@example.com', 'settings.update')`);
    await client.query(`CREATE TABLE public.added_by_a_later_migration (id int)`);
    await client.end();

    const restore = await runScript('restore.sh', ['--yes', backup.stdout.trim()], { env: { DATABASE_URL: url } });
    expect(restore.stderr).not.toContain('ERROR');
    expect(restore.code).toBe(0);
    expect(await snapshot(url)).toEqual(before);
  }, 120_000);

  it('restore refuses a file that is not a dump and changes nothing', async () => {
    const bogus = join(work, 'not-a-dump.dump');
    await writeFile(bogus, 'SELECT 1;\n');
    const before = await snapshot(empty.url!);
    const result = await runScript('restore.sh', ['--yes', bogus], { env: { DATABASE_URL: empty.url! } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('is not a pg_dump custom-format archive');
    expect(await snapshot(empty.url!)).toEqual(before);
  });

  it('uploads the dump with `aws s3 cp` when S3_BUCKET is set, posts the outcome to Slack, and restores --from-s3', async () => {
    const bin = join(work, 'bin');
    const bucket = join(work, 'bucket');
    await mkdir(bin, { recursive: true });
    const awsLog = join(work, 'aws.log');
    // A local stand-in for S3: `s3 cp` copies into or out of a folder, and every call is recorded.
    await writeFakeCommand(
      bin,
      'aws',
      `printf '%s\\n' "$*" >> "${awsLog}"
[ "$1 $2" = "s3 cp" ] || exit 0
case "$3" in
  s3://*) cp "${bucket}/\${3#s3://}" "$4" ;;
  *) mkdir -p "$(dirname "${bucket}/\${4#s3://}")" && cp "$3" "${bucket}/\${4#s3://}" ;;
esac`,
    );
    const slack = await startRecordingServer();
    try {
      const dir = join(work, 's3');
      const result = await runScript('backup.sh', ['--dir', dir], {
        pathPrefix: [bin],
        env: { DATABASE_URL: empty.url!, S3_BUCKET: 's3://acme-backups', BACKUP_S3_PREFIX: 'prod', SLACK_WEBHOOK_URL: `${slack.url}/services/T0/B0/xyz` },
      });
      expect(result.code).toBe(0);
      const file = result.stdout.trim();
      expect((await readFile(awsLog, 'utf8')).trim()).toBe(`s3 cp ${file} s3://acme-backups/prod/${basename(file)} --only-show-errors`);
      expect(slack.requests).toHaveLength(1);
      const text = JSON.parse(slack.requests[0]!.body).text as string;
      expect(text).toContain(`Database backup completed: ${basename(file)}`);
      expect(text).toContain(`uploaded to s3://acme-backups/prod/${basename(file)}`);
      expect(result.stderr).not.toContain('/services/T0');

      const restore = await runScript('restore.sh', ['--yes', '--from-s3', `prod/${basename(file)}`], {
        pathPrefix: [bin],
        env: { DATABASE_URL: empty.url!, S3_BUCKET: 'acme-backups' },
      });
      expect(restore.stderr).toContain(`now holds ${basename(file)}`);
      expect(restore.code).toBe(0);
      expect((await readFile(awsLog, 'utf8')).trim().split('\n')[1]).toMatch(new RegExp(`^s3 cp s3://acme-backups/prod/${basename(file)} \\S+/${basename(file)} --only-show-errors$`));
    } finally {
      await slack.close();
    }
  });

  it('a failed backup tells Slack, exits non-zero and leaves no dump behind', async () => {
    const slack = await startRecordingServer();
    try {
      const dir = join(work, 'failed');
      const missing = new URL(empty.url!);
      missing.pathname = '/churn_no_such_database';
      const result = await runScript('backup.sh', ['--dir', dir], { env: { DATABASE_URL: missing.toString(), SLACK_WEBHOOK_URL: slack.url } });
      expect(result.code).not.toBe(0);
      expect(result.stdout).toBe('');
      expect(await readdir(dir)).toEqual([]);
      expect(JSON.parse(slack.requests[0]!.body).text).toContain('Database backup FAILED for database churn_no_such_database');
    } finally {
      await slack.close();
    }
  });

  it('deletes its own dumps older than BACKUP_RETENTION_DAYS (30) and keeps recent ones and other files', async () => {
    const dir = join(work, 'retention');
    await mkdir(dir, { recursive: true });
    const age = async (file: string, days: number) => {
      await writeFile(join(dir, file), 'x');
      const at = new Date(Date.now() - days * DAY);
      await utimes(join(dir, file), at, at);
    };
    await age('churn_saver_app_20261001T020000Z.dump', 31);
    await age('churn_saver_app_20261110T020000Z.dump', 29);
    await age('operator-notes.txt', 90);
    const result = await runScript('backup.sh', [], { env: { DATABASE_URL: empty.url!, BACKUP_DIR: dir } });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('deleted');
    expect((await readdir(dir)).sort()).toEqual(['churn_saver_app_20261110T020000Z.dump', basename(result.stdout.trim()), 'operator-notes.txt'].sort());
  });
});
