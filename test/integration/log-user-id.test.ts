import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WhopApiFake } from '../fakes/whop-api.ts';
import { startServiceWithWhop } from '../support/service-with-whop.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-database.ts';
import type { TestService } from '../support/test-service.ts';
import type { createWhopTokenIssuer } from '../support/whop-user-token.ts';

const COMPANY = 'biz_loguser';
const OPERATOR_EMAIL = 'log-user-ops@churnsaver.test';

/** The request log line (the guide's middleware fields) carries who asked: the operator's id or the Whop user's. */
describe('request log lines carry userId', () => {
  let database: TestDatabase;
  let service: TestService;
  let whop: WhopApiFake;
  let issuer: Awaited<ReturnType<typeof createWhopTokenIssuer>>;
  const password = `pw-${randomBytes(12).toString('hex')}`;

  beforeAll(async () => {
    database = await createTestDatabase();
    ({ service, whop, issuer } = await startServiceWithWhop(database, { ADMIN_EMAIL: OPERATOR_EMAIL, ADMIN_PASSWORD: password, JWT_SECRET: `jwt-${randomBytes(24).toString('hex')}` }));
    whop.setAccess('user_loguser_owner', COMPANY, 'admin');
  });
  afterAll(async () => {
    await service?.stop();
    await whop?.close();
    await database?.close();
  });

  const requestLine = (url: string) => {
    const lines = service.logs.filter((l) => l.msg === 'request completed' && l.url === url);
    expect(lines, url).toHaveLength(1);
    return lines[0]!;
  };

  it('an operator’s request names the operator id, a creator’s the Whop user id, an anonymous one none; never an email', async () => {
    const login = await fetch(`${service.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: OPERATOR_EMAIL, password }) });
    expect(login.status).toBe(200);
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const { rows } = await database.sql.query<{ id: string }>('SELECT id FROM operators WHERE email = $1', [OPERATOR_EMAIL]);
    const operatorId = rows[0]!.id;

    expect((await fetch(`${service.url}/api/admin/overview`, { headers: { cookie } })).status).toBe(200);
    const token = await issuer.token('user_loguser_owner');
    expect((await fetch(`${service.url}/api/companies/${COMPANY}/kpis?window=7`, { headers: { 'x-whop-user-token': token } })).status).toBe(200);
    expect((await fetch(`${service.url}/api/companies/${COMPANY}/kpis?window=30`)).status).toBe(401);
    expect((await fetch(`${service.url}/api/health`)).status).toBe(200);

    // The line is written when the response finishes; give the logger a tick.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(requestLine('/api/admin/overview')).toMatchObject({ method: 'GET', statusCode: 200, userId: operatorId });
    expect(requestLine(`/api/companies/${COMPANY}/kpis?window=7`)).toMatchObject({ statusCode: 200, userId: 'user_loguser_owner' });
    expect(requestLine(`/api/companies/${COMPANY}/kpis?window=30`)).not.toHaveProperty('userId');
    expect(requestLine('/api/health')).not.toHaveProperty('userId');
    for (const line of service.logs.filter((l) => l.msg === 'request completed')) expect(JSON.stringify(line)).not.toContain(OPERATOR_EMAIL);
  });
});
