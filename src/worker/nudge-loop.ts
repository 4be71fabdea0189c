import type { Logger } from 'pino';
import { reportError } from '../observability/sentry.ts';
import { sendDueNudges } from '../services/nudges/send-due-nudges.ts';
import type { OutreachDeps } from '../services/nudges/send-nudge.ts';

/**
 * Sends due nudges every `intervalMs` (pg-boss cron is per minute; nudges should not wait that
 * long). A sweep that found a full batch runs again at once, so a backlog drains at full speed.
 * stop() waits for the sweep in progress.
 */
export function startNudgeLoop(deps: OutreachDeps, options: { intervalMs: number; logger: Logger; batchSize?: number; concurrency?: number }) {
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
        concurrency: options.concurrency ?? 8,
        onError: (caseId, error) => {
          options.logger.error({ err: error, caseId }, 'nudge failed; the claim lapses and a later sweep retries');
          reportError(error, { source: 'nudges', extra: { caseId } });
        },
      });
      if (result.claimed > 0) options.logger.info({ ...result }, 'nudge sweep');
      full = result.claimed >= batchSize;
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
