import { describeConfigProblems, loadConfig } from '../config/config.ts';
import { openToolDatabase } from './open-cli-database.ts';
import { verifyDatabase } from '../db/verify-schema.ts';

// npm run db:verify — after db:migrate in a deploy: does the live schema match what migrations/
// produce (applied to a scratch in-memory PGlite), are the applied migrations the files we ship
// (checksums), are the schemas and server features the code needs there? Read-only.
// Exit 0 with a summary; exit 1 printing every difference.
const loaded = loadConfig(process.env);
if (!loaded.ok) {
  console.error(describeConfigProblems(loaded.problems));
  process.exit(1);
}
const { config } = loaded;
// Not migrated on open: verifying must not change what it verifies.
const database = await openToolDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR, maxConnections: 2 });
try {
  const report = await verifyDatabase(database.sql, { kind: database.kind });
  for (const line of report.summary) console.log(`  ok    ${line}`);
  for (const line of report.warnings) console.log(`  warn  ${line}`);
  for (const line of report.problems) console.error(`  FAIL  ${line}`);
  if (report.problems.length > 0) {
    console.error(`db:verify: ${report.problems.length} problem${report.problems.length === 1 ? '' : 's'}`);
    process.exitCode = 1;
  } else console.log('db:verify: the database matches the migrations');
} catch (error) {
  console.error(`db:verify failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  await database.close();
}
