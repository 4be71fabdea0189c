import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MembershipFact } from '../../src/domain/membership-fact.ts';
import { storableText } from '../../src/domain/storable-text.ts';
import { FACT_LIMITS, validateFact } from '../../src/domain/validate-fact.ts';
import { mapWebhookToFact, normalizeLegacyV5 } from '../../src/integrations/whop/events/index.ts';
import { buildLegacyWhopEvent, buildWhopEvent } from '../support/whop-fixtures.ts';

const NOW = new Date('2026-12-01T12:00:00Z');
const fact = (patch: Partial<MembershipFact> = {}): MembershipFact => ({
  kind: 'payment_failed',
  companyId: 'biz_a',
  whopMembershipId: 'mem_a',
  whopUserId: 'user_a',
  memberEmail: 'a@example.test',
  whopPaymentId: 'pay_a',
  amountCents: 2999,
  currency: 'usd',
  reason: 'Your card was declined.',
  occurredAt: new Date('2026-11-30T09:00:00Z'),
  webhookEventId: 1,
  ...patch,
});

describe('validateFact: the one check every mapped fact passes', () => {
  it('accepts what Whop sends (the recorded fixtures, v1 and v5)', () => {
    for (const body of [buildWhopEvent('payment.failed'), buildLegacyWhopEvent('payment.failed')]) {
      const mapped = mapWebhookToFact(body, 1);
      expect(mapped.ok).toBe(true);
      if (mapped.ok) expect(validateFact(mapped.fact, NOW)).toEqual({ ok: true });
    }
  });

  it.each([
    ['a NUL in the membership id', { whopMembershipId: 'mem_\u0000' }, /membership id contains a NUL/],
    ['an id over the index limit', { whopPaymentId: `pay_${'x'.repeat(2700)}` }, /payment id is 2704 characters long/],
    ['a negative amount', { amountCents: -100 }, /not a non-negative whole number/],
    ['an absurd amount', { amountCents: 9e15 }, /over 1000000000 minor units/],
    ['year 0', { occurredAt: new Date('0000-01-01T00:00:00Z') }, /before 2015/],
    ['year 10000', { occurredAt: new Date('+010000-01-01T00:00:00Z') }, /in the future/],
    ['1969', { occurredAt: new Date(-1) }, /before 2015/],
    ['an invalid date', { occurredAt: new Date(NaN) }, /not a date/],
    ['a NUL in the reason', { reason: 'declined\u0000' }, /reason contains a NUL/],
    ['a currency that is no code', { currency: 'US$' }, /currency/],
  ] as const)('refuses %s, naming it', (_what, patch, problem) => {
    const verdict = validateFact(fact(patch as Partial<MembershipFact>), NOW);
    expect(verdict.ok).toBe(false);
    if (!verdict.ok) expect(verdict.problem).toMatch(problem);
  });

  it('property: whatever a fact holds, an accepted one is storable and plausible', () => {
    fc.assert(
      fc.property(
        fc.record({ whopMembershipId: fc.string({ maxLength: 300, unit: 'binary' }), reason: fc.option(fc.string({ unit: 'binary' })), amountCents: fc.option(fc.double()), occurredAt: fc.date({ noInvalidDate: false }) }),
        (patch) => {
          const candidate = fact(patch);
          const verdict = validateFact(candidate, NOW);
          if (!verdict.ok) return true;
          return (
            !candidate.whopMembershipId.includes('\u0000') &&
            candidate.whopMembershipId.length <= 200 &&
            (candidate.amountCents === null || (Number.isSafeInteger(candidate.amountCents) && candidate.amountCents >= 0 && candidate.amountCents <= FACT_LIMITS.maxAmountMinorUnits)) &&
            candidate.occurredAt.getTime() >= FACT_LIMITS.earliest &&
            candidate.occurredAt.getTime() <= NOW.getTime() + FACT_LIMITS.maxFutureMs
          );
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('hostile shapes never throw', () => {
  it('a 10,000-deep legacy body normalizes and maps without overflowing the stack', () => {
    const body = JSON.parse(`{"api_version":"v5","action":"payment.failed","company":"biz_deep","data":${'{"membership_id":"mem_deep","data":'.repeat(10_000)}{}${'}'.repeat(10_000)}}`);
    expect(() => normalizeLegacyV5(body)).not.toThrow();
    expect(mapWebhookToFact(body, 1).ok).toBe(false);
  });

  it('property: mapping any JSON, v1 or v5-shaped, returns a result and never throws', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), fc.constantFrom('v1', 'v5'), (data, version) => {
        const body = version === 'v5' ? { api_version: 'v5', action: 'payment.failed', company: 'biz_x', data } : { id: 'msg_x', api_version: 'v1', type: 'payment.failed', data };
        const mapped = mapWebhookToFact(body, 1);
        return typeof mapped.ok === 'boolean';
      }),
      { numRuns: 2000 },
    );
  });

  it('error text is always storable: NULs replaced, length bounded', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 5000 }), (text) => {
      const stored = storableText(text);
      return !stored.includes('\u0000') && stored.length <= 2000;
    }));
  });
});
