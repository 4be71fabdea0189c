import { CHANNEL_LABELS, formatMoney, humanize, STATUS_LABELS } from './format.ts';
import type { CaseDetail, CaseEvent, Delivery, Incentive } from './types.ts';

/** One line of a case's history, whatever table it came from. */
export interface TimelineItem {
  key: string;
  kind: 'event' | 'delivery' | 'incentive';
  /** ISO time shown, or null when the row has none yet (an incentive not granted). */
  at: string | null;
  /** Where it sorts: its own time, or for an ungranted incentive the first reminder's. */
  sortAt: string | null;
  /** Tie-break at equal times: what led to a reminder, its deliveries, then the "sent" summary. */
  rank: number;
  title: string;
  actor: string;
  tone: 'neutral' | 'good' | 'bad' | 'info';
  notes: string[];
  /** The message as rendered for the member, for deliveries. */
  message?: { subject: string | null; body: string | null };
}

/** case_events, deliveries and incentives merged in time order, oldest first (newest last). */
export function buildTimeline(detail: CaseDetail): TimelineItem[] {
  // The incentive is granted with the first reminder: one without a time yet sorts there.
  const firstNudgeAt = detail.deliveries
    .filter((d) => d.step === 0)
    .map((d) => d.sent_at ?? d.updated_at)
    .filter((at): at is string => at !== null)
    .sort()[0] ?? null;
  const items = [
    // nudge_reserved is the member cap's bookkeeping (#15); the nudge_sent that follows tells the story.
    ...detail.timeline.filter((event) => event.reason !== 'nudge_reserved').map(eventItem),
    ...detail.incentives.map((incentive, index) => incentiveItem(incentive, index, firstNudgeAt, detail.case.status)),
    ...detail.deliveries.map(deliveryItem),
  ];
  const time = (item: TimelineItem) => (item.sortAt === null ? Number.POSITIVE_INFINITY : new Date(item.sortAt).getTime() || 0);
  return items
    .map((item, index) => ({ item, index }))
    .sort((a, b) => time(a.item) - time(b.item) || a.item.rank - b.item.rank || a.index - b.index)
    .map(({ item }) => item);
}

/** "system" is us; anything else (an operator's email, a creator's user id, "whop") as written. */
export function actorLabel(actor: string | null | undefined): string {
  if (!actor || actor === 'system') return 'Churn Saver';
  if (actor === 'whop') return 'Whop';
  return actor;
}

function eventItem(event: CaseEvent, index: number): TimelineItem {
  const detail = event.detail ?? {};
  const notes: string[] = [];
  const title = describeEvent(event, detail, notes);
  if (event.from_status !== null && event.from_status !== event.to_status)
    notes.unshift(`${STATUS_LABELS[event.from_status] ?? event.from_status} → ${STATUS_LABELS[event.to_status] ?? event.to_status}`);
  return {
    key: `event-${index}`,
    kind: 'event',
    at: event.at,
    sortAt: event.at,
    rank: event.reason === 'nudge_sent' ? 3 : 0,
    title,
    actor: actorLabel(event.actor),
    tone: event.to_status === 'recovered' && event.from_status !== 'recovered' ? 'good' : event.to_status === 'closed_no_recovery' && event.from_status !== 'closed_no_recovery' ? 'bad' : 'neutral',
    notes,
  };
}

function describeEvent(event: CaseEvent, detail: Record<string, unknown>, notes: string[]): string {
  const text = (key: string) => (typeof detail[key] === 'string' || typeof detail[key] === 'number' ? String(detail[key]) : null);
  switch (event.reason) {
    case 'payment_failed':
      if (text('failure_reason')) notes.push(`Reason: ${text('failure_reason')}`);
      return event.from_status === null ? 'Payment failed: case opened' : 'Payment failed';
    case 'membership_deactivated':
      return event.from_status === null ? 'Membership deactivated: case opened' : 'Membership deactivated';
    case 'failure_merged':
      return 'Another payment attempt failed';
    case 'payment_succeeded':
      return event.to_status === 'recovered' ? 'Payment succeeded: recovered' : 'Payment succeeded';
    case 'membership_activated':
      return event.to_status === 'recovered' ? 'Membership reactivated: recovered' : 'Membership reactivated';
    case 'payment_attributed':
      return 'Payment counted towards this case';
    case 'recovery_reduced':
      return 'Recovered amount reduced (refund)';
    case 'recovery_reversed':
      return 'Recovery reversed (refund or dispute)';
    case 'attribution_window_passed':
      return 'Attribution window ended without a payment';
    case 'case_cancelled':
      if (text('why')) notes.push(text('why')!);
      return 'Case cancelled';
    case 'holdout_assigned':
      notes.push("Churn Saver sends this member nothing (no reminder, incentive, payment retry or offer); Whop's own emails and retries still happen.");
      return 'In the control group';
    case 'link_clicked':
      if (detail.counted === false) notes.push(`Not counted as a click: ${humanize(String(detail.why ?? 'automated'))}`);
      return `Link clicked in reminder ${typeof detail.step === 'number' ? detail.step + 1 : ''} (${CHANNEL_LABELS[String(detail.channel)] ?? String(detail.channel)})`;
    case 'promo_code_created':
      if (text('expires_at')) notes.push(`Valid until ${text('expires_at')!.slice(0, 10)}`);
      if (text('note')) notes.push(text('note')!);
      return `Promo code ${text('code') ?? ''} created at Whop: ${text('offer') ?? ''}`;
    case 'promo_code_redeemed':
      if (typeof detail.cost_cents === 'number') notes.push(`Cost ${formatMoney(detail.cost_cents, text('currency'))}`);
      return `Promo code ${text('code') ?? ''} redeemed`;
    case 'nudge_requested':
      if (detail.force === true) notes.push('Minimum gap ignored (forced)');
      return 'Nudge requested';
    case 'nudge_sent': {
      const channels = detail.channels && typeof detail.channels === 'object' ? (detail.channels as Record<string, unknown>) : {};
      if (typeof detail.incentive_days === 'number') notes.push(`Offered ${detail.incentive_days} free days`);
      if (typeof detail.promo_code === 'string') notes.push(`Offered promo code ${detail.promo_code}`);
      return nudgeOutcome(typeof detail.step === 'number' ? detail.step : null, channels);
    }
    case 'nudge_held': {
      // #15 contact policy: why a step did not go (yet); `until` null means it never will.
      const why = HOLD_WORDS[String(detail.why)] ?? humanize(String(detail.why ?? 'held'));
      const step = typeof detail.step === 'number' ? ` ${detail.step + 1}` : '';
      if (typeof detail.until === 'string') notes.push(`Waits until ${new Date(detail.until).toLocaleString()}`);
      return detail.until ? `Reminder${step} held: ${why}` : `Reminder${step} not sent: ${why}`;
    }
    case 'membership_cancel_at_period_end':
      return 'Membership set to cancel at the end of the period';
    case 'membership_terminated':
      return 'Membership terminated';
    case 'membership_cancel_failed':
      if (text('error')) notes.push(`Whop said: ${text('error')}`);
      return 'Cancelling the membership failed';
    default:
      for (const [key, value] of Object.entries(detail))
        if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') notes.push(`${humanize(key)}: ${String(value)}`);
      return humanize(event.reason);
  }
}

const HOLD_WORDS: Record<string, string> = {
  membership_ended: 'the membership was cancelled or the member left',
  already_sent_for_invoice: 'already sent for this payment',
  member_cap: "the member's reminder limit was reached",
  quiet_hours: 'quiet hours',
  window_closed: "it would come after Whop's cancellation",
};

/**
 * What a reminder step did, never overstated: "sent" only for channels that were sent; a step
 * whose messages were all kept in the outbox (provider not configured) says so.
 */
export function nudgeOutcome(step: number | null, channels: Record<string, unknown>): string {
  const name = step === null ? 'Reminder' : `Reminder ${step + 1}`;
  const on = (status: string) => Object.entries(channels).filter(([, s]) => s === status).map(([channel]) => CHANNEL_LABELS[channel] ?? channel);
  const sent = on('sent');
  const parts = [
    sent.length > 0 && `sent by ${sent.join(', ')}`,
    on('outbox').length > 0 && `kept in the outbox, not sent (${on('outbox').join(', ')}: provider not configured)`,
    on('skipped').length > 0 && `skipped on ${on('skipped').join(', ')}`,
    on('failed').length > 0 && `failed on ${on('failed').join(', ')}`,
    on('dead').length > 0 && `gave up on ${on('dead').join(', ')}`,
  ].filter((p): p is string => typeof p === 'string');
  if (parts.length === 0) return `${name}: nothing sent`;
  if (sent.length === 0) return `${name} not sent: ${parts.join('; ')}`;
  return `${name} ${parts.join('; ')}`;
}

const DELIVERY_WORDS: Record<Delivery['status'], string> = {
  sent: 'sent',
  pending: 'retrying',
  failed: 'failed',
  skipped: 'skipped',
  outbox: 'kept in the outbox (not sent: provider not configured)',
  dead: 'gave up after repeated failures',
  sending: 'being sent',
  unknown: 'may have been delivered (the provider call was cut off); not sent again',
};

function deliveryItem(delivery: Delivery, index: number): TimelineItem {
  const notes: string[] = [];
  if (delivery.attempts > 1) notes.push(`${delivery.attempts} attempts`);
  if (delivery.error) notes.push(`Error: ${delivery.error}`);
  const hasMessage = delivery.rendered_subject !== null || delivery.rendered_body !== null;
  return {
    key: `delivery-${index}`,
    kind: 'delivery',
    at: delivery.sent_at ?? delivery.updated_at,
    sortAt: delivery.sent_at ?? delivery.updated_at,
    rank: 2,
    title: `Reminder ${delivery.step + 1} by ${CHANNEL_LABELS[delivery.channel] ?? delivery.channel}: ${DELIVERY_WORDS[delivery.status] ?? delivery.status}`,
    actor: 'Churn Saver',
    tone: delivery.status === 'sent' ? 'info' : delivery.status === 'failed' || delivery.status === 'dead' ? 'bad' : 'neutral',
    notes,
    ...(hasMessage ? { message: { subject: delivery.rendered_subject, body: delivery.rendered_body } } : {}),
  };
}

/**
 * An incentive's state always resolves: granted, or not granted and why. One still pending or
 * being granted on a case that is no longer open was never granted (the case ended first).
 */
export function incentiveState(incentive: Incentive, caseStatus: CaseDetail['case']['status']): { words: string; granted: boolean; why: string | null } {
  const ended = caseStatus === 'recovered' ? 'the case was recovered before it was granted' : 'the case closed before it was granted';
  switch (incentive.status) {
    case 'granted':
      return { words: 'granted', granted: true, why: null };
    case 'failed':
      return { words: 'not granted', granted: false, why: incentive.error ?? 'Whop refused the grant' };
    case 'unknown':
      return { words: 'outcome unknown', granted: false, why: 'The grant was interrupted; check the membership in Whop before granting again.' };
    case 'granting':
      return caseStatus === 'open' ? { words: 'being granted', granted: false, why: null } : { words: 'not granted', granted: false, why: ended };
    default:
      return caseStatus === 'open' ? { words: 'not granted yet', granted: false, why: 'it is granted with the first reminder' } : { words: 'not granted', granted: false, why: ended };
  }
}

/** What every incentive's timeline item shares, whatever the incentive: where it sorts and who acted. */
function incentiveBase(incentive: Incentive, index: number, firstNudgeAt: string | null): Pick<TimelineItem, 'key' | 'kind' | 'at' | 'sortAt' | 'rank' | 'actor'> {
  return { key: `incentive-${index}`, kind: 'incentive', at: incentive.granted_at, sortAt: incentive.granted_at ?? firstNudgeAt, rank: 1, actor: 'Churn Saver' };
}

/** A promo code costs nothing until a payment uses it: the server's sentence says where it stands. */
function promoCodeItem(incentive: Incentive, index: number, firstNudgeAt: string | null): TimelineItem {
  const notes: string[] = [];
  if (incentive.redeemed_at) notes.push(`Cost ${formatMoney(incentive.cost_cents, incentive.currency)} (the discount it gives, counted since it was redeemed)`);
  else if (incentive.status === 'granted') notes.push('No cost counted: only a redeemed code costs anything');
  if (incentive.error && incentive.status !== 'failed') notes.push(incentive.error);
  return {
    ...incentiveBase(incentive, index, firstNudgeAt),
    title: incentive.summary!,
    tone: incentive.redeemed_at ? 'good' : incentive.status === 'granted' ? 'info' : incentive.status === 'failed' || incentive.status === 'unknown' ? 'bad' : 'neutral',
    notes,
  };
}

function incentiveItem(incentive: Incentive, index: number, firstNudgeAt: string | null, caseStatus: CaseDetail['case']['status']): TimelineItem {
  if (incentive.type === 'promo_code' && incentive.summary) return promoCodeItem(incentive, index, firstNudgeAt);
  const what = incentive.type === 'free_days' ? `${incentive.value} free ${incentive.value === 1 ? 'day' : 'days'}` : `${humanize(incentive.type)} (${incentive.value})`;
  const notes: string[] = [];
  const state = incentiveState(incentive, caseStatus);
  // Only a granted incentive costs anything (and counts in the overview's incentive cost).
  if (incentive.cost_cents > 0 && state.granted) notes.push(`Estimated cost ${formatMoney(incentive.cost_cents, incentive.currency)}`);
  if (state.why) notes.push(state.granted ? state.why : `Why: ${state.why}`);
  else if (incentive.error) notes.push(`Error: ${incentive.error}`);
  return {
    ...incentiveBase(incentive, index, firstNudgeAt),
    title: `Incentive: ${what} ${state.words}`,
    tone: state.granted ? 'info' : incentive.status === 'failed' || incentive.status === 'unknown' ? 'bad' : 'neutral',
    notes,
  };
}
