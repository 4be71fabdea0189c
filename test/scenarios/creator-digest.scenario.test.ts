import { describe, expect, it } from 'vitest';
import { sendCreatorDigests } from '../../src/services/digest/send-creator-digests.ts';
import { DAY, useNudgeScenario } from '../support/nudge-harness.ts';

const DAY0 = new Date('2026-05-04T15:00:00.000Z');
const at = (days: number, hours = 0) => new Date(DAY0.getTime() + days * DAY + hours * 3_600_000);

/**
 * #15 §1: a creator who asks for the daily digest gets one email a day with the day's failures and
 * recoveries (figures, no member data), at the hour chosen, once whatever the number of runs.
 */
describe('creator daily digest', () => {
  const s = useNudgeScenario({ day0: DAY0, prefix: 'digest', reset: ['whop', 'smtp'], settings: { digest: { email: 'owner@northwind.test', hour_utc: 9 } } });
  const run = (when: Date) => {
    s.h.clock.set(when);
    return sendCreatorDigests({ db: s.database.db, clock: s.h.clock, email: s.h.deps.email!, publicUrl: 'https://recover.example.test' });
  };
  const fail = (n: number, extra: Record<string, unknown>) =>
    s.h.deliver('payment.failed', { id: `pay_d${s.seq}_${n}`, membership: { id: `${s.membershipId}_${n}` }, user: { id: `user_d${s.seq}_${n}`, email: `m${n}@example.test` }, total: 20, currency: 'usd', failure_message: 'declined', card_exp_month: 12, card_exp_year: 2030, last_payment_attempt: DAY0.toISOString(), created_at: DAY0.toISOString(), ...extra }, s.companyId);

  it("the next morning, at the creator's hour, one digest names the day's failures by reason, with no member data", async () => {
    await fail(1, { decline_code: 'insufficient_funds' });
    await fail(2, { decline_code: 'expired_card', card_exp_month: 1, card_exp_year: 2026 });
    expect(await run(at(1, -7))).toMatchObject({ sent: 0 }); // 08:00 UTC on day 1: before the hour
    const first = await run(at(1, -5)); // 10:00 UTC on day 1
    expect(first.sent).toBe(1);
    const [mail] = s.h.smtp.inbox('owner@northwind.test');
    expect(mail?.subject).toBe('Churn Saver daily digest: 2 new, 0 recovered');
    expect(mail?.text).toContain('New failed payments: 2 ($40.00) at risk');
    expect(mail?.text).toContain('insufficient funds: 1');
    expect(mail?.text).toContain('card unusable (expired, lost, closed): 1');
    expect(mail?.text).not.toMatch(/m1@example\.test|user_d|mem_/);
  });

  it('a second run (or a second worker) the same day sends nothing more', async () => {
    await fail(1, { decline_code: 'insufficient_funds' });
    const runs = await Promise.all([run(at(1, -5)), run(at(1, -5))]);
    expect(runs.reduce((n, r) => n + r.sent, 0)).toBe(1);
    expect((await run(at(1, 2))).sent).toBe(0);
    expect(s.h.smtp.inbox('owner@northwind.test')).toHaveLength(1);
  });
});
