import { useMemo } from 'react';
import type { SaveOfferKind } from '../../src/domain/save-case.ts';
import { KIND_LABELS, SAVE_OFFER_KINDS, SAVE_OFFER_MAX_LENGTH, SAVE_OFFER_PARTS, SAVE_OFFER_PLACEHOLDERS_BY_KIND, SAVE_OFFER_SURFACES, type SaveOfferSurface } from '../../src/domain/save-offer-template.ts';
import { DraftPanel, PART_LABELS } from './ai-draft.tsx';
import { CHANNEL_LABELS } from './channel-copy.ts';
import { useSettingsForm } from './settings-context.tsx';
import { buildSaveOfferTemplates, saveOfferKey, toSettings } from './settings-model.ts';
import { CopyStatePill, ServerPreview, TemplateTextField, useCopyState } from './template-fields.tsx';
import type { Settings } from './types.ts';

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
  const { form } = useSettingsForm();
  const keys = SAVE_OFFER_SURFACES.flatMap((surface) => SAVE_OFFER_PARTS[surface].map((part) => saveOfferKey(kind, surface, part)));
  const state = useCopyState(form.save_templates, keys);
  return (
    <details className="template-group" data-testid="save-offer-group" data-offer={kind} open={state.open}>
      <summary className="template-group-title">
        <span>{OFFER_TITLES[kind]}</span>
        <CopyStatePill custom={state.custom} problems={state.problems} />
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
              <TemplateTextField
                key={key}
                fieldKey={key}
                label={
                  <>
                    {PART_LABELS[part] ?? part}
                    {surface === 'dm' && part === 'body' && <span className="muted"> (Markdown)</span>}
                  </>
                }
                testId={`save-template-${kind}.${surface}.${part}`}
                rows={long ? 4 : 1}
                long={long}
                placeholder="Default copy (leave empty to keep it)"
                text={text}
                max={max}
                errors={errors}
                onChange={(value) => setTemplate(key, value)}
              />
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
  const { form, saved, clientErrors } = useSettingsForm();
  const ownKeys = SAVE_OFFER_PARTS[surface].map((part) => saveOfferKey(kind, surface, part));
  const blocked = ownKeys.some((key) => (clientErrors[key]?.length ?? 0) > 0 && !(key in override));
  const payload = useMemo(
    () => (blocked ? null : JSON.stringify({ settings: previewSettings(form, saved, clientErrors, override), offer: kind, channel: surface })),
    [blocked, form, saved, clientErrors, override, kind, surface],
  );
  return <ServerPreview payload={payload} className={`preview-${surface === 'page' ? 'email' : surface}`} testId={testId} attributes={{ 'data-offer': kind, 'data-channel': surface }} buttonTestId="save-offer-preview-button" />;
}
