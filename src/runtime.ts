import type { FastifyInstance } from 'fastify';
import { createChatCompletionsClient } from './integrations/ai/chat-completions-client.ts';
import type { Logger } from 'pino';
import type { PgBoss } from 'pg-boss';
import type { Config } from './config/config.ts';
import { databaseOptionsOf, openDatabase, type Database } from './db/client.ts';
import { migrate } from './db/migrate.ts';
import { buildApp } from './http/app.ts';
import { createCache, type Cache } from './integrations/redis/cache.ts';
import { createMetrics, type Metrics } from './observability/metrics.ts';
import { reportError } from './observability/sentry.ts';
import { systemClock, type Clock } from './integrations/clock.ts';
import { startQueue } from './worker/queue.ts';
import { startWorker } from './worker/worker.ts';
import { startNudgeLoop } from './worker/nudge-loop.ts';
import { endpointGenerationOf } from './integrations/whop/api-version.ts';
import { budgetScope, createRateBudget } from './integrations/whop/rate-budget/rate-budget.ts';
import { createBudgetedFetch } from './integrations/whop/rate-budget/budgeted-fetch.ts';
import { parseOperationLimits } from './domain/rate-budget.ts';
import type { NudgeDeps } from './services/nudges/send-nudge.ts';
import { createSettingsVersions } from './services/settings/settings-versions.ts';
import { createUserTokenVerifier } from './integrations/whop/user-token-verifier.ts';
import { createOperator } from './services/operators/create-operator.ts';
import { keyringFromConfig } from './config/keyring-from-config.ts';
import { installFieldCipher } from './db/encrypted-text.ts';
import { createFieldCipher } from './integrations/crypto/field-cipher.ts';
import type { Keyring } from './integrations/crypto/encryption-keys.ts';
import { censusStoredKeys, describeUnreadableKeys } from './ops/check-stored-keys.ts';
import { resolveLookupHashKey } from './services/members/resolve-lookup-hash-key.ts';
import { tmpdir } from 'node:os';
import { createExternalProbe, smtpTarget, whopApiTarget, type ExternalProbe } from './services/operators/probe-external.ts';

export interface RuntimeOptions {
  config: Config;
  logger: Logger;
  webhookSecret: string;
  clock?: Clock;
  /** Reuse an open database (tests; main.ts opens it while this module loads); otherwise opened from config. */
  database?: Database;
  /** Whether stop() closes `database` (default: only when opened here). */
  ownsDatabase?: boolean;
  /** The encryption keys; otherwise from ENCRYPTION_KEY (a development key file in DATA_DIR outside production). */
  keyring?: Keyring;
  /** Prefix of the rate-limit counters in Redis; tests give each service its own so files and runs do not share counts. */
  rateLimitNamespace?: string;
}

export interface Runtime {
  database: Database;
  boss: PgBoss;
  cache: Cache;
  metrics: Metrics;
  app?: FastifyInstance;
  /** http://host:port when the web role listens. */
  url?: string;
  /** Drains in-flight requests and jobs, then closes connections. Idempotent. */
  stop(): Promise<void>;
}

/** Composes the service for one role: migrate, queue, worker, HTTP. npm start and the tests share it. */
export async function startRuntime(options: RuntimeOptions): Promise<Runtime> {
  const { config, logger } = options;
  const clock = options.clock ?? systemClock;
  const ownsDatabase = options.ownsDatabase ?? !options.database;
  const database = options.database ?? (await openDatabase(databaseOptionsOf(config)));
  const keyring = options.keyring ?? keyringFromConfig(config);
  const migrated = await database.withConnection((sql) => migrate(sql));
  if (migrated.applied.length > 0) logger.info({ applied: migrated.applied }, 'database migrated');
  // A wrong ENCRYPTION_KEY would otherwise surface later as failed jobs and dashboard errors.
  const unreadable = describeUnreadableKeys(await censusStoredKeys(database.sql, keyring, { sample: 200 }), keyring);
  if (unreadable !== null) {
    if (ownsDatabase) await database.close();
    throw new Error(unreadable);
  }
  // Lookup hashes use the service's stored hash key (or ENCRYPTION_HASH_KEY): unchanged by rotations.
  installFieldCipher(createFieldCipher(await resolveLookupHashKey(database.sql, keyring)));
  logger.info({ keyId: keyring.current.keyId, rotating: keyring.previous !== null }, 'encryption keys loaded');
  if (config.ADMIN_EMAIL && config.ADMIN_PASSWORD) {
    const created = await createOperator({ db: database.db }, { email: config.ADMIN_EMAIL, password: config.ADMIN_PASSWORD, updateExisting: false });
    if (!created.ok) logger.warn({ problem: created.message }, 'ADMIN_EMAIL / ADMIN_PASSWORD not used');
    else if (created.outcome === 'created') logger.info({ operator: created.email }, 'first operator created from ADMIN_EMAIL');
  }

  const role = config.ROLE;
  const runsWorker = role === 'all' || role === 'worker';
  const runsWeb = role === 'all' || role === 'web';
  const boss = await startQueue(database, { role: runsWorker ? 'worker' : 'web' });
  boss.on('error', (error) => {
    logger.error({ err: error }, 'queue error');
    reportError(error, { source: 'queue' });
  });
  const cache = createCache(config.REDIS_URL, { commandTimeoutMs: config.REDIS_COMMAND_TIMEOUT_MS });
  const metrics = createMetrics();

  // Links in messages are signed with JWT_SECRET; in development the webhook secret stands in.
  const linkSigningKey = config.JWT_SECRET ?? options.webhookSecret;
  // Every Whop call of this process (gateway and reconciliation reads) passes the fleet's one budget.
  const whopBudget = createRateBudget({
    redisUrl: config.REDIS_URL,
    sql: database.sql,
    defaultLimit: config.WHOP_RATE_LIMIT_PER_WINDOW,
    limits: config.WHOP_RATE_LIMITS ? (parseOperationLimits(config.WHOP_RATE_LIMITS) as { limits: Map<string, number> }).limits : undefined,
    windowMs: config.WHOP_RATE_WINDOW_SECONDS * 1000,
    burst: config.WHOP_RATE_BURST,
    scope: budgetScope(config.WHOP_API_KEY ?? '', config.WHOP_API_BASE_URL),
    metrics,
  });
  await whopBudget.ready();
  const callTimeoutMs = 10_000;
  const whopFetch = createBudgetedFetch(whopBudget, { maxWaitMs: config.WHOP_RATE_MAX_WAIT_MS, callTimeoutMs, metrics });
  const whopOptions = config.WHOP_API_KEY
    ? { apiKey: config.WHOP_API_KEY, baseURL: config.WHOP_API_BASE_URL, appID: config.WHOP_APP_ID, apiVersion: config.WHOP_API_VERSION, fetch: whopFetch, timeoutMs: config.WHOP_RATE_MAX_WAIT_MS + callTimeoutMs }
    : null;
  // The Whop SDK and nodemailer are loaded only when configured: a start without them skips ~150 modules.
  const whopGateway = whopOptions ? (await import('./integrations/whop/whop-gateway.ts')).createWhopGateway(whopOptions) : null;
  const emailSender = config.SMTP_HOST
    ? (await import('./integrations/email/email-sender.ts')).createEmailSender({ host: config.SMTP_HOST, port: config.SMTP_PORT, user: config.SMTP_USER, pass: config.SMTP_PASS, from: config.SMTP_FROM!, secure: config.SMTP_SECURE })
    : null;
  const nudge: NudgeDeps = {
    db: database.db,
    clock,
    whop: whopGateway,
    email: emailSender,
    links: { publicUrl: config.PUBLIC_URL ?? `http://localhost:${config.PORT}`, signingKey: linkSigningKey },
    settings: createSettingsVersions(database.db),
    metrics,
    leaseMs: config.NUDGE_LEASE_SECONDS * 1000,
  };
  // The pinned version decides which endpoint shapes we call and which payload shapes webhooks carry.
  logger.info({ whopApiVersion: config.WHOP_API_VERSION, endpoints: endpointGenerationOf(config.WHOP_API_VERSION), whopApi: nudge.whop ? 'configured' : 'off' }, 'whop api version pinned');
  let nudges: ReturnType<typeof startNudgeLoop> | undefined;
  if (runsWorker) {
    const createReferenceResolver = nudge.whop ? (await import('./services/webhooks/resolve-webhook-references.ts')).createReferenceResolver : null;
    const createWhopListReader = whopOptions ? (await import('./integrations/whop/whop-lists.ts')).createWhopListReader : null;
    await startWorker({
      db: database.db,
      boss,
      clock,
      logger,
      metrics,
      rawWebhookRetentionDays: config.RAW_WEBHOOK_RETENTION_DAYS,
      // Without WHOP_API_KEY nothing can be looked up: no resolver, so processing reads no body twice.
      ...(nudge.whop && createReferenceResolver ? { resolveReferences: createReferenceResolver(nudge.whop, { clock }) } : {}),
      ...(nudge.email ? { digest: { email: nudge.email, publicUrl: nudge.links.publicUrl } } : {}),
      ...(whopOptions && createWhopListReader
        ? {
            reconcile: {
              reader: createWhopListReader(whopOptions),
              options: { lookbackMs: config.RECONCILE_LOOKBACK_HOURS * 3_600_000, overlapMs: config.RECONCILE_OVERLAP_MINUTES * 60_000 },
              cron: config.RECONCILE_CRON,
              onStart: config.RECONCILE_ON_START,
            },
          }
        : {}),
    });
    nudges = startNudgeLoop(nudge, { intervalMs: config.NUDGE_INTERVAL_SECONDS * 1000, logger });
  }

  let app: FastifyInstance | undefined;
  let url: string | undefined;
  let externalProbe: ExternalProbe | undefined;
  if (runsWeb) {
    // What /api/health reports as `external`: probed in the background, never per health request.
    externalProbe = createExternalProbe(
      [
        ...(config.WHOP_API_KEY ? [whopApiTarget(config.WHOP_API_BASE_URL)] : []),
        ...(config.SMTP_HOST ? [smtpTarget({ host: config.SMTP_HOST, port: config.SMTP_PORT, secure: config.SMTP_SECURE, user: config.SMTP_USER, pass: config.SMTP_PASS })] : []),
      ],
      { intervalMs: config.HEALTH_EXTERNAL_PROBE_SECONDS * 1000 },
    );
    const verifyCreatorToken = createUserTokenVerifier({ appId: config.WHOP_APP_ID, publicKey: config.WHOP_USER_TOKEN_PUBLIC_KEY, apiKey: config.WHOP_API_KEY });
    // Admin access is checked with Whop on each new (company, user) pair and cached for a minute.
    const isCompanyAdmin = async (companyId: string, userId: string) => {
      const key = `access:${companyId}:${userId}`;
      const cached = await cache.get(key).catch(() => null);
      if (cached !== null) return cached === 'admin';
      if (!nudge.whop) return false;
      const access = await nudge.whop.checkAccess(companyId, userId);
      if (!access.ok) return false;
      await cache.set(key, access.value, 60).catch(() => {});
      return access.value === 'admin';
    };
    app = await buildApp({
      database, boss, cache, logger, metrics, clock, nudge, verifyCreatorToken, isCompanyAdmin,
      webhookSecret: options.webhookSecret,
      linkSigningKey,
      sessionSecret: config.JWT_SECRET ?? options.webhookSecret,
      secureCookies: config.NODE_ENV === 'production',
      publicUrl: nudge.links.publicUrl,
      version: config.APP_VERSION,
      trustProxyHops: config.TRUST_PROXY_HOPS,
      ai: config.OPENROUTER_API_KEY
        ? createChatCompletionsClient({ apiKey: config.OPENROUTER_API_KEY, baseUrl: config.OPENROUTER_BASE_URL, model: config.OPENROUTER_MODEL, timeoutSeconds: config.OPENROUTER_TIMEOUT_SECONDS })
        : null,
      health: {
        external: externalProbe.check,
        disk: { paths: [config.DATA_DIR, tmpdir()], minFreeMb: config.HEALTH_DISK_MIN_FREE_MB },
      },
      rateLimits: {
        ipMax: config.RATE_LIMIT_IP_MAX,
        ipWindowSeconds: config.RATE_LIMIT_IP_WINDOW_SECONDS,
        principalMax: config.RATE_LIMIT_PRINCIPAL_MAX,
        companyWebhooksPerMinute: config.RATE_LIMIT_COMPANY_WEBHOOKS_PER_MINUTE,
        loginPerAccountMax: config.RATE_LIMIT_LOGIN_MAX,
        loginPerAccountWindowSeconds: config.RATE_LIMIT_LOGIN_WINDOW_SECONDS,
        redis: cache.guard,
        nameSpace: options.rateLimitNamespace,
      },
    });
    const address = await app.listen({ port: config.PORT, host: config.HOSTNAME });
    url = address.replace('0.0.0.0', 'localhost').replace('[::]', 'localhost');
    externalProbe.start();
  }

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      // Stop taking requests first (in-flight ones finish), then let running jobs finish.
      externalProbe?.stop();
      await app?.close();
      await nudges?.stop();
      await boss.stop({ graceful: true, timeout: 20_000, close: true });
      nudge.email?.close();
      await whopBudget.close();
      await cache.close();
      if (ownsDatabase) await database.close();
    })());

  return { database, boss, cache, metrics, app, url, stop };
}
