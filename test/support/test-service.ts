import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { loadConfig, type Config } from '../../src/config/config.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { startRuntime, type Runtime } from '../../src/runtime.ts';
import type { Clock } from '../../src/integrations/clock.ts';
import { newWebhookSecret } from './sign-webhook.ts';
import { TEST_ENCRYPTION_KEY } from './test-keys.ts';
import { TEST_REDIS_URL, type TestDatabase } from './test-database.ts';

export interface TestService extends Runtime {
  url: string;
  webhookSecret: string;
  /** Every log line the service wrote, parsed. */
  logs: Record<string, unknown>[];
  post(path: string, body: string, headers: Record<string, string>): Promise<{ status: number; json: any }>;
}

/** The whole service (web + worker) in this process on the given test database, on a free port. */
export async function startTestService(database: TestDatabase, options: { clock?: Clock; env?: Record<string, string> } = {}): Promise<TestService> {
  const loaded = loadConfig({ NODE_ENV: 'test', PORT: '0', HOSTNAME: '127.0.0.1', REDIS_URL: TEST_REDIS_URL, LOG_LEVEL: 'info', ENCRYPTION_KEY: TEST_ENCRYPTION_KEY, ...options.env });
  if (!loaded.ok) throw new Error(loaded.problems.join('; '));
  const config: Config = loaded.config;
  const logs: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      for (const line of String(chunk).split('\n')) if (line.trim()) logs.push(JSON.parse(line));
      callback();
    },
  });
  const logger = createLogger({ level: config.LOG_LEVEL, environment: 'test', version: config.APP_VERSION, destination });
  const webhookSecret = options.env?.WEBHOOK_SECRET ?? newWebhookSecret();
  // Its own rate-limit counters in the shared test Redis: files running side by side (and runs a
  // minute apart) all come from 127.0.0.1 and would otherwise spend one another's quota.
  const rateLimitNamespace = `rl:test:${randomBytes(6).toString('hex')}:`;
  const runtime = await startRuntime({ config, logger, webhookSecret, database, rateLimitNamespace, ...(options.clock ? { clock: options.clock } : {}) });
  const url = runtime.url!;
  return {
    ...runtime,
    url,
    webhookSecret,
    logs,
    async post(path, body, headers) {
      const response = await fetch(`${url}${path}`, { method: 'POST', body, headers });
      const text = await response.text();
      let json: unknown = text;
      try {
        json = JSON.parse(text);
      } catch {}
      return { status: response.status, json };
    },
  };
}

/** Polls until check() returns a truthy value or the timeout passes. */
export async function waitFor<T>(check: () => Promise<T>, timeoutMs = 15_000, what = 'condition'): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
