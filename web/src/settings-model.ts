import type { Channel, ChannelTemplates, DeclineVariant, Settings, SettingsProblem, TemplateParts } from './types.ts';
import { CHANNELS, DECLINE_VARIANTS } from './types.ts';
import { channelTogglesOf, type ChannelToggle } from '../../src/domain/channels.ts';
import { findTemplateProblems } from '../../src/domain/message-template.ts';

/**
 * The settings form as strings and flags (what inputs hold), its conversion to and from the API's
 * settings object, and the client-side checks. Field keys are the API's dotted problem paths
 * ("reminder_offsets_days", "quiet_hours.timezone", "templates.email.subject.card_expired",
 * "templates.dm.steps.1.body.generic"), so the server's problems land on the same inputs.
 */

export const INCENTIVE_DAYS_CHOICES = [0, 1, 3, 7, 14, 30] as const;
export const MAX_REMINDERS = 10;
export const MAX_OFFSET_DAYS = 30;

export const TEMPLATE_PARTS: Record<Channel, readonly string[]> = {
  push: ['title', 'body'],
  dm: ['body'],
  email: ['subject', 'body'],
};

export const TEMPLATE_MAX_LENGTH: Record<Channel, Record<string, number>> = {
  push: { title: 120, body: 1_000 },
  dm: { body: 4_000 },
  email: { subject: 200, body: 20_000 },
};

export interface SettingsForm extends Record<ChannelToggle, boolean> {
  reminder_offsets_days: string;
  incentive_days: string;
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
}

export function templateKey(channel: Channel, part: string, variant: DeclineVariant, step?: number): string {
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
    attribution_window_days: String(settings.attribution_window_days),
    min_gap_hours: String(settings.min_gap_hours),
    holdout_percent: String(settings.holdout_percent ?? 0),
    quiet_enabled: settings.quiet_hours !== null,
    quiet_start: String(settings.quiet_hours?.start_hour ?? 22),
    quiet_end: String(settings.quiet_hours?.end_hour ?? 8),
    quiet_timezone: settings.quiet_hours?.timezone ?? browserTimeZone(),
    retry_payment_first: settings.retry_payment_first,
    templates,
  };
}

function collectParts(into: Record<string, string>, channel: Channel, parts: TemplateParts, step: number | undefined): void {
  for (const part of TEMPLATE_PARTS[channel]) {
    const byVariant = parts[part];
    if (!byVariant || typeof byVariant !== 'object') continue;
    for (const variant of DECLINE_VARIANTS) {
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
    attribution_window_days: wholeNumber(form.attribution_window_days),
    min_gap_hours: wholeNumber(form.min_gap_hours),
    holdout_percent: wholeNumber(form.holdout_percent),
    quiet_hours: form.quiet_enabled ? { start_hour: wholeNumber(form.quiet_start), end_hour: wholeNumber(form.quiet_end), timezone: form.quiet_timezone.trim() } : null,
    retry_payment_first: form.retry_payment_first,
    templates: buildTemplates(form.templates),
  };
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
      const [, , , step, part, variant] = parts as [string, string, string, string, string, DeclineVariant];
      const steps = (own.steps ??= {});
      const stepParts = (steps[step] ??= {});
      (stepParts[part] ??= {})[variant] = text;
    } else if (parts.length === 4) {
      const [, , part, variant] = parts as [string, string, string, DeclineVariant];
      (own[part] ??= {})[variant] = text;
    }
  }
  return templates;
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
  if (offsets.length > MAX_REMINDERS) add(errors, 'reminder_offsets_days', `At most ${MAX_REMINDERS} reminders.`);
  const bad = offsets.filter((days) => !Number.isInteger(days) || days < 0 || days > MAX_OFFSET_DAYS);
  if (bad.length > 0 || offsets.some(Number.isNaN)) add(errors, 'reminder_offsets_days', `Each day must be a whole number from 0 to ${MAX_OFFSET_DAYS}.`);
  const seen = new Set<number>();
  const repeated = new Set<number>();
  for (const days of offsets) (seen.has(days) ? repeated : seen).add(days);
  if (repeated.size > 0) add(errors, 'reminder_offsets_days', `Each day once: ${[...repeated].join(', ')} is listed twice.`);

  const incentive = wholeNumber(form.incentive_days);
  if (!(INCENTIVE_DAYS_CHOICES as readonly number[]).includes(incentive)) add(errors, 'incentive_days', `Choose one of ${INCENTIVE_DAYS_CHOICES.join(', ')}.`);

  checkRange(errors, 'attribution_window_days', form.attribution_window_days, 1, 60, 'a whole number of days');
  checkRange(errors, 'min_gap_hours', form.min_gap_hours, 0, 168, 'a whole number of hours');
  checkRange(errors, 'holdout_percent', form.holdout_percent, 0, 50, 'a whole percent from 0 to 50');

  if (form.quiet_enabled) {
    checkRange(errors, 'quiet_hours.start_hour', form.quiet_start, 0, 23, 'an hour');
    checkRange(errors, 'quiet_hours.end_hour', form.quiet_end, 0, 23, 'an hour');
    if (form.quiet_start.trim() !== '' && form.quiet_start.trim() === form.quiet_end.trim()) add(errors, 'quiet_hours.end_hour', 'Start and end must differ.');
    if (!isTimeZone(form.quiet_timezone)) add(errors, 'quiet_hours.timezone', 'Use a time zone name such as America/New_York.');
  }

  const reminderCount = offsets.length;
  for (const [key, text] of Object.entries(form.templates)) {
    if (text.trim() === '') continue;
    const [, channel, second, step, part] = key.split('.') as [string, Channel, string, string?, string?];
    const partName = second === 'steps' ? part! : second;
    const max = TEMPLATE_MAX_LENGTH[channel]?.[partName];
    if (max !== undefined && text.length > max) add(errors, key, `At most ${max.toLocaleString()} characters (now ${text.length.toLocaleString()}).`);
    for (const message of templateProblems(text, placeholders)) add(errors, key, message);
    if (second === 'steps' && step !== undefined && Number(step) >= reminderCount && reminderCount > 0)
      add(errors, key, `There is no reminder ${Number(step) + 1}: only ${reminderCount} ${reminderCount === 1 ? 'is' : 'are'} configured. Clear this text or add a day.`);
  }
  return errors;
}

function checkRange(errors: FieldErrors, field: string, text: string, min: number, max: number, what: string): void {
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
