import { describedBy, FieldErrors } from './field-errors.tsx';
import { fieldId, useSettingsForm } from './settings-context.tsx';
import { INCENTIVE_DAYS_CHOICES, type SettingsForm } from './settings-model.ts';

type PromoField = 'promo_percent_off' | 'promo_amount_off' | 'promo_currency' | 'promo_duration_months' | 'promo_valid_days';
/** The server's problem path for each promo input, so its messages land on the right field. */
const PROMO_PATHS: Record<PromoField, string> = {
  promo_percent_off: 'promo_code.percent_off',
  promo_amount_off: 'promo_code.amount_off_cents',
  promo_currency: 'promo_code.currency',
  promo_duration_months: 'promo_code.duration_months',
  promo_valid_days: 'promo_code.valid_days',
};

function PromoInput({ field, label, suffix, hint }: { field: PromoField; label: string; suffix?: string; hint?: string }) {
  const { form, update, errorsFor } = useSettingsForm();
  const path = PROMO_PATHS[field];
  const errors = errorsFor(path);
  return (
    <div className="field">
      <label htmlFor={fieldId(path)}>{label}</label>
      <div className="input-with-suffix">
        <input
          id={fieldId(path)}
          name={path}
          data-testid={`setting-${field}`}
          type="text"
          inputMode={field === 'promo_currency' ? undefined : 'decimal'}
          value={form[field]}
          onChange={(event) => update({ [field]: event.target.value } as Partial<SettingsForm>, [path])}
          {...describedBy(path, errors, hint !== undefined)}
        />
        {suffix && <span className="suffix">{suffix}</span>}
      </div>
      {hint && (
        <p className="hint" id={`${fieldId(path)}-hint`}>
          {hint}
        </p>
      )}
      <FieldErrors field={path} messages={errors} />
    </div>
  );
}

/** The first reminder's incentive: free days (added to the membership) or a single-use promo code. */
export function SettingsIncentive() {
  const { form, update, errorsFor } = useSettingsForm();
  const daysErrors = errorsFor('incentive_days');
  const isPromo = form.incentive_type === 'promo_code';
  return (
    <fieldset className="card fieldset">
      <legend>Incentive</legend>
      <div className="field">
        <label htmlFor={fieldId('incentive_type')}>Offered with the first reminder</label>
        <select
          id={fieldId('incentive_type')}
          name="incentive_type"
          data-testid="setting-incentive_type"
          value={form.incentive_type}
          onChange={(event) => update({ incentive_type: event.target.value as SettingsForm['incentive_type'] }, ['incentive_type'])}
        >
          <option value="free_days">Free days</option>
          <option value="promo_code">A promo code</option>
        </select>
      </div>
      {!isPromo && (
        <div className="field">
          <label htmlFor={fieldId('incentive_days')}>Free days</label>
          <select
            id={fieldId('incentive_days')}
            name="incentive_days"
            data-testid="setting-incentive_days"
            value={form.incentive_days}
            onChange={(event) => update({ incentive_days: event.target.value }, ['incentive_days'])}
            {...describedBy('incentive_days', daysErrors, true)}
          >
            {INCENTIVE_DAYS_CHOICES.map((days) => (
              <option key={days} value={days}>
                {days === 0 ? 'No incentive' : `${days} free ${days === 1 ? 'day' : 'days'}`}
              </option>
            ))}
          </select>
          <p className="hint" id={`${fieldId('incentive_days')}-hint`}>
            Added to the membership once per case. Estimated cost: amount at risk × days ÷ 30. Mention it in your messages with {'{incentive_days}'}.
          </p>
          <FieldErrors field="incentive_days" messages={daysErrors} />
        </div>
      )}
      {isPromo && (
        <>
          <div className="field">
            <label htmlFor={fieldId('promo_code.promo_type')}>Discount</label>
            <select
              id={fieldId('promo_code.promo_type')}
              name="promo_code.promo_type"
              data-testid="setting-promo_type"
              value={form.promo_type}
              onChange={(event) => update({ promo_type: event.target.value as SettingsForm['promo_type'] }, ['promo_code'])}
            >
              <option value="percentage">A percentage off</option>
              <option value="flat_amount">An amount off</option>
            </select>
          </div>
          <div className="row-fields">
            {form.promo_type === 'percentage' ? (
              <PromoInput field="promo_percent_off" label="Off" suffix="%" />
            ) : (
              <>
                <PromoInput field="promo_amount_off" label="Off" />
                <PromoInput field="promo_currency" label="Currency" hint="Applies to members paying in this currency only." />
              </>
            )}
            <PromoInput field="promo_duration_months" label="For" suffix="months" />
            <PromoInput field="promo_valid_days" label="Valid for" suffix="days" />
          </div>
          <p className="hint">
            Each case gets its own single-use code, created at Whop once, for the member's product. It costs nothing until a payment uses it; then the discount counts as the incentive's cost. Mention it in your messages with {'{promo_code}'} and {'{promo_offer}'}.
          </p>
        </>
      )}
      <SaveOffersSettings />
    </fieldset>
  );
}

/**
 * The offers a scheduled cancellation gets (issue #15 §2), collapsed: "too expensive" always gets a
 * code on the promo terms above, "not using it" free days or a pause, any other reason the
 * creator's message.
 */
function SaveOffersSettings() {
  const { form, update, errorsFor } = useSettingsForm();
  const pauseErrors = errorsFor('save_offers.pause_days');
  const messageErrors = errorsFor('save_offers.message');
  return (
    <details data-testid="settings-save-offers">
      <summary>Save offers (members who scheduled a cancellation)</summary>
      <p className="hint">
        “Too expensive” gets a single-use promo code on the terms above, created at Whop once per case. The offers’ words, per channel and on the offer page, are in the Save offers
        card under Messages.
      </p>
      <div className="row-fields">
        <div className="field">
          <label htmlFor={fieldId('save_offers.unused')}>“Not using it” gets</label>
          <select
            id={fieldId('save_offers.unused')}
            name="save_offers.unused"
            data-testid="setting-save_unused"
            value={form.save_unused}
            onChange={(event) => update({ save_unused: event.target.value as SettingsForm['save_unused'] }, ['save_offers.unused'])}
          >
            <option value="free_days">Free days (as above)</option>
            <option value="pause">A pause of the billing</option>
          </select>
        </div>
        {form.save_unused === 'pause' && (
          <div className="field">
            <label htmlFor={fieldId('save_offers.pause_days')}>Pause for</label>
            <div className="input-with-suffix">
              <input
                id={fieldId('save_offers.pause_days')}
                name="save_offers.pause_days"
                data-testid="setting-save_pause_days"
                type="text"
                inputMode="numeric"
                value={form.save_pause_days}
                onChange={(event) => update({ save_pause_days: event.target.value }, ['save_offers.pause_days'])}
                {...describedBy('save_offers.pause_days', pauseErrors, true)}
              />
              <span className="suffix">days</span>
            </div>
            <p className="hint" id={`${fieldId('save_offers.pause_days')}-hint`}>
              7–90 days. The member keeps access and is not charged; Whop resumes billing by itself (memberships Whop bills only). The save counts 30 days after billing resumes.
            </p>
            <FieldErrors field="save_offers.pause_days" messages={pauseErrors} />
          </div>
        )}
      </div>
      <div className="field">
        <label htmlFor={fieldId('save_offers.message')}>Your message for any other reason</label>
        <textarea
          id={fieldId('save_offers.message')}
          name="save_offers.message"
          data-testid="setting-save_message"
          rows={2}
          maxLength={500}
          value={form.save_message}
          onChange={(event) => update({ save_message: event.target.value }, ['save_offers.message'])}
          {...describedBy('save_offers.message', messageErrors, true)}
        />
        <p className="hint" id={`${fieldId('save_offers.message')}-hint`}>
          Up to 500 characters, shown in your name; empty uses a short default note.
        </p>
        <FieldErrors field="save_offers.message" messages={messageErrors} />
      </div>
    </details>
  );
}
