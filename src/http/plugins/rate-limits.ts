import { createHash } from 'node:crypto';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { RedisGuard } from '../../integrations/redis/redis-guard.ts';
import { resilientStore } from './resilient-rate-limit-store.ts';

export interface RateLimitSettings {
  /**
   * Requests per client per window on every route except health and metrics (the WAF's rule: 2000
   * per 5 min). The client is the verified principal once there is one (a Whop user, an operator
   * session), else the ip: behind Whop's iframe proxy every creator arrives from Whop's addresses.
   */
  ipMax: number;
  ipWindowSeconds: number;
  /** The same limit for a verified principal (same window); defaults to ipMax. */
  principalMax?: number | undefined;
  /** Verified webhook deliveries per company per minute. */
  companyWebhooksPerMinute: number;
  /** Failed sign-ins per account (lowercased email) per window, on top of the lockout backoff. */
  loginPerAccountMax: number;
  loginPerAccountWindowSeconds: number;
  /** Shared counters for every instance (falling back to this process's counters while Redis does not answer); absent = in-process counters. */
  redis?: RedisGuard | undefined;
  /**
   * Key prefix inside Redis. The cache's ioredis client already prefixes every key with
   * `churn-saver:`, so the default `rl:` lands at `churn-saver:rl:…`. Tests give each service its own.
   */
  nameSpace?: string | undefined;
}

/** Who the per-client limit counts a request against: a verified principal's key, or null (anonymous: the ip). */
export type PrincipalKey = (request: FastifyRequest) => Promise<string | null>;

/** Allowed, or refused with when to retry (seconds, for Retry-After). */
export type RateLimitVerdict = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export interface RateLimits {
  /** Counts one verified delivery for the company; call it only after the signature checked out. */
  checkCompanyWebhook(request: FastifyRequest, companyId: string | null): Promise<RateLimitVerdict>;
  /** Whether the account may try to sign in (fewer than the limit of failures in the window); counts nothing. */
  checkLogin(request: FastifyRequest, email: string): Promise<RateLimitVerdict>;
  /** Counts one failed sign-in for the account. Successful sign-ins are never counted. */
  countLoginFailure(request: FastifyRequest, email: string): Promise<void>;
}

/**
 * Registers @fastify/rate-limit: per client on every route registered after it (routes opt out
 * with `config: { rateLimit: false }`), on Redis when configured so every instance shares the
 * counters. Over the limit the error handler answers 429 `rate_limited` with Retry-After.
 *
 * The per-company and per-account limits cannot be route options: their key is only known inside
 * the handler (a company is only trustworthy once the signature is verified, else anyone could
 * spend another company's quota with unsigned requests; the email is in the body). They use the
 * plugin's `createRateLimit`, which counts on the same store and returns a verdict instead of
 * throwing. (`app.rateLimit()` would not do: it skips requests the ip hook already counted.)
 */
export async function registerRateLimits(app: FastifyInstance, settings: RateLimitSettings, principalKey?: PrincipalKey): Promise<RateLimits> {
  const nameSpace = settings.nameSpace ?? 'rl:';
  await app.register(rateLimit, {
    global: true,
    max: async (_request, key) => (key.startsWith('p:') ? (settings.principalMax ?? settings.ipMax) : settings.ipMax),
    timeWindow: settings.ipWindowSeconds * 1000,
    // Hashed: the counters live in a shared Redis and need not hold anyone's id; prefixed so a
    // principal's key can never equal an ip's.
    keyGenerator: async (request) => {
      const principal = principalKey ? await principalKey(request) : null;
      return principal ? `p:${digest(principal)}` : request.ip;
    },
    // Redis not answering in time: this process's counters take over (resilient-rate-limit-store.ts).
    ...(settings.redis ? { store: resilientStore(settings.redis, nameSpace) } : {}),
    errorResponseBuilder: (_request, context) => Object.assign(new Error(`too many requests; retry in ${context.after}`), { statusCode: context.statusCode }),
  });

  // The key each limiter counts for a request, set by the caller just before it asks.
  const keys = new WeakMap<FastifyRequest, string>();
  const keyOf = (request: FastifyRequest) => keys.get(request) ?? 'unknown';
  // The store's keys for these carry a fixed "undefinedundefined-" infix (the plugin names child
  // stores after a route, and these have none); the prefixes below keep them apart.
  const companyWebhooks = app.createRateLimit({ max: settings.companyWebhooksPerMinute, timeWindow: 60_000, keyGenerator: keyOf });
  const loginFailures = app.createRateLimit({ max: settings.loginPerAccountMax, timeWindow: settings.loginPerAccountWindowSeconds * 1000, keyGenerator: keyOf });
  const loginKey = (email: string) => `login:${digest(email.trim().toLowerCase())}`;

  return {
    async checkCompanyWebhook(request, companyId) {
      keys.set(request, `company-webhooks:${companyId ?? 'none'}`);
      const verdict = await companyWebhooks(request);
      if (verdict.isAllowed || !verdict.isExceeded) return { allowed: true };
      return { allowed: false, retryAfterSeconds: Math.max(1, verdict.ttlInSeconds) };
    },
    async checkLogin(request, email) {
      keys.set(request, loginKey(email));
      const verdict = await loginFailures(request, { increment: false });
      if (verdict.isAllowed || verdict.remaining > 0) return { allowed: true };
      return { allowed: false, retryAfterSeconds: Math.max(1, verdict.ttlInSeconds) };
    },
    async countLoginFailure(request, email) {
      keys.set(request, loginKey(email));
      await loginFailures(request);
    },
  };
}

function digest(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, 32);
}
