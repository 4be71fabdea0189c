// The one source of truth for production alarms and the CloudWatch dashboard.
// `npm run monitoring:update` renders it to infra/monitoring/*.json; terraform (monitoring.tf)
// reads those files with templatefile(), and `--apply` pushes them with the aws CLI.
// Values only known once the stack exists are `${placeholder}`s (see MONITORING_PLACEHOLDERS).

/** Namespace our prom-client metrics land in: the CloudWatch agent sidecar scrapes /api/metrics. */
export const APP_NAMESPACE = 'ChurnSaver';

/**
 * Every `${name}` a monitoring file may contain, with what fills it. Terraform passes exactly these
 * keys to templatefile() (local.monitoring_template_vars); `--apply` reads them from
 * `terraform output -json monitoring_template_vars` or a --values file.
 */
export const MONITORING_PLACEHOLDERS = {
  name: 'resource name prefix, e.g. churn-saver-prod',
  region: 'AWS region',
  account_id: 'AWS account id (alarm ARNs on the dashboard)',
  alarm_topic_arn: 'SNS topic that receives alarm and OK notifications',
  ecs_cluster_name: 'ECS cluster',
  ecs_web_service_name: 'ECS service running ROLE=web',
  ecs_worker_service_name: 'ECS service running ROLE=worker',
  alb_arn_suffix: 'ALB ARN suffix (app/…), the LoadBalancer dimension',
  target_group_arn_suffix: 'web target group ARN suffix (targetgroup/…), the TargetGroup dimension',
  db_instance_id: 'RDS instance identifier',
  prometheus_job: 'Prometheus job name the CloudWatch agent gives the web tasks’ /api/metrics',
  prometheus_log_group: 'log group the CloudWatch agent writes embedded-metric events to',
} as const;
export type Placeholder = keyof typeof MONITORING_PLACEHOLDERS;

const p = (name: Placeholder) => `\${${name}}`;

/** PutMetricAlarm input (the shape `aws cloudwatch put-metric-alarm --cli-input-json` takes). */
export type AlarmDefinition = {
  AlarmName: string;
  /** Sent with every notification: what it means and where to look first. */
  AlarmDescription: string;
  Namespace: string;
  MetricName: string;
  Dimensions: { Name: string; Value: string }[];
  Statistic?: 'Average' | 'Sum' | 'Minimum' | 'Maximum' | 'SampleCount';
  ExtendedStatistic?: string;
  /** Seconds. */
  Period: number;
  EvaluationPeriods: number;
  Threshold: number;
  ComparisonOperator: 'GreaterThanThreshold' | 'GreaterThanOrEqualToThreshold' | 'LessThanThreshold' | 'LessThanOrEqualToThreshold';
  TreatMissingData: 'breaching' | 'notBreaching' | 'ignore' | 'missing';
  AlarmActions: string[];
  OKActions: string[];
};

const notify = { AlarmActions: [p('alarm_topic_arn')], OKActions: [p('alarm_topic_arn')] };
const webService = [
  { Name: 'ClusterName', Value: p('ecs_cluster_name') },
  { Name: 'ServiceName', Value: p('ecs_web_service_name') },
];
const targetGroup = [
  { Name: 'TargetGroup', Value: p('target_group_arn_suffix') },
  { Name: 'LoadBalancer', Value: p('alb_arn_suffix') },
];
const database = [{ Name: 'DBInstanceIdentifier', Value: p('db_instance_id') }];
const webJob = { Name: 'job', Value: p('prometheus_job') };

/** The deployment guide's three alarms (same names, thresholds and periods) first, then ours. */
export const ALARMS: AlarmDefinition[] = [
  {
    AlarmName: `${p('name')}-HighCPUUtilization`,
    AlarmDescription: 'Web tasks average above 80 % CPU for 10 minutes: auto-scaling (target 70 %) is at its maximum or cannot keep up. Check request rate and max_capacity.',
    Namespace: 'AWS/ECS', MetricName: 'CPUUtilization', Dimensions: webService,
    Statistic: 'Average', Period: 300, EvaluationPeriods: 2, Threshold: 80, ComparisonOperator: 'GreaterThanThreshold',
    TreatMissingData: 'missing', ...notify,
  },
  {
    AlarmName: `${p('name')}-HighCPUUtilization-worker`,
    AlarmDescription: 'Worker tasks average above 80 % CPU for 10 minutes: webhook processing and nudges fall behind. Scale the worker service.',
    Namespace: 'AWS/ECS', MetricName: 'CPUUtilization',
    Dimensions: [{ Name: 'ClusterName', Value: p('ecs_cluster_name') }, { Name: 'ServiceName', Value: p('ecs_worker_service_name') }],
    Statistic: 'Average', Period: 300, EvaluationPeriods: 2, Threshold: 80, ComparisonOperator: 'GreaterThanThreshold',
    TreatMissingData: 'missing', ...notify,
  },
  {
    AlarmName: `${p('name')}-LowHealthyHosts`,
    AlarmDescription: 'Fewer than 2 web tasks pass /api/health for 2 minutes: one more failure and webhooks go unanswered. Read the health JSON and the task logs.',
    Namespace: 'AWS/ApplicationELB', MetricName: 'HealthyHostCount', Dimensions: targetGroup,
    Statistic: 'Minimum', Period: 60, EvaluationPeriods: 2, Threshold: 2, ComparisonOperator: 'LessThanThreshold',
    TreatMissingData: 'breaching', ...notify,
  },
  {
    AlarmName: `${p('name')}-DatabaseConnectionCount`,
    AlarmDescription: 'More than 80 PostgreSQL connections: too many tasks for the pool sizes, or connections leak. Compare with the task count.',
    Namespace: 'AWS/RDS', MetricName: 'DatabaseConnections', Dimensions: database,
    Statistic: 'Maximum', Period: 300, EvaluationPeriods: 1, Threshold: 80, ComparisonOperator: 'GreaterThanThreshold',
    TreatMissingData: 'missing', ...notify,
  },
  {
    AlarmName: `${p('name')}-DatabaseCPU`,
    AlarmDescription: 'PostgreSQL above 80 % CPU for 15 minutes: slow queries (see log_min_duration_statement in the RDS log) or an undersized instance.',
    Namespace: 'AWS/RDS', MetricName: 'CPUUtilization', Dimensions: database,
    Statistic: 'Average', Period: 300, EvaluationPeriods: 3, Threshold: 80, ComparisonOperator: 'GreaterThanThreshold',
    TreatMissingData: 'missing', ...notify,
  },
  {
    AlarmName: `${p('name')}-SlowResponses`,
    AlarmDescription: 'p95 response time above 2 s for 10 minutes (ALB TargetResponseTime; http_request_duration_seconds is a histogram the CloudWatch agent cannot import).',
    Namespace: 'AWS/ApplicationELB', MetricName: 'TargetResponseTime', Dimensions: targetGroup,
    ExtendedStatistic: 'p95', Period: 300, EvaluationPeriods: 2, Threshold: 2, ComparisonOperator: 'GreaterThanThreshold',
    TreatMissingData: 'notBreaching', ...notify,
  },
  {
    AlarmName: `${p('name')}-Target5xx`,
    AlarmDescription: 'More than 10 responses 5xx from the web tasks in 5 minutes. 503 on webhooks means storage failed and Whop will retry; look for errors in the log group.',
    Namespace: 'AWS/ApplicationELB', MetricName: 'HTTPCode_Target_5XX_Count', Dimensions: targetGroup,
    Statistic: 'Sum', Period: 300, EvaluationPeriods: 1, Threshold: 10, ComparisonOperator: 'GreaterThanThreshold',
    TreatMissingData: 'notBreaching', ...notify,
  },
  {
    AlarmName: `${p('name')}-WebhookStorageFailures`,
    AlarmDescription: 'Whop deliveries answered 503 because the event could not be stored (webhooks_received_total outcome=failed). Whop retries, but the database needs a look now.',
    Namespace: APP_NAMESPACE, MetricName: 'webhooks_received_total', Dimensions: [webJob, { Name: 'outcome', Value: 'failed' }],
    Statistic: 'Sum', Period: 300, EvaluationPeriods: 1, Threshold: 0, ComparisonOperator: 'GreaterThanThreshold',
    TreatMissingData: 'notBreaching', ...notify,
  },
  {
    AlarmName: `${p('name')}-WebhookSignatureRejections`,
    AlarmDescription: 'More than 50 deliveries rejected in 5 minutes (webhooks_received_total outcome=rejected): WEBHOOK_SECRET differs from the one in Whop, or someone is probing the URL.',
    Namespace: APP_NAMESPACE, MetricName: 'webhooks_received_total', Dimensions: [webJob, { Name: 'outcome', Value: 'rejected' }],
    Statistic: 'Sum', Period: 300, EvaluationPeriods: 1, Threshold: 50, ComparisonOperator: 'GreaterThanThreshold',
    TreatMissingData: 'notBreaching', ...notify,
  },
  {
    AlarmName: `${p('name')}-EventLoopLag`,
    AlarmDescription: 'A web task’s event loop p99 lag above 0.5 s for 10 minutes (churn_saver_nodejs_eventloop_lag_p99_seconds): CPU-bound work blocks requests.',
    Namespace: APP_NAMESPACE, MetricName: 'churn_saver_nodejs_eventloop_lag_p99_seconds', Dimensions: [webJob],
    Statistic: 'Maximum', Period: 300, EvaluationPeriods: 2, Threshold: 0.5, ComparisonOperator: 'GreaterThanThreshold',
    TreatMissingData: 'missing', ...notify,
  },
];

type MetricLine = [namespace: string, metric: string, ...dimensionPairs: string[]];
type Widget =
  | { type: 'metric'; x: number; y: number; width: number; height: number; properties: { title: string; region: string; view: 'timeSeries'; stat: string; period: number; metrics: MetricLine[] } }
  | { type: 'alarm'; x: number; y: number; width: number; height: number; properties: { title: string; alarms: string[] } }
  | { type: 'text'; x: number; y: number; width: number; height: number; properties: { markdown: string } };

const flat = (dims: { Name: string; Value: string }[]) => dims.flatMap((d) => [d.Name, d.Value]);
const metric = (x: number, y: number, title: string, stat: string, metrics: MetricLine[]): Widget => ({
  type: 'metric', x, y, width: 8, height: 6,
  properties: { title, region: p('region'), view: 'timeSeries', stat, period: 300, metrics },
});

/** Dashboard body (CloudWatch PutDashboard): alarm states on top, then the metrics they watch. */
export const DASHBOARD: { widgets: Widget[] } = {
  widgets: [
    { type: 'text', x: 0, y: 0, width: 24, height: 2, properties: { markdown: '# Churn Saver production\nGenerated by `npm run monitoring:update`; what each alarm means and what to do: docs/operations.md (Alarms).' } },
    {
      type: 'alarm', x: 0, y: 2, width: 24, height: 4,
      properties: { title: 'Alarms', alarms: ALARMS.map((a) => `arn:aws:cloudwatch:${p('region')}:${p('account_id')}:alarm:${a.AlarmName}`) },
    },
    metric(0, 6, 'ECS CPU % (web, worker)', 'Average', [
      ['AWS/ECS', 'CPUUtilization', ...flat(webService)],
      ['AWS/ECS', 'CPUUtilization', 'ClusterName', p('ecs_cluster_name'), 'ServiceName', p('ecs_worker_service_name')],
      ['AWS/ECS', 'MemoryUtilization', ...flat(webService)],
    ]),
    metric(8, 6, 'Healthy web tasks', 'Minimum', [['AWS/ApplicationELB', 'HealthyHostCount', ...flat(targetGroup)]]),
    metric(16, 6, 'Response time p95 (s)', 'p95', [['AWS/ApplicationELB', 'TargetResponseTime', ...flat(targetGroup)]]),
    metric(0, 12, 'Requests and 5xx', 'Sum', [
      ['AWS/ApplicationELB', 'RequestCount', ...flat(targetGroup)],
      ['AWS/ApplicationELB', 'HTTPCode_Target_5XX_Count', ...flat(targetGroup)],
    ]),
    metric(8, 12, 'PostgreSQL connections and CPU', 'Maximum', [
      ['AWS/RDS', 'DatabaseConnections', ...flat(database)],
      ['AWS/RDS', 'CPUUtilization', ...flat(database)],
    ]),
    metric(16, 12, 'PostgreSQL free storage (bytes)', 'Minimum', [['AWS/RDS', 'FreeStorageSpace', ...flat(database)]]),
    metric(0, 18, 'Webhooks received by outcome', 'Sum', (['accepted', 'duplicate', 'ignored', 'rejected', 'rate_limited', 'failed'] as const).map(
      (outcome): MetricLine => [APP_NAMESPACE, 'webhooks_received_total', 'job', p('prometheus_job'), 'outcome', outcome],
    )),
    metric(8, 18, 'Event loop lag p99 (s)', 'Maximum', [[APP_NAMESPACE, 'churn_saver_nodejs_eventloop_lag_p99_seconds', 'job', p('prometheus_job')]]),
    metric(16, 18, 'Web task memory (bytes)', 'Maximum', [
      [APP_NAMESPACE, 'churn_saver_process_resident_memory_bytes', 'job', p('prometheus_job')],
      [APP_NAMESPACE, 'churn_saver_nodejs_heap_size_used_bytes', 'job', p('prometheus_job')],
    ]),
  ],
};
