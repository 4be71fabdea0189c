import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SqlRunner } from './client.ts';

export const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'migrations');
/** Any constant works; it only has to be the same in every instance. */
const MIGRATION_LOCK_ID = 727_001;

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

export function listMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((file) => {
      const sql = readFileSync(join(dir, file), 'utf8');
      return {
        version: Number(file.slice(0, 4)),
        name: file.replace(/\.sql$/, ''),
        sql,
        checksum: createHash('sha256').update(sql).digest('hex'),
      };
    });
}

export interface MigrateResult {
  applied: string[];
  alreadyApplied: number;
}

/**
 * Applies pending migrations in order, each in its own transaction, under a session advisory
 * lock so instances starting together apply each migration once. Refuses to run when an applied
 * migration's file changed (migrations are append-only).
 * `sql` must hold one connection for the whole call (lock and unlock on the same session).
 */
export async function migrate(sql: SqlRunner, dir = MIGRATIONS_DIR): Promise<MigrateResult> {
  const migrations = listMigrations(dir);
  // The pool's statement_timeout (DB_STATEMENT_TIMEOUT_MS) is for requests: waiting for another
  // instance's migrations, or building an index on a large table, may take longer. RESET in the
  // end returns this pooled session to its configured value.
  await sql.exec('SET statement_timeout = 0');
  await sql.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
  try {
    await sql.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now())`);
    const { rows } = await sql.query<{ version: number; name: string; checksum: string }>(
      'SELECT version, name, checksum FROM schema_migrations ORDER BY version',
    );
    const applied = new Map(rows.map((r) => [r.version, r]));
    const result: MigrateResult = { applied: [], alreadyApplied: 0 };
    for (const migration of migrations) {
      const done = applied.get(migration.version);
      if (done) {
        if (done.checksum !== migration.checksum)
          throw new Error(`migration ${migration.name} changed after it was applied; add a new migration instead`);
        result.alreadyApplied += 1;
        continue;
      }
      await sql.exec(`BEGIN;\n${migration.sql}\n;INSERT INTO schema_migrations (version, name, checksum) VALUES (${migration.version}, '${migration.name}', '${migration.checksum}');\nCOMMIT;`);
      result.applied.push(migration.name);
    }
    return result;
  } catch (error) {
    await sql.exec('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    await sql.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]).catch(() => {});
    await sql.exec('RESET statement_timeout').catch(() => {});
  }
}
