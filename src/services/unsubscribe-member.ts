import type { AppDb } from '../db/client.ts';
import { suppressEmail } from '../db/repositories/outreach.repository.ts';
import { readUnsubscribeToken } from './unsubscribe-links.ts';

export type UnsubscribeResult = { ok: true; companyId: string } | { ok: false; reason: 'invalid_token' };

/** Adds the token's address to its company's suppression list. Idempotent. */
export async function unsubscribeMember(deps: { db: AppDb; signingKey: string }, token: string): Promise<UnsubscribeResult> {
  const read = readUnsubscribeToken(deps.signingKey, token);
  if (!read) return { ok: false, reason: 'invalid_token' };
  await suppressEmail(deps.db, read.companyId, read.email, 'unsubscribe');
  return { ok: true, companyId: read.companyId };
}
