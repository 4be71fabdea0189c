import { DEFAULT_WHOP_API_VERSION, hasWhopShape } from './api-version.ts';
import { createWhopSdkClient, toFailure, type WhopGatewayOptions, type WhopResult } from './whop-gateway.ts';

/** A Whop object exactly as a REST read returns it: a v1 webhook's `data` serializes the same way at the same version. */
export type WhopObject = Record<string, unknown> & { id: string };

export interface WhopObjectPage {
  data: WhopObject[];
  /** Cursor for the next page (`after`), null on the last page. */
  nextCursor: string | null;
}

/**
 * The read side reconciliation needs (whop-reference.md §2.2, §2.4, §7): cursor pages of a
 * company's payments and memberships in one status, as raw objects (they become webhook `data`),
 * and one membership. Apart from WhopGateway's summaries because reconciliation needs the whole
 * object and the time filters; same SDK, pinned version, error mapping and budgeted fetch. The
 * filter dialect follows the pin: `company_id` + `statuses[]` before 2026-09-15, `account_id` +
 * `status` from it (one status per request, so callers ask per status).
 */
export interface WhopListReader {
  /** Payments of a company in `status` updated after `updatedAfter`, newest first. */
  listPayments(query: { companyId: string; status: string; updatedAfter: Date; after?: string | null; pageSize?: number }): Promise<WhopResult<WhopObjectPage>>;
  /** Memberships of a company in `status`, by `order` descending (canceled_at or created_at). */
  listMemberships(query: { companyId: string; status: string; order: 'canceled_at' | 'created_at'; after?: string | null; pageSize?: number }): Promise<WhopResult<WhopObjectPage>>;
  getMembership(membershipId: string): Promise<WhopResult<WhopObject>>;
}

export function createWhopListReader(options: WhopGatewayOptions): WhopListReader {
  const apiVersion = options.apiVersion ?? DEFAULT_WHOP_API_VERSION;
  const newFilters = hasWhopShape(apiVersion, 'listFilters');
  const whop = createWhopSdkClient(options);
  const scope = (companyId: string, status: string) => (newFilters ? { account_id: companyId, status } : { company_id: companyId, statuses: [status] });
  const list = async (path: string, query: Record<string, unknown>): Promise<WhopObjectPage> => {
    const page = await whop.get<{ data: WhopObject[]; page_info?: { end_cursor?: string | null; has_next_page?: boolean } | null }>(path, { query });
    return { data: page.data, nextCursor: page.page_info?.has_next_page ? (page.page_info.end_cursor ?? null) : null };
  };
  return {
    listPayments: (q) =>
      call(() =>
        list('/payments', { ...scope(q.companyId, q.status), updated_after: q.updatedAfter.toISOString(), order: 'created_at', direction: 'desc', first: q.pageSize ?? 100, ...(q.after ? { after: q.after } : {}) }),
      ),
    listMemberships: (q) =>
      call(() => list('/memberships', { ...scope(q.companyId, q.status), order: q.order, direction: 'desc', first: q.pageSize ?? 100, ...(q.after ? { after: q.after } : {}) })),
    getMembership: (membershipId) => call(async () => (await whop.memberships.retrieve(membershipId)) as unknown as WhopObject),
  };
}

async function call<T>(run: () => Promise<T>): Promise<WhopResult<T>> {
  try {
    return { ok: true, value: await run() };
  } catch (error) {
    return toFailure(error);
  }
}
