import type { Queryable } from '../db/client.ts';
import { findCompanyName } from '../db/repositories/companies.repository.ts';
import { composeNudge } from '../domain/compose-nudge.ts';
import { placeholderValuesOf, previewReasonOf, type Channel, type TemplateReason } from '../domain/message-template.ts';
import { parseNudgeSettings, type SettingsProblem } from '../domain/nudge-settings.ts';
import { describePromoOffer } from '../domain/promo-code.ts';
import type { SaveOfferKind } from '../domain/save-case.ts';
import { composeSaveOffer } from '../domain/save-offer.ts';
import type { SaveOfferSurface } from '../domain/save-offer-template.ts';

/** POST /api/companies/:companyId/settings/preview: one channel's message as a member would read it. */
export interface SettingsPreview {
  /** Email only. */
  subject?: string;
  /** Push only. */
  title?: string;
  body: string;
  /** The offer page's button only. */
  button?: string;
}

export type SettingsPreviewResult = { ok: true; preview: SettingsPreview } | { ok: false; reason: 'invalid_settings'; problems: SettingsProblem[] };

/** A sample member, so a preview never shows anyone's data. */
const SAMPLE = { memberName: 'Dana Reyes', product: 'Northwind Signals', amount: '$29.99', manageUrl: 'https://whop.com/billing/manage/mem_example' } as const;

/**
 * Renders unsaved settings' copy for one channel, step (0-based) and template reason (a decline
 * variant, or a decline category with copy of its own) with the
 * sample member. Pure: reads nothing; the settings are checked as a save would check them.
 */
export function presentSettingsPreview(input: { settings: unknown; channel: Channel; step: number; variant: TemplateReason }, publicUrl: string): SettingsPreviewResult {
  const parsed = parseNudgeSettings(input.settings);
  if (!parsed.ok) return { ok: false, reason: 'invalid_settings', problems: parsed.problems };
  const composed = composeNudge({
    settings: parsed.settings,
    stepIndex: input.step,
    ...previewReasonOf(input.variant),
    values: placeholderValuesOf({
      ...SAMPLE,
      incentiveDays: input.step === 0 && parsed.settings.incentive_type === 'free_days' ? parsed.settings.incentive_days : 0,
      // A case's code is shown from the step that created it (the first) on, while it is valid.
      promo: parsed.settings.incentive_type === 'promo_code' ? { code: 'SAVE-EXAMPLE1', offer: describePromoOffer(parsed.settings.promo_code) } : null,
    }),
    unsubscribeUrl: `${publicUrl.replace(/\/$/, '')}/api/unsubscribe?token=example`,
  });
  if (input.channel === 'email') return { ok: true, preview: { subject: composed.email.subject, body: composed.email.text } };
  if (input.channel === 'push') return { ok: true, preview: { title: composed.push.title, body: composed.push.body } };
  return { ok: true, preview: { body: composed.dm.body } };
}

/**
 * Renders unsaved settings' save-offer copy of one offer kind on one channel or the offer page,
 * for the sample member and the company's own name (as Whop gave it; "the team" when unknown, as
 * an offer reads): the days are the settings' own (incentive_days, or pause_days), the code a
 * sample on the settings' promo terms, the message the creator's. Reads only the company's name.
 */
export async function presentSaveOfferPreview(companyId: string, db: Queryable, input: { settings: unknown; offer: SaveOfferKind; channel: SaveOfferSurface }, publicUrl: string): Promise<SettingsPreviewResult> {
  const parsed = parseNudgeSettings(input.settings);
  if (!parsed.ok) return { ok: false, reason: 'invalid_settings', problems: parsed.problems };
  const settings = parsed.settings;
  const days = input.offer === 'pause' ? settings.save_offers.pause_days : input.offer === 'free_days' ? settings.incentive_days || 3 : null;
  const base = publicUrl.replace(/\/$/, '');
  const copy = composeSaveOffer({
    offer: { kind: input.offer, days },
    promo: input.offer === 'promo_code' ? { code: 'SAVE-EXAMPLE1', offer: describePromoOffer(settings.promo_code) } : null,
    message: settings.save_offers.message,
    templates: settings.save_offers.templates,
    companyName: await findCompanyName(db, companyId),
    productTitle: SAMPLE.product,
    linkFor: () => `${base}/save/example`,
    unsubscribeUrl: `${base}/api/unsubscribe?token=example`,
  });
  switch (input.channel) {
    case 'email':
      return { ok: true, preview: { subject: copy.email.subject, body: copy.email.text } };
    case 'push':
      return { ok: true, preview: { title: copy.push.title, body: copy.push.body } };
    case 'dm':
      return { ok: true, preview: { body: copy.dm.body } };
    case 'page':
      return { ok: true, preview: { title: copy.page.title, body: copy.page.lead, button: copy.page.button } };
  }
}
