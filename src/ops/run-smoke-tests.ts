import { createHmac, randomBytes } from 'node:crypto';

/** The deployment guide's smoke tests, in its names, mapped to our endpoints. */
export const SMOKE_TESTS = ['health_endpoint', 'webhook_processing', 'user_authentication', 'basic_api_endpoints', 'metrics_endpoint'] as const;

export interface SmokeResult {
  test: (typeof SMOKE_TESTS)[number];
  passed: boolean;
  /** What was seen: a status and a short reason; never a password, cookie or secret. */
  detail: string;
}

export interface SmokeOptions {
  /** Base URL of the deployed service, e.g. https://churnsaver.example.com */
  url: string;
  /** TEST_USER_EMAIL / TEST_USER_PASSWORD: an operator account for the sign-in and API tests. */
  email?: string | undefined;
  password?: string | undefined;
  /** WEBHOOK_SECRET: with it, a signed delivery must also be accepted; without it only the refusal is tested. */
  webhookSecret?: string | undefined;
  /** Per request (default 10 s). */
  timeoutMs?: number;
}

/**
 * Runs the five smoke tests against a running service, one after another (sign-in feeds the API
 * test). Read-only but for the signed webhook: an event type we do not act on (`smoke.test`),
 * stored as ignored, with no effect on any case.
 */
export async function runSmokeTests(options: SmokeOptions): Promise<SmokeResult[]> {
  const base = options.url.replace(/\/+$/, '');
  const timeout = options.timeoutMs ?? 10_000;
  const request = (path: string, init: RequestInit = {}) => fetch(`${base}${path}`, { ...init, signal: AbortSignal.timeout(timeout) });
  const attempt = async (test: SmokeResult['test'], run: () => Promise<Omit<SmokeResult, 'test'>>): Promise<SmokeResult> => {
    try {
      return { test, ...(await run()) };
    } catch (error) {
      return { test, passed: false, detail: describeError(error) };
    }
  };

  const results: SmokeResult[] = [];
  results.push(
    await attempt('health_endpoint', async () => {
      const response = await request('/api/health');
      const body = (await response.json().catch(() => ({}))) as { status?: string; checks?: { database?: { healthy?: boolean; message?: string } } };
      const database = body.checks?.database;
      const passed = response.status === 200 && body.status === 'healthy' && database?.healthy === true;
      return { passed, detail: `${response.status} ${body.status ?? 'no status'}; database: ${database?.message ?? 'not reported'}` };
    }),
  );

  results.push(
    await attempt('webhook_processing', async () => {
      const body = JSON.stringify({ id: `msg_smoke_${randomBytes(8).toString('hex')}`, api_version: 'v1', type: 'smoke.test', timestamp: new Date().toISOString(), data: {} });
      const unsigned = await request('/api/webhooks/whop', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      if (unsigned.status !== 401) return { passed: false, detail: `an unsigned delivery answered ${unsigned.status}, expected 401` };
      if (!options.webhookSecret) return { passed: true, detail: 'unsigned delivery refused (401); set WEBHOOK_SECRET to also send a signed one' };
      const signed = await request('/api/webhooks/whop', { method: 'POST', headers: signWebhook(body, options.webhookSecret), body });
      const answer = (await signed.json().catch(() => ({}))) as { received?: boolean };
      const passed = signed.status === 200 && answer.received === true;
      return { passed, detail: passed ? 'unsigned refused (401), signed accepted (200)' : `unsigned refused (401), but a signed delivery answered ${signed.status} (is WEBHOOK_SECRET the service's?)` };
    }),
  );

  let cookie: string | null = null;
  results.push(
    await attempt('user_authentication', async () => {
      if (!options.email || !options.password) return { passed: false, detail: 'TEST_USER_EMAIL and TEST_USER_PASSWORD are not set' };
      const response = await request('/api/auth/login', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: options.email, password: options.password }),
      });
      cookie = response.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ') || null;
      if (response.ok && cookie) return { passed: true, detail: `${response.status} signed in` };
      return { passed: false, detail: `${response.status} ${await errorMessageOf(response)}` };
    }),
  );

  results.push(
    await attempt('basic_api_endpoints', async () => {
      // The dashboard API refuses without a session; with the sign-in's session it answers. A failed
      // sign-in is counted once, by user_authentication, so this one then checks the refusal only.
      const anonymous = await request('/api/admin/overview');
      await anonymous.arrayBuffer();
      if (anonymous.status !== 401) return { passed: false, detail: `GET /api/admin/overview without a session answered ${anonymous.status}, expected 401` };
      if (!cookie) return { passed: true, detail: 'GET /api/admin/overview refuses without a session (401); no session to call it with (sign-in failed)' };
      const response = await request('/api/admin/overview', { headers: { cookie } });
      if (!response.ok) return { passed: false, detail: `GET /api/admin/overview with the session ${response.status} ${await errorMessageOf(response)}` };
      await response.json();
      return { passed: true, detail: 'GET /api/admin/overview: 401 without a session, 200 JSON with it' };
    }),
  );

  results.push(
    await attempt('metrics_endpoint', async () => {
      const response = await request('/api/metrics');
      const text = await response.text();
      const passed = response.status === 200 && text.includes('http_request_duration_seconds');
      return { passed, detail: passed ? '200 Prometheus text with http_request_duration_seconds' : `${response.status}, http_request_duration_seconds ${text.includes('http_request_duration_seconds') ? 'present' : 'missing'}` };
    }),
  );
  return results;
}

/** Standard Webhooks as Whop signs: base64 HMAC-SHA256 of `id.timestamp.body`, keyed with the UTF-8 bytes of the whole secret. */
function signWebhook(body: string, secret: string): Record<string, string> {
  const id = `msg_smoke_${randomBytes(8).toString('hex')}`;
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = createHmac('sha256', Buffer.from(secret, 'utf8')).update(`${id}.${timestamp}.${body}`).digest('base64');
  return { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': `v1,${signature}` };
}

async function errorMessageOf(response: Response): Promise<string> {
  const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
  return body?.error?.message ?? response.statusText;
}

function describeError(error: unknown): string {
  if (error instanceof Error && error.name === 'TimeoutError') return 'no answer in time';
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error instanceof Error ? error.message : String(error)}${cause}`;
}
