import type { SqlRunner } from '../../src/db/client.ts';
import type { WhopApiFake } from '../fakes/whop-api.ts';
import { signV1 } from './sign-webhook.ts';
import { newWhopMessageId } from './whop-fixtures.ts';
import { waitFor } from './test-service.ts';

/** What Whop holds for one company that no webhook announced: a failed renewal, a collected payment, a cancellation. */
export interface MissedStory {
  companyId: string;
  /** A failed payment of a member we never heard of. */
  failed: { paymentId: string; membershipId: string; at: string };
  /** The renewal of `membershipId` (its case opened by a delivery) collected during the outage. */
  paid: { paymentId: string; membershipId: string; at: string };
  /** A member who cancelled during the outage; Whop edited the membership again later (updated_at moved on). */
  churned: { membershipId: string; canceledAt: string; updatedAt: string };
}

/** The story's events `stepMs` apart, the last edit one step before `now` (default: 40, 30, 20 and 10 minutes ago). */
export function missedStory(companyId: string, prefix: string, times: { now?: number; stepMs?: number } = {}): MissedStory {
  const now = times.now ?? Date.now();
  const step = times.stepMs ?? 10 * 60_000;
  const iso = (steps: number) => new Date(now - steps * step).toISOString();
  return {
    companyId,
    failed: { paymentId: `pay_${prefix}missed`, membershipId: `mem_${prefix}missed`, at: iso(4) },
    paid: { paymentId: `pay_${prefix}paid`, membershipId: `mem_${prefix}known`, at: iso(3) },
    churned: { membershipId: `mem_${prefix}churned`, canceledAt: iso(2), updatedAt: iso(1) },
  };
}

/** Seeds the fake with the story's objects, exactly as Whop's REST API would return them. */
export function holdMissedStory(whop: WhopApiFake, story: MissedStory): void {
  const company = { id: story.companyId, route: 'co', title: 'Reconciled Co' };
  whop.setPayment(story.failed.paymentId, {
    company, membership: { id: story.failed.membershipId, status: 'past_due', phone_number: null },
    user: { id: `user_${story.failed.membershipId}`, email: `${story.failed.membershipId}@example.test`, name: 'Missed', username: 'missed' },
    status: 'open', substatus: 'failed', failure_message: 'Your card was declined.', last_payment_attempt: story.failed.at, created_at: story.failed.at, updated_at: story.failed.at, total: 10, currency: 'usd',
  });
  whop.setPayment(story.paid.paymentId, {
    company, membership: { id: story.paid.membershipId, status: 'active', phone_number: null },
    user: { id: `user_${story.paid.membershipId}`, email: `${story.paid.membershipId}@example.test`, name: 'Known', username: 'known' },
    status: 'paid', substatus: 'succeeded', failure_message: null, paid_at: story.paid.at, created_at: story.paid.at, updated_at: story.paid.at, total: 10, currency: 'usd',
  });
  whop.setMembership(story.churned.membershipId, {
    company: { id: story.companyId, title: 'Reconciled Co' }, status: 'canceled', canceled_at: story.churned.canceledAt, updated_at: story.churned.updatedAt,
    cancellation_reason: 'too expensive',
  });
}

/** The delivery that opened the known member's case before the outage (their renewal failed). */
export function knownFailureEvent(story: MissedStory): Record<string, unknown> {
  const at = new Date(Date.parse(story.paid.at) - 3_600_000).toISOString();
  return {
    id: newWhopMessageId(), api_version: 'v1', type: 'payment.failed', timestamp: at, company_id: story.companyId,
    data: {
      id: `pay_${story.paid.membershipId}_first`, status: 'open', substatus: 'failed', company: { id: story.companyId, title: 'Reconciled Co' },
      membership: { id: story.paid.membershipId, status: 'past_due' }, user: { id: `user_${story.paid.membershipId}`, email: `${story.paid.membershipId}@example.test` },
      total: 10, subtotal: 10, currency: 'usd', failure_message: 'Your card was declined.', last_payment_attempt: at, created_at: at, updated_at: at,
    },
  };
}

/**
 * The webhooks Whop could not deliver during the outage, arriving late: the same objects (a webhook's
 * data serializes like a REST read), with Whop's own message ids; the cancellation as it was when it
 * happened (updated_at = the cancellation, before the later edit the REST read shows).
 */
export function lateWebhooks(whop: WhopApiFake, story: MissedStory): Record<string, unknown>[] {
  const envelope = (type: string, data: unknown, at: string) => ({ id: newWhopMessageId(), api_version: 'v1', type, timestamp: at, company_id: story.companyId, data });
  const membership = whop.membership(story.churned.membershipId)!;
  return [
    envelope('payment.failed', whop.payment(story.failed.paymentId), story.failed.at),
    envelope('payment.succeeded', whop.payment(story.paid.paymentId), story.paid.at),
    envelope('membership.deactivated', { ...membership, updated_at: story.churned.canceledAt }, story.churned.canceledAt),
  ];
}

export async function deliver(url: string, secret: string, body: Record<string, unknown>): Promise<number> {
  const text = JSON.stringify(body);
  const response = await fetch(`${url}/api/webhooks/whop`, { method: 'POST', body: text, headers: signV1(text, secret, { id: String(body.id) }) });
  await response.arrayBuffer();
  return response.status;
}

export interface StoryCounts {
  cases: { whop_membership_id: string; status: string; failure_count: number }[];
  facts: Record<string, number>;
  churnedFactAt: string | null;
}

/** Cases and facts of the story's company, as stored. */
export async function countStory(sql: SqlRunner, story: MissedStory): Promise<StoryCounts> {
  const cases = await sql.query<{ whop_membership_id: string; status: string; failure_count: number }>(
    `SELECT whop_membership_id, status, failure_count FROM recovery_cases WHERE company_id = $1 ORDER BY whop_membership_id, first_failure_at`, [story.companyId]);
  const facts = await sql.query<{ key: string; n: number }>(
    `SELECT whop_membership_id || ' ' || kind AS key, count(*)::int AS n FROM membership_facts WHERE company_id = $1 GROUP BY 1`, [story.companyId]);
  const churned = await sql.query<{ at: Date }>(`SELECT occurred_at AS at FROM membership_facts WHERE whop_membership_id = $1`, [story.churned.membershipId]);
  return {
    cases: cases.rows.map((r) => ({ whop_membership_id: r.whop_membership_id, status: r.status, failure_count: Number(r.failure_count) })),
    facts: Object.fromEntries(facts.rows.map((r) => [r.key, Number(r.n)])),
    churnedFactAt: churned.rows[0] ? new Date(churned.rows[0].at).toISOString() : null,
  };
}

/** The cases the story must produce, once each: the churned member's and the missed failure's open, the known case recovered. */
export function expectedCases(story: MissedStory): { whop_membership_id: string; status: string }[] {
  return [
    { whop_membership_id: story.churned.membershipId, status: 'open' },
    { whop_membership_id: story.paid.membershipId, status: 'recovered' },
    { whop_membership_id: story.failed.membershipId, status: 'open' },
  ].sort((a, b) => a.whop_membership_id.localeCompare(b.whop_membership_id));
}

export const caseKeys = (counts: StoryCounts) => counts.cases.map(({ whop_membership_id, status }) => ({ whop_membership_id, status }));

export async function waitUntilProcessed(sql: SqlRunner, timeoutMs = 20_000): Promise<void> {
  await waitFor(async () => {
    const { rows } = await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM webhook_events WHERE status = 'pending'`);
    return Number(rows[0]!.n) === 0;
  }, timeoutMs, 'every stored webhook event processed');
}
