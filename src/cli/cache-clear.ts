import { describeConfigProblems, loadConfig } from '../config/config.ts';
import { createCache } from '../integrations/redis/cache.ts';

// npm run cache:clear — deletes our keys (prefix churn-saver:, SCAN + DEL, never FLUSHDB: the Redis
// may be shared) from REDIS_URL: cached Whop access checks and the rate-limit counters. Safe while
// the service runs: everything there is re-fetched or re-counted. Without REDIS_URL the cache lives
// in each process and empties when it restarts; there is nothing to clear from here.
const loaded = loadConfig(process.env);
if (!loaded.ok) {
  console.error(describeConfigProblems(loaded.problems));
  process.exit(1);
}
const redisUrl = loaded.config.REDIS_URL;
if (!redisUrl) {
  console.log('REDIS_URL is not set: the cache is in-process and empties when the service restarts; nothing to clear');
  process.exit(0);
}
const cache = createCache(redisUrl);
try {
  const removed = await cache.clear();
  console.log(`removed ${removed} key${removed === 1 ? '' : 's'} under churn-saver: from ${new URL(redisUrl).host}`);
} catch (error) {
  console.error(`cache:clear failed (${new URL(redisUrl).host}): ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  await cache.close();
}
