import { parseNudgeSettings, type NudgeSettings } from './nudge-settings.ts';
import type { SaveOfferKind } from './save-case.ts';
import {
  SAVE_OFFER_LINK,
  SAVE_OFFER_MAX_LENGTH,
  SAVE_OFFER_PARTS,
  SAVE_OFFER_PLACEHOLDERS_BY_KIND,
  type SaveOfferCustomTemplates,
  type SaveOfferPlaceholder,
  type SaveOfferSurface,
} from './save-offer-template.ts';
import { readDraftParts, type ChatMessage, type DraftAnswerResult, type DraftBrief, type DraftParts } from './template-draft.ts';

/**
 * AI drafts of save-offer copy (issue #15 §4), the pure half, beside template-draft.ts (nudges):
 * the target names the offer kind and the channel (or the offer page); the prompt explains the
 * offer and its placeholders; the answer passes the very checks a saved save-offer text passes.
 * Like every draft, the model sees the brief, the offer's context and the company's current text,
 * never a member: no member value is an input here.
 */

export interface SaveOfferDraftTarget {
  offer: SaveOfferKind;
  channel: SaveOfferSurface;
}

const OFFER_CONTEXT: Readonly<Record<SaveOfferKind, string>> = {
  free_days: 'The member scheduled a cancellation because they do not use the product. If they keep the membership, we add {days} free days to it.',
  pause: 'The member scheduled a cancellation because they do not use the product. If they keep the membership, we pause their billing for {days} days: they keep access, are not charged, and billing resumes by itself.',
  promo_code:
    'The member scheduled a cancellation because it is too expensive. If they keep the membership, they get a single-use promo code {promo_code} worth {promo_offer} (e.g. "20 % off for 3 months").',
  message:
    'The member scheduled a cancellation for another reason. There is no incentive: it is a note from the creator asking them to stay; accepting undoes the cancellation and nothing more. Do not promise any discount or free time.',
};

const SURFACE_CONTEXT: Readonly<Record<SaveOfferSurface, string>> = {
  push: 'a Whop push notification: a short title and a short body; the body must contain {offer_url}',
  dm: 'a Whop direct message; Markdown works (**bold**, [text](link)); the body must contain {offer_url}',
  email: 'a plain-text email (no HTML); an unsubscribe line is appended automatically, do not add one; the body must contain {offer_url}',
  page: 'the offer page the message links to: a title, a short lead paragraph, and the label of the button that accepts the offer; no link on this page (never use {offer_url} here)',
};

const PLACEHOLDER_MEANING: Readonly<Record<SaveOfferPlaceholder, string>> = {
  product: 'the product name',
  company: "the creator's company name",
  days: 'the number of free days or of paused days',
  promo_code: 'the single-use promo code, e.g. SAVE-7K3QM9TX',
  promo_offer: 'what the code gives, e.g. "20 % off for 3 months"',
  message: "the creator's own note to members who cancel; may be empty, so use it only inside [[ ]]",
  offer_url: 'the link to the offer page where the member accepts (every channel body must contain it)',
};

/** The chat messages of one save-offer draft. Pure; its inputs are the whole of what the model sees. */
export function buildSaveOfferDraftPrompt(target: SaveOfferDraftTarget, brief: DraftBrief, current: DraftParts): ChatMessage[] {
  const parts = SAVE_OFFER_PARTS[target.channel] as readonly string[];
  const limits = SAVE_OFFER_MAX_LENGTH[target.channel];
  const placeholders = SAVE_OFFER_PLACEHOLDERS_BY_KIND[target.offer].filter((name) => target.channel !== 'page' || name !== SAVE_OFFER_LINK);
  const system = [
    'You write save offers for a subscription business: a member has scheduled the cancellation of their membership, and the message offers them a reason to keep it.',
    'Answer with one JSON object and nothing else, with exactly these string keys: ' + parts.map((p) => `"${p}"`).join(', ') + '.',
    `Length limits in characters: ${parts.map((p) => `${p} ${limits[p]}`).join(', ')}. Keep it short, warm and honest; no invented facts, prices or deadlines. Say that nothing changes if they do nothing and the cancellation goes ahead.`,
    'Placeholders are written in single braces and filled in when the message is sent; use only these:',
    ...placeholders.map((name) => `- {${name}}: ${PLACEHOLDER_MEANING[name]}`),
    'Text inside [[ ]] is dropped when a placeholder in it is empty, e.g. "[[{company}: “{message}”]]". Never nest [[ ]] and never use double braces.',
  ].join('\n');
  const user = [
    `Where: ${SURFACE_CONTEXT[target.channel]}.`,
    `The offer: ${OFFER_CONTEXT[target.offer]}`,
    `Language: ${brief.language.trim() || 'English'}.`,
    `Tone: ${brief.tone.trim() || 'warm and brief'}.`,
    `The product, as the creator describes it: ${brief.product.trim()}`,
    'The current text, to improve on (JSON):',
    JSON.stringify(Object.fromEntries(parts.map((p) => [p, current[p] ?? '']))),
  ].join('\n');
  return [
    { role: 'system', content: system },
    { role: 'user', content: user },
  ];
}

/** `save_offers.templates.pause.dm.body`: the settings field key of one part of a target. */
export function saveOfferDraftFieldKey(target: SaveOfferDraftTarget, part: string): string {
  return `save_offers.templates.${target.offer}.${target.channel}.${part}`;
}

/** The company's save-offer copy with a draft's parts put in place: what an approval saves. Pure, no mutation. */
export function applySaveOfferDraft(templates: SaveOfferCustomTemplates, target: SaveOfferDraftTarget, parts: DraftParts): SaveOfferCustomTemplates {
  const kind = { ...(templates[target.offer] ?? {}) } as Record<string, Record<string, string>>;
  kind[target.channel] = { ...(kind[target.channel] ?? {}), ...parts };
  return { ...templates, [target.offer]: kind } as SaveOfferCustomTemplates;
}

/**
 * Reads a model's answer for a save-offer target: the surface's parts as JSON strings, then the
 * checks a saved save-offer text passes (this kind's placeholders, the {offer_url} rule, length,
 * not blank: parseNudgeSettings), only this draft's own fields counted.
 */
export function parseSaveOfferDraftAnswer(content: string | null, target: SaveOfferDraftTarget, settings: NudgeSettings): DraftAnswerResult {
  const read = readDraftParts(content, SAVE_OFFER_PARTS[target.channel] as readonly string[]);
  if (!read.ok) return read;
  const saveOffers = { ...settings.save_offers, templates: applySaveOfferDraft(settings.save_offers.templates, target, read.parts) };
  const applied = parseNudgeSettings({ ...settings, save_offers: saveOffers });
  const problems: string[] = [];
  if (!applied.ok) for (const part of Object.keys(read.parts)) for (const problem of applied.problems) if (problem.field === saveOfferDraftFieldKey(target, part)) problems.push(`${part}: ${problem.message}`);
  return problems.length > 0 ? { ok: false, reason: 'invalid_template', problems } : { ok: true, parts: read.parts };
}
