import { describe, expect, it } from 'vitest';
import { isSameStatusChange, type StatusFactRef } from '../../src/domain/status-change.ts';
import { eventForMembership, eventForPayment, isSynthesizedWebhookId } from '../../src/integrations/whop/synthesized-events.ts';
import { mapWebhookToFact } from '../../src/integrations/whop/events/index.ts';

const NOW = new Date('2026-12-01T12:00:00.000Z');
const payment = (over: Record<string, unknown>) => ({
  id: 'pay_1', company: { id: 'biz_1' }, membership: { id: 'mem_1' }, user: { id: 'user_1', email: 'a@example.test' }, total: 10, subtotal: 10, currency: 'usd',
  created_at: '2026-12-01T10:00:00.000Z', updated_at: '2026-12-01T11:00:00.000Z', ...over,
});

describe('events reconciliation makes from Whop reads', () => {
  it.each([
    ['a failed attempt', { status: 'open', substatus: 'failed', last_payment_attempt: '2026-12-01T10:30:00.000Z', failure_message: 'declined' }, 'payment.failed'],
    ['a past-due payment', { status: 'open', substatus: 'past_due', last_payment_attempt: '2026-12-01T10:30:00.000Z' }, 'payment.failed'],
    ['a collected payment', { status: 'paid', substatus: 'succeeded', paid_at: '2026-12-01T10:45:00.000Z' }, 'payment.succeeded'],
    ['a draft', { status: 'draft', substatus: 'pending' }, null],
    ['a one-time purchase', { status: 'paid', paid_at: '2026-12-01T10:45:00.000Z', membership: null }, null],
  ])('%s → %s', (_what, over, type) => {
    expect(eventForPayment(payment(over) as never, 'biz_1', NOW)?.type ?? null).toBe(type);
  });

  it('the same unchanged object gives the same event id; a new attempt a new one', () => {
    const first = eventForPayment(payment({ status: 'open', substatus: 'failed', last_payment_attempt: '2026-12-01T10:30:00.000Z' }) as never, 'biz_1', NOW)!;
    const again = eventForPayment(payment({ status: 'open', substatus: 'failed', last_payment_attempt: '2026-12-01T10:30:00.000Z' }) as never, 'biz_1', new Date(NOW.getTime() + 60_000))!;
    const next = eventForPayment(payment({ status: 'open', substatus: 'failed', last_payment_attempt: '2026-12-02T10:30:00.000Z' }) as never, 'biz_1', NOW)!;
    expect(again.webhookId).toBe(first.webhookId);
    expect(next.webhookId).not.toBe(first.webhookId);
    expect(isSynthesizedWebhookId(first.webhookId)).toBe(true);
    expect(isSynthesizedWebhookId('msg_2abc')).toBe(false);
  });

  it('a synthesized failure maps to the same fact as the delivery of that attempt (same payment, kind and attempt time)', () => {
    const data = payment({ status: 'open', substatus: 'failed', last_payment_attempt: '2026-12-01T10:30:00.000Z', failure_message: 'declined' });
    const synthesized = mapWebhookToFact(eventForPayment(data as never, 'biz_1', NOW)!.body, null);
    // The delivery went out at the failure; the read came later, after an unrelated edit moved updated_at.
    const delivered = mapWebhookToFact({ id: 'msg_1', api_version: 'v1', type: 'payment.failed', timestamp: '2026-12-01T10:30:01.000Z', company_id: 'biz_1', data: { ...data, updated_at: '2026-12-01T10:30:00.500Z' } }, null);
    expect(synthesized.ok && delivered.ok).toBe(true);
    if (synthesized.ok && delivered.ok) expect(synthesized.fact).toEqual(delivered.fact);
  });

  it.each([
    ['canceled', 'membership.deactivated'],
    ['expired', 'membership.deactivated'],
    ['active', 'membership.activated'],
    ['past_due', null],
  ])('a %s membership → %s', (status, type) => {
    const membership = { id: 'mem_1', status, company: { id: 'biz_1' }, updated_at: '2026-12-01T11:00:00.000Z', created_at: '2026-01-01T00:00:00.000Z' };
    expect(eventForMembership(membership as never, 'biz_1', NOW)?.type ?? null).toBe(type);
  });
});

describe('a membership status change is one fact, whoever told us first', () => {
  const at = (h: number) => new Date(Date.UTC(2026, 11, 1, h));
  const fact = (id: number, kind: StatusFactRef['kind'], h: number, synthesized: boolean): StatusFactRef => ({ id, kind, occurredAt: at(h), synthesized });

  it.each([
    ['the delivery arrives after the reconciled read (earlier time)', [fact(1, 'membership_deactivated', 12, true)], { kind: 'membership_deactivated', h: 10, synthesized: false }, 1],
    ['the read comes after the delivery (later updated_at)', [fact(1, 'membership_deactivated', 10, false)], { kind: 'membership_deactivated', h: 12, synthesized: true }, 1],
    ['a re-activation in between separates two deactivations', [fact(1, 'membership_deactivated', 8, false), fact(2, 'membership_activated', 9, false)], { kind: 'membership_deactivated', h: 12, synthesized: true }, null],
    ['two deliveries stay two facts (no reconciliation involved)', [fact(1, 'membership_deactivated', 10, false)], { kind: 'membership_deactivated', h: 12, synthesized: false }, null],
    ['the opposite kind is a change', [fact(1, 'membership_deactivated', 10, true)], { kind: 'membership_activated', h: 12, synthesized: false }, null],
  ] as const)('%s', (_what, existing, incoming, sameAs) => {
    const same = isSameStatusChange(existing, { kind: incoming.kind, occurredAt: at(incoming.h), synthesized: incoming.synthesized });
    expect(same?.id ?? null).toBe(sameAs);
  });
});
