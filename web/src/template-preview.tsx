import { useMemo } from 'react';
import { CHANNEL_TOGGLES } from '../../src/domain/channels.ts';
import { useSettingsForm } from './settings-context.tsx';
import { buildTemplates, toSettings } from './settings-model.ts';
import { ServerPreview } from './template-fields.tsx';
import type { Channel, Settings, TemplateReason } from './types.ts';

const SCALAR_FIELDS = [...CHANNEL_TOGGLES, 'reminder_offsets_days', 'incentive_days', 'incentive_type', 'attribution_window_days', 'min_gap_hours', 'retry_payment_first'] as const;

/**
 * The settings to preview with: the draft where it is valid, the saved value where it is not, and
 * only this channel's valid texts, so one mistake elsewhere does not break every preview.
 */
function previewSettings(form: ReturnType<typeof useSettingsForm>['form'], saved: Settings, errors: Record<string, string[]>, channel: Channel, override: Readonly<Record<string, string>>): Settings {
  const draft = toSettings(form, saved);
  const result: Settings = { ...saved };
  for (const field of SCALAR_FIELDS) if (!errors[field]) (result as Record<string, unknown>)[field] = draft[field];
  if (!Object.keys(errors).some((key) => key.startsWith('quiet_hours'))) result.quiet_hours = draft.quiet_hours;
  if (!Object.keys(errors).some((key) => key.startsWith('promo_code'))) result.promo_code = draft.promo_code;
  const texts: Record<string, string> = {};
  for (const [key, text] of Object.entries(form.templates)) if (key.startsWith(`templates.${channel}.`) && !errors[key]) texts[key] = text;
  Object.assign(texts, override);
  result.templates = buildTemplates(texts);
  return result;
}

const NO_OVERRIDE: Readonly<Record<string, string>> = {};

/**
 * The message a sample member would get, rendered by the server as the texts are typed.
 * `override` previews texts that are not in the form (an AI draft awaiting approval).
 */
export function TemplatePreview({ channel, variant, step, ownKeys, override = NO_OVERRIDE, testId = 'template-preview' }: { channel: Channel; variant: TemplateReason; step: number; ownKeys: readonly string[]; override?: Readonly<Record<string, string>>; testId?: string }) {
  const { form, saved, clientErrors } = useSettingsForm();
  const blocked = ownKeys.some((key) => (clientErrors[key]?.length ?? 0) > 0);
  const payload = useMemo(
    () => (blocked ? null : JSON.stringify({ settings: previewSettings(form, saved, clientErrors, channel, override), channel, step, variant })),
    [blocked, form, saved, clientErrors, channel, step, variant, override],
  );
  return <ServerPreview payload={payload} className={`preview-${channel}`} testId={testId} attributes={{ 'data-channel': channel, 'data-variant': variant }} />;
}
