// Mutation testing (#13 §8): `npm run test:mutation`. Not part of `npm test`.
// KPI formulas and the KPI presenter are left out while #12 rewrites them; add them back after.
const scope = process.env.MUTATION_SCOPE;
const domain = ['src/domain/**/*.ts', '!src/domain/kpi-formulas.ts'];
const presenters = ['src/presenters/**/*.ts', '!src/presenters/kpis.presenter.ts'];

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts' },
  plugins: ['@stryker-mutator/vitest-runner'],
  mutate: scope === 'domain' ? domain : scope === 'presenters' ? presenters : [...domain, ...presenters],
  coverageAnalysis: 'perTest',
  // Static mutants (in module-level tables: default templates, decline-code lists) rerun every
  // test and took 97 % of the time for half the mutants; MUTATION_STATIC=include counts them too.
  ignoreStatic: process.env.MUTATION_STATIC !== 'include',
  // Two cores shared with other work: one mutant at a time per core.
  concurrency: 2,
  timeoutMS: 20_000,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  thresholds: { high: 90, low: 85, break: null },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  ignorePatterns: ['dist', 'data', 'reports', 'web/dist', 'coverage'],
};
