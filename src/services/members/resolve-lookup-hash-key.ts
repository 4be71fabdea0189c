import type { SqlRunner } from '../../db/client.ts';
import type { Keyring } from '../../integrations/crypto/encryption-keys.ts';
import { createFieldCipher, FieldDecryptionError } from '../../integrations/crypto/field-cipher.ts';

/**
 * The keyring with its lookup-hash key from the database (encryption_settings), unless
 * ENCRYPTION_HASH_KEY sets one. The first call stores the key the existing hashes were made with
 * (derived from the key in use: the previous one during a rotation), so upgrading changes no hash;
 * from then on rotations re-encrypt the stored key and every hash stays valid.
 */
export async function resolveLookupHashKey(sql: SqlRunner, keyring: Keyring): Promise<Keyring> {
  if (keyring.hashKeySource !== 'derived') return keyring;
  const cipher = createFieldCipher(keyring);
  const initial = keyring.previousHashKey ?? keyring.hashKey;
  await sql.query(`INSERT INTO encryption_settings (id, lookup_hash_key) VALUES (1, $1) ON CONFLICT (id) DO NOTHING`, [cipher.encrypt(initial.toString('base64'))]);
  const { rows } = await sql.query<{ lookup_hash_key: string }>(`SELECT lookup_hash_key FROM encryption_settings WHERE id = 1`);
  const read = cipher.decrypt(rows[0]!.lookup_hash_key);
  if (!read.ok) throw new FieldDecryptionError(read.reason, read.keyId);
  return { ...keyring, hashKey: Buffer.from(read.value, 'base64'), hashKeySource: 'stored', previousHashKey: null };
}
