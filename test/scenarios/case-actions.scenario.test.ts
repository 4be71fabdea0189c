import { beforeEach, describe, expect, it } from 'vitest';
import { cancelCase } from '../../src/services/cases/cancel-case.ts';
import { cancelMembership } from '../../src/services/cases/cancel-membership.ts';
import { nudgeCaseNow } from '../../src/services/nudges/nudge-case-now.ts';
import { sendDueNudges } from '../../src/services/nudges/send-due-nudges.ts';
import { DAY, useNudgeScenario } from '../support/nudge-harness.ts';
import { presentCase } from '../../src/presenters/cases.presenter.ts';

const DAY0 = new Date('2026-06-01T12:00:00.000Z');
const at = (days: number) => new Date(DAY0.getTime() + days * DAY);

describe('manual actions on a case', () => {
  const s = useNudgeScenario({ day0: DAY0, prefix: 'act' });
  let caseId: string;

  // After the shared setup: this test's member fails a payment and is nudged once, by the default
  // playbook of the fixture's bank decline: push + email a day later, after our retry (failing here).
  beforeEach(async () => {
    s.h.whop.setRetryOutcome(`pay_act${s.seq}`, { status: 'open', substatus: 'failed' });
    await s.h.deliver('payment.failed', { id: `pay_act${s.seq}`, membership: { id: s.membershipId }, user: { id: `user_${s.membershipId}`, email: `act${s.seq}@example.test` }, last_payment_attempt: DAY0.toISOString() }, s.companyId);
    caseId = (await s.database.sql.query<{ id: string }>(`SELECT id FROM recovery_cases WHERE company_id = $1`, [s.companyId])).rows[0]!.id;
    s.h.clock.set(at(1));
    expect(await sendDueNudges(s.h.deps)).toMatchObject({ sent: 1 });
  });
  const caseRow = async () => (await s.database.sql.query<Record<string, any>>(`SELECT * FROM recovery_cases WHERE id = $1`, [caseId])).rows[0]!;
  const actionsOf = async () =>
    (await s.database.sql.query<{ reason: string; actor: string }>(`SELECT reason, actor FROM case_events WHERE case_id = $1 AND source = 'action' ORDER BY id`, [caseId])).rows;

  it('"nudge now" within min_gap_hours is refused with when it will be allowed; an operator may force it', async () => {
    s.h.clock.set(at(1.1));
    const refused = await nudgeCaseNow(s.h.deps, { companyId: s.companyId, caseId, actor: 'creator:user_owner' });
    expect(refused).toMatchObject({ ok: false, reason: 'too_soon', allowedAt: at(1.5) });
    expect(s.h.whop.messagesTo(`user_${s.membershipId}`)).toHaveLength(0);
    const forced = await nudgeCaseNow(s.h.deps, { companyId: s.companyId, caseId, actor: 'operator:ops@example.test', force: true });
    expect(forced).toMatchObject({ ok: true, result: { ok: true, outcome: 'sent', step: 1 } });
    expect(s.h.whop.messagesTo(`user_${s.membershipId}`)).toHaveLength(1); // the playbook's step 1: email + DM
    expect(await actionsOf()).toEqual([{ reason: 'nudge_requested', actor: 'operator:ops@example.test' }]);
    expect((await caseRow()).steps_sent).toBe(2);
  });

  it('cancelling a case closes it, stops nudges, and later actions are refused with a reason', async () => {
    const result = await cancelCase(s.h.deps, { companyId: s.companyId, caseId, actor: 'creator:user_owner', why: 'member asked us to stop' });
    expect(result).toEqual({ ok: true, caseId });
    expect(await caseRow()).toMatchObject({ status: 'closed_no_recovery', next_nudge_at: null });
    expect(await sendDueNudges({ ...s.h.deps, clock: { now: () => at(5) } })).toMatchObject({ claimed: 0 });
    expect(await actionsOf()).toEqual([{ reason: 'case_cancelled', actor: 'creator:user_owner' }]);
    // The creator's free text is stored encrypted and shown decrypted on the case page.
    const stored = await s.database.sql.query<{ why: string }>(`SELECT detail->>'why' AS why FROM case_events WHERE case_id = $1 AND reason = 'case_cancelled'`, [caseId]);
    expect(stored.rows[0]!.why).toMatch(/^enc:v1:/);
    const shown = await presentCase(s.companyId, s.database.db, caseId);
    expect(shown!.timeline.find((e) => e.reason === 'case_cancelled')!.detail).toEqual({ why: 'member asked us to stop' });
    expect(await nudgeCaseNow(s.h.deps, { companyId: s.companyId, caseId, actor: 'x', force: true })).toMatchObject({ ok: false, reason: 'case_closed' });
    expect(await cancelCase(s.h.deps, { companyId: s.companyId, caseId, actor: 'x' })).toMatchObject({ ok: false, reason: 'case_closed' });
  });

  it.each([
    ['at_period_end', 'membership_cancel_at_period_end'],
    ['immediate', 'membership_terminated'],
  ] as const)('cancel-membership (%s) calls Whop with that mode, records who did it, and closes the case', async (mode, reason) => {
    const result = await cancelMembership(s.h.deps, { companyId: s.companyId, caseId, mode, actor: 'creator:user_owner' });
    expect(result).toEqual({ ok: true, caseId, mode });
    // cancel_at_period_end is always explicit: at 2026-09-15 a cancel without it revokes access at once.
    expect(s.h.whop.callsTo('POST', `/memberships/${s.membershipId}/cancel`).map((c) => c.body)).toEqual([{ cancellation_mode: mode, cancel_at_period_end: mode === 'at_period_end' }]);
    expect(s.h.whop.cancellations.filter((x) => x.membershipId === s.membershipId).map((x) => x.effect)).toEqual([mode]);
    expect((await actionsOf()).map((a) => a.reason)).toEqual([reason, 'case_cancelled']);
    expect((await caseRow()).status).toBe('closed_no_recovery');
  });

  it('when Whop refuses the cancellation, the case stays open and the failure is on the timeline', async () => {
    s.h.whop.failNext('POST /memberships/:id/cancel', [{ status: 403, body: { error: { type: 'forbidden', message: 'missing membership:cancel' } } }]);
    const result = await cancelMembership(s.h.deps, { companyId: s.companyId, caseId, mode: 'immediate', actor: 'creator:user_owner' });
    expect(result).toMatchObject({ ok: false, reason: 'whop_failed' });
    expect((await caseRow()).status).toBe('open');
    expect((await actionsOf()).map((a) => a.reason)).toEqual(['membership_cancel_failed']);
  });

  it('another company cannot act on this case: it is not found', async () => {
    expect(await cancelCase(s.h.deps, { companyId: 'biz_intruder', caseId, actor: 'creator:intruder' })).toMatchObject({ ok: false, reason: 'not_found' });
    expect(await nudgeCaseNow(s.h.deps, { companyId: 'biz_intruder', caseId, actor: 'creator:intruder', force: true })).toMatchObject({ ok: false, reason: 'not_found' });
    expect(await cancelMembership(s.h.deps, { companyId: 'biz_intruder', caseId, mode: 'immediate', actor: 'creator:intruder' })).toMatchObject({ ok: false, reason: 'not_found' });
    expect(s.h.whop.callsTo('POST', `/memberships/${s.membershipId}/cancel`)).toHaveLength(0);
    expect((await caseRow()).status).toBe('open');
  });

  it('a recovered case refuses every action with case_recovered', async () => {
    s.h.clock.set(at(1));
    await s.h.deliver('payment.succeeded', { id: `pay_act${s.seq}`, membership: { id: s.membershipId }, paid_at: at(1).toISOString() }, s.companyId);
    for (const result of [
      await nudgeCaseNow(s.h.deps, { companyId: s.companyId, caseId, actor: 'x', force: true }),
      await cancelCase(s.h.deps, { companyId: s.companyId, caseId, actor: 'x' }),
      await cancelMembership(s.h.deps, { companyId: s.companyId, caseId, mode: 'immediate', actor: 'x' }),
    ])
      expect(result).toMatchObject({ ok: false, reason: 'case_recovered' });
  });
});

describe('company settings are versioned', () => {
  const s = useNudgeScenario({ day0: DAY0 });

  it('a template with an unknown placeholder is refused, naming the template and the placeholder', async () => {
    const { updateCompanySettings } = await import('../../src/services/settings/update-company-settings.ts');
    const result = await updateCompanySettings(s.h.deps, { companyId: 'biz_set', actor: 'creator:u', settings: { templates: { email: { subject: { card_expired: 'Use {coupon} now' } } } } });
    expect(result).toMatchObject({ ok: false, reason: 'invalid_settings' });
    if (!result.ok) expect(result.problems).toContainEqual({ field: 'templates.email.subject.card_expired', message: expect.stringContaining('{coupon}') });
  });

  it('editing settings never rewrites a running case: it keeps its reminder days, new cases get the new ones', async () => {
    s.h.seedMember('mem_v1', 'biz_ver');
    s.h.seedMember('mem_v2', 'biz_ver');
    // Reminder days are what is edited here, so playbooks are off.
    await s.h.saveSettings('biz_ver', { decline_playbooks: false, reminder_offsets_days: [0, 2, 4] });
    await s.h.deliver('payment.failed', { id: 'pay_v1', membership: { id: 'mem_v1' }, last_payment_attempt: DAY0.toISOString() }, 'biz_ver');
    await s.h.saveSettings('biz_ver', { decline_playbooks: false, reminder_offsets_days: [1, 3], min_gap_hours: 0 });
    await s.h.deliver('payment.failed', { id: 'pay_v2', membership: { id: 'mem_v2' }, last_payment_attempt: DAY0.toISOString() }, 'biz_ver');
    const { rows } = await s.database.sql.query<{ whop_membership_id: string; next_nudge_at: Date; settings_version: number }>(
      `SELECT whop_membership_id, next_nudge_at, settings_version FROM recovery_cases WHERE company_id = 'biz_ver' ORDER BY whop_membership_id`);
    expect(rows.map((r) => [r.whop_membership_id, r.settings_version, r.next_nudge_at.toISOString()])).toEqual([
      ['mem_v1', 2, DAY0.toISOString()],
      ['mem_v2', 3, at(1).toISOString()],
    ]);
  });
});
