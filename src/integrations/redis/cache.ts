import { Redis } from 'ioredis';

/** Key-value cache with expiry: Redis when REDIS_URL is set, an in-process map otherwise. */
export interface Cache {
  kind: 'redis' | 'memory';
  /** The ioredis client, for @fastify/rate-limit; absent in memory mode. */
  redis?: Redis;
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
  del(...keys: string[]): Promise<void>;
  /** Deletes every key under our prefix (npm run cache:clear). Returns how many. */
  clear(): Promise<number>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

const PREFIX = 'churn-saver:';

export function createCache(redisUrl: string | undefined): Cache {
  return redisUrl ? createRedisCache(redisUrl) : createMemoryCache();
}

function createRedisCache(url: string): Cache {
  // Fail fast instead of queueing commands forever while Redis is down; health reports it.
  const redis = new Redis(url, { keyPrefix: PREFIX, maxRetriesPerRequest: 1, enableOfflineQueue: true, lazyConnect: false });
  redis.on('error', () => {});
  return {
    kind: 'redis',
    redis,
    get: (key) => redis.get(key),
    async set(key, value, ttlSeconds) {
      await redis.set(key, value, 'EX', ttlSeconds);
    },
    async del(...keys) {
      if (keys.length > 0) await redis.del(...keys);
    },
    async clear() {
      let removed = 0;
      let cursor = '0';
      do {
        // SCAN does not apply keyPrefix to MATCH; unprefixed commands below strip it.
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${PREFIX}*`, 'COUNT', 500);
        cursor = next;
        if (keys.length > 0) removed += await redis.del(...keys.map((k) => k.slice(PREFIX.length)));
      } while (cursor !== '0');
      return removed;
    },
    async ping() {
      await redis.ping();
    },
    async close() {
      redis.disconnect();
    },
  };
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
      entries.set(key, { value, expiresAt: Date.now() + ttlSeconds * 1000 });
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
