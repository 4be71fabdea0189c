import type { Breadcrumb, Event } from '@sentry/node';

/**
 * Error reporting to Sentry, only when SENTRY_DSN is set: without it the SDK is never loaded and
 * reportError does nothing. Every event and breadcrumb passes scrubEvent/scrubBreadcrumb first, so
 * secrets, signatures, tokens, request bodies and member emails never leave the process.
 */

/** Variables whose values are searched for and replaced in every string an event carries. */
export const SECRET_VARIABLES = [
  'WEBHOOK_SECRET',
  'WHOP_API_KEY',
  'JWT_SECRET',
  'ENCRYPTION_KEY',
  'ENCRYPTION_KEY_PREVIOUS',
  'ENCRYPTION_HASH_KEY',
  'ADMIN_PASSWORD',
  'SMTP_PASS',
] as const;
/** URLs whose password part is a secret. */
const URL_VARIABLES = ['DATABASE_URL', 'REDIS_URL'] as const;
/** Shorter values would match ordinary words; key-name rules still cover fields holding them. */
const MIN_SECRET_LENGTH = 6;

const REDACTED = '[redacted]';
/** Header, cookie and field names whose values are credentials, whatever the value looks like. */
const SECRET_KEY = /authorization|cookie|token|secret|signature|csrf|password|passwd|api[-_]?key|session|^pass$|^dsn$/i;
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
const CREDENTIALS_IN_URL = /(\b[a-z][a-z0-9+.-]*:\/\/[^:/?#\s@]*):[^@/\s]*@/gi;
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/g;
/** drizzle's "Failed query: …\nparams: a,b": the parameters are row values (member data). */
const QUERY_PARAMS = /\nparams: [\s\S]*?(?=\n {4}at |$)/g;

/** The secret values to scrub, from config or env: the variables above and URL passwords (raw and decoded). */
export function secretValues(source: Record<string, unknown>): string[] {
  const values = new Set<string>();
  for (const name of SECRET_VARIABLES) {
    const value = source[name];
    if (typeof value === 'string' && value.trim().length >= MIN_SECRET_LENGTH) values.add(value.trim());
  }
  for (const name of URL_VARIABLES) {
    const value = source[name];
    if (typeof value !== 'string') continue;
    try {
      const password = new URL(value).password;
      if (password.length >= MIN_SECRET_LENGTH) {
        values.add(password);
        values.add(decodeURIComponent(password));
      }
    } catch {
      // Not a URL: config validation reports it; nothing to extract here.
    }
  }
  // Longest first, so a secret containing another is replaced whole.
  return [...values].sort((a, b) => b.length - a.length);
}

/** One string with secrets, credentials in URLs, bearer tokens, query parameters and emails replaced. */
export function scrubText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  return out
    .replace(CREDENTIALS_IN_URL, `$1:${REDACTED}@`)
    .replace(BEARER, `$1 ${REDACTED}`)
    .replace(QUERY_PARAMS, `\nparams: ${REDACTED}`)
    .replace(EMAIL, '[email]');
}

function scrubValue(value: unknown, secrets: readonly string[], depth: number): unknown {
  if (typeof value === 'string') return scrubText(value, secrets);
  if (value === null || typeof value !== 'object' || depth > 12) return value;
  if (Array.isArray(value)) return value.map((v) => scrubValue(v, secrets, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    out[key] = SECRET_KEY.test(key) && field !== null && field !== undefined ? REDACTED : scrubValue(field, secrets, depth + 1);
  }
  return out;
}

/** Strips the query string: it can carry unsubscribe tokens and emails. */
function withoutQuery(url: string): string {
  const at = url.indexOf('?');
  return at < 0 ? url : url.slice(0, at);
}

/**
 * Pure: the event as it may leave the process. Request bodies, cookies and query strings are
 * dropped; credential headers and fields are redacted by name; every string anywhere (messages,
 * exception values, stack variables, extras, breadcrumbs) loses known secret values, URL
 * passwords, bearer tokens, query parameters and email addresses ([email]). The user keeps only
 * its id.
 */
export function scrubEvent<T extends Event>(event: T, secrets: readonly string[]): T {
  const copy = { ...event };
  if (copy.request) {
    const { data: _data, cookies: _cookies, query_string: _query, ...request } = copy.request;
    copy.request = { ...request, ...(request.url ? { url: withoutQuery(request.url) } : {}) };
  }
  if (copy.user) copy.user = copy.user.id === undefined ? {} : { id: copy.user.id };
  return scrubValue(copy, secrets, 0) as T;
}

/** Pure: a breadcrumb with the same treatment (URLs lose their query string). */
export function scrubBreadcrumb(breadcrumb: Breadcrumb, secrets: readonly string[]): Breadcrumb {
  const copy = { ...breadcrumb };
  if (copy.data && typeof copy.data.url === 'string') copy.data = { ...copy.data, url: withoutQuery(copy.data.url) };
  return scrubValue(copy, secrets, 0) as Breadcrumb;
}

export interface SentryOptions {
  dsn: string | undefined;
  /** NODE_ENV. */
  environment: string;
  /** APP_VERSION. */
  release: string;
  /** From secretValues(). */
  secrets: readonly string[];
}

type SentrySdk = typeof import('@sentry/node');
let sdk: SentrySdk | undefined;

/** Starts the SDK when a DSN is given; returns whether it did. Without a DSN nothing is loaded. */
export async function initSentry(options: SentryOptions): Promise<boolean> {
  if (!options.dsn) return false;
  sdk = await import('@sentry/node');
  const { secrets } = options;
  sdk.init({
    dsn: options.dsn,
    environment: options.environment,
    release: options.release,
    // Collect little to begin with; beforeSend is the guarantee for whatever still gets in.
    dataCollection: {
      userInfo: false,
      cookies: false,
      httpBodies: [],
      urlQueryParams: false,
      databaseQueryData: false,
      stackFrameVariables: false,
    },
    // Errors only (no tracesSampleRate): tracing belongs to the APM (Datadog) when an operator wants it.
    // The HTTP error handler reports 5xx itself, with the route and request id; the SDK's own
    // Fastify capture would send the same error first without them (and dedupe would drop ours).
    integrations: (defaults) => defaults.filter((integration) => integration.name !== 'Fastify'),
    beforeSend: (event) => scrubEvent(event, secrets),
    beforeBreadcrumb: (breadcrumb) => scrubBreadcrumb(breadcrumb, secrets),
  });
  return true;
}

export interface ErrorContext {
  /** Where it failed: http, worker, nudges, queue, start-up. */
  source: string;
  /** Low-cardinality labels (route, queue). */
  tags?: Record<string, string>;
  /** Ids that help find the log lines (request id, event id). Scrubbed like everything else. */
  extra?: Record<string, unknown>;
}

/** Sends an unexpected error to Sentry when it is on; a no-op otherwise. Never throws. */
export function reportError(error: unknown, context: ErrorContext): void {
  if (!sdk) return;
  try {
    sdk.captureException(error, { tags: { source: context.source, ...context.tags }, extra: context.extra });
  } catch {
    // Reporting must never turn one failure into two.
  }
}

/** Waits up to `timeoutMs` for queued events to be sent (before exit). */
export async function flushSentry(timeoutMs = 2000): Promise<void> {
  if (sdk) await sdk.flush(timeoutMs).catch(() => false);
}
