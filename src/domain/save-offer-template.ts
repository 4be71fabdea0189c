import { CHANNELS, type Channel } from './channels.ts';
import { findTemplateProblems, renderTemplate, TEMPLATE_MAX_LENGTH } from './message-template.ts';
import type { SaveOfferKind } from './save-case.ts';

/**
 * Save-offer copy as templates (issue #15 §4): per offer kind, the words of each channel and of the
 * member's offer page. Same syntax as the nudges' templates (message-template.ts: `{name}`,
 * optional `[[ ]]` sections), with the save offer's own placeholders. The defaults below are the
 * words members got before the copy was editable: a company that writes nothing sees no change.
 */

export const SAVE_OFFER_KINDS = ['free_days', 'promo_code', 'pause', 'message'] as const satisfies readonly SaveOfferKind[];

/** Where save-offer copy is shown: the three channels and the member's offer page. */
export const SAVE_OFFER_SURFACES = [...CHANNELS, 'page'] as const;
export type SaveOfferSurface = (typeof SAVE_OFFER_SURFACES)[number];

export interface SaveOfferTemplateParts {
  push: { title: string; body: string };
  dm: { body: string };
  email: { subject: string; body: string };
  page: { title: string; lead: string; button: string };
}
export type SaveOfferTemplate = SaveOfferTemplateParts;

export const SAVE_OFFER_PARTS: { readonly [S in SaveOfferSurface]: readonly (keyof SaveOfferTemplateParts[S] & string)[] } = {
  push: ['title', 'body'],
  dm: ['body'],
  email: ['subject', 'body'],
  page: ['title', 'lead', 'button'],
};

/** Longest accepted text per surface and part: the nudges' limits for the channels, the page's own. */
export const SAVE_OFFER_MAX_LENGTH: { readonly [S in SaveOfferSurface]: Readonly<Record<string, number>> } = {
  push: TEMPLATE_MAX_LENGTH.push,
  dm: TEMPLATE_MAX_LENGTH.dm,
  email: TEMPLATE_MAX_LENGTH.email,
  page: { title: 120, lead: 1_000, button: 80 },
};

/** The link a channel's message must carry: the member's offer page, through the click redirect. */
export const SAVE_OFFER_LINK = 'offer_url';

/** Every placeholder of save-offer copy; SAVE_OFFER_PLACEHOLDERS_BY_KIND says which an offer kind knows. */
export const SAVE_OFFER_PLACEHOLDERS = ['product', 'company', 'days', 'promo_code', 'promo_offer', 'message', SAVE_OFFER_LINK] as const;
export type SaveOfferPlaceholder = (typeof SAVE_OFFER_PLACEHOLDERS)[number];

/**
 * `{days}` exists for free days and a pause only, the code for a promo offer only: a placeholder
 * another kind never fills would print nothing, so it is refused where it cannot mean anything.
 * `{message}` (the creator's save_offers.message, empty when none) works in every kind.
 */
export const SAVE_OFFER_PLACEHOLDERS_BY_KIND: Readonly<Record<SaveOfferKind, readonly SaveOfferPlaceholder[]>> = {
  free_days: ['product', 'company', 'days', 'message', SAVE_OFFER_LINK],
  pause: ['product', 'company', 'days', 'message', SAVE_OFFER_LINK],
  promo_code: ['product', 'company', 'promo_code', 'promo_offer', 'message', SAVE_OFFER_LINK],
  message: ['product', 'company', 'message', SAVE_OFFER_LINK],
};

/** A company's own save-offer copy: per kind, per surface, per part; anything left out is the default. */
export type SaveOfferCustomTemplates = { [K in SaveOfferKind]?: { [S in SaveOfferSurface]?: Partial<SaveOfferTemplateParts[S]> } };

/**
 * Problems of one save-offer text, as messages ready to follow its field path: the template syntax
 * (findTemplateProblems with this kind's placeholders), `{offer_url}` on the page (the page is the
 * offer), and a channel body without `{offer_url}` (the member could not accept).
 */
export function findSaveOfferTextProblems(kind: SaveOfferKind, surface: SaveOfferSurface, part: string, text: string): string[] {
  const known = SAVE_OFFER_PLACEHOLDERS_BY_KIND[kind];
  const problems = findTemplateProblems(text, known).map((problem) =>
    problem.startsWith('unknown placeholder') ? `${problem}: a ${KIND_LABELS[kind]} offer knows ${known.map((p) => `{${p}}`).join(', ')}` : problem,
  );
  const hasLink = new RegExp(`\\{\\s*${SAVE_OFFER_LINK}\\s*\\}`).test(text);
  if (surface === 'page' && hasLink) problems.push(`the offer page is where {${SAVE_OFFER_LINK}} leads: leave it out here`);
  if (surface !== 'page' && part === 'body' && !hasLink) problems.push(`must contain {${SAVE_OFFER_LINK}}, the link to the offer`);
  return problems;
}

export const KIND_LABELS: Readonly<Record<SaveOfferKind, string>> = { free_days: 'free days', promo_code: 'promo code', pause: 'pause', message: 'message' };

const SCHEDULED = 'You set {product} to cancel at the end of this period.';

/** The page's words per kind; each channel's default is built from them (channelDefaults). */
const PAGE_DEFAULTS: Readonly<Record<SaveOfferKind | 'note', SaveOfferTemplateParts['page']>> = {
  free_days: {
    title: 'Stay with {company}: {days} days on us',
    lead: `${SCHEDULED} Keep it and we add {days} free days to your membership.`,
    button: 'Keep {product} and get {days} free days',
  },
  promo_code: {
    title: 'Stay with {company} for less: {promo_offer}',
    lead: `${SCHEDULED} Keep it and use promo code {promo_code} for {promo_offer}.`,
    button: 'Keep {product} with {promo_offer}',
  },
  pause: {
    title: 'Pause {product} for {days} days instead',
    lead: `${SCHEDULED} Keep it and we pause your payments for {days} days: you keep access, you are not charged, and billing resumes by itself after that.`,
    button: 'Keep {product} and pause payments for {days} days',
  },
  message: {
    title: 'A note from {company}',
    lead: `${SCHEDULED} {company}: “{message}” If you change your mind, one click keeps your membership as it is.`,
    button: 'Keep {product}',
  },
  // The message offer when the creator wrote no message (save_offers.message null) and no copy of their own.
  note: {
    title: 'A note from {company}',
    lead: `${SCHEDULED} {company} would love you to stay: if you change your mind, one click keeps your membership as it is.`,
    button: 'Keep {product}',
  },
};

function channelDefaults(page: SaveOfferTemplateParts['page']): SaveOfferTemplate {
  const link = `{${SAVE_OFFER_LINK}}`;
  return {
    push: { title: page.title, body: `${page.lead} ${page.button}: ${link}` },
    dm: { body: `${page.lead}\n\n${page.button}: ${link}` },
    email: { subject: page.title, body: `${page.lead}\n\nKeep it: ${link}\n\nIf you do nothing, your cancellation goes ahead as planned.` },
    page,
  };
}

/** Our copy per kind (`note`: the message offer without the creator's message). */
export const DEFAULT_SAVE_OFFER_TEMPLATES: Readonly<Record<SaveOfferKind | 'note', SaveOfferTemplate>> = Object.fromEntries(
  Object.entries(PAGE_DEFAULTS).map(([kind, page]) => [kind, channelDefaults(page)]),
) as Record<SaveOfferKind | 'note', SaveOfferTemplate>;

/**
 * The template of one offer: each part the company's own text where it wrote one, else ours. A
 * message offer without the creator's message reads our default note (there is no message to quote).
 */
export function selectSaveOfferTemplate(custom: SaveOfferCustomTemplates | undefined, kind: SaveOfferKind, hasMessage: boolean): SaveOfferTemplate {
  const fallback = DEFAULT_SAVE_OFFER_TEMPLATES[kind === 'message' && !hasMessage ? 'note' : kind];
  const own = custom?.[kind];
  const selected = {} as Record<SaveOfferSurface, Record<string, string>>;
  for (const surface of SAVE_OFFER_SURFACES) {
    selected[surface] = {};
    for (const part of SAVE_OFFER_PARTS[surface]) selected[surface][part] = (own?.[surface] as Record<string, string> | undefined)?.[part] ?? (fallback[surface] as unknown as Record<string, string>)[part]!;
  }
  return selected as unknown as SaveOfferTemplate;
}

/** Renders every part of a template; `linkFor` gives each channel's {offer_url} (the page gets none). */
export function renderSaveOfferTemplate(template: SaveOfferTemplate, values: Omit<Record<SaveOfferPlaceholder, string>, typeof SAVE_OFFER_LINK>, linkFor: (channel: Channel) => string): SaveOfferTemplate {
  const rendered = {} as Record<SaveOfferSurface, Record<string, string>>;
  for (const surface of SAVE_OFFER_SURFACES) {
    const all = { ...values, [SAVE_OFFER_LINK]: surface === 'page' ? '' : linkFor(surface) };
    rendered[surface] = {};
    for (const part of SAVE_OFFER_PARTS[surface]) rendered[surface][part] = renderTemplate((template[surface] as unknown as Record<string, string>)[part]!, all);
  }
  return rendered as unknown as SaveOfferTemplate;
}
