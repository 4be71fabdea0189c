import {
  appendCaseEvent,
  findCase,
  hasCaseEvent,
  optOutsAmong,
  type Delivery,
  type StoredCase,
} from '../../db/repositories/nudges.repository.ts';
import { CHANNELS, channelToggle, type Channel } from '../../domain/channels.ts';
import { composeNudge } from '../../domain/compose-nudge.ts';
import { declineVariantOf } from '../../domain/decline-variant.ts';
import { placeholderValuesOf } from '../../domain/message-template.ts';
import { formatAmount } from '../../domain/money.ts';
import { stepIndexFor } from '../../domain/nudge-schedule.ts';
import { decideContact, type HoldReason } from '../../domain/contact-policy.ts';
import { categoryOfCase, nextCaseStep } from '../../domain/next-case-step.ts';
import { findLatestHold, hasCaseEventForStep, isMembershipEnded, isMembershipEndedBy, listChannelsSentForInvoiceStep, listMemberNudgeTimes, lockMemberContact } from '../../db/repositories/contact-history.repository.ts';
import type { NudgeContext } from '../../db/repositories/nudge-context.repository.ts';
import { recordNudgeOutcomes, startStepDeliveries, type NudgeOutcome, type StepStart } from '../../db/repositories/step-deliveries.repository.ts';
import type { NudgeRound } from './nudge-round.ts';
import type { NudgeSettings } from '../../domain/nudge-settings.ts';
import type { AppDb, AppTx } from '../../db/client.ts';
import { retryPaymentDecision, retrySignalsOfCase } from '../../domain/playbook.ts';
import { settingsForVariant } from '../../domain/variant-copy.ts';
import { isDeliveryInTest } from '../../domain/variant-test.ts';
import { unsubscribeUrl } from '../members/unsubscribe-links.ts';
import { clickUrl } from './click-links.ts';
import { deliverStep } from './deliver-step.ts';
import { currentIncentive, grantIncentive } from './grant-incentive.ts';
import { lookUpMember } from './look-up-member.ts';
import { interruptedAfterMs, type NudgeDeps } from './nudge-deps.ts';
import { retryPaymentFirst } from './retry-payment-first.ts';

export type { NudgeDeps, SettingsSource } from './nudge-deps.ts';

export type SendNudgeResult =
  | { ok: true; outcome: 'sent'; step: number; channels: Partial<Record<Channel, string>> }
  | { ok: true; outcome: 'waiting'; step: number; retryAt: Date; why: string }
  | { ok: true; outcome: 'recovered_by_retry'; step: number }
  /** #15 contact policy: the step is held for good (until null) or moved on (the invoice already had it). */
  | { ok: true; outcome: 'held'; step: number; why: HoldReason }
  | { ok: false; reason: 'not_found' | 'case_closed' | 'no_steps_left' | 'not_due' | 'held_out' };

type CaseUpdate = NudgeOutcome['update'];

/**
 * The step a case is at under its settings: with playbooks on, the case's category plans it (the
 * index may skip a dropped step); else the next of reminder_offsets_days. null: no step left.
 */
export function plannedStepOf(c: StoredCase, settings: NudgeSettings, now: Date) {
  const planned = nextCaseStep(c, settings, now);
  const step = settings.decline_playbooks ? (planned?.index ?? null) : stepIndexFor(settings.reminder_offsets_days, c.stepsSent);
  return { planned, step };
}

/**
 * Sends the current step of one case on every enabled channel, once. The caller holds the case's
 * lease (claimRound) or is a manual "nudge now". Re-checks eligibility first; every channel's
 * attempt is a `deliveries` row keyed (case, step, channel), so a retry or a second worker never
 * sends a channel twice; the step counts as done when every channel reached a final status.
 * `force` skips the due-time check (an operator's "nudge now"); min_gap is the caller's to check.
 *
 * `context`: what the claim round read about the case for this step (claimRound, contextForStep:
 * one statement for the round, read while the member is looked up); absent (a manual nudge), each
 * read is its own query. `round`: the claim round whose start and end statements this nudge shares.
 */
export async function sendNudge(deps: NudgeDeps, caseOrId: string | StoredCase, options: { force?: boolean; actor?: string; context?: Promise<NudgeContext | undefined>; round?: NudgeRound } = {}): Promise<SendNudgeResult> {
  const now = deps.clock.now();
  const c = typeof caseOrId === 'string' ? await findCase(deps.db, caseOrId) : caseOrId;
  if (!c) return { ok: false, reason: 'not_found' };
  const caseId = c.id;
  const contactUpdate: CaseUpdate = {};
  // In a claim round the step's start and end statements are shared with the round's other nudges.
  const startStep = async (start: StepStart) => (options.round ? options.round.startStep(start) : (await startStepDeliveries(deps.db, [start]))[0]!);
  const endNudge = (outcome: NudgeOutcome) => (options.round ? options.round.endNudge(outcome) : recordNudgeOutcomes(deps.db, [outcome]));
  const release = (update: CaseUpdate = {}) => endNudge({ caseId, deliveries: [], update: { nudgeClaimedUntil: null, ...contactUpdate, ...update }, now });
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
  // #15: with playbooks on, the case's category plans its steps (the index may skip a dropped step).
  const { planned, step } = plannedStepOf(c, settings, now);
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
  const retryFirst = settings.decline_playbooks ? (planned?.retryFirst ?? false) : settings.retry_payment_first;
  if (retryFirst && retryPaymentDecision(true, retrySignalsOfCase(c), now).retry && whop && whopPaymentId && !(await hasCaseEvent(deps.db, caseId, `payment_retried_step_${step}`))) {
    const recovered = await retryPaymentFirst({ ...deps, whop }, { ...c, whopPaymentId }, step, now);
    if (recovered) return { ok: true, outcome: 'recovered_by_retry', step };
  }

  const member = await lookUpMember(deps, c);
  const batched = await options.context?.catch(() => undefined);
  const context = batched?.step === step ? batched : undefined;
  if (!member.ok) return waitUntil(new Date(now.getTime() + member.retryInMs), member.why);
  // What Whop told us about the member is kept with the case's next write (one statement); the
  // manage URL too, so later steps need no lookup (it is stable per membership).
  Object.assign(contactUpdate, { memberName: member.name, memberEmail: member.email, whopUserId: member.userId, whopProductId: member.productId });
  if (member.fromWhop) Object.assign(contactUpdate, { manageUrl: member.manageUrl, whopProductTitle: member.productTitle });

  // #15 contact policy: gone members, an invoice's step already sent, the member cap, quiet hours.
  // An operator's forced "nudge now" is not held by the cap or quiet hours (they asked for it now).
  const capWindowMs = (settings.member_cap?.window_hours ?? 0) * 3_600_000;
  const memberKey = { whopUserId: member.userId, whopMembershipId: c.whopMembershipId };
  const decide = async (q: AppDb | AppTx) =>
    decideContact(
      {
        memberCap: settings.member_cap && !options.force ? { maxNudges: settings.member_cap.max_nudges, windowHours: settings.member_cap.window_hours } : null,
        // Off, quiet hours were applied when the step was scheduled (nextNudgeAt), as before #15.
        quietHours: settings.decline_playbooks && !options.force ? settings.quiet_hours : null,
      },
      {
        now,
        channels: settings.decline_playbooks ? (planned?.channels ?? []) : CHANNELS.filter((channel) => settings[channelToggle(channel)]),
        membershipEnded: context ? isMembershipEndedBy(context.endFacts, { deactivationEnds: settings.decline_playbooks }) : await isMembershipEnded(q, c.companyId, c.whopMembershipId, { deactivationEnds: settings.decline_playbooks }),
        memberTimeZone: null,
        memberNudgesAt: settings.member_cap ? await listMemberNudgeTimes(q, c.companyId, memberKey, new Date(now.getTime() - capWindowMs), { caseId, step }) : [],
        // Under the member's lock (a cap), read again: the batch's read is from before the lock.
        sentForInvoiceStep: context && !settings.member_cap ? context.sentForInvoiceStep : await listChannelsSentForInvoiceStep(q, c.companyId, c.whopPaymentId, step, caseId),
        mustSendBefore: settings.decline_playbooks ? (planned?.whopCancelAt ?? null) : null,
      },
    );
  // With a cap, the decision and a reservation of the step are one transaction under the member's
  // lock: concurrent workers sending two cases of one member see each other's steps.
  const contact = !settings.member_cap
    ? await decide(deps.db)
    : await deps.db.transaction(async (tx) => {
        await lockMemberContact(tx, c.companyId, memberKey);
        const decided = await decide(tx);
        if (decided.send && !(await hasCaseEventForStep(tx, caseId, 'nudge_reserved', step))) await appendCaseEvent(tx, { companyId: c.companyId, caseId, status: 'open', reason: 'nudge_reserved', actor: 'system', source: 'outreach', detail: { step }, at: now });
        return decided;
      });
  if (!contact.send) {
    const latest = context ? context.latestHold : await findLatestHold(deps.db, caseId);
    const until = contact.until?.toISOString() ?? null;
    // The hold is written once (not at every sweep), with the case's update: one statement.
    const event = latest?.step !== step || latest?.why !== contact.reason || latest?.until !== until
      ? { companyId: c.companyId, caseId, status: 'open', reason: 'nudge_held', actor: 'system', source: 'outreach' as const, detail: { step, why: contact.reason, until }, at: now }
      : null;
    // already_sent_for_invoice: the member has this step from another case of the same payment: go on to the next one.
    const stepsSent = step + 1;
    const update: CaseUpdate = contact.until ? { nextNudgeAt: contact.until }
      : contact.reason === 'already_sent_for_invoice' ? { stepsSent, nextNudgeAt: nextCaseStep({ ...c, stepsSent }, settings, now)?.at ?? null }
      : { nextNudgeAt: null };
    await endNudge({ caseId, deliveries: [], event, update: { nudgeClaimedUntil: null, ...contactUpdate, ...update }, now });
    if (contact.until) return { ok: true, outcome: 'waiting', step, retryAt: contact.until, why: `held: ${contact.reason}` };
    return { ok: true, outcome: 'held', step, why: contact.reason };
  }

  const incentive = step === 0 ? await grantIncentive(deps, c, settings, now, member) : await currentIncentive(deps, c, settings, now);
  if ('retryAt' in incentive) return waitUntil(incentive.retryAt, incentive.why);

  // #15: a charge waiting for 3-D Secure links Whop's recovery page (where the member confirms it), not the manage page.
  const category = planned?.category ?? categoryOfCase(c);
  const link = category === 'needs_authentication' && c.recoveryUrl ? c.recoveryUrl : member.manageUrl;
  // #15 §5: a case in its settings' variant test gets its variant's text; the tested deliveries record which.
  const test = c.testVariant !== null && c.variantTestVersion === settings.variant_test?.started_version ? settings.variant_test : null;
  const composed = composeNudge({
    settings: test ? settingsForVariant(settings, c.testVariant) : settings,
    stepIndex: step,
    variant: declineVariantOf(c.failureReason),
    category,
    values: placeholderValuesOf({
      memberName: member.name,
      product: member.productTitle,
      amount: formatAmount(c.amountAtRiskCents, c.currency ?? 'usd'),
      manageUrl: link,
      incentiveDays: incentive.days,
      promo: incentive.promo ?? null,
    }),
    unsubscribeUrl: member.email ? unsubscribeUrl(deps.links.publicUrl, deps.links.signingKey, { companyId: c.companyId, email: member.email, whopUserId: member.userId }) : deps.links.publicUrl,
    // Issue #12: the manage link goes through our redirect, which records the click for credit.
    manageUrlFor: (channel) => clickUrl(deps.links.publicUrl, deps.links.signingKey, { companyId: c.companyId, caseId, step, channel, to: link }),
  });

  // One statement: the step's rows created or made due `sending` (and a dead worker's `sending` settled `unknown`).
  const subject = { email: member.email, whopUserId: member.userId };
  const started = await startStep({
    companyId: c.companyId, caseId, step, channels: contact.channels, testVariantOf: (channel) => (test && isDeliveryInTest(test, channel, step) ? c.testVariant : null),
    now, interruptedBefore: new Date(now.getTime() - interruptedAfterMs(deps)), subject,
  });
  // The same statement read the member's opt-outs, for every channel of this step.
  const optedOut = optOutsAmong(started.optOutRows, subject);
  const { rows, outcomes } = await deliverStep(deps, started.rows, started.mine, composed, { companyId: c.companyId, userId: member.userId, email: member.email, productId: member.productId, optedOut }, now);
  const pending = rows.filter((d) => d.status === 'pending' || d.status === 'sending');
  if (pending.length > 0) {
    // The outcomes, the lease released and the retry time: one statement.
    const retryAt = retryAtOf(deps, pending, now);
    await endNudge({ caseId, deliveries: outcomes, update: { nudgeClaimedUntil: null, ...contactUpdate, nextNudgeAt: retryAt }, now });
    return { ok: true, outcome: 'waiting', step, retryAt, why: `retrying ${pending.map((d) => d.channel).join(', ')}` };
  }

  const channels = Object.fromEntries(rows.map((d) => [d.channel, d.status])) as Partial<Record<Channel, string>>;
  const stepsSent = step + 1;
  // The channels' outcomes, the nudge_sent timeline row and the case's step: one statement, one commit.
  await endNudge({
    caseId,
    deliveries: outcomes,
    event: {
      companyId: c.companyId,
      caseId,
      status: 'open',
      reason: 'nudge_sent',
      actor: options.actor ?? 'system',
      source: 'outreach',
      detail: { step, channels, ...(incentive.days > 0 ? { incentive_days: incentive.days } : {}), ...(incentive.promo ? { promo_code: incentive.promo.code } : {}) },
      at: now,
    },
    update: { nudgeClaimedUntil: null, ...contactUpdate, stepsSent, lastNudgeAt: now, nextNudgeAt: nextCaseStep({ ...c, stepsSent, lastNudgeAt: now, status: 'open' }, settings, now)?.at ?? null },
    now,
  });
  for (const [channel, status] of Object.entries(channels)) deps.metrics?.nudgeDeliveries.inc({ channel, status });
  return { ok: true, outcome: 'sent', step, channels };
}

/** When the step is tried again: the earliest backoff, or when an in-flight call counts as interrupted. */
function retryAtOf(deps: NudgeDeps, pending: readonly Delivery[], now: Date): Date {
  return new Date(Math.min(...pending.map((d) => (d.status === 'sending' ? d.updatedAt.getTime() + interruptedAfterMs(deps) : (d.nextAttemptAt?.getTime() ?? now.getTime())))));
}
