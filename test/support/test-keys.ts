import { loadKeyring, type Keyring } from '../../src/integrations/crypto/encryption-keys.ts';
import { createFieldCipher } from '../../src/integrations/crypto/field-cipher.ts';
import { decryptRow, installFieldCipher } from '../../src/db/encrypted-text.ts';

/**
 * The ENCRYPTION_KEY every test service and spawned process shares by default, so processes on one
 * database read each other's rows (as production instances share one key). Tests of key handling
 * pass their own.
 */
export const TEST_ENCRYPTION_KEY = 'dGVzdC1lbmNyeXB0aW9uLWtleS0zMi1ieXRlcy1vayE=';

export function testKeyring(current = TEST_ENCRYPTION_KEY, previous?: string): Keyring {
  const loaded = loadKeyring({ current, previous, nodeEnv: 'test' });
  if (!loaded.ok) throw new Error(loaded.problems.join('; '));
  return loaded.keyring;
}

/** For tests that use repositories without starting the runtime (which installs the cipher itself). */
export function installTestCipher(): void {
  installFieldCipher(createFieldCipher(testKeyring()));
}

/** A row read with raw SQL, with every encrypted text field decrypted (as the application reads it). */
export function decrypted<T>(row: T): T {
  return decryptRow(row as Record<string, unknown>) as T;
}
