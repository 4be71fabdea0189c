import { describe, expect, it } from 'vitest';
import { DECLINE_VARIANTS, type DeclineVariant } from '../../src/domain/decline-variant.ts';
import {
  CHANNELS,
  DEFAULT_TEMPLATES,
  TEMPLATE_PARTS,
  escapeHtml,
  findTemplateProblems,
  findUnknownPlaceholders,
  placeholderValuesOf,
  renderTemplate,
  selectTemplate,
  type Channel,
  type PlaceholderValues,
} from '../../src/domain/message-template.ts';
import { parseNudgeSettings, type CustomTemplates } from '../../src/domain/nudge-settings.ts';

const VALUES: PlaceholderValues = {
  member_name: 'Ada',
  product: 'Alpha Signals',
  amount: '$29.99',
  manage_url: 'https://whop.com/orders/mem_1/manage',
  incentive_days: '3',
  promo_code: '',
  promo_offer: '',
};
const NO_INCENTIVE: PlaceholderValues = { ...VALUES, incentive_days: '' };

describe('findUnknownPlaceholders', () => {
  it.each<[title: string, template: string, unknown: string[]]>([
    ['a template using only known placeholders has none', 'Hi {member_name}, {product} costs {amount}: {manage_url} ({incentive_days} days)', []],
    ['{coupon} is unknown', 'Use {coupon} at checkout', ['coupon']],
    ['each unknown name is listed once, in order', '{b} {a} {b}', ['b', 'a']],
    ['names are case-sensitive: {Product} is unknown', 'Your {Product}', ['Product']],
    ['spaces inside the braces still name the placeholder', 'Your { coupon }', ['coupon']],
    ['braces that cannot be a placeholder are plain text', 'Price: {} or {29.99} or { }', []],
  ])('%s', (_title, template, unknown) => {
    expect(findUnknownPlaceholders(template)).toEqual(unknown);
  });
});

describe('findTemplateProblems', () => {
  it.each<[title: string, template: string, problems: string[]]>([
    ['a valid template with an optional section has no problems', 'Hi{member_name}[[ Get {incentive_days} free days.]]', []],
    ['unknown placeholder {coupon} is rejected by name', 'Use {coupon}', ['unknown placeholder {coupon}']],
    ['Handlebars-style {{product}} is caught before a member sees the braces', 'Your {{product}}', ['use single braces: {product} instead of {{product}}']],
    ['an optional section that is never closed is rejected', 'Hi [[ Get {incentive_days} days', ['optional section [[ is never closed with ]]']],
    ['a stray ]] is rejected', 'Hi ]] there', [']] closes no optional section']],
    ['nested optional sections are rejected', '[[a [[b]] c]]', ['optional sections [[ ]] cannot be nested']],
    ['an unclosed {amount is named, with the fix', 'Pay {amount now', ['malformed placeholder {amount: it is never closed with }; write {amount}']],
    ['an unclosed placeholder at the very end is named', 'Pay {amount', ['malformed placeholder {amount: it is never closed with }; write {amount}']],
    ['a placeholder missing its opening brace is named', 'Pay amount} now', ['malformed placeholder amount}: it has no opening {; write {amount}']],
    ['a placeholder of two words is named', 'Hi {member name}', ['malformed placeholder {member name}: a placeholder is one word, such as {member_name}']],
    ['an extra opening brace is named', 'Pay {{amount} now', ['malformed placeholder: an extra { before {amount}']],
    ['an extra closing brace is named', 'Pay {amount}} now', ['malformed placeholder: an extra } after {amount}']],
    ['every malformed placeholder is named, in order', '{product} {amount and {manage_url', ['malformed placeholder {amount: it is never closed with }; write {amount}', 'malformed placeholder {manage_url: it is never closed with }; write {manage_url}']],
    ['braces that cannot be a placeholder stay plain text', 'Price: {} or {29.99} or { }', []],
  ])('%s', (_title, template, problems) => {
    expect(findTemplateProblems(template)).toEqual(problems);
  });
});

describe('renderTemplate', () => {
  it.each<[title: string, template: string, values: PlaceholderValues, rendered: string]>([
    ['every placeholder is replaced', '{member_name}|{product}|{amount}|{manage_url}|{incentive_days}', VALUES, 'Ada|Alpha Signals|$29.99|https://whop.com/orders/mem_1/manage|3'],
    ['a placeholder used twice is replaced twice', '{product} and {product}', VALUES, 'Alpha Signals and Alpha Signals'],
    ['spaces inside the braces are tolerated', 'Hi { member_name }', VALUES, 'Hi Ada'],
    ['values go in verbatim: HTML escaping is the email adapter\'s job', 'Hi {member_name}', { ...VALUES, member_name: '<b>Ada & co</b>' }, 'Hi <b>Ada & co</b>'],
    ['a member named "{amount}" is not re-rendered', 'Hi {member_name}, {amount}', { ...VALUES, member_name: '{amount}' }, 'Hi {amount}, $29.99'],
    ['a value containing [[ ]] is not treated as a section', 'Hi {member_name}', { ...VALUES, member_name: '[[x {incentive_days}]]' }, 'Hi [[x {incentive_days}]]'],
    ['an optional section with a value is kept without its brackets', 'Update.[[ Get {incentive_days} free days.]]', VALUES, 'Update. Get 3 free days.'],
    ['without an incentive, the free-days sentence disappears', 'Update.[[ Get {incentive_days} free days.]] Thanks', NO_INCENTIVE, 'Update. Thanks'],
    ['without a member name, "Hi[[ {member_name}]]," greets with "Hi,"', 'Hi[[ {member_name}]],', { ...VALUES, member_name: '' }, 'Hi,'],
    ['a whitespace-only value counts as empty', 'Hi[[ {member_name}]],', { ...VALUES, member_name: '  ' }, 'Hi,'],
    ['a section without placeholders is always kept', 'A[[ B]] C', NO_INCENTIVE, 'A B C'],
    ['a dropped paragraph leaves no blank gap', 'Para 1\n\n[[Get {incentive_days} days.]]\n\nPara 3', NO_INCENTIVE, 'Para 1\n\nPara 3'],
    ['a dropped line between lines leaves no empty line', 'Line 1\n[[Get {incentive_days} days.]]\nLine 3', NO_INCENTIVE, 'Line 1\nLine 3'],
    ['a dropped last paragraph leaves no trailing blank line', 'Body\n\n[[Get {incentive_days} days.]]', NO_INCENTIVE, 'Body'],
    ['a dropped first paragraph leaves no leading blank line', '[[Hi {member_name},]]\n\nBody', { ...VALUES, member_name: '' }, 'Body'],
    ['a kept paragraph keeps its layout', 'Para 1\n\n[[Get {incentive_days} days.]]\n\nPara 3', VALUES, 'Para 1\n\nGet 3 days.\n\nPara 3'],
    ['an unknown placeholder in an unvalidated template is left as written', 'Use {coupon}', VALUES, 'Use {coupon}'],
  ])('%s', (_title, template, values, rendered) => {
    expect(renderTemplate(template, values)).toBe(rendered);
  });
});

describe('escapeHtml', () => {
  it.each([
    ['<script>alert("x")</script>', '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'],
    ["Tom & Jerry's", 'Tom &amp; Jerry&#39;s'],
    ['plain text', 'plain text'],
  ])('%s is shown as text in an email, never as markup', (text, escaped) => {
    expect(escapeHtml(text)).toBe(escaped);
  });
});

describe('placeholderValuesOf', () => {
  it.each<[title: string, incentiveDays: number, memberName: string | null, expected: Partial<PlaceholderValues>]>([
    ['an incentive of 3 days shows as "3"', 3, 'Ada', { incentive_days: '3', member_name: 'Ada' }],
    ['no incentive is an empty value, which drops the free-days sections', 0, 'Ada', { incentive_days: '' }],
    ['an unknown member name is empty, which drops the name from the greeting', 3, null, { member_name: '' }],
  ])('%s', (_title, incentiveDays, memberName, expected) => {
    const values = placeholderValuesOf({ memberName, product: 'Alpha', amount: '$29.99', manageUrl: 'https://x.test/m', incentiveDays });
    expect(values).toMatchObject({ product: 'Alpha', amount: '$29.99', manage_url: 'https://x.test/m', ...expected });
  });
});

const ALL_DEFAULTS = CHANNELS.flatMap((channel) =>
  DECLINE_VARIANTS.flatMap((variant) => TEMPLATE_PARTS[channel].map((part) => ({ channel, variant, part, text: partOf(channel, variant, part) }))),
);

function partOf(channel: Channel, variant: DeclineVariant, part: string): string {
  return (DEFAULT_TEMPLATES[channel][variant] as unknown as Record<string, string>)[part]!;
}

describe('DEFAULT_TEMPLATES', () => {
  it.each(ALL_DEFAULTS)('the default $channel $part for $variant passes the same validation as a creator\'s template', ({ text }) => {
    expect(findTemplateProblems(text)).toEqual([]);
  });

  it.each(ALL_DEFAULTS.filter((t) => t.part === 'body'))('the default $channel body for $variant links the member to {manage_url}', ({ text }) => {
    expect(text).toContain('{manage_url}');
  });

  it.each(ALL_DEFAULTS)('the default $channel $part for $variant mentions free days only inside an optional section', ({ text }) => {
    const outsideSections = text.replace(/\[\[[\s\S]*?\]\]/g, '');
    expect(outsideSections).not.toMatch(/\{incentive_days\}|free days/);
  });

  it.each(ALL_DEFAULTS.filter((t) => t.part === 'body'))('a $channel nudge for $variant without an incentive never promises free days', ({ text }) => {
    const rendered = renderTemplate(text, NO_INCENTIVE);
    expect(rendered).not.toMatch(/free days|\{|\[\[|\]\]/);
    expect(rendered).not.toMatch(/\n\n\n/);
    expect(rendered).toBe(rendered.trim());
  });

  it.each(ALL_DEFAULTS.filter((t) => t.part === 'body'))('a $channel nudge for $variant with a 3-day incentive promises 3 free days', ({ text }) => {
    expect(renderTemplate(text, VALUES)).toContain('3 free days');
  });

  it.each(ALL_DEFAULTS.filter((t) => t.part === 'title'))('the push title for $variant fits on a lock screen (at most 40 characters rendered)', ({ text }) => {
    expect(renderTemplate(text, VALUES).length).toBeLessThanOrEqual(40);
  });

  it('a member with an unknown card problem gets "Your {product} membership payment didn\'t go through"', () => {
    expect(renderTemplate(DEFAULT_TEMPLATES.email.generic.subject, VALUES)).toBe("Your Alpha Signals membership payment didn't go through");
  });

  it('a member whose card expired is told so in the subject line', () => {
    expect(renderTemplate(DEFAULT_TEMPLATES.email.card_expired.subject, VALUES)).toBe('The card for your Alpha Signals membership has expired');
  });

  it('a complete email reads naturally, with and without name and incentive', () => {
    const body = DEFAULT_TEMPLATES.email.insufficient_funds.body;
    expect(renderTemplate(body, VALUES)).toBe(
      [
        'Hi Ada,',
        '',
        "We couldn't collect your $29.99 payment for Alpha Signals: your bank declined it for insufficient funds. It happens, and it's quick to fix.",
        '',
        'Retry the payment or switch to another card here to keep your access:',
        'https://whop.com/orders/mem_1/manage',
        '',
        "Update today and we'll add 3 free days to your membership as a thank-you.",
        '',
        'Thanks for being a member,',
        'The Alpha Signals team',
      ].join('\n'),
    );
    expect(renderTemplate(body, { ...NO_INCENTIVE, member_name: '' })).toBe(
      [
        'Hi,',
        '',
        "We couldn't collect your $29.99 payment for Alpha Signals: your bank declined it for insufficient funds. It happens, and it's quick to fix.",
        '',
        'Retry the payment or switch to another card here to keep your access:',
        'https://whop.com/orders/mem_1/manage',
        '',
        'Thanks for being a member,',
        'The Alpha Signals team',
      ].join('\n'),
    );
  });
});

function settingsWith(templates: unknown) {
  const parsed = parseNudgeSettings({ templates });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.settings;
}

describe('selectTemplate', () => {
  const custom = settingsWith({
    email: {
      subject: { generic: 'Custom subject for {product}', card_expired: 'Custom expired subject' },
      steps: { '2': { subject: { generic: 'Last chance for {product}' }, body: { card_declined: 'Final declined body {manage_url}' } } },
    },
    dm: { body: { insufficient_funds: 'Custom DM {manage_url}' } },
  } satisfies CustomTemplates);

  it.each<[title: string, channel: Channel, step: number, variant: DeclineVariant, expected: Record<string, string>]>([
    ['a company without custom copy gets the default', 'push', 0, 'card_expired', DEFAULT_TEMPLATES.push.card_expired],
    ['a custom subject for this variant is used, with the default body', 'email', 0, 'card_expired', { subject: 'Custom expired subject', body: DEFAULT_TEMPLATES.email.card_expired.body }],
    ['the company\'s generic subject beats our variant-specific default', 'email', 1, 'insufficient_funds', { subject: 'Custom subject for {product}', body: DEFAULT_TEMPLATES.email.insufficient_funds.body }],
    ['a step-specific subject beats the company\'s every-step copy', 'email', 2, 'card_expired', { subject: 'Last chance for {product}', body: DEFAULT_TEMPLATES.email.card_expired.body }],
    ['a step-specific body for this variant is used on that step', 'email', 2, 'card_declined', { subject: 'Last chance for {product}', body: 'Final declined body {manage_url}' }],
    ['step-specific copy applies to its step only', 'email', 0, 'card_declined', { subject: 'Custom subject for {product}', body: DEFAULT_TEMPLATES.email.card_declined.body }],
    ['a custom DM for one variant leaves other variants on the default', 'dm', 0, 'card_expired', DEFAULT_TEMPLATES.dm.card_expired],
    ['a custom DM for its variant is used on every step', 'dm', 2, 'insufficient_funds', { body: 'Custom DM {manage_url}' }],
  ])('%s', (_title, channel, step, variant, expected) => {
    expect(selectTemplate(custom, channel, step, variant)).toEqual(expected);
  });

  it('the defaults apply to a company that never saved settings', () => {
    expect(selectTemplate({ templates: {} }, 'email', 0, 'generic')).toEqual(DEFAULT_TEMPLATES.email.generic);
  });
});
