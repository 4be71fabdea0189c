import { and, eq } from 'drizzle-orm';
import type { AppDb } from '../../db/client.ts';
import { saveCases } from '../../db/schema/save-cases.ts';
import { classifyClick, type ClickVerdict } from '../../domain/click-classifier.ts';
import type { ClickLink } from '../nudges/click-links.ts';

/**
 * A request to a save offer's tracked link: told apart from scanners by the same classifier as
 * nudge links; a counted click becomes the case's last click (the save's credit reads it).
 * Returns null when the link names no save case of the company.
 */
export async function recordSaveOfferClick(db: AppDb, link: ClickLink, input: { method: string; userAgent: string | undefined; now: Date }): Promise<ClickVerdict | null> {
  const [row] = await db
    .select({ sentAt: saveCases.offerSentAt })
    .from(saveCases)
    .where(and(eq(saveCases.id, link.caseId), eq(saveCases.companyId, link.companyId)))
    .limit(1);
  if (!row) return null;
  const verdict = classifyClick({ method: input.method, userAgent: input.userAgent, channel: link.channel, at: input.now, deliveredAt: row.sentAt });
  if (verdict.counted) await db.update(saveCases).set({ lastClickAt: input.now, lastClickChannel: link.channel }).where(eq(saveCases.id, link.caseId));
  return verdict;
}
