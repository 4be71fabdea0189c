import { claimDueCases } from '../db/repositories/outreach.repository.ts';
import { sendNudge, type OutreachDeps, type SendNudgeResult } from './send-nudge.ts';

export interface SendDueNudgesResult {
  claimed: number;
  sent: number;
  waiting: number;
  /** Cases whose send threw (an outage or a bug): their lease lapses and another sweep retries. */
  errors: number;
}

/**
 * One sweep: claim due cases (leased, so other workers skip them) and send each one's current step,
 * `concurrency` cases at a time. Safe to run on any number of workers at once.
 */
export async function sendDueNudges(deps: OutreachDeps, options: { limit?: number; concurrency?: number; onError?: (caseId: string, error: unknown) => void } = {}): Promise<SendDueNudgesResult> {
  const claimed = await claimDueCases(deps.db, deps.clock.now(), options.limit ?? 100);
  const result: SendDueNudgesResult = { claimed: claimed.length, sent: 0, waiting: 0, errors: 0 };
  const queue = [...claimed];
  const runOne = async (): Promise<void> => {
    for (let c = queue.shift(); c !== undefined; c = queue.shift()) {
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
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 8, claimed.length) }, runOne));
  return result;
}
