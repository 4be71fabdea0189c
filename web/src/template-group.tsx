import { TemplateDraft } from './ai-draft.tsx';
import { VARIANT_LABELS } from './format.ts';
import { useSettingsForm } from './settings-context.tsx';
import { TEMPLATE_MAX_LENGTH, TEMPLATE_PARTS, templateKey } from './settings-model.ts';
import { CopyStatePill, TemplateTextField, useCopyState } from './template-fields.tsx';
import { TemplatePreview } from './template-preview.tsx';
import { DECLINE_VARIANTS, type Channel, type DeclineVariant, type TemplateReason } from './types.ts';

const PART_LABELS: Record<string, string> = { title: 'Title', subject: 'Subject', body: 'Message' };

/** One decline variant of one channel (optionally for one step): its texts and their preview. */
export function TemplateGroup({ channel, variant, step }: { channel: Channel; variant: TemplateReason; step?: number }) {
  const { form, setTemplate, errorsFor } = useSettingsForm();
  const keys = TEMPLATE_PARTS[channel].map((part) => templateKey(channel, part, variant, step));
  const state = useCopyState(form.templates, keys);
  // Collapsed unless it holds the creator's own copy or a problem: 12 editors open at once made a
  // page of several screens. A closed group's preview is not fetched (it is out of view).
  return (
    <details className="template-group" data-testid="template-group" data-variant={variant} open={state.open}>
      <summary className="template-group-title">
        <span>{VARIANT_LABELS[variant]}</span>
        <CopyStatePill custom={state.custom} problems={state.problems} />
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
              <TemplateTextField
                key={key}
                fieldKey={key}
                label={
                  <>
                    {PART_LABELS[part] ?? part}
                    {channel === 'dm' && isBody && <span className="muted"> (Markdown)</span>}
                  </>
                }
                testId={`template-${key.slice('templates.'.length)}`}
                rows={isBody ? (step === undefined ? 5 : 4) : 1}
                long={isBody}
                placeholder={step === undefined ? 'Default copy (leave empty to keep it)' : 'Same as the general copy above'}
                text={text}
                max={max}
                errors={errors}
                onChange={(value) => setTemplate(key, value)}
              />
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
