import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findCurrentSettings } from '../../src/db/repositories/companies.repository.ts';
import { startVariantTest } from '../../src/services/settings/start-variant-test.ts';
import { COMPANY, guardBrowserTests, SCREENSHOTS, signedInContext, startBrowserDashboard, VIEWPORTS, type BrowserDashboard } from '../support/browser-dashboard.ts';

const blocked = guardBrowserTests('saves-and-variants.e2e.test.ts');
const DAY = 86_400_000;
const B_DM = 'Hi[[ {member_name}]], one tap keeps your **{product}** access: [update your payment]({manage_url})';

/**
 * The overview's Saves section (issue #15 §2) and variant test card (#15 §5) in a real browser:
 * the figures on screen are the ones the fixture below implies, worked out by hand.
 */
describe.skipIf(blocked !== null)(`saves and variant test sections in a real browser${blocked ? ` (skipped: ${blocked})` : ''}`, () => {
  let dashboard: BrowserDashboard;
  let page: Page;
  let started: number;
  const sql = () => dashboard.database.sql;

  beforeAll(async () => {
    dashboard = await startBrowserDashboard();
    const now = Date.now();
    const ago = (days: number) => new Date(now - days * DAY).toISOString();
    // Seven save cases scheduled in the last 30 days, five treated and two held out:
    //   treated: held (promo code, redeemed: $6.00 off × 3 months), reverted (free days),
    //            lost (message), saved and holding (pause), open (promo code not redeemed);
    //   control: held (undone on their own), lost.
    const rows: Array<[string, string, string, string | null, number | null, boolean, number, boolean, string | null]> = [
      // id suffix, status, offer, cancel_option, offer_days, holdout, scheduled days ago, accepted, reverted reason
      ['1', 'held', 'promo_code', 'too_expensive', null, false, 29, true, null],
      ['2', 'reverted', 'free_days', 'unused', 3, false, 25, true, 'membership_ended'],
      ['3', 'lost', 'message', 'other', null, false, 20, false, null],
      ['4', 'saved', 'pause', 'unused', 30, false, 10, true, null],
      ['5', 'open', 'promo_code', 'too_expensive', null, false, 2, false, null],
      ['6', 'held', 'free_days', 'unused', 3, true, 28, false, null],
      ['7', 'lost', 'message', null, null, true, 15, false, null],
    ];
    for (const [n, status, offer, option, days, holdout, scheduled, accepted, reverted] of rows) {
      const savedAt = ['held', 'reverted', 'saved'].includes(status) ? ago(scheduled - 1) : null;
      await sql().query(
        `INSERT INTO save_cases (id, company_id, whop_membership_id, whop_user_id, status, cancel_option, offer_kind, offer_days, holdout, scheduled_at, offer_sent_at, offer_deliveries,
                                 accepted_at, saved_at, saved_by, hold_ends_at, decided_at, reverted_reason, pause_resumes_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)`,
        [
          `00000000-0000-4000-8000-00000000000${n}`, COMPANY, `mem_save${n}`, `user_save${n}`, status, option, offer, days, holdout, ago(scheduled),
          holdout ? null : ago(scheduled), holdout ? {} : { email: 'sent', push: 'sent' },
          accepted ? savedAt : null, savedAt, savedAt ? (holdout ? 'own' : 'offer') : null, savedAt ? ago(scheduled - 31) : null,
          status === 'held' || status === 'reverted' || status === 'lost' ? ago(scheduled - 2) : null, reverted, offer === 'pause' ? ago(-20) : null,
        ],
      );
    }
    const terms = { promo_type: 'percentage', percent_off: 20, duration_months: 3, valid_days: 14 };
    await sql().query(
      `INSERT INTO incentives (company_id, save_case_id, type, value, status, cost_cents, currency, provider_ref, code, terms, expires_at, granted_at, redeemed_at, whop_redeemed_payment_id)
       VALUES ($1, $2, 'promo_code', 20, 'granted', 1800, 'usd', 'promo_e2e1', 'SAVE-E2EHELD1', $3, $4, $5, $6, 'pay_save1')`,
      [COMPANY, '00000000-0000-4000-8000-000000000001', terms, ago(15), ago(29), ago(28)],
    );
    await sql().query(
      `INSERT INTO incentives (company_id, save_case_id, type, value, status, cost_cents, currency, provider_ref, code, terms, expires_at, granted_at)
       VALUES ($1, $2, 'promo_code', 20, 'granted', 0, 'usd', 'promo_e2e5', 'SAVE-E2EOPEN5', $3, $4, $5)`,
      [COMPANY, '00000000-0000-4000-8000-000000000005', terms, ago(-12), ago(2)],
    );
    // The lost message offer's texts as sent (0043; a plaintext value reads as written, like a row from before encryption).
    const sent = { email: { subject: 'A note from Northwind', body: 'We would love you to stay: https://example.test/r' }, push: { subject: 'A note from Northwind', body: 'Stay? https://example.test/r' } };
    await sql().query(`UPDATE save_cases SET offer_messages = $1 WHERE id = '00000000-0000-4000-8000-000000000003'`, [JSON.stringify(sent)]);

    // A variant test of the first DM; the eight seeded cases are split by membership:
    // A = mem_e2e0..3 (0, 1, 3 recovered; 2 failed 16 days ago, its 14-day window over: lost) → 3 of 4;
    // B = mem_e2e4..7 (4, 6 recovered; 5 failed 10 days ago and never paid, 7 failed 6 days ago and
    // pays only in two days: both still deciding) → 2 of 2, 2 deciding.
    const start = await startVariantTest({ db: dashboard.database.db }, { companyId: COMPANY, actor: 'test', test: { channel: 'dm', step: 0, b: { body: B_DM } } });
    if (!start.ok) throw new Error(JSON.stringify(start));
    started = start.version;
    await sql().query(
      `UPDATE recovery_cases SET variant_test_version = $2, test_variant = CASE WHEN whop_membership_id IN ('mem_e2e0', 'mem_e2e1', 'mem_e2e2', 'mem_e2e3') THEN 'a' ELSE 'b' END WHERE company_id = $1`,
      [COMPANY, started],
    );
    ({ page } = await signedInContext(dashboard, VIEWPORTS.desktop));
  }, 120_000);
  afterAll(async () => {
    await dashboard?.close();
  });

  it('the Saves section shows the save rate over decided cases, offers, the control group and the redeemed codes’ cost', async () => {
    await page.goto(`${dashboard.service.url}/dashboard/${COMPANY}`);
    const saves = page.getByTestId('saves');
    await saves.getByTestId('saves-rate').waitFor();
    // Treated: 1 held ÷ (1 held + 1 reverted + 1 lost); the saved-and-holding and the open case still decide.
    expect(await saves.getByTestId('saves-rate').innerText()).toMatch(/33\.3%\s+of 3 decided · 2 still deciding/);
    // 5 offers sent, 3 accepted.
    expect(await saves.getByTestId('saves-offers').innerText()).toMatch(/Offers sent\s+5\s+3 accepted \(60%\)/);
    expect(await saves.getByTestId('saves-held').innerText()).toMatch(/1 \/ 1\s+2 still deciding · 1 cancelled/);
    // Control: 1 held ÷ 2 decided.
    expect(await saves.getByTestId('saves-control').innerText()).toMatch(/50%\s+of 2 decided/);
    expect(await saves.getByTestId('saves-cost').innerText()).toMatch(/\$18\.00\s+1 redeemed/);

    const byOffer = await saves.getByTestId('saves-by-offer').locator('tbody tr').allInnerTexts();
    // Offer, cases, sent, accepted, held, reverted, still deciding (control excluded).
    expect(byOffer.map((r) => r.split('\t').map((c) => c.trim()))).toEqual([
      ['Free days', '1', '1', '1', '0', '1', '0'],
      ['Message from you', '1', '1', '0', '0', '0', '0'],
      ['Pause', '1', '1', '1', '0', '0', '1'],
      ['Promo code', '2', '2', '1', '1', '0', '1'],
    ]);
    const recent = saves.getByTestId('saves-recent');
    const rowOf = (membership: string) => recent.locator('tr', { hasText: membership }).innerText();
    expect(await rowOf('mem_save1')).toMatch(/Promo code SAVE-E2EHELD1: 20 % off for 3 months, redeemed on \d{4}-\d{2}-\d{2}\s+Saved · held 30 days/);
    expect(await rowOf('mem_save5')).toMatch(/Promo code SAVE-E2EOPEN5: 20 % off for 3 months, not redeemed yet \(valid until \d{4}-\d{2}-\d{2}\)\s+Cancellation scheduled/);
    expect(await rowOf('mem_save4')).toMatch(/Pause 30 days \(billing resumes .+\)\s+Saved · holding/);
    expect(await rowOf('mem_save2')).toMatch(/3 free days\s+Saved · reverted \(membership ended\)/);
    expect(await rowOf('mem_save6')).toContain('None (control group)');
    await saves.screenshot({ path: join(SCREENSHOTS, 'saves-section.png') });
    // What the offer said, per channel, behind a summary of its deliveries; offers without kept text show none.
    const messages = recent.locator('tr', { hasText: 'mem_save3' }).getByTestId('save-offer-messages');
    expect(await messages.locator('summary').innerText()).toBe('Messages (Email: sent, Push: sent)');
    await messages.locator('summary').click();
    expect(await messages.innerText()).toMatch(/Email\s+A note from Northwind\s+We would love you to stay: https:\/\/example\.test\/r\s+Push/);
    expect(await recent.getByTestId('save-offer-messages').count()).toBe(1);
  });

  it('the variant test card shows each variant’s recovery rate with its 95 % interval, and keeping B makes it the template', async () => {
    const card = page.getByTestId('variant-test');
    await card.waitFor();
    // A: 3 of 4 decided. Wilson 95 %: (0.75 + z²/8 ± z·√(0.75·0.25/4 + z²/64)) / (1 + z²/4) = 30.1 % to 95.4 %.
    expect(await card.getByTestId('variant-a').innerText()).toMatch(/75%\s+of 4 decided\s+95 % interval 30\.1% to 95\.4%/);
    // B: 2 of 2 decided with two still deciding: provisional. Wilson: (1 + z²/4 ± z·√(z²/16)) / (1 + z²/2) = 34.2 % to 100 %.
    expect(await card.getByTestId('variant-b').innerText()).toMatch(/Too early to tell\s+provisional: 100% of 2 decided · 2 still deciding\s+95 % interval 34\.2% to 100%/);
    expect(await card.getByTestId('variant-difference').innerText()).toMatch(/\+25\.0 pts/);
    // Six decided cases are far from the planned size: neither text is called better.
    expect(await card.getByTestId('variant-verdict').innerText()).toMatch(/^Measuring: \d+ more decided cases needed/);
    await card.screenshot({ path: join(SCREENSHOTS, 'variant-test-card.png') });

    await card.getByTestId('variant-keep-b').click();
    const dialog = page.getByRole('dialog', { name: 'Keep variant B?' });
    await dialog.waitFor();
    expect(await dialog.innerText()).toContain('The test has not reached its planned size: the figures are interim.');
    // The dialog ignores clicks in its first 300 ms (a double-click's echo): answer as a reader would.
    await page.waitForTimeout(400);
    await dialog.getByRole('button', { name: 'Make B the template' }).click();
    await expect.poll(() => page.getByTestId('variant-test').count(), { timeout: 15_000 }).toBe(0);
    const after = await findCurrentSettings(dashboard.database.db, COMPANY);
    expect(after.version).toBe(started + 1);
    expect(after.nudge.variant_test).toBeNull();
    expect((after.nudge.templates.dm as { steps: Record<string, { body: Record<string, string> }> }).steps['0']!.body.generic).toBe(B_DM);
    // After a reload the card stays gone: the test really ended.
    await page.reload();
    await page.getByTestId('saves-rate').waitFor();
    expect(await page.getByTestId('variant-test').count()).toBe(0);
  });
  it('the settings page sets the save offers: a 21-day pause for "not using it" and the creator’s message; a 3-day pause is refused naming the field', async () => {
    await page.goto(`${dashboard.service.url}/dashboard/${COMPANY}/settings`);
    await page.getByTestId('settings-form').waitFor();
    const before = await findCurrentSettings(dashboard.database.db, COMPANY);
    await page.getByTestId('settings-save-offers').locator('summary').click();
    await page.getByTestId('setting-save_unused').selectOption('pause');
    await page.getByTestId('setting-save_pause_days').fill('3');
    await page.getByTestId('settings-save').click();
    await expect.poll(() => page.getByTestId('settings-save-offers').innerText()).toMatch(/at least 7 days/);
    expect((await findCurrentSettings(dashboard.database.db, COMPANY)).version).toBe(before.version);
    await page.getByTestId('setting-save_pause_days').fill('21');
    await page.getByTestId('setting-save_message').fill('New lessons every Friday.');
    await page.getByTestId('settings-save').click();
    await expect.poll(async () => (await findCurrentSettings(dashboard.database.db, COMPANY)).version, { timeout: 10_000 }).toBe(before.version + 1);
    const after = await findCurrentSettings(dashboard.database.db, COMPANY);
    expect(after.nudge.save_offers).toEqual({ unused: 'pause', pause_days: 21, message: 'New lessons every Friday.', templates: {} });
    // Nothing else the form shows changed with it.
    expect({ ...after.nudge, save_offers: null }).toEqual({ ...before.nudge, save_offers: null });
  });
});
