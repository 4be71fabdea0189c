import { connect } from 'node:net';
import { statSync } from 'node:fs';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { defineConfig } from 'vitest/config';

const POSTGRES_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

function isReachable(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) }, () => {
      socket.end();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
    socket.setTimeout(1000, () => {
      socket.destroy();
      resolve(false);
    });
  });
}

// Seconds a file took in a full run on this 2-core machine under load (project:path); only the order matters. Vitest
// alone orders projects one after another (browser, pglite, postgres, unit) and, on a fresh clone
// with no results cache, files by size: a 5-minute file could start last and run alone at the end.
// Starting the longest first, whatever the project, keeps all workers busy to the end. A file not
// listed is weighted by its size and runs after these; re-measure with --reporter=json when the
// suite changes shape.
const SLOW_FILES: Record<string, number> = {
  'pglite:test/integration/npm-scripts.test.ts': 795,
  'pglite:test/integration/demo.test.ts': 471,
  'postgres:test/integration/npm-scripts.test.ts': 329,
  'postgres:test/integration/demo.test.ts': 302,
  'postgres:test/integration/container.test.ts': 222,
  'postgres:test/scenarios/provider-faults.scenario.test.ts': 185,
  'browser:test/e2e/everyday-use.e2e.test.ts': 173,
  'pglite:test/integration/hostile-webhooks.test.ts': 141,
  'postgres:test/integration/crash-recovery.test.ts': 112,
  'postgres:test/integration/backup-restore.test.ts': 91,
  'pglite:test/integration/db-scripts.test.ts': 82,
  'pglite:test/integration/operator-scripts.test.ts': 81,
  'pglite:test/integration/kpi-rollups.test.ts': 79,
  'postgres:test/integration/reconcile-outage.test.ts': 78,
  'postgres:test/integration/compliance-audit.test.ts': 77,
  'postgres:test/integration/whop-rate-budget-fleet.test.ts': 69,
  'postgres:test/integration/multi-instance.test.ts': 69,
  'postgres:test/integration/hostile-webhooks.test.ts': 68,
  'pglite:test/integration/webhook-intake.test.ts': 64,
  'pglite:test/integration/dashboard-api.test.ts': 61,
  'pglite:test/scenarios/holdout.scenario.test.ts': 57,
  'browser:test/e2e/dashboard.e2e.test.ts': 47,
  'pglite:test/scenarios/nudge.scenario.test.ts': 46,
  'pglite:test/integration/edges.test.ts': 46,
  'pglite:test/integration/reconcile-with-whop.test.ts': 43,
  'pglite:test/integration/template-drafts.test.ts': 40,
  'pglite:test/integration/whop-rate-budget.test.ts': 36,
  'postgres:test/integration/dashboard-api.test.ts': 35,
  'postgres:test/integration/db-scripts.test.ts': 34,
  'pglite:test/integration/health-external.test.ts': 33,
  'browser:test/e2e/kpi-fixture.e2e.test.ts': 32,
  'unit:test/unit/infra/terraform-validate.test.ts': 31,
  'pglite:test/scenarios/save-offers.scenario.test.ts': 120,
  'browser:test/e2e/saves-and-variants.e2e.test.ts': 40,
};
class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const weight = (spec: TestSpecification) => {
      const path = spec.moduleId.slice(spec.moduleId.indexOf('/test/') + 1);
      return SLOW_FILES[`${spec.project.name}:${path}`] ?? statSync(spec.moduleId).size / 1_000;
    };
    return [...files].sort((a, b) => weight(b) - weight(a));
  }
}

// Every data test runs twice: on embedded PGlite + the in-process cache, and on the real
// PostgreSQL + Redis. In CI both must run (.ci/run starts the services); locally the real
// backend is skipped with a notice when it is not reachable.
export default defineConfig(async () => {
  const realServices = (await isReachable(POSTGRES_URL)) && (await isReachable(REDIS_URL));
  if (!realServices && process.env.CI) throw new Error(`CI needs PostgreSQL (${POSTGRES_URL}) and Redis (${REDIS_URL}) reachable`);
  if (!realServices) console.warn(`PostgreSQL/Redis not reachable: running data tests on PGlite only`);
  const dataTests = ['test/integration/**/*.test.ts', 'test/scenarios/**/*.test.ts'];
  return {
    test: {
      // Most files wait on processes, sockets and timers, not the CPU: on a 2-core CI machine two
      // workers left it half idle (load ~1) and the suite took ~30 minutes; three fill it.
      maxWorkers: 3,
      sequence: { sequencer: LongestFirst },
      projects: [
        // Property and simulation tests run thousands of cases: 5 s is too tight on a loaded 2-core machine.
        { test: { name: 'unit', include: ['test/unit/**/*.test.ts'], testTimeout: 30_000 } },
        // The dashboard in Debian's Chromium, on the embedded default (one backend is enough for the UI).
        { test: { name: 'browser', include: ['test/e2e/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 120_000, env: { TEST_DATABASE_URL: '', TEST_REDIS_URL: '' } } },
        { test: { name: 'pglite', include: dataTests, testTimeout: 30_000, hookTimeout: 60_000, env: { TEST_DATABASE_URL: '', TEST_REDIS_URL: '' } } },
        ...(realServices
          ? [{ test: { name: 'postgres', include: dataTests, testTimeout: 30_000, hookTimeout: 60_000, env: { TEST_DATABASE_URL: POSTGRES_URL, TEST_REDIS_URL: REDIS_URL } } }]
          : []),
      ],
    },
  };
});
