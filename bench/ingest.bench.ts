import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { newWebhookSecret } from '../test/support/sign-webhook.ts';
import { makeDeliveries } from './support/webhook-deliveries.ts';
import { createBenchDatabase } from './support/bench-database.ts';
import { spawnService } from '../test/support/spawn-service.ts';

// npm run bench:ingest — prints figures and ratios; asserts nothing.
// Signed payment.failed deliveries over many companies and memberships with 5 % duplicates,
// against (1) our service on PostgreSQL, (2) a bare node:http + HMAC + INSERT baseline on the
// same database, (3) our service at a fixed 1,000/s, (4) our service on embedded PGlite,
// and cold start to healthy.
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const secret = newWebhookSecret();

/** Where each target's next delivery comes from: never replay a delivery to the same database by accident. */
interface Cursor { next: number }

async function load(url: string, cursor: Cursor, options: { overallRate?: number; seconds?: number } = {}) {
  const result = await autocannon({
    url: `${url}/api/webhooks/whop`,
    connections: CONNECTIONS,
    duration: options.seconds ?? SECONDS,
    ...(options.overallRate ? { overallRate: options.overallRate } : {}),
    requests: [
      {
        method: 'POST',
        setupRequest: (request) => {
          const d = deliveries[cursor.next++ % deliveries.length]!;
          return { ...request, body: d.body, headers: d.headers };
        },
      },
    ],
  });
  const ok = result['2xx'];
  return { rate: ok / (options.seconds ?? SECONDS), p50: result.latency.p50, p99: result.latency.p99, non2xx: result.non2xx, errors: result.errors };
}

async function startBaseline(databaseUrl: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', new URL('./support/baseline-server.ts', import.meta.url).pathname], {
    env: { ...process.env, DATABASE_URL: databaseUrl, WEBHOOK_SECRET: secret },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve) => child.stdout!.on('data', (d) => {
    const m = String(d).match(/baseline: (\S+)/);
    if (m) resolve(m[1]!);
  }));
  return { url, stop: () => new Promise<void>((r) => { child.once('exit', () => r()); child.kill('SIGTERM'); }) };
}

async function coldStart(env: Record<string, string>) {
  const started = performance.now();
  const service = await spawnService(env);
  for (;;) {
    const ok = await fetch(`${service.url}/api/health`).then((r) => r.status === 200, () => false);
    if (ok) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const ms = performance.now() - started;
  await service.stop();
  return ms;
}

const fmt = (n: number) => n.toFixed(0);
const deliveries = makeDeliveries(Number(process.env.BENCH_DELIVERIES ?? 120_000), secret);
const base = { RATE_LIMIT_COMPANY_WEBHOOKS_PER_MINUTE: '10000000', WEBHOOK_SECRET: secret, PORT: '0', HOSTNAME: '127.0.0.1', LOG_LEVEL: 'warn' };
// EMBEDDED_LOW_MEMORY passes on (the embedded service's memory profile, for a before/after).
const serviceEnv = (extra: Record<string, string>) => ({ ...base, NODE_ENV: 'test', ...(process.env.EMBEDDED_LOW_MEMORY ? { EMBEDDED_LOW_MEMORY: process.env.EMBEDDED_LOW_MEMORY } : {}), ...extra });

console.log(`ingest benchmark: ${SECONDS} s per run, ${CONNECTIONS} connections, ${deliveries.length} pre-signed deliveries (5 % duplicates)`);

const ourDb = await createBenchDatabase('churn_bench_ingest');
const ours = await spawnService(serviceEnv({ DATABASE_URL: ourDb.url, ROLE: 'web' }));
const oursCursor = { next: 0 };
await load(ours.url!, oursCursor, { seconds: 2 }); // warm-up
const oursResult = await load(ours.url!, oursCursor);
const fixedRate = await load(ours.url!, oursCursor, { overallRate: 1000 });
await ours.stop();

const baselineDb = await createBenchDatabase('churn_bench_ingest');
const baseline = await startBaseline(baselineDb.url);
const baselineCursor = { next: 0 };
await load(baseline.url, baselineCursor, { seconds: 2 });
const baselineResult = await load(baseline.url, baselineCursor);
await baseline.stop();

const dataDir = mkdtempSync(join(tmpdir(), 'churn-bench-'));
const embedded = await spawnService(serviceEnv({ DATA_DIR: dataDir, ROLE: 'web' }));
const embeddedCursor = { next: 0 };
await load(embedded.url!, embeddedCursor, { seconds: 2 });
const embeddedResult = await load(embedded.url!, embeddedCursor);
await embedded.stop();

const coldDir = mkdtempSync(join(tmpdir(), 'churn-cold-'));
const coldEmbedded = await coldStart(serviceEnv({ DATA_DIR: coldDir }));
const restartEmbedded = await coldStart(serviceEnv({ DATA_DIR: coldDir }));
const coldPostgres = await coldStart(serviceEnv({ DATABASE_URL: ourDb.url }));

await ourDb.drop();
await baselineDb.drop();
rmSync(dataDir, { recursive: true, force: true });
rmSync(coldDir, { recursive: true, force: true });

const row = (name: string, r: Awaited<ReturnType<typeof load>>) =>
  console.log(`${name.padEnd(42)} ${fmt(r.rate).padStart(7)} webhooks/s   p50 ${r.p50} ms   p99 ${r.p99} ms   non-2xx ${r.non2xx}   errors ${r.errors}`);
row('ours (Fastify + SDK verify + store + enqueue), PostgreSQL', oursResult);
row('baseline (node:http + HMAC + 1 INSERT), PostgreSQL', baselineResult);
row('ours at a fixed 1,000/s, PostgreSQL', fixedRate);
row('ours, embedded PGlite', embeddedResult);
console.log(`ratio ours/baseline: ${(oursResult.rate / baselineResult.rate).toFixed(2)}   (target >= 0.5)`);
console.log(`p99 at 1,000/s: ${fixedRate.p99} ms   (target < 50 ms)`);
console.log(`embedded: ${fmt(embeddedResult.rate)} webhooks/s   (target >= 1,000/s)`);
console.log(`cold start to healthy (process spawn to /api/health 200): embedded first start ${fmt(coldEmbedded)} ms, embedded restart ${fmt(restartEmbedded)} ms, PostgreSQL ${fmt(coldPostgres)} ms   (target < 3,000 ms)`);
