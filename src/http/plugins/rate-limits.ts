import { createHash } from 'node:crypto';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';

export interface RateLimitSettings {
  /** Requests per client ip per window on every route except health and metrics (the WAF's rule: 2000 per 5 min). */
  ipMax: number;
  ipWindowSeconds: number;
  /** Verified webhook deliveries per company per minute. */
  companyWebhooksPerMinute: number;
  /** Sign-in attempts per account (lowercased email) per window, on top of the lockout backoff. */
  loginPerAccountMax: number;
  loginPerAccountWindowSeconds: number;
  /** Shared counters for every instance; absent = in-process counters (one instance, development). */
  redis?: Redis | undefined;
  /**
   * Key prefix inside Redis. The cache's ioredis client already prefixes every key with
   * `churn-saver:`, so the default `rl:` lands at `churn-saver:rl:…`. Tests give each service its own.
   */
  nameSpace?: string | undefined;
}

/** Allowed, or refused with when to retry (seconds, for Retry-After). */
export type RateLimitVerdict = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export interface RateLimits {
  /** Counts one verified delivery for the company; call it only after the signature checked out. */
  checkCompanyWebhook(request: FastifyRequest, companyId: string | null): Promise<RateLimitVerdict>;
  /** Counts one sign-in attempt for the account. */
  checkLogin(request: FastifyRequest, email: string): Promise<RateLimitVerdict>;
}

/**
 * Registers @fastify/rate-limit: per client ip on every route registered after it (routes opt out
 * with `config: { rateLimit: false }`), on Redis when configured so every instance shares the
 * counters. Over the limit the error handler answers 429 `rate_limited` with Retry-After.
 *
 * The per-company and per-account limits cannot be route options: their key is only known inside
 * the handler (a company is only trustworthy once the signature is verified, else anyone could
 * spend another company's quota with unsigned requests; the email is in the body). They use the
 * plugin's `createRateLimit`, which counts on the same store and returns a verdict instead of
 * throwing. (`app.rateLimit()` would not do: it skips requests the ip hook already counted.)
 */
export async function registerRateLimits(app: FastifyInstance, settings: RateLimitSettings): Promise<RateLimits> {
  await app.register(rateLimit, {
    global: true,
    max: settings.ipMax,
    timeWindow: settings.ipWindowSeconds * 1000,
    ...(settings.redis ? { redis: settings.redis, nameSpace: settings.nameSpace ?? 'rl:' } : {}),
    // Redis down must not take the API down with it: counting pauses (the WAF still bounds), the
    // lockout backoff in the database still protects sign-in.
    skipOnError: true,
    errorResponseBuilder: (_request, context) => Object.assign(new Error(`too many requests; retry in ${context.after}`), { statusCode: context.statusCode }),
  });

  // The key each limiter counts for a request, set by the caller just before it asks.
  const keys = new WeakMap<FastifyRequest, string>();
  const keyOf = (request: FastifyRequest) => keys.get(request) ?? 'unknown';
  // The store's keys for these carry a fixed "undefinedundefined-" infix (the plugin names child
  // stores after a route, and these have none); the prefixes below keep them apart.
  const companyWebhooks = app.createRateLimit({ max: settings.companyWebhooksPerMinute, timeWindow: 60_000, keyGenerator: keyOf, skipOnError: true });
  const logins = app.createRateLimit({ max: settings.loginPerAccountMax, timeWindow: settings.loginPerAccountWindowSeconds * 1000, keyGenerator: keyOf, skipOnError: true });

  async function check(limiter: typeof logins, request: FastifyRequest, key: string): Promise<RateLimitVerdict> {
    keys.set(request, key);
    const verdict = await limiter(request);
    if (verdict.isAllowed || !verdict.isExceeded) return { allowed: true };
    return { allowed: false, retryAfterSeconds: Math.max(1, verdict.ttlInSeconds) };
  }

  return {
    checkCompanyWebhook: (request, companyId) => check(companyWebhooks, request, `company-webhooks:${companyId ?? 'none'}`),
    // Hashed: the counters live in a shared Redis and need not hold anyone's address.
    checkLogin: (request, email) => check(logins, request, `login:${createHash('sha256').update(email.trim().toLowerCase()).digest('hex').slice(0, 32)}`),
  };
}
