/**
 * Channels as a member reads them: "email, Whop push and Whop direct messages" (never the codes
 * push / dm). Unknown codes pass through, so a new channel is visible rather than dropped.
 */
const CHANNEL_NAMES: Readonly<Record<string, string>> = { email: 'email', push: 'Whop push', dm: 'Whop direct messages' };

export function channelListText(channels: readonly string[], conjunction: 'and' | 'or' = 'and'): string {
  const names = channels.map((channel) => CHANNEL_NAMES[channel] ?? channel);
  if (names.length <= 1) return names[0] ?? '';
  return `${names.slice(0, -1).join(', ')} ${conjunction} ${names.at(-1)}`;
}
