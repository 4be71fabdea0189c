/** Deliveries give up (dead letter) after this many attempts. */
export const MAX_DELIVERY_ATTEMPTS = 5;

const BASE_MS = 30_000;
const CAP_MS = 6 * 3_600_000;

/**
 * How long to wait before attempt `attempt + 1` after `attempt` failed (1-based): exponential
 * (30 s, 60 s, 2 min, …, capped at 6 h) with jitter in [50 %, 100 %] so many failures do not retry
 * in lockstep, and never sooner than the provider's Retry-After. `random` is in [0, 1).
 */
export function retryDelayMs(attempt: number, retryAfterMs: number | null, random: number): number {
  const exponential = Math.min(CAP_MS, BASE_MS * 2 ** Math.max(0, attempt - 1));
  const jittered = Math.round(exponential * (0.5 + random / 2));
  return Math.max(jittered, retryAfterMs ?? 0);
}
