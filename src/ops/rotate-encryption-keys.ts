import type { SqlRunner } from '../db/client.ts';
import { describeField, ENCRYPTED_FIELDS, fieldValueSql, type EncryptedField } from '../db/encrypted-columns.ts';
import { createFieldCipher, type FieldCipher } from '../integrations/crypto/field-cipher.ts';
import type { Keyring } from '../integrations/crypto/encryption-keys.ts';
import { listEncryptedTables } from './check-stored-keys.ts';
import { resolveLookupHashKey } from '../services/members/resolve-lookup-hash-key.ts';

export interface RotationProgress {
  field: string;
  /** Rows of this field looked at so far / in all. */
  done: number;
  total: number;
  rewritten: number;
}

export interface RotationResult {
  keyId: string;
  rewritten: number;
  /** Rows a concurrent write changed between read and rewrite: already under the current key, or left for the next run. */
  skipped: number;
  /** Plaintext opt-outs (email_suppressions, before encryption at rest) moved to member_opt_outs. */
  suppressionsMoved: number;
  /** Values no key of the keyring can read: reported, left as they are. */
  unreadable: { field: string; count: number }[];
}

/**
 * keys:rotate: rewrites every encrypted value (live and archived) that is not under the current key
 * (legacy plaintext included) and every lookup hash that is not under the current hash key, in
 * batches, each batch committed on its own. Resumable and safe to re-run: rows already rewritten are
 * skipped, and each update only applies if the value is still the one read (instances keep writing
 * meanwhile, under the new key once they run with it). Both keys must be configured:
 * ENCRYPTION_KEY = new, ENCRYPTION_KEY_PREVIOUS = old.
 */
export async function rotateEncryptionKeys(
  sql: SqlRunner,
  keyring: Keyring,
  options: { batchSize?: number; onProgress?: (p: RotationProgress) => void } = {},
): Promise<RotationResult> {
  // With the stored hash key, hashes stay as they are; a derived one (older data) is replaced by it.
  const cipher = createFieldCipher(await resolveLookupHashKey(sql, keyring));
  const batchSize = options.batchSize ?? 500;
  const result: RotationResult = { keyId: keyring.current.keyId, rewritten: 0, skipped: 0, suppressionsMoved: 0, unreadable: [] };
  for (const { table, keyType } of await listEncryptedTables(sql)) {
    for (const field of ENCRYPTED_FIELDS.filter((f) => f.table === table.replace(/^archive\./, ''))) {
      const name = `${table.startsWith('archive.') ? 'archive.' : ''}${describeField(field)}`;
      const outcome = await rotateField(sql, cipher, { table, keyType, field, name, batchSize, onProgress: options.onProgress });
      result.rewritten += outcome.rewritten;
      result.skipped += outcome.skipped;
      if (outcome.unreadable > 0) result.unreadable.push({ field: name, count: outcome.unreadable });
    }
  }
  result.suppressionsMoved = await moveLegacySuppressions(sql, cipher);
  return result;
}

async function rotateField(
  sql: SqlRunner,
  cipher: FieldCipher,
  job: { table: string; keyType: string; field: EncryptedField; name: string; batchSize: number; onProgress?: ((p: RotationProgress) => void) | undefined },
): Promise<{ rewritten: number; skipped: number; unreadable: number }> {
  const { table, keyType, field, name, batchSize } = job;
  const value = fieldValueSql(field);
  const hash = field.hashColumn ?? null;
  const { rows: counted } = await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE ${value} IS NOT NULL`);
  const total = counted[0]?.n ?? 0;
  let done = 0;
  let rewritten = 0;
  let skipped = 0;
  let unreadable = 0;
  let after: string | null = null;
  for (;;) {
    const { rows }: { rows: { k: string; v: string; h: string | null }[] } = await sql.query(
      `SELECT ${field.key}::text AS k, ${value} AS v, ${hash ?? 'NULL::text'} AS h FROM ${table}
       WHERE ${value} IS NOT NULL ${after === null ? '' : `AND ${field.key} > $2::${keyType}`} ORDER BY ${field.key} LIMIT $1`,
      after === null ? [batchSize] : [batchSize, after],
    );
    if (rows.length === 0) break;
    after = rows[rows.length - 1]!.k;
    done += rows.length;
    const updates: { k: string; old: string; v: string; h: string | null }[] = [];
    for (const row of rows) {
      const needsKey = cipher.needsRotation(row.v);
      if (!needsKey && hash === null) continue;
      const read = cipher.decrypt(row.v);
      if (!read.ok) {
        unreadable += 1;
        continue;
      }
      const wantHash = hash === null ? null : cipher.lookupHash(read.value, 'email');
      if (!needsKey && row.h === wantHash) continue;
      updates.push({ k: row.k, old: row.v, v: needsKey ? cipher.encrypt(read.value) : row.v, h: wantHash });
    }
    if (updates.length > 0) {
      const set = field.jsonKey ? `${field.column} = jsonb_set(${field.column}, '{${field.jsonKey}}', to_jsonb(u.v))` : `${field.column} = u.v`;
      const { rows: changed } = await sql.query<{ k: string }>(
        `UPDATE ${table} AS t SET ${set}${hash ? `, ${hash} = u.h` : ''}
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS u(k, old, v, h)
         WHERE t.${field.key} = u.k::${keyType} AND ${field.jsonKey ? `t.${field.column}->>'${field.jsonKey}'` : `t.${field.column}`} = u.old
         RETURNING t.${field.key}::text AS k`,
        [updates.map((u) => u.k), updates.map((u) => u.old), updates.map((u) => u.v), updates.map((u) => u.h)],
      );
      rewritten += changed.length;
      skipped += updates.length - changed.length;
    }
    job.onProgress?.({ field: name, done: Math.min(done, total), total, rewritten });
  }
  job.onProgress?.({ field: name, done: total, total, rewritten });
  return { rewritten, skipped, unreadable };
}

/** email_suppressions held plaintext addresses (before migration 0006): move them to member_opt_outs by hash. */
async function moveLegacySuppressions(sql: SqlRunner, cipher: FieldCipher): Promise<number> {
  const { rows: exists } = await sql.query<{ t: string | null }>(`SELECT to_regclass('public.email_suppressions')::text AS t`);
  if (!exists[0]?.t) return 0;
  const { rows } = await sql.query<{ company_id: string; email: string; reason: string; created_at: Date }>(`SELECT company_id, email, reason, created_at FROM email_suppressions`);
  for (const row of rows) {
    await sql.query(
      `WITH moved AS (DELETE FROM email_suppressions WHERE company_id = $1 AND email = $2)
       INSERT INTO member_opt_outs (company_id, channel, subject_hash, reason, source, created_at) VALUES ($1, 'email', $3, $4, 'member', $5) ON CONFLICT DO NOTHING`,
      [row.company_id, row.email, cipher.lookupHash(row.email, 'email'), row.reason, row.created_at],
    );
  }
  return rows.length;
}
