#!/usr/bin/env bash
# Restores a dump made by scripts/backup.sh into a database, replacing what is there.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"
umask 077

usage() {
  cat <<'EOF'
Usage: scripts/restore.sh [--yes] [--migrate] [--target URL] (FILE | --from-s3 KEY)

Restores a pg_dump custom-format FILE (as scripts/backup.sh writes) into the target database,
replacing its contents: the dump's schemas and everything in public (but extensions) are dropped,
then the dump is restored, all in one transaction: it succeeds whole or changes nothing.
The database itself must exist (createdb first).
Stop the service (or scale it to 0) before restoring production: running instances keep writing.

Options:
  --from-s3 KEY   download the dump from S3 first: s3://bucket/key, or a key in S3_BUCKET
                  (or BACKUP_S3_BUCKET), e.g. production/churn_saver_app_20261125T020000Z.dump
  --target URL    postgres:// URL to restore into (default: DATABASE_URL, else DB_HOST, DB_PORT,
                  DB_USER, DB_NAME and PGPASSWORD)
  --yes           do not ask for confirmation (needed when not run from a terminal)
  --migrate       afterwards run `npm run db:migrate` against the target (when the dump is older
                  than the code you will run)
  -h, --help      this text
EOF
}

file="" s3_key="" target="" assume_yes=false run_migrate=false
while [[ $# -gt 0 ]]; do
  case $1 in
    -h | --help) usage; exit 0 ;;
    --yes | -y) assume_yes=true; shift ;;
    --migrate) run_migrate=true; shift ;;
    --from-s3) need_value "$@"; s3_key=$2; shift 2 ;;
    --target) need_value "$@"; target=$2; shift 2 ;;
    -*) usage_error "unknown option: $1" ;;
    *) [[ -z $file ]] || usage_error "one dump file only (got '$file' and '$1')"; file=$1; shift ;;
  esac
done
[[ -n $file || -n $s3_key ]] || usage_error "which dump? give a FILE or --from-s3 KEY"
[[ -z $file || -z $s3_key ]] || usage_error "give a FILE or --from-s3 KEY, not both"

require_command pg_restore "install the PostgreSQL client, version >= the dump's pg_dump"
require_command psql "install the PostgreSQL client"
target=${target:-${DATABASE_URL:-}}
resolve_database "$target"
if $run_migrate && [[ -z $target ]]; then
  die "--migrate needs the target as a URL (DATABASE_URL or --target): the service reads only DATABASE_URL"
fi

workdir=$(mktemp -d)
trap 'rm -rf "$workdir"' EXIT

if [[ -n $s3_key ]]; then
  require_command aws "needed for --from-s3"
  if [[ $s3_key != s3://* ]]; then
    bucket=${S3_BUCKET:-${BACKUP_S3_BUCKET:-}}
    [[ -n $bucket ]] || die "--from-s3 $s3_key is a key without a bucket: set S3_BUCKET or give s3://bucket/key"
    bucket=${bucket#s3://}
    s3_key="s3://${bucket%/}/${s3_key#/}"
  fi
  file="$workdir/$(basename "$s3_key")"
  log "downloading $s3_key"
  aws s3 cp "$s3_key" "$file" --only-show-errors
fi

[[ -f $file && -r $file ]] || die "no readable dump at $file"
# Read the archive before touching the target: a wrong or truncated file changes nothing.
listing=$(pg_restore --list "$file" 2>/dev/null) || die "$file is not a pg_dump custom-format archive (pg_restore --list cannot read it)"
tables=$(grep -c ' TABLE DATA ' <<<"$listing" || true)
run_psql -Atqc 'SELECT 1' >/dev/null || die "cannot connect to $PG_TARGET (see the message above)"

if ! $assume_yes; then
  [[ -t 0 ]] || die "not a terminal: pass --yes to restore without the prompt"
  printf 'This REPLACES the contents of %s with %s (%s tables with data).\n' "$PG_TARGET" "$file" "$tables" >&2
  read -r -p "Type the database name (${PG_DBNAME:-?}) to continue: " answer
  [[ $answer == "$PG_DBNAME" ]] || die "not confirmed: nothing changed"
fi

# Clean first, ourselves: pg_restore --clean fails on a database that already holds partitioned
# tables (audit.events, pgboss.queue_stats: "cannot drop inherited constraint"). Dropping the
# dump's schemas and public's own objects also removes tables a later migration added, so the
# database ends exactly as dumped. Extensions and their objects are left alone.
mapfile -t schemas < <(awk '$4 == "SCHEMA" && $5 == "-" { print $6 }' <<<"$listing")
clean_sql() {
  printf 'SET client_min_messages = warning;\n'
  local schema
  for schema in "${schemas[@]}"; do
    [[ $schema == public ]] || printf 'DROP SCHEMA IF EXISTS "%s" CASCADE;\n' "${schema//\"/\"\"}"
  done
  cat <<'SQL'
DO $clean$
DECLARE r record;
BEGIN
  FOR r IN SELECT c.oid::regclass AS name, CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                  WHEN 'f' THEN 'FOREIGN TABLE' WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END AS kind
           FROM pg_class c
           WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
             AND NOT c.relispartition
             AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('e', 'a', 'i'))
           ORDER BY c.relkind = 'S'
  LOOP
    EXECUTE format('DROP %s IF EXISTS %s CASCADE', r.kind, r.name);
  END LOOP;
  FOR r IN SELECT p.oid::regprocedure AS name FROM pg_proc p
           WHERE p.pronamespace = 'public'::regnamespace
             AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
  LOOP
    EXECUTE format('DROP ROUTINE IF EXISTS %s CASCADE', r.name);
  END LOOP;
  FOR r IN SELECT t.oid::regtype AS name FROM pg_type t
           WHERE t.typnamespace = 'public'::regnamespace AND t.typtype IN ('e', 'd')
             AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e')
  LOOP
    EXECUTE format('DROP TYPE IF EXISTS %s CASCADE', r.name);
  END LOOP;
END
$clean$;
SQL
}

log "restoring $file into $PG_TARGET"
# One transaction around the clean and the whole restore: it commits entirely or changes nothing.
# --no-owner/--no-privileges: objects belong to the restoring user, so a dump from production
# restores into staging (another user) too.
{
  clean_sql
  pg_restore --no-owner --no-privileges --file=- "$file"
} | run_psql --single-transaction --quiet --output=/dev/null
log "restored $tables tables"

if $run_migrate; then
  log "running npm run db:migrate"
  (cd "$(dirname "$0")/.." && DATABASE_URL=$target npm run --silent db:migrate)
fi
log "done: $PG_TARGET now holds $(basename "$file")"
