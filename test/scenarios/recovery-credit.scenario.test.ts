import { describe, expect, it } from 'vitest';
import { createClickToken } from '../../src/services/nudges/click-links.ts';
import { nudgeCaseNow } from '../../src/services/nudges/nudge-case-now.ts';
import { recordClick } from '../../src/services/nudges/record-click.ts';
import { sendDueNudges } from '../../src/services/nudges/send-due-nudges.ts';
import { DAY, useNudgeScenario } from '../support/nudge-harness.ts';

const DAY0 = new Date('2026-06-01T15:00:00.000Z');
const at = (days: number) => new Date(DAY0.getTime() + days * DAY);
const BROWSER = 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1';

describe('each recovery is credited to one method', () => {
  const s = useNudgeScenario({ day0: DAY0, prefix: 'credit', email: (seq) => `cred${seq}@example.test`, reset: [] });

  // The fixture's bank decline (card_declined) follows its default playbook: our retry (made to fail
  // here), then push + email a day after the failure.
  const FIRST = at(1);
  const fail = () => {
    s.h.whop.setRetryOutcome(`pay_c${s.seq}`, { status: 'open', substatus: 'failed' });
    return s.h.deliver('payment.failed', { id: `pay_c${s.seq}`, membership: { id: s.membershipId }, user: { id: `user_${s.membershipId}`, email: `cred${s.seq}@example.test`, name: 'Dana' }, total: 20, currency: 'usd', failure_message: 'Your card was declined.', last_payment_attempt: at(0).toISOString() }, s.companyId);
  };
  const pay = (days: number) => {
    s.h.clock.set(at(days));
    return s.h.deliver('payment.succeeded', { id: `pay_ok${s.seq}`, membership: { id: s.membershipId }, total: 20, currency: 'usd', paid_at: at(days).toISOString() }, s.companyId);
  };
  const theCase = async () =>
    (await s.database.sql.query<{ id: string; status: string; credited_method: string | null; credited_channel: string | null; credited_step: number | null; decline_category: string | null }>(
      `SELECT id, status, credited_method, credited_channel, credited_step, decline_category FROM recovery_cases WHERE company_id = $1`, [s.companyId])).rows[0]!;
  const click = async (channel: string, when: Date, options: { method?: string; userAgent?: string } = {}) => {
    const c = await theCase();
    const token = createClickToken(s.h.deps.links.signingKey, { companyId: s.companyId, caseId: c.id, step: 0, channel, to: `https://whop.com/billing/manage/${s.membershipId}` });
    return recordClick({ db: s.h.deps.db, signingKey: s.h.deps.links.signingKey }, { token, method: options.method ?? 'GET', userAgent: options.userAgent ?? BROWSER, now: when });
  };

  it("paid before any nudge reached the member: Whop's own retry", async () => {
    await fail();
    await pay(0.01);
    expect(await theCase()).toMatchObject({ status: 'recovered', credited_method: 'whop_retry', credited_channel: null, credited_step: null, decline_category: 'card_declined' });
  });

  it('a member clicked the push link, then paid: credited to the push of reminder 1, not to every channel', async () => {
    await fail();
    s.h.clock.set(FIRST);
    expect(await sendDueNudges(s.h.deps)).toMatchObject({ sent: 1 });
    s.h.clock.set(new Date(FIRST.getTime() + 3_600_000));
    expect(await click('push', s.h.clock.now())).toMatchObject({ ok: true, to: `https://whop.com/billing/manage/${s.membershipId}`, verdict: { counted: true } });
    // A mail scanner's probe and a preview bot afterwards do not count.
    expect(await click('email', new Date(FIRST.getTime() + 7_200_000), { method: 'HEAD' })).toMatchObject({ verdict: { counted: false, why: 'head_request' } });
    expect(await click('email', new Date(FIRST.getTime() + 7_300_000), { userAgent: 'Mozilla/5.0 (compatible; Barracuda Sentinel)' })).toMatchObject({ verdict: { counted: false, why: 'bot_user_agent' } });
    await pay(2);
    expect(await theCase()).toMatchObject({ credited_method: 'nudge', credited_channel: 'push', credited_step: 0 });
  });

  it('an email click seconds after delivery is a scanner; without a human click the last delivered message is credited', async () => {
    await fail();
    s.h.clock.set(FIRST);
    expect(await sendDueNudges(s.h.deps)).toMatchObject({ sent: 1 });
    expect(await click('email', new Date(FIRST.getTime() + 2_000))).toMatchObject({ verdict: { counted: false, why: 'too_soon_after_delivery' } });
    await pay(2);
    const credited = await theCase();
    expect(credited.credited_method).toBe('nudge');
    expect(credited.credited_step).toBe(0);
    expect(['push', 'email']).toContain(credited.credited_channel);
  });

  it('a reminder sent by hand ("nudge now") credits a manual action', async () => {
    await fail();
    const c = await theCase();
    s.h.clock.set(at(0.5));
    expect(await nudgeCaseNow(s.h.deps, { companyId: s.companyId, caseId: c.id, actor: 'creator:user_owner' })).toMatchObject({ ok: true });
    await pay(1);
    expect(await theCase()).toMatchObject({ credited_method: 'manual', credited_step: 0 });
  });

  it('a forged or altered link is refused and records nothing', async () => {
    await fail();
    const c = await theCase();
    const token = createClickToken('another-key', { companyId: s.companyId, caseId: c.id, step: 0, channel: 'dm', to: 'https://evil.example/' });
    expect(await recordClick({ db: s.h.deps.db, signingKey: s.h.deps.links.signingKey }, { token, method: 'GET', userAgent: BROWSER, now: at(0) })).toEqual({ ok: false, reason: 'invalid_token' });
    const { rows } = await s.database.sql.query(`SELECT 1 FROM case_events WHERE case_id = $1 AND reason = 'link_clicked'`, [c.id]);
    expect(rows).toHaveLength(0);
  });
});
