import { and, eq, isNull, sql } from 'drizzle-orm';
import type { AppDb } from '../../db/client.ts';
import { recordAuditEvent } from '../../db/repositories/audit-log.repository.ts';
import { findSaveCase, type StoredSaveCase } from '../../db/repositories/save-cases.repository.ts';
import { saveCases } from '../../db/schema/save-cases.ts';
import type { Clock } from '../../integrations/clock.ts';
import type { SaveOfferKind } from '../../domain/save-case.ts';
import type { WhopGateway } from '../../integrations/whop/whop-gateway.ts';
import { recordMembershipFact } from '../cases/record-membership-fact.ts';
import { ownFact } from '../../domain/membership-fact.ts';
import { readSaveToken } from './save-links.ts';

export type AcceptSaveOfferResult =
  | { ok: true; saveCaseId: string; alreadyAccepted: boolean; offer: SaveOfferKind; incentive: 'granted' | 'failed' | 'none' }
  | { ok: false; reason: 'invalid_token' | 'not_found'; message: string }
  | { ok: false; reason: 'held_out' | 'case_closed'; message: string }
  | { ok: false; reason: 'whop_not_configured' | 'whop_failed'; message: string; retryable: boolean };

export interface SaveDeps {
  db: AppDb;
  clock: Clock;
  whop: WhopGateway | null;
  signingKey: string;
}

/**
 * The member accepted the offer (POST on the offer page; a GET never gets here, so a mail scanner
 * fetching the link saves nobody). Whop first: the scheduled cancellation is undone through the
 * gateway (explicit `cancel_at_period_end: false` at dated API versions, `/uncancel` before), then
 * the free days are added, or the billing paused for the offer's days, at most once (a promo
 * code's offer needs nothing more: the code was created when the offer was sent), and the undo is stored as a `cancellation_unscheduled`
 * fact (cancelation status `won_back`) so the fold marks the case saved at once, whether or not
 * Whop's webhook follows. Repeating the POST (a double click) changes nothing more.
 */
export async function acceptSaveOffer(deps: SaveDeps, input: { token: unknown; ip: string | null }): Promise<AcceptSaveOfferResult> {
  const link = readSaveToken(deps.signingKey, input.token);
  if (!link) return { ok: false, reason: 'invalid_token', message: 't: not a valid offer link' };
  const found = await findSaveCase(deps.db, link.companyId, link.saveCaseId);
  if (!found) return { ok: false, reason: 'not_found', message: 'this offer no longer exists' };
  if (found.acceptedAt) return { ok: true, saveCaseId: found.id, alreadyAccepted: true, offer: found.offerKind, incentive: found.offerKind === 'free_days' || found.offerKind === 'pause' ? (found.incentiveAppliedAt ? 'granted' : 'failed') : 'none' };
  if (found.holdout) return { ok: false, reason: 'held_out', message: 'this offer is not available' };
  if (found.status !== 'open') return { ok: false, reason: 'case_closed', message: found.status === 'lost' ? 'the membership has already ended' : 'the cancellation is no longer scheduled' };
  if (!deps.whop) return { ok: false, reason: 'whop_not_configured', message: 'the membership cannot be changed from here right now', retryable: false };

  const now = deps.clock.now();
  // One request wins the claim; a concurrent one sees accepted_at and answers "already accepted".
  const [claimed] = await deps.db
    .update(saveCases)
    .set({ acceptedAt: now, updatedAt: now })
    .where(and(eq(saveCases.id, found.id), isNull(saveCases.acceptedAt), eq(saveCases.status, 'open')))
    .returning({ id: saveCases.id });
  if (!claimed) return { ok: true, saveCaseId: found.id, alreadyAccepted: true, offer: found.offerKind, incentive: 'none' };

  const undone = await deps.whop.uncancelMembership(found.whopMembershipId);
  if (!undone.ok) {
    await deps.db.update(saveCases).set({ acceptedAt: null }).where(eq(saveCases.id, found.id));
    return { ok: false, reason: 'whop_failed', message: 'Whop did not answer; please try again in a minute', retryable: undone.retryable };
  }
  const incentive = await grantOfferIncentive(deps, found, now);
  await deps.db.transaction(async (tx) => {
    const fact = ownFact(found, { kind: 'cancellation_unscheduled', reason: 'won_back', occurredAt: now, cancellation: { cancelOption: null, cancelationStatus: 'won_back' } });
    await recordMembershipFact(tx, fact, { now });
    await recordAuditEvent(tx, { companyId: found.companyId, actor: 'member', action: 'save.accept', target: `save:${found.id}`, ip: input.ip, detail: { ok: true, offer: found.offerKind, incentive }, at: now });
  });
  return { ok: true, saveCaseId: found.id, alreadyAccepted: false, offer: found.offerKind, incentive };
}

/**
 * Free days or the pause once per case: claimed before the call; a call that may have applied
 * (timeout) stays claimed. A pause records when billing resumes: the save's hold starts there.
 */
async function grantOfferIncentive(deps: SaveDeps, c: StoredSaveCase, now: Date): Promise<'granted' | 'failed' | 'none'> {
  if ((c.offerKind !== 'free_days' && c.offerKind !== 'pause') || !c.offerDays || !deps.whop) return 'none';
  const [claimed] = await deps.db
    .update(saveCases)
    .set({ incentiveAppliedAt: now })
    .where(and(eq(saveCases.id, c.id), isNull(saveCases.incentiveAppliedAt)))
    .returning({ id: saveCases.id });
  if (!claimed) return 'granted';
  const resumesAt = new Date(now.getTime() + c.offerDays * 86_400_000);
  const granted = c.offerKind === 'pause' ? await deps.whop.pauseMembership(c.whopMembershipId, resumesAt) : await deps.whop.addFreeDays(c.whopMembershipId, c.offerDays);
  if (granted.ok) {
    if (c.offerKind === 'pause') await deps.db.update(saveCases).set({ pauseResumesAt: resumesAt }).where(eq(saveCases.id, c.id));
    return 'granted';
  }
  if (!granted.maybeApplied) await deps.db.update(saveCases).set({ incentiveAppliedAt: sql`NULL` }).where(eq(saveCases.id, c.id));
  return 'failed';
}
