import type { MembershipFact } from './membership-fact.ts';
import { hasNul, idProblem } from './storable-text.ts';

/**
 * The one place a mapped fact is checked against what a real Whop event can hold and what
 * PostgreSQL can store, whichever mapper (v1, legacy v5, new shapes) produced it. Pure. A fact
 * that fails is never applied; its event is marked failed with the reason, not retried.
 */
export const FACT_LIMITS = {
  /** 10 million in major units: far above any membership payment, far below 9e15. */
  maxAmountMinorUnits: 1_000_000_000,
  /** Whop launched its API after this; older times are corrupt, not history. */
  earliest: Date.UTC(2015, 0, 1),
  /** Clock skew allowed into the future. */
  maxFutureMs: 24 * 3600_000,
  maxEmailLength: 320,
  maxReasonLength: 2000,
} as const;

export type FactVerdict = { ok: true } | { ok: false; problem: string };

export function validateFact(fact: MembershipFact, now: Date): FactVerdict {
  const problems: string[] = [];
  const ids: Array<[string, string | null]> = [
    ['company id', fact.companyId],
    ['membership id', fact.whopMembershipId],
    ['user id', fact.whopUserId],
    ['payment id', fact.whopPaymentId],
  ];
  for (const [name, value] of ids) {
    const problem = value === null ? null : idProblem(value);
    if (problem) problems.push(`${name} ${problem}`);
  }
  if (fact.companyId === '' || fact.whopMembershipId === '') problems.push('company and membership ids must not be empty');
  if (fact.memberEmail !== null && (hasNul(fact.memberEmail) || fact.memberEmail.length > FACT_LIMITS.maxEmailLength)) problems.push('member email is not a storable address');
  if (fact.reason !== null && (hasNul(fact.reason) || fact.reason.length > FACT_LIMITS.maxReasonLength)) problems.push(`reason contains a NUL character or is over ${FACT_LIMITS.maxReasonLength} characters`);
  if (fact.currency !== null && !/^[A-Za-z]{3}$/.test(fact.currency)) problems.push('currency is not a 3-letter ISO 4217 code');
  if (fact.amountCents !== null) {
    if (!Number.isSafeInteger(fact.amountCents) || fact.amountCents < 0) problems.push(`amount ${fact.amountCents} is not a non-negative whole number of minor units`);
    else if (fact.amountCents > FACT_LIMITS.maxAmountMinorUnits) problems.push(`amount ${fact.amountCents} is over ${FACT_LIMITS.maxAmountMinorUnits} minor units`);
  }
  const at = fact.occurredAt.getTime();
  if (Number.isNaN(at)) problems.push('occurred at is not a date');
  else if (at < FACT_LIMITS.earliest) problems.push(`occurred at ${fact.occurredAt.toISOString()} is before 2015`);
  else if (at > now.getTime() + FACT_LIMITS.maxFutureMs) problems.push(`occurred at ${fact.occurredAt.toISOString()} is more than a day in the future`);
  return problems.length === 0 ? { ok: true } : { ok: false, problem: problems.join('; ') };
}
