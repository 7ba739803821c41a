#!/usr/bin/env bash
# Offline checks of the infrastructure code: the three templates (cfn-lint and checkov on all of them,
# sam validate --lint on the SAM one), the shell scripts (shellcheck) and the template tests (pytest
# tests/infra). Uses the tools on PATH: scripts/test.sh puts .venv/bin (scripts/requirements-dev.txt)
# first. Runs every check, then fails if any failed.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: scripts/check-infra.sh [--help]

Runs cfn-lint, sam validate --lint, checkov, shellcheck and pytest tests/infra; exits non-zero if any
of them fails. Install the tools with: pip install -r scripts/requirements-dev.txt
USAGE
}

case "${1:-}" in
  -h|--help) usage; exit 0 ;;
  "") ;;
  *) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
esac

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

missing=()
for tool in cfn-lint sam checkov shellcheck python; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "check-infra.sh: not on PATH: ${missing[*]} (pip install -r scripts/requirements-dev.txt)" >&2
  exit 2
fi

# No network calls home: SAM telemetry off, checkov without its platform download.
export SAM_CLI_TELEMETRY=0
failed=()
check() {
  local name="$1"; shift
  printf -- '-- %s\n' "$name"
  if "$@"; then
    printf -- '   ok\n'
  else
    printf -- '   FAILED: %s\n' "$name"
    failed+=("$name")
  fi
}

check "cfn-lint" cfn-lint template.yaml dashboard.yaml forwarder.yaml
check "sam validate --lint" sam validate --lint --region us-east-1 --template-file template.yaml
check "checkov" checkov --quiet --compact --skip-download --framework cloudformation \
  --file template.yaml --file dashboard.yaml --file forwarder.yaml
check "shellcheck" shellcheck scripts/*.sh
check "pytest tests/infra" env PYTHONDONTWRITEBYTECODE=1 python -m pytest -q -p no:cacheprovider tests/infra

if [ ${#failed[@]} -gt 0 ]; then
  echo "infrastructure checks failed: ${failed[*]}" >&2
  exit 1
fi
echo "infrastructure checks passed"
