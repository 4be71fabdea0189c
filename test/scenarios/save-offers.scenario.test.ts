import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWhopGateway } from '../../src/integrations/whop/whop-gateway.ts';
import { presentKpis } from '../../src/presenters/kpis.presenter.ts';
import { presentSaves } from '../../src/presenters/saves.presenter.ts';
import { saveOfferRoutes } from '../../src/http/routes/save-offers.ts';
import { createPromoCodeOnce } from '../../src/services/nudges/create-promo-code.ts';
import { decideSaveHolds } from '../../src/services/saves/decide-save-holds.ts';
import { saveOfferUrl } from '../../src/services/saves/save-links.ts';
import { sendDueSaveOffers } from '../../src/services/saves/send-save-offers.ts';
import { downloadMemberExport, exportMemberData } from '../../src/services/members/export-member-data.ts';
import { DEFAULT_PROMO_CODE } from '../../src/domain/nudge-settings.ts';
import { DAY, useNudgeScenario } from '../support/nudge-harness.ts';

const DAY0 = new Date('2026-11-02T10:00:00.000Z');

/**
 * Issue #15 §2 end to end with the Whop fake: each cancel reason gets its own offer (too expensive
 * → a promo code, not using it → a pause when the company chose it, other → the creator's words),
 * accepting undoes the cancellation, and the save counts only if it holds.
 */
describe('save offers matched to the reason, end to end', () => {
  const s = useNudgeScenario({ day0: DAY0, prefix: 'sof', email: (seq) => `sof${seq}@example.test`, reset: ['whop', 'smtp'] });
  let app: FastifyInstance;
  beforeAll(async () => {
    app = Fastify();
    await app.register(saveOfferRoutes, { db: s.h.deps.db, clock: s.h.deps.clock, whop: s.h.deps.whop, signingKey: s.h.deps.links.signingKey });
  });
  afterAll(async () => app?.close());

  const at = (days: number) => new Date(DAY0.getTime() + days * DAY);
  const email = () => `sof${s.seq}@example.test`;
  const scheduleCancel = async (option: string | null) => {
    // Sweeps are global: earlier tests' offers are not this test's.
    await s.database.sql.exec('UPDATE save_cases SET offer_due_at = NULL');
    s.h.whop.setMembership(s.membershipId, { cancel_at_period_end: true });
    await s.h.deliver('membership.cancel_at_period_end_changed', { id: s.membershipId, user: { id: `user_${s.membershipId}`, email: email() }, cancel_at_period_end: true, cancel_option: option, cancelation_status: 'canceling', updated_at: DAY0.toISOString() }, s.companyId);
  };
  const saveCase = async () => (await s.database.sql.query<Record<string, any>>(`SELECT * FROM save_cases WHERE company_id = $1`, [s.companyId])).rows[0]!;
  const promoRows = async () => (await s.database.sql.query<Record<string, any>>(`SELECT * FROM incentives WHERE company_id = $1`, [s.companyId])).rows;
  const link = (c: { id: string }) => new URL(saveOfferUrl(s.h.deps.links.publicUrl, s.h.deps.links.signingKey, { companyId: s.companyId, saveCaseId: c.id }));
  const accept = async (c: { id: string }) => {
    const url = link(c);
    return app.inject({ method: 'POST', url: `${url.pathname}${url.search}`, headers: { accept: 'application/json' } });
  };
  const page = async (c: { id: string }) => {
    const url = link(c);
    return (await app.inject({ method: 'GET', url: `${url.pathname}${url.search}` })).body;
  };
  const creates = () => s.h.whop.callsTo('POST', '/promo_codes');
  const saves = (now: Date) => presentSaves(s.h.deps.db, s.companyId, { windowDays: 90, now });

  it('too expensive → a promo code offer → accept → uncancel → still active and paid 30 days later: counts, and the redeemed code’s cost is counted', async () => {
    await scheduleCancel('too_expensive');
    expect(await sendDueSaveOffers(s.h.deps)).toBe(1);
    // Whop has the code before any message names it: one create, on the member's product, single use.
    expect(creates().map((c) => c.body)).toEqual([expect.objectContaining({ company_id: s.companyId, promo_type: 'percentage', amount_off: 20, promo_duration_months: 3, stock: 1, one_per_customer: true, product_id: s.h.whop.membership(s.membershipId)!.product.id })]);
    const [row] = await promoRows();
    expect(row).toMatchObject({ case_id: null, type: 'promo_code', status: 'granted' });
    expect(Number(row!.cost_cents)).toBe(0);
    const code = row!.code as string;
    const [mail] = s.h.smtp.inbox(email());
    expect(mail?.subject).toMatch(/^Stay with .+ for less: 20 % off for 3 months$/);
    expect(mail?.text).toContain(`use promo code ${code}`);
    const c = await saveCase();
    expect(c).toMatchObject({ offer_kind: 'promo_code', status: 'open' });
    expect(await page(c as { id: string })).toContain(`Your promo code: <strong>${code}</strong> (20 % off for 3 months, valid until 2026-11-16)`);
    expect((await saves(at(0.5))).recent[0]?.promo).toMatchObject({ code, status: 'granted', description: `Promo code ${code}: 20 % off for 3 months, not redeemed yet (valid until 2026-11-16)`, cost_cents: 0 });

    s.h.clock.set(at(1));
    const accepted = await accept(c as { id: string });
    expect([accepted.statusCode, accepted.json()]).toEqual([200, { accepted: true, already_accepted: false, incentive: 'none' }]);
    expect(s.h.whop.callsTo('POST', `/memberships/${s.membershipId}/uncancel`)).toHaveLength(1);
    expect(s.h.whop.callsTo('POST', `/memberships/${s.membershipId}/add_free_days`)).toHaveLength(0);
    expect(s.h.whop.membership(s.membershipId)?.cancel_at_period_end).toBe(false);
    expect(creates()).toHaveLength(1);
    expect(await saveCase()).toMatchObject({ status: 'saved', saved_by: 'offer' });

    // The renewal on day 30 uses the code: $29.99 before the discount, $23.99 paid → $6.00 × 3 months.
    s.h.clock.set(at(30));
    s.h.whop.setPayment(`pay_sof${s.seq}`, { total: 29.99, subtotal: 29.99, company: { id: s.companyId, route: 'x', title: 'X' } });
    s.h.whop.redeemPromoCode(code, `pay_sof${s.seq}`);
    const payment = s.h.whop.payment(`pay_sof${s.seq}`)!;
    await s.h.deliver('payment.succeeded', { id: payment.id, membership: { id: s.membershipId }, total: payment.total, subtotal: payment.subtotal, currency: 'usd', promo_code: payment.promo_code, paid_at: at(30).toISOString() }, s.companyId);
    const redeemed = (await promoRows())[0]!;
    expect([Number(redeemed.cost_cents), redeemed.whop_redeemed_payment_id]).toEqual([1800, payment.id]);

    s.h.clock.set(at(31.5));
    await decideSaveHolds(s.h.deps);
    expect(await saveCase()).toMatchObject({ status: 'held' });
    const view = await saves(at(31.5));
    expect(view.treated).toMatchObject({ cases: 1, offers_sent: 1, accepted: 1, held: 1, save_rate: { value: 1, decided: 1 } });
    expect(view.offer_cost).toEqual([{ currency: 'usd', codes_redeemed: 1, cost_cents: 1800 }]);
    expect(view.recent[0]?.promo?.description).toBe(`Promo code ${code}: 20 % off for 3 months, redeemed on 2026-12-02`);
    // Saves stay apart: the recovery figures count neither the save nor its code's cost.
    const kpis = await presentKpis(s.companyId, s.h.deps.db, 60, at(31.5));
    expect(kpis.money.reduce((total, m) => total + m.incentive_cost_cents, 0)).toBe(0);
    const { rows: audit } = await s.database.sql.query<{ action: string }>(`SELECT action FROM audit.events WHERE company_id = $1 AND action LIKE 'save.%' ORDER BY at`, [s.companyId]);
    expect(audit.map((a) => a.action)).toEqual(['save.promo_code_created', 'save.accept', 'save.promo_code_redeemed']);
  });

  it('too expensive, accepted, then cancelled anyway inside the 30 days: reverted, not counted, and the unused code costs nothing', async () => {
    await scheduleCancel('too_expensive');
    await sendDueSaveOffers(s.h.deps);
    s.h.clock.set(at(1));
    expect((await accept(await saveCase() as { id: string })).statusCode).toBe(200);
    s.h.clock.set(at(12));
    await s.h.deliver('membership.deactivated', { id: s.membershipId, status: 'canceled', updated_at: at(12).toISOString() }, s.companyId);
    s.h.clock.set(at(40));
    await decideSaveHolds(s.h.deps);
    expect(await saveCase()).toMatchObject({ status: 'reverted', reverted_reason: 'membership_ended' });
    const view = await saves(at(40));
    expect(view.treated).toMatchObject({ accepted: 1, held: 0, reverted: 1, save_rate: { value: 0, decided: 1 } });
    expect(view.offer_cost).toEqual([]);
  });

  it('the promo code is created once however many workers reach it at the same moment', async () => {
    await scheduleCancel('too_expensive');
    const c = await saveCase();
    const owner = { kind: 'save' as const, companyId: s.companyId, saveCaseId: c.id as string, currency: null };
    const outcomes = await Promise.all([1, 2, 3].map(() => createPromoCodeOnce(s.h.deps, owner, DEFAULT_PROMO_CODE, DAY0, { productId: null })));
    expect(creates()).toHaveLength(1);
    const made = outcomes.flatMap((o) => ('promo' in o && o.promo ? [o.promo.code] : []));
    expect(made.length).toBeGreaterThanOrEqual(1);
    // The others were told to come back (the claim is held), never given a second code.
    for (const o of outcomes) if (!('promo' in o)) expect(o.why).toMatch(/claimed by another worker|in progress/);
    // Two offer sweeps at once: one claims the case, and it reuses the code already made.
    const claimed = await Promise.all([sendDueSaveOffers(s.h.deps), sendDueSaveOffers(s.h.deps)]);
    expect(claimed.reduce((a, b) => a + b, 0)).toBe(1);
    expect(creates()).toHaveLength(1);
    expect(await promoRows()).toHaveLength(1);
    expect(s.h.smtp.inbox(email())[0]?.text).toContain(made[0]!);
  });

  describe('not using it, with the company offering a pause', () => {
    const pauseSettings = async () => s.h.saveSettings(s.companyId, { save_offers: { unused: 'pause', pause_days: 30, message: null } });

    it('pause offer → accept → uncancel and pause billing for 30 days → the save is judged 30 days after billing resumes', async () => {
      await pauseSettings();
      await scheduleCancel('unused');
      expect(await saveCase()).toMatchObject({ offer_kind: 'pause', offer_days: 30 });
      await sendDueSaveOffers(s.h.deps);
      expect(s.h.smtp.inbox(email())[0]?.subject).toMatch(/^Pause .+ for 30 days instead$/);
      const c = await saveCase();
      expect(await page(c as { id: string })).toContain('Keep your membership and pause payments for 30 days');

      s.h.clock.set(at(1));
      const accepted = await accept(c as { id: string });
      expect(accepted.json()).toEqual({ accepted: true, already_accepted: false, incentive: 'granted' });
      expect(s.h.whop.callsTo('POST', `/memberships/${s.membershipId}/uncancel`)).toHaveLength(1);
      expect(s.h.whop.callsTo('POST', `/memberships/${s.membershipId}/pause`).map((x) => x.body)).toEqual([{ resumes_at: at(31).toISOString() }]);
      expect(s.h.whop.membership(s.membershipId)).toMatchObject({ cancel_at_period_end: false, payment_collection_paused: true, status: 'active' });
      expect(s.h.whop.callsTo('POST', `/memberships/${s.membershipId}/add_free_days`)).toHaveLength(0);
      // A double click pauses nothing more.
      expect((await accept(c as { id: string })).json()).toMatchObject({ already_accepted: true, incentive: 'granted' });
      expect(s.h.whop.callsTo('POST', `/memberships/${s.membershipId}/pause`)).toHaveLength(1);
      const saved = await saveCase();
      expect(saved).toMatchObject({ status: 'saved' });
      expect([new Date(saved.pause_resumes_at).toISOString(), new Date(saved.hold_ends_at).toISOString()]).toEqual([at(31).toISOString(), at(61).toISOString()]);

      // Day 40: a plain save would be held by now; a paused one has had no renewal to pay yet.
      s.h.clock.set(at(40));
      await s.h.deliver('payment.succeeded', { id: `pay_sof${s.seq}`, membership: { id: s.membershipId }, total: 20, currency: 'usd', paid_at: at(38).toISOString() }, s.companyId);
      await decideSaveHolds(s.h.deps);
      expect(await saveCase()).toMatchObject({ status: 'saved' });
      s.h.clock.set(at(61.5));
      await decideSaveHolds(s.h.deps);
      const held = await saveCase();
      expect([held.status, new Date(held.decided_at).toISOString()]).toEqual(['held', at(61).toISOString()]);
      expect((await saves(at(61.5))).by_offer).toEqual([expect.objectContaining({ offer_kind: 'pause', accepted: 1, held: 1 })]);
      expect((await saves(at(61.5))).recent[0]).toMatchObject({ pause_resumes_at: at(31).toISOString(), promo: null });
    });

    it('paused, then cancelled anyway: reverted, not counted', async () => {
      await pauseSettings();
      await scheduleCancel('unused');
      s.h.clock.set(at(1));
      expect((await accept(await saveCase() as { id: string })).statusCode).toBe(200);
      s.h.clock.set(at(20));
      await s.h.deliver('membership.deactivated', { id: s.membershipId, status: 'canceled', updated_at: at(20).toISOString() }, s.companyId);
      s.h.clock.set(at(70));
      await decideSaveHolds(s.h.deps);
      expect(await saveCase()).toMatchObject({ status: 'reverted', reverted_reason: 'membership_ended' });
      expect((await saves(at(70))).treated).toMatchObject({ held: 0, reverted: 1 });
    });

    it('Whop refuses the pause (a membership it does not bill): the cancellation is still undone, the page says so, and the hold runs from the save', async () => {
      await pauseSettings();
      await scheduleCancel('unused');
      s.h.whop.failNext('POST /memberships/:id/pause', [{ status: 422, body: { error: { type: 'unprocessable_entity', message: 'pausing is only supported for memberships billed by Whop' } } }]);
      s.h.clock.set(at(1));
      const url = link(await saveCase() as { id: string });
      const answer = await app.inject({ method: 'POST', url: `${url.pathname}${url.search}`, headers: { accept: 'text/html' } });
      expect(answer.body).toContain('The pause could not be set up just now; your membership is kept all the same.');
      const c = await saveCase();
      expect(c).toMatchObject({ status: 'saved', pause_resumes_at: null });
      expect(new Date(c.hold_ends_at).toISOString()).toBe(at(31).toISOString());
      expect(s.h.whop.membership(s.membershipId)).toMatchObject({ cancel_at_period_end: false, payment_collection_paused: false });
    });

    it('at the 2026-09-15 API version the pause goes out as `until`, which the fake accepts there and refuses before', async () => {
      const dated = createWhopGateway({ apiKey: 'test_key', baseURL: s.h.whop.baseURL, apiVersion: '2026-09-15', timeoutMs: 2000 });
      expect(await dated.pauseMembership(s.membershipId, at(31))).toEqual({ ok: true, value: undefined });
      expect(s.h.whop.callsTo('POST', `/memberships/${s.membershipId}/pause`).map((x) => x.body)).toEqual([{ until: at(31).toISOString() }]);
      expect(s.h.whop.membership(s.membershipId)?.payment_collection_paused).toBe(true);
    });
  });

  it('other → the creator’s own message; accepting undoes the cancellation and grants nothing', async () => {
    await s.h.saveSettings(s.companyId, { save_offers: { unused: 'free_days', pause_days: 30, message: 'We ship the new course on Friday.' } });
    await scheduleCancel('missing_features');
    await sendDueSaveOffers(s.h.deps);
    const [mail] = s.h.smtp.inbox(email());
    expect(mail?.subject).toMatch(/^A note from /);
    expect(mail?.text).toContain('We ship the new course on Friday.');
    expect(creates()).toHaveLength(0);
    s.h.clock.set(at(1));
    expect((await accept(await saveCase() as { id: string })).json()).toEqual({ accepted: true, already_accepted: false, incentive: 'none' });
    expect(s.h.whop.callsTo('POST', `/memberships/${s.membershipId}/uncancel`)).toHaveLength(1);
    expect(s.h.whop.callsTo('POST', /\/memberships\/[^/]+\/(pause|add_free_days)$/)).toHaveLength(0);
  });

  it('the company’s own save-offer copy (issue #15 §4) goes out; with no provider set up each channel’s text is kept in the outbox, encrypted, and the Saves section shows it', async () => {
    await s.h.saveSettings(s.companyId, {
      incentive_days: 7,
      save_offers: {
        templates: {
          free_days: {
            email: { subject: '{days} days from {company}, on the house', body: 'Keep {product} and the next {days} days are free: {offer_url}' },
            dm: { body: 'Stay a while: {days} free days. [Keep {product}]({offer_url})' },
            page: { button: 'Yes, keep {product} (+{days} days)' },
          },
        },
      },
    });
    await scheduleCancel('unused');
    // Outbox mode: no Whop API key, no SMTP server.
    expect(await sendDueSaveOffers({ ...s.h.deps, whop: null, email: null })).toBe(1);
    const c = await saveCase();
    expect(c.offer_deliveries).toEqual({ push: 'outbox', dm: 'outbox', email: 'outbox' });
    expect(s.h.smtp.inbox(email())).toEqual([]);
    expect(c.offer_messages).not.toContain('on the house');
    const [recent] = (await saves(at(1))).recent;
    const byChannel = Object.fromEntries(recent!.messages.map((m) => [m.channel, m]));
    expect(byChannel.email).toMatchObject({ delivery: 'outbox', subject: '7 days from Northwind Trading Club, on the house' });
    expect(byChannel.email!.body).toMatch(/^Keep your membership and the next 7 days are free: http\S+\n\n--\nDon't want these emails\? Unsubscribe: /);
    expect(byChannel.dm).toMatchObject({ delivery: 'outbox', subject: null, body: expect.stringMatching(/^Stay a while: 7 free days\. \[Keep your membership\]\(http\S+\)$/) });
    // A part the company left out is ours.
    expect(byChannel.push!.subject).toBe('Stay with Northwind Trading Club: 7 days on us');
    expect(await page(c as { id: string })).toContain('Yes, keep your membership (+7 days)');

    // The member's data export holds the save case and the texts the offer sent, decrypted.
    const exported = await exportMemberData({ db: s.h.deps.db, clock: s.h.clock }, { companyId: s.companyId, subject: { kind: 'email', value: email() }, actor: 'creator:user_owner', ip: null });
    expect(exported).toMatchObject({ ok: true, counts: { save_cases: 1 } });
    const document = JSON.parse((await downloadMemberExport({ db: s.h.deps.db, clock: s.h.clock }, { companyId: s.companyId, exportId: (exported as { id: string }).id, actor: 'creator:user_owner', ip: null }) as { document: string }).document);
    expect(document.save_cases).toEqual([expect.objectContaining({ whop_membership_id: s.membershipId, cancel_option: 'unused', offer_kind: 'free_days' })]);
    expect(JSON.stringify(document.save_cases[0].offer_messages)).toContain('7 days from Northwind Trading Club, on the house');
  });

  it('held-out members get no offer: no message, no promo code, no pause', async () => {
    await s.h.saveSettings(s.companyId, { holdout_percent: 50 });
    await s.database.sql.exec('UPDATE save_cases SET offer_due_at = NULL');
    const members = Array.from({ length: 12 }, (_, i) => `${s.membershipId}_h${i}`);
    for (const m of members) {
      s.h.seedMember(m, s.companyId, { email: `${m}@example.test`, userId: `user_${m}` });
      s.h.whop.setMembership(m, { cancel_at_period_end: true });
      await s.h.deliver('membership.cancel_at_period_end_changed', { id: m, user: { id: `user_${m}`, email: `${m}@example.test` }, cancel_at_period_end: true, cancel_option: 'too_expensive', cancelation_status: 'canceling', updated_at: DAY0.toISOString() }, s.companyId);
    }
    await sendDueSaveOffers(s.h.deps);
    const all = (await s.database.sql.query<Record<string, any>>(`SELECT * FROM save_cases WHERE company_id = $1`, [s.companyId])).rows;
    const held = all.filter((c) => c.holdout);
    // Binomial(12, 0.5): none, or all, held out with probability 5e-4.
    expect(held.length).toBeGreaterThan(0);
    expect(held.length).toBeLessThan(all.length);
    const withCode = new Set((await promoRows()).map((r) => r.save_case_id));
    for (const c of held) {
      expect(withCode.has(c.id)).toBe(false);
      expect(s.h.smtp.inbox(`${c.whop_membership_id}@example.test`)).toEqual([]);
      expect((await accept(c as { id: string })).statusCode).toBe(404);
    }
    expect(creates()).toHaveLength(all.length - held.length);
  });
});
