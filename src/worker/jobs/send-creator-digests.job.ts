import type { Logger } from 'pino';
import type { AppDb } from '../../db/client.ts';
import type { Clock } from '../../integrations/clock.ts';
import type { EmailSender } from '../../integrations/email/email-sender.ts';
import { sendCreatorDigests } from '../../services/digest/send-creator-digests.ts';

/** Hourly: each company's digest once a UTC day, at or after the hour it chose. */
export function sendCreatorDigestsJob(deps: { db: AppDb; clock: Clock; logger: Logger; email: EmailSender; publicUrl: string }) {
  return async (): Promise<void> => {
    const result = await sendCreatorDigests(deps);
    if (result.sent + result.failed > 0) deps.logger.info({ ...result }, 'creator digests');
  };
}
