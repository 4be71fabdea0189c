import type { AppDb } from '../../db/client.ts';
import { claimRound, type ClaimedRound } from '../../db/repositories/nudge-context.repository.ts';
import { recordNudgeOutcomes, startStepDeliveries, type NudgeOutcome, type StartedStep, type StepStart } from '../../db/repositories/step-deliveries.repository.ts';

/**
 * The nudges of one claim round write together: every nudge's "start" (its deliveries marked
 * `sending`) goes in one statement and every nudge's "end" (outcomes, timeline row, case update) in
 * one more, instead of two per nudge. A phase's statement runs once every nudge of the round has
 * either reached it, gone past it or finished (held, waiting, failed), or `maxWaitMs` after its first
 * arrival, so one slow member does not hold the others back for long. A failed batch statement is
 * retried item by item, so one bad row fails only its own nudge.
 */
export interface NudgeRound {
  startStep(start: StepStart): Promise<StartedStep>;
  endNudge(outcome: NudgeOutcome): Promise<void>;
  /** The nudge of `caseId` is finished (whatever happened): no phase waits for it any more. */
  leave(caseId: string): void;
  /** After every nudge left: the next round, claimed by the statement that ended this one; null when it did not. */
  nextRound(): Promise<ClaimedRound | null>;
}

/** What to claim with the round's last end statement (null: nothing, the sweep is done). */
export type ClaimNext = () => { now: Date; limit: number; leaseMs?: number | undefined } | null;

export function createNudgeRound(db: AppDb, caseIds: readonly string[], options: { maxWaitMs?: number; claimNext?: ClaimNext } = {}): NudgeRound {
  const maxWaitMs = options.maxWaitMs ?? 50;
  const left = new Set<string>();
  const phases: Phase<unknown, unknown>[] = [];

  type Waiting<I, O> = { caseId: string; item: I; resolve: (o: O) => void; reject: (e: unknown) => void };
  class Phase<I, O> {
    arrived = new Set<string>();
    queue: Waiting<I, O>[] = [];
    timer: NodeJS.Timeout | undefined;
    constructor(private readonly run: (items: I[], last: boolean) => Promise<O[]>) {
      phases.push(this as Phase<unknown, unknown>);
    }
    add(caseId: string, item: I): Promise<O> {
      return new Promise<O>((resolve, reject) => {
        this.arrived.add(caseId);
        this.queue.push({ caseId, item, resolve, reject });
        // A nudge at this phase never reaches an earlier one (a held step ends without starting).
        for (const earlier of phases.slice(0, phases.indexOf(this as Phase<unknown, unknown>))) {
          earlier.arrived.add(caseId);
          earlier.check();
        }
        this.timer ??= setTimeout(() => this.flush(false), maxWaitMs);
        this.check();
      });
    }
    check(): void {
      if (this.queue.length > 0 && caseIds.every((id) => this.arrived.has(id) || left.has(id))) this.flush(true);
    }
    /** `last`: every nudge has arrived or left, none comes after this batch. */
    flush(last: boolean): void {
      clearTimeout(this.timer);
      this.timer = undefined;
      const batch = this.queue.splice(0);
      if (batch.length === 0) return;
      void this.run(batch.map((w) => w.item), last).then(
        (out) => batch.forEach((w, i) => w.resolve(out[i]!)),
        // One bad row must not fail the round: each item alone, so only its own nudge fails.
        () => batch.forEach((w) => this.run([w.item], false).then((out) => w.resolve(out[0]!), w.reject)),
      );
    }
  }

  const starts = new Phase<StepStart, StartedStep>((items) => startStepDeliveries(db, items));
  // The round's last end statement also claims the next round (claimRound): one commit releases
  // these cases and leases the next, so a worker never holds more than one round.
  let next: Promise<ClaimedRound | null> = Promise.resolve(null);
  const ends = new Phase<NudgeOutcome, void>(async (items, last) => {
    const claim = last ? options.claimNext?.() : null;
    if (!claim) await recordNudgeOutcomes(db, items);
    else {
      const claimed = claimRound(db, claim.now, claim.limit, claim.leaseMs, { outcomes: items, except: caseIds });
      next = claimed.catch(() => null);
      await claimed;
    }
    return items.map(() => undefined);
  });
  return {
    startStep: (start) => starts.add(start.caseId, start),
    endNudge: (outcome) => ends.add(outcome.caseId, outcome),
    nextRound: () => next,
    leave(caseId) {
      left.add(caseId);
      for (const phase of phases) phase.check();
    },
  };
}
