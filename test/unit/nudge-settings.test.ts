import { describe, expect, it } from 'vitest';
import {
  DEFAULT_NUDGE_SETTINGS,
  describeSettingsProblems,
  parseNudgeSettings,
  type NudgeSettings,
  type SettingsProblem,
} from '../../src/domain/nudge-settings.ts';

function parsed(input: unknown): NudgeSettings {
  const result = parseNudgeSettings(input);
  if (!result.ok) throw new Error(`expected valid settings, got ${JSON.stringify(result.problems)}`);
  return result.settings;
}

function problemsOf(input: unknown): SettingsProblem[] {
  const result = parseNudgeSettings(input);
  if (result.ok) throw new Error('expected problems, settings were accepted');
  return result.problems;
}

describe('outreach settings defaults', () => {
  it('a company that never saved settings plans by decline playbook (days 0, 2 and 4 when off), on every channel, 12 hours apart, with 3 free days', () => {
    expect(DEFAULT_NUDGE_SETTINGS).toEqual({
      enable_push: true,
      enable_dm: true,
      enable_email: true,
      reminder_offsets_days: [0, 2, 4],
      incentive_type: 'free_days',
      incentive_days: 3,
      promo_code: { promo_type: 'percentage', percent_off: 20, duration_months: 3, valid_days: 14 },
      attribution_window_days: 14,
      min_gap_hours: 12,
      quiet_hours: null,
      retry_payment_first: false,
      holdout_percent: 10,
      decline_playbooks: true,
      playbooks: {},
      member_cap: null,
      digest: null,
      save_offers: { unused: 'free_days', pause_days: 30, message: null, templates: {} },
      templates: {},
      variant_test: null,
    });
  });

  it.each([[-1], [51], [2.5], ['10']])('holdout_percent %j is refused, naming the field (0–50 whole percent)', (value) => {
    const parsed = parseNudgeSettings({ holdout_percent: value });
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.problems.map((p) => p.field)).toEqual(['holdout_percent']);
  });

  it('an empty settings row (the column default {}) reads as the defaults', () => {
    expect(parsed({})).toEqual(DEFAULT_NUDGE_SETTINGS);
  });

  it('the shared defaults cannot be changed by accident', () => {
    expect(() => DEFAULT_NUDGE_SETTINGS.reminder_offsets_days.push(9)).toThrow(TypeError);
    expect(DEFAULT_NUDGE_SETTINGS.reminder_offsets_days).toEqual([0, 2, 4]);
  });

  it('parsing twice never shares the default offsets between companies', () => {
    const a = parsed({});
    a.reminder_offsets_days.push(9);
    expect(parsed({}).reminder_offsets_days).toEqual([0, 2, 4]);
  });
});

describe('accepted outreach settings', () => {
  it.each<[title: string, input: Record<string, unknown>, expected: Partial<NudgeSettings>]>([
    ['reminders entered out of order are stored sorted', { reminder_offsets_days: [7, 0, 3] }, { reminder_offsets_days: [0, 3, 7] }],
    ['a single reminder on the day of the failure is enough', { reminder_offsets_days: [0] }, { reminder_offsets_days: [0] }],
    ['ten reminders up to day 30 are allowed', { reminder_offsets_days: [30, 0, 1, 2, 3, 4, 5, 6, 7, 8] }, { reminder_offsets_days: [0, 1, 2, 3, 4, 5, 6, 7, 8, 30] }],
    ['no incentive (0 days) is a valid choice', { incentive_days: 0 }, { incentive_days: 0 }],
    ['a 30-day incentive is a valid choice', { incentive_days: 30 }, { incentive_days: 30 }],
    ['a promo code incentive is a valid choice', { incentive_type: 'promo_code' }, { incentive_type: 'promo_code' }],
    ['save offers may pause "not using it" members for 7 to 90 days', { save_offers: { unused: 'pause', pause_days: 90 } }, { save_offers: { unused: 'pause', pause_days: 90, message: null, templates: {} } }],
    ['the creator’s save message is trimmed; blank is none', { save_offers: { message: '  Stay, new lessons Friday.  ' } }, { save_offers: { unused: 'free_days', pause_days: 30, message: 'Stay, new lessons Friday.', templates: {} } }],
    ['a blank save message reads as none', { save_offers: { message: '   ' } }, { save_offers: { unused: 'free_days', pause_days: 30, message: null, templates: {} } }],
    ['nudges may follow each other without a gap', { min_gap_hours: 0 }, { min_gap_hours: 0 }],
    ['a one-week gap is the longest allowed', { min_gap_hours: 168 }, { min_gap_hours: 168 }],
    ['the attribution window may be 1 to 60 days', { attribution_window_days: 60 }, { attribution_window_days: 60 }],
    ['only email can be enabled', { enable_push: false, enable_dm: false }, { enable_push: false, enable_dm: false, enable_email: true }],
    ['retrying the payment before each message can be switched on', { retry_payment_first: true }, { retry_payment_first: true }],
    [
      'quiet hours that wrap midnight are accepted',
      { quiet_hours: { start_hour: 22, end_hour: 7, timezone: 'America/New_York' } },
      { quiet_hours: { start_hour: 22, end_hour: 7, timezone: 'America/New_York' } },
    ],
    [
      'a time zone typed in lowercase is stored with its canonical spelling',
      { quiet_hours: { start_hour: 22, end_hour: 7, timezone: 'europe/berlin' } },
      { quiet_hours: { start_hour: 22, end_hour: 7, timezone: 'Europe/Berlin' } },
    ],
    ['quiet hours can be switched off with null', { quiet_hours: null }, { quiet_hours: null }],
    [
      'custom copy for one variant, and for one step, is kept as written',
      { templates: { email: { subject: { card_expired: 'Your card for {product} expired' }, steps: { '2': { body: { generic: 'Last reminder: {manage_url}' } } } } } },
      { templates: { email: { subject: { card_expired: 'Your card for {product} expired' }, steps: { '2': { body: { generic: 'Last reminder: {manage_url}' } } } } } },
    ],
  ])('%s', (_title, input, expected) => {
    expect(parsed(input)).toMatchObject(expected);
  });
});

describe('rejected outreach settings name the field at fault', () => {
  it.each<[title: string, input: unknown, field: string, message: RegExp]>([
    ['a misspelt setting is rejected by name, never silently ignored', { enable_sms: true }, 'enable_sms', /unknown setting/],
    ['a reminder on day 31 is rejected', { reminder_offsets_days: [0, 2, 31] }, 'reminder_offsets_days.2', /at most 30 days/],
    ['a reminder on a negative day is rejected', { reminder_offsets_days: [-1] }, 'reminder_offsets_days.0', /at least 0 days/],
    ['a reminder on day 1.5 is rejected', { reminder_offsets_days: [0, 1.5] }, 'reminder_offsets_days.1', /whole number of days/],
    ['two reminders on the same day are rejected naming the duplicate', { reminder_offsets_days: [0, 2, 2] }, 'reminder_offsets_days.2', /day 2 is already listed at position 1/],
    ['no reminders at all is rejected', { reminder_offsets_days: [] }, 'reminder_offsets_days', /at least one reminder/],
    ['eleven reminders are rejected', { reminder_offsets_days: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10] }, 'reminder_offsets_days', /at most 10 reminders/],
    ['offsets as a string are rejected', { reminder_offsets_days: '0,2,4' }, 'reminder_offsets_days', /list of day offsets/],
    ['a 5-day incentive is not one of the choices', { incentive_days: 5 }, 'incentive_days', /one of 0, 1, 3, 7, 14, 30/],
    ['an unknown incentive type is rejected', { incentive_type: 'discount' }, 'incentive_type', /"free_days" or "promo_code"/],
    ['an unknown "not using it" offer is rejected', { save_offers: { unused: 'discount' } }, 'save_offers.unused', /"free_days" or "pause"/],
    ['a 3-day pause is too short to answer "not using it"', { save_offers: { pause_days: 3 } }, 'save_offers.pause_days', /at least 7 days/],
    ['a save message over 500 characters is rejected', { save_offers: { message: 'x'.repeat(501) } }, 'save_offers.message', /at most 500 characters/],
    ['an attribution window of 0 days is rejected', { attribution_window_days: 0 }, 'attribution_window_days', /at least 1 days/],
    ['an attribution window of 61 days is rejected', { attribution_window_days: 61 }, 'attribution_window_days', /at most 60 days/],
    ['a gap of more than a week is rejected', { min_gap_hours: 169 }, 'min_gap_hours', /at most 168 hours/],
    ['a channel switch given as "yes" is rejected', { enable_push: 'yes' }, 'enable_push', /true or false/],
    ['a quiet hour of 24 is rejected', { quiet_hours: { start_hour: 22, end_hour: 24, timezone: 'UTC' } }, 'quiet_hours.end_hour', /hour from 0 to 23/],
    ['an unknown time zone is rejected', { quiet_hours: { start_hour: 22, end_hour: 7, timezone: 'Mars/Olympus_Mons' } }, 'quiet_hours.timezone', /IANA time zone/],
    ['an empty time zone is rejected', { quiet_hours: { start_hour: 22, end_hour: 7, timezone: '' } }, 'quiet_hours.timezone', /IANA time zone/],
    ['quiet hours starting and ending at the same hour are rejected', { quiet_hours: { start_hour: 8, end_hour: 8, timezone: 'UTC' } }, 'quiet_hours.end_hour', /must differ/],
    ['quiet hours without a time zone are rejected', { quiet_hours: { start_hour: 22, end_hour: 7 } }, 'quiet_hours.timezone', /IANA time zone/],
    ['an unknown quiet-hours field is rejected by name', { quiet_hours: { start_hour: 22, end_hour: 7, timezone: 'UTC', days: [] } }, 'quiet_hours.days', /unknown setting/],
    [
      'unknown placeholder {coupon} is rejected naming the template',
      { templates: { email: { subject: { card_expired: 'Use {coupon} now' } } } },
      'templates.email.subject.card_expired',
      /^unknown placeholder \{coupon\}$/,
    ],
    [
      'an unclosed {amount is refused naming the template and the placeholder',
      { templates: { email: { body: { generic: 'Your {amount payment failed: {manage_url}' } } } },
      'templates.email.body.generic',
      /^malformed placeholder \{amount: it is never closed with \}; write \{amount\}$/,
    ],
    ['a blank DM template is rejected (leave it out to use the default)', { templates: { dm: { body: { generic: '   ' } } } }, 'templates.dm.body.generic', /must not be blank/],
    ['an unclosed optional section is rejected', { templates: { push: { body: { generic: 'Hi [[ {incentive_days} days' } } } }, 'templates.push.body.generic', /never closed/],
    ['a push has no subject', { templates: { push: { subject: { generic: 'x' } } } }, 'templates.push.subject', /unknown setting/],
    ['a DM has no title', { templates: { dm: { title: { generic: 'x' } } } }, 'templates.dm.title', /unknown setting/],
    ['an unknown decline variant is rejected', { templates: { email: { body: { fraud: 'x {manage_url}' } } } }, 'templates.email.body.fraud', /unknown setting/],
    ['an unknown channel is rejected', { templates: { sms: {} } }, 'templates.sms', /unknown setting/],
    ['an email subject longer than 200 characters is rejected', { templates: { email: { subject: { generic: 'x'.repeat(201) } } } }, 'templates.email.subject.generic', /at most 200 characters/],
    ['a step named "first" is rejected', { templates: { email: { steps: { first: {} } } } }, 'templates.email.steps.first', /0-based reminder step/],
    [
      'copy for step 3 with three reminders (steps 0–2) is rejected: it would never be sent',
      { templates: { email: { steps: { '3': { body: { generic: 'x {manage_url}' } } } } } },
      'templates.email.steps.3',
      /no reminder step 3: steps count from 0 and 3 reminders are configured/,
    ],
    [
      'an unknown placeholder in step-specific copy names the step',
      { templates: { dm: { steps: { '1': { body: { card_declined: 'Hi {first_name}' } } } } } },
      'templates.dm.steps.1.body.card_declined',
      /unknown placeholder \{first_name\}/,
    ],
    ['settings that are not an object are rejected', 'enable_push=true', '', /must be an object/],
    ['null settings are rejected', null, '', /must be an object/],
  ])('%s', (_title, input, field, message) => {
    const problems = problemsOf(input);
    expect(problems).toContainEqual({ field, message: expect.stringMatching(message) });
  });

  it('every problem is listed at once, each with its field', () => {
    const problems = problemsOf({
      reminder_offsets_days: [0, 4, 4, 40],
      incentive_days: 2,
      enable_sms: true,
      quiet_hours: { start_hour: 22, end_hour: 7, timezone: 'Nowhere/City' },
      templates: {
        email: { subject: { card_expired: '{coupon} inside' }, steps: { '7': { body: { generic: '{manage_url}' } } } },
        dm: { body: { generic: 'Hi {first_name} {coupon}' } },
      },
    });
    expect(describeSettingsProblems(problems).sort()).toEqual(
      [
        'reminder_offsets_days.2: day 4 is already listed at position 1; reminders must be on distinct days',
        'reminder_offsets_days.3: must be at most 30 days',
        'incentive_days: must be one of 0, 1, 3, 7, 14, 30',
        'enable_sms: unknown setting',
        'quiet_hours.timezone: must be an IANA time zone such as America/New_York',
        'templates.email.subject.card_expired: unknown placeholder {coupon}',
        'templates.email.steps.7: there is no reminder step 7: steps count from 0 and 4 reminders are configured',
        'templates.dm.body.generic: unknown placeholder {first_name}',
        'templates.dm.body.generic: unknown placeholder {coupon}',
      ].sort(),
    );
  });

  it('a problem outside any field reads without a field prefix', () => {
    expect(describeSettingsProblems(problemsOf(42))).toEqual(['settings must be an object']);
  });
});

describe('settings saved before a template rule existed', () => {
  const saved = { enable_push: false, reminder_offsets_days: [1, 3], templates: { email: { body: { generic: 'Your {amount payment failed: {manage_url}' } } } };

  it('are refused when saved again: the unclosed {amount is named', () => {
    const parsed = parseNudgeSettings(saved);
    expect(parsed.ok).toBe(false);
  });

  it('still read back as the creator saved them (not the defaults), template text as written', () => {
    const parsed = parseNudgeSettings(saved, { stored: true });
    expect(parsed.ok && parsed.settings).toMatchObject({ enable_push: false, reminder_offsets_days: [1, 3], templates: { email: { body: { generic: 'Your {amount payment failed: {manage_url}' } } } });
  });

  it('other problems in a stored row are still problems', () => {
    expect(parseNudgeSettings({ ...saved, incentive_days: 5 }, { stored: true }).ok).toBe(false);
  });
});
