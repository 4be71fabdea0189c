import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEB_DIST } from '../../src/http/routes/dashboard-pages.ts';
import { startServiceWithWhop, type ServiceWithWhop } from '../support/service-with-whop.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-database.ts';
import { newWebhookSecret } from '../support/sign-webhook.ts';
import { deliver, holdMissedStory, knownFailureEvent, missedStory, waitUntilProcessed } from '../support/reconciliation.ts';

const CHROMIUM = '/usr/bin/chromium';
const OPERATOR = { email: 'ops@churnsaver.test', password: 'e2e-password-1234' };
const canRun = existsSync(CHROMIUM) && existsSync(join(WEB_DIST, 'index.html'));

describe.runIf(canRun)('the admin page’s reconciliation with Whop, in a real browser', () => {
  let database: TestDatabase;
  let env: ServiceWithWhop;
  let browser: Browser;
  let page: Page;
  const secret = newWebhookSecret();
  const story = missedStory('biz_e2e_recon', 'e');

  beforeAll(async () => {
    database = await createTestDatabase();
    env = await startServiceWithWhop(database, { WEBHOOK_SECRET: secret, ADMIN_EMAIL: OPERATOR.email, ADMIN_PASSWORD: OPERATOR.password, RECONCILE_ON_START: 'false' });
    expect(await deliver(env.service.url, secret, knownFailureEvent(story))).toBe(200);
    await waitUntilProcessed(database.sql);
    holdMissedStory(env.whop, story);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-sync'] });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await env?.service.stop();
    await env?.whop.close();
    await database?.close();
  });

  it('an operator presses Reconcile now and sees the run finish with the three events no webhook brought', async () => {
    await page.goto(`${env.service.url}/login`);
    await page.getByTestId('login-email').fill(OPERATOR.email);
    await page.getByTestId('login-password').fill(OPERATOR.password);
    await page.getByTestId('login-submit').click();
    await page.waitForURL(/\/admin/);
    const section = page.getByTestId('reconciliation');
    await expect.poll(() => section.innerText()).toContain('No reconciliation has run yet.');
    await section.getByRole('button', { name: 'Reconcile now' }).click();
    const row = section.getByTestId('reconciliation-run').first();
    await expect.poll(() => row.innerText(), { timeout: 30_000 }).toMatch(/succeeded/);
    const cells = await row.locator('td').allInnerTexts();
    expect(cells[1]).toContain('By an operator');
    expect(cells[1]).toContain(OPERATOR.email);
    expect(cells[3]).toBe('1 / 1');
    expect(cells[5]).toBe('3');
    await expect.poll(() => section.getByRole('button', { name: 'Reconcile now' }).isEnabled()).toBe(true);
  });
});
