import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.ts';
import { recoveryCases } from '../../src/db/schema/recovery-cases.ts';
import { createFieldCipher } from '../../src/integrations/crypto/field-cipher.ts';
import { generateEncryptionKey } from '../../src/integrations/crypto/encryption-keys.ts';
import { installFieldCipher } from '../../src/db/encrypted-text.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { presentCaseList } from '../../src/presenters/cases.presenter.ts';
import { startRuntime } from '../../src/runtime.ts';
import { censusStoredKeys } from '../../src/ops/check-stored-keys.ts';
import { rotateEncryptionKeys } from '../../src/ops/rotate-encryption-keys.ts';
import { resolveLookupHashKey } from '../../src/services/members/resolve-lookup-hash-key.ts';
import { isOptedOut, recordOptOuts } from '../../src/db/repositories/nudges.repository.ts';
import { findInDatabase } from '../support/database-scan.ts';
import { signV1 } from '../support/sign-webhook.ts';
import { withoutControlGroup } from '../support/no-control-group.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-database.ts';
import { testKeyring } from '../support/test-keys.ts';
import { startTestService, waitFor } from '../support/test-service.ts';
import { buildWhopEvent } from '../support/whop-fixtures.ts';

const KEY_A = generateEncryptionKey();
const KEY_B = generateEncryptionKey();
const COMPANY = 'biz_crypto';
const members = [0, 1, 2].map((i) => ({ email: `Secret.Member${i}@example.test`, name: `Ursula Unique${i}` }));

describe('personal data at rest, and rotating ENCRYPTION_KEY', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase();
    // Every member is nudged (none held out as the control group): the test reads their rendered texts.
    await withoutControlGroup(database.sql, [COMPANY]);
    // Key A: webhooks in, cases opened, nudges rendered into the outbox (no Whop key, no SMTP); an
    // expired card's default playbook renders step 0 at once.
    const service = await startTestService(database, { env: { ENCRYPTION_KEY: KEY_A, NUDGE_INTERVAL_SECONDS: '0.2' } });
    for (const [i, m] of members.entries()) {
      const body = JSON.stringify(buildWhopEvent('payment.failed', { data: { id: `pay_crypto${i}`, company: { id: COMPANY }, membership: { id: `mem_crypto${i}` }, user: { id: `user_crypto${i}`, email: m.email, name: m.name }, failure_message: `Card of ${m.name} declined`, decline_code: 'expired_card', last_payment_attempt: new Date().toISOString() } }));
      expect((await service.post('/api/webhooks/whop', body, signV1(body, service.webhookSecret))).status).toBe(200);
    }
    await waitFor(async () => (await database.sql.query<{ n: number }>(`SELECT count(DISTINCT case_id)::int AS n FROM deliveries WHERE rendered_body IS NOT NULL`)).rows[0]!.n >= 3, 30_000, 'rendered nudges');
    // Member 0 unsubscribed from email: the opt-out holds nothing but a hash of the address.
    await recordOptOuts(database.db, COMPANY, { email: members[0]!.email }, ['email'], { reason: 'unsubscribe', source: 'member' });
    await service.stop();
  });
  afterAll(async () => {
    await database?.close();
  });

  it('stores no member email, name or free-text reason in plaintext anywhere, yet every value reads back with the key', async () => {
    installFieldCipher(createFieldCipher(testKeyring(KEY_A)));
    const needles = members.flatMap((m) => [m.email, m.name]);
    expect(await findInDatabase(database, needles, { decrypt: false })).toEqual([]);
    const readable = await findInDatabase(database, needles, { decrypt: true });
    for (const where of ['recovery_cases"."member_email', 'recovery_cases"."failure_reason', 'webhook_events"."raw_body', 'membership_facts"."member_email'])
      expect(readable.some((hit) => hit.includes(where)), where).toBe(true);
  });

  it('keys:rotate moves every value to key B; B alone then reads everything, search by email still works, and A alone is refused at start', async () => {
    const rotated = await rotateEncryptionKeys(database.sql, testKeyring(KEY_B, KEY_A), { batchSize: 2 });
    expect(rotated.rewritten).toBeGreaterThan(10);
    expect(rotated.unreadable).toEqual([]);
    // Resumable and idempotent: a second run finds nothing left to do.
    expect((await rotateEncryptionKeys(database.sql, testKeyring(KEY_B, KEY_A))).rewritten).toBe(0);

    const onlyB = testKeyring(KEY_B);
    const census = await censusStoredKeys(database.sql, onlyB);
    expect([...census.counts.keys()]).toEqual([onlyB.current.keyId]);
    expect(census.unreadable.size).toBe(0);

    installFieldCipher(createFieldCipher(await resolveLookupHashKey(database.sql, onlyB)));
    const cases = await database.db.select({ email: recoveryCases.memberEmail, name: recoveryCases.memberName }).from(recoveryCases);
    expect(cases.map((c) => c.email).sort()).toEqual(members.map((m) => m.email).sort());
    // Lookup hashes did not change with the key (the stored hash key moved to B with the rest):
    // the search by address finds the member, and the unsubscribed one is still unsubscribed.
    expect(await isOptedOut(database.db, COMPANY, 'email', { email: members[0]!.email.toUpperCase() })).toBe(true);
    expect(await isOptedOut(database.db, COMPANY, 'email', { email: members[1]!.email })).toBe(false);
    const found = await presentCaseList(COMPANY, database.db, { q: members[1]!.email.toUpperCase(), limit: 10, sort: 'first_failure_at', descending: true });
    expect(found.cases.map((c) => c.member_email)).toEqual([members[1]!.email]);

    const loaded = loadConfig({ NODE_ENV: 'test', PORT: '0', HOSTNAME: '127.0.0.1', ENCRYPTION_KEY: KEY_A, LOG_LEVEL: 'silent' });
    if (!loaded.ok) throw new Error(loaded.problems.join());
    const logger = createLogger({ level: 'silent', environment: 'test', version: 'test' });
    await expect(startRuntime({ config: loaded.config, logger, webhookSecret: 'whsec_test', database })).rejects.toThrow(
      new RegExp(`key id ${onlyB.current.keyId}.*cannot be read with ENCRYPTION_KEY \\(key id ${testKeyring(KEY_A).current.keyId}\\)`),
    );
  });
});
