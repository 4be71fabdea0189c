import { sql, type SQL } from 'drizzle-orm';
import { queryRows, type AppDb, type AppTx, type Queryable } from '../../db/client.ts';
import type { Clock } from '../../integrations/clock.ts';

/** Live tables whose rows move to the archive schema, children first (the order rows are copied in). */
const ARCHIVED_TABLES = ['case_events', 'deliveries', 'incentives', 'recovery_cases', 'membership_facts'] as const;
type ArchivedTable = (typeof ARCHIVED_TABLES)[number];

export interface ArchiveOldCasesOptions {
  /** Memberships per transaction (default 200). */
  batchSize?: number;
  /** Stop after this many batches; the next run goes on (default 50). */
  maxBatches?: number;
}

export interface ArchiveOldCasesResult {
  /** Memberships whose cases moved. */
  memberships: number;
  /** Rows moved per live table. */
  moved: Record<ArchivedTable, number>;
  /** True when maxBatches stopped the run with more left to archive. */
  more: boolean;
}

/** A case's last activity: its latest update, failure, outcome or nudge (GREATEST skips nulls). */
const LAST_ACTIVITY = sql.raw('GREATEST(c.updated_at, c.last_failure_at, c.recovered_at, c.closed_at, c.last_nudge_at)');

/**
 * Moves finished cases whose last activity is over 2 years before the clock's now into the
 * archive schema (migration 0008), with their timeline, deliveries and incentives, in batches.
 *
 * The unit is a membership, not a case: cases are derived from the membership's facts (the fold in
 * domain/case-lifecycle.ts), so a membership moves only when none of its cases is open or recent
 * and none of its facts is recent, and its facts move with its cases; a membership keeps
 * everything live while anything of it is. Each batch is one transaction: rows are copied into
 * archive.* and then deleted from the live tables, so a crash leaves them in one place or the
 * other. Memberships a worker is reconciling right now (its advisory lock is held) are left for
 * the next run. Idempotent: a second run finds nothing to move; a row already in the archive is
 * replaced by the live copy.
 */
export async function archiveOldCases(deps: { db: AppDb; clock: Clock }, options: ArchiveOldCasesOptions = {}): Promise<ArchiveOldCasesResult> {
  const batchSize = options.batchSize ?? 200;
  const maxBatches = options.maxBatches ?? 50;
  const now = deps.clock.now().toISOString();
  const cutoff = sql`(${now}::timestamptz - interval '2 years')`;
  const columns = await archivedColumns(deps.db);
  const result: ArchiveOldCasesResult = { memberships: 0, moved: { case_events: 0, deliveries: 0, incentives: 0, recovery_cases: 0, membership_facts: 0 }, more: false };

  for (let batch = 0; batch < maxBatches; batch += 1) {
    const moved = await deps.db.transaction(async (tx) => {
      const candidates = await findArchivableMemberships(tx, cutoff, null, batchSize);
      if (candidates.length === 0) return null;
      // Skip memberships a reconcile holds (the same lock as services/cases/reconcile-membership-cases.ts),
      // then check again under the lock: a fact may have arrived since the search.
      const locked = await queryRows<Membership>(
        tx,
        sql`SELECT m.company_id, m.whop_membership_id FROM ${membershipsOf(candidates)}
            WHERE pg_try_advisory_xact_lock(hashtextextended(m.company_id || ':' || m.whop_membership_id, 0))`,
      );
      const memberships = locked.length > 0 ? await findArchivableMemberships(tx, cutoff, locked, batchSize) : [];
      const counts = memberships.length > 0 ? await moveToArchive(tx, memberships, columns, now) : undefined;
      return { found: candidates.length, memberships: memberships.length, counts };
    });
    if (!moved) return result;
    result.memberships += moved.memberships;
    for (const table of ARCHIVED_TABLES) result.moved[table] += moved.counts?.[table] ?? 0;
    // Every candidate was busy: the next run tries them again.
    if (moved.memberships === 0) return result;
    if (moved.found < batchSize) return result;
  }
  result.more = true;
  return result;
}

interface Membership {
  company_id: string;
  whop_membership_id: string;
}

/** A list of memberships as a relation `m(company_id, whop_membership_id)`, passed as one JSON parameter. */
function membershipsOf(memberships: Membership[]): SQL {
  const json = JSON.stringify(memberships.map((m) => ({ company_id: m.company_id, whop_membership_id: m.whop_membership_id })));
  return sql`jsonb_to_recordset(${json}::jsonb) AS m(company_id text, whop_membership_id text)`;
}

/** Memberships with a finished case older than the cutoff and nothing open or recent (within `among` when given). */
async function findArchivableMemberships(q: Queryable, cutoff: SQL, among: Membership[] | null, limit: number): Promise<Membership[]> {
  const within = among ? sql`AND (c.company_id, c.whop_membership_id) IN (SELECT m.company_id, m.whop_membership_id FROM ${membershipsOf(among)})` : sql``;
  return queryRows<Membership>(
    q,
    sql`SELECT c.company_id, c.whop_membership_id FROM recovery_cases c
        WHERE c.status <> 'open' AND ${LAST_ACTIVITY} < ${cutoff} ${within}
          AND NOT EXISTS (SELECT 1 FROM recovery_cases o WHERE o.company_id = c.company_id AND o.whop_membership_id = c.whop_membership_id
                            AND (o.status = 'open' OR GREATEST(o.updated_at, o.last_failure_at, o.recovered_at, o.closed_at, o.last_nudge_at) >= ${cutoff}))
          AND NOT EXISTS (SELECT 1 FROM membership_facts f WHERE f.company_id = c.company_id AND f.whop_membership_id = c.whop_membership_id
                            AND f.occurred_at >= ${cutoff})
        GROUP BY c.company_id, c.whop_membership_id
        LIMIT ${limit}`,
  );
}

/** Copies the memberships' rows into archive.* and deletes them from the live tables; rows moved per table. */
async function moveToArchive(tx: AppTx, memberships: Membership[], columns: Record<ArchivedTable, string[]>, now: string): Promise<Record<ArchivedTable, number>> {
  const cases = sql`SELECT c.id FROM recovery_cases c WHERE (c.company_id, c.whop_membership_id) IN (SELECT m.company_id, m.whop_membership_id FROM ${membershipsOf(memberships)})`;
  const rowsOf: Record<ArchivedTable, SQL> = {
    case_events: sql`case_id IN (${cases})`,
    deliveries: sql`case_id IN (${cases})`,
    incentives: sql`case_id IN (${cases})`,
    recovery_cases: sql`id IN (${cases})`,
    membership_facts: sql`(company_id, whop_membership_id) IN (SELECT m.company_id, m.whop_membership_id FROM ${membershipsOf(memberships)})`,
  };
  const counts = {} as Record<ArchivedTable, number>;
  for (const table of ARCHIVED_TABLES) {
    const list = columns[table].map((c) => `"${c}"`).join(', ');
    const update = columns[table].filter((c) => c !== 'id').map((c) => `"${c}" = EXCLUDED."${c}"`).join(', ');
    await tx.execute(
      sql`INSERT INTO ${sql.raw(`archive.${table}`)} (${sql.raw(list)}, archived_at)
          SELECT ${sql.raw(list)}, ${now}::timestamptz FROM ${sql.raw(`public.${table}`)} WHERE ${rowsOf[table]}
          ON CONFLICT (id) DO UPDATE SET ${sql.raw(update)}, archived_at = EXCLUDED.archived_at`,
    );
  }
  // Children before their cases, cases before the facts (nothing references facts but by value).
  for (const table of ARCHIVED_TABLES) {
    const deleted = await queryRows<{ n: number | string }>(tx, sql`WITH gone AS (DELETE FROM ${sql.raw(`public.${table}`)} WHERE ${rowsOf[table]} RETURNING 1) SELECT count(*) AS n FROM gone`);
    counts[table] = Number(deleted[0]?.n ?? 0);
  }
  return counts;
}

/**
 * The columns to copy per table: the live table's. An archive table missing one of them means a
 * migration added a live column and not its archive twin: refuse, naming it, rather than drop data.
 */
async function archivedColumns(q: Queryable): Promise<Record<ArchivedTable, string[]>> {
  const rows = await queryRows<{ table_schema: string; table_name: string; column_name: string }>(
    q,
    sql`SELECT table_schema, table_name, column_name FROM information_schema.columns
        WHERE table_schema IN ('public', 'archive') AND table_name IN (${sql.join(ARCHIVED_TABLES.map((t) => sql`${t}`), sql`, `)})
        ORDER BY ordinal_position`,
  );
  const result = {} as Record<ArchivedTable, string[]>;
  const problems: string[] = [];
  for (const table of ARCHIVED_TABLES) {
    const live = rows.filter((r) => r.table_schema === 'public' && r.table_name === table).map((r) => r.column_name);
    const archived = new Set(rows.filter((r) => r.table_schema === 'archive' && r.table_name === table).map((r) => r.column_name));
    const missing = live.filter((c) => !archived.has(c));
    if (archived.size === 0) problems.push(`archive.${table} does not exist`);
    else if (missing.length > 0) problems.push(`archive.${table} lacks column ${missing.join(', ')}`);
    result[table] = live;
  }
  if (problems.length > 0) throw new Error(`cannot archive: ${problems.join('; ')} (add them in a migration, see migrations/0008_archive.sql)`);
  return result;
}
