import Whop from '@whop/sdk';
import { toFailure, type WhopGatewayOptions, type WhopResult } from './whop-gateway.ts';

/** A Whop object exactly as a REST read returns it: a v1 webhook's `data` serializes the same way at the same version. */
export type WhopObject = Record<string, unknown> & { id: string };

export interface WhopPage {
  data: WhopObject[];
  /** Cursor for the next page (`after`), null on the last page. */
  nextCursor: string | null;
}

/**
 * The read side reconciliation needs (whop-reference.md §2.2, §2.4): cursor-paginated lists of a
 * company's payments and memberships, and one membership. Kept apart from WhopGateway so the
 * gateway's endpoint generations change without touching reconciliation; same SDK, same error
 * mapping, same budgeted fetch.
 */
export interface WhopListReader {
  /** Payments of a company updated after `updatedAfter`, in the given statuses, newest first. */
  listPayments(query: { companyId: string; updatedAfter: Date; statuses: string[]; after?: string | null; pageSize?: number }): Promise<WhopResult<WhopPage>>;
  /** Memberships of a company in the given statuses, by `order` descending (canceled_at or created_at). */
  listMemberships(query: { companyId: string; statuses: string[]; order: 'canceled_at' | 'created_at'; after?: string | null; pageSize?: number }): Promise<WhopResult<WhopPage>>;
  getMembership(membershipId: string): Promise<WhopResult<WhopObject>>;
}

export function createWhopListReader(options: WhopGatewayOptions): WhopListReader {
  const whop = new Whop({
    apiKey: options.apiKey,
    baseURL: options.baseURL,
    appID: options.appID ?? null,
    maxRetries: 0,
    timeout: options.timeoutMs ?? 10_000,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const pageOf = (page: { data: unknown[]; page_info?: { end_cursor?: string | null; has_next_page?: boolean } }): WhopPage => ({
    data: page.data as WhopObject[],
    nextCursor: page.page_info?.has_next_page && page.page_info.end_cursor ? page.page_info.end_cursor : null,
  });
  return {
    listPayments: (q) =>
      call(async () => {
        const page = await whop.payments.list({
          company_id: q.companyId,
          updated_after: q.updatedAfter.toISOString(),
          statuses: q.statuses as never,
          order: 'created_at',
          direction: 'desc',
          first: q.pageSize ?? 100,
          ...(q.after ? { after: q.after } : {}),
        });
        return pageOf(page as never);
      }),
    listMemberships: (q) =>
      call(async () => {
        const page = await whop.memberships.list({
          company_id: q.companyId,
          statuses: q.statuses as never,
          order: q.order,
          direction: 'desc',
          first: q.pageSize ?? 100,
          ...(q.after ? { after: q.after } : {}),
        });
        return pageOf(page as never);
      }),
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
