import { describe, expect, it } from 'vitest';
import { sendDueNudges } from '../../src/services/nudges/send-due-nudges.ts';
import { DAY, useNudgeScenario } from '../support/nudge-harness.ts';

const DAY0 = new Date('2026-05-04T15:00:00.000Z');
const at = (days: number) => new Date(DAY0.getTime() + days * DAY);

/**
 * #15: with "retry the payment first" on, our payments.retry never runs beside a retry Whop has
 * scheduled (a double charge), for a payment Whop did not mark retryable, or for an unusable card.
 * Day by day against the Whop fake, one injected clock.
 */
describe('payment retry guard, day by day', () => {
  // retry_payment_first on the uniform [0, 2, 4] days (playbooks off); playbook steps' retries are in playbooks.scenario.test.ts.
  const s = useNudgeScenario({ day0: DAY0, prefix: 'guard', email: (seq) => `lee${seq}@example.test`, reset: ['whop', 'smtp'], settings: { decline_playbooks: false, retry_payment_first: true } });

  const failPayment = (extra: Record<string, unknown>) =>
    s.h.deliver('payment.failed', { id: `pay_g${s.seq}`, membership: { id: s.membershipId }, user: { id: `user_${s.membershipId}`, email: `lee${s.seq}@example.test` }, total: 29.99, currency: 'usd', failure_message: 'Your card was declined.', last_payment_attempt: DAY0.toISOString(), card_exp_month: 12, card_exp_year: 2030, ...extra }, s.companyId);
  const sweep = async (days: number) => {
    s.h.clock.set(at(days));
    return sendDueNudges(s.h.deps);
  };
  const retries = () => s.h.whop.callsTo('POST', `/payments/pay_g${s.seq}/retry`);
  const pushes = () => s.h.whop.callsTo('POST', '/notifications').filter((c) => JSON.stringify(c.body).includes(`user_${s.membershipId}`));

  it('while Whop has its own attempt scheduled we do not retry; once it has passed, the next step does', async () => {
    await failPayment({ decline_code: 'do_not_honor', retryable: true, next_payment_attempt: at(1).toISOString() });
    await sweep(0);
    expect(retries()).toHaveLength(0);
    expect(pushes()).toHaveLength(1); // the message still goes out
    await sweep(2); // the day-2 reminder of the default [0, 2, 4]: Whop's day-1 attempt is behind us
    expect(retries()).toHaveLength(1);
  });

  it('a payment Whop did not mark retryable is never retried, and the member is still nudged', async () => {
    await failPayment({ decline_code: 'do_not_honor', retryable: false, next_payment_attempt: null });
    await sweep(0);
    await sweep(2);
    expect(retries()).toHaveLength(0);
    expect(pushes()).toHaveLength(2);
  });

  it('an expired card is never retried, even when Whop calls the payment retryable', async () => {
    await failPayment({ decline_code: 'expired_card', failure_message: 'Your card has expired.', retryable: true, next_payment_attempt: null });
    await sweep(0);
    await sweep(2);
    await sweep(4);
    expect(retries()).toHaveLength(0);
    expect(pushes()).toHaveLength(3);
  });

  it('a card past its expiry month is never retried, whatever the decline code says', async () => {
    await failPayment({ decline_code: 'do_not_honor', retryable: true, next_payment_attempt: null, card_exp_month: 3, card_exp_year: 2026 });
    await sweep(0);
    await sweep(2);
    await sweep(4);
    expect(retries()).toHaveLength(0);
    expect(pushes()).toHaveLength(3);
  });
});
