import { createHash } from 'node:crypto';
import type { SqlRunner } from '../../../db/client.ts';
import { bucketParams, slotWaitMs, type BucketParams, type RateLimit } from '../../../domain/rate-budget.ts';
import type { Metrics } from '../../../observability/metrics.ts';
import { createLocalBudgetStore } from './local-store.ts';
import { createPostgresBudgetStore } from './postgres-store.ts';
import { createRedisBudgetStore } from './redis-store.ts';
import type { BudgetStore, StoreReservation } from './store.ts';

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
   * `alsoReserve`: the operation this call is always followed by (a DM channel by its message) is
   * reserved in the same store round trip; the next acquire of it in this process, within
   * PAIRED_SLOT_TTL_MS of that slot, takes the slot instead of a round trip of its own.
   */
  acquire(operation: string, maxWaitMs: number, options?: { alsoReserve?: string }): Promise<Acquired>;
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

  // A worker's concurrent calls share a store round trip: while one reservation is in flight, the
  // calls arriving queue up and the next round trip reserves slots for all of them, every operation
  // at once (a nudge's push and DM are two operations; nudges run side by side, so this is most of
  // a worker's budget statements).
  type Waiter = { deadline: number; resolve: (slot: Slot) => void; reject: (error: unknown) => void };
  type Slot = { granted: boolean; waitMs: number; store: BudgetStore['name'] };
  const queues = new Map<string, { params: BucketParams; waiters: Waiter[] }>();
  let reserving = false;
  const MAX_COALESCED = 64;

  async function drain(): Promise<void> {
    reserving = true;
    try {
      for (;;) {
        // The least patient first: they get the earliest slots, and the round reserves only what fits their wait.
        const batches = [...queues.entries()].filter(([, q]) => q.waiters.length > 0).map(([key, q]) => ({ key, q, batch: q.waiters.splice(0, MAX_COALESCED).sort((x, y) => x.deadline - y.deadline) }));
        if (batches.length === 0) return;
        const requests = batches.map(({ key, q, batch }) => ({ operation: key, params: q.params, maxWaitMs: Math.max(0, batch[0]!.deadline - Date.now()), count: batch.length }));
        let reservation: { value: StoreReservation[]; store: BudgetStore };
        try {
          reservation = await withStore((st) => (st.reserveEach ? st.reserveEach(requests) : Promise.all(requests.map((r) => st.reserve(r.operation, r.params, r.maxWaitMs, r.count)))));
        } catch (error) {
          for (const { batch } of batches) for (const w of batch) w.reject(error);
          continue;
        }
        const { value: reservations, store } = reservation;
        batches.forEach(({ q, batch }, k) => {
          const value = reservations[k]!;
          const params = q.params;
          batch.slice(0, value.granted).forEach((w, i) => w.resolve({ granted: true, waitMs: slotWaitMs(value.baseOffsetMs, i, params), store: store.name }));
          const rest = batch.slice(value.granted);
          // Nothing fit the least patient call's wait: it is refused, and so is every call whose wait
          // is shorter than the first slot; the others try again with theirs.
          if (value.granted === 0) {
            const firstSlotAt = Date.now() + slotWaitMs(value.baseOffsetMs, 0, params);
            const refused = { granted: false, waitMs: slotWaitMs(value.baseOffsetMs, 0, params), store: store.name };
            rest.shift()!.resolve(refused);
            while (rest.length > 0 && rest[0]!.deadline < firstSlotAt) rest.shift()!.resolve(refused);
          }
          q.waiters.unshift(...rest);
        });
      }
    } finally {
      reserving = false;
    }
  }

  function reserveSlot(key: string, params: BucketParams, deadline: number): Promise<Slot> {
    return new Promise<Slot>((resolve, reject) => {
      let queue = queues.get(key);
      if (!queue) queues.set(key, (queue = { params, waiters: [] }));
      queue.waiters.push({ deadline, resolve, reject });
      // The round trip starts on the next turn of the event loop, so the calls made in this one
      // (a claim round's nudges look their members up together) share it.
      if (!reserving) {
        reserving = true;
        setImmediate(() => void drain());
      }
    });
  }

  // Calls that waited for their slot ask whether a 429 paused the operation meanwhile. One read
  // answers this worker's calls for PAUSE_READ_TTL_MS: a pause another worker saw is noticed at most
  // that late (the call then meets Whop's 429 itself, which pauses and retries it).
  const PAUSE_READ_TTL_MS = 200;
  const pausedReads = new Map<string, { at: number; read: Promise<number> }>();
  function pausedFor(key: string): Promise<number> {
    const cached = pausedReads.get(key);
    if (cached && Date.now() - cached.at < PAUSE_READ_TTL_MS) return cached.read;
    const read = withStore((st) => st.pausedFor(key)).then((r) => r.value);
    read.catch(() => pausedReads.delete(key));
    pausedReads.set(key, { at: Date.now(), read });
    return read;
  }

  // Slots reserved ahead for the call that follows another (acquire's alsoReserve), oldest first:
  // when each may go (epoch ms) and the store that granted it. A slot not taken within
  // PAIRED_SLOT_TTL_MS of its time is dropped unused (an unused slot only leaves the fleet one call
  // short; a slot taken late could bunch calls into Whop's window).
  const PAIRED_SLOT_TTL_MS = 1000;
  const paired = new Map<string, { at: number; store: BudgetStore['name'] }[]>();
  function reserveAhead(operation: string, deadline: number): void {
    const key = `${options.scope} ${operation}`;
    void reserveSlot(key, paramsOf(operation), deadline).then(
      (slot) => {
        if (!slot.granted) return;
        let slots = paired.get(key);
        if (!slots) paired.set(key, (slots = []));
        slots.push({ at: Date.now() + slot.waitMs, store: slot.store });
      },
      () => {}, // the store failed: the follower reserves its own slot
    );
  }
  function takeReserved(key: string): { at: number; store: BudgetStore['name'] } | undefined {
    const slots = paired.get(key);
    if (!slots) return undefined;
    const now = Date.now();
    while (slots.length > 0 && slots[0]!.at + PAIRED_SLOT_TTL_MS < now) slots.shift();
    return slots.shift();
  }

  return {
    async acquire(operation, maxWaitMs, acquireOptions) {
      const params = paramsOf(operation);
      const key = `${options.scope} ${operation}`;
      const deadline = Date.now() + maxWaitMs;
      let waitedMs = 0;
      const reserved = takeReserved(key);
      if (reserved) {
        const waitMs = Math.max(0, reserved.at - Date.now());
        if (waitMs === 0) return { ok: true, waitedMs, store: reserved.store };
        await new Promise((resolve) => setTimeout(resolve, waitMs));
        waitedMs += waitMs;
        const pausedMs = await pausedFor(key);
        if (pausedMs === 0) return { ok: true, waitedMs, store: reserved.store };
        if (Date.now() + pausedMs > deadline) return { ok: false, retryAfterMs: pausedMs, store: reserved.store };
      }
      // In this turn of the event loop, so that its reservation shares this call's round trip.
      if (acquireOptions?.alsoReserve) reserveAhead(acquireOptions.alsoReserve, deadline);
      for (;;) {
        const slot = await reserveSlot(key, params, deadline);
        if (!slot.granted) return { ok: false, retryAfterMs: slot.waitMs, store: slot.store };
        if (slot.waitMs === 0) return { ok: true, waitedMs, store: slot.store };
        options.metrics?.whopBudgetWait.observe({ operation }, slot.waitMs / 1000);
        await new Promise((resolve) => setTimeout(resolve, slot.waitMs));
        waitedMs += slot.waitMs;
        // A 429 while we waited paused the operation: the slot reserved before it is void; reserve
        // again (the pause moved the schedule past it), so paused calls do not all go at its end.
        const pausedMs = await pausedFor(key);
        if (pausedMs === 0) return { ok: true, waitedMs, store: slot.store };
        if (Date.now() + pausedMs > deadline) return { ok: false, retryAfterMs: pausedMs, store: slot.store };
      }
    },
    async pause(operation, retryAfterMs) {
      pausedReads.delete(`${options.scope} ${operation}`);
      // Slots reserved ahead fall before the pause: void.
      paired.delete(`${options.scope} ${operation}`);
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
