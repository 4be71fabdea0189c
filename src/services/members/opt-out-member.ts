import type { AppDb } from '../../db/client.ts';
import { recordAuditEvent } from '../../db/repositories/audit-log.repository.ts';
import type { MemberSubject } from '../../db/repositories/member-footprint.repository.ts';
import { recordOptOuts } from '../../db/repositories/nudges.repository.ts';
import type { OptOutChannel } from '../../db/schema/member-opt-outs.ts';
import { memberTarget, subjectHash } from './member-subject.ts';

export type OptOutMemberResult =
  | { ok: true; optedOut: OptOutChannel[]; newlyOptedOut: OptOutChannel[] }
  | { ok: false; reason: 'channel_needs_user_id' | 'channel_needs_email'; message: string };

/**
 * A creator or operator opts a member out on the member's behalf (a data-rights request). Whop
 * delivers push and DM by user, email by address, so each channel needs the matching subject.
 * Idempotent: channels already opted out are kept and not audited again; the opt-outs and their
 * audit row commit together.
 */
export async function optOutMember(
  deps: { db: AppDb },
  input: { companyId: string; subject: MemberSubject; channels: OptOutChannel[]; actor: string; ip: string | null },
): Promise<OptOutMemberResult> {
  const { companyId, subject, channels, actor } = input;
  if (subject.kind === 'email' && channels.some((c) => c !== 'email'))
    return { ok: false, reason: 'channel_needs_user_id', message: "channels: push and dm opt-outs need the member's user_id (Whop delivers them by user)" };
  if (subject.kind === 'user_id' && channels.includes('email'))
    return { ok: false, reason: 'channel_needs_email', message: "channels: an email opt-out needs the member's email address" };
  const newlyOptedOut = await deps.db.transaction(async (tx) => {
    const added = await recordOptOuts(tx, companyId, subject.kind === 'email' ? { email: subject.value } : { whopUserId: subject.value }, channels, { reason: 'member_request', source: actor });
    if (added.length > 0)
      await recordAuditEvent(tx, { companyId, actor, action: 'member.opt_out', target: memberTarget(subjectHash(subject)), ip: input.ip, detail: { ok: true, channels: added, reason: 'member_request' } });
    return added;
  });
  return { ok: true, optedOut: channels, newlyOptedOut };
}
