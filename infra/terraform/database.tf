# RDS PostgreSQL 15, Multi-AZ, encrypted, never deleted by accident.
resource "aws_db_subnet_group" "main" {
  name       = local.name
  subnet_ids = aws_subnet.private[*].id
  tags       = { Name = local.name }
}

# The guide's database settings (its ALTER DATABASE lines) as a parameter group, so they survive a
# restore into a new instance. Values in milliseconds. statement_timeout also bounds a start-up
# waiting on the migration lock, which only matters when a migration runs longer than 30 s.
resource "aws_db_parameter_group" "main" {
  name_prefix = "${local.name}-pg15-"
  family      = "postgres15"
  description = "Churn Saver: statement and idle-transaction timeouts, slow query log, TLS only"

  parameter {
    name  = "statement_timeout"
    value = "30000"
  }

  parameter {
    name  = "idle_in_transaction_session_timeout"
    value = "10000"
  }

  # Every statement slower than 1 s lands in the postgresql log (exported to CloudWatch below).
  parameter {
    name  = "log_min_duration_statement"
    value = "1000"
  }

  parameter {
    name  = "work_mem"
    value = "65536"
  }

  parameter {
    name  = "maintenance_work_mem"
    value = "262144"
  }

  parameter {
    name  = "rds.force_ssl"
    value = "1"
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "random_password" "db" {
  length           = 40
  special          = true
  override_special = "-_=+!#*()[]"
}

resource "aws_db_instance" "main" {
  identifier                   = local.name
  engine                       = "postgres"
  engine_version               = "15"
  instance_class               = var.db_instance_class
  allocated_storage            = var.db_allocated_storage
  max_allocated_storage        = var.db_max_allocated_storage
  storage_type                 = "gp3"
  storage_encrypted            = true
  db_name                      = var.db_name
  username                     = var.db_username
  password                     = random_password.db.result
  port                         = 5432
  vpc_security_group_ids       = [aws_security_group.rds.id]
  db_subnet_group_name         = aws_db_subnet_group.main.name
  parameter_group_name         = aws_db_parameter_group.main.name
  multi_az                     = true
  publicly_accessible          = false
  backup_retention_period      = 30
  backup_window                = "03:00-04:00"
  maintenance_window           = "sun:04:00-sun:05:00"
  auto_minor_version_upgrade   = true
  copy_tags_to_snapshot        = true
  deletion_protection          = true
  skip_final_snapshot          = false
  final_snapshot_identifier    = "${local.name}-final-snapshot"
  performance_insights_enabled = true
  # Its CA is in the bundle DATABASE_URL's sslrootcert names (verify-full checks the chain and the host).
  ca_cert_identifier              = "rds-ca-rsa2048-g1"
  enabled_cloudwatch_logs_exports = ["postgresql"]

  tags = { Name = "${local.name}-db" }
}
