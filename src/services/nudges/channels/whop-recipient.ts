import type { WhopChannel } from '../../../domain/channels.ts';
import type { Recipient } from './channel-module.ts';

/** Push and DM reach the member's Whop user: the rule both share. */
export function whyWhopUserUnreachable(channel: WhopChannel, to: Recipient): string | null {
  if (!to.userId) return 'no Whop user id for this member';
  return to.optedOut.has(channel) ? `member opted out of ${channel}` : null;
}
