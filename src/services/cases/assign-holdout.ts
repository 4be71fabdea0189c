import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { queryRows, type AppTx } from '../../db/client.ts';

/**
 * The control group (issue #12 §3): decided once per member, when their first case opens, at
 * random with probability holdout_percent; every later case of the member (same company, same
 * Whop user, else same membership) takes the group of their earliest case, recovery or save case
 * (issue #15 §2), so a member is never nudged on one case and held out on another (while
 * holdout_percent is above 0).
 *
 * The draw is a keyed hash of the company and the member, not a random number: as random as a
 * draw with respect to anything that affects recovery, and reproducible (a replayed history, a
 * test with fixed ids, a re-run after a crash all put a member in the same group). Its salt
 * names this use alone, so it is independent of the variant hash (assign-test-variant.ts).
 */
const SALT = 'churn-saver/holdout/v1';

/** 0..99, uniform over members: SHA-256(salt, company, member) read as an unsigned 32-bit number, mod 100. */
export function holdoutDrawOf(input: { companyId: string; memberKey: string }): number {
  return createHash('sha256').update(`${SALT}\0${input.companyId}\0${input.memberKey}`).digest().readUInt32BE(0) % 100;
}

type Member = { companyId: string; whopUserId: string | null; whopMembershipId: string };

/** The group of a member's new case: their earliest case's, else the draw (the Whop user when known, else the membership). */
function groupOf(member: Member, holdoutPercent: number, earlier: { holdout: boolean } | undefined): boolean {
  if (earlier) return earlier.holdout;
  return holdoutPercent > 0 && holdoutDrawOf({ companyId: member.companyId, memberKey: member.whopUserId ?? member.whopMembershipId }) < holdoutPercent;
}

export async function assignHoldout(tx: AppTx, input: Member & { holdoutPercent: number }): Promise<boolean> {
  // 0 ends the control group: new cases are treated, and intake pays no extra query.
  if (input.holdoutPercent === 0) return false;
  const member = input.whopUserId ? sql`whop_user_id = ${input.whopUserId}` : sql`whop_membership_id = ${input.whopMembershipId}`;
  const [earlier] = await queryRows<{ holdout: boolean }>(
    tx,
    sql`SELECT holdout FROM (
          SELECT holdout, first_failure_at AS at FROM recovery_cases WHERE company_id = ${input.companyId} AND ${member}
          UNION ALL
          SELECT holdout, scheduled_at FROM save_cases WHERE company_id = ${input.companyId} AND ${member}
        ) earlier ORDER BY at LIMIT 1`,
  );
  return groupOf(input, input.holdoutPercent, earlier);
}

/** Whom assignHoldout's read matches: the Whop user when known, else the membership. */
function memberKeyOf(kind: 'u' | 'm', companyId: string, id: string): string {
  return JSON.stringify([kind, companyId, id]);
}
const askedKeyOf = (m: Member) => (m.whopUserId ? memberKeyOf('u', m.companyId, m.whopUserId) : memberKeyOf('m', m.companyId, m.whopMembershipId));

/**
 * assignHoldout for the cases a batch opens (the webhook batch path): the earlier-case read for
 * every member in one statement, then kept current in memory as the batch plans its new cases, so
 * each case gets the group the one-by-one path gives it (the earliest case of its member, recovery
 * or save case, seen as of that case; else the draw). Only the members `prime` was given are known.
 */
export class HoldoutBook {
  private constructor(private readonly earliest: Map<string, { holdout: boolean; at: Date }>) {}

  static async prime(tx: AppTx, members: readonly Member[]): Promise<HoldoutBook> {
    const earliest = new Map<string, { holdout: boolean; at: Date }>();
    const byUser = members.filter((m) => m.whopUserId);
    const byMembership = members.filter((m) => !m.whopUserId);
    if (members.length === 0) return new HoldoutBook(earliest);
    const pairs = (list: readonly Member[], id: (m: Member) => string) =>
      sql`(SELECT * FROM unnest(${sql.param(list.map((m) => m.companyId))}::text[], ${sql.param(list.map(id))}::text[]))`;
    const users = pairs(byUser, (m) => m.whopUserId!);
    const memberships = pairs(byMembership, (m) => m.whopMembershipId);
    const rows = await queryRows<{ kind: 'u' | 'm'; company_id: string; id: string; holdout: boolean; at: Date | string }>(
      tx,
      sql`SELECT DISTINCT ON (kind, company_id, id) kind, company_id, id, holdout, at FROM (
            SELECT 'u' AS kind, company_id, whop_user_id AS id, holdout, first_failure_at AS at FROM recovery_cases WHERE (company_id, whop_user_id) IN ${users}
            UNION ALL SELECT 'u', company_id, whop_user_id, holdout, scheduled_at FROM save_cases WHERE (company_id, whop_user_id) IN ${users}
            UNION ALL SELECT 'm', company_id, whop_membership_id, holdout, first_failure_at FROM recovery_cases WHERE (company_id, whop_membership_id) IN ${memberships}
            UNION ALL SELECT 'm', company_id, whop_membership_id, holdout, scheduled_at FROM save_cases WHERE (company_id, whop_membership_id) IN ${memberships}
          ) earlier ORDER BY kind, company_id, id, at`,
    );
    for (const r of rows) earliest.set(memberKeyOf(r.kind, r.company_id, r.id), { holdout: r.holdout, at: new Date(r.at) });
    return new HoldoutBook(earliest);
  }

  /** What assignHoldout returns for this member at this point of the batch. */
  decide(input: Member & { holdoutPercent: number }): boolean {
    if (input.holdoutPercent === 0) return false;
    return groupOf(input, input.holdoutPercent, this.earliest.get(askedKeyOf(input)));
  }

  /** A case the batch opens: later reads of its user or its membership see it, as they would see the row. */
  record(opened: Member & { at: Date; holdout: boolean }): void {
    const keys = [memberKeyOf('m', opened.companyId, opened.whopMembershipId)];
    if (opened.whopUserId) keys.push(memberKeyOf('u', opened.companyId, opened.whopUserId));
    for (const key of keys) {
      const earlier = this.earliest.get(key);
      if (!earlier || opened.at.getTime() < earlier.at.getTime()) this.earliest.set(key, { holdout: opened.holdout, at: opened.at });
    }
  }
}
