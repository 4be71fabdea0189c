import { describeConfigProblems, loadConfig, type Config } from '../config/config.ts';
import { keyringFromConfig } from '../config/keyring-from-config.ts';
import { openDatabase, type Database, type OpenDatabaseOptions } from '../db/client.ts';
import { DataDirLockedError } from '../db/data-dir-lock.ts';
import { installFieldCipher } from '../db/encrypted-text.ts';
import { migrate } from '../db/migrate.ts';
import { createFieldCipher } from '../integrations/crypto/field-cipher.ts';
import { resolveLookupHashKey } from '../services/members/resolve-lookup-hash-key.ts';

export interface CliDatabaseOptions {
  /**
   * Install the field cipher (ENCRYPTION_KEY and the stored lookup-hash key) as npm start does, so the
   * tool can read and write personal data. Default true; keys:rotate handles its keys itself.
   */
  personalData?: boolean;
}

/**
 * For command-line tools: validated config (exit 1 naming every problem otherwise) and the
 * configured database, migrated, as `npm start` would open it, with the field cipher installed.
 */
export async function openCliDatabase(env: Record<string, string | undefined> = process.env, options: CliDatabaseOptions = {}): Promise<{ config: Config; database: Database }> {
  const loaded = loadConfig(env);
  if (!loaded.ok) {
    console.error(describeConfigProblems(loaded.problems));
    process.exit(1);
  }
  const database = await openToolDatabase({ databaseUrl: loaded.config.DATABASE_URL, directUrl: loaded.config.DIRECT_URL, dataDir: loaded.config.DATA_DIR });
  try {
    await database.withConnection((sql) => migrate(sql));
    if (options.personalData !== false) {
      installFieldCipher(createFieldCipher(await resolveLookupHashKey(database.sql, keyringFromConfig(loaded.config))));
    }
  } catch (error) {
    await database.close();
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  }
  return { config: loaded.config, database };
}

/** openDatabase for a tool: when the embedded folder is another process's, say whose and exit 1 before touching it. */
export async function openToolDatabase(options: OpenDatabaseOptions): Promise<Database> {
  try {
    return await openDatabase(options);
  } catch (error) {
    if (!(error instanceof DataDirLockedError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
}
