import { and, eq, inArray, sql, type SQL } from 'drizzle-orm';
import { queryRows, type Queryable } from '../client.ts';
import { emailLookupHash, emailLookupHashes, fieldCipher, storableEventDetail, userLookupHashes } from '../encrypted-text.ts';
import type { OptOutChannel } from '../schema/member-opt-outs.ts';
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

export interface StepStart {
  companyId: string;
  caseId: string;
  step: number;
  channels: DeliveryChannel[];
  testVariantOf: (channel: DeliveryChannel) => 'a' | 'b' | null;
  now: Date;
  /** A `sending` row last touched before this was left by a dead worker. */
  interruptedBefore: Date;
  /** The member as Whop named them at this nudge: the statement also reads their opt-outs. */
  subject: { email: string | null; whopUserId: string | null };
}
/** `optOutRows`: the member's opt-out rows of the company (optOutsAmong tells the channels). */
export type StartedStep = { rows: Delivery[]; mine: Set<string>; optOutRows: { channel: OptOutChannel; subjectHash: string }[] };

/**
 * Steps' deliveries made ready to attempt, for any number of cases in ONE statement (one commit),
 * before any provider call: rows seen for the first time are created `sending`; a `sending` row a
 * dead worker left past `interruptedBefore` becomes `unknown` (it may have been delivered: never
 * resent); a pending row whose retry is due becomes `sending`. `mine` lists the rows this call
 * moved to `sending` (only those may be attempted: a kill after this leaves `sending`, at most once).
 * Results are in the order of `steps`.
 */
export async function startStepDeliveries(q: Queryable, steps: readonly StepStart[]): Promise<StartedStep[]> {
  const hashesOf = (s: StepStart) => [...(s.subject.email ? emailLookupHashes(s.subject.email) : []), ...(s.subject.whopUserId ? userLookupHashes(s.subject.whopUserId) : [])];
  const input = steps.flatMap((s) => s.channels.map((channel) => ({
    company_id: s.companyId, case_id: s.caseId, step: s.step, channel, variant: s.testVariantOf(channel), at: s.now.toISOString(), stale: s.interruptedBefore.toISOString(),
  })));
  const subjects = steps.map((s) => ({ case_id: s.caseId, company_id: s.companyId, hashes: hashesOf(s).join(',') })).filter((s) => s.hashes !== '');
  if (input.length === 0 && subjects.length === 0) return steps.map(() => ({ rows: [], mine: new Set(), optOutRows: [] }));
  // One row: the deliveries (as json, every column) and the members' opt-outs.
  const [result] = await queryRows<{ rows: Row[] | null; opt_outs: { case_id: string; channel: OptOutChannel; subject_hash: string }[] | null }>(q, sql`
    WITH s AS (
      SELECT * FROM json_to_recordset(${JSON.stringify(subjects)}::json) AS s(case_id uuid, company_id text, hashes text)
    ), k AS (
      SELECT * FROM json_to_recordset(${JSON.stringify(input)}::json) AS k(company_id text, case_id uuid, step int, channel text, variant text, at timestamptz, stale timestamptz)
    ), ins AS (
      INSERT INTO deliveries (company_id, case_id, step, channel, status, test_variant, created_at, updated_at)
      SELECT k.company_id, k.case_id, k.step, k.channel, 'sending', k.variant, k.at, k.at FROM k
      ON CONFLICT (case_id, step, channel) DO NOTHING
      RETURNING ${COLUMNS}, true AS mine
    ), upd AS (
      UPDATE deliveries d SET
        status = CASE WHEN d.status = 'sending' THEN 'unknown' ELSE 'sending' END,
        error = CASE WHEN d.status = 'sending' THEN ${fieldCipher().encrypt(INTERRUPTED_ERROR)} ELSE d.error END,
        updated_at = k.at
      FROM k WHERE d.case_id = k.case_id AND d.step = k.step AND d.channel = k.channel
        AND ((d.status = 'sending' AND d.updated_at <= k.stale)
          OR (d.status = 'pending' AND (d.next_attempt_at IS NULL OR d.next_attempt_at <= k.at)))
      RETURNING ${D_COLUMNS}, d.status = 'sending' AS mine
    )
    SELECT
      (SELECT json_agg(r) FROM (
        SELECT * FROM ins
        UNION ALL SELECT * FROM upd
        UNION ALL SELECT ${D_COLUMNS}, false AS mine FROM deliveries d JOIN k ON d.case_id = k.case_id AND d.step = k.step AND d.channel = k.channel
          WHERE d.id NOT IN (SELECT id FROM upd)) r) AS rows,
      (SELECT json_agg(json_build_object('case_id', s.case_id, 'channel', o.channel, 'subject_hash', o.subject_hash)) FROM s
         JOIN member_opt_outs o ON o.company_id = s.company_id AND o.subject_hash = ANY(string_to_array(s.hashes, ','))) AS opt_outs`);
  const found = (result?.rows ?? []).map((r) => ({ delivery: deliveryOf(r), mine: r.mine }));
  const optOuts = result?.opt_outs ?? [];
  const optOutRowsOf = (caseId: string) => optOuts.filter((o) => o.case_id === caseId).map((o) => ({ channel: o.channel, subjectHash: o.subject_hash }));
  return Promise.all(steps.map(async (s) => {
    const own = found.filter((f) => f.delivery.caseId === s.caseId && f.delivery.step === s.step);
    const mine = new Set(own.filter((f) => f.mine).map((f) => f.delivery.id));
    if (own.length === s.channels.length) return { rows: own.map((f) => f.delivery), mine, optOutRows: optOutRowsOf(s.caseId) };
    // A row created by a concurrent statement after this one's snapshot: read the committed rows (none is ours).
    const committed = await q.select().from(deliveries).where(and(eq(deliveries.caseId, s.caseId), eq(deliveries.step, s.step), inArray(deliveries.channel, s.channels)));
    return { rows: committed.map((d) => own.find((f) => f.delivery.id === d.id)?.delivery ?? d), mine, optOutRows: optOutRowsOf(s.caseId) };
  }));
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

export interface NudgeOutcome {
  caseId: string;
  deliveries: readonly DeliveryOutcome[];
  event?: CaseEventRow | null;
  update: CaseNudgeUpdate;
  now: Date;
}

/**
 * Everything nudges end with, for any number of cases in ONE statement (one commit): every
 * channel's outcome, the timeline rows (their `why` encrypted, as appendCaseEvent stores it), and
 * each case's update (the lease released, the step counted, the next nudge). Personal columns go
 * through Drizzle's encrypted codecs. Atomic: a kill before it leaves the rows `sending` (they
 * become `unknown`, never sent again).
 */
export async function recordNudgeOutcomes(q: Queryable, outcomes: readonly NudgeOutcome[]): Promise<void> {
  const bodies = nudgeOutcomeWrites(q, outcomes);
  // Every write but the last is a data-modifying CTE (each touches its own row); the last is the statement's body.
  const last = bodies.pop();
  if (!last) return;
  await q.execute(bodies.length === 0 ? last : sql`WITH ${sql.join(bodies.map((b, i) => sql`${sql.raw(`w${i}`)} AS (${b})`), sql`, `)} ${last}`);
}

/** The writes of recordNudgeOutcomes, one statement each, to run as CTEs of one statement (each touches its own row). */
export function nudgeOutcomeWrites(q: Queryable, outcomes: readonly NudgeOutcome[]): SQL[] {
  // .getSQL(): a builder inside sql`` is wrapped in parentheses, which a CTE body cannot be.
  const bodies: SQL[] = [];
  for (const o of outcomes) {
    for (const { id, ...set } of o.deliveries) bodies.push(q.update(deliveries).set({ ...set, updatedAt: o.now }).where(eq(deliveries.id, id)).getSQL());
    const e = o.event;
    if (e) {
      bodies.push(q.insert(caseEvents).values({
        companyId: e.companyId, caseId: e.caseId, fromStatus: e.status, toStatus: e.status, reason: e.reason, actor: e.actor, source: e.source, detail: storableEventDetail(e.detail ?? null), at: e.at,
      }).getSQL());
    }
    const hash = o.update.memberEmail !== undefined ? { memberEmailHash: emailLookupHash(o.update.memberEmail) } : {};
    bodies.push(q.update(recoveryCases).set({ ...o.update, ...hash }).where(eq(recoveryCases.id, o.caseId)).getSQL());
  }
  return bodies;
}
