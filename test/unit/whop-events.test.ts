import { describe, expect, it } from 'vitest';
import type { MembershipFact } from '../../src/domain/membership-fact.ts';
import {
  HANDLED_EVENT_TYPES,
  isHandledEventType,
  isLegacyV5,
  mapWebhookToFact,
  normalizeLegacyV5,
  referencesToResolve,
  type MapResult,
} from '../../src/integrations/whop/events/index.ts';
import { legacyActionToType } from '../../src/integrations/whop/events/legacy-v5.ts';
import { companyIdOfDelivery } from '../../src/services/webhooks/webhook-intake.ts';
import {
  buildLegacyWhopEvent,
  buildWhopEvent,
  buildWhopEventIn,
  deepMerge,
  STORY_REFERENCES,
  whopIdOverrides,
  WHOP_FIXTURE_TYPES,
  type WhopEventOverrides,
  type WhopFixtureType,
} from '../support/whop-fixtures.ts';

const COMPANY = 'biz_7Hq2LmN4pR8sTx';
const MEMBERSHIP = 'mem_3kVx9QwErT5yUi';
const PAYMENT = 'pay_9QwErT5yUi3kVx';
const USER = 'user_Ab12Cd34Ef56Gh';
const EMAIL = 'dana.reyes@example.com';
const EVENT_ID = 42;

function expectFact(result: MapResult): MembershipFact {
  if (!result.ok) throw new Error(`expected a fact, got ${result.reason}: ${result.detail}`);
  return result.fact;
}

function expectFailure(result: MapResult, reason: string): string {
  expect(result).toMatchObject({ ok: false, reason });
  return result.ok ? '' : result.detail;
}

const member = { companyId: COMPANY, whopMembershipId: MEMBERSHIP, whopUserId: USER, memberEmail: EMAIL, webhookEventId: EVENT_ID };

describe('every recorded Whop event maps to the fact it states', () => {
  it.each<[WhopFixtureType, MembershipFact]>([
    [
      'payment.failed',
      {
        ...member,
        kind: 'payment_failed',
        whopPaymentId: PAYMENT,
        amountCents: 2999,
        currency: 'usd',
        reason: 'Your card was declined.',
        occurredAt: new Date('2025-11-03T09:00:04.000Z'), // last_payment_attempt
        signals: {
          declineCode: 'card_declined',
          nextPaymentAttemptAt: new Date('2025-11-06T09:00:00.000Z'),
          cardExpMonth: 10,
          cardExpYear: 2028,
          retryable: true,
          recoveryUrl: null,
        },
      },
    ],
    [
      'payment.requires_action',
      {
        ...member,
        kind: 'payment_requires_action',
        whopPaymentId: PAYMENT,
        amountCents: 2999,
        currency: 'usd',
        reason: 'The bank requires the member to authenticate this payment.',
        occurredAt: new Date('2025-11-04T09:00:01.000Z'),
        signals: {
          declineCode: 'three_d_secure_required',
          nextPaymentAttemptAt: null,
          cardExpMonth: 10,
          cardExpYear: 2028,
          retryable: true,
          recoveryUrl: 'https://whop.com/billing/recover/pay_9QwErT5yUi3kVx',
        },
      },
    ],
    [
      'membership.cancel_at_period_end_changed',
      {
        ...member,
        kind: 'cancellation_scheduled',
        whopPaymentId: null,
        amountCents: null,
        currency: 'usd',
        reason: 'too_expensive',
        occurredAt: new Date('2025-11-08T12:10:02.310Z'),
        cancellation: { cancelOption: 'too_expensive', cancelationStatus: 'canceling' },
      },
    ],
    [
      'membership.updated',
      {
        ...member,
        kind: 'cancellation_unscheduled',
        whopPaymentId: null,
        amountCents: null,
        currency: 'usd',
        reason: 'won_back',
        occurredAt: new Date('2025-11-09T15:20:05.871Z'),
        cancellation: { cancelOption: 'too_expensive', cancelationStatus: 'won_back' },
      },
    ],
    [
      'payment.succeeded',
      {
        ...member,
        kind: 'payment_succeeded',
        whopPaymentId: PAYMENT,
        amountCents: 2999,
        currency: 'usd',
        reason: null,
        occurredAt: new Date('2025-11-06T09:00:01.000Z'), // paid_at
      },
    ],
    [
      'membership.activated',
      {
        ...member,
        kind: 'membership_activated',
        whopPaymentId: null,
        amountCents: null,
        currency: 'usd',
        reason: null,
        occurredAt: new Date('2025-11-06T09:00:02.631Z'), // updated_at
      },
    ],
    [
      'membership.deactivated',
      {
        ...member,
        kind: 'membership_deactivated',
        whopPaymentId: null,
        amountCents: null,
        currency: 'usd',
        reason: 'Too pricey for me right now',
        occurredAt: new Date('2025-11-10T16:45:10.512Z'),
      },
    ],
    [
      'refund.created',
      {
        ...member,
        kind: 'payment_reversed',
        whopPaymentId: PAYMENT,
        amountCents: 2999,
        currency: 'usd',
        reason: 'refund',
        occurredAt: new Date('2025-11-20T10:00:00.000Z'),
      },
    ],
    [
      'dispute.created',
      {
        ...member,
        kind: 'payment_reversed',
        whopPaymentId: PAYMENT,
        amountCents: 2999,
        currency: 'usd',
        reason: 'dispute',
        occurredAt: new Date('2025-11-21T13:30:00.000Z'),
      },
    ],
  ])('%s', (type, expected) => {
    expect(mapWebhookToFact(buildWhopEvent(type), EVENT_ID)).toEqual({ ok: true, fact: expected });
  });

  it('has a fixture for every handled type, and handles exactly the listed types', () => {
    for (const type of HANDLED_EVENT_TYPES) expect(WHOP_FIXTURE_TYPES).toContain(type);
    expect(HANDLED_EVENT_TYPES.every(isHandledEventType)).toBe(true);
    expect(isHandledEventType('entry.created')).toBe(false);
    expect(isHandledEventType('toString')).toBe(false);
  });

  it('copies the webhook event id, or null for facts made by hand', () => {
    expect(expectFact(mapWebhookToFact(buildWhopEvent('payment.failed'), null)).webhookEventId).toBeNull();
    expect(expectFact(mapWebhookToFact(buildWhopEvent('payment.failed'), 7)).webhookEventId).toBe(7);
  });

  it('does not modify the body it maps', () => {
    const body = buildWhopEvent('refund.created');
    const before = structuredClone(body);
    mapWebhookToFact(body, 1);
    expect(body).toEqual(before);
  });
});

describe('the company an event belongs to', () => {
  it.each(HANDLED_EVENT_TYPES)('%s: from data.company.id before the top-level company_id', (type) => {
    const body = buildWhopEvent(type, { company_id: 'biz_app_level', data: { company: { id: 'biz_own' }, payment: { company: { id: 'biz_own' } } } });
    expect(expectFact(mapWebhookToFact(body, 1)).companyId).toBe('biz_own');
  });

  it.each(HANDLED_EVENT_TYPES)('%s: from the top-level company_id when data has no company (app webhooks)', (type) => {
    const body = buildWhopEvent(type, { company_id: 'biz_from_app_webhook', data: { company: null } });
    expect(expectFact(mapWebhookToFact(body, 1)).companyId).toBe('biz_from_app_webhook');
  });

  it.each(HANDLED_EVENT_TYPES)('%s: no_company when neither is set', (type) => {
    const body = buildWhopEvent(type, { company_id: null, data: { company: null } });
    expectFailure(mapWebhookToFact(body, 1), 'no_company');
  });

  it('a refund takes its payment’s company first', () => {
    const body = buildWhopEvent('refund.created', {
      company_id: 'biz_top',
      data: { company: { id: 'biz_data' }, payment: { company: { id: 'biz_payment' } } },
    });
    expect(expectFact(mapWebhookToFact(body, 1)).companyId).toBe('biz_payment');
  });
});

describe('events about no membership', () => {
  it.each<[WhopFixtureType, WhopEventOverrides]>([
    ['payment.failed', { data: { membership: null } }],
    ['payment.succeeded', { data: { membership: null } }],
    ['refund.created', { data: { payment: null } }],
    ['refund.created', { data: { payment: { membership: null } } }],
    ['dispute.created', { data: { payment: { membership: null } } }],
  ])('%s with %j is no_membership', (type, overrides) => {
    expectFailure(mapWebhookToFact(buildWhopEvent(type, overrides), 1), 'no_membership');
  });
});

describe('event types we do not act on', () => {
  it.each(['entry.created', 'payment.pending', 'refund.updated', 'dispute.updated', 'membership.cancel_at_period_end_changed', 'invoice.past_due'])(
    '%s is unhandled_type, not an error',
    (type) => {
      const body = type === 'entry.created' ? buildWhopEvent('entry.created') : buildWhopEvent('payment.failed', { type });
      const detail = expectFailure(mapWebhookToFact(body, 1), 'unhandled_type');
      expect(detail).toContain(type);
    },
  );

  it('an unknown type is unhandled whatever its data looks like', () => {
    expectFailure(mapWebhookToFact({ type: 'chat.message.created', data: 'anything' }, 1), 'unhandled_type');
  });

  it.each(['failed', 'canceled'])('a refund with status %s reverses nothing', (status) => {
    const detail = expectFailure(mapWebhookToFact(buildWhopEvent('refund.created', { data: { status } }), 1), 'unhandled_type');
    expect(detail).toContain(status);
  });

  it.each(['pending', 'requires_action', 'succeeded', null])('a refund with status %s is a reversal', (status) => {
    const fact = expectFact(mapWebhookToFact(buildWhopEvent('refund.created', { data: { status } }), 1));
    expect(fact).toMatchObject({ kind: 'payment_reversed', reason: 'refund' });
  });
});

describe('amounts in minor units of the event currency', () => {
  it.each<[WhopFixtureType, WhopEventOverrides, number | null, string | null]>([
    ['payment.failed', { data: { total: 1000, subtotal: 1000, currency: 'jpy' } }, 1000, 'jpy'],
    ['payment.failed', { data: { total: 12.345, currency: 'kwd' } }, 12345, 'kwd'],
    ['payment.failed', { data: { total: 19.99, currency: 'USD' } }, 1999, 'usd'],
    ['payment.failed', { data: { total: '10.43' } }, 1043, 'usd'],
    ['payment.failed', { data: { total: null, subtotal: 24.5 } }, 2450, 'usd'],
    ['payment.failed', { data: { total: null, subtotal: null } }, null, 'usd'],
    ['payment.failed', { data: { currency: null } }, null, null],
    ['payment.succeeded', { data: { total: 123456.78 } }, 12345678, 'usd'],
    ['payment.succeeded', { data: { total: 0 } }, 0, 'usd'],
    ['refund.created', { data: { amount: 5000, currency: 'jpy' } }, 5000, 'jpy'],
    ['refund.created', { data: { amount: 10.43 } }, 1043, 'usd'],
    ['refund.created', { data: { amount: 1.5, currency: null, payment: { currency: 'kwd' } } }, 1500, 'kwd'],
    ['refund.created', { data: { amount: null } }, null, 'usd'],
    ['dispute.created', { data: { amount: 7.125, currency: 'bhd' } }, 7125, 'bhd'],
  ])('%s %j → %s %s', (type, overrides, amountCents, currency) => {
    const fact = expectFact(mapWebhookToFact(buildWhopEvent(type, overrides), 1));
    expect({ amountCents: fact.amountCents, currency: fact.currency }).toEqual({ amountCents, currency });
  });

  it.each<[WhopFixtureType, WhopEventOverrides, string]>([
    ['payment.failed', { data: { total: 'twenty' } }, 'data.total'],
    ['payment.failed', { data: { total: null, subtotal: '1,000' } }, 'data.subtotal'],
    ['refund.created', { data: { amount: '' } }, 'data.amount'],
    ['payment.failed', { data: { total: true } }, 'data.total'],
  ])('%s %j is invalid_payload naming %s', (type, overrides, field) => {
    expect(expectFailure(mapWebhookToFact(buildWhopEvent(type, overrides), 1), 'invalid_payload')).toContain(field);
  });
});

describe('when it happened', () => {
  const at = (iso: string) => new Date(iso);
  it.each<[WhopFixtureType, WhopEventOverrides, Date]>([
    ['payment.failed', { data: { last_payment_attempt: null } }, at('2025-11-03T09:00:05.107Z')],
    ['payment.failed', { data: { last_payment_attempt: null, updated_at: null } }, at('2025-11-03T09:00:00.000Z')],
    ['payment.failed', { data: { last_payment_attempt: null, updated_at: null, created_at: null } }, at('2025-11-03T09:00:06.220Z')],
    ['payment.succeeded', { data: { paid_at: null } }, at('2025-11-06T09:00:02.448Z')],
    ['payment.succeeded', { data: { paid_at: null, updated_at: null, created_at: null } }, at('2025-11-06T09:00:03.914Z')],
    ['membership.activated', { data: { updated_at: null } }, at('2025-11-06T09:00:03.102Z')],
    ['membership.activated', { timestamp: null, data: { updated_at: null } }, at('2025-06-03T09:00:00.000Z')],
    ['refund.created', { data: { created_at: null } }, at('2025-11-20T10:00:01.845Z')],
    ['dispute.created', { data: { created_at: null } }, at('2025-11-21T13:30:02.091Z')],
    // Offsets and precision as ISO 8601 allows them.
    ['payment.failed', { data: { last_payment_attempt: '2025-11-03T10:00:04+01:00' } }, at('2025-11-03T09:00:04.000Z')],
    ['payment.failed', { data: { last_payment_attempt: '2025-11-03T04:00:04.25-0500' } }, at('2025-11-03T09:00:04.250Z')],
    ['payment.failed', { data: { last_payment_attempt: '2025-11-03T09:00:04.123456Z' } }, at('2025-11-03T09:00:04.123Z')],
  ])('%s %j → %s', (type, overrides, occurredAt) => {
    expect(expectFact(mapWebhookToFact(buildWhopEvent(type, overrides), 1)).occurredAt).toEqual(occurredAt);
  });

  it.each<[WhopFixtureType, WhopEventOverrides, string]>([
    ['payment.failed', { data: { last_payment_attempt: 'yesterday' } }, 'data.last_payment_attempt'],
    ['payment.failed', { data: { last_payment_attempt: '2025-11-03 09:00:04' } }, 'data.last_payment_attempt'],
    ['payment.failed', { data: { last_payment_attempt: '2025-11-03T09:00:04' } }, 'data.last_payment_attempt'], // no offset
    ['payment.failed', { data: { last_payment_attempt: '2025-13-03T09:00:04Z' } }, 'data.last_payment_attempt'],
    ['payment.failed', { data: { last_payment_attempt: 1762160404 } }, 'data.last_payment_attempt'],
    ['payment.succeeded', { data: { paid_at: 'soon' } }, 'data.paid_at'],
    ['membership.deactivated', { data: { updated_at: null }, timestamp: 'not a time' }, 'timestamp'],
    ['refund.created', { data: { created_at: '' } }, 'data.created_at'],
    ['membership.activated', { timestamp: null, data: { updated_at: null, created_at: null } }, 'no timestamp'],
  ])('%s %j is invalid_payload naming %s', (type, overrides, field) => {
    expect(expectFailure(mapWebhookToFact(buildWhopEvent(type, overrides), 1), 'invalid_payload')).toContain(field);
  });
});

describe('what each event contributes', () => {
  it('a failed payment without a failure message has no reason', () => {
    expect(expectFact(mapWebhookToFact(buildWhopEvent('payment.failed', { data: { failure_message: null } }), 1)).reason).toBeNull();
  });

  it.each<[WhopEventOverrides, string | null]>([
    [{ data: { cancellation_reason: null, cancel_option: 'switching' } }, 'switching'],
    [{ data: { cancellation_reason: '  ', cancel_option: 'bad_experience' } }, 'bad_experience'],
    [{ data: { cancellation_reason: null, cancel_option: null } }, null],
  ])('a deactivation %j has reason %s', (overrides, reason) => {
    expect(expectFact(mapWebhookToFact(buildWhopEvent('membership.deactivated', overrides), 1)).reason).toBe(reason);
  });

  it('a member without a user object or email is still a fact', () => {
    const fact = expectFact(mapWebhookToFact(buildWhopEvent('payment.failed', { data: { user: null } }), 1));
    expect(fact).toMatchObject({ whopUserId: null, memberEmail: null });
    const noEmail = expectFact(mapWebhookToFact(buildWhopEvent('membership.activated', { data: { user: { email: null } } }), 1));
    expect(noEmail).toMatchObject({ whopUserId: USER, memberEmail: null });
  });

  it('unknown fields anywhere are accepted', () => {
    const body = buildWhopEvent('payment.failed', { brand_new_field: 1, data: { shiny: { nested: true }, membership: { extra: 'x' } } });
    expect(mapWebhookToFact(body, 1).ok).toBe(true);
  });
});

describe('malformed bodies', () => {
  it.each<[string, unknown, string]>([
    ['null', null, 'type'],
    ['an array', [], 'type'],
    ['a string', 'payment.failed', 'type'],
    ['no type', { data: {} }, 'type'],
    ['a handled type without data', { type: 'payment.failed' }, 'data'],
    ['a payment without id', buildWhopEvent('payment.failed', { data: { id: null } }), 'data.id'],
    ['a membership whose id is a number', buildWhopEvent('membership.activated', { data: { id: 5 } }), 'data.id'],
    ['a payment whose membership has no id', buildWhopEvent('payment.failed', { data: { membership: { id: null } } }), 'data.membership.id'],
    ['a company_id that is not a string', buildWhopEvent('payment.failed', { company_id: 5 }), 'company_id'],
  ])('%s is invalid_payload naming %s', (_name, body, field) => {
    expect(expectFailure(mapWebhookToFact(body, 1), 'invalid_payload')).toContain(field);
  });
});

describe('legacy v5 bodies', () => {
  it.each<[string, Record<string, unknown>, WhopFixtureType, WhopEventOverrides]>([
    // v5 payments carry no email and no failure message.
    // (v5 user is an id only, so the email is unknown rather than withheld; no decline code, no card.)
    ['payment.failed', buildLegacyWhopEvent('payment.failed'), 'payment.failed', { data: { user: USER, failure_message: null, decline_code: null, retryable: null, payment_method: null } }],
    // v5 memberships carry no currency, no updated_at and no send time, so created_at is the only time.
    ['membership.went_valid', buildLegacyWhopEvent('membership.went_valid'), 'membership.activated', { timestamp: null, data: { updated_at: null, currency: null } }],
  ])('v5 %s maps to the same fact as v1 %s carrying the same information', (_action, v5, v1Type, v1Overrides) => {
    const fromV5 = expectFact(mapWebhookToFact(v5, EVENT_ID));
    const fromV1 = expectFact(mapWebhookToFact(buildWhopEvent(v1Type, v1Overrides), EVENT_ID));
    expect(fromV5).toEqual(fromV1);
  });

  it('v5 payment.failed gives the failure of the recorded payment', () => {
    expect(expectFact(mapWebhookToFact(buildLegacyWhopEvent('payment.failed'), EVENT_ID))).toEqual({
      ...member,
      memberEmail: null,
      kind: 'payment_failed',
      whopPaymentId: PAYMENT,
      amountCents: 2999,
      currency: 'usd',
      reason: null,
      occurredAt: new Date('2025-11-03T09:00:04.000Z'),
      signals: { declineCode: null, nextPaymentAttemptAt: new Date('2025-11-06T09:00:00.000Z'), cardExpMonth: null, cardExpYear: null, retryable: null, recoveryUrl: null },
    });
  });

  it('v5 membership.went_invalid is a deactivation', () => {
    const body = buildLegacyWhopEvent('membership.went_valid', { action: 'membership.went_invalid', data: { status: 'expired', valid: false } });
    expect(expectFact(mapWebhookToFact(body, 1))).toMatchObject({ kind: 'membership_deactivated', whopMembershipId: MEMBERSHIP, companyId: COMPANY });
  });

  it('a v5 top-level timestamp is the send time, preferred to the membership’s created_at', () => {
    const body = buildLegacyWhopEvent('membership.went_valid', { timestamp: 1762419603 });
    expect(expectFact(mapWebhookToFact(body, 1)).occurredAt).toEqual(new Date('2025-11-06T09:00:03.000Z'));
  });

  it('the v5 company comes from the top-level company, else data.company_id or data.page_id', () => {
    const payment = buildLegacyWhopEvent('payment.failed', { company: null, data: { company_id: 'biz_flat' } });
    expect(expectFact(mapWebhookToFact(payment, 1)).companyId).toBe('biz_flat');
    const membership = buildLegacyWhopEvent('membership.went_valid', { company: null, data: { page_id: 'biz_page' } });
    expect(expectFact(mapWebhookToFact(membership, 1)).companyId).toBe('biz_page');
    const none = buildLegacyWhopEvent('membership.went_valid', { company: null, data: { page_id: null } });
    expectFailure(mapWebhookToFact(none, 1), 'no_company');
  });

  it('an expanded legacy payment (bare membership id, user object, final_amount) maps too', () => {
    // The shape of Whop's older payment.failed example: ids as strings or objects, times in seconds.
    const body = {
      action: 'payment.failed',
      data: {
        id: 'pay_cJ5C52xzGQftKH',
        membership: 'mem_vi6Xw8ZDO8rjjR',
        product: { id: 'pass_0SdhdxmiNhQZb', created_at: 1655076816 },
        plan: { id: 'plan_ACoSACuzLHnrE', renewal_price: '19.99', base_currency: 'usd' },
        user: { id: 'user_T1h3xycVulUVN', username: 'stripetestt', email: 'member@example.com' },
        final_amount: 19.99,
        subtotal: 19,
        currency: 'usd',
        payments_failed: 4,
        status: 'open',
        last_payment_attempt: 1642558479,
        next_payment_attempt: null,
      },
      company: 'biz_legacy',
    };
    expect(expectFact(mapWebhookToFact(body, 3))).toEqual({
      kind: 'payment_failed',
      companyId: 'biz_legacy',
      whopMembershipId: 'mem_vi6Xw8ZDO8rjjR',
      whopUserId: 'user_T1h3xycVulUVN',
      memberEmail: 'member@example.com',
      whopPaymentId: 'pay_cJ5C52xzGQftKH',
      amountCents: 1999,
      currency: 'usd',
      reason: null,
      occurredAt: new Date(1642558479 * 1000),
      webhookEventId: 3,
      signals: { declineCode: null, nextPaymentAttemptAt: null, cardExpMonth: null, cardExpYear: null, retryable: null, recoveryUrl: null },
    });
  });

  it('a v5 refund maps its flat payment_id and nested payment', () => {
    const body = {
      api_version: 'v5',
      action: 'refund_created',
      company: 'biz_legacy',
      data: {
        id: 'rfnd_1',
        status: 'succeeded',
        amount: 5,
        currency: 'usd',
        created_at: 1762160400,
        payment_id: 'pay_legacy',
        payment: { membership_id: 'mem_legacy', user_id: 'user_legacy', final_amount: 5 },
      },
    };
    expect(expectFact(mapWebhookToFact(body, 1))).toMatchObject({
      kind: 'payment_reversed',
      reason: 'refund',
      whopPaymentId: 'pay_legacy',
      whopMembershipId: 'mem_legacy',
      whopUserId: 'user_legacy',
      amountCents: 500,
      occurredAt: new Date('2025-11-03T09:00:00.000Z'),
    });
  });

  it.each([
    ['membership.went_valid', 'membership.activated'],
    ['membership_went_valid', 'membership.activated'],
    ['membership.went_invalid', 'membership.deactivated'],
    ['membership_went_invalid', 'membership.deactivated'],
    ['payment.failed', 'payment.failed'],
    ['payment_failed', 'payment.failed'],
    ['payment_succeeded', 'payment.succeeded'],
    ['refund_created', 'refund.created'],
    ['dispute_created', 'dispute.created'],
    ['membership_cancel_at_period_end_changed', 'membership.cancel_at_period_end_changed'],
    ['app_membership_went_valid', 'app_membership.went_valid'],
    ['app_payment_succeeded', 'app_payment.succeeded'],
  ])('action %s is type %s', (action, type) => {
    expect(legacyActionToType(action)).toBe(type);
    expect((normalizeLegacyV5({ api_version: 'v5', action, data: {} }) as { type: string }).type).toBe(type);
  });

  it('an underscore action maps like its dotted form', () => {
    const dotted = mapWebhookToFact(buildLegacyWhopEvent('payment.failed'), 1);
    const underscored = mapWebhookToFact(buildLegacyWhopEvent('payment.failed', { action: 'payment_failed' }), 1);
    expect(underscored).toEqual(dotted);
  });

  it('legacy app events are not acted on', () => {
    expectFailure(mapWebhookToFact(buildLegacyWhopEvent('payment.failed', { action: 'app_payment.failed' }), 1), 'unhandled_type');
  });

  it('normalizes to the v1 envelope: nested ids, total, ISO times, company_id', () => {
    expect(normalizeLegacyV5(buildLegacyWhopEvent('payment.failed'))).toEqual({
      api_version: 'v1',
      type: 'payment.failed',
      company_id: COMPANY,
      data: {
        id: PAYMENT,
        membership: { id: MEMBERSHIP },
        user: { id: USER },
        company: { id: COMPANY },
        product: { id: 'prod_Hj5Kl3Gf1Ds9Ap' },
        plan: { id: 'plan_Zx8Cv6Bn4Mq2Wl' },
        status: 'open',
        subtotal: 29.99,
        total: 29.99,
        amount_after_fees: 28.82,
        currency: 'usd',
        refunded_amount: 0,
        payments_failed: 1,
        last_payment_attempt: '2025-11-03T09:00:04.000Z',
        next_payment_attempt: '2025-11-06T09:00:00.000Z',
        paid_at: null,
        created_at: '2025-11-03T09:00:00.000Z',
        card_brand: 'visa',
        card_last4: '0341',
        billing_usage_ids: [],
        metadata: {},
      },
    });
  });

  it('leaves metadata keys alone and does not modify its input', () => {
    const body = buildLegacyWhopEvent('membership.went_valid', { data: { metadata: { user_id: 'theirs', signed_up_at: 1 } } });
    const before = structuredClone(body);
    const normalized = normalizeLegacyV5(body) as { data: { metadata: unknown; user: unknown; renewal_period_end: unknown } };
    expect(body).toEqual(before);
    expect(normalized.data.metadata).toEqual({ user_id: 'theirs', signed_up_at: 1 });
    expect(normalized.data.user).toEqual({ id: USER, email: EMAIL });
    expect(normalized.data.renewal_period_end).toBe('2025-12-06T09:00:00.000Z');
  });

  it('recognizes legacy bodies and passes v1 bodies through untouched', () => {
    const v1 = buildWhopEvent('payment.failed');
    expect(isLegacyV5(buildLegacyWhopEvent('payment.failed'))).toBe(true);
    expect(isLegacyV5({ action: 'payment.failed', data: {} })).toBe(true);
    expect(isLegacyV5(v1)).toBe(false);
    expect(isLegacyV5(null)).toBe(false);
    expect(isLegacyV5({ api_version: 'v5' })).toBe(false);
    expect(normalizeLegacyV5(v1)).toBe(v1);
  });
});

describe('buildWhopEvent', () => {
  it('gives each event a fresh Whop message id unless one is set', () => {
    const a = buildWhopEvent('payment.failed');
    const b = buildWhopEvent('payment.failed');
    expect(a.id).toMatch(/^msg_[A-Za-z0-9]{24}$/);
    expect(a.id).not.toBe(b.id);
    expect(buildWhopEvent('payment.failed', { id: 'msg_fixed' }).id).toBe('msg_fixed');
  });

  it('deep-merges overrides and leaves the fixture intact for the next test', () => {
    const body = buildWhopEvent('payment.failed', { data: { membership: { id: 'mem_other' }, total: 10 } });
    expect(body.data).toMatchObject({ id: PAYMENT, membership: { id: 'mem_other', status: 'past_due' }, total: 10, currency: 'usd' });
    (body.data.membership as { id: string }).id = 'mem_mutated';
    expect((buildWhopEvent('payment.failed').data.membership as { id: string }).id).toBe(MEMBERSHIP);
  });

  it('deepMerge: objects merge, arrays and null replace, undefined keeps', () => {
    expect(deepMerge({ a: { b: 1, c: 2 }, d: [1, 2], e: 'x', f: { g: 1 } }, { a: { b: 3 }, d: [9], e: undefined, f: null })).toEqual({
      a: { b: 3, c: 2 },
      d: [9],
      e: 'x',
      f: null,
    });
  });

  it.each(HANDLED_EVENT_TYPES)('whopIdOverrides puts one member’s ids where %s carries them', (type) => {
    const ids = { companyId: 'biz_story', membershipId: 'mem_story', paymentId: 'pay_story', userId: 'user_story', email: 'story@example.com' };
    const fact = expectFact(mapWebhookToFact(buildWhopEvent(type, whopIdOverrides(type, ids)), 1));
    expect(fact).toMatchObject({ companyId: 'biz_story', whopMembershipId: 'mem_story', whopUserId: 'user_story', memberEmail: 'story@example.com' });
    if (fact.kind === 'payment_failed' || fact.kind === 'payment_succeeded' || fact.kind === 'payment_requires_action' || fact.kind === 'payment_reversed')
      expect(fact.whopPaymentId).toBe('pay_story');
  });
});

describe('both payload shapes (2026-07-20 nested, 2026-09-15 account_id and bare ids) state the same facts', () => {
  const MAPPED = WHOP_FIXTURE_TYPES.filter(isHandledEventType);

  it.each(MAPPED)('%s', (type) => {
    const classic = mapWebhookToFact(buildWhopEventIn('2026-07-20', type), EVENT_ID);
    const dated = mapWebhookToFact(buildWhopEventIn('2026-09-15', type), EVENT_ID, STORY_REFERENCES);
    expect(classic.ok).toBe(true);
    expect(dated).toEqual(classic);
  });

  it('every fixture exists in both shapes, and the dated one carries account_id, never company_id', () => {
    for (const type of WHOP_FIXTURE_TYPES) {
      const dated = buildWhopEventIn('2026-09-15', type);
      expect(dated.account_id).toBe(COMPANY);
      expect(dated).not.toHaveProperty('company_id');
    }
  });

  it('without the lookups, a bare-id payment still maps (no email); a bare-id refund is unresolved_reference', () => {
    const failed = expectFact(mapWebhookToFact(buildWhopEventIn('2026-09-15', 'payment.failed'), 1));
    expect(failed).toMatchObject({ companyId: COMPANY, whopMembershipId: MEMBERSHIP, whopUserId: USER, memberEmail: null });
    expect(failed.withheld).toBeUndefined();
    expect(expectFailure(mapWebhookToFact(buildWhopEventIn('2026-09-15', 'refund.created'), 1), 'unresolved_reference')).toContain(PAYMENT);
  });

  it('referencesToResolve asks only for what a payload left out', () => {
    expect(referencesToResolve(buildWhopEventIn('2026-07-20', 'payment.failed'))).toEqual({ payments: [], memberships: [] });
    expect(referencesToResolve(buildWhopEventIn('2026-09-15', 'payment.failed'))).toEqual({ payments: [], memberships: [MEMBERSHIP] });
    expect(referencesToResolve(buildWhopEventIn('2026-09-15', 'membership.updated'))).toEqual({ payments: [], memberships: [MEMBERSHIP] });
    expect(referencesToResolve(buildWhopEventIn('2026-09-15', 'dispute.created'))).toEqual({ payments: [PAYMENT], memberships: [] });
    expect(referencesToResolve(buildWhopEventIn('2026-09-15', 'entry.created'))).toEqual({ payments: [], memberships: [] });
  });
});

describe('the new signals', () => {
  it('invoice.past_due is stored and ignored on purpose (the charge arrives as payment.failed)', () => {
    expectFailure(mapWebhookToFact(buildWhopEvent('invoice.past_due'), 1), 'unhandled_type');
  });

  it('a membership.updated that neither schedules nor undoes a cancellation is ignored; `left` too', () => {
    expectFailure(mapWebhookToFact(buildWhopEvent('membership.updated', { data: { cancel_at_period_end: false, cancelation_status: null } }), 1), 'unhandled_type');
    expectFailure(mapWebhookToFact(buildWhopEvent('membership.updated', { data: { cancel_at_period_end: false, cancelation_status: 'left' } }), 1), 'unhandled_type');
  });

  it('cancel_at_period_end_changed to false is an unscheduled cancellation even without a status', () => {
    const fact = expectFact(mapWebhookToFact(buildWhopEvent('membership.cancel_at_period_end_changed', { data: { cancel_at_period_end: false, cancelation_status: null } }), 1));
    expect(fact).toMatchObject({ kind: 'cancellation_unscheduled', cancellation: { cancelOption: 'too_expensive', cancelationStatus: null } });
  });

  it('fields Whop withholds without a permission are noted, and the fact still maps', () => {
    const body = buildWhopEvent('payment.requires_action', { data: { recovery_url: null, user: { email: null }, customer_phone: null } });
    const fact = expectFact(mapWebhookToFact(body, 1));
    expect(fact.withheld).toEqual(['email', 'phone', 'recovery_url']);
    expect(fact).toMatchObject({ kind: 'payment_requires_action', memberEmail: null, signals: { recoveryUrl: null } });
  });

  it('an unreadable next_payment_attempt is invalid_payload naming it; a bad card month is dropped', () => {
    expect(expectFailure(mapWebhookToFact(buildWhopEvent('payment.failed', { data: { next_payment_attempt: 'soon' } }), 1), 'invalid_payload')).toContain('data.next_payment_attempt');
    const fact = expectFact(mapWebhookToFact(buildWhopEvent('payment.failed', { data: { payment_method: { card: { exp_month: 13 } } } }), 1));
    expect(fact.signals).toMatchObject({ cardExpMonth: null, cardExpYear: null });
  });
});

describe('the intake reads the company of both shapes (per-company rate limit, the stored row)', () => {
  it.each(WHOP_FIXTURE_TYPES)('%s', (type) => {
    expect(companyIdOfDelivery(buildWhopEventIn('2026-07-20', type))).toBe(COMPANY);
    expect(companyIdOfDelivery(buildWhopEventIn('2026-09-15', type))).toBe(COMPANY);
  });
});
