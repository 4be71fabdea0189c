# Every setting src/config/config.ts reads that is not built by this stack, as a Terraform variable.
# Empty = unset: the service's own default applies (an empty value never reaches the task
# definition). Secrets go to the Secrets Manager secret (secrets.tf), the rest to plain environment
# (ecs.tf). A variable added to config.ts without an entry here or in secrets.tf fails
# test/unit/infra/config-coverage.test.ts; infra/README.md says how to add one.

variable "log_level" {
  description = "LOG_LEVEL: fatal, error, warn, info, debug, trace or silent."
  type        = string
  default     = "info"
}

variable "whop_api_base_url" {
  description = "WHOP_API_BASE_URL. Empty = Whop's (https://api.whop.com/api/v1)."
  type        = string
  default     = ""
}

variable "whop_api_version" {
  description = "WHOP_API_VERSION: the dated Whop API version requests pin. Empty = the service's default."
  type        = string
  default     = ""
}

variable "whop_user_token_public_key" {
  description = "WHOP_USER_TOKEN_PUBLIC_KEY: Whop's user-token public key as a JWK JSON string. Empty = Whop's JWKS (fetched over the network)."
  type        = string
  default     = ""
}

variable "smtp_host" {
  description = "SMTP_HOST: email nudges and compliance reports go out here. Empty = no email channel."
  type        = string
  default     = ""
}

variable "smtp_port" {
  description = "SMTP_PORT. Empty = 587."
  type        = string
  default     = ""
}

variable "smtp_secure" {
  description = "SMTP_SECURE: true for implicit TLS (port 465); empty or false = STARTTLS when offered."
  type        = string
  default     = ""
}

variable "smtp_from" {
  description = "SMTP_FROM: the sender address, required with smtp_host (e.g. Churn Saver <billing@example.com>)."
  type        = string
  default     = ""
}

variable "compliance_report_email" {
  description = "COMPLIANCE_REPORT_EMAIL: npm run compliance:audit mails its report here (needs SMTP). Empty = printed only."
  type        = string
  default     = ""
}

variable "raw_webhook_retention_days" {
  description = "RAW_WEBHOOK_RETENTION_DAYS: days a raw webhook body is kept. Empty = 30."
  type        = string
  default     = ""
}

variable "nudge_interval_seconds" {
  description = "NUDGE_INTERVAL_SECONDS: how often a worker looks for due nudges. Empty = 5."
  type        = string
  default     = ""
}

variable "whop_rate_limit_per_window" {
  description = "WHOP_RATE_LIMIT_PER_WINDOW: shared Whop budget, calls per operation per window for the whole fleet. Empty = 600 (Whop's last documented figure, unverified)."
  type        = string
  default     = ""
}

variable "whop_rate_window_seconds" {
  description = "WHOP_RATE_WINDOW_SECONDS: the budget's window. Empty = 60."
  type        = string
  default     = ""
}

variable "whop_rate_limits" {
  description = "WHOP_RATE_LIMITS: per-operation overrides, METHOD /path=N,... Empty = none."
  type        = string
  default     = ""
}

variable "whop_rate_burst" {
  description = "WHOP_RATE_BURST: calls of one operation that may go back to back. Empty = 10."
  type        = string
  default     = ""
}

variable "whop_rate_max_wait_ms" {
  description = "WHOP_RATE_MAX_WAIT_MS: longest wait for a budget slot before a call is deferred. Empty = 20000."
  type        = string
  default     = ""
}

variable "reconcile_cron" {
  description = "RECONCILE_CRON: when workers reconcile with Whop. Empty = */15 * * * *."
  type        = string
  default     = ""
}

variable "reconcile_on_start" {
  description = "RECONCILE_ON_START: reconcile with Whop when a worker starts. Empty = true."
  type        = string
  default     = ""
}

variable "reconcile_lookback_hours" {
  description = "RECONCILE_LOOKBACK_HOURS: how far back reconciliation reads at most. Empty = 72."
  type        = string
  default     = ""
}

variable "reconcile_overlap_minutes" {
  description = "RECONCILE_OVERLAP_MINUTES: each reconciliation re-reads this much before the previous run's start. Empty = 30."
  type        = string
  default     = ""
}

variable "nudge_lease_seconds" {
  description = "NUDGE_LEASE_SECONDS: how long a worker's claim on a case lasts (a killed worker's cases wait at most this). Empty = 120."
  type        = string
  default     = ""
}

variable "redis_command_timeout_ms" {
  description = "REDIS_COMMAND_TIMEOUT_MS: longest a request waits on one Redis command before the process's own cache and counters serve. Empty = 100."
  type        = string
  default     = ""
}

variable "rate_limit_principal_max" {
  description = "RATE_LIMIT_PRINCIPAL_MAX: requests per signed-in creator or operator per RATE_LIMIT_IP_WINDOW_SECONDS. Empty = 2000."
  type        = string
  default     = ""
}

variable "db_statement_timeout_ms" {
  description = "DB_STATEMENT_TIMEOUT_MS per session. Empty = 30000 (the parameter group sets the same)."
  type        = string
  default     = ""
}

variable "db_idle_in_transaction_timeout_ms" {
  description = "DB_IDLE_IN_TRANSACTION_TIMEOUT_MS per session. Empty = 10000."
  type        = string
  default     = ""
}

variable "rate_limit_ip_max" {
  description = "RATE_LIMIT_IP_MAX requests per ip per window. Empty = 2000 (the WAF's rule)."
  type        = string
  default     = ""
}

variable "rate_limit_ip_window_seconds" {
  description = "RATE_LIMIT_IP_WINDOW_SECONDS. Empty = 300."
  type        = string
  default     = ""
}

variable "rate_limit_company_webhooks_per_minute" {
  description = "RATE_LIMIT_COMPANY_WEBHOOKS_PER_MINUTE. Empty = 6000."
  type        = string
  default     = ""
}

variable "rate_limit_login_max" {
  description = "RATE_LIMIT_LOGIN_MAX sign-in attempts per account per window. Empty = 10."
  type        = string
  default     = ""
}

variable "rate_limit_login_window_seconds" {
  description = "RATE_LIMIT_LOGIN_WINDOW_SECONDS. Empty = 900."
  type        = string
  default     = ""
}

variable "health_disk_min_free_mb" {
  description = "HEALTH_DISK_MIN_FREE_MB: /api/health's disk check fails below this. Empty = 100."
  type        = string
  default     = ""
}

variable "health_external_probe_seconds" {
  description = "HEALTH_EXTERNAL_PROBE_SECONDS: how often Whop and SMTP are probed in the background. Empty = 60."
  type        = string
  default     = ""
}

variable "openrouter_model" {
  description = "OPENROUTER_MODEL for AI-written copy. Empty = the service's default."
  type        = string
  default     = ""
}

variable "openrouter_base_url" {
  description = "OPENROUTER_BASE_URL: any OpenAI-compatible chat-completions endpoint. Empty = OpenRouter."
  type        = string
  default     = ""
}

variable "openrouter_timeout_seconds" {
  description = "OPENROUTER_TIMEOUT_SECONDS: an AI draft request gives up after this long. Empty = 20."
  type        = string
  default     = ""
}

variable "smtp_user" {
  description = "SMTP_USER for SMTP AUTH. Empty = no authentication."
  type        = string
  sensitive   = true
  default     = ""
}

variable "smtp_pass" {
  description = "SMTP_PASS. Pass as TF_VAR_smtp_pass."
  type        = string
  sensitive   = true
  default     = ""
}

variable "openrouter_api_key" {
  description = "OPENROUTER_API_KEY: enables AI-written copy (playbooks). Empty = off. Pass as TF_VAR_openrouter_api_key."
  type        = string
  sensitive   = true
  default     = ""
}

variable "datadog_api_key" {
  description = "DATADOG_API_KEY: adds the Datadog agent sidecar to both task definitions and preloads dd-trace. Empty = no Datadog at all."
  type        = string
  sensitive   = true
  default     = ""
}

variable "datadog_site" {
  description = "DD_SITE of the Datadog account (datadoghq.com, datadoghq.eu, us5.datadoghq.com …)."
  type        = string
  default     = "datadoghq.com"
}

locals {
  # Operator settings as plain environment; entries left empty are dropped (ECS strips empty
  # values anyway, which would show as a change on every plan).
  app_settings = [
    { name = "LOG_LEVEL", value = var.log_level },
    { name = "WHOP_API_BASE_URL", value = var.whop_api_base_url },
    { name = "WHOP_API_VERSION", value = var.whop_api_version },
    { name = "WHOP_USER_TOKEN_PUBLIC_KEY", value = var.whop_user_token_public_key },
    { name = "SMTP_HOST", value = var.smtp_host },
    { name = "SMTP_PORT", value = var.smtp_port },
    { name = "SMTP_SECURE", value = var.smtp_secure },
    { name = "SMTP_FROM", value = var.smtp_from },
    { name = "COMPLIANCE_REPORT_EMAIL", value = var.compliance_report_email },
    { name = "RAW_WEBHOOK_RETENTION_DAYS", value = var.raw_webhook_retention_days },
    { name = "NUDGE_INTERVAL_SECONDS", value = var.nudge_interval_seconds },
    { name = "WHOP_RATE_LIMIT_PER_WINDOW", value = var.whop_rate_limit_per_window },
    { name = "WHOP_RATE_WINDOW_SECONDS", value = var.whop_rate_window_seconds },
    { name = "WHOP_RATE_LIMITS", value = var.whop_rate_limits },
    { name = "WHOP_RATE_BURST", value = var.whop_rate_burst },
    { name = "WHOP_RATE_MAX_WAIT_MS", value = var.whop_rate_max_wait_ms },
    { name = "RECONCILE_CRON", value = var.reconcile_cron },
    { name = "RECONCILE_ON_START", value = var.reconcile_on_start },
    { name = "RECONCILE_LOOKBACK_HOURS", value = var.reconcile_lookback_hours },
    { name = "RECONCILE_OVERLAP_MINUTES", value = var.reconcile_overlap_minutes },
    { name = "NUDGE_LEASE_SECONDS", value = var.nudge_lease_seconds },
    { name = "REDIS_COMMAND_TIMEOUT_MS", value = var.redis_command_timeout_ms },
    { name = "RATE_LIMIT_PRINCIPAL_MAX", value = var.rate_limit_principal_max },
    { name = "DB_STATEMENT_TIMEOUT_MS", value = var.db_statement_timeout_ms },
    { name = "DB_IDLE_IN_TRANSACTION_TIMEOUT_MS", value = var.db_idle_in_transaction_timeout_ms },
    { name = "RATE_LIMIT_IP_MAX", value = var.rate_limit_ip_max },
    { name = "RATE_LIMIT_IP_WINDOW_SECONDS", value = var.rate_limit_ip_window_seconds },
    { name = "RATE_LIMIT_COMPANY_WEBHOOKS_PER_MINUTE", value = var.rate_limit_company_webhooks_per_minute },
    { name = "RATE_LIMIT_LOGIN_MAX", value = var.rate_limit_login_max },
    { name = "RATE_LIMIT_LOGIN_WINDOW_SECONDS", value = var.rate_limit_login_window_seconds },
    { name = "HEALTH_DISK_MIN_FREE_MB", value = var.health_disk_min_free_mb },
    { name = "HEALTH_EXTERNAL_PROBE_SECONDS", value = var.health_external_probe_seconds },
    { name = "OPENROUTER_MODEL", value = var.openrouter_model },
    { name = "OPENROUTER_BASE_URL", value = var.openrouter_base_url },
    { name = "OPENROUTER_TIMEOUT_SECONDS", value = var.openrouter_timeout_seconds },
  ]
}
