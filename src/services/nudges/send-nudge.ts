import {
  appendCaseEvent,
  findCase,
  findOrCreateStepDeliveries,
  hasCaseEvent,
  optedOutChannels,
  updateCaseOutreach,
  type Delivery,
  type StoredCase,
} from '../../db/repositories/outreach.repository.ts';
import { CHANNELS, channelToggle, type Channel } from '../../domain/channels.ts';
import { composeNudge } from '../../domain/compose-nudge.ts';
import { declineVariantOf } from '../../domain/decline-variant.ts';
import { placeholderValuesOf } from '../../domain/message-template.ts';
import { formatAmount } from '../../domain/money.ts';
import { nextNudgeAt, scheduleInputOf, stepIndexFor } from '../../domain/nudge-schedule.ts';
import { retryPaymentDecision, retrySignalsOfCase } from '../../domain/playbook.ts';
import { unsubscribeUrl } from '../members/unsubscribe-links.ts';
import { clickUrl } from './click-links.ts';
import { deliverStep } from './deliver-step.ts';
import { grantIncentive } from './grant-incentive.ts';
import { lookUpMember } from './look-up-member.ts';
import { interruptedAfterMs, type NudgeDeps } from './nudge-deps.ts';
import { retryPaymentFirst } from './retry-payment-first.ts';

export type { NudgeDeps, SettingsSource } from './nudge-deps.ts';
/** @deprecated the glossary says nudge: use NudgeDeps (kept while other branches merge). */
export type OutreachDeps = NudgeDeps;

export type SendNudgeResult =
  | { ok: true; outcome: 'sent'; step: number; channels: Partial<Record<Channel, string>> }
  | { ok: true; outcome: 'waiting'; step: number; retryAt: Date; why: string }
  | { ok: true; outcome: 'recovered_by_retry'; step: number }
  | { ok: false; reason: 'not_found' | 'case_closed' | 'no_steps_left' | 'not_due' | 'held_out' };

type CaseUpdate = Parameters<typeof updateCaseOutreach>[2];

/**
 * Sends the current step of one case on every enabled channel, once. The caller holds the case's
 * lease (claimDueCases) or is a manual "nudge now". Re-checks eligibility first; every channel's
 * attempt is a `deliveries` row keyed (case, step, channel), so a retry or a second worker never
 * sends a channel twice; the step counts as done when every channel reached a final status.
 * `force` skips the due-time check (an operator's "nudge now"); min_gap is the caller's to check.
 */
export async function sendNudge(deps: NudgeDeps, caseOrId: string | StoredCase, options: { force?: boolean; actor?: string } = {}): Promise<SendNudgeResult> {
  const now = deps.clock.now();
  const c = typeof caseOrId === 'string' ? await findCase(deps.db, caseOrId) : caseOrId;
  if (!c) return { ok: false, reason: 'not_found' };
  const caseId = c.id;
  const contactUpdate: CaseUpdate = {};
  const release = (update: CaseUpdate = {}) => updateCaseOutreach(deps.db, caseId, { nudgeClaimedUntil: null, ...contactUpdate, ...update });
  if (c.status !== 'open') {
    await release({ nextNudgeAt: null });
    return { ok: false, reason: 'case_closed' };
  }
  // Issue #12: the control group gets nothing from us (no nudge, incentive, payment retry or offer).
  if (c.holdout) {
    await release({ nextNudgeAt: null });
    return { ok: false, reason: 'held_out' };
  }
  const settings = await deps.settings.settingsVersion(c.companyId, c.settingsVersion);
  const step = stepIndexFor(settings.reminder_offsets_days, c.stepsSent);
  if (step === null) {
    await release({ nextNudgeAt: null });
    return { ok: false, reason: 'no_steps_left' };
  }
  if (!options.force && (c.nextNudgeAt === null || c.nextNudgeAt.getTime() > now.getTime())) {
    await release();
    return { ok: false, reason: 'not_due' };
  }
  const waitUntil = async (retryAt: Date, why: string): Promise<SendNudgeResult> => {
    await release({ nextNudgeAt: retryAt });
    return { ok: true, outcome: 'waiting', step, retryAt, why };
  };

  // #15: never while Whop has its own attempt scheduled, for a non-retryable payment or an unusable card.
  const whop = deps.whop;
  const whopPaymentId = c.whopPaymentId;
  if (settings.retry_payment_first && retryPaymentDecision(true, retrySignalsOfCase(c), now).retry && whop && whopPaymentId && !(await hasCaseEvent(deps.db, caseId, `payment_retried_step_${step}`))) {
    const recovered = await retryPaymentFirst({ ...deps, whop }, { ...c, whopPaymentId }, step, now);
    if (recovered) return { ok: true, outcome: 'recovered_by_retry', step };
  }

  const member = await lookUpMember(deps, c);
  if (!member.ok) return waitUntil(new Date(now.getTime() + member.retryInMs), member.why);
  // What Whop told us about the member is kept with the case's next write (one statement); the
  // manage URL too, so later steps need no lookup (it is stable per membership).
  Object.assign(contactUpdate, { memberName: member.name, memberEmail: member.email, whopUserId: member.userId, whopProductId: member.productId });
  if (member.fromWhop) Object.assign(contactUpdate, { manageUrl: member.manageUrl, whopProductTitle: member.productTitle });

  const incentive = step === 0 ? await grantIncentive(deps, c, settings, now, member) : { days: 0 };
  if ('retryAt' in incentive) return waitUntil(incentive.retryAt, incentive.why);

  const composed = composeNudge({
    settings,
    stepIndex: step,
    variant: declineVariantOf(c.failureReason),
    values: placeholderValuesOf({
      memberName: member.name,
      product: member.productTitle,
      amount: formatAmount(c.amountAtRiskCents, c.currency ?? 'usd'),
      manageUrl: member.manageUrl,
      incentiveDays: incentive.days,
    }),
    unsubscribeUrl: member.email ? unsubscribeUrl(deps.links.publicUrl, deps.links.signingKey, { companyId: c.companyId, email: member.email, whopUserId: member.userId }) : deps.links.publicUrl,
    // Issue #12: the manage link goes through our redirect, which records the click for credit.
    manageUrlFor: (channel) => clickUrl(deps.links.publicUrl, deps.links.signingKey, { companyId: c.companyId, caseId, step, channel, to: member.manageUrl }),
  });

  const enabled = CHANNELS.filter((channel) => settings[channelToggle(channel)]);
  const created = await findOrCreateStepDeliveries(deps.db, { companyId: c.companyId, caseId, step }, enabled);
  // One look at the opt-outs for every channel of this step.
  const optedOut = await optedOutChannels(deps.db, c.companyId, { email: member.email, whopUserId: member.userId });
  const rows = await deliverStep(deps, created, composed, { companyId: c.companyId, userId: member.userId, email: member.email, productId: member.productId, optedOut }, now);
  const pending = rows.filter((d) => d.status === 'pending' || d.status === 'sending');
  if (pending.length > 0) return waitUntil(retryAtOf(deps, pending, now), `retrying ${pending.map((d) => d.channel).join(', ')}`);

  const channels = Object.fromEntries(rows.map((d) => [d.channel, d.status])) as Partial<Record<Channel, string>>;
  const stepsSent = c.stepsSent + 1;
  await appendCaseEvent(deps.db, {
    companyId: c.companyId,
    caseId,
    status: 'open',
    reason: 'nudge_sent',
    actor: options.actor ?? 'system',
    source: 'outreach',
    detail: { step, channels, ...(incentive.days > 0 ? { incentive_days: incentive.days } : {}) },
    at: now,
  });
  const schedule = scheduleInputOf(settings, { firstFailureAt: c.firstFailureAt, stepsSent, lastNudgeAt: now, status: 'open', attributionEndsAt: c.attributionEndsAt });
  await release({ stepsSent, lastNudgeAt: now, nextNudgeAt: nextNudgeAt(schedule, now) });
  for (const [channel, status] of Object.entries(channels)) deps.metrics?.nudgeDeliveries.inc({ channel, status });
  return { ok: true, outcome: 'sent', step, channels };
}

/** When the step is tried again: the earliest backoff, or when an in-flight call counts as interrupted. */
function retryAtOf(deps: NudgeDeps, pending: readonly Delivery[], now: Date): Date {
  return new Date(Math.min(...pending.map((d) => (d.status === 'sending' ? d.updatedAt.getTime() + interruptedAfterMs(deps) : (d.nextAttemptAt?.getTime() ?? now.getTime())))));
}
