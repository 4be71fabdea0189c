import type { Database } from '../../src/db/client.ts';
import { fieldCipher } from '../../src/db/encrypted-text.ts';

const ENVELOPE = /enc:v1:[0-9a-f]{12}:[A-Za-z0-9_-]+/g;

/**
 * Every text, varchar, json and jsonb column of every table in every schema (ours, audit, archive,
 * pg-boss's), searched for each needle (case-insensitive). `decrypt`: also look inside every
 * encrypted value, as someone holding the key would. Returns "schema.table.column: needle" hits.
 */
export async function findInDatabase(database: Database, needles: string[], options: { decrypt: boolean }): Promise<string[]> {
  const { rows: columns } = await database.sql.query<{ s: string; t: string; c: string }>(
    `SELECT c.table_schema AS s, c.table_name AS t, c.column_name AS c FROM information_schema.columns c
     JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
     WHERE c.table_schema NOT IN ('pg_catalog', 'information_schema') AND c.data_type IN ('text', 'character varying', 'json', 'jsonb')`,
  );
  const hits: string[] = [];
  const lowered = needles.map((n) => n.toLowerCase());
  for (const { s, t, c } of columns) {
    const column = `"${s}"."${t}"."${c}"`;
    const { rows } = await database.sql.query<{ v: string }>(
      `SELECT "${c}"::text AS v FROM "${s}"."${t}" WHERE "${c}"::text ILIKE ANY($1) ${options.decrypt ? `OR "${c}"::text LIKE '%enc:v1:%'` : ''}`,
      [lowered.map((n) => `%${n.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`)],
    );
    for (const { v } of rows) {
      const readable = options.decrypt ? v.replace(ENVELOPE, (e) => fieldCipher().decryptNullable(e) ?? '') : v;
      for (const needle of lowered) if (readable.toLowerCase().includes(needle)) hits.push(`${column}: ${needle}`);
    }
  }
  return [...new Set(hits)];
}
