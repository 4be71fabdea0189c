import type { AppDb } from '../../db/client.ts';
import { claimDigest, findDigestFigures, finishDigest, listDigestCompanies } from '../../db/repositories/creator-digests.repository.ts';
import { composeDigest, digestDateOf, isDigestHour } from '../../domain/creator-digest.ts';
import { parseNudgeSettings } from '../../domain/nudge-settings.ts';
import type { Clock } from '../../integrations/clock.ts';
import type { EmailSender } from '../../integrations/email/email-sender.ts';

const DAY_MS = 86_400_000;

export interface SendCreatorDigestsResult {
  sent: number;
  failed: number;
  /** Companies whose digest hour has not come yet today, whose digest another run already claimed, or whose day was empty. */
  skipped: number;
}

/**
 * Sends each company's daily digest once per UTC day, at or after its hour (settings.digest). The
 * (company, day) row is claimed before the email goes out, so any number of workers, and a run
 * that repeats, send it at most once; a failed send is recorded, not retried (tomorrow's comes).
 * The day covered is the 24 hours before today's 00:00 UTC.
 */
export async function sendCreatorDigests(deps: { db: AppDb; clock: Clock; email: EmailSender; publicUrl: string }): Promise<SendCreatorDigestsResult> {
  const now = deps.clock.now();
  const result: SendCreatorDigestsResult = { sent: 0, failed: 0, skipped: 0 };
  const date = digestDateOf(now);
  const to = new Date(`${date}T00:00:00.000Z`);
  const from = new Date(to.getTime() - DAY_MS);
  for (const company of await listDigestCompanies(deps.db)) {
    const parsed = parseNudgeSettings({ ...company.settings, attribution_window_days: company.attributionWindowDays }, { stored: true });
    const digest = parsed.ok ? parsed.settings.digest : null;
    if (!digest || !isDigestHour(digest.hour_utc, now) || !(await claimDigest(deps.db, company.companyId, date))) {
      result.skipped += 1;
      continue;
    }
    const figures = await findDigestFigures(deps.db, company.companyId, from, to);
    // A day with nothing new and nothing open is not worth an email.
    if (figures.opened.length === 0 && figures.recovered.length === 0 && figures.stillOpen === 0) {
      await finishDigest(deps.db, company.companyId, date, { empty: true });
      result.skipped += 1;
      continue;
    }
    const message = composeDigest({ companyName: company.title, date, figures, dashboardUrl: `${deps.publicUrl.replace(/\/$/, '')}/dashboard/${encodeURIComponent(company.companyId)}` });
    const sent = await deps.email.send({ to: digest.email, ...message });
    await finishDigest(deps.db, company.companyId, date, sent.ok ? { ok: true, at: now } : { ok: false, error: sent.message });
    if (sent.ok) result.sent += 1;
    else result.failed += 1;
  }
  return result;
}
