output "alb_dns_name" {
  description = "The ALB; Route 53 already points the guide's names here (app through CloudFront when cdn_enabled)."
  value       = aws_lb.main.dns_name
}

output "hostnames" {
  description = "The guide's names; register https://<webhooks>/api/webhooks/whop in Whop."
  value       = local.hostnames
}

output "public_url" {
  value = local.public_url
}

output "cdn_domain_name" {
  description = "CloudFront's own name for app.<domain_name> (empty without cdn_enabled)."
  value       = var.cdn_enabled ? aws_cloudfront_distribution.app[0].domain_name : ""
}

output "ecr_repository_url" {
  description = "docker push <this>:<tag>, then set image_tag (or container_image) and apply."
  value       = aws_ecr_repository.app.repository_url
}

output "ecs_cluster_name" {
  value = aws_ecs_cluster.main.name
}

output "ecs_web_service_name" {
  value = aws_ecs_service.web.name
}

output "ecs_worker_service_name" {
  value = aws_ecs_service.worker.name
}

output "db_endpoint" {
  description = "RDS endpoint (host:port); the full DATABASE_URL is in the app secret."
  value       = aws_db_instance.main.endpoint
}

output "redis_primary_endpoint" {
  value = aws_elasticache_replication_group.main.primary_endpoint_address
}

output "app_secret_arn" {
  description = "Secrets Manager secret holding the production variables (JSON)."
  value       = aws_secretsmanager_secret.app.arn
}

output "alarm_topic_arn" {
  description = "Subscribe pagers or chat here."
  value       = aws_sns_topic.alarms.arn
}

output "log_group_name" {
  value = aws_cloudwatch_log_group.app.name
}

output "web_acl_arn" {
  value = aws_wafv2_web_acl.main.arn
}

output "backup_vault_name" {
  value = aws_backup_vault.main.name
}

output "monitoring_template_vars" {
  description = "Values for the placeholders in infra/monitoring/*.json; npm run monitoring:update -- --apply reads them."
  value       = local.monitoring_template_vars
}
