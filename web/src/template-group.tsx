import { TemplateDraft } from './ai-draft.tsx';
import { describedBy, FieldErrors } from './field-errors.tsx';
import { VARIANT_LABELS } from './format.ts';
import { fieldId, useSettingsForm } from './settings-context.tsx';
import { TEMPLATE_MAX_LENGTH, TEMPLATE_PARTS, templateKey } from './settings-model.ts';
import { TemplatePreview } from './template-preview.tsx';
import { DECLINE_VARIANTS, type Channel, type DeclineVariant, type TemplateReason } from './types.ts';

const PART_LABELS: Record<string, string> = { title: 'Title', subject: 'Subject', body: 'Message' };

/** One decline variant of one channel (optionally for one step): its texts and their preview. */
export function TemplateGroup({ channel, variant, step }: { channel: Channel; variant: TemplateReason; step?: number }) {
  const { form, setTemplate, errorsFor } = useSettingsForm();
  const keys = TEMPLATE_PARTS[channel].map((part) => templateKey(channel, part, variant, step));
  const custom = keys.some((key) => (form.templates[key] ?? '').trim() !== '');
  const problems = keys.reduce((n, key) => n + errorsFor(key).length, 0);
  // Collapsed unless it holds the creator's own copy or a problem: 12 editors open at once made a
  // page of several screens. A closed group's preview is not fetched (it is out of view).
  return (
    <details className="template-group" data-testid="template-group" data-variant={variant} open={custom || problems > 0}>
      <summary className="template-group-title">
        <span>{VARIANT_LABELS[variant]}</span>
        {problems > 0 ? <span className="pill pill-bad">{problems === 1 ? '1 problem' : `${problems} problems`}</span> : custom ? <span className="pill">your copy</span> : <span className="pill pill-quiet">default copy</span>}
      </summary>
      <div className="template-grid">
        <div className="template-inputs">
          {TEMPLATE_PARTS[channel].map((part, index) => {
            const key = keys[index]!;
            const text = form.templates[key] ?? '';
            const errors = errorsFor(key);
            const max = TEMPLATE_MAX_LENGTH[channel][part] ?? 0;
            const isBody = part === 'body';
            return (
              <div className="field" key={key}>
                <label htmlFor={fieldId(key)}>
                  {PART_LABELS[part] ?? part}
                  {channel === 'dm' && isBody && <span className="muted"> (Markdown)</span>}
                </label>
                <textarea
                  id={fieldId(key)}
                  name={key}
                  data-testid={`template-${key.slice('templates.'.length)}`}
                  rows={isBody ? (step === undefined ? 5 : 4) : 1}
                  className={isBody ? 'textarea-body' : 'textarea-line'}
                  placeholder={step === undefined ? 'Default copy (leave empty to keep it)' : 'Same as the general copy above'}
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
        <TemplatePreview channel={channel} variant={variant} step={step ?? 0} ownKeys={keys} />
      </div>
      {/* AI drafts cover the message variants; the decline categories' own copy is written by hand for now. */}
      {(DECLINE_VARIANTS as readonly string[]).includes(variant) && <TemplateDraft channel={channel} variant={variant as DeclineVariant} {...(step === undefined ? {} : { step })} />}
    </details>
  );
}
