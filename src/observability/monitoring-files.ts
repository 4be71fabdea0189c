import { z } from 'zod';
import { ALARMS, APP_NAMESPACE, DASHBOARD, MONITORING_PLACEHOLDERS, type AlarmDefinition } from './alarm-definitions.ts';
import { createMetrics } from './metrics.ts';

/** The files `npm run monitoring:update` owns in infra/monitoring/, by name. */
export type MonitoringFiles = { 'alarms.json': string; 'dashboard.json': string; 'cloudwatch-agent.json': string };
export const MONITORING_FILE_NAMES = ['alarms.json', 'dashboard.json', 'cloudwatch-agent.json'] as const;

/**
 * AWS metrics we may alarm on or chart, per namespace. A name outside this list is almost always a
 * typo that CloudWatch would accept silently (an alarm on a metric that never exists stays
 * INSUFFICIENT_DATA forever), so the validator refuses it.
 */
const AWS_METRICS: Record<string, readonly string[]> = {
  'AWS/ECS': ['CPUUtilization', 'MemoryUtilization'],
  'AWS/ApplicationELB': ['HealthyHostCount', 'UnHealthyHostCount', 'TargetResponseTime', 'RequestCount', 'RequestCountPerTarget', 'HTTPCode_Target_5XX_Count', 'HTTPCode_ELB_5XX_Count', 'HTTPCode_Target_4XX_Count'],
  'AWS/RDS': ['DatabaseConnections', 'CPUUtilization', 'FreeStorageSpace', 'FreeableMemory', 'ReadLatency', 'WriteLatency'],
  'AWS/ElastiCache': ['EngineCPUUtilization', 'DatabaseMemoryUsagePercentage', 'CurrConnections', 'Evictions'],
  'AWS/WAFV2': ['AllowedRequests', 'BlockedRequests'],
};

/** Our prom-client metrics and their types, read from the same registry /api/metrics serves. */
async function appMetricTypes(): Promise<Map<string, string>> {
  const metrics = await createMetrics().registry.getMetricsAsJSON();
  return new Map(metrics.map((m) => [m.name, String(m.type)]));
}

/** Renders the definitions to file contents; pure apart from formatting. */
export function renderMonitoringFiles(definitions: { alarms: AlarmDefinition[]; dashboard: unknown } = { alarms: ALARMS, dashboard: DASHBOARD }): MonitoringFiles {
  const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
  return {
    'alarms.json': json({
      generatedBy: 'npm run monitoring:update (src/observability/alarm-definitions.ts); do not edit by hand',
      placeholders: MONITORING_PLACEHOLDERS,
      alarms: definitions.alarms,
    }),
    'dashboard.json': json(definitions.dashboard),
    'cloudwatch-agent.json': json(cloudWatchAgentConfig(definitions.alarms, definitions.dashboard)),
  };
}

/**
 * CloudWatch agent sidecar config (CW_CONFIG_CONTENT): imports exactly the app metrics the alarms and
 * the dashboard use, with the dimension sets they use, into APP_NAMESPACE. Counters arrive as
 * deltas per scrape, so Sum over a period is "how many in that period".
 */
function cloudWatchAgentConfig(alarms: AlarmDefinition[], dashboard: unknown) {
  const byDimensions = new Map<string, Set<string>>();
  const use = (metric: string, dimensions: string[]) => {
    const key = JSON.stringify(dimensions);
    byDimensions.set(key, (byDimensions.get(key) ?? new Set()).add(metric));
  };
  for (const a of alarms) if (a.Namespace === APP_NAMESPACE) use(a.MetricName, a.Dimensions.map((d) => d.Name));
  for (const line of dashboardMetricLines(dashboard)) if (line.namespace === APP_NAMESPACE) use(line.metric, line.dimensions.map((d) => d.Name));
  return {
    logs: {
      metrics_collected: {
        prometheus: {
          log_group_name: '${prometheus_log_group}',
          prometheus_config_path: 'env:PROMETHEUS_CONFIG_CONTENT',
          emf_processor: {
            metric_namespace: APP_NAMESPACE,
            metric_declaration: [...byDimensions].map(([dimensions, metrics]) => ({
              source_labels: ['job'],
              label_matcher: '^${prometheus_job}$',
              dimensions: [JSON.parse(dimensions) as string[]],
              metric_selectors: [...metrics].sort().map((m) => `^${m}$`),
            })),
          },
        },
      },
      force_flush_interval: 15,
    },
  };
}

type MetricLineRef = { where: string; namespace: string; metric: string; dimensions: { Name: string; Value: string }[] };

/** Metric lines of a dashboard body: [namespace, metric, dimName, dimValue, …, {options}?]. */
function dashboardMetricLines(dashboard: unknown): MetricLineRef[] {
  const widgets = (dashboard as { widgets?: unknown[] })?.widgets ?? [];
  const lines: MetricLineRef[] = [];
  widgets.forEach((widget, w) => {
    const metrics = (widget as { properties?: { metrics?: unknown[] } })?.properties?.metrics;
    if (!Array.isArray(metrics)) return;
    metrics.forEach((line, l) => {
      if (!Array.isArray(line)) return;
      const parts = line.filter((part): part is string => typeof part === 'string');
      const [namespace = '', metric = '', ...pairs] = parts;
      const dimensions = [];
      for (let i = 0; i + 1 < pairs.length; i += 2) dimensions.push({ Name: pairs[i]!, Value: pairs[i + 1]! });
      lines.push({ where: `dashboard.json: widgets[${w}].properties.metrics[${l}]`, namespace, metric, dimensions });
    });
  });
  return lines;
}

const placeholderName = z.enum(Object.keys(MONITORING_PLACEHOLDERS) as [string, ...string[]]);
const alarmSchema = z
  .strictObject({
    AlarmName: z.string().min(1).max(255),
    AlarmDescription: z.string().min(1).max(1024),
    Namespace: z.string().min(1),
    MetricName: z.string().min(1),
    Dimensions: z.array(z.strictObject({ Name: z.string().min(1), Value: z.string().min(1) })).min(1).max(30),
    Statistic: z.enum(['Average', 'Sum', 'Minimum', 'Maximum', 'SampleCount']).optional(),
    ExtendedStatistic: z.string().regex(/^p\d{1,2}(\.\d+)?$/, 'must be a percentile such as p95').optional(),
    Period: z.number().int().positive().refine((s) => s % 60 === 0 || [10, 30].includes(s), 'must be 10, 30 or a multiple of 60 seconds'),
    EvaluationPeriods: z.number().int().min(1),
    Threshold: z.number().finite(),
    ComparisonOperator: z.enum(['GreaterThanThreshold', 'GreaterThanOrEqualToThreshold', 'LessThanThreshold', 'LessThanOrEqualToThreshold']),
    TreatMissingData: z.enum(['breaching', 'notBreaching', 'ignore', 'missing']),
    AlarmActions: z.array(z.string().min(1)).min(1, 'an alarm nobody hears about is useless: add the SNS topic'),
    OKActions: z.array(z.string().min(1)),
  })
  .refine((a) => (a.Statistic === undefined) !== (a.ExtendedStatistic === undefined), 'needs exactly one of Statistic or ExtendedStatistic');
const alarmsFileSchema = z.object({ alarms: z.array(alarmSchema).min(1) });
const dashboardSchema = z.object({
  widgets: z.array(z.object({
    type: z.enum(['metric', 'alarm', 'text']),
    x: z.number().int().min(0).max(23), y: z.number().int().min(0),
    width: z.number().int().min(1).max(24), height: z.number().int().min(1),
    properties: z.record(z.string(), z.unknown()),
  })).min(1),
});

function zodProblems(file: string, error: z.ZodError, label: (path: PropertyKey[]) => string = (path) => path.join('.')): string[] {
  return error.issues.map((issue) => `${file}: ${label(issue.path) || '(root)'}: ${issue.message}`);
}

/**
 * Every problem in the rendered (or committed) files at once, each naming the file, the alarm or
 * widget and the field. An empty list means the files are safe to write and push.
 */
export async function validateMonitoringFiles(files: MonitoringFiles): Promise<string[]> {
  const problems: string[] = [];
  const parsed: Record<string, unknown> = {};
  for (const name of MONITORING_FILE_NAMES) {
    try {
      parsed[name] = JSON.parse(files[name]);
    } catch (error) {
      problems.push(`${name}: not JSON (${(error as Error).message})`);
    }
    for (const [, used] of files[name].matchAll(/\$\{([^}]*)\}/g))
      if (!placeholderName.safeParse(used).success) problems.push(`${name}: unknown placeholder \${${used}} (known: ${Object.keys(MONITORING_PLACEHOLDERS).join(', ')})`);
  }
  if (problems.length > 0) return problems;

  const appMetrics = await appMetricTypes();
  const checkMetric = (where: string, namespace: string, metric: string) => {
    if (namespace === APP_NAMESPACE) {
      const type = appMetrics.get(metric);
      if (type === undefined) problems.push(`${where}: metric ${metric} is not one src/observability/metrics.ts exports`);
      else if (type === 'histogram') problems.push(`${where}: metric ${metric} is a histogram, which the CloudWatch agent drops; use a counter, a gauge or an AWS metric (ALB TargetResponseTime for latency)`);
    } else if (!AWS_METRICS[namespace]) {
      problems.push(`${where}: unknown namespace ${namespace} (known: ${[APP_NAMESPACE, ...Object.keys(AWS_METRICS)].join(', ')})`);
    } else if (!AWS_METRICS[namespace].includes(metric)) {
      problems.push(`${where}: ${namespace} has no metric ${metric} (known: ${AWS_METRICS[namespace].join(', ')})`);
    }
  };

  const alarmsFile = alarmsFileSchema.safeParse(parsed['alarms.json']);
  const alarmNames = new Set<string>();
  if (!alarmsFile.success) {
    const raw = (parsed['alarms.json'] as { alarms?: { AlarmName?: unknown }[] })?.alarms;
    problems.push(...zodProblems('alarms.json', alarmsFile.error, (path) => {
      const [, index, ...rest] = path;
      const name = typeof index === 'number' ? raw?.[index]?.AlarmName : undefined;
      return typeof index === 'number' ? `alarms[${index}]${typeof name === 'string' ? ` (${name})` : ''}${rest.length ? `.${rest.join('.')}` : ''}` : path.join('.');
    }));
  } else {
    for (const alarm of alarmsFile.data.alarms) {
      if (alarmNames.has(alarm.AlarmName)) problems.push(`alarms.json: alarm name ${alarm.AlarmName} is used twice`);
      alarmNames.add(alarm.AlarmName);
      checkMetric(`alarms.json: ${alarm.AlarmName}`, alarm.Namespace, alarm.MetricName);
    }
  }

  const dashboard = dashboardSchema.safeParse(parsed['dashboard.json']);
  if (!dashboard.success) problems.push(...zodProblems('dashboard.json', dashboard.error));
  else {
    for (const line of dashboardMetricLines(dashboard.data)) checkMetric(line.where, line.namespace, line.metric);
    dashboard.data.widgets.forEach((widget, w) => {
      if (widget.type !== 'alarm') return;
      for (const arn of (widget.properties.alarms as unknown[] | undefined) ?? []) {
        const name = String(arn).split(':alarm:')[1];
        if (alarmsFile.success && (name === undefined || !alarmNames.has(name))) problems.push(`dashboard.json: widgets[${w}] shows alarm ${String(arn)}, which alarms.json does not define`);
      }
    });
  }
  return problems;
}

/** Replaces every `${placeholder}` with its value; names the ones missing from `values`. */
export function fillPlaceholders(text: string, values: Record<string, string>): { ok: true; text: string } | { ok: false; missing: string[] } {
  const missing = new Set<string>();
  const filled = text.replace(/\$\{([^}]*)\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) missing.add(name);
    return value ?? '';
  });
  return missing.size > 0 ? { ok: false, missing: [...missing] } : { ok: true, text: filled };
}
