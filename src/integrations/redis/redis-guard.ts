import { createRequire } from 'node:module';
import type { Redis } from 'ioredis';

/** ioredis (~50 modules) is loaded when a Redis client is made: a start without REDIS_URL never loads it. */
const loadRedis = (): typeof Redis => (createRequire(import.meta.url)('ioredis') as typeof import('ioredis')).Redis;

/**
 * Redis is optional: a request never waits on it for more than one command timeout. Commands fail
 * at once while disconnected (no offline queue, no per-request retries), each answer is bounded by
 * `commandTimeout`, and after a failure the guard skips Redis for `coolDownMs` so a blackholed
 * server costs one timeout per cool-down, not one per request. ioredis keeps reconnecting in the
 * background (capped backoff), so everything returns to Redis by itself when it answers again.
 */
export interface RedisGuard {
  redis: Redis;
  /** Connected and no failure in the last cool-down: worth asking. */
  usable(): boolean;
  /** Records a failed or timed-out command. */
  failed(error?: unknown): void;
  /** Runs a command when usable, else rejects at once; records failures. */
  run<T>(command: (redis: Redis) => Promise<T>): Promise<T>;
}

export interface RedisGuardOptions {
  /** Longest a single command may wait for Redis (REDIS_COMMAND_TIMEOUT_MS). */
  commandTimeoutMs: number;
  /** How long to skip Redis after a failure. */
  coolDownMs?: number;
  keyPrefix?: string;
  now?: () => number;
}

export class RedisUnavailableError extends Error {
  constructor() {
    super('Redis unavailable (skipped after a recent failure)');
  }
}

export function createRedisGuard(url: string, options: RedisGuardOptions): RedisGuard {
  const now = options.now ?? Date.now;
  const coolDownMs = options.coolDownMs ?? 1000;
  const RedisClient = loadRedis();
  const redis = new RedisClient(url, {
    ...(options.keyPrefix ? { keyPrefix: options.keyPrefix } : {}),
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: options.commandTimeoutMs,
    // A blackholed address must not hold the connect attempt for ioredis' default 10 s.
    connectTimeout: Math.max(500, options.commandTimeoutMs * 5),
    retryStrategy: (attempt) => Math.min(100 * attempt, 2000),
    lazyConnect: false,
  });
  redis.on('error', () => {});
  let skipUntil = 0;
  const guard: RedisGuard = {
    redis,
    usable: () => redis.status === 'ready' && now() >= skipUntil,
    failed(error) {
      skipUntil = now() + coolDownMs;
      // A command that timed out is still in the connection's reply queue: later replies would be
      // matched to it. Such a connection is dropped and made anew (ioredis reconnects by itself).
      if (error instanceof Error && /timed out/i.test(error.message) && redis.status === 'ready') redis.disconnect(true);
    },
    async run(command) {
      if (!guard.usable()) throw new RedisUnavailableError();
      try {
        return await command(redis);
      } catch (error) {
        guard.failed(error);
        throw error;
      }
    },
  };
  return guard;
}
