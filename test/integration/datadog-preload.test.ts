import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startRecordingServer } from '../support/ops-scripts.ts';
import { spawnService, type SpawnedService } from '../support/spawn-service.ts';
import { BACKEND } from '../support/test-database.ts';
import { waitFor } from '../support/test-service.ts';

/**
 * The task definition's Datadog preload (ecs.tf: NODE_OPTIONS=--import dd-trace/initialize.mjs,
 * DD_TRACE_AGENT_URL=http://localhost:8126, set only with datadog_api_key): the service starts
 * with it and its traces reach the agent, here a local server standing in for the sidecar.
 */
describe.runIf(BACKEND === 'pglite')('the dd-trace preload', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'churn-saver-dd-'));
  let service: SpawnedService | undefined;
  let agent: Awaited<ReturnType<typeof startRecordingServer>> | undefined;
  afterAll(async () => {
    await service?.stop();
    await agent?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts the service and sends its request spans to the agent', async () => {
    agent = await startRecordingServer({ body: '{}' });
    service = await spawnService({
      NODE_OPTIONS: '--import dd-trace/initialize.mjs',
      DD_TRACE_AGENT_URL: agent.url,
      DD_SERVICE: 'churn-saver',
      DD_ENV: 'test',
      DD_TRACE_FLUSH_INTERVAL: '200',
      DD_TELEMETRY_ENABLED: 'false',
      DD_REMOTE_CONFIGURATION_ENABLED: 'false',
      DATA_DIR: dataDir, PORT: '0', HOSTNAME: '127.0.0.1', LOG_LEVEL: 'warn',
    });
    expect((await fetch(`${service.url}/api/health`)).status).toBe(200);
    const traces = await waitFor(async () => agent!.requests.filter((r) => r.method === 'PUT' && /^\/v0\.[45]\/traces/.test(r.url)), 20_000, 'a trace upload');
    expect(traces.length).toBeGreaterThan(0);
    // msgpack: the service and the route appear as strings in the payload.
    expect(traces.map((t) => t.body).join('')).toContain('churn-saver');
  }, 90_000);
});
