import Whop, { APIConnectionError, APIConnectionTimeoutError, APIError } from '@whop/sdk';

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

/** The narrow set of Whop calls Churn Saver makes; nothing else of the SDK leaks out. */
export interface WhopGateway {
  getMembership(membershipId: string): Promise<WhopResult<MemberMembership>>;
  addFreeDays(membershipId: string, freeDays: number): Promise<WhopResult<void>>;
  /** Push to one member through an experience of their product (company-wide pushes reach only the team). */
  sendPush(input: { companyId: string; productId: string | null; userId: string; title: string; content: string; restPath?: string }): Promise<WhopResult<void>>;
  /** Opens (or reuses) the DM channel with the member and posts Markdown. */
  sendDirectMessage(input: { companyId: string; userId: string; content: string }): Promise<WhopResult<{ messageId: string }>>;
  retryPayment(paymentId: string): Promise<WhopResult<RetriedPayment>>;
  cancelMembership(membershipId: string, mode: 'at_period_end' | 'immediate'): Promise<WhopResult<void>>;
  /** The user's access level to a company, product or experience: admin, customer or no_access. */
  checkAccess(resourceId: string, userId: string): Promise<WhopResult<'admin' | 'customer' | 'no_access'>>;
}

export interface WhopGatewayOptions {
  apiKey: string;
  baseURL: string;
  appID?: string | undefined;
  /** Per-call timeout; the caller's own retry policy handles the rest (SDK retries are off). */
  timeoutMs?: number;
  /** Clock for Retry-After bookkeeping (tests inject theirs). */
  now?: () => number;
}

export function createWhopGateway(options: WhopGatewayOptions): WhopGateway {
  const whop = new Whop({
    apiKey: options.apiKey,
    baseURL: options.baseURL,
    appID: options.appID ?? null,
    maxRetries: 0,
    timeout: options.timeoutMs ?? 10_000,
  });
  const now = options.now ?? Date.now;
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
    getMembership: (membershipId) =>
      call(async () => {
        const m = await whop.memberships.retrieve(membershipId);
        const user = m.user as { id?: string; name?: string | null; username?: string; email?: string | null } | null;
        const product = m.product as { id?: string; title?: string } | null;
        const company = m.company as { id?: string } | null;
        return {
          id: m.id,
          status: String(m.status),
          manageUrl: (m as { manage_url?: string | null }).manage_url ?? null,
          userId: user?.id ?? null,
          userName: user?.name ?? user?.username ?? null,
          email: user?.email ?? null,
          productId: product?.id ?? null,
          productTitle: product?.title ?? null,
          renewalPeriodEnd: (m as { renewal_period_end?: string | null }).renewal_period_end ?? null,
          companyId: company?.id ?? null,
        };
      }),
    addFreeDays: (membershipId, freeDays) =>
      call(async () => {
        await whop.memberships.addFreeDays(membershipId, { free_days: freeDays });
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
    checkAccess: (resourceId, userId) =>
      call(async () => {
        const access = await whop.users.checkAccess(resourceId, { id: userId });
        return access.has_access ? access.access_level : 'no_access';
      }),
    cancelMembership: (membershipId, mode) =>
      call(async () => {
        await whop.memberships.cancel(membershipId, { cancellation_mode: mode });
      }),
  };
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
