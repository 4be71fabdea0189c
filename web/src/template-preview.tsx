import { useEffect, useMemo, useRef, useState } from 'react';
import { CHANNEL_TOGGLES } from '../../src/domain/channels.ts';
import { api, companyPath } from './api.ts';
import { useSettingsForm } from './settings-context.tsx';
import { buildTemplates, toSettings } from './settings-model.ts';
import type { Channel, DeclineVariant, PreviewResult, Settings } from './types.ts';
import { useDebounced } from './use-resource.ts';
import { useInView } from './use-in-view.ts';

const SCALAR_FIELDS = [...CHANNEL_TOGGLES, 'reminder_offsets_days', 'incentive_days', 'attribution_window_days', 'min_gap_hours', 'retry_payment_first'] as const;

/**
 * The settings to preview with: the draft where it is valid, the saved value where it is not, and
 * only this channel's valid texts, so one mistake elsewhere does not break every preview.
 */
function previewSettings(form: ReturnType<typeof useSettingsForm>['form'], saved: Settings, errors: Record<string, string[]>, channel: Channel, override: Readonly<Record<string, string>>): Settings {
  const draft = toSettings(form, saved);
  const result: Settings = { ...saved };
  for (const field of SCALAR_FIELDS) if (!errors[field]) (result as Record<string, unknown>)[field] = draft[field];
  if (!Object.keys(errors).some((key) => key.startsWith('quiet_hours'))) result.quiet_hours = draft.quiet_hours;
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
export function TemplatePreview({ channel, variant, step, ownKeys, override = NO_OVERRIDE, testId = 'template-preview' }: { channel: Channel; variant: DeclineVariant; step: number; ownKeys: readonly string[]; override?: Readonly<Record<string, string>>; testId?: string }) {
  const { companyId, form, saved, clientErrors } = useSettingsForm();
  const box = useRef<HTMLDivElement>(null);
  const visible = useInView(box);
  const blocked = ownKeys.some((key) => (clientErrors[key]?.length ?? 0) > 0);
  const payload = useMemo(
    () => (blocked ? null : JSON.stringify({ settings: previewSettings(form, saved, clientErrors, channel, override), channel, step, variant })),
    [blocked, form, saved, clientErrors, channel, step, variant, override],
  );
  const settled = useDebounced(payload, 500);
  const [state, setState] = useState<{ result?: PreviewResult; error?: string; loading: boolean }>({ loading: false });
  const sequence = useRef(0);

  useEffect(() => {
    if (!visible || settled === null) return;
    const id = ++sequence.current;
    setState((previous) => ({ ...previous, loading: true }));
    api.post<PreviewResult>(companyPath(companyId, '/settings/preview'), JSON.parse(settled) as unknown).then(
      (result) => id === sequence.current && setState({ result, loading: false }),
      (error: unknown) => id === sequence.current && setState({ error: error instanceof Error ? error.message : 'Preview failed.', loading: false }),
    );
  }, [visible, settled, companyId]);

  const result = state.result;
  return (
    <div ref={box} className={`preview preview-${channel}`} data-testid={testId} data-channel={channel} data-variant={variant} aria-live="polite" aria-busy={state.loading}>
      <div className="preview-label">Preview{state.loading ? ' · updating…' : ''}</div>
      {blocked ? (
        <p className="muted small">Fix the problems in this message to see its preview.</p>
      ) : state.error ? (
        <p className="text-bad small">{state.error}</p>
      ) : result ? (
        <div className="preview-message">
          {result.subject !== undefined && (
            <div className="preview-subject">
              <span className="muted">Subject:</span> {result.subject}
            </div>
          )}
          {result.title !== undefined && <div className="preview-title">{result.title}</div>}
          <div className="preview-body">{result.body}</div>
        </div>
      ) : (
        <p className="muted small">{visible ? 'Loading preview…' : ' '}</p>
      )}
    </div>
  );
}
