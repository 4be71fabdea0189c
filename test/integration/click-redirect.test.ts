import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readableEventDetail } from '../../src/db/encrypted-text.ts';
import { createClickToken } from '../../src/services/nudges/click-links.ts';
import { FIXTURE_COMPANY, FIXTURE_NOW, fixtureCaseId, seedKpiFixture } from '../support/kpi-fixture.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-database.ts';
import { startTestService, type TestService } from '../support/test-service.ts';

const JWT_SECRET = 'click-redirect-test-secret-0123456789abcdef';
const BROWSER = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15';
const TO = 'https://whop.com/billing/manage/mem_fixture14';

describe('the tracked-link redirect /r?t=<token>', () => {
  let database: TestDatabase;
  let service: TestService;
  const token = (key = JWT_SECRET) => createClickToken(key, { companyId: FIXTURE_COMPANY, caseId: fixtureCaseId(14), step: 0, channel: 'dm', to: TO });
  const clicks = async () =>
    (await database.sql.query<{ detail: { counted: boolean; why?: string; channel: string; step: number } }>(`SELECT detail FROM case_events WHERE case_id = $1 AND reason = 'link_clicked' ORDER BY id`, [fixtureCaseId(14)])).rows.map((r) => readableEventDetail(r.detail));

  beforeAll(async () => {
    database = await createTestDatabase();
    await seedKpiFixture(database.sql);
    service = await startTestService(database, { clock: { now: () => FIXTURE_NOW }, env: { JWT_SECRET } });
  });
  afterAll(async () => {
    await service?.stop();
    await database?.close();
  });

  it('a member opening the link is recorded as a click (case, step, channel) and forwarded to Whop', async () => {
    const response = await fetch(`${service.url}/r?t=${token()}`, { redirect: 'manual', headers: { 'user-agent': BROWSER } });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe(TO);
    expect(await clicks()).toEqual([{ step: 0, channel: 'dm', counted: true }]);
  });

  it('a HEAD probe and a scanner still forward but are not counted', async () => {
    expect((await fetch(`${service.url}/r?t=${token()}`, { method: 'HEAD', redirect: 'manual', headers: { 'user-agent': BROWSER } })).status).toBe(302);
    expect((await fetch(`${service.url}/r?t=${token()}`, { redirect: 'manual', headers: { 'user-agent': 'Slackbot-LinkExpanding 1.0' } })).status).toBe(302);
    expect((await clicks()).slice(1)).toEqual([
      { step: 0, channel: 'dm', counted: false, why: 'head_request' },
      { step: 0, channel: 'dm', counted: false, why: 'bot_user_agent' },
    ]);
    // Stored as every timeline "why" is: encrypted (the compliance audit's data_encryption check).
    const { rows } = await database.sql.query<{ why: string }>(`SELECT detail->>'why' AS why FROM case_events WHERE case_id = $1 AND reason = 'link_clicked' AND detail ? 'why'`, [fixtureCaseId(14)]);
    expect(rows.map((r) => r.why.startsWith('enc:v'))).toEqual([true, true]);
  });

  it('a link signed with another key (or altered) answers 400 and forwards nowhere', async () => {
    const forged = await fetch(`${service.url}/r?t=${token('another-key')}`, { redirect: 'manual', headers: { 'user-agent': BROWSER } });
    expect(forged.status).toBe(400);
    expect(forged.headers.get('location')).toBeNull();
    expect((await forged.json()).error.message).toMatch(/token/);
    expect(await clicks()).toHaveLength(3);
  });
});
