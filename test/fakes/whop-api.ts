import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { Webhook } from 'standardwebhooks';
import type { DmChannel } from '@whop/sdk/resources/dm-channels';
import type { PromoCode } from '@whop/sdk/resources/promo-codes';
import type { Experience, Membership, Message, Payment } from '@whop/sdk/resources/shared';
import type { UserCheckAccessResponse } from '@whop/sdk/resources/users';
import { compareWhopVersions } from '../../src/integrations/whop/api-version.ts';

/**
 * A local stand-in for the Whop REST API v1 (whop-reference.md §2), served by a real Fastify server so the real
 * `@whop/sdk` client talks to it over HTTP: `new Whop({ apiKey, baseURL: fake.baseURL, appID })`.
 * It records every call (authorised or not, matched or not) and lets a test script failures per route.
 * Response shapes are the SDK's own types, so a field the SDK adds or renames breaks the type check here.
 */

export const WHOP_API_PREFIX = '/api/v1';

/** Every route the fake serves, as `METHOD /template` relative to `/api/v1`; these are the keys `failNext` takes. */
export const WHOP_FAKE_ROUTES = [
  'GET /memberships/:id',
  'POST /memberships/:id/add_free_days',
  'POST /memberships/:id/cancel',
  'POST /memberships/:id/uncancel',
  'POST /memberships/:id/extend',
  'POST /memberships/:id/pause',
  'PATCH /memberships/:id',
  'GET /memberships',
  'GET /payments',
  'GET /payments/:id',
  'POST /payments/:id/retry',
  'POST /notifications',
  'POST /dm_channels',
  'POST /messages',
  'POST /promo_codes',
  'GET /promo_codes',
  'GET /promo_codes/:id',
  'GET /users/:userId/access/:resourceId',
  'GET /experiences',
  'GET /experiences/:id',
  // Reconciliation: the webhook delivery log and its replay.
  'GET /webhooks/:id/deliveries',
  'POST /webhooks/:id/deliveries/:deliveryId/replay',
  'POST /webhooks/:id/replay',
] as const;
export type WhopRouteKey = (typeof WHOP_FAKE_ROUTES)[number];

export type AccessLevel = UserCheckAccessResponse['access_level'];

export interface RecordedWhopCall {
  method: string;
  /** Full request path without the query string, e.g. `/api/v1/memberships/mem_1/add_free_days`. */
  path: string;
  /** The matched route key, e.g. `POST /memberships/:id/add_free_days`; null when no route matched (answered 404). */
  route: WhopRouteKey | null;
  query: Record<string, string | string[]>;
  /** Parsed JSON body; undefined when the request had none. */
  body: unknown;
  /** Lowercased names; `authorization` is kept so tests can assert the key sent. */
  headers: Record<string, string>;
  /** The `x-whop-app-id` header, if sent. */
  appId: string | undefined;
  /** The status the fake answered with; undefined until it has answered. */
  status: number | undefined;
  at: Date;
}

/**
 * One scripted answer, consumed by one call to the route. `{status, body?, headers?}` answers that instead of the
 * normal response (a 2xx without `body` answers normally, adding `headers`); 429 defaults to a `rate_limit_exceeded`
 * body and `retry-after: 1`. `{timeoutMs}` waits that long, then answers normally (for client timeouts).
 */
export type ScriptedWhopResponse = { status: number; body?: object; headers?: Record<string, string> } | { timeoutMs: number };

/** A seed merges over the stored (or default) object; nested objects merge one level deep. */
export type Seed<T> = {
  [K in keyof T]?: NonNullable<T[K]> extends readonly unknown[]
    ? T[K]
    : NonNullable<T[K]> extends object
      ? Partial<NonNullable<T[K]>> | Extract<T[K], null>
      : T[K];
};

export interface WhopApiFakeOptions {
  /** When set, only `Bearer <apiKey>` is accepted; otherwise any non-empty bearer token is. */
  apiKey?: string;
  /** Source of `created_at`, `renewal_period_*` and similar; defaults to the system clock. */
  clock?: { now(): Date };
  /**
   * The version the API key is pinned to, used when a request sends no Api-Version-Date. Whop gives
   * unpinned requests the 2025-01-01 behaviour (docs.whop.com/developer/api/versioning), the default here.
   */
  keyApiVersion?: string;
}

/** Events the fake can serialise from its records (webhookBody). */
export type WhopFakeEventType =
  | 'payment.failed'
  | 'payment.succeeded'
  | 'payment.requires_action'
  | 'membership.activated'
  | 'membership.deactivated'
  | 'membership.updated'
  | 'membership.cancel_at_period_end_changed';

/** What a cancel call did to the membership, as Whop would apply it at the request's version. */
export interface WhopCancellation {
  membershipId: string;
  /** `immediate` revokes access now; at 2026-09-15 that is what a cancel without cancel_at_period_end does. */
  effect: 'immediate' | 'at_period_end';
  apiVersion: string;
  at: Date;
}

export interface WhopDirectMessage {
  id: string;
  channelId: string;
  /** Everyone `POST /dm_channels` was asked to include (the caller is implicit). */
  userIds: string[];
  content: string;
  at: Date;
}

/** One entry of the fake's webhook delivery log (Whop keeps 30 days of them). */
export interface WhopWebhookDelivery {
  /** `whdel_…` */
  id: string;
  webhookId: string;
  /** The event's `webhook-id` (`msg_…`), kept by a replay. */
  messageId: string;
  eventType: string;
  body: string;
  /** HTTP status the receiver answered, 0 when unreachable. */
  responseStatus: number;
  succeeded: boolean;
  createdAt: Date;
  replays: number;
}

export interface WhopApiFake {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** `${url}/api/v1`, the `baseURL` to give the SDK. */
  baseURL: string;
  /** Every request received, oldest first. */
  calls: RecordedWhopCall[];
  /**
   * Calls with this method whose path matches: a string matches the full path, the path relative to `/api/v1`,
   * or the route template (`/memberships/:id/cancel`); a RegExp is tested against the full path.
   */
  callsTo(method: string, pathPattern: string | RegExp): RecordedWhopCall[];
  /** Creates or updates a membership (unknown memberships answer 404); returns the stored membership. */
  setMembership(id: string, partial?: Seed<Membership>): Membership;
  /** The stored membership, including changes made through the API (free days, cancel). */
  membership(id: string): Membership | undefined;
  /** Creates or updates a payment (GET of an unknown payment answers 404). */
  setPayment(id: string, partial?: Seed<Payment>): Payment;
  payment(id: string): Payment | undefined;
  /** What `POST /payments/:id/retry` answers for this payment, merged over the stored one; default paid/succeeded. */
  setRetryOutcome(paymentId: string, outcome: Seed<Payment>): void;
  /** Access level `GET /users/:userId/access/:resourceId` reports; unset pairs report `no_access`. */
  setAccess(userId: string, resourceId: string, level: AccessLevel): void;
  /** Creates or updates an experience (unknown experiences answer 404). */
  setExperience(id: string, partial?: Seed<Experience>): Experience;
  /** Messages posted to DM channels that include this user. */
  messagesTo(userId: string): WhopDirectMessage[];
  /** Promo codes created through the API, oldest first. */
  promoCodes: PromoCode[];
  /**
   * The member pays with a code: the stored payment gets `promo_code` (the code's summary) and a
   * subtotal before the discount, and the code's `uses` goes up. Returns the promo code.
   */
  redeemPromoCode(code: string, paymentId: string): PromoCode;
  /** Every cancel the fake applied, oldest first, with the effect the request's version gave it. */
  cancellations: WhopCancellation[];
  /**
   * Fields newer than @whop/sdk 0.0.42's types (decline_code, recovery_url, card_exp_month/year,
   * customer_phone, …), merged into the payment wherever it is served.
   */
  setPaymentExtras(paymentId: string, extras: Record<string, unknown>): void;
  /**
   * The webhook body Whop would send for a stored payment or membership, serialised at `apiVersion`
   * (from 2026-08-14 `account_id` instead of `company_id`; from 2026-09-15 related records as bare ids).
   * Unsigned: sign it with test/support/sign-webhook.ts.
   */
  webhookBody(type: WhopFakeEventType, recordId: string, apiVersion: string): Record<string, unknown>;
  /** Queues scripted answers for a route; each is consumed by one call. */
  failNext(routeKey: WhopRouteKey, responses: ScriptedWhopResponse[]): void;
  /**
   * Enforces Whop's rate limit: at most `limit` calls per route in any sliding `windowMs`; a call over it
   * is answered 429 (`rate_limit_exceeded`, Retry-After) and counted as a violation. null turns it off.
   */
  enforceRateLimit(rate: { limit: number; windowMs: number } | null): void;
  /** Calls answered 429 by the enforced limit, per route key; a budget that holds Whop's limit keeps this empty. */
  rateLimitViolations(): Partial<Record<WhopRouteKey, number>>;
  /** The webhook Whop delivers to (its id, URL and secret): deliveries and replays go there, signed like Whop signs. */
  configureWebhook(webhook: { id: string; url: string; secret: string }): void;
  /** Delivers one v1 event to the configured webhook and logs the delivery (failed when the receiver is down). */
  deliverWebhook(body: { id: string; type: string; [key: string]: unknown }): Promise<WhopWebhookDelivery>;
  /** The delivery log, oldest first. */
  deliveries: WhopWebhookDelivery[];
  /** Forgets recorded calls and unconsumed scripts; seeded data (memberships, access, ...) stays. */
  reset(): void;
  close(): Promise<void>;
}

type Answer = { status: number; body: unknown };
type RouteInput = {
  params: Record<string, string>;
  body: Record<string, unknown>;
  query: Record<string, string | string[]>;
  /** The request's Api-Version-Date, else the key's pinned version. */
  apiVersion: string;
};

const DAY_MS = 86_400_000;

const DEFAULT_ERROR_TYPES: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  408: 'request_timeout',
  409: 'conflict',
  422: 'unprocessable_entity',
  429: 'rate_limit_exceeded',
};

function errorBody(status: number): object {
  if (status === 429) return { error: { type: 'rate_limit_exceeded', message: 'Try again in 1 seconds.' } };
  const type = DEFAULT_ERROR_TYPES[status] ?? (status >= 500 ? 'internal_server_error' : 'error');
  return { error: { type, message: `Scripted ${status} from the Whop fake` } };
}

const ok = (body: unknown): Answer => ({ status: 200, body });
const fail = (status: number, type: string, message: string): Answer => ({ status, body: { error: { type, message } } });
const notFound = (what: string, id: string) => fail(404, 'not_found', `${what} ${id} not found`);

/** Promo codes moved to account_id earlier than the other endpoints (whopsdk-rust pins 2026-08-21-1). */
function promoAccountAt(apiVersion: string): boolean {
  return compareWhopVersions(apiVersion, '2026-08-21-1') >= 0;
}

/** The fake's main version boundary: 2026-09-15 changed the membership and list shapes it serves. */
function isDated(apiVersion: string): boolean {
  return compareWhopVersions(apiVersion, '2026-09-15') >= 0;
}

function newId(prefix: string): string {
  return `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 14)}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

function merge<T>(base: T, seed: Seed<T> | undefined): T {
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [key, value] of Object.entries(seed ?? {})) {
    if (value === undefined) continue;
    const current = out[key];
    out[key] = isPlainObject(value) && isPlainObject(current) ? { ...current, ...value } : value;
  }
  return out as T;
}

function flattenHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

const RECORDED = Symbol('whopFakeCall');
type RecordableRequest = FastifyRequest & { [RECORDED]?: RecordedWhopCall };

/** Starts the fake on 127.0.0.1 on a free port. */
export async function startWhopApiFake(options: WhopApiFakeOptions = {}): Promise<WhopApiFake> {
  const clock = options.clock ?? { now: () => new Date() };
  const iso = (offsetMs = 0) => new Date(clock.now().getTime() + offsetMs).toISOString();

  const calls: RecordedWhopCall[] = [];
  const scripts = new Map<WhopRouteKey, ScriptedWhopResponse[]>();
  const memberships = new Map<string, Membership>();
  const payments = new Map<string, Payment>();
  const retryOutcomes = new Map<string, Seed<Payment>>();
  const access = new Map<string, AccessLevel>();
  const experiences = new Map<string, Experience>();
  const dmChannels = new Map<string, { channel: DmChannel; userIds: string[] }>();
  const directMessages: WhopDirectMessage[] = [];
  const promoCodes: PromoCode[] = [];
  const cancellations: WhopCancellation[] = [];
  const paymentExtras = new Map<string, Record<string, unknown>>();
  const pendingDelays = new Set<() => void>();

  const defaultMembership = (id: string): Membership => {
    const suffix = id.replace(/^mem_/, '');
    return {
      id,
      status: 'active',
      cancel_at_period_end: false,
      cancel_option: null,
      canceled_at: null,
      cancellation_reason: null,
      checkout_configuration_id: null,
      company: { id: 'biz_fake', title: 'Fake Company' },
      created_at: iso(-60 * DAY_MS),
      currency: 'usd',
      custom_field_responses: [],
      joined_at: iso(-60 * DAY_MS),
      license_key: null,
      manage_url: `https://whop.com/billing/manage/${id}`,
      member: { id: `mber_${suffix}` },
      metadata: {},
      payment_collection_paused: false,
      plan: { id: 'plan_fake', metadata: {} },
      product: { id: 'prod_fake', title: 'Fake Product', metadata: {} },
      promo_code: null,
      renewal_period_end: iso(30 * DAY_MS),
      renewal_period_start: iso(),
      updated_at: iso(),
      user: { id: `user_${suffix}`, username: `member_${suffix}`, name: `Member ${suffix}`, email: `member_${suffix}@example.test` },
    };
  };

  const defaultPayment = (id: string): Payment => ({
    id,
    amount_after_fees: 9.5,
    application_fee: null,
    auto_refunded: false,
    billing_address: null,
    billing_reason: 'subscription_cycle',
    card_brand: 'visa',
    card_last4: '4242',
    checkout_configuration_id: null,
    company: { id: 'biz_fake', route: 'fake-company', title: 'Fake Company' },
    created_at: iso(),
    currency: 'usd',
    dispute_alerted_at: null,
    disputes: [],
    failure_message: 'Your card was declined.',
    financing_installments_count: null,
    financing_transactions: [],
    last_payment_attempt: iso(),
    member: null,
    membership: { id: 'mem_fake', phone_number: null, status: 'past_due' },
    metadata: {},
    next_payment_attempt: null,
    paid_at: null,
    payment_method: null,
    payment_method_type: 'card',
    payments_failed: 1,
    plan: { id: 'plan_fake', internal_notes: null, metadata: {} },
    product: { id: 'prod_fake', metadata: {}, route: 'fake-product', title: 'Fake Product' },
    promo_code: null,
    refundable: false,
    refunded_amount: null,
    refunded_at: null,
    refunds: [],
    resolutions: [],
    retryable: true,
    risk_score: null,
    risk_signals: null,
    settlement_amount: 10,
    settlement_currency: 'usd',
    settlement_exchange_rate: null,
    shipping_address: null,
    status: 'open',
    substatus: 'failed',
    subtotal: 10,
    tax_amount: 0,
    tax_behavior: null,
    tax_refunded_amount: null,
    three_ds_verified: false,
    total: 10,
    updated_at: iso(),
    usd_total: 10,
    user: null,
    voidable: false,
  });

  const defaultExperience = (id: string): Experience => ({
    id,
    app: { id: 'app_fake', icon: null, name: 'Churn Saver' },
    company: { id: 'biz_fake', route: 'fake-company', title: 'Fake Company' },
    created_at: iso(-60 * DAY_MS),
    image: null,
    is_public: false,
    name: 'Churn Saver',
    order: null,
    products: [],
  });

  const updateMembership = (id: string, change: Seed<Membership>): Answer => {
    const current = memberships.get(id);
    if (!current) return notFound('Membership', id);
    const next = merge(current, { ...change, updated_at: iso() });
    memberships.set(id, next);
    return ok(next);
  };

  const rateLimiter = createRateLimitEnforcer(() => Date.now());
  const webhookLog = createWebhookDeliveryLog(clock);

  // ---- Versioned behaviour (issue #11 §6): both endpoint generations, chosen by Api-Version-Date. ----

  /** What a cancel does at the request's version: from 2026-09-15 only an explicit cancel_at_period_end:true keeps access. */
  const cancelEffectOf = ({ body, apiVersion }: RouteInput): WhopCancellation['effect'] | null => {
    if (isDated(apiVersion)) return body.cancel_at_period_end === true ? 'at_period_end' : 'immediate';
    const mode = body.cancellation_mode ?? (body.cancel_at_period_end === false ? 'immediate' : 'at_period_end');
    return mode === 'immediate' || mode === 'at_period_end' ? mode : null;
  };

  /** `extend {days}` and `PATCH {cancel_at_period_end}`, the 2026-09-15 membership endpoints. */
  function datedMembershipHandlers() {
    return {
      'POST /memberships/:id/extend': ({ params, body }: RouteInput): Answer => {
        const days = body.days;
        if (typeof days !== 'number' || !Number.isInteger(days) || days < 1 || days > 1095) return fail(400, 'bad_request', 'days must be an integer between 1 and 1095');
        return addDays(params.id!, days);
      },
      'PATCH /memberships/:id': ({ params, body, apiVersion }: RouteInput): Answer => {
        if ('cancel_at_period_end' in body && !isDated(apiVersion)) return fail(400, 'bad_request', 'cancel_at_period_end is not a field of this endpoint at this API version');
        const change: Seed<Membership> = {};
        if (typeof body.cancel_at_period_end === 'boolean') change.cancel_at_period_end = body.cancel_at_period_end;
        if (isPlainObject(body.metadata)) change.metadata = body.metadata;
        return updateMembership(params.id!, change);
      },
    } satisfies Partial<Record<WhopRouteKey, (input: RouteInput) => Answer>>;
  }

  /**
   * One page of memberships or payments of a company, in the request version's filter dialect:
   * `company_id` + `statuses[]` before 2026-09-15, `account_id` + `status` from it; the other dialect is a 400.
   * Time filters, order and cursor pages: pageOfPayments / pageOfMemberships below.
   */
  function listHandlers() {
    const filterOf = ({ query, apiVersion }: RouteInput): { companyId: string; statuses: string[] | null } | Answer => {
      const dated = isDated(apiVersion);
      const [own, other] = dated ? (['account_id', 'company_id'] as const) : (['company_id', 'account_id'] as const);
      const statusKeys = Object.keys(query).filter((k) => k === 'status' || k.startsWith('statuses'));
      if (query[other] !== undefined) return fail(400, 'bad_request', `${other} is not a filter at API version ${apiVersion}; use ${own}`);
      if (statusKeys.some((k) => (dated ? k !== 'status' : k === 'status'))) return fail(400, 'bad_request', `${dated ? 'statuses[]' : 'status'} is not a filter at API version ${apiVersion}`);
      const companyId = query[own];
      if (typeof companyId !== 'string') return fail(400, 'bad_request', `${own} is required with an API key`);
      const raw = statusKeys.flatMap((k) => [query[k]].flat()).filter((v): v is string => typeof v === 'string');
      return { companyId, statuses: raw.length > 0 ? raw : null };
    };
    return {
      'GET /memberships': (input: RouteInput): Answer => {
        const filter = filterOf(input);
        if ('status' in filter) return filter;
        const data = [...memberships.values()].filter(
          (m) => m.company.id === filter.companyId && (!filter.statuses || filter.statuses.includes(m.cancel_at_period_end && m.status === 'active' ? 'canceling' : m.status)),
        );
        return pageOfMemberships(data, input.query);
      },
      'GET /payments': (input: RouteInput): Answer => {
        const filter = filterOf(input);
        if ('status' in filter) return filter;
        const data = [...payments.values()].filter((p) => p.company?.id === filter.companyId && (!filter.statuses || filter.statuses.includes(String(p.status))));
        return pageOfPayments(data, input.query, (p) => serializePayment(p, input.apiVersion));
      },
    } satisfies Partial<Record<WhopRouteKey, (input: RouteInput) => Answer>>;
  }

  /** From 2026-09-15 a payment read gives related records as bare ids (whopsdk-rust payments.rs; our reading). */
  const serializePayment = (payment: Payment, apiVersion: string): Record<string, unknown> => {
    const full = { ...payment, ...paymentExtras.get(payment.id) };
    if (!isDated(apiVersion)) return full;
    const bare = (ref: { id: string } | null | undefined) => ref?.id ?? null;
    const card = payment.payment_method?.card;
    return {
      ...full,
      membership: bare(payment.membership),
      member: bare(payment.member),
      plan: bare(payment.plan),
      user: bare(payment.user),
      product: bare(payment.product),
      payment_method: bare(payment.payment_method),
      ...(card ? { card_exp_month: card.exp_month, card_exp_year: card.exp_year } : {}),
    };
  };

  /** A membership as a 2026-09-15 webhook carries it: related records as bare ids. */
  const serializeMembership = (membership: Membership, apiVersion: string): Record<string, unknown> => {
    if (!isDated(apiVersion)) return { ...membership };
    const bare = (ref: { id: string } | null | undefined) => ref?.id ?? null;
    const { company: _company, ...rest } = membership;
    return { ...rest, user: bare(membership.user), member: bare(membership.member), plan: bare(membership.plan), product: bare(membership.product), promo_code: bare(membership.promo_code) };
  };

  /** The envelope of a webhook at `apiVersion`: account_id from 2026-08-14, company_id before. */
  const webhookBodyOf = (type: WhopFakeEventType, recordId: string, apiVersion: string): Record<string, unknown> => {
    const isPayment = type.startsWith('payment.');
    const record = isPayment ? payments.get(recordId) : memberships.get(recordId);
    if (!record) throw new Error(`Whop fake has no ${isPayment ? 'payment' : 'membership'} ${recordId}`);
    const companyId = record.company?.id ?? null;
    const data = isPayment ? serializePayment(record as Payment, apiVersion) : serializeMembership(record as Membership, apiVersion);
    const tenant = compareWhopVersions(apiVersion, '2026-08-14') >= 0 ? { account_id: companyId } : { company_id: companyId };
    return { id: newId('msg'), api_version: 'v1', type, timestamp: iso(), ...tenant, data };
  };

  const addDays = (id: string, days: number): Answer => {
    const current = memberships.get(id);
    if (!current) return notFound('Membership', id);
    const end = current.renewal_period_end ? Date.parse(current.renewal_period_end) : clock.now().getTime();
    return updateMembership(id, { renewal_period_end: new Date(end + days * DAY_MS).toISOString() });
  };

  /** Routes a version does not have answer 404 there, as Whop does for an unknown path. */
  const isRouteAt = (routeKey: WhopRouteKey, apiVersion: string): boolean => {
    if (routeKey === 'POST /memberships/:id/add_free_days' || routeKey === 'POST /memberships/:id/uncancel') return !isDated(apiVersion);
    if (routeKey === 'POST /memberships/:id/extend') return isDated(apiVersion);
    return true;
  };

  const handlers: Record<WhopRouteKey, (input: RouteInput) => Answer | Promise<Answer>> = {
    'GET /memberships/:id': ({ params }) => {
      const membership = memberships.get(params.id!);
      return membership ? ok(membership) : notFound('Membership', params.id!);
    },
    'POST /memberships/:id/add_free_days': ({ params, body }) => {
      const days = body.free_days;
      if (typeof days !== 'number' || !Number.isInteger(days) || days < 1 || days > 1095) {
        return fail(400, 'bad_request', 'free_days must be an integer between 1 and 1095');
      }
      return addDays(params.id!, days);
    },
    'POST /memberships/:id/cancel': (input) => {
      const mode = cancelEffectOf(input);
      if (mode === null) return fail(400, 'bad_request', 'cancellation_mode must be at_period_end or immediate');
      const id = input.params.id!;
      const answer =
        mode === 'immediate'
          ? updateMembership(id, { status: 'canceled', canceled_at: iso(), cancel_at_period_end: false })
          : updateMembership(id, { cancel_at_period_end: true });
      if (answer.status === 200) cancellations.push({ membershipId: id, effect: mode, apiVersion: input.apiVersion, at: clock.now() });
      return answer;
    },
    'POST /memberships/:id/uncancel': ({ params }) => updateMembership(params.id!, { cancel_at_period_end: false }),
    // Pause billing: `resumes_at` before 2026-09-15 (@whop/sdk 0.0.42), `until` from it (whopsdk-rust);
    // the other version's field is a 400, as is a resume time not in the future. Access is kept.
    'POST /memberships/:id/pause': ({ params, body, apiVersion }) => {
      const field = isDated(apiVersion) ? 'until' : 'resumes_at';
      const other = isDated(apiVersion) ? 'resumes_at' : 'until';
      if (other in body) return fail(400, 'bad_request', `${other} is not a field of this endpoint at this API version`);
      const resumes = body[field];
      if (resumes !== undefined && resumes !== null && (typeof resumes !== 'string' || !(Date.parse(resumes) > clock.now().getTime()))) return fail(400, 'bad_request', `${field} must be an ISO time in the future`);
      return updateMembership(params.id!, { payment_collection_paused: true });
    },
    ...datedMembershipHandlers(),
    ...listHandlers(),
    'GET /payments/:id': ({ params, apiVersion }) => {
      const payment = payments.get(params.id!);
      return payment ? ok(serializePayment(payment, apiVersion)) : notFound('Payment', params.id!);
    },
    'POST /payments/:id/retry': ({ params }) => {
      const id = params.id!;
      const paid = merge(payments.get(id) ?? defaultPayment(id), {
        status: 'paid',
        substatus: 'succeeded',
        paid_at: iso(),
        failure_message: null,
        retryable: false,
        refundable: true,
        updated_at: iso(),
      });
      const result = merge(paid, retryOutcomes.get(id));
      payments.set(id, result);
      return ok(result);
    },
    'POST /notifications': ({ body }) => {
      if (typeof body.title !== 'string' || typeof body.content !== 'string') return fail(400, 'bad_request', 'title and content are required');
      const targets = [body.experience_id, body.company_id].filter((t) => typeof t === 'string');
      if (targets.length !== 1) return fail(400, 'bad_request', 'exactly one of experience_id or company_id is required');
      return ok({ success: true });
    },
    'POST /dm_channels': ({ body }) => {
      const userIds = body.with_user_ids;
      if (!Array.isArray(userIds) || userIds.length === 0 || !userIds.every((u) => typeof u === 'string')) {
        return fail(400, 'bad_request', 'with_user_ids must be a non-empty array of user ids');
      }
      // Whop returns the existing channel for the same set of users.
      const key = [...new Set(userIds as string[])].sort().join(',');
      let entry = dmChannels.get(key);
      if (!entry) {
        entry = { channel: { id: newId('feed'), created_at: iso(), last_message_at: null, name: null }, userIds: userIds as string[] };
        dmChannels.set(key, entry);
      }
      return ok(entry.channel);
    },
    'POST /messages': ({ body }) => {
      if (typeof body.channel_id !== 'string' || typeof body.content !== 'string' || body.content === '') {
        return fail(400, 'bad_request', 'channel_id and content are required');
      }
      const entry = [...dmChannels.values()].find((e) => e.channel.id === body.channel_id);
      if (!entry) return notFound('Channel', body.channel_id);
      const message: Message = {
        id: newId('msg'),
        content: body.content,
        created_at: iso(),
        is_edited: false,
        is_pinned: false,
        mentions: [],
        mentions_everyone: false,
        message_type: 'regular',
        poll: null,
        poll_votes: [],
        reaction_counts: [],
        replying_to_message_id: null,
        updated_at: iso(),
        user: { id: 'user_app_agent', name: 'Churn Saver', username: 'churn-saver' },
        view_count: null,
      };
      entry.channel = { ...entry.channel, last_message_at: message.created_at };
      directMessages.push({ id: message.id, channelId: entry.channel.id, userIds: entry.userIds, content: body.content, at: clock.now() });
      return ok(message);
    },
    // From 2026-08-21-1 promo codes take account_id (whopsdk-rust promo_codes.rs); company_id before.
    'POST /promo_codes': ({ body, apiVersion }) => {
      const [own, other] = promoAccountAt(apiVersion) ? (['account_id', 'company_id'] as const) : (['company_id', 'account_id'] as const);
      if (body[other] !== undefined) return fail(400, 'bad_request', `${other} is not a field at API version ${apiVersion}; use ${own}`);
      const required = ['amount_off', 'base_currency', 'code', own, 'new_users_only', 'promo_duration_months', 'promo_type'];
      const missing = required.filter((field) => body[field] === undefined || body[field] === null);
      if (missing.length > 0) return fail(400, 'bad_request', `missing required fields: ${missing.join(', ')}`);
      if (body.promo_type !== 'percentage' && body.promo_type !== 'flat_amount') return fail(400, 'bad_request', 'promo_type must be percentage or flat_amount');
      const companyId = body[own] as string;
      // A checkout code names one promo: Whop refuses a second with the same code in a company.
      if (promoCodes.some((p) => p.company.id === companyId && p.code?.toUpperCase() === String(body.code).toUpperCase()))
        return fail(400, 'bad_request', `code ${String(body.code)} is already taken`);
      const months = body.promo_duration_months as number;
      const promo: PromoCode = {
        id: newId('promo'),
        amount_off: body.amount_off as number,
        churned_users_only: body.churned_users_only === true,
        code: body.code as string,
        company: { id: companyId, title: 'Fake Company' },
        created_at: iso(),
        currency: body.base_currency as PromoCode['currency'],
        duration: months === 1 ? 'once' : 'repeating',
        existing_memberships_only: body.existing_memberships_only === true,
        expires_at: typeof body.expires_at === 'string' ? body.expires_at : null,
        new_users_only: body.new_users_only === true,
        one_per_customer: body.one_per_customer === true,
        product: typeof body.product_id === 'string' ? { id: body.product_id, title: 'Fake Product' } : null,
        promo_duration_months: months,
        promo_type: body.promo_type,
        status: 'active',
        stock: typeof body.stock === 'number' ? body.stock : 0,
        unlimited_stock: body.unlimited_stock === true || typeof body.stock !== 'number',
        uses: 0,
      };
      promoCodes.push(promo);
      return ok(promo);
    },
    'GET /promo_codes': ({ query, apiVersion }) => {
      const [own, other] = promoAccountAt(apiVersion) ? (['account_id', 'company_id'] as const) : (['company_id', 'account_id'] as const);
      if (query[other] !== undefined) return fail(400, 'bad_request', `${other} is not a filter at API version ${apiVersion}; use ${own}`);
      const companyId = single(query[own]);
      if (companyId === undefined) return fail(400, 'bad_request', `${own} is required`);
      const data = promoCodes
        .filter((p) => p.company.id === companyId)
        .filter((p) => withinTimes(p as never, 'created_at', single(query.created_after), single(query.created_before)))
        .map(({ company: _company, ...listed }) => listed);
      return cursorPage(data, query);
    },
    'GET /promo_codes/:id': ({ params }) => {
      const promo = promoCodes.find((p) => p.id === params.id);
      return promo ? ok(promo) : notFound('Promo code', params.id!);
    },
    'GET /users/:userId/access/:resourceId': ({ params }) => {
      const level = access.get(`${params.userId}|${params.resourceId}`) ?? 'no_access';
      const answer: UserCheckAccessResponse = { has_access: level !== 'no_access', access_level: level };
      return ok(answer);
    },
    // Cursor page of the company's experiences, narrowed to a product when product_id is given.
    'GET /experiences': ({ query }) => {
      const productId = typeof query.product_id === 'string' ? query.product_id : undefined;
      const data = [...experiences.values()].filter(
        (e) => e.company.id === query.company_id && (!productId || (e.products ?? []).some((p) => p.id === productId)),
      );
      return ok({ data, page_info: { end_cursor: null, start_cursor: null, has_next_page: false, has_previous_page: false } });
    },
    'GET /experiences/:id': ({ params }) => {
      const experience = experiences.get(params.id!);
      return experience ? ok(experience) : notFound('Experience', params.id!);
    },
    'GET /webhooks/:id/deliveries': ({ params, query }) => webhookLog.list(params.id!, query),
    'POST /webhooks/:id/deliveries/:deliveryId/replay': ({ params }) => webhookLog.replayOne(params.id!, params.deliveryId!),
    'POST /webhooks/:id/replay': ({ params, body }) => webhookLog.replayRange(params.id!, body),
  };

  const app = Fastify({ logger: false, forceCloseConnections: true });

  // The SDK sends `content-type: application/json` on bodiless POSTs (retry, uncancel): treat an empty body as none.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, raw, done) => {
    const text = String(raw);
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(Object.assign(new Error('Request body is not valid JSON'), { statusCode: 400 }), undefined);
    }
  });
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, raw, done) => done(null, String(raw)));

  const record = (request: RecordableRequest, route: WhopRouteKey | null): RecordedWhopCall => {
    const existing = request[RECORDED];
    if (existing) return existing;
    const headers = flattenHeaders(request.headers);
    const call: RecordedWhopCall = {
      method: request.method,
      path: request.url.split('?')[0]!,
      route,
      query: { ...(request.query as Record<string, string | string[]>) },
      body: request.body,
      headers,
      appId: headers['x-whop-app-id'],
      status: undefined,
      at: clock.now(),
    };
    request[RECORDED] = call;
    calls.push(call);
    return call;
  };

  const versionOf = (header: string | string[] | undefined): string => (typeof header === 'string' && header !== '' ? header : (options.keyApiVersion ?? '2025-01-01'));

  const isAuthorised = (authorization: string | undefined): boolean => {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    if (!match) return false;
    return options.apiKey === undefined || match[1] === options.apiKey;
  };

  const delay = (ms: number) =>
    new Promise<void>((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        pendingDelays.delete(finish);
        resolve();
      };
      const timer = setTimeout(finish, ms);
      pendingDelays.add(finish);
    });

  const send = (reply: FastifyReply, answer: Answer, headers: Record<string, string> = {}) =>
    reply.code(answer.status).headers(headers).type('application/json').send(answer.body === undefined ? {} : answer.body);

  app.addHook('onSend', async (request, reply, payload) => {
    const call = (request as RecordableRequest)[RECORDED];
    if (call) call.status = reply.statusCode;
    return payload;
  });

  for (const routeKey of WHOP_FAKE_ROUTES) {
    const [method, template] = routeKey.split(' ') as [string, string];
    app.route({
      method: method as 'GET' | 'POST' | 'PATCH',
      url: `${WHOP_API_PREFIX}${template}`,
      handler: async (request, reply) => {
        record(request, routeKey);
        if (!isAuthorised(request.headers.authorization)) {
          return send(reply, fail(401, 'unauthorized', 'Missing or invalid API key (expected Authorization: Bearer <key>)'));
        }
        const limited = rateLimiter.check(routeKey);
        if (limited) return send(reply, limited, { 'retry-after': String(limited.retryAfterSeconds) });
        let extraHeaders: Record<string, string> = {};
        const scripted = scripts.get(routeKey)?.shift();
        if (scripted && 'timeoutMs' in scripted) {
          await delay(scripted.timeoutMs);
        } else if (scripted) {
          const defaults: Record<string, string> = scripted.status === 429 ? { 'retry-after': '1' } : {};
          extraHeaders = { ...defaults, ...scripted.headers };
          if (scripted.status >= 300 || scripted.body !== undefined) {
            return send(reply, { status: scripted.status, body: scripted.body ?? errorBody(scripted.status) }, extraHeaders);
          }
        }
        const input: RouteInput = {
          params: request.params as Record<string, string>,
          body: isPlainObject(request.body) ? request.body : {},
          query: request.query as Record<string, string | string[]>,
          apiVersion: versionOf(request.headers['api-version-date']),
        };
        if (!isRouteAt(routeKey, input.apiVersion)) {
          return send(reply, fail(404, 'not_found', `No route for ${request.method} ${request.url.split('?')[0]} at API version ${input.apiVersion}`));
        }
        const answer = await handlers[routeKey](input);
        const status = scripted && !('timeoutMs' in scripted) && answer.status < 300 ? scripted.status : answer.status;
        return send(reply, { ...answer, status }, extraHeaders);
      },
    });
  }

  app.setNotFoundHandler(async (request, reply) => {
    record(request, null);
    return send(reply, fail(404, 'not_found', `No route for ${request.method} ${request.url.split('?')[0]}`));
  });

  app.setErrorHandler(async (error: { statusCode?: number; message?: string }, request, reply) => {
    record(request, null);
    const status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500;
    return send(reply, fail(status, status >= 500 ? 'internal_server_error' : 'bad_request', error.message ?? 'error'));
  });

  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('Whop fake did not get a TCP port');
  const url = `http://127.0.0.1:${address.port}`;

  return {
    url,
    baseURL: `${url}${WHOP_API_PREFIX}`,
    calls,
    promoCodes,
    redeemPromoCode(code, paymentId) {
      const promo = promoCodes.find((p) => p.code?.toUpperCase() === code.toUpperCase());
      if (!promo) throw new Error(`Whop fake has no promo code ${code}`);
      const payment = payments.get(paymentId);
      if (!payment) throw new Error(`Whop fake has no payment ${paymentId}`);
      const subtotal = payment.subtotal ?? payment.total ?? 0;
      const total = promo.promo_type === 'percentage' ? Math.round(subtotal * (100 - promo.amount_off)) / 100 : Math.max(0, subtotal - promo.amount_off);
      payments.set(paymentId, {
        ...payment,
        subtotal,
        total,
        usd_total: total,
        promo_code: { id: promo.id, code: promo.code, amount_off: promo.amount_off, base_currency: promo.currency, number_of_intervals: promo.promo_duration_months, promo_type: promo.promo_type },
      } as Payment);
      promo.uses += 1;
      return promo;
    },
    cancellations,
    setPaymentExtras(paymentId, extras) {
      paymentExtras.set(paymentId, { ...paymentExtras.get(paymentId), ...extras });
    },
    webhookBody: webhookBodyOf,
    callsTo(method, pathPattern) {
      const wanted = method.toUpperCase();
      return calls.filter((call) => {
        if (call.method.toUpperCase() !== wanted) return false;
        if (pathPattern instanceof RegExp) return pathPattern.test(call.path);
        return call.path === pathPattern || call.path === `${WHOP_API_PREFIX}${pathPattern}` || call.route === `${wanted} ${pathPattern}`;
      });
    },
    setMembership(id, partial) {
      const membership = merge(memberships.get(id) ?? defaultMembership(id), partial);
      memberships.set(id, membership);
      return membership;
    },
    membership: (id) => memberships.get(id),
    setPayment(id, partial) {
      const payment = merge(payments.get(id) ?? defaultPayment(id), partial);
      payments.set(id, payment);
      return payment;
    },
    payment: (id) => payments.get(id),
    setRetryOutcome(paymentId, outcome) {
      retryOutcomes.set(paymentId, outcome);
    },
    setAccess(userId, resourceId, level) {
      access.set(`${userId}|${resourceId}`, level);
    },
    setExperience(id, partial) {
      const experience = merge(experiences.get(id) ?? defaultExperience(id), partial);
      experiences.set(id, experience);
      return experience;
    },
    messagesTo: (userId) => directMessages.filter((m) => m.userIds.includes(userId)),
    failNext(routeKey, responses) {
      if (!(WHOP_FAKE_ROUTES as readonly string[]).includes(routeKey)) throw new Error(`Whop fake has no route ${routeKey}`);
      scripts.set(routeKey, [...(scripts.get(routeKey) ?? []), ...responses]);
    },
    enforceRateLimit: (rate) => rateLimiter.configure(rate),
    rateLimitViolations: () => rateLimiter.violations(),
    configureWebhook: (webhook) => webhookLog.configure(webhook),
    deliverWebhook: (body) => webhookLog.deliver(body),
    deliveries: webhookLog.deliveries,
    reset() {
      calls.length = 0;
      cancellations.length = 0;
      scripts.clear();
    },
    async close() {
      for (const finish of [...pendingDelays]) finish();
      await app.close();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Reconciliation support: lists, rate limit, delivery log. Kept apart from the per-version shapes.

/** Cursor page over `items` (already filtered and sorted): `first` (default 10, max 100) after the opaque cursor `after`. */
function cursorPage<T>(items: T[], query: Record<string, string | string[]>): Answer {
  const first = Math.min(100, Math.max(1, Number(single(query.first) ?? 10) || 10));
  const after = single(query.after);
  let start = 0;
  if (after !== undefined) {
    const decoded = Number(Buffer.from(after, 'base64url').toString('utf8'));
    if (!Number.isInteger(decoded) || decoded < 0) return fail(400, 'bad_request', 'after: not a cursor this API issued');
    start = decoded;
  }
  const data = items.slice(start, start + first);
  const end = start + data.length;
  const cursor = (n: number) => Buffer.from(String(n), 'utf8').toString('base64url');
  return ok({
    data,
    page_info: { end_cursor: data.length > 0 ? cursor(end) : null, start_cursor: data.length > 0 ? cursor(start) : null, has_next_page: end < items.length, has_previous_page: start > 0 },
  });
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function byTime(field: string, direction: string | undefined) {
  const sign = direction === 'asc' ? 1 : -1;
  return (a: Record<string, unknown>, b: Record<string, unknown>) => {
    const ta = typeof a[field] === 'string' ? Date.parse(a[field] as string) : Number.NEGATIVE_INFINITY;
    const tb = typeof b[field] === 'string' ? Date.parse(b[field] as string) : Number.NEGATIVE_INFINITY;
    return ta === tb ? String(a.id).localeCompare(String(b.id)) : (ta < tb ? -1 : 1) * sign;
  };
}

function withinTimes(item: Record<string, unknown>, field: string, afterIso: string | undefined, beforeIso: string | undefined): boolean {
  const t = typeof item[field] === 'string' ? Date.parse(item[field] as string) : NaN;
  if (afterIso !== undefined && !(t > Date.parse(afterIso))) return false;
  if (beforeIso !== undefined && !(t < Date.parse(beforeIso))) return false;
  return true;
}

/** A company's payments (already filtered by company and status), by created/updated_after/before, order, direction, first/after. */
function pageOfPayments(matching: Payment[], query: Record<string, string | string[]>, serialize: (p: Payment) => unknown): Answer {
  const items = matching
    .filter((p) => withinTimes(p as never, 'created_at', single(query.created_after), single(query.created_before)))
    .filter((p) => withinTimes(p as never, 'updated_at', single(query.updated_after), single(query.updated_before)))
    .sort(byTime(single(query.order) ?? 'created_at', single(query.direction)) as never)
    .map(serialize);
  return cursorPage(items, query);
}

/** A company's memberships (already filtered by company and status), by created_after/before, order (created_at, canceled_at), direction, first/after. */
function pageOfMemberships(matching: Membership[], query: Record<string, string | string[]>): Answer {
  const items = matching
    .filter((m) => withinTimes(m as never, 'created_at', single(query.created_after), single(query.created_before)))
    .sort(byTime(single(query.order) ?? 'created_at', single(query.direction)) as never);
  return cursorPage(items, query);
}

/**
 * Whop's limit per operation (route) in a sliding window. A call over it is answered 429 and counted:
 * the fake's record of every time a client exceeded the limit. Off until configured.
 */
function createRateLimitEnforcer(now: () => number) {
  let rate: { limit: number; windowMs: number } | null = null;
  const recent = new Map<WhopRouteKey, number[]>();
  const violations: Partial<Record<WhopRouteKey, number>> = {};
  return {
    configure(next: { limit: number; windowMs: number } | null) {
      rate = next;
      recent.clear();
    },
    violations: () => ({ ...violations }),
    /** null: within the limit (the call counts); else the 429 to answer. */
    check(route: WhopRouteKey): (Answer & { retryAfterSeconds: number }) | null {
      if (!rate) return null;
      const t = now();
      const times = (recent.get(route) ?? []).filter((at) => at > t - rate!.windowMs);
      if (times.length >= rate.limit) {
        recent.set(route, times);
        violations[route] = (violations[route] ?? 0) + 1;
        const retryAfterSeconds = Math.max(1, Math.ceil((times[0]! + rate.windowMs - t) / 1000));
        return { ...fail(429, 'rate_limit_exceeded', `Try again in ${retryAfterSeconds} seconds.`), retryAfterSeconds };
      }
      times.push(t);
      recent.set(route, times);
      return null;
    },
  };
}

/**
 * The delivery log of one webhook (docs.whop.com/api-reference/beta/webhooks: list deliveries, replay one,
 * replay a time range; paths here are our reading, unverified). A replay re-sends the exact payload with its
 * original webhook-id, freshly signed, to the webhook's current URL.
 */
function createWebhookDeliveryLog(clock: { now(): Date }) {
  let webhook: { id: string; url: string; secret: string } | null = null;
  const deliveries: WhopWebhookDelivery[] = [];

  const post = async (messageId: string, body: string): Promise<number> => {
    if (!webhook) throw new Error('Whop fake: configureWebhook first');
    const at = clock.now();
    const signature = new Webhook(Buffer.from(webhook.secret, 'utf8').toString('base64')).sign(messageId, at, body);
    try {
      const response = await fetch(webhook.url, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', 'webhook-id': messageId, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': signature },
        signal: AbortSignal.timeout(5000),
      });
      await response.arrayBuffer();
      return response.status;
    } catch {
      return 0;
    }
  };
  const view = (d: WhopWebhookDelivery) => ({
    id: d.id, webhook_id: d.webhookId, message_id: d.messageId, event_type: d.eventType, response_status: d.responseStatus,
    succeeded: d.succeeded, created_at: d.createdAt.toISOString(), replays: d.replays,
  });
  const replay = async (d: WhopWebhookDelivery) => {
    const status = await post(d.messageId, d.body);
    d.replays += 1;
    if (status >= 200 && status < 300) d.succeeded = true;
    d.responseStatus = status;
    return { response_status: status, succeeded: status >= 200 && status < 300, delivery_id: d.id };
  };

  return {
    deliveries,
    configure(next: { id: string; url: string; secret: string }) {
      webhook = next;
    },
    async deliver(event: { id: string; type: string }): Promise<WhopWebhookDelivery> {
      const body = JSON.stringify(event);
      const status = await post(event.id, body);
      const delivery: WhopWebhookDelivery = {
        id: newId('whdel'), webhookId: webhook!.id, messageId: event.id, eventType: event.type, body,
        responseStatus: status, succeeded: status >= 200 && status < 300, createdAt: clock.now(), replays: 0,
      };
      deliveries.push(delivery);
      return delivery;
    },
    list(webhookId: string, query: Record<string, string | string[]>): Answer {
      if (!webhook || webhook.id !== webhookId) return notFound('Webhook', webhookId);
      const status = single(query.status);
      const items = deliveries
        .filter((d) => status === undefined || (status === 'failed' ? !d.succeeded : d.succeeded))
        .filter((d) => withinTimes({ created_at: d.createdAt.toISOString() }, 'created_at', single(query.created_after), single(query.created_before)))
        .map(view);
      return cursorPage(items, query);
    },
    async replayOne(webhookId: string, deliveryId: string): Promise<Answer> {
      if (!webhook || webhook.id !== webhookId) return notFound('Webhook', webhookId);
      const delivery = deliveries.find((d) => d.id === deliveryId);
      if (!delivery) return notFound('Delivery', deliveryId);
      return ok(await replay(delivery));
    },
    async replayRange(webhookId: string, body: Record<string, unknown>): Promise<Answer> {
      if (!webhook || webhook.id !== webhookId) return notFound('Webhook', webhookId);
      const after = typeof body.created_after === 'string' ? body.created_after : undefined;
      const before = typeof body.created_before === 'string' ? body.created_before : undefined;
      if (after === undefined) return fail(400, 'bad_request', 'created_after is required');
      const onlyFailed = body.only_failed !== false;
      const chosen = deliveries.filter(
        (d) => withinTimes({ created_at: d.createdAt.toISOString() }, 'created_at', after, before) && (!onlyFailed || !d.succeeded),
      );
      const results = [];
      for (const d of chosen) results.push(await replay(d));
      return ok({ replayed: results.length, results });
    },
  };
}
