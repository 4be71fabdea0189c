import type { BucketParams } from '../../../domain/rate-budget.ts';

export interface StoreReservation {
  /** How many of the asked consecutive slots were reserved (0 = none: the first is beyond the wait). */
  granted: number;
  /** ms from the store's now to the schedule's base; slot i waits `slotWaitMs(baseOffsetMs, i)`. */
  baseOffsetMs: number;
}

export interface ReserveRequest {
  operation: string;
  params: BucketParams;
  maxWaitMs: number;
  count: number;
}

/** Where the budget's buckets live: Redis, PostgreSQL, or this process. Each reserve is one atomic step. */
export interface BudgetStore {
  name: 'redis' | 'postgres' | 'local';
  /** `count` consecutive slots in one round trip (domain/rate-budget.ts `reserveMany`). */
  reserve(operation: string, params: BucketParams, maxWaitMs: number, count: number): Promise<StoreReservation>;
  /** Several operations' reservations in one round trip (each as `reserve`); absent: one `reserve` each. */
  reserveEach?(requests: readonly ReserveRequest[]): Promise<StoreReservation[]>;
  pause(operation: string, params: BucketParams, retryAfterMs: number): Promise<void>;
  /** ms the operation stays paused by a 429 (0 when not paused), on the store's clock. */
  pausedFor(operation: string): Promise<number>;
  close(): Promise<void>;
}
