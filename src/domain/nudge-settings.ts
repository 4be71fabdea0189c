import { z } from 'zod';
import { DECLINE_CATEGORIES, type DeclineCategory } from './decline-variant.ts';
import { DEFAULT_PLAYBOOKS } from './playbook.ts';
import { CHANNELS, channelToggle, type Channel, type ChannelToggle } from './channels.ts';
import { TEMPLATE_MAX_LENGTH, TEMPLATE_PARTS, TEMPLATE_REASONS, findTemplateProblems, type TemplateReason } from './message-template.ts';
import type { PromoTerms } from './promo-code.ts';
import type { SaveOfferKind } from './save-case.ts';
import { findSaveOfferTextProblems, SAVE_OFFER_KINDS, SAVE_OFFER_MAX_LENGTH, SAVE_OFFER_PARTS, SAVE_OFFER_SURFACES, type SaveOfferCustomTemplates, type SaveOfferSurface } from './save-offer-template.ts';
import { INCENTIVE_DAYS_CHOICES, MAX_OFFSET_DAYS, MAX_NUDGES, SETTING_RANGES } from './settings-limits.ts';
import { findVariantTestProblems, variantTestSchema } from './variant-test.ts';

/**
 * A company's outreach settings: which channels nudge, when, with which incentive and copy.
 * Stored as one immutable revision per save (company_settings.version); a case keeps the
 * revision it opened with, so editing settings never changes a case already running.
 */

// The limits live in settings-limits.ts (no zod) so the dashboard imports the same numbers.
export { INCENTIVE_DAYS_CHOICES, MAX_OFFSET_DAYS, MAX_NUDGES, SETTING_RANGES, type IncentiveDays } from './settings-limits.ts';

/** Limits of a promo code's terms (issue #15 §3). Whop's own bounds are wider; these keep an offer sane. */
export const PROMO_LIMITS = { percentOff: [1, 100], amountOffCents: [1, 100_000_00], durationMonths: [1, 36], validDays: [1, 90] } as const;

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
const nudgeOffsetsDays = z
  .array(wholeNumber('days', 0, MAX_OFFSET_DAYS), { error: 'must be a list of day offsets, e.g. [0, 2, 4]' })
  .min(1, { error: 'must list at least one reminder' })
  .max(MAX_NUDGES, { error: `must list at most ${MAX_NUDGES} reminders` })
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

/**
 * The promo code a case's first nudge offers when `incentive_type` is `promo_code`: percent or a
 * flat amount (minor units of `currency`; it applies to that currency's cases only) off for
 * `duration_months` billing months, redeemable for `valid_days` after it is created.
 */
const promoCodeSchema = z.discriminatedUnion(
  'promo_type',
  [
    z.strictObject({
      promo_type: z.literal('percentage'),
      percent_off: wholeNumber('percent', ...PROMO_LIMITS.percentOff),
      duration_months: wholeNumber('months', ...PROMO_LIMITS.durationMonths),
      valid_days: wholeNumber('days', ...PROMO_LIMITS.validDays),
    }),
    z.strictObject({
      promo_type: z.literal('flat_amount'),
      amount_off_cents: wholeNumber('cents', ...PROMO_LIMITS.amountOffCents),
      currency: z
        .string({ error: 'must be a three-letter currency code such as usd' })
        .regex(/^[A-Za-z]{3}$/, { error: 'must be a three-letter currency code such as usd' })
        .transform((c) => c.toLowerCase()),
      duration_months: wholeNumber('months', ...PROMO_LIMITS.durationMonths),
      valid_days: wholeNumber('days', ...PROMO_LIMITS.validDays),
    }),
  ],
  { error: 'promo_type must be "percentage" or "flat_amount"' },
) as unknown as z.ZodType<PromoTerms, unknown>;

/** A pause shorter than a week is no answer to "not using it"; Whop's longest sensible pause is a quarter. */
export const SAVE_PAUSE_DAYS = { min: 7, max: 90 } as const;
export const SAVE_MESSAGE_MAX_LENGTH = 500;

/** One save-offer text: the nudges' text rules (templateText) with the offer kind's placeholders and link rule. */
function saveOfferText(kind: SaveOfferKind, surface: SaveOfferSurface, part: string, checkSyntax: boolean) {
  const max = SAVE_OFFER_MAX_LENGTH[surface][part]!;
  return z
    .string({ error: 'must be text' })
    .max(max, { error: `must be at most ${max} characters` })
    .superRefine((text, ctx) => {
      if (text.trim() === '') ctx.addIssue({ code: 'custom', message: 'must not be blank (leave it out to use the default)' });
      if (checkSyntax) for (const message of findSaveOfferTextProblems(kind, surface, part, text)) ctx.addIssue({ code: 'custom', message });
    })
    .optional();
}

function saveOfferTemplatesSchema(checkSyntax: boolean) {
  const kind = (k: SaveOfferKind) =>
    z
      .strictObject(Object.fromEntries(SAVE_OFFER_SURFACES.map((surface) => [surface, z.strictObject(Object.fromEntries(SAVE_OFFER_PARTS[surface].map((part) => [part, saveOfferText(k, surface, part, checkSyntax)]))).optional()])))
      .optional();
  return z.strictObject(Object.fromEntries(SAVE_OFFER_KINDS.map((k) => [k, kind(k)]))) as unknown as z.ZodType<SaveOfferCustomTemplates, unknown>;
}

/**
 * How save offers answer Whop's cancel_option (issue #15 §2; domain/save-offer.ts): "too expensive"
 * always gets a promo code on the company's promo_code terms; "not using it" gets free days
 * (incentive_days) or, with `unused: "pause"`, a pause of the billing for `pause_days` (the member
 * keeps access and is not charged; Whop resumes billing by itself); any other reason gets
 * `message`, the creator's own words (a default note when null).
 */
const saveOffersSchema = (checkSyntax: boolean) => z.strictObject({
  unused: z.enum(['free_days', 'pause'], { error: 'must be "free_days" or "pause"' }).default('free_days'),
  pause_days: wholeNumber('days', SAVE_PAUSE_DAYS.min, SAVE_PAUSE_DAYS.max).default(30),
  message: z
    .string({ error: 'must be text or null' })
    .trim()
    .max(SAVE_MESSAGE_MAX_LENGTH, { error: `must be at most ${SAVE_MESSAGE_MAX_LENGTH} characters` })
    .refine((text) => !text.includes('\u0000'), { error: 'must not contain NUL characters' })
    .transform((text) => (text === '' ? null : text))
    .nullable()
    .default(null),
  /** The company's own copy per offer kind, channel and the offer page (issue #15 §4); left out: ours. */
  templates: saveOfferTemplatesSchema(checkSyntax).default(() => ({})),
});
export type SaveOffersSetting = z.output<ReturnType<typeof saveOffersSchema>>;

export const DEFAULT_PROMO_CODE: PromoTerms = Object.freeze({ promo_type: 'percentage', percent_off: 20, duration_months: 3, valid_days: 14 });

function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return timeZone.trim() !== '';
  } catch {
    return false;
  }
}

/** The longest a playbook step may wait after the first failure: the attribution window's maximum. */
export const MAX_STEP_AFTER_HOURS = 60 * 24;

const playbookStepSchema = z.strictObject({
  /** Hours after the first failure (0: at once). */
  after_hours: wholeNumber('hours', 0, MAX_STEP_AFTER_HOURS),
  channels: z
    .array(z.enum(CHANNELS, { error: `must be one of ${CHANNELS.join(', ')}` }), { error: 'must be a list of channels, e.g. ["push", "dm"]' })
    .min(1, { error: 'must list at least one channel' })
    .refine((channels) => new Set(channels).size === channels.length, { error: 'must not list a channel twice' }),
  /** Retry the payment first (skipped for unusable cards, non-retryable payments and while Whop has a retry scheduled). */
  retry_first: z.boolean({ error: 'must be true or false' }).default(false),
  /** Move the step to the next likely payday (the 1st, the 15th, the last business day) at 09:00 local. */
  on_payday: z.boolean({ error: 'must be true or false' }).default(false),
});

/** One category's playbook as a creator writes it; steps come back sorted by after_hours. */
const playbookSchema = z.strictObject({
  steps: z
    .array(playbookStepSchema, { error: 'must be a list of steps' })
    .min(1, { error: 'must list at least one step' })
    .max(MAX_NUDGES, { error: `must list at most ${MAX_NUDGES} steps` })
    .transform((steps) => [...steps].sort((a, b) => a.after_hours - b.after_hours)),
  /** When Whop's cancel time is known, the last step goes this many hours before it. */
  last_step_lead_hours: wholeNumber('hours', SETTING_RANGES.playbook_lead_hours.min, SETTING_RANGES.playbook_lead_hours.max).default(12),
});
export type PlaybookSetting = z.output<typeof playbookSchema>;

const playbooksSchema = z.strictObject(Object.fromEntries(DECLINE_CATEGORIES.map((c) => [c, playbookSchema.optional()])) as Record<DeclineCategory, z.ZodOptional<typeof playbookSchema>>);

const memberCapSchema = z.strictObject({
  /** Most nudges one member gets from this company in the window, across all their cases. */
  max_nudges: wholeNumber('nudges', SETTING_RANGES.member_cap_nudges.min, SETTING_RANGES.member_cap_nudges.max),
  window_hours: wholeNumber('hours', SETTING_RANGES.member_cap_window_hours.min, SETTING_RANGES.member_cap_window_hours.max),
});

const digestSchema = z.strictObject({
  /** The creator's address for the daily digest of new failures and recoveries. */
  email: z.email({ error: 'must be an email address' }),
  /** Hour (UTC) at which the digest is sent. */
  hour_utc: hour.default(8),
});

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
  return z.strictObject(Object.fromEntries(TEMPLATE_REASONS.map((v) => [v, text])) as Record<TemplateReason, typeof text>).optional();
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

type VariantTexts = Partial<Record<TemplateReason, string>>;
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
    reminder_offsets_days: nudgeOffsetsDays.default(() => [0, 2, 4]),
    incentive_type: z.enum(['free_days', 'promo_code'], { error: 'must be "free_days" or "promo_code"' }).default('free_days'),
    incentive_days: z.literal(INCENTIVE_DAYS_CHOICES, { error: `must be one of ${INCENTIVE_DAYS_CHOICES.join(', ')}` }).default(3),
    /** The terms of the code offered when incentive_type is promo_code (kept, unused, otherwise). */
    promo_code: promoCodeSchema.default(() => ({ ...DEFAULT_PROMO_CODE })),
    attribution_window_days: wholeNumber('days', SETTING_RANGES.attribution_window_days.min, SETTING_RANGES.attribution_window_days.max).default(14),
    /** Least time between two nudges of one case, in hours. */
    min_gap_hours: wholeNumber('hours', SETTING_RANGES.min_gap_hours.min, SETTING_RANGES.min_gap_hours.max).default(12),
    /** Local hours in which no nudge is sent; null for none. */
    quiet_hours: quietHoursSchema.nullable().default(null),
    /** When the failed payment is retryable, retry it (payments.retry) before each step's message. */
    retry_payment_first: z.boolean({ error: 'must be true or false' }).default(false),
    /**
     * Share of members (percent, 0–50) held out as the control group: their cases get nothing from
     * us, so the dashboard can measure what Churn Saver adds (issue #12 §3). Default 10: enough for
     * a result within months on a mid-sized company while 90 % of members are still nudged.
     */
    holdout_percent: wholeNumber('percent', SETTING_RANGES.holdout_percent.min, SETTING_RANGES.holdout_percent.max).default(10),
    /**
     * Issue #15 §1: plan each case by its decline category (`playbooks`, else DEFAULT_PLAYBOOKS)
     * inside Whop's retry window, rather than reminder_offsets_days for every case. On by default:
     * stored settings without the key (saved before it existed) read as on too; false keeps the
     * uniform reminder_offsets_days schedule (docs/playbooks.md).
     */
    decline_playbooks: z.boolean({ error: 'must be true or false' }).default(true),
    /** The company's own playbook per decline category; a category left out uses DEFAULT_PLAYBOOKS. */
    playbooks: playbooksSchema.default(() => ({})),
    /** At most this many nudges to one member in a sliding window, across their cases; null for no cap. */
    member_cap: memberCapSchema.nullable().default(null),
    /** A daily digest email to the creator; null for none. */
    digest: digestSchema.nullable().default(null),
    /** The offer a save case makes per cancel reason (issue #15 §2). */
    save_offers: saveOffersSchema(checkTemplateSyntax).default(() => ({ unused: 'free_days' as const, pause_days: 30, message: null, templates: {} })),
    /** The company's own copy; anything left out falls back to DEFAULT_TEMPLATES. */
    templates: templatesSchema(checkTemplateSyntax).default(() => ({})),
    /** A running variant test of one template (variant-test.ts, #15 §5); null when none runs. */
    variant_test: variantTestSchema.nullable().default(null),
  })
  .superRefine(
    (settings, ctx) => {
      for (const problem of findStepProblems(settings)) ctx.addIssue({ code: 'custom', path: problem.path, message: problem.message });
      const reminders = Array.isArray(settings.reminder_offsets_days) ? settings.reminder_offsets_days.length : undefined;
      for (const problem of findVariantTestProblems(settings.variant_test, reminders, checkTemplateSyntax)) ctx.addIssue({ code: 'custom', path: problem.path, message: problem.message });
    },
    { when: (payload) => isRecord(payload.value) },
  );

export const nudgeSettingsSchema = settingsSchema(true);
/** Settings as stored: every rule but template syntax (see templateText). */
const storedNudgeSettingsSchema = settingsSchema(false);

export type NudgeSettings = z.output<typeof nudgeSettingsSchema>;
export type QuietHours = NonNullable<NudgeSettings['quiet_hours']>;
export type IncentiveType = NudgeSettings['incentive_type'];

export interface SettingsProblem {
  /** Dotted path of the offending value, e.g. "reminder_offsets_days.2" or "templates.dm.body.generic". */
  field: string;
  message: string;
}

export type ParseNudgeSettingsResult = { ok: true; settings: NudgeSettings } | { ok: false; problems: SettingsProblem[] };

/**
 * Validates settings as saved by a creator (or read back from company_settings.settings) and lists
 * every problem at once with its field path. Missing fields take their defaults; unknown fields
 * are rejected by name so a typo never silently does nothing. Offsets come back sorted.
 */
export function parseNudgeSettings(input: unknown, options: { stored?: boolean } = {}): ParseNudgeSettingsResult {
  const parsed = (options.stored ? storedNudgeSettingsSchema : nudgeSettingsSchema).safeParse(input);
  if (!parsed.success) return { ok: false, problems: parsed.error.issues.flatMap(toProblems) };
  return { ok: true, settings: parsed.data };
}

/** Defaults of every setting: what a company that never saved settings gets. Frozen: it is shared. */
export const DEFAULT_NUDGE_SETTINGS: NudgeSettings = deepFreeze(nudgeSettingsSchema.parse({}));

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
  // With playbooks on (the default: a missing key is on), a step index names a step of any category's playbook.
  const stepCount = settings.decline_playbooks !== false ? Math.max(offsets.length, ...playbookStepCounts(settings.playbooks)) : offsets.length;
  const problems: { path: string[]; message: string }[] = [];
  for (const channel of CHANNELS) {
    const templates = settings.templates[channel];
    if (!isRecord(templates) || !isRecord(templates.steps)) continue;
    for (const key of Object.keys(templates.steps)) {
      if (STEP_KEY.test(key) && Number(key) >= stepCount)
        problems.push({
          path: ['templates', channel, 'steps', key],
          message: `there is no reminder step ${key}: steps count from 0 and ${stepCount} reminder${stepCount === 1 ? ' is' : 's are'} configured`,
        });
    }
  }
  return problems;
}

/** Steps per category as planned: the company's playbook where written, else the default's. */
function playbookStepCounts(playbooks: unknown): number[] {
  return DECLINE_CATEGORIES.map((c) => {
    const own = isRecord(playbooks) && isRecord(playbooks[c]) && Array.isArray(playbooks[c].steps) ? playbooks[c].steps.length : 0;
    return own > 0 ? own : DEFAULT_PLAYBOOKS[c].steps.length;
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
