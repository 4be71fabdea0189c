/**
 * The channels a nudge goes out on: the one list every other list derives from (settings
 * `enable_*` fields, templates, deliveries, opt-outs, the dashboard). Adding a channel here makes
 * every `Record<Channel, …>` that lacks it fail to compile, starting with the channel modules in
 * services/nudges/channels/.
 */
export const CHANNELS = ['push', 'dm', 'email'] as const;
export type Channel = (typeof CHANNELS)[number];

/** Channels that reach a member through their Whop user (not an address we hold). */
export const WHOP_CHANNELS = ['push', 'dm'] as const satisfies readonly Channel[];
export type WhopChannel = (typeof WHOP_CHANNELS)[number];

/** The settings field that turns a channel on or off. */
export type ChannelToggle = `enable_${Channel}`;
export const channelToggle = <C extends Channel>(channel: C): `enable_${C}` => `enable_${channel}`;

/** Channels as a member reads them (never the codes push / dm). */
export const CHANNEL_NAMES: Readonly<Record<Channel, string>> = { email: 'email', push: 'Whop push', dm: 'Whop direct messages' };

export function isChannel(value: unknown): value is Channel {
  return typeof value === 'string' && (CHANNELS as readonly string[]).includes(value);
}

/**
 * Channels as a member reads them: "email, Whop push and Whop direct messages". Unknown codes pass
 * through, so a new channel is visible rather than dropped.
 */
export function channelListText(channels: readonly string[], conjunction: 'and' | 'or' = 'and'): string {
  const names = channels.map((channel) => (isChannel(channel) ? CHANNEL_NAMES[channel] : channel));
  if (names.length <= 1) return names[0] ?? '';
  return `${names.slice(0, -1).join(', ')} ${conjunction} ${names.at(-1)}`;
}

/** Every channel's settings switch, in CHANNELS order. */
export const CHANNEL_TOGGLES: readonly ChannelToggle[] = CHANNELS.map(channelToggle);

/** Just the channel switches of a settings object (forms copy them between shapes). */
export function channelTogglesOf(settings: Readonly<Record<ChannelToggle, boolean>>): Record<ChannelToggle, boolean> {
  return Object.fromEntries(CHANNEL_TOGGLES.map((toggle) => [toggle, settings[toggle]])) as Record<ChannelToggle, boolean>;
}
