import { describe, expect, it } from 'vitest';
import { channelListText } from '../../src/domain/channels.ts';
import { composeNudge } from '../../src/domain/compose-nudge.ts';
import { incentiveCostCents } from '../../src/domain/incentive-cost.ts';
import { isUuid } from '../../src/domain/is-uuid.ts';
import type { PlaceholderValues } from '../../src/domain/message-template.ts';
import { MAX_DELIVERY_ATTEMPTS, retryDelayMs } from '../../src/domain/retry-backoff.ts';

// Small domain rules a member or operator notices: how channels read in a message, how long a
// failed delivery waits, which case ids are looked up, and what one nudge says on each channel.

describe('channelListText: channels as a member reads them', () => {
  it.each([
    [[], 'and', ''],
    [['email'], 'and', 'email'],
    [['push', 'dm'], 'and', 'Whop push and Whop direct messages'],
    [['email', 'push', 'dm'], 'or', 'email, Whop push or Whop direct messages'],
    [['sms', 'email'], 'and', 'sms and email'],
  ] as const)('%j (%s) reads %j', (channels, conjunction, text) => {
    expect(channelListText(channels, conjunction)).toBe(text);
  });
  it('joins with "and" unless told otherwise', () => {
    expect(channelListText(['email', 'dm'])).toBe('email and Whop direct messages');
  });
});

describe('retryDelayMs: after Retry-After (up to 20 % later), else exponential from 5 s, capped at 6 h, jittered 50–100 %', () => {
  it.each([
    // attempt, retryAfterMs, random, expected
    [1, null, 0, 2_500],
    [1, null, 0.999999, 5_000],
    [1, null, 0.5, 3_750],
    [2, null, 0.999999, 10_000],
    [3, null, 0, 10_000],
    [0, null, 0, 2_500],
    [12, null, 0.99, 10_188_800],
    [13, null, 0.99, 20_377_600],
    [14, null, 0.99, 21_492_000],
    [20, null, 0, 3 * 3_600_000],
    [1, 120_000, 0, 120_000],
    [1, 120_000, 0.5, 132_000],
    [3, 1_000, 0.999999, 1_200],
    [1, 0, 0, 2_500],
  ])('attempt %i, Retry-After %s, random %s: %i ms', (attempt, retryAfter, random, expected) => {
    expect(retryDelayMs(attempt, retryAfter, random)).toBe(expected);
  });
  it('gives up after eight attempts', () => {
    expect(MAX_DELIVERY_ATTEMPTS).toBe(8);
  });
});

describe('isUuid: anything else is "not found" before the database', () => {
  it.each([
    ['0b7c2d1e-3f4a-4b5c-8d9e-0f1a2b3c4d5e', true],
    ['0B7C2D1E-3F4A-4B5C-8D9E-0F1A2B3C4D5E', true],
    ['0b7c2d1e-3f4a-4b5c-8d9e-0f1a2b3c4d5', false],
    [' 0b7c2d1e-3f4a-4b5c-8d9e-0f1a2b3c4d5e', false],
    ['0b7c2d1e-3f4a-4b5c-8d9e-0f1a2b3c4d5e ', false],
    ['0b7c2d1e3f4a4b5c8d9e0f1a2b3c4d5e', false],
    ['zb7c2d1e-3f4a-4b5c-8d9e-0f1a2b3c4d5e', false],
    ["1' OR '1'='1", false],
  ])('%j: %s', (value, expected) => {
    expect(isUuid(value)).toBe(expected);
  });
});

describe('composeNudge: one step on every channel', () => {
  const values: PlaceholderValues = { member_name: 'Dana <b>Reyes</b>', product: 'Signals', amount: '$29.99', manage_url: 'https://whop.com/billing/manage/mem_1', incentive_days: '3' };
  const settings = {
    templates: {
      push: { title: { generic: 'Hi {member_name}' }, body: { generic: 'Fix {product}' } },
      dm: { body: { generic: 'DM {amount}' }, steps: { '1': { body: { card_expired: 'Step two, expired card: {manage_url}' } } } },
      email: { subject: { generic: 'About {product}' }, body: { generic: 'Hello {member_name},\n\nUpdate here: {manage_url}\nThanks' } },
    },
  } as never;
  const compose = (stepIndex: number, variant: 'generic' | 'card_expired') =>
    composeNudge({ settings, stepIndex, variant, values, unsubscribeUrl: 'https://recover.example.test/api/unsubscribe?token=a&b=1' });

  it('renders each channel from the company templates, a step template winning for its variant', () => {
    const first = compose(0, 'generic');
    expect(first.push).toEqual({ title: 'Hi Dana <b>Reyes</b>', body: 'Fix Signals' });
    expect(first.dm).toEqual({ body: 'DM $29.99' });
    expect(first.email.subject).toBe('About Signals');
    expect(compose(1, 'card_expired').dm.body).toBe('Step two, expired card: https://whop.com/billing/manage/mem_1');
    expect(compose(1, 'generic').dm.body).toBe('DM $29.99');
  });

  it('the email text ends with the unsubscribe link; its HTML escapes values, keeps paragraphs and line breaks, links URLs', () => {
    const { email } = compose(0, 'generic');
    expect(email.text).toBe(
      'Hello Dana <b>Reyes</b>,\n\nUpdate here: https://whop.com/billing/manage/mem_1\nThanks\n\n--\nDon\'t want these emails? Unsubscribe: https://recover.example.test/api/unsubscribe?token=a&b=1',
    );
    expect(email.html).toContain('<p>Hello Dana &lt;b&gt;Reyes&lt;/b&gt;,</p>\n<p>Update here: <a href="https://whop.com/billing/manage/mem_1">https://whop.com/billing/manage/mem_1</a><br>Thanks</p>');
    expect(email.html).toContain('<a href="https://recover.example.test/api/unsubscribe?token=a&amp;b=1">Unsubscribe</a>');
    expect(email.html).not.toContain('<b>Reyes</b>');
    expect(email.html.startsWith('<!doctype html><html><body')).toBe(true);
    expect(email.html.endsWith('</body></html>')).toBe(true);
  });
});

describe('incentiveCostCents: the estimated cost of free days', () => {
  it.each([
    [3000, 3, 300],
    [2999, 7, 700],
    [1000, 0, 0],
    [999, 1, 33],
  ])('%i cents at risk with %i free days cost %i cents', (atRisk, days, cost) => {
    expect(incentiveCostCents(atRisk, days)).toBe(cost);
  });
});
