import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * Development only: a webhook secret kept in DATA_DIR so a newcomer can sign test deliveries
 * without configuring anything. Returns the secret and whether it was just created.
 */
export function loadOrCreateDevWebhookSecret(dataDir: string): { secret: string; created: boolean; path: string } {
  const path = join(resolve(dataDir), 'webhook-secret');
  if (existsSync(path)) return { secret: readFileSync(path, 'utf8').trim(), created: false, path };
  mkdirSync(resolve(dataDir), { recursive: true });
  const secret = `ws_${randomBytes(32).toString('hex')}`;
  writeFileSync(path, `${secret}\n`, { mode: 0o600 });
  return { secret, created: true, path };
}
