import { and, eq } from 'drizzle-orm';
import type { AppDb } from '../../db/client.ts';
import { appendCaseEvent } from '../../db/repositories/nudges.repository.ts';
import { deliveries } from '../../db/schema/deliveries.ts';
import { recoveryCases } from '../../db/schema/recovery-cases.ts';
import { recordSaveOfferClick } from '../saves/record-save-offer-click.ts';
import { classifyClick, type ClickVerdict } from '../../domain/click-classifier.ts';
import { readClickToken } from './click-links.ts';

export type RecordClickResult = { ok: true; to: string; verdict: ClickVerdict } | { ok: false; reason: 'invalid_token' };

/**
 * One request to a tracked link: verifies the token, writes a `link_clicked` timeline row (counted
 * or not, and why: scanners and previews are told apart by domain/click-classifier.ts) and says
 * where to forward. A link of a case that no longer exists (erased, archived) still forwards.
 * A save offer's link (issue #15 §2) names a save case instead: its click is kept on that case.
 */
export async function recordClick(deps: { db: AppDb; signingKey: string }, input: { token: string; method: string; userAgent: string | undefined; now: Date }): Promise<RecordClickResult> {
  const link = readClickToken(deps.signingKey, input.token);
  if (!link) return { ok: false, reason: 'invalid_token' };
  const [row] = await deps.db
    .select({ status: recoveryCases.status, sentAt: deliveries.sentAt })
    .from(recoveryCases)
    .leftJoin(deliveries, and(eq(deliveries.caseId, recoveryCases.id), eq(deliveries.step, link.step), eq(deliveries.channel, link.channel as 'email')))
    .where(and(eq(recoveryCases.id, link.caseId), eq(recoveryCases.companyId, link.companyId)))
    .limit(1);
  if (!row) {
    const saved = await recordSaveOfferClick(deps.db, link, input);
    if (saved) return { ok: true, to: link.to, verdict: saved };
  }
  const verdict = classifyClick({ method: input.method, userAgent: input.userAgent, channel: link.channel, at: input.now, deliveredAt: row?.sentAt ?? null });
  if (row)
    await appendCaseEvent(deps.db, {
      companyId: link.companyId,
      caseId: link.caseId,
      status: row.status,
      reason: 'link_clicked',
      actor: 'member',
      source: 'outreach',
      detail: { step: link.step, channel: link.channel, counted: verdict.counted, ...(verdict.counted ? {} : { why: verdict.why }) },
      at: input.now,
    });
  return { ok: true, to: link.to, verdict };
}
