import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { newWebhookSecret } from '../../test/support/sign-webhook.ts';
import { createBenchDatabase } from '../support/bench-database.ts';
import { sized, until, type Figure } from '../support/figures.ts';
import { makeDeliveries } from '../support/webhook-deliveries.ts';
import { BARE_TABLES, bareFactAndCase } from '../support/bare-fact-case.ts';
import { commitsOf, printStatementDetail, startCountedService, statementsOf } from './service.ts';

// Webhook processing, events into cases, one worker: N signed payment.failed deliveries are stored by
// a web process first (not timed), then one worker process starts and turns the backlog into cases.
// Bare limit, same database, same events: one connection looping BEGIN; INSERT fact; upsert case; COMMIT.
// The worker's nudge loop is held off (nudges have their own figure): the new cases' first nudges
// would otherwise share the worker and the database with the processing measured here.
export async function measureProcessing(): Promise<Figure[]> {
  const events = sized(300, 5000);
  const secret = newWebhookSecret();
  const deliveries = makeDeliveries(events, secret, 'proc');
  const unique = new Set(deliveries.map((d) => d.headers['webhook-id'])).size;
  const db = await createBenchDatabase('churn_bench_processing');
  const client = new pg.Client({ connectionString: db.url });
  const statementsFile = join(tmpdir(), `churn-bench-statements-${process.pid}`);
  try {
    const env = { DATABASE_URL: db.url, WEBHOOK_SECRET: secret, PORT: '0', HOSTNAME: '127.0.0.1', RATE_LIMIT_COMPANY_WEBHOOKS_PER_MINUTE: '10000000', RECONCILE_ON_START: 'false', NUDGE_INTERVAL_SECONDS: '3600' };
    const web = startCountedService({ ...env, ROLE: 'web' }, [], statementsFile);
    const [, url] = await web.waitFor(/: (http:\/\/\S+)\n/);
    for (let i = 0; i < deliveries.length; i += 16) {
      await Promise.all(deliveries.slice(i, i + 16).map(async (d) => {
        const r = await fetch(`${url}/api/webhooks/whop`, { method: 'POST', body: d.body, headers: d.headers });
        if (r.status >= 300) throw new Error(`intake answered ${r.status}: ${await r.text()}`);
      }));
    }
    await web.stop();
    await client.connect();
    let polls = 0; // our own statements in the timed window: each is a commit of its own
    const pending = async () => (polls++, Number((await client.query(`SELECT count(*) FROM webhook_events WHERE status = 'pending'`)).rows[0].count));
    if ((await pending()) !== unique) throw new Error(`expected ${unique} pending events, found ${await pending()}`);

    const worker = startCountedService({ ...env, ROLE: 'worker' }, [], statementsFile);
    await worker.waitFor(/worker running/);
    const statementsBefore = await statementsOf(worker, statementsFile);
    const commitsBefore = await commitsOf(client, db.name);
    polls = 0;
    const started = performance.now();
    await until(async () => (await pending()) === 0, 600_000, 'the worker to process every event', 20);
    const seconds = (performance.now() - started) / 1000;
    const statements = (await statementsOf(worker, statementsFile)) - statementsBefore;
    printStatementDetail([statementsFile], unique, 'event');
    await worker.stop(); // its backends flush their statistics as they exit
    await new Promise((r) => setTimeout(r, 700));
    const commits = (await commitsOf(client, db.name)) - commitsBefore - polls - 2;
    const cases = Number((await client.query('SELECT count(*) FROM recovery_cases')).rows[0].count);
    if (cases !== unique) throw new Error(`expected ${unique} cases, found ${cases}`);

    // Bare: the same events' facts and cases, no queue, no ORM.
    await client.query(BARE_TABLES);
    const bodies = [...new Map(deliveries.map((d) => [d.headers['webhook-id'], d])).values()];
    const bareStarted = performance.now();
    for (const d of bodies) await bareFactAndCase(client, d);
    const bareSeconds = (performance.now() - bareStarted) / 1000;
    return [{
      name: 'webhook processing, 1 worker (events/s)', ours: unique / seconds, bare: bodies.length / bareSeconds, unit: 'events/s', higherIsBetter: true, target: '>= 0.5',
      detail: `${unique} events; ${(statements / unique).toFixed(1)} statements and ${(commits / unique).toFixed(1)} commits per event (pg-boss polling included); bare: 4 statements, 1 commit`,
    }];
  } finally {
    await client.end().catch(() => {});
    await db.drop();
  }
}
