import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

// The tests StrykerJS (npm run test:mutation) runs against each mutant: the unit tests of the pure
// domain (a static mutant, e.g. in a table, reruns every test listed, so only those that import
// src/domain are), plus the dashboard API tests on PGlite that exercise the presenters.
// MUTATION_SCOPE=domain leaves the PGlite ones out (they are slow and kill no domain mutant).
const domainOnly = process.env.MUTATION_SCOPE === 'domain';
// Every unit test file that imports the domain, so a domain module someone adds is covered by its tests.
const DOMAIN_TESTS = readdirSync('test/unit')
  .filter((name) => name.endsWith('.test.ts') && readFileSync(join('test/unit', name), 'utf8').includes('/src/domain/'))
  .map((name) => `test/unit/${name}`);
export default defineConfig({
  test: {
    include: [...DOMAIN_TESTS, ...(domainOnly ? [] : ['test/integration/dashboard-api.test.ts'])],
    // The lift method's simulations (hundreds of companies, bootstrap resamples) take seconds bare
    // and over 30 s instrumented, on every mutant; lift.ts's exact-value tests kill its mutants.
    testNamePattern: /^(?!statistical test of the method)/,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    env: { TEST_DATABASE_URL: '', TEST_REDIS_URL: '' },
  },
});
