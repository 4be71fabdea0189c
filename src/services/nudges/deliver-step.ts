import type { Delivery } from '../../db/repositories/nudges.repository.ts';
import type { DeliveryOutcome } from '../../db/repositories/step-deliveries.repository.ts';
import type { ComposedNudge } from '../../domain/compose-nudge.ts';
import { MAX_DELIVERY_ATTEMPTS, retryDelayMs } from '../../domain/retry-backoff.ts';
import type { Recipient } from './channels/channel-module.ts';
import { CHANNEL_MODULES } from './channels/channel-modules.ts';
import { randomOf, type NudgeDeps } from './nudge-deps.ts';

/**
 * Attempts the step's deliveries this caller moved to `sending` (`mine`, see startStepDeliveries:
 * that statement ran before any provider call, so a kill during a call leaves `sending`, never a
 * `pending` row another sweep would send again: at most once). Channels go out side by side.
 * Writes nothing: returns every row as it will be stored and the outcomes to store, which the
 * caller records with the rest of the nudge in one statement (recordNudgeOutcome).
 */
export async function deliverStep(deps: NudgeDeps, rows: readonly Delivery[], mine: ReadonlySet<string>, composed: ComposedNudge, to: Recipient, now: Date): Promise<{ rows: Delivery[]; outcomes: DeliveryOutcome[] }> {
  const result = [...rows];
  const outcomes: DeliveryOutcome[] = [];
  await Promise.all(
    result.map(async (delivery, i) => {
      if (!mine.has(delivery.id)) return;
      const outcome = await attemptDelivery(deps, delivery, composed, to, now);
      outcomes.push(outcome);
      const { id: _id, ...stored } = outcome;
      result[i] = { ...delivery, ...stored, updatedAt: now };
    }),
  );
  return { rows: result, outcomes };
}

/**
 * One attempt of one delivery: skipped when the member cannot be reached on that channel, outbox
 * when the provider is not configured, else sent, or failed (4xx, permanent), or pending with a
 * backoff (retryable), or dead after MAX_DELIVERY_ATTEMPTS.
 */
async function attemptDelivery(deps: NudgeDeps, delivery: Delivery, composed: ComposedNudge, to: Recipient, now: Date): Promise<DeliveryOutcome> {
  const channel = CHANNEL_MODULES[delivery.channel];
  const rendered = channel.render(composed);
  const store = (update: { status: Delivery['status']; attempts: number; error: string | null; providerMessageId?: string | null; nextAttemptAt?: Date | null }): DeliveryOutcome => ({
    id: delivery.id, ...rendered, nextAttemptAt: null, providerMessageId: null, sentAt: update.status === 'sent' ? now : null, ...update,
  });
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
