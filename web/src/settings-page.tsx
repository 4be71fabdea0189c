import { useCallback, useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { CHANNEL_TOGGLES } from '../../src/domain/channels.ts';
import { AiBriefCard, type AiDrafting, type DraftBrief } from './ai-draft.tsx';
import { api, ApiError, companyPath } from './api.ts';
import { CopyButton } from './copy-button.tsx';
import { ErrorView, Loading } from './error-view.tsx';
import { LeaveGuard } from './leave-guard.tsx';
import { fieldId, SettingsFormContext, type SettingsFormApi } from './settings-context.tsx';
import { SettingsGeneral } from './settings-general.tsx';
import { MAX_NUDGES, placeProblems, saveOfferKey, templateKey, TEMPLATE_PARTS, toForm, toSettings, validateForm, withTexts, type FieldErrors, type SettingsForm } from './settings-model.ts';
import { SAVE_OFFER_KINDS, SAVE_OFFER_PARTS, SAVE_OFFER_SURFACES } from '../../src/domain/save-offer-template.ts';
import { SaveOfferCopyEditor } from './save-offer-copy.tsx';
import { TemplateEditor } from './template-editor.tsx';
import { SettingsPlaybooks } from './settings-playbooks.tsx';
import { CHANNELS, DECLINE_CATEGORIES, TEMPLATE_REASONS, type Settings, type SettingsProblem, type SettingsResponse } from './types.ts';
import { useResource } from './use-resource.ts';
import { VariantTestSection } from './variants-section.tsx';

/** Every field key a server problem can be placed on, most specific first wins (see placeProblems). */
function knownFields(form: SettingsForm): string[] {
  const fields = [
    ...CHANNEL_TOGGLES, 'reminder_offsets_days', 'incentive_days', 'attribution_window_days', 'min_gap_hours',
    'quiet_hours', 'quiet_hours.start_hour', 'quiet_hours.end_hour', 'quiet_hours.timezone', 'retry_payment_first', ...Object.keys(form.templates),
    'decline_playbooks', 'playbooks', 'member_cap', 'member_cap.max_nudges', 'member_cap.window_hours', 'digest', 'digest.email', 'digest.hour_utc',
    'save_offers.unused', 'save_offers.pause_days', 'save_offers.message',
    ...DECLINE_CATEGORIES.flatMap((c) => [`playbooks.${c}`, `playbooks.${c}.last_step_lead_hours`]),
  ];
  for (const kind of SAVE_OFFER_KINDS)
    for (const surface of SAVE_OFFER_SURFACES) {
      fields.push(`save_offers.templates.${kind}`, `save_offers.templates.${kind}.${surface}`);
      for (const part of SAVE_OFFER_PARTS[surface]) fields.push(saveOfferKey(kind, surface, part));
    }
  for (const channel of CHANNELS) {
    fields.push(`templates.${channel}`, `templates.${channel}.steps`);
    for (let step = 0; step < MAX_NUDGES; step++) fields.push(`templates.${channel}.steps.${step}`);
    for (const part of TEMPLATE_PARTS[channel])
      for (const variant of TEMPLATE_REASONS) {
        fields.push(templateKey(channel, part, variant));
        for (let step = 0; step < MAX_NUDGES; step++) fields.push(templateKey(channel, part, variant, step));
      }
  }
  return fields;
}

type SaveState = { phase: 'idle' } | { phase: 'saving' } | { phase: 'saved'; version: number } | { phase: 'error'; message: string; problems: SettingsProblem[] };

/** `/dashboard/:companyId/settings`: how and when members are reminded, and with which words. */
export function SettingsPage({ companyId }: { companyId: string }) {
  const resource = useResource<SettingsResponse>(companyPath(companyId, '/settings'));
  // Whether AI drafting is on; a failure here only hides the feature, it never blocks the page.
  const drafts = useResource<{ available: boolean; model?: string }>(companyPath(companyId, '/settings/drafts'));
  if (resource.error !== undefined && resource.data === undefined) return <ErrorView error={resource.error} title="Could not load the settings" onRetry={resource.reload} />;
  if (resource.data === undefined) return <Loading label="Loading settings…" />;
  // Keyed by version: a variant test kept elsewhere on the page changes the templates, so the form restarts from them.
  return <SettingsEditor key={resource.data.version} companyId={companyId} initial={resource.data} aiModel={drafts.data?.available ? (drafts.data.model ?? 'AI') : null} onReload={resource.reload} />;
}

const EMPTY_BRIEF: DraftBrief = { product: '', tone: '', language: '' };

/** The brief is the creator's own words about the product, kept in this browser between visits. */
function useStoredBrief(companyId: string): [DraftBrief, (brief: DraftBrief) => void] {
  const storageKey = `churn-saver:ai-brief:${companyId}`;
  const [brief, setBrief] = useState<DraftBrief>(() => {
    try {
      return { ...EMPTY_BRIEF, ...(JSON.parse(window.localStorage.getItem(storageKey) ?? '{}') as Partial<DraftBrief>) };
    } catch {
      return EMPTY_BRIEF; // storage blocked (third-party iframe) or unreadable
    }
  });
  useEffect(() => {
    try {
      window.localStorage.setItem(storageKey, JSON.stringify(brief));
    } catch {}
  }, [storageKey, brief]);
  return [brief, setBrief];
}

function SettingsEditor({ companyId, initial, aiModel, onReload }: { companyId: string; initial: SettingsResponse; aiModel: string | null; onReload: () => void }) {
  const [saved, setSaved] = useState<{ version: number; settings: Settings }>({ version: initial.version, settings: initial.settings });
  const [form, setForm] = useState<SettingsForm>(() => toForm(initial.settings));
  const [savedForm, setSavedForm] = useState<SettingsForm>(() => toForm(initial.settings));
  const [serverErrors, setServerErrors] = useState<FieldErrors>({});
  const [saveState, setSaveState] = useState<SaveState>({ phase: 'idle' });

  const clientErrors = useMemo(() => validateForm(form, initial.placeholders), [form, initial.placeholders]);
  const dirty = useMemo(() => JSON.stringify(toSettings(form, saved.settings)) !== JSON.stringify(toSettings(savedForm, saved.settings)), [form, savedForm, saved.settings]);

  const clearServerErrors = useCallback((fields: readonly string[]) => {
    setServerErrors((current) => {
      if (!fields.some((field) => field in current)) return current;
      const next = { ...current };
      for (const field of fields) delete next[field];
      return next;
    });
  }, []);

  const update = useCallback(
    (patch: Partial<SettingsForm>, fields: readonly string[]) => {
      setForm((current) => ({ ...current, ...patch }));
      clearServerErrors(fields);
      setSaveState((state) => (state.phase === 'saved' ? { phase: 'idle' } : state));
    },
    [clearServerErrors],
  );

  const setTemplate = useCallback(
    (key: string, text: string) => {
      setForm((current) => withTexts(current, { [key]: text }));
      clearServerErrors([key]);
      setSaveState((state) => (state.phase === 'saved' ? { phase: 'idle' } : state));
    },
    [clearServerErrors],
  );

  const errorsFor = useCallback((field: string) => [...(clientErrors[field] ?? []), ...(serverErrors[field] ?? [])], [clientErrors, serverErrors]);

  const [brief, setBrief] = useStoredBrief(companyId);
  // Approving a draft is the ordinary save of the whole form with the draft's texts in it.
  const approveRef = useRefCallback((texts: Record<string, string>) => {
    const next = withTexts(form, texts);
    setForm(next);
    return saveForm(next);
  });
  const ai: AiDrafting | null = useMemo(() => (aiModel === null ? null : { model: aiModel, brief, setBrief, approve: approveRef }), [aiModel, brief, setBrief, approveRef]);

  const context: SettingsFormApi = useMemo(
    () => ({ companyId, form, saved: saved.settings, placeholders: initial.placeholders, update, setTemplate, errorsFor, clientErrors, ai }),
    [companyId, form, saved.settings, initial.placeholders, update, setTemplate, errorsFor, clientErrors, ai],
  );

  function focusFirst(fields: readonly string[]) {
    for (const field of fields) {
      const element = document.getElementById(fieldId(field));
      if (element) {
        // A message inside a closed <details> must be opened before it can be focused.
        for (let parent = element.parentElement; parent; parent = parent.parentElement) if (parent instanceof HTMLDetailsElement) parent.open = true;
        element.focus();
        return;
      }
    }
  }

  function save(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    void saveForm(form);
  }

  /** Saves `toSave` as a new settings version; true when it was saved. */
  async function saveForm(toSave: SettingsForm): Promise<boolean> {
    const invalid = Object.keys(validateForm(toSave, initial.placeholders));
    if (invalid.length > 0) {
      setSaveState({ phase: 'error', message: `Not saved: fix the ${invalid.length === 1 ? 'problem' : `${invalid.length} problems`} marked below.`, problems: [] });
      focusFirst(invalid);
      return false;
    }
    setSaveState({ phase: 'saving' });
    try {
      const response = await api.put<{ version: number; settings: Settings }>(companyPath(companyId, '/settings'), toSettings(toSave, saved.settings));
      setSaved({ version: response.version, settings: response.settings });
      const next = toForm(response.settings);
      setForm(next);
      setSavedForm(next);
      setServerErrors({});
      setSaveState({ phase: 'saved', version: response.version });
      return true;
    } catch (error) {
      if (error instanceof ApiError && error.problems.length > 0) {
        const { byField, unplaced } = placeProblems(error.problems, knownFields(toSave));
        setServerErrors(byField);
        setSaveState({ phase: 'error', message: `Not saved: ${error.problems.length === 1 ? 'one problem' : `${error.problems.length} problems`} to fix.`, problems: unplaced });
        window.setTimeout(() => focusFirst(Object.keys(byField)), 0);
      } else {
        setSaveState({ phase: 'error', message: error instanceof Error ? error.message : 'Could not save the settings.', problems: [] });
      }
      return false;
    }
  }

  function discard() {
    setForm(savedForm);
    setServerErrors({});
    setSaveState({ phase: 'idle' });
  }

  return (
    <SettingsFormContext.Provider value={context}>
      <LeaveGuard dirty={dirty} what="the settings" />
      <div className="stack-lg">
        <div className="page-head">
          <div>
            <h1>Settings</h1>
            <p className="muted">Version {saved.version}. Changes apply to cases opened after you save; running cases keep the settings they started with.</p>
          </div>
        </div>

        <section className="card" aria-labelledby="connection-heading">
          <h2 id="connection-heading">Connection</h2>
          <div className="field">
            <span className="label" id="webhook-url-label">
              Webhook URL
            </span>
            <div className="copy-row">
              <code className="code-box" aria-labelledby="webhook-url-label" data-testid="settings-webhook-url">
                {initial.webhook_url}
              </code>
              <CopyButton text={initial.webhook_url} label="Copy URL" />
            </div>
            <p className="hint">
              Register it in Whop (Developer → Webhooks, API v1) for payment.failed, payment.succeeded, membership.activated, membership.deactivated, refund.created and
              dispute.created.
            </p>
          </div>
          <p className="hint" data-testid="settings-company-id">
            Whop company id: <code>{companyId}</code>
          </p>
          <ul className="status-list">
            <li className={initial.whop_configured ? 'text-good' : 'text-warn'}>{initial.whop_configured ? 'Whop API connected' : 'Whop API not connected: push and DMs are kept in the outbox'}</li>
            <li className={initial.smtp_configured ? 'text-good' : 'text-warn'}>{initial.smtp_configured ? 'Email sending set up' : 'Email sending not set up: emails are kept in the outbox'}</li>
            {initial.whop_capabilities?.filter((c) => c.status === 'off').map((c) => (
              <li key={c.field} className="text-warn" data-testid={`capability-off-${c.field}`}>
                {c.capability}: off, Whop sends them empty. Grant the app the <code>{c.permission}</code> permission to turn this on.
              </li>
            ))}
          </ul>
        </section>

        <form className="settings-form stack-lg" data-testid="settings-form" onSubmit={save} noValidate aria-label="Outreach settings">
          <SettingsGeneral smtpConfigured={initial.smtp_configured} whopConfigured={initial.whop_configured} />
          <SettingsPlaybooks defaults={initial.default_playbooks} />

          <section className="stack" aria-labelledby="messages-heading">
            <div>
              <h2 id="messages-heading">Messages</h2>
              <p className="muted">
                Each decline reason gets its own message; leave a box empty to use our default copy (shown in the preview). Placeholders:{' '}
                {initial.placeholders.map((name, i) => (
                  <span key={name}>
                    {i > 0 && ' '}
                    <code>{`{${name}}`}</code>
                  </span>
                ))}
                . Text inside <code>[[ … ]]</code> is dropped when a placeholder in it is empty (e.g. no incentive).
              </p>
            </div>
            <AiBriefCard />
            {CHANNELS.map((channel) => (
              <TemplateEditor key={channel} channel={channel} />
            ))}
            <SaveOfferCopyEditor />
          </section>

          <div className="save-bar">
            <div className="save-bar-inner">
              <div aria-live="polite" role="status" className="save-status">
                {saveState.phase !== 'idle' && saveState.phase !== 'saving' && (
                  <div data-testid="settings-result" data-ok={saveState.phase === 'saved'} className={saveState.phase === 'saved' ? 'message message-ok' : 'message message-error'}>
                    {saveState.phase === 'saved' ? `Saved. Version ${saveState.version} applies to new cases.` : saveState.message}
                    {saveState.phase === 'error' && saveState.problems.length > 0 && (
                      <ul className="field-errors">
                        {saveState.problems.map((problem, i) => (
                          <li key={i}>{problem.field ? `${problem.field}: ${problem.message}` : problem.message}</li>
                        ))}
                      </ul>
                    )}
                  </div>
                )}
                {saveState.phase === 'idle' && dirty && <span className="muted">You have unsaved changes.</span>}
              </div>
              <div className="save-buttons">
                <button type="button" className="button button-quiet" onClick={discard} disabled={!dirty || saveState.phase === 'saving'}>
                  Discard changes
                </button>
                <button type="submit" className="button button-primary" data-testid="settings-save" disabled={saveState.phase === 'saving'}>
                  {saveState.phase === 'saving' ? 'Saving…' : 'Save settings'}
                </button>
              </div>
            </div>
          </div>
        </form>

        <VariantTestSection
          companyId={companyId}
          reminders={saved.settings.reminder_offsets_days.length}
          aiAvailable={aiModel !== null}
          blocked={dirty ? 'Save or discard your settings changes first.' : null}
          onChanged={onReload}
        />
      </div>
    </SettingsFormContext.Provider>
  );
}

/** A stable function that always calls the latest `fn` (so memoized context does not go stale). */
function useRefCallback<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R {
  const ref = useRef(fn);
  ref.current = fn;
  return useCallback((...args: A) => ref.current(...args), []);
}
