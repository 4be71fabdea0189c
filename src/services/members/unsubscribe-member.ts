import { CHANNELS } from '../../domain/channels.ts';
import type { AppDb } from '../../db/client.ts';
import { recordAuditEvent } from '../../db/repositories/audit-log.repository.ts';
import { recordOptOuts } from '../../db/repositories/nudges.repository.ts';
import { emailLookupHash } from '../../db/encrypted-text.ts';
import type { OptOutChannel } from '../../db/schema/member-opt-outs.ts';
import { memberTarget } from './member-subject.ts';
import { readUnsubscribeToken } from './unsubscribe-links.ts';

export type UnsubscribeResult = { ok: true; companyId: string; channels: OptOutChannel[] } | { ok: false; reason: 'invalid_token' };

/**
 * The token holder opts out: of email (the link in an email, RFC 8058 one-click), or of every
 * channel ('all': email, Whop push and DM, when the token names the Whop user). Idempotent; each
 * new opt-out is written to the audit log as the member's own action, without the address.
 */
export async function unsubscribeMember(
  deps: { db: AppDb; signingKey: string },
  token: string,
  scope: 'email' | 'all' = 'email',
  ip: string | null = null,
): Promise<UnsubscribeResult> {
  const subject = readUnsubscribeToken(deps.signingKey, token);
  if (!subject) return { ok: false, reason: 'invalid_token' };
  // Email first: the page lists them in this order (the link came by email).
  const channels: OptOutChannel[] = scope === 'all' && subject.whopUserId ? ['email', ...CHANNELS.filter((channel) => channel !== 'email')] : ['email'];
  await deps.db.transaction(async (tx) => {
    const added = await recordOptOuts(tx, subject.companyId, subject, channels, { reason: 'unsubscribe', source: 'member' });
    if (added.length > 0)
      await recordAuditEvent(tx, {
        companyId: subject.companyId,
        actor: 'member',
        action: 'member.opt_out',
        target: memberTarget(emailLookupHash(subject.email)),
        ip,
        detail: { ok: true, channels: added, reason: 'unsubscribe' },
      });
  });
  return { ok: true, companyId: subject.companyId, channels };
}
