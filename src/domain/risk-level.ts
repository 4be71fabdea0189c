import type { RiskLevel } from './recovery-case.ts';

/** Declines a retry will not fix: the member must act (new card) or has left. A plain "declined" is generic, so medium. */
const HARD_DECLINE = /expired|stolen|lost|fraud|invalid|do.?not.?honou?r|closed|revoked/i;
/** Declines that often clear on their own (funds arrive, the bank's hiccup passes). */
const SOFT_DECLINE = /insufficient|processing|try.?again|temporar|timeout|unavailable/i;

/**
 * How likely the member is to be lost without outreach. Drives the
 * recovery_cases_created_total{risk_level} metric and dashboard sorting.
 */
export function riskLevelOf(input: { failureReason: string | null; failureCount: number; openedByDeactivation: boolean }): RiskLevel {
  if (input.openedByDeactivation || input.failureCount >= 3) return 'high';
  if (input.failureReason !== null && HARD_DECLINE.test(input.failureReason)) return 'high';
  if (input.failureCount <= 1 && input.failureReason !== null && SOFT_DECLINE.test(input.failureReason)) return 'low';
  return 'medium';
}
