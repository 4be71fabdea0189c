import { createHash } from 'node:crypto';
import type { SqlRunner } from '../../../db/client.ts';
import { bucketParams, type BucketParams, type RateLimit } from '../../../domain/rate-budget.ts';
import type { Metrics } from '../../../observability/metrics.ts';
import { createLocalBudgetStore } from './local-store.ts';
import { createPostgresBudgetStore } from './postgres-store.ts';
import { createRedisBudgetStore } from './redis-store.ts';
import type { BudgetStore } from './store.ts';

export interface RateBudgetOptions {
  /** Redis holds the buckets when set; PostgreSQL otherwise (and whenever Redis fails). */
  redisUrl?: string | undefined;
  sql: SqlRunner;
  /** Calls per window for every operation (Whop: 600 per minute per operation per key, last figure found, unverified). */
  defaultLimit: number;
  /** Overrides by operation (`POST /notifications`). */
  limits?: ReadonlyMap<string, number>;
  windowMs: number;
  burst: number;
  metrics?: Metrics;
  /**
   * Whose budget this is: Whop counts per API key, so buckets are keyed by a fingerprint of the key
   * and base URL (two deployments sharing a Redis with different keys do not share a budget).
   */
  scope: string;
  /** After a Redis failure, PostgreSQL serves this long before Redis is tried again. */
  redisCooldownMs?: number;
}

/** A short, non-reversible fingerprint of the credential (never the key itself in Redis or the database). */
export function budgetScope(apiKey: string, baseURL: string): string {
  return createHash('sha256').update(`${baseURL}\n${apiKey}`).digest('hex').slice(0, 16);
}

export type Acquired = { ok: true; waitedMs: number; store: BudgetStore['name'] } | { ok: false; retryAfterMs: number; store: BudgetStore['name'] };

export interface RateBudget {
  /**
   * Waits for the operation's next slot, at most `maxWaitMs`. `ok: false`: the fleet's budget for
   * it is spent for longer than that; nothing was reserved, the caller defers the call.
   */
  acquire(operation: string, maxWaitMs: number): Promise<Acquired>;
  /** Whop answered 429: no worker calls this operation for `retryAfterMs`. */
  pause(operation: string, retryAfterMs: number): Promise<void>;
  /**
   * Resolves once Redis is connected, or after `timeoutMs` (never rejects). Until then calls are
   * budgeted in PostgreSQL: the service waits for it at start so a fleet does not begin split.
   */
  ready(timeoutMs?: number): Promise<void>;
  /** Which store the budget uses right now. */
  storeInUse(): BudgetStore['name'];
  close(): Promise<void>;
}

/**
 * One budget for every worker: Redis → PostgreSQL → this process, each tried only when the one
 * before fails. A store failure costs one fast error (Redis: no offline queue, 300 ms command
 * timeout), then the next store answers; Redis is skipped for a cooldown after it failed.
 */
export function createRateBudget(options: RateBudgetOptions): RateBudget {
  const redis = options.redisUrl ? createRedisBudgetStore(options.redisUrl) : null;
  const chain: BudgetStore[] = [...(redis ? [redis] : []), createPostgresBudgetStore(options.sql), createLocalBudgetStore()];
  const cooldownMs = options.redisCooldownMs ?? 5000;
  let redisDownUntil = 0;
  let inUse: BudgetStore['name'] = chain[0]!.name;
  const paramsByOperation = new Map<string, BucketParams>();

  const paramsOf = (operation: string): BucketParams => {
    let params = paramsByOperation.get(operation);
    if (!params) {
      const rate: RateLimit = { limit: options.limits?.get(operation) ?? options.defaultLimit, windowMs: options.windowMs, burst: options.burst };
      params = bucketParams(rate);
      paramsByOperation.set(operation, params);
    }
    return params;
  };

  async function withStore<T>(run: (store: BudgetStore) => Promise<T>): Promise<{ value: T; store: BudgetStore }> {
    let lastError: unknown;
    for (const store of chain) {
      if (store.name === 'redis' && Date.now() < redisDownUntil) continue;
      try {
        const value = await run(store);
        inUse = store.name;
        return { value, store };
      } catch (error) {
        lastError = error;
        if (store.name === 'redis') redisDownUntil = Date.now() + cooldownMs;
        options.metrics?.whopRateBudgetFallbacks.inc({ store: store.name });
      }
    }
    throw lastError;
  }

  return {
    async acquire(operation, maxWaitMs) {
      const params = paramsOf(operation);
      const key = `${options.scope} ${operation}`;
      const deadline = Date.now() + maxWaitMs;
      let waitedMs = 0;
      for (;;) {
        const { value: slot, store } = await withStore((s) => s.reserve(key, params, Math.max(0, deadline - Date.now())));
        if (!slot.granted) return { ok: false, retryAfterMs: slot.waitMs, store: store.name };
        if (slot.waitMs === 0) return { ok: true, waitedMs, store: store.name };
        options.metrics?.whopBudgetWait.observe({ operation }, slot.waitMs / 1000);
        await new Promise((resolve) => setTimeout(resolve, slot.waitMs));
        waitedMs += slot.waitMs;
        // A 429 while we waited paused the operation: the slot reserved before it is void; reserve
        // again (the pause moved the schedule past it), so paused calls do not all go at its end.
        const { value: pausedMs } = await withStore((s) => s.pausedFor(key));
        if (pausedMs === 0) return { ok: true, waitedMs, store: store.name };
        if (Date.now() + pausedMs > deadline) return { ok: false, retryAfterMs: pausedMs, store: store.name };
      }
    },
    async pause(operation, retryAfterMs) {
      await withStore((s) => s.pause(`${options.scope} ${operation}`, paramsOf(operation), retryAfterMs));
    },
    async ready(timeoutMs = 1000) {
      if (!redis || redis.redis.status === 'ready') return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, timeoutMs);
        function done() {
          clearTimeout(timer);
          redis!.redis.off('ready', done);
          resolve();
        }
        redis.redis.once('ready', done);
      });
    },
    storeInUse: () => inUse,
    async close() {
      for (const store of chain) await store.close();
    },
  };
}
