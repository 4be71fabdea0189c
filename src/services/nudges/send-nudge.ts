import type { AppDb } from '../../db/client.ts';
import { findSettingsVersion } from '../../db/repositories/companies.repository.ts';
import { insertMembershipFact } from '../../db/repositories/membership-facts.repository.ts';
import {
  appendCaseEvent,
  findCase,
  findOrCreateStepDeliveries,
  findOrCreateIncentive,
  hasCaseEvent,
  markDeliveriesSending,
  NUDGE_LEASE_MS,
  optedOutChannels,
  transitionIncentive,
  updateCaseOutreach,
  updateDelivery,
  type Delivery,
  type StoredCase,
} from '../../db/repositories/outreach.repository.ts';
import type { DeliveryChannel } from '../../db/schema/deliveries.ts';
import { composeNudge, type ComposedNudge } from '../../domain/compose-nudge.ts';
import { declineVariantOf } from '../../domain/decline-variant.ts';
import { placeholderValuesOf } from '../../domain/message-template.ts';
import { formatMinorUnits, toMinorUnits } from '../../domain/money.ts';
import { nextNudgeAt, stepIndexFor } from '../../domain/nudge-schedule.ts';
import type { OutreachSettings } from '../../domain/outreach-settings.ts';
import { retryPaymentDecision, retrySignalsOfCase } from '../../domain/playbook.ts';
import { MAX_DELIVERY_ATTEMPTS, retryDelayMs } from '../../domain/retry-backoff.ts';
import type { EmailSender } from '../../integrations/email/email-sender.ts';
import type { MemberMembership, WhopGateway } from '../../integrations/whop/whop-gateway.ts';
import type { Metrics } from '../../observability/metrics.ts';
import type { Clock } from '../../integrations/clock.ts';
import { reconcileMembershipCases } from '../cases/reconcile-membership-cases.ts';
import { unsubscribeUrl } from '../members/unsubscribe-links.ts';
import { clickUrl } from './click-links.ts';

export interface OutreachDeps {
  db: AppDb;
  clock: Clock;
  /** null: no WHOP_API_KEY; push and DM are recorded as outbox with their text. */
  whop: WhopGateway | null;
  /** null: no SMTP; email is recorded as outbox with its text. */
  email: EmailSender | null;
  links: { publicUrl: string; signingKey: string };
  /** [0, 1); tests inject a fixed value for exact backoff times. */
  random?: () => number;
  metrics?: Metrics;
  /** How long a claim on a case lasts (NUDGE_LEASE_SECONDS); default NUDGE_LEASE_MS. */
  leaseMs?: number;
}

export type SendNudgeResult =
  | { ok: true; outcome: 'sent'; step: number; channels: Partial<Record<DeliveryChannel, string>> }
  | { ok: true; outcome: 'waiting'; step: number; retryAt: Date; why: string }
  | { ok: true; outcome: 'recovered_by_retry'; step: number }
  | { ok: false; reason: 'not_found' | 'case_closed' | 'no_steps_left' | 'not_due' | 'held_out' };

/** A membership Whop says is not there (a 4xx) is looked up again this much later. */
const LOOKUP_GONE_RETRY_MS = 10 * 60_000;
const DAY_MS = 86_400_000;
/**
 * A `sending` delivery or a `granting` incentive older than the case lease was left by a worker
 * that died during the provider call: the lease is what keeps a live worker's call from being
 * taken for a dead one's (every provider call times out well within it).
 */
const interruptedAfterMs = (deps: OutreachDeps) => deps.leaseMs ?? NUDGE_LEASE_MS;
/** A grant call that timed out is settled by reading Whop this much later. */
const GRANT_TIMEOUT_SETTLE_MS = 10_000;
const GRANT_TIMED_OUT = 'the Whop call timed out or the connection dropped: settled by reading the membership';

/**
 * Sends the current step of one case on every enabled channel, once. The caller holds the case's
 * lease (claimDueCases) or is a manual "nudge now". Re-checks eligibility first; every channel's
 * attempt is a `deliveries` row keyed (case, step, channel), so a retry or a second worker never
 * sends a channel twice; the step counts as done when every channel reached a final status.
 * `force` skips the due-time check (an operator's "nudge now"); min_gap is the caller's to check.
 */
export async function sendNudge(deps: OutreachDeps, caseOrId: string | StoredCase, options: { force?: boolean; actor?: string } = {}): Promise<SendNudgeResult> {
  const now = deps.clock.now();
  const c = typeof caseOrId === 'string' ? await findCase(deps.db, caseOrId) : caseOrId;
  if (!c) return { ok: false, reason: 'not_found' };
  const caseId = c.id;
  const contactUpdate: Parameters<typeof updateCaseOutreach>[2] = {};
  const release = (update: Parameters<typeof updateCaseOutreach>[2] = {}) => updateCaseOutreach(deps.db, caseId, { nudgeClaimedUntil: null, ...contactUpdate, ...update });
  if (c.status !== 'open') {
    await release({ nextNudgeAt: null });
    return { ok: false, reason: 'case_closed' };
  }
  // Issue #12: the control group gets nothing from us (no nudge, incentive, payment retry or offer).
  if (c.holdout) {
    await release({ nextNudgeAt: null });
    return { ok: false, reason: 'held_out' };
  }
  const settings = await settingsOf(deps, c.companyId, c.settingsVersion);
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
  if (settings.retry_payment_first && retryPaymentDecision(true, retrySignalsOfCase(c), now).retry && deps.whop && c.whopPaymentId && !(await hasCaseEvent(deps.db, caseId, `payment_retried_step_${step}`))) {
    const recovered = await retryPaymentFirst(deps, c, step, now);
    if (recovered) return { ok: true, outcome: 'recovered_by_retry', step };
  }

  const member = await lookUpMember(deps, c);
  if (!member.ok) return waitUntil(new Date(now.getTime() + member.retryInMs), member.why);
  // What Whop told us about the member is kept with the case's next write (one statement); the
  // manage URL too, so later steps need no lookup (it is stable per membership).
  Object.assign(contactUpdate, { memberName: member.name, memberEmail: member.email, whopUserId: member.userId, whopProductId: member.productId });
  if (member.fromWhop) Object.assign(contactUpdate, { manageUrl: member.manageUrl, whopProductTitle: member.productTitle });

  const incentive = step === 0 ? await grantIncentiveOnce(deps, c, settings, now, member) : { days: 0 };
  if ('retryAt' in incentive) return waitUntil(incentive.retryAt, incentive.why);

  const currency = c.currency ?? 'usd';
  const composed = composeNudge({
    settings,
    stepIndex: step,
    variant: declineVariantOf(c.failureReason),
    values: placeholderValuesOf({
      memberName: member.name,
      product: member.productTitle,
      amount: formatAmount(c.amountAtRiskCents, currency),
      manageUrl: member.manageUrl,
      incentiveDays: incentive.days,
    }),
    unsubscribeUrl: member.email ? unsubscribeUrl(deps.links.publicUrl, deps.links.signingKey, { companyId: c.companyId, email: member.email, whopUserId: member.userId }) : deps.links.publicUrl,
    // Issue #12: the manage link goes through our redirect, which records the click for credit.
    manageUrlFor: (channel) => clickUrl(deps.links.publicUrl, deps.links.signingKey, { companyId: c.companyId, caseId, step, channel, to: member.manageUrl }),
  });

  const enabled: DeliveryChannel[] = (['push', 'dm', 'email'] as const).filter((ch) => settings[`enable_${ch}`]);
  const rows = await findOrCreateStepDeliveries(deps.db, { companyId: c.companyId, caseId, step }, enabled);
  // One look at the opt-outs for every channel of this step.
  const optedOut = await optedOutChannels(deps.db, c.companyId, { email: member.email, whopUserId: member.userId });
  const to = { companyId: c.companyId, userId: member.userId, email: member.email, productId: member.productId, optedOut };
  await settleInterruptedDeliveries(deps, rows, now);
  // Marked `sending` in one statement before any provider call: a kill between the call and its
  // record leaves `sending`, never a `pending` row another sweep would send again (at most once).
  const due = rows.filter((d) => d.status === 'pending' && !(d.nextAttemptAt && d.nextAttemptAt.getTime() > now.getTime()));
  const mine = await markDeliveriesSending(deps.db, due.map((d) => d.id), now);
  // Channels go out side by side: they are independent, and each has its own row.
  await Promise.all(
    rows.map(async (delivery, i) => {
      if (!mine.has(delivery.id)) return;
      rows[i] = await attemptDelivery(deps, delivery, delivery.channel, composed, to, now);
    }),
  );
  const pending = rows.filter((d) => d.status === 'pending' || d.status === 'sending');
  if (pending.length > 0) {
    const retryAt = new Date(Math.min(...pending.map((d) => (d.status === 'sending' ? d.updatedAt.getTime() + interruptedAfterMs(deps) : (d.nextAttemptAt?.getTime() ?? now.getTime())))));
    return waitUntil(retryAt, `retrying ${pending.map((d) => d.channel).join(', ')}`);
  }
  const channels = Object.fromEntries(rows.map((d) => [d.channel, d.status])) as Partial<Record<DeliveryChannel, string>>;
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
  await release({
    stepsSent,
    lastNudgeAt: now,
    nextNudgeAt: nextNudgeAt(
      {
        offsetsDays: settings.reminder_offsets_days,
        firstFailureAt: c.firstFailureAt,
        stepsSent,
        lastNudgeAt: now,
        minGapHours: settings.min_gap_hours,
        quietHours: settings.quiet_hours,
        status: 'open',
        attributionEndsAt: c.attributionEndsAt,
      },
      now,
    ),
  });
  for (const [channel, status] of Object.entries(channels)) deps.metrics?.nudgeDeliveries.inc({ channel, status });
  return { ok: true, outcome: 'sent', step, channels };
}

const settingsCache = new Map<string, OutreachSettings>();
/** Settings versions never change once saved, so each is read from the database once per process. */
async function settingsOf(deps: OutreachDeps, companyId: string, version: number): Promise<OutreachSettings> {
  const key = `${companyId}:${version}`;
  let settings = settingsCache.get(key);
  if (!settings) {
    settings = (await findSettingsVersion(deps.db, companyId, version)).outreach;
    if (settingsCache.size > 10_000) settingsCache.clear();
    settingsCache.set(key, settings);
  }
  return settings;
}

interface MemberContact {
  ok: true;
  /** Read from Whop at this nudge (so worth caching on the case), not from the case or outbox defaults. */
  fromWhop: boolean;
  /** The membership's period end as Whop gave it now; undefined when not looked up at this nudge. */
  renewalPeriodEnd?: string | null;
  manageUrl: string;
  name: string | null;
  email: string | null;
  userId: string | null;
  productId: string | null;
  productTitle: string | null;
}

/**
 * The member's manage URL and contact details. Without a Whop API key (outbox mode) the URL is
 * Whop's standard form, since nothing leaves the building anyway. With one, the URL cached on the
 * case (from an earlier lookup) serves without a call; else Whop must answer, and a transient
 * failure waits what Whop asked (Retry-After) or a short backoff.
 */
async function lookUpMember(deps: OutreachDeps, c: StoredCase): Promise<MemberContact | { ok: false; why: string; retryInMs: number }> {
  if (deps.whop && c.manageUrl) {
    return { ok: true, fromWhop: false, manageUrl: c.manageUrl, name: c.memberName, email: c.memberEmail, userId: c.whopUserId, productId: c.whopProductId, productTitle: c.whopProductTitle };
  }
  if (!deps.whop) {
    return {
      ok: true,
      fromWhop: false,
      manageUrl: `https://whop.com/billing/manage/${c.whopMembershipId}`,
      name: c.memberName,
      email: c.memberEmail,
      userId: c.whopUserId,
      productId: c.whopProductId,
      productTitle: null,
    };
  }
  const found = await deps.whop.getMembership(c.whopMembershipId);
  if (!found.ok) return { ok: false, why: `membership lookup failed: ${found.message}`, retryInMs: found.retryable ? retryDelayMs(1, found.retryAfterMs, deps.random?.() ?? Math.random()) : LOOKUP_GONE_RETRY_MS };
  const m: MemberMembership = found.value;
  if (!m.manageUrl) return { ok: false, why: 'Whop returned no manage_url', retryInMs: LOOKUP_GONE_RETRY_MS };
  const contact: MemberContact = {
    ok: true,
    fromWhop: true,
    renewalPeriodEnd: m.renewalPeriodEnd ?? null,
    manageUrl: m.manageUrl,
    name: m.userName ?? c.memberName,
    email: c.memberEmail ?? m.email,
    userId: c.whopUserId ?? m.userId,
    productId: m.productId ?? c.whopProductId,
    productTitle: m.productTitle,
  };
  return contact;
}

/**
 * Grants the first-nudge free days once per case. The incentive row moves pending → granting in a
 * conditional update before Whop is called (with the membership's period end as it was), so
 * concurrent workers and retries call at most once. A grant interrupted mid-call (`granting` past
 * the lease) is settled by reading Whop: the period end moved by the days → granted (and said so
 * in the message); unchanged → granted now; anything else → `unknown` for an operator, never a
 * second grant. Returns the days to mention, or when to try again.
 */
async function grantIncentiveOnce(deps: OutreachDeps, c: StoredCase, settings: OutreachSettings, now: Date, member: MemberContact): Promise<{ days: number } | { retryAt: Date; why: string }> {
  const days = settings.incentive_days;
  if (days === 0 || settings.incentive_type !== 'free_days') return { days: 0 };
  // Estimated cost: the days' share of a 30-day period at the amount at risk.
  const costCents = Math.round((c.amountAtRiskCents * days) / 30);
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
    if (!fresh.ok) return { retryAt: new Date(now.getTime() + retryDelayMs(1, fresh.retryAfterMs, deps.random?.() ?? Math.random())), why: `membership lookup before the grant failed: ${fresh.message}` };
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
    return { retryAt: new Date(now.getTime() + retryDelayMs(1, granted.retryAfterMs, deps.random?.() ?? Math.random())), why: `free days not granted yet: ${granted.message}` };
  }
  await transitionIncentive(deps.db, incentive.id, 'granting', 'failed', { error: granted.message, now });
  return { days: 0 };
}

/**
 * A grant whose worker died during the Whop call: did the membership get the days? Read Whop's
 * period end and compare it with the one recorded before the call.
 */
async function settleInterruptedGrant(
  deps: OutreachDeps,
  c: StoredCase,
  incentive: { id: string; periodEndBefore: Date | null },
  days: number,
  now: Date,
): Promise<{ days: number } | { retryAt: Date; why: string } | 'not_granted'> {
  const current = deps.whop && incentive.periodEndBefore ? await deps.whop.getMembership(c.whopMembershipId) : null;
  if (current && !current.ok && current.retryable)
    return { retryAt: new Date(now.getTime() + retryDelayMs(1, current.retryAfterMs, deps.random?.() ?? Math.random())), why: `checking an interrupted grant: ${current.message}` };
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

/**
 * payments.retry before the step's message; a payment that now succeeds recovers the case through
 * the same fact and fold as a payment.succeeded webhook, and no message goes out.
 */
async function retryPaymentFirst(deps: OutreachDeps, c: StoredCase, step: number, now: Date): Promise<boolean> {
  const retried = await deps.whop!.retryPayment(c.whopPaymentId!);
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
    await insertMembershipFact(tx, {
      kind: 'payment_succeeded',
      companyId: c.companyId,
      whopMembershipId: c.whopMembershipId,
      whopUserId: c.whopUserId,
      memberEmail: c.memberEmail,
      whopPaymentId: retried.value.id,
      amountCents: retried.value.total !== null && currency ? toMinorUnits(retried.value.total, currency) : c.amountAtRiskCents,
      currency,
      reason: 'payments.retry',
      occurredAt: retried.value.paidAt ? new Date(retried.value.paidAt) : now,
      webhookEventId: null,
    });
    await reconcileMembershipCases(tx, c.companyId, c.whopMembershipId, now);
  });
  await updateCaseOutreach(deps.db, c.id, { nudgeClaimedUntil: null });
  return true;
}

/** `maybeDelivered`: the sending call timed out, so the provider may have delivered it. */
type ChannelOutcome = { ok: true; providerMessageId: string | null } | { ok: false; retryable: boolean; retryAfterMs: number | null; message: string; maybeDelivered?: boolean };

/** Sends one channel's message; the providers' results mapped to one shape. */
async function sendOnChannel(deps: OutreachDeps, channel: DeliveryChannel, composed: ComposedNudge, to: Recipient): Promise<ChannelOutcome> {
  if (channel === 'email') {
    const sent = await deps.email!.send({
      to: to.email!,
      subject: composed.email.subject,
      text: composed.email.text,
      html: composed.email.html,
      headers: { 'List-Unsubscribe': `<${unsubscribeUrl(deps.links.publicUrl, deps.links.signingKey, { companyId: to.companyId, email: to.email!, whopUserId: to.userId })}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
    });
    return sent.ok ? { ok: true, providerMessageId: sent.messageId } : { ok: false, retryable: sent.retryable, retryAfterMs: null, message: sent.message, maybeDelivered: sent.responseCode === null && /ETIMEDOUT|ESOCKET/.test(sent.message) };
  }
  if (channel === 'push') {
    const pushed = await deps.whop!.sendPush({ companyId: to.companyId, productId: to.productId, userId: to.userId!, title: composed.push.title, content: composed.push.body });
    return pushed.ok ? { ok: true, providerMessageId: null } : { ...pushed, maybeDelivered: pushed.maybeApplied === true };
  }
  const dm = await deps.whop!.sendDirectMessage({ companyId: to.companyId, userId: to.userId!, content: composed.dm.body });
  return dm.ok ? { ok: true, providerMessageId: dm.value.messageId } : { ...dm, maybeDelivered: dm.maybeApplied === true };
}

interface Recipient {
  companyId: string;
  userId: string | null;
  email: string | null;
  productId: string | null;
  /** Channels the member opted out of (for this company). */
  optedOut: ReadonlySet<DeliveryChannel>;
}

/**
 * One attempt of one delivery: skipped when the member cannot be reached on that channel, outbox
 * when the provider is not configured, else sent, or failed (4xx, permanent), or pending with a
 * backoff (retryable), or dead after MAX_DELIVERY_ATTEMPTS. Returns the row as stored.
 */
async function attemptDelivery(deps: OutreachDeps, delivery: Delivery, channel: DeliveryChannel, composed: ComposedNudge, to: Recipient, now: Date): Promise<Delivery> {
  const rendered =
    channel === 'email'
      ? { renderedSubject: composed.email.subject, renderedBody: composed.email.text }
      : channel === 'push'
        ? { renderedSubject: composed.push.title, renderedBody: composed.push.body }
        : { renderedSubject: null, renderedBody: composed.dm.body };
  const store = async (update: { status: Delivery['status']; attempts: number; error: string | null; providerMessageId?: string | null; nextAttemptAt?: Date | null }): Promise<Delivery> => {
    const row = { ...rendered, nextAttemptAt: null, providerMessageId: null, sentAt: update.status === 'sent' ? now : null, ...update };
    await updateDelivery(deps.db, delivery.id, { ...row, now });
    return { ...delivery, ...row, updatedAt: now };
  };
  const unreachable = whyUnreachable(channel, to);
  if (unreachable) return store({ status: 'skipped', attempts: delivery.attempts, error: unreachable });
  if ((channel === 'email' && !deps.email) || (channel !== 'email' && !deps.whop)) return store({ status: 'outbox', attempts: delivery.attempts, error: null });

  const result = await sendOnChannel(deps, channel, composed, to);
  const attempts = delivery.attempts + 1;
  if (result.ok) return store({ status: 'sent', attempts, error: null, providerMessageId: result.providerMessageId });
  // A call that timed out may have been delivered, and no provider here can be asked: at most once.
  if (result.maybeDelivered) return store({ status: 'unknown', attempts, error: `${result.message} (may have been delivered; not sent again)` });
  if (!result.retryable) return store({ status: 'failed', attempts, error: result.message });
  if (attempts >= MAX_DELIVERY_ATTEMPTS) return store({ status: 'dead', attempts, error: `gave up after ${attempts} attempts: ${result.message}` });
  const delay = retryDelayMs(attempts, result.retryAfterMs, deps.random?.() ?? Math.random());
  return store({ status: 'pending', attempts, error: result.message, nextAttemptAt: new Date(now.getTime() + delay) });
}

/**
 * Deliveries a dead worker left `sending` (past the lease): the provider may have delivered them,
 * and none of push, DM or email can be asked, so they become `unknown` and are never sent again.
 */
async function settleInterruptedDeliveries(deps: OutreachDeps, rows: Delivery[], now: Date): Promise<void> {
  for (const [i, d] of rows.entries()) {
    if (d.status !== 'sending' || now.getTime() - d.updatedAt.getTime() < interruptedAfterMs(deps)) continue;
    const error = 'interrupted during the provider call: it may have been delivered, so it is not sent again';
    await updateDelivery(deps.db, d.id, { status: 'unknown', error, now });
    rows[i] = { ...d, status: 'unknown', error, updatedAt: now };
  }
}

function whyUnreachable(channel: DeliveryChannel, to: Recipient): string | null {
  if (channel !== 'email') {
    if (!to.userId) return 'no Whop user id for this member';
    return to.optedOut.has(channel) ? `member opted out of ${channel}` : null;
  }
  if (!to.email) return 'no email address for this member';
  return to.optedOut.has('email') ? 'address unsubscribed' : null;
}

const amountFormats = new Map<string, Intl.NumberFormat | null>();
/** "$29.99", "¥1,000"; an unknown code as "12.34 XYZ". Formatters are cached: building one is slow. */
function formatAmount(cents: number, currency: string): string {
  const code = currency.toUpperCase();
  if (!amountFormats.has(code)) {
    let format: Intl.NumberFormat | null = null;
    try {
      format = new Intl.NumberFormat('en-US', { style: 'currency', currency: code });
    } catch {}
    amountFormats.set(code, format);
  }
  const format = amountFormats.get(code);
  const major = formatMinorUnits(cents, currency);
  return format ? format.format(Number(major)) : `${major} ${code}`;
}
