import { describe, expect, it } from 'vitest';
import { compareTestVariants } from '../../src/domain/kpi-formulas.ts';
import { selectTemplate } from '../../src/domain/message-template.ts';
import { DEFAULT_NUDGE_SETTINGS, parseNudgeSettings, type NudgeSettings } from '../../src/domain/nudge-settings.ts';
import { findVariantTestChangeProblems, isCaseInVariantTest, keepTestVariant, settingsForVariant } from '../../src/domain/variant-copy.ts';
import { isDeliveryInTest } from '../../src/domain/variant-test.ts';

const B_EMAIL = { subject: 'Still with us, {product}?', body: 'Hi[[ {member_name}]], one click keeps your access: {manage_url}' };

function withTest(test: Record<string, unknown>, base: Partial<NudgeSettings> = {}): NudgeSettings {
  const parsed = parseNudgeSettings({ ...base, variant_test: { started_version: 2, ...test } });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.settings;
}

describe('variant test settings', () => {
  it('default to no test, and parse a test of one step', () => {
    expect(DEFAULT_NUDGE_SETTINGS.variant_test).toBeNull();
    const s = withTest({ channel: 'email', step: 1, b: B_EMAIL });
    expect(s.variant_test).toEqual({ started_version: 2, channel: 'email', step: 1, decline_variant: 'generic', b: B_EMAIL });
  });

  it('name every problem of variant B by its field', () => {
    const parsed = parseNudgeSettings({
      reminder_offsets_days: [0, 2],
      variant_test: { channel: 'email', step: 2, b: { subject: '  ', body: 'Pay {amount} now {coupon}', title: 'x' } },
    });
    expect(parsed.ok).toBe(false);
    const problems = parsed.ok ? [] : parsed.problems.map((p) => `${p.field}: ${p.message}`);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^variant_test\.step: there is no reminder step 2/),
        'variant_test.b.title: a email message has no part "title" (it has subject, body)',
        'variant_test.b.subject: must not be blank',
        'variant_test.b.body: unknown placeholder {coupon}',
        'variant_test.b.body: must contain {manage_url}, the link to update the payment',
      ]),
    );
  });

  it('need every part of the channel', () => {
    const parsed = parseNudgeSettings({ variant_test: { channel: 'push', b: { body: 'Update: {manage_url}' } } });
    expect(parsed.ok ? [] : parsed.problems.map((p) => p.field)).toEqual(['variant_test.b.title']);
  });
});

describe('the copy of each variant', () => {
  const s = withTest({ channel: 'email', step: 1, b: B_EMAIL });

  it('B gets its text on the tested step only; A gets the template as it stands', () => {
    expect(selectTemplate(settingsForVariant(s, 'b'), 'email', 1, 'card_declined')).toEqual(B_EMAIL);
    expect(selectTemplate(settingsForVariant(s, 'b'), 'email', 0, 'card_declined')).toEqual(selectTemplate(s, 'email', 0, 'card_declined'));
    expect(selectTemplate(settingsForVariant(s, 'a'), 'email', 1, 'card_declined')).toEqual(selectTemplate(DEFAULT_NUDGE_SETTINGS, 'email', 1, 'card_declined'));
    expect(selectTemplate(settingsForVariant(s, null), 'email', 1, 'generic')).not.toEqual(B_EMAIL);
  });

  it('a delivery is in the test on the tested channel and step', () => {
    expect(isDeliveryInTest(s.variant_test!, 'email', 1)).toBe(true);
    expect(isDeliveryInTest(s.variant_test!, 'email', 0)).toBe(false);
    expect(isDeliveryInTest(s.variant_test!, 'dm', 1)).toBe(false);
    expect(isDeliveryInTest({ channel: 'dm', step: null }, 'dm', 3)).toBe(true);
  });

  it('a case is in the test only when B changes a text it would get', () => {
    // A company's generic text beats our per-variant defaults, so a B for "generic" reaches every
    // decline variant, except one the company wrote its own text for on that step.
    expect(isCaseInVariantTest(s, 'generic')).toBe(true);
    expect(isCaseInVariantTest(s, 'card_expired')).toBe(true);
    const own = withTest({ channel: 'email', step: 1, b: B_EMAIL }, { templates: { email: { steps: { '1': { subject: { card_expired: 'Own' }, body: { card_expired: 'Own {manage_url}' } } } } } });
    expect(isCaseInVariantTest(own, 'card_expired')).toBe(false);
    expect(isCaseInVariantTest(own, 'insufficient_funds')).toBe(true);
    const expired = withTest({ channel: 'email', step: null, decline_variant: 'card_expired', b: B_EMAIL });
    expect(isCaseInVariantTest(expired, 'card_expired')).toBe(true);
    expect(isCaseInVariantTest(expired, 'insufficient_funds')).toBe(false);
  });

  it('keeping B makes its text the template and ends the test; keeping A changes no text', () => {
    const keptB = keepTestVariant(s, 'b');
    expect(keptB.variant_test).toBeNull();
    expect(selectTemplate(keptB, 'email', 1, 'generic')).toEqual(B_EMAIL);
    expect(selectTemplate(keptB, 'email', 0, 'generic')).toEqual(selectTemplate(s, 'email', 0, 'generic'));
    expect(parseNudgeSettings(keptB).ok).toBe(true);
    const keptA = keepTestVariant(s, 'a');
    expect(keptA.variant_test).toBeNull();
    expect(keptA.templates).toEqual(s.templates);
  });

  it("refuses to edit the tested template under a running test, and a B equal to today's text", () => {
    const edited = { ...s, templates: { email: { steps: { '1': { subject: { generic: 'Other subject' } } } } } };
    expect(findVariantTestChangeProblems(s, edited).map((p) => p.field)).toEqual(['templates.email']);
    // Another step's text may change.
    expect(findVariantTestChangeProblems(s, { ...s, templates: { email: { steps: { '0': { subject: { generic: 'Other subject' } } } } } })).toEqual([]);
    const same = withTest({ channel: 'email', step: 0, b: selectTemplate(DEFAULT_NUDGE_SETTINGS, 'email', 0, 'generic') });
    expect(findVariantTestChangeProblems(null, same).map((p) => p.field)).toEqual(['variant_test.b']);
  });
});

describe('variant figures (pinned by hand)', () => {
  it('A 12/40, B 20/40: Wilson intervals, the Newcombe difference, 627 more decided cases needed', () => {
    // Wilson 12/40 (z = 1.96, z² = 3.8415): centre (0.3 + 3.8415/80) / (1 + 3.8415/40) = 0.3175,
    // half 1.7882 × √(0.21/40 + 3.8415/6400) = 0.1368 → 0.1807 to 0.4543; 20/40 → 0.3520 to 0.6480.
    // B − A = 0.2; lower 0.2 − √((0.5 − 0.352)² + (0.4543 − 0.3)²) = −0.0138, upper 0.2 + √(0.148² + 0.1193²) = 0.3901.
    // Plan at A's 30 % → 40 %, half and half: 2 × (1.96 + 0.8416)² × (0.24 + 0.21) / 0.1² = 706.4 → 707; 707 − 80 = 627.
    const v = compareTestVariants({ recovered: 12, lost: 28, deciding: 5 }, { recovered: 20, lost: 20, deciding: 3 });
    expect(v.a).toEqual({ recovered: 12, lost: 28, deciding: 5, cases: 45, decided: 40, rate: { value: 0.3, decided: 40, deciding: 5, provisional: false }, interval: { lower: 0.1807, upper: 0.4543 } });
    expect(v.b.rate.value).toBe(0.5);
    expect(v.b.interval).toEqual({ lower: 0.352, upper: 0.648 });
    expect(v.difference).toEqual({ estimate: 0.2, lower: -0.0138, upper: 0.3901 });
    expect(v.planned_decided).toBe(707);
    expect(v.more_decided_needed).toBe(627);
    expect(v.state).toBe('measuring');
  });

  it('names a winner only once the plan is met and the interval excludes 0', () => {
    const b = compareTestVariants({ recovered: 120, lost: 280, deciding: 0 }, { recovered: 200, lost: 200, deciding: 0 });
    expect(b.difference).toEqual({ estimate: 0.2, lower: 0.1325, upper: 0.2649 });
    expect([b.more_decided_needed, b.state]).toEqual([0, 'b_better']);
    // A at 50 %: the plan is 2 × 7.8489 × (0.24 + 0.25) / 0.01 = 769.2 → 770.
    const a = compareTestVariants({ recovered: 200, lost: 200, deciding: 0 }, { recovered: 120, lost: 280, deciding: 0 });
    expect([a.planned_decided, a.difference.estimate, a.state]).toEqual([770, -0.2, 'a_better']);
    const tie = compareTestVariants({ recovered: 120, lost: 280, deciding: 0 }, { recovered: 130, lost: 270, deciding: 0 });
    expect([tie.difference.lower, tie.difference.upper, tie.state]).toEqual([-0.0391, 0.0889, 'no_clear_difference']);
  });

  it('before any decided case: no rate, no interval, the assumed 30 % plan', () => {
    const v = compareTestVariants({ recovered: 0, lost: 0, deciding: 4 }, { recovered: 0, lost: 0, deciding: 0 });
    expect([v.a.rate.value, v.a.interval, v.difference.estimate, v.more_decided_needed, v.state]).toEqual([null, null, null, 707, 'measuring']);
  });
});
