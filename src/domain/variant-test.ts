import { z } from 'zod';
import { DECLINE_VARIANTS, type DeclineVariant } from './decline-variant.ts';
import { CHANNELS, findTemplateProblems, TEMPLATE_MAX_LENGTH, TEMPLATE_PARTS, type Channel } from './message-template.ts';

/**
 * A variant test (issue #15 §5): one template (channel x step x decline variant) runs two approved
 * texts side by side. Variant A is the company's template as it stands; variant B is the text
 * stored here. Members are split at random (assign-test-variant.ts) and the dashboard compares the
 * two recovery rates (kpi-formulas.ts compareTestVariants) until the creator keeps one.
 *
 * "Variant" here is always the A/B arm; the decline variant (decline-variant.ts) is the reason a
 * payment failed, and names which template of the step is tested.
 *
 * This file holds the settings shape and its checks only (imports no settings module, so
 * nudge-settings.ts can embed it); the copy each arm gets is in variant-copy.ts.
 */

export const TEST_VARIANTS = ['a', 'b'] as const;
export type TestVariant = (typeof TEST_VARIANTS)[number];

/** Longest B part accepted before the per-channel limit is checked (the longest channel limit). */
const LONGEST_PART = Math.max(...CHANNELS.flatMap((c) => Object.values(TEMPLATE_MAX_LENGTH[c] as Record<string, number>)));

export const variantTestSchema = z.strictObject({
  /**
   * The settings version that started the test: its identity (cases store it). Set by the server
   * when the test starts (start-variant-test.ts), never by the client.
   */
  started_version: z.number().int().positive().nullable().default(null),
  channel: z.enum(CHANNELS, { error: `must be one of ${CHANNELS.join(', ')}` }),
  /** 0-based reminder step; null tests the copy of every step. */
  step: z
    .number({ error: 'must be a 0-based reminder step or null' })
    .refine(Number.isInteger, { error: 'must be a 0-based reminder step or null' })
    .min(0, { error: 'must be a 0-based reminder step or null' })
    .nullable()
    .default(null),
  decline_variant: z.enum(DECLINE_VARIANTS, { error: `must be one of ${DECLINE_VARIANTS.join(', ')}` }).default('generic'),
  /** Variant B's text, one entry per part of the channel (email: subject and body). */
  b: z.record(z.string(), z.string({ error: 'must be text' }).max(LONGEST_PART, { error: `must be at most ${LONGEST_PART} characters` })),
});

export type VariantTest = z.output<typeof variantTestSchema>;

export interface VariantTestProblem {
  path: string[];
  message: string;
}

/**
 * Checks of a variant test that the shape cannot express: the step exists, B has exactly the
 * channel's parts, each passes the template checks a saved template passes, and every body links
 * {manage_url} (as a draft must). Reads `test` defensively: other fields may still be invalid.
 */
export function findVariantTestProblems(test: unknown, nudgeCount: unknown, checkSyntax: boolean): VariantTestProblem[] {
  if (!isRecord(test) || !(CHANNELS as readonly unknown[]).includes(test.channel) || !isRecord(test.b)) return [];
  const channel = test.channel as Channel;
  const problems: VariantTestProblem[] = [];
  if (typeof test.step === 'number' && typeof nudgeCount === 'number' && test.step >= nudgeCount)
    problems.push({
      path: ['variant_test', 'step'],
      message: `there is no reminder step ${test.step}: steps count from 0 and ${nudgeCount} reminder${nudgeCount === 1 ? ' is' : 's are'} configured (end the variant test before removing its step)`,
    });
  const parts = TEMPLATE_PARTS[channel] as readonly string[];
  const limits = TEMPLATE_MAX_LENGTH[channel] as Readonly<Record<string, number>>;
  for (const key of Object.keys(test.b)) if (!parts.includes(key)) problems.push({ path: ['variant_test', 'b', key], message: `a ${channel} message has no part "${key}" (it has ${parts.join(', ')})` });
  for (const part of parts) {
    const text = test.b[part];
    const path = ['variant_test', 'b', part];
    if (typeof text !== 'string') {
      problems.push({ path, message: `variant B needs its ${part}` });
      continue;
    }
    if (text.trim() === '') problems.push({ path, message: 'must not be blank' });
    if (text.length > limits[part]!) problems.push({ path, message: `must be at most ${limits[part]} characters` });
    if (checkSyntax) for (const message of findTemplateProblems(text)) problems.push({ path, message });
    if (part === 'body' && !/\{\s*manage_url\s*\}/.test(text)) problems.push({ path, message: 'must contain {manage_url}, the link to update the payment' });
  }
  return problems;
}

/** Whether a delivery of `channel` at 0-based `stepIndex` is one the test covers. */
export function isDeliveryInTest(test: Pick<VariantTest, 'channel' | 'step'>, channel: Channel, stepIndex: number): boolean {
  return test.channel === channel && (test.step === null || test.step === stepIndex);
}

/** The test's template as a draft target (template-draft.ts): where B's parts go when it wins. */
export function targetOfTest(test: Pick<VariantTest, 'channel' | 'step' | 'decline_variant'>): { channel: Channel; step: number | null; variant: DeclineVariant } {
  return { channel: test.channel, step: test.step, variant: test.decline_variant };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
