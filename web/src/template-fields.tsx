import { useEffect, useRef, useState, type ReactNode } from 'react';
import { api, companyPath } from './api.ts';
import { describedBy, FieldErrors } from './field-errors.tsx';
import { fieldId, useSettingsForm } from './settings-context.tsx';
import type { PreviewResult } from './types.ts';
import { useDebounced } from './use-resource.ts';
import { useInView } from './use-in-view.ts';

/**
 * The parts every message editor shares (nudge templates, save-offer copy): one text box with its
 * counter and problems, and the server-rendered preview of the texts as they are typed.
 */

/** A group of texts' state: its own copy or a problem keep it open (a closed group's preview is not fetched). */
export function useCopyState(texts: Readonly<Record<string, string>>, keys: readonly string[]): { custom: boolean; problems: number; open: boolean } {
  const { errorsFor } = useSettingsForm();
  const custom = keys.some((key) => (texts[key] ?? '').trim() !== '');
  const problems = keys.reduce((n, key) => n + errorsFor(key).length, 0);
  return { custom, problems, open: custom || problems > 0 };
}

export function CopyStatePill({ custom, problems }: { custom: boolean; problems: number }) {
  if (problems > 0) return <span className="pill pill-bad">{problems === 1 ? '1 problem' : `${problems} problems`}</span>;
  return custom ? <span className="pill">your copy</span> : <span className="pill pill-quiet">default copy</span>;
}

export function TemplateTextField(props: { fieldKey: string; label: ReactNode; testId: string; rows: number; long: boolean; placeholder: string; text: string; max: number; errors: readonly string[]; onChange: (text: string) => void }) {
  const { fieldKey: key, text, errors } = props;
  return (
    <div className="field">
      <label htmlFor={fieldId(key)}>{props.label}</label>
      <textarea
        id={fieldId(key)}
        name={key}
        data-testid={props.testId}
        rows={props.rows}
        className={props.long ? 'textarea-body' : 'textarea-line'}
        placeholder={props.placeholder}
        value={text}
        onChange={(event) => props.onChange(event.target.value)}
        {...describedBy(key, errors, true)}
      />
      <p className="hint counter" id={`${fieldId(key)}-hint`}>
        {text.length.toLocaleString()} / {props.max.toLocaleString()}
      </p>
      <FieldErrors field={key} messages={errors} />
    </div>
  );
}

/**
 * `payload` is the JSON body of POST /settings/preview, null while the message's own texts have a
 * problem. Fetched only in view, debounced, and only the latest answer is shown.
 */
export function ServerPreview({ payload, className, testId, attributes, buttonTestId }: { payload: string | null; className: string; testId: string; attributes: Readonly<Record<string, string>>; buttonTestId?: string }) {
  const { companyId } = useSettingsForm();
  const box = useRef<HTMLDivElement>(null);
  const visible = useInView(box);
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
    <div ref={box} className={`preview ${className}`} data-testid={testId} {...attributes} aria-live="polite" aria-busy={state.loading}>
      <div className="preview-label">Preview{state.loading ? ' · updating…' : ''}</div>
      {payload === null ? (
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
              <span className="button button-primary" data-testid={buttonTestId}>
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
