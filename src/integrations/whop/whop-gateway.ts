import Whop, { APIConnectionError, APIConnectionTimeoutError, APIError } from '@whop/sdk';
import { DEFAULT_WHOP_API_VERSION, endpointGenerationOf, hasWhopShape, type WhopEndpointGeneration } from './api-version.ts';
import { keepAliveFetch } from './keep-alive-fetch.ts';

/** A failed Whop call, mapped to what the caller needs to decide: retry or not, and when. */
export interface WhopFailure {
  ok: false;
  provider: 'whop';
  retryable: boolean;
  /** HTTP status, or null for network errors and timeouts. */
  status: number | null;
  /** Whop's Retry-After, in ms, when it sent one. */
  retryAfterMs: number | null;
  message: string;
  /** The call that would have done it timed out: Whop may have applied it (never retry a send blindly). */
  maybeApplied?: boolean;
}
export type WhopResult<T> = { ok: true; value: T } | WhopFailure;

export interface MemberMembership {
  id: string;
  status: string;
  /** The member's self-service page: the link that fixes the payment. */
  manageUrl: string | null;
  userId: string | null;
  userName: string | null;
  email: string | null;
  productId: string | null;
  productTitle: string | null;
  companyId: string | null;
  /** When the current period ends (ISO); free days move it. Read to settle an interrupted grant. */
  renewalPeriodEnd?: string | null;
  /** A cancellation is scheduled at the period end (the save flow checks it before an offer); null when Whop did not say. */
  cancelAtPeriodEnd?: boolean | null;
}

export interface RetriedPayment {
  id: string;
  /** Whop's substatus, e.g. succeeded, failed. */
  substatus: string | null;
  status: string | null;
  total: number | null;
  currency: string | null;
  paidAt: string | null;
}

/** A payment as a list or a read returns it, at either version (related records nested or as bare ids). */
export interface WhopPaymentSummary {
  id: string;
  companyId: string | null;
  membershipId: string | null;
  userId: string | null;
  status: string | null;
  substatus: string | null;
  createdAt: string | null;
}

/** A membership as a list returns it. */
export interface WhopMembershipSummary {
  id: string;
  companyId: string | null;
  userId: string | null;
  status: string;
  cancelAtPeriodEnd: boolean;
  updatedAt: string | null;
}

/** A promo code to create (issue #15 §3): single use, for one product when known, expiring. */
export interface PromoCodeRequest {
  companyId: string;
  code: string;
  promoType: 'percentage' | 'flat_amount';
  /** Percent (20 for 20 %) or major units of `baseCurrency` (5.5 for $5.50), as Whop reads `amount_off`. */
  amountOff: number;
  /** Lowercase ISO code; Whop requires one for percentages too. */
  baseCurrency: string;
  durationMonths: number;
  /** The member's product: the code applies to its plans only; null applies it to any of the company's. */
  productId: string | null;
  expiresAt: Date;
}

/** A promo code as Whop holds it. */
export interface WhopPromoCode {
  id: string;
  code: string | null;
  /** active, inactive, archived. */
  status: string | null;
  uses: number | null;
  expiresAt: string | null;
  createdAt: string | null;
}

/** One page of a cursor list; `nextCursor` null on the last page. */
export interface WhopPage<T> {
  items: T[];
  nextCursor: string | null;
}

export interface ListQuery {
  companyId: string;
  /** One Whop status (payments: open, paid, …; memberships: past_due, canceling, …); dated versions filter by one only. */
  status?: string;
  createdAfter?: Date;
  first?: number;
  after?: string | null;
}

/** The narrow set of Whop calls Churn Saver makes; nothing else of the SDK leaks out. */
export interface WhopGateway {
  /** The pinned API version (Api-Version-Date of every call) and the endpoint generation it speaks. */
  readonly apiVersion: string;
  readonly generation: WhopEndpointGeneration;
  getMembership(membershipId: string): Promise<WhopResult<MemberMembership>>;
  /** Free days on the current period: `add_free_days {free_days}` before 2026-09-15, `extend {days}` from it. */
  addFreeDays(membershipId: string, freeDays: number): Promise<WhopResult<void>>;
  /** Undoes a scheduled cancel: `/uncancel` before 2026-09-15, `PATCH {cancel_at_period_end:false}` from it. */
  uncancelMembership(membershipId: string): Promise<WhopResult<void>>;
  /**
   * Pauses the membership's payment collection until `resumesAt` (the member keeps access; Whop
   * resumes billing by itself): `memberships.pause {resumes_at}` before 2026-09-15, `POST
   * /memberships/{id}/pause {until}` from it (whopsdk-rust memberships.rs). Whop pauses only
   * memberships it bills itself; a refusal is a 4xx, not retryable.
   */
  pauseMembership(membershipId: string, resumesAt: Date): Promise<WhopResult<void>>;
  getPayment(paymentId: string): Promise<WhopResult<WhopPaymentSummary>>;
  /** One page, in the pinned version's filter dialect. */
  listPayments(query: ListQuery): Promise<WhopResult<WhopPage<WhopPaymentSummary>>>;
  listMemberships(query: ListQuery): Promise<WhopResult<WhopPage<WhopMembershipSummary>>>;
  /** Push to one member through an experience of their product (company-wide pushes reach only the team). */
  sendPush(input: { companyId: string; productId: string | null; userId: string; title: string; content: string; restPath?: string }): Promise<WhopResult<void>>;
  /** Opens (or reuses) the DM channel with the member and posts Markdown. */
  sendDirectMessage(input: { companyId: string; userId: string; content: string }): Promise<WhopResult<{ messageId: string }>>;
  retryPayment(paymentId: string): Promise<WhopResult<RetriedPayment>>;
  /**
   * Always sends `cancel_at_period_end` explicitly: from 2026-09-15 a cancel without it revokes
   * access immediately, whatever was meant.
   */
  cancelMembership(membershipId: string, mode: 'at_period_end' | 'immediate'): Promise<WhopResult<void>>;
  /**
   * Creates a single-use promo code (`stock` 1, `one_per_customer`), in the pinned version's shape:
   * `company_id` before 2026-08-21-1, `account_id` from it. Not idempotent: callers look the code up
   * (findPromoCode) before creating again after any doubt.
   */
  createPromoCode(input: PromoCodeRequest): Promise<WhopResult<WhopPromoCode>>;
  /**
   * The company's promo code spelled `code` (case-insensitive) among those created after
   * `createdAfter`, or null when Whop has none: how an interrupted creation is settled.
   */
  findPromoCode(input: { companyId: string; code: string; createdAfter: Date }): Promise<WhopResult<WhopPromoCode | null>>;
  /** The user's access level to a company, product or experience: admin, customer or no_access. */
  checkAccess(resourceId: string, userId: string): Promise<WhopResult<'admin' | 'customer' | 'no_access'>>;
}

export interface WhopGatewayOptions {
  apiKey: string;
  baseURL: string;
  appID?: string | undefined;
  /** Api-Version-Date for every call (WHOP_API_VERSION); passed to the SDK explicitly so it never reads process.env. */
  apiVersion?: string;
  /** Per-call timeout; the caller's own retry policy handles the rest (SDK retries are off). */
  timeoutMs?: number;
  /** The SDK's fetch: the shared rate budget's (integrations/whop/rate-budget/budgeted-fetch.ts) in the service; keepAliveFetch by default. */
  fetch?: (input: string | URL | Request, init?: RequestInit) => Promise<Response>;
  /** Clock for Retry-After bookkeeping (tests inject theirs). */
  now?: () => number;
}

/** The SDK client every Whop reader and writer shares: pinned version, no SDK retries, the budget's fetch (else the keep-alive one). */
export function createWhopSdkClient(options: WhopGatewayOptions): Whop {
  return new Whop({
    apiKey: options.apiKey,
    baseURL: options.baseURL,
    appID: options.appID ?? null,
    version: options.apiVersion ?? DEFAULT_WHOP_API_VERSION,
    maxRetries: 0,
    timeout: options.timeoutMs ?? 10_000,
    fetch: options.fetch ?? keepAliveFetch,
  });
}

export function createWhopGateway(options: WhopGatewayOptions): WhopGateway {
  const apiVersion = options.apiVersion ?? DEFAULT_WHOP_API_VERSION;
  const generation = endpointGenerationOf(apiVersion);
  const whop = createWhopSdkClient(options);
  const now = options.now ?? Date.now;
  const newListFilters = hasWhopShape(apiVersion, 'listFilters');
  const promoAccount = hasWhopShape(apiVersion, 'promoCodeAccount');
  // Experience per product for pushes; products rarely change their experiences.
  const experienceByProduct = new Map<string, string | null>();

  // One lookup in flight per product however many pushes wait for it, and none while Whop's
  // Retry-After for it runs: concurrent sends must not repeat a refused call sooner than asked.
  const experienceLookups = new Map<string, Promise<string | null>>();
  const experienceRefusedUntil = new Map<string, { until: number; error: unknown }>();

  async function experienceFor(companyId: string, productId: string | null): Promise<string | null> {
    const key = `${companyId}:${productId ?? ''}`;
    if (experienceByProduct.has(key)) return experienceByProduct.get(key)!;
    const refused = experienceRefusedUntil.get(key);
    if (refused && refused.until > now()) throw refused.error;
    let lookup = experienceLookups.get(key);
    if (!lookup) {
      lookup = whop.experiences
        .list({ company_id: companyId, ...(productId ? { product_id: productId } : {}), first: 1 })
        .then((page) => {
          const id = page.data[0]?.id ?? null;
          experienceByProduct.set(key, id);
          return id;
        })
        .catch((error: unknown) => {
          const wait = error instanceof APIError ? retryAfterMs(error.headers) : null;
          if (wait) experienceRefusedUntil.set(key, { until: now() + wait, error });
          throw error;
        })
        .finally(() => experienceLookups.delete(key));
      experienceLookups.set(key, lookup);
    }
    return lookup;
  }

  return {
    apiVersion,
    generation,
    getMembership: (membershipId) =>
      call(async () => {
        const m = await whop.memberships.retrieve(membershipId);
        // Newer versions may give related records as bare ids; a bare user id carries no name or email.
        const user = asRecord(m.user) as { id?: string; name?: string | null; username?: string; email?: string | null } | null;
        const product = asRecord(m.product) as { id?: string; title?: string } | null;
        return {
          id: m.id,
          status: String(m.status),
          manageUrl: (m as { manage_url?: string | null }).manage_url ?? null,
          userId: idOf(m.user),
          userName: user?.name ?? user?.username ?? null,
          email: user?.email ?? null,
          productId: idOf(m.product),
          productTitle: product?.title ?? null,
          renewalPeriodEnd: (m as { renewal_period_end?: string | null }).renewal_period_end ?? null,
          cancelAtPeriodEnd: typeof (m as { cancel_at_period_end?: unknown }).cancel_at_period_end === 'boolean' ? (m as { cancel_at_period_end: boolean }).cancel_at_period_end : null,
          companyId: companyIdOf(m),
        };
      }),
    addFreeDays: (membershipId, freeDays) =>
      call(async () => {
        if (generation === 'dated') await whop.post(`/memberships/${encodeURIComponent(membershipId)}/extend`, { body: { days: freeDays } });
        else await whop.memberships.addFreeDays(membershipId, { free_days: freeDays });
      }),
    uncancelMembership: (membershipId) =>
      call(async () => {
        if (generation === 'dated') await whop.patch(`/memberships/${encodeURIComponent(membershipId)}`, { body: { cancel_at_period_end: false } });
        else await whop.memberships.uncancel(membershipId);
      }),
    pauseMembership: (membershipId, resumesAt) =>
      call(async () => {
        if (generation === 'dated') await whop.post(`/memberships/${encodeURIComponent(membershipId)}/pause`, { body: { until: resumesAt.toISOString() } });
        else await whop.memberships.pause(membershipId, { resumes_at: resumesAt.toISOString() });
      }),
    getPayment: (paymentId) => call(async () => toPaymentSummary(await whop.payments.retrieve(paymentId))),
    listPayments: (query) =>
      call(async () => {
        const page = await whop.get<RawPage>('/payments', { query: listQueryOf(query, newListFilters) });
        return { items: page.data.map(toPaymentSummary), nextCursor: nextCursorOf(page) };
      }),
    listMemberships: (query) =>
      call(async () => {
        const page = await whop.get<RawPage>('/memberships', { query: listQueryOf(query, newListFilters) });
        return { items: page.data.map(toMembershipSummary), nextCursor: nextCursorOf(page) };
      }),
    sendPush: (input) =>
      call(async () => {
        const experienceId = await beforeTheSend(experienceFor(input.companyId, input.productId));
        if (!experienceId) throw new NoExperienceError(input.productId);
        await whop.notifications.create({
          experience_id: experienceId,
          user_ids: [input.userId],
          title: input.title,
          content: input.content,
          ...(input.restPath ? { rest_path: input.restPath } : {}),
        });
      }),
    sendDirectMessage: (input) =>
      call(async () => {
        const channel = await beforeTheSend(whop.dmChannels.create({ with_user_ids: [input.userId], company_id: input.companyId }));
        const message = await whop.messages.create({ channel_id: channel.id, content: input.content });
        return { messageId: message.id };
      }),
    retryPayment: (paymentId) =>
      call(async () => {
        const p = await whop.payments.retry(paymentId);
        return {
          id: p.id,
          substatus: (p.substatus as string | null) ?? null,
          status: (p.status as string | null) ?? null,
          total: typeof p.total === 'number' ? p.total : null,
          currency: (p.currency as string | null) ?? null,
          paidAt: (p.paid_at as string | null) ?? null,
        };
      }),
    createPromoCode: (input) =>
      call(async () => {
        const body = {
          ...(promoAccount ? { account_id: input.companyId } : { company_id: input.companyId }),
          code: input.code,
          promo_type: input.promoType,
          amount_off: input.amountOff,
          base_currency: input.baseCurrency,
          promo_duration_months: input.durationMonths,
          // Whop cannot tie a code to one member: single use, once per customer, unguessable code.
          new_users_only: false,
          one_per_customer: true,
          stock: 1,
          unlimited_stock: false,
          expires_at: input.expiresAt.toISOString(),
          ...(input.productId ? { product_id: input.productId } : {}),
        };
        // The SDK's typed create names company_id; from 2026-08-21-1 the same path takes account_id.
        const created = promoAccount
          ? await whop.post<RawRecord>('/promo_codes', { body })
          : ((await whop.promoCodes.create(body as Parameters<typeof whop.promoCodes.create>[0])) as unknown as RawRecord);
        return toPromoCode(created);
      }),
    findPromoCode: (input) =>
      call(async () => {
        const wanted = input.code.trim().toUpperCase();
        let after: string | null = null;
        // Codes created since the claim: a handful of pages at most, even for a busy company.
        for (let page = 0; page < 10; page++) {
          const query: Record<string, unknown> = {
            ...(promoAccount ? { account_id: input.companyId } : { company_id: input.companyId }),
            created_after: input.createdAfter.toISOString(),
            first: 100,
            ...(after ? { after } : {}),
          };
          const result: RawPage = await whop.get<RawPage>('/promo_codes', { query });
          const found = result.data.find((p) => typeof p.code === 'string' && p.code.trim().toUpperCase() === wanted);
          if (found) return toPromoCode(found);
          after = nextCursorOf(result);
          if (!after) return null;
        }
        return null;
      }),
    checkAccess: (resourceId, userId) =>
      call(async () => {
        const access = await whop.users.checkAccess(resourceId, { id: userId });
        return access.has_access ? access.access_level : 'no_access';
      }),
    cancelMembership: (membershipId, mode) =>
      call(async () => {
        const atPeriodEnd = mode === 'at_period_end';
        // Classic versions read cancellation_mode; the explicit flag agrees with it and is what dated versions read.
        const body = generation === 'dated' ? { cancel_at_period_end: atPeriodEnd } : { cancellation_mode: mode, cancel_at_period_end: atPeriodEnd };
        await whop.post(`/memberships/${encodeURIComponent(membershipId)}/cancel`, { body });
      }),
  };
}

type RawRecord = Record<string, unknown>;
interface RawPage {
  data: RawRecord[];
  page_info?: { end_cursor?: string | null; has_next_page?: boolean } | null;
}

/** The list query in the pinned version's dialect: `company_id` + `statuses[]` (classic) or `account_id` + `status` (dated). */
function listQueryOf(query: ListQuery, newFilters: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = { first: query.first ?? 50 };
  if (query.after) out.after = query.after;
  if (query.createdAfter) out.created_after = query.createdAfter.toISOString();
  if (newFilters) {
    out.account_id = query.companyId;
    if (query.status) out.status = query.status;
  } else {
    out.company_id = query.companyId;
    if (query.status) out.statuses = [query.status];
  }
  return out;
}

function nextCursorOf(page: RawPage): string | null {
  return page.page_info?.has_next_page ? (page.page_info.end_cursor ?? null) : null;
}

function toPaymentSummary(p: object): WhopPaymentSummary {
  const r = p as RawRecord;
  return {
    id: String(r.id),
    companyId: companyIdOf(r),
    membershipId: idOf(r.membership),
    userId: idOf(r.user),
    status: typeof r.status === 'string' ? r.status : null,
    substatus: typeof r.substatus === 'string' ? r.substatus : null,
    createdAt: typeof r.created_at === 'string' ? r.created_at : null,
  };
}

function toPromoCode(p: RawRecord): WhopPromoCode {
  return {
    id: String(p.id),
    code: typeof p.code === 'string' ? p.code : null,
    status: typeof p.status === 'string' ? p.status : null,
    uses: typeof p.uses === 'number' ? p.uses : null,
    expiresAt: typeof p.expires_at === 'string' ? p.expires_at : null,
    createdAt: typeof p.created_at === 'string' ? p.created_at : null,
  };
}

function toMembershipSummary(m: RawRecord): WhopMembershipSummary {
  return {
    id: String(m.id),
    companyId: companyIdOf(m),
    userId: idOf(m.user),
    status: String(m.status),
    cancelAtPeriodEnd: m.cancel_at_period_end === true,
    updatedAt: typeof m.updated_at === 'string' ? m.updated_at : null,
  };
}

/** `{ id }` or a bare id string (newer versions), else null. */
function idOf(value: unknown): string | null {
  if (typeof value === 'string' && value !== '') return value;
  const id = asRecord(value)?.id;
  return typeof id === 'string' && id !== '' ? id : null;
}

function asRecord(value: unknown): RawRecord | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as RawRecord) : null;
}

/** The company (account, from 2026-08-14) a record belongs to, nested or as an id. */
function companyIdOf(record: object): string | null {
  const r = record as RawRecord;
  return idOf(r.company) ?? idOf(r.account) ?? idOf(r.company_id) ?? idOf(r.account_id);
}

/** No experience to push through: the member cannot be reached by push (permanent). */
class NoExperienceError extends Error {
  constructor(productId: string | null) {
    super(`no experience found for product ${productId ?? '(unknown)'} to push through`);
  }
}

async function call<T>(run: () => Promise<T>): Promise<WhopResult<T>> {
  try {
    return { ok: true, value: await run() };
  } catch (error) {
    return toFailure(error);
  }
}

/** Errors of a preparatory call (opening a DM channel, finding the experience): nothing was sent yet. */
const BEFORE_SEND = new WeakSet<object>();
async function beforeTheSend<T>(step: Promise<T>): Promise<T> {
  try {
    return await step;
  } catch (error) {
    if (typeof error === 'object' && error !== null) BEFORE_SEND.add(error);
    throw error;
  }
}

/** 429, 408, 409, 5xx and network errors are worth retrying; other 4xx are not. */
export function toFailure(error: unknown): WhopFailure {
  if (error instanceof APIError && typeof error.status === 'number') {
    const status = error.status;
    const retryable = status === 429 || status === 408 || status === 409 || status >= 500;
    return { ok: false, provider: 'whop', retryable, status, retryAfterMs: retryAfterMs(error.headers), message: messageOf(error) };
  }
  if (error instanceof APIConnectionError)
    return { ok: false, provider: 'whop', retryable: true, status: null, retryAfterMs: null, message: error.message, maybeApplied: error instanceof APIConnectionTimeoutError && !BEFORE_SEND.has(error) };
  if (error instanceof NoExperienceError) return { ok: false, provider: 'whop', retryable: false, status: null, retryAfterMs: null, message: error.message };
  throw error;
}

function retryAfterMs(headers: Headers | undefined): number | null {
  const ms = Number(headers?.get('retry-after-ms'));
  if (Number.isFinite(ms) && ms > 0) return ms;
  const seconds = headers?.get('retry-after');
  if (!seconds) return null;
  const asNumber = Number(seconds);
  if (Number.isFinite(asNumber)) return Math.max(0, asNumber * 1000);
  const date = Date.parse(seconds);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : null;
}

function messageOf(error: APIError): string {
  const body = error.error as { error?: { message?: string } ; message?: string } | undefined;
  return `Whop ${error.status}: ${body?.error?.message ?? body?.message ?? error.message}`;
}
