import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { presentSaves } from '../../src/presenters/saves.presenter.ts';
import { decideSaveHolds } from '../../src/services/saves/decide-save-holds.ts';
import { saveOfferUrl } from '../../src/services/saves/save-links.ts';
import { saveOfferRoutes } from '../../src/http/routes/save-offers.ts';
import { clickRoutes } from '../../src/http/routes/clicks.ts';
import { sendDueSaveOffers } from '../../src/services/saves/send-save-offers.ts';
import { DAY, useOutreachScenario } from '../support/outreach-harness.ts';

const DAY0 = new Date('2026-11-02T10:00:00.000Z');

describe('the save flow: a scheduled cancellation, one offer, a save that counts only if it holds 30 days', () => {
  const s = useOutreachScenario({ day0: DAY0, prefix: 'save', email: (seq) => `save${seq}@example.test`, reset: ['whop', 'smtp'] });
  let app: FastifyInstance;
  beforeAll(async () => {
    app = Fastify();
    await app.register(saveOfferRoutes, { db: s.h.deps.db, clock: s.h.deps.clock, whop: s.h.deps.whop, signingKey: s.h.deps.links.signingKey });
    await app.register(clickRoutes, { db: s.h.deps.db, signingKey: s.h.deps.links.signingKey, clock: s.h.deps.clock });
  });
  afterAll(async () => app?.close());

  const at = (days: number) => new Date(DAY0.getTime() + days * DAY);
  const scheduleCancel = async (option: string | null, day = 0) => {
    // Sweeps are global: earlier tests' offers are not this test's.
    await s.database.sql.exec('UPDATE save_cases SET offer_due_at = NULL');
    s.h.whop.setMembership(s.membershipId, { cancel_at_period_end: true });
    await s.h.deliver('membership.cancel_at_period_end_changed', { id: s.membershipId, user: { id: `user_${s.membershipId}`, email: `save${s.seq}@example.test` }, cancel_at_period_end: true, cancel_option: option, cancelation_status: 'canceling', updated_at: at(day).toISOString() }, s.companyId);
  };
  const saveCases = async (companyId = s.companyId) =>
    (await s.database.sql.query<{ id: string } & Record<string, any>>(`SELECT * FROM save_cases WHERE company_id = $1 ORDER BY scheduled_at`, [companyId])).rows;
  const linkOf = (c: { id: string }, companyId = s.companyId) => new URL(saveOfferUrl(s.h.deps.links.publicUrl, s.h.deps.links.signingKey, { companyId, saveCaseId: c.id }));
  const post = (url: URL | string, accept = 'application/json') => app.inject({ method: 'POST', url: typeof url === 'string' ? url : `${url.pathname}${url.search}`, headers: { accept } });

  it('schedule cancel → a save case with the offer matched to the reason, due now', async () => {
    await scheduleCancel('too_expensive');
    const [c] = await saveCases();
    expect(c).toMatchObject({ status: 'open', cancel_option: 'too_expensive', offer_kind: 'promo_code', offer_days: null, holdout: false });
    expect(new Date(c!.offer_due_at).toISOString()).toBe(DAY0.toISOString());
    // A save case is not a recovery case: no recovery figure counts it.
    expect((await s.database.sql.query(`SELECT 1 FROM recovery_cases WHERE company_id = $1`, [s.companyId])).rows).toEqual([]);
  });

  it('"not using it": accept → Whop uncancels (and adds the free days once) → still active 30 days later: the save counts', async () => {
    await scheduleCancel('unused');
    expect(await sendDueSaveOffers(s.h.deps)).toBe(1);
    expect(await sendDueSaveOffers(s.h.deps)).toBe(0);
    const [c] = await saveCases();
    expect(c!.offer_deliveries).toEqual({ push: 'sent', dm: 'sent', email: 'sent' });
    expect(s.h.whop.callsTo('POST', '/notifications')).toHaveLength(1);
    expect(s.h.whop.callsTo('POST', '/messages')).toHaveLength(1);
    const [mail] = s.h.smtp.inbox(`save${s.seq}@example.test`);
    expect(mail?.subject).toContain('3 days on us');
    // The email's link goes through the click redirect, which forwards to the offer page.
    const tracked = new URL(/https:\/\/\S+\/r\?t=\S+/.exec(mail!.text!)![0]);
    s.h.clock.set(new Date(DAY0.getTime() + 3600_000));
    const redirect = await app.inject({ method: 'GET', url: `${tracked.pathname}${tracked.search}`, headers: { 'user-agent': 'Mozilla/5.0 (iPhone)' } });
    expect(redirect.statusCode).toBe(302);
    const link = new URL(redirect.headers.location as string);
    expect(link.pathname).toBe('/save');
    expect((await saveCases())[0]).toMatchObject({ last_click_channel: 'email' });
    // Opening the page (a mail scanner does) changes nothing.
    const page = await app.inject({ method: 'GET', url: `${link.pathname}${link.search}` });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('data-testid="save-accept"');
    expect(page.body).toContain('3 free days');
    expect(s.h.whop.callsTo('POST', `/memberships/${s.membershipId}/uncancel`)).toHaveLength(0);

    s.h.clock.set(at(1));
    const accepted = await post(link);
    expect([accepted.statusCode, accepted.json()]).toEqual([200, { accepted: true, already_accepted: false, incentive: 'granted' }]);
    expect(s.h.whop.callsTo('POST', `/memberships/${s.membershipId}/uncancel`)).toHaveLength(1);
    expect(s.h.whop.callsTo('POST', `/memberships/${s.membershipId}/add_free_days`).map((x) => x.body)).toEqual([{ free_days: 3 }]);
    expect(s.h.whop.membership(s.membershipId)?.cancel_at_period_end).toBe(false);
    // A double click changes nothing more.
    expect((await post(link)).json()).toMatchObject({ accepted: true, already_accepted: true });
    expect(s.h.whop.callsTo('POST', `/memberships/${s.membershipId}/uncancel`)).toHaveLength(1);
    expect(s.h.whop.callsTo('POST', `/memberships/${s.membershipId}/add_free_days`)).toHaveLength(1);

    expect((await saveCases())[0]).toMatchObject({ status: 'saved', saved_by: 'offer', saved_channel: 'email', offer_due_at: null });
    const { rows: audit } = await s.database.sql.query<{ actor: string; target: string }>(`SELECT actor, target FROM audit.events WHERE company_id = $1 AND action = 'save.accept'`, [s.companyId]);
    expect(audit).toEqual([{ actor: 'member', target: `save:${c!.id}` }]);
    // Whop's own webhook of the undo arrives later: the same save, nothing new.
    await s.h.deliver('membership.cancel_at_period_end_changed', { id: s.membershipId, cancel_at_period_end: false, cancel_option: null, cancelation_status: 'won_back', updated_at: at(1.01).toISOString() }, s.companyId);

    s.h.clock.set(at(29));
    await decideSaveHolds(s.h.deps);
    expect((await saveCases())[0]).toMatchObject({ status: 'saved' });
    expect((await presentSaves(s.h.deps.db, s.companyId, { windowDays: 30, now: at(29) })).treated).toMatchObject({ cases: 1, accepted: 1, saved: 1, held: 0, deciding: 1, save_rate: { value: null } });

    s.h.clock.set(at(31.5));
    await s.h.deliver('payment.succeeded', { id: `pay_${s.seq}`, membership: { id: s.membershipId }, total: 20, currency: 'usd', paid_at: at(30).toISOString() }, s.companyId);
    await decideSaveHolds(s.h.deps);
    const [held] = await saveCases();
    expect(held).toMatchObject({ status: 'held' });
    expect(new Date(held!.decided_at).toISOString()).toBe(at(31).toISOString());
    expect((await presentSaves(s.h.deps.db, s.companyId, { windowDays: 60, now: at(31.5) })).treated).toMatchObject({ cases: 1, offers_sent: 1, accepted: 1, held: 1, reverted: 0, deciding: 0, save_rate: { value: 1, decided: 1 } });
  });

  it('accepted, then cancelled anyway inside the 30 days: reverted, not counted', async () => {
    await scheduleCancel('unused');
    const [c] = await saveCases();
    expect(c).toMatchObject({ offer_kind: 'free_days' });
    expect((await post(linkOf(c!))).statusCode).toBe(200);
    s.h.clock.set(at(10));
    await s.h.deliver('membership.deactivated', { id: s.membershipId, status: 'canceled', updated_at: at(10).toISOString() }, s.companyId);
    s.h.clock.set(at(40));
    await decideSaveHolds(s.h.deps);
    expect((await saveCases())[0]).toMatchObject({ status: 'reverted', reverted_reason: 'membership_ended' });
    expect((await presentSaves(s.h.deps.db, s.companyId, { windowDays: 60, now: at(40) })).treated).toMatchObject({ accepted: 1, held: 0, reverted: 1, save_rate: { value: 0, decided: 1 } });
  });

  it('bad input to the accept endpoint answers 4xx JSON and changes nothing', async () => {
    await scheduleCancel('other');
    const [c] = await saveCases();
    const link = linkOf(c!);
    const cases: Array<[string, number, string]> = [
      ['/save', 400, 'bad_request'],
      ['/save?t=', 400, 'bad_request'],
      [`/save?t=${link.searchParams.get('t')!.slice(0, -2)}xx`, 400, 'bad_request'],
      [`/save?t=${'s1.' + 'a'.repeat(600)}`, 400, 'bad_request'],
      // Another company's token for this case: signed, but the case is not theirs.
      [`${linkOf(c!, 'biz_someone_else').pathname}${linkOf(c!, 'biz_someone_else').search}`, 404, 'not_found'],
    ];
    for (const [url, status, code] of cases) {
      const answer = await post(url);
      expect([url, answer.statusCode, answer.headers['content-type']]).toEqual([url, status, expect.stringContaining('application/json')]);
      expect(answer.json().error).toMatchObject({ code, message: expect.any(String) });
    }
    expect(s.h.whop.callsTo('POST', `/memberships/${s.membershipId}/uncancel`)).toHaveLength(0);
    expect((await saveCases())[0]).toMatchObject({ status: 'open', accepted_at: null });
  });

  it('a case whose cancellation already took effect cannot be accepted (409), and the page says the offer ended', async () => {
    await scheduleCancel(null);
    s.h.clock.set(at(3));
    await s.h.deliver('membership.deactivated', { id: s.membershipId, status: 'canceled', updated_at: at(3).toISOString() }, s.companyId);
    const [c] = await saveCases();
    expect(c).toMatchObject({ status: 'lost', offer_kind: 'message', offer_due_at: null });
    const answer = await post(linkOf(c!));
    expect([answer.statusCode, answer.json().error.reason]).toEqual([409, 'case_closed']);
    expect((await app.inject({ method: 'GET', url: `${linkOf(c!).pathname}${linkOf(c!).search}` })).body).toContain('save-ended');
  });

  it('held-out members get no offer at all; their own undo counts in the control group, credited to themselves', async () => {
    await s.database.sql.exec('UPDATE save_cases SET offer_due_at = NULL');
    await s.h.saveSettings(s.companyId, { holdout_percent: 50 });
    const members = Array.from({ length: 16 }, (_, i) => `${s.membershipId}_h${i}`);
    for (const m of members) {
      s.h.seedMember(m, s.companyId, { email: `${m}@example.test`, userId: `user_${m}` });
      s.h.whop.setMembership(m, { cancel_at_period_end: true });
      await s.h.deliver('membership.cancel_at_period_end_changed', { id: m, user: { id: `user_${m}`, email: `${m}@example.test` }, cancel_at_period_end: true, cancel_option: 'too_expensive', cancelation_status: 'canceling', updated_at: at(0).toISOString() }, s.companyId);
    }
    await sendDueSaveOffers(s.h.deps);
    const all = await saveCases();
    const held = all.filter((c) => c.holdout);
    // Binomial(16, 0.5): none, or all, held out with probability 3e-5.
    expect(held.length).toBeGreaterThan(0);
    expect(held.length).toBeLessThan(all.length);
    for (const c of held) {
      expect(c).toMatchObject({ offer_due_at: null, offer_sent_at: null, offer_deliveries: {} });
      expect(s.h.smtp.inbox(`${c.whop_membership_id}@example.test`)).toEqual([]);
      expect((await post(linkOf(c))).statusCode).toBe(404);
    }
    for (const c of all.filter((x) => !x.holdout)) expect(s.h.smtp.inbox(`${c.whop_membership_id}@example.test`)).toHaveLength(1);
    const pushedTo = s.h.whop.callsTo('POST', '/notifications').flatMap((x) => (x.body as { user_ids: string[] }).user_ids);
    for (const c of held) expect(pushedTo).not.toContain(`user_${c.whop_membership_id}`);
    // A held-out member undoes the cancel in Whop on their own.
    const own = held[0]!;
    s.h.clock.set(at(2));
    await s.h.deliver('membership.cancel_at_period_end_changed', { id: own.whop_membership_id, cancel_at_period_end: false, cancel_option: null, cancelation_status: null, updated_at: at(2).toISOString() }, s.companyId);
    expect((await saveCases()).find((c) => c.id === own.id)).toMatchObject({ status: 'saved', saved_by: 'own' });
    const view = await presentSaves(s.h.deps.db, s.companyId, { windowDays: 30, now: at(3) });
    expect(view.control).toMatchObject({ cases: held.length, offers_sent: 0, saved: 1 });
    expect(view.treated).toMatchObject({ cases: all.length - held.length, offers_sent: all.length - held.length });
  });

  it('another company never sees this company’s save cases', async () => {
    await scheduleCancel('too_expensive');
    const other = await presentSaves(s.h.deps.db, 'biz_save_other', { windowDays: 365, now: at(1) });
    expect([other.treated.cases, other.control.cases, other.recent]).toEqual([0, 0, []]);
    expect((await presentSaves(s.h.deps.db, s.companyId, { windowDays: 365, now: at(1) })).recent).toHaveLength(1);
  });
});
