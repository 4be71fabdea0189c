import { describe, expect, it } from 'vitest';
import { MAX_DELIVERY_ATTEMPTS } from '../../src/domain/retry-backoff.ts';
import { recordOptOuts } from '../../src/db/repositories/nudges.repository.ts';
import { readClickToken } from '../../src/services/nudges/click-links.ts';
import { sendDueNudges } from '../../src/services/nudges/send-due-nudges.ts';
import { DAY, useNudgeScenario } from '../support/nudge-harness.ts';
import { decrypted } from '../support/test-keys.ts';

const DAY0 = new Date('2026-05-04T15:00:00.000Z');
const at = (days: number) => new Date(DAY0.getTime() + days * DAY);
/** The tracked links in a message, read back from their tokens. */
const trackedLinks = (text: string) => [...text.matchAll(/https:\/\/recover\.example\.test\/r\?t=(c1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)/g)].map((m) => readClickToken('test-signing-key', m[1]!));

describe('recovery outreach, day by day', () => {
  // Sweeps are global: earlier tests' cases stop before each test so counts speak of this test's case only.
  // The uniform reminder-days schedule (every channel on days 0, 2, 4), so playbooks off; they have their own scenario.
  const OFF = { decline_playbooks: false };
  const s = useNudgeScenario({ day0: DAY0, prefix: 'out', email: (seq) => `dana${seq}@example.test`, reset: ['whop', 'smtp'], settings: OFF });

  const failPayment = (days: number, extra: Record<string, unknown> = {}) =>
    s.h.deliver('payment.failed', { id: `pay_${s.seq}`, membership: { id: s.membershipId }, user: { id: `user_${s.membershipId}`, email: `dana${s.seq}@example.test`, name: 'Dana Reyes' }, total: 29.99, currency: 'usd', failure_message: 'Your card has insufficient funds.', last_payment_attempt: at(days).toISOString(), ...extra }, s.companyId);
  const sweep = async (days: number) => {
    s.h.clock.set(at(days));
    return sendDueNudges(s.h.deps);
  };
  const callsFor = (method: string, path: string) => s.h.whop.callsTo(method, path).filter((c) => JSON.stringify(c.body ?? '').includes(`user_${s.membershipId}`) || c.path.includes(s.membershipId));
  const deliveriesOf = async () =>
    (await s.database.sql.query<{ step: number; channel: string; status: string; attempts: number; rendered_body: string; error: string | null }>(
      `SELECT d.step, d.channel, d.status, d.attempts, d.rendered_body, d.error FROM deliveries d JOIN recovery_cases c ON c.id = d.case_id WHERE c.company_id = $1 ORDER BY d.step, d.channel`, [s.companyId])).rows.map(decrypted);
  const caseRow = async () => decrypted((await s.database.sql.query<Record<string, any>>(`SELECT * FROM recovery_cases WHERE company_id = $1`, [s.companyId])).rows[0]!);

  it('day 0: push, DM and email carry the manage link, 3 free days are granted once; day 1 nothing; day 2 a reminder; recovered day 3, no day-4 reminder', async () => {
    await failPayment(0);
    const day0 = await sweep(0);
    expect(day0).toMatchObject({ claimed: 1, sent: 1 });
    const manageUrl = `https://whop.com/billing/manage/${s.membershipId}`;

    const [grant] = s.h.whop.callsTo('POST', `/memberships/${s.membershipId}/add_free_days`);
    expect(grant?.body).toEqual({ free_days: 3 });
    const [push] = s.h.whop.callsTo('POST', '/notifications');
    expect(push?.body).toMatchObject({ experience_id: `exp_${s.companyId}`, user_ids: [`user_${s.membershipId}`] });
    const dms = s.h.whop.messagesTo(`user_${s.membershipId}`);
    expect(dms).toHaveLength(1);
    // Every manage link goes through our click redirect, one per channel, forwarding to Whop's page.
    expect(trackedLinks(dms[0]!.content)).toEqual([{ companyId: s.companyId, caseId: expect.any(String), step: 0, channel: 'dm', to: manageUrl }]);
    const [mail] = s.h.smtp.inbox(`dana${s.seq}@example.test`);
    expect(trackedLinks(mail!.text ?? "")).toEqual([expect.objectContaining({ step: 0, channel: 'email', to: manageUrl })]);
    expect(mail?.text).not.toContain(`${manageUrl}`);
    expect(mail?.text).toMatch(/3 free days/);
    expect(mail?.html).toMatch(/href="https:\/\/recover\.example\.test\/r\?t=c1\./);
    // The unsubscribe link is not a click towards a recovery: never wrapped.
    expect(mail?.text).toMatch(/Unsubscribe: https:\/\/recover\.example\.test\/api\/unsubscribe\?token=/);
    expect(mail?.headers['list-unsubscribe']).toMatch(/^<https:\/\/recover\.example\.test\/api\/unsubscribe\?token=/);
    expect((await deliveriesOf()).map((d) => `${d.step}:${d.channel}:${d.status}`)).toEqual(['0:dm:sent', '0:email:sent', '0:push:sent']);

    expect(await sweep(1)).toMatchObject({ claimed: 0 });
    expect(s.h.whop.callsTo('POST', '/notifications')).toHaveLength(1);

    expect(await sweep(2)).toMatchObject({ sent: 1 });
    expect(s.h.whop.callsTo('POST', '/notifications')).toHaveLength(2);
    expect(s.h.smtp.inbox(`dana${s.seq}@example.test`)).toHaveLength(2);
    expect(s.h.whop.callsTo('POST', `/memberships/${s.membershipId}/add_free_days`)).toHaveLength(1);
    const second = s.h.smtp.inbox(`dana${s.seq}@example.test`)[1]!;
    expect(second.text).not.toMatch(/free days/);

    s.h.clock.set(at(3));
    await s.h.deliver('payment.succeeded', { id: `pay_${s.seq}`, membership: { id: s.membershipId }, total: 29.99, currency: 'usd', paid_at: at(3).toISOString() }, s.companyId);
    expect(await caseRow()).toMatchObject({ status: 'recovered', next_nudge_at: null, steps_sent: 2 });
    expect(await sweep(4)).toMatchObject({ claimed: 0 });
    expect(await sweep(6)).toMatchObject({ claimed: 0 });
    expect(s.h.whop.callsTo('POST', '/notifications')).toHaveLength(2);

    const incentives = await s.database.sql.query<{ status: string; value: number; cost_cents: string }>(`SELECT i.status, i.value, i.cost_cents FROM incentives i JOIN recovery_cases c ON c.id = i.case_id WHERE c.company_id = $1`, [s.companyId]);
    expect(incentives.rows).toEqual([{ status: 'granted', value: 3, cost_cents: expect.anything() }]);
    expect(Number(incentives.rows[0]!.cost_cents)).toBe(Math.round((2999 * 3) / 30));
  });

  it('Whop answering 429 then OK makes one push, sent on the retry after Retry-After', async () => {
    s.h.whop.failNext('POST /notifications', [{ status: 429, headers: { 'retry-after': '40' } }]);
    await failPayment(0);
    expect(await sweep(0)).toMatchObject({ waiting: 1 });
    let push = (await deliveriesOf()).find((d) => d.channel === 'push')!;
    expect(push).toMatchObject({ status: 'pending', attempts: 1 });
    expect(await sweep(20 / 86_400)).toMatchObject({ claimed: 0 }); // 20 s later: still inside Retry-After
    expect(await sweep(60 / 86_400)).toMatchObject({ sent: 1 });
    push = (await deliveriesOf()).find((d) => d.channel === 'push')!;
    expect(push).toMatchObject({ status: 'sent', attempts: 2 });
    expect(s.h.whop.callsTo('POST', '/notifications')).toHaveLength(2);
    expect(s.h.whop.messagesTo(`user_${s.membershipId}`)).toHaveLength(1);
    expect(s.h.smtp.inbox(`dana${s.seq}@example.test`)).toHaveLength(1);
    expect((await caseRow()).steps_sent).toBe(1);
  });

  it('a 4xx from Whop is recorded as failed and never retried', async () => {
    s.h.whop.failNext('POST /messages', [{ status: 403, body: { error: { type: 'forbidden', message: 'Missing permission chat:message:create' } } }]);
    await failPayment(0);
    expect(await sweep(0)).toMatchObject({ sent: 1 });
    const dm = (await deliveriesOf()).find((d) => d.channel === 'dm')!;
    expect(dm).toMatchObject({ status: 'failed', attempts: 1 });
    expect(dm.error).toContain('403');
    await sweep(1);
    expect(s.h.whop.callsTo('POST', '/messages')).toHaveLength(1);
  });

  it('retries of a 5xx are dead-lettered after MAX_DELIVERY_ATTEMPTS attempts and the step still completes', async () => {
    s.h.whop.failNext('POST /notifications', Array.from({ length: MAX_DELIVERY_ATTEMPTS }, () => ({ status: 503 })));
    await failPayment(0);
    for (let minute = 0; minute < 24 * 60; minute += 30) await sweep(minute / 1440);
    const push = (await deliveriesOf()).find((d) => d.step === 0 && d.channel === 'push')!;
    expect(push).toMatchObject({ status: 'dead', attempts: MAX_DELIVERY_ATTEMPTS });
    expect((await caseRow()).steps_sent).toBe(1);
  });

  it('an unsubscribed address gets no email, the other channels still go out', async () => {
    await failPayment(0);
    await recordOptOuts(s.database.db, s.companyId, { email: `DANA${s.seq}@example.test` }, ['email'], { reason: 'unsubscribe', source: 'member' });
    await sweep(0);
    expect(s.h.smtp.inbox(`dana${s.seq}@example.test`)).toHaveLength(0);
    expect((await deliveriesOf()).find((d) => d.channel === 'email')).toMatchObject({ status: 'skipped', error: 'address unsubscribed' });
    expect(s.h.whop.callsTo('POST', '/notifications')).toHaveLength(1);
  });

  it('a duplicate delivery and a merged failure on the same day send no second day-0 nudge', async () => {
    await failPayment(0);
    await sweep(0);
    await failPayment(0.25, { failure_message: 'Your card was declined.' });
    await failPayment(0.25, { failure_message: 'Your card was declined.' });
    expect(await sweep(0.5)).toMatchObject({ claimed: 0 });
    expect(s.h.whop.callsTo('POST', '/notifications')).toHaveLength(1);
    expect(await caseRow()).toMatchObject({ failure_count: 2, steps_sent: 1 });
  });

  it('after three days of downtime the overdue reminders go out one at a time, min_gap_hours apart', async () => {
    await failPayment(0);
    expect(await sweep(3)).toMatchObject({ sent: 1 });
    expect(await sweep(3.25)).toMatchObject({ claimed: 0 });
    expect(await sweep(3.5)).toMatchObject({ sent: 1 });
    expect(s.h.whop.callsTo('POST', '/notifications')).toHaveLength(2);
    expect((await caseRow()).steps_sent).toBe(2);
  });

  it('two workers sweeping at once send every step once and grant free days once per case', async () => {
    const memberships = Array.from({ length: 12 }, (_, i) => `mem_pair${s.seq}_${i}`);
    for (const m of memberships) {
      s.h.seedMember(m, s.companyId);
      await s.h.deliver('payment.failed', { id: `pay_${m}`, membership: { id: m }, user: { id: `user_${m}`, email: `${m}@example.test` }, last_payment_attempt: DAY0.toISOString() }, s.companyId);
    }
    const [a, b] = await Promise.all([sendDueNudges(s.h.deps, { limit: 7 }), sendDueNudges(s.h.deps, { limit: 7 })]);
    await sendDueNudges(s.h.deps);
    expect(a.claimed + b.claimed).toBeGreaterThanOrEqual(12);
    for (const m of memberships) {
      expect(s.h.whop.callsTo('POST', `/memberships/${m}/add_free_days`), m).toHaveLength(1);
      expect(s.h.whop.messagesTo(`user_${m}`), m).toHaveLength(1);
    }
    expect(s.h.whop.callsTo('POST', '/notifications').filter((c) => String((c.body as { user_ids: string[] }).user_ids).includes('mem_pair'))).toHaveLength(12);
  });

  it('with payments.retry first, a retry that succeeds recovers the case and no message goes out', async () => {
    await s.h.saveSettings(s.companyId, { ...OFF, retry_payment_first: true });
    // Whop says a retry may pass, on a card still valid (#15: no retry on an expired card; this one expires 12/2030).
    await failPayment(0, { retryable: true, card_exp_month: 12, card_exp_year: 2030 });
    s.h.whop.setRetryOutcome(`pay_${s.seq}`, { id: `pay_${s.seq}`, total: 29.99, currency: 'usd', membership: { id: s.membershipId, status: 'active', phone_number: null } } as never);
    await sweep(0);
    expect(s.h.whop.callsTo('POST', `/payments/pay_${s.seq}/retry`)).toHaveLength(1);
    expect(await caseRow()).toMatchObject({ status: 'recovered', next_nudge_at: null });
    expect(Number((await caseRow()).recovered_cents)).toBe(2999);
    expect(s.h.whop.callsTo('POST', '/notifications')).toHaveLength(0);
    expect(s.h.smtp.messages).toHaveLength(0);
  });

  it('only the channels the creator enabled are used, on the reminder days they chose', async () => {
    await s.h.saveSettings(s.companyId, { ...OFF, enable_push: false, enable_dm: false, reminder_offsets_days: [1, 5], incentive_days: 0 });
    await failPayment(0);
    expect(await sweep(0)).toMatchObject({ claimed: 0 });
    expect(await sweep(1)).toMatchObject({ sent: 1 });
    expect(s.h.whop.callsTo('POST', '/notifications')).toHaveLength(0);
    expect(s.h.whop.callsTo('POST', `/memberships/${s.membershipId}/add_free_days`)).toHaveLength(0);
    expect(s.h.smtp.inbox(`dana${s.seq}@example.test`)).toHaveLength(1);
    expect(await sweep(4.9)).toMatchObject({ claimed: 0 });
    expect(await sweep(5)).toMatchObject({ sent: 1 });
  });
});

describe('recovery outreach with nothing configured (embedded default)', () => {
  const s = useNudgeScenario({ day0: DAY0, outbox: true });

  it("records the step's channels as outbox with the text that would have gone out", async () => {
    await s.h.deliver('payment.failed', { id: 'pay_box', membership: { id: 'mem_box' }, user: { id: 'user_box', email: 'box@example.test', name: 'Bo' }, last_payment_attempt: DAY0.toISOString() }, 'biz_box');
    // The default playbook of the fixture's bank decline (card_declined): push and email a day later.
    expect(await sendDueNudges(s.h.deps)).toMatchObject({ sent: 0 });
    s.h.clock.set(at(1));
    expect(await sendDueNudges(s.h.deps)).toMatchObject({ sent: 1 });
    const { rows } = await s.database.sql.query<{ channel: string; status: string; rendered_body: string }>(`SELECT channel, status, rendered_body FROM deliveries ORDER BY channel`);
    expect(rows.map((r) => `${r.channel}:${r.status}`)).toEqual(['email:outbox', 'push:outbox']);
    for (const r of rows.map(decrypted)) expect(trackedLinks(r.rendered_body).map((l) => l?.to)).toEqual(['https://whop.com/billing/manage/mem_box']);
    expect(s.h.whop.calls).toHaveLength(0);
    expect(s.h.smtp.messages).toHaveLength(0);
  });

  it('the free days cannot be granted without Whop: the incentive resolves as not granted (why), and no message promises them', async () => {
    const { rows: incentives } = await s.database.sql.query<{ status: string; error: string }>(`SELECT status, error FROM incentives`);
    expect(incentives).toEqual([{ status: 'failed', error: 'not granted: no Whop API key (outbox mode)' }]);
    const { rows } = await s.database.sql.query<{ rendered_body: string }>(`SELECT rendered_body FROM deliveries`);
    for (const r of rows.map(decrypted)) expect(r.rendered_body).not.toMatch(/free day/i);
  });
});
