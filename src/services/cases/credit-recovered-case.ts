import { sql } from 'drizzle-orm';
import { queryRows, type AppTx } from '../../db/client.ts';
import { creditRecovery, type Credit } from '../../domain/recovery-credit.ts';

/**
 * Stores what a case's recovery is credited to (domain/recovery-credit.ts), from its delivered
 * messages, counted clicks, manual nudges and our payment retries; clears it when the case is not
 * (or no longer) recovered. Runs inside the reconcile transaction; idempotent.
 */
export async function creditRecoveredCase(tx: AppTx, caseId: string, recovered: { status: string; recoveredAt: Date | null }): Promise<Credit | null> {
  if (recovered.status !== 'recovered') {
    await tx.execute(sql`UPDATE recovery_cases SET credited_method = NULL, credited_channel = NULL, credited_step = NULL WHERE id = ${caseId} AND credited_method IS NOT NULL`);
    return null;
  }
  const [delivered, events] = await Promise.all([
    queryRows<{ at: Date | string; step: number; channel: string }>(tx, sql`SELECT sent_at AS at, step, channel FROM deliveries WHERE case_id = ${caseId} AND status = 'sent' AND sent_at IS NOT NULL`),
    queryRows<{ at: Date | string; reason: string; actor: string; detail: Record<string, unknown> | string | null }>(
      tx,
      sql`SELECT at, reason, actor, detail FROM case_events WHERE case_id = ${caseId} AND source IN ('outreach', 'action')
            AND (reason IN ('link_clicked', 'nudge_sent') OR reason LIKE 'payment_retried_step_%')`,
    ),
  ]);
  const detailOf = (e: (typeof events)[number]) => (typeof e.detail === 'string' ? (JSON.parse(e.detail) as Record<string, unknown>) : (e.detail ?? {}));
  const clicks = events
    .filter((e) => e.reason === 'link_clicked' && detailOf(e).counted === true)
    .map((e) => ({ at: new Date(e.at), step: Number(detailOf(e).step), channel: String(detailOf(e).channel) }));
  const manualSteps = new Set(events.filter((e) => e.reason === 'nudge_sent' && e.actor !== 'system').map((e) => Number(detailOf(e).step)));
  const recoveredByOurRetry = events.some((e) => e.reason.startsWith('payment_retried_step_') && (detailOf(e).substatus === 'succeeded' || detailOf(e).status === 'paid'));
  const credit = creditRecovery({
    recoveredAt: recovered.recoveredAt,
    clicks,
    delivered: delivered.map((d) => ({ at: new Date(d.at), step: d.step, channel: d.channel })),
    manualSteps,
    recoveredByOurRetry,
  });
  await tx.execute(sql`UPDATE recovery_cases SET credited_method = ${credit.method}, credited_channel = ${credit.channel}, credited_step = ${credit.step} WHERE id = ${caseId}`);
  return credit;
}
