import { sql } from 'drizzle-orm';
import { queryRows, type Queryable } from '../client.ts';
import { emailLookupHashes, fieldCipher, userLookupHashes } from '../encrypted-text.ts';
import type { MemberSubjectKind } from '../schema/member-data.ts';

export interface MemberSubject {
  kind: MemberSubjectKind;
  /** A Whop user id (user_…) or an email address. */
  value: string;
}

/** Everything that identifies or belongs to one member in one company. */
export interface MemberFootprint {
  userIds: string[];
  membershipIds: string[];
  emailHashes: string[];
  /** Addresses read back from the member's cases and facts (to find them in raw webhook bodies). */
  emails: string[];
  caseIds: string[];
  factIds: number[];
  webhookEventIds: number[];
  /** Opt-out subject hashes (email hashes and user hashes). */
  optOutHashes: string[];
}

/** Which schemas hold member rows: the live one and, once cases were archived, the archive. */
export async function memberSchemas(q: Queryable): Promise<('public' | 'archive')[]> {
  const rows = await queryRows<{ t: string | null }>(q, sql`SELECT to_regclass('archive.recovery_cases')::text AS t`);
  return rows[0]?.t ? ['public', 'archive'] : ['public'];
}

/**
 * Finds the member from a user id or an address, then follows the links twice (a case names the
 * user and the address; a fact names the membership), so a member found by address is also found
 * under the user id Whop gave them and vice versa. Webhook bodies are matched by the facts that came
 * from them and by a scan of the company's stored bodies for any of the member's ids or addresses
 * (stored bodies are at most RAW_WEBHOOK_RETENTION_DAYS old, so the scan stays bounded).
 */
export async function findMemberFootprint(q: Queryable, companyId: string, subject: MemberSubject): Promise<MemberFootprint> {
  const userIds = new Set<string>(subject.kind === 'user_id' ? [subject.value] : []);
  const emailHashes = new Set<string>(subject.kind === 'email' ? emailLookupHashes(subject.value) : []);
  const emails = new Set<string>(subject.kind === 'email' ? [subject.value.trim().toLowerCase()] : []);
  const membershipIds = new Set<string>();
  const caseIds = new Set<string>();
  const factIds = new Set<number>();
  const eventIds = new Set<number>();
  const schemas = await memberSchemas(q);
  const cipher = fieldCipher();

  for (let pass = 0; pass < 2; pass++) {
    for (const schema of schemas) {
      const s = sql.raw(schema);
      const cases = await queryRows<{ id: string; whop_membership_id: string; whop_user_id: string | null; member_email: string | null; member_email_hash: string | null }>(q, sql`
        SELECT id::text, whop_membership_id, whop_user_id, member_email, member_email_hash FROM ${s}.recovery_cases
        WHERE company_id = ${companyId} AND (whop_user_id = ANY(${sql.param([...userIds])}::text[]) OR member_email_hash = ANY(${sql.param([...emailHashes])}::text[])
              OR whop_membership_id = ANY(${sql.param([...membershipIds])}::text[]))`);
      const facts = await queryRows<{ id: string | number; whop_membership_id: string; whop_user_id: string | null; member_email: string | null; member_email_hash: string | null; webhook_event_id: string | number | null }>(q, sql`
        SELECT id, whop_membership_id, whop_user_id, member_email, member_email_hash, webhook_event_id FROM ${s}.membership_facts
        WHERE company_id = ${companyId} AND (whop_user_id = ANY(${sql.param([...userIds])}::text[]) OR member_email_hash = ANY(${sql.param([...emailHashes])}::text[])
              OR whop_membership_id = ANY(${sql.param([...membershipIds])}::text[]))`);
      for (const row of [...cases, ...facts]) {
        membershipIds.add(row.whop_membership_id);
        if (row.whop_user_id) userIds.add(row.whop_user_id);
        if (row.member_email_hash) emailHashes.add(row.member_email_hash);
        const email = row.member_email ? cipher.decrypt(row.member_email) : null;
        if (email?.ok) {
          emails.add(email.value.trim().toLowerCase());
          for (const h of emailLookupHashes(email.value)) emailHashes.add(h);
        }
      }
      for (const c of cases) caseIds.add(c.id);
      for (const f of facts) {
        factIds.add(Number(f.id));
        if (f.webhook_event_id !== null) eventIds.add(Number(f.webhook_event_id));
      }
    }
  }

  // Whole JSON string values only: "mem_1" must not match "mem_10" (another member's body).
  const needles = [...userIds, ...membershipIds, ...emails].filter((n) => n.length >= 3).map((n) => JSON.stringify(n.toLowerCase()));
  if (needles.length > 0) {
    let after = 0;
    for (;;) {
      const rows = await queryRows<{ id: string | number; raw_body: string }>(q, sql`
        SELECT id, raw_body FROM webhook_events WHERE (company_id = ${companyId} OR company_id IS NULL) AND raw_body IS NOT NULL AND id > ${after}
        ORDER BY id LIMIT 500`);
      if (rows.length === 0) break;
      after = Number(rows[rows.length - 1]!.id);
      for (const row of rows) {
        const body = cipher.decrypt(row.raw_body);
        const text = body.ok ? body.value.toLowerCase() : '';
        if (needles.some((n) => text.includes(n))) eventIds.add(Number(row.id));
      }
    }
  }

  return {
    userIds: [...userIds],
    membershipIds: [...membershipIds],
    emailHashes: [...emailHashes],
    emails: [...emails],
    caseIds: [...caseIds],
    factIds: [...factIds],
    webhookEventIds: [...eventIds],
    optOutHashes: [...emailHashes, ...[...userIds].flatMap((u) => userLookupHashes(u))],
  };
}
