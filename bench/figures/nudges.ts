import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { NUDGE_CONCURRENCY } from '../../src/worker/nudge-loop.ts';
import { startWhopApiFake, type RecordedWhopCall } from '../../test/fakes/whop-api.ts';
import { newWebhookSecret } from '../../test/support/sign-webhook.ts';
import { createBenchDatabase } from '../support/bench-database.ts';
import { sized, until, type Figure } from '../support/figures.ts';
import { commitsOf, printStatementDetail, startCountedService, statementsOf } from './service.ts';

const WORKERS = 2;
const CONCURRENCY = NUDGE_CONCURRENCY; // the nudge loop's default per worker (the bare replay had 16 while the loop had 8)
const COMPANIES = 50;

/** CPU a process has used so far (user + system), in ms, from /proc (Linux). */
function cpuMsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
}
const CLOCK_TICKS = 100; // USER_HZ on Linux

// Nudges: N due cases, WORKERS worker processes against the recording Whop fake (push + DM, no email).
// Bare limit: the very calls our workers made, replayed nudge by nudge against the same fake with the
// same concurrency (WORKERS x NUDGE_CONCURRENCY), plus one UPDATE of the case per nudge (1 statement, 1 commit).
export async function measureNudges(): Promise<Figure[]> {
  const cases = sized(200, 5000);
  const db = await createBenchDatabase('churn_bench_nudge_figure');
  const whop = await startWhopApiFake();
  const client = new pg.Client({ connectionString: db.url });
  try {
    const env = {
      DATABASE_URL: db.url, WEBHOOK_SECRET: newWebhookSecret(), WHOP_API_KEY: 'bench_key', WHOP_API_BASE_URL: whop.baseURL, NUDGE_INTERVAL_SECONDS: '0.1',
      WHOP_RATE_LIMIT_PER_WINDOW: '100000000', RECONCILE_ON_START: 'false', ROLE: 'worker',
      // BENCH_REDIS_URL: the fleet's shared store (Whop budget, rate limits) in Redis, as production with REDIS_URL.
      ...(process.env.BENCH_REDIS_URL ? { REDIS_URL: process.env.BENCH_REDIS_URL } : {}),
      // BENCH_WORKER_NODE_OPTIONS: e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile the workers.
      ...(process.env.BENCH_WORKER_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_WORKER_NODE_OPTIONS } : {}),
    };
    const files = Array.from({ length: WORKERS }, (_, i) => join(tmpdir(), `churn-bench-nudge-statements-${process.pid}-${i}`));
    const workers = files.map((file) => startCountedService(env, [], file));
    await Promise.all(workers.map((w) => w.waitFor(/worker running/)));
    await client.connect();
    for (let c = 0; c < COMPANIES; c++) {
      whop.setExperience(`exp_b${c}`, { company: { id: `biz_b${c}`, route: `b${c}`, title: `B${c}` }, products: [{ id: `prod_b${c}`, route: 'p', title: 'P' }] as never });
    }
    for (let i = 0; i < cases; i++) {
      whop.setMembership(`mem_b${i}`, { company: { id: `biz_b${i % COMPANIES}`, title: 'B' }, product: { id: `prod_b${i % COMPANIES}`, title: 'Bench Product', metadata: {} }, user: { id: `user_b${i}`, username: `u${i}`, name: `Member ${i}`, email: null as never } });
    }
    await client.query(`INSERT INTO companies (company_id) SELECT 'biz_b' || g FROM generate_series(0, ${COMPANIES - 1}) g`);
    await client.query(
      `INSERT INTO company_settings (company_id, version, attribution_window_days, settings) SELECT 'biz_b' || g, 1, 14, $1::jsonb FROM generate_series(0, ${COMPANIES - 1}) g`,
      [JSON.stringify({ enable_email: false, incentive_days: 0, decline_playbooks: false })], // uniform schedule: push + DM at step 0
    );
    const statementsBefore = (await Promise.all(workers.map((w, i) => statementsOf(w, files[i]!)))).reduce((a, b) => a + b, 0);
    const commitsBefore = await commitsOf(client, db.name);
    whop.reset();
    // The cases are stored first, due tomorrow (their insert, its rollup triggers included, is
    // intake's work, not the nudges'), then all made due at once when the clock starts.
    await client.query(
      `INSERT INTO recovery_cases (company_id, whop_membership_id, whop_user_id, status, failure_reason, failure_count, amount_at_risk_cents, currency,
         first_failure_at, last_failure_at, attribution_window_days, attribution_ends_at, settings_version, next_nudge_at)
       SELECT 'biz_b' || (g % ${COMPANIES}), 'mem_b' || g, 'user_b' || g, 'open', 'Your card was declined.', 1, 2999, 'usd',
         now(), now(), 14, now() + interval '14 days', 1, now() + interval '1 day'
       FROM generate_series(0, ${cases - 1}) g`,
    );
    const workersCpuBefore = workers.map((w) => cpuMsOf(w.child.pid!));
    const fakeCpuBefore = process.cpuUsage();
    const started = performance.now();
    await client.query(`UPDATE recovery_cases SET next_nudge_at = now()`);
    // What autovacuum keeps current in a running service (a table this new has no statistics yet):
    // without it the claims sort every due case instead of reading the due index in order.
    await client.query(`ANALYZE recovery_cases`);
    let polls = 0;
    // Every 100 ms (the count reads every case: at 20 ms the polls took PostgreSQL CPU the bare loop never pays).
    await until(async () => (polls++, Number((await client.query('SELECT count(*) FROM recovery_cases WHERE steps_sent >= 1')).rows[0].count) >= cases), 600_000, 'every case nudged', 100);
    const seconds = (performance.now() - started) / 1000;
    const oursCpuMs = workers.reduce((sum, w, i) => sum + cpuMsOf(w.child.pid!) - workersCpuBefore[i]!, 0);
    const fakeCpu = process.cpuUsage(fakeCpuBefore);
    const fakeCpuMs = (fakeCpu.user + fakeCpu.system) / 1000; // the Whop fake and this process' polls
    const statements = (await Promise.all(workers.map((w, i) => statementsOf(w, files[i]!)))).reduce((a, b) => a + b, 0) - statementsBefore;
    printStatementDetail(files, cases, 'nudge');
    await Promise.all(workers.map((w) => w.stop()));
    await new Promise((r) => setTimeout(r, 700));
    const commits = (await commitsOf(client, db.name)) - commitsBefore - polls - 5; // the seed INSERT, the UPDATE making them due, ANALYZE and the snapshots' own
    const pushes = whop.callsTo('POST', '/notifications').length;
    const dms = whop.callsTo('POST', '/messages').length;
    if (pushes !== cases || dms !== cases) throw new Error(`expected ${cases} pushes and DMs exactly once, got ${pushes} and ${dms}`);

    // Bare: replay every recorded call, grouped per nudge. A DM message names only its channel: it
    // belongs to the member that channel was opened with. Calls of no member (a worker's experience
    // lookup, once per product) are replayed too, each on its own. Per nudge, in our worker's shape:
    // the membership lookup, then the push beside the DM (channel, then message), then the UPDATE.
    const memberOfChannel = new Map<string, string>();
    for (let i = 0; i < cases; i++) for (const m of whop.messagesTo(`user_b${i}`)) memberOfChannel.set(m.channelId, String(i));
    const byMembership = new Map<string, RecordedWhopCall[]>();
    const unattributed: RecordedWhopCall[] = [];
    for (const call of whop.calls) {
      const channel = (call.body as { channel_id?: unknown } | undefined)?.channel_id;
      const id = typeof channel === 'string' ? memberOfChannel.get(channel) : JSON.stringify([call.path, call.body, call.query]).match(/(?:mem|user)_b(\d+)\b/)?.[1];
      if (id === undefined) unattributed.push(call);
      else byMembership.set(id, [...(byMembership.get(id) ?? []), call]);
    }
    const oursCallsPerNudge = whop.calls.length / cases;
    const replay = async (call: RecordedWhopCall) => {
      const query = new URLSearchParams(call.query as Record<string, string>).toString();
      const response = await fetch(`${whop.url}${call.path}${query ? `?${query}` : ''}`, {
        method: call.method, headers: { authorization: call.headers.authorization ?? '', 'content-type': 'application/json' },
        ...(call.body === undefined ? {} : { body: JSON.stringify(call.body) }),
      });
      await response.arrayBuffer();
    };
    const inOrder = async (calls: RecordedWhopCall[]) => { for (const call of calls) await replay(call); };
    const pool = new pg.Pool({ connectionString: db.url, max: WORKERS * 4 });
    type Work = { id: string | null; calls: RecordedWhopCall[] };
    const queue: Work[] = [...unattributed.map((call) => ({ id: null, calls: [call] })), ...[...byMembership.entries()].map(([id, calls]) => ({ id, calls }))].reverse();
    let replayed = 0;
    const bareCpuBefore = process.cpuUsage();
    const bareStarted = performance.now();
    await Promise.all(Array.from({ length: WORKERS * CONCURRENCY }, async () => {
      for (let next = queue.pop(); next; next = queue.pop()) {
        const { id, calls } = next;
        replayed += calls.length;
        const lookups = calls.filter((c) => c.method === 'GET');
        const pushes = calls.filter((c) => c.method !== 'GET' && c.path.endsWith('/notifications'));
        const rest = calls.filter((c) => c.method !== 'GET' && !c.path.endsWith('/notifications'));
        await inOrder(lookups);
        await Promise.all([inOrder(pushes), inOrder(rest)]);
        if (id !== null) await pool.query(`UPDATE recovery_cases SET steps_sent = steps_sent + 1, last_nudge_at = now() WHERE whop_membership_id = $1`, [`mem_b${id}`]);
      }
    }));
    const bareSeconds = (performance.now() - bareStarted) / 1000;
    const bareCpu = process.cpuUsage(bareCpuBefore);
    const bareCpuMs = (bareCpu.user + bareCpu.system) / 1000;
    await pool.end();
    return [{
      name: `nudges, ${WORKERS} workers (nudges/s)`, ours: cases / seconds, bare: byMembership.size / bareSeconds, unit: 'nudges/s', higherIsBetter: true, target: '>= 0.85',
      detail: `${cases} nudges; ${oursCallsPerNudge.toFixed(2)} Whop calls, ${(statements / cases).toFixed(1)} statements and ${(commits / cases).toFixed(1)} commits per nudge (target <= 3 and 1), ${(oursCpuMs / cases).toFixed(1)} ms worker CPU per nudge; bare: ${(replayed / byMembership.size).toFixed(2)} Whop calls, 1 statement and 1 commit per nudge, ${(bareCpuMs / byMembership.size).toFixed(1)} ms CPU per nudge (bench process: bare loop and Whop fake; the fake alone took ${(fakeCpuMs / cases).toFixed(1)} ms during ours)`,
    }];
  } finally {
    await client.end().catch(() => {});
    await whop.close();
    await db.drop();
  }
}
