import { emailLookupHash, userLookupHashes } from '../../db/encrypted-text.ts';
import type { MemberSubject } from '../../db/repositories/member-footprint.repository.ts';

/** The member's lookup hash (email or Whop user id): what receipts, exports and the audit log keep instead of the subject. */
export function subjectHash(subject: MemberSubject): string {
  return subject.kind === 'email' ? emailLookupHash(subject.value)! : userLookupHashes(subject.value)[0]!;
}

/** How the audit log names a member: a prefix of their lookup hash, never the address. */
export function memberTarget(hash: string | null): string {
  return hash ? `member:${hash.slice(0, 16)}` : 'member';
}
