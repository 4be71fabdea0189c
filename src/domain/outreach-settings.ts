import { z } from 'zod';
import { DECLINE_VARIANTS, type DeclineVariant } from './decline-variant.ts';
import { CHANNELS, channelToggle, type Channel, type ChannelToggle } from './channels.ts';
import { TEMPLATE_MAX_LENGTH, TEMPLATE_PARTS, findTemplateProblems } from './message-template.ts';

/**
 * A company's outreach settings: which channels nudge, when, with which incentive and copy.
 * Stored as one immutable revision per save (company_settings.version); a case keeps the
 * revision it opened with, so editing settings never changes a case already running.
 */

/** Free days a creator may offer; 0 means no incentive. */
export const INCENTIVE_DAYS_CHOICES = [0, 1, 3, 7, 14, 30] as const;
export type IncentiveDays = (typeof INCENTIVE_DAYS_CHOICES)[number];

export const MAX_REMINDERS = 10;
export const MAX_OFFSET_DAYS = 30;

// Number.isInteger rather than .int(): .int() aborts the parse of the enclosing object, which
// would hide the cross-field problems (duplicate offsets, unknown steps) until it is fixed.
const wholeNumber = (what: string, min: number, max: number) =>
  z
    .number({ error: `must be a whole number of ${what} from ${min} to ${max}` })
    .refine(Number.isInteger, { error: `must be a whole number of ${what} from ${min} to ${max}` })
    .min(min, { error: `must be at least ${min} ${what}` })
    .max(max, { error: `must be at most ${max} ${what}` });

const hour = z
  .number({ error: 'must be an hour from 0 to 23' })
  .refine(Number.isInteger, { error: 'must be an hour from 0 to 23' })
  .min(0, { error: 'must be an hour from 0 to 23' })
  .max(23, { error: 'must be an hour from 0 to 23' });

/** Offsets are kept sorted so step k is always the k-th reminder in time (templates use k). */
const reminderOffsetsDays = z
  .array(wholeNumber('days', 0, MAX_OFFSET_DAYS), { error: 'must be a list of day offsets, e.g. [0, 2, 4]' })
  .min(1, { error: 'must list at least one reminder' })
  .max(MAX_REMINDERS, { error: `must list at most ${MAX_REMINDERS} reminders` })
  // `when` runs this even when another offset is out of range, so every problem shows at once.
  .superRefine(
    (offsets: unknown[], ctx) => {
      offsets.forEach((days, index) => {
        const first = offsets.indexOf(days);
        if (typeof days === 'number' && first !== index)
          ctx.addIssue({ code: 'custom', path: [index], message: `day ${days} is already listed at position ${first}; reminders must be on distinct days` });
      });
    },
    { when: (payload) => Array.isArray(payload.value) },
  )
  .transform((offsets) => [...offsets].sort((a, b) => a - b));

const quietHoursSchema = z
  .strictObject({
    start_hour: hour,
    end_hour: hour,
    timezone: z
      .string({ error: 'must be an IANA time zone such as America/New_York' })
      .refine(isTimeZone, { error: 'must be an IANA time zone such as America/New_York' })
      // Intl accepts any casing ("america/new_york"); store the canonical spelling.
      .transform((timeZone) => new Intl.DateTimeFormat('en-US', { timeZone }).resolvedOptions().timeZone),
  })
  .refine((q) => q.start_hour !== q.end_hour, { error: 'start_hour and end_hour must differ (equal hours would mean always quiet)', path: ['end_hour'] });

function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return timeZone.trim() !== '';
  } catch {
    return false;
  }
}

/** A 0-based step index: key "0" is the first reminder. Checked against the offsets by findStepProblems. */
const STEP_KEY = /^(?:0|[1-9][0-9]*)$/;

/**
 * `checkSyntax` false reads stored settings: a template saved before a syntax rule existed (an
 * unclosed `{amount` was accepted until #16) must not turn the whole row into the defaults; the
 * renderer leaves such text as written. Saving always checks.
 */
function templateText(maxLength: number, checkSyntax: boolean) {
  return z
    .string({ error: 'must be text' })
    .max(maxLength, { error: `must be at most ${maxLength} characters` })
    .superRefine((text, ctx) => {
      if (text.trim() === '') ctx.addIssue({ code: 'custom', message: 'must not be blank (leave it out to use the default)' });
      if (checkSyntax) for (const message of findTemplateProblems(text)) ctx.addIssue({ code: 'custom', message });
    });
}

function byVariant(maxLength: number, checkSyntax: boolean) {
  const text = templateText(maxLength, checkSyntax).optional();
  return z.strictObject(Object.fromEntries(DECLINE_VARIANTS.map((v) => [v, text])) as Record<DeclineVariant, typeof text>).optional();
}

function channelTemplates<C extends Channel>(channel: C, checkSyntax: boolean) {
  const limits = TEMPLATE_MAX_LENGTH[channel] as Record<string, number>;
  const parts = z.strictObject(Object.fromEntries(TEMPLATE_PARTS[channel].map((part) => [part, byVariant(limits[part]!, checkSyntax)])) as Record<string, ReturnType<typeof byVariant>>);
  return parts
    .extend({
      steps: z
        .record(z.string().regex(STEP_KEY, { error: 'must be a 0-based reminder step such as "0"' }), parts)
        .optional(),
    })
    .optional();
}

type VariantTexts = Partial<Record<DeclineVariant, string>>;
type PartsOf<C extends Channel> = C extends 'email' ? { subject?: VariantTexts; body?: VariantTexts } : C extends 'push' ? { title?: VariantTexts; body?: VariantTexts } : { body?: VariantTexts };
/** Custom copy of one channel: for every step, and optionally per 0-based step index. */
export type ChannelCustomTemplates<C extends Channel> = PartsOf<C> & { steps?: Record<string, PartsOf<C>> };
export type CustomTemplates = { [C in Channel]?: ChannelCustomTemplates<C> };

const templatesSchema = (checkSyntax: boolean) =>
  z.strictObject(Object.fromEntries(CHANNELS.map((c) => [c, channelTemplates(c, checkSyntax)]))) as unknown as z.ZodType<CustomTemplates, unknown>;

/** `enable_push`, `enable_dm`, …: one switch per channel of domain/channels.ts, on by default. */
const booleanToggle = () => z.boolean({ error: 'must be true or false' }).default(true);
const channelToggles = Object.fromEntries(CHANNELS.map((channel) => [channelToggle(channel), booleanToggle()])) as Record<ChannelToggle, ReturnType<typeof booleanToggle>>;

const settingsSchema = (checkTemplateSyntax: boolean) => z
  .strictObject({
    ...channelToggles,
    /** Days after the first failure at which each reminder is due; sorted ascending. */
    reminder_offsets_days: reminderOffsetsDays.default(() => [0, 2, 4]),
    incentive_type: z.enum(['free_days', 'promo_code'], { error: 'must be "free_days" or "promo_code"' }).default('free_days'),
    incentive_days: z.literal(INCENTIVE_DAYS_CHOICES, { error: `must be one of ${INCENTIVE_DAYS_CHOICES.join(', ')}` }).default(3),
    attribution_window_days: wholeNumber('days', 1, 60).default(14),
    /** Least time between two nudges of one case, in hours. */
    min_gap_hours: wholeNumber('hours', 0, 168).default(12),
    /** Local hours in which no nudge is sent; null for none. */
    quiet_hours: quietHoursSchema.nullable().default(null),
    /** When the failed payment is retryable, retry it (payments.retry) before each step's message. */
    retry_payment_first: z.boolean({ error: 'must be true or false' }).default(false),
    /**
     * Share of members (percent, 0–50) held out as the control group: their cases get nothing from
     * us, so the dashboard can measure what Churn Saver adds (issue #12 §3). Ships at 0 in this
     * branch: see docs/metrics.md "Control group" for why the default of 10 waits for a full CI run.
     */
    holdout_percent: wholeNumber('percent', 0, 50).default(0),
    /** The company's own copy; anything left out falls back to DEFAULT_TEMPLATES. */
    templates: templatesSchema(checkTemplateSyntax).default(() => ({})),
  })
  .superRefine(
    (settings, ctx) => {
      for (const problem of findStepProblems(settings)) ctx.addIssue({ code: 'custom', path: problem.path, message: problem.message });
    },
    { when: (payload) => isRecord(payload.value) },
  );

export const outreachSettingsSchema = settingsSchema(true);
/** Settings as stored: every rule but template syntax (see templateText). */
const storedOutreachSettingsSchema = settingsSchema(false);

export type OutreachSettings = z.output<typeof outreachSettingsSchema>;
export type QuietHours = NonNullable<OutreachSettings['quiet_hours']>;
export type IncentiveType = OutreachSettings['incentive_type'];

export interface SettingsProblem {
  /** Dotted path of the offending value, e.g. "reminder_offsets_days.2" or "templates.dm.body.generic". */
  field: string;
  message: string;
}

export type ParseOutreachSettingsResult = { ok: true; settings: OutreachSettings } | { ok: false; problems: SettingsProblem[] };

/**
 * Validates settings as saved by a creator (or read back from company_settings.settings) and lists
 * every problem at once with its field path. Missing fields take their defaults; unknown fields
 * are rejected by name so a typo never silently does nothing. Offsets come back sorted.
 */
export function parseOutreachSettings(input: unknown, options: { stored?: boolean } = {}): ParseOutreachSettingsResult {
  const parsed = (options.stored ? storedOutreachSettingsSchema : outreachSettingsSchema).safeParse(input);
  if (!parsed.success) return { ok: false, problems: parsed.error.issues.flatMap(toProblems) };
  return { ok: true, settings: parsed.data };
}

/** Defaults of every setting: what a company that never saved settings gets. Frozen: it is shared. */
export const DEFAULT_OUTREACH_SETTINGS: OutreachSettings = deepFreeze(outreachSettingsSchema.parse({}));

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** One line per problem, e.g. "templates.email.subject.card_expired: unknown placeholder {coupon}". */
export function describeSettingsProblems(problems: readonly SettingsProblem[]): string[] {
  return problems.map((p) => (p.field === '' ? p.message : `${p.field}: ${p.message}`));
}

function toProblems(issue: z.core.$ZodIssue): SettingsProblem[] {
  const path = issue.path.map(String);
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => ({ field: [...path, key].join('.'), message: 'unknown setting' }));
    case 'invalid_key':
      return [{ field: path.join('.'), message: issue.issues[0]?.message ?? issue.message }];
    case 'invalid_type':
      if (path.length === 0) return [{ field: '', message: 'settings must be an object' }];
      return [{ field: path.join('.'), message: issue.message }];
    default:
      return [{ field: path.join('.'), message: issue.message }];
  }
}

/**
 * Step templates must name a reminder that exists: with offsets [0, 2, 4], steps "0" to "2".
 * A step "3" there is almost always a 1-based count and would never be sent.
 * Reads `settings` defensively: it may still hold invalid values when other fields failed.
 */
function findStepProblems(settings: unknown): { path: string[]; message: string }[] {
  if (!isRecord(settings) || !isRecord(settings.templates)) return [];
  const offsets = settings.reminder_offsets_days;
  if (!Array.isArray(offsets) || offsets.length === 0) return [];
  const problems: { path: string[]; message: string }[] = [];
  for (const channel of CHANNELS) {
    const templates = settings.templates[channel];
    if (!isRecord(templates) || !isRecord(templates.steps)) continue;
    for (const key of Object.keys(templates.steps)) {
      if (STEP_KEY.test(key) && Number(key) >= offsets.length)
        problems.push({
          path: ['templates', channel, 'steps', key],
          message: `there is no reminder step ${key}: steps count from 0 and ${offsets.length} reminder${offsets.length === 1 ? ' is' : 's are'} configured`,
        });
    }
  }
  return problems;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
