import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/observability/metrics.ts';
import { createRateBudget, type RateBudget } from '../../src/integrations/whop/rate-budget/rate-budget.ts';
import { createBudgetedFetch } from '../../src/integrations/whop/rate-budget/budgeted-fetch.ts';
import { createWhopGateway } from '../../src/integrations/whop/whop-gateway.ts';
import { startWhopApiFake, type WhopApiFake } from '../fakes/whop-api.ts';
import { BACKEND, TEST_REDIS_URL, createTestDatabase, type TestDatabase } from '../support/test-database.ts';

const stores: [string, string | undefined][] = [['PostgreSQL', undefined], ...(BACKEND === 'postgres' && TEST_REDIS_URL ? [['Redis', TEST_REDIS_URL] as [string, string]] : [])];

describe.each(stores)('the Whop budget in %s', (_name, redisUrl) => {
  let database: TestDatabase;
  const budgets: RateBudget[] = [];
  const scope = `test-${Math.random().toString(36).slice(2)}`;
  // As the service does at start: wait (at most 1 s) for Redis, so the test's budgets do not start split between stores.
  const budget = async (over: Partial<Parameters<typeof createRateBudget>[0]> = {}) => {
    const b = createRateBudget({ redisUrl, sql: database.sql, defaultLimit: 10, windowMs: 60_000, burst: 5, scope, ...over });
    budgets.push(b);
    await b.ready();
    return b;
  };

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    for (const b of budgets) await b.close();
    await database?.close();
  });

  it('is atomic across workers: 40 simultaneous calls from two budgets, none willing to wait, get exactly the 5 of the burst', async () => {
    const [a, b] = [await budget(), await budget()];
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).acquire('POST /notifications', 0)));
    expect(results.filter((r) => r.ok)).toHaveLength(5);
    expect(results.every((r) => r.store === (redisUrl ? 'redis' : 'postgres'))).toBe(true);
    const refused = results.find((r) => !r.ok)!;
    expect(refused.ok || refused.retryAfterMs).toBeGreaterThan(0);
  });

  it('a worker’s concurrent calls share round trips to the store, and still get the burst, then spaced slots', async () => {
    let reserves = 0;
    const counted = { query: ((text: string, params?: unknown[]) => (reserves += /whop_rate_budget/.test(text) && /INSERT/.test(text) ? 1 : 0, database.sql.query(text, params))) as typeof database.sql.query, exec: database.sql.exec };
    const b = await budget({ sql: counted, defaultLimit: 600 });
    const results = await Promise.all(Array.from({ length: 16 }, () => b.acquire('GET /users/:id', 10_000)));
    expect(results.every((r) => r.ok)).toBe(true);
    const waits = results.map((r) => (r.ok ? r.waitedMs : -1)).sort((x, y) => x - y);
    expect(waits.filter((w) => w === 0)).toHaveLength(5);
    const interval = Math.ceil((60_000 + 1000) / (600 - 5));
    for (let i = 6; i < waits.length; i++) expect(waits[i]! - waits[i - 1]!).toBe(interval);
    if (!redisUrl) expect(reserves).toBeLessThanOrEqual(3); // one for the first call, one for the 15 that queued behind it
  });

  it('operations are budgeted apart, and per-operation limits apply', async () => {
    const b = await budget({ limits: new Map([['GET /payments', 2]]) });
    const payments = await Promise.all(Array.from({ length: 6 }, () => b.acquire('GET /payments', 0)));
    const memberships = await Promise.all(Array.from({ length: 6 }, () => b.acquire('GET /memberships', 0)));
    expect(payments.filter((r) => r.ok)).toHaveLength(1); // burst is capped at half the limit
    expect(memberships.filter((r) => r.ok)).toHaveLength(5);
  });

  it('a DM costs one round trip to the store: the message’s slot is reserved with its channel’s, and counts against the message budget', async () => {
    let reserves = 0;
    const counted = { query: ((text: string, params?: unknown[]) => (reserves += /whop_rate_budget/.test(text) && /INSERT/.test(text) ? 1 : 0, database.sql.query(text, params))) as typeof database.sql.query, exec: database.sql.exec };
    const b = await budget({ sql: counted, limits: new Map([['POST /messages', 4]]) }); // messages: a burst of 2
    const [channel, message] = [await b.acquire('POST /dm_channels', 0, { alsoReserve: 'POST /messages' }), await b.acquire('POST /messages', 0)];
    expect([channel.ok, message.ok]).toEqual([true, true]);
    if (!redisUrl) expect(reserves).toBe(1);
    // The slot taken ahead was the burst's first: one more message fits, then none.
    const more = [await b.acquire('POST /messages', 0), await b.acquire('POST /messages', 0)];
    expect(more.map((r) => r.ok)).toEqual([true, false]);
  });

  it('a message slot reserved ahead is void once a 429 paused messages', async () => {
    const b = await budget({ limits: new Map([['POST /messages', 600]]) });
    await b.acquire('POST /dm_channels', 0, { alsoReserve: 'POST /messages' });
    await b.pause('POST /messages', 5000);
    expect((await b.acquire('POST /messages', 0)).ok).toBe(false);
  });

  it('a 429 one worker saw pauses the operation for the others for its Retry-After', async () => {
    const [seen, other] = [await budget(), await budget()];
    await seen.pause('POST /messages', 5000);
    const next = await other.acquire('POST /messages', 0);
    expect(next.ok).toBe(false);
    expect(next.ok ? 0 : next.retryAfterMs).toBeGreaterThan(4000);
  });
});

describe('when the budget’s stores fail', () => {
  let database: TestDatabase;
  let whop: WhopApiFake;
  beforeAll(async () => {
    database = await createTestDatabase();
    whop = await startWhopApiFake();
  });
  afterAll(async () => {
    await whop?.close();
    await database?.close();
  });

  it('with Redis unreachable, Whop calls still go out, budgeted in PostgreSQL, and the failure is counted', async () => {
    const metrics = createMetrics();
    // Nothing listens on port 1: every Redis command fails at once (no offline queue).
    const budget = createRateBudget({ redisUrl: 'redis://127.0.0.1:1', sql: database.sql, defaultLimit: 600, windowMs: 60_000, burst: 10, scope: 'down', metrics });
    const gateway = createWhopGateway({ apiKey: 'k', baseURL: whop.baseURL, fetch: createBudgetedFetch(budget, { maxWaitMs: 5000, callTimeoutMs: 5000, metrics }) });
    whop.setMembership('mem_down');
    const started = Date.now();
    for (let i = 0; i < 3; i++) expect((await gateway.getMembership('mem_down')).ok).toBe(true);
    console.log(`three budgeted calls with Redis unreachable took ${Date.now() - started} ms`);
    expect(budget.storeInUse()).toBe('postgres');
    expect((await metrics.registry.getSingleMetric('whop_rate_budget_store_failures_total')!.get()).values).toEqual([expect.objectContaining({ labels: { store: 'redis' }, value: 1 })]);
    await budget.close();
  });

  it('with the database failing too, calls still go out on the process’s own budget', async () => {
    const failing = { query: async () => { throw new Error('database down'); }, exec: async () => {} };
    const budget = createRateBudget({ redisUrl: 'redis://127.0.0.1:1', sql: failing, defaultLimit: 600, windowMs: 60_000, burst: 10, scope: 'down2' });
    expect(await budget.acquire('GET /memberships/:id', 0)).toMatchObject({ ok: true, store: 'local' });
    await budget.close();
  });

  it('a call over budget is deferred without reaching Whop, as a retryable failure with its wait', async () => {
    const metrics = createMetrics();
    const budget = createRateBudget({ sql: database.sql, defaultLimit: 2, windowMs: 60_000, burst: 1, scope: 'deferred', metrics });
    const gateway = createWhopGateway({ apiKey: 'k', baseURL: whop.baseURL, fetch: createBudgetedFetch(budget, { maxWaitMs: 100, callTimeoutMs: 5000, metrics }) });
    whop.setMembership('mem_deferred');
    whop.reset();
    expect((await gateway.getMembership('mem_deferred')).ok).toBe(true);
    const deferred = await gateway.getMembership('mem_deferred');
    expect(deferred).toMatchObject({ ok: false, retryable: true, status: 429 });
    expect(deferred.ok ? 0 : deferred.retryAfterMs).toBeGreaterThan(1000);
    expect(whop.callsTo('GET', '/memberships/mem_deferred')).toHaveLength(1);
    expect(await metrics.registry.metrics()).toMatch(/whop_api_calls_deferred_total\{operation="GET \/memberships\/:id"\} 1/);
    await budget.close();
  });
});
