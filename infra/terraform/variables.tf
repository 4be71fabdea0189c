variable "aws_region" {
  description = "Region for every resource."
  type        = string
  default     = "us-east-1"
}

variable "project" {
  description = "First part of every resource name."
  type        = string
  default     = "churn-saver"
}

variable "environment" {
  description = "Second part of every resource name (churn-saver-prod)."
  type        = string
  default     = "prod"
}

variable "vpc_cidr" {
  description = "VPC range; public subnets take 10.0.0-2.0/24, private 10.0.10-12.0/24 as in the guide."
  type        = string
  default     = "10.0.0.0/16"
}

variable "container_image" {
  description = "Image to run, e.g. 123456789012.dkr.ecr.us-east-1.amazonaws.com/churn-saver:0.1.0. Empty = this stack's ECR repository at image_tag."
  type        = string
  default     = ""
}

variable "image_tag" {
  description = "Tag in this stack's ECR repository when container_image is empty."
  type        = string
  default     = "latest"
}

variable "app_version" {
  description = "APP_VERSION: reported by /api/health and on every log line."
  type        = string
  default     = "0.1.0"
}

variable "public_url" {
  description = "PUBLIC_URL: the https:// address members reach (unsubscribe links). Empty = https://app.<domain_name>."
  type        = string
  default     = ""
}

variable "domain_name" {
  description = "The guide's domain: app., api., webhooks. and admin.<domain_name> are created in Route 53 and covered by the ACM certificate."
  type        = string

  validation {
    condition     = can(regex("^([a-z0-9]([a-z0-9-]*[a-z0-9])?\\.)+[a-z]{2,}$", var.domain_name))
    error_message = "domain_name must be a DNS name such as churnsaver.com (no scheme, no trailing dot)."
  }
}

variable "hosted_zone_name" {
  description = "Public Route 53 hosted zone that holds the records and the certificate's validation records. Empty = domain_name."
  type        = string
  default     = ""
}

variable "certificate_arn" {
  description = "An existing ACM certificate (in aws_region) covering the four names. Empty = this stack requests one, validated through Route 53."
  type        = string
  default     = ""
}

variable "cdn_enabled" {
  description = "Put CloudFront in front of app.<domain_name>: /assets/* (the dashboard's hashed, immutable files) cached at the edge, every other path passed through uncached."
  type        = bool
  default     = false
}

variable "database_pooler_host" {
  description = "Host of a pooler in front of RDS (an RDS Proxy endpoint, PgBouncer). Set = DATABASE_URL goes through it and DIRECT_URL straight to RDS. Empty = both straight to RDS."
  type        = string
  default     = ""
}

variable "rds_ca_bundle_path" {
  description = "Where the image keeps the RDS CA bundle (Dockerfile: /app/certs/rds-ca-bundle.pem); named as sslrootcert in DATABASE_URL and DIRECT_URL."
  type        = string
  default     = "/app/certs/rds-ca-bundle.pem"
}

variable "whop_app_id" {
  description = "WHOP_APP_ID (app_…): audience of Whop user tokens. Not a secret."
  type        = string
}

variable "webhook_secret" {
  description = "WEBHOOK_SECRET: the whole ws_… string from Whop's webhook settings. Pass as TF_VAR_webhook_secret."
  type        = string
  sensitive   = true
}

variable "whop_api_key" {
  description = "WHOP_API_KEY. Pass as TF_VAR_whop_api_key."
  type        = string
  sensitive   = true
}

variable "encryption_key" {
  description = "ENCRYPTION_KEY for personal data at rest: 32 random bytes as base64 or hex (openssl rand -base64 32). Losing it loses the data: keep a copy outside AWS."
  type        = string
  sensitive   = true

  validation {
    condition     = can(regex("^([0-9a-fA-F]{64}|[A-Za-z0-9+/]{43}=?|[A-Za-z0-9_-]{43})$", var.encryption_key))
    error_message = "encryption_key must be 32 bytes as 64 hex or 43-44 base64 characters (openssl rand -base64 32); the app refuses to start otherwise."
  }
}

variable "encryption_key_previous" {
  description = "ENCRYPTION_KEY_PREVIOUS: the key being rotated away from, only while npm run keys:rotate runs (see docs/operations.md). Empty = unset."
  type        = string
  sensitive   = true
  default     = ""
}

variable "encryption_hash_key" {
  description = "ENCRYPTION_HASH_KEY: optional stable key for lookup hashes. Empty = derived from ENCRYPTION_KEY."
  type        = string
  sensitive   = true
  default     = ""
}

variable "admin_email" {
  description = "ADMIN_EMAIL: first operator, created at start when missing. Empty = create one with npm run admin:create."
  type        = string
  sensitive   = true
  default     = ""
}

variable "admin_password" {
  description = "ADMIN_PASSWORD for admin_email (>= 12 characters)."
  type        = string
  sensitive   = true
  default     = ""
}

variable "sentry_dsn" {
  description = "SENTRY_DSN: errors go to Sentry when set. Empty = off."
  type        = string
  sensitive   = true
  default     = ""
}

variable "jwt_secret" {
  description = "JWT_SECRET that signs operator sessions (>= 32 characters)."
  type        = string
  sensitive   = true

  validation {
    condition     = length(var.jwt_secret) >= 32
    error_message = "jwt_secret must be at least 32 characters (the app refuses to start otherwise)."
  }
}

variable "db_instance_class" {
  description = "RDS instance class (the guide's minimum: db.r5.large)."
  type        = string
  default     = "db.r5.large"
}

variable "db_allocated_storage" {
  description = "Initial RDS storage in GB."
  type        = number
  default     = 100
}

variable "db_max_allocated_storage" {
  description = "Storage autoscaling ceiling in GB."
  type        = number
  default     = 1000
}

variable "db_name" {
  description = "Database name."
  type        = string
  default     = "churn_saver_prod"
}

variable "db_username" {
  description = "RDS master user (the password is generated and lives only in state and Secrets Manager)."
  type        = string
  default     = "churn_saver"
}

variable "redis_node_type" {
  description = "ElastiCache node type."
  type        = string
  default     = "cache.t3.medium"
}

variable "web_cpu" {
  description = "Fargate CPU units per web task."
  type        = number
  default     = 1024
}

variable "web_memory" {
  description = "Fargate memory (MiB) per web task."
  type        = number
  default     = 2048
}

variable "worker_cpu" {
  description = "Fargate CPU units per worker task."
  type        = number
  default     = 512
}

variable "worker_memory" {
  description = "Fargate memory (MiB) per worker task."
  type        = number
  default     = 1024
}

variable "web_min_count" {
  description = "Fewest web tasks (the guide: 2, for high availability)."
  type        = number
  default     = 2
}

variable "web_max_count" {
  description = "Most web tasks (the guide: 10)."
  type        = number
  default     = 10
}

variable "worker_min_count" {
  description = "Fewest worker tasks."
  type        = number
  default     = 1
}

variable "worker_max_count" {
  description = "Most worker tasks."
  type        = number
  default     = 4
}

variable "requests_per_target" {
  description = "ALBRequestCountPerTarget target (requests per web task per minute) for scaling out."
  type        = number
  default     = 1000
}

variable "alarm_email" {
  description = "Address subscribed to the alarm topic (confirm the email AWS sends). Empty = no subscription."
  type        = string
  default     = ""
}

variable "log_retention_days" {
  description = "CloudWatch log retention."
  type        = number
  default     = 30
}
