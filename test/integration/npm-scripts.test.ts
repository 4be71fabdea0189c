import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanCheckout, freePort, ROOT, runNpm, startNpm, type NpmProcess, type NpmResult } from '../support/npm-layout.ts';
import { BACKEND, TEST_DATABASE_URL, TEST_REDIS_URL } from '../support/test-database.ts';

// Every script in package.json, run as the process a user or operator starts (`npm run …` in a
// clean checkout's layout, only the environment they would set), on the backend of this vitest
// project: embedded PGlite in the checkout's ./data, or a fresh PostgreSQL database (+ Redis).
// Rows run in order on one database per backend. A script without a row fails the first test;
// a row says how its script is checked when running it here would be the suite itself or
// a long build another test already runs.

interface Context {
  cwd: string;
  env: Record<string, string | undefined>;
  port: number;
  base: string;
  /** npm start, while the start row runs it (smoke runs against it). */
  service?: NpmProcess;
}

type Where = 'both' | 'once' | 'postgres';
interface Row {
  /** What is asserted, in the words of the test name. */
  how: string;
  /** both backends; once (the script does not use the configured database: run in the pglite project); postgres (benchmarks need PostgreSQL). */
  where?: Where;
  run?: (ctx: Context) => Promise<void>;
  /** Checked elsewhere as a process: the file and the text there that runs it. */
  elsewhere?: { file: string; runs: string };
}

const ADMIN = { ADMIN_EMAIL: 'ops@example.com', ADMIN_PASSWORD: 'ops-password-1234' };
const ok = (result: NpmResult, line: string | RegExp) => {
  expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
  if (typeof line === 'string') expect(result.stdout).toContain(line);
  else expect(result.stdout).toMatch(line);
};
const signIn = (base: string, email: string, password: string) =>
  fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
const migrationCount = readdirSync(join(ROOT, 'migrations')).filter((f) => f.endsWith('.sql')).length;

const ROWS: Record<string, Row> = {
  'db:migrate': {
    how: 'PostgreSQL: applies every migration on a fresh database; embedded: a fresh folder starts from the migrated template npm ci made, so it is up to date; then up to date; an edited source is rebuilt first (once, embedded project)',
    async run({ cwd, env }) {
      // The launcher runs dist/, rebuilt when a source is newer than its output (a pull, an edit).
      if (BACKEND === 'pglite') utimesSync(join(cwd, 'src/cli/db-migrate.ts'), new Date(), new Date());
      const first = await runNpm(cwd, 'db:migrate', [], env, 180_000);
      ok(first, BACKEND === 'pglite' ? `up to date (${migrationCount} migrations)` : 'applied: 0001_foundation');
      if (BACKEND === 'pglite') expect(first.stderr).toContain('churn-saver: building dist/ from src/ (sources changed since the last build)');
      const second = await runNpm(cwd, 'db:migrate', [], env);
      ok(second, `up to date (${migrationCount} migrations)`);
      expect(second.stderr).not.toContain('building');
    },
  },
  'db:verify': {
    how: 'exit 0: the database matches the migrations',
    run: async ({ cwd, env }) => ok(await runNpm(cwd, 'db:verify', [], env), 'db:verify: the database matches the migrations'),
  },
  'keys:rotate': {
    how: '-- --check exits 0 on a fresh database; --generate prints a key; a rotation with nothing to do is done',
    async run({ cwd, env }) {
      ok(await runNpm(cwd, 'keys:rotate', ['--check'], env), 'Every stored value is under ENCRYPTION_KEY.');
      ok(await runNpm(cwd, 'keys:rotate', ['--generate'], env), /^[A-Za-z0-9+/]{43}=\n$/);
      ok(await runNpm(cwd, 'keys:rotate', [], env), 'Done: every value is under ENCRYPTION_KEY.');
    },
  },
  'db:seed': {
    how: 'twice is idempotent: the demo company and the ADMIN_EMAIL operator once, then already there',
    async run({ cwd, env }) {
      const first = await runNpm(cwd, 'db:seed', [], { ...env, ...ADMIN });
      ok(first, 'company biz_demo "Northwind Trading Club": created with default settings');
      expect(first.stdout).toContain('operator ops@example.com: created');
      const second = await runNpm(cwd, 'db:seed', [], { ...env, ...ADMIN, ADMIN_PASSWORD: 'another-password-1234' });
      ok(second, 'company biz_demo "Northwind Trading Club": already there');
      expect(second.stdout).toContain('operator ops@example.com: already there (password left as is)');
    },
  },
  'admin:create': {
    how: 'creates an operator, then resets the password; without arguments prints usage, exit 2',
    async run({ cwd, env }) {
      ok(await runNpm(cwd, 'admin:create', ['--email', 'oncall@example.com', '--password', 'oncall-password-1'], env), 'operator oncall@example.com: created');
      ok(await runNpm(cwd, 'admin:create', ['--email', 'oncall@example.com', '--password', 'oncall-password-12'], env), 'operator oncall@example.com: password updated');
      const usage = await runNpm(cwd, 'admin:create', [], env);
      expect(usage.code).toBe(2);
      expect(usage.stderr).toContain('usage: npm run admin:create -- --email <email> --password');
    },
  },
  start: {
    how: 'prints its URL, answers /api/health 200, signs in the db:seed operator; SIGTERM drains, exit 0',
    async run(ctx) {
      const service = startNpm(ctx.cwd, 'start', [], ctx.env);
      ctx.service = service;
      const [, url] = await service.waitFor(/Churn Saver 0\.1\.0 \(all\) on [^:]+: (http:\/\/\S+)\n/);
      expect(url).toBe(ctx.base);
      expect((await fetch(`${url}/api/health`)).status).toBe(200);
      expect((await signIn(url!, 'ops@example.com', 'ops-password-1234')).status).toBe(200);
    },
  },
  smoke: {
    how: "against the running npm start: the guide's five checks, Smoke tests: 5/5 passed; then npm start stops on SIGTERM with exit 0",
    async run(ctx) {
      // The webhook check signs with the service's secret: the generated development one (npm start printed it).
      const secret = ctx.service!.output().match(/\b(ws_[0-9a-f]{64})\b/)?.[1] ?? readFileSync(join(ctx.env.DATA_DIR ?? join(ctx.cwd, 'data'), 'webhook-secret'), 'utf8').trim();
      const smoke = await runNpm(ctx.cwd, 'smoke', ['--url', ctx.base], { TEST_USER_EMAIL: 'oncall@example.com', TEST_USER_PASSWORD: 'oncall-password-12', WEBHOOK_SECRET: secret });
      ok(smoke, 'Smoke tests: 5/5 passed');
      expect(await ctx.service!.stop('SIGTERM'), ctx.service!.output()).toBe(0);
      ctx.service = undefined;
    },
  },
  demo: {
    how: 'on the database npm start created (-- --members 40): prints a login that then signs in (start:prod row); a second run says already seeded; --help names --reset; a bad --members exits 1 naming it',
    async run(ctx) {
      // A 40-member story: the full one is seeded and checked in demo.test.ts; this is the script as a process.
      const demo = await runNpm(ctx.cwd, 'demo', ['--members', '40'], ctx.env, 180_000);
      ok(demo, /Seeded biz_demo "Northwind Trading Club" in [\d.]+ s:/);
      expect(demo.stdout).toContain(`Log in at   ${ctx.base.replace('127.0.0.1', 'localhost')}/login  with  demo@churnsaver.local / demo-password-1234`);
      ok(await runNpm(ctx.cwd, 'demo', [], ctx.env), 'biz_demo "Northwind Trading Club" is already seeded (npm run demo -- --reset seeds it afresh)');
      ok(await runNpm(ctx.cwd, 'demo', ['--help'], ctx.env), '--reset  delete the demo company biz_demo and seed it again');
      const bad = await runNpm(ctx.cwd, 'demo', ['--members', 'lots'], ctx.env);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain('--members must be a whole number from 10 to 5000, got lots');
    },
  },
  'start:prod': {
    how: "node dist/main.js (the image's CMD): the demo's printed login signs in and its dashboard data is there; SIGTERM, exit 0",
    async run(ctx) {
      const service = startNpm(ctx.cwd, 'start:prod', [], ctx.env);
      try {
        const [, url] = await service.waitFor(/: (http:\/\/\S+)\n/);
        const login = await signIn(url!, 'demo@churnsaver.local', 'demo-password-1234');
        expect(login.status).toBe(200);
        const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
        const companies = await fetch(`${url}/api/companies`, { headers: { cookie } });
        expect(companies.status).toBe(200);
        const demo = ((await companies.json()) as { companies: { company_id: string; open_cases: number; recovered_30d: { currency: string; recovered_cents: number }[] }[] }).companies.find((c) => c.company_id === 'biz_demo');
        expect(demo?.open_cases).toBeGreaterThan(0);
        // Recovered per currency (never summed across them): the demo recovers dollars in the last 30 days.
        expect(demo?.recovered_30d.find((m) => m.currency === 'usd')?.recovered_cents).toBeGreaterThan(0);
      } finally {
        expect(await service.stop('SIGTERM'), service.output()).toBe(0);
      }
    },
  },
  'compliance:audit': {
    how: "starts its own service on the configured database (npm start stopped): Compliance score: 100%, exit 0",
    run: async ({ cwd, env }) => ok(await runNpm(cwd, 'compliance:audit', [], env, 120_000), /Compliance score: 100% \(5\/5 checks\)/),
  },
  'cache:clear': {
    how: 'embedded: nothing to clear, exit 0; PostgreSQL project: removes our keys from its Redis database, exit 0',
    async run({ cwd, env }) {
      const result = await runNpm(cwd, 'cache:clear', [], env);
      ok(result, env.REDIS_URL ? /removed \d+ keys? under churn-saver: from / : 'REDIS_URL is not set: the cache is in-process');
    },
  },
  dev: {
    where: 'once',
    how: 'tsx watch: serves /api/health 200; Ctrl-C (SIGINT to the process group) ends it',
    async run(ctx) {
      const dev = startNpm(ctx.cwd, 'dev', [], ctx.env);
      const [, url] = await dev.waitFor(/: (http:\/\/\S+)\n/);
      expect((await fetch(`${url}/api/health`)).status).toBe(200);
      await dev.stop('SIGINT', true);
      await expect(fetch(`${url}/api/health`)).rejects.toThrow();
    },
  },
  'dev:web': {
    where: 'once',
    how: "vite's dev server serves the dashboard's index.html; Ctrl-C ends it",
    async run(ctx) {
      const port = await freePort();
      const vite = startNpm(ctx.cwd, 'dev:web', ['--port', String(port), '--strictPort', '--host', '127.0.0.1'], ctx.env);
      await vite.waitFor(new RegExp(`http://127\\.0\\.0\\.1:${port}/`));
      expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toContain('<div id="root">');
      await vite.stop('SIGINT', true);
    },
  },
  typecheck: { where: 'once', how: 'exit 0', run: async ({ cwd, env }) => expect((await runNpm(cwd, 'typecheck', [], env, 180_000)).code).toBe(0) },
  'test:mutation': {
    where: 'once',
    how: "-- --dryRunOnly on the domain (MUTATION_SCOPE=domain): StrykerJS on Node 22 instruments src/domain without the KPI formulas and the domain tests pass unmutated, exit 0 (a full run takes minutes: README)",
    async run({ cwd, env }) {
      const result = await runNpm(cwd, 'test:mutation', ['--dryRunOnly'], { ...env, MUTATION_SCOPE: 'domain' }, 300_000);
      ok(result, /Initial test run succeeded\. Ran \d+ tests/);
      const mutated = Number(result.stdout.match(/Found (\d+) of \d+ file\(s\) to be mutated/)?.[1]);
      const domainFiles = readdirSync(join(cwd, 'src/domain')).filter((f) => f.endsWith('.ts') && f !== 'kpi-formulas.ts').length;
      expect(mutated).toBe(domainFiles);
    },
  },
  postinstall: {
    where: 'once',
    how: 'what npm ci runs: the embedded template and the dashboard build, exit 0',
    run: async ({ cwd, env }) => ok(await runNpm(cwd, 'postinstall', [], env, 180_000), 'churn-saver: dashboard built (dist/web)'),
  },
  'security:scan': {
    where: 'once',
    how: '-- --skip-audit over this checkout (the registry has no audit endpoint here): no secret, headers present, exit 0',
    run: async ({ cwd, env }) => ok(await runNpm(cwd, 'security:scan', ['--skip-audit', '--path', ROOT], env, 120_000), 'security:scan: nothing at high or worse'),
  },
  'vulnerability:scan': {
    where: 'once',
    how: 'the npm audit table and exit 0/1, or exit 2 saying npm audit could not run (no audit endpoint on this machine\'s registry)',
    async run({ cwd, env }) {
      const result = await runNpm(cwd, 'vulnerability:scan', [], env);
      if (result.code === 2) expect(result.stderr).toMatch(/vulnerability:scan: npm audit could not run/);
      else {
        expect([0, 1]).toContain(result.code);
        expect(result.stdout).toMatch(/\d+ vulnerable packages? .*: \d+ critical/);
      }
    },
  },
  'monitoring:update': {
    where: 'once',
    how: '-- --check: the committed monitoring files are up to date, exit 0',
    run: async ({ cwd, env }) => ok(await runNpm(cwd, 'monitoring:update', ['--check'], env), /: up to date/),
  },
  'bench:dashboard': {
    where: 'postgres',
    how: 'BENCH_CASES=2000: seeds, times every presenter, exit 0 (exit 1 on its own failure)',
    run: async ({ cwd, env }) =>
      ok(await runNpm(cwd, 'bench:dashboard', [], { ...env, BENCH_DATABASE_URL: TEST_DATABASE_URL, BENCH_CASES: '2000', BENCH_COMPANIES: '20', BENCH_RUNS: '2' }), /kpis window=30 +[\d.]+ +[\d.]+/),
  },
  'bench:nudges': {
    where: 'postgres',
    how: 'BENCH_CASES=20, one worker: every nudge delivered exactly once, exit 0',
    run: async ({ cwd, env }) =>
      ok(await runNpm(cwd, 'bench:nudges', [], { ...env, BENCH_DATABASE_URL: TEST_DATABASE_URL, BENCH_CASES: '20', BENCH_WORKERS: '1' }), 'Whop calls recorded: 20 pushes, 20 DMs (exactly once each: true)'),
  },
  'bench:ingest': {
    how: 'not run here: five phases of BENCH_SECONDS each (ours, bare baseline, fixed rate, PGlite, cold start) take minutes even at 1 s; its figures go to the closing notes',
  },
  bench: {
    where: 'postgres',
    how: 'BENCH_SIZE=tiny BENCH_ONLY=dashboard,nudges: each figure as a ratio to its bare limit (nudges: every one delivered exactly once, or it fails), exit 0; an unknown figure exits 1 (the full run: README Benchmarks)',
    async run({ cwd, env }) {
      const tiny = await runNpm(cwd, 'bench', [], { ...env, BENCH_DATABASE_URL: TEST_DATABASE_URL, BENCH_SIZE: 'tiny', BENCH_ONLY: 'dashboard,nudges' }, 240_000);
      ok(tiny, /case search by membership id, p95 \(ms\) +ratio +[\d.]+ +ours [\d.]+ ms +bare [\d.]+ ms/);
      expect(tiny.stdout).toMatch(/dashboard KPIs 365 days, p95 \(ms\) +ratio +[\d.]+/);
      expect(tiny.stdout).toMatch(/nudges, 2 workers \(nudges\/s\) +ratio +[\d.]+ +ours [\d.]+ nudges\/s +bare [\d.]+ nudges\/s/);
      expect(tiny.stdout).toMatch(/200 nudges; [\d.]+ Whop calls, [\d.]+ statements and [\d.]+ commits per nudge/);
      const unknown = await runNpm(cwd, 'bench', [], { ...env, BENCH_ONLY: 'nope' });
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toContain('BENCH_ONLY: no figure nope');
    },
  },
  build: { how: 'the image builder stage runs it in container.test.ts', elsewhere: { file: 'test/integration/container.test.ts', runs: "['run', 'build']" } },
  'build:web': { how: 'npm run build runs it (container.test.ts); postinstall runs the same vite build (its row)', elsewhere: { file: 'test/integration/container.test.ts', runs: "['run', 'build']" } },
  test: { how: 'the suite itself: .ci/run calls it on a fresh clone', elsewhere: { file: '.ci/run', runs: '\nnpm test\n' } },
};

const scripts = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts as Record<string, string>;

describe(`every npm script as a process (${BACKEND})`, () => {
  const ctx: Context = { cwd: '', env: {}, port: 0, base: '' };
  const databaseName = `churn_npm_${randomBytes(5).toString('hex')}`;

  beforeAll(async () => {
    ctx.cwd = cleanCheckout();
    ctx.port = await freePort();
    ctx.base = `http://127.0.0.1:${ctx.port}`;
    ctx.env = { PORT: String(ctx.port), HOSTNAME: '127.0.0.1', LOG_LEVEL: 'warn' };
    if (BACKEND === 'postgres') {
      const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${databaseName}`);
      await admin.end();
      const url = new URL(TEST_DATABASE_URL!);
      url.pathname = `/${databaseName}`;
      // A Redis database of its own: cache:clear must not drop other test files' counters (database 0).
      const redis = new URL(TEST_REDIS_URL!);
      redis.pathname = '/9';
      ctx.env = { ...ctx.env, DATABASE_URL: url.toString(), REDIS_URL: redis.toString() };
    }
  }, 120_000);

  afterAll(async () => {
    if (ctx.service) await ctx.service.stop('SIGKILL', true).catch(() => {});
    if (BACKEND === 'postgres') {
      const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`).catch(() => {});
      await admin.end();
    }
    if (ctx.cwd) rmSync(ctx.cwd, { recursive: true, force: true });
  });

  it('every script in package.json has a row, and every row a script', () => {
    expect(Object.keys(ROWS).sort()).toEqual(Object.keys(scripts).sort());
    for (const [script, row] of Object.entries(ROWS)) {
      expect(row.run ?? row.elsewhere ?? row.how, script).toBeTruthy();
      if (row.elsewhere) expect(readFileSync(join(ROOT, row.elsewhere.file), 'utf8'), `${script}: ${row.elsewhere.file}`).toContain(row.elsewhere.runs);
    }
    // scripts/*.sh: test/unit/ops-scripts.test.ts runs each one's --help (and an unknown flag) as a process, for every file in scripts/.
    expect(readFileSync(join(ROOT, 'test/unit/ops-scripts.test.ts'), 'utf8')).toMatch(/it\.each\(scripts\)\('%s --help prints its usage and exits 0/);
  });

  for (const [script, row] of Object.entries(ROWS)) {
    if (!row.run) continue;
    const where = row.where ?? 'both';
    const here = where === 'both' || (where === 'once' && BACKEND === 'pglite') || (where === 'postgres' && BACKEND === 'postgres');
    it.runIf(here)(`npm run ${script}: ${row.how}`, () => row.run!(ctx), 240_000);
  }
});
