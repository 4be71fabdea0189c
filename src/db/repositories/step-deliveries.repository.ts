import { and, eq, inArray, sql, type SQL } from 'drizzle-orm';
import { queryRows, type Queryable } from '../client.ts';
import { emailLookupHash, fieldCipher, storableEventDetail } from '../encrypted-text.ts';
import { caseEvents } from '../schema/case-events.ts';
import { deliveries, type DeliveryChannel, type DeliveryStatus } from '../schema/deliveries.ts';
import { recoveryCases } from '../schema/recovery-cases.ts';
import type { Delivery } from './nudges.repository.ts';

/** Why a dead worker's `sending` row became `unknown`. */
export const INTERRUPTED_ERROR = 'interrupted during the provider call: it may have been delivered, so it is not sent again';

type Row = {
  id: string; company_id: string; case_id: string; step: number; channel: DeliveryChannel; status: DeliveryStatus; attempts: number;
  next_attempt_at: string | Date | null; provider_message_id: string | null; error: string | null; rendered_subject: string | null; rendered_body: string | null;
  test_variant: 'a' | 'b' | null; created_at: string | Date; updated_at: string | Date; sent_at: string | Date | null; mine: boolean;
};
const NAMES = ['id', 'company_id', 'case_id', 'step', 'channel', 'status', 'attempts', 'next_attempt_at', 'provider_message_id', 'error', 'rendered_subject', 'rendered_body', 'test_variant', 'created_at', 'updated_at', 'sent_at'];
const COLUMNS = sql.raw(NAMES.join(', '));
const D_COLUMNS = sql.raw(NAMES.map((n) => `d.${n}`).join(', '));
const date = (v: string | Date | null): Date | null => (v === null ? null : new Date(v));

function deliveryOf(r: Row): Delivery {
  const cipher = fieldCipher();
  return {
    id: r.id, companyId: r.company_id, caseId: r.case_id, step: r.step, channel: r.channel, status: r.status, attempts: r.attempts,
    nextAttemptAt: date(r.next_attempt_at), providerMessageId: r.provider_message_id, error: cipher.decryptNullable(r.error) as string | null,
    renderedSubject: cipher.decryptNullable(r.rendered_subject) as string | null, renderedBody: cipher.decryptNullable(r.rendered_body) as string | null,
    testVariant: r.test_variant, createdAt: new Date(r.created_at), updatedAt: new Date(r.updated_at), sentAt: date(r.sent_at),
  };
}

/**
 * The step's deliveries on `channels`, made ready to attempt in ONE statement (one commit), before
 * any provider call: rows seen for the first time are created `sending`; a `sending` row a dead
 * worker left past `interruptedBefore` becomes `unknown` (it may have been delivered: never resent);
 * a pending row whose retry is due becomes `sending`. `mine` lists the rows this call moved to
 * `sending` (only those may be attempted: a kill after this leaves `sending`, at most once).
 */
export async function startStepDeliveries(
  q: Queryable,
  key: { companyId: string; caseId: string; step: number },
  channels: DeliveryChannel[],
  testVariantOf: (channel: DeliveryChannel) => 'a' | 'b' | null,
  now: Date,
  interruptedBefore: Date,
): Promise<{ rows: Delivery[]; mine: Set<string> }> {
  if (channels.length === 0) return { rows: [], mine: new Set() };
  const at = now.toISOString();
  const list = sql`ARRAY[${sql.join(channels.map((c) => sql`${c}`), sql`, `)}]::text[]`;
  const variants = sql`ARRAY[${sql.join(channels.map((c) => sql`${testVariantOf(c)}`), sql`, `)}]::text[]`;
  const rows = await queryRows<Row>(q, sql`
    WITH ins AS (
      INSERT INTO deliveries (company_id, case_id, step, channel, status, test_variant, created_at, updated_at)
      SELECT ${key.companyId}, ${key.caseId}::uuid, ${key.step}, t.channel, 'sending', t.variant, ${at}::timestamptz, ${at}::timestamptz
      FROM unnest(${list}, ${variants}) AS t(channel, variant)
      ON CONFLICT (case_id, step, channel) DO NOTHING
      RETURNING ${COLUMNS}, true AS mine
    ), upd AS (
      UPDATE deliveries d SET
        status = CASE WHEN d.status = 'sending' THEN 'unknown' ELSE 'sending' END,
        error = CASE WHEN d.status = 'sending' THEN ${fieldCipher().encrypt(INTERRUPTED_ERROR)} ELSE d.error END,
        updated_at = ${at}::timestamptz
      WHERE d.case_id = ${key.caseId}::uuid AND d.step = ${key.step} AND d.channel = ANY(${list})
        AND ((d.status = 'sending' AND d.updated_at <= ${interruptedBefore.toISOString()}::timestamptz)
          OR (d.status = 'pending' AND (d.next_attempt_at IS NULL OR d.next_attempt_at <= ${at}::timestamptz)))
      RETURNING ${D_COLUMNS}, d.status = 'sending' AS mine
    )
    SELECT * FROM ins
    UNION ALL SELECT * FROM upd
    UNION ALL SELECT ${COLUMNS}, false AS mine FROM deliveries
      WHERE case_id = ${key.caseId}::uuid AND step = ${key.step} AND channel = ANY(${list}) AND id NOT IN (SELECT id FROM upd)`);
  const found = rows.map(deliveryOf);
  const mine = new Set(rows.filter((r) => r.mine).map((r) => r.id));
  if (found.length === channels.length) return { rows: found, mine };
  // A row created by a concurrent statement after this one's snapshot: read the committed rows (none is ours).
  const committed = await q.select().from(deliveries).where(and(eq(deliveries.caseId, key.caseId), eq(deliveries.step, key.step), inArray(deliveries.channel, channels)));
  return { rows: committed.map((d) => found.find((f) => f.id === d.id) ?? d), mine };
}

/** One channel's outcome, as `deliverStep` decided it. */
export type DeliveryOutcome = {
  id: string;
  status: DeliveryStatus;
  attempts?: number;
  nextAttemptAt?: Date | null;
  providerMessageId?: string | null;
  error?: string | null;
  renderedSubject?: string | null;
  renderedBody?: string | null;
  sentAt?: Date | null;
};

export type CaseNudgeUpdate = Partial<Pick<typeof recoveryCases.$inferInsert, 'nextNudgeAt' | 'stepsSent' | 'lastNudgeAt' | 'nudgeClaimedUntil' | 'memberName' | 'memberEmail' | 'whopProductId' | 'whopUserId' | 'manageUrl' | 'whopProductTitle'>>;
export type CaseEventRow = { companyId: string; caseId: string; status: string; reason: string; actor: string; source: 'outreach' | 'action'; detail?: Record<string, unknown>; at: Date };

/**
 * Everything a nudge ends with, in ONE statement (one commit): every channel's outcome, the
 * timeline row (its `why` encrypted, as appendCaseEvent stores it), and the case's update (the
 * lease released, the step counted, the next nudge). Personal columns go through Drizzle's
 * encrypted codecs. Atomic: a kill before it leaves the rows `sending` (they become `unknown`).
 */
export async function recordNudgeOutcome(
  q: Queryable,
  outcome: { caseId: string; deliveries: readonly DeliveryOutcome[]; event?: CaseEventRow | null; update: CaseNudgeUpdate; now: Date },
): Promise<void> {
  const parts: SQL[] = outcome.deliveries.map(({ id, ...set }, i) => sql`${sql.raw(`d${i}`)} AS (${q.update(deliveries).set({ ...set, updatedAt: outcome.now }).where(eq(deliveries.id, id)).getSQL()})`);
  const e = outcome.event;
  if (e) {
    parts.push(sql`e AS (${q.insert(caseEvents).values({
      companyId: e.companyId, caseId: e.caseId, fromStatus: e.status, toStatus: e.status, reason: e.reason, actor: e.actor, source: e.source, detail: storableEventDetail(e.detail ?? null), at: e.at,
    }).getSQL()})`);
  }
  const hash = outcome.update.memberEmail !== undefined ? { memberEmailHash: emailLookupHash(outcome.update.memberEmail) } : {};
  const caseUpdate = q.update(recoveryCases).set({ ...outcome.update, ...hash }).where(eq(recoveryCases.id, outcome.caseId));
  if (parts.length === 0) {
    await caseUpdate;
    return;
  }
  // .getSQL(): a builder inside sql`` would be wrapped in parentheses, which a CTE body cannot be.
  await q.execute(sql`WITH ${sql.join(parts, sql`, `)} ${caseUpdate.getSQL()}`);
}
