import { useMemo } from 'react';
import { describedBy, FieldErrors } from './field-errors.tsx';
import { CHANNELS, channelToggle, type Channel, type ChannelToggle } from '../../src/domain/channels.ts';
import { CHANNEL_NOTES, CHANNEL_TOGGLE_LABELS } from './channel-copy.ts';
import { fieldId, useSettingsForm } from './settings-context.tsx';
import { SettingsIncentive } from './settings-incentive.tsx';
import { parseOffsets, type SettingsForm } from './settings-model.ts';

type BooleanField = ChannelToggle | 'retry_payment_first';


function Checkbox({ field, label, hint }: { field: BooleanField; label: string; hint?: string }) {
  const { form, update, errorsFor } = useSettingsForm();
  const errors = errorsFor(field);
  return (
    <div className="field field-check">
      <label className="checkbox" htmlFor={fieldId(field)}>
        <input
          id={fieldId(field)}
          name={field}
          data-testid={`setting-${field}`}
          type="checkbox"
          checked={form[field]}
          onChange={(event) => update({ [field]: event.target.checked } as Partial<SettingsForm>, [field])}
          {...describedBy(field, errors, hint !== undefined)}
        />
        {label}
      </label>
      {hint && (
        <p className="hint" id={`${fieldId(field)}-hint`}>
          {hint}
        </p>
      )}
      <FieldErrors field={field} messages={errors} />
    </div>
  );
}

type TextField = 'reminder_offsets_days' | 'attribution_window_days' | 'min_gap_hours' | 'holdout_percent';

function TextInput({ field, label, hint, type = 'text', min, max, suffix }: { field: TextField; label: string; hint?: string; type?: 'text' | 'number'; min?: number; max?: number; suffix?: string }) {
  const { form, update, errorsFor } = useSettingsForm();
  const errors = errorsFor(field);
  return (
    <div className="field">
      <label htmlFor={fieldId(field)}>{label}</label>
      <div className="input-with-suffix">
        <input
          id={fieldId(field)}
          name={field}
          data-testid={`setting-${field}`}
          type={type}
          inputMode={type === 'number' ? 'numeric' : undefined}
          min={min}
          max={max}
          step={type === 'number' ? 1 : undefined}
          value={form[field]}
          onChange={(event) => update({ [field]: event.target.value } as Partial<SettingsForm>, [field])}
          {...describedBy(field, errors, hint !== undefined)}
        />
        {suffix && <span className="suffix">{suffix}</span>}
      </div>
      {hint && (
        <p className="hint" id={`${fieldId(field)}-hint`}>
          {hint}
        </p>
      )}
      <FieldErrors field={field} messages={errors} />
    </div>
  );
}

const HOURS = Array.from({ length: 24 }, (_, hour) => hour);
const hourLabel = (hour: number) => `${String(hour).padStart(2, '0')}:00`;

function timeZones(): string[] {
  try {
    return Intl.supportedValuesOf('timeZone');
  } catch {
    return [];
  }
}

function QuietHours() {
  const { form, update, errorsFor } = useSettingsForm();
  const zones = useMemo(timeZones, []);
  const startErrors = errorsFor('quiet_hours.start_hour');
  const endErrors = errorsFor('quiet_hours.end_hour');
  const zoneErrors = errorsFor('quiet_hours.timezone');
  const groupErrors = errorsFor('quiet_hours');
  return (
    <fieldset className="subfieldset">
      <legend>Quiet hours</legend>
      <label className="checkbox" htmlFor={fieldId('quiet_hours')}>
        <input
          id={fieldId('quiet_hours')}
          data-testid="setting-quiet_hours"
          type="checkbox"
          checked={form.quiet_enabled}
          onChange={(event) => update({ quiet_enabled: event.target.checked }, ['quiet_hours'])}
        />
        Don't send reminders at night (member-friendly, fewer unsubscribes)
      </label>
      <FieldErrors field="quiet_hours" messages={groupErrors} />
      {form.quiet_enabled && (
        <div className="row-fields">
          <HourField field="start_hour" label="From" testId="setting-quiet_start" value={form.quiet_start} errors={startErrors} onChange={(value) => update({ quiet_start: value }, ['quiet_hours.start_hour', 'quiet_hours.end_hour'])} />
          <HourField field="end_hour" label="Until" testId="setting-quiet_end" value={form.quiet_end} errors={endErrors} onChange={(value) => update({ quiet_end: value }, ['quiet_hours.start_hour', 'quiet_hours.end_hour'])} />
          <div className="field field-grow">
            <label htmlFor={fieldId('quiet_hours.timezone')}>Time zone</label>
            <input
              id={fieldId('quiet_hours.timezone')}
              name="quiet_hours.timezone"
              data-testid="setting-quiet_timezone"
              type="text"
              list="time-zones"
              autoComplete="off"
              spellCheck={false}
              value={form.quiet_timezone}
              onChange={(event) => update({ quiet_timezone: event.target.value }, ['quiet_hours.timezone'])}
              {...describedBy('quiet_hours.timezone', zoneErrors)}
            />
            <datalist id="time-zones">
              {zones.map((zone) => (
                <option key={zone} value={zone} />
              ))}
            </datalist>
            <FieldErrors field="quiet_hours.timezone" messages={zoneErrors} />
          </div>
        </div>
      )}
    </fieldset>
  );
}

/** Channels, schedule and incentive: everything but the message copy. */
/** One end of the quiet hours: an hour of the day. */
function HourField({ field, label, testId, value, errors, onChange }: { field: 'start_hour' | 'end_hour'; label: string; testId: string; value: string; errors: readonly string[]; onChange: (value: string) => void }) {
  const name = `quiet_hours.${field}`;
  return (
    <div className="field">
      <label htmlFor={fieldId(name)}>{label}</label>
      <select id={fieldId(name)} name={name} data-testid={testId} value={value} onChange={(event) => onChange(event.target.value)} {...describedBy(name, errors)}>
        {HOURS.map((hour) => (
          <option key={hour} value={hour}>
            {hourLabel(hour)}
          </option>
        ))}
      </select>
      <FieldErrors field={name} messages={errors} />
    </div>
  );
}

export function SettingsGeneral({ smtpConfigured, whopConfigured }: { smtpConfigured: boolean; whopConfigured: boolean }) {
  const { form, update, errorsFor } = useSettingsForm();
  const offsets = parseOffsets(form.reminder_offsets_days).filter(Number.isInteger);
  const channelNote = (channel: Channel) => CHANNEL_NOTES[channel]({ smtp: smtpConfigured, whop: whopConfigured });

  return (
    <>
      <fieldset className="card fieldset">
        <legend>Channels</legend>
        <p className="muted">Each reminder goes out on every channel you enable.</p>
        {CHANNELS.map((channel) => (
          <Checkbox key={channel} field={channelToggle(channel)} label={CHANNEL_TOGGLE_LABELS[channel]} hint={channelNote(channel)} />
        ))}
        {CHANNELS.every((channel) => !form[channelToggle(channel)]) && (
          <p className="message message-warn">With every channel off, members get no reminders; cases are still tracked.</p>
        )}
      </fieldset>

      <fieldset className="card fieldset">
        <legend>Schedule</legend>
        <TextInput
          field="reminder_offsets_days"
          label="Reminder days"
          hint={`${form.decline_playbooks ? 'Only with playbooks off (below). ' : ''}Days after the first failed payment, separated by commas (0 = the same day). Up to 10 reminders, days 0 to 30.${offsets.length > 0 ? ` Now: ${offsets.length} reminder${offsets.length === 1 ? '' : 's'}.` : ''}`}
        />
        <TextInput field="min_gap_hours" label="Minimum gap between reminders" type="number" min={0} max={168} suffix="hours" hint="0 to 168. Also applies to “Nudge now”." />
        <TextInput
          field="attribution_window_days"
          label="Attribution window"
          type="number"
          min={1}
          max={60}
          suffix="days"
          hint="1 to 60. A payment within this many days of the first failure counts as recovered; after it, the case closes."
        />
        <QuietHours />
        <TextInput
          field="holdout_percent"
          label="Control group"
          type="number"
          min={0}
          max={50}
          suffix="% of members"
          hint="0 to 50. These members get nothing from Churn Saver (Whop's own emails and retries still happen), so the overview can show what the reminders really add. More held out measures sooner but wins back less. Default 10 %; 0 turns the control group off."
        />
        {/* With playbooks on, each step decides its own retry: the switch would do nothing, so it is not shown. */}
        {!form.decline_playbooks && <Checkbox field="retry_payment_first" label="Retry the payment before each reminder" hint="When Whop can retry the failed payment, try it first; if it goes through, the member gets no message." />}
      </fieldset>

      <SettingsIncentive />
    </>
  );
}
