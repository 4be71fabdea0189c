import { defineConfig } from 'vitest/config';

// The tests StrykerJS (npm run test:mutation) runs against each mutant: the unit tests of the pure
// domain (a static mutant, e.g. in a table, reruns every test listed, so only those that import
// src/domain are), plus the dashboard API tests on PGlite that exercise the presenters.
// MUTATION_SCOPE=domain leaves the PGlite ones out (they are slow and kill no domain mutant).
const domainOnly = process.env.MUTATION_SCOPE === 'domain';
const DOMAIN_TESTS = [
  'case-lifecycle', 'case-lifecycle.details', 'case-lifecycle.property', 'case-signals', 'decline-variant', 'domain-rules', 'match-stored-cases', 'message-template',
  'money', 'nudge-schedule', 'outreach-settings', 'risk-level', 'whop-events', 'whop-permissions',
].map((name) => `test/unit/${name}.test.ts`);
export default defineConfig({
  test: {
    include: [...DOMAIN_TESTS, ...(domainOnly ? [] : ['test/integration/dashboard-api.test.ts'])],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    env: { TEST_DATABASE_URL: '', TEST_REDIS_URL: '' },
  },
});
