import { eq } from 'drizzle-orm';
import type { AppDb } from '../../db/client.ts';
import { operators } from '../../db/schema/operators.ts';
import { hashPassword } from '../../integrations/crypto/password-hash.ts';

export type CreateOperatorResult =
  | { ok: true; outcome: 'created' | 'password_updated' | 'unchanged'; email: string }
  | { ok: false; reason: 'invalid_email' | 'weak_password'; message: string };

/**
 * Creates an operator, or sets a new password when `updateExisting` (npm run admin:create; the
 * ADMIN_EMAIL / ADMIN_PASSWORD bootstrap only creates, never overwrites a changed password).
 */
export async function createOperator(deps: { db: AppDb }, input: { email: string; password: string; updateExisting: boolean }): Promise<CreateOperatorResult> {
  const email = input.email.trim().toLowerCase();
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) return { ok: false, reason: 'invalid_email', message: 'email: not an email address' };
  if (input.password.length < 12) return { ok: false, reason: 'weak_password', message: 'password: at least 12 characters' };
  const [existing] = await deps.db.select({ id: operators.id }).from(operators).where(eq(operators.email, email));
  if (existing && !input.updateExisting) return { ok: true, outcome: 'unchanged', email };
  const passwordHash = await hashPassword(input.password);
  if (existing) {
    await deps.db.update(operators).set({ passwordHash, failedAttempts: 0, lockedUntil: null }).where(eq(operators.id, existing.id));
    return { ok: true, outcome: 'password_updated', email };
  }
  await deps.db.insert(operators).values({ email, passwordHash }).onConflictDoNothing();
  return { ok: true, outcome: 'created', email };
}
