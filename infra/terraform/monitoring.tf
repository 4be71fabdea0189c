# Logs, the alarm topic, and the alarms and dashboard that `npm run monitoring:update` renders from
# src/observability/alarm-definitions.ts into infra/monitoring/ (never edit those files by hand).
resource "aws_cloudwatch_log_group" "app" {
  name              = "/ecs/${local.name}"
  retention_in_days = var.log_retention_days
}

# Embedded-metric events from the CloudWatch agent sidecar; CloudWatch turns them into metrics.
resource "aws_cloudwatch_log_group" "prometheus" {
  name              = "/ecs/${local.name}/prometheus"
  retention_in_days = 7
}

resource "aws_sns_topic" "alarms" {
  name = "${local.name}-alarms"
}

resource "aws_sns_topic_subscription" "alarm_email" {
  count     = var.alarm_email != "" ? 1 : 0
  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = var.alarm_email
}

locals {
  monitoring_dir = "${path.module}/../monitoring"

  # Exactly the placeholders src/observability/alarm-definitions.ts declares (test/unit/infra checks).
  monitoring_template_vars = {
    name                    = local.name
    region                  = var.aws_region
    account_id              = data.aws_caller_identity.current.account_id
    alarm_topic_arn         = aws_sns_topic.alarms.arn
    ecs_cluster_name        = aws_ecs_cluster.main.name
    ecs_web_service_name    = aws_ecs_service.web.name
    ecs_worker_service_name = aws_ecs_service.worker.name
    alb_arn_suffix          = aws_lb.main.arn_suffix
    target_group_arn_suffix = aws_lb_target_group.web.arn_suffix
    db_instance_id          = aws_db_instance.main.identifier
    prometheus_job          = local.prometheus_job
    prometheus_log_group    = aws_cloudwatch_log_group.prometheus.name
  }

  # Keyed by the unrendered name (known at plan time, unlike the ARNs filled into the values).
  alarm_templates = jsondecode(file("${local.monitoring_dir}/alarms.json")).alarms
  alarms_rendered = jsondecode(templatefile("${local.monitoring_dir}/alarms.json", local.monitoring_template_vars)).alarms
  alarms          = { for i, a in local.alarm_templates : a.AlarmName => local.alarms_rendered[i] }

  # The agent config gets only what it uses: the full map would make the web task definition
  # depend on the web service (a cycle).
  prometheus_job       = "${local.name}-web"
  cloudwatch_agent_var = { prometheus_job = local.prometheus_job, prometheus_log_group = aws_cloudwatch_log_group.prometheus.name }
}

resource "aws_cloudwatch_metric_alarm" "this" {
  for_each = local.alarms

  alarm_name          = each.value.AlarmName
  alarm_description   = each.value.AlarmDescription
  namespace           = each.value.Namespace
  metric_name         = each.value.MetricName
  dimensions          = { for d in each.value.Dimensions : d.Name => d.Value }
  statistic           = try(each.value.Statistic, null)
  extended_statistic  = try(each.value.ExtendedStatistic, null)
  period              = each.value.Period
  evaluation_periods  = each.value.EvaluationPeriods
  threshold           = each.value.Threshold
  comparison_operator = each.value.ComparisonOperator
  treat_missing_data  = each.value.TreatMissingData
  alarm_actions       = each.value.AlarmActions
  ok_actions          = each.value.OKActions
}

resource "aws_cloudwatch_dashboard" "main" {
  dashboard_name = local.name
  dashboard_body = templatefile("${local.monitoring_dir}/dashboard.json", local.monitoring_template_vars)
}

# The CloudWatch agent sidecar's two configs, handed to it as ECS secrets from SSM.
resource "aws_ssm_parameter" "cloudwatch_agent_config" {
  name  = "/${local.name}/cloudwatch-agent/config"
  type  = "String"
  value = templatefile("${local.monitoring_dir}/cloudwatch-agent.json", local.cloudwatch_agent_var)
}

resource "aws_ssm_parameter" "prometheus_scrape_config" {
  name = "/${local.name}/cloudwatch-agent/prometheus"
  type = "String"
  value = yamlencode({
    global = { scrape_interval = "1m", scrape_timeout = "10s" }
    scrape_configs = [{
      job_name       = local.prometheus_job
      metrics_path   = "/api/metrics"
      static_configs = [{ targets = ["localhost:3000"] }]
    }]
  })
}
