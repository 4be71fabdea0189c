import { readableEventDetail } from '../../src/db/encrypted-text.ts';
import { describe, expect, it } from 'vitest';
import { readClickToken } from '../../src/services/nudges/click-links.ts';
import { sendDueNudges } from '../../src/services/nudges/send-due-nudges.ts';
import { DAY, useNudgeScenario } from '../support/nudge-harness.ts';

/** Monday 4 May 2026, 15:00 UTC (11:00 in New York). */
const DAY0 = new Date('2026-05-04T15:00:00.000Z');
const HOUR = 3_600_000;
const at = (days: number, hours = 0) => new Date(DAY0.getTime() + days * DAY + hours * HOUR);

/**
 * #15 §1, day by day with one injected clock, against the Whop fake and the SMTP fake: by default
 * (decline_playbooks is on unless a company turns it off) each case follows its decline category's
 * playbook inside Whop's window, and the contact policy holds back what should not reach the member.
 */
describe('playbooks by decline category, day by day', () => {
  const s = useNudgeScenario({ day0: DAY0, prefix: 'pb', email: (seq) => `pb${seq}@example.test`, reset: ['whop', 'smtp'], settings: {} });

  const fail = (extra: Record<string, unknown>, n = '') =>
    s.h.deliver(
      'payment.failed',
      { id: `pay_pb${s.seq}${n}`, membership: { id: `${s.membershipId}${n}` }, user: { id: `user_${s.membershipId}`, email: `pb${s.seq}@example.test` }, total: 29.99, currency: 'usd', last_payment_attempt: s.h.clock.now().toISOString(), card_exp_month: 12, card_exp_year: 2030, next_payment_attempt: null, ...extra },
      s.companyId,
    );
  const sweepAt = async (when: Date) => {
    s.h.clock.set(when);
    return sendDueNudges(s.h.deps);
  };
  const pushes = () => s.h.whop.callsTo('POST', '/notifications').filter((c) => JSON.stringify(c.body).includes(`user_${s.membershipId}`));
  const emails = () => s.h.smtp.inbox(`pb${s.seq}@example.test`);
  const retries = () => s.h.whop.callsTo('POST', `/payments/pay_pb${s.seq}/retry`);
  const nudgesSent = async () =>
    (await s.database.sql.query<{ at: Date; detail: { step: number } }>(`SELECT e.at, e.detail FROM case_events e JOIN recovery_cases c ON c.id = e.case_id WHERE c.company_id = $1 AND e.reason = 'nudge_sent' ORDER BY e.at`, [s.companyId])).rows;
  const held = async () =>
    (await s.database.sql.query<{ detail: { step: number; why: string; until: string | null } }>(`SELECT e.detail FROM case_events e JOIN recovery_cases c ON c.id = e.case_id WHERE c.company_id = $1 AND e.reason = 'nudge_held' ORDER BY e.id`, [s.companyId])).rows.map((r) => readableEventDetail(r.detail));

  it('an expired card never gets a retry and gets the "new card" copy on every step', async () => {
    await fail({ decline_code: 'expired_card', failure_message: 'Your card has expired.', retryable: true });
    for (let day = 0; day <= 6; day++) await sweepAt(at(day, 1));
    expect(retries()).toHaveLength(0);
    expect((await nudgesSent()).map((n) => n.detail.step)).toEqual([0, 1, 2]);
    expect(emails().length).toBe(3);
    for (const mail of emails()) expect(mail.text).toMatch(/new card/i);
    for (const push of pushes()) expect(JSON.stringify(push.body)).toMatch(/new one|new card/i);
  });

  it('insufficient funds: a note at once, then the ask (with a retry) on the payday, not before', async () => {
    await fail({ decline_code: 'insufficient_funds', failure_message: 'Insufficient funds', retryable: true });
    s.h.whop.setRetryOutcome(`pay_pb${s.seq}`, { status: 'open', substatus: 'failed' }); // the payday retry fails: the ask goes out
    await sweepAt(at(0, 0));
    expect(emails()).toHaveLength(1); // step 0: email only
    expect(pushes()).toHaveLength(0);
    // The next likely payday on or after 5 May 15:00 UTC is Friday 15 May, 09:00 UTC (no quiet hours: UTC).
    await sweepAt(new Date('2026-05-15T08:59:00Z'));
    expect(pushes()).toHaveLength(0);
    await sweepAt(new Date('2026-05-15T09:00:00Z'));
    expect(pushes()).toHaveLength(1);
    expect(retries()).toHaveLength(1); // Whop has no attempt scheduled and marked the payment retryable
    expect((await nudgesSent()).map((n) => n.at.toISOString())).toEqual([at(0).toISOString(), '2026-05-15T09:00:00.000Z']);
  });

  it('a requires_action case sends the recovery URL on push and DM at the first sweep, seconds later', async () => {
    await s.h.deliver('payment.requires_action', { id: `pay_pb${s.seq}`, membership: { id: s.membershipId }, user: { id: `user_${s.membershipId}`, email: `pb${s.seq}@example.test` }, total: 29.99, currency: 'usd', recovery_url: `https://whop.com/billing/recover/pay_pb${s.seq}`, last_payment_attempt: DAY0.toISOString() }, s.companyId);
    // One NUDGE_INTERVAL_SECONDS (5 s by default) later:
    await sweepAt(new Date(DAY0.getTime() + 5_000));
    const [push] = pushes();
    const dms = s.h.whop.callsTo('POST', '/messages');
    expect(push).toBeDefined();
    expect(dms.length).toBe(1);
    expect(emails()).toHaveLength(0); // the default step 0 is push + DM
    for (const body of [JSON.stringify(push!.body), JSON.stringify(dms[0]!.body)]) {
      const token = /\/r\?t=([A-Za-z0-9._-]+)/.exec(body)?.[1];
      expect(readClickToken('test-signing-key', token!)?.to).toBe(`https://whop.com/billing/recover/pay_pb${s.seq}`);
      expect(body).toMatch(/confirm/i);
    }
  });

  it("nothing is planned past Whop's cancel: the last step comes 12 hours before it", async () => {
    // Whop retries on day 1, so its cancel is read as day 2 (see docs/playbooks.md).
    await fail({ decline_code: null, failure_message: 'Something went wrong.', retryable: true, next_payment_attempt: at(1).toISOString() });
    for (let hour = 0; hour <= 10 * 24; hour += 6) await sweepAt(at(0, hour));
    const sent = await nudgesSent();
    expect(sent.map((n) => n.detail.step)).toEqual([0, 2]); // step 1 (48 h) would fall after the last call
    expect(sent.at(-1)!.at.getTime()).toBe(at(1, 12).getTime());
    for (const n of sent) expect(n.at.getTime()).toBeLessThan(at(2).getTime());
  });

  it("insufficient funds: paydays are read in the company's zone (Whop sends no member zone)", async () => {
    // The company's zone is the one of its quiet hours; 09:00 in New York is 13:00 UTC in May.
    await s.h.saveSettings(s.companyId, { quiet_hours: { start_hour: 22, end_hour: 7, timezone: 'America/New_York' } });
    await fail({ decline_code: 'insufficient_funds', failure_message: 'Insufficient funds', retryable: true });
    s.h.whop.setRetryOutcome(`pay_pb${s.seq}`, { status: 'open', substatus: 'failed' });
    await sweepAt(at(0, 0));
    await sweepAt(new Date('2026-05-15T12:59:00Z')); // 08:59 New York: not yet
    expect(pushes()).toHaveLength(0);
    await sweepAt(new Date('2026-05-15T13:00:00Z'));
    expect(pushes()).toHaveLength(1);
    expect((await nudgesSent()).map((n) => n.at.toISOString())).toEqual([at(0).toISOString(), '2026-05-15T13:00:00.000Z']);
  });

  it('a company whose stored settings predate the switch (no decline_playbooks key) gets playbooks; one that turned them off gets the uniform days', async () => {
    // Written as an older version stored it: no decline_playbooks key at all.
    await s.database.sql.query(`INSERT INTO company_settings (company_id, version, settings) VALUES ($1, 100, '{"holdout_percent": 0, "reminder_offsets_days": [0, 2, 4]}')`, [s.companyId]);
    await fail({ decline_code: 'insufficient_funds', failure_message: 'Insufficient funds', retryable: true });
    await sweepAt(at(0, 1));
    // The insufficient-funds playbook's step 0: an email only (the uniform days would push and DM too).
    expect(emails()).toHaveLength(1);
    expect(pushes()).toHaveLength(0);
    expect(s.h.whop.callsTo('POST', '/messages')).toHaveLength(0);
    // Off: the same failure gets the day-0 reminder on every channel, then day 2, with no retry.
    const off = `${s.companyId}off`;
    s.h.seedMember(`${s.membershipId}off`, off, { email: `pboff${s.seq}@example.test`, userId: `user_${s.membershipId}off` });
    await s.h.saveSettings(off, { decline_playbooks: false });
    await s.h.deliver('payment.failed', { id: `pay_pboff${s.seq}`, membership: { id: `${s.membershipId}off` }, user: { id: `user_${s.membershipId}off`, email: `pboff${s.seq}@example.test` }, total: 29.99, currency: 'usd', decline_code: 'insufficient_funds', failure_message: 'Insufficient funds', retryable: true, last_payment_attempt: at(0, 1).toISOString(), next_payment_attempt: null }, off);
    await sweepAt(at(0, 1));
    expect(s.h.smtp.inbox(`pboff${s.seq}@example.test`)).toHaveLength(1);
    expect(s.h.whop.messagesTo(`user_${s.membershipId}off`)).toHaveLength(1);
    expect(s.h.whop.callsTo('POST', `/payments/pay_pboff${s.seq}/retry`)).toHaveLength(0);
    await sweepAt(at(2, 1));
    expect(s.h.smtp.inbox(`pboff${s.seq}@example.test`)).toHaveLength(2); // day 2, not the payday (15 May)
  });

  it('quiet hours move a send to their end, in the company zone', async () => {
    await s.h.saveSettings(s.companyId, { quiet_hours: { start_hour: 22, end_hour: 8, timezone: 'America/New_York' } });
    s.h.clock.set(at(0, 13)); // 04:00 UTC on 5 May, 00:00 in New York: quiet
    await fail({ decline_code: 'expired_card' });
    await sweepAt(at(0, 13));
    expect(pushes()).toHaveLength(0);
    await sweepAt(at(0, 20)); // 11:00 UTC, 07:00 New York: still quiet
    expect(pushes()).toHaveLength(0);
    await sweepAt(at(0, 21)); // 12:00 UTC, 08:00 New York
    expect(pushes()).toHaveLength(1);
  });

  it('the per-member cap holds across two cases of the same member', async () => {
    await s.h.saveSettings(s.companyId, { member_cap: { max_nudges: 1, window_hours: 24 } });
    s.h.seedMember(`${s.membershipId}b`, s.companyId, { email: `pb${s.seq}@example.test`, userId: `user_${s.membershipId}` });
    await fail({ decline_code: 'expired_card' });
    await fail({ decline_code: 'expired_card' }, 'b');
    await sweepAt(at(0, 0));
    expect((await nudgesSent()).length).toBe(1);
    expect(await held()).toEqual([{ step: 0, why: 'member_cap', until: at(1).toISOString() }]);
    await sweepAt(at(0, 23));
    expect((await nudgesSent()).length).toBe(1);
    await sweepAt(at(1));
    expect((await nudgesSent()).length).toBe(2);
  });
});

describe('playbooks and the control group', () => {
  const s = useNudgeScenario({ day0: DAY0, reset: ['whop', 'smtp'] });

  it('held-out members get nothing, not even the recovery link of a requires_action', async () => {
    const company = 'biz_pbhold';
    await s.h.saveSettings(company, { holdout_percent: 50 });
    const members = 20;
    for (let i = 0; i < members; i++) {
      s.h.seedMember(`mem_pbh${i}`, company, { userId: `user_pbh${i}`, email: `pbh${i}@example.test` });
      await s.h.deliver('payment.requires_action', { id: `pay_pbh${i}`, membership: { id: `mem_pbh${i}` }, user: { id: `user_pbh${i}`, email: `pbh${i}@example.test` }, total: 10, currency: 'usd', recovery_url: `https://whop.com/billing/recover/pay_pbh${i}`, last_payment_attempt: DAY0.toISOString() }, company);
    }
    for (let day = 0; day <= 4; day++) {
      s.h.clock.set(at(day, 1));
      await sendDueNudges(s.h.deps);
    }
    const { rows } = await s.database.sql.query<{ whop_user_id: string; holdout: boolean; steps_sent: number }>(`SELECT whop_user_id, holdout, steps_sent FROM recovery_cases WHERE company_id = $1`, [company]);
    const heldOut = rows.filter((r) => r.holdout);
    // Binomial(20, 0.5): all in one group with probability 2 in a million.
    expect(heldOut.length).toBeGreaterThan(0);
    expect(heldOut.length).toBeLessThan(members);
    const calls = JSON.stringify([...s.h.whop.callsTo('POST', '/notifications'), ...s.h.whop.callsTo('POST', '/messages')]);
    for (const r of heldOut) {
      expect(r.steps_sent).toBe(0);
      expect(calls).not.toContain(`"${r.whop_user_id}"`);
      expect(s.h.smtp.inbox(`pbh${r.whop_user_id.slice('user_pbh'.length)}@example.test`)).toHaveLength(0);
    }
    for (const r of rows.filter((x) => !x.holdout)) expect(r.steps_sent).toBeGreaterThan(0);
  });
});
