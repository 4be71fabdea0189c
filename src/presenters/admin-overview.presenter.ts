import { sql } from 'drizzle-orm';
import { queryRows, type Queryable } from '../db/client.ts';
import { cohortSql, recoveredCentsSql } from './kpi-sql.ts';

/** Operators' view across companies: intake health, queue lag, dead letters. Not tenant-scoped by design. */
export async function presentAdminOverview(q: Queryable, now: Date): Promise<AdminOverviewView> {
  const dayAgo = new Date(now.getTime() - 86_400_000).toISOString();
  const [webhooks] = await queryRows<Record<string, string | number | Date | null>>(
    q,
    sql`SELECT count(*) FILTER (WHERE status = 'pending') AS pending, count(*) FILTER (WHERE status = 'failed') AS failed,
               count(*) FILTER (WHERE status = 'processed' AND processed_at >= ${dayAgo}::timestamptz) AS processed_24h,
               min(received_at) FILTER (WHERE status = 'pending') AS oldest_pending_at
        FROM webhook_events`,
  );
  const [deliveryCounts] = await queryRows<Record<string, string | number>>(
    q,
    sql`SELECT count(*) FILTER (WHERE status = 'dead') AS dead, count(*) FILTER (WHERE status = 'pending') AS pending FROM deliveries`,
  );
  const [companies] = await queryRows<{ n: string | number }>(q, sql`SELECT count(*) AS n FROM companies`);
  const deadLetters = await queryRows<DeadLetter>(
    q,
    sql`SELECT company_id, case_id, channel, step, error, updated_at FROM deliveries WHERE status = 'dead' ORDER BY updated_at DESC LIMIT 50`,
  );
  const oldest = webhooks?.oldest_pending_at ? new Date(webhooks.oldest_pending_at as string) : null;
  return {
    companies: Number(companies?.n ?? 0),
    webhooks: {
      pending: Number(webhooks?.pending ?? 0),
      failed: Number(webhooks?.failed ?? 0),
      processed_24h: Number(webhooks?.processed_24h ?? 0),
      oldest_pending_at: oldest?.toISOString() ?? null,
    },
    // Lag: how long the oldest unprocessed delivery has waited.
    queue: { lag_seconds: oldest ? Math.max(0, Math.round((now.getTime() - oldest.getTime()) / 1000)) : 0, queued: Number(webhooks?.pending ?? 0) },
    deliveries: { dead: Number(deliveryCounts?.dead ?? 0), pending: Number(deliveryCounts?.pending ?? 0) },
    dead_letters: deadLetters,
  };
}

/**
 * Every company with its open cases and what its last 30 days' cohort recovered, per currency:
 * the same definition as the creator overview's 30-day window (kpi-sql.ts), never summed across
 * currencies. One index range per company (LATERAL), not a scan of every case.
 */
export async function presentCompanyList(q: Queryable, now: Date): Promise<CompanyListView> {
  const since = new Date(now.getTime() - 30 * 86_400_000);
  const list = await queryRows<{ company_id: string; title: string | null; open_cases: string | number; recovered: { currency: string | null; recovered_cents: string | number }[] | string | null }>(
    q,
    sql`SELECT co.company_id, co.title,
               (SELECT count(*) FROM recovery_cases c WHERE c.company_id = co.company_id AND c.status = 'open') AS open_cases,
               (SELECT coalesce(json_agg(json_build_object('currency', m.currency, 'recovered_cents', m.cents) ORDER BY m.currency), '[]'::json)
                  FROM (SELECT c.currency, ${recoveredCentsSql} AS cents FROM recovery_cases c
                        WHERE ${cohortSql(sql`co.company_id`, since)} GROUP BY c.currency) m) AS recovered
        FROM companies co ORDER BY co.company_id LIMIT 1000`,
  );
  return {
    companies: list.map((r) => {
      const recovered = typeof r.recovered === 'string' ? JSON.parse(r.recovered) : (r.recovered ?? []);
      return {
        company_id: r.company_id,
        title: r.title,
        open_cases: Number(r.open_cases),
        recovered_30d: (recovered as { currency: string | null; recovered_cents: string | number }[]).map((m) => ({ currency: (m.currency ?? 'usd').toLowerCase(), recovered_cents: Number(m.recovered_cents) })),
      };
    }),
  };
}

/** A delivery that gave up after its last attempt. */
export interface DeadLetter {
  company_id: string;
  case_id: string;
  channel: string;
  step: number;
  error: string | null;
  updated_at: Date | string;
}

/** GET /api/admin/overview (operators). */
export interface AdminOverviewView {
  companies: number;
  webhooks: { pending: number; failed: number; processed_24h: number; oldest_pending_at: string | null };
  /** Lag: how long the oldest unprocessed delivery has waited, in seconds. */
  queue: { lag_seconds: number; queued: number };
  deliveries: { dead: number; pending: number };
  dead_letters: DeadLetter[];
}

/** One company of GET /api/companies (operators). */
export interface CompanySummary {
  company_id: string;
  title: string | null;
  open_cases: number;
  /** Same definition as the overview's 30-day recovered, one line per currency. */
  recovered_30d: { currency: string; recovered_cents: number }[];
}

export interface CompanyListView {
  companies: CompanySummary[];
}
