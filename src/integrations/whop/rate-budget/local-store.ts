import { pause as pauseTat, reserveMany } from '../../../domain/rate-budget.ts';
import type { BudgetStore } from './store.ts';

/**
 * Last resort when neither shared store answers: this process alone, with the same arithmetic.
 * It cannot see other workers' calls, so the fleet may exceed the budget while both stores are
 * down; Whop's 429s then pause this process (and the SDK error says so). Never blocks.
 */
export function createLocalBudgetStore(now: () => number = Date.now): BudgetStore {
  const tats = new Map<string, number>();
  const pausedUntil = new Map<string, number>();
  return {
    name: 'local',
    async reserve(operation, params, maxWaitMs, count) {
      const r = reserveMany(tats.get(operation) ?? 0, now(), params, maxWaitMs, count);
      tats.set(operation, r.tat);
      return { granted: r.granted, baseOffsetMs: r.baseOffsetMs };
    },
    async pause(operation, params, retryAfterMs) {
      tats.set(operation, pauseTat(tats.get(operation) ?? 0, now(), params, retryAfterMs));
      pausedUntil.set(operation, Math.max(pausedUntil.get(operation) ?? 0, now() + retryAfterMs));
    },
    async pausedFor(operation) {
      return Math.max(0, (pausedUntil.get(operation) ?? 0) - now());
    },
    async close() {},
  };
}
