import { and, eq, getTableColumns, inArray, sql } from 'drizzle-orm';
import { queryRows, queryText, type AppDb, type Queryable } from '../client.ts';
import { emailLookupHash, emailLookupHashes, fieldCipher, storableEventDetail, userLookupHashes } from '../encrypted-text.ts';
import type { OptOutChannel } from '../schema/member-opt-outs.ts';
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
 * through the columns' own codecs (encrypted text). Atomic: a kill before it leaves the rows
 * `sending` (they become `unknown`, never sent again). The text never changes (a named prepared
 * statement where the pool owns its sessions): the rows travel as three JSON parameters.
 */
export async function recordNudgeOutcomes(db: AppDb, outcomes: readonly NudgeOutcome[]): Promise<void> {
  if (outcomes.length === 0) return;
  await queryText(db, 'record_nudge_outcomes', RECORD_NUDGE_OUTCOMES, nudgeOutcomeParams(outcomes));
}

type Columns = Record<string, { name: string; mapToDriverValue(value: unknown): unknown }>;
/** The columns an outcome may set (besides status and updated_at) and their SQL types. */
const DELIVERY_SETS: [string, string][] = [['attempts', 'int'], ['next_attempt_at', 'timestamptz'], ['provider_message_id', 'text'], ['error', 'text'], ['rendered_subject', 'text'], ['rendered_body', 'text'], ['sent_at', 'timestamptz']];
/** The columns a case update may set and their SQL types. */
const CASE_SETS: [string, string][] = [['next_nudge_at', 'timestamptz'], ['steps_sent', 'int'], ['last_nudge_at', 'timestamptz'], ['nudge_claimed_until', 'timestamptz'], ['member_name', 'text'], ['member_email', 'text'], ['member_email_hash', 'text'], ['whop_product_id', 'text'], ['whop_user_id', 'text'], ['manage_url', 'text'], ['whop_product_title', 'text']];
const DELIVERY_COLUMNS = { columns: getTableColumns(deliveries) as Columns, settable: new Set(['status', 'updated_at', ...DELIVERY_SETS.map(([c]) => c)]) };
const CASE_COLUMNS = { columns: getTableColumns(recoveryCases) as Columns, settable: new Set(CASE_SETS.map(([c]) => c)) };

/** `set` as stored: column names, values through each column's codec (null stays null: drizzle's rule). */
function storedSet(table: { columns: Columns; settable: Set<string> }, set: Record<string, unknown>, into: Record<string, unknown>): Record<string, unknown> {
  for (const [key, value] of Object.entries(set)) {
    if (value === undefined) continue;
    const column = table.columns[key];
    // A column the statement does not set would be dropped without a word: a bug, say so.
    if (!column || !table.settable.has(column.name)) throw new Error(`nudge outcomes cannot set ${key}`);
    into[column.name] = value === null ? null : column.mapToDriverValue(value);
  }
  return into;
}

/** A column of `t` set from the row's JSON `u.v` when the key is there (null included), else kept. */
const setIfGiven = (column: string, type: string) => `${column} = CASE WHEN u.v ? '${column}' THEN (u.v->>'${column}')::${type} ELSE t.${column} END`;

/**
 * The writes of recordNudgeOutcomes as CTEs over three JSON parameters from `$first` (the
 * deliveries' outcomes, the timeline rows, the cases' updates; nudgeOutcomeParams): each touches
 * its own rows, so they can lead any statement (claimRound ends a round with them).
 */
export const nudgeOutcomeCtes = (first: number) => `
  w_deliveries AS (
    UPDATE deliveries t SET status = u.v->>'status', updated_at = (u.v->>'updated_at')::timestamptz,
      ${DELIVERY_SETS.map(([c, type]) => setIfGiven(c, type)).join(',\n      ')}
    FROM jsonb_array_elements($${first}::jsonb) u(v) WHERE t.id = (u.v->>'id')::uuid
  ), w_events AS (
    INSERT INTO case_events (company_id, case_id, from_status, to_status, reason, actor, source, detail, at)
    SELECT company_id, case_id, from_status, to_status, reason, actor, source, detail, at
    FROM jsonb_to_recordset($${first + 1}::jsonb) AS e(company_id text, case_id uuid, from_status text, to_status text, reason text, actor text, source text, detail jsonb, at timestamptz)
  ), w_cases AS (
    UPDATE recovery_cases t SET
      ${CASE_SETS.map(([c, type]) => setIfGiven(c, type)).join(',\n      ')}
    FROM jsonb_array_elements($${first + 2}::jsonb) u(v) WHERE t.id = (u.v->>'id')::uuid
  )`;
const RECORD_NUDGE_OUTCOMES = `WITH ${nudgeOutcomeCtes(1)} SELECT 1`;

/** The three JSON parameters of nudgeOutcomeCtes. */
export function nudgeOutcomeParams(outcomes: readonly NudgeOutcome[]): [string, string, string] {
  const outcomeRows: Record<string, unknown>[] = [];
  const events: Record<string, unknown>[] = [];
  const cases: Record<string, unknown>[] = [];
  for (const o of outcomes) {
    for (const { id, ...set } of o.deliveries) outcomeRows.push(storedSet(DELIVERY_COLUMNS, { ...set, updatedAt: o.now }, { id }));
    const e = o.event;
    if (e) {
      events.push({
        company_id: e.companyId, case_id: e.caseId, from_status: e.status, to_status: e.status, reason: e.reason, actor: e.actor, source: e.source, detail: storableEventDetail(e.detail ?? null), at: e.at.toISOString(),
      });
    }
    const hash = o.update.memberEmail !== undefined ? { memberEmailHash: emailLookupHash(o.update.memberEmail) } : {};
    cases.push(storedSet(CASE_COLUMNS, { ...o.update, ...hash }, { id: o.caseId }));
  }
  return [JSON.stringify(outcomeRows), JSON.stringify(events), JSON.stringify(cases)];
}
