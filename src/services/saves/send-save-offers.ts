import { and, desc, eq, isNotNull, isNull } from 'drizzle-orm';
import { findCompanyName, findOrCreateCurrentSettings } from '../../db/repositories/companies.repository.ts';
import { optedOutChannels } from '../../db/repositories/nudges.repository.ts';
import { claimDueSaveOffers, type StoredSaveCase } from '../../db/repositories/save-cases.repository.ts';
import { membershipFacts } from '../../db/schema/membership-facts.ts';
import { saveCases } from '../../db/schema/save-cases.ts';
import { CHANNELS, type Channel } from '../../domain/channels.ts';
import { retryDelayMs } from '../../domain/retry-backoff.ts';
import { composeSaveOffer, type SaveOfferPromo } from '../../domain/save-offer.ts';
import { createPromoCodeOnce } from '../nudges/create-promo-code.ts';
import { unsubscribeUrl } from '../members/unsubscribe-links.ts';
import { CHANNEL_MODULES } from '../nudges/channels/channel-modules.ts';
import type { Recipient } from '../nudges/channels/channel-module.ts';
import { clickUrl } from '../nudges/click-links.ts';
import { randomOf, type NudgeDeps } from '../nudges/nudge-deps.ts';
import { saveOfferUrl } from './save-links.ts';

/** One delivery state per channel, as `save_cases.offer_deliveries` keeps it. */
export type OfferDelivery = 'sending' | 'sent' | 'outbox' | 'failed' | 'unknown' | 'skipped';
/** The claim on a due offer; every provider call times out well within it. */
const OFFER_LEASE_MS = 60_000;
/** The click redirect's step for a save offer (nudge steps count from 1). */
export const SAVE_OFFER_STEP = 0;

/**
 * Sends the due save offers once each: claimed (FOR UPDATE SKIP LOCKED, a lease), the membership
 * read from Whop (still canceling? who, which product, when it ends), then one attempt per enabled
 * channel through the channel modules, marked `sending` first so a dead worker's send is never
 * repeated (it becomes `unknown`). Held-out cases are never claimed. Returns how many were claimed.
 */
export async function sendDueSaveOffers(deps: NudgeDeps, options: { limit?: number; onError?: (saveCaseId: string, error: unknown) => void } = {}): Promise<number> {
  const claimed = await claimDueSaveOffers(deps.db, deps.clock.now(), OFFER_LEASE_MS, options.limit ?? 50);
  for (const c of claimed) {
    // One case's fault never holds back the others; its claim lapses and a later sweep retries it.
    try {
      await sendSaveOffer(deps, c);
    } catch (error) {
      if (!options.onError) throw error;
      options.onError(c.id, error);
    }
  }
  return claimed.length;
}

async function sendSaveOffer(deps: NudgeDeps, c: StoredSaveCase): Promise<void> {
  const now = deps.clock.now();
  // A send interrupted by a dead worker: the member may have it; never send again.
  if (Object.values(c.offerDeliveries).includes('sending')) {
    const settled = Object.fromEntries(Object.entries(c.offerDeliveries).map(([k, v]) => [k, v === 'sending' ? 'unknown' : v]));
    await finish(deps, c, settled, null, now);
    return;
  }
  const member = await lookUpSaveMember(deps, c);
  if (!member.ok) {
    await deps.db.update(saveCases).set({ offerDueAt: new Date(now.getTime() + member.retryInMs), offerClaimedUntil: null, updatedAt: now }).where(eq(saveCases.id, c.id));
    return;
  }
  if (member.stillCanceling === false) {
    // Undone in Whop already: its fact will save the case; an offer now would be noise.
    await deps.db.update(saveCases).set({ offerDueAt: null, offerClaimedUntil: null, updatedAt: now }).where(eq(saveCases.id, c.id));
    return;
  }
  const settings = (await findOrCreateCurrentSettings(deps.db, c.companyId)).nudge;
  // "Too expensive": the code exists at Whop before any message names it (once per case, whatever
  // the number of workers); a code Whop refused makes the offer the creator's message.
  let promo: SaveOfferPromo | null = null;
  if (c.offerKind === 'promo_code') {
    const created = await createPromoCodeOnce(deps, { kind: 'save', companyId: c.companyId, saveCaseId: c.id, currency: await membershipCurrency(deps, c) }, settings.promo_code, now, member);
    if ('retryAt' in created) {
      await deps.db.update(saveCases).set({ offerDueAt: created.retryAt, offerClaimedUntil: null, updatedAt: now }).where(eq(saveCases.id, c.id));
      return;
    }
    promo = created.promo;
  }
  const enabled = CHANNELS.filter((ch) => settings[`enable_${ch}`]);
  const to: Recipient = { companyId: c.companyId, userId: member.userId, email: member.email, productId: member.productId, optedOut: await optedOutChannels(deps.db, c.companyId, { email: member.email, whopUserId: member.userId }) };
  const offerPage = saveOfferUrl(deps.links.publicUrl, deps.links.signingKey, { companyId: c.companyId, saveCaseId: c.id });
  // Through the click redirect (it records the click for the credit); it forwards to https only.
  const linkFor = (channel: Channel) => (offerPage.startsWith('https://') ? clickUrl(deps.links.publicUrl, deps.links.signingKey, { companyId: c.companyId, caseId: c.id, step: SAVE_OFFER_STEP, channel, to: offerPage }) : offerPage);
  const copy = composeSaveOffer({
    offer: { kind: c.offerKind, days: c.offerDays },
    promo,
    message: settings.save_offers.message,
    templates: settings.save_offers.templates,
    companyName: await findCompanyName(deps.db, c.companyId),
    productTitle: member.productTitle,
    linkFor,
    unsubscribeUrl: member.email ? unsubscribeUrl(deps.links.publicUrl, deps.links.signingKey, { companyId: c.companyId, email: member.email, whopUserId: member.userId }) : null,
  });

  const plan: Record<string, OfferDelivery> = {};
  for (const channel of enabled) {
    const module = CHANNEL_MODULES[channel];
    plan[channel] = !module.isConfigured(deps) ? 'outbox' : module.whyUnreachable(to) ? 'skipped' : 'sending';
  }
  // The text of every channel the offer goes to (sent or kept in the outbox), as a nudge's delivery keeps it.
  const messages = Object.fromEntries(enabled.map((channel) => {
    const rendered = CHANNEL_MODULES[channel].render(copy);
    return [channel, { subject: rendered.renderedSubject, body: rendered.renderedBody }];
  }));
  // At most once: the claim and the `sending` marks in one conditional write.
  const [marked] = await deps.db
    .update(saveCases)
    .set({ offerDeliveries: plan, offerMessages: enabled.length > 0 ? JSON.stringify(messages) : null, cancelsAt: member.cancelsAt, updatedAt: now })
    .where(and(eq(saveCases.id, c.id), isNull(saveCases.offerSentAt), eq(saveCases.status, 'open')))
    .returning({ id: saveCases.id });
  if (!marked) return;
  const outcome: Record<string, OfferDelivery> = { ...plan };
  for (const channel of enabled) {
    if (plan[channel] !== 'sending') continue;
    const sent = await CHANNEL_MODULES[channel].send(deps, copy, to);
    outcome[channel] = sent.ok ? 'sent' : sent.maybeDelivered ? 'unknown' : 'failed';
  }
  await finish(deps, c, outcome, member.cancelsAt, now);
}

async function finish(deps: NudgeDeps, c: StoredSaveCase, deliveries: Record<string, string>, cancelsAt: Date | null, now: Date): Promise<void> {
  await deps.db
    .update(saveCases)
    .set({ offerDeliveries: deliveries, offerSentAt: now, offerDueAt: null, offerClaimedUntil: null, ...(cancelsAt ? { cancelsAt } : {}), updatedAt: now })
    .where(eq(saveCases.id, c.id));
}

/** The membership's currency from its latest payment fact (a flat-amount code applies in one currency only). */
async function membershipCurrency(deps: NudgeDeps, c: StoredSaveCase): Promise<string | null> {
  const [row] = await deps.db
    .select({ currency: membershipFacts.currency })
    .from(membershipFacts)
    .where(and(eq(membershipFacts.companyId, c.companyId), eq(membershipFacts.whopMembershipId, c.whopMembershipId), isNotNull(membershipFacts.currency)))
    .orderBy(desc(membershipFacts.occurredAt))
    .limit(1);
  return row?.currency ?? null;
}

type SaveMember =
  | { ok: true; userId: string | null; email: string | null; productId: string | null; productTitle: string | null; cancelsAt: Date | null; stillCanceling: boolean | null }
  | { ok: false; retryInMs: number };

/** Who to reach: Whop's membership when a key is set (a failure waits and retries), else the latest fact's contact. */
async function lookUpSaveMember(deps: NudgeDeps, c: StoredSaveCase): Promise<SaveMember> {
  const [latest] = await deps.db
    .select({ email: membershipFacts.memberEmail, userId: membershipFacts.whopUserId })
    .from(membershipFacts)
    .where(and(eq(membershipFacts.companyId, c.companyId), eq(membershipFacts.whopMembershipId, c.whopMembershipId), isNotNull(membershipFacts.memberEmail)))
    .orderBy(desc(membershipFacts.occurredAt))
    .limit(1);
  if (!deps.whop) return { ok: true, userId: c.whopUserId ?? latest?.userId ?? null, email: latest?.email ?? null, productId: null, productTitle: null, cancelsAt: null, stillCanceling: null };
  const found = await deps.whop.getMembership(c.whopMembershipId);
  if (!found.ok) return { ok: false, retryInMs: found.retryable ? retryDelayMs(1, found.retryAfterMs, randomOf(deps)) : 10 * 60_000 };
  const m = found.value;
  const end = m.renewalPeriodEnd ? new Date(m.renewalPeriodEnd) : null;
  return { ok: true, userId: c.whopUserId ?? m.userId, email: latest?.email ?? m.email, productId: m.productId, productTitle: m.productTitle, cancelsAt: end && Number.isFinite(end.getTime()) ? end : null, stillCanceling: m.cancelAtPeriodEnd ?? null };
}
