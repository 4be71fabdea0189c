import { escapeHtml } from '../src/domain/message-template.ts';
import type { SaveOfferKind } from '../src/domain/save-case.ts';

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
 * The offer's words on every channel and on the member page. `link` is the channel's tracked link
 * to the offer page (the click redirect); values are escaped for HTML.
 */
export function composeSaveOffer(input: {
  offer: SaveOffer;
  /** The case's promo code when the offer is one and Whop has it; a promo offer without it reads as the message. */
  promo?: SaveOfferPromo | null;
  /** The creator's own words for the message offer (save_offers.message); null for the default note. */
  message?: string | null;
  companyName: string | null;
  productTitle: string | null;
  linkFor: (channel: 'push' | 'dm' | 'email') => string;
  unsubscribeUrl: string | null;
}): SaveOfferCopy {
  const from = input.companyName ?? 'the team';
  const product = input.productTitle ?? 'your membership';
  const { lead, button, title } = pageWords(input.offer, input.promo ?? null, input.message ?? null, from, product);
  const email = `${lead}\n\nKeep it: ${input.linkFor('email')}\n\nIf you do nothing, your cancellation goes ahead as planned.`;
  const footer = input.unsubscribeUrl ? `\n\n--\nDon't want these emails? Unsubscribe: ${input.unsubscribeUrl}` : '';
  const html = `<!doctype html><html><body style="font-family:system-ui,sans-serif;line-height:1.5">\n<p><strong>${escapeHtml(title)}</strong></p>\n<p>${escapeHtml(lead)}</p>\n<p><a href="${escapeHtml(input.linkFor('email'))}">${escapeHtml(button)}</a></p>\n<p>If you do nothing, your cancellation goes ahead as planned.</p>${input.unsubscribeUrl ? `\n<p style="color:#6b7280;font-size:12px">Don't want these emails? <a href="${escapeHtml(input.unsubscribeUrl)}">Unsubscribe</a>.</p>` : ''}\n</body></html>`;
  return {
    push: { title, body: `${lead} ${button}: ${input.linkFor('push')}` },
    dm: { body: `${lead}\n\n${button}: ${input.linkFor('dm')}` },
    email: { subject: title, text: email + footer, html },
    page: { title, lead, button },
  };
}

function pageWords(offer: SaveOffer, promo: SaveOfferPromo | null, message: string | null, from: string, product: string): { title: string; lead: string; button: string } {
  const scheduled = `You set ${product} to cancel at the end of this period.`;
  switch (offer.kind) {
    case 'free_days':
      return {
        title: `Stay with ${from}: ${offer.days} days on us`,
        lead: `${scheduled} Keep it and we add ${offer.days} free days to your membership.`,
        button: `Keep ${product} and get ${offer.days} free days`,
      };
    case 'promo_code':
      if (!promo) return messageWords(message, scheduled, from, product);
      return {
        title: `Stay with ${from} for less: ${promo.offer}`,
        lead: `${scheduled} Keep it and use promo code ${promo.code} for ${promo.offer}.`,
        button: `Keep ${product} with ${promo.offer}`,
      };
    case 'pause':
      return {
        title: `Pause ${product} for ${offer.days} days instead`,
        lead: `${scheduled} Keep it and we pause your payments for ${offer.days} days: you keep access, you are not charged, and billing resumes by itself after that.`,
        button: `Keep ${product} and pause payments for ${offer.days} days`,
      };
    case 'message':
      return messageWords(message, scheduled, from, product);
  }
}

function messageWords(message: string | null, scheduled: string, from: string, product: string): { title: string; lead: string; button: string } {
  return {
    title: `A note from ${from}`,
    lead: message ? `${scheduled} ${from}: “${message}” If you change your mind, one click keeps your membership as it is.` : `${scheduled} ${from} would love you to stay: if you change your mind, one click keeps your membership as it is.`,
    button: `Keep ${product}`,
  };
}
