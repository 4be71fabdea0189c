import { createHash } from 'node:crypto';
import { declineVariantOf } from '../../domain/decline-variant.ts';
import type { OutreachSettings } from '../../domain/outreach-settings.ts';
import { isCaseInVariantTest } from '../../domain/variant-copy.ts';
import type { TestVariant } from '../../domain/variant-test.ts';

/**
 * Variant tests (#15 §5): which variant a member gets, decided when their case opens and stored on
 * it. Sticky by construction: the variant is a keyed hash of the member (the Whop user, else the
 * membership, as for the control group), the company and the test, so every case of a member in
 * one test gets the same variant with no lookup, and a new test draws afresh.
 *
 * Independent of the control group: the holdout is a hash with a salt of its own (assign-holdout.ts),
 * and this hash's salt names this use alone. Held-out cases are in no
 * test (they get nothing from us). test/unit/test-variant-assignment.test.ts checks both.
 */
const SALT = 'churn-saver/variant-test/v1';

/** Variant a or b for one member in one test: the low bit of SHA-256(salt, company, test, member). */
export function testVariantOf(input: { companyId: string; testVersion: number; memberKey: string }): TestVariant {
  const digest = createHash('sha256').update(`${SALT}\0${input.companyId}\0${input.testVersion}\0${input.memberKey}`).digest();
  return (digest[0]! & 1) === 0 ? 'a' : 'b';
}

export interface CaseTestVariant {
  variantTestVersion: number;
  testVariant: TestVariant;
}

/**
 * The test and variant of a new case under the company's current settings: null when no test
 * runs, the case is held out, or B would not change any text the case gets (its decline variant
 * uses another template).
 */
export function assignTestVariant(
  settings: Pick<OutreachSettings, 'templates' | 'reminder_offsets_days' | 'variant_test'>,
  c: { companyId: string; whopUserId: string | null; whopMembershipId: string; failureReason: string | null; holdout: boolean },
): CaseTestVariant | null {
  const test = settings.variant_test;
  if (test === null || test.started_version === null || c.holdout) return null;
  if (!isCaseInVariantTest(settings, declineVariantOf(c.failureReason))) return null;
  const memberKey = c.whopUserId ?? c.whopMembershipId;
  return { variantTestVersion: test.started_version, testVariant: testVariantOf({ companyId: c.companyId, testVersion: test.started_version, memberKey }) };
}
