import type { BucketParams } from '../../../domain/rate-budget.ts';

export interface StoreReservation {
  granted: boolean;
  /** ms until the reserved slot (granted), or until the earliest slot (refused). */
  waitMs: number;
}

/** Where the budget's buckets live: Redis, PostgreSQL, or this process. Each reserve is one atomic step. */
export interface BudgetStore {
  name: 'redis' | 'postgres' | 'local';
  reserve(operation: string, params: BucketParams, maxWaitMs: number): Promise<StoreReservation>;
  pause(operation: string, params: BucketParams, retryAfterMs: number): Promise<void>;
  /** ms the operation stays paused by a 429 (0 when not paused), on the store's clock. */
  pausedFor(operation: string): Promise<number>;
  close(): Promise<void>;
}
