import { sql } from 'drizzle-orm';
import { queryRows, type Queryable } from '../db/client.ts';

/** Operators' view across companies: intake health, queue lag, dead letters. Not tenant-scoped by design. */
export async function presentAdminOverview(q: Queryable, now: Date) {
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
  const deadLetters = await queryRows<Record<string, unknown>>(
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

/** Every company with its open cases and 30-day recovered amount (operators). */
export async function presentCompanyList(q: Queryable, now: Date) {
  const since = new Date(now.getTime() - 30 * 86_400_000).toISOString();
  const list = await queryRows<Record<string, string | number | null>>(
    q,
    sql`SELECT co.company_id, co.title,
               count(c.id) FILTER (WHERE c.status = 'open') AS open_cases,
               coalesce(sum(c.recovered_cents) FILTER (WHERE c.status = 'recovered' AND c.recovered_at >= ${since}::timestamptz), 0) AS recovered_cents_30d,
               max(c.currency) AS currency
        FROM companies co LEFT JOIN recovery_cases c ON c.company_id = co.company_id
        GROUP BY co.company_id, co.title ORDER BY co.company_id LIMIT 1000`,
  );
  return { companies: list.map((r) => ({ company_id: r.company_id, title: r.title, open_cases: Number(r.open_cases), recovered_cents_30d: Number(r.recovered_cents_30d), currency: r.currency ?? 'usd' })) };
}
