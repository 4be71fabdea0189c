import { findActivePromoCode } from '../../db/repositories/incentives.repository.ts';
import { findOrCreateIncentive, transitionIncentive, type StoredCase } from '../../db/repositories/outreach.repository.ts';
import { describePromoOffer } from '../../domain/promo-code.ts';
import { createPromoCodeOnce, type PromoOffer } from './create-promo-code.ts';
import { incentiveCostCents } from '../../domain/incentive-cost.ts';
import type { OutreachSettings } from '../../domain/outreach-settings.ts';
import { retryDelayMs } from '../../domain/retry-backoff.ts';
import type { MemberContact } from './look-up-member.ts';
import { interruptedAfterMs, randomOf, type NudgeDeps } from './nudge-deps.ts';

const DAY_MS = 86_400_000;
/** A grant call that timed out is settled by reading Whop this much later. */
const GRANT_TIMEOUT_SETTLE_MS = 10_000;
const GRANT_TIMED_OUT = 'the Whop call timed out or the connection dropped: settled by reading the membership';

/** The free days or promo code to mention in the message, or when to try the step again. */
export type GrantOutcome = { days: number; promo?: PromoOffer } | { retryAt: Date; why: string };

/**
 * The incentive a later step mentions: a promo code created at the first step stays usable until
 * it expires or is redeemed, so later reminders repeat it; free days were given once and are not
 * promised again. No Whop call.
 */
export async function currentIncentive(deps: Pick<NudgeDeps, 'db'>, c: StoredCase, settings: OutreachSettings, now: Date): Promise<GrantOutcome> {
  if (settings.incentive_type !== 'promo_code') return { days: 0 };
  const active = await findActivePromoCode(deps.db, c.id, now);
  return { days: 0, promo: active ? { code: active.code, offer: describePromoOffer(active.terms) } : null };
}

/**
 * Grants the first-nudge free days once per case. The incentive row moves pending → granting in a
 * conditional update before Whop is called (with the membership's period end as it was), so
 * concurrent workers and retries call at most once. A grant interrupted mid-call (`granting` past
 * the lease) is settled by reading Whop: the period end moved by the days → granted (and said so
 * in the message); unchanged → granted now; anything else → `unknown` for an operator, never a
 * second grant.
 */
export async function grantIncentive(deps: NudgeDeps, c: StoredCase, settings: OutreachSettings, now: Date, member: MemberContact): Promise<GrantOutcome> {
  if (settings.incentive_type === 'promo_code') {
    const created = await createPromoCodeOnce(deps, { kind: 'recovery', case: c }, settings.promo_code, now, member);
    return 'retryAt' in created ? created : { days: 0, promo: created.promo };
  }
  const days = settings.incentive_days;
  if (days === 0 || settings.incentive_type !== 'free_days') return { days: 0 };
  const costCents = incentiveCostCents(c.amountAtRiskCents, days);
  const incentive = await findOrCreateIncentive(deps.db, { companyId: c.companyId, caseId: c.id, type: 'free_days', value: days, costCents, currency: c.currency });
  if (incentive.status === 'granted') return { days };
  if (incentive.status === 'failed' || incentive.status === 'unknown') return { days: 0 };
  if (incentive.status === 'granting') {
    // Our own call timed out: no worker is in it any more, only Whop may still be applying it.
    const settleAfter = incentive.error === GRANT_TIMED_OUT ? GRANT_TIMEOUT_SETTLE_MS : interruptedAfterMs(deps);
    if (now.getTime() - incentive.updatedAt.getTime() < settleAfter) return { retryAt: new Date(incentive.updatedAt.getTime() + settleAfter), why: 'incentive grant in progress; settled by reading Whop shortly' };
    const settled = await settleInterruptedGrant(deps, c, incentive, days, now);
    if (settled !== 'not_granted') return settled;
  }
  if (!deps.whop) {
    // Outbox mode: nothing can be granted, so the incentive resolves now rather than stay pending.
    await transitionIncentive(deps.db, incentive.id, 'pending', 'failed', { error: 'not granted: no Whop API key (outbox mode)', now });
    return { days: 0 };
  }
  // The evidence an interrupted grant is settled by: the period end just before the call.
  let periodEnd = member.renewalPeriodEnd;
  if (periodEnd === undefined) {
    const fresh = await deps.whop.getMembership(c.whopMembershipId);
    if (!fresh.ok) return { retryAt: new Date(now.getTime() + retryDelayMs(1, fresh.retryAfterMs, randomOf(deps))), why: `membership lookup before the grant failed: ${fresh.message}` };
    periodEnd = fresh.value.renewalPeriodEnd ?? null;
  }
  const periodEndBefore = periodEnd ? new Date(periodEnd) : null;
  if (!(await transitionIncentive(deps.db, incentive.id, 'pending', 'granting', { periodEndBefore, now }))) return { retryAt: new Date(now.getTime() + 60_000), why: 'incentive claimed by another worker' };
  const granted = await deps.whop.addFreeDays(c.whopMembershipId, days);
  if (granted.ok) {
    await transitionIncentive(deps.db, incentive.id, 'granting', 'granted', { grantedAt: now, error: null, now });
    return { days };
  }
  if (granted.maybeApplied) {
    // A timeout or a dropped connection: Whop may have applied it. Never call again blindly;
    // settle by reading the membership once Whop has had time to finish.
    await transitionIncentive(deps.db, incentive.id, 'granting', 'granting', { error: GRANT_TIMED_OUT, now });
    return { retryAt: new Date(now.getTime() + GRANT_TIMEOUT_SETTLE_MS), why: `free days call ${granted.message}; checking Whop before anything else` };
  }
  if (granted.retryable) {
    await transitionIncentive(deps.db, incentive.id, 'granting', 'pending', { error: granted.message, now });
    return { retryAt: new Date(now.getTime() + retryDelayMs(1, granted.retryAfterMs, randomOf(deps))), why: `free days not granted yet: ${granted.message}` };
  }
  await transitionIncentive(deps.db, incentive.id, 'granting', 'failed', { error: granted.message, now });
  return { days: 0 };
}

/**
 * A grant whose worker died during the Whop call: did the membership get the days? Read Whop's
 * period end and compare it with the one recorded before the call.
 */
async function settleInterruptedGrant(
  deps: NudgeDeps,
  c: StoredCase,
  incentive: { id: string; periodEndBefore: Date | null },
  days: number,
  now: Date,
): Promise<GrantOutcome | 'not_granted'> {
  const current = deps.whop && incentive.periodEndBefore ? await deps.whop.getMembership(c.whopMembershipId) : null;
  if (current && !current.ok && current.retryable) return { retryAt: new Date(now.getTime() + retryDelayMs(1, current.retryAfterMs, randomOf(deps))), why: `checking an interrupted grant: ${current.message}` };
  const after = current?.ok && current.value.renewalPeriodEnd ? Date.parse(current.value.renewalPeriodEnd) : NaN;
  const moved = after - (incentive.periodEndBefore?.getTime() ?? NaN);
  // A minute of slack either way: Whop's timestamps are its own.
  if (moved >= days * DAY_MS - 60_000 && moved <= days * DAY_MS + 60_000) {
    await transitionIncentive(deps.db, incentive.id, 'granting', 'granted', { grantedAt: now, error: 'interrupted during the Whop call; Whop shows the days granted', now });
    return { days };
  }
  if (Math.abs(moved) <= 60_000) {
    // Whop never applied it: grant it now, as if the call had never been made.
    return (await transitionIncentive(deps.db, incentive.id, 'granting', 'pending', { error: 'interrupted before Whop applied it; granting again', now }))
      ? 'not_granted'
      : { retryAt: new Date(now.getTime() + 60_000), why: 'incentive settled by another worker' };
  }
  await transitionIncentive(deps.db, incentive.id, 'granting', 'unknown', { error: 'interrupted during the Whop call and Whop does not show it clearly; check the membership before granting by hand', now });
  return { days: 0 };
}
