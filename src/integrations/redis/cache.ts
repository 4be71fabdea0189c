import type { Redis } from 'ioredis';
import { createRedisGuard, type RedisGuard } from './redis-guard.ts';

/** Key-value cache with expiry: Redis when REDIS_URL is set, an in-process map otherwise. */
export interface Cache {
  kind: 'redis' | 'memory';
  /** The ioredis client, for @fastify/rate-limit; absent in memory mode. */
  redis?: Redis;
  /** Fail-fast access to that client (rate limits use it to fall back to local counters). */
  guard?: RedisGuard;
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
  del(...keys: string[]): Promise<void>;
  /** Deletes every key under our prefix (npm run cache:clear). Returns how many. */
  clear(): Promise<number>;
  /** Asks Redis itself (health), bounded by the command timeout; never the local fallback. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

const PREFIX = 'churn-saver:';
export const DEFAULT_REDIS_COMMAND_TIMEOUT_MS = 100;
/** The in-process fallback holds at most this many keys (oldest dropped first). */
const LOCAL_MAX_KEYS = 10_000;

export function createCache(redisUrl: string | undefined, options: { commandTimeoutMs?: number } = {}): Cache {
  return redisUrl ? createRedisCache(redisUrl, options.commandTimeoutMs ?? DEFAULT_REDIS_COMMAND_TIMEOUT_MS) : createMemoryCache();
}

/**
 * Redis first, the process's own map when Redis does not answer in time: every write also lands
 * locally, so a read during an outage still finds what this process cached (the cache only holds
 * what can be fetched again: a miss costs a lookup, never correctness).
 */
function createRedisCache(url: string, commandTimeoutMs: number): Cache {
  const guard = createRedisGuard(url, { commandTimeoutMs, keyPrefix: PREFIX });
  const { redis } = guard;
  const local = createMemoryCache();
  return {
    kind: 'redis',
    redis,
    guard,
    async get(key) {
      try {
        return await guard.run((r) => r.get(key));
      } catch {
        return local.get(key);
      }
    },
    async set(key, value, ttlSeconds) {
      await local.set(key, value, ttlSeconds);
      await guard.run((r) => r.set(key, value, 'EX', ttlSeconds)).catch(() => {});
    },
    async del(...keys) {
      if (keys.length === 0) return;
      await local.del(...keys);
      await guard.run((r) => r.del(...keys)).catch(() => {});
    },
    async clear() {
      // An operator command: it waits for the connection and reports a failure instead of skipping.
      await waitReady(redis, 5000);
      let removed = 0;
      let cursor = '0';
      do {
        // SCAN does not apply keyPrefix to MATCH; unprefixed commands below strip it.
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${PREFIX}*`, 'COUNT', 500);
        cursor = next;
        if (keys.length > 0) removed += await redis.del(...keys.map((k) => k.slice(PREFIX.length)));
      } while (cursor !== '0');
      await local.clear();
      return removed;
    },
    async ping() {
      await redis.ping();
    },
    async close() {
      redis.disconnect();
      await local.close();
    },
  };
}

async function waitReady(redis: Redis, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      redis.off('ready', onReady);
      reject(new Error(`Redis not ready after ${timeoutMs} ms (${redis.status})`));
    }, timeoutMs);
    const onReady = () => {
      clearTimeout(timer);
      resolve();
    };
    redis.once('ready', onReady);
  });
}

function createMemoryCache(): Cache {
  const entries = new Map<string, { value: string; expiresAt: number }>();
  return {
    kind: 'memory',
    async get(key) {
      const entry = entries.get(key);
      if (!entry) return null;
      if (entry.expiresAt <= Date.now()) {
        entries.delete(key);
        return null;
      }
      return entry.value;
    },
    async set(key, value, ttlSeconds) {
      entries.delete(key);
      entries.set(key, { value, expiresAt: Date.now() + ttlSeconds * 1000 });
      // Map keeps insertion order: the first key is the oldest write.
      if (entries.size > LOCAL_MAX_KEYS) entries.delete(entries.keys().next().value!);
    },
    async del(...keys) {
      for (const key of keys) entries.delete(key);
    },
    async clear() {
      const n = entries.size;
      entries.clear();
      return n;
    },
    async ping() {},
    async close() {
      entries.clear();
    },
  };
}
