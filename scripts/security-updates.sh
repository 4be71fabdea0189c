#!/usr/bin/env bash
# Monthly security check (the guide's security-updates.sh): npm audit, outdated packages, and the
# OS security upgrades pending here or in the image. Lists by default; --apply installs them.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"

usage() {
  cat <<'EOF'
Usage: scripts/security-updates.sh [--apply] [--image IMAGE] [--audit-level LEVEL] [--skip-npm] [--skip-apt]

1. npm audit of the production dependencies (exit 1 when one at LEVEL or above is found, or
   when the audit could not run).
2. npm outdated: dependencies with a newer version (a report; upgrade them in a pull request).
3. OS security upgrades pending: apt-get --simulate on Debian (security archive only), apk on
   Alpine (our image, node:22-alpine). On this machine, or inside IMAGE with --image (docker).
   With --apply they are installed (root, on a host). Containers are not patched in place:
   rebuild and redeploy the image, which also picks up a patched node:22-alpine base.

Options:
  --apply              install the pending OS upgrades here (default: list only)
  --image IMAGE        list the upgrades pending inside IMAGE, e.g. churn-saver:latest
  --audit-level LEVEL  low, moderate, high (default) or critical
  --skip-npm           skip steps 1 and 2
  --skip-apt           skip step 3 (apt-get or apk)
  -h, --help           this text
EOF
}

apply=false audit_level=high do_npm=true do_apt=true image=""
while [[ $# -gt 0 ]]; do
  case $1 in
    -h | --help) usage; exit 0 ;;
    --apply) apply=true; shift ;;
    --audit-level) need_value "$@"; audit_level=$2; shift 2 ;;
    --skip-npm) do_npm=false; shift ;;
    --skip-apt) do_apt=false; shift ;;
    --image) need_value "$@"; image=$2; shift 2 ;;
    *) usage_error "unknown argument: $1" ;;
  esac
done
[[ $audit_level =~ ^(low|moderate|high|critical)$ ]] || usage_error "--audit-level must be low, moderate, high or critical, got '$audit_level'"
if $apply && [[ -n $image ]]; then usage_error "--apply with --image: an image is not patched in place, rebuild it"; fi

cd "$(dirname "$0")/.."
findings=0

# POSIX sh, so it also runs inside the image (Alpine has no bash). Prints one package per line.
# Debian: upgrades from the security archive ("Inst pkg [old] (new Debian-Security:12/...)").
# Alpine has no separate security archive: every pending upgrade of the stable branch counts.
# shellcheck disable=SC2016 # expanded by the inner sh
OS_LISTING='
if command -v apt-get >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then apt-get update -qq >&2; else echo "not root: package lists not refreshed" >&2; fi
  apt-get --simulate upgrade 2>/dev/null | awk "/^Inst / && /[Ss]ecurity/ { print \$2 }"
elif command -v apk >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then apk update -q >&2; else echo "not root: package index not refreshed" >&2; fi
  apk version -l "<" | awk "NR > 1 { print \$1 }"
else
  echo "neither apt-get nor apk found" >&2; exit 3
fi'

# Reads npm audit --json on stdin; prints counts and the packages at or above the level (argv[1]).
# Exit 1 on such a finding, 2 when the audit itself failed (no advisory service: nothing checked).
# shellcheck disable=SC2016 # JavaScript template literals, not shell expansions
AUDIT_SUMMARY='
const order = ["info", "low", "moderate", "high", "critical"];
const level = order.indexOf(process.argv[1]);
let text = "";
process.stdin.on("data", (d) => (text += d)).on("end", () => {
  let report;
  try { report = JSON.parse(text); } catch { report = {}; }
  if (!report.metadata) {
    console.log("npm audit failed: " + (report.message ?? report.error?.summary ?? "no report") + " (nothing was checked)");
    process.exit(2);
  }
  const counts = report.metadata.vulnerabilities;
  console.log(order.map((s) => s + " " + (counts[s] ?? 0)).join(", "));
  const hits = Object.values(report.vulnerabilities ?? {}).filter((v) => order.indexOf(v.severity) >= level);
  for (const v of hits) {
    const titles = v.via.filter((x) => typeof x === "object").map((x) => x.title);
    console.log(`  ${v.severity} ${v.name}: ${titles.join("; ") || "via " + v.via.join(", ")}${v.fixAvailable ? " (fix available: npm audit fix --omit=dev)" : ""}`);
  }
  process.exit(hits.length > 0 ? 1 : 0);
});'

if $do_npm; then
  require_command npm
  printf '== npm audit (production dependencies, level %s and above)\n' "$audit_level"
  # --json, because npm audit exits 1 both for findings and for an unreachable advisory service.
  npm audit --omit=dev --json 2>/dev/null | node -e "$AUDIT_SUMMARY" "$audit_level" || findings=1
  printf '\n== npm outdated\n'
  # npm outdated exits 1 whenever something is outdated: that is the report, not a failure.
  npm outdated || true
fi

if $do_apt; then
  printf '\n== OS security upgrades (%s)\n' "${image:-this machine}"
  if [[ -n $image ]]; then
    require_command docker "needed for --image"
    listing=$(docker run --rm --user 0 --entrypoint sh "$image" -c "$OS_LISTING") || die "could not list upgrades inside $image"
  else
    listing=$(sh -c "$OS_LISTING") || die "could not list upgrades (no apt-get or apk here?)"
  fi
  mapfile -t upgrades < <(grep -v '^$' <<<"$listing" || true)
  if [[ ${#upgrades[@]} -eq 0 ]]; then
    echo "none pending"
  else
    printf '%s\n' "${upgrades[@]}"
    if $apply; then
      [[ $(id -u) -eq 0 ]] || die "--apply needs root"
      if command -v apt-get >/dev/null 2>&1; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y --only-upgrade "${upgrades[@]}"
      else
        apk upgrade --no-cache
      fi
    else
      echo "(${#upgrades[@]} pending: rebuild and redeploy the image; on a host, run with --apply)"
    fi
  fi
fi
exit "$findings"
