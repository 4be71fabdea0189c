import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sendDueNudges } from '../../src/services/send-due-nudges.ts';
import { DAY, startOutreachHarness, type OutreachHarness } from '../support/outreach-harness.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-database.ts';

const DAY0 = new Date('2026-05-04T15:00:00.000Z');
const at = (days: number) => new Date(DAY0.getTime() + days * DAY);

/**
 * #15: with "retry the payment first" on, our payments.retry never runs beside a retry Whop has
 * scheduled (a double charge), for a payment Whop did not mark retryable, or for an unusable card.
 * Day by day against the Whop fake, one injected clock.
 */
describe('payment retry guard, day by day', () => {
  let database: TestDatabase;
  let h: OutreachHarness;
  let seq = 0;
  let companyId: string;
  let membershipId: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    h = await startOutreachHarness(database, DAY0);
  });
  afterAll(async () => {
    await h?.close();
    await database?.close();
  });
  beforeEach(async () => {
    await database.sql.exec('UPDATE recovery_cases SET next_nudge_at = NULL');
    seq += 1;
    companyId = `biz_guard${seq}`;
    membershipId = `mem_guard${seq}`;
    h.whop.reset();
    h.smtp.reset();
    h.clock.set(DAY0);
    h.seedMember(membershipId, companyId, { email: `lee${seq}@example.test` });
    await h.saveSettings(companyId, { retry_payment_first: true });
  });

  const failPayment = (extra: Record<string, unknown>) =>
    h.deliver('payment.failed', { id: `pay_g${seq}`, membership: { id: membershipId }, user: { id: `user_${membershipId}`, email: `lee${seq}@example.test` }, total: 29.99, currency: 'usd', failure_message: 'Your card was declined.', last_payment_attempt: DAY0.toISOString(), card_exp_month: 12, card_exp_year: 2030, ...extra }, companyId);
  const sweep = async (days: number) => {
    h.clock.set(at(days));
    return sendDueNudges(h.deps);
  };
  const retries = () => h.whop.callsTo('POST', `/payments/pay_g${seq}/retry`);
  const pushes = () => h.whop.callsTo('POST', '/notifications').filter((c) => JSON.stringify(c.body).includes(`user_${membershipId}`));

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
