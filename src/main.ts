import { describeConfigProblems, loadConfig } from './config/config.ts';
import { loadOrCreateDevWebhookSecret } from './config/webhook-secret-file.ts';
import { createLogger } from './observability/logger.ts';
import { flushSentry, initSentry, reportError, secretValues } from './observability/sentry.ts';
import { databaseOptionsOf, openDatabase } from './db/client.ts';
import { holdEmbeddedMemoryLow } from './db/embedded-memory.ts';

// npm start: migrate, serve, work; `--role web|worker` splits them for scale-out.
const roleFlag = process.argv.indexOf('--role');
const env = { ...process.env, ...(roleFlag > 0 ? { ROLE: process.argv[roleFlag + 1] } : {}) };
const loaded = loadConfig(env);
if (!loaded.ok) {
  console.error(describeConfigProblems(loaded.problems));
  process.exit(1);
}
const config = loaded.config;
const logger = createLogger({ level: config.LOG_LEVEL, environment: config.NODE_ENV, version: config.APP_VERSION });

let webhookSecret = config.WEBHOOK_SECRET;
if (!webhookSecret) {
  const generated = loadOrCreateDevWebhookSecret(config.DATA_DIR);
  webhookSecret = generated.secret;
  if (generated.created)
    console.log(`Generated a development WEBHOOK_SECRET (shown once, kept in ${generated.path}):\n  ${generated.secret}`);
}

// Only with SENTRY_DSN; every event is scrubbed of these values (and of emails) before it leaves.
const secrets = secretValues({ ...process.env, ...config, WEBHOOK_SECRET: webhookSecret });
if (await initSentry({ dsn: config.SENTRY_DSN, environment: config.NODE_ENV, release: config.APP_VERSION, secrets }))
  logger.info('errors are reported to Sentry (SENTRY_DSN)');

try {
  // The database opens (PGlite: reading and compiling its WASM, mostly waiting) while the rest of
  // the service's modules load: start-up is mostly these two.
  // Embedded: V8's flags for a small install, before PGlite's WASM compiles (db/embedded-memory.ts).
  const whenUp = !config.DATABASE_URL && config.EMBEDDED_LOW_MEMORY ? holdEmbeddedMemoryLow() : undefined;
  const opening = openDatabase(databaseOptionsOf(config));
  opening.catch(() => {}); // awaited below; a failure must not surface as an unhandled rejection first
  const { startRuntime } = await import('./runtime.ts').catch(async (error: unknown) => {
    await opening.then((database) => database.close(), () => {});
    throw error;
  });
  const runtime = await startRuntime({ config, logger, webhookSecret, database: await opening, ownsDatabase: true });
  whenUp?.();
  const where = config.DATABASE_URL ? 'PostgreSQL' : `embedded PGlite in ${config.DATA_DIR}`;
  if (runtime.url) {
    console.log(`Churn Saver ${config.APP_VERSION} (${config.ROLE}) on ${where}: ${runtime.url}\n  Whop webhook URL: ${runtime.url}/api/webhooks/whop`);
    const { rows } = await runtime.database.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM operators');
    // In production (the image) the demo has no place: name what an operator does there.
    if (rows[0]?.n === 0 && config.NODE_ENV === 'production')
      console.log('  No operator yet: set ADMIN_EMAIL and ADMIN_PASSWORD and restart, or run `npm run admin:create -- --email … --password …`');
    else if (rows[0]?.n === 0)
      console.log('  No operator yet: `npm run demo` seeds a demo company and login, or `npm run admin:create -- --email … --password …`');
  }
  else console.log(`Churn Saver ${config.APP_VERSION} worker running on ${where}`);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      logger.info({ signal }, 'shutting down');
      runtime.stop().then(() => flushSentry()).then(
        () => process.exit(0),
        (error) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
    });
  }
} catch (error) {
  logger.fatal({ err: error }, 'start-up failed');
  reportError(error, { source: 'start-up' });
  await flushSentry();
  // The operator reads this line: it names the variable at fault (never a value).
  console.error(`Start-up failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
