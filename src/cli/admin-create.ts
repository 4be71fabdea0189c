import { parseArgs } from 'node:util';
import { openCliDatabase } from './open-cli-database.ts';
import { createOperator } from '../services/operators/create-operator.ts';

// npm run admin:create -- --email ops@example.com --password '…'   (creates, or resets the password)
const { values } = parseArgs({ options: { email: { type: 'string' }, password: { type: 'string' } } });
const email = values.email ?? process.env.ADMIN_EMAIL;
const password = values.password ?? process.env.ADMIN_PASSWORD;
if (!email || !password) {
  console.error('usage: npm run admin:create -- --email <email> --password <at least 12 characters>');
  process.exit(2);
}
const { database } = await openCliDatabase();
try {
  const result = await createOperator({ db: database.db }, { email, password, updateExisting: true });
  if (!result.ok) {
    console.error(result.message);
    process.exitCode = 1;
  } else console.log(`operator ${result.email}: ${result.outcome.replace('_', ' ')}`);
} finally {
  await database.close();
}
