import { loadNudgeContexts, type ContextKey, type NudgeContext } from '../../db/repositories/nudge-context.repository.ts';
import { claimDueCases, type StoredCase } from '../../db/repositories/nudges.repository.ts';
import type { NudgeDeps } from './nudge-deps.ts';
import { createNudgeRound } from './nudge-round.ts';
import { plannedStepOf, sendNudge, type SendNudgeResult } from './send-nudge.ts';

export interface SendDueNudgesResult {
  claimed: number;
  sent: number;
  waiting: number;
  /** Cases whose send threw (an outage or a bug): their lease lapses and another sweep retries. */
  errors: number;
}

/**
 * One sweep: up to `limit` due cases, in rounds of `concurrency`. A round claims its cases in one
 * statement (leased, so other workers skip them) just before sending them side by side, reads
 * what their steps need to know about the members in one more (loadNudgeContexts), and writes
 * their starts and their ends in one statement each (createNudgeRound); the next round
 * is claimed when this one is done, never a batch ahead: a worker that dies holds back at most
 * `concurrency` cases, each for at most the lease (NUDGE_LEASE_MS), while the rest stay claimable
 * by every other worker. Safe to run on any number of workers at once.
 */
export async function sendDueNudges(deps: NudgeDeps, options: { limit?: number; concurrency?: number; onError?: (caseId: string, error: unknown) => void } = {}): Promise<SendDueNudgesResult> {
  const limit = options.limit ?? 100;
  const concurrency = Math.max(1, Math.min(options.concurrency ?? 8, limit));
  const result: SendDueNudgesResult = { claimed: 0, sent: 0, waiting: 0, errors: 0 };
  while (result.claimed < limit) {
    const cases = await claimDueCases(deps.db, deps.clock.now(), Math.min(concurrency, limit - result.claimed), deps.leaseMs);
    if (cases.length === 0) break;
    result.claimed += cases.length;
    // Read while the members are looked up: the contact policy needs it only after that.
    const contexts = contextsOf(deps, cases);
    contexts.catch(() => {}); // a failed read: each nudge reads for itself
    const round = createNudgeRound(deps.db, cases.map((c) => c.id));
    await Promise.all(cases.map(async (c) => {
      let outcome: SendNudgeResult;
      try {
        outcome = await sendNudge(deps, c, { context: contexts.then((m) => m.get(c.id)), round });
      } catch (error) {
        result.errors += 1;
        options.onError?.(c.id, error);
        return;
      } finally {
        round.leave(c.id);
      }
      if (outcome.ok && outcome.outcome === 'sent') result.sent += 1;
      else if (outcome.ok && outcome.outcome === 'waiting') result.waiting += 1;
    }));
    if (cases.length < concurrency) break;
  }
  return result;
}

/** The batch's reads for the cases that will get as far as the contact policy (open, not held out, a step left). */
async function contextsOf(deps: NudgeDeps, cases: readonly StoredCase[]): Promise<Map<string, NudgeContext>> {
  const now = deps.clock.now();
  const open = cases.filter((c) => c.status === 'open' && !c.holdout);
  // The round's settings versions side by side (each read once per worker: versions never change).
  const settings = await Promise.all(open.map((c) => deps.settings.settingsVersion(c.companyId, c.settingsVersion)));
  const keys: ContextKey[] = open.flatMap((c, i) => {
    const { step } = plannedStepOf(c, settings[i]!, now);
    return step === null ? [] : [{ caseId: c.id, companyId: c.companyId, whopMembershipId: c.whopMembershipId, whopPaymentId: c.whopPaymentId, step }];
  });
  return loadNudgeContexts(deps.db, keys);
}
