import { PGlite } from '@electric-sql/pglite';
import type { SqlRunner } from './client.ts';
import { listMigrations, migrate, MIGRATIONS_DIR } from './migrate.ts';
import { readPgliteTemplate } from './pglite-template.ts';

/** The schemas our migrations own (pg-boss keeps its own, `pgboss`, and migrates it itself). */
export const OWN_SCHEMAS = ['public', 'audit', 'archive'] as const;
/** Schemas the code writes to besides public: audit.events, archive.* (the guide's CREATE SCHEMA lines). */
export const REQUIRED_SCHEMAS = ['audit', 'archive'] as const;

/** One line per table, column, index, constraint and function of our schemas; sorted. */
export type SchemaSnapshot = string[];

export interface VerifyReport {
  /** Each one makes `npm run db:verify` exit 1. */
  problems: string[];
  /** Worth knowing, not failing. */
  warnings: string[];
  /** What was checked and found in order. */
  summary: string[];
}

/**
 * The shape of our schemas from pg_catalog, in a form two databases can be compared by: tables
 * (with their partition key), columns (type, NOT NULL, default), indexes and constraints (their
 * definitions) and functions (arguments and a hash of the body). Partitions of a partitioned table
 * are left out: which months exist depends on the date, not on the migrations.
 */
export async function snapshotSchema(sql: SqlRunner): Promise<SchemaSnapshot> {
  const schemas = [...OWN_SCHEMAS];
  const tableFilter = `n.nspname = ANY($1) AND t.relkind IN ('r', 'p') AND NOT t.relispartition`;
  const [tables, columns, indexes, constraints, functions] = await Promise.all([
    sql.query<{ line: string }>(
      `SELECT format('table %s.%s%s', n.nspname, t.relname, CASE WHEN t.relkind = 'p' THEN ' PARTITION BY ' || pg_get_partkeydef(t.oid) ELSE '' END) AS line
       FROM pg_class t JOIN pg_namespace n ON n.oid = t.relnamespace WHERE ${tableFilter}`, [schemas]),
    sql.query<{ line: string }>(
      `SELECT format('column %s.%s.%s %s%s%s', n.nspname, t.relname, a.attname, format_type(a.atttypid, a.atttypmod),
                     CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END, coalesce(' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid), '')) AS line
       FROM pg_attribute a JOIN pg_class t ON t.oid = a.attrelid JOIN pg_namespace n ON n.oid = t.relnamespace
       LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
       WHERE ${tableFilter} AND a.attnum > 0 AND NOT a.attisdropped`, [schemas]),
    sql.query<{ line: string }>(
      `SELECT format('index %s.%s: %s', n.nspname, i.relname, pg_get_indexdef(i.oid)) AS line
       FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace
       WHERE ${tableFilter}`, [schemas]),
    sql.query<{ line: string }>(
      `SELECT format('constraint %s.%s.%s: %s', n.nspname, t.relname, c.conname, pg_get_constraintdef(c.oid)) AS line
       FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace
       WHERE ${tableFilter} AND c.contype <> 'n'`, [schemas]),
    sql.query<{ line: string }>(
      `SELECT format('function %s.%s(%s) body md5 %s', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid), md5(p.prosrc)) AS line
       FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = ANY($1)`, [schemas]),
  ]);
  return [...tables.rows, ...columns.rows, ...indexes.rows, ...constraints.rows, ...functions.rows].map((r) => r.line).sort();
}

/** Lines only the live database has (drift added by hand) and lines it lacks (a migration's work missing or undone). */
export function diffSnapshots(expected: SchemaSnapshot, live: SchemaSnapshot): { extra: string[]; missing: string[] } {
  const want = new Set(expected);
  const have = new Set(live);
  return { extra: live.filter((l) => !want.has(l)), missing: expected.filter((l) => !have.has(l)) };
}

/** What the migrations in `dir` produce: applied to a scratch in-memory PGlite (from the packed initdb when there is one). */
export async function snapshotOfMigrations(dir = MIGRATIONS_DIR): Promise<SchemaSnapshot> {
  const template = readPgliteTemplate();
  const scratch = await PGlite.create(template ? { loadDataDir: template } : {});
  const sql: SqlRunner = {
    query: async (text, params) => ({ rows: (await scratch.query(text, params)).rows as never[] }),
    exec: async (text) => void (await scratch.exec(text)),
  };
  try {
    await migrate(sql, dir);
    return await snapshotSchema(sql);
  } finally {
    await scratch.close();
  }
}

/**
 * npm run db:verify: the live schema against what the migrations produce, the applied migrations'
 * checksums against the files, the schemas and server features the code relies on. Read-only.
 */
export async function verifyDatabase(live: SqlRunner, options: { kind: 'postgres' | 'pglite'; migrationsDir?: string; now?: Date }): Promise<VerifyReport> {
  const dir = options.migrationsDir ?? MIGRATIONS_DIR;
  const report: VerifyReport = { problems: [], warnings: [], summary: [] };

  // Server: PostgreSQL 15+ (README); no extension: gen_random_uuid() and hashtextextended() are core
  // (13+), and plpgsql (audit.create_event_partitions) is installed in every database by default.
  const [{ rows: [server] }, { rows: plpgsql }] = await Promise.all([
    live.query<{ num: string; version: string }>(`SELECT current_setting('server_version_num') AS num, current_setting('server_version') AS version`),
    live.query(`SELECT 1 FROM pg_language WHERE lanname = 'plpgsql'`),
  ]);
  if (Number(server!.num) < 150000) report.problems.push(`PostgreSQL ${server!.version}: 15 or newer is required`);
  if (plpgsql.length === 0) report.problems.push('language plpgsql is not installed (CREATE EXTENSION plpgsql)');
  report.summary.push(`${options.kind === 'pglite' ? 'embedded PGlite' : 'PostgreSQL'} ${server!.version}; no extension needed (gen_random_uuid is core), plpgsql present`);

  const { rows: schemas } = await live.query<{ nspname: string }>(`SELECT nspname FROM pg_namespace WHERE nspname = ANY($1)`, [[...REQUIRED_SCHEMAS]]);
  const missingSchemas = REQUIRED_SCHEMAS.filter((s) => !schemas.some((r) => r.nspname === s));
  for (const s of missingSchemas) report.problems.push(`schema ${s} does not exist`);
  if (missingSchemas.length === 0) report.summary.push(`schemas ${REQUIRED_SCHEMAS.join(', ')} present`);

  const files = listMigrations(dir);
  const { rows: hasTable } = await live.query(`SELECT 1 FROM pg_class WHERE oid = to_regclass('public.schema_migrations')`);
  if (hasTable.length === 0) {
    report.problems.push('no schema_migrations table: this database was never migrated (npm run db:migrate)');
  } else {
    const { rows: applied } = await live.query<{ version: number; name: string; checksum: string }>(`SELECT version, name, checksum FROM schema_migrations ORDER BY version`);
    const byVersion = new Map(applied.map((r) => [Number(r.version), r]));
    let matching = 0;
    for (const file of files) {
      const row = byVersion.get(file.version);
      if (!row) report.problems.push(`migration ${file.name} is not applied (npm run db:migrate)`);
      else if (row.checksum !== file.checksum) report.problems.push(`migration ${file.name}: the applied checksum differs from the file (edited after it was applied?)`);
      else matching += 1;
    }
    for (const row of applied) if (!files.some((f) => f.version === Number(row.version))) report.problems.push(`migration ${row.name} is applied but not in migrations/ (a newer release's database?)`);
    report.summary.push(`${matching} of ${files.length} migrations applied with matching checksums`);
  }

  const [expected, actual] = await Promise.all([snapshotOfMigrations(dir), snapshotSchema(live)]);
  const { extra, missing } = diffSnapshots(expected, actual);
  for (const line of extra) report.problems.push(`not from the migrations: ${line}`);
  for (const line of missing) report.problems.push(`missing: ${line}`);
  if (extra.length === 0 && missing.length === 0) {
    const count = (kind: string) => actual.filter((l) => l.startsWith(`${kind} `)).length;
    report.summary.push(`schema matches the migrations: ${count('table')} tables, ${count('column')} columns, ${count('index')} indexes, ${count('constraint')} constraints, ${count('function')} functions`);
  }

  if (missingSchemas.length === 0 && actual.some((l) => l.startsWith('table audit.events PARTITION BY'))) {
    const now = options.now ?? new Date();
    const month = `events_${now.toISOString().slice(0, 7).replace('-', '_')}`;
    const { rows: parts } = await live.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'audit.events'::regclass`);
    if (!parts.some((p) => p.name === month)) report.warnings.push(`audit.events has no partition ${month} yet (rows go to audit.events_default; a worker creates it at start and daily)`);
    report.summary.push(`audit.events: ${parts.filter((p) => p.name !== 'events_default').length} monthly partitions`);
  }
  return report;
}
