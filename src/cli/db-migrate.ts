import { describeConfigProblems, loadConfig } from '../config/config.ts';
import { openToolDatabase } from './open-cli-database.ts';
import { migrate } from '../db/migrate.ts';

// npm run db:migrate — the same migrations npm start applies, for deploy pipelines.
const loaded = loadConfig(process.env);
if (!loaded.ok) {
  console.error(describeConfigProblems(loaded.problems));
  process.exit(1);
}
const database = await openToolDatabase({ databaseUrl: loaded.config.DATABASE_URL, directUrl: loaded.config.DIRECT_URL, dataDir: loaded.config.DATA_DIR });
try {
  const result = await database.withConnection((sql) => migrate(sql));
  console.log(result.applied.length > 0 ? `applied: ${result.applied.join(', ')}` : `up to date (${result.alreadyApplied} migrations)`);
} catch (error) {
  console.error(`migration failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  await database.close();
}
