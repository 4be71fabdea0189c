# ECS on Fargate: one image, two services. web serves HTTP behind the ALB (ROLE=web); worker runs
# the queue, sweeps and nudges (ROLE=worker). Any number of each share one PostgreSQL.
resource "aws_ecr_repository" "app" {
  name                 = var.project
  image_tag_mutability = "MUTABLE"

  image_scanning_configuration {
    scan_on_push = true
  }
}

resource "aws_ecs_cluster" "main" {
  name = local.name

  setting {
    name  = "containerInsights"
    value = "enabled"
  }
}

locals {
  image = var.container_image != "" ? var.container_image : "${aws_ecr_repository.app.repository_url}:${var.image_tag}"

  # Not secret; the same for both roles. Operator settings (SMTP, Whop, tuning) are in settings.tf.
  app_environment = [
    { name = "NODE_ENV", value = "production" },
    { name = "PORT", value = "3000" },
    { name = "HOSTNAME", value = "0.0.0.0" },
    { name = "APP_VERSION", value = var.app_version },
    { name = "TRUST_PROXY_HOPS", value = "1" },
    { name = "PUBLIC_URL", value = local.public_url },
    { name = "WHOP_APP_ID", value = var.whop_app_id },
  ]

  # Datadog only with an API key: the dd-trace preload (the image ships dd-trace) reporting to the
  # agent sidecar on localhost:8126. Without a key neither exists and nothing changes.
  datadog = var.datadog_api_key != ""
  datadog_app_environment = local.datadog ? [
    { name = "NODE_OPTIONS", value = "--import dd-trace/initialize.mjs" },
    { name = "DD_SERVICE", value = var.project },
    { name = "DD_ENV", value = var.environment },
    { name = "DD_VERSION", value = var.app_version },
    { name = "DD_TRACE_AGENT_URL", value = "http://localhost:8126" },
    { name = "DD_LOGS_INJECTION", value = "true" },
  ] : []

  # Without the role: each task definition adds ROLE=web or ROLE=worker.
  app_container_environment = concat(local.app_environment, [for s in local.app_settings : s if s.value != ""], local.datadog_app_environment)

  app_secrets = [for name in local.app_secret_names : { name = name, valueFrom = "${aws_secretsmanager_secret.app.arn}:${name}::" }]

  # The agent reads the same secret key the service does (DATADOG_API_KEY) as DD_API_KEY.
  datadog_agent_containers = local.datadog ? [
    {
      name      = "datadog-agent"
      image     = "public.ecr.aws/datadog/agent:7"
      essential = false
      environment = [
        { name = "ECS_FARGATE", value = "true" },
        { name = "DD_SITE", value = var.datadog_site },
        { name = "DD_APM_ENABLED", value = "true" },
        { name = "DD_ENV", value = var.environment },
        { name = "DD_SERVICE", value = var.project },
      ]
      secrets          = [{ name = "DD_API_KEY", valueFrom = "${aws_secretsmanager_secret.app.arn}:DATADOG_API_KEY::" }]
      logConfiguration = { logDriver = "awslogs", options = merge(local.awslogs, { "awslogs-stream-prefix" = "datadog" }) }
    },
  ] : []

  awslogs = {
    "awslogs-group"         = aws_cloudwatch_log_group.app.name
    "awslogs-region"        = var.aws_region
    "awslogs-stream-prefix" = "ecs"
  }
}

resource "aws_ecs_task_definition" "web" {
  family                   = "${local.name}-web"
  network_mode             = "awsvpc"
  requires_compatibilities = ["FARGATE"]
  cpu                      = var.web_cpu
  memory                   = var.web_memory
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task.arn

  container_definitions = jsonencode(concat([
    {
      name         = "churn-saver"
      image        = local.image
      essential    = true
      portMappings = [{ containerPort = 3000, hostPort = 3000, protocol = "tcp" }]
      environment  = concat(local.app_container_environment, [{ name = "ROLE", value = "web" }])
      secrets      = local.app_secrets
      # SIGTERM drains for up to 20 s; give it 30 before SIGKILL.
      stopTimeout      = 30
      logConfiguration = { logDriver = "awslogs", options = local.awslogs }
      healthCheck = {
        command     = ["CMD-SHELL", "curl -f http://localhost:3000/api/ready || exit 1"]
        interval    = 30
        timeout     = 5
        retries     = 3
        startPeriod = 60
      }
    },
    {
      # Scrapes this task's /api/metrics over localhost and publishes the metrics the alarms and the
      # dashboard use (infra/monitoring/cloudwatch-agent.json) into the ChurnSaver namespace.
      name      = "cloudwatch-agent"
      image     = "public.ecr.aws/cloudwatch-agent/cloudwatch-agent:latest"
      essential = false
      secrets = [
        { name = "CW_CONFIG_CONTENT", valueFrom = aws_ssm_parameter.cloudwatch_agent_config.arn },
        { name = "PROMETHEUS_CONFIG_CONTENT", valueFrom = aws_ssm_parameter.prometheus_scrape_config.arn },
      ]
      logConfiguration = { logDriver = "awslogs", options = merge(local.awslogs, { "awslogs-stream-prefix" = "cwagent" }) }
    },
  ], local.datadog_agent_containers))
}

# The worker role serves no HTTP, so it has no port and no HTTP health check: ECS replaces a
# worker whose process exits.
resource "aws_ecs_task_definition" "worker" {
  family                   = "${local.name}-worker"
  network_mode             = "awsvpc"
  requires_compatibilities = ["FARGATE"]
  cpu                      = var.worker_cpu
  memory                   = var.worker_memory
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task.arn

  container_definitions = jsonencode(concat([
    {
      name             = "churn-saver"
      image            = local.image
      essential        = true
      environment      = concat(local.app_container_environment, [{ name = "ROLE", value = "worker" }])
      secrets          = local.app_secrets
      stopTimeout      = 30
      logConfiguration = { logDriver = "awslogs", options = merge(local.awslogs, { "awslogs-stream-prefix" = "worker" }) }
    },
  ], local.datadog_agent_containers))
}

resource "aws_ecs_service" "web" {
  name                              = "${local.name}-web"
  cluster                           = aws_ecs_cluster.main.id
  task_definition                   = aws_ecs_task_definition.web.arn
  desired_count                     = var.web_min_count
  launch_type                       = "FARGATE"
  health_check_grace_period_seconds = 60
  enable_execute_command            = false

  network_configuration {
    subnets         = aws_subnet.private[*].id
    security_groups = [aws_security_group.ecs.id]
  }

  load_balancer {
    target_group_arn = aws_lb_target_group.web.arn
    container_name   = "churn-saver"
    container_port   = 3000
  }

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  # Auto-scaling owns the count after the first apply.
  lifecycle {
    ignore_changes = [desired_count]
  }

  depends_on = [aws_lb_listener.http, aws_lb_listener.https]
}

resource "aws_ecs_service" "worker" {
  name            = "${local.name}-worker"
  cluster         = aws_ecs_cluster.main.id
  task_definition = aws_ecs_task_definition.worker.arn
  desired_count   = var.worker_min_count
  launch_type     = "FARGATE"

  network_configuration {
    subnets         = aws_subnet.private[*].id
    security_groups = [aws_security_group.ecs.id]
  }

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  lifecycle {
    ignore_changes = [desired_count]
  }
}

# Execution role: what ECS itself needs to start a task (pull the image, write logs, read secrets).
data "aws_iam_policy_document" "ecs_tasks_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "execution" {
  name_prefix        = "${local.name}-exec-"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
}

resource "aws_iam_role_policy_attachment" "execution" {
  role       = aws_iam_role.execution.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
}

data "aws_iam_policy_document" "execution_secrets" {
  statement {
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [aws_secretsmanager_secret.app.arn]
  }
  statement {
    actions   = ["ssm:GetParameters"]
    resources = [aws_ssm_parameter.cloudwatch_agent_config.arn, aws_ssm_parameter.prometheus_scrape_config.arn]
  }
}

resource "aws_iam_role_policy" "execution_secrets" {
  name   = "read-app-secrets"
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.execution_secrets.json
}

# Task role: what the running containers may call. The app calls no AWS API; the CloudWatch agent
# writes embedded-metric log events.
resource "aws_iam_role" "task" {
  name_prefix        = "${local.name}-task-"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
}

resource "aws_iam_role_policy_attachment" "task_cloudwatch_agent" {
  role       = aws_iam_role.task.name
  policy_arn = "arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy"
}
