import { appendCaseEvent, updateCaseNudge, type StoredCase } from '../../db/repositories/nudges.repository.ts';
import { ownFact } from '../../domain/membership-fact.ts';
import { toMinorUnits } from '../../domain/money.ts';
import type { WhopGateway } from '../../integrations/whop/whop-gateway.ts';
import { recordMembershipFact } from '../cases/record-membership-fact.ts';
import type { NudgeDeps } from './nudge-deps.ts';

/**
 * payments.retry before the step's message; a payment that now succeeds recovers the case through
 * the same fact and fold as a payment.succeeded webhook, and no message goes out. True when it
 * recovered the case. The caller checks the case has a Whop payment and the gateway is configured.
 */
export async function retryPaymentFirst(deps: NudgeDeps & { whop: WhopGateway }, c: StoredCase & { whopPaymentId: string }, step: number, now: Date): Promise<boolean> {
  const retried = await deps.whop.retryPayment(c.whopPaymentId);
  const succeeded = retried.ok && (retried.value.substatus === 'succeeded' || retried.value.status === 'paid');
  await appendCaseEvent(deps.db, {
    companyId: c.companyId,
    caseId: c.id,
    status: 'open',
    reason: `payment_retried_step_${step}`,
    actor: 'system',
    source: 'outreach',
    detail: retried.ok ? { substatus: retried.value.substatus, status: retried.value.status } : { error: retried.message },
    at: now,
  });
  if (!retried.ok || !succeeded) return false;
  const currency = retried.value.currency ?? c.currency;
  await deps.db.transaction(async (tx) => {
    const fact = ownFact(c, {
      kind: 'payment_succeeded',
      memberEmail: c.memberEmail,
      whopPaymentId: retried.value.id,
      amountCents: retried.value.total !== null && currency ? toMinorUnits(retried.value.total, currency) : c.amountAtRiskCents,
      currency,
      reason: 'payments.retry',
      occurredAt: retried.value.paidAt ? new Date(retried.value.paidAt) : now,
    });
    await recordMembershipFact(tx, fact, { now });
  });
  await updateCaseNudge(deps.db, c.id, { nudgeClaimedUntil: null });
  return true;
}
