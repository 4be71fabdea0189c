import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/config.ts';
import { openDatabase } from '../db/client.ts';
import { createLogger } from '../observability/logger.ts';
import { startRuntime } from '../runtime.ts';
import { checkSecurityHeaders, type HeaderFinding } from '../ops/check-security-headers.ts';
import { scanForSecrets } from '../ops/scan-for-secrets.ts';
import { countAtOrAbove, runNpmAudit, SEVERITIES, type Severity } from '../ops/summarize-npm-audit.ts';

// npm run security:scan [-- --url https://… --path . --fail-on high --skip-audit]
// 1. npm audit --omit=dev (what ships), summarised per severity;
// 2. secrets committed in the tree (--path, default here: the files git tracks; tests and fixtures skipped);
// 3. security headers on a page and the API of --url, or of the service started in this process.
// Exit 1 when anything is at --fail-on (default high) or worse: a committed secret counts as
// critical, a missing header as high. npm audit that cannot run is a failure too (nothing was checked)
// unless --skip-audit.
const usage = 'usage: npm run security:scan [-- --url <service url>] [--path <dir>] [--fail-on low|moderate|high|critical] [--skip-audit]';
let values: { url?: string | undefined; path?: string | undefined; 'fail-on'?: string | undefined; 'skip-audit'?: boolean | undefined };
try {
  ({ values } = parseArgs({ options: { url: { type: 'string' }, path: { type: 'string' }, 'fail-on': { type: 'string' }, 'skip-audit': { type: 'boolean' } } }));
} catch (error) {
  console.error(`${error instanceof Error ? error.message : String(error)} (${usage})`);
  process.exit(2);
}
const failOn = (values['fail-on'] ?? 'high') as Severity;
if (!SEVERITIES.includes(failOn) || failOn === 'info') {
  console.error(`--fail-on: must be low, moderate, high or critical, not ${values['fail-on']} (${usage})`);
  process.exit(2);
}
const root = resolve(values.path ?? '.');
const failing: string[] = [];
const atOrAbove = (severity: Severity) => SEVERITIES.indexOf(severity) >= SEVERITIES.indexOf(failOn);

// 1. Dependencies that ship.
if (values['skip-audit']) console.log('npm audit: skipped (--skip-audit)');
else {
  const audit = await runNpmAudit(process.cwd(), ['--omit=dev']);
  if (!audit.ok) {
    console.log(`npm audit: ${audit.problem}`);
    failing.push('npm audit could not run (pass --skip-audit to scan without it)');
  } else {
    console.log(`npm audit (production dependencies): ${SEVERITIES.map((s) => `${audit.counts[s]} ${s}`).join(', ')}`);
    for (const row of audit.rows.filter((r) => atOrAbove(r.severity))) console.log(`  ${row.severity.padEnd(8)} ${row.name} ${row.range} (${row.via.join('; ')}); fix: ${row.fix}`);
    const n = countAtOrAbove(audit.counts, failOn);
    if (n > 0) failing.push(`${n} vulnerable production dependenc${n === 1 ? 'y' : 'ies'} at ${failOn} or worse`);
  }
}

// 2. Secrets in the tree.
const secrets = scanForSecrets(root);
console.log(`secrets: ${secrets.findings.length} in ${secrets.files} file${secrets.files === 1 ? '' : 's'} under ${root} (tests and fixtures skipped)`);
for (const f of secrets.findings) console.log(`  critical ${f.file}:${f.line} ${f.kind} (${f.preview})`);
if (secrets.findings.length > 0 && atOrAbove('critical')) failing.push(`${secrets.findings.length} committed secret${secrets.findings.length === 1 ? '' : 's'}`);

// 3. Security headers.
let headers: HeaderFinding[];
if (values.url) {
  headers = await checkSecurityHeaders(values.url).catch((error) => [{ path: '/', header: '(all)', problem: `not reachable: ${error instanceof Error ? error.message : String(error)}` }]);
  console.log(`security headers of ${values.url}: ${headers.length === 0 ? 'all present' : `${headers.length} missing or weak`}`);
} else {
  headers = await checkInProcessService();
  console.log(`security headers (service started in this process): ${headers.length === 0 ? 'all present' : `${headers.length} missing or weak`}`);
}
for (const h of headers) console.log(`  high     ${h.path} ${h.header}: ${h.problem}`);
if (headers.length > 0 && atOrAbove('high')) failing.push(`${headers.length} security header problem${headers.length === 1 ? '' : 's'}`);

if (failing.length > 0) {
  console.error(`security:scan: ${failing.join('; ')}`);
  process.exitCode = 1;
} else console.log(`security:scan: nothing at ${failOn} or worse`);

/** The web role on a throwaway embedded database, on a free local port, as a deployment would serve it. */
async function checkInProcessService(): Promise<HeaderFinding[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'churn-security-scan-'));
  const loaded = loadConfig({ NODE_ENV: 'test', PORT: '0', HOSTNAME: '127.0.0.1', ROLE: 'web', LOG_LEVEL: 'silent', DATA_DIR: dataDir });
  if (!loaded.ok) throw new Error(loaded.problems.join('; '));
  const database = await openDatabase({ dataDir: 'memory://' });
  const logger = createLogger({ level: 'silent', environment: 'test', version: loaded.config.APP_VERSION });
  const runtime = await startRuntime({ config: loaded.config, logger, database, webhookSecret: `ws_${randomBytes(32).toString('hex')}` });
  try {
    return await checkSecurityHeaders(runtime.url!);
  } finally {
    await runtime.stop();
    await database.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
