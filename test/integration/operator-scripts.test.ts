import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/run-cli.ts';
import { createTestDatabase, TEST_REDIS_URL, type TestDatabase } from '../support/test-database.ts';
import { startTestService, type TestService } from '../support/test-service.ts';

const OPERATOR = { email: 'smoke@example.test', password: 'smoke-test-password-1' };

describe('npm run smoke and security:scan against a running service', () => {
  let database: TestDatabase;
  let service: TestService;
  beforeAll(async () => {
    database = await createTestDatabase();
    service = await startTestService(database, { env: { ADMIN_EMAIL: OPERATOR.email, ADMIN_PASSWORD: OPERATOR.password } });
  });
  afterAll(async () => {
    await service?.stop();
    await database?.close();
  });

  it('smoke: all five pass against a healthy service with the operator and the webhook secret', async () => {
    const result = await runCli('smoke', ['--url', service.url], { TEST_USER_EMAIL: OPERATOR.email, TEST_USER_PASSWORD: OPERATOR.password, WEBHOOK_SECRET: service.webhookSecret });
    expect(result.stdout).toMatch(/pass {2}health_endpoint +200 healthy/);
    expect(result.stdout).toMatch(/pass {2}webhook_processing +unsigned refused \(401\), signed accepted \(200\)/);
    expect(result.stdout).toMatch(/pass {2}basic_api_endpoints +GET \/api\/admin\/overview: 401 without a session, 200 JSON with it/);
    expect(result.stdout).toMatch(/Smoke tests: 5\/5 passed/);
    expect(result.code).toBe(0);
    expect(result.stdout + result.stderr).not.toContain(OPERATOR.password);
  }, 60_000);

  it('smoke: a wrong password fails sign-in only (4/5) and exits 1', async () => {
    const result = await runCli('smoke', [], { APP_URL: service.url, TEST_USER_EMAIL: OPERATOR.email, TEST_USER_PASSWORD: 'not-the-password-at-all', WEBHOOK_SECRET: service.webhookSecret });
    expect(result.stdout).toMatch(/FAIL {2}user_authentication +401 email or password is wrong/);
    expect(result.stdout).toMatch(/Smoke tests: 4\/5 passed/);
    expect(result.stderr).toMatch(/Smoke tests failed!/);
    expect(result.code).toBe(1);
  }, 60_000);

  it('smoke: without a URL it says how to give one', async () => {
    const result = await runCli('smoke', [], {});
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/pass --url https:\/\/your-service or set APP_URL/);
  });

  it('security:scan finds a secret committed in a git tree (naming file, line and kind, not the secret), skips fixtures, and passes once it is gone', async () => {
    const repo = mkdtempSync(join(tmpdir(), 'churn-secret-scan-'));
    try {
      const git = (...args: string[]) => execFileSync('git', ['-c', 'user.email=t@example.test', '-c', 'user.name=t', ...args], { cwd: repo, stdio: 'ignore' });
      // Built at run time, so this test file itself holds no such string.
      const fakeKey = ['AKIA', 'QXZ7'.repeat(4)].join('');
      const fakePem = ['-----BEGIN', 'PRIVATE KEY-----'].join(' ');
      mkdirSync(join(repo, 'src'));
      mkdirSync(join(repo, 'test', 'fixtures'), { recursive: true });
      writeFileSync(join(repo, 'src', 'settings.ts'), `export const region = 'eu-west-1';\nexport const awsAccessKeyId = '${fakeKey}';\n`);
      writeFileSync(join(repo, 'test', 'fixtures', 'signing.pem'), `${fakePem}\nMIIE…\n`);
      git('init', '-q');
      git('add', '.');
      git('commit', '-q', '-m', 'planted');

      const found = await runCli('security-scan', ['--path', repo, '--skip-audit', '--url', service.url]);
      // The fixture's key is not counted: tests hold fake secrets on purpose.
      expect(found.stdout).toMatch(/secrets: 1 in 1 file under .* \(tests and fixtures skipped\)/);
      expect(found.stdout).toMatch(/critical src\/settings\.ts:2 AWS access key id \(AKIAQX…\)/);
      expect(found.stdout).not.toContain(fakeKey);
      expect(found.stdout).not.toMatch(/signing\.pem/);
      expect(found.stdout).toMatch(/security headers of http:\/\/127\.0\.0\.1:\d+: all present/);
      expect(found.stderr).toMatch(/security:scan: 1 committed secret/);
      expect(found.code).toBe(1);

      writeFileSync(join(repo, 'src', 'settings.ts'), `export const region = 'eu-west-1';\nexport const awsAccessKeyId = process.env.AWS_ACCESS_KEY_ID;\n`);
      git('commit', '-q', '-am', 'key from the environment');
      const clean = await runCli('security-scan', ['--path', repo, '--skip-audit', '--url', service.url]);
      expect(clean.stdout).toMatch(/security:scan: nothing at high or worse/);
      expect(clean.code).toBe(0);
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('npm run cache:clear', () => {
  it('without REDIS_URL says there is nothing to clear', async () => {
    const result = await runCli('cache-clear', [], {});
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/REDIS_URL is not set: the cache is in-process/);
  });

  it.skipIf(!TEST_REDIS_URL)('removes only our prefixed keys from the real Redis', async () => {
    // A Redis database of its own: other test files' rate-limit counters live in database 0.
    const url = new URL(TEST_REDIS_URL!);
    url.pathname = '/7';
    const redis = new Redis(url.toString());
    try {
      await redis.flushdb();
      await redis.set('churn-saver:access:biz_a:user_b', 'admin');
      await redis.set('churn-saver:rl:ip:203.0.113.9', '12');
      await redis.set('other-app:session:1', 'keep me');
      await redis.set('churn-saverx', 'not ours either');
      const result = await runCli('cache-clear', [], { REDIS_URL: url.toString() });
      expect(result.stdout).toMatch(/removed 2 keys under churn-saver:/);
      expect(result.code).toBe(0);
      expect((await redis.keys('*')).sort()).toEqual(['churn-saverx', 'other-app:session:1']);
    } finally {
      await redis.flushdb();
      redis.disconnect();
    }
  });
});
