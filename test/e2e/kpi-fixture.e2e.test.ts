import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEB_DIST } from '../../src/http/routes/dashboard-pages.ts';
import { FIXTURE_COMPANY, FIXTURE_NOW, fixtureCaseId, LIFT_COMPANY, seedKpiFixture } from '../support/kpi-fixture.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-database.ts';
import { startTestService, type TestService } from '../support/test-service.ts';

const CHROMIUM = '/usr/bin/chromium';
const OPERATOR = { email: 'ops-kpi@churnsaver.test', password: 'e2e-password-1234' };
const canRun = existsSync(CHROMIUM) && existsSync(join(WEB_DIST, 'index.html'));
if (!canRun && process.env.CI) throw new Error(`browser tests need ${CHROMIUM} and a built dashboard (npm run build:web)`);

// The figures of test/support/kpi-fixture.ts as the overview renders them (values computed by hand there).
describe.runIf(canRun)('the overview renders the hand-computed fixture', () => {
  let database: TestDatabase;
  let service: TestService;
  let browser: Browser;
  let page: Page;
  const text = (testId: string) => page.getByTestId(testId).innerText();

  beforeAll(async () => {
    database = await createTestDatabase();
    await seedKpiFixture(database.sql);
    service = await startTestService(database, { clock: { now: () => FIXTURE_NOW }, env: { ADMIN_EMAIL: OPERATOR.email, ADMIN_PASSWORD: OPERATOR.password, NUDGE_INTERVAL_SECONDS: '3600' } });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--lang=en-US'] });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'en-US', timezoneId: 'UTC' });
    await page.goto(`${service.url}/login`);
    await page.getByTestId('login-email').fill(OPERATOR.email);
    await page.getByTestId('login-password').fill(OPERATOR.password);
    await page.getByTestId('login-submit').click();
    await page.waitForURL(/\/admin/);
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await service?.stop();
    await database?.close();
  });

  it('admin lists recovered per currency, the same 30-day figures as the overview', async () => {
    const row = page.getByTestId('company-row').filter({ hasText: 'Fixture Club' });
    await expect.poll(() => row.innerText()).toMatch(/7\s+€55\.00\s+\$65\.00/);
  });

  it('30 days: money per currency, the headline rate over ended windows, and this window so far', async () => {
    await page.goto(`${service.url}/dashboard/${FIXTURE_COMPANY}`);
    await page.getByTestId('kpi-recovered').waitFor();
    expect(await text('kpi-recovered-usd')).toBe('$65.00');
    expect(await text('kpi-recovered-eur')).toBe('€55.00');
    expect(await text('kpi-lost-usd')).toBe('$25.00');
    expect(await text('kpi-lost-eur')).toBe('€30.00');
    expect(await text('kpi-at-risk-usd')).toBe('$108.00');
    expect(await text('kpi-at-risk-eur')).toBe('€60.00');
    expect(await text('kpi-net-recovered-usd')).toBe('$61.67');
    expect(await text('kpi-net-recovered-eur')).toBe('€51.00');
    expect(await text('kpi-incentive-cost-usd')).toBe('$3.33');
    const rate = await text('kpi-recovery-rate');
    expect(rate).toContain('44.4%');
    expect(rate).toContain('of 9 decided · 1 still deciding');
    expect(await text('kpi-rate-amount')).toBe('By amount: 62.5% of USD · 33.3% of EUR');
    expect(await text('kpi-window-rate')).toMatch(/62\.5%\s+of 8 decided · 5 still deciding/);
    expect(await text('kpi-cases-opened')).toMatch(/13\s+5 recovered · 3 lost · 5 still deciding/);
    expect(await text('kpi-median-time')).toMatch(/24 h/);
  });

  it('the weekly chart is by cohort week with labelled axes, and its table has the amounts per currency', async () => {
    const chart = page.getByTestId('weekly-chart');
    await chart.locator('.recharts-bar-rectangle').first().waitFor();
    expect(await text('chart-x-title')).toBe('Week of first failed payment');
    expect(await text('chart-y-title')).toBe('Cases');
    expect(await chart.locator('svg[role="img"]').getAttribute('aria-label')).toContain('5 weeks: 5 recovered, 3 lost, 5 still deciding');
    // Stacked by outcome: three series of bars.
    expect(await chart.locator('.recharts-bar').count()).toBe(3);
    await page.getByText('Show as a table').click();
    expect(await text('week-2026-11-09')).toMatch(/Nov 9\s+1\s+\$0\.00\s+€10\.00\s+0\s+\$0\.00\s+€0\.00\s+2\s+\$40\.00\s+€60\.00/);
  });

  it('credit by method, channel and step sum to the recoveries; by decline reason; the at-risk list', async () => {
    expect(await text('method-whop_retry')).toMatch(/\t1\t\s*\$25\.00$/);
    expect(await text('method-nudge')).toMatch(/\t2\t\s*\$40\.00$/);
    expect(await text('method-manual')).toMatch(/\t1\t\s*€45\.00$/);
    expect(await text('method-unattributed')).toMatch(/\t1\t\s*€10\.00$/);
    expect(await text('channel-push')).toBe('Push\t2\t0\t1\t1');
    expect(await text('channel-email')).toBe('Email\t1\t1\t1\t1');
    expect(await text('step-1')).toContain('9 cases reached · 2 recoveries credited');
    expect(await text('decline-card_declined')).toMatch(/^Card declined\t5\t33\.3%/);
    expect(await text('decline-insufficient_funds')).toContain('Too early to tell');
    const atRisk = await page.getByTestId('at-risk-case').allInnerTexts();
    expect(atRisk.map((line) => line.split(' · ')[0])).toEqual(['mem_fixture12 €60.00', 'mem_fixture11 $40.00', 'mem_fixture15 $30.00', 'mem_fixture14 $20.00', 'mem_fixture16 $10.00']);
    expect(atRisk[0]).toContain('reminder 2');
  });

  it('7 days: mostly undecided, so "Too early to tell", never "100%"', async () => {
    await page.goto(`${service.url}/dashboard/${FIXTURE_COMPANY}?window=7`);
    await expect.poll(() => text('kpi-window-rate')).toMatch(/Too early to tell/);
    expect(await text('kpi-window-rate')).toContain('provisional: 100% of 1 decided · 3 still deciding');
    expect(await text('kpi-window-rate')).not.toMatch(/^100%/);
    // Headline: cases that failed 14–21 days ago, every window ended.
    expect(await text('kpi-recovery-rate')).toMatch(/^Recovery rate\s+50%/);
  });

  it('"How we count" speaks plain language and links to docs/metrics.md', async () => {
    const how = await text('how-we-count');
    expect(how).toContain('Recovered cases ÷ decided cases.');
    const href = await page.getByTestId('metrics-doc-link').getAttribute('href');
    const doc = await (await fetch(`${service.url}${href}`)).text();
    expect(doc).toMatch(/^# How Churn Saver counts/);
  });

  it('a recovered case: actions are off, an incentive never granted says so and why, the outbox is not called sent', async () => {
    // Case 10: recovered; its incentive stayed pending.
    await page.goto(`${service.url}/dashboard/${FIXTURE_COMPANY}/cases/${fixtureCaseId(10)}`);
    await page.getByTestId('timeline').waitFor();
    expect(await page.getByTestId('action-nudge').isDisabled()).toBe(true);
    expect(await page.getByTestId('action-cancel').isDisabled()).toBe(true);
    const timeline = await text('timeline');
    expect(timeline).toContain('Incentive: 3 free days not granted');
    expect(timeline).toContain('Why: the case was recovered before it was granted');
    expect(timeline).not.toMatch(/pending|no time yet/);
    // Case 4: its email was kept in the outbox.
    await page.goto(`${service.url}/dashboard/${FIXTURE_COMPANY}/cases/${fixtureCaseId(4)}`);
    await page.getByTestId('timeline').waitFor();
    expect(await text('timeline')).toContain('Reminder 1 by Email: kept in the outbox (not sent: provider not configured)');
  });

  it('the control group: treated vs held-out rates, the lift with its interval, extra revenue, and "measuring"', async () => {
    await page.goto(`${service.url}/dashboard/${LIFT_COMPANY}`);
    await page.getByTestId('control-group').waitFor();
    expect(await text('control-treated')).toMatch(/70%\s+of 10 decided · 1 still deciding/);
    expect(await text('control-held-out')).toMatch(/20%\s+of 5 decided/);
    expect(await text('control-lift')).toMatch(/\+50\.0 pts\s+95 % interval −2\.2 pts to \+75\.3 pts/);
    expect(await text('control-incremental-usd')).toMatch(/^\$49\.00\s+95 % interval/);
    expect(await text('control-measuring')).toContain('about 763 more decided cases needed');
    await page.goto(`${service.url}/dashboard/${FIXTURE_COMPANY}`);
    await expect.poll(() => text('control-none')).toContain('hold out a share of members in Settings');
  });
});
