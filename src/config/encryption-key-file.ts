import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { generateEncryptionKey } from '../integrations/crypto/encryption-keys.ts';

/**
 * Development and test only: an ENCRYPTION_KEY kept in DATA_DIR (mode 0600) so the embedded
 * default encrypts from the first start and its data stays readable across restarts. Production
 * never calls this: it refuses to start without ENCRYPTION_KEY.
 */
export function loadOrCreateDevEncryptionKey(dataDir: string): { key: string; created: boolean; path: string } {
  const path = join(resolve(dataDir), 'encryption-key');
  if (existsSync(path)) return { key: readFileSync(path, 'utf8').trim(), created: false, path };
  mkdirSync(resolve(dataDir), { recursive: true });
  const key = generateEncryptionKey();
  writeFileSync(path, `${key}\n`, { mode: 0o600 });
  return { key, created: true, path };
}
