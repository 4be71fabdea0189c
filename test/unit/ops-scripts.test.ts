import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCRIPTS_DIR, hasCommand, runScript, startRecordingServer, writeFakeCommand } from '../support/ops-scripts.ts';

// The operator scripts (scripts/*.sh) as an operator meets them: lint-clean, self-describing, and
// rollback.sh driving a fake aws CLI. Backup and restore against PostgreSQL: test/integration/backup-restore.test.ts.
const scripts = (await readdir(SCRIPTS_DIR)).filter((f) => f.endsWith('.sh')).sort();
const shellcheck = hasCommand('shellcheck');
if (!shellcheck && process.env.CI) throw new Error('CI needs shellcheck (.ci/run installs it)');

describe('scripts/*.sh', () => {
  it('are the five the runbook documents', () => {
    expect(scripts).toEqual(['backup.sh', 'maintenance.sh', 'restore.sh', 'rollback.sh', 'security-updates.sh']);
  });

  it.skipIf(!shellcheck)('pass shellcheck (with the shared scripts/lib/common.sh)', async () => {
    const files = [...scripts.map((s) => join(SCRIPTS_DIR, s)), join(SCRIPTS_DIR, 'lib', 'common.sh')];
    const result = await promisify(execFile)('shellcheck', files, { cwd: SCRIPTS_DIR }).catch((error: { stdout: string }) => ({ stdout: error.stdout, failed: true }));
    expect(result.stdout).toBe('');
  });

  it.each(scripts)('%s --help prints its usage and exits 0; an unknown flag prints usage and exits 2', async (script) => {
    const help = await runScript(script, ['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(new RegExp(`^Usage: scripts/${script}`));
    const bad = await runScript(script, ['--no-such-flag']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--no-such-flag');
    expect(bad.stderr).toContain(`Usage: scripts/${script}`);
  });
});

describe('scripts/rollback.sh', () => {
  const arn = (family: string, revision: number) => `arn:aws:ecs:eu-west-1:123456789012:task-definition/${family}:${revision}`;
  let dir: string;
  let awsLog: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rollback-'));
    awsLog = join(dir, 'aws.log');
    // What the real CLI prints for the script's --query … --output text calls: the running task
    // definition, then the family's ACTIVE revisions newest first (a longer family name matches
    // --family-prefix too), tab-separated.
    const revisions = [arn('churn-saver-web-canary', 45), arn('churn-saver-web', 42), arn('churn-saver-web-canary', 41), arn('churn-saver-web', 40), arn('churn-saver-web', 39)].join('\t');
    await writeFakeCommand(
      dir,
      'aws',
      `echo "$*" >> "${awsLog}"
case "$1 $2" in
  "ecs describe-services") echo "${arn('churn-saver-web', 42)}" ;;
  "ecs list-task-definitions") printf '%s\\n' "${revisions}" ;;
  "ecs update-service") echo "ecs-svc/1234567890" ;;
esac`,
    );
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const awsCalls = async () => (await readFile(awsLog, 'utf8').catch(() => '')).trim().split('\n').filter(Boolean);

  it('--dry-run prints the update-service to the previous revision of the same family (not web-canary) and changes nothing', async () => {
    await rm(awsLog, { force: true });
    const result = await runScript('rollback.sh', ['--cluster', 'churn-saver-prod', '--service', 'churn-saver-web', '--app-url', 'https://app.example.com', '--dry-run'], { pathPrefix: [dir] });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`aws ecs update-service --cluster churn-saver-prod --service churn-saver-web --task-definition ${arn('churn-saver-web', 40)}`);
    expect(result.stdout).toContain('aws ecs wait services-stable --cluster churn-saver-prod --services churn-saver-web');
    expect(result.stdout).toContain('https://app.example.com/api/health');
    expect(result.stderr).toContain('churn-saver-web:42 -> churn-saver-web:40');
    // Only the two read-only lookups reached aws.
    expect((await awsCalls()).map((c) => c.split(' ').slice(0, 2).join(' '))).toEqual(['ecs describe-services', 'ecs list-task-definitions']);
  });

  it('takes CLUSTER and SERVICE from the environment, and --revision picks an older one', async () => {
    const result = await runScript('rollback.sh', ['--revision', '39', '--no-health-check', '--dry-run'], { pathPrefix: [dir], env: { CLUSTER: 'c1', SERVICE: 'churn-saver-web' } });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`--cluster c1 --service churn-saver-web --task-definition ${arn('churn-saver-web', 39)}`);
  });

  it('refuses without a cluster (exit 2) and when no older revision exists (exit 1)', async () => {
    const noCluster = await runScript('rollback.sh', ['--service', 'churn-saver-web', '--dry-run', '--no-health-check'], { pathPrefix: [dir] });
    expect(noCluster.code).toBe(2);
    expect(noCluster.stderr).toContain('no cluster');
    const none = await runScript('rollback.sh', ['--cluster', 'c1', '--service', 'churn-saver-web', '--revision', '7', '--no-health-check', '--dry-run'], { pathPrefix: [dir] });
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('no ACTIVE revision of churn-saver-web 7');
  });

  it('for real: updates the service, waits, checks /api/health and tells Slack', async () => {
    await rm(awsLog, { force: true });
    const app = await startRecordingServer({ body: JSON.stringify({ status: 'healthy', checks: {} }) });
    const slack = await startRecordingServer();
    try {
      const result = await runScript('rollback.sh', ['--cluster', 'c1', '--service', 'churn-saver-web', '--app-url', app.url], {
        pathPrefix: [dir],
        env: { SLACK_WEBHOOK_URL: `${slack.url}/hooks/T000/B000/secret` },
      });
      expect(result.stderr).toContain('health: healthy');
      expect(result.code).toBe(0);
      const calls = await awsCalls();
      expect(calls).toContain(`ecs update-service --cluster c1 --service churn-saver-web --task-definition ${arn('churn-saver-web', 40)} --force-new-deployment --query service.deployments[0].id --output text`);
      expect(calls).toContain('ecs wait services-stable --cluster c1 --services churn-saver-web');
      expect(app.requests.map((r) => r.url)).toEqual(['/api/health']);
      expect(JSON.parse(slack.requests[0]!.body).text).toContain('now runs churn-saver-web:40 (was 42)');
      expect(result.stderr + result.stdout).not.toContain('/hooks/T000');
    } finally {
      await app.close();
      await slack.close();
    }
  });

  it('fails and tells Slack when /api/health is unhealthy after the rollback', async () => {
    const app = await startRecordingServer({ status: 503, body: '{"status":"unhealthy"}' });
    const slack = await startRecordingServer();
    try {
      const result = await runScript('rollback.sh', ['--cluster', 'c1', '--service', 'churn-saver-web', '--app-url', app.url, '--health-retries', '0'], {
        pathPrefix: [dir],
        env: { SLACK_WEBHOOK_URL: slack.url },
      });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('/api/health did not answer 200');
      expect(JSON.parse(slack.requests[0]!.body).text).toContain('Rollback of churn-saver-web on c1 FAILED');
    } finally {
      await app.close();
      await slack.close();
    }
  });
});
