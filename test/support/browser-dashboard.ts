import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { WEB_DIST } from '../../src/http/routes/dashboard-pages.ts';
import { signV1 } from './sign-webhook.ts';
import { createTestDatabase, type TestDatabase } from './test-database.ts';
import { startTestService, waitFor, type TestService } from './test-service.ts';
import { buildWhopEvent } from './whop-fixtures.ts';
import { withoutControlGroup } from './no-control-group.ts';

/** Debian's Chromium (.ci/run installs it), driven by playwright-core; never a downloaded browser. */
export const CHROMIUM = '/usr/bin/chromium';
export const SCREENSHOTS = join(process.cwd(), 'docs', 'screenshots');
export const OPERATOR = { email: 'ops@churnsaver.test', password: 'e2e-password-1234' };
export const COMPANY = 'biz_e2e';
export const COMPANY_NAME = 'Northwind Trading Club';
export const VIEWPORTS = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } } as const;

/**
 * Why the browser tests cannot run here, or null when they can. In CI a reason is a failure
 * (thrown, naming what is missing); locally the file is skipped with the reason in its title and
 * a warning, never silently.
 */
export function browserTestsBlockedBy(): string | null {
  if (!existsSync(CHROMIUM)) return `${CHROMIUM} is missing: install Debian's Chromium (apt-get install -y chromium)`;
  if (!existsSync(join(WEB_DIST, 'index.html'))) return 'the dashboard is not built: run npm run build:web (npm ci does it)';
  return null;
}

export function guardBrowserTests(file: string): string | null {
  const reason = browserTestsBlockedBy();
  if (reason !== null && process.env.CI) throw new Error(`browser tests in ${file} cannot run in CI: ${reason}`);
  if (reason !== null) console.warn(`SKIPPED browser tests in ${file}: ${reason}`);
  return reason;
}

export interface BrowserDashboard {
  database: TestDatabase;
  service: TestService;
  browser: Browser;
  close(): Promise<void>;
}

/**
 * The service on a fresh embedded database with a small living history (eight members' failures
 * over the last weeks, some recovered), and Chromium. `env` adds service variables.
 */
export async function startBrowserDashboard(options: { env?: Record<string, string> } = {}): Promise<BrowserDashboard> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const database = await createTestDatabase();
  // The pages' checks act on any case ("Nudge now"): no control group (10 % of members by default).
  await withoutControlGroup(database.sql, [COMPANY]);
  // Sign-in is limited per account; these tests sign in once per browser context.
  const service = await startTestService(database, {
    env: { ADMIN_EMAIL: OPERATOR.email, ADMIN_PASSWORD: OPERATOR.password, NUDGE_INTERVAL_SECONDS: '3600', RATE_LIMIT_LOGIN_MAX: '100', ...options.env },
  });
  const now = Date.now();
  const members = ['Dana Reyes', 'Lee Park', 'Sam Ortiz', 'Ana Silva', 'Kim Cho', 'Ola Berg', 'Ravi Shah', 'Mia Novak'];
  for (const [i, name] of members.entries()) {
    const failedAt = new Date(now - (20 - i * 2) * 86_400_000);
    const data = { id: `pay_e2e${i}`, company: { id: COMPANY, title: COMPANY_NAME }, membership: { id: `mem_e2e${i}` }, user: { id: `user_e2e${i}`, email: `${name.split(' ')[0]!.toLowerCase()}@example.com`, name }, total: 19.99 + i * 10, currency: 'usd', last_payment_attempt: failedAt.toISOString(), failure_message: i % 2 ? 'Your card has expired.' : 'Your card has insufficient funds.' };
    const failed = JSON.stringify(buildWhopEvent('payment.failed', { company_id: COMPANY, data }));
    await service.post('/api/webhooks/whop', failed, signV1(failed, service.webhookSecret));
    if (i % 3 !== 2) {
      const paid = JSON.stringify(buildWhopEvent('payment.succeeded', { company_id: COMPANY, data: { ...data, paid_at: new Date(failedAt.getTime() + (i + 1) * 86_400_000).toISOString() } }));
      await service.post('/api/webhooks/whop', paid, signV1(paid, service.webhookSecret));
    }
  }
  await waitFor(async () => {
    const { rows } = await database.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM webhook_events WHERE status = 'pending'`);
    return rows[0]!.n === 0;
  }, 20_000, 'events processed');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return {
    database,
    service,
    browser,
    async close() {
      await browser.close();
      await service.stop();
      await database.close();
    },
  };
}

/** Signs the operator in on `page` (at /login, optionally with ?next=) and waits until it leaves the page. */
export async function signIn(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.getByTestId('login-email').fill(OPERATOR.email);
  await page.getByTestId('login-password').fill(OPERATOR.password);
  await page.getByTestId('login-submit').click();
  await page.waitForURL((u) => u.pathname !== '/login');
}

/** A signed-in browser context at one viewport. */
export async function signedInContext(dashboard: BrowserDashboard, viewport: { width: number; height: number }): Promise<{ context: BrowserContext; page: Page }> {
  const context = await dashboard.browser.newContext({ viewport, deviceScaleFactor: 1, isMobile: viewport.width < 500, hasTouch: viewport.width < 500 });
  const page = await context.newPage();
  await signIn(page, `${dashboard.service.url}/login`);
  return { context, page };
}

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** Rules about contrast and names (labels, accessible names) among axe's WCAG 2 A/AA rules. */
export const CONTRAST_AND_LABEL_RULES = [
  'color-contrast', 'label', 'label-title-only', 'select-name', 'button-name', 'link-name', 'input-button-name', 'aria-input-field-name',
  'aria-toggle-field-name', 'aria-command-name', 'aria-dialog-name', 'aria-meter-name', 'aria-progressbar-name', 'aria-tooltip-name',
  'role-img-alt', 'svg-img-alt', 'image-alt', 'summary-name', 'document-title', 'frame-title', 'form-field-multiple-labels',
];

/**
 * axe-core's WCAG 2 A/AA check of the page as it is, evaluated through the DevTools protocol (the
 * pages' CSP forbids inline scripts, and stays on). Returns "rule: target (summary)" per node.
 */
export async function axeViolations(page: Page, rules: readonly string[] = CONTRAST_AND_LABEL_RULES): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async (ruleIds) => {
    const axe = (window as unknown as { axe: { run: (context: unknown, options: unknown) => Promise<{ violations: { id: string; nodes: { target: string[]; failureSummary?: string }[] }[] }> } }).axe;
    const result = await axe.run(document, { runOnly: { type: 'rule', values: ruleIds }, resultTypes: ['violations'] });
    return result.violations.flatMap((v) => v.nodes.map((n) => `${v.id}: ${n.target.join(' ')} (${(n.failureSummary ?? '').replace(/\s+/g, ' ').slice(0, 200)})`));
  }, [...rules]);
  return violations;
}
