import type { DeclineVariant } from './decline-variant.ts';
import { selectTemplate, TEMPLATE_PARTS, type Channel } from './message-template.ts';
import type { NudgeSettings } from './nudge-settings.ts';
import { applyDraft } from './template-draft.ts';
import { targetOfTest, type TestVariant, type VariantTest } from './variant-test.ts';

/**
 * The copy each arm of a variant test gets (variant-test.ts). Variant B is the company's templates
 * with B's text put in the tested template, exactly as keeping B will save them (applyDraft), so
 * what a B member receives during the test is what every member receives once B is kept.
 */

type TestedSettings = Pick<NudgeSettings, 'templates' | 'reminder_offsets_days'> & { variant_test: VariantTest | null };

/**
 * The settings a case's nudge is composed from: its own settings version, with B's text in place
 * when the case is in variant B of that version's test. A case outside the test, or in A, gets the
 * settings unchanged.
 */
export function settingsForVariant<S extends TestedSettings>(settings: S, variant: TestVariant | null): S {
  const test = settings.variant_test;
  if (variant !== 'b' || test === null) return settings;
  return { ...settings, templates: applyDraft(settings.templates, targetOfTest(test), test.b) };
}

/** The 0-based steps a test covers under these offsets. */
function stepsOf(test: VariantTest, nudgeCount: number): number[] {
  return test.step === null ? Array.from({ length: nudgeCount }, (_, i) => i) : [test.step];
}

/** Every part of the tested channel's text, for each step the test covers, as one comparable key. */
function textsOf(settings: Pick<NudgeSettings, 'templates'>, test: VariantTest, declineVariant: DeclineVariant, nudgeCount: number): string {
  return JSON.stringify(stepsOf(test, nudgeCount).map((step) => selectTemplate(settings, test.channel as Channel, step, declineVariant)));
}

/**
 * Whether a case with this decline variant is in the test: B changes some text it would get. A
 * test of the `card_expired` email reaches only card_expired cases; a test of the generic text
 * reaches every case whose template falls back to it. Cases B would not change stay out of the
 * figures, so they do not dilute the comparison.
 */
export function isCaseInVariantTest(settings: TestedSettings, declineVariant: DeclineVariant): boolean {
  const test = settings.variant_test;
  if (test === null) return false;
  const count = settings.reminder_offsets_days.length;
  return textsOf(settings, test, declineVariant, count) !== textsOf(settingsForVariant(settings, 'b'), test, declineVariant, count);
}

/**
 * Problems of saving `next` while `previous` runs a test: A's text of the tested template must not
 * change under the running test (the comparison would mix two A texts), and B must differ from A.
 * Paths name the field at fault.
 */
export function findVariantTestChangeProblems(previous: TestedSettings | null, next: TestedSettings): { field: string; message: string }[] {
  const test = next.variant_test;
  if (test === null) return [];
  const target = targetOfTest(test);
  const count = next.reminder_offsets_days.length;
  if (test.step !== null && test.step >= count) return []; // reported by findVariantTestProblems
  const problems: { field: string; message: string }[] = [];
  if (previous?.variant_test && textsOf(previous, test, target.variant, count) !== textsOf(next, test, target.variant, count))
    problems.push({
      field: `templates.${test.channel}`,
      message: `a variant test runs on this ${test.channel} template${test.step === null ? '' : ` (step ${test.step})`}: keep a winner before editing its text`,
    });
  if (textsOf(next, test, target.variant, count) === textsOf(settingsForVariant(next, 'b'), test, target.variant, count))
    problems.push({ field: 'variant_test.b', message: `variant B is the same text as today's template: change at least one of ${TEMPLATE_PARTS[test.channel].join(', ')}` });
  return problems;
}

/**
 * The settings after the creator keeps a winner: the test ends, and when B wins its text becomes
 * the template (A winning leaves the templates as they are).
 */
export function keepTestVariant<S extends TestedSettings>(settings: S, winner: TestVariant): S {
  const kept = settingsForVariant(settings, winner);
  return { ...kept, variant_test: null };
}
