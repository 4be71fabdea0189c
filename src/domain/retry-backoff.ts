/** Deliveries give up (dead letter) after this many attempts. */
export const MAX_DELIVERY_ATTEMPTS = 8;

/** Short: a transient fault of a provider costs seconds, not minutes. */
const BASE_MS = 5_000;
const CAP_MS = 6 * 3_600_000;
/** How much later than the provider's Retry-After a retry may come, as a share of it (spread, never sooner). */
const RETRY_AFTER_SPREAD = 0.2;

/**
 * How long to wait before attempt `attempt + 1` after `attempt` failed (1-based). When the
 * provider said when (Retry-After), that, spread up to 20 % later so a burst of refusals does not
 * come back in lockstep, and never sooner. Otherwise exponential from 5 s (5, 10, 20 s, …, capped
 * at 6 h) with jitter in [50 %, 100 %]. `random` is in [0, 1).
 */
export function retryDelayMs(attempt: number, retryAfterMs: number | null, random: number): number {
  if (retryAfterMs !== null && retryAfterMs > 0) return Math.ceil(retryAfterMs * (1 + RETRY_AFTER_SPREAD * random));
  const exponential = Math.min(CAP_MS, BASE_MS * 2 ** Math.max(0, attempt - 1));
  return Math.round(exponential * (0.5 + random / 2));
}
