import { describe, expect, it } from 'vitest';
import { riskLevelOf } from '../../src/domain/risk-level.ts';
import type { RiskLevel } from '../../src/domain/recovery-case.ts';

interface Row {
  title: string;
  failureReason: string | null;
  failureCount: number;
  openedByDeactivation: boolean;
  expected: RiskLevel;
}

const rows: Row[] = [
  { title: 'a first insufficient-funds failure is low risk (funds often arrive)', failureReason: 'Insufficient funds', failureCount: 1, openedByDeactivation: false, expected: 'low' },
  { title: 'a first "try again later" failure is low risk', failureReason: 'Processing error, please try again', failureCount: 1, openedByDeactivation: false, expected: 'low' },
  { title: 'a second insufficient-funds failure is no longer low risk', failureReason: 'insufficient_funds', failureCount: 2, openedByDeactivation: false, expected: 'medium' },
  { title: 'an expired card is high risk even on the first failure', failureReason: 'Your card has expired.', failureCount: 1, openedByDeactivation: false, expected: 'high' },
  { title: 'a stolen card is high risk', failureReason: 'stolen_card', failureCount: 1, openedByDeactivation: false, expected: 'high' },
  { title: 'a "do not honor" decline is high risk', failureReason: 'do_not_honor', failureCount: 1, openedByDeactivation: false, expected: 'high' },
  { title: 'a third failure is high risk whatever the reason', failureReason: 'insufficient funds', failureCount: 3, openedByDeactivation: false, expected: 'high' },
  { title: 'more than three failures stay high risk', failureReason: 'generic_decline', failureCount: 7, openedByDeactivation: false, expected: 'high' },
  { title: 'a generic failure is medium risk', failureReason: 'generic_decline', failureCount: 1, openedByDeactivation: false, expected: 'medium' },
  { title: 'a failure without a reason is medium risk', failureReason: null, failureCount: 1, openedByDeactivation: false, expected: 'medium' },
  { title: 'two generic failures are medium risk', failureReason: 'Payment failed', failureCount: 2, openedByDeactivation: false, expected: 'medium' },
  { title: 'a member who cancelled (deactivation) is high risk', failureReason: 'membership_deactivated', failureCount: 0, openedByDeactivation: true, expected: 'high' },
  { title: 'a deactivation is high risk even with a soft decline reason', failureReason: 'insufficient funds', failureCount: 0, openedByDeactivation: true, expected: 'high' },
];

describe('riskLevelOf', () => {
  it.each(rows)('$title', ({ failureReason, failureCount, openedByDeactivation, expected }) => {
    expect(riskLevelOf({ failureReason, failureCount, openedByDeactivation })).toBe(expected);
  });
});
