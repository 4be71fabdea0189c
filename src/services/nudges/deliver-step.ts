import { markDeliveriesSending, updateDelivery, type Delivery } from '../../db/repositories/nudges.repository.ts';
import type { ComposedNudge } from '../../domain/compose-nudge.ts';
import { MAX_DELIVERY_ATTEMPTS, retryDelayMs } from '../../domain/retry-backoff.ts';
import type { Recipient } from './channels/channel-module.ts';
import { CHANNEL_MODULES } from './channels/channel-modules.ts';
import { interruptedAfterMs, randomOf, type NudgeDeps } from './nudge-deps.ts';

/**
 * Sends one step's deliveries (one row per channel) that are due, and returns every row as stored.
 * Rows are marked `sending` in one statement before any provider call: a kill between the call
 * and its record leaves `sending`, never a `pending` row another sweep would send again (at most once).
 */
export async function deliverStep(deps: NudgeDeps, rows: readonly Delivery[], composed: ComposedNudge, to: Recipient, now: Date): Promise<Delivery[]> {
  const result = await settleInterruptedDeliveries(deps, rows, now);
  const due = result.filter((d) => d.status === 'pending' && !(d.nextAttemptAt && d.nextAttemptAt.getTime() > now.getTime()));
  const mine = await markDeliveriesSending(deps.db, due.map((d) => d.id), now);
  // Channels go out side by side: they are independent, and each has its own row.
  await Promise.all(
    result.map(async (delivery, i) => {
      if (mine.has(delivery.id)) result[i] = await attemptDelivery(deps, delivery, composed, to, now);
    }),
  );
  return result;
}

/**
 * One attempt of one delivery: skipped when the member cannot be reached on that channel, outbox
 * when the provider is not configured, else sent, or failed (4xx, permanent), or pending with a
 * backoff (retryable), or dead after MAX_DELIVERY_ATTEMPTS. Returns the row as stored.
 */
async function attemptDelivery(deps: NudgeDeps, delivery: Delivery, composed: ComposedNudge, to: Recipient, now: Date): Promise<Delivery> {
  const channel = CHANNEL_MODULES[delivery.channel];
  const rendered = channel.render(composed);
  const store = async (update: { status: Delivery['status']; attempts: number; error: string | null; providerMessageId?: string | null; nextAttemptAt?: Date | null }): Promise<Delivery> => {
    const row = { ...rendered, nextAttemptAt: null, providerMessageId: null, sentAt: update.status === 'sent' ? now : null, ...update };
    await updateDelivery(deps.db, delivery.id, { ...row, now });
    return { ...delivery, ...row, updatedAt: now };
  };
  const unreachable = channel.whyUnreachable(to);
  if (unreachable) return store({ status: 'skipped', attempts: delivery.attempts, error: unreachable });
  if (!channel.isConfigured(deps)) return store({ status: 'outbox', attempts: delivery.attempts, error: null });

  const result = await channel.send(deps, composed, to);
  const attempts = delivery.attempts + 1;
  if (result.ok) return store({ status: 'sent', attempts, error: null, providerMessageId: result.providerMessageId });
  // A call that timed out may have been delivered, and no provider here can be asked: at most once.
  if (result.maybeDelivered) return store({ status: 'unknown', attempts, error: `${result.message} (may have been delivered; not sent again)` });
  if (!result.retryable) return store({ status: 'failed', attempts, error: result.message });
  if (attempts >= MAX_DELIVERY_ATTEMPTS) return store({ status: 'dead', attempts, error: `gave up after ${attempts} attempts: ${result.message}` });
  const delay = retryDelayMs(attempts, result.retryAfterMs, randomOf(deps));
  return store({ status: 'pending', attempts, error: result.message, nextAttemptAt: new Date(now.getTime() + delay) });
}

/**
 * Deliveries a dead worker left `sending` (past the lease): the provider may have delivered them,
 * and none of push, DM or email can be asked, so they become `unknown` and are never sent again.
 */
async function settleInterruptedDeliveries(deps: NudgeDeps, rows: readonly Delivery[], now: Date): Promise<Delivery[]> {
  const error = 'interrupted during the provider call: it may have been delivered, so it is not sent again';
  const settled: Delivery[] = [];
  for (const d of rows) {
    if (d.status !== 'sending' || now.getTime() - d.updatedAt.getTime() < interruptedAfterMs(deps)) {
      settled.push(d);
      continue;
    }
    await updateDelivery(deps.db, d.id, { status: 'unknown', error, now });
    settled.push({ ...d, status: 'unknown', error, updatedAt: now });
  }
  return settled;
}
