import { connect } from 'node:net';
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
