import { CHANNELS, type Channel } from './channels.ts';
import { DECLINE_VARIANTS, type DeclineCategory, type DeclineVariant } from './decline-variant.ts';
import type { NudgeSettings } from './nudge-settings.ts';

/**
 * Nudge message templates: the placeholders a creator may use, validation, rendering, and the
 * default copy per channel and decline variant.
 *
 * Syntax:
 * - `{name}` is replaced by the value of a placeholder from PLACEHOLDERS (spaces inside the braces
 *   are tolerated: `{ product }`).
 * - `[[ ... ]]` is an optional section: it is dropped when any placeholder inside it has an empty
 *   value, and kept (without the brackets) otherwise. A line left empty by a dropped section
 *   disappears with it. This is how "get 3 free days" only shows when an incentive applies.
 */

export const PLACEHOLDERS = ['member_name', 'product', 'amount', 'manage_url', 'incentive_days', 'promo_code', 'promo_offer'] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];
export type PlaceholderValues = Record<Placeholder, string>;

/** The list lives in channels.ts; re-exported so template code keeps one import. */
export { CHANNELS, type Channel };

/** The parts of one message per channel. Email bodies are plain text, DM bodies are Markdown. */
export interface ChannelTemplates {
  push: { title: string; body: string };
  dm: { body: string };
  email: { subject: string; body: string };
}
export type ChannelTemplate<C extends Channel> = ChannelTemplates[C];
export type TemplatePart<C extends Channel> = keyof ChannelTemplates[C] & string;

export const TEMPLATE_PARTS: { readonly [C in Channel]: readonly TemplatePart<C>[] } = {
  push: ['title', 'body'],
  dm: ['body'],
  email: ['subject', 'body'],
};

/** Longest accepted custom template per channel and part, in characters (UTF-16 code units). */
export const TEMPLATE_MAX_LENGTH: { readonly [C in Channel]: Readonly<Record<TemplatePart<C>, number>> } = {
  push: { title: 120, body: 1_000 },
  dm: { body: 4_000 },
  email: { subject: 200, body: 20_000 },
};

/** `{name}`, tolerating spaces inside the braces; names start with a letter or underscore. */
const PLACEHOLDER_PATTERN = /\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}/g;
const SECTION_PATTERN = /\[\[([\s\S]*?)\]\]/g;

export function isPlaceholder(name: string): name is Placeholder {
  return (PLACEHOLDERS as readonly string[]).includes(name);
}

/** Names (without braces) of `{...}` placeholders the renderer does not know, each once, in order of appearance. */
export function findUnknownPlaceholders(template: string): string[] {
  const unknown: string[] = [];
  for (const match of template.matchAll(PLACEHOLDER_PATTERN)) {
    const name = match[1]!;
    if (!isPlaceholder(name) && !unknown.includes(name)) unknown.push(name);
  }
  return unknown;
}

/**
 * Everything that would make a template render wrongly, as messages ready to follow a field path,
 * in order of appearance: unknown placeholders (each once), `{{double braces}}`, malformed
 * placeholders (`{amount` never closed, `amount}` never opened, `{member name}`, `{{amount}`,
 * `{amount}}`), and unbalanced or nested `[[ ]]` sections. Braces that cannot be meant as a
 * placeholder (`{}`, `{29.99}`) are plain text. `known` is the placeholder set: the nudges' by
 * default, a save offer's (save-offer-template.ts) for its copy.
 */
export function findTemplateProblems(template: string, known: readonly string[] = PLACEHOLDERS): string[] {
  const problems = [...findPlaceholderProblems(template, known)];
  const sectionProblem = findSectionProblem(template);
  if (sectionProblem !== null) problems.push(sectionProblem);
  return problems;
}

/**
 * One left-to-right scan over the braces. Alternatives, most specific first: `{{name}}`, `{name}`,
 * `{words with spaces}`, `{name` (unclosed), `name}` (unopened), then a lone brace.
 */
const BRACE_TOKEN =
  /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}|\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}|\{\s*([A-Za-z_][A-Za-z0-9_]*(?:[ \t]+[A-Za-z0-9_]+)+)\s*\}|\{\s*([A-Za-z_][A-Za-z0-9_]*)|([A-Za-z_][A-Za-z0-9_]*)[ \t]*\}|[{}]/g;

function findPlaceholderProblems(template: string, known: readonly string[]): string[] {
  const problems: string[] = [];
  const unknown = new Set<string>();
  let previousEnd = -1;
  let previousWasPlaceholder = false;
  for (const match of template.matchAll(BRACE_TOKEN)) {
    const [whole, doubled, name, spaced, unclosed, unopened] = match;
    const adjacent = match.index === previousEnd;
    if (doubled !== undefined) problems.push(`use single braces: {${doubled}} instead of ${whole}`);
    else if (name !== undefined && !known.includes(name)) {
      if (!unknown.has(name)) problems.push(`unknown placeholder {${name}}`);
      unknown.add(name);
    } else if (spaced !== undefined) problems.push(`malformed placeholder {${spaced}}: a placeholder is one word, such as {${spaced.trim().split(/\s+/).join('_')}}`);
    else if (unclosed !== undefined) problems.push(`malformed placeholder {${unclosed}: it is never closed with }; write {${unclosed}}`);
    else if (unopened !== undefined) problems.push(`malformed placeholder ${unopened}}: it has no opening {; write {${unopened}}`);
    else if (whole === '}' && adjacent && previousWasPlaceholder) problems.push(`malformed placeholder: an extra } after ${template.slice(0, match.index).match(/\{[^{}]*\}$/)?.[0] ?? 'a placeholder'}`);
    else if (whole === '{' && /^\{\s*[A-Za-z_][A-Za-z0-9_]*\s*\}(?!\})/.test(template.slice(match.index + 1)))
      problems.push(`malformed placeholder: an extra { before ${template.slice(match.index + 1).match(/^\{[^{}]*\}/)![0]}`);
    previousEnd = match.index + whole.length;
    previousWasPlaceholder = name !== undefined;
  }
  return problems;
}

/** The first misuse of `[[ ]]`, or null when every section is closed and none is nested. */
function findSectionProblem(template: string): string | null {
  let isOpen = false;
  for (const token of template.match(/\[\[|\]\]/g) ?? []) {
    if (token === '[[' && isOpen) return 'optional sections [[ ]] cannot be nested';
    if (token === ']]' && !isOpen) return ']] closes no optional section';
    isOpen = token === '[[';
  }
  return isOpen ? 'optional section [[ is never closed with ]]' : null;
}

/**
 * Replaces every known `{name}` with its value, verbatim (no escaping: that is the channel
 * adapter's job, see escapeHtml) and in one pass, so a value containing `{...}` or `[[` is never
 * re-interpreted. Resolves `[[ ]]` sections as described at the top of this file. Unknown
 * placeholders (only possible in unvalidated templates) are left as written.
 */
export function renderTemplate(template: string, values: Readonly<Record<string, string>>): string {
  const dropped = sentinelFor(template, values);
  let out = '';
  let last = 0;
  for (const match of template.matchAll(SECTION_PATTERN)) {
    out += fill(template.slice(last, match.index), values);
    const inner = match[1]!;
    out += hasEmptyPlaceholder(inner, values) ? dropped : fill(inner, values);
    last = match.index + match[0].length;
  }
  out += fill(template.slice(last), values);
  return removeDroppedSections(out, dropped);
}

/** The placeholders a render knows are the keys of its values (PlaceholderValues for a nudge). */
function isKnown(name: string, values: Readonly<Record<string, string>>): boolean {
  return Object.hasOwn(values, name);
}

function fill(text: string, values: Readonly<Record<string, string>>): string {
  return text.replace(PLACEHOLDER_PATTERN, (whole, name: string) => (isKnown(name, values) ? (values[name] ?? whole) : whole));
}

function hasEmptyPlaceholder(text: string, values: Readonly<Record<string, string>>): boolean {
  for (const match of text.matchAll(PLACEHOLDER_PATTERN)) {
    const name = match[1]!;
    if (isKnown(name, values) && (values[name] ?? '').trim() === '') return true;
  }
  return false;
}

/** A marker for a dropped section that occurs neither in the template nor in any value. */
function sentinelFor(template: string, values: Readonly<Record<string, string>>): string {
  const haystack = template + Object.values(values).join('');
  let code = 0xe000; // Unicode private use area
  while (haystack.includes(String.fromCharCode(code))) code += 1;
  return String.fromCharCode(code);
}

/**
 * Removes the markers of dropped sections. A line holding only dropped sections is removed
 * entirely, and so is one of the blank lines around it, so a dropped paragraph leaves no gap.
 */
function removeDroppedSections(text: string, marker: string): string {
  if (!text.includes(marker)) return text;
  const lines = text.split('\n');
  const kept: string[] = [];
  let collapseNextBlank = false;
  for (const line of lines) {
    const isBlank = line.trim() === '';
    if (line.includes(marker) && line.replaceAll(marker, '').trim() === '') {
      collapseNextBlank = kept.length === 0 || kept.at(-1)!.trim() === '';
      continue;
    }
    if (collapseNextBlank && isBlank) {
      collapseNextBlank = false;
      continue;
    }
    collapseNextBlank = false;
    kept.push(line.replaceAll(marker, ''));
  }
  // A dropped last paragraph must not leave a trailing blank line behind.
  if (collapseNextBlank && kept.length > 0 && kept.at(-1)!.trim() === '') kept.pop();
  return kept.join('\n');
}

const HTML_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/** What {product} reads when the product's title is unknown; tidyUnknownProduct smooths the sentence. */
export const UNKNOWN_PRODUCT = 'your membership';

/**
 * Rendered text with an unknown product: "Your {product} membership payment" must not read
 * "Your your membership membership payment" (nor the old "membership membership").
 */
export function tidyUnknownProduct(text: string): string {
  return text
    .replace(/\b(your) your membership membership\b/gi, '$1 membership')
    .replace(/\byour membership membership\b/gi, (m) => m.slice(0, m.length - ' membership'.length))
    .replace(/\b(your) your membership\b/gi, '$1 membership')
    .replace(/\bThe your membership team\b/g, 'The team')
    .replace(/\bmembership membership\b/gi, 'membership');
}

/**
 * Placeholder values for one nudge. `incentiveDays` is 0 when no incentive applies to this nudge:
 * its value is then empty, which drops the `[[ ]]` sections that promise free days. A missing
 * member name is empty too, so "Hi[[ {member_name}]]," renders "Hi,".
 * `amount` is already formatted for display (e.g. "$29.99"). `promo` is the case's promo code once
 * Whop has it (`{promo_code}` "SAVE-7K3QM9TX", `{promo_offer}` "20 % off for 3 months"); null
 * leaves both empty, so a code is never mentioned before it exists.
 */
export function placeholderValuesOf(input: {
  memberName: string | null;
  /** The product's title; null when Whop did not say (the text then reads "your membership"). */
  product: string | null;
  amount: string;
  manageUrl: string;
  incentiveDays: number;
  promo?: { code: string; offer: string } | null;
}): PlaceholderValues {
  return {
    member_name: input.memberName?.trim() ?? '',
    product: input.product?.trim() || UNKNOWN_PRODUCT,
    amount: input.amount,
    manage_url: input.manageUrl,
    incentive_days: input.incentiveDays > 0 ? String(input.incentiveDays) : '',
    promo_code: input.promo?.code ?? '',
    promo_offer: input.promo ? input.promo.offer : '',
  };
}

const SIGN_OFF = 'Thanks for being a member,\nThe {product} team';

/** The promo-code offer of the defaults: only one of free days and a code applies to a case. */
const PROMO_EMAIL = 'As a thank-you, use the code {promo_code} for {promo_offer} (one use, for your membership).';
const PROMO_PUSH = '[[ Use code {promo_code} for {promo_offer}.]]';
const PROMO_DM = "\n\n[[As a thank-you, use the code **{promo_code}** for **{promo_offer}**.]]";

function emailBody(problem: string, action: string, incentive: string): string {
  return `Hi[[ {member_name}]],\n\n${problem}\n\n${action}\n{manage_url}\n\n[[${incentive}]]\n\n[[${PROMO_EMAIL}]]\n\n${SIGN_OFF}`;
}

/**
 * Default copy per channel and decline variant, used for every step unless the company wrote its
 * own (see selectTemplate). Every body links {manage_url}; free days are only ever promised inside
 * an optional section, so a nudge without an incentive never mentions them.
 */
/**
 * The reasons a template may be written for: the message variants, plus the decline categories
 * whose copy must differ from every variant (issue #15): an authentication to confirm, a card that
 * can never be charged again, a soft issuer decline. `insufficient_funds` is both a variant and a
 * category; `unknown` reads the variants (generic at last).
 */
export const TEMPLATE_REASONS = [...DECLINE_VARIANTS, 'needs_authentication', 'card_unusable', 'issuer_soft_decline'] as const;
export type TemplateReason = (typeof TEMPLATE_REASONS)[number];

export const DEFAULT_TEMPLATES: { readonly [C in Channel]: Readonly<Record<TemplateReason, ChannelTemplate<C>>> } = {
  email: {
    insufficient_funds: {
      subject: "Your {product} payment didn't go through",
      body: emailBody(
        "We couldn't collect your {amount} payment for {product}: your bank declined it for insufficient funds. It happens, and it's quick to fix.",
        'Retry the payment or switch to another card here to keep your access:',
        "Update today and we'll add {incentive_days} free days to your membership as a thank-you.",
      ),
    },
    card_expired: {
      subject: 'The card for your {product} membership has expired',
      body: emailBody(
        "The card on file for your {product} membership has expired, so your {amount} payment didn't go through.",
        'Add a new card here to keep your access. It takes under a minute:',
        "Update today and we'll add {incentive_days} free days to your membership as a thank-you.",
      ),
    },
    card_declined: {
      subject: 'Your bank declined the payment for {product}',
      body: emailBody(
        'Your bank declined the {amount} payment for your {product} membership. This is often a one-off security check: approving the charge with your bank or using another card usually fixes it.',
        'Update your payment here to keep your access:',
        "Update today and we'll add {incentive_days} free days to your membership as a thank-you.",
      ),
    },
    generic: {
      subject: "Your {product} membership payment didn't go through",
      body: emailBody(
        "We weren't able to process your {amount} payment for {product}.",
        'Update your payment details here to keep your access:',
        "Update today and we'll add {incentive_days} free days to your membership as a thank-you.",
      ),
    },
    needs_authentication: {
      subject: 'Confirm your {product} payment with your bank',
      body: emailBody(
        'Your bank needs you to confirm the {amount} payment for your {product} membership. Nothing is wrong with your card: it is a one-time security check (3-D Secure).',
        'Confirm the payment here. It takes a few seconds:',
        "Confirm today and we'll add {incentive_days} free days to your membership as a thank-you.",
      ),
    },
    card_unusable: {
      subject: 'Add a new card to keep {product}',
      body: emailBody(
        "The card on file for your {product} membership can't be charged any more (it has expired, been replaced or closed), so your {amount} payment didn't go through.",
        'Add a new card here to keep your access. It takes under a minute:',
        "Update today and we'll add {incentive_days} free days to your membership as a thank-you.",
      ),
    },
    issuer_soft_decline: {
      subject: 'Your bank declined the payment for {product}',
      body: emailBody(
        'Your bank declined the {amount} payment for your {product} membership. This is often a one-off security check: approving the charge with your bank or using another card usually fixes it.',
        'Update your payment here to keep your access:',
        "Update today and we'll add {incentive_days} free days to your membership as a thank-you.",
      ),
    },
  },
  push: {
    insufficient_funds: {
      title: "Payment didn't go through",
      body: 'Your {amount} payment for {product} was declined for insufficient funds. Retry or use another card to keep your access.[[ Get {incentive_days} free days when you do.]]' + PROMO_PUSH + ' {manage_url}',
    },
    card_expired: {
      title: 'Your card has expired',
      body: 'The card for your {product} membership has expired. Add a new one to keep your access.[[ Get {incentive_days} free days when you do.]]' + PROMO_PUSH + ' {manage_url}',
    },
    card_declined: {
      title: 'Your payment was declined',
      body: 'Your bank declined the {amount} payment for {product}. Update your payment to keep your access.[[ Get {incentive_days} free days when you do.]]' + PROMO_PUSH + ' {manage_url}',
    },
    generic: {
      title: 'Action needed for {product}',
      body: "Your {amount} payment for {product} didn't go through. Update your payment to keep your access.[[ Get {incentive_days} free days when you do.]]" + PROMO_PUSH + " {manage_url}",
    },
    needs_authentication: {
      title: 'Confirm your payment',
      body: 'Your bank needs you to confirm the {amount} payment for {product}. Tap to confirm and keep your access.[[ Get {incentive_days} free days when you do.]] {manage_url}',
    },
    card_unusable: {
      title: 'Add a new card',
      body: "The card for your {product} membership can't be charged any more. Add a new card to keep your access.[[ Get {incentive_days} free days when you do.]] {manage_url}",
    },
    issuer_soft_decline: {
      title: 'Your payment was declined',
      body: 'Your bank declined the {amount} payment for {product}. Update your payment to keep your access.[[ Get {incentive_days} free days when you do.]] {manage_url}',
    },
  },
  dm: {
    insufficient_funds: {
      body: "Hi[[ {member_name}]], your {amount} payment for **{product}** didn't go through: the card had insufficient funds.\n\nYou can retry or switch cards here: [update your payment]({manage_url})\n\n[[As a thank-you, you'll get **{incentive_days} free days** when you update.]]" + PROMO_DM,
    },
    card_expired: {
      body: "Hi[[ {member_name}]], the card on file for **{product}** has expired, so your {amount} payment didn't go through.\n\nAdd a new card here to keep your access: [update your payment]({manage_url})\n\n[[As a thank-you, you'll get **{incentive_days} free days** when you update.]]" + PROMO_DM,
    },
    card_declined: {
      body: "Hi[[ {member_name}]], your bank declined the {amount} payment for **{product}**. Approving the charge with your bank or using another card usually fixes it.\n\nUpdate it here to keep your access: [update your payment]({manage_url})\n\n[[As a thank-you, you'll get **{incentive_days} free days** when you update.]]" + PROMO_DM,
    },
    generic: {
      body: "Hi[[ {member_name}]], your {amount} payment for **{product}** didn't go through.\n\nUpdate it here to keep your access: [update your payment]({manage_url})\n\n[[As a thank-you, you'll get **{incentive_days} free days** when you update.]]" + PROMO_DM,
    },
    needs_authentication: {
      body: "Hi[[ {member_name}]], your bank needs you to confirm the {amount} payment for **{product}** (a one-time security check).\n\nConfirm it here to keep your access: [confirm the payment]({manage_url})\n\n[[As a thank-you, you'll get **{incentive_days} free days** when you confirm.]]",
    },
    card_unusable: {
      body: "Hi[[ {member_name}]], the card on file for **{product}** can't be charged any more, so your {amount} payment didn't go through.\n\nAdd a new card here to keep your access: [add a new card]({manage_url})\n\n[[As a thank-you, you'll get **{incentive_days} free days** when you update.]]",
    },
    issuer_soft_decline: {
      body: "Hi[[ {member_name}]], your bank declined the {amount} payment for **{product}**. Approving the charge with your bank or using another card usually fixes it.\n\nUpdate it here to keep your access: [update your payment]({manage_url})\n\n[[As a thank-you, you'll get **{incentive_days} free days** when you update.]]",
    },
  },
};

/**
 * The reasons a template is looked up by, most specific first: the case's decline category when it
 * has copy of its own, its message variant, then generic. An expired card is card_unusable and
 * card_expired: the category (issue #15) decides, so a creator's "new card" copy covers lost and
 * stolen cards too; without a category, the variant alone (as before #15).
 */
export function templateReasonsOf(variant: DeclineVariant, category?: DeclineCategory | null): TemplateReason[] {
  const reasons: TemplateReason[] = [];
  if (category && category !== 'unknown' && category !== variant) reasons.push(category);
  reasons.push(variant);
  if (variant !== 'generic') reasons.push('generic');
  return reasons;
}

/** The case a preview of one template reason stands for: a category-only reason reads as that category with a generic message variant. */
export function previewReasonOf(reason: TemplateReason): { variant: DeclineVariant; category: DeclineCategory | null } {
  if ((DECLINE_VARIANTS as readonly string[]).includes(reason)) return { variant: reason as DeclineVariant, category: null };
  return { variant: reason === 'issuer_soft_decline' ? 'card_declined' : 'generic', category: reason as DeclineCategory };
}

/** Our default for a case: an expired card keeps its precise "has expired" copy; other categories with copy of their own use it. */
function defaultReasonOf(variant: DeclineVariant, category?: DeclineCategory | null): TemplateReason {
  if (category === 'needs_authentication' || (category === 'card_unusable' && variant !== 'card_expired')) return category;
  if (category === 'issuer_soft_decline' && variant === 'generic') return category;
  return variant;
}

/**
 * The template for one nudge. Each part (subject, title, body) is resolved on its own, most
 * specific first: the company's template for this step, by reason (templateReasonsOf), then for
 * every step, by reason, then our default. A company's generic copy thus beats our
 * reason-specific default: it is their voice. `stepIndex` is 0-based, in the order of the sorted
 * reminder offsets (or of the category's playbook steps when playbooks plan the case).
 */
export function selectTemplate<C extends Channel>(
  settings: Pick<NudgeSettings, 'templates'>,
  channel: C,
  stepIndex: number,
  variant: DeclineVariant,
  category?: DeclineCategory | null,
): ChannelTemplate<C> {
  type Parts = Partial<Record<TemplatePart<C>, Partial<Record<TemplateReason, string>>>>;
  const custom = settings.templates[channel] as (Parts & { steps?: Record<string, Parts> }) | undefined;
  const forStep = custom?.steps?.[String(stepIndex)];
  const fallback = DEFAULT_TEMPLATES[channel][defaultReasonOf(variant, category)];
  const reasons = templateReasonsOf(variant, category);
  const selected = {} as Record<TemplatePart<C>, string>;
  for (const part of TEMPLATE_PARTS[channel] as readonly TemplatePart<C>[]) {
    const firstOf = (texts: Partial<Record<TemplateReason, string>> | undefined) => reasons.map((r) => texts?.[r]).find((t) => t !== undefined);
    selected[part] = firstOf(forStep?.[part]) ?? firstOf(custom?.[part]) ?? (fallback[part] as string);
  }
  return selected as ChannelTemplate<C>;
}
