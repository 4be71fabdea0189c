import { and, asc, desc, eq, gt, gte, inArray, like, lt, lte, or, sql, type SQL } from 'drizzle-orm';
import { queryRows, type Queryable } from '../db/client.ts';
import { caseEvents } from '../db/schema/case-events.ts';
import { deliveries } from '../db/schema/deliveries.ts';
import { incentives } from '../db/schema/incentives.ts';
import { describePromoCodeState } from '../domain/promo-code.ts';
import { recoveryCases } from '../db/schema/recovery-cases.ts';
import type { CaseStatus } from '../domain/recovery-case.ts';
import { isUuid } from '../domain/is-uuid.ts';
import { emailLookupHashes, readableEventDetail } from '../db/encrypted-text.ts';

export const CASE_SORTS = ['first_failure_at', 'amount', 'status'] as const;
export type CaseSort = (typeof CASE_SORTS)[number];

export interface CaseFilters {
  status?: CaseStatus | undefined;
  /** Inclusive bounds on first_failure_at. */
  from?: Date | undefined;
  to?: Date | undefined;
  /** The member's exact email, or the start of a user or membership id (searchCondition). */
  q?: string | undefined;
}

export interface CaseListQuery extends CaseFilters {
  sort: CaseSort;
  descending: boolean;
  /** 1–200. */
  limit: number;
  cursor?: string | undefined;
}

const SORT_COLUMNS = {
  first_failure_at: recoveryCases.firstFailureAt,
  amount: recoveryCases.amountAtRiskCents,
  status: recoveryCases.status,
} as const;

const listColumns = {
  id: recoveryCases.id,
  status: recoveryCases.status,
  whop_membership_id: recoveryCases.whopMembershipId,
  whop_user_id: recoveryCases.whopUserId,
  member_email: recoveryCases.memberEmail,
  member_name: recoveryCases.memberName,
  failure_reason: recoveryCases.failureReason,
  failure_count: recoveryCases.failureCount,
  /** Whop's decline code of the latest failure (e.g. insufficient_funds); null when none was given. */
  decline_code: recoveryCases.declineCode,
  amount_at_risk_cents: recoveryCases.amountAtRiskCents,
  recovered_cents: recoveryCases.recoveredCents,
  currency: recoveryCases.currency,
  risk_level: recoveryCases.riskLevel,
  first_failure_at: recoveryCases.firstFailureAt,
  recovered_at: recoveryCases.recoveredAt,
  closed_at: recoveryCases.closedAt,
  attribution_ends_at: recoveryCases.attributionEndsAt,
  steps_sent: recoveryCases.stepsSent,
  next_nudge_at: recoveryCases.nextNudgeAt,
};

/**
 * What Whop told about the latest charge, shown on the case page. The recovery link itself stays
 * server-side (for the playbooks that send it); the page only says whether there is one.
 */
const signalColumns = {
  next_payment_attempt_at: recoveryCases.nextPaymentAttemptAt,
  card_exp_month: recoveryCases.cardExpMonth,
  card_exp_year: recoveryCases.cardExpYear,
  payment_retryable: recoveryCases.paymentRetryable,
  needs_authentication: recoveryCases.needsAuthentication,
  has_recovery_url: sql<boolean>`(${recoveryCases.recoveryUrl} IS NOT NULL)`,
};


/**
 * The search box: an exact email (any case, through the lookup hash: emails are stored encrypted),
 * or the start of a membership or user id, with or without its `mem_` / `user_` prefix. Prefixes,
 * not substrings: each is a range on an index (migration 0028), so a search reads only its hits
 * (the case search figures of npm run bench) instead of every case of the company.
 */
function searchCondition(q: string): SQL {
  if (q.includes('@')) return inArray(recoveryCases.memberEmailHash, emailLookupHashes(q));
  // The search text is data: bound as a parameter, with LIKE wildcards escaped.
  const prefix = (text: string) => `${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const memberships = /^mem_/i.test(q) ? [q] : [q, `mem_${q}`];
  const users = /^user_/i.test(q) ? [q] : [q, `user_${q}`];
  return or(...memberships.map((m) => like(recoveryCases.whopMembershipId, prefix(m))), ...users.map((u) => like(recoveryCases.whopUserId, prefix(u))))!;
}

function filtersOf(companyId: string, f: CaseFilters): SQL {
  const conditions: SQL[] = [eq(recoveryCases.companyId, companyId)];
  if (f.status) conditions.push(eq(recoveryCases.status, f.status));
  if (f.from) conditions.push(gte(recoveryCases.firstFailureAt, f.from));
  if (f.to) conditions.push(lte(recoveryCases.firstFailureAt, f.to));
  if (f.q) conditions.push(searchCondition(f.q));
  return and(...conditions)!;
}

type CursorValue = string | number;
function encodeCursor(value: CursorValue, id: string): string {
  return Buffer.from(JSON.stringify([value, id])).toString('base64url');
}
/** null when the cursor is not one we made (the caller answers 400). */
export function decodeCursor(cursor: string): [CursorValue, string] | null {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && parsed.length === 2 && (typeof parsed[0] === 'string' || typeof parsed[0] === 'number') && typeof parsed[1] === 'string') return parsed as [CursorValue, string];
  } catch {}
  return null;
}

async function listPage(companyId: string, q: Queryable, query: CaseListQuery, after: [CursorValue, string] | null): Promise<CaseListItem[]> {
  const column = SORT_COLUMNS[query.sort];
  // A search's few hits come straight from the prefix / email-hash indexes (a bitmap OR), then sort:
  // no walk of the company's cases in page order.
  const conditions: SQL[] = [filtersOf(companyId, query)];
  if (after) {
    const value = query.sort === 'first_failure_at' ? new Date(after[0]) : after[0];
    // Keyset pagination on (sort column, id): stable under inserts, no OFFSET scans.
    const beyond = query.descending ? lt : gt;
    conditions.push(or(beyond(column, value as never), and(eq(column, value as never), beyond(recoveryCases.id, after[1])))!);
  }
  const order = query.descending ? desc : asc;
  return q.select(listColumns).from(recoveryCases).where(and(...conditions)).orderBy(order(column), order(recoveryCases.id)).limit(query.limit);
}

/** One page of a company's cases, filtered and sorted, with the cursor of the next page. */
export async function presentCaseList(companyId: string, q: Queryable, query: CaseListQuery): Promise<CaseListView> {
  const after = query.cursor ? decodeCursor(query.cursor) : null;
  // The page and the total do not depend on each other: on PostgreSQL they run side by side.
  const [cases, count] = await Promise.all([
    listPage(companyId, q, query, after),
    totalOf(companyId, q, query),
  ]);
  const last = cases.at(-1);
  const sortValueOf = (c: CaseListItem): CursorValue =>
    query.sort === 'first_failure_at' ? c.first_failure_at.toISOString() : query.sort === 'amount' ? c.amount_at_risk_cents : c.status;
  return {
    cases,
    next_cursor: last && cases.length === query.limit ? encodeCursor(sortValueOf(last), last.id) : null,
    total: count,
  };
}

/**
 * The list's total. Unfiltered or by status alone it is the company's count rows (migration 0050:
 * a few rows, whatever the company's size); dates or a search count their matching rows.
 */
async function totalOf(companyId: string, q: Queryable, f: CaseFilters): Promise<number> {
  if (f.from || f.to || f.q) {
    const [row] = await q.select({ n: sql<number>`count(*)::int` }).from(recoveryCases).where(filtersOf(companyId, f));
    return row?.n ?? 0;
  }
  const [row] = await queryRows<{ n: number }>(
    q,
    sql`SELECT coalesce(sum(n), 0)::int AS n FROM case_status_counts WHERE company_id = ${companyId}${f.status ? sql` AND status = ${f.status}` : sql``}`,
  );
  return row?.n ?? 0;
}

/** Every case matching the filters, page by page, for the CSV export (never all rows in memory). */
export async function* iterateCases(companyId: string, q: Queryable, filters: CaseFilters, pageSize = 1000): AsyncGenerator<CaseListItem> {
  let after: [CursorValue, string] | null = null;
  for (;;) {
    const page = await listPage(companyId, q, { ...filters, sort: 'first_failure_at', descending: true, limit: pageSize }, after);
    yield* page;
    if (page.length < pageSize) return;
    const last = page.at(-1)!;
    after = [last.first_failure_at.toISOString(), last.id];
  }
}

/**
 * One case with its timeline, deliveries and incentives; null when it is not this company's. A
 * promo code's `summary` says truthfully where it stands at `now` (created or not, redeemed,
 * expired), e.g. "Promo code SAVE-7K3QM9TX: 20 % off for 3 months, not redeemed yet".
 */
export async function presentCase(companyId: string, q: Queryable, caseId: string, now: Date = new Date()): Promise<CaseDetailView | null> {
  if (!isUuid(caseId)) return null;
  const [found] = await q
    .select({ ...listColumns, ...signalColumns, holdout: recoveryCases.holdout, variant_test_version: recoveryCases.variantTestVersion, test_variant: recoveryCases.testVariant, credited_method: recoveryCases.creditedMethod, credited_channel: recoveryCases.creditedChannel, credited_step: recoveryCases.creditedStep })
    .from(recoveryCases)
    .where(and(eq(recoveryCases.companyId, companyId), eq(recoveryCases.id, caseId)));
  if (!found) return null;
  const [timeline, sent, granted] = await Promise.all([
    q
      .select({ at: caseEvents.at, from_status: caseEvents.fromStatus, to_status: caseEvents.toStatus, reason: caseEvents.reason, actor: caseEvents.actor, source: caseEvents.source, detail: caseEvents.detail })
      .from(caseEvents)
      .where(and(eq(caseEvents.companyId, companyId), eq(caseEvents.caseId, caseId)))
      .orderBy(asc(caseEvents.at), asc(caseEvents.id)),
    q
      .select({ step: deliveries.step, channel: deliveries.channel, status: deliveries.status, attempts: deliveries.attempts, error: deliveries.error, rendered_subject: deliveries.renderedSubject, rendered_body: deliveries.renderedBody, test_variant: deliveries.testVariant, sent_at: deliveries.sentAt, updated_at: deliveries.updatedAt })
      .from(deliveries)
      .where(and(eq(deliveries.companyId, companyId), eq(deliveries.caseId, caseId)))
      .orderBy(asc(deliveries.step), asc(deliveries.channel)),
    q
      .select({
        type: incentives.type,
        value: incentives.value,
        status: incentives.status,
        cost_cents: incentives.costCents,
        currency: incentives.currency,
        granted_at: incentives.grantedAt,
        error: incentives.error,
        code: incentives.code,
        terms: incentives.terms,
        expires_at: incentives.expiresAt,
        redeemed_at: incentives.redeemedAt,
      })
      .from(incentives)
      .where(and(eq(incentives.companyId, companyId), eq(incentives.caseId, caseId))),
  ]);
  const withSummary = granted.map((i) => ({
    ...i,
    summary:
      i.type === 'promo_code' && i.code && i.terms
        ? describePromoCodeState({ code: i.code, terms: i.terms, status: i.status, expiresAt: i.expires_at, redeemedAt: i.redeemed_at, error: i.error }, now)
        : null,
  }));
  return { case: found, timeline: timeline.map((e) => ({ ...e, detail: readableEventDetail(e.detail) })), deliveries: sent, incentives: withSummary };
}

type CaseRow = typeof recoveryCases.$inferSelect;
type DeliveryRow = typeof deliveries.$inferSelect;
type IncentiveRow = typeof incentives.$inferSelect;

/** One case as the list and the CSV show it. Times are Dates here, ISO strings in JSON (Json<T>). */
export interface CaseListItem {
  id: string;
  status: CaseStatus;
  whop_membership_id: string;
  whop_user_id: string | null;
  member_email: string | null;
  member_name: string | null;
  failure_reason: string | null;
  failure_count: number;
  /** Whop's decline code of the latest failure (e.g. insufficient_funds); null when none was given. */
  decline_code: string | null;
  amount_at_risk_cents: number;
  recovered_cents: number;
  currency: string | null;
  risk_level: CaseRow['riskLevel'];
  first_failure_at: Date;
  recovered_at: Date | null;
  closed_at: Date | null;
  attribution_ends_at: Date;
  steps_sent: number;
  next_nudge_at: Date | null;
}

/** GET /api/companies/:companyId/cases: one page, the cursor of the next (null on the last), the filtered total. */
export interface CaseListView {
  cases: CaseListItem[];
  next_cursor: string | null;
  total: number;
}

export interface CaseTimelineEntry {
  at: Date;
  from_status: string | null;
  to_status: string;
  reason: string;
  actor: string;
  source: CaseEventSource;
  detail: Record<string, unknown> | null;
}
type CaseEventSource = (typeof caseEvents.$inferSelect)['source'];

export interface CaseDeliveryView {
  step: number;
  channel: DeliveryRow['channel'];
  status: DeliveryRow['status'];
  attempts: number;
  error: string | null;
  rendered_subject: string | null;
  rendered_body: string | null;
  sent_at: Date | null;
  updated_at: Date;
}

export interface CaseIncentiveView {
  type: IncentiveRow['type'];
  value: number;
  status: IncentiveRow['status'];
  cost_cents: number;
  currency: string | null;
  granted_at: Date | null;
  error: string | null;
  /** promo_code only (null otherwise): the code, its terms, Whop's expiry, when a payment redeemed it. */
  code: string | null;
  terms: IncentiveRow['terms'];
  expires_at: Date | null;
  redeemed_at: Date | null;
  /** A promo code's state in one truthful sentence; null for free days. */
  summary: string | null;
}

/** GET /api/companies/:companyId/cases/:caseId: the case with what Whop told about its latest charge, its credit, and its history. */
export interface CaseDetailView {
  case: CaseListItem & {
    next_payment_attempt_at: Date | null;
    card_exp_month: number | null;
    card_exp_year: number | null;
    payment_retryable: boolean;
    needs_authentication: boolean;
    /** Whether Whop gave a recovery link (the link itself stays server-side). */
    has_recovery_url: boolean;
    holdout: boolean;
    credited_method: string | null;
    credited_channel: string | null;
    credited_step: number | null;
  };
  timeline: CaseTimelineEntry[];
  deliveries: CaseDeliveryView[];
  incentives: CaseIncentiveView[];
}
