import { useEffect, useMemo, useRef, useState } from 'react';
import type { SaveOfferKind } from '../../src/domain/save-case.ts';
import { KIND_LABELS, SAVE_OFFER_KINDS, SAVE_OFFER_MAX_LENGTH, SAVE_OFFER_PARTS, SAVE_OFFER_PLACEHOLDERS_BY_KIND, SAVE_OFFER_SURFACES, type SaveOfferSurface } from '../../src/domain/save-offer-template.ts';
import { DraftPanel, PART_LABELS } from './ai-draft.tsx';
import { api, companyPath } from './api.ts';
import { CHANNEL_LABELS } from './channel-copy.ts';
import { describedBy, FieldErrors } from './field-errors.tsx';
import { fieldId, useSettingsForm } from './settings-context.tsx';
import { buildSaveOfferTemplates, saveOfferKey, toSettings } from './settings-model.ts';
import type { PreviewResult, Settings } from './types.ts';
import { useDebounced } from './use-resource.ts';
import { useInView } from './use-in-view.ts';

/**
 * The save offers' copy (issue #15 §4): per offer kind, each channel's message and the offer page,
 * with a live preview and, when the server has OPENROUTER_API_KEY, an AI draft per channel. Saved
 * with the rest of the settings (save_offers.templates); empty boxes keep our default words.
 */

const OFFER_TITLES: Readonly<Record<SaveOfferKind, string>> = {
  free_days: '“Not using it”: free days',
  pause: '“Not using it”: a pause',
  promo_code: '“Too expensive”: a promo code',
  message: 'Any other reason: your message',
};

const SURFACE_LABELS: Readonly<Record<SaveOfferSurface, string>> = { ...(CHANNEL_LABELS as Record<'push' | 'dm' | 'email', string>), page: 'Offer page' };

const NO_OVERRIDE: Readonly<Record<string, string>> = {};

export function SaveOfferCopyEditor() {
  return (
    <section className="card template-channel" aria-labelledby="save-offer-copy-heading" data-testid="save-offer-copy">
      <details className="template-channel-details">
        <summary className="template-channel-summary">
          <h3 id="save-offer-copy-heading">Save offers</h3>
          <span className="pill pill-quiet">members who scheduled a cancellation</span>
        </summary>
        <p className="muted">
          The offer a member gets after scheduling a cancellation, per reason (choose the offers under Incentive). Each channel’s message must link <code>{'{offer_url}'}</code>, the page where
          they accept; the offer page itself has a title, a text and the button. Leave a box empty to keep our default words.
        </p>
        {SAVE_OFFER_KINDS.map((kind) => (
          <SaveOfferKindGroup key={kind} kind={kind} />
        ))}
      </details>
    </section>
  );
}

function SaveOfferKindGroup({ kind }: { kind: SaveOfferKind }) {
  const { form, errorsFor } = useSettingsForm();
  const keys = SAVE_OFFER_SURFACES.flatMap((surface) => SAVE_OFFER_PARTS[surface].map((part) => saveOfferKey(kind, surface, part)));
  const custom = keys.some((key) => (form.save_templates[key] ?? '').trim() !== '');
  const problems = keys.reduce((n, key) => n + errorsFor(key).length, 0);
  return (
    <details className="template-group" data-testid="save-offer-group" data-offer={kind} open={custom || problems > 0}>
      <summary className="template-group-title">
        <span>{OFFER_TITLES[kind]}</span>
        {problems > 0 ? <span className="pill pill-bad">{problems === 1 ? '1 problem' : `${problems} problems`}</span> : custom ? <span className="pill">your copy</span> : <span className="pill pill-quiet">default copy</span>}
      </summary>
      <p className="muted small">
        Placeholders for a {KIND_LABELS[kind]} offer:{' '}
        {SAVE_OFFER_PLACEHOLDERS_BY_KIND[kind].map((name, i) => (
          <span key={name}>
            {i > 0 && ' '}
            <code>{`{${name}}`}</code>
          </span>
        ))}
        {kind === 'message' && '. {message} is your message above (empty when you wrote none: put it inside [[ ]]).'}
      </p>
      {SAVE_OFFER_SURFACES.map((surface) => (
        <SaveOfferSurfaceEditor key={surface} kind={kind} surface={surface} />
      ))}
    </details>
  );
}

function SaveOfferSurfaceEditor({ kind, surface }: { kind: SaveOfferKind; surface: SaveOfferSurface }) {
  const { form, setTemplate, errorsFor } = useSettingsForm();
  const parts = SAVE_OFFER_PARTS[surface];
  const keyOf = (part: string) => saveOfferKey(kind, surface, part);
  return (
    <div className="stack" data-testid="save-offer-surface" data-offer={kind} data-channel={surface}>
      <h4>{SURFACE_LABELS[surface]}</h4>
      <div className="template-grid">
        <div className="template-inputs">
          {parts.map((part) => {
            const key = keyOf(part);
            const text = form.save_templates[key] ?? '';
            const errors = errorsFor(key);
            const max = SAVE_OFFER_MAX_LENGTH[surface][part] ?? 0;
            const long = part === 'body' || part === 'lead';
            return (
              <div className="field" key={key}>
                <label htmlFor={fieldId(key)}>
                  {PART_LABELS[part] ?? part}
                  {surface === 'dm' && part === 'body' && <span className="muted"> (Markdown)</span>}
                </label>
                <textarea
                  id={fieldId(key)}
                  name={key}
                  data-testid={`save-template-${kind}.${surface}.${part}`}
                  rows={long ? 4 : 1}
                  className={long ? 'textarea-body' : 'textarea-line'}
                  placeholder="Default copy (leave empty to keep it)"
                  value={text}
                  onChange={(event) => setTemplate(key, event.target.value)}
                  {...describedBy(key, errors, true)}
                />
                <p className="hint counter" id={`${fieldId(key)}-hint`}>
                  {text.length.toLocaleString()} / {max.toLocaleString()}
                </p>
                <FieldErrors field={key} messages={errors} />
              </div>
            );
          })}
        </div>
        <SaveOfferPreview kind={kind} surface={surface} />
      </div>
      <DraftPanel
        parts={parts}
        keyOf={keyOf}
        request={{ offer: kind, channel: surface }}
        attributes={{ 'data-offer': kind, 'data-channel': surface }}
        preview={(texts) => <SaveOfferPreview kind={kind} surface={surface} override={texts} testId="ai-draft-preview" />}
      />
    </div>
  );
}

/** The settings to preview with: the saved ones, with the form's valid save-offer values and texts over them. */
function previewSettings(form: ReturnType<typeof useSettingsForm>['form'], saved: Settings, errors: Record<string, string[]>, override: Readonly<Record<string, string>>): Settings {
  const draft = toSettings(form, saved);
  const has = (prefix: string) => Object.keys(errors).some((key) => key.startsWith(prefix));
  const texts: Record<string, string> = {};
  for (const [key, text] of Object.entries(form.save_templates)) if (!errors[key]) texts[key] = text;
  Object.assign(texts, override);
  return {
    ...saved,
    ...(has('incentive_days') ? {} : { incentive_days: draft.incentive_days }),
    ...(has('promo_code') ? {} : { promo_code: draft.promo_code }),
    save_offers: {
      ...saved.save_offers,
      ...(has('save_offers.pause_days') ? {} : { pause_days: draft.save_offers.pause_days }),
      ...(has('save_offers.message') ? {} : { message: draft.save_offers.message }),
      templates: buildSaveOfferTemplates(texts),
    },
  };
}

/** The offer as a sample member would read it, rendered by the server as the texts are typed. */
function SaveOfferPreview({ kind, surface, override = NO_OVERRIDE, testId = 'save-offer-preview' }: { kind: SaveOfferKind; surface: SaveOfferSurface; override?: Readonly<Record<string, string>>; testId?: string }) {
  const { companyId, form, saved, clientErrors } = useSettingsForm();
  const box = useRef<HTMLDivElement>(null);
  const visible = useInView(box);
  const ownKeys = SAVE_OFFER_PARTS[surface].map((part) => saveOfferKey(kind, surface, part));
  const blocked = ownKeys.some((key) => (clientErrors[key]?.length ?? 0) > 0 && !(key in override));
  const payload = useMemo(
    () => (blocked ? null : JSON.stringify({ settings: previewSettings(form, saved, clientErrors, override), offer: kind, channel: surface })),
    [blocked, form, saved, clientErrors, override, kind, surface],
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
    <div ref={box} className={`preview preview-${surface === 'page' ? 'email' : surface}`} data-testid={testId} data-offer={kind} data-channel={surface} aria-live="polite" aria-busy={state.loading}>
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
          {result.button !== undefined && (
            <div>
              <span className="button button-primary" data-testid="save-offer-preview-button">
                {result.button}
              </span>
            </div>
          )}
        </div>
      ) : (
        <p className="muted small">{visible ? 'Loading preview…' : ' '}</p>
      )}
    </div>
  );
}
