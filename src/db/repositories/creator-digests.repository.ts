import { and, eq, sql } from 'drizzle-orm';
import type { DigestFigures } from '../../domain/creator-digest.ts';
import type { DeclineCategory } from '../../domain/decline-variant.ts';
import { declineCategoryOf } from '../../domain/decline-variant.ts';
import { queryRows, type Queryable } from '../client.ts';
import { creatorDigests } from '../schema/creator-digests.ts';

/** Every company's latest settings row that asks for a digest (raw JSON; the service parses it). */
export async function listDigestCompanies(q: Queryable): Promise<{ companyId: string; title: string | null; settings: Record<string, unknown>; attributionWindowDays: number }[]> {
  const rows = await queryRows<{ company_id: string; title: string | null; settings: Record<string, unknown>; attribution_window_days: number }>(
    q,
    sql`SELECT s.company_id, co.title, s.settings, s.attribution_window_days FROM (
          SELECT DISTINCT ON (company_id) company_id, settings, attribution_window_days FROM company_settings ORDER BY company_id, version DESC
        ) s LEFT JOIN companies co ON co.company_id = s.company_id
        WHERE jsonb_typeof(s.settings -> 'digest') = 'object'`,
  );
  return rows.map((r) => ({ companyId: r.company_id, title: r.title, settings: r.settings, attributionWindowDays: r.attribution_window_days }));
}

/** Claims (company, day): true for the one caller that inserted it; every other worker skips. */
export async function claimDigest(q: Queryable, companyId: string, digestDate: string): Promise<boolean> {
  const rows = await q.insert(creatorDigests).values({ companyId, digestDate }).onConflictDoNothing().returning({ companyId: creatorDigests.companyId });
  return rows.length === 1;
}

export async function finishDigest(q: Queryable, companyId: string, digestDate: string, outcome: { ok: true; at: Date } | { ok: false; error: string } | { empty: true }): Promise<void> {
  await q
    .update(creatorDigests)
    .set('empty' in outcome ? { status: 'empty' } : outcome.ok ? { status: 'sent', sentAt: outcome.at, error: null } : { status: 'failed', error: outcome.error.slice(0, 500) })
    .where(and(eq(creatorDigests.companyId, companyId), eq(creatorDigests.digestDate, digestDate)));
}

/** The digest's figures for one company over [from, to). */
export async function findDigestFigures(q: Queryable, companyId: string, from: Date, to: Date): Promise<DigestFigures> {
  const [fromIso, toIso] = [from.toISOString(), to.toISOString()];
  const opened = await queryRows<{ currency: string | null; cases: number; at_risk: string | number; decline_code: string | null; failure_reason: string | null; needs_authentication: boolean; card_exp_month: number | null; card_exp_year: number | null; first_failure_at: string | Date }>(
    q,
    sql`SELECT currency, 1 AS cases, amount_at_risk_cents AS at_risk, decline_code, failure_reason, needs_authentication, card_exp_month, card_exp_year, first_failure_at
        FROM recovery_cases WHERE company_id = ${companyId} AND first_failure_at >= ${fromIso}::timestamptz AND first_failure_at < ${toIso}::timestamptz`,
  );
  const recovered = await queryRows<{ currency: string | null; cases: string | number; recovered: string | number }>(
    q,
    sql`SELECT currency, count(*) AS cases, coalesce(sum(recovered_cents), 0) AS recovered FROM recovery_cases
        WHERE company_id = ${companyId} AND status = 'recovered' AND recovered_at >= ${fromIso}::timestamptz AND recovered_at < ${toIso}::timestamptz GROUP BY currency ORDER BY currency`,
  );
  const [open] = await queryRows<{ n: string | number }>(q, sql`SELECT count(*) AS n FROM recovery_cases WHERE company_id = ${companyId} AND status = 'open'`);
  const byCurrency = new Map<string, { currency: string; cases: number; atRiskCents: number }>();
  const openedByCategory: Partial<Record<DeclineCategory, number>> = {};
  for (const r of opened) {
    const currency = r.currency ?? 'usd';
    const line = byCurrency.get(currency) ?? { currency, cases: 0, atRiskCents: 0 };
    line.cases += 1;
    line.atRiskCents += Number(r.at_risk);
    byCurrency.set(currency, line);
    // failure_reason is stored encrypted (enc:v1:…); the category then reads the decline code alone.
    const category = declineCategoryOf({ declineCode: r.decline_code, failureMessage: null, needsAuthentication: r.needs_authentication, cardExpMonth: r.card_exp_month, cardExpYear: r.card_exp_year, failedAt: new Date(r.first_failure_at) });
    openedByCategory[category] = (openedByCategory[category] ?? 0) + 1;
  }
  return {
    opened: [...byCurrency.values()].sort((a, b) => a.currency.localeCompare(b.currency)),
    openedByCategory,
    recovered: recovered.map((r) => ({ currency: r.currency ?? 'usd', cases: Number(r.cases), recoveredCents: Number(r.recovered) })),
    stillOpen: Number(open?.n ?? 0),
  };
}
