import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signV1, signV5 } from '../support/sign-webhook.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-database.ts';
import { startTestService, waitFor, type TestService } from '../support/test-service.ts';
import { buildLegacyWhopEvent, buildWhopEvent, newWhopMessageId } from '../support/whop-fixtures.ts';

/**
 * Thousands of hostile bodies, signed and unsigned, sent in bursts that share group-commit batches
 * with good deliveries: no answer is a 5xx, every good delivery is stored and becomes a case, and
 * no stored hostile row is retried in a loop (each ends processed, ignored or failed on its first go).
 */
const NUL = '\u0000';
const LONG_ID = `mem_${'x'.repeat(2700)}`;

/** Built as text: JSON.stringify itself recurses and would overflow first. */
function deepJson(depth: number): string {
  return `${'{"membership_id":"mem_deep","data":'.repeat(depth)}{}${'}'.repeat(depth)}`;
}

const hostileDataPatch = fc.oneof(
  fc.constant({ membership: { id: `mem_${NUL}x` } }),
  fc.constant({ membership: { id: LONG_ID } }),
  fc.constant({ user: { id: `user_${NUL}`, email: `a${NUL}@example.test` } }),
  fc.constant({ failure_message: `declined${NUL}` }),
  fc.constant({ company: { id: `biz_${NUL}`, title: `T${NUL}` } }),
  fc.constant({ company: { id: `biz_${'y'.repeat(3000)}` } }),
  fc.constant({ company: { title: 'z'.repeat(5000) } }),
  fc.integer({ min: -1_000_000_000, max: -1 }).map((total) => ({ total })),
  fc.constantFrom(9e15, 1e300, -0.001, Number.MAX_SAFE_INTEGER).map((total) => ({ total })),
  fc.constantFrom('0000-01-01T00:00:00.000Z', '+010000-01-01T00:00:00.000Z', '1969-07-20T20:17:00.000Z', '2999-01-01T00:00:00.000Z', 'yesterday', '').map((last_payment_attempt) => ({ last_payment_attempt, created_at: last_payment_attempt })),
  fc.constantFrom('usd', 'US$', `us${NUL}`, '').map((currency) => ({ currency })),
  fc.jsonValue({ maxDepth: 4 }).map((junk) => ({ membership: junk, user: junk })),
);

const hostileBody = fc.oneof(
  // v1 payment.failed with one hostile field
  hostileDataPatch.map((data) => ({ kind: 'v1' as const, body: JSON.stringify(buildWhopEvent('payment.failed', { data: { ...data, id: `pay_${newWhopMessageId()}` } })) })),
  // v1 envelope fields that PostgreSQL cannot index or store
  fc.constantFrom(`payment.failed${NUL}`, 'x'.repeat(3000), '', 'membership.activated').map((type) => ({ kind: 'v1' as const, body: JSON.stringify({ ...buildWhopEvent('payment.failed'), type }) })),
  fc.constantFrom(`biz_${NUL}`, `biz_${'q'.repeat(2800)}`).map((company_id) => ({ kind: 'v1' as const, body: JSON.stringify({ ...buildWhopEvent('payment.failed'), company_id, data: { ...buildWhopEvent('payment.failed').data, company: { id: company_id } } }) })),
  // legacy v5: 10k-deep, NUL, overlong, seconds out of range
  fc.constantFrom(10_000, 2_000).map((depth) => ({ kind: 'v5' as const, body: `{"api_version":"v5","action":"payment.failed","company":"biz_deep","data":${deepJson(depth)}}` })),
  fc.constantFrom(10_000).map((depth) => ({ kind: 'v1' as const, body: `{"id":"msg_deep${Math.random()}","type":"payment.failed","company_id":"biz_deep","data":${deepJson(depth)}}` })),
  hostileDataPatch.map((data) => ({ kind: 'v5' as const, body: JSON.stringify(buildLegacyWhopEvent('payment.failed', { data })) })),
  fc.constantFrom(-62_200_000_000, 253_402_300_800, 1e12).map((seconds) => ({ kind: 'v5' as const, body: JSON.stringify(buildLegacyWhopEvent('payment.failed', { data: { last_payment_attempt: seconds, created_at: seconds } })) })),
  // arbitrary JSON and arbitrary text
  fc.jsonValue({ maxDepth: 6 }).map((json) => ({ kind: 'v1' as const, body: JSON.stringify(json) })),
  fc.string({ maxLength: 200, unit: 'binary' }).map((text) => ({ kind: 'v1' as const, body: text })),
);

describe('hostile webhook bodies', () => {
  let database: TestDatabase;
  let service: TestService;

  beforeAll(async () => {
    database = await createTestDatabase();
    service = await startTestService(database, { env: { NUDGE_INTERVAL_SECONDS: '3600', RATE_LIMIT_COMPANY_WEBHOOKS_PER_MINUTE: '1000000' } });
  });
  afterAll(async () => {
    await service?.stop();
    await database?.close();
  });

  it('0 answers 5xx, good deliveries in the same bursts are stored and become cases, hostile rows are never retried', async () => {
    const samples = fc.sample(hostileBody, { numRuns: 2000, seed: 14 });
    const statuses = new Map<number, number>();
    const goodMemberships: string[] = [];
    const BURST = 25;
    for (let start = 0; start < samples.length; start += BURST) {
      const burst = samples.slice(start, start + BURST);
      const requests = burst.flatMap(({ kind, body }, i) => {
        const signed = kind === 'v5' ? signV5(body, service.webhookSecret) : signV1(body, service.webhookSecret);
        // Every fifth hostile body also arrives unsigned; the rest are signed, as an attacker holding no secret cannot, but a buggy sender can.
        return i % 5 === 0 ? [{ body, headers: signed }, { body, headers: { 'content-type': 'application/json' } }] : [{ body, headers: signed }];
      });
      // One good delivery per burst, sent in the same tick so it shares the batch.
      const membershipId = `mem_good_${start}`;
      goodMemberships.push(membershipId);
      const good = JSON.stringify(buildWhopEvent('payment.failed', { company_id: 'biz_good', data: { id: `pay_good_${start}`, company: { id: 'biz_good' }, membership: { id: membershipId }, last_payment_attempt: new Date(Date.now() - 60_000).toISOString() } }));
      requests.splice(Math.floor(requests.length / 2), 0, { body: good, headers: signV1(good, service.webhookSecret) });
      const answers = await Promise.all(requests.map(({ body, headers }) => fetch(`${service.url}/api/webhooks/whop`, { method: 'POST', body, headers }).then(async (r) => ({ status: r.status, text: await r.text(), good: body === good }))));
      for (const answer of answers) {
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        if (answer.status >= 500) throw new Error(`5xx for a hostile body: ${answer.status} ${answer.text.slice(0, 200)}`);
        if (answer.good) expect(answer.status, answer.text).toBe(200);
      }
    }
    console.log('hostile bodies sent:', samples.length, 'answers by status:', JSON.stringify(Object.fromEntries(statuses)));
    expect([...statuses.keys()].every((s) => s < 500)).toBe(true);

    // Every good delivery became its case.
    await waitFor(async () => {
      const { rows } = await database.sql.query<{ n: number }>(`SELECT count(DISTINCT whop_membership_id)::int AS n FROM recovery_cases WHERE company_id = 'biz_good'`);
      return rows[0]!.n === goodMemberships.length;
    }, 60_000, 'a case for every good delivery');
    // Every stored row settles on its first attempt: none left pending, none retried.
    await waitFor(async () => {
      const { rows } = await database.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM webhook_events WHERE status = 'pending'`);
      return rows[0]!.n === 0;
    }, 60_000, 'no pending rows');
    const { rows: attempts } = await database.sql.query<{ status: string; attempts: number; n: number }>(`SELECT status, attempts, count(*)::int AS n FROM webhook_events GROUP BY 1, 2 ORDER BY 1, 2`);
    console.log('stored rows by status and attempts:', JSON.stringify(attempts));
    expect(attempts.every((r) => r.attempts <= 1)).toBe(true);
    // No case from an absurd amount or a date no Whop event holds.
    const { rows: bad } = await database.sql.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM membership_facts WHERE amount_cents < 0 OR amount_cents > 1000000000 OR occurred_at < '2015-01-01' OR occurred_at > now() + interval '1 day'`,
    );
    expect(bad[0]!.n).toBe(0);
    const { rows: reasons } = await database.sql.query<{ error: string }>(`SELECT DISTINCT error FROM webhook_events WHERE status = 'failed' AND error LIKE 'invalid_fact:%' LIMIT 5`);
    expect(reasons.length).toBeGreaterThan(0);
  }, 300_000);
});
