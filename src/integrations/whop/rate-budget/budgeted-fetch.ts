import { operationOf } from '../../../domain/rate-budget.ts';
import type { Metrics } from '../../../observability/metrics.ts';
import { keepAliveFetch } from '../keep-alive-fetch.ts';
import type { RateBudget } from './rate-budget.ts';

type Fetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** Set on a 429 the budget made up (the call never left): callers and logs can tell it from Whop's. */
export const DEFERRED_HEADER = 'x-churn-saver-deferred';

/**
 * Whop calls always followed by another (whop-gateway.ts sendDirectMessage: the DM channel, then
 * its message): the follower's slot is reserved with the first's, one budget round trip for both.
 */
const FOLLOWED_BY: ReadonlyMap<string, string> = new Map([['POST /dm_channels', 'POST /messages']]);

/**
 * The `fetch` the Whop SDK is built with (gateway and list reader): every request Churn Saver
 * sends to Whop passes the fleet's budget first, whatever gateway method made it. Over budget
 * for longer than `maxWaitMs`, it answers a local 429 with `retry-after-ms` instead of calling
 * (the SDK maps it to a retryable RateLimitError); Whop's own 429 pauses the operation for
 * every worker for its Retry-After. The per-call timeout starts once the slot is reached
 * (`callTimeoutMs`): waiting for the budget is not the provider being slow. The SDK's own timeout
 * must therefore cover both (runtime.ts sets it to maxWaitMs + callTimeoutMs).
 */
export function createBudgetedFetch(budget: RateBudget, options: { maxWaitMs: number; callTimeoutMs: number; metrics?: Metrics; fetch?: Fetch }): Fetch {
  const inner: Fetch = options.fetch ?? keepAliveFetch;
  return async (input, init) => {
    const method = init?.method ?? (input instanceof Request ? input.method : 'GET');
    const url = new URL(input instanceof Request ? input.url : String(input));
    const operation = operationOf(method, url.pathname);
    const follower = FOLLOWED_BY.get(operation);
    const slot = await budget.acquire(operation, options.maxWaitMs, follower ? { alsoReserve: follower } : undefined);
    if (!slot.ok) {
      options.metrics?.whopCallsDeferred.inc({ operation });
      const message = `Deferred by the shared Whop rate budget: next ${operation} slot in ${Math.ceil(slot.retryAfterMs / 1000)} s`;
      return new Response(JSON.stringify({ error: { type: 'rate_limit_exceeded', message } }), {
        status: 429,
        headers: { 'content-type': 'application/json', 'retry-after-ms': String(Math.max(1, Math.ceil(slot.retryAfterMs))), [DEFERRED_HEADER]: '1' },
      });
    }
    const response = await inner(input, { ...init, signal: AbortSignal.timeout(options.callTimeoutMs) });
    if (response.status === 429) {
      options.metrics?.whopCallsThrottled.inc({ operation });
      await budget.pause(operation, retryAfterMsOf(response.headers) ?? 1000).catch(() => {});
    }
    return response;
  };
}

/** Whop's Retry-After (seconds or an HTTP date) or retry-after-ms, in ms; null without one. */
export function retryAfterMsOf(headers: Headers): number | null {
  const ms = Number(headers.get('retry-after-ms'));
  if (Number.isFinite(ms) && ms > 0) return ms;
  const value = headers.get('retry-after');
  if (!value) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : null;
}
