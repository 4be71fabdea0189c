import type { Logger } from 'pino';
import { reportError } from '../observability/sentry.ts';
import { sendDueNudges } from '../services/nudges/send-due-nudges.ts';
import type { NudgeDeps } from '../services/nudges/send-nudge.ts';
import { sendDueSaveOffers } from '../services/saves/send-save-offers.ts';

/** Nudges a worker sends side by side (one claim round); also the most cases a killed worker holds back. */
export const NUDGE_CONCURRENCY = 8;

/**
 * Sends due nudges every `intervalMs` (pg-boss cron is per minute; nudges should not wait that
 * long). A sweep that found a full batch runs again at once, so a backlog drains at full speed.
 * stop() waits for the sweep in progress.
 */
export function startNudgeLoop(deps: NudgeDeps, options: { intervalMs: number; logger: Logger; batchSize?: number; concurrency?: number }) {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  const batchSize = options.batchSize ?? 100;

  const tick = async (): Promise<void> => {
    let full = true;
    while (full && !stopped) {
      const result = await sendDueNudges(deps, {
        limit: batchSize,
        // Also the most cases a killed worker holds back (each for at most the lease).
        concurrency: options.concurrency ?? NUDGE_CONCURRENCY,
        onError: (caseId, error) => {
          options.logger.error({ err: error, caseId }, 'nudge failed; the claim lapses and a later sweep retries');
          reportError(error, { source: 'nudges', extra: { caseId } });
        },
      });
      if (result.claimed > 0) options.logger.info({ ...result }, 'nudge sweep');
      // Save offers (issue #15 §2) ride the same loop: a member who just scheduled a cancel should not wait a minute.
      const offers = await sendDueSaveOffers(deps, {
        limit: batchSize,
        onError: (saveCaseId, error) => {
          options.logger.error({ err: error, saveCaseId }, 'save offer failed; the claim lapses and a later sweep retries');
          reportError(error, { source: 'nudges', extra: { saveCaseId } });
        },
      });
      if (offers > 0) options.logger.info({ offers }, 'save offer sweep');
      full = result.claimed >= batchSize || offers >= batchSize;
    }
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = tick()
        .catch((error) => {
          options.logger.error({ err: error }, 'nudge sweep failed');
          reportError(error, { source: 'nudges' });
        })
        .finally(schedule);
    }, options.intervalMs);
  };
  schedule();
  return {
    async stop(): Promise<void> {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
