import { defineConfig } from 'vitest/config';

// The tests StrykerJS (npm run test:mutation) runs against each mutant: the unit tests of the pure
// domain, plus the dashboard API tests on PGlite that exercise the presenters. MUTATION_SCOPE=domain
// leaves the PGlite ones out (they are slow and kill no domain mutant).
const domainOnly = process.env.MUTATION_SCOPE === 'domain';
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts', ...(domainOnly ? [] : ['test/integration/dashboard-api.test.ts'])],
    exclude: ['test/unit/infra/**', 'node_modules/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    env: { TEST_DATABASE_URL: '', TEST_REDIS_URL: '' },
  },
});
