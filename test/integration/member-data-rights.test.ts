import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { presentKpis } from '../../src/presenters/kpis.presenter.ts';
import { purgeExpiredPersonalData } from '../../src/services/members/purge-expired-personal-data.ts';
import { startWhopApiFake, type WhopApiFake } from '../fakes/whop-api.ts';
import { findInDatabase } from '../support/database-scan.ts';
import { signV1 } from '../support/sign-webhook.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-database.ts';
import { startTestService, waitFor, type TestService } from '../support/test-service.ts';
import { buildWhopEvent } from '../support/whop-fixtures.ts';
import { createWhopTokenIssuer } from '../support/whop-user-token.ts';
import { readResponse } from '../support/read-response.ts';
import { withoutControlGroup } from '../support/no-control-group.ts';

const DAY = 86_400_000;
const COMPANY = 'biz_rights';
const OTHER = 'biz_rights_other';
const DANA = { id: 'user_dana', email: 'Dana.Rights@example.test', name: 'Dana Erasable' };
const LEE = { id: 'user_lee', email: 'lee.keeps@example.test', name: 'Lee Stays' };

describe('member data rights: export, erasure, opt-out, retention', () => {
  let database: TestDatabase;
  let service: TestService;
  let whop: WhopApiFake;
  let owner: string;
  let stranger: string;
  let now = new Date();
  const clock = { now: () => now };

  const api = async (path: string, init: { method?: string; token?: string; body?: unknown } = {}) => {
    const response = await fetch(`${service.url}${path}`, {
      method: init.method ?? 'GET',
      headers: { ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}), ...(init.token ? { 'x-whop-user-token': init.token } : {}) },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    return readResponse(response);
  };
  async function deliver(type: string, companyId: string, member: typeof DANA, membershipId: string, extra: Record<string, unknown> = {}) {
    const body = JSON.stringify(buildWhopEvent(type as never, { data: { id: `pay_${membershipId}_${type}`, company: { id: companyId }, membership: { id: membershipId }, user: { id: member.id, email: member.email, name: member.name }, total: 40, currency: 'usd', failure_message: `Card of ${member.name} declined`, last_payment_attempt: now.toISOString(), paid_at: now.toISOString(), ...extra } }));
    expect((await service.post('/api/webhooks/whop', body, signV1(body, service.webhookSecret))).status).toBe(200);
  }
  const casesOf = async (companyId: string) => (await database.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM recovery_cases WHERE company_id = $1`, [companyId])).rows[0]!.n;

  beforeAll(async () => {
    database = await createTestDatabase();
    // The member is nudged below: no control group (10 % of members are held out by default).
    await withoutControlGroup(database.sql, [COMPANY, OTHER]);
    whop = await startWhopApiFake();
    const issuer = await createWhopTokenIssuer();
    service = await startTestService(database, {
      clock,
      env: { WHOP_API_KEY: 'test_key', WHOP_API_BASE_URL: whop.baseURL, WHOP_APP_ID: 'app_test', WHOP_USER_TOKEN_PUBLIC_KEY: issuer.publicJwk, NUDGE_INTERVAL_SECONDS: '3600' },
    });
    whop.setAccess('user_owner', COMPANY, 'admin');
    whop.setAccess('user_stranger', OTHER, 'admin');
    owner = await issuer.token('user_owner');
    stranger = await issuer.token('user_stranger');
    // Dana: a failed payment, recovered; then a second membership that fails. Lee: one failure. The
    // other company has Dana too (same Whop user): her data there must survive an erasure here.
    await deliver('payment.failed', COMPANY, DANA, 'mem_dana1');
    await deliver('payment.succeeded', COMPANY, DANA, 'mem_dana1');
    await deliver('payment.failed', COMPANY, DANA, 'mem_dana2');
    // Lee's membership id contains Dana's (mem_dana1 in mem_dana10): matching must not confuse them.
    await deliver('payment.failed', COMPANY, LEE, 'mem_dana10');
    await deliver('payment.failed', OTHER, DANA, 'mem_dana_other');
    await waitFor(async () => (await casesOf(COMPANY)) === 3 && (await casesOf(OTHER)) === 1, 15_000, 'cases');
    // A nudge on Dana's open case, so deliveries hold rendered texts.
    const [open] = (await database.sql.query<{ id: string }>(`SELECT id FROM recovery_cases WHERE whop_membership_id = 'mem_dana2'`)).rows;
    whop.setMembership('mem_dana2', { company: { id: COMPANY, title: 'Rights Club' }, product: { id: 'prod_r', title: 'Rights Club', metadata: {} }, user: { id: DANA.id, username: 'dana', name: DANA.name, email: DANA.email } });
    // The bank decline's default playbook retries first; failing, the reminder is rendered.
    whop.setRetryOutcome('pay_mem_dana2_payment.failed', { status: 'open', substatus: 'failed' });
    expect((await api(`/api/companies/${COMPANY}/cases/${open!.id}/nudge`, { method: 'POST', token: owner, body: {} })).status).toBe(200);
  });
  afterAll(async () => {
    await service?.stop();
    await whop?.close();
    await database?.close();
  });

  it('exports everything about a member by email as JSON, downloadable (and audited) for 7 days', async () => {
    const created = await api(`/api/companies/${COMPANY}/member-data/exports`, { method: 'POST', token: owner, body: { email: DANA.email.toUpperCase() } });
    expect(created.status).toBe(201);
    expect(created.json.export.counts).toMatchObject({ cases: 2, webhooks: 3 });
    const download = await api(created.json.export.download_url, { token: owner });
    expect(download.status).toBe(200);
    expect(download.headers.get('content-disposition')).toMatch(/^attachment; filename="member-data-biz_rights-/);
    const document = JSON.parse(download.text);
    expect(document.member).toMatchObject({ whop_user_ids: [DANA.id], emails: [DANA.email.toLowerCase()] });
    expect(document.cases.map((c: any) => c.member_email)).toEqual([DANA.email, DANA.email]);
    expect(document.cases.flatMap((c: any) => c.deliveries).some((d: any) => typeof d.rendered_body === 'string' && d.rendered_body.includes('Dana'))).toBe(true);
    expect(document.webhooks.map((w: any) => w.body.data.user.email)).toEqual([DANA.email, DANA.email, DANA.email]);
    expect(download.text).not.toContain(LEE.email);
    expect(download.text).not.toContain('mem_dana_other');

    // Another company's admin cannot see it, nor ask for it there.
    expect((await api(created.json.export.download_url, { token: stranger })).status).toBe(404);
    expect((await api(`/api/companies/${OTHER}/member-data/exports/${created.json.export.id}`, { token: stranger })).status).toBe(404);

    const { rows: audited } = await database.sql.query<{ action: string; actor: string; ip: string }>(`SELECT action, actor, ip FROM audit.events WHERE company_id = $1 AND action LIKE 'member.export%' ORDER BY id`, [COMPANY]);
    expect(audited.map((a) => `${a.action} by ${a.actor}`)).toEqual(['member.export by creator:user_owner', 'member.export_download by creator:user_owner']);

    now = new Date(now.getTime() + 7 * DAY + 1000);
    expect((await api(created.json.export.download_url, { token: owner })).status).toBe(410);
    expect(await purgeExpiredPersonalData({ db: database.db, clock }, { rawWebhookDays: 30 })).toMatchObject({ exportsExpired: 1 });
  });

  it('names the problem when the member is not named right or not known', async () => {
    const both = await api(`/api/companies/${COMPANY}/member-data/exports`, { method: 'POST', token: owner, body: { email: DANA.email, user_id: DANA.id } });
    expect(both).toMatchObject({ status: 400, json: { error: { code: 'invalid_body', message: expect.stringContaining('user_id or email') } } });
    const unknownField = await api(`/api/companies/${COMPANY}/member-data/erasures`, { method: 'POST', token: owner, body: { email: DANA.email, confirm: true, everything: true } });
    expect(unknownField.status).toBe(400);
    const unconfirmed = await api(`/api/companies/${COMPANY}/member-data/erasures`, { method: 'POST', token: owner, body: { email: DANA.email } });
    expect(unconfirmed).toMatchObject({ status: 400, json: { error: { message: expect.stringContaining('confirm') } } });
    expect((await api(`/api/companies/${COMPANY}/member-data/exports`, { method: 'POST', token: owner, body: { user_id: 'user_nobody' } })).status).toBe(404);
  });

  it('erases a member by user id: her email and name are found nowhere in the database, KPIs are unchanged, the other company keeps its data, and a receipt is kept', async () => {
    const kpisBefore = await presentKpis(COMPANY, database.db, 90, now);
    const erased = await api(`/api/companies/${COMPANY}/member-data/erasures`, { method: 'POST', token: owner, body: { user_id: DANA.id, confirm: true, opt_out: true } });
    expect(erased.status).toBe(200);
    expect(erased.json.receipt.counts).toMatchObject({ cases_anonymised: 2, webhook_bodies_erased: 3, opt_outs_added: 3 });

    // Every text and jsonb column of every schema, encrypted values decrypted: only the other
    // company's copy of Dana remains.
    const hits = await findInDatabase(database, [DANA.email, DANA.name, 'mem_dana1', 'mem_dana2'], { decrypt: true });
    const inOtherCompany = (await findInDatabase(database, [DANA.email], { decrypt: true })).length;
    expect(inOtherCompany).toBeGreaterThan(0);
    const { rows: otherRows } = await database.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM recovery_cases WHERE company_id = $1 AND whop_user_id = $2`, [OTHER, DANA.id]);
    expect(otherRows[0]!.n).toBe(1);
    // What is left of Dana is in the other company only.
    for (const hit of hits) expect(hit).toMatch(/recovery_cases|membership_facts|webhook_events|member_email/);
    const stillHere = await api(`/api/companies/${COMPANY}/member-data/exports`, { method: 'POST', token: owner, body: { email: DANA.email } });
    expect(stillHere.status).toBe(404);

    // The aggregates stay: cases, recoveries, money recovered, incentive cost, sends per channel. Her
    // open case is closed (nobody is left to recover), so it moves from open to closed.
    const kpisAfter = await presentKpis(COMPANY, database.db, 90, now);
    const kept = (k: typeof kpisBefore) => ({ opened: k.cases_opened, recovered: k.recovered, money: k.money.map((m) => [m.currency, m.recovered_cents, m.incentive_cost_cents]), channels: k.by_channel, cases: k.cases_opened });
    expect(kept(kpisAfter)).toEqual(kept(kpisBefore));
    expect(kpisAfter.recovered).toBe(1);
    expect(await casesOf(COMPANY)).toBe(3);
    const lee = await api(`/api/companies/${COMPANY}/cases?q=${encodeURIComponent(LEE.email)}`, { token: owner });
    expect(lee.json.cases).toHaveLength(1);
    const leeExport = await api(`/api/companies/${COMPANY}/member-data/exports`, { method: 'POST', token: owner, body: { email: LEE.email } });
    expect(leeExport.json.export.counts).toMatchObject({ cases: 1, webhooks: 1 });

    const receipts = await api(`/api/companies/${COMPANY}/member-data/erasures`, { token: owner });
    expect(receipts.json.receipts).toMatchObject([{ id: erased.json.receipt.id, subject_kind: 'user_id', requested_by: 'creator:user_owner' }]);
    expect((await api(`/api/companies/${OTHER}/member-data/erasures`, { token: stranger })).json.receipts).toEqual([]);
  });

  it('a later failure opens a new case but the opted-out member is not messaged', async () => {
    now = new Date(now.getTime() + DAY);
    await deliver('payment.failed', COMPANY, DANA, 'mem_dana3');
    await waitFor(async () => (await casesOf(COMPANY)) === 4, 15_000, 'new case');
    const [fresh] = (await database.sql.query<{ id: string }>(`SELECT id FROM recovery_cases WHERE whop_membership_id = 'mem_dana3'`)).rows;
    whop.setMembership('mem_dana3', { company: { id: COMPANY, title: 'Rights Club' }, product: { id: 'prod_r', title: 'Rights Club', metadata: {} }, user: { id: DANA.id, username: 'dana', name: DANA.name, email: DANA.email } });
    whop.setRetryOutcome('pay_mem_dana3_payment.failed', { status: 'open', substatus: 'failed' });
    const before = whop.calls.length;
    await api(`/api/companies/${COMPANY}/cases/${fresh!.id}/nudge`, { method: 'POST', token: owner, body: {} });
    const sent = whop.calls.slice(before).filter((c) => c.path.includes('/notifications') || c.path.includes('/messages'));
    expect(sent).toEqual([]);
    const { rows } = await database.sql.query<{ channel: string; status: string }>(`SELECT channel, status FROM deliveries WHERE case_id = $1 ORDER BY channel`, [fresh!.id]);
    expect(rows.every((r) => r.status === 'skipped')).toBe(true);
  });

  it('retention: raw webhook bodies older than the configured days are purged, newer ones and pending ones stay', async () => {
    const { rows: kept } = await database.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM webhook_events WHERE raw_body IS NOT NULL`);
    expect(kept[0]!.n).toBeGreaterThan(0);
    now = new Date(now.getTime() + 31 * DAY);
    const purged = await purgeExpiredPersonalData({ db: database.db, clock }, { rawWebhookDays: 30 });
    expect(purged.webhookBodiesPurged).toBe(kept[0]!.n);
    const { rows: left } = await database.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM webhook_events WHERE raw_body IS NOT NULL`);
    expect(left[0]!.n).toBe(0);
    // The rows stay: a re-delivery is still recognised as a duplicate.
    const { rows: events } = await database.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM webhook_events WHERE body_purged_at IS NOT NULL`);
    expect(events[0]!.n).toBeGreaterThanOrEqual(kept[0]!.n);
  });
});
