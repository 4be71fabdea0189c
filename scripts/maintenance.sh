#!/usr/bin/env bash
# Weekly database maintenance (the deployment guide's "Production Maintenance", for our tables):
# reports first (long queries, sizes, bloat, backlogs), then VACUUM ANALYZE and concurrent reindex
# of bloated indexes. Everything it does is online: no statement here takes an exclusive lock.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"

usage() {
  cat <<'EOF'
Usage: scripts/maintenance.sh [--report-only] [--long-query-minutes N] [--bloat-percent N]
                              [--min-index-mb N] [--archive-days N]

1. Queries running (or idle in a transaction) longer than N minutes, with their pid.
2. Table sizes (public, audit, archive, pgboss schemas): total, indexes, live and dead rows.
3. What waits on operators: webhook events pending/failed, dead deliveries, incentives in
   'unknown' state, invalid indexes left by an interrupted concurrent build.
4. VACUUM (ANALYZE) of every table in the public, audit and archive schemas (a partitioned
   table once, with its partitions).
5. REINDEX INDEX CONCURRENTLY of indexes over --min-index-mb whose free space exceeds
   --bloat-percent (measured with the pgstattuple extension; without it, reported as unknown).
6. pg-boss: job counts per queue and state; the archive table of pg-boss <= 9, when present, is
   purged of rows older than --archive-days (pg-boss 10+ deletes finished jobs itself).

Options:
  --report-only            steps 1-3 and the listings only; print what 4-6 would run
  --long-query-minutes N   default 5
  --bloat-percent N        default 30
  --min-index-mb N         default 10
  --archive-days N         default 30
  -h, --help               this text

Environment: DATABASE_URL, or DB_HOST, DB_PORT, DB_USER, DB_NAME and PGPASSWORD.
EOF
}

report_only=false long_minutes=5 bloat_percent=30 min_index_mb=10 archive_days=30
while [[ $# -gt 0 ]]; do
  case $1 in
    -h | --help) usage; exit 0 ;;
    --report-only | --dry-run) report_only=true; shift ;;
    --long-query-minutes) need_value "$@"; long_minutes=$2; shift 2 ;;
    --bloat-percent) need_value "$@"; bloat_percent=$2; shift 2 ;;
    --min-index-mb) need_value "$@"; min_index_mb=$2; shift 2 ;;
    --archive-days) need_value "$@"; archive_days=$2; shift 2 ;;
    *) usage_error "unknown argument: $1" ;;
  esac
done
for pair in "long-query-minutes=$long_minutes" "bloat-percent=$bloat_percent" "min-index-mb=$min_index_mb" "archive-days=$archive_days"; do
  [[ ${pair#*=} =~ ^[0-9]+$ ]] || usage_error "--${pair%%=*} must be a whole number, got '${pair#*=}'"
done

require_command psql "install the PostgreSQL client"
resolve_database "${DATABASE_URL:-}"
# The guide sets statement_timeout = 30s on the database; VACUUM of a large table needs longer.
export PGOPTIONS="${PGOPTIONS:-} -c statement_timeout=0 -c application_name=churn-saver-maintenance"
psql_report() { run_psql -q -P footer=off "$@"; }
section() { printf '\n== %s\n' "$1"; }

log "maintenance of $PG_TARGET"
$report_only && log "report only: nothing is changed"

section "Queries running or idle in a transaction for more than $long_minutes minutes"
psql_report -v minutes="$long_minutes" <<'SQL'
SELECT pid, usename AS user, application_name AS app, state,
       date_trunc('second', now() - coalesce(xact_start, query_start)) AS for,
       wait_event_type AS waits_on, left(regexp_replace(query, '\s+', ' ', 'g'), 100) AS query
FROM pg_stat_activity
WHERE pid <> pg_backend_pid() AND datname = current_database() AND state <> 'idle'
  AND now() - coalesce(xact_start, query_start) > make_interval(mins => :minutes)
ORDER BY 5 DESC;
SQL
echo "(stop one with: SELECT pg_cancel_backend(pid); or pg_terminate_backend(pid) for idle transactions)"

section "Table sizes"
psql_report <<'SQL'
SELECT schemaname || '.' || relname AS table,
       pg_size_pretty(pg_total_relation_size(relid)) AS total,
       pg_size_pretty(pg_indexes_size(relid)) AS indexes,
       n_live_tup AS live_rows, n_dead_tup AS dead_rows,
       greatest(last_vacuum, last_autovacuum)::timestamptz(0) AS last_vacuum
FROM pg_stat_user_tables
WHERE schemaname IN ('public', 'audit', 'archive', 'pgboss')
ORDER BY pg_total_relation_size(relid) DESC
LIMIT 25;
SQL

section "Waiting on operators"
psql_report <<'SQL'
SELECT 'webhook events pending (oldest ' || coalesce(min(received_at) FILTER (WHERE status = 'pending')::timestamptz(0)::text, '-') || ')' AS item,
       count(*) FILTER (WHERE status = 'pending') AS n FROM webhook_events
UNION ALL SELECT 'webhook events failed', count(*) FROM webhook_events WHERE status = 'failed'
UNION ALL SELECT 'deliveries dead (retries exhausted)', count(*) FROM deliveries WHERE status = 'dead'
UNION ALL SELECT 'incentives unknown (grant interrupted: check in Whop)', count(*) FROM incentives WHERE status = 'unknown'
UNION ALL SELECT 'invalid indexes (interrupted CONCURRENTLY build)', count(*) FROM pg_index WHERE NOT indisvalid;
SELECT indexrelid::regclass AS invalid_index, 'DROP INDEX CONCURRENTLY ' || indexrelid::regclass AS fix
FROM pg_index WHERE NOT indisvalid;
SQL

# The SQL on stdin lists statements; each runs on its own, because VACUUM and REINDEX
# CONCURRENTLY refuse to run inside a transaction block. Under --report-only they are only listed.
exec_or_list() {
  local statements statement
  statements=$(psql_report -At "$@")
  while IFS= read -r statement; do
    [[ -n $statement ]] || continue
    if $report_only; then
      echo "would run: $statement"
    else
      echo "$statement"
      run_psql -q -c "$statement"
    fi
  done <<<"$statements"
}

section "VACUUM (ANALYZE)"
exec_or_list <<'SQL'
SELECT format('VACUUM (ANALYZE) %I.%I', n.nspname, c.relname)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname IN ('public', 'audit', 'archive') AND c.relkind IN ('r', 'p') AND NOT c.relispartition
ORDER BY 1
SQL

section "Bloated indexes (over $min_index_mb MB, more than $bloat_percent% free)"
if [[ $(run_psql -Atc "SELECT count(*) FROM pg_extension WHERE extname = 'pgstattuple'") == 0 ]]; then
  echo "bloat unknown: the pgstattuple extension is not installed (RDS has it: CREATE EXTENSION pgstattuple;)"
  psql_report -v min_mb="$min_index_mb" <<'SQL'
SELECT i.indexrelid::regclass AS index, pg_size_pretty(pg_relation_size(i.indexrelid)) AS size
FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname IN ('public', 'audit', 'archive') AND pg_relation_size(i.indexrelid) > :min_mb::bigint * 1048576
ORDER BY pg_relation_size(i.indexrelid) DESC;
SQL
else
  exec_or_list -v min_mb="$min_index_mb" -v bloat="$bloat_percent" <<'SQL'
SELECT format('REINDEX INDEX CONCURRENTLY %s', s.index)
FROM (SELECT i.indexrelid::regclass AS index, pgstatindex(i.indexrelid::regclass) AS st
      FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      JOIN pg_am am ON am.oid = c.relam
      WHERE n.nspname IN ('public', 'audit', 'archive') AND c.relkind = 'i' AND am.amname = 'btree' AND i.indisvalid
        AND pg_relation_size(i.indexrelid) > :min_mb::bigint * 1048576) s
WHERE (s.st).leaf_pages > 0 AND 100 - (s.st).avg_leaf_density > :bloat
SQL
fi

section "pg-boss jobs"
# A database migrated (db:migrate, a restore) but never started has no pg-boss schema yet.
if [[ $(run_psql -Atc "SELECT to_regclass('pgboss.job') IS NOT NULL") != t ]]; then
  echo "no pgboss.job table: the service has not started on this database yet"
else
  psql_report <<'SQL'
SELECT name AS queue, state::text, count(*) AS jobs, min(created_on)::timestamptz(0) AS oldest
FROM pgboss.job GROUP BY 1, 2 ORDER BY 1, 2;
SQL
fi
if [[ $(run_psql -Atc "SELECT to_regclass('pgboss.archive') IS NOT NULL") == t ]]; then
  purge="DELETE FROM pgboss.archive WHERE archived_on < now() - interval '$archive_days days'"
  if $report_only; then echo "would run: $purge"; else run_psql -c "$purge"; fi
else
  echo "no pgboss.archive table: pg-boss 10+ deletes finished jobs itself (after 7 days by default)"
fi
log "done"
