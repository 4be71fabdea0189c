import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ALARMS, DASHBOARD, MONITORING_PLACEHOLDERS, type AlarmDefinition } from '../../../src/observability/alarm-definitions.ts';
import { MONITORING_FILE_NAMES, renderMonitoringFiles, validateMonitoringFiles } from '../../../src/observability/monitoring-files.ts';

const temps: string[] = [];
afterAll(() => temps.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'monitoring-update-'));
  temps.push(dir);
  return dir;
};

const byName = (suffix: string) => ALARMS.find((a) => a.AlarmName === `\${name}-${suffix}`)!;
const withAlarms = (alarms: unknown[]) => validateMonitoringFiles(renderMonitoringFiles({ alarms: alarms as AlarmDefinition[], dashboard: DASHBOARD }));

describe('monitoring definitions', () => {
  it('render to files that validate, and the committed infra/monitoring files are exactly what they render to', async () => {
    const files = renderMonitoringFiles();
    expect(await validateMonitoringFiles(files)).toEqual([]);
    for (const name of MONITORING_FILE_NAMES) expect(readFileSync(`infra/monitoring/${name}`, 'utf8'), `${name} is stale: npm run monitoring:update`).toBe(files[name]);
  });

  it('keep the guide’s three alarms with its thresholds, periods and statistics', () => {
    expect(byName('HighCPUUtilization')).toMatchObject({ Namespace: 'AWS/ECS', MetricName: 'CPUUtilization', Statistic: 'Average', Period: 300, Threshold: 80, ComparisonOperator: 'GreaterThanThreshold', EvaluationPeriods: 2 });
    expect(byName('LowHealthyHosts')).toMatchObject({ Namespace: 'AWS/ApplicationELB', MetricName: 'HealthyHostCount', Statistic: 'Minimum', Period: 60, Threshold: 2, ComparisonOperator: 'LessThanThreshold', EvaluationPeriods: 2 });
    expect(byName('DatabaseConnectionCount')).toMatchObject({ Namespace: 'AWS/RDS', MetricName: 'DatabaseConnections', Statistic: 'Maximum', Period: 300, Threshold: 80, ComparisonOperator: 'GreaterThanThreshold', EvaluationPeriods: 1 });
  });

  it('import into CloudWatch exactly the app metrics the alarms use', () => {
    const agent = JSON.parse(renderMonitoringFiles()['cloudwatch-agent.json']);
    const selectors = agent.logs.metrics_collected.prometheus.emf_processor.metric_declaration.flatMap((d: { metric_selectors: string[] }) => d.metric_selectors);
    expect(selectors).toEqual(expect.arrayContaining(['^webhooks_received_total$', '^churn_saver_nodejs_eventloop_lag_p99_seconds$']));
  });

  it.each([
    ['a threshold that is not a number', (a: AlarmDefinition) => ({ ...a, Threshold: '80' }), /alarms\[0\] \(\$\{name\}-HighCPUUtilization\)\.Threshold: .*expected number/],
    ['an alarm without an action', (a: AlarmDefinition) => ({ ...a, AlarmActions: [] }), /AlarmActions: an alarm nobody hears about/],
    ['a missing required field', ({ MetricName: _, ...a }: AlarmDefinition) => a, /alarms\[0\] .*MetricName/],
    ['both Statistic and ExtendedStatistic', (a: AlarmDefinition) => ({ ...a, ExtendedStatistic: 'p99' }), /exactly one of Statistic or ExtendedStatistic/],
    ['a mistyped AWS metric', (a: AlarmDefinition) => ({ ...a, MetricName: 'CPUUtilisation' }), /AWS\/ECS has no metric CPUUtilisation/],
    ['a metric our service does not export', (a: AlarmDefinition) => ({ ...a, Namespace: 'ChurnSaver', MetricName: 'recovered_cases_total' }), /metric recovered_cases_total is not one src\/observability\/metrics.ts exports/],
    ['a histogram the CloudWatch agent drops', (a: AlarmDefinition) => ({ ...a, Namespace: 'ChurnSaver', MetricName: 'http_request_duration_seconds' }), /http_request_duration_seconds is a histogram/],
    ['an unknown placeholder', (a: AlarmDefinition) => ({ ...a, AlarmActions: ['${alarm_topic}'] }), /unknown placeholder \$\{alarm_topic\}/],
  ])('refuse %s, naming the alarm and the field', async (_, breakIt, message) => {
    const problems = await withAlarms([breakIt(ALARMS[0]!), ...ALARMS.slice(1)]);
    expect(problems.join('\n')).toMatch(message);
  });

  it('refuse two alarms with the same name', async () => {
    expect(await withAlarms([...ALARMS, ALARMS[1]])).toContain('alarms.json: alarm name ${name}-HighCPUUtilization-worker is used twice');
  });

  it('refuse a dashboard that shows an alarm alarms.json does not define', async () => {
    const problems = await withAlarms(ALARMS.slice(1));
    expect(problems).toContain('dashboard.json: widgets[1] shows alarm arn:aws:cloudwatch:${region}:${account_id}:alarm:${name}-HighCPUUtilization, which alarms.json does not define');
  });
});

// Each run starts tsx (a few seconds on a busy 2-core machine).
describe('npm run monitoring:update', { timeout: 60_000 }, () => {
  const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => {
    const base = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('AWS_')));
    const result = spawnSync(resolve('node_modules/.bin/tsx'), ['src/cli/monitoring-update.ts', ...args], { encoding: 'utf8', env: { ...base, HOME: tempDir(), ...env } });
    return { status: result.status, out: result.stdout + result.stderr };
  };

  it('writes the three files, says it pushed nothing, and --check then passes; an edited file fails --check by name', () => {
    const out = tempDir();
    const write = cli(['--out', out]);
    expect(write.status).toBe(0);
    expect(write.out).toContain('wrote files only');
    expect(cli(['--check', '--out', out])).toMatchObject({ status: 0 });

    writeFileSync(join(out, 'alarms.json'), readFileSync(join(out, 'alarms.json'), 'utf8').replace('"Threshold": 80', '"Threshold": 90'));
    const check = cli(['--check', '--out', out]);
    expect(check.status).toBe(1);
    expect(check.out).toContain(`out of date: ${join(out, 'alarms.json')}`);
  });

  it('--apply without AWS credentials writes the files and says it pushed nothing', () => {
    const result = cli(['--apply', '--out', tempDir()]);
    expect(result.status).toBe(1);
    expect(result.out).toContain('no AWS credentials found');
    expect(result.out).toContain('wrote files only, pushed nothing');
  });

  it('--apply with credentials pushes every alarm and the dashboard through the aws CLI, placeholders filled', () => {
    const dir = tempDir();
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    // A stand-in aws CLI that records each call, one JSON line per invocation.
    writeFileSync(join(bin, 'aws'), `#!/usr/bin/env node\nrequire('node:fs').appendFileSync(${JSON.stringify(join(dir, 'calls.jsonl'))}, JSON.stringify(process.argv.slice(2)) + '\\n');\n`);
    chmodSync(join(bin, 'aws'), 0o755);
    const values = Object.fromEntries(Object.keys(MONITORING_PLACEHOLDERS).map((key) => [key, `test-${key}`]));
    writeFileSync(join(dir, 'values.json'), JSON.stringify(values));

    const result = cli(['--apply', '--values', join(dir, 'values.json'), '--out', join(dir, 'out')], { AWS_PROFILE: 'test', PATH: `${bin}:${process.env.PATH}` });
    expect(result.out).toContain(`pushed ${ALARMS.length} alarms and dashboard test-name`);
    expect(result.status).toBe(0);
    const calls = readFileSync(join(dir, 'calls.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as string[]);
    const alarms = calls.filter((c) => c[1] === 'put-metric-alarm').map((c) => JSON.parse(c[3]!) as AlarmDefinition);
    expect(alarms.map((a) => a.AlarmName)).toContain('test-name-LowHealthyHosts');
    expect(alarms.find((a) => a.AlarmName === 'test-name-LowHealthyHosts')!.Dimensions).toEqual([
      { Name: 'TargetGroup', Value: 'test-target_group_arn_suffix' },
      { Name: 'LoadBalancer', Value: 'test-alb_arn_suffix' },
    ]);
    const dashboard = calls.find((c) => c[1] === 'put-dashboard')!;
    expect(dashboard.slice(0, 4)).toEqual(['cloudwatch', 'put-dashboard', '--dashboard-name', 'test-name']);
    expect(dashboard[5]).not.toContain('${');
  });

  it('--apply refuses a values file that lacks a placeholder, naming it', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'values.json'), JSON.stringify({ name: 'x' }));
    const result = cli(['--apply', '--values', join(dir, 'values.json'), '--out', join(dir, 'out')], { AWS_ACCESS_KEY_ID: 'test', PATH: `${dir}:${process.env.PATH}` });
    expect(result.status).toBe(1);
    expect(result.out).toMatch(/no value for .*alarm_topic_arn/);
  });
});
