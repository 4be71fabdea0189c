import { WHOP_CHANNELS } from '../../domain/channels.ts';
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { queryRows, type AppDb } from '../../db/client.ts';
import { recordAuditEvent } from '../../db/repositories/audit-log.repository.ts';
import { findMemberFootprint, memberSchemas, type MemberSubject } from '../../db/repositories/member-footprint.repository.ts';
import { recordOptOuts } from '../../db/repositories/nudges.repository.ts';
import { memberErasures } from '../../db/schema/member-data.ts';
import type { Clock } from '../../integrations/clock.ts';
import { memberTarget, subjectHash } from './member-subject.ts';

export type EraseResult =
  | { ok: true; receiptId: string; counts: Record<string, number>; at: Date }
  | { ok: false; reason: 'not_found'; message: string };

/**
 * Erases one member's personal data in one company, in one transaction, live and archived:
 * - cases keep only what the KPIs count (an open case is closed: nobody is left to nudge) (status, amounts, currency, dates, risk, steps): email,
 *   name, user id and failure reason are cleared and the membership id is replaced by a random
 *   `erased:` id, so the case can no longer be tied to the member nor re-derived from later events;
 * - membership facts (emails, reasons) are deleted; webhook bodies about the member are cleared;
 * - delivery texts and errors, incentive provider references, free-text notes in the timeline,
 *   and the member's exports are cleared;
 * - opt-outs stay (keyed by hash, they hold no address) so the member stays unsubscribed, and with
 *   `optOut` every channel is opted out, so a later failure does not message them.
 * A receipt (member_erasures) and an audit row record it. Later webhooks about the member open a
 * new case with only what that case needs, as for anyone.
 */
export async function eraseMemberData(
  deps: { db: AppDb; clock: Clock },
  input: { companyId: string; subject: MemberSubject; actor: string; ip: string | null; optOut?: boolean },
): Promise<EraseResult> {
  const now = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    const f = await findMemberFootprint(tx, input.companyId, input.subject);
    const hash = subjectHash(input.subject);
    if (f.caseIds.length === 0 && f.factIds.length === 0 && f.webhookEventIds.length === 0)
      return { ok: false, reason: 'not_found', message: `no data about this member in company ${input.companyId}` } as const;
    const counts: Record<string, number> = { cases_anonymised: 0, facts_deleted: 0, deliveries_scrubbed: 0, webhook_bodies_erased: 0, exports_deleted: 0, opt_outs_added: 0 };
    const n = async (query: ReturnType<typeof sql>) => (await queryRows<{ n: number }>(tx, sql`WITH changed AS (${query} RETURNING 1) SELECT count(*)::int AS n FROM changed`))[0]!.n;

    for (const schema of await memberSchemas(tx)) {
      const s = sql.raw(schema);
      const ids = sql`${sql.param(f.caseIds)}::uuid[]`;
      counts.deliveries_scrubbed! += await n(sql`UPDATE ${s}.deliveries SET rendered_subject = NULL, rendered_body = NULL, error = NULL, provider_message_id = NULL WHERE case_id = ANY(${ids})`);
      await tx.execute(sql`UPDATE ${s}.incentives SET provider_ref = NULL, error = NULL WHERE case_id = ANY(${ids})`);
      await tx.execute(sql`UPDATE ${s}.case_events SET detail = detail - 'why' - 'error' WHERE case_id = ANY(${ids}) AND detail IS NOT NULL`);
      // One random id per case: unlinkable to the membership, and to each other.
      const erasedIds = f.caseIds.map(() => `erased:${randomUUID()}`);
      counts.cases_anonymised! += await n(sql`
        UPDATE ${s}.recovery_cases AS c SET member_email = NULL, member_email_hash = NULL, member_name = NULL, whop_user_id = NULL,
          failure_reason = NULL, whop_payment_id = NULL, whop_product_id = NULL, whop_membership_id = u.erased_id, next_nudge_at = NULL, updated_at = ${now},
          status = CASE WHEN status = 'open' THEN 'closed_no_recovery' ELSE status END, closed_at = CASE WHEN status = 'open' THEN ${now} ELSE closed_at END
        FROM unnest(${sql.param(f.caseIds)}::uuid[], ${sql.param(erasedIds)}::text[]) AS u(id, erased_id) WHERE c.id = u.id AND c.company_id = ${input.companyId}`);
      if (schema === 'public')
        await tx.execute(sql`
          INSERT INTO case_events (company_id, case_id, from_status, to_status, reason, actor, source, at)
          SELECT company_id, id, status, status, 'member_data_erased', ${input.actor}, 'action', ${now} FROM recovery_cases WHERE id = ANY(${ids})`);
      counts.facts_deleted! += await n(sql`DELETE FROM ${s}.membership_facts WHERE company_id = ${input.companyId} AND id = ANY(${sql.param(f.factIds)}::bigint[])`);
    }
    // Save cases (issue #15 §2) carry the member's ids and the offer's text (its links name the case): unlinked, text gone, and no offer goes out any more.
    counts.save_cases_anonymised = await n(sql`
      UPDATE save_cases SET whop_user_id = NULL, whop_membership_id = 'erased:' || gen_random_uuid()::text, offer_due_at = NULL, offer_messages = NULL, updated_at = ${now}
      WHERE company_id = ${input.companyId} AND whop_membership_id = ANY(${sql.param(f.membershipIds)}::text[])`);
    counts.webhook_bodies_erased = await n(sql`
      UPDATE webhook_events SET raw_body = NULL, body_purged_at = ${now}, error = 'body erased on member request',
        status = CASE WHEN status = 'pending' THEN 'ignored' ELSE status END
      WHERE id = ANY(${sql.param(f.webhookEventIds)}::bigint[]) AND raw_body IS NOT NULL`);
    counts.exports_deleted = await n(sql`DELETE FROM member_data_exports WHERE company_id = ${input.companyId} AND subject_hash = ANY(${sql.param([hash, ...f.optOutHashes])}::text[])`);
    if (input.optOut) {
      const why = { reason: 'member_request', source: input.actor };
      for (const email of f.emails) counts.opt_outs_added! += (await recordOptOuts(tx, input.companyId, { email }, ['email'], why)).length;
      for (const whopUserId of f.userIds) counts.opt_outs_added! += (await recordOptOuts(tx, input.companyId, { whopUserId }, [...WHOP_CHANNELS], why)).length;
    }

    const [receipt] = await tx
      .insert(memberErasures)
      .values({ companyId: input.companyId, subjectKind: input.subject.kind, subjectHash: hash, requestedBy: input.actor, counts, createdAt: now })
      .returning({ id: memberErasures.id });
    await recordAuditEvent(tx, { companyId: input.companyId, actor: input.actor, action: 'member.erase', target: memberTarget(hash), ip: input.ip, detail: { ok: true, receipt_id: receipt!.id, ...counts }, at: now });
    return { ok: true, receiptId: receipt!.id, counts, at: now } as const;
  });
}
