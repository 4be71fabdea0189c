import { z } from 'zod';
import { DEFAULT_WHOP_API_VERSION, WHOP_API_VERSION_PATTERN } from '../integrations/whop/api-version.ts';
import { parseEncryptionKey } from '../integrations/crypto/encryption-keys.ts';
import { parseOperationLimits } from '../domain/rate-budget.ts';

/** Values that look filled in but are the guide's or .env.example's placeholders. */
const PLACEHOLDER = /^(your[-_].*|changeme|change-me|replace[-_]?me|\*+|xxx+|secret|todo)$/i;

/** Never printed in a config problem; the deployment kit keeps each in Secrets Manager (test/unit/infra). */
export const SECRET_NAMES = ['WEBHOOK_SECRET', 'WHOP_API_KEY', 'ENCRYPTION_KEY', 'ENCRYPTION_KEY_PREVIOUS', 'ENCRYPTION_HASH_KEY', 'JWT_SECRET', 'SMTP_PASS', 'ADMIN_PASSWORD', 'DATADOG_API_KEY', 'OPENROUTER_API_KEY'] as const;
/** In production these must be present, and not placeholders. Exported so the deployment kit (infra/) is tested against the same list. */
export const REQUIRED_IN_PRODUCTION = ['DATABASE_URL', 'WEBHOOK_SECRET', 'WHOP_API_KEY', 'ENCRYPTION_KEY', 'JWT_SECRET'] as const;
/** Keys too short to resist guessing. */
const MIN_LENGTH: Partial<Record<(typeof REQUIRED_IN_PRODUCTION)[number], number>> = { JWT_SECRET: 32 };
/** 32-byte AES / HMAC keys: checked for their format wherever they are set (src/integrations/crypto). */
const ENCRYPTION_KEY_NAMES = ['ENCRYPTION_KEY', 'ENCRYPTION_KEY_PREVIOUS', 'ENCRYPTION_HASH_KEY'] as const;

const emptyToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const optionalString = z.preprocess(emptyToUndefined, z.string().optional());
const optionalUrl = z.preprocess(emptyToUndefined, z.url().optional());
/** true/false/1/0, any case; empty = the default. */
const booleanFlag = (fallback: boolean) =>
  z.preprocess((v) => (typeof v === 'string' ? v.trim().toLowerCase() : v), z.enum(['true', 'false', '1', '0', '']).default(fallback ? 'true' : 'false')).transform((v) => (v === '' ? fallback : v === 'true' || v === '1'));

const schema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOSTNAME: z.string().min(1).default('0.0.0.0'),
  DATABASE_URL: z.preprocess(
    emptyToUndefined,
    z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL').optional(),
  ),
  /**
   * Optional second URL to the same database, straight to PostgreSQL, for session work: migrations,
   * the migration advisory lock and pg-boss. Set it when DATABASE_URL points at a pooler (RDS Proxy,
   * PgBouncer in transaction mode); unset = DATABASE_URL does both.
   */
  DIRECT_URL: z.preprocess(
    emptyToUndefined,
    z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL').optional(),
  ),
  DATA_DIR: z.string().min(1).default('./data'),
  /**
   * Embedded only: a small install's memory. PGlite's WASM on V8's baseline compiler alone, and V8's
   * young generation held at its first size until the service is up (~85 MB less after start).
   * false: V8's defaults (PGlite's bulk writes ~1.4x faster; the overview's reads are not).
   */
  EMBEDDED_LOW_MEMORY: booleanFlag(true),
  /** PostgreSQL: cancel a statement running longer than this (ms; 0 = never). The guide sets 30 s. */
  DB_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).default(30_000),
  /** PostgreSQL: close a session idle inside a transaction this long (ms; 0 = never). The guide sets 10 s. */
  DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: z.coerce.number().int().min(0).default(10_000),
  REDIS_URL: z.preprocess(emptyToUndefined, z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL').optional()),
  /** Longest any request waits on one Redis command; past it the cache and rate limits use this process's own state. */
  REDIS_COMMAND_TIMEOUT_MS: z.coerce.number().int().min(10).max(5000).default(100),
  WEBHOOK_SECRET: optionalString,
  WHOP_API_KEY: optionalString,
  WHOP_APP_ID: optionalString,
  WHOP_API_BASE_URL: z.url().default('https://api.whop.com/api/v1'),
  /**
   * Whop API version sent as Api-Version-Date on every call; it also picks the endpoint generation
   * (free days, cancel, uncancel, lists). Pin the webhook to the same version.
   */
  WHOP_API_VERSION: z.preprocess(
    emptyToUndefined,
    z.string().regex(WHOP_API_VERSION_PATTERN, 'must be a Whop API version date, e.g. 2026-09-15').default(DEFAULT_WHOP_API_VERSION),
  ),
  /** Whop's user-token public key as a JWK JSON string; empty = Whop's JWKS (needs the network). */
  WHOP_USER_TOKEN_PUBLIC_KEY: optionalString,
  /** First operator, created at start if missing (never overwrites a changed password). */
  ADMIN_EMAIL: optionalString,
  ADMIN_PASSWORD: optionalString,
  ENCRYPTION_KEY: optionalString,
  /** The key being rotated away from: readable, never written; remove it once keys:rotate finished. */
  ENCRYPTION_KEY_PREVIOUS: optionalString,
  /** Optional stable key for lookup hashes; without it they derive from ENCRYPTION_KEY and keys:rotate re-hashes. */
  ENCRYPTION_HASH_KEY: optionalString,
  JWT_SECRET: optionalString,
  SENTRY_DSN: optionalUrl,
  /** Public base URL of this service, for links in messages (unsubscribe); defaults to http://localhost:PORT. */
  PUBLIC_URL: optionalUrl,
  SMTP_HOST: optionalString,
  SMTP_PORT: z.coerce.number().int().min(1).max(65535).default(587),
  SMTP_USER: optionalString,
  SMTP_PASS: optionalString,
  SMTP_FROM: z.preprocess(emptyToUndefined, z.string().min(3).optional()),
  SMTP_SECURE: booleanFlag(false),
  /** Per client ip, every route but health and metrics: the WAF's rule (2000 per 5 minutes) as a second line. */
  RATE_LIMIT_IP_MAX: z.coerce.number().int().min(1).default(2000),
  /** Requests per signed-in creator (verified Whop user) or operator per window; anonymous traffic counts per ip. */
  RATE_LIMIT_PRINCIPAL_MAX: z.coerce.number().int().min(1).default(2000),
  RATE_LIMIT_IP_WINDOW_SECONDS: z.coerce.number().int().min(1).max(86_400).default(300),
  /** Verified Whop deliveries per company per minute (unsigned ones never count). */
  RATE_LIMIT_COMPANY_WEBHOOKS_PER_MINUTE: z.coerce.number().int().min(1).default(6000),
  /** Operator sign-in attempts per account per window, on top of the lockout backoff. */
  RATE_LIMIT_LOGIN_MAX: z.coerce.number().int().min(1).default(10),
  RATE_LIMIT_LOGIN_WINDOW_SECONDS: z.coerce.number().int().min(1).max(86_400).default(900),
  /** Proxies whose X-Forwarded-For entry is trusted for the client ip: 1 = the ALB, 0 = none (clients connect directly). */
  TRUST_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(1),
  /** Days a raw webhook body is kept before the hourly purge clears it (the row and what it produced stay). */
  RAW_WEBHOOK_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  /**
   * Shared Whop rate budget (every worker, one bucket per operation): calls per window. 600 per
   * minute per operation per app key is the last figure Whop documented (unverified since).
   */
  WHOP_RATE_LIMIT_PER_WINDOW: z.coerce.number().int().min(1).default(600),
  /** Per-operation overrides, `METHOD /path=N,…` with ids as :id, e.g. `POST /notifications=300`. */
  WHOP_RATE_LIMITS: z.preprocess(emptyToUndefined, z.string().optional()),
  WHOP_RATE_WINDOW_SECONDS: z.coerce.number().min(0.5).max(3600).default(60),
  /** Calls of one operation that may go back to back before spacing applies. */
  WHOP_RATE_BURST: z.coerce.number().int().min(1).default(10),
  /** Longest a call waits for its slot before it is deferred (answered as a retryable 429 without calling Whop). */
  WHOP_RATE_MAX_WAIT_MS: z.coerce.number().int().min(0).max(120_000).default(20_000),
  /** Reconciliation with Whop: cron of the scheduled run (runs at worker start too, and from the admin page). */
  RECONCILE_CRON: z.string().min(9).default('*/15 * * * *'),
  RECONCILE_ON_START: booleanFlag(true),
  /** How far back a company never reconciled before is read; also the cap for any company. */
  RECONCILE_LOOKBACK_HOURS: z.coerce.number().min(1).max(24 * 30).default(72),
  /** Each run re-reads this much before the previous run's end, for events Whop stamped late. */
  RECONCILE_OVERLAP_MINUTES: z.coerce.number().min(0).max(24 * 60).default(30),
  /** How often a worker looks for due nudges. */
  NUDGE_INTERVAL_SECONDS: z.coerce.number().min(0.1).max(3600).default(5),
  /** How long a worker's claim on a case lasts: a killed worker's cases wait at most this. Above every provider timeout. */
  NUDGE_LEASE_SECONDS: z.coerce.number().int().min(2).max(3600).default(120),
  /** /api/health's disk check: unhealthy below this many MB free where the service writes (DATA_DIR, the temp folder). */
  HEALTH_DISK_MIN_FREE_MB: z.coerce.number().int().min(0).default(100),
  /** /api/health's external check: how often Whop's API and the SMTP server are probed in the background. */
  HEALTH_EXTERNAL_PROBE_SECONDS: z.coerce.number().int().min(5).max(3600).default(60),
  /** Datadog: read by the agent sidecar and dd-trace (the task definition preloads it when set); the service itself only keeps it out of logs. */
  DATADOG_API_KEY: optionalString,
  /** AI-drafted copy (settings page): off without a key. Any OpenAI-compatible chat-completions endpoint. */
  OPENROUTER_API_KEY: optionalString,
  OPENROUTER_MODEL: z.preprocess(emptyToUndefined, z.string().min(1).max(200).default('openai/gpt-4o-mini')),
  /** Base URL the client appends /chat/completions to. */
  OPENROUTER_BASE_URL: z.preprocess(emptyToUndefined, z.url().default('https://openrouter.ai/api/v1')),
  /** A draft request gives up after this long (the creator gets a clear message, nothing changes). */
  OPENROUTER_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(120).default(20),
  APP_VERSION: z.string().min(1).default('0.1.0'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** web: HTTP only; worker: queue and sweeps only; all: both in one process (npm start). */
  ROLE: z.enum(['all', 'web', 'worker']).default('all'),
});

export type Config = z.infer<typeof schema>;
/** Every variable the service reads, for the deployment kit's completeness test (test/unit/infra). */
export const CONFIG_VARIABLES = Object.keys(schema.shape) as (keyof Config)[];
export type ConfigResult = { ok: true; config: Config } | { ok: false; problems: string[] };

/**
 * Pure: validates an environment and lists every problem at once, naming each variable.
 * Secret values never appear in the problems.
 */
export function loadConfig(env: Record<string, string | undefined>): ConfigResult {
  // An empty variable is an unset one, for every setting: a task definition template filled by
  // envsubst, or a Terraform variable left empty, writes "" for what the operator did not set.
  const parsed = schema.safeParse(Object.fromEntries(Object.entries(env).filter(([, value]) => value === undefined || value.trim() !== '')));
  const problems: string[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const name = issue.path.join('.');
      const isSecret = (SECRET_NAMES as readonly string[]).includes(name);
      problems.push(`${name}: ${isSecret ? 'invalid value' : issue.message}`);
    }
    return { ok: false, problems };
  }
  const config = parsed.data;
  if (config.NODE_ENV === 'production') {
    for (const name of REQUIRED_IN_PRODUCTION) {
      const value = config[name];
      if (value === undefined) problems.push(`${name}: required in production`);
      else if (PLACEHOLDER.test(value.trim())) problems.push(`${name}: is a placeholder, set a real value`);
      else if (MIN_LENGTH[name] !== undefined && value.length < MIN_LENGTH[name])
        problems.push(`${name}: must be at least ${MIN_LENGTH[name]} characters`);
    }
  }
  for (const name of ENCRYPTION_KEY_NAMES) {
    const value = config[name];
    if (value === undefined || PLACEHOLDER.test(value.trim())) continue;
    const parsed = parseEncryptionKey(value, name);
    if (!parsed.ok) problems.push(parsed.problem);
  }
  if (config.WHOP_RATE_LIMITS !== undefined) {
    const limits = parseOperationLimits(config.WHOP_RATE_LIMITS);
    if (!limits.ok) problems.push(`WHOP_RATE_LIMITS: ${limits.problem}`);
  }
  if (config.SMTP_HOST && !config.SMTP_FROM) problems.push('SMTP_FROM: required when SMTP_HOST is set (the sender address)');
  if (config.DIRECT_URL && !config.DATABASE_URL) problems.push('DIRECT_URL: needs DATABASE_URL too (it only takes the session work off DATABASE_URL)');
  return problems.length > 0 ? { ok: false, problems } : { ok: true, config };
}

/** One line an operator can act on, naming every variable at fault. */
export function describeConfigProblems(problems: string[]): string {
  return `Configuration invalid (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n  - ${problems.join('\n  - ')}`;
}
