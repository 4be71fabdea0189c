import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { recoveryCases } from '../../src/db/schema/recovery-cases.ts';
import { signV1 } from '../support/sign-webhook.ts';
import { COMPANY, guardBrowserTests, OPERATOR, SCREENSHOTS, startBrowserDashboard, VIEWPORTS, type BrowserDashboard } from '../support/browser-dashboard.ts';
import { waitFor } from '../support/test-service.ts';
import { buildWhopEvent } from '../support/whop-fixtures.ts';

const blocked = guardBrowserTests('dashboard.e2e.test.ts');

describe.skipIf(blocked !== null)(`dashboard in a real browser${blocked ? ` (skipped: ${blocked})` : ''}`, () => {
  let dashboard: BrowserDashboard;
  let page: Page;
  const shot = (name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
  const service = () => dashboard.service;
  const database = () => dashboard.database;

  beforeAll(async () => {
    dashboard = await startBrowserDashboard();
    page = await dashboard.browser.newPage({ viewport: VIEWPORTS.desktop });
  }, 90_000);
  afterAll(async () => {
    await dashboard?.close();
  });

  it('an operator logs in and lands on the admin overview listing the company', async () => {
    await page.goto(`${service().url}/login`);
    await page.getByTestId('login-email').fill(OPERATOR.email);
    await page.getByTestId('login-password').fill(OPERATOR.password);
    await page.getByTestId('login-submit').click();
    await page.waitForURL(/\/admin/);
    await expect.poll(() => page.getByText(COMPANY).count()).toBeGreaterThan(0);
    await shot('admin-overview');
  });

  it('the company dashboard shows KPI tiles and the weekly chart', async () => {
    await page.goto(`${service().url}/dashboard/${COMPANY}`);
    await page.getByTestId('kpi-recovered').waitFor();
    await expect.poll(async () => page.getByTestId('kpi-recovered').innerText()).toMatch(/\$/);
    await expect.poll(async () => page.getByTestId('kpi-recovery-rate').innerText()).toMatch(/%/);
    await page.getByTestId('weekly-chart').locator('svg').first().waitFor();
    await shot('dashboard-overview');
  });

  it('the cases table filters by status and search', async () => {
    await page.goto(`${service().url}/dashboard/${COMPANY}/cases`);
    await page.getByTestId('cases-table').waitFor();
    await expect.poll(() => page.getByTestId('case-row').count()).toBe(8);
    await page.getByTestId('filter-status').selectOption('open');
    await expect.poll(() => page.getByTestId('case-row').count()).toBeLessThan(8);
    await page.getByTestId('filter-status').selectOption('');
    await page.getByTestId('filter-search').fill('Dana@Example.com');
    await expect.poll(() => page.getByTestId('case-row').count()).toBe(1);
    await shot('cases');
  });

  it('a case page shows its timeline; "Nudge now" asks for confirmation and reports the result', async () => {
    await page.goto(`${service().url}/dashboard/${COMPANY}/cases`);
    await page.getByTestId('filter-status').selectOption('open');
    await expect.poll(() => page.getByTestId('case-row').count()).toBeGreaterThan(0);
    await page.getByTestId('case-row').first().click();
    await page.getByTestId('timeline').waitFor();
    await expect.poll(async () => page.getByTestId('case-status').innerText()).toMatch(/open/i);
    await page.getByTestId('action-nudge').click();
    // The dialog ignores clicks in its first 300 ms (a double-click's echo): answer as a reader would.
    await page.waitForTimeout(400);
    await page.getByTestId('confirm-yes').click();
    await expect.poll(async () => page.getByTestId('action-result').innerText(), { timeout: 10_000 }).toMatch(/\S/);
    await shot('case');
  });

  it('changing a setting saves a new version and shows the server’s verdict', async () => {
    await page.goto(`${service().url}/dashboard/${COMPANY}/settings`);
    await page.getByTestId('settings-form').waitFor();
    await page.getByLabel(/reminder/i).first().fill('0, 3, 6');
    await page.getByTestId('settings-save').click();
    await expect.poll(async () => page.getByTestId('settings-result').innerText(), { timeout: 10_000 }).toMatch(/saved|version/i);
    const { rows } = await database().sql.query<{ settings: Record<string, unknown> }>(`SELECT settings FROM company_settings WHERE company_id = $1 ORDER BY version DESC LIMIT 1`, [COMPANY]);
    expect(rows[0]!.settings.reminder_offsets_days).toEqual([0, 3, 6]);
    expect(rows[0]!.settings.decline_playbooks).toBe(true); // the default, saved as shown
    await shot('settings');
  });

  it('playbooks are on by default, explained in plain words; turning them off saves false and brings back the uniform options', async () => {
    const latest = async () => (await database().sql.query<{ settings: Record<string, unknown> }>(`SELECT settings FROM company_settings WHERE company_id = $1 ORDER BY version DESC LIMIT 1`, [COMPANY])).rows[0]!.settings;
    await page.goto(`${service().url}/dashboard/${COMPANY}/settings`);
    await page.getByTestId('settings-form').waitFor();
    const toggle = page.getByTestId('setting-decline_playbooks');
    const hint = page.getByTestId('decline_playbooks-hint');
    expect(await toggle.isChecked()).toBe(true);
    expect(await hint.innerText()).toMatch(/expired card is asked for a new one and never retried/);
    expect(await page.getByTestId('setting-retry_payment_first').count()).toBe(0); // a playbook step decides its own retry
    await toggle.uncheck();
    expect(await hint.innerText()).toMatch(/every member gets the same reminders, on the reminder days above/);
    expect(await page.getByTestId('setting-retry_payment_first').count()).toBe(1);
    await page.getByTestId('settings-save').click();
    await expect.poll(async () => (await latest()).decline_playbooks, { timeout: 10_000 }).toBe(false);
    // And back on, as the later tests expect the default.
    await toggle.check();
    await page.getByTestId('settings-save').click();
    await expect.poll(async () => (await latest()).decline_playbooks, { timeout: 10_000 }).toBe(true);
  });

  it('exporting CSV downloads every case', async () => {
    await page.goto(`${service().url}/dashboard/${COMPANY}/cases`);
    await page.getByTestId('cases-table').waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-csv').click()]);
    const path = await download.path();
    const lines = readFileSync(path!, 'utf8').trim().split('\n');
    expect(lines[0]).toMatch(/^id,status,membership/);
    expect(lines).toHaveLength(9);
  });

  it('a hostile member name and failure message are shown as text: no markup is interpreted, no script runs', async () => {
    const NAME = '<img src=x onerror="window.__xss=1">Eve';
    const FAILURE = '<script>window.__xss=2</script>declined';
    const data = { id: 'pay_e2e_xss', company: { id: COMPANY }, membership: { id: 'mem_e2e_xss' }, user: { id: 'user_e2e_xss', email: 'eve@example.com', name: NAME }, total: 9, currency: 'usd', last_payment_attempt: new Date().toISOString(), failure_message: FAILURE };
    const failed = JSON.stringify(buildWhopEvent('payment.failed', { company_id: COMPANY, data }));
    expect((await service().post('/api/webhooks/whop', failed, signV1(failed, service().webhookSecret))).status).toBe(200);
    await waitFor(async () => (await database().db.select({ id: recoveryCases.id }).from(recoveryCases).where(eq(recoveryCases.whopMembershipId, 'mem_e2e_xss')))[0], 15_000, 'case');
    // The name the dashboard shows comes from Whop at the first nudge; set it as that would.
    await database().db.update(recoveryCases).set({ memberName: NAME }).where(eq(recoveryCases.whopMembershipId, 'mem_e2e_xss'));

    await page.goto(`${service().url}/dashboard/${COMPANY}/cases`);
    await page.getByTestId('filter-search').fill('eve@example.com');
    await expect.poll(() => page.getByTestId('case-row').count()).toBe(1);
    const row = page.getByTestId('case-row').first();
    expect(await row.innerText()).toContain(NAME);
    await row.click();
    await page.getByText(NAME).first().waitFor();
    expect(await page.locator('img[src="x"]').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
  });
});
