import { loadOrCreateDevWebhookSecret } from '../config/webhook-secret-file.ts';
import { formatAmount } from '../domain/money.ts';
import { parseDemoArgs } from './demo-args.ts';
import { seedDemo, type DemoSummary } from './demo-seed.ts';
import { openCliDatabase } from './open-cli-database.ts';

// npm run demo [-- --reset] — seeds the demo company biz_demo ("Northwind Trading Club") into the
// database npm start uses (embedded PGlite in DATA_DIR unless DATABASE_URL is set), through the real
// webhook intake, processing and outbox nudges under a clock that walks the last 90 days.
// Run it while the service is stopped. A second run changes nothing; --reset seeds biz_demo afresh.
const args = parseDemoArgs(process.argv.slice(2));
if (args.kind === 'help') {
  console.log(args.text);
  process.exit(0);
}
if (args.kind === 'error') {
  console.error(args.message);
  process.exit(1);
}
const { reset, members } = args;

// The configured database, migrated, as npm start opens it (exits naming every config problem).
const { config, database } = await openCliDatabase();
const where = config.DATABASE_URL ? 'PostgreSQL (DATABASE_URL)' : `embedded PGlite in ${config.DATA_DIR}`;
// Unsubscribe links in the outbox messages are signed as npm start signs them, so they work there.
const signingKey = config.JWT_SECRET ?? config.WEBHOOK_SECRET ?? loadOrCreateDevWebhookSecret(config.DATA_DIR).secret;
const baseUrl = `http://localhost:${config.PORT}`;

try {
  console.log(`Demo company biz_demo on ${where}${reset ? ' (--reset: deleting it first)' : ''} …`);
  const summary = await seedDemo(database, { reset, members, links: { publicUrl: config.PUBLIC_URL ?? baseUrl, signingKey }, rawWebhookRetentionDays: config.RAW_WEBHOOK_RETENTION_DAYS, log: (line) => console.log(line) });
  console.log(describe(summary, baseUrl));
} catch (error) {
  console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  await database.close();
}

function describe(s: DemoSummary, base: string): string {
  const n = (v: number) => v.toLocaleString('en-US');
  const money = Object.entries(s.recoveredCents)
    .map(([currency, cents]) => formatAmount(cents, currency))
    .join(' + ');
  const deliveries = Object.entries(s.deliveries)
    .map(([status, count]) => `${status} ${n(count)}`)
    .join(', ');
  const head =
    s.outcome === 'seeded'
      ? `Seeded ${s.companyId} "${s.title}" in ${s.seconds.toFixed(1)} s:`
      : `${s.companyId} "${s.title}" is already seeded (npm run demo -- --reset seeds it afresh):`;
  return [
    head,
    `  recovered            ${n(s.cases.recovered).padStart(5)}   ${money} won back`,
    `  closed_no_recovery   ${n(s.cases.closed_no_recovery).padStart(5)}`,
    `  open                 ${n(s.cases.open).padStart(5)}`,
    `  total                ${n(s.cases.total).padStart(5)} cases from ${n(s.webhooks)} webhooks; ${n(s.nudges)} nudges (deliveries: ${deliveries})`,
    '',
    `Dashboard:  ${base}/dashboard/${s.companyId}`,
    `Log in at   ${base}/login  with  ${s.operator.email} / ${s.operator.password}`,
    '',
    'Start the service with npm start',
  ].join('\n');
}
