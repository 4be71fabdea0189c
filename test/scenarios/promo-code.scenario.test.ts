import { describe, expect, it } from 'vitest';
import { findOrCreatePromoIncentive } from '../../src/db/repositories/incentives.repository.ts';
import { transitionIncentive } from '../../src/db/repositories/nudges.repository.ts';
import { presentCase } from '../../src/presenters/cases.presenter.ts';
import { presentKpis } from '../../src/presenters/kpis.presenter.ts';
import { sendDueNudges } from '../../src/services/nudges/send-due-nudges.ts';
import { sendNudge } from '../../src/services/nudges/send-nudge.ts';
import { DAY, useNudgeScenario } from '../support/nudge-harness.ts';

/**
 * Issue #15 §3: the first reminder's incentive is a promo code, created at Whop once per case
 * however many workers send the step and whatever Whop does mid-call, shown in the message, and
 * counted as a cost only once a payment redeems it. Real services, the Whop fake, an SMTP peer.
 */
const DAY0 = new Date('2026-05-04T15:00:00.000Z');
const PROMO_SETTINGS = {
  // The code's creation is timed on step 0 going out at once on every channel (the uniform days), not a playbook's.
  decline_playbooks: false,
  incentive_type: 'promo_code',
  promo_code: { promo_type: 'percentage', percent_off: 20, duration_months: 3, valid_days: 14 },
  holdout_percent: 0,
};

describe('promo codes as the first-step incentive', () => {
  const s = useNudgeScenario({ day0: DAY0, prefix: 'promo', email: (seq) => `pat${seq}@example.test`, settings: PROMO_SETTINGS, reset: ['whop', 'smtp'] });

  const openCase = async (): Promise<string> => {
    await s.h.deliver(
      'payment.failed',
      { id: `pay_${s.membershipId}`, membership: { id: s.membershipId }, user: { id: `user_${s.membershipId}`, email: `pat${s.seq}@example.test`, name: 'Pat Lee' }, total: 29.99, currency: 'usd', failure_message: 'Your card was declined.', last_payment_attempt: DAY0.toISOString() },
      s.companyId,
    );
    const row = await s.database.sql.query<{ id: string }>('SELECT id FROM recovery_cases WHERE company_id = $1', [s.companyId]);
    return row.rows[0]!.id;
  };
  const creates = () => s.h.whop.callsTo('POST', '/promo_codes').filter((c) => (c.body as { company_id?: string }).company_id === s.companyId);
  const codesAtWhop = () => s.h.whop.promoCodes.filter((p) => p.company.id === s.companyId);
  const incentive = async () => (await s.database.sql.query<{ status: string; code: string; provider_ref: string | null; cost_cents: string; redeemed_at: Date | null; error: string | null }>('SELECT i.* FROM incentives i WHERE i.company_id = $1', [s.companyId])).rows[0]!;
  const memberMessages = () => ({ email: s.h.smtp.inbox(`pat${s.seq}@example.test`).map((m) => m.text ?? ''), dm: s.h.whop.messagesTo(`user_${s.membershipId}`).map((m) => m.content) });

  it('two workers sending the first reminder of one case at once create exactly one code, single use and for the member\'s product; every channel shows it', async () => {
    const caseId = await openCase();
    const results = await Promise.all([sendNudge(s.h.deps, caseId, { force: true }), sendNudge(s.h.deps, caseId, { force: true })]);
    // The loser waits for the winner's claim; the next sweep finds the step done.
    expect(results.filter((r) => r.ok && r.outcome === 'sent')).toHaveLength(1);
    expect(creates()).toHaveLength(1);
    expect(codesAtWhop()).toHaveLength(1);
    const [promo] = codesAtWhop();
    expect(promo).toMatchObject({ stock: 1, unlimited_stock: false, one_per_customer: true, amount_off: 20, promo_type: 'percentage', promo_duration_months: 3, product: { id: `prod_${s.companyId}` } });
    expect(promo!.code).toMatch(/^SAVE-[A-Z2-9]{8}$/);
    const row = await incentive();
    expect(row).toMatchObject({ status: 'granted', code: promo!.code, provider_ref: promo!.id, redeemed_at: null });
    const { email, dm } = memberMessages();
    expect(email).toHaveLength(1);
    expect(email[0]).toContain(`use the code ${promo!.code} for 20 % off for 3 months`);
    expect(dm[0]).toContain(`**${promo!.code}**`);
    expect(s.h.whop.callsTo('POST', '/notifications').map((c) => (c.body as { content: string }).content).join('\n')).toContain(promo!.code);
  });

  it('a creation that timed out is settled by looking the code up: Whop had made it, so no second code, and the message shows it', async () => {
    const caseId = await openCase();
    // The client gives up after 2 s; the fake finishes (creates the code) at 2.3 s.
    s.h.whop.failNext('POST /promo_codes', [{ timeoutMs: 2300 }]);
    const first = await sendNudge(s.h.deps, caseId, { force: true });
    expect(first).toMatchObject({ ok: true, outcome: 'waiting' });
    expect(memberMessages().email).toHaveLength(0);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(codesAtWhop()).toHaveLength(1);
    s.h.clock.set(new Date(DAY0.getTime() + 11_000));
    const second = await sendDueNudges(s.h.deps);
    expect(second.sent).toBe(1);
    expect(creates()).toHaveLength(1);
    expect(s.h.whop.callsTo('GET', '/promo_codes').length).toBeGreaterThanOrEqual(1);
    expect(codesAtWhop()).toHaveLength(1);
    expect((await incentive()).status).toBe('granted');
    expect(memberMessages().email[0]).toContain(codesAtWhop()[0]!.code);
  });

  it('a worker killed mid-creation (granting past the lease, Whop never got it) is settled by one lookup and one create', async () => {
    const caseId = await openCase();
    const c = (await s.database.sql.query<{ currency: string }>('SELECT currency FROM recovery_cases WHERE id = $1', [caseId])).rows[0]!;
    const row = await findOrCreatePromoIncentive(s.database.db, { companyId: s.companyId, caseId, code: `SAVE-KILLED${s.seq}`, terms: PROMO_SETTINGS.promo_code as never, currency: c.currency, now: DAY0 });
    await transitionIncentive(s.database.db, row.id, 'pending', 'granting', { now: DAY0 });
    s.h.clock.set(new Date(DAY0.getTime() + DAY));
    const result = await sendNudge(s.h.deps, caseId, { force: true });
    expect(result).toMatchObject({ ok: true, outcome: 'sent' });
    expect(s.h.whop.callsTo('GET', '/promo_codes')).toHaveLength(1);
    expect(creates()).toHaveLength(1);
    expect(codesAtWhop().map((p) => p.code)).toEqual([`SAVE-KILLED${s.seq}`]);
    expect((await incentive()).status).toBe('granted');
  });

  it("a 429 from Whop is retried when its Retry-After says, not sooner, and still makes one code", async () => {
    const caseId = await openCase();
    s.h.whop.failNext('POST /promo_codes', [{ status: 429, headers: { 'retry-after': '30' } }]);
    const first = await sendNudge(s.h.deps, caseId, { force: true });
    expect(first.ok && first.outcome === 'waiting' && first.retryAt.getTime() - DAY0.getTime()).toBeGreaterThanOrEqual(30_000);
    s.h.clock.set(new Date(DAY0.getTime() + 29_000));
    await sendDueNudges(s.h.deps);
    expect(creates()).toHaveLength(1);
    s.h.clock.set(new Date(DAY0.getTime() + 37_000));
    expect((await sendDueNudges(s.h.deps)).sent).toBe(1);
    expect(creates()).toHaveLength(2);
    expect(creates().map((c) => c.status)).toEqual([429, 200]);
    expect(codesAtWhop()).toHaveLength(1);
  });

  it.each(['event', 'batch'] as const)('a code costs nothing until a payment uses it; then its discount counts in the incentive cost and the case says redeemed (processed as one %s)', async (via) => {
    const caseId = await openCase();
    expect((await sendNudge(s.h.deps, caseId, { force: true })).ok).toBe(true);
    const code = codesAtWhop()[0]!.code!;
    const later = new Date(DAY0.getTime() + 2 * DAY);
    s.h.clock.set(later);
    const before = await presentKpis(s.companyId, s.database.db, 30, later);
    expect(before.money.find((m) => m.currency === 'usd')?.incentive_cost_cents ?? 0).toBe(0);
    const detail = await presentCase(s.companyId, s.database.db, caseId, later);
    expect(detail?.incentives[0]?.summary).toBe(`Promo code ${code}: 20 % off for 3 months, not redeemed yet (valid until 2026-05-18)`);

    // The member pays with the code: $29.99 before the discount, $23.99 paid.
    s.h.whop.setPayment(`pay_ok_${s.seq}`, { total: 29.99, subtotal: 29.99, company: { id: s.companyId, route: 'x', title: 'X' } });
    const paid = s.h.whop.redeemPromoCode(code, `pay_ok_${s.seq}`);
    const payment = s.h.whop.payment(`pay_ok_${s.seq}`)!;
    await s.h.deliver(
      'payment.succeeded',
      { id: payment.id, membership: { id: s.membershipId }, user: { id: `user_${s.membershipId}`, email: `pat${s.seq}@example.test` }, total: payment.total, subtotal: payment.subtotal, currency: 'usd', promo_code: payment.promo_code, paid_at: later.toISOString() },
      s.companyId,
      via,
    );
    expect(paid.uses).toBe(1);
    const row = await incentive();
    // $6.00 off this payment, for 3 months.
    expect(Number(row.cost_cents)).toBe(1800);
    const after = await presentKpis(s.companyId, s.database.db, 30, later);
    const usd = after.money.find((m) => m.currency === 'usd')!;
    expect(usd.incentive_cost_cents).toBe(1800);
    expect(usd.net_recovered_cents).toBe(usd.recovered_cents - 1800);
    const redeemed = await presentCase(s.companyId, s.database.db, caseId, later);
    expect(redeemed?.incentives[0]?.summary).toBe(`Promo code ${code}: 20 % off for 3 months, redeemed on 2026-05-06`);
    expect(redeemed?.timeline.map((e) => e.reason)).toEqual(expect.arrayContaining(['promo_code_created', 'promo_code_redeemed']));
    // The same payment delivered again redeems nothing twice.
    await s.h.deliver('payment.succeeded', { id: payment.id, membership: { id: s.membershipId }, total: payment.total, subtotal: payment.subtotal, currency: 'usd', promo_code: { id: payment.promo_code!.id }, paid_at: later.toISOString() }, s.companyId, via);
    expect((await presentKpis(s.companyId, s.database.db, 30, later)).money.find((m) => m.currency === 'usd')!.incentive_cost_cents).toBe(1800);
  });
});
