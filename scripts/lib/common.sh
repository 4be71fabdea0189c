# shellcheck shell=bash
# Shared by scripts/*.sh (sourced, never run). Messages go to stderr so a script's stdout carries
# only its result (backup.sh prints the dump's path). Nothing here prints a password or a webhook URL.

SCRIPT_NAME=$(basename "$0")

log() { printf '%s: %s\n' "$SCRIPT_NAME" "$*" >&2; }
warn() { printf '%s: warning: %s\n' "$SCRIPT_NAME" "$*" >&2; }
die() {
  printf '%s: error: %s\n' "$SCRIPT_NAME" "$*" >&2
  exit 1
}

# Bad invocation: the problem, then the usage text, exit 2. Each script defines usage().
usage_error() {
  printf '%s: %s\n\n' "$SCRIPT_NAME" "$*" >&2
  usage >&2
  exit 2
}

# For options that take a value: "$1" is the option, "$2" what follows it (maybe nothing).
need_value() {
  if [[ $# -lt 2 || -z $2 || $2 == -* ]]; then usage_error "$1 needs a value"; fi
}

require_command() {
  command -v "$1" >/dev/null 2>&1 || die "$1 not found on PATH${2:+ ($2)}"
}

json_escape() {
  local s=$1
  s=${s//\\/\\\\}
  s=${s//\"/\\\"}
  s=${s//$'\n'/\\n}
  s=${s//$'\t'/\\t}
  printf '%s' "$s"
}

# Posts one line to Slack when SLACK_WEBHOOK_URL is set. A Slack outage never fails the caller,
# and the URL (it is a credential) is never printed.
notify_slack() {
  [[ -n ${SLACK_WEBHOOK_URL:-} ]] || return 0
  if ! curl -fsS -m 10 -o /dev/null -X POST -H 'Content-type: application/json' \
    --data "{\"text\":\"$(json_escape "$1")\"}" "$SLACK_WEBHOOK_URL" 2>/dev/null; then
    warn "Slack notification failed (SLACK_WEBHOOK_URL did not accept the message)"
  fi
}

percent_decode() {
  local s=${1//+/ }
  printf '%b' "${s//%/\\x}"
}

# Sets PG_CONN (a URL or key=value conninfo for --dbname) and PG_TARGET (a description without
# credentials) from a postgres:// URL ($1, usually DATABASE_URL) or, when $1 is empty, from
# DB_HOST/DB_PORT/DB_USER/DB_NAME.
# A password inside the URL moves to PGPASSWORD, so it never appears in `ps` or in messages.
# shellcheck disable=SC2034 # PG_CONN, PG_DBNAME, PG_TARGET are outputs for the caller
resolve_database() {
  local url=$1
  if [[ -n $url ]]; then
    [[ $url =~ ^(postgres|postgresql)://([^/?#]*@)?([^/?#]*)(/([^?#]*))?(.*)$ ]] ||
      die "the database URL must start with postgres:// or postgresql://"
    local scheme=${BASH_REMATCH[1]} userinfo=${BASH_REMATCH[2]%@} hostport=${BASH_REMATCH[3]}
    local dbname=${BASH_REMATCH[5]} rest=${BASH_REMATCH[6]}
    if [[ $userinfo == *:* ]]; then
      PGPASSWORD=$(percent_decode "${userinfo#*:}")
      export PGPASSWORD
      userinfo=${userinfo%%:*}
    fi
    rest=$(with_root_certificate "$rest") || exit 1
    PG_CONN="$scheme://${userinfo:+$userinfo@}$hostport${dbname:+/$dbname}$rest"
    PG_DBNAME=$(percent_decode "$dbname")
    PG_TARGET="database ${PG_DBNAME:-(default)} on ${hostport:-localhost}"
  elif [[ -n ${DB_HOST:-} ]]; then
    [[ -n ${DB_NAME:-} ]] || die "DB_NAME is not set (needed with DB_HOST)"
    PG_CONN="host=$(conninfo_quote "$DB_HOST") port=$(conninfo_quote "${DB_PORT:-5432}") dbname=$(conninfo_quote "$DB_NAME")"
    [[ -z ${DB_USER:-} ]] || PG_CONN+=" user=$(conninfo_quote "$DB_USER")"
    PG_DBNAME=$DB_NAME
    PG_TARGET="database $DB_NAME on $DB_HOST:${DB_PORT:-5432}"
  else
    die "no database: set DATABASE_URL, or DB_HOST, DB_PORT, DB_USER, DB_NAME (and PGPASSWORD)"
  fi
  # Never wait for a password prompt (cron has no terminal): fail with libpq's message instead.
  export PGCONNECT_TIMEOUT=${PGCONNECT_TIMEOUT:-15}
}

# The kit's DATABASE_URL checks the server against the RDS CA bundle the image ships
# (sslmode=verify-full&sslrootcert=/app/certs/rds-ca-bundle.pem). Elsewhere (a bastion, a laptop)
# DB_SSLROOTCERT names where the bundle is here instead; `node scripts/rds-ca-bundle.mjs FILE`
# writes one from a checkout. $1 is the URL's query part (from ?, maybe empty); prints it back.
with_root_certificate() {
  local rest=$1 root
  if [[ -n ${DB_SSLROOTCERT:-} ]]; then
    [[ -r $DB_SSLROOTCERT ]] || die "DB_SSLROOTCERT=$DB_SSLROOTCERT is not a readable file"
    if [[ $rest =~ ^(.*[?\&]sslrootcert=)[^\&#]*(.*)$ ]]; then
      rest="${BASH_REMATCH[1]}$DB_SSLROOTCERT${BASH_REMATCH[2]}"
    elif [[ $rest == \?* ]]; then
      rest="$rest&sslrootcert=$DB_SSLROOTCERT"
    else
      rest="?sslrootcert=$DB_SSLROOTCERT$rest"
    fi
  fi
  if [[ $rest =~ [?\&]sslrootcert=([^\&#]*) ]]; then
    root=$(percent_decode "${BASH_REMATCH[1]}")
    [[ $root == system || -r $root ]] ||
      die "the database URL's sslrootcert ($root) is not on this machine: set DB_SSLROOTCERT to the RDS CA bundle here (node scripts/rds-ca-bundle.mjs FILE writes it)"
  fi
  printf '%s' "$rest"
}

conninfo_quote() {
  local s=${1//\\/\\\\}
  printf "'%s'" "${s//\'/\\\'}"
}

# psql against PG_CONN: no psqlrc, no prompt, stop at the first error, unaligned output.
run_psql() {
  psql --no-psqlrc --no-password -v ON_ERROR_STOP=1 --dbname="$PG_CONN" "$@"
}
