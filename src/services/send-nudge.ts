import type { AppDb } from '../db/client.ts';
import { findSettingsVersion } from '../db/repositories/companies.repository.ts';
import { insertMembershipFact } from '../db/repositories/membership-facts.repository.ts';
import {
  appendCaseEvent,
  findCase,
  findOrCreateStepDeliveries,
  findOrCreateIncentive,
  hasCaseEvent,
  optedOutChannels,
  transitionIncentive,
  updateCaseOutreach,
  updateDelivery,
  type Delivery,
  type StoredCase,
} from '../db/repositories/outreach.repository.ts';
import type { DeliveryChannel } from '../db/schema/deliveries.ts';
import { composeNudge, type ComposedNudge } from '../domain/compose-nudge.ts';
import { declineVariantOf } from '../domain/decline-variant.ts';
import { placeholderValuesOf } from '../domain/message-template.ts';
import { formatMinorUnits, toMinorUnits } from '../domain/money.ts';
import { nextNudgeAt, stepIndexFor } from '../domain/nudge-schedule.ts';
import type { OutreachSettings } from '../domain/outreach-settings.ts';
import { MAX_DELIVERY_ATTEMPTS, retryDelayMs } from '../domain/retry-backoff.ts';
import type { EmailSender } from '../integrations/email/email-sender.ts';
import type { MemberMembership, WhopGateway } from '../integrations/whop/whop-gateway.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { Clock } from './clock.ts';
import { reconcileMembershipCases } from './reconcile-membership-cases.ts';
import { unsubscribeUrl } from './unsubscribe-links.ts';
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
}

export type SendNudgeResult =
  | { ok: true; outcome: 'sent'; step: number; channels: Partial<Record<DeliveryChannel, string>> }
  | { ok: true; outcome: 'waiting'; step: number; retryAt: Date; why: string }
  | { ok: true; outcome: 'recovered_by_retry'; step: number }
  | { ok: false; reason: 'not_found' | 'case_closed' | 'no_steps_left' | 'not_due' | 'held_out' };

/** Link retries when the manage URL cannot be had (nothing is sent or counted meanwhile). */
const LINK_RETRY_MS = 10 * 60_000;
/** A free-days grant left in `granting` this long was interrupted mid-call: never retried blindly. */
const STALE_GRANT_MS = 10 * 60_000;

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

  if (settings.retry_payment_first && deps.whop && c.whopPaymentId && !(await hasCaseEvent(deps.db, caseId, `payment_retried_step_${step}`))) {
    const recovered = await retryPaymentFirst(deps, c, step, now);
    if (recovered) return { ok: true, outcome: 'recovered_by_retry', step };
  }

  const member = await lookUpMember(deps, c);
  if (!member.ok) return waitUntil(new Date(now.getTime() + LINK_RETRY_MS), member.why);
  // What Whop told us about the member is kept with the case's next write (one statement).
  Object.assign(contactUpdate, { memberName: member.name, memberEmail: member.email, whopUserId: member.userId, whopProductId: member.productId });

  const incentive = step === 0 ? await grantIncentiveOnce(deps, c, settings, now) : { days: 0 };
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
  // Channels go out side by side: they are independent, and each has its own row.
  await Promise.all(
    rows.map(async (delivery, i) => {
      if (delivery.status !== 'pending') return;
      if (delivery.nextAttemptAt && delivery.nextAttemptAt.getTime() > now.getTime()) return;
      rows[i] = await attemptDelivery(deps, delivery, delivery.channel, composed, to, now);
    }),
  );
  const pending = rows.filter((d) => d.status === 'pending');
  if (pending.length > 0) {
    const retryAt = new Date(Math.min(...pending.map((d) => d.nextAttemptAt?.getTime() ?? now.getTime())));
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
  manageUrl: string;
  name: string | null;
  email: string | null;
  userId: string | null;
  productId: string | null;
  productTitle: string | null;
}

/**
 * The member's manage URL and contact details. Without a Whop API key (outbox mode) the URL is
 * Whop's standard form, since nothing leaves the building anyway; with one, Whop must answer,
 * otherwise nothing is sent now.
 */
async function lookUpMember(deps: OutreachDeps, c: StoredCase): Promise<MemberContact | { ok: false; why: string }> {
  if (!deps.whop) {
    return {
      ok: true,
      manageUrl: `https://whop.com/billing/manage/${c.whopMembershipId}`,
      name: c.memberName,
      email: c.memberEmail,
      userId: c.whopUserId,
      productId: c.whopProductId,
      productTitle: null,
    };
  }
  const found = await deps.whop.getMembership(c.whopMembershipId);
  if (!found.ok) return { ok: false, why: `membership lookup failed: ${found.message}` };
  const m: MemberMembership = found.value;
  if (!m.manageUrl) return { ok: false, why: 'Whop returned no manage_url' };
  const contact: MemberContact = {
    ok: true,
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
 * conditional update before Whop is called, so concurrent workers and retries call at most once;
 * a grant interrupted mid-call (stale `granting`) becomes `unknown` for an operator, never a
 * second grant. Returns the days to mention, or when to try again.
 */
async function grantIncentiveOnce(deps: OutreachDeps, c: StoredCase, settings: OutreachSettings, now: Date): Promise<{ days: number } | { retryAt: Date; why: string }> {
  const days = settings.incentive_days;
  if (days === 0 || settings.incentive_type !== 'free_days') return { days: 0 };
  // Estimated cost: the days' share of a 30-day period at the amount at risk.
  const costCents = Math.round((c.amountAtRiskCents * days) / 30);
  const incentive = await findOrCreateIncentive(deps.db, { companyId: c.companyId, caseId: c.id, type: 'free_days', value: days, costCents, currency: c.currency });
  if (incentive.status === 'granted') return { days };
  if (incentive.status === 'failed' || incentive.status === 'unknown') return { days: 0 };
  if (incentive.status === 'granting') {
    if (now.getTime() - incentive.updatedAt.getTime() < STALE_GRANT_MS) return { retryAt: new Date(now.getTime() + 60_000), why: 'incentive grant in progress elsewhere' };
    await transitionIncentive(deps.db, incentive.id, 'granting', 'unknown', { error: 'interrupted during the Whop call; check the membership before granting by hand', now });
    return { days: 0 };
  }
  if (!deps.whop) {
    // Outbox mode: nothing can be granted, so the incentive resolves now rather than stay pending.
    await transitionIncentive(deps.db, incentive.id, 'pending', 'failed', { error: 'not granted: no Whop API key (outbox mode)', now });
    return { days: 0 };
  }
  if (!(await transitionIncentive(deps.db, incentive.id, 'pending', 'granting', { now }))) return { retryAt: new Date(now.getTime() + 60_000), why: 'incentive claimed by another worker' };
  const granted = await deps.whop.addFreeDays(c.whopMembershipId, days);
  if (granted.ok) {
    await transitionIncentive(deps.db, incentive.id, 'granting', 'granted', { grantedAt: now, error: null, now });
    return { days };
  }
  if (granted.retryable) {
    await transitionIncentive(deps.db, incentive.id, 'granting', 'pending', { error: granted.message, now });
    return { retryAt: new Date(now.getTime() + retryDelayMs(1, granted.retryAfterMs, deps.random?.() ?? Math.random())), why: `free days not granted yet: ${granted.message}` };
  }
  await transitionIncentive(deps.db, incentive.id, 'granting', 'failed', { error: granted.message, now });
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

type ChannelOutcome = { ok: true; providerMessageId: string | null } | { ok: false; retryable: boolean; retryAfterMs: number | null; message: string };

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
    return sent.ok ? { ok: true, providerMessageId: sent.messageId } : { ok: false, retryable: sent.retryable, retryAfterMs: null, message: sent.message };
  }
  if (channel === 'push') {
    const pushed = await deps.whop!.sendPush({ companyId: to.companyId, productId: to.productId, userId: to.userId!, title: composed.push.title, content: composed.push.body });
    return pushed.ok ? { ok: true, providerMessageId: null } : pushed;
  }
  const dm = await deps.whop!.sendDirectMessage({ companyId: to.companyId, userId: to.userId!, content: composed.dm.body });
  return dm.ok ? { ok: true, providerMessageId: dm.value.messageId } : dm;
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
  if (!result.retryable) return store({ status: 'failed', attempts, error: result.message });
  if (attempts >= MAX_DELIVERY_ATTEMPTS) return store({ status: 'dead', attempts, error: `gave up after ${attempts} attempts: ${result.message}` });
  const delay = retryDelayMs(attempts, result.retryAfterMs, deps.random?.() ?? Math.random());
  return store({ status: 'pending', attempts, error: result.message, nextAttemptAt: new Date(now.getTime() + delay) });
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
