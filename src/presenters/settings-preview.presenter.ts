import { composeNudge } from '../domain/compose-nudge.ts';
import type { DeclineVariant } from '../domain/decline-variant.ts';
import { placeholderValuesOf, type Channel } from '../domain/message-template.ts';
import { parseOutreachSettings, type SettingsProblem } from '../domain/outreach-settings.ts';

/** POST /api/companies/:companyId/settings/preview: one channel's message as a member would read it. */
export type SettingsPreview = { subject: string; body: string } | { title: string; body: string } | { body: string };

export type SettingsPreviewResult = { ok: true; preview: SettingsPreview } | { ok: false; reason: 'invalid_settings'; problems: SettingsProblem[] };

/** A sample member, so a preview never shows anyone's data. */
const SAMPLE = { memberName: 'Dana Reyes', product: 'Northwind Signals', amount: '$29.99', manageUrl: 'https://whop.com/billing/manage/mem_example' } as const;

/**
 * Renders unsaved settings' copy for one channel, step (0-based) and decline variant with the
 * sample member. Pure: reads nothing; the settings are checked as a save would check them.
 */
export function presentSettingsPreview(input: { settings: unknown; channel: Channel; step: number; variant: DeclineVariant }, publicUrl: string): SettingsPreviewResult {
  const parsed = parseOutreachSettings(input.settings);
  if (!parsed.ok) return { ok: false, reason: 'invalid_settings', problems: parsed.problems };
  const composed = composeNudge({
    settings: parsed.settings,
    stepIndex: input.step,
    variant: input.variant,
    values: placeholderValuesOf({ ...SAMPLE, incentiveDays: input.step === 0 ? parsed.settings.incentive_days : 0 }),
    unsubscribeUrl: `${publicUrl.replace(/\/$/, '')}/api/unsubscribe?token=example`,
  });
  if (input.channel === 'email') return { ok: true, preview: { subject: composed.email.subject, body: composed.email.text } };
  if (input.channel === 'push') return { ok: true, preview: { title: composed.push.title, body: composed.push.body } };
  return { ok: true, preview: { body: composed.dm.body } };
}
