import type { SqlRunner } from '../db/client.ts';
import { describeField, ENCRYPTED_FIELDS, fieldValueSql } from '../db/encrypted-columns.ts';
import type { Keyring } from '../integrations/crypto/encryption-keys.ts';

export interface KeyCensus {
  /** key id -> where values under it were seen */
  unreadable: Map<string, Set<string>>;
  /** Values with an envelope this build cannot parse (a newer version, a damaged label). */
  malformed: Set<string>;
  /** How many stored values are under each key id ('plaintext': legacy rows written before encryption). */
  counts: Map<string, number>;
}

/**
 * Which key ids stored values are under, compared with the keys this process can read. `sample`
 * looks at the newest and oldest rows of each field only (start-up must stay fast on big tables);
 * without it every row is read (keys:rotate --check, compliance:audit).
 */
export async function censusStoredKeys(sql: SqlRunner, keyring: Keyring, options: { sample?: number } = {}): Promise<KeyCensus> {
  const census: KeyCensus = { unreadable: new Map(), malformed: new Set(), counts: new Map() };
  // One statement for every field of every table: start-up pays one round trip, not one per field.
  const parts: string[] = [];
  const places: string[] = [];
  for (const { table } of await listEncryptedTables(sql)) {
    for (const field of ENCRYPTED_FIELDS.filter((f) => table.endsWith(`.${f.table}`) || table === f.table)) {
      const value = fieldValueSql(field);
      const rows = options.sample
        ? `(SELECT ${value} AS v FROM ${table} ORDER BY ${field.key} DESC LIMIT ${options.sample}) UNION ALL (SELECT ${value} FROM ${table} ORDER BY ${field.key} LIMIT ${options.sample})`
        : `SELECT ${value} AS v FROM ${table}`;
      parts.push(`SELECT ${places.length} AS place, CASE WHEN v ~ '^enc:v1:[0-9a-f]{12}:' THEN substr(v, 8, 12) WHEN v ~ '^enc:v[0-9]+:' THEN NULL ELSE 'plaintext' END AS key_id, count(*)::int AS n
         FROM (${rows}) s WHERE v IS NOT NULL GROUP BY 2`);
      places.push(`${table === field.table ? '' : 'archive: '}${describeField(field)}`);
    }
  }
  if (parts.length === 0) return census;
  const { rows: found } = await sql.query<{ place: number; key_id: string | null; n: number }>(parts.map((p) => `(${p})`).join('\nUNION ALL\n'));
  for (const row of found) {
    const where = places[row.place]!;
    census.counts.set(row.key_id ?? 'malformed', (census.counts.get(row.key_id ?? 'malformed') ?? 0) + row.n);
    if (row.key_id === 'plaintext') continue;
    if (row.key_id === null) census.malformed.add(where);
    else if (!keyring.readable.has(row.key_id)) census.unreadable.set(row.key_id, (census.unreadable.get(row.key_id) ?? new Set()).add(where));
  }
  return census;
}

/** The start-up refusal, naming the variables and key ids involved and never a value. */
export function describeUnreadableKeys(census: KeyCensus, keyring: Keyring): string | null {
  const lines: string[] = [];
  for (const [keyId, where] of census.unreadable)
    lines.push(`values under key id ${keyId} (in ${[...where].join(', ')}) cannot be read with ENCRYPTION_KEY (key id ${keyring.current.keyId})${keyring.previous ? ` or ENCRYPTION_KEY_PREVIOUS (key id ${keyring.previous.keyId})` : ''}`);
  for (const where of census.malformed) lines.push(`values in ${where} carry an encryption envelope this version cannot read`);
  if (lines.length === 0) return null;
  return `ENCRYPTION_KEY does not match the stored data:\n  - ${lines.join('\n  - ')}\n  Set ENCRYPTION_KEY to the key the data was written with (or, during a rotation, the old key as ENCRYPTION_KEY_PREVIOUS).`;
}

/**
 * The tables holding encrypted fields: the live ones and, once cases were archived, their archive
 * copies (schema-qualified), with the type of their `id` key. pg_catalog, not information_schema:
 * the latter's views cost a few hundred ms on PGlite, and start-up runs this.
 */
export async function listEncryptedTables(sql: SqlRunner): Promise<{ table: string; keyType: string }[]> {
  const names = [...new Set(ENCRYPTED_FIELDS.map((f) => f.table))];
  const { rows } = await sql.query<{ schema: string; name: string; key_type: string }>(
    `SELECT n.nspname AS schema, c.relname AS name, format_type(a.atttypid, a.atttypmod) AS key_type
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'id'
     WHERE c.relname = ANY($1) AND n.nspname IN ('public', 'archive') AND c.relkind IN ('r', 'p') ORDER BY n.nspname DESC, c.relname`,
    [names],
  );
  return rows.map((r) => ({ table: r.schema === 'public' ? r.name : `archive.${r.name}`, keyType: r.key_type }));
}
