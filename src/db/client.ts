import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lockDataDir } from './data-dir-lock.ts';
import { freshDatabaseTemplate, unpackTemplate } from './pglite-template.ts';
import { PGlite, type PGliteOptions } from '@electric-sql/pglite';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import type { ExtractTablesWithRelations, SQL } from 'drizzle-orm';
import pg from 'pg';
import type * as schema from './schema/index.ts';

export type Schema = typeof schema;
export type AppDb = PgDatabase<PgQueryResultHKT, Schema>;
export type AppTx = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
/** Anything a repository can run queries on: the database or a transaction. */
export type Queryable = AppDb | AppTx;

/** Plain SQL access shared by the migrator, pg-boss and health checks. */
export interface SqlRunner {
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<{ rows: T[] }>;
  /** Runs several statements at once (simple query protocol), for migrations. */
  exec(text: string): Promise<void>;
}

export interface Database {
  kind: 'postgres' | 'pglite';
  db: AppDb;
  sql: SqlRunner;
  /** Set on the embedded default only: pg-boss shares this one connection. */
  pglite?: PGlite;
  /** Set on PostgreSQL only: DATABASE_URL, what request traffic uses (may be a pooler). */
  connectionString?: string;
  /** Set on PostgreSQL only: DIRECT_URL when given, else DATABASE_URL; pg-boss connects here. */
  sessionConnectionString?: string;
  /** Runs fn on one session straight to PostgreSQL (DIRECT_URL when given): migrations, session advisory locks. */
  withConnection<T>(fn: (sql: SqlRunner) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** postgres:// URL; without it the embedded PGlite is used. */
  databaseUrl?: string | undefined;
  /** PostgreSQL only: the same database without a pooler in between, for session work (DIRECT_URL). */
  directUrl?: string | undefined;
  /** Folder of the embedded database; 'memory://' keeps it in memory (tests). */
  dataDir?: string;
  /** Pool size on PostgreSQL. */
  maxConnections?: number;
  /**
   * PostgreSQL only, ms, 0 or absent = no limit: every pooled session starts with this
   * statement_timeout, so a runaway query is cancelled instead of holding a connection and locks.
   */
  statementTimeoutMs?: number;
  /** PostgreSQL only, ms: a session left idle inside a transaction this long is closed (its locks freed). */
  idleInTransactionTimeoutMs?: number;
}

/** The open options the service's configuration names (runtime.ts, main.ts). */
export function databaseOptionsOf(config: { DATABASE_URL?: string | undefined; DIRECT_URL?: string | undefined; DATA_DIR: string; DB_STATEMENT_TIMEOUT_MS?: number | undefined; DB_IDLE_IN_TRANSACTION_TIMEOUT_MS?: number | undefined }): OpenDatabaseOptions {
  return {
    databaseUrl: config.DATABASE_URL,
    directUrl: config.DIRECT_URL,
    dataDir: config.DATA_DIR,
    statementTimeoutMs: config.DB_STATEMENT_TIMEOUT_MS,
    idleInTransactionTimeoutMs: config.DB_IDLE_IN_TRANSACTION_TIMEOUT_MS,
  };
}

/** drizzle and our schema (~100 modules): loaded while the database opens, not before (a start waits for both). */
function loadDrizzle() {
  return Promise.all([import('drizzle-orm/pglite'), import('drizzle-orm/node-postgres'), import('./schema/index.ts')]).then(([pglite, nodePostgres, schema]) => ({ drizzlePglite: pglite.drizzle, drizzlePg: nodePostgres.drizzle, schema }));
}
type Drizzle = Awaited<ReturnType<typeof loadDrizzle>>;

export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  const drizzle = loadDrizzle();
  drizzle.catch(() => {}); // awaited once the database is open
  if (options.databaseUrl) return openPostgres(await drizzle, options.databaseUrl, options.directUrl, options.maxConnections ?? 10, sessionOptions(options));
  // PGlite is one in-process session: nothing else waits on its locks, and a timeout would only break long local work.
  return openPglite(options.dataDir ?? './data', drizzle);
}

/** The timeouts as libpq startup options, so they hold from a session's first statement (RESET returns to them). */
function sessionOptions(options: OpenDatabaseOptions): string | undefined {
  const settings: string[] = [];
  if (options.statementTimeoutMs) settings.push(`-c statement_timeout=${Math.round(options.statementTimeoutMs)}`);
  if (options.idleInTransactionTimeoutMs) settings.push(`-c idle_in_transaction_session_timeout=${Math.round(options.idleInTransactionTimeoutMs)}`);
  return settings.length > 0 ? settings.join(' ') : undefined;
}

function openPostgres({ drizzlePg, schema }: Drizzle, connectionString: string, directUrl: string | undefined, max: number, sessionSettings: string | undefined): Database {
  const pool = newPool(connectionString, max, 'churn-saver', sessionSettings);
  // Session work (a session advisory lock held across statements) cannot go through a pooler in
  // transaction mode, which may hand each statement to another server connection.
  const sessionPool = directUrl ? newPool(directUrl, 2, 'churn-saver-direct', sessionSettings) : pool;
  return {
    kind: 'postgres',
    db: withSessionsOwned(drizzlePg(pool, { schema }) as unknown as AppDb, directUrl === undefined),
    sql: pgRunner(pool),
    connectionString,
    sessionConnectionString: directUrl ?? connectionString,
    async withConnection(fn) {
      const client = await sessionPool.connect();
      try {
        return await fn(pgRunner(client));
      } finally {
        client.release();
      }
    },
    close: async () => {
      await pool.end();
      if (sessionPool !== pool) await sessionPool.end();
    },
  };
}

/** application_name is the default; one in the URL wins (pg reads the URL last). */
function newPool(connectionString: string, max: number, applicationName: string, sessionSettings: string | undefined): pg.Pool {
  const pool = new pg.Pool({ connectionString, max, application_name: applicationName, ...(sessionSettings ? { options: sessionSettings } : {}) });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  // Nor a checked-out one (pg-pool listens only while idle): the server ends a session left idle in
  // a transaction past idle_in_transaction_session_timeout; that transaction's next query fails and
  // the pool discards the client.
  pool.on('connect', (client) => client.on('error', () => {}));
  return pool;
}

function pgRunner(target: pg.Pool | pg.PoolClient): SqlRunner {
  return {
    async query(text, params) {
      const result = await target.query(text, params as unknown[] | undefined);
      return { rows: result.rows };
    },
    async exec(text) {
      await target.query(text);
    },
  };
}

/**
 * PGlite's start parameters with a smaller shared_buffers. PostgreSQL's default 128MB is allocated
 * inside the WASM heap of this one process and made a bare PGlite open ~300 MB RSS; at 16MB it is
 * ~155 MB (README "Benchmarks"). The embedded database serves one process and a small install: its
 * data files are cached by the operating system too, so fewer buffers cost re-reads, not disk I/O.
 */
export const PGLITE_SHARED_BUFFERS = '16MB';
export const PGLITE_OPTIONS = { startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${PGLITE_SHARED_BUFFERS}`] };

type WasmModule = NonNullable<PGliteOptions['pgliteWasmModule']>;
// The global WebAssembly (our lib settings declare no DOM types, where its own are).
declare const WebAssembly: { compile(bytes: Uint8Array): Promise<WasmModule> };
let pgliteWasm: Promise<WasmModule | undefined> | undefined;
/**
 * PGlite's WASM (9 MB), compiled on V8's threads from the start of the open, so that it is ready when
 * a new folder has been unpacked (PGlite would only then read and compile it). Once per process.
 * undefined (PGlite loads it itself) if the package holds it elsewhere.
 */
function compilePgliteWasm(): Promise<WasmModule | undefined> {
  return (pgliteWasm ??= readFile(fileURLToPath(new URL('pglite.wasm', import.meta.resolve('@electric-sql/pglite'))))
    .then((bytes) => WebAssembly.compile(bytes))
    .catch(() => undefined));
}

async function openPglite(dataDir: string, drizzle: Promise<Drizzle>): Promise<Database> {
  const wasm = dataDir === 'memory://' ? undefined : compilePgliteWasm();
  let location = dataDir;
  let unlock = async () => {};
  if (dataDir !== 'memory://') {
    // One process owns the folder: refuse before PGlite reads or writes anything in it.
    mkdirSync(dataDir, { recursive: true });
    unlock = await lockDataDir(resolve(dataDir));
    const folder = resolve(dataDir, 'pglite');
    mkdirSync(folder, { recursive: true });
    location = folder;
  }
  const isNew = location !== 'memory://' && !existsSync(join(location, 'PG_VERSION'));
  // A new folder starts from the packed template (migrated when it matches the migrations): no initdb.
  // Unpacked here with plain file writes; PGlite unpacks it only if this cannot.
  let pglite: PGlite;
  try {
    const packed = isNew ? freshDatabaseTemplate() : undefined;
    const template = packed && !(await unpackTemplate(packed.path, location)) ? new Blob([readFileSync(packed.path)]) : undefined;
    const pgliteWasmModule = await wasm;
    pglite = await PGlite.create(location === 'memory://' ? undefined : location, { ...PGLITE_OPTIONS, ...(template ? { loadDataDir: template } : {}), ...(pgliteWasmModule ? { pgliteWasmModule } : {}) });
  } catch (error) {
    await unlock();
    throw error;
  }
  let drizzlePglite: Drizzle['drizzlePglite'];
  let schema: Drizzle['schema'];
  try {
    ({ drizzlePglite, schema } = await drizzle);
  } catch (error) {
    await pglite.close().finally(unlock);
    throw error;
  }
  const sql: SqlRunner = {
    async query(text, params) {
      const result = await pglite.query(text, params);
      return { rows: result.rows as never[] };
    },
    async exec(text) {
      await pglite.exec(text);
    },
  };
  return {
    kind: 'pglite',
    db: drizzlePglite(pglite, { schema }) as unknown as AppDb,
    sql,
    pglite,
    // PGlite is one session already.
    withConnection: (fn) => fn(sql),
    async close() {
      try {
        await pglite.close();
      } finally {
        await unlock();
      }
    },
  };
}

/**
 * Rows of a raw `sql` query on the database or a transaction. Drizzle's execute() result type is
 * generic over the driver; both node-postgres and PGlite answer `{ rows }`.
 */
export async function queryRows<T>(q: Queryable, query: SQL): Promise<T[]> {
  return ((await q.execute(query)) as unknown as { rows: T[] }).rows;
}

/** Databases whose pool holds its own PostgreSQL sessions (no DIRECT_URL: DATABASE_URL is not a pooler). */
const sessionsOwned = new WeakSet<AppDb>();

function withSessionsOwned(db: AppDb, owned: boolean): AppDb {
  if (owned) sessionsOwned.add(db);
  return db;
}

/**
 * Rows of one parameterized statement (`$1`… in `text`) on the database, for hot statements
 * whose text never changes. Where the pool's sessions are its own it runs as a named prepared
 * statement: parsed and planned once per connection, not on every call. Behind a pooler
 * (DIRECT_URL set: DATABASE_URL may be PgBouncer or RDS Proxy in transaction mode, which do not
 * keep a session's prepared statements) and on PGlite it is a plain query.
 */
export async function queryText<T>(db: AppDb, name: string, text: string, values: unknown[]): Promise<T[]> {
  const client = (db as unknown as { $client: pg.Pool | PGlite }).$client;
  if (client instanceof PGlite) return (await client.query<T>(text, values)).rows;
  return (await client.query<T & pg.QueryResultRow>(sessionsOwned.has(db) ? { name, text, values } : { text, values })).rows;
}
