import { escapeHtml } from './message-template.ts';
import type { SaveOfferKind } from './save-case.ts';

/**
 * One offer per save case, matched to the reason the member picked in Whop (`cancel_option`):
 * - too_expensive → a promo code; until promo codes can be created (issue #15 §3, `promoCodes`
 *   capability false) the same member gets free days instead: the seam is `capabilities.promoCodes`.
 * - unused / not using it → free days (a pause would stop the very billing the 30-day rule checks,
 *   and Whop's pause at dated API versions is unverified: `capabilities.pause` is the seam).
 * - anything else, or none → a message from the creator asking them to stay (accepting undoes
 *   the cancellation and nothing more).
 * Free days use the company's incentive_days; 0 (the creator gives no free days) makes it a message.
 */
export interface SaveOffer {
  kind: SaveOfferKind;
  /** Free days (free_days); null otherwise. */
  days: number | null;
}

export interface SaveOfferCapabilities {
  promoCodes: boolean;
  pause: boolean;
}

export const SAVE_OFFER_CAPABILITIES: SaveOfferCapabilities = { promoCodes: false, pause: false };
/** Cancel options that mean "I don't use it" (Whop's list has `unused`; older forms said `not_using`). */
const UNUSED = new Set(['unused', 'not_using', 'not_using_it']);

export function matchSaveOffer(cancelOption: string | null, freeDays: number, capabilities: SaveOfferCapabilities = SAVE_OFFER_CAPABILITIES): SaveOffer {
  const days = freeDays > 0 ? freeDays : null;
  const message: SaveOffer = { kind: 'message', days: null };
  if (cancelOption === 'too_expensive') {
    if (capabilities.promoCodes) return { kind: 'promo_code', days: null };
    return days ? { kind: 'free_days', days } : message;
  }
  if (cancelOption !== null && UNUSED.has(cancelOption)) {
    if (capabilities.pause) return { kind: 'pause', days: null };
    return days ? { kind: 'free_days', days } : message;
  }
  return message;
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
export function composeSaveOffer(input: { offer: SaveOffer; companyName: string | null; productTitle: string | null; linkFor: (channel: 'push' | 'dm' | 'email') => string; unsubscribeUrl: string | null }): SaveOfferCopy {
  const from = input.companyName ?? 'the team';
  const product = input.productTitle ?? 'your membership';
  const { lead, button, title } = pageWords(input.offer, from, product);
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

function pageWords(offer: SaveOffer, from: string, product: string): { title: string; lead: string; button: string } {
  switch (offer.kind) {
    case 'free_days':
      return {
        title: `Stay with ${from}: ${offer.days} days on us`,
        lead: `You set ${product} to cancel at the end of this period. Keep it and we add ${offer.days} free days to your membership.`,
        button: `Keep ${product} and get ${offer.days} free days`,
      };
    case 'promo_code':
      return { title: `Stay with ${from} for less`, lead: `You set ${product} to cancel at the end of this period. Keep it and get a discount on your next payments.`, button: `Keep ${product} with the discount` };
    case 'pause':
      return { title: `Pause ${product} instead`, lead: `You set ${product} to cancel at the end of this period. You can keep it and pause instead.`, button: `Keep ${product}` };
    case 'message':
      return {
        title: `A note from ${from}`,
        lead: `You set ${product} to cancel at the end of this period. ${from} would love you to stay: if you change your mind, one click keeps your membership as it is.`,
        button: `Keep ${product}`,
      };
  }
}
