import { parseArgs } from 'node:util';
import { describeConfigProblems, loadConfig } from '../config/config.ts';
import { openDatabase } from '../db/client.ts';
import { migrate } from '../db/migrate.ts';
import { createOperator } from '../services/create-operator.ts';

// npm run admin:create -- --email ops@example.com --password '…'   (creates, or resets the password)
const { values } = parseArgs({ options: { email: { type: 'string' }, password: { type: 'string' } } });
const email = values.email ?? process.env.ADMIN_EMAIL;
const password = values.password ?? process.env.ADMIN_PASSWORD;
if (!email || !password) {
  console.error('usage: npm run admin:create -- --email <email> --password <at least 12 characters>');
  process.exit(2);
}
const loaded = loadConfig(process.env);
if (!loaded.ok) {
  console.error(describeConfigProblems(loaded.problems));
  process.exit(1);
}
const database = await openDatabase({ databaseUrl: loaded.config.DATABASE_URL, dataDir: loaded.config.DATA_DIR });
try {
  await database.withConnection((sql) => migrate(sql));
  const result = await createOperator({ db: database.db }, { email, password, updateExisting: true });
  if (!result.ok) {
    console.error(result.message);
    process.exitCode = 1;
  } else console.log(`operator ${result.email}: ${result.outcome.replace('_', ' ')}`);
} finally {
  await database.close();
}
