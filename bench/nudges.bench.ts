import pg from 'pg';
import { startWhopApiFake } from '../test/fakes/whop-api.ts';
import { newWebhookSecret } from '../test/support/sign-webhook.ts';
import { spawnService } from '../test/support/spawn-service.ts';
import { createBenchDatabase } from './support/bench-database.ts';

// npm run bench:nudges — prints figures; asserts nothing.
// Seeds N due cases on PostgreSQL, starts 2 worker processes against the local Whop API fake,
// and measures due nudges delivered per second (each: membership lookup, push, DM = 4 Whop calls,
// plus free days on step 0 when BENCH_INCENTIVE_DAYS > 0).
const CASES = Number(process.env.BENCH_CASES ?? 5000);
const WORKERS = Number(process.env.BENCH_WORKERS ?? 2);
const INCENTIVE_DAYS = Number(process.env.BENCH_INCENTIVE_DAYS ?? 0);

const benchDatabase = await createBenchDatabase('churn_bench_nudges');
const databaseUrl = benchDatabase.url;

const whop = await startWhopApiFake();
// The shared Whop budget runs (a PostgreSQL reservation per call, or Redis with BENCH_REDIS_URL) but its
// limit is set out of reach (BENCH_WHOP_RATE per minute): this measures our throughput, not Whop's 600/min.
const WHOP_RATE = process.env.BENCH_WHOP_RATE ?? '100000000';
const env = {
  NODE_ENV: 'test', DATABASE_URL: databaseUrl, WEBHOOK_SECRET: newWebhookSecret(), LOG_LEVEL: 'warn', WHOP_API_KEY: 'bench_key', WHOP_API_BASE_URL: whop.baseURL, NUDGE_INTERVAL_SECONDS: '0.1',
  WHOP_RATE_LIMIT_PER_WINDOW: WHOP_RATE, RECONCILE_ON_START: 'false', ...(process.env.BENCH_REDIS_URL ? { REDIS_URL: process.env.BENCH_REDIS_URL } : {}),
};
const workers = await Promise.all(Array.from({ length: WORKERS }, () => spawnService(env, ['--role', 'worker'])));

const db = new pg.Client({ connectionString: databaseUrl });
await db.connect();
const companies = 50;
for (let c = 0; c < companies; c++) {
  whop.setExperience(`exp_b${c}`, { company: { id: `biz_b${c}`, route: `b${c}`, title: `B${c}` }, products: [{ id: `prod_b${c}`, route: 'p', title: 'P' }] as never });
}
for (let i = 0; i < CASES; i++) {
  whop.setMembership(`mem_b${i}`, { company: { id: `biz_b${i % companies}`, title: 'B' }, product: { id: `prod_b${i % companies}`, title: 'Bench Product', metadata: {} }, user: { id: `user_b${i}`, username: `u${i}`, name: `Member ${i}`, email: null as never } });
}
await db.query(`INSERT INTO companies (company_id) SELECT 'biz_b' || g FROM generate_series(0, ${companies - 1}) g`);
await db.query(
  `INSERT INTO company_settings (company_id, version, attribution_window_days, settings)
   SELECT 'biz_b' || g, 1, 14, $1::jsonb FROM generate_series(0, ${companies - 1}) g`,
  // The uniform schedule (playbooks off): every case's step 0 goes out on push and DM at once, as the figure counts.
  [JSON.stringify({ enable_email: false, incentive_days: INCENTIVE_DAYS, decline_playbooks: false })],
);
const started = performance.now();
await db.query(
  `INSERT INTO recovery_cases (company_id, whop_membership_id, whop_user_id, status, failure_reason, failure_count, amount_at_risk_cents, currency,
     first_failure_at, last_failure_at, attribution_window_days, attribution_ends_at, settings_version, next_nudge_at)
   SELECT 'biz_b' || (g % ${companies}), 'mem_b' || g, 'user_b' || g, 'open', 'Your card was declined.', 1, 2999, 'usd',
     now(), now(), 14, now() + interval '14 days', 1, now()
   FROM generate_series(0, ${CASES - 1}) g`,
);
for (;;) {
  const { rows } = await db.query(`SELECT count(*)::int AS n FROM recovery_cases WHERE steps_sent >= 1`);
  if (rows[0].n >= CASES) break;
  await new Promise((r) => setTimeout(r, 100));
}
const seconds = (performance.now() - started) / 1000;
const pushes = whop.callsTo('POST', '/notifications').length;
const dms = whop.callsTo('POST', '/messages').length;
const { rows: dup } = await db.query(`SELECT count(*)::int AS n FROM deliveries WHERE status <> 'sent'`);

await Promise.all(workers.map((w) => w.stop()));
await db.end();
await whop.close();
await benchDatabase.drop();

console.log(`nudge benchmark: ${CASES} due cases, ${WORKERS} worker processes on PostgreSQL, Whop API fake in this process, channels push + DM${INCENTIVE_DAYS ? ` + ${INCENTIVE_DAYS} free days` : ''}`);
console.log(`delivered: ${CASES} nudges in ${seconds.toFixed(2)} s = ${(CASES / seconds).toFixed(0)} nudges/s   (target >= 2,000/s)`);
console.log(`Whop calls recorded: ${pushes} pushes, ${dms} DMs (exactly once each: ${pushes === CASES && dms === CASES}); deliveries not 'sent': ${dup[0].n}`);
