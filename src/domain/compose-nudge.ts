import type { Channel } from './channels.ts';
import type { DeclineCategory, DeclineVariant } from './decline-variant.ts';
import { escapeHtml, renderTemplate, selectTemplate, tidyUnknownProduct, UNKNOWN_PRODUCT, type PlaceholderValues } from './message-template.ts';
import type { NudgeSettings } from './nudge-settings.ts';

export interface ComposedNudge {
  push: { title: string; body: string };
  dm: { body: string };
  email: { subject: string; text: string; html: string };
}

/**
 * The messages of one nudge step on every channel, rendered from the company's templates (or the
 * defaults). The email's HTML is the text, escaped, with links made clickable, plus a footer with
 * the unsubscribe link; values are escaped so a member name can never inject markup.
 */
export function composeNudge(input: {
  settings: Pick<NudgeSettings, 'templates'>;
  stepIndex: number;
  variant: DeclineVariant;
  /** The case's decline category (issue #15): its own copy first when it has some; null or absent reads the variant only. */
  category?: DeclineCategory | null;
  values: PlaceholderValues;
  unsubscribeUrl: string;
  /** Each channel's {manage_url}: our tracked redirect for that channel (click-links.ts); the value as given when absent. */
  manageUrlFor?: (channel: Channel) => string;
}): ComposedNudge {
  const pick = <C extends Channel>(channel: C) => selectTemplate(input.settings, channel, input.stepIndex, input.variant, input.category);
  const unknownProduct = input.values.product === UNKNOWN_PRODUCT;
  const renderer = (channel: Channel) => {
    const values = input.manageUrlFor ? { ...input.values, manage_url: input.manageUrlFor(channel) } : input.values;
    return (template: string) => (unknownProduct ? tidyUnknownProduct(renderTemplate(template, values)) : renderTemplate(template, values));
  };
  const push = pick('push');
  const dm = pick('dm');
  const email = pick('email');
  const [renderPush, renderDm, renderEmail] = [renderer('push'), renderer('dm'), renderer('email')];
  const text = `${renderEmail(email.body)}\n\n--\nDon't want these emails? Unsubscribe: ${input.unsubscribeUrl}`;
  return {
    push: { title: renderPush(push.title), body: renderPush(push.body) },
    dm: { body: renderDm(dm.body) },
    email: { subject: renderEmail(email.subject), text, html: toHtml(renderEmail(email.body), input.unsubscribeUrl) },
  };
}

function toHtml(text: string, unsubscribeUrl: string): string {
  const paragraphs = text
    .split(/\n{2,}/)
    .map((p) => `<p>${linkify(escapeHtml(p)).replace(/\n/g, '<br>')}</p>`)
    .join('\n');
  const footer = `<p style="color:#6b7280;font-size:12px">Don't want these emails? <a href="${escapeHtml(unsubscribeUrl)}">Unsubscribe</a>.</p>`;
  return `<!doctype html><html><body style="font-family:system-ui,sans-serif;line-height:1.5">\n${paragraphs}\n${footer}\n</body></html>`;
}

/** Makes http(s) URLs in already-escaped text clickable. */
function linkify(escaped: string): string {
  return escaped.replace(/https?:\/\/[^\s<]+/g, (url) => `<a href="${url}">${url}</a>`);
}
