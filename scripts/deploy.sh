#!/usr/bin/env bash
# Builds the three Rust Lambdas for arm64 and deploys one environment's stack (template.yaml) and
# its dashboard stack (dashboard.yaml). Per-environment settings live in samconfig.toml.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: scripts/deploy.sh ENV [options]

  ENV                     dev | staging | prod (a section of samconfig.toml)

Options:
  --param KEY=VALUE       extra template parameter, added to samconfig's parameter_overrides
                          (repeatable; e.g. --param AlarmEmail=ops@example.com). Never pass secrets:
                          they go into Secrets Manager (docs/deploy.md).
  --skip-build            deploy the artefacts already in .aws-sam/
  --no-dashboard          do not deploy the <stack>-dashboard stack
  -h, --help              this text

Needs: aws, sam, cargo, cargo-lambda (+ zig), python3; credentials for the target account.
USAGE
}

die() { echo "deploy.sh: $*" >&2; exit 2; }

[ $# -ge 1 ] || { usage >&2; exit 2; }
case "$1" in
  -h|--help) usage; exit 0 ;;
  dev|staging|prod) env_name="$1"; shift ;;
  *) die "unknown environment '$1' (dev, staging or prod)" ;;
esac

extra_params=()
build=true
dashboard=true
while [ $# -gt 0 ]; do
  case "$1" in
    --param)
      [ $# -ge 2 ] || die "--param needs KEY=VALUE"
      [[ "$2" == *=* ]] || die "--param needs KEY=VALUE, got '$2'"
      extra_params+=("$2"); shift 2 ;;
    --skip-build) build=false; shift ;;
    --no-dashboard) dashboard=false; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument '$1'" ;;
  esac
done

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

for tool in aws sam python3; do
  command -v "$tool" >/dev/null || die "$tool is not on PATH"
done
if $build; then
  command -v cargo >/dev/null || die "cargo is not on PATH"
  cargo lambda --version >/dev/null 2>&1 || die "cargo-lambda is not installed (docs/deploy.md#prerequisites)"
fi

# One value of samconfig.toml's [ENV.deploy.parameters] table.
samconfig() {
  python3 - "$env_name" "$1" <<'PY'
import sys, tomllib
env, key = sys.argv[1], sys.argv[2]
with open("samconfig.toml", "rb") as f:
    print(tomllib.load(f)[env]["deploy"]["parameters"].get(key, ""))
PY
}

# The single shared secret was split in two; CloudFormation would only say the parameter is unknown.
read -r -a configured <<<"$(samconfig parameter_overrides)"
for param in ${configured[@]+"${configured[@]}"} ${extra_params[@]+"${extra_params[@]}"}; do
  case "$param" in
    ExistingSecretArn=*) die "ExistingSecretArn is now ExistingWebhookSecretArn + ExistingTokenSecretArn: see docs/deploy.md#upgrading-from-one-secret" ;;
  esac
done

stack="$(samconfig stack_name)"
region="$(samconfig region)"
[ -n "$stack" ] || die "samconfig.toml has no [$env_name.deploy.parameters] stack_name"
echo "== $env_name: stack $stack in $region"

if [ "$env_name" = prod ]; then
  branch="$(git rev-parse --abbrev-ref HEAD 2>/dev/null || echo unknown)"
  if [ -n "$(git status --porcelain 2>/dev/null)" ]; then
    die "refusing to deploy prod from a dirty work tree (branch $branch)"
  fi
fi

echo "== validate"
sam validate --lint --config-env "$env_name"

if $build; then
  echo "== build (cargo lambda, arm64)"
  # SAM CLI before 1.156 treats rust-cargolambda as a beta feature; newer versions ignore this.
  # SAM copies the binary from <CodeUri>/target/lambda/<bin>/bootstrap whatever CARGO_TARGET_DIR
  # says, so the build must use the workspace's own target/ directory.
  env -u CARGO_TARGET_DIR SAM_CLI_BETA_RUST_CARGO_LAMBDA=1 sam build --config-env "$env_name"
fi

echo "== deploy"
deploy_args=(--config-env "$env_name")
if [ ${#extra_params[@]} -gt 0 ]; then
  # --parameter-overrides on the command line replaces samconfig's list, so merge the two.
  deploy_args+=(--parameter-overrides "${configured[@]}" "${extra_params[@]}")
fi
sam deploy "${deploy_args[@]}"

if $dashboard; then
  echo "== dashboard"
  aws cloudformation deploy \
    --region "$region" \
    --stack-name "$stack-dashboard" \
    --template-file dashboard.yaml \
    --parameter-overrides "MainStackName=$stack" \
    --no-fail-on-empty-changeset
fi

echo "== outputs"
aws cloudformation describe-stacks --region "$region" --stack-name "$stack" \
  --query 'Stacks[0].Outputs[].[OutputKey,OutputValue]' --output table
cat <<NEXT

Next: if the secrets are new, put their values (docs/deploy.md#secrets): {"clientSecret": ...} into
WebhookSecretArn, {"accessToken": ...} into TokenSecretArn. Then point HubSpot at WebhookUrl and run
scripts/send-test-webhook.sh --url <WebhookUrl> to check the path end to end.
NEXT
