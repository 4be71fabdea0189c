import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copiesFrom, execCommand, finalStage, healthcheckCommand, parseDockerfile, stageEnv } from '../support/dockerfile.ts';
import { BACKEND, TEST_DATABASE_URL, TEST_REDIS_URL } from '../support/test-database.ts';

// No Docker engine here, so this builds what the Dockerfile builds and starts it the way the image
// does: the build context minus .dockerignore, `npm run build` (the builder stage), the runner's
// COPY --from=builder list and production dependencies only, then the image's CMD with its ENV and
// WORKDIR, in production against a fresh PostgreSQL database. Production requires PostgreSQL, so
// this runs on the postgres backend.
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const runner = finalStage(parseDockerfile(join(ROOT, 'Dockerfile')));

/** .dockerignore semantics for our patterns: root-relative, `*` within a segment, `!` re-includes, a match covers a folder's contents. */
function dockerIgnored(): (path: string) => boolean {
  const rules = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))
    .map((line) => {
      const negated = line.startsWith('!');
      const glob = negated ? line.slice(1) : line;
      return { negated, regex: new RegExp(`^${glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}(/.*)?$`) };
    });
  return (path) => rules.reduce((ignored, rule) => (rule.regex.test(path) ? !rule.negated : ignored), false);
}

/** `npm ci --omit=dev`, for the top level our own code imports from: links to the installed non-dev packages only. */
function linkProductionModules(target: string): void {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
  for (const [path, info] of Object.entries(lock.packages)) {
    if (!/^node_modules\/(@[^/]+\/)?[^/]+$/.test(path) || info.dev || !existsSync(join(ROOT, path))) continue;
    mkdirSync(dirname(join(target, path)), { recursive: true });
    symlinkSync(join(ROOT, path), join(target, path), 'dir');
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

describe.runIf(BACKEND === 'postgres')('the container image, built and started as its CMD', () => {
  let work = '';
  let builder = '';
  let app = '';
  const databaseName = `churn_image_${randomBytes(5).toString('hex')}`;
  let child: ChildProcess | undefined;
  let exited: Promise<number | null>;
  let output = '';
  let base = '';
  let port = 0;
  let runnerEnv: Record<string, string> = {};

  /** `npm run <script> -- args` inside the runner, as an operator's one-off task runs it (same ENV, WORKDIR). */
  const npmRun = (script: string, args: string[] = [], env: Record<string, string> = {}) => {
    const result = spawnSync('npm', ['run', '--silent', script, ...(args.length ? ['--', ...args] : [])], { cwd: app, encoding: 'utf8', timeout: 120_000, env: { ...runnerEnv, ...env } });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr, all: `${result.stdout}\n${result.stderr}` };
  };

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'churn-saver-image-'));
    builder = join(work, 'builder');
    app = join(work, 'app');
    // builder stage: COPY . . (minus .dockerignore), dependencies from the deps stage, npm run build.
    const ignored = dockerIgnored();
    cpSync(ROOT, builder, { recursive: true, filter: (source) => source === ROOT || !ignored(relative(ROOT, source)) });
    symlinkSync(join(ROOT, 'node_modules'), join(builder, 'node_modules'), 'dir');
    const build = spawnSync('npm', ['run', 'build'], { cwd: builder, encoding: 'utf8', timeout: 300_000, env: { ...process.env, NODE_ENV: 'production' } });
    if (build.status !== 0) throw new Error(`npm run build failed (${build.status}):\n${build.stdout}\n${build.stderr}`);

    // runner stage: package files, production dependencies, then what it copies from the builder.
    mkdirSync(app);
    for (const file of ['package.json', 'package-lock.json']) cpSync(join(ROOT, file), join(app, file));
    linkProductionModules(app);
    const copies = copiesFrom(runner, 'builder');
    expect(copies.length).toBeGreaterThan(0);
    for (const { source, dest } of copies) cpSync(join(builder, relative('/app', source)), join(app, dest), { recursive: true });

    await adminQuery(`CREATE DATABASE ${databaseName}`);
    const url = new URL(TEST_DATABASE_URL!);
    url.pathname = `/${databaseName}`;
    port = await freePort();
    base = `http://localhost:${port}`;
    const [command, ...args] = execCommand(runner);
    runnerEnv = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      ...stageEnv(runner),
      PORT: String(port),
      DATABASE_URL: url.toString(),
      REDIS_URL: TEST_REDIS_URL ?? '',
      WEBHOOK_SECRET: `ws_${randomBytes(32).toString('hex')}`,
      WHOP_API_KEY: `apik_${randomBytes(12).toString('hex')}`,
      // Health's background probe calls Whop's API: nothing listens on 127.0.0.1:2, so no call leaves the machine.
      WHOP_API_BASE_URL: 'http://127.0.0.1:2/api/v1',
      ENCRYPTION_KEY: randomBytes(32).toString('hex'),
      JWT_SECRET: randomBytes(32).toString('hex'),
      LOG_LEVEL: 'warn',
    };
    child = spawn(command!, args, { cwd: app, stdio: ['ignore', 'pipe', 'pipe'], env: runnerEnv });
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    exited = new Promise((resolve) => child!.once('exit', (code) => resolve(code)));
  }, 400_000);

  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
    await adminQuery(`DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`).catch(() => {});
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('the runner holds the built server, not the sources: the CMD file exists and src/ does not', () => {
    expect(existsSync(join(app, execCommand(runner)[1]!))).toBe(true);
    expect(existsSync(join(app, 'src'))).toBe(false);
    expect(existsSync(join(app, 'dist', 'web', 'index.html'))).toBe(true);
  });

  it('answers /api/health 200 with the health JSON, and the image HEALTHCHECK command passes', async () => {
    let health: Response | undefined;
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && child!.exitCode === null) {
      health = await fetch(`${base}/api/health`).catch(() => undefined);
      if (health?.status === 200) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(health?.status, `no healthy answer; output:\n${output}`).toBe(200);
    const report = (await health!.json()) as Record<string, unknown>;
    expect(report).toEqual({
      status: 'healthy',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      version: '0.1.0',
      checks: {
        database: { healthy: true, response_time: expect.any(Number), message: expect.stringContaining('PostgreSQL') },
        redis: { healthy: true, response_time: expect.any(Number), message: 'Redis connection successful' },
        memory: { healthy: true, response_time: expect.any(Number), message: expect.any(String) },
        disk: { healthy: true, response_time: expect.any(Number), message: expect.stringMatching(/^\.\/data: .* free of /) },
        // Reported, not counted in the status (docs/operations.md, Health).
        external: { healthy: false, response_time: expect.any(Number), message: expect.stringMatching(/^whop: (not probed yet|unreachable: ECONNREFUSED \(.*)$/) },
      },
    });
    // Docker runs this inside the container on port 3000; here the same command on the chosen port.
    const probe = spawnSync('/bin/sh', ['-c', healthcheckCommand(runner).replace('localhost:3000', `localhost:${port}`)], { encoding: 'utf8' });
    expect(probe.status, probe.stderr).toBe(0);
  }, 90_000);

  it('applied the migrations it ships and serves the dashboard it was built with', async () => {
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL!.replace(/\/[^/]*$/, `/${databaseName}`) });
    await client.connect();
    const { rows } = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations');
    await client.end();
    expect(rows[0]!.n).toBe(readdirSync(join(app, 'migrations')).filter((f) => f.endsWith('.sql')).length);
    const page = await fetch(`${base}/admin`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="root">');
  });

  it("runs the guide's operator commands as npm scripts on built JS (no src/, no tsx), as a one-off ECS task would", () => {
    expect(existsSync(join(app, 'node_modules', 'tsx'))).toBe(false);
    const migrations = readdirSync(join(app, 'migrations')).filter((f) => f.endsWith('.sql')).length;
    const migrate = npmRun('db:migrate');
    expect(migrate.code, migrate.all).toBe(0);
    expect(migrate.stdout).toContain(`up to date (${migrations} migrations)`);
    const seed = npmRun('db:seed', [], { ADMIN_EMAIL: 'ops@example.com', ADMIN_PASSWORD: 'ops-password-1234' });
    expect(seed.code, seed.all).toBe(0);
    expect(seed.stdout).toContain('company biz_demo "Northwind Trading Club": created with default settings');
    expect(seed.stdout).toContain('operator ops@example.com: created');
    const verify = npmRun('db:verify');
    expect(verify.code, verify.all).toBe(0);
    expect(verify.stdout).toContain('db:verify: the database matches the migrations');
    const check = npmRun('keys:rotate', ['--check']);
    expect(check.code, check.all).toBe(0);
    expect(check.stdout).toContain('Every stored value is under ENCRYPTION_KEY.');
    const rotate = npmRun('keys:rotate');
    expect(rotate.code, rotate.all).toBe(0);
    expect(rotate.stdout).toContain('Done: every value is under ENCRYPTION_KEY.');
    const operator = npmRun('admin:create', ['--email', 'oncall@example.com', '--password', 'oncall-password-1234']);
    expect(operator.code, operator.all).toBe(0);
    expect(operator.stdout).toContain('operator oncall@example.com: created');
    const smoke = npmRun('smoke', ['--url', base], { TEST_USER_EMAIL: 'oncall@example.com', TEST_USER_PASSWORD: 'oncall-password-1234' });
    expect(smoke.code, smoke.all).toBe(0);
    expect(smoke.stdout).toContain('Smoke tests: 5/5 passed');
    const audit = npmRun('compliance:audit', ['--url', base]);
    expect(audit.code, audit.all).toBe(0);
    expect(audit.stdout).toContain('Compliance score: 100%');
    // A Redis database of its own: cache:clear must not drop other test files' counters in database 0.
    const redis = new URL(TEST_REDIS_URL!);
    redis.pathname = '/8';
    const clear = npmRun('cache:clear', [], { REDIS_URL: redis.toString() });
    expect(clear.code, clear.all).toBe(0);
    expect(clear.stdout).toMatch(/removed \d+ keys? under churn-saver: from /);
  }, 300_000);

  it('SIGTERM drains and exits 0', async () => {
    child!.kill('SIGTERM');
    const code = await Promise.race([exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 30_000))]);
    expect(code, output).toBe(0);
  }, 40_000);
});
