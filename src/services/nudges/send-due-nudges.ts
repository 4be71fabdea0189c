import { claimDueCases } from '../../db/repositories/nudges.repository.ts';
import type { NudgeDeps } from './nudge-deps.ts';
import { sendNudge, type SendNudgeResult } from './send-nudge.ts';

export interface SendDueNudgesResult {
  claimed: number;
  sent: number;
  waiting: number;
  /** Cases whose send threw (an outage or a bug): their lease lapses and another sweep retries. */
  errors: number;
}

/**
 * One sweep: up to `limit` due cases, `concurrency` at a time. Each runner claims one case just
 * before it sends it (leased, so other workers skip it), never a batch ahead: a worker that dies
 * holds back at most `concurrency` cases, each for at most the lease (NUDGE_LEASE_MS), while the
 * rest stay claimable by every other worker. Safe to run on any number of workers at once.
 */
export async function sendDueNudges(deps: NudgeDeps, options: { limit?: number; concurrency?: number; onError?: (caseId: string, error: unknown) => void } = {}): Promise<SendDueNudgesResult> {
  const limit = options.limit ?? 100;
  const result: SendDueNudgesResult = { claimed: 0, sent: 0, waiting: 0, errors: 0 };
  let budget = limit;
  let drained = false;
  const runOne = async (): Promise<void> => {
    while (budget > 0 && !drained) {
      budget -= 1;
      const [c] = await claimDueCases(deps.db, deps.clock.now(), 1, deps.leaseMs);
      if (!c) {
        drained = true;
        return;
      }
      result.claimed += 1;
      let outcome: SendNudgeResult;
      try {
        outcome = await sendNudge(deps, c);
      } catch (error) {
        result.errors += 1;
        options.onError?.(c.id, error);
        continue;
      }
      if (outcome.ok && outcome.outcome === 'sent') result.sent += 1;
      else if (outcome.ok && outcome.outcome === 'waiting') result.waiting += 1;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency ?? 8, limit)) }, runOne));
  return result;
}
