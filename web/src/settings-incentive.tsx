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
    </fieldset>
  );
}
