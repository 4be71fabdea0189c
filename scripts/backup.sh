#!/usr/bin/env bash
# Dumps the database (pg_dump custom format), verifies the dump, uploads it to S3 when configured,
# prunes old local dumps and tells Slack. The dump's path is the only line on stdout.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"
# Dumps hold member emails and names: readable by this user only.
umask 077

usage() {
  cat <<'EOF'
Usage: scripts/backup.sh [--dir DIR]

Dumps the database with pg_dump (custom format, compressed), checks the dump with
pg_restore --list, uploads it to S3 when configured, deletes local dumps older than the
retention, and prints the dump's path as the last line of output.

Options:
  --dir DIR   where to write the dump (default: BACKUP_DIR, else ./backups)
  -h, --help  this text

Environment:
  DATABASE_URL            postgres://user:password@host:5432/name (the password goes to libpq
                          through PGPASSWORD, never on a command line), or instead
  DB_HOST, DB_PORT (5432), DB_USER, DB_NAME, PGPASSWORD
  BACKUP_DIR              local folder (default ./backups)
  BACKUP_RETENTION_DAYS   delete this script's dumps older than this many days (default 30; 0 keeps all)
  BACKUP_COMPRESSION      pg_dump -Z level 0-9 (default 9)
  S3_BUCKET or BACKUP_S3_BUCKET   upload with `aws s3 cp` when set and the aws CLI is installed
  BACKUP_S3_PREFIX        key prefix in the bucket (default production)
  SLACK_WEBHOOK_URL       post success and failure messages when set
EOF
}

dir=${BACKUP_DIR:-./backups}
while [[ $# -gt 0 ]]; do
  case $1 in
    -h | --help) usage; exit 0 ;;
    --dir) need_value "$@"; dir=$2; shift 2 ;;
    *) usage_error "unknown argument: $1" ;;
  esac
done

retention_days=${BACKUP_RETENTION_DAYS:-30}
[[ $retention_days =~ ^[0-9]+$ ]] || usage_error "BACKUP_RETENTION_DAYS must be a whole number of days, got '$retention_days'"
compression=${BACKUP_COMPRESSION:-9}
[[ $compression =~ ^[0-9]$ ]] || usage_error "BACKUP_COMPRESSION must be 0-9, got '$compression'"
bucket=${S3_BUCKET:-${BACKUP_S3_BUCKET:-}}
bucket=${bucket#s3://}
bucket=${bucket%/}
prefix=${BACKUP_S3_PREFIX:-production}

PG_TARGET="the database"
partial=""

# Any failure after this point: remove the half-written dump and tell Slack.
on_exit() {
  local status=$?
  [[ -z $partial ]] || rm -f "$partial"
  if [[ $status -ne 0 ]]; then
    log "FAILED (exit $status)"
    notify_slack "Database backup FAILED for $PG_TARGET on ${HOSTNAME:-this host} (exit $status); see the job's output"
  fi
}
trap on_exit EXIT

require_command pg_dump "install the PostgreSQL client, version >= the server's"
require_command pg_restore "install the PostgreSQL client"
resolve_database "${DATABASE_URL:-}"
safe_name=${PG_DBNAME//[^A-Za-z0-9_-]/_}
name="churn_saver_${safe_name:-db}_$(date -u +%Y%m%dT%H%M%SZ).dump"

mkdir -p "$dir"
file="$dir/$name"
# Written under a temporary name: a dump that stopped half way never looks like a backup.
partial="$file.partial"
log "dumping $PG_TARGET to $file"
pg_dump --dbname="$PG_CONN" --no-password --format=custom --compress="$compression" \
  --lock-wait-timeout=120000 --file="$partial"
listing=$(pg_restore --list "$partial") || die "the dump cannot be read back by pg_restore --list"
entries=$(grep -cv '^;' <<<"$listing" || true)
mv "$partial" "$file"
partial=""
size=$(du -h "$file" | cut -f1)
log "verified: $entries archive entries, $size"
grep -q 'TABLE public schema_migrations' <<<"$listing" ||
  warn "the dump has no schema_migrations table: is this Churn Saver's database?"

where="kept in $dir only"
if [[ -n $bucket ]]; then
  if command -v aws >/dev/null 2>&1; then
    target="s3://$bucket/${prefix:+$prefix/}$name"
    log "uploading to $target"
    aws s3 cp "$file" "$target" --only-show-errors
    where="uploaded to $target"
  else
    warn "S3 bucket set but the aws CLI is not installed: the dump stays local"
    where="NOT uploaded (no aws CLI), kept in $dir"
  fi
fi

# Only after a good dump: a failing backup job must never eat the backups it failed to replace.
if [[ $retention_days -gt 0 ]]; then
  while IFS= read -r old; do
    log "deleted $old (older than $retention_days days)"
  done < <(find "$dir" -maxdepth 1 -type f -name 'churn_saver_*.dump' -mmin +$((retention_days * 1440)) -print -delete)
fi

notify_slack "Database backup completed: $name ($size) of $PG_TARGET, $where"
printf '%s\n' "$file"
