import { describe, expect, it } from 'vitest';
import { parseOutreachSettings } from '../../src/domain/outreach-settings.ts';
import { holdoutDrawOf } from '../../src/services/cases/assign-holdout.ts';
import { assignTestVariant, testVariantOf } from '../../src/services/cases/assign-test-variant.ts';

const COMPANY = 'biz_variants';
const members = Array.from({ length: 20_000 }, (_, i) => `user_${(i * 7919).toString(36)}${i}`);

/** Pearson's chi-square of a 2x2 table [[a, b], [c, d]]. */
function chiSquare2x2(a: number, b: number, c: number, d: number): number {
  const n = a + b + c + d;
  return (n * (a * d - b * c) ** 2) / ((a + b) * (c + d) * (a + c) * (b + d));
}
/** Critical value of chi-square with 1 degree of freedom at p = 0.001. */
const CHI2_999 = 10.828;

function table(pairs: readonly (readonly [boolean, boolean])[]) {
  const t = [0, 0, 0, 0];
  for (const [x, y] of pairs) t[(x ? 2 : 0) + (y ? 1 : 0)]! += 1;
  return t as [number, number, number, number];
}

describe('variant assignment', () => {
  it('is sticky: a member gets the same variant on every case of a test', () => {
    const settings = parseOutreachSettings({ variant_test: { started_version: 3, channel: 'dm', step: 0, b: { body: 'New text: {manage_url}' } } });
    if (!settings.ok) throw new Error('settings');
    for (const member of members.slice(0, 200)) {
      const cases = ['card declined', null, 'Your card was declined.', 'processing error'].map((failureReason, k) =>
        assignTestVariant(settings.settings, { companyId: COMPANY, whopUserId: member, whopMembershipId: `mem_${k}`, failureReason, holdout: false }),
      );
      const inTest = cases.filter((c) => c !== null);
      expect(inTest).toHaveLength(4);
      expect(new Set(inTest.map((c) => c.testVariant)).size).toBe(1);
      expect(inTest[0]!.variantTestVersion).toBe(3);
    }
  });

  it('is random: about half B, and a new test draws afresh (independent of the last one)', () => {
    const v3 = members.map((m) => testVariantOf({ companyId: COMPANY, testVersion: 3, memberKey: m }) === 'b');
    const v4 = members.map((m) => testVariantOf({ companyId: COMPANY, testVersion: 4, memberKey: m }) === 'b');
    const share = v3.filter(Boolean).length / members.length;
    expect(share).toBeGreaterThan(0.48);
    expect(share).toBeLessThan(0.52);
    expect(chiSquare2x2(...table(v3.map((b, i) => [b, v4[i]!] as const)))).toBeLessThan(CHI2_999);
  });

  it('is independent of the control group (chi-square, and B shares within each group)', () => {
    // The holdout is a hash with its own salt, never the variant's: at 20 %, held-out and treated
    // members split half and half alike.
    const pairs = members.map((m) => [holdoutDrawOf({ companyId: COMPANY, memberKey: m }) < 20, testVariantOf({ companyId: COMPANY, testVersion: 7, memberKey: m }) === 'b'] as const);
    const [treatedA, treatedB, heldA, heldB] = table(pairs);
    expect(chiSquare2x2(treatedA, treatedB, heldA, heldB)).toBeLessThan(CHI2_999);
    expect(Math.abs(treatedB / (treatedA + treatedB) - heldB / (heldA + heldB))).toBeLessThan(0.03);
    // The check has power: a variant that leaned on the holdout (held-out members more often B) fails it.
    const leaning = pairs.map(([held, b], i) => [held, held && i % 10 === 0 ? true : b] as const);
    expect(chiSquare2x2(...table(leaning))).toBeGreaterThan(CHI2_999);
  });

  it('held-out cases are in no test', () => {
    const settings = parseOutreachSettings({ variant_test: { started_version: 3, channel: 'dm', step: 0, b: { body: 'New text: {manage_url}' } } });
    if (!settings.ok) throw new Error('settings');
    expect(assignTestVariant(settings.settings, { companyId: COMPANY, whopUserId: 'user_1', whopMembershipId: 'mem_1', failureReason: null, holdout: true })).toBeNull();
  });
});
