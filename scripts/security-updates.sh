#!/usr/bin/env bash
# Monthly security check (the guide's security-updates.sh): npm audit, outdated packages, and the
# Debian security upgrades pending for this image. Lists by default; --apply installs the apt ones.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"

usage() {
  cat <<'EOF'
Usage: scripts/security-updates.sh [--apply] [--audit-level LEVEL] [--skip-npm] [--skip-apt]

1. npm audit of the production dependencies (exit 1 when one at LEVEL or above is found, or
   when the audit could not run).
2. npm outdated: dependencies with a newer version (a report; upgrade them in a pull request).
3. Debian security upgrades pending for the base image (apt-get --simulate). With --apply they
   are installed (as root, on a host or in an image build). Running containers are not patched:
   rebuild and redeploy the image instead, which also picks up a patched node:22 base.

Options:
  --apply              install the pending Debian security upgrades (default: list only)
  --audit-level LEVEL  low, moderate, high (default) or critical
  --skip-npm           skip steps 1 and 2
  --skip-apt           skip step 3
  -h, --help           this text
EOF
}

apply=false audit_level=high do_npm=true do_apt=true
while [[ $# -gt 0 ]]; do
  case $1 in
    -h | --help) usage; exit 0 ;;
    --apply) apply=true; shift ;;
    --audit-level) need_value "$@"; audit_level=$2; shift 2 ;;
    --skip-npm) do_npm=false; shift ;;
    --skip-apt) do_apt=false; shift ;;
    *) usage_error "unknown argument: $1" ;;
  esac
done
[[ $audit_level =~ ^(low|moderate|high|critical)$ ]] || usage_error "--audit-level must be low, moderate, high or critical, got '$audit_level'"

cd "$(dirname "$0")/.."
findings=0

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
  printf '\n== Debian security upgrades\n'
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "apt-get not found: not a Debian-based system, skipped"
  else
    if [[ $(id -u) -eq 0 ]]; then
      apt-get update -qq
    else
      warn "not root: package lists not refreshed, the listing may be stale"
    fi
    # "Inst pkg [old] (new Debian-Security:12/stable-security [amd64])": upgrades from the security archive.
    mapfile -t upgrades < <(apt-get --simulate upgrade 2>/dev/null | awk '/^Inst / && /[Ss]ecurity/ { print $2 }')
    if [[ ${#upgrades[@]} -eq 0 ]]; then
      echo "none pending"
    else
      printf '%s\n' "${upgrades[@]}"
      if $apply; then
        [[ $(id -u) -eq 0 ]] || die "--apply needs root"
        DEBIAN_FRONTEND=noninteractive apt-get install -y --only-upgrade "${upgrades[@]}"
      else
        echo "(${#upgrades[@]} pending: rebuild the image, or run with --apply on a host)"
      fi
    fi
  fi
fi
exit "$findings"
