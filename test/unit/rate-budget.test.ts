import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bucketParams, operationOf, parseOperationLimits, pause, reserve, reserveMany, slotWaitMs } from '../../src/domain/rate-budget.ts';

/** Calls sent when `callers` each reserve at `arrivals[i]` and go at their slot (refused ones are dropped). */
function schedule(arrivals: number[], rate: { limit: number; windowMs: number; burst: number }, maxWaitMs: number): number[] {
  const params = bucketParams(rate);
  let tat = 0;
  const sent: number[] = [];
  for (const at of arrivals) {
    const r = reserve(tat, at, params, maxWaitMs);
    tat = r.tat;
    if (r.granted) sent.push(at + r.waitMs);
  }
  return sent.sort((a, b) => a - b);
}

function busiestWindow(times: number[], windowMs: number): number {
  let most = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i]! - times[j]! >= windowMs) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

describe('the shared Whop budget (GCRA)', () => {
  const whop = { limit: 600, windowMs: 60_000, burst: 10 };

  it.each([
    ['a backlog of 2000 calls at once', Array.from({ length: 2000 }, () => 0)],
    ['a steady 20 calls a second for 3 minutes', Array.from({ length: 3600 }, (_, i) => i * 50)],
    ['bursts of 300 every 20 s', Array.from({ length: 1500 }, (_, i) => Math.floor(i / 300) * 20_000)],
  ])('%s: no 60 s window carries more than Whop’s 600', (_what, arrivals) => {
    const sent = schedule(arrivals, whop, Number.POSITIVE_INFINITY);
    expect(sent).toHaveLength(arrivals.length);
    expect(busiestWindow(sent, 60_000)).toBeLessThanOrEqual(600);
  });

  it('a backlog drains at close to the budget, not far below it (10 minutes of it: ≥ 95 % of 600 a minute)', () => {
    const sent = schedule(Array.from({ length: 6000 }, () => 0), whop, Number.POSITIVE_INFINITY);
    const lastMinute = sent.filter((t) => t >= 9 * 60_000 && t < 10 * 60_000).length;
    expect(lastMinute).toBeGreaterThanOrEqual(570);
  });

  it('the first `burst` calls go at once, then calls are spaced', () => {
    const sent = schedule([0, 0, 0, 0], { limit: 10, windowMs: 2000, burst: 2 }, Number.POSITIVE_INFINITY);
    expect(sent.slice(0, 2)).toEqual([0, 0]);
    expect(sent[2]).toBeGreaterThan(0);
    expect(sent[3]! - sent[2]!).toBe(bucketParams({ limit: 10, windowMs: 2000, burst: 2 }).intervalMs);
  });

  it('a call that would wait longer than its patience is refused and reserves nothing', () => {
    const params = bucketParams({ limit: 10, windowMs: 2000, burst: 1 });
    const granted = reserve(0, 1000, params, 0);
    expect(granted.granted).toBe(true);
    const refused = reserve(granted.tat, 1000, params, 10);
    expect(refused).toMatchObject({ granted: false, tat: granted.tat });
    expect(refused.waitMs).toBe(params.intervalMs);
  });

  it('reserving n slots at once is n reserves in a row: the same slots, the same tat, stopping at the first beyond the wait', () => {
    fc.assert(
      fc.property(
        fc.record({ limit: fc.integer({ min: 2, max: 1000 }), windowMs: fc.integer({ min: 1000, max: 120_000 }), burst: fc.integer({ min: 1, max: 20 }) }),
        fc.integer({ min: 0, max: 200_000 }), fc.integer({ min: 0, max: 100_000 }), fc.integer({ min: 0, max: 30_000 }), fc.integer({ min: 1, max: 64 }),
        (rate, tat, now, maxWaitMs, count) => {
          const params = bucketParams(rate);
          let t = tat;
          const waits: number[] = [];
          for (let i = 0; i < count; i++) {
            const r = reserve(t, now, params, maxWaitMs);
            if (!r.granted) break;
            waits.push(r.waitMs);
            t = r.tat;
          }
          const many = reserveMany(tat, now, params, maxWaitMs, count);
          expect(many.granted).toBe(waits.length);
          expect(many.tat).toBe(t);
          expect(waits.map((_, i) => slotWaitMs(many.baseOffsetMs, i, params))).toEqual(waits);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('after a 429 with Retry-After no slot is given before it ends', () => {
    const params = bucketParams(whop);
    const paused = pause(0, 1000, params, 5000);
    expect(reserve(paused, 1000, params, Number.POSITIVE_INFINITY).waitMs).toBe(5000);
  });

  it.each([
    ['POST', 'https://api.whop.com/api/v1/memberships/mem_3kVx9QwErT5yUi/add_free_days', 'POST /memberships/:id/add_free_days'],
    ['GET', '/api/v1/users/user_1/access/biz_2', 'GET /users/:id/access/:id'],
    ['GET', '/api/v1/payments?company_id=biz_1', 'GET /payments'],
    ['post', '/api/v1/notifications', 'POST /notifications'],
    // Two-part route words are Whop's routes, not ids: a DM channel and a promo code have budgets of their own.
    ['POST', '/api/v1/dm_channels', 'POST /dm_channels'],
    ['POST', '/api/v1/promo_codes', 'POST /promo_codes'],
    ['GET', '/api/v1/users/user_owner', 'GET /users/:id'],
    // An id of any shape is a value, never part of the key (the key is stored, and must hold no member's id).
    ['POST', '/api/v1/payments/pay_mem_dana2_payment.failed/retry', 'POST /payments/:id/retry'],
    ['GET', '/api/v1/memberships/R2D2%40x', 'GET /memberships/:id'],
  ])('%s %s counts as %s', (method, path, operation) => {
    expect(operationOf(method, path.replace(/^https?:\/\/[^/]+/, ''))).toBe(operation);
  });

  it('per-operation limits parse, and a malformed entry is named', () => {
    const parsed = parseOperationLimits('POST /notifications=300, GET /payments=120');
    expect(parsed).toEqual({ ok: true, limits: new Map([['POST /notifications', 300], ['GET /payments', 120]]) });
    expect(parseOperationLimits('POST /notifications=300,notifications=5')).toEqual({ ok: false, problem: '"notifications=5" is not METHOD /path=N (N ≥ 1)' });
  });
});
