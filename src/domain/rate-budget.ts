/**
 * The fleet's Whop rate budget as a GCRA (generic cell rate algorithm, "virtual scheduling"):
 * one number per operation, the theoretical arrival time `tat`. A call reserves the slot
 * `max(now, tat - tolerance)` and moves `tat` one emission interval on; a reservation further
 * away than the caller's patience is refused (the call is deferred) and changes nothing. The
 * Redis script and the SQL statement in integrations/whop/rate-budget compute exactly this; the
 * in-process fallback calls it. Pure: times are epoch milliseconds given by the caller.
 */

export interface RateLimit {
  /** Calls allowed per window, as Whop counts them (600 per minute per operation per key). */
  limit: number;
  windowMs: number;
  /** Calls that may go back to back before spacing applies. */
  burst: number;
}

export interface BucketParams {
  /** ms between calls at the steady rate. */
  intervalMs: number;
  /** ms a call may go ahead of the steady schedule: (burst - 1) intervals. */
  toleranceMs: number;
}

/**
 * Spacing that keeps any window of `windowMs` at or under `limit`, counting the burst: at most
 * `burst + windowMs / interval` calls fit in a window, so the interval is `window / (limit - burst)`,
 * stretched by a slack for clock skew between processes and network jitter (1/60 of the window,
 * at least 250 ms: 1 s of a minute), so calls delayed in flight do not bunch into Whop's window.
 */
export function bucketParams(rate: RateLimit): BucketParams {
  const burst = Math.max(1, Math.min(Math.floor(rate.burst), Math.floor(rate.limit / 2)));
  const slackMs = Math.max(250, rate.windowMs / 60);
  const intervalMs = Math.ceil((rate.windowMs + slackMs) / Math.max(1, rate.limit - burst));
  return { intervalMs, toleranceMs: (burst - 1) * intervalMs };
}

export type Reservation =
  /** Go after `waitMs` (0 = now); the bucket's next `tat`. */
  | { granted: true; waitMs: number; tat: number }
  /** Not reserved: the earliest slot is `waitMs` away, beyond the caller's patience. */
  | { granted: false; waitMs: number; tat: number };

/** Reserves one call at `nowMs`, waiting at most `maxWaitMs`. `tat` is the stored value (0 when none). */
export function reserve(tat: number, nowMs: number, params: BucketParams, maxWaitMs: number): Reservation {
  const r = reserveMany(tat, nowMs, params, maxWaitMs, 1);
  return { granted: r.granted === 1, waitMs: slotWaitMs(r.baseOffsetMs, 0, params), tat: r.tat };
}

export interface ManyReservation {
  /** How many of the `count` consecutive slots were reserved (0 to count): those within `maxWaitMs`. */
  granted: number;
  /** ms from now to the schedule's base, `max(tat, now) - now`; slot i goes after `slotWaitMs(baseOffsetMs, i)`. */
  baseOffsetMs: number;
  /** The bucket's next `tat` (unchanged when nothing was granted). */
  tat: number;
}

/**
 * `count` calls of one caller at once (a worker's concurrent sends coalesced into one store round
 * trip): the same as `count` reserves in a row at `nowMs`, stopping at the first beyond `maxWaitMs`.
 */
export function reserveMany(tat: number, nowMs: number, params: BucketParams, maxWaitMs: number, count: number): ManyReservation {
  const base = Math.max(tat, nowMs);
  const fits = Math.floor((nowMs + maxWaitMs + params.toleranceMs - base) / params.intervalMs) + 1;
  const granted = Math.max(0, Math.min(count, fits));
  return { granted, baseOffsetMs: base - nowMs, tat: granted > 0 ? base + granted * params.intervalMs : tat };
}

/** ms until slot `index` of a reservation whose base is `baseOffsetMs` away (0 = now). */
export function slotWaitMs(baseOffsetMs: number, index: number, params: BucketParams): number {
  return Math.max(0, baseOffsetMs + index * params.intervalMs - params.toleranceMs);
}

/** After a 429 with Retry-After: no call before `nowMs + retryAfterMs`, on any worker. */
export function pause(tat: number, nowMs: number, params: BucketParams, retryAfterMs: number): number {
  return Math.max(tat, nowMs + retryAfterMs + params.toleranceMs);
}

/**
 * Parses per-operation limits, `METHOD /path=N[,METHOD /path=N…]` (N per window), e.g.
 * `POST /notifications=300,GET /payments=120`. Returns the map or the entry at fault.
 */
export function parseOperationLimits(text: string): { ok: true; limits: Map<string, number> } | { ok: false; problem: string } {
  const limits = new Map<string, number>();
  for (const raw of text.split(',')) {
    const entry = raw.trim();
    if (entry === '') continue;
    const match = /^(GET|POST|PATCH|PUT|DELETE) (\/[A-Za-z0-9_:/.-]*)=(\d+)$/.exec(entry);
    if (!match || Number(match[3]) < 1) return { ok: false, problem: `"${entry}" is not METHOD /path=N (N ≥ 1)` };
    limits.set(`${match[1]} ${match[2]}`, Number(match[3]));
  }
  return { ok: true, limits };
}

/**
 * The operation a Whop request belongs to, as Whop counts them: method plus path with ids
 * replaced, `POST /memberships/mem_1/add_free_days` → `POST /memberships/:id/add_free_days`.
 * Whop ids are `<prefix>_<base62>`; `me` (the key's own user) also stands for an id.
 */
/** Whop API route words of two parts that our gateway and the SDK calls we make use. */
const TWO_PART_ROUTE_WORDS = new Set(['dm_channels', 'dm_members', 'promo_codes', 'chat_channels', 'support_channels', 'access_tokens', 'payment_methods', 'retry_payment', 'mark_paid', 'setup_intents', 'team_members']);

export function operationOf(method: string, path: string): string {
  const relative = path.replace(/^.*?\/api\/v\d+/, '').split('?')[0] ?? '';
  // A route word is lowercase letters and underscores (add_free_days); anything else (digits, capitals,
  // dots, encoded text) is a value, so no member's id ever becomes a stored budget key.
  // A one-underscore word looks like an id (user_owner) unless it is one of Whop's route words we call.
  const segments = relative.split('/').map((s) => ((/^[a-z]+_[A-Za-z0-9]+$/.test(s) && !TWO_PART_ROUTE_WORDS.has(s)) || s === 'me' || /[^a-z_]/.test(s) ? ':id' : s));
  return `${method.toUpperCase()} ${segments.join('/') || '/'}`;
}
