import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

/**
 * Whop webhook bodies for tests, built from the recorded fixtures in test/fixtures/whop/.
 * The fixtures tell one member's story at one company (biz_7Hq2LmN4pR8sTx, mem_3kVx9QwErT5yUi):
 * payment pay_9QwErT5yUi3kVx of $29.99 fails on 2025-11-03, succeeds on 2025-11-06, is refunded
 * and disputed later. Override what a test cares about; keep the rest realistic.
 */

/**
 * v1 event types with a recorded fixture. `entry.created` and `invoice.past_due` are ones we do not act on.
 * The story continues: on 2025-11-04 the retry needs 3-D Secure (payment.requires_action), on
 * 2025-11-08 the member schedules a cancellation (too_expensive), on 2025-11-09 it is won back.
 */
export const WHOP_FIXTURE_TYPES = [
  'payment.failed',
  'payment.succeeded',
  'payment.requires_action',
  'membership.activated',
  'membership.deactivated',
  'membership.updated',
  'membership.cancel_at_period_end_changed',
  'refund.created',
  'dispute.created',
  'entry.created',
  'invoice.past_due',
] as const;

/**
 * The payload shapes a fixture exists in: as Whop serialised webhooks up to 2026-07-20 (`company_id`,
 * related records nested) and from 2026-09-15 (test/fixtures/whop/2026-09-15/: `account_id`, related
 * records as bare ids, card expiry top-level). Both tell the same story and must give the same facts.
 */
export const WHOP_FIXTURE_SHAPES = ['2026-07-20', '2026-09-15'] as const;
export type WhopFixtureShape = (typeof WHOP_FIXTURE_SHAPES)[number];

export type WhopFixtureType = (typeof WHOP_FIXTURE_TYPES)[number];

/** Legacy v5 actions with a recorded fixture (test/fixtures/whop/v5/). */
export const LEGACY_WHOP_FIXTURE_ACTIONS = ['membership.went_valid', 'payment.failed'] as const;

export type LegacyWhopFixtureAction = (typeof LEGACY_WHOP_FIXTURE_ACTIONS)[number];

/** A partial body to deep-merge over a fixture; see `deepMerge` for the rules. */
export type WhopEventOverrides = { [key: string]: unknown };

/** A v1 webhook body as Whop sends it. */
export interface WhopEventBody {
  id: string;
  api_version: string;
  type: string;
  timestamp: string | null;
  company_id?: string | null;
  data: Record<string, unknown>;
  [key: string]: unknown;
}

/**
 * A v1 body of `type` from its fixture, with each of `overrides` deep-merged in order and a fresh
 * `id` (msg_…) unless an override sets one, so every built event is a distinct delivery.
 *
 * @example buildWhopEvent('payment.failed', { data: { total: 10.43, last_payment_attempt: '2025-01-02T00:00:00.000Z' } })
 * @example buildWhopEvent('refund.created', whopIdOverrides('refund.created', { companyId: 'biz_x', membershipId: 'mem_y' }))
 */
export function buildWhopEvent(type: WhopFixtureType, ...overrides: WhopEventOverrides[]): WhopEventBody {
  return buildWhopEventIn('2026-07-20', type, ...overrides);
}

/** `buildWhopEvent` in one of the payload shapes (WHOP_FIXTURE_SHAPES). */
export function buildWhopEventIn(shape: WhopFixtureShape, type: WhopFixtureType, ...overrides: WhopEventOverrides[]): WhopEventBody {
  const file = shape === '2026-07-20' ? `${type}.json` : `${shape}/${type}.json`;
  const body = overrides.reduce<Record<string, unknown>>((acc, o) => deepMerge(acc, o), loadFixture(file));
  if (overrides.every((o) => o.id === undefined)) body.id = newWhopMessageId();
  return body as WhopEventBody;
}

/**
 * What Whop's API answers for the story's bare ids (2026-09-15 shape): the membership's member and
 * the refunded/disputed payment's membership. The gateway looks these up; unit tests pass them directly.
 */
export const STORY_REFERENCES = {
  payments: new Map([['pay_9QwErT5yUi3kVx', { membershipId: 'mem_3kVx9QwErT5yUi', companyId: 'biz_7Hq2LmN4pR8sTx', userId: 'user_Ab12Cd34Ef56Gh' }]]),
  memberships: new Map([['mem_3kVx9QwErT5yUi', { userId: 'user_Ab12Cd34Ef56Gh', email: 'dana.reyes@example.com' }]]),
};

/** A legacy v5 body (`{ api_version: "v5", action, company, data }`) with overrides deep-merged. v5 bodies have no id. */
export function buildLegacyWhopEvent(action: LegacyWhopFixtureAction, ...overrides: WhopEventOverrides[]): Record<string, unknown> {
  return overrides.reduce<Record<string, unknown>>((acc, o) => deepMerge(acc, o), loadFixture(`v5/${action}.json`));
}

/** The ids of one member's story; each is optional. */
export interface WhopStoryIds {
  companyId?: string;
  membershipId?: string;
  paymentId?: string;
  userId?: string;
  email?: string | null;
}

/**
 * Overrides that put each id where events of `type` carry it: the company both in the top-level
 * `company_id` and in `data.company.id`, the membership in `data.membership.id` (payments),
 * `data.id` (memberships) or `data.payment.membership.id` (refunds, disputes), and so on.
 */
export function whopIdOverrides(type: WhopFixtureType, ids: WhopStoryIds): WhopEventOverrides {
  const user = { id: ids.userId, email: ids.email };
  const company = ids.companyId === undefined ? undefined : { id: ids.companyId };
  switch (type) {
    case 'payment.failed':
    case 'payment.succeeded':
    case 'payment.requires_action':
      return {
        company_id: ids.companyId,
        data: { id: ids.paymentId, company, membership: { id: ids.membershipId }, user },
      };
    case 'membership.activated':
    case 'membership.deactivated':
    case 'membership.updated':
    case 'membership.cancel_at_period_end_changed':
      return {
        company_id: ids.companyId,
        data: {
          id: ids.membershipId,
          company,
          user,
          manage_url: ids.membershipId && `https://whop.com/billing/manage/${ids.membershipId}`,
        },
      };
    case 'refund.created':
      return {
        company_id: ids.companyId,
        data: { payment: { id: ids.paymentId, membership: { id: ids.membershipId }, user } },
      };
    case 'dispute.created':
      return {
        company_id: ids.companyId,
        data: { company, payment: { id: ids.paymentId, membership: { id: ids.membershipId }, user } },
      };
    case 'entry.created':
    case 'invoice.past_due':
      return { company_id: ids.companyId, data: { user } };
  }
}

/** A Whop-style delivery id: `msg_` and 24 letters and digits. */
export function newWhopMessageId(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  // 248 is the largest multiple of 62 below 256: rejecting bytes above it keeps letters uniform.
  const chars: string[] = [];
  while (chars.length < 24) {
    for (const byte of randomBytes(32)) {
      if (byte < 248 && chars.length < 24) chars.push(alphabet[byte % 62]!);
    }
  }
  return `msg_${chars.join('')}`;
}

/**
 * `overrides` merged into a copy of `base`: plain objects merge key by key, anything else
 * (arrays, strings, numbers, null) replaces, and `undefined` leaves the base value alone so
 * optional overrides can be passed straight through. Neither argument is modified.
 */
export function deepMerge(base: Record<string, unknown>, overrides: WhopEventOverrides): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) continue;
    const current = out[key];
    // Merging into {} when the base has no object there still drops the override's undefined keys.
    out[key] = isPlainObject(value) ? deepMerge(isPlainObject(current) ? current : {}, value) : structuredClone(value);
  }
  return out;
}

const fixtureText = new Map<string, string>();

/** A fresh parse each time, so a test mutating its body never leaks into another test. */
function loadFixture(name: string): Record<string, unknown> {
  let text = fixtureText.get(name);
  if (text === undefined) {
    text = readFileSync(new URL(`../fixtures/whop/${name}`, import.meta.url), 'utf8');
    fixtureText.set(name, text);
  }
  return JSON.parse(text) as Record<string, unknown>;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
