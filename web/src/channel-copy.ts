import type { Channel } from '../../src/domain/channels.ts';

/**
 * What the dashboard says of each channel, in one place: a channel added to domain/channels.ts
 * fails to compile here until it has its words (no "else: Whop DM" text for a new channel).
 */

/** Indexed by channel codes from the API (any string); `satisfies` makes a new channel need its label. */
export const CHANNEL_LABELS: Readonly<Record<string, string>> = { push: 'Push', dm: 'Direct message', email: 'Email' } satisfies Record<Channel, string>;

/** The label of each channel's switch on the settings page. */
export const CHANNEL_TOGGLE_LABELS: Readonly<Record<Channel, string>> = { push: `${CHANNEL_LABELS.push} notifications`, dm: `${CHANNEL_LABELS.dm}s`, email: CHANNEL_LABELS.email ?? 'Email' };

/** The line above each channel's templates. */
export const CHANNEL_INTROS: Readonly<Record<Channel, string>> = {
  push: 'A short notification: keep the title under 60 characters.',
  dm: 'A direct message on Whop; Markdown works (**bold**, links).',
  email: 'Plain-text email; an unsubscribe link is added automatically.',
};

const overWhop = (what: string, whopConfigured: boolean) => (whopConfigured ? what : `${what} Whop is not connected yet: messages are kept in the outbox.`);

/** The hint under each channel's switch: what it is, and what happens while its provider is not set up. */
export const CHANNEL_NOTES: Readonly<Record<Channel, (configured: { smtp: boolean; whop: boolean }) => string>> = {
  email: ({ smtp }) => (smtp ? 'Sent from your SMTP server, with a one-click unsubscribe link.' : 'Email is not set up on this installation yet: emails are kept in the outbox (visible on each case) instead of being sent.'),
  push: ({ whop }) => overWhop('A Whop notification on the member’s phone and desktop.', whop),
  dm: ({ whop }) => overWhop('A direct message from your company on Whop.', whop),
};
