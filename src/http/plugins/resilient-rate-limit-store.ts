import { createRequire } from 'node:module';
import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { RedisGuard } from '../../integrations/redis/redis-guard.ts';

type Counted = { current: number; ttl: number };
type Callback = (error: Error | null, result?: Counted) => void;
interface PluginStore {
  incr(key: string, callback: Callback, timeWindow: number, max: number): void;
  read(key: string, callback: Callback, timeWindow: number, max: number): void;
  child(routeOptions: unknown): PluginStore;
}
type StoreCtor = new (continueExceeding: boolean, exponentialBackoff: boolean, ...rest: unknown[]) => PluginStore;

// The plugin's own stores (CommonJS, no typings of their own): the counting rules stay theirs.
const require = createRequire(import.meta.url);
const RedisStore = require('@fastify/rate-limit/store/RedisStore.js') as StoreCtor;
const LocalStore = require('@fastify/rate-limit/store/LocalStore.js') as StoreCtor;

/**
 * Counts on Redis while it answers (shared by every instance) and on this process's own counters
 * when it does not: a Redis outage never lifts a limit (the sign-in limit keeps bounding guesses,
 * per instance) and never makes a request wait longer than one bounded command.
 */
export function resilientStore(guard: RedisGuard, nameSpace: string): FastifyRateLimitStoreCtor {
  class Resilient implements FastifyRateLimitStore {
    constructor(
      private readonly shared: PluginStore,
      private readonly local: PluginStore,
    ) {}
    incr(key: string, callback: Callback, timeWindow: number, max: number): void {
      this.route('incr', key, callback, timeWindow, max);
    }
    read(key: string, callback: Callback, timeWindow: number, max: number): void {
      this.route('read', key, callback, timeWindow, max);
    }
    child(routeOptions: unknown): Resilient {
      return new Resilient(this.shared.child(routeOptions), this.local.child(routeOptions));
    }
    private route(method: 'incr' | 'read', key: string, callback: Callback, timeWindow: number, max: number): void {
      if (!guard.usable()) return this.local[method](key, callback, timeWindow, max);
      this.shared[method](
        key,
        (error, result) => {
          if (!error) return callback(null, result);
          guard.failed(error);
          this.local[method](key, callback, timeWindow, max);
        },
        timeWindow,
        max,
      );
    }
  }
  // The plugin constructs the store itself from its options; ours only needs them for the flags.
  return class extends Resilient {
    constructor(options: { continueExceeding?: boolean; exponentialBackoff?: boolean }) {
      const flags = [options.continueExceeding ?? false, options.exponentialBackoff ?? false] as const;
      super(new RedisStore(...flags, guard.redis, nameSpace), new LocalStore(...flags, 5000));
    }
  } as unknown as FastifyRateLimitStoreCtor;
}
