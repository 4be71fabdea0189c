import { escapeHtml } from './message-template.ts';
import { renderSaveOfferTemplate, selectSaveOfferTemplate, type SaveOfferCustomTemplates, type SaveOfferPlaceholder } from './save-offer-template.ts';
import type { SaveOfferKind } from './save-case.ts';

/**
 * One offer per save case, matched to the reason the member picked in Whop (`cancel_option`):
 * - too_expensive → a promo code on the company's promo_code terms, created at Whop once per case
 *   when the offer is sent (services/nudges/create-promo-code.ts). If Whop refuses it, the member
 *   gets the creator's message instead: we never promise a discount that does not exist.
 * - unused / not using it → free days (incentive_days), or a pause of the billing for pause_days
 *   when the company chose `save_offers.unused: "pause"`. Free days are the default: Whop pauses
 *   only memberships it bills itself, and a pause postpones the renewal the 30-day rule checks (the
 *   hold of a paused save starts when billing resumes; domain/save-case.ts).
 * - anything else, or none → a message from the creator (save_offers.message) asking them to stay;
 *   accepting undoes the cancellation and nothing more.
 * Free days with incentive_days 0 (the creator gives none) make it a message.
 */
export interface SaveOffer {
  kind: SaveOfferKind;
  /** Free days (free_days) or the pause's length in days (pause); null otherwise. */
  days: number | null;
}

export interface SaveOfferPolicy {
  /** incentive_days: the free days of a "not using it" offer; 0 for none. */
  freeDays: number;
  /** save_offers.unused. */
  unused: 'free_days' | 'pause';
  /** save_offers.pause_days. */
  pauseDays: number;
}

/** Cancel options that mean "I don't use it" (Whop's list has `unused`; older forms said `not_using`). */
const UNUSED = new Set(['unused', 'not_using', 'not_using_it']);

export function matchSaveOffer(cancelOption: string | null, policy: SaveOfferPolicy): SaveOffer {
  if (cancelOption === 'too_expensive') return { kind: 'promo_code', days: null };
  if (cancelOption !== null && UNUSED.has(cancelOption)) {
    if (policy.unused === 'pause') return { kind: 'pause', days: policy.pauseDays };
    if (policy.freeDays > 0) return { kind: 'free_days', days: policy.freeDays };
  }
  return { kind: 'message', days: null };
}

/** The promo code a "too expensive" offer names, once Whop has it. */
export interface SaveOfferPromo {
  code: string;
  /** "20 % off for 3 months" (describePromoOffer). */
  offer: string;
}

export interface SaveOfferCopy {
  push: { title: string; body: string };
  dm: { body: string };
  email: { subject: string; text: string; html: string };
  /** The member page's heading and button. */
  page: { title: string; lead: string; button: string };
}

/**
 * The offer's words on every channel and on the member page, from the company's save-offer copy
 * (save_offers.templates) or our default (save-offer-template.ts). `linkFor` is the channel's
 * tracked link to the offer page (the click redirect, {offer_url}); the email's HTML is its text,
 * escaped, under the subject, with links made clickable.
 */
export function composeSaveOffer(input: {
  offer: SaveOffer;
  /** The case's promo code when the offer is one and Whop has it; a promo offer without it reads as the message. */
  promo?: SaveOfferPromo | null;
  /** The creator's own words for the message offer (save_offers.message); null for the default note. */
  message?: string | null;
  /** The company's own copy (save_offers.templates); absent or empty: ours. */
  templates?: SaveOfferCustomTemplates;
  companyName: string | null;
  productTitle: string | null;
  linkFor: (channel: 'push' | 'dm' | 'email') => string;
  unsubscribeUrl: string | null;
}): SaveOfferCopy {
  const promo = input.promo ?? null;
  const message = input.message ?? null;
  // A promo offer whose code Whop refused promises no discount: it reads as the message.
  const kind = input.offer.kind === 'promo_code' && !promo ? 'message' : input.offer.kind;
  const template = selectSaveOfferTemplate(input.templates, kind, message !== null);
  const r = renderSaveOfferTemplate(template, saveOfferValuesOf({ ...input, promo, message }), input.linkFor);
  const footer = input.unsubscribeUrl ? `\n\n--\nDon't want these emails? Unsubscribe: ${input.unsubscribeUrl}` : '';
  const paragraphs = r.email.body
    .split(/\n{2,}/)
    .map((p) => `<p>${linkify(escapeHtml(p)).replace(/\n/g, '<br>')}</p>`)
    .join('\n');
  const html = `<!doctype html><html><body style="font-family:system-ui,sans-serif;line-height:1.5">\n<p><strong>${escapeHtml(r.email.subject)}</strong></p>\n${paragraphs}${input.unsubscribeUrl ? `\n<p style="color:#6b7280;font-size:12px">Don't want these emails? <a href="${escapeHtml(input.unsubscribeUrl)}">Unsubscribe</a>.</p>` : ''}\n</body></html>`;
  return {
    push: r.push,
    dm: r.dm,
    email: { subject: r.email.subject, text: r.email.body + footer, html },
    page: r.page,
  };
}

/** The placeholder values of one offer (all but {offer_url}, which is per channel). */
export function saveOfferValuesOf(input: { offer: SaveOffer; promo: SaveOfferPromo | null; message: string | null; companyName: string | null; productTitle: string | null }): Omit<Record<SaveOfferPlaceholder, string>, 'offer_url'> {
  return {
    product: input.productTitle?.trim() || 'your membership',
    company: input.companyName?.trim() || 'the team',
    days: input.offer.days === null ? '' : String(input.offer.days),
    promo_code: input.promo?.code ?? '',
    promo_offer: input.promo?.offer ?? '',
    message: input.message ?? '',
  };
}

/** Makes http(s) URLs in already-escaped text clickable. */
function linkify(escaped: string): string {
  return escaped.replace(/https?:\/\/[^\s<]+/g, (url) => `<a href="${url}">${url}</a>`);
}
