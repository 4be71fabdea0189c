import { claimRound, contextForStep, type ClaimedContext, type ClaimedRound, type NudgeContext } from '../../db/repositories/nudge-context.repository.ts';
import type { StoredCase } from '../../db/repositories/nudges.repository.ts';
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
 * statement (leased, so other workers skip them) just before sending them side by side, with what
 * their steps need to know about the members (claimRound), and writes
 * their starts and their ends in one statement each (createNudgeRound); the next round
 * is claimed when this one is done, never a batch ahead: a worker that dies holds back at most
 * `concurrency` cases, each for at most the lease (NUDGE_LEASE_MS), while the rest stay claimable
 * by every other worker. Safe to run on any number of workers at once.
 */
export async function sendDueNudges(deps: NudgeDeps, options: { limit?: number; concurrency?: number; onError?: (caseId: string, error: unknown) => void } = {}): Promise<SendDueNudgesResult> {
  const limit = options.limit ?? 100;
  const concurrency = Math.max(1, Math.min(options.concurrency ?? 8, limit));
  const result: SendDueNudgesResult = { claimed: 0, sent: 0, waiting: 0, errors: 0 };
  let next: ClaimedRound | null = null;
  while (result.claimed < limit) {
    const { cases, contexts: claimed }: ClaimedRound = next ?? (await claimRound(deps.db, deps.clock.now(), Math.min(concurrency, limit - result.claimed), deps.leaseMs));
    if (cases.length === 0) break;
    result.claimed += cases.length;
    // The claim read the members' context; the step (from the settings, cached) picks its part.
    const contexts = contextsOf(deps, cases, claimed);
    contexts.catch(() => {}); // a failed settings read: each nudge reads for itself
    // The round's last end statement claims the next round when the sweep goes on (a full round, budget left).
    const remaining = limit - result.claimed;
    const round = createNudgeRound(deps.db, cases.map((c) => c.id), {
      claimNext: () => (cases.length === concurrency && remaining > 0 ? { now: deps.clock.now(), limit: Math.min(concurrency, remaining), leaseMs: deps.leaseMs } : null),
    });
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
    next = await round.nextRound();
  }
  return result;
}

/** The round's contexts for the steps its cases are at (open, not held out, a step left). */
async function contextsOf(deps: NudgeDeps, cases: readonly StoredCase[], claimed: ReadonlyMap<string, ClaimedContext>): Promise<Map<string, NudgeContext>> {
  const now = deps.clock.now();
  const open = cases.filter((c) => c.status === 'open' && !c.holdout && claimed.has(c.id));
  // The round's settings versions side by side (each read once per worker: versions never change).
  const settings = await Promise.all(open.map((c) => deps.settings.settingsVersion(c.companyId, c.settingsVersion)));
  return new Map(open.flatMap((c, i) => {
    const { step } = plannedStepOf(c, settings[i]!, now);
    return step === null ? [] : [[c.id, contextForStep(claimed.get(c.id)!, step)] as const];
  }));
}
