import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { parse as parseConnectionString } from 'pg-connection-string';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/client.ts';
import { migrate } from '../../src/db/migrate.ts';
import { REPO_ROOT, runScript } from '../support/ops-scripts.ts';
import { parseTerraformDir, renderLocal, terraformUrlencode, type ParsedTerraform } from '../support/terraform-references.ts';
import { BACKEND, TEST_DATABASE_URL } from '../support/test-database.ts';
import { canRunTlsPostgres, startTlsPostgres, type TlsPostgres } from '../support/tls-postgres.ts';

const exec = promisify(execFile);
/** What psql prints when it refuses or fails to connect; exit code 2 means it could not connect. */
async function psql(url: string): Promise<{ code: number; out: string }> {
  try {
    const { stdout } = await exec('psql', ['--no-psqlrc', '--no-password', '-Atc', 'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()', url], { env: { PATH: process.env.PATH ?? '' } });
    return { code: 0, out: stdout.trim() };
  } catch (error) {
    return { code: Number((error as { code?: number }).code ?? 1), out: String((error as { stderr?: string }).stderr) };
  }
}
async function nodeConnect(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  client.on('error', () => {});
  try {
    await client.connect();
    const { rows } = await client.query<{ ssl: boolean }>('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
    return `ssl=${rows[0]!.ssl}`;
  } catch (error) {
    return `error: ${(error as Error).message}`;
  } finally {
    await client.end().catch(() => {});
  }
}

// A password like the generated RDS one (random_password, override_special "-_=+!#*()[]"), percent-encoded as Terraform's urlencode does.
const DB_PASSWORD = 'aZ9-_=+!#*()[]x';
let parsed: ParsedTerraform;
const work = mkdtempSync(join(tmpdir(), 'db-url-'));
const rdsBundle = join(work, 'rds-ca-bundle.pem');

/** DIRECT_URL (and DATABASE_URL without a pooler) exactly as secrets.tf builds it, for a given host. */
const kitUrl = (host: string, port: number, database: string, caPath?: string) =>
  renderLocal(parsed, 'db_direct', {
    'var.db_username': 'postgres',
    'urlencode(random_password.db.result)': terraformUrlencode(DB_PASSWORD),
    'aws_db_instance.main.address': host,
    'aws_db_instance.main.port': String(port),
    'var.db_name': database,
    ...(caPath ? { 'var.rds_ca_bundle_path': caPath } : {}),
  });

beforeAll(async () => {
  parsed = await parseTerraformDir(join(REPO_ROOT, 'infra/terraform'));
  await exec('node', [join(REPO_ROOT, 'scripts/rds-ca-bundle.mjs'), rdsBundle]);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe.runIf(BACKEND === 'postgres')('the DATABASE_URL form the kit writes, against the local PostgreSQL (no TLS here)', () => {
  const local = () => new URL(TEST_DATABASE_URL!);

  it('is sslmode=verify-full with the RDS bundle at the image path, and the bundle holds only CA certificates', async () => {
    const url = new URL(kitUrl('db.example', 5432, 'churn_saver_prod'));
    expect(Object.fromEntries(url.searchParams)).toEqual({ sslmode: 'verify-full', sslrootcert: '/app/certs/rds-ca-bundle.pem' });
    expect(decodeURIComponent(url.password)).toBe(DB_PASSWORD);
    const { X509Certificate } = await import('node:crypto');
    const pems = readFileSync(rdsBundle, 'utf8').match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)!;
    expect(pems.length).toBeGreaterThan(20);
    for (const pem of pems) expect(new X509Certificate(pem).ca).toBe(true);
    expect(pems.some((pem) => new X509Certificate(pem).subject.includes('Amazon RDS us-east-1 Root CA RSA2048 G1'))).toBe(true);
  });

  it('libpq (psql) accepts it and asks the server for TLS; the old sslmode=no-verify is what it refused', async () => {
    const { hostname, port } = local();
    const accepted = await psql(kitUrl(hostname, Number(port), 'test', rdsBundle));
    expect(accepted.code).toBe(2);
    expect(accepted.out).toContain('server does not support SSL, but SSL was required');
    expect(accepted.out).not.toContain('invalid sslmode');
    const old = await psql(`postgresql://postgres@${hostname}:${port}/test?sslmode=no-verify`);
    expect(old.out).toContain('invalid sslmode value: "no-verify"');
  });

  it('node-postgres reads it as TLS with certificate and host checks against the bundle', async () => {
    const { hostname, port } = local();
    const url = kitUrl(hostname, Number(port), 'test', rdsBundle);
    const config = parseConnectionString(url) as { ssl?: { ca?: string; rejectUnauthorized?: boolean } };
    expect(config.ssl?.ca).toBe(readFileSync(rdsBundle, 'utf8'));
    expect(config.ssl?.rejectUnauthorized).not.toBe(false);
    expect(await nodeConnect(url)).toBe('error: The server does not support SSL connections');
  });

  it('backup.sh, restore.sh and maintenance.sh pass the URL through to libpq, and name DB_SSLROOTCERT when the bundle is not on this machine', async () => {
    const { hostname, port } = local();
    const url = kitUrl(hostname, Number(port), 'test');
    // restore.sh: the same resolve_database, after it checked its dump file (the TLS block below restores one).
    for (const [script, args] of [['backup.sh', ['--dir', work]], ['maintenance.sh', ['--report-only']]] as const) {
      const missing = await runScript(script, [...args], { env: { DATABASE_URL: url } });
      expect(missing.code, script).toBe(1);
      expect(missing.stderr, script).toContain("the database URL's sslrootcert (/app/certs/rds-ca-bundle.pem) is not on this machine: set DB_SSLROOTCERT");
      const passed = await runScript(script, [...args], { env: { DATABASE_URL: url, DB_SSLROOTCERT: rdsBundle } });
      expect(passed.code, script).not.toBe(0);
      expect(passed.stderr, script).toContain('server does not support SSL, but SSL was required');
      expect(passed.stderr, script).not.toContain(DB_PASSWORD);
    }
  });
});

/** A private PostgreSQL with TLS on this machine: the whole path, certificates checked for real. */
describe.runIf(BACKEND === 'postgres' && canRunTlsPostgres())('the kit’s URL against a PostgreSQL with TLS (a local CA standing in for the RDS one)', { timeout: 120_000 }, () => {
  let server: TlsPostgres;
  beforeAll(async () => {
    server = await startTlsPostgres();
    for (const name of ['churn_tls', 'churn_tls_restore']) await exec('psql', ['--no-psqlrc', '-c', `CREATE DATABASE ${name}`, kitUrl('localhost', server.port, 'postgres', server.caFile)]);
  }, 60_000);
  afterAll(() => server?.stop());

  it('psql and node-postgres connect over verified TLS; the service migrates through it', async () => {
    const url = kitUrl('localhost', server.port, 'churn_tls', server.caFile);
    expect(await psql(url)).toEqual({ code: 0, out: 't' });
    expect(await nodeConnect(url)).toBe('ssl=true');
    const database = await openDatabase({ databaseUrl: url, directUrl: url });
    try {
      const result = await database.withConnection((sql) => migrate(sql));
      expect(result.applied.length).toBeGreaterThan(0);
    } finally {
      await database.close();
    }
  });

  it('a certificate from another CA, or a host the certificate does not name, is refused by both', async () => {
    const wrongCa = kitUrl('localhost', server.port, 'churn_tls', rdsBundle);
    expect((await psql(wrongCa)).out).toContain('certificate verify failed');
    expect(await nodeConnect(wrongCa)).toMatch(/^error: (unable to verify the first certificate|self[- ]signed certificate in certificate chain)/);
    const wrongHost = kitUrl('127.0.0.1', server.port, 'churn_tls', server.caFile);
    expect((await psql(wrongHost)).out).toMatch(/server certificate for "localhost" (\(and 1 other name\) )?does not match host name "127\.0\.0\.1"/);
    expect(await nodeConnect(wrongHost)).toMatch(/^error: Hostname\/IP does not match certificate's altnames/);
  });

  it('backup.sh dumps, restore.sh restores and maintenance.sh reports through it, with the bundle named by DB_SSLROOTCERT', async () => {
    // As the kit stores it: sslrootcert=/app/certs/… (the image's path), overridden on this machine.
    const env = { DATABASE_URL: kitUrl('localhost', server.port, 'churn_tls'), DB_SSLROOTCERT: server.caFile, BACKUP_DIR: work };
    const backup = await runScript('backup.sh', [], { env });
    expect(backup.stderr).not.toContain(DB_PASSWORD);
    expect(backup.code, backup.stderr).toBe(0);
    const file = backup.stdout.trim().split('\n').at(-1)!;
    expect(existsSync(file)).toBe(true);
    const restore = await runScript('restore.sh', ['--yes', '--target', kitUrl('localhost', server.port, 'churn_tls_restore'), file], { env });
    expect(restore.code, restore.stderr).toBe(0);
    const restored = kitUrl('localhost', server.port, 'churn_tls_restore', server.caFile);
    const { stdout } = await exec('psql', ['--no-psqlrc', '-Atc', 'SELECT count(*) FROM schema_migrations', restored]);
    expect(Number(stdout.trim())).toBeGreaterThan(0);
    const maintenance = await runScript('maintenance.sh', ['--report-only'], { env });
    expect(maintenance.code, maintenance.stderr).toBe(0);
  });
});
