import { describe, expect, it } from 'vitest';
import { presentCase } from '../../src/presenters/cases.presenter.ts';
import { sendDueNudges } from '../../src/services/nudges/send-due-nudges.ts';
import { DAY, useNudgeScenario } from '../support/nudge-harness.ts';

const DAY0 = new Date('2026-06-01T15:00:00.000Z');
const at = (days: number) => new Date(DAY0.getTime() + days * DAY);

/** #13 §3: a re-derivation never deletes a case the member was nudged on, even when a late fact reshapes the cases. */
describe('a case with outreach history survives a late fact that moves its window', () => {
  // Written on the uniform reminder days (step 0 on every channel at once) to follow deliveries through a merge: playbooks off.
  const OFF = { decline_playbooks: false };
  const s = useNudgeScenario({ day0: DAY0, prefix: 'hist', email: (seq) => `lee${seq}@example.test`, stopEarlierCases: false, settings: OFF });

  const member = () => ({ membership: { id: s.membershipId }, user: { id: `user_${s.membershipId}`, email: `lee${s.seq}@example.test`, name: 'Lee Park' } });
  const fail = (payment: string, days: number) =>
    s.h.deliver('payment.failed', { id: payment, ...member(), total: 29.99, currency: 'usd', failure_message: 'Your card has insufficient funds.', last_payment_attempt: at(days).toISOString() }, s.companyId);
  const sweep = (days: number) => {
    s.h.clock.set(at(days));
    return sendDueNudges(s.h.deps);
  };
  const caseIds = async () =>
    (await s.database.sql.query<{ id: string }>(`SELECT id FROM recovery_cases WHERE company_id = $1 ORDER BY first_failure_at`, [s.companyId])).rows.map((r) => r.id);
  const creatorView = async (id: string) => (await presentCase(s.companyId, s.database.db, id))!;
  const freeDayGrants = () => s.h.whop.callsTo('POST', `/memberships/${s.membershipId}/add_free_days`);

  it('merged into the case that now covers its window: deliveries, free days and timeline move there, and no reminder is repeated', async () => {
    await s.h.saveSettings(s.companyId, { ...OFF, attribution_window_days: 7, reminder_offsets_days: [0, 4], incentive_days: 3, min_gap_hours: 12 });
    s.h.clock.set(at(5));
    await fail('pay_a', 5); // case 1: window day 5..12, never nudged (no sweep before it closes)
    s.h.clock.set(at(13));
    await fail('pay_b', 13); // case 1 closes at day 12; case 2 opens, window day 13..20
    expect(await sweep(13)).toMatchObject({ sent: 1 });
    const [first, second] = await caseIds();
    expect((await creatorView(second!)).deliveries.map((d) => `${d.step}:${d.channel}:${d.status}`)).toEqual(['0:dm:sent', '0:email:sent', '0:push:sent']);
    expect(freeDayGrants()).toHaveLength(1);

    // The creator widens the window, then Whop delivers an older attempt of pay_a late (stamped day 1):
    // the fold now reads one case from day 1 to day 31 holding all three failures.
    await s.h.saveSettings(s.companyId, { ...OFF, attribution_window_days: 30, reminder_offsets_days: [0, 4], incentive_days: 3, min_gap_hours: 12 });
    s.h.clock.set(at(14));
    await fail('pay_a', 1);

    expect(await caseIds()).toEqual([first]);
    const merged = await creatorView(first!);
    expect(merged.case).toMatchObject({ status: 'open', failure_count: 3 });
    expect(merged.case.first_failure_at.toISOString()).toBe(at(1).toISOString());
    expect(merged.deliveries.map((d) => `${d.step}:${d.channel}:${d.status}`)).toEqual(['0:dm:sent', '0:email:sent', '0:push:sent']);
    expect(merged.incentives).toMatchObject([{ type: 'free_days', value: 3, status: 'granted' }]);
    const reasons = merged.timeline.map((e) => e.reason);
    expect(reasons).toContain('nudge_sent');
    expect(merged.timeline.find((e) => e.reason === 'case_merged')?.detail).toMatchObject({ merged_from_case: second, nudges_moved: 1 });

    // The member already had reminder 1 and the free days: the next sweep sends reminder 2, without a second grant.
    expect(await sweep(15)).toMatchObject({ sent: 1 });
    const after = await creatorView(first!);
    expect(after.deliveries.map((d) => `${d.step}:${d.channel}`)).toEqual(['0:dm', '0:email', '0:push', '1:dm', '1:email', '1:push']);
    expect(after.case).toMatchObject({ steps_sent: 2 });
    expect(freeDayGrants()).toHaveLength(1);
  });

  it('no longer a case at all (its payment turns out to have succeeded first): kept, closed without recovery, history intact', async () => {
    s.h.clock.set(at(0));
    await fail('pay_c', 0);
    expect(await sweep(0)).toMatchObject({ sent: 1 });
    const [only] = await caseIds();

    // pay_c's success, stamped before the failure, arrives late: the failure was a stale delivery.
    s.h.clock.set(at(1));
    await s.h.deliver('payment.succeeded', { id: 'pay_c', ...member(), total: 29.99, currency: 'usd', paid_at: at(-0.1).toISOString() }, s.companyId);

    expect(await caseIds()).toEqual([only]);
    const kept = await creatorView(only!);
    expect(kept.case).toMatchObject({ status: 'closed_no_recovery', next_nudge_at: null });
    expect(kept.deliveries).toHaveLength(3);
    expect(kept.incentives).toMatchObject([{ type: 'free_days', status: 'granted' }]);
    expect(kept.timeline.filter((e) => e.reason === 'case_superseded')).toHaveLength(1);
    expect(kept.timeline.map((e) => e.reason)).toContain('nudge_sent');

    // Re-deriving again (another late fact) neither duplicates the note nor sends anything.
    s.h.clock.set(at(2));
    await s.h.deliver('payment.succeeded', { id: 'pay_c', ...member(), total: 29.99, currency: 'usd', paid_at: at(-0.1).toISOString() }, s.companyId).catch(() => undefined);
    await s.h.deliver('membership.activated', { id: s.membershipId, updated_at: at(2).toISOString() }, s.companyId);
    expect((await creatorView(only!)).timeline.filter((e) => e.reason === 'case_superseded')).toHaveLength(1);
    expect(await sweep(3)).toMatchObject({ claimed: 0 });
  });
});
