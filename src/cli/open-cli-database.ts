import { describeConfigProblems, loadConfig, type Config } from '../config/config.ts';
import { openDatabase, type Database } from '../db/client.ts';
import { migrate } from '../db/migrate.ts';

/**
 * For command-line tools: validated config (exit 1 naming every problem otherwise) and the
 * configured database, migrated, as `npm start` would open it.
 */
export async function openCliDatabase(env: Record<string, string | undefined> = process.env): Promise<{ config: Config; database: Database }> {
  const loaded = loadConfig(env);
  if (!loaded.ok) {
    console.error(describeConfigProblems(loaded.problems));
    process.exit(1);
  }
  const database = await openDatabase({ databaseUrl: loaded.config.DATABASE_URL, directUrl: loaded.config.DIRECT_URL, dataDir: loaded.config.DATA_DIR });
  await database.withConnection((sql) => migrate(sql));
  return { config: loaded.config, database };
}
