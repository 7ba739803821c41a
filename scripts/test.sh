#!/usr/bin/env bash
# The project's whole check, exactly as CI runs it (.ci/run calls this):
#   1. a git-ignored Python virtualenv (.venv) with moto and the template checkers;
#   2. moto_server on a free loopback port — the real SQS / STS / Secrets Manager protocol
#      server the integration tests talk to (MOTO_ENDPOINT / AWS_ENDPOINT_URL);
#   3. cargo fmt --check, cargo clippy -D warnings, the whole test suite (cargo nextest);
#   4. the infrastructure checks (scripts/check-infra.sh) when present.
# moto is stopped on exit, failure included. Any failing step fails the script.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: scripts/test.sh [--help] [-- NEXTEST_ARGS...]

Runs formatting, lint, every Rust test (against a local moto server) and the template checks.
Arguments after `--` go to `cargo nextest run` (e.g. `-- -p receipt`).
USAGE
}

nextest_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --) shift; nextest_args=("$@"); break ;;
    *) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
step() { printf '\n== %s ==\n' "$*"; }

step "Python tools (.venv)"
venv="$root/.venv"
requirements="$root/scripts/requirements-dev.txt"
stamp="$venv/.installed-requirements"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
if ! cmp -s "$requirements" "$stamp"; then
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
  cp "$requirements" "$stamp"
else
  echo "up to date"
fi
export PATH="$venv/bin:$PATH"

step "moto server"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
mkdir -p "$root/target"
moto_log="$root/target/moto.log"
moto_server -H 127.0.0.1 -p "$port" >"$moto_log" 2>&1 &
moto_pid=$!
stop_moto() {
  kill "$moto_pid" 2>/dev/null || true
  wait "$moto_pid" 2>/dev/null || true
}
trap stop_moto EXIT
for _ in $(seq 1 100); do
  if python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/moto-api/data.json', timeout=1)" 2>/dev/null; then
    break
  fi
  if ! kill -0 "$moto_pid" 2>/dev/null; then
    echo "moto_server exited; its log:" >&2
    cat "$moto_log" >&2
    exit 1
  fi
  sleep 0.2
done
export MOTO_ENDPOINT="http://127.0.0.1:$port"
export AWS_ENDPOINT_URL="$MOTO_ENDPOINT"
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_SESSION_TOKEN=testing
export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
unset AWS_PROFILE AWS_CONFIG_FILE AWS_SHARED_CREDENTIALS_FILE || true
echo "moto on $MOTO_ENDPOINT (pid $moto_pid)"

step "cargo fmt --check"
cargo fmt --all --check

step "cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "cargo nextest"
cargo nextest run --workspace --locked --no-fail-fast "${nextest_args[@]}"

if [ -x "$root/scripts/check-infra.sh" ]; then
  step "infrastructure checks"
  "$root/scripts/check-infra.sh"
fi
step "all checks passed"
