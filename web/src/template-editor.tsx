import { FieldErrors } from './field-errors.tsx';
import { CHANNEL_INTROS, CHANNEL_LABELS } from './channel-copy.ts';
import { useSettingsForm } from './settings-context.tsx';
import { parseOffsets, stepsWithCopy } from './settings-model.ts';
import { TemplateGroup } from './template-group.tsx';
import { TEMPLATE_REASONS, type Channel } from './types.ts';

/** One channel's copy: per decline reason, and optionally per reminder (collapsed). */
export function TemplateEditor({ channel }: { channel: Channel }) {
  const { form, errorsFor } = useSettingsForm();
  const offsets = parseOffsets(form.reminder_offsets_days).filter((days) => Number.isInteger(days) && days >= 0);
  const sortedOffsets = [...new Set(offsets)].sort((a, b) => a - b);
  const withCopy = stepsWithCopy(form.templates, channel);
  const steps = [...new Set([...sortedOffsets.map((_, index) => index), ...withCopy])].sort((a, b) => a - b);
  const stepProblems = steps.some((step) => errorsFor(`templates.${channel}.steps.${step}`).length > 0) || errorsFor(`templates.${channel}.steps`).length > 0;
  const stepTextProblems = Object.keys(form.templates).some((key) => key.startsWith(`templates.${channel}.steps.`) && errorsFor(key).length > 0);

  const ownKeys = Object.keys(form.templates).filter((key) => key.startsWith(`templates.${channel}.`));
  const customCount = ownKeys.filter((key) => (form.templates[key] ?? '').trim() !== '').length;
  const problemCount = ownKeys.reduce((n, key) => n + errorsFor(key).length, 0) + errorsFor(`templates.${channel}`).length;
  const summary = problemCount > 0 ? (problemCount === 1 ? '1 problem to fix' : `${problemCount} problems to fix`) : customCount > 0 ? `${customCount} ${customCount === 1 ? 'text' : 'texts'} of your own` : 'Default copy';

  // One collapsible group per channel (closed until opened, or while it holds a problem).
  return (
    <section className="card template-channel" aria-labelledby={`templates-${channel}`} data-testid={`templates-${channel}`}>
      <details className="template-channel-details" open={problemCount > 0}>
      <summary className="template-channel-summary">
        <h3 id={`templates-${channel}`}>{CHANNEL_LABELS[channel]}</h3>
        <span className={problemCount > 0 ? 'pill pill-bad' : 'pill pill-quiet'} data-testid={`templates-${channel}-summary`}>{summary}</span>
      </summary>
      <p className="muted">
        {CHANNEL_INTROS[channel]}
        {!form[`enable_${channel}`] && <strong> This channel is off: these messages are not sent.</strong>}
      </p>
      <FieldErrors field={`templates.${channel}`} messages={errorsFor(`templates.${channel}`)} />
      {TEMPLATE_REASONS.map((variant) => (
        <TemplateGroup key={variant} channel={channel} variant={variant} />
      ))}
      <details className="step-templates" open={withCopy.length > 0 || stepProblems || stepTextProblems}>
        <summary>Different copy for specific reminders (optional)</summary>
        <p className="muted small">Anything left empty uses the copy above. Reminders count from the first one.</p>
        <FieldErrors field={`templates.${channel}.steps`} messages={errorsFor(`templates.${channel}.steps`)} />
        {steps.map((step) => {
          const day = sortedOffsets[step];
          const problems = errorsFor(`templates.${channel}.steps.${step}`);
          const hasCopy = withCopy.includes(step);
          return (
            <details key={step} className="step-template" open={hasCopy || problems.length > 0}>
              <summary>
                Reminder {step + 1}
                {day !== undefined ? ` (day ${day})` : ' (no such reminder)'}
                {hasCopy && <span className="pill">custom</span>}
              </summary>
              <FieldErrors field={`templates.${channel}.steps.${step}`} messages={problems} />
              {TEMPLATE_REASONS.map((variant) => (
                <TemplateGroup key={variant} channel={channel} variant={variant} step={step} />
              ))}
            </details>
          );
        })}
      </details>
      </details>
    </section>
  );
}
