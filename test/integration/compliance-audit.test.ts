import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/run-cli.ts';
import { signV1 } from '../support/sign-webhook.ts';
import { BACKEND, createTestDatabase, type TestDatabase } from '../support/test-database.ts';
import { TEST_ENCRYPTION_KEY } from '../support/test-keys.ts';
import { startTestService, waitFor, type TestService } from '../support/test-service.ts';
import { buildWhopEvent } from '../support/whop-fixtures.ts';
import { generateEncryptionKey } from '../../src/integrations/crypto/encryption-keys.ts';

// The commands run as their own processes on the test database: PostgreSQL only (an in-memory
// PGlite cannot be shared with another process).
describe.runIf(BACKEND === 'postgres')('npm run compliance:audit and keys:rotate, as an operator runs them', () => {
  let database: TestDatabase;
  let service: TestService;

  beforeAll(async () => {
    database = await createTestDatabase();
    service = await startTestService(database);
    const body = JSON.stringify(buildWhopEvent('payment.failed', { data: { company: { id: 'biz_audit' }, membership: { id: 'mem_audit' }, user: { id: 'user_audit', email: 'audit@example.test', name: 'Audit Member' }, last_payment_attempt: new Date().toISOString() } }));
    expect((await service.post('/api/webhooks/whop', body, signV1(body, service.webhookSecret))).status).toBe(200);
    await waitFor(async () => (await database.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM recovery_cases`)).rows[0]!.n === 1, 15_000, 'case');
  });
  afterAll(async () => {
    await service?.stop();
    await database?.close();
  });

  const audit = (env: Record<string, string> = {}) => runCli('compliance-audit', ['--url', service.url], { DATABASE_URL: database.url!, ENCRYPTION_KEY: TEST_ENCRYPTION_KEY, ...env }, 90_000);

  it('scores 100 % on a healthy service and stores the report', async () => {
    const result = await audit();
    expect(result.stdout).toMatch(/PASS\s+gdpr/);
    expect(result.stdout).toMatch(/PASS\s+security_headers/);
    expect(result.stdout).toMatch(/PASS\s+data_encryption/);
    expect(result.stdout).toMatch(/PASS\s+access_controls/);
    expect(result.stdout).toMatch(/PASS\s+audit_logging/);
    expect(result.stdout).toContain('Compliance score: 100%');
    expect(result.code).toBe(0);
    const { rows } = await database.sql.query<{ score: string; n: number }>(`SELECT score::text, jsonb_array_length(results)::int AS n FROM audit.compliance_audits`);
    expect(rows).toEqual([{ score: '100.0', n: 5 }]);
  });

  it('a plaintext personal value fails data_encryption (80 %, exit 1); rotating to a new key fixes it and the old key is no longer needed', async () => {
    // A row written before encryption at rest (facts are never rewritten by the service itself).
    await database.sql.query(`UPDATE membership_facts SET reason = 'Plain written reason'`);
    const failing = await audit();
    expect(failing.stdout).toMatch(/FAIL\s+data_encryption\s+1 personal values stored in plaintext/);
    expect(failing.stdout).toContain('Compliance score: 80%');
    expect(failing.code).toBe(1);

    const next = generateEncryptionKey();
    const check = await runCli('keys-rotate', ['--check'], { DATABASE_URL: database.url!, ENCRYPTION_KEY: next, ENCRYPTION_KEY_PREVIOUS: TEST_ENCRYPTION_KEY });
    expect(check.code).toBe(1);
    expect(check.stdout).toMatch(/values still need keys:rotate/);
    const rotated = await runCli('keys-rotate', ['--batch-size', '1'], { DATABASE_URL: database.url!, ENCRYPTION_KEY: next, ENCRYPTION_KEY_PREVIOUS: TEST_ENCRYPTION_KEY });
    // The progress bar (stderr, one line per encrypted field when not on a terminal).
    expect(rotated.stderr).toMatch(/membership_facts\.reason.*1\/1 rows/);
    expect(rotated.stdout).toContain('Remove ENCRYPTION_KEY_PREVIOUS and restart');
    expect(rotated.code).toBe(0);
    // The new key alone: every value readable, nothing left under the old one.
    expect((await runCli('keys-rotate', ['--check'], { DATABASE_URL: database.url!, ENCRYPTION_KEY: next })).code).toBe(0);
    const again = await runCli('compliance-audit', ['--url', service.url], { DATABASE_URL: database.url!, ENCRYPTION_KEY: next }, 90_000);
    expect(again.stdout).toMatch(/PASS\s+data_encryption/);
    expect(again.stdout).toContain('Compliance score: 100%');
    // Five CLI processes in a row: 30 s was too tight for them on a busy 2-core machine.
  }, 150_000);
});
