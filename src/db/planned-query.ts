import { createHash } from 'node:crypto';
import { PGlite, types } from '@electric-sql/pglite';
import type { SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { queryRows, type Queryable } from './client.ts';

/**
 * Rows of a raw `sql` read that runs often with the same text and other values (the dashboard's
 * KPI reads). On PGlite it runs as a prepared statement of the one session: PGlite sends every
 * query unnamed, so PostgreSQL parses and plans it on each call, and planning was ~7 of the
 * overview's ~10 ms in the engine (README "Benchmarks"). A prepared one is parsed once, and after
 * five calls PostgreSQL keeps its generic plan unless that is costlier than the custom ones.
 * On PostgreSQL (a pool, maybe behind a pooler that keeps no session state) it is queryRows.
 */
export async function queryRowsPlanned<T>(q: Queryable, query: SQL): Promise<T[]> {
  const client = (q as unknown as { $client?: unknown }).$client;
  if (!(client instanceof PGlite)) return queryRows<T>(q, query);
  const { sql: text, params } = dialect.sqlToQuery(query);
  const literals = params.map(literalOf);
  if (literals.some((l) => l === undefined)) return queryRows<T>(q, query);
  const name = await preparedName(client, text);
  const call = literals.length === 0 ? `EXECUTE ${name}` : `EXECUTE ${name}(${literals.join(', ')})`;
  return (await client.query<T>(call, [], RAW_ROWS)).rows;
}

const dialect = new PgDialect();

/** As drizzle's PGlite driver reads raw rows: objects, times and dates as PostgreSQL prints them. */
const keepText = (value: string) => value;
const RAW_ROWS = {
  rowMode: 'object' as const,
  parsers: { [types.TIMESTAMP]: keepText, [types.TIMESTAMPTZ]: keepText, [types.INTERVAL]: keepText, [types.DATE]: keepText, 1231: keepText, 1115: keepText, 1185: keepText, 1187: keepText, 1182: keepText },
};

/**
 * A value as an SQL literal of unknown type (PostgreSQL casts it to the parameter's type, as it
 * does a bound text value); undefined for what is not plain text, a number or a boolean (the
 * caller then binds the values as usual). standard_conforming_strings is on (PostgreSQL's default,
 * never changed here): inside quotes only a quote needs doubling.
 */
function literalOf(value: unknown): string | undefined {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'boolean') return value ? "'true'" : "'false'";
  if (typeof value === 'number') return Number.isFinite(value) ? `'${value}'` : undefined;
  if (typeof value === 'bigint') return `'${value}'`;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : `'${value.toISOString()}'`;
  if (typeof value !== 'string' || value.includes('\0')) return undefined;
  return `'${value.replaceAll("'", "''")}'`;
}

/** A session's prepared statements by text; the oldest is deallocated past MAX_PREPARED. */
const prepared = new WeakMap<PGlite, Map<string, Promise<string>>>();
const MAX_PREPARED = 64;

function preparedName(client: PGlite, text: string): Promise<string> {
  let mine = prepared.get(client);
  if (!mine) prepared.set(client, (mine = new Map()));
  const known = mine.get(text);
  if (known) {
    mine.delete(text); // most recently used last
    mine.set(text, known);
    return known;
  }
  const name = `planned_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
  const statements = mine;
  const ready = client.exec(`PREPARE ${name} AS ${text}`).then(
    () => name,
    (error: unknown) => {
      statements.delete(text);
      throw error;
    },
  );
  statements.set(text, ready);
  if (statements.size > MAX_PREPARED) {
    const [oldest, gone] = statements.entries().next().value!;
    statements.delete(oldest);
    void gone.then((n) => client.exec(`DEALLOCATE ${n}`)).catch(() => {});
  }
  return ready;
}
