import { describe, expect, it } from 'vitest';
import { CHANNELS } from '../../src/domain/channels.ts';
import type { ComposedNudge } from '../../src/domain/compose-nudge.ts';
import { CHANNEL_MODULES } from '../../src/services/nudges/channels/channel-modules.ts';
import type { Recipient } from '../../src/services/nudges/channels/channel-module.ts';

const composed: ComposedNudge = {
  push: { title: 'Payment failed', body: 'Update your card' },
  dm: { body: 'Hi, your payment failed' },
  email: { subject: 'Your payment failed', text: 'Plain text', html: '<p>Plain text</p>' },
};
const member: Recipient = { companyId: 'biz_1', userId: 'user_1', email: 'ann@example.test', productId: 'prod_1', optedOut: new Set() };

describe('channel modules: one per channel of the domain list', () => {
  it('every channel has a module', () => {
    expect(Object.keys(CHANNEL_MODULES).sort()).toEqual([...CHANNELS].sort());
  });

  it.each([
    ['push', { renderedSubject: 'Payment failed', renderedBody: 'Update your card' }],
    ['dm', { renderedSubject: null, renderedBody: 'Hi, your payment failed' }],
    ['email', { renderedSubject: 'Your payment failed', renderedBody: 'Plain text' }],
  ] as const)('the %s delivery keeps the text the member got', (channel, rendered) => {
    expect(CHANNEL_MODULES[channel].render(composed)).toEqual(rendered);
  });

  it.each([
    ['push', { userId: null }, 'no Whop user id for this member'],
    ['dm', { userId: null }, 'no Whop user id for this member'],
    ['email', { email: null }, 'no email address for this member'],
    ['push', { optedOut: new Set(['push'] as const) }, 'member opted out of push'],
    ['dm', { optedOut: new Set(['dm'] as const) }, 'member opted out of dm'],
    ['email', { optedOut: new Set(['email'] as const) }, 'address unsubscribed'],
    ['email', { userId: null, optedOut: new Set(['push', 'dm'] as const) }, null],
  ] as const)('%s with %o is unreachable because: %s', (channel, change, why) => {
    expect(CHANNEL_MODULES[channel].whyUnreachable({ ...member, ...change })).toBe(why);
  });
});
