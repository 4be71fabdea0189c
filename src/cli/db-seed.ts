import { companyExists, ensureCompany, findOrCreateCurrentSettings } from '../db/repositories/companies.repository.ts';
import { createOperator } from '../services/operators/create-operator.ts';
import { DEMO_COMPANY_ID, DEMO_COMPANY_TITLE } from './demo-story.ts';
import { openCliDatabase } from './open-cli-database.ts';

// npm run db:seed — the deployment guide's "seed initial data": the demo company biz_demo with its
// default outreach settings (no cases: `npm run demo` tells its story), and the operator from
// ADMIN_EMAIL / ADMIN_PASSWORD when both are set. Idempotent: a second run changes nothing, and an
// operator's changed password is never overwritten (admin:create resets it).
const args = process.argv.slice(2);
if (args.length > 0) {
  console.error(`unknown argument ${args.join(' ')} (usage: npm run db:seed; the operator comes from ADMIN_EMAIL / ADMIN_PASSWORD)`);
  process.exit(2);
}
const { config, database } = await openCliDatabase();
try {
  const existed = await companyExists(database.db, DEMO_COMPANY_ID);
  await database.db.transaction(async (tx) => {
    await ensureCompany(tx, DEMO_COMPANY_ID, DEMO_COMPANY_TITLE);
    await findOrCreateCurrentSettings(tx, DEMO_COMPANY_ID);
  });
  console.log(`company ${DEMO_COMPANY_ID} "${DEMO_COMPANY_TITLE}": ${existed ? 'already there' : 'created with default settings'}`);
  if (config.ADMIN_EMAIL && config.ADMIN_PASSWORD) {
    const operator = await createOperator({ db: database.db }, { email: config.ADMIN_EMAIL, password: config.ADMIN_PASSWORD, updateExisting: false });
    if (!operator.ok) {
      console.error(`ADMIN_EMAIL / ADMIN_PASSWORD: ${operator.message}`);
      process.exitCode = 1;
    } else console.log(`operator ${operator.email}: ${operator.outcome === 'created' ? 'created' : 'already there (password left as is)'}`);
  } else console.log('operator: skipped (set ADMIN_EMAIL and ADMIN_PASSWORD, or run npm run admin:create)');
} catch (error) {
  console.error(`seed failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  await database.close();
}
