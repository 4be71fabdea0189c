import { DECLINE_VARIANTS, type DeclineVariant } from './decline-variant.ts';
import { CHANNELS, type Channel } from './channels.ts';
import { PLACEHOLDERS, TEMPLATE_MAX_LENGTH, TEMPLATE_PARTS, type Placeholder } from './message-template.ts';
import { parseNudgeSettings, type CustomTemplates, type NudgeSettings, type SettingsProblem } from './nudge-settings.ts';

/**
 * AI-drafted copy, the pure half: which template a draft is for, the prompt sent to the model, and
 * the checks its answer must pass before a creator even sees it. A draft is never stored: it
 * becomes copy only when the creator saves it as settings (the ordinary, versioned save).
 *
 * What reaches the model is built here and only here, from the creator's brief, the template's
 * context (channel, step, decline variant, the company's own current text) and the placeholder
 * names. No member data is an input of buildDraftPrompt, so none can be in its output.
 */

/** One template a draft replaces: `step` null = the copy for every reminder. */
export interface DraftTarget {
  channel: Channel;
  step: number | null;
  variant: DeclineVariant;
}

/** What the creator tells the model; free text, bounded. */
export interface DraftBrief {
  product: string;
  tone: string;
  language: string;
}

export const BRIEF_MAX_LENGTH: Readonly<Record<keyof DraftBrief, number>> = { product: 1_000, tone: 200, language: 60 };

/** The parts of one channel's message, e.g. `{ subject, body }` for email. */
export type DraftParts = Record<string, string>;

const VARIANT_CONTEXT: Readonly<Record<DeclineVariant, string>> = {
  insufficient_funds: 'the bank declined the renewal for insufficient funds (it often clears within days; suggest retrying or another card)',
  card_expired: 'the card on file has expired (the member must add a new card)',
  card_declined: 'the bank declined the card (the member can contact their bank or use another card)',
  generic: 'the renewal payment failed for a reason we do not know',
};

const PLACEHOLDER_MEANING: Readonly<Record<Placeholder, string>> = {
  member_name: "the member's first name, may be empty",
  product: 'the product name',
  amount: 'the amount due, already formatted (e.g. $29.99)',
  manage_url: 'the link where the member updates the payment method (every body must contain it)',
  incentive_days: 'free days offered as a thank-you; empty when there is no incentive',
  promo_code: 'a single-use discount code offered as a thank-you (e.g. SAVE-7K3QM9TX); empty when there is none',
  promo_offer: 'what the promo code gives, e.g. "20 % off for 3 months"; empty when there is no code',
};

const CHANNEL_CONTEXT: Readonly<Record<Channel, string>> = {
  push: 'a Whop push notification: a short title and a short body',
  dm: 'a Whop direct message; Markdown works (**bold**, [text](link))',
  email: 'a plain-text email (no HTML); an unsubscribe line is appended automatically, do not add one',
};

/** Words creators use in a brief that look like a member's identity: refused, never sent on. */
const PERSONAL_DATA_PATTERNS: readonly (readonly [RegExp, string])[] = [
  [/[^\s@<>()]+@[^\s@<>()]+\.[A-Za-z]{2,}/, 'looks like it contains an email address; describe the product, never a member'],
  [/\b(?:user|mem|pay|ausr)_[A-Za-z0-9]{4,}/, 'looks like it contains a Whop member, membership or payment id; describe the product, never a member'],
];

/** Problems of a brief, each naming its field (`brief.product`). */
export function findBriefProblems(brief: DraftBrief): SettingsProblem[] {
  const problems: SettingsProblem[] = [];
  for (const field of ['product', 'tone', 'language'] as const) {
    const text = brief[field];
    if (field === 'product' && text.trim() === '') problems.push({ field: 'brief.product', message: 'must describe what the product is' });
    if (text.length > BRIEF_MAX_LENGTH[field]) problems.push({ field: `brief.${field}`, message: `must be at most ${BRIEF_MAX_LENGTH[field]} characters` });
    for (const [pattern, message] of PERSONAL_DATA_PATTERNS) if (pattern.test(text)) problems.push({ field: `brief.${field}`, message });
  }
  return problems;
}

/** Problems of a target against the settings it would change (a step that does not exist). */
export function findTargetProblems(target: DraftTarget, settings: Pick<NudgeSettings, 'reminder_offsets_days'>): SettingsProblem[] {
  const steps = settings.reminder_offsets_days.length;
  if (target.step !== null && (!Number.isInteger(target.step) || target.step < 0 || target.step >= steps))
    return [{ field: 'step', message: `there is no reminder step ${target.step}: steps count from 0 and ${steps} reminder${steps === 1 ? ' is' : 's are'} configured` }];
  return [];
}

/** Every template a creator can draft: channel x (every step | each step) x decline variant, from the settings' own lists. */
export function listDraftTargets(settings: Pick<NudgeSettings, 'reminder_offsets_days'>): DraftTarget[] {
  const steps: (number | null)[] = [null, ...settings.reminder_offsets_days.map((_, index) => index)];
  return CHANNELS.flatMap((channel) => steps.flatMap((step) => DECLINE_VARIANTS.map((variant) => ({ channel, step, variant }))));
}

export interface ChatMessage {
  role: 'system' | 'user';
  content: string;
}

export interface DraftContext {
  /** Days after the first failure of each reminder, sorted. */
  nudgeOffsetsDays: readonly number[];
  /** Free days the first reminder offers; 0 = none. */
  incentiveDays: number;
  /** The text members get today for this template (the company's own, or our default). */
  current: DraftParts;
}

/** The chat messages of one draft request. Pure; its inputs are the whole of what the model sees. */
export function buildDraftPrompt(target: DraftTarget, brief: DraftBrief, context: DraftContext): ChatMessage[] {
  const parts = TEMPLATE_PARTS[target.channel] as readonly string[];
  const limits = TEMPLATE_MAX_LENGTH[target.channel] as Readonly<Record<string, number>>;
  const steps = context.nudgeOffsetsDays;
  const when =
    target.step === null
      ? `every reminder (${steps.length} in all, on days ${steps.join(', ')} after the failed payment)`
      : `reminder ${target.step + 1} of ${steps.length}, sent ${steps[target.step]} day(s) after the failed payment`;
  const incentive =
    context.incentiveDays > 0
      ? `The first reminder offers ${context.incentiveDays} free days; mention them only inside [[ ]] with {incentive_days}, so the sentence disappears on reminders without an incentive.`
      : 'There is no incentive: do not promise free days.';
  const system = [
    'You write payment-recovery messages for a subscription business. A member\'s renewal payment failed; the message asks them to update their payment method.',
    'Answer with one JSON object and nothing else, with exactly these string keys: ' + parts.map((p) => `"${p}"`).join(', ') + '.',
    `Length limits in characters: ${parts.map((p) => `${p} ${limits[p]}`).join(', ')}. Keep it short and friendly; no invented facts, prices or deadlines.`,
    'Placeholders are written in single braces and filled in per member when the message is sent; use only these:',
    ...PLACEHOLDERS.map((name) => `- {${name}}: ${PLACEHOLDER_MEANING[name]}`),
    'Text inside [[ ]] is dropped when a placeholder in it is empty, e.g. "Hi[[ {member_name}]],". Never nest [[ ]] and never use double braces.',
  ].join('\n');
  const user = [
    `Channel: ${target.channel}, ${CHANNEL_CONTEXT[target.channel]}.`,
    `Reason: ${VARIANT_CONTEXT[target.variant]}.`,
    `When: ${when}.`,
    incentive,
    `Language: ${brief.language.trim() || 'English'}.`,
    `Tone: ${brief.tone.trim() || 'warm and brief'}.`,
    `The product, as the creator describes it: ${brief.product.trim()}`,
    'The current text, to improve on (JSON):',
    JSON.stringify(Object.fromEntries(parts.map((p) => [p, context.current[p] ?? '']))),
  ].join('\n');
  return [
    { role: 'system', content: system },
    { role: 'user', content: user },
  ];
}

export type DraftAnswerResult =
  | { ok: true; parts: DraftParts }
  | { ok: false; reason: 'no_text' | 'not_json' | 'invalid_template'; problems: string[] };

/**
 * Reads a model's answer: a JSON object (optionally in a ```json fence) with the channel's parts
 * as strings. Extra keys are ignored. Each part must then pass the very checks a saved template
 * passes (placeholders, sections, length, not blank: parseNudgeSettings), and every body must
 * link {manage_url}: a recovery message without the link recovers nothing.
 */
export function parseDraftAnswer(content: string | null, target: DraftTarget, settings: NudgeSettings): DraftAnswerResult {
  const read = readDraftParts(content, TEMPLATE_PARTS[target.channel] as readonly string[]);
  if (!read.ok) return read;
  const { parts } = read;
  const problems: string[] = [];
  const applied = parseNudgeSettings({ ...settings, templates: applyDraft(settings.templates, target, parts) });
  if (!applied.ok) {
    // Only this draft's own fields: an older stored text elsewhere is not the model's fault.
    for (const part of Object.keys(parts)) for (const problem of applied.problems) if (problem.field === draftFieldKey(target, part)) problems.push(`${part}: ${problem.message}`);
  }
  if (parts.body !== undefined && !/\{\s*manage_url\s*\}/.test(parts.body)) problems.push('body: must contain {manage_url}, the link to update the payment');
  return problems.length > 0 ? { ok: false, reason: 'invalid_template', problems } : { ok: true, parts };
}

/**
 * The parts of an answer: a JSON object (optionally in a ```json fence) with each of `partNames`
 * as a string; extra keys are ignored. Shared by every draft target (save-offer-draft.ts too).
 */
export function readDraftParts(content: string | null, partNames: readonly string[]): { ok: true; parts: DraftParts } | { ok: false; reason: 'no_text' | 'not_json'; problems: string[] } {
  if (content === null || content.trim() === '') return { ok: false, reason: 'no_text', problems: ['the answer had no text'] };
  const unfenced = content.trim().replace(/^```(?:json)?\s*\n?([\s\S]*?)\n?```$/i, '$1').trim();
  let value: unknown;
  try {
    value = JSON.parse(unfenced);
  } catch {
    return { ok: false, reason: 'not_json', problems: ['the answer was not JSON'] };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, reason: 'not_json', problems: ['the answer was not a JSON object'] };
  const parts: DraftParts = {};
  const problems: string[] = [];
  for (const part of partNames) {
    const text = (value as Record<string, unknown>)[part];
    if (typeof text !== 'string') problems.push(`${part}: missing from the answer`);
    else parts[part] = text;
  }
  return problems.length > 0 ? { ok: false, reason: 'not_json', problems } : { ok: true, parts };
}

/** `templates.email.` or `templates.email.steps.1.`: where a target's parts live in the settings. */
function templatePath(target: DraftTarget): string {
  return target.step === null ? `templates.${target.channel}.` : `templates.${target.channel}.steps.${target.step}.`;
}

/** The settings field key of one part of a target, e.g. `templates.dm.steps.0.body.generic`. */
export function draftFieldKey(target: DraftTarget, part: string): string {
  return `${templatePath(target)}${part}.${target.variant}`;
}

/** The company's templates with a draft's parts put in place: what an approval saves. Pure, no mutation. */
export function applyDraft(templates: CustomTemplates, target: DraftTarget, parts: DraftParts): CustomTemplates {
  type Parts = Record<string, Partial<Record<DeclineVariant, string>>>;
  const channel = { ...((templates[target.channel] ?? {}) as Parts & { steps?: Record<string, Parts> }) };
  const merge = (into: Parts): Parts => {
    const next: Parts = { ...into };
    for (const [part, text] of Object.entries(parts)) next[part] = { ...(next[part] ?? {}), [target.variant]: text };
    return next;
  };
  if (target.step === null) Object.assign(channel, merge(channel));
  else channel.steps = { ...(channel.steps ?? {}), [String(target.step)]: merge(channel.steps?.[String(target.step)] ?? {}) };
  return { ...templates, [target.channel]: channel } as CustomTemplates;
}
