import { eq } from 'drizzle-orm';
import type { AppDb } from '../../db/client.ts';
import { operators } from '../../db/schema/operators.ts';
import type { Clock } from '../../integrations/clock.ts';
import { DUMMY_HASH_PROMISE, verifyPassword } from '../../integrations/crypto/password-hash.ts';

export type AuthenticateResult =
  | { ok: true; operator: { id: string; email: string } }
  | { ok: false; reason: 'invalid_credentials' }
  | { ok: false; reason: 'locked'; retryAfterSeconds: number };

/** Failures allowed before each further failure locks the account for a growing time. */
const FREE_FAILURES = 5;
const MAX_LOCK_SECONDS = 15 * 60;

/**
 * Checks an operator's email and password. Unknown email and wrong password give the same answer
 * and take the same time (a dummy hash is verified). After 5 failures, each further failure locks
 * the account for 2^(n-5) seconds, up to 15 minutes; a success resets the count.
 */
export async function authenticateOperator(deps: { db: AppDb; clock: Clock }, input: { email: string; password: string }): Promise<AuthenticateResult> {
  const now = deps.clock.now();
  const email = input.email.trim().toLowerCase();
  const [operator] = await deps.db.select().from(operators).where(eq(operators.email, email));
  if (!operator) {
    await verifyPassword(input.password, await DUMMY_HASH_PROMISE);
    return { ok: false, reason: 'invalid_credentials' };
  }
  if (operator.lockedUntil && operator.lockedUntil.getTime() > now.getTime())
    return { ok: false, reason: 'locked', retryAfterSeconds: Math.ceil((operator.lockedUntil.getTime() - now.getTime()) / 1000) };
  if (!(await verifyPassword(input.password, operator.passwordHash))) {
    const failed = operator.failedAttempts + 1;
    const lockSeconds = failed > FREE_FAILURES ? Math.min(MAX_LOCK_SECONDS, 2 ** (failed - FREE_FAILURES)) : 0;
    await deps.db
      .update(operators)
      .set({ failedAttempts: failed, lockedUntil: lockSeconds > 0 ? new Date(now.getTime() + lockSeconds * 1000) : null })
      .where(eq(operators.id, operator.id));
    return { ok: false, reason: 'invalid_credentials' };
  }
  await deps.db.update(operators).set({ failedAttempts: 0, lockedUntil: null, lastLoginAt: now }).where(eq(operators.id, operator.id));
  return { ok: true, operator: { id: operator.id, email: operator.email } };
}
