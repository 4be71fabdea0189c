import { and, eq, sql } from 'drizzle-orm';
import { queryRows, type AppDb, type Queryable } from '../../db/client.ts';
import { decryptRow, readableEventDetail } from '../../db/encrypted-text.ts';
import { recordAuditEvent } from '../../db/repositories/audit-log.repository.ts';
import { findMemberFootprint, memberSchemas, type MemberFootprint, type MemberSubject } from '../../db/repositories/member-footprint.repository.ts';
import { memberDataExports } from '../../db/schema/member-data.ts';
import type { Clock } from '../../integrations/clock.ts';
import { memberTarget, subjectHash } from './member-subject.ts';

/** How long an export stays downloadable; the retention sweep deletes the document after. */
export const EXPORT_TTL_DAYS = 7;

export type ExportResult =
  | { ok: true; id: string; expiresAt: Date; sizeBytes: number; counts: Record<string, number> }
  | { ok: false; reason: 'not_found'; message: string };

export type DownloadResult =
  | { ok: true; document: string; fileName: string }
  | { ok: false; reason: 'not_found' | 'expired'; message: string };

/**
 * Builds the JSON document of everything held about one member in one company (cases with their
 * timeline, deliveries with the texts sent, incentives, save cases with their offers' texts,
 * membership events, the webhook bodies still kept, consent) and stores it encrypted for EXPORT_TTL_DAYS. Audited as member.export.
 */
export async function exportMemberData(
  deps: { db: AppDb; clock: Clock },
  input: { companyId: string; subject: MemberSubject; actor: string; ip: string | null },
): Promise<ExportResult> {
  const now = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    const footprint = await findMemberFootprint(tx, input.companyId, input.subject);
    if (footprint.caseIds.length === 0 && footprint.factIds.length === 0 && footprint.webhookEventIds.length === 0)
      return { ok: false, reason: 'not_found', message: `no data about this member in company ${input.companyId}` } as const;
    const document = await buildDocument(tx, input.companyId, input.subject, footprint, now);
    const text = JSON.stringify(document, null, 2);
    const expiresAt = new Date(now.getTime() + EXPORT_TTL_DAYS * 86_400_000);
    const [row] = await tx
      .insert(memberDataExports)
      .values({ companyId: input.companyId, subjectKind: input.subject.kind, subjectHash: subjectHash(input.subject), requestedBy: input.actor, document: text, sizeBytes: Buffer.byteLength(text), createdAt: now, expiresAt })
      .returning({ id: memberDataExports.id });
    const counts = { cases: document.cases.length, save_cases: document.save_cases.length, membership_events: document.membership_events.length, webhooks: document.webhooks.length, opt_outs: document.consent.opt_outs.length };
    await recordAuditEvent(tx, { companyId: input.companyId, actor: input.actor, action: 'member.export', target: memberTarget(subjectHash(input.subject)), ip: input.ip, detail: { ok: true, export_id: row!.id, ...counts }, at: now });
    return { ok: true, id: row!.id, expiresAt, sizeBytes: Buffer.byteLength(text), counts } as const;
  });
}

/** The stored document, while it has not expired; each download is audited (member.export_download). */
export async function downloadMemberExport(
  deps: { db: AppDb; clock: Clock },
  input: { companyId: string; exportId: string; actor: string; ip: string | null },
): Promise<DownloadResult> {
  const now = deps.clock.now();
  const [found] = await deps.db
    .select()
    .from(memberDataExports)
    .where(and(eq(memberDataExports.companyId, input.companyId), eq(memberDataExports.id, input.exportId)));
  if (!found) return { ok: false, reason: 'not_found', message: `export ${input.exportId} not found` };
  if (found.expiresAt <= now || found.document === null) return { ok: false, reason: 'expired', message: `export ${input.exportId} expired on ${found.expiresAt.toISOString()}; request a new one` };
  await deps.db.update(memberDataExports).set({ downloads: sql`${memberDataExports.downloads} + 1` }).where(eq(memberDataExports.id, found.id));
  await recordAuditEvent(deps.db, { companyId: input.companyId, actor: input.actor, action: 'member.export_download', target: memberTarget(found.subjectHash), ip: input.ip, detail: { ok: true, export_id: found.id, download: found.downloads + 1 }, at: now });
  return { ok: true, document: found.document, fileName: `member-data-${input.companyId}-${found.id}.json` };
}

const HIDDEN = new Set(['member_email_hash', 'nudge_claimed_until', 'company_id']);
const visible = (row: Record<string, unknown>) => Object.fromEntries(Object.entries(decryptRow(row)).filter(([k]) => !HIDDEN.has(k)));

async function buildDocument(q: Queryable, companyId: string, subject: MemberSubject, f: MemberFootprint, now: Date) {
  const cases: Record<string, unknown>[] = [];
  const facts: Record<string, unknown>[] = [];
  for (const schema of await memberSchemas(q)) {
    const s = sql.raw(schema);
    for (const c of await queryRows<Record<string, unknown>>(q, sql`SELECT * FROM ${s}.recovery_cases WHERE company_id = ${companyId} AND id = ANY(${sql.param(f.caseIds)}::uuid[]) ORDER BY first_failure_at`)) {
      const id = c.id as string;
      const timeline = await queryRows<Record<string, unknown>>(q, sql`SELECT at, from_status, to_status, reason, actor, source, detail FROM ${s}.case_events WHERE case_id = ${id} ORDER BY at, id`);
      const deliveries = await queryRows<Record<string, unknown>>(q, sql`SELECT step, channel, status, attempts, rendered_subject, rendered_body, error, sent_at, created_at FROM ${s}.deliveries WHERE case_id = ${id} ORDER BY step, channel`);
      const incentives = await queryRows<Record<string, unknown>>(q, sql`SELECT type, value, status, cost_cents, currency, granted_at, created_at FROM ${s}.incentives WHERE case_id = ${id}`);
      cases.push({
        ...visible(c),
        archived: schema === 'archive',
        timeline: timeline.map((e) => ({ ...e, detail: readableEventDetail(e.detail as Record<string, unknown> | null) })),
        deliveries: deliveries.map(visible),
        incentives: incentives.map(visible),
      });
    }
    facts.push(...(await queryRows<Record<string, unknown>>(q, sql`SELECT * FROM ${s}.membership_facts WHERE company_id = ${companyId} AND id = ANY(${sql.param(f.factIds)}::bigint[]) ORDER BY occurred_at, id`)).map(visible));
  }
  const webhooks = (await queryRows<Record<string, unknown>>(q, sql`SELECT webhook_id, type, received_at, raw_body FROM webhook_events WHERE id = ANY(${sql.param(f.webhookEventIds)}::bigint[]) AND raw_body IS NOT NULL ORDER BY received_at`)).map((w) => {
    const { raw_body, ...rest } = decryptRow(w);
    return { ...rest, body: parsedOrText(String(raw_body)) };
  });
  // Save cases (issue #15 §2): the scheduled cancellation, the offer and the texts it sent (offer_messages, decrypted and parsed).
  const saves = (await queryRows<Record<string, unknown>>(q, sql`SELECT * FROM save_cases WHERE company_id = ${companyId} AND whop_membership_id = ANY(${sql.param(f.membershipIds)}::text[]) ORDER BY scheduled_at, id`)).map((row) => {
    const { offer_messages, offer_claimed_until: _claim, ...rest } = visible(row);
    return { ...rest, offer_messages: typeof offer_messages === 'string' ? parsedOrText(offer_messages) : null };
  });
  const optOuts = await queryRows<Record<string, unknown>>(q, sql`SELECT channel, reason, source, created_at FROM member_opt_outs WHERE company_id = ${companyId} AND subject_hash = ANY(${sql.param(f.optOutHashes)}::text[]) ORDER BY created_at`);
  return {
    format: 'churn-saver member data export v1',
    generated_at: now.toISOString(),
    company_id: companyId,
    requested_for: { kind: subject.kind, value: subject.value },
    member: { whop_user_ids: f.userIds, emails: f.emails, whop_membership_ids: f.membershipIds },
    cases,
    save_cases: saves,
    membership_events: facts,
    webhooks,
    consent: {
      opt_outs: optOuts,
      note: 'Channels listed here receive no further payment reminders from this company. Each opt-out is also in the audit log.',
    },
  };
}

/** A stored JSON text as its value; a text that is not JSON stays text. */
function parsedOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
