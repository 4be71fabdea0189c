import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareTestVariants } from '../../src/domain/kpi-formulas.ts';
import { presentVariantTest } from '../../src/presenters/variants.presenter.ts';
import { testVariantOf } from '../../src/services/cases/assign-test-variant.ts';
import { sendDueNudges } from '../../src/services/nudges/send-due-nudges.ts';
import { keepTestVariantWinner } from '../../src/services/settings/keep-test-variant.ts';
import { startVariantTest } from '../../src/services/settings/start-variant-test.ts';
import { DAY, startNudgeHarness, type NudgeHarness } from '../support/nudge-harness.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-database.ts';

// Issue #15 §5: a variant test from intake to the figures, with one injected clock.
const DAY0 = new Date('2026-08-03T15:00:00.000Z');
const COMPANY = 'biz_variant_scn';
const OTHER = 'biz_variant_other';
const MEMBERS = 40;
const B_DM = 'Hi[[ {member_name}]], variant B here: one tap keeps your **{product}** access: [update your payment]({manage_url})';

type CaseRow = { id: string; whop_user_id: string; holdout: boolean; variant_test_version: number | null; test_variant: 'a' | 'b' | null; first_failure_at: Date };

describe('a variant test, end to end', () => {
  let database: TestDatabase;
  let h: NudgeHarness;
  let started: number;
  const fail = (company: string, i: number, payment: string, at: Date) =>
    h.deliver('payment.failed', { id: payment, membership: { id: `mem_${company}_${i}` }, user: { id: `user_${company}_${i}`, email: `v${i}@example.test`, name: 'Dana' }, total: 20, currency: 'usd', failure_message: 'Your card was declined.', last_payment_attempt: at.toISOString() }, company);
  const cases = async (company = COMPANY) =>
    (await database.sql.query<CaseRow>(`SELECT id, whop_user_id, holdout, variant_test_version, test_variant, first_failure_at FROM recovery_cases WHERE company_id = $1 ORDER BY first_failure_at, whop_user_id`, [company])).rows;

  beforeAll(async () => {
    database = await createTestDatabase();
    h = await startNudgeHarness(database, DAY0);
    // The tested DM of step 0 goes out at once on the uniform days; the bank-decline playbook's step 0 has no DM.
    await h.saveSettings(COMPANY, { decline_playbooks: false, holdout_percent: 20 });
    const start = await startVariantTest({ db: database.db }, { companyId: COMPANY, actor: 'test', test: { channel: 'dm', step: 0, b: { body: B_DM } } });
    if (!start.ok) throw new Error(JSON.stringify(start));
    started = start.version;
    for (const company of [COMPANY, OTHER])
      for (let i = 0; i < (company === COMPANY ? MEMBERS : 4); i++) {
        h.seedMember(`mem_${company}_${i}`, company, { email: `v${i}@example.test`, userId: `user_${company}_${i}` });
        await fail(company, i, `pay_${company}_${i}`, DAY0);
      }
    // A lookup or send the loaded machine made slow waits for its retry: sweep again until every
    // treated case has had its first step (each sweep 10 minutes later).
    for (let sweep = 0; sweep < 6; sweep++) {
      await sendDueNudges(h.deps);
      const { rows } = await database.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM recovery_cases WHERE company_id = $1 AND NOT holdout AND steps_sent = 0`, [COMPANY]);
      if (rows[0]!.n === 0) break;
      h.clock.set(new Date(h.clock.now().getTime() + 10 * 60_000));
    }
  }, 240_000);
  afterAll(async () => {
    await h?.close();
    await database?.close();
  });

  it('stores a variant on every treated case, from the member hash; held-out cases are in no test', async () => {
    const all = await cases();
    expect(all).toHaveLength(MEMBERS);
    for (const c of all) {
      if (c.holdout) expect([c.variant_test_version, c.test_variant]).toEqual([null, null]);
      else expect([c.variant_test_version, c.test_variant]).toEqual([started, testVariantOf({ companyId: COMPANY, testVersion: started, memberKey: c.whop_user_id })]);
    }
    const treated = all.filter((c) => !c.holdout);
    expect(treated.some((c) => c.test_variant === 'a') && treated.some((c) => c.test_variant === 'b')).toBe(true);
    expect((await cases(OTHER)).every((c) => c.test_variant === null)).toBe(true);
  });

  it('each delivery of the tested template records its variant, and the text sent is that variant\'s', async () => {
    const all = await cases();
    const sent = new Set<string>();
    for (const c of all.filter((x) => !x.holdout)) {
      const { rows } = await database.sql.query<{ channel: string; status: string; test_variant: string | null }>(`SELECT channel, status, test_variant FROM deliveries WHERE case_id = $1 ORDER BY channel`, [c.id]);
      // Only the DM of step 0 is tested: push and email carry no variant.
      expect(rows.map((r) => [r.channel, r.test_variant])).toEqual([
        ['dm', c.test_variant],
        ['email', null],
        ['push', null],
      ]);
      // A DM whose call outlived its lease on a loaded machine ends `unknown` (never resent): only sent texts are read.
      if (rows[0]!.status !== 'sent') continue;
      const dms = h.whop.messagesTo(c.whop_user_id);
      expect(dms).toHaveLength(1);
      if (c.test_variant === 'b') expect(dms[0]!.content).toMatch(/^Hi Dana Reyes, variant B here: one tap keeps your \*\*Northwind Signals\*\* access: \[update your payment\]\(https:\/\/recover\.example\.test\/r\?t=/);
      else expect(dms[0]!.content).toContain('Approving the charge with your bank or using another card usually fixes it.');
      sent.add(c.test_variant!);
    }
    expect(sent).toEqual(new Set(['a', 'b']));
  });

  it('sticky: a later case of the same member gets the same variant', async () => {
    const first = new Map((await cases()).map((c) => [c.whop_user_id, c.test_variant]));
    for (let i = 0; i < MEMBERS; i += 2) {
      h.clock.set(new Date(DAY0.getTime() + DAY));
      await h.deliver('payment.succeeded', { id: `pay_ok_${i}`, membership: { id: `mem_${COMPANY}_${i}` }, total: 20, currency: 'usd', paid_at: h.clock.now().toISOString() }, COMPANY);
      h.clock.set(new Date(DAY0.getTime() + 30 * DAY));
      await fail(COMPANY, i, `pay_again_${i}`, h.clock.now());
    }
    const later = (await cases()).filter((c) => c.first_failure_at.getTime() > DAY0.getTime());
    expect(later).toHaveLength(MEMBERS / 2);
    for (const c of later) expect(c.test_variant).toBe(first.get(c.whop_user_id));
  });

  it('shows each variant over its decided cases; another company sees none of them', async () => {
    // 60 days on, every case of DAY0 is decided: the even members paid (recovered), the odd ones
    // ran out of window (lost); the second cases are still inside theirs.
    const now = new Date(DAY0.getTime() + 40 * DAY);
    const all = await cases();
    const count = (variant: 'a' | 'b') => {
      const of = all.filter((c) => c.test_variant === variant);
      const first = of.filter((c) => c.first_failure_at.getTime() === DAY0.getTime());
      const recovered = first.filter((c) => Number(c.whop_user_id.split('_').at(-1)) % 2 === 0).length;
      return { recovered, lost: first.length - recovered, deciding: of.length - first.length };
    };
    const view = await presentVariantTest(COMPANY, database.db, now);
    expect(view.running).toBe(true);
    if (!view.running) return;
    const expected = compareTestVariants(count('a'), count('b'));
    expect({ a: view.a, b: view.b, difference: view.difference, more: view.more_decided_needed, state: view.state }).toEqual({
      a: expected.a,
      b: expected.b,
      difference: expected.difference,
      more: expected.more_decided_needed,
      state: 'measuring',
    });
    expect(view.a.decided + view.b.decided).toBe(all.filter((c) => !c.holdout && c.first_failure_at.getTime() === DAY0.getTime()).length);
    expect(await presentVariantTest(OTHER, database.db, now)).toMatchObject({ running: false });
  });

  it('keeping B makes it the template; new cases are in no test and get B as everyone does', async () => {
    const kept = await keepTestVariantWinner({ db: database.db }, { companyId: COMPANY, actor: 'test', winner: 'b', startedVersion: started });
    expect(kept).toMatchObject({ ok: true, settings: { variant_test: null, templates: { dm: { steps: { '0': { body: { generic: B_DM } } } } } } });
    h.clock.set(new Date(DAY0.getTime() + 31 * DAY));
    h.seedMember(`mem_${COMPANY}_new`, COMPANY, { userId: `user_${COMPANY}_new` });
    await h.deliver('payment.failed', { id: 'pay_new', membership: { id: `mem_${COMPANY}_new` }, user: { id: `user_${COMPANY}_new` }, total: 20, currency: 'usd', last_payment_attempt: h.clock.now().toISOString() }, COMPANY);
    expect((await cases()).find((c) => c.whop_user_id === `user_${COMPANY}_new`)).toMatchObject({ variant_test_version: null, test_variant: null });
  });
});
