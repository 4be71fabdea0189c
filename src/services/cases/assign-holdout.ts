import { randomInt } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { queryRows, type AppTx } from '../../db/client.ts';

/**
 * The control group (issue #12 §3): decided once per member, when their first case opens, at
 * random with probability holdout_percent; every later case of the member (same company, same
 * Whop user, else same membership) takes the group of their earliest case, recovery or save case
 * (issue #15 §2), so a member is never nudged on one case and held out on another (while
 * holdout_percent is above 0).
 */
export async function assignHoldout(tx: AppTx, input: { companyId: string; whopUserId: string | null; whopMembershipId: string; holdoutPercent: number }, draw: () => number = () => randomInt(100)): Promise<boolean> {
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
