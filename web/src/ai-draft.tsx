import { useState, type ReactNode } from 'react';
import { api, ApiError, companyPath } from './api.ts';
import { useSettingsForm } from './settings-context.tsx';
import { TEMPLATE_PARTS, templateKey } from './settings-model.ts';
import { TemplatePreview } from './template-preview.tsx';
import type { Channel, DeclineVariant } from './types.ts';

/**
 * AI-drafted copy on the settings page (shown only when the server has OPENROUTER_API_KEY): a
 * brief for the whole page, and per template a draft shown beside the current text with its
 * preview. A draft is only text in this page until the creator approves it, which is the ordinary
 * settings save (a new version, audited); nothing is sent to members before that.
 */

export interface DraftBrief {
  product: string;
  tone: string;
  language: string;
}

export interface AiDrafting {
  model: string;
  brief: DraftBrief;
  setBrief: (brief: DraftBrief) => void;
  /** Puts the texts (field key → text) into the form and saves the settings. */
  approve: (texts: Record<string, string>) => Promise<boolean>;
}

export const PART_LABELS: Record<string, string> = { title: 'Title', subject: 'Subject', body: 'Message', lead: 'Text', button: 'Button' };

/** The brief every draft on the page uses: what the product is, tone, language. */
export function AiBriefCard() {
  const { ai } = useSettingsForm();
  if (!ai) return null;
  const { brief, setBrief } = ai;
  return (
    <section className="card stack" aria-labelledby="ai-brief-heading" data-testid="ai-brief">
      <h3 id="ai-brief-heading">Draft with AI</h3>
      <p className="muted small">
        Any message below can be drafted by an AI model ({ai.model}) from this brief. The model gets the brief, which message it is (channel, reminder, decline reason, or save offer), its current text and
        the placeholder names; never a member’s name, email or payment. A draft changes nothing until you approve it.
      </p>
      <div className="field">
        <label htmlFor="ai-brief-product">What the product is</label>
        <textarea id="ai-brief-product" data-testid="ai-brief-product" rows={2} maxLength={1000} value={brief.product} onChange={(e) => setBrief({ ...brief, product: e.target.value })} />
      </div>
      <div className="field">
        <label htmlFor="ai-brief-tone">Tone</label>
        <input id="ai-brief-tone" data-testid="ai-brief-tone" maxLength={200} placeholder="warm and brief" value={brief.tone} onChange={(e) => setBrief({ ...brief, tone: e.target.value })} />
      </div>
      <div className="field">
        <label htmlFor="ai-brief-language">Language</label>
        <input id="ai-brief-language" data-testid="ai-brief-language" maxLength={60} placeholder="English" value={brief.language} onChange={(e) => setBrief({ ...brief, language: e.target.value })} />
      </div>
    </section>
  );
}

type DraftState =
  | { phase: 'idle' }
  | { phase: 'drafting' }
  | { phase: 'error'; message: string }
  | { phase: 'ready'; draft: Record<string, string>; current: Record<string, string>; approving: boolean };

/** The "Draft with AI" button of one nudge template, and its draft beside the current text. */
export function TemplateDraft({ channel, variant, step }: { channel: Channel; variant: DeclineVariant; step?: number }) {
  return (
    <DraftPanel
      parts={TEMPLATE_PARTS[channel]}
      keyOf={(part) => templateKey(channel, part, variant, step)}
      request={{ channel, step: step ?? null, variant }}
      attributes={{ 'data-channel': channel, 'data-variant': variant }}
      preview={(texts) => <TemplatePreview channel={channel} variant={variant} step={step ?? 0} ownKeys={[]} override={texts} testId="ai-draft-preview" />}
    />
  );
}

/**
 * A draft of any template: `request` names the target (a nudge's channel, step and variant, or a
 * save offer's kind and channel), `keyOf` the form field of each part, `preview` renders texts.
 */
export function DraftPanel({
  parts,
  keyOf,
  request,
  attributes,
  preview,
}: {
  parts: readonly string[];
  keyOf: (part: string) => string;
  request: Record<string, unknown>;
  attributes: Record<`data-${string}`, string>;
  preview: (texts: Record<string, string>) => ReactNode;
}) {
  const { ai, companyId, setTemplate } = useSettingsForm();
  const [state, setState] = useState<DraftState>({ phase: 'idle' });
  if (!ai) return null;

  async function requestDraft() {
    if (!ai) return;
    if (ai.brief.product.trim() === '') {
      setState({ phase: 'error', message: 'Describe the product in the brief above first.' });
      return;
    }
    setState({ phase: 'drafting' });
    try {
      const result = await api.post<{ draft: Record<string, string>; current: Record<string, string> }>(companyPath(companyId, '/settings/drafts'), { ...request, brief: ai.brief });
      setState({ phase: 'ready', draft: result.draft, current: result.current, approving: false });
    } catch (error) {
      setState({ phase: 'error', message: error instanceof ApiError || error instanceof Error ? error.message : 'The draft failed.' });
    }
  }

  const texts = state.phase === 'ready' ? Object.fromEntries(parts.map((part) => [keyOf(part), state.draft[part] ?? ''])) : {};

  async function approve() {
    if (!ai || state.phase !== 'ready') return;
    setState({ ...state, approving: true });
    const saved = await ai.approve(texts);
    setState(saved ? { phase: 'idle' } : { ...state, approving: false });
  }

  function useInEditor() {
    for (const [key, text] of Object.entries(texts)) setTemplate(key, text);
    setState({ phase: 'idle' });
  }

  return (
    <div className="ai-draft stack" data-testid="ai-draft" {...attributes}>
      <div>
        <button type="button" className="button button-quiet" data-testid="ai-draft-request" onClick={requestDraft} disabled={state.phase === 'drafting'}>
          {state.phase === 'drafting' ? 'Drafting…' : state.phase === 'ready' ? 'Draft again' : 'Draft with AI'}
        </button>
      </div>
      <div aria-live="polite">
        {state.phase === 'error' && (
          <p className="message message-error" data-testid="ai-draft-error">
            {state.message}
          </p>
        )}
      </div>
      {state.phase === 'ready' && (
        <div className="stack">
          <div className="template-grid">
            <div data-testid="ai-draft-current">
              <div className="preview-label">Current text</div>
              {parts.map((part) => (
                <div key={part} className="field">
                  <span className="label">{PART_LABELS[part] ?? part}</span>
                  <pre className="code-box draft-text">{state.current[part]}</pre>
                </div>
              ))}
            </div>
            <div data-testid="ai-draft-text">
              <div className="preview-label">AI draft (not saved)</div>
              {parts.map((part) => (
                <div key={part} className="field">
                  <span className="label">{PART_LABELS[part] ?? part}</span>
                  <pre className="code-box draft-text">{state.draft[part]}</pre>
                </div>
              ))}
            </div>
          </div>
          {preview(texts)}
          <div className="save-buttons">
            <button type="button" className="button button-primary" data-testid="ai-draft-approve" onClick={approve} disabled={state.approving}>
              {state.approving ? 'Saving…' : 'Approve and save'}
            </button>
            <button type="button" className="button button-quiet" data-testid="ai-draft-edit" onClick={useInEditor} disabled={state.approving}>
              Edit before saving
            </button>
            <button type="button" className="button button-quiet" data-testid="ai-draft-discard" onClick={() => setState({ phase: 'idle' })} disabled={state.approving}>
              Discard draft
            </button>
          </div>
        </div>
      )}
    </div>
  );
}
