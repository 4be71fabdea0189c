import type { AppDb } from '../db/client.ts';
import { findCompanyName } from '../db/repositories/companies.repository.ts';
import { readUnsubscribeToken } from '../services/members/unsubscribe-links.ts';

/** Longest token we read: a sealed one is ~150 characters; anything far longer is not ours. */
const MAX_TOKEN_LENGTH = 2000;

export type UnsubscribePage =
  | { ok: true; companyName: string | null; canStopWhop: boolean }
  | { ok: false; reason: 'invalid_token' };

/**
 * What the unsubscribe page shows for a token: whose messages they are (the company's name) and
 * whether the token names a Whop user (then Whop push and DMs can be stopped too). Reads only:
 * opening the page changes nothing, so a mail scanner fetching the link unsubscribes nobody.
 */
export async function presentUnsubscribe(deps: { db: AppDb; signingKey: string }, token: unknown): Promise<UnsubscribePage> {
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) return { ok: false, reason: 'invalid_token' };
  const subject = readUnsubscribeToken(deps.signingKey, token);
  if (!subject) return { ok: false, reason: 'invalid_token' };
  return { ok: true, companyName: await findCompanyName(deps.db, subject.companyId), canStopWhop: subject.whopUserId !== null };
}
