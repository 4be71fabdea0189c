import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testVariantOf } from '../../src/services/cases/assign-test-variant.ts';
import type { WhopApiFake } from '../fakes/whop-api.ts';
import { readResponse } from '../support/read-response.ts';
import { startServiceWithWhop } from '../support/service-with-whop.ts';
import { signV1 } from '../support/sign-webhook.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-database.ts';
import { waitFor, type TestService } from '../support/test-service.ts';
import { buildWhopEvent } from '../support/whop-fixtures.ts';

// Issue #15 §5: variant tests through the API: start (B's approved text), figures, keep the winner.
const A = 'biz_vt_a';
const B = 'biz_vt_b';
const B_DM = 'Hi[[ {member_name}]], one tap keeps your **{product}** access: [update your payment]({manage_url})';
const MEMBERS = 12;

describe('variant tests (API)', () => {
  let database: TestDatabase;
  let service: TestService;
  let whop: WhopApiFake;
  let ownerA: string;
  let ownerB: string;
  let started: number;

  const api = async (path: string, init: { method?: string; token?: string; body?: unknown } = {}) =>
    readResponse(
      await fetch(`${service.url}${path}`, {
        method: init.method ?? 'GET',
        headers: { ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}), ...(init.token ? { 'x-whop-user-token': init.token } : {}) },
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
      }),
    );
  const fail = async (company: string, i: number) => {
    const body = JSON.stringify(
      buildWhopEvent('payment.failed', {
        company_id: company,
        data: { id: `pay_${company}_${i}`, company: { id: company }, membership: { id: `mem_${company}_${i}` }, user: { id: `user_${company}_${i}`, email: `m${i}@example.test` }, total: 20, currency: 'usd', last_payment_attempt: new Date().toISOString() },
      }),
    );
    expect((await service.post('/api/webhooks/whop', body, signV1(body, service.webhookSecret))).status).toBe(200);
  };
  const casesOf = async (company: string) =>
    (await database.sql.query<{ whop_user_id: string; variant_test_version: number | null; test_variant: string | null }>(`SELECT whop_user_id, variant_test_version, test_variant FROM recovery_cases WHERE company_id = $1 ORDER BY whop_user_id`, [company])).rows;

  beforeAll(async () => {
    database = await createTestDatabase();
    let issuer;
    ({ service, whop, issuer } = await startServiceWithWhop(database));
    whop.setAccess('user_owner_a', A, 'admin');
    whop.setAccess('user_owner_b', B, 'admin');
    ownerA = await issuer.token('user_owner_a');
    ownerB = await issuer.token('user_owner_b');
    // No control group here: every case of A is in the variant test (the control group's independence
    // from the variant is test/scenarios/variant-test.scenario.test.ts's, beside a 20 % holdout).
    const current = (await api(`/api/companies/${A}/settings`, { token: ownerA })).json;
    expect((await api(`/api/companies/${A}/settings`, { method: 'PUT', token: ownerA, body: { ...current.settings, holdout_percent: 0 } })).status).toBe(200);
  }, 180_000);
  afterAll(async () => {
    await service?.stop();
    await whop?.close();
    await database?.close();
  });

  it('says no test runs at first', async () => {
    const response = await api(`/api/companies/${A}/variant-test`, { token: ownerA });
    expect(response.status).toBe(200);
    expect(response.json).toMatchObject({ running: false });
  });

  it('refuses a B that breaks the template rules, naming the field, and changes nothing', async () => {
    const before = await api(`/api/companies/${A}/settings`, { token: ownerA });
    const response = await api(`/api/companies/${A}/variant-test`, { method: 'POST', token: ownerA, body: { channel: 'dm', step: 0, b: { body: 'Pay now {coupon}' } } });
    expect(response.status).toBe(400);
    expect(response.json.error.problems.map((p: { field: string }) => p.field)).toEqual(['variant_test.b.body', 'variant_test.b.body']);
    expect((await api(`/api/companies/${A}/settings`, { token: ownerA })).json.version).toBe(before.json.version);
  });

  it('starts a test as a new settings version; a second one is refused while it runs', async () => {
    const stale = (await api(`/api/companies/${A}/settings`, { token: ownerA })).json;
    const response = await api(`/api/companies/${A}/variant-test`, { method: 'POST', token: ownerA, body: { channel: 'dm', step: 0, b: { body: B_DM } } });
    expect(response.status, response.text).toBe(201);
    started = response.json.version;
    expect(response.json.variant_test).toEqual({ started_version: started, channel: 'dm', step: 0, decline_variant: 'generic', b: { body: B_DM } });
    expect((await api(`/api/companies/${A}/variant-test`, { method: 'POST', token: ownerA, body: { channel: 'email', b: { subject: 'S', body: '{manage_url}' } } })).json.error.reason).toBe('test_running');
    // A settings page loaded before the test started saves without ending it.
    const saved = await api(`/api/companies/${A}/settings`, { method: 'PUT', token: ownerA, body: { ...stale.settings, min_gap_hours: 6 } });
    expect(saved.status, saved.text).toBe(200);
    expect(saved.json.settings.variant_test.started_version).toBe(started);
    // The tested template's own text cannot change under the test.
    const edit = await api(`/api/companies/${A}/settings`, { method: 'PUT', token: ownerA, body: { ...saved.json.settings, templates: { dm: { steps: { '0': { body: { generic: 'Other {manage_url}' } } } } } } });
    expect(edit.status).toBe(400);
    expect(edit.json.error.problems.map((p: { field: string }) => p.field)).toEqual(['templates.dm']);
  });

  it('assigns each new case of the test a variant, stored on the case, as the member hash says', async () => {
    for (let i = 0; i < MEMBERS; i++) await fail(A, i);
    await fail(B, 0);
    await waitFor(async () => (await database.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM recovery_cases WHERE company_id IN ($1, $2)`, [A, B])).rows[0]!.n === MEMBERS + 1, 90_000, 'cases');
    const cases = await casesOf(A);
    for (const c of cases) expect(c).toEqual({ whop_user_id: c.whop_user_id, variant_test_version: started, test_variant: testVariantOf({ companyId: A, testVersion: started, memberKey: c.whop_user_id }) });
    expect(new Set(cases.map((c) => c.test_variant))).toEqual(new Set(['a', 'b']));
    // The case page says which variant the case is on.
    const { rows } = await database.sql.query<{ id: string; test_variant: string }>(`SELECT id, test_variant FROM recovery_cases WHERE company_id = $1 LIMIT 1`, [A]);
    expect((await api(`/api/companies/${A}/cases/${rows[0]!.id}`, { token: ownerA })).json.case).toMatchObject({ variant_test_version: started, test_variant: rows[0]!.test_variant });
    // The other company runs no test: its case is in none.
    expect((await casesOf(B))[0]).toMatchObject({ variant_test_version: null, test_variant: null });
  }, 120_000);

  it('shows each variant over its cases (all still deciding: measuring, no rate), for the company only', async () => {
    const view = await api(`/api/companies/${A}/variant-test`, { token: ownerA });
    expect(view.status).toBe(200);
    const cases = await casesOf(A);
    const inB = cases.filter((c) => c.test_variant === 'b').length;
    expect(view.json).toMatchObject({
      running: true,
      test: { started_version: started, channel: 'dm', step: 0, decline_variant: 'generic', texts: { b: { body: B_DM } } },
      a: { cases: MEMBERS - inB, deciding: MEMBERS - inB, decided: 0, rate: { value: null } },
      b: { cases: inB, deciding: inB, decided: 0, rate: { value: null } },
      state: 'measuring',
      more_decided_needed: 707,
    });
    expect(view.json.test.texts.a.body).not.toBe(B_DM);
    // Another company sees its own (none), and cannot read or settle A's.
    expect((await api(`/api/companies/${B}/variant-test`, { token: ownerB })).json).toMatchObject({ running: false });
    expect((await api(`/api/companies/${A}/variant-test`, { token: ownerB })).status).toBe(404);
    expect((await api(`/api/companies/${A}/variant-test/keep`, { method: 'POST', token: ownerB, body: { winner: 'b', started_version: started } })).status).toBe(404);
    const own = await api(`/api/companies/${B}/variant-test`, { method: 'POST', token: ownerB, body: { channel: 'dm', step: 0, b: { body: B_DM } } });
    expect(own.status).toBe(201);
    expect((await api(`/api/companies/${B}/variant-test`, { token: ownerB })).json).toMatchObject({ running: true, a: { cases: 0 }, b: { cases: 0 } });
  });

  it('keeps the winner: B becomes the template, the test ends, audited; a stale or repeated keep is refused', async () => {
    expect((await api(`/api/companies/${A}/variant-test/keep`, { method: 'POST', token: ownerA, body: { winner: 'b', started_version: started - 1 } })).json.error.reason).toBe('test_changed');
    const before = (await api(`/api/companies/${A}/settings`, { token: ownerA })).json;
    const kept = await api(`/api/companies/${A}/variant-test/keep`, { method: 'POST', token: ownerA, body: { winner: 'b', started_version: started } });
    expect(kept.status, kept.text).toBe(200);
    const after = (await api(`/api/companies/${A}/settings`, { token: ownerA })).json;
    expect(after.version).toBe(before.version + 1);
    expect(after.settings.variant_test).toBeNull();
    expect(after.settings.templates.dm.steps['0'].body.generic).toBe(B_DM);
    expect((await api(`/api/companies/${A}/variant-test`, { token: ownerA })).json).toMatchObject({ running: false });
    expect((await api(`/api/companies/${A}/variant-test/keep`, { method: 'POST', token: ownerA, body: { winner: 'b', started_version: started } })).json.error.reason).toBe('no_test');
    // A page still showing the test cannot bring it back (nor A's old text) by saving.
    const stale = await api(`/api/companies/${A}/settings`, { method: 'PUT', token: ownerA, body: before.settings });
    expect(stale.status).toBe(400);
    expect(stale.json.error.problems.map((p: { field: string }) => p.field)).toEqual(['variant_test']);
    const { rows } = await database.sql.query<{ action: string; actor: string; detail: Record<string, unknown> }>(
      `SELECT action, actor, detail FROM audit.events WHERE company_id = $1 AND action LIKE 'variant_test.%' ORDER BY at, action`,
      [A],
    );
    expect(rows.filter((r) => r.detail.ok).map((r) => [r.action, r.detail])).toEqual([
      ['variant_test.start', { ok: true, version: started }],
      ['variant_test.keep', { ok: true, winner: 'b', version: after.version }],
    ]);
    expect(rows.every((r) => r.actor === rows[0]!.actor && r.actor.includes('user_owner_a'))).toBe(true);
    // New cases are in no test once it ended.
    await fail(A, 99);
    await waitFor(async () => (await casesOf(A)).length === MEMBERS + 1, 60_000, 'case 99');
    expect((await casesOf(A)).find((c) => c.whop_user_id === `user_${A}_99`)).toMatchObject({ variant_test_version: null, test_variant: null });
  }, 90_000);
});
