import { eq } from 'drizzle-orm';
import type { AppTx } from '../../db/client.ts';
import type { CurrentSettings } from '../../db/repositories/companies.repository.ts';
import { lockMembershipSaveCases, type StoredSaveCase } from '../../db/repositories/save-cases.repository.ts';
import { saveCases } from '../../db/schema/save-cases.ts';
import type { MembershipFact } from '../../domain/membership-fact.ts';
import { creditSave, deriveSaveCases, type DerivedSaveCase } from '../../domain/save-case.ts';
import { matchSaveOffer } from '../../domain/save-offer.ts';
import { assignHoldout } from '../cases/assign-holdout.ts';

/**
 * Re-derives one membership's save cases from its facts and stores them. Runs inside the
 * transaction (and advisory lock) of reconcileMembershipCases, with the facts it already read.
 * A new open case gets its offer (matched to the cancel option) due now, unless held out; a case
 * that is no longer open never gets its offer. Idempotent.
 */
export async function reconcileSaveCases(tx: AppTx, input: { companyId: string; whopMembershipId: string; facts: readonly MembershipFact[]; settings: CurrentSettings; now: Date }): Promise<void> {
  const { companyId, whopMembershipId, settings, now } = input;
  const stored = await lockMembershipSaveCases(tx, companyId, whopMembershipId);
  // An accepted pause moves its save's 30-day hold to start when billing resumes.
  const pauses = stored.flatMap((s) => (s.acceptedAt && s.pauseResumesAt ? [{ acceptedAt: s.acceptedAt, resumesAt: s.pauseResumesAt }] : []));
  const derived = deriveSaveCases(input.facts, now, { pauses });
  const whopUserId = [...input.facts].reverse().find((f) => f.whopUserId)?.whopUserId ?? null;
  for (const [i, d] of derived.entries()) {
    const next = derived[i + 1]?.scheduledAt.getTime() ?? Infinity;
    // A late, earlier schedule fact moves the case's start: match the stored case inside its span.
    const existing = stored.find((s) => s.scheduledAt.getTime() >= d.scheduledAt.getTime() && s.scheduledAt.getTime() < next);
    if (existing) await updateSaveCase(tx, existing, d, now);
    else await insertSaveCase(tx, { companyId, whopMembershipId, whopUserId, d, settings, now });
  }
}

async function insertSaveCase(tx: AppTx, input: { companyId: string; whopMembershipId: string; whopUserId: string | null; d: DerivedSaveCase; settings: CurrentSettings; now: Date }): Promise<void> {
  const { d, settings } = input;
  // Issue #12 §3: the member's group is sticky across recovery and save cases.
  const holdout = await assignHoldout(tx, { companyId: input.companyId, whopUserId: input.whopUserId, whopMembershipId: input.whopMembershipId, holdoutPercent: settings.outreach.holdout_percent });
  const { unused, pause_days } = settings.outreach.save_offers;
  const offer = matchSaveOffer(d.cancelOption, { freeDays: settings.outreach.incentive_days, unused, pauseDays: pause_days });
  await tx
    .insert(saveCases)
    .values({
      companyId: input.companyId,
      whopMembershipId: input.whopMembershipId,
      whopUserId: input.whopUserId,
      ...derivedColumns(d),
      offerKind: offer.kind,
      offerDays: offer.days,
      holdout,
      offerDueAt: !holdout && d.status === 'open' ? input.now : null,
      ...creditColumns(d, null),
    })
    .onConflictDoNothing();
}

async function updateSaveCase(tx: AppTx, s: StoredSaveCase, d: DerivedSaveCase, now: Date): Promise<void> {
  await tx
    .update(saveCases)
    .set({
      ...derivedColumns(d),
      // An offer not sent yet is never sent for a case that stopped being open.
      ...(d.status !== 'open' ? { offerDueAt: null } : {}),
      ...creditColumns(d, s),
      updatedAt: now,
    })
    .where(eq(saveCases.id, s.id));
}

function derivedColumns(d: DerivedSaveCase) {
  return { scheduledAt: d.scheduledAt, cancelOption: d.cancelOption, status: d.status, savedAt: d.savedAt, holdEndsAt: d.holdEndsAt, decidedAt: d.decidedAt, revertedReason: d.revertedReason };
}

function creditColumns(d: DerivedSaveCase, s: StoredSaveCase | null) {
  if (!d.savedAt) return { savedBy: null, savedChannel: null };
  const delivered = Object.entries(s?.offerDeliveries ?? {}).filter(([, status]) => status === 'sent').map(([channel]) => channel);
  const credit = creditSave({
    savedAt: d.savedAt,
    acceptedAt: s?.acceptedAt ?? null,
    lastClick: s?.lastClickAt && s.lastClickChannel ? { at: s.lastClickAt, channel: s.lastClickChannel } : null,
    offerSentAt: s?.offerSentAt ?? null,
    deliveredChannels: delivered,
  });
  return { savedBy: credit.by, savedChannel: credit.channel };
}
