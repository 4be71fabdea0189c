import { parseArgs } from 'node:util';
import { runSmokeTests, SMOKE_TESTS } from '../ops/run-smoke-tests.ts';

// npm run smoke [-- --url https://…] — the deployment guide's post-deployment smoke tests against a
// running service (APP_URL when --url is not given): health (with the database), webhook intake
// (unsigned refused; signed accepted when WEBHOOK_SECRET is set), operator sign-in with
// TEST_USER_EMAIL / TEST_USER_PASSWORD, an authenticated dashboard API call, metrics.
// Prints each result and "Smoke tests: N/5 passed"; exit 1 when any failed.
let values: { url?: string | undefined };
try {
  ({ values } = parseArgs({ options: { url: { type: 'string' } } }));
} catch (error) {
  console.error(`${error instanceof Error ? error.message : String(error)} (usage: npm run smoke -- --url https://your-service)`);
  process.exit(2);
}
const url = values.url ?? process.env.APP_URL;
if (!url || !/^https?:\/\//.test(url)) {
  console.error(`${url ? `not an http(s) URL: ${url}` : 'no URL'}: pass --url https://your-service or set APP_URL`);
  process.exit(2);
}
const results = await runSmokeTests({
  url,
  email: process.env.TEST_USER_EMAIL,
  password: process.env.TEST_USER_PASSWORD,
  webhookSecret: process.env.WEBHOOK_SECRET,
});
const width = Math.max(...SMOKE_TESTS.map((t) => t.length));
for (const r of results) console.log(`  ${r.passed ? 'pass' : 'FAIL'}  ${r.test.padEnd(width)}  ${r.detail}`);
const passed = results.filter((r) => r.passed).length;
console.log(`Smoke tests: ${passed}/${results.length} passed`);
if (passed < results.length) {
  console.error('Smoke tests failed!');
  process.exitCode = 1;
} else console.log('All smoke tests passed!');
