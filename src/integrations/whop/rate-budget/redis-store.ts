import { createRequire } from 'node:module';
import type { Redis } from 'ioredis';

/** ioredis (~50 modules) is loaded when a Redis client is made: a start without REDIS_URL never loads it. */
const loadRedis = (): typeof Redis => (createRequire(import.meta.url)('ioredis') as typeof import('ioredis')).Redis;
import type { BucketParams } from '../../../domain/rate-budget.ts';
import type { BudgetStore, StoreReservation } from './store.ts';

/**
 * domain/rate-budget.ts `reserveMany` as one Lua script, on Redis's own clock (TIME), so workers whose
 * clocks differ still share one schedule. KEYS[1] bucket; ARGV interval, tolerance, max wait (ms), count.
 */
const RESERVE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
local interval, tolerance, max_wait, count = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local base = math.max(tat, now)
local granted = math.max(0, math.min(count, math.floor((now + max_wait + tolerance - base) / interval) + 1))
if granted == 0 then return {0, base - now} end
local next_tat = base + granted * interval
redis.call('SET', KEYS[1], next_tat, 'PX', next_tat - now + 60000)
return {granted, base - now}
`;

/**
 * domain/rate-budget.ts `pause`: no new slot before now + Retry-After; KEYS[2] marks the pause so
 * calls that reserved a slot earlier and are still waiting for it re-reserve after it.
 * ARGV retry-after, tolerance (ms).
 */
const PAUSE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
local paused = math.max(tat, now + tonumber(ARGV[1]) + tonumber(ARGV[2]))
redis.call('SET', KEYS[1], paused, 'PX', paused - now + 60000)
redis.call('SET', KEYS[2], '1', 'PX', tonumber(ARGV[1]))
return paused
`;

const PREFIX = 'churn-saver:whop-budget:';

/**
 * The Redis store. Its own connection, built to fail fast: no offline queue (a command while
 * disconnected fails at once instead of waiting for a reconnect), no per-command retries, and a
 * 300 ms command timeout; the budget then falls back to PostgreSQL.
 */
export function createRedisBudgetStore(url: string): BudgetStore & { redis: Redis } {
  const RedisClient = loadRedis();
  const redis = new RedisClient(url, { enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: 300, connectTimeout: 1000, lazyConnect: false });
  redis.on('error', () => {});
  return {
    name: 'redis',
    redis,
    async reserve(operation: string, params: BucketParams, maxWaitMs: number, count: number): Promise<StoreReservation> {
      const [granted, baseOffsetMs] = (await redis.eval(RESERVE, 1, PREFIX + operation, params.intervalMs, params.toleranceMs, Math.floor(maxWaitMs), count)) as [number, number];
      return { granted: Number(granted), baseOffsetMs: Number(baseOffsetMs) };
    },
    async pause(operation, params, retryAfterMs) {
      await redis.eval(PAUSE, 2, PREFIX + operation, `${PREFIX}${operation}:paused`, Math.max(1, Math.ceil(retryAfterMs)), params.toleranceMs);
    },
    async pausedFor(operation) {
      return Math.max(0, await redis.pttl(`${PREFIX}${operation}:paused`));
    },
    async close() {
      redis.disconnect();
    },
  };
}
