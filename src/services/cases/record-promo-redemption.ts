import type { AppTx } from '../../db/client.ts';
import { recordAuditEvent } from '../../db/repositories/audit-log.repository.ts';
import { markPromoCodeRedeemed } from '../../db/repositories/incentives.repository.ts';
import { appendCaseEvent, findCase } from '../../db/repositories/outreach.repository.ts';
import type { MembershipFact } from '../../domain/membership-fact.ts';
import { describePromoOffer, promoCostCents } from '../../domain/promo-code.ts';

/**
 * A succeeded payment that used one of our promo codes redeems it (issue #15 §3): the code's cost
 * enters the figures now, never at creation, and the case's timeline says so. Runs in the
 * transaction that stores the fact; a second delivery of the same payment changes nothing (the
 * code is redeemed once). A code that is not ours (the creator's own campaign) is left alone.
 * A save case's code ("too expensive", issue #15 §2) is redeemed the same way; its cost counts in
 * the Saves section (never in the recovery figures) and the audit log records it.
 */
export async function recordPromoRedemption(tx: AppTx, fact: MembershipFact, now: Date): Promise<{ caseId: string | null; saveCaseId: string | null; costCents: number } | null> {
  if (fact.kind !== 'payment_succeeded' || !fact.promo || !fact.whopPaymentId) return null;
  const promo = fact.promo;
  let offer = '';
  const redeemed = await markPromoCodeRedeemed(tx, {
    companyId: fact.companyId,
    whopPromoCodeId: promo.whopPromoCodeId,
    whopPaymentId: fact.whopPaymentId,
    redeemedAt: fact.occurredAt,
    currency: fact.currency,
    cost: (terms) => {
      offer = describePromoOffer(terms);
      return promoCostCents(terms, { totalCents: fact.amountCents, subtotalCents: promo.subtotalCents });
    },
    now,
  });
  if (!redeemed) return null;
  const detail = { code: redeemed.code, offer, whop_payment_id: fact.whopPaymentId, cost_cents: redeemed.costCents, currency: fact.currency };
  if (!redeemed.caseId) {
    await recordAuditEvent(tx, { companyId: fact.companyId, actor: 'system', action: 'save.promo_code_redeemed', target: `save:${redeemed.saveCaseId}`, detail, at: fact.occurredAt });
    return { caseId: null, saveCaseId: redeemed.saveCaseId, costCents: redeemed.costCents };
  }
  const c = await findCase(tx, redeemed.caseId);
  await appendCaseEvent(tx, {
    companyId: fact.companyId,
    caseId: redeemed.caseId,
    status: c?.status ?? 'open',
    reason: 'promo_code_redeemed',
    actor: 'system',
    source: 'outreach',
    detail,
    at: fact.occurredAt,
  });
  return { caseId: redeemed.caseId, saveCaseId: null, costCents: redeemed.costCents };
}
