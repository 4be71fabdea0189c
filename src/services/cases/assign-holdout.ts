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

export async function assignHoldout(tx: AppTx, input: { companyId: string; whopUserId: string | null; whopMembershipId: string; holdoutPercent: number }, draw: () => number = () => holdoutDrawOf({ companyId: input.companyId, memberKey: input.whopUserId ?? input.whopMembershipId })): Promise<boolean> {
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
  if (earlier) return earlier.holdout;
  return input.holdoutPercent > 0 && draw() < input.holdoutPercent;
}
