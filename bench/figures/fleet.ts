import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { newWebhookSecret } from '../../test/support/sign-webhook.ts';
import { createBenchDatabase } from '../support/bench-database.ts';
import { sized, until, type Figure } from '../support/figures.ts';
import { makeDeliveries } from '../support/webhook-deliveries.ts';
import { BARE_TABLES, bareFactAndCase } from '../support/bare-fact-case.ts';
import { commitsOf, startCountedService } from './service.ts';

// Scale-out (#14 §3): 2 web and 2 worker processes on one PostgreSQL. Signed deliveries go to both web
// processes at once (32 in flight) while both workers turn them into cases; timed from the first
// delivery to the last case. Bare limit, same database: 4 connections (one per process) each looping
// BEGIN; INSERT fact; upsert case; COMMIT over the same events. Also printed: what the fleet costs
// PostgreSQL per event (commits), and PostgreSQL's own ceiling for one-row commits on 8 connections,
// which is what docs/scale-out.md divides to say how far one database carries the fleet.
export async function measureFleet(): Promise<Figure[]> {
  const events = sized(400, 4000);
  const secret = newWebhookSecret();
  const deliveries = makeDeliveries(events, secret, 'fleet');
  const unique = new Set(deliveries.map((d) => d.headers['webhook-id'])).size;
  const db = await createBenchDatabase('churn_bench_fleet');
  const client = new pg.Client({ connectionString: db.url });
  const statementsFile = join(tmpdir(), `churn-bench-fleet-${process.pid}`);
  const env = { DATABASE_URL: db.url, WEBHOOK_SECRET: secret, PORT: '0', HOSTNAME: '127.0.0.1', RATE_LIMIT_COMPANY_WEBHOOKS_PER_MINUTE: '10000000', RECONCILE_ON_START: 'false', ...(process.env.BENCH_REDIS_URL ? { REDIS_URL: process.env.BENCH_REDIS_URL } : {}) };
  const procs = [];
  try {
    // One process migrates first; the other three then start against a migrated database.
    const first = startCountedService({ ...env, ROLE: 'web' }, [], `${statementsFile}-w0`);
    procs.push(first);
    const [, url0] = await first.waitFor(/: (http:\/\/\S+)\n/, 180_000);
    const second = startCountedService({ ...env, ROLE: 'web' }, [], `${statementsFile}-w1`);
    procs.push(second);
    const [, url1] = await second.waitFor(/: (http:\/\/\S+)\n/, 180_000);
    for (const i of [0, 1]) {
      const worker = startCountedService({ ...env, ROLE: 'worker' }, [], `${statementsFile}-k${i}`);
      procs.push(worker);
      await worker.waitFor(/worker running/, 180_000);
    }
    await client.connect();
    const commitsBefore = await commitsOf(client, db.name);
    const sizeOf = async () => Number((await client.query('SELECT pg_database_size(current_database()) AS n')).rows[0].n);
    const sizeBefore = await sizeOf();
    const tablesBefore = await tableSizes(client);
    const urls = [url0!, url1!];
    const started = performance.now();
    let next = 0;
    await Promise.all(Array.from({ length: 32 }, async (_, lane) => {
      while (next < deliveries.length) {
        const d = deliveries[next++]!;
        const r = await fetch(`${urls[lane % 2]}/api/webhooks/whop`, { method: 'POST', body: d.body, headers: d.headers });
        if (r.status >= 300) throw new Error(`intake answered ${r.status}: ${await r.text()}`);
      }
    }));
    const intakeSeconds = (performance.now() - started) / 1000;
    const cases = async () => Number((await client.query('SELECT count(*) FROM recovery_cases')).rows[0].count);
    await until(async () => (await cases()) === unique, 600_000, 'the fleet to turn every event into a case', 50);
    const seconds = (performance.now() - started) / 1000;
    const commits = (await commitsOf(client, db.name)) - commitsBefore;
    const bytesPerEvent = ((await sizeOf()) - sizeBefore) / unique;
    if (process.env.BENCH_STATEMENT_DETAIL === '1') {
      console.log('  database growth per event by table (tables with their indexes and TOAST, top 8):');
      const grown = [...(await tableSizes(client))].map(([name, bytes]) => [name, (bytes - (tablesBefore.get(name) ?? 0)) / unique] as const);
      for (const [name, bytes] of grown.sort((a, b) => b[1] - a[1]).slice(0, 8)) console.log(`    ${(bytes / 1024).toFixed(2).padStart(6)} kB  ${name}`);
    }
    for (const p of procs.splice(0)) await p.stop();

    // Bare: the same facts and cases on 4 connections, no HTTP, no queue, no ORM.
    await client.query(`${BARE_TABLES};
      CREATE TABLE bare_ticks (id bigserial PRIMARY KEY, at timestamptz DEFAULT now())`);
    const bodies = [...new Map(deliveries.map((d) => [d.headers['webhook-id'], d])).values()];
    const bareSeconds = await onConnections(db.url, 4, bodies.length, (c, i) => bareFactAndCase(c, bodies[i]!));
    const ticks = sized(2000, 20000);
    const tickSeconds = await onConnections(db.url, 8, ticks, (c) => c.query('INSERT INTO bare_ticks DEFAULT VALUES'));
    const commitCeiling = ticks / tickSeconds;
    const perEvent = commits / unique;
    return [{
      name: 'fleet: 2 web + 2 workers (events/s)', ours: unique / seconds, bare: bodies.length / bareSeconds, unit: 'events/s', higherIsBetter: true,
      detail: `${unique} events (${deliveries.length} deliveries, 5 % repeated), intake done after ${intakeSeconds.toFixed(1)} s; ${perEvent.toFixed(1)} PostgreSQL commits per event (queue included), bare 1 on 4 connections; ` +
        `${(bytesPerEvent / 1024).toFixed(1)} kB of database per event (tables, indexes and pg-boss jobs; WAL not counted); ` +
        `this PostgreSQL commits ${Math.round(commitCeiling)} one-row transactions/s on 8 connections, so it carries at most ~${Math.round(commitCeiling / perEvent)} events/s for the whole fleet (docs/scale-out.md)`,
    }];
  } finally {
    for (const p of procs) await p.stop().catch(() => {});
    await client.end().catch(() => {});
    await db.drop();
  }
}

/** Every table's size with its indexes and TOAST, by schema-qualified name. */
async function tableSizes(client: pg.Client): Promise<Map<string, number>> {
  const { rows } = await client.query<{ name: string; n: string }>(
    `SELECT n.nspname || '.' || c.relname AS name, pg_total_relation_size(c.oid)::text AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')`,
  );
  return new Map(rows.map((r) => [r.name, Number(r.n)]));
}

/** Runs `count` units spread over `connections` parallel connections; returns the seconds it took. */
async function onConnections(url: string, connections: number, count: number, unit: (c: pg.Client, i: number) => Promise<unknown>): Promise<number> {
  const clients = await Promise.all(Array.from({ length: connections }, async () => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    return c;
  }));
  try {
    let next = 0;
    const started = performance.now();
    await Promise.all(clients.map(async (c) => {
      while (next < count) await unit(c, next++);
    }));
    return (performance.now() - started) / 1000;
  } finally {
    await Promise.all(clients.map((c) => c.end()));
  }
}
