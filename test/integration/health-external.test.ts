import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkHealth, type HealthCheck } from '../../src/services/operators/check-health.ts';
import { createExternalProbe, smtpTarget, whopApiTarget } from '../../src/services/operators/probe-external.ts';
import { startSmtpFake, type SmtpFake } from '../fakes/smtp.ts';
import { startWhopApiFake, type WhopApiFake } from '../fakes/whop-api.ts';
import { startServiceWithWhop } from '../support/service-with-whop.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-database.ts';
import { waitFor, type TestService } from '../support/test-service.ts';

type Report = { status: string; checks: Record<string, HealthCheck> };
const health = async (url: string) => {
  const response = await fetch(`${url}/api/health`);
  return { status: response.status, body: (await response.json()) as Report };
};

/** A port that accepts connections and never says a word (a hung SMTP server, a black-holed API). */
async function silentServer(): Promise<{ server: Server; port: number }> {
  const server = createServer(() => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

describe('/api/health: external (Whop, SMTP) from the background probe, and disk', () => {
  let database: TestDatabase;
  let service: TestService;
  let whop: WhopApiFake;
  let smtp: SmtpFake;

  beforeAll(async () => {
    database = await createTestDatabase();
    smtp = await startSmtpFake();
    ({ service, whop } = await startServiceWithWhop(database, {
      SMTP_HOST: smtp.host, SMTP_PORT: String(smtp.port), SMTP_FROM: 'billing@churnsaver.test', SMTP_USER: 'probe-user', SMTP_PASS: 'probe-pass',
      // One round at start, the next an hour later: every later request must be answered from memory.
      HEALTH_EXTERNAL_PROBE_SECONDS: '3600',
    }));
  });
  afterAll(async () => {
    await service?.stop();
    await whop?.close();
    await smtp?.close();
    await database?.close();
  });

  it('reports Whop and SMTP reachable and the free disk space, in the guide’s check shape', async () => {
    const { status, body } = await waitFor(async () => {
      const answer = await health(service.url);
      return answer.body.checks.external?.message.includes('not probed') ? null : answer;
    }, 15_000, 'the first probe round');
    expect(status).toBe(200);
    expect(body.status).toBe('healthy');
    expect(body.checks.external).toMatchObject({ healthy: true, response_time: expect.any(Number) });
    expect(body.checks.external!.message).toMatch(/^whop: reachable \(HTTP 404\) \(\d+ ms, \d+ s ago\); smtp: reachable, signed in \(\d+ ms, \d+ s ago\)$/);
    expect(body.checks.disk).toMatchObject({ healthy: true, response_time: expect.any(Number) });
    expect(body.checks.disk!.message).toMatch(/^\.\/data: [\d.]+ [MG]B free of [\d.]+ [MG]B; \/.+: [\d.]+ [MG]B free of [\d.]+ [MG]B$/);
    expect(smtp.logins).toEqual(['probe-user']);
  });

  it('twenty health requests make no call to Whop and open no SMTP session', async () => {
    await waitFor(async () => !(await health(service.url)).body.checks.external?.message.includes('not probed'), 15_000, 'the first probe round');
    const whopCalls = whop.calls.length;
    const smtpSessions = smtp.connections;
    expect(whopCalls).toBe(1);
    expect(smtpSessions).toBe(1);
    for (let i = 0; i < 20; i++) expect((await health(service.url)).status).toBe(200);
    expect(whop.calls.length).toBe(whopCalls);
    expect(smtp.connections).toBe(smtpSessions);
  });
});

describe('the external probe', () => {
  const closers: (() => Promise<unknown> | void)[] = [];
  afterAll(async () => {
    for (const close of closers) await close();
  });

  it('names an unreachable Whop and SMTP, and answers from memory while a probe hangs', async () => {
    const whop = await startWhopApiFake();
    const whopUrl = whop.baseURL;
    await whop.close(); // nothing listens there now: connection refused
    const silent = await silentServer();
    closers.push(() => new Promise((resolve) => silent.server.close(resolve)));
    const probe = createExternalProbe([whopApiTarget(whopUrl), smtpTarget({ host: '127.0.0.1', port: silent.port, secure: false })], { intervalMs: 3_600_000, timeoutMs: 400 });
    expect(probe.check()).toMatchObject({ healthy: false, message: 'whop: not probed yet; smtp: not probed yet' });
    const round = probe.probeNow();
    // While the round waits on the network, check() answers synchronously (no promise to wait on) with what it knows.
    const during = probe.check();
    expect(during).not.toBeInstanceOf(Promise);
    expect(during.message).toBe('whop: not probed yet; smtp: not probed yet');
    await round;
    const check = probe.check();
    expect(check.healthy).toBe(false);
    expect(check.message).toMatch(/^whop: unreachable: ECONNREFUSED \(\d+ ms, \d+ s ago\); smtp: unreachable: (ETIMEDOUT|no answer in 400 ms) \(\d+ ms, \d+ s ago\)$/);
  });

  it('a Whop API answering 5xx is unreachable for us; a 4xx is an API that is up', async () => {
    const { createServer: createHttpServer } = await import('node:http');
    let status = 503;
    const server = createHttpServer((_request, response) => response.writeHead(status).end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise((resolve) => server.close(resolve)));
    const probe = createExternalProbe([whopApiTarget(`http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1`)], { intervalMs: 3_600_000 });
    await probe.probeNow();
    expect(probe.check()).toMatchObject({ healthy: false, message: expect.stringMatching(/^whop: unreachable: HTTP 503 /) });
    status = 401;
    await probe.probeNow();
    expect(probe.check()).toMatchObject({ healthy: true, message: expect.stringMatching(/^whop: reachable \(HTTP 401\) /) });
  });

  it('an unreachable provider is reported but keeps the status healthy (no fleet-wide 503); a full disk does not', async () => {
    const database = await createTestDatabase();
    closers.push(() => database.close());
    const { createCache } = await import('../../src/integrations/redis/cache.ts');
    const cache = createCache(undefined);
    const base = { sql: database.sql, databaseKind: database.kind, cache, version: 'x', now: () => new Date() };
    const down: HealthCheck = { healthy: false, response_time: 400, message: 'whop: unreachable: ECONNREFUSED' };
    const withDownProvider = await checkHealth({ ...base, external: () => down, disk: { paths: ['.'], minFreeMb: 1 } });
    expect(withDownProvider.status).toBe('healthy');
    expect(withDownProvider.checks.external).toEqual(down);
    const full = await checkHealth({ ...base, disk: { paths: ['.'], minFreeMb: Number.MAX_SAFE_INTEGER } });
    expect(full.status).toBe('unhealthy');
    expect(full.checks.disk).toMatchObject({ healthy: false, message: expect.stringMatching(/^\.: .* free of .* \(below \d+ MB\)$/) });
  });
});
