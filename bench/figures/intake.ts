import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { newWebhookSecret } from '../../test/support/sign-webhook.ts';
import { spawnService } from '../../test/support/spawn-service.ts';
import { createBenchDatabase } from '../support/bench-database.ts';
import { sized, startProcess, type Figure } from '../support/figures.ts';
import { makeDeliveries } from '../support/webhook-deliveries.ts';

// Webhook intake: signed deliveries (5 % duplicates) with autocannon, 32 connections, against our web
// process on PostgreSQL; bare limit: node:http + HMAC + 1 INSERT (bench/support/baseline-server.ts) on a
// database of its own. Each gets a 2 s warm-up, then the timed run.
export async function measureIntake(): Promise<Figure[]> {
  const seconds = sized(3, 10);
  const secret = newWebhookSecret();
  const deliveries = makeDeliveries(sized(20_000, 120_000), secret, 'intake');
  const load = async (url: string, cursor: { next: number }, duration: number) => {
    const result = await autocannon({
      url: `${url}/api/webhooks/whop`, connections: 32, duration,
      requests: [{ method: 'POST', setupRequest: (request) => { const d = deliveries[cursor.next++ % deliveries.length]!; return { ...request, body: d.body, headers: d.headers }; } }],
    });
    if (result.non2xx > 0 || result.errors > 0) throw new Error(`intake: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
    return { rate: result['2xx'] / duration, p99: result.latency.p99 };
  };
  const oursDb = await createBenchDatabase('churn_bench_intake');
  const bareDb = await createBenchDatabase('churn_bench_intake_bare');
  try {
    const ours = await spawnService({ DATABASE_URL: oursDb.url, ROLE: 'web', WEBHOOK_SECRET: secret, PORT: '0', HOSTNAME: '127.0.0.1', LOG_LEVEL: 'warn', NODE_ENV: 'test', RATE_LIMIT_COMPANY_WEBHOOKS_PER_MINUTE: '10000000' });
    const oursCursor = { next: 0 };
    let oursResult;
    try {
      await load(ours.url!, oursCursor, 2);
      oursResult = await load(ours.url!, oursCursor, seconds);
    } finally {
      await ours.stop();
    }
    const bare = startProcess(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('../support/baseline-server.ts', import.meta.url))], { DATABASE_URL: bareDb.url, WEBHOOK_SECRET: secret });
    let bareResult;
    try {
      const [, url] = await bare.waitFor(/baseline: (\S+)/);
      const bareCursor = { next: 0 };
      await load(url!, bareCursor, 2);
      bareResult = await load(url!, bareCursor, seconds);
    } finally {
      await bare.stop();
    }
    return [{ name: 'webhook intake, 1 web process (webhooks/s)', ours: oursResult.rate, bare: bareResult.rate, unit: 'webhooks/s', higherIsBetter: true, target: '>= 0.6', detail: `p99 ours ${oursResult.p99} ms, bare ${bareResult.p99} ms; ${seconds} s per run` }];
  } finally {
    await oursDb.drop();
    await bareDb.drop();
  }
}
