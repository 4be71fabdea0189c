#!/usr/bin/env bash
# Emergency rollback of one ECS service to the task definition revision before the running one,
# then waits for the service to settle, checks /api/health and tells Slack.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"

usage() {
  cat <<'EOF'
Usage: scripts/rollback.sh [--cluster NAME] [--service NAME] [--revision N] [--app-url URL] [--dry-run]

Moves an ECS service back to the previous ACTIVE revision of its task definition family
(aws ecs update-service), waits for `aws ecs wait services-stable`, then checks
APP_URL/api/health answers "healthy". Database migrations are not undone: ours only add, so
the previous revision runs on the newer schema.

Options:
  --cluster NAME  ECS cluster (default: CLUSTER)
  --service NAME  ECS service (default: SERVICE); roll back web and worker services one by one
  --revision N    go to this revision of the family instead of the one before the running one
  --app-url URL   base URL whose /api/health must be healthy afterwards (default: APP_URL);
                  worker-only services have no HTTP: pass --no-health-check
  --no-health-check  skip the health check
  --health-retries N  retries of the health check, 5 s apart (default 5: tasks may still be starting)
  --dry-run       look up the revisions, print the commands that would run, change nothing
  -h, --help      this text

Environment: CLUSTER, SERVICE, APP_URL, SLACK_WEBHOOK_URL (optional), and the aws CLI's usual
credentials and AWS_REGION.
EOF
}

cluster=${CLUSTER:-} service=${SERVICE:-} app_url=${APP_URL:-} revision="" dry_run=false health_check=true health_retries=5
while [[ $# -gt 0 ]]; do
  case $1 in
    -h | --help) usage; exit 0 ;;
    --cluster) need_value "$@"; cluster=$2; shift 2 ;;
    --service) need_value "$@"; service=$2; shift 2 ;;
    --revision) need_value "$@"; revision=$2; shift 2 ;;
    --app-url) need_value "$@"; app_url=$2; shift 2 ;;
    --no-health-check) health_check=false; shift ;;
    --health-retries) need_value "$@"; health_retries=$2; shift 2 ;;
    --dry-run) dry_run=true; shift ;;
    *) usage_error "unknown argument: $1" ;;
  esac
done
[[ -n $cluster ]] || usage_error "no cluster: set CLUSTER or pass --cluster"
[[ -n $service ]] || usage_error "no service: set SERVICE or pass --service"
[[ -z $revision || $revision =~ ^[1-9][0-9]*$ ]] || usage_error "--revision must be a revision number, got '$revision'"
[[ $health_retries =~ ^[0-9]+$ ]] || usage_error "--health-retries must be a whole number, got '$health_retries'"
if $health_check && [[ -z $app_url ]]; then usage_error "no APP_URL: set it, pass --app-url, or --no-health-check"; fi
app_url=${app_url%/}
require_command aws "the AWS CLI"

# Changes go through here: printed under --dry-run, run otherwise.
run() {
  if $dry_run; then
    printf '%q ' "$@" | sed 's/ $//'
    printf '\n'
  else
    "$@"
  fi
}

started=false
on_exit() {
  local status=$?
  if [[ $status -ne 0 ]] && $started; then
    log "ROLLBACK FAILED (exit $status)"
    notify_slack "Rollback of $service on $cluster FAILED (exit $status); check the ECS console and the service's logs"
  fi
}
trap on_exit EXIT

current=$(aws ecs describe-services --cluster "$cluster" --services "$service" \
  --query 'services[0].taskDefinition' --output text)
[[ $current == arn:*:task-definition/*:* ]] || die "service $service not found in cluster $cluster (describe-services returned '$current')"
family_rev=${current##*:task-definition/}
family=${family_rev%:*}
current_rev=${family_rev##*:}
log "$service runs $family:$current_rev"

if [[ -n $revision ]]; then
  [[ $revision != "$current_rev" ]] || die "$service already runs revision $revision"
fi
# --family-prefix also matches longer family names (web vs web-canary): keep the exact family.
read -r -a arns <<<"$(aws ecs list-task-definitions --family-prefix "$family" --status ACTIVE --sort DESC \
  --query 'taskDefinitionArns' --output text | tr '\t\n' '  ')"
previous=""
for arn in "${arns[@]}"; do
  arn_family_rev=${arn##*:task-definition/}
  [[ ${arn_family_rev%:*} == "$family" ]] || continue
  rev=${arn_family_rev##*:}
  if [[ -n $revision ]]; then
    [[ $rev == "$revision" ]] && previous=$arn && break
  elif ((rev < current_rev)) && { [[ -z $previous ]] || ((rev > ${previous##*:})); }; then
    previous=$arn
  fi
done
[[ -n $previous ]] || die "no ACTIVE revision of $family ${revision:-before $current_rev} to roll back to"
log "rolling $service back: $family:$current_rev -> $family:${previous##*:}"
$dry_run && log "dry run: these commands would run"

started=true
run aws ecs update-service --cluster "$cluster" --service "$service" --task-definition "$previous" \
  --force-new-deployment --query 'service.deployments[0].id' --output text
run aws ecs wait services-stable --cluster "$cluster" --services "$service"
health="not checked"
if $health_check; then
  health_curl=(curl -fsS --retry "$health_retries" --retry-delay 5 --retry-all-errors -m 10 "$app_url/api/health")
  if $dry_run; then
    run "${health_curl[@]}"
  else
    body=$("${health_curl[@]}") ||
      die "$app_url/api/health did not answer 200 after the rollback"
    [[ $body == *'"status":"healthy"'* ]] || die "$app_url/api/health is not healthy: $body"
    health="healthy"
  fi
fi
$dry_run && exit 0
log "rolled back to $family:${previous##*:}; health: $health"
notify_slack "Rollback completed: $service on $cluster now runs $family:${previous##*:} (was $current_rev); /api/health: $health"
