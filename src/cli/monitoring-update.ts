import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { fillPlaceholders, MONITORING_FILE_NAMES, renderMonitoringFiles, validateMonitoringFiles } from '../observability/monitoring-files.ts';

// npm run monitoring:update [-- --check | --apply [--values file.json]]
// Renders src/observability/alarm-definitions.ts to infra/monitoring/*.json and validates them.
// --check: exit 1 when the committed files differ (CI and reviews catch a hand edit or a stale file).
// --apply: also push alarms and dashboard with the aws CLI (terraform apply does the same from the
// same files; this is the quick path after changing only monitoring definitions).

const USAGE = 'usage: npm run monitoring:update [-- --check | --apply [--values values.json] [--terraform-dir infra/terraform]] [--out infra/monitoring]';

const args = parseCliArgs();
if (args.check && args.apply) fail(`--check and --apply do not go together\n${USAGE}`);

const files = renderMonitoringFiles();
const problems = await validateMonitoringFiles(files);
if (problems.length > 0) fail(`monitoring definitions invalid (${problems.length}):\n  - ${problems.join('\n  - ')}`);

const outDir = args.out;
if (args.check) {
  const stale = MONITORING_FILE_NAMES.filter((name) => {
    const path = join(outDir, name);
    return !existsSync(path) || readFileSync(path, 'utf8') !== files[name];
  });
  if (stale.length > 0) fail(`out of date: ${stale.map((n) => join(outDir, n)).join(', ')} (run npm run monitoring:update and commit the result)`);
  console.log(`${outDir}: up to date`);
  process.exit(0);
}

mkdirSync(outDir, { recursive: true });
for (const name of MONITORING_FILE_NAMES) writeFileSync(join(outDir, name), files[name]);
const alarmCount = (JSON.parse(files['alarms.json']) as { alarms: unknown[] }).alarms.length;
console.log(`wrote ${MONITORING_FILE_NAMES.map((n) => relative(process.cwd(), join(outDir, n))).join(', ')} (${alarmCount} alarms)`);

if (!args.apply) {
  console.log('wrote files only; terraform apply creates them, or pass --apply (with AWS credentials) to push alarms and dashboard now');
  process.exit(0);
}
if (!hasAwsCredentials(process.env)) {
  fail('--apply: no AWS credentials found (AWS_PROFILE, AWS_ACCESS_KEY_ID, a container or web-identity role, or ~/.aws/credentials); wrote files only, pushed nothing');
}

const values = readPlaceholderValues();
const fill = (name: (typeof MONITORING_FILE_NAMES)[number]) => {
  const filled = fillPlaceholders(files[name], values);
  if (!filled.ok) fail(`--apply: no value for ${filled.missing.join(', ')} in ${name} (add them to the --values file or the terraform output)`);
  return filled.text;
};
const alarms = (JSON.parse(fill('alarms.json')) as { alarms: { AlarmName: string }[] }).alarms;
for (const alarm of alarms) {
  aws(['cloudwatch', 'put-metric-alarm', '--cli-input-json', JSON.stringify(alarm)], `alarm ${alarm.AlarmName}`);
}
aws(['cloudwatch', 'put-dashboard', '--dashboard-name', values.name!, '--dashboard-body', fill('dashboard.json')], `dashboard ${values.name}`);
console.log(`pushed ${alarms.length} alarms and dashboard ${values.name}; cloudwatch-agent.json reaches the tasks through terraform (SSM parameter)`);

/** Values for the `${placeholders}`: a --values JSON file, else the terraform output. */
function readPlaceholderValues(): Record<string, string> {
  if (args.values) {
    try {
      return JSON.parse(readFileSync(args.values, 'utf8')) as Record<string, string>;
    } catch (error) {
      fail(`--values ${args.values}: ${(error as Error).message}`);
    }
  }
  const result = spawnSync('terraform', [`-chdir=${args['terraform-dir']}`, 'output', '-json', 'monitoring_template_vars'], { encoding: 'utf8' });
  if (result.status !== 0) fail(`--apply: could not read terraform output monitoring_template_vars (${(result.stderr || result.error?.message || '').trim()}); pass --values values.json instead`);
  return JSON.parse(result.stdout) as Record<string, string>;
}

function parseCliArgs() {
  try {
    return parseArgs({
      options: {
        check: { type: 'boolean', default: false },
        apply: { type: 'boolean', default: false },
        values: { type: 'string' },
        out: { type: 'string', default: 'infra/monitoring' },
        'terraform-dir': { type: 'string', default: 'infra/terraform' },
      },
    }).values;
  } catch (error) {
    return fail(`${(error as Error).message}\n${USAGE}`);
  }
}

function aws(argv: string[], what: string) {
  const result = spawnSync('aws', argv, { encoding: 'utf8' });
  if (result.status !== 0) fail(`--apply: aws ${argv.slice(0, 2).join(' ')} failed for ${what}: ${(result.stderr || result.error?.message || '').trim()}`);
}

/** True when the aws CLI has a way to sign requests; we never read or print the credentials. */
function hasAwsCredentials(env: NodeJS.ProcessEnv): boolean {
  const named = ['AWS_ACCESS_KEY_ID', 'AWS_PROFILE', 'AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'AWS_CONTAINER_CREDENTIALS_FULL_URI'];
  if (named.some((name) => (env[name] ?? '') !== '')) return true;
  const credentialsFile = env.AWS_SHARED_CREDENTIALS_FILE || join(env.HOME || homedir(), '.aws', 'credentials');
  return existsSync(credentialsFile);
}

function fail(message: string): never {
  console.error(`monitoring:update: ${message}`);
  process.exit(1);
}
