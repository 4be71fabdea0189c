import type { Channel, ChannelTemplates, DeclineCategory, PlaybookSetting, PlaybookStep, Settings, SettingsProblem, TemplateParts, TemplateReason } from './types.ts';
import { CHANNELS, DECLINE_CATEGORIES, TEMPLATE_REASONS } from './types.ts';
import { channelTogglesOf, type ChannelToggle } from '../../src/domain/channels.ts';
import { formatMinorUnits, toMinorUnits } from '../../src/domain/money.ts';
import { findTemplateProblems, TEMPLATE_MAX_LENGTH as DOMAIN_TEMPLATE_MAX_LENGTH, TEMPLATE_PARTS as DOMAIN_TEMPLATE_PARTS } from '../../src/domain/message-template.ts';
import type { SaveOfferKind } from '../../src/domain/save-case.ts';
import { findSaveOfferTextProblems, SAVE_OFFER_KINDS, SAVE_OFFER_MAX_LENGTH, SAVE_OFFER_PARTS, SAVE_OFFER_SURFACES, type SaveOfferCustomTemplates, type SaveOfferSurface } from '../../src/domain/save-offer-template.ts';
import { INCENTIVE_DAYS_CHOICES, MAX_OFFSET_DAYS, MAX_NUDGES, SETTING_RANGES } from '../../src/domain/settings-limits.ts';

/**
 * The settings form as strings and flags (what inputs hold), its conversion to and from the API's
 * settings object, and the client-side checks. Field keys are the API's dotted problem paths
 * ("reminder_offsets_days", "quiet_hours.timezone", "templates.email.subject.card_expired",
 * "templates.dm.steps.1.body.generic"), so the server's problems land on the same inputs.
 */

export { INCENTIVE_DAYS_CHOICES, MAX_OFFSET_DAYS, MAX_NUDGES } from '../../src/domain/settings-limits.ts';
/** PROMO_LIMITS of src/domain/nudge-settings.ts, as ranges (the server checks again). */
const PROMO_RANGES = { percentOff: { min: 1, max: 100 }, durationMonths: { min: 1, max: 36 }, validDays: { min: 1, max: 90 } } as const;

/** The server's template parts and length limits (src/domain/message-template.ts), keyed by plain part names for the form. */
export const TEMPLATE_PARTS: Readonly<Record<Channel, readonly string[]>> = DOMAIN_TEMPLATE_PARTS;
export const TEMPLATE_MAX_LENGTH: Readonly<Record<Channel, Readonly<Record<string, number>>>> = DOMAIN_TEMPLATE_MAX_LENGTH;

export interface SettingsForm extends Record<ChannelToggle, boolean> {
  reminder_offsets_days: string;
  incentive_days: string;
  incentive_type: 'free_days' | 'promo_code';
  promo_type: 'percentage' | 'flat_amount';
  promo_percent_off: string;
  /** Major units ("5.00"), converted to minor units of promo_currency on save. */
  promo_amount_off: string;
  promo_currency: string;
  promo_duration_months: string;
  promo_valid_days: string;
  attribution_window_days: string;
  min_gap_hours: string;
  holdout_percent: string;
  quiet_enabled: boolean;
  quiet_start: string;
  quiet_end: string;
  quiet_timezone: string;
  retry_payment_first: boolean;
  /** Custom copy by field key; an empty string means "use the default". */
  templates: Record<string, string>;
  decline_playbooks: boolean;
  /** One text per category, one step a line ("24h push email retry"); empty means our default playbook. */
  playbooks: Record<DeclineCategory, string>;
  /** Hours before Whop's cancel for each category's last step, as typed. */
  playbook_leads: Record<DeclineCategory, string>;
  member_cap_enabled: boolean;
  member_cap_max: string;
  member_cap_hours: string;
  digest_enabled: boolean;
  digest_email: string;
  digest_hour: string;
  /** save_offers (issue #15 §2): the "not using it" offer, the pause's days, the creator's message. */
  save_unused: 'free_days' | 'pause';
  save_pause_days: string;
  save_message: string;
  /** Save-offer copy by field key ("save_offers.templates.free_days.email.subject"); empty means our default. */
  save_templates: Record<string, string>;
}

/** A playbook's steps as the form shows them: one line per step, "<hours>h <channels> [retry] [payday]". */
export function formatPlaybookSteps(steps: readonly PlaybookStep[]): string {
  return steps.map((s) => [`${s.after_hours}h`, ...s.channels, ...(s.retry_first ? ['retry'] : []), ...(s.on_payday ? ['payday'] : [])].join(' ')).join('\n');
}

/** The steps of a playbook text, or the problems of its lines (1-based line numbers). */
export function parsePlaybookSteps(text: string): { ok: true; steps: PlaybookStep[] } | { ok: false; problems: string[] } {
  const steps: PlaybookStep[] = [];
  const problems: string[] = [];
  text.split('\n').forEach((line, i) => {
    const tokens = line.trim().toLowerCase().split(/[\s,]+/).filter((t) => t !== '');
    if (tokens.length === 0) return;
    const hours = /^(\d+)h?$/.exec(tokens[0]!);
    const step: PlaybookStep = { after_hours: hours ? Number(hours[1]) : Number.NaN, channels: [], retry_first: false, on_payday: false };
    if (!hours) problems.push(`Line ${i + 1}: start with the hours after the failure, e.g. "24h".`);
    for (const token of tokens.slice(1)) {
      if ((CHANNELS as readonly string[]).includes(token)) step.channels.push(token as Channel);
      else if (token === 'retry') step.retry_first = true;
      else if (token === 'payday') step.on_payday = true;
      else problems.push(`Line ${i + 1}: "${token}" is not a channel (push, dm, email), "retry" or "payday".`);
    }
    if (step.channels.length === 0) problems.push(`Line ${i + 1}: name at least one channel (push, dm, email).`);
    steps.push(step);
  });
  if (steps.length > MAX_NUDGES) problems.push(`At most ${MAX_NUDGES} steps.`);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, steps };
}

function byCategory<T>(make: (category: DeclineCategory) => T): Record<DeclineCategory, T> {
  return Object.fromEntries(DECLINE_CATEGORIES.map((c) => [c, make(c)])) as Record<DeclineCategory, T>;
}

export function templateKey(channel: Channel, part: string, variant: TemplateReason, step?: number): string {
  return step === undefined ? `templates.${channel}.${part}.${variant}` : `templates.${channel}.steps.${step}.${part}.${variant}`;
}

export function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

export function toForm(settings: Settings): SettingsForm {
  const templates: Record<string, string> = {};
  for (const channel of CHANNELS) {
    const own = settings.templates?.[channel];
    if (!own) continue;
    collectParts(templates, channel, own, undefined);
    for (const [step, parts] of Object.entries(own.steps ?? {})) if (/^\d+$/.test(step)) collectParts(templates, channel, parts, Number(step));
  }
  return {
    ...channelTogglesOf(settings),
    reminder_offsets_days: settings.reminder_offsets_days.join(', '),
    incentive_days: String(settings.incentive_days),
    incentive_type: settings.incentive_type === 'promo_code' ? 'promo_code' : 'free_days',
    ...promoFormOf(settings.promo_code),
    attribution_window_days: String(settings.attribution_window_days),
    min_gap_hours: String(settings.min_gap_hours),
    holdout_percent: String(settings.holdout_percent ?? 10),
    quiet_enabled: settings.quiet_hours !== null,
    quiet_start: String(settings.quiet_hours?.start_hour ?? 22),
    quiet_end: String(settings.quiet_hours?.end_hour ?? 8),
    quiet_timezone: settings.quiet_hours?.timezone ?? browserTimeZone(),
    retry_payment_first: settings.retry_payment_first,
    templates,
    decline_playbooks: settings.decline_playbooks ?? true,
    playbooks: byCategory((c) => (settings.playbooks?.[c] ? formatPlaybookSteps(settings.playbooks[c].steps) : '')),
    playbook_leads: byCategory((c) => String(settings.playbooks?.[c]?.last_step_lead_hours ?? 12)),
    member_cap_enabled: (settings.member_cap ?? null) !== null,
    member_cap_max: String(settings.member_cap?.max_nudges ?? 2),
    member_cap_hours: String(settings.member_cap?.window_hours ?? 24),
    digest_enabled: (settings.digest ?? null) !== null,
    digest_email: settings.digest?.email ?? '',
    digest_hour: String(settings.digest?.hour_utc ?? 8),
    save_unused: settings.save_offers?.unused === 'pause' ? 'pause' : 'free_days',
    save_pause_days: String(settings.save_offers?.pause_days ?? 30),
    save_message: settings.save_offers?.message ?? '',
    save_templates: saveOfferTextsOf(settings.save_offers?.templates),
  };
}

function promoFormOf(promo: Settings['promo_code']) {
  const flat = promo?.promo_type === 'flat_amount';
  return {
    promo_type: flat ? ('flat_amount' as const) : ('percentage' as const),
    promo_percent_off: String(promo?.promo_type === 'percentage' ? promo.percent_off : 20),
    promo_amount_off: flat ? formatMinorUnits(promo.amount_off_cents, promo.currency) : '',
    promo_currency: flat ? promo.currency : 'usd',
    promo_duration_months: String(promo?.duration_months ?? 3),
    promo_valid_days: String(promo?.valid_days ?? 14),
  };
}

/** The promo terms to PUT; a flat amount the form cannot read becomes NaN, which the server names. */
function promoSettingsOf(form: SettingsForm): NonNullable<Settings['promo_code']> {
  const common = { duration_months: wholeNumber(form.promo_duration_months), valid_days: wholeNumber(form.promo_valid_days) };
  if (form.promo_type === 'percentage') return { promo_type: 'percentage', percent_off: wholeNumber(form.promo_percent_off), ...common };
  const currency = form.promo_currency.trim().toLowerCase();
  let cents = Number.NaN;
  try {
    cents = toMinorUnits(form.promo_amount_off.trim(), currency || 'usd');
  } catch {}
  return { promo_type: 'flat_amount', amount_off_cents: cents, currency, ...common };
}

function collectParts(into: Record<string, string>, channel: Channel, parts: TemplateParts, step: number | undefined): void {
  for (const part of TEMPLATE_PARTS[channel]) {
    const byVariant = parts[part];
    if (!byVariant || typeof byVariant !== 'object') continue;
    for (const variant of TEMPLATE_REASONS) {
      const text = byVariant[variant];
      if (typeof text === 'string') into[templateKey(channel, part, variant, step)] = text;
    }
  }
}

/** A whole number from an input, or NaN for anything else (blank, "2.5", "abc"). */
function wholeNumber(text: string): number {
  const trimmed = text.trim();
  return /^-?\d+$/.test(trimmed) ? Number(trimmed) : Number.NaN;
}

/** "0, 2, 4" → [0, 2, 4]; tokens that are not whole numbers become NaN (validation names them). */
export function parseOffsets(text: string): number[] {
  return text
    .split(/[\s,;]+/)
    .filter((token) => token !== '')
    .map(wholeNumber);
}

/**
 * The settings object to PUT: `base` (the last saved settings) with the form's values over it,
 * so fields this form does not show (incentive_type, anything newer) go back unchanged.
 */
export function toSettings(form: SettingsForm, base: Settings): Settings {
  const offsets = parseOffsets(form.reminder_offsets_days);
  return {
    ...base,
    ...channelTogglesOf(form),
    reminder_offsets_days: [...offsets].sort((a, b) => a - b),
    incentive_days: wholeNumber(form.incentive_days),
    incentive_type: form.incentive_type,
    promo_code: promoSettingsOf(form),
    attribution_window_days: wholeNumber(form.attribution_window_days),
    min_gap_hours: wholeNumber(form.min_gap_hours),
    holdout_percent: wholeNumber(form.holdout_percent),
    quiet_hours: form.quiet_enabled ? { start_hour: wholeNumber(form.quiet_start), end_hour: wholeNumber(form.quiet_end), timezone: form.quiet_timezone.trim() } : null,
    retry_payment_first: form.retry_payment_first,
    templates: buildTemplates(form.templates),
    decline_playbooks: form.decline_playbooks,
    playbooks: buildPlaybooks(form),
    member_cap: form.member_cap_enabled ? { max_nudges: wholeNumber(form.member_cap_max), window_hours: wholeNumber(form.member_cap_hours) } : null,
    digest: form.digest_enabled ? { email: form.digest_email.trim(), hour_utc: wholeNumber(form.digest_hour) } : null,
    save_offers: {
      unused: form.save_unused,
      pause_days: wholeNumber(form.save_pause_days),
      message: form.save_message.trim() === '' ? null : form.save_message.trim(),
      templates: buildSaveOfferTemplates(form.save_templates),
    },
  };
}

/** The categories the creator wrote steps for; an empty text means our default playbook. */
function buildPlaybooks(form: SettingsForm): Partial<Record<DeclineCategory, PlaybookSetting>> {
  const playbooks: Partial<Record<DeclineCategory, PlaybookSetting>> = {};
  for (const category of DECLINE_CATEGORIES) {
    const text = form.playbooks[category] ?? '';
    if (text.trim() === '') continue;
    const parsed = parsePlaybookSteps(text);
    // An unparsable text is caught by validateForm before saving; never send half of it.
    if (parsed.ok) playbooks[category] = { steps: parsed.steps, last_step_lead_hours: wholeNumber(form.playbook_leads[category] ?? '12') };
  }
  return playbooks;
}

/** Non-blank texts only: a blank one means the default copy. */
export function buildTemplates(texts: Record<string, string>): Settings['templates'] {
  const templates: Partial<Record<Channel, ChannelTemplates>> = {};
  for (const [key, text] of Object.entries(texts)) {
    if (text.trim() === '') continue;
    const parts = key.split('.');
    const channel = parts[1] as Channel;
    const own = (templates[channel] ??= {});
    if (parts[2] === 'steps' && parts.length === 6) {
      const [, , , step, part, variant] = parts as [string, string, string, string, string, TemplateReason];
      const steps = (own.steps ??= {});
      const stepParts = (steps[step] ??= {});
      (stepParts[part] ??= {})[variant] = text;
    } else if (parts.length === 4) {
      const [, , part, variant] = parts as [string, string, string, TemplateReason];
      (own[part] ??= {})[variant] = text;
    }
  }
  return templates;
}

/** "save_offers.templates.pause.dm.body": the field key of one save-offer text (the API's problem path). */
export function saveOfferKey(kind: SaveOfferKind, surface: SaveOfferSurface, part: string): string {
  return `save_offers.templates.${kind}.${surface}.${part}`;
}

function saveOfferTextsOf(templates: SaveOfferCustomTemplates | undefined): Record<string, string> {
  const texts: Record<string, string> = {};
  for (const kind of SAVE_OFFER_KINDS)
    for (const surface of SAVE_OFFER_SURFACES)
      for (const part of SAVE_OFFER_PARTS[surface]) {
        const text = (templates?.[kind]?.[surface] as Record<string, unknown> | undefined)?.[part];
        if (typeof text === 'string') texts[saveOfferKey(kind, surface, part)] = text;
      }
  return texts;
}

/** The form with texts put in place by field key: nudge copy ("templates.…") or save-offer copy ("save_offers.templates.…"). */
export function withTexts(form: SettingsForm, texts: Record<string, string>): SettingsForm {
  const templates = { ...form.templates };
  const saveTemplates = { ...form.save_templates };
  for (const [key, text] of Object.entries(texts)) (key.startsWith('save_offers.templates.') ? saveTemplates : templates)[key] = text;
  return { ...form, templates, save_templates: saveTemplates };
}

/** Non-blank save-offer texts only: a blank one means our default. */
export function buildSaveOfferTemplates(texts: Record<string, string>): SaveOfferCustomTemplates {
  const templates: Record<string, Record<string, Record<string, string>>> = {};
  for (const [key, text] of Object.entries(texts)) {
    const [, , kind, surface, part] = key.split('.');
    if (text.trim() === '' || !kind || !surface || !part) continue;
    ((templates[kind] ??= {})[surface] ??= {})[part] = text;
  }
  return templates as SaveOfferCustomTemplates;
}

export type FieldErrors = Record<string, string[]>;

function add(errors: FieldErrors, field: string, message: string): void {
  (errors[field] ??= []).push(message);
}

function isTimeZone(zone: string): boolean {
  if (zone.trim() === '') return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The obvious problems, found before asking the server (which checks everything again). */
export function validateForm(form: SettingsForm, placeholders: readonly string[]): FieldErrors {
  const errors: FieldErrors = {};

  const offsets = parseOffsets(form.reminder_offsets_days);
  if (offsets.length === 0) add(errors, 'reminder_offsets_days', 'List at least one day, e.g. 0, 2, 4.');
  if (offsets.length > MAX_NUDGES) add(errors, 'reminder_offsets_days', `At most ${MAX_NUDGES} reminders.`);
  const bad = offsets.filter((days) => !Number.isInteger(days) || days < 0 || days > MAX_OFFSET_DAYS);
  if (bad.length > 0 || offsets.some(Number.isNaN)) add(errors, 'reminder_offsets_days', `Each day must be a whole number from 0 to ${MAX_OFFSET_DAYS}.`);
  const seen = new Set<number>();
  const repeated = new Set<number>();
  for (const days of offsets) (seen.has(days) ? repeated : seen).add(days);
  if (repeated.size > 0) add(errors, 'reminder_offsets_days', `Each day once: ${[...repeated].join(', ')} is listed twice.`);

  const incentive = wholeNumber(form.incentive_days);
  if (!(INCENTIVE_DAYS_CHOICES as readonly number[]).includes(incentive)) add(errors, 'incentive_days', `Choose one of ${INCENTIVE_DAYS_CHOICES.join(', ')}.`);

  if (form.incentive_type === 'promo_code') {
    if (form.promo_type === 'percentage') checkRange(errors, 'promo_code.percent_off', form.promo_percent_off, PROMO_RANGES.percentOff, 'a whole percent');
    else {
      if (!/^[A-Za-z]{3}$/.test(form.promo_currency.trim())) add(errors, 'promo_code.currency', 'Use a three-letter currency code such as usd.');
      if (!/^\d+(\.\d+)?$/.test(form.promo_amount_off.trim()) || Number(form.promo_amount_off) <= 0) add(errors, 'promo_code.amount_off_cents', 'Enter an amount such as 5.00.');
    }
    checkRange(errors, 'promo_code.duration_months', form.promo_duration_months, PROMO_RANGES.durationMonths, 'a whole number of months');
    checkRange(errors, 'promo_code.valid_days', form.promo_valid_days, PROMO_RANGES.validDays, 'a whole number of days');
  }
  checkRange(errors, 'attribution_window_days', form.attribution_window_days, SETTING_RANGES.attribution_window_days, 'a whole number of days');
  checkRange(errors, 'min_gap_hours', form.min_gap_hours, SETTING_RANGES.min_gap_hours, 'a whole number of hours');
  const holdout = SETTING_RANGES.holdout_percent;
  checkRange(errors, 'holdout_percent', form.holdout_percent, holdout, `a whole percent from ${holdout.min} to ${holdout.max}`);

  if (form.quiet_enabled) {
    checkRange(errors, 'quiet_hours.start_hour', form.quiet_start, SETTING_RANGES.quiet_hour, 'an hour');
    checkRange(errors, 'quiet_hours.end_hour', form.quiet_end, SETTING_RANGES.quiet_hour, 'an hour');
    if (form.quiet_start.trim() !== '' && form.quiet_start.trim() === form.quiet_end.trim()) add(errors, 'quiet_hours.end_hour', 'Start and end must differ.');
    if (!isTimeZone(form.quiet_timezone)) add(errors, 'quiet_hours.timezone', 'Use a time zone name such as America/New_York.');
  }

  for (const category of DECLINE_CATEGORIES) {
    const text = form.playbooks[category] ?? '';
    if (text.trim() === '') continue;
    const parsed = parsePlaybookSteps(text);
    if (!parsed.ok) for (const message of parsed.problems) add(errors, `playbooks.${category}`, message);
    checkRange(errors, `playbooks.${category}.last_step_lead_hours`, form.playbook_leads[category] ?? '', SETTING_RANGES.playbook_lead_hours, 'a whole number of hours');
  }
  if (form.member_cap_enabled) {
    checkRange(errors, 'member_cap.max_nudges', form.member_cap_max, SETTING_RANGES.member_cap_nudges, 'a whole number of nudges');
    checkRange(errors, 'member_cap.window_hours', form.member_cap_hours, SETTING_RANGES.member_cap_window_hours, 'a whole number of hours');
  }
  if (form.digest_enabled) {
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(form.digest_email.trim())) add(errors, 'digest.email', 'Enter the email address the digest goes to.');
    checkRange(errors, 'digest.hour_utc', form.digest_hour, SETTING_RANGES.digest_hour, 'an hour');
  }

  for (const [key, text] of Object.entries(form.save_templates)) {
    if (text.trim() === '') continue;
    const [, , kind, surface, part] = key.split('.') as [string, string, SaveOfferKind, SaveOfferSurface, string];
    const max = SAVE_OFFER_MAX_LENGTH[surface]?.[part];
    if (max !== undefined && text.length > max) add(errors, key, `At most ${max.toLocaleString()} characters (now ${text.length.toLocaleString()}).`);
    for (const message of findSaveOfferTextProblems(kind, surface, part, text)) add(errors, key, `${capitalize(message)}.`);
  }

  // With playbooks on, a step's copy may be for any step a playbook has (the server checks which).
  const nudgeCount = form.decline_playbooks ? MAX_NUDGES : offsets.length;
  for (const [key, text] of Object.entries(form.templates)) {
    if (text.trim() === '') continue;
    const [, channel, second, step, part] = key.split('.') as [string, Channel, string, string?, string?];
    const partName = second === 'steps' ? part! : second;
    const max = TEMPLATE_MAX_LENGTH[channel]?.[partName];
    if (max !== undefined && text.length > max) add(errors, key, `At most ${max.toLocaleString()} characters (now ${text.length.toLocaleString()}).`);
    for (const message of templateProblems(text, placeholders)) add(errors, key, message);
    if (second === 'steps' && step !== undefined && Number(step) >= nudgeCount && nudgeCount > 0)
      add(errors, key, `There is no reminder ${Number(step) + 1}: only ${nudgeCount} ${nudgeCount === 1 ? 'is' : 'are'} configured. Clear this text or add a day.`);
  }
  return errors;
}

function checkRange(errors: FieldErrors, field: string, text: string, { min, max }: { min: number; max: number }, what: string): void {
  const value = wholeNumber(text);
  if (Number.isNaN(value) || value < min || value > max) add(errors, field, `Enter ${what} from ${min} to ${max}.`);
}

/**
 * The server's own template rules (src/domain/message-template.ts, pure and shared), as sentences:
 * unknown placeholders (with the known ones), malformed ones such as an unclosed `{amount`,
 * `{{double braces}}`, unbalanced or nested `[[ ]]`. One rule set, so the form never accepts what
 * the server refuses.
 */
export function templateProblems(text: string, placeholders: readonly string[]): string[] {
  return findTemplateProblems(text).map((problem) => {
    const sentence = `${capitalize(problem)}.`;
    return problem.startsWith('unknown placeholder') ? `${sentence} Use one of ${placeholders.map((p) => `{${p}}`).join(', ')}.` : sentence;
  });
}

/**
 * Places each server problem on the most specific known field its path falls under
 * ("reminder_offsets_days.2" → "reminder_offsets_days"); the rest are returned as unplaced.
 */
export function placeProblems(problems: readonly SettingsProblem[], knownFields: readonly string[]): { byField: FieldErrors; unplaced: SettingsProblem[] } {
  const byField: FieldErrors = {};
  const unplaced: SettingsProblem[] = [];
  for (const problem of problems) {
    let best: string | null = null;
    for (const field of knownFields)
      if ((problem.field === field || problem.field.startsWith(`${field}.`)) && (best === null || field.length > best.length)) best = field;
    if (best === null) unplaced.push(problem);
    else add(byField, best, capitalize(problem.message));
  }
  return { byField, unplaced };
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Steps that have custom copy in `texts` for `channel`. */
export function stepsWithCopy(texts: Record<string, string>, channel: Channel): number[] {
  const steps = new Set<number>();
  const prefix = `templates.${channel}.steps.`;
  for (const [key, text] of Object.entries(texts)) if (key.startsWith(prefix) && text !== '') steps.add(Number(key.slice(prefix.length).split('.')[0]));
  return [...steps].filter(Number.isInteger).sort((a, b) => a - b);
}
