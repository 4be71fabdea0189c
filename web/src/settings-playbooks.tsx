import { describedBy, FieldErrors } from './field-errors.tsx';
import { CATEGORY_LABELS } from './format.ts';
import { fieldId, useSettingsForm } from './settings-context.tsx';
import { formatPlaybookSteps, type SettingsForm } from './settings-model.ts';
import { DECLINE_CATEGORIES, type DeclineCategory, type PlaybookSetting } from './types.ts';

/** What each category is for, in the creator's words (docs/playbooks.md has the full table). */
const CATEGORY_HINTS: Record<DeclineCategory, string> = {
  needs_authentication: 'The bank wants the member to confirm the charge: the confirmation link goes out at once.',
  card_unusable: 'Expired, lost, stolen or closed card: ask for a new card; a retry is never made.',
  insufficient_funds: 'The money is not there yet: "payday" moves a step to the 1st, the 15th or the last business day.',
  issuer_soft_decline: 'The bank said no for now: "retry" retries the payment before the message.',
  unknown: 'Nothing tells us why.',
};

type Field = 'member_cap_max' | 'member_cap_hours' | 'digest_email' | 'digest_hour';

function Input({ field, errorKey, label, type = 'text', suffix }: { field: Field; errorKey: string; label: string; type?: 'text' | 'number' | 'email'; suffix?: string }) {
  const { form, update, errorsFor } = useSettingsForm();
  const errors = errorsFor(errorKey);
  return (
    <div className="field">
      <label htmlFor={fieldId(errorKey)}>{label}</label>
      <div className="input-with-suffix">
        <input
          id={fieldId(errorKey)}
          name={errorKey}
          data-testid={`setting-${errorKey}`}
          type={type}
          value={form[field]}
          onChange={(event) => update({ [field]: event.target.value } as Partial<SettingsForm>, [errorKey])}
          {...describedBy(errorKey, errors)}
        />
        {suffix && <span className="suffix">{suffix}</span>}
      </div>
      <FieldErrors field={errorKey} messages={errors} />
    </div>
  );
}

function CategorySteps({ category, fallback }: { category: DeclineCategory; fallback: PlaybookSetting | undefined }) {
  const { form, update, errorsFor } = useSettingsForm();
  const key = `playbooks.${category}`;
  const leadKey = `${key}.last_step_lead_hours`;
  const errors = errorsFor(key);
  const leadErrors = errorsFor(leadKey);
  return (
    <div className="field" data-testid={`playbook-${category}`}>
      <label htmlFor={fieldId(key)}>{CATEGORY_LABELS[category]}</label>
      <p className="hint" id={`${fieldId(key)}-hint`}>
        {CATEGORY_HINTS[category]} One step a line: hours after the failure, channels, then “retry” or “payday” if wanted. Empty: our default.
      </p>
      <textarea
        id={fieldId(key)}
        name={key}
        data-testid={`setting-${key}`}
        rows={3}
        className="textarea-body"
        placeholder={fallback ? formatPlaybookSteps(fallback.steps) : ''}
        value={form.playbooks[category]}
        onChange={(event) => update({ playbooks: { ...form.playbooks, [category]: event.target.value } }, [key])}
        {...describedBy(key, errors, true)}
      />
      <FieldErrors field={key} messages={errors} />
      {form.playbooks[category].trim() !== '' && (
        <div className="input-with-suffix">
          <label htmlFor={fieldId(leadKey)}>Last step before Whop cancels</label>
          <input
            id={fieldId(leadKey)}
            name={leadKey}
            type="number"
            min={0}
            max={72}
            value={form.playbook_leads[category]}
            onChange={(event) => update({ playbook_leads: { ...form.playbook_leads, [category]: event.target.value } }, [leadKey])}
            {...describedBy(leadKey, leadErrors)}
          />
          <span className="suffix">hours</span>
          <FieldErrors field={leadKey} messages={leadErrors} />
        </div>
      )}
    </div>
  );
}

/** Playbooks by decline reason, the member cap and the creator's daily digest (issue #15 §1). */
export function SettingsPlaybooks({ defaults }: { defaults: Record<DeclineCategory, PlaybookSetting> | undefined }) {
  const { form, update, errorsFor } = useSettingsForm();
  return (
    <>
      <fieldset className="card fieldset" data-testid="playbooks">
        <legend>Playbooks, contact limits and digest</legend>
        <label className="checkbox" htmlFor={fieldId('decline_playbooks')}>
          <input
            id={fieldId('decline_playbooks')}
            data-testid="setting-decline_playbooks"
            type="checkbox"
            checked={form.decline_playbooks}
            onChange={(event) => update({ decline_playbooks: event.target.checked }, ['decline_playbooks'])}
            aria-describedby={`${fieldId('decline_playbooks')}-hint`}
          />
          Plan each case by why the payment failed (recommended, on by default)
        </label>
        <p className="hint" id={`${fieldId('decline_playbooks')}-hint`} data-testid="decline_playbooks-hint">
          {form.decline_playbooks
            ? 'Each reason gets its own steps before Whop cancels: an expired card is asked for a new one and never retried, 3-D Secure gets its link at once, low funds wait for payday. Reminder days and “Retry the payment first” apply only when off.'
            : 'Off: every member gets the same reminders, on the reminder days above, whatever the bank said.'}
        </p>
        {form.decline_playbooks && (
          <details className="step-templates" data-testid="playbook-steps" open={DECLINE_CATEGORIES.some((c) => form.playbooks[c].trim() !== '' || errorsFor(`playbooks.${c}`).length > 0 || errorsFor(`playbooks.${c}.last_step_lead_hours`).length > 0)}>
            <summary>Steps for each reason (optional: empty uses ours)</summary>
            {DECLINE_CATEGORIES.map((category) => <CategorySteps key={category} category={category} fallback={defaults?.[category]} />)}
          </details>
        )}
        <h3 className="label">Contact limits and digest</h3>
        <label className="checkbox" htmlFor={fieldId('member_cap')}>
          <input id={fieldId('member_cap')} data-testid="setting-member_cap" type="checkbox" checked={form.member_cap_enabled} onChange={(event) => update({ member_cap_enabled: event.target.checked }, ['member_cap'])} />
          Limit how many reminders one member gets, across all their failed payments
        </label>
        {form.member_cap_enabled && (
          <div className="row-fields">
            <Input field="member_cap_max" errorKey="member_cap.max_nudges" label="At most" type="number" suffix="reminders" />
            <Input field="member_cap_hours" errorKey="member_cap.window_hours" label="In any" type="number" suffix="hours" />
          </div>
        )}
        <label className="checkbox" htmlFor={fieldId('digest')}>
          <input id={fieldId('digest')} data-testid="setting-digest" type="checkbox" checked={form.digest_enabled} onChange={(event) => update({ digest_enabled: event.target.checked }, ['digest'])} />
          Email me a daily digest of new failures and recoveries
        </label>
        {form.digest_enabled && (
          <div className="row-fields">
            <Input field="digest_email" errorKey="digest.email" label="Send to" type="email" />
            <Input field="digest_hour" errorKey="digest.hour_utc" label="At (UTC hour)" type="number" suffix=":00" />
          </div>
        )}
      </fieldset>
    </>
  );
}
