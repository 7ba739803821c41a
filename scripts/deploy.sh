#!/usr/bin/env bash
# Builds the three Rust Lambdas for arm64 and deploys one environment's stack (template.yaml), then,
# when that stack is not in us-east-1, the Partner Central event forwarder (forwarder.yaml) in
# us-east-1, then its dashboard stack (dashboard.yaml). Per-environment settings live in samconfig.toml.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: scripts/deploy.sh ENV [options]

  ENV                     dev | staging | prod (a section of samconfig.toml)

Options:
  --param KEY=VALUE       extra template parameter, added to samconfig's parameter_overrides
                          (repeatable; e.g. --param AlarmEmail=ops@example.com). Never pass secrets:
                          they go into Secrets Manager (docs/deploy.md).
  --region REGION         deploy the stack in REGION instead of samconfig's region
  --forwarder-alarm-topic ARN
                          SNS topic in us-east-1 for the forwarder's dead-letter alarm (outside
                          us-east-1 only; kept on later deploys until given again)
  --no-forwarder          outside us-east-1, do not deploy the <stack>-pc-forwarder stack (another
                          stack already forwards this catalog's events to REGION)
  --skip-build            deploy the artefacts already in .aws-sam/
  --no-dashboard          do not deploy the <stack>-dashboard stack
  --dry-run               print the sam / aws commands instead of running them
  -h, --help              this text

Partner Central puts its events on the us-east-1 default bus only. Outside us-east-1 the script
deploys forwarder.yaml there as <stack>-pc-forwarder, which forwards them to REGION's default bus
(docs/deploy.md#partner-central-events-and-the-sweep).

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
forwarder=true
dry_run=false
region_override=""
forwarder_topic=""
while [ $# -gt 0 ]; do
  case "$1" in
    --param)
      [ $# -ge 2 ] || die "--param needs KEY=VALUE"
      [[ "$2" == *=* ]] || die "--param needs KEY=VALUE, got '$2'"
      extra_params+=("$2"); shift 2 ;;
    --region)
      [ $# -ge 2 ] || die "--region needs a region name"
      [[ "$2" =~ ^[a-z]{2}(-[a-z]+)+-[0-9]$ ]] || die "--region: '$2' is not a region name"
      region_override="$2"; shift 2 ;;
    --forwarder-alarm-topic)
      [ $# -ge 2 ] || die "--forwarder-alarm-topic needs an SNS topic ARN"
      # CloudWatch alarms notify topics of their own region, and the forwarder's alarm is in us-east-1.
      [[ "$2" =~ ^arn:aws[a-z-]*:sns:us-east-1:[0-9]{12}:[A-Za-z0-9_-]+$ ]] \
        || die "--forwarder-alarm-topic needs the ARN of an SNS topic in us-east-1, got '$2'"
      forwarder_topic="$2"; shift 2 ;;
    --no-forwarder) forwarder=false; shift ;;
    --skip-build) build=false; shift ;;
    --no-dashboard) dashboard=false; shift ;;
    --dry-run) dry_run=true; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument '$1'" ;;
  esac
done

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

command -v python3 >/dev/null || die "python3 is not on PATH"
if ! $dry_run; then
  for tool in aws sam; do
    command -v "$tool" >/dev/null || die "$tool is not on PATH"
  done
fi
if $build && ! $dry_run; then
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
region="${region_override:-$(samconfig region)}"
[ -n "$stack" ] || die "samconfig.toml has no [$env_name.deploy.parameters] stack_name"
[ -n "$region" ] || die "samconfig.toml has no [$env_name.deploy.parameters] region; pass --region"
if [ -n "$forwarder_topic" ] && [ "$region" = us-east-1 ]; then
  die "--forwarder-alarm-topic: the stack is in us-east-1, where no forwarder is needed"
fi
# The catalog the forwarder filters on: the stack's PartnerCentralCatalog (last one given wins;
# template.yaml's default otherwise).
catalog=Sandbox
for param in ${configured[@]+"${configured[@]}"} ${extra_params[@]+"${extra_params[@]}"}; do
  case "$param" in PartnerCentralCatalog=*) catalog="${param#PartnerCentralCatalog=}" ;; esac
done
echo "== $env_name: stack $stack in $region"
if $dry_run; then echo "   (dry run: the sam and aws commands are printed, not run)"; fi

# Runs a command, or only prints it with --dry-run.
run() {
  if $dry_run; then
    printf '+'; printf ' %q' "$@"; printf '\n'
  else
    "$@"
  fi
}

if [ "$env_name" = prod ]; then
  branch="$(git rev-parse --abbrev-ref HEAD 2>/dev/null || echo unknown)"
  if [ -n "$(git status --porcelain 2>/dev/null)" ]; then
    die "refusing to deploy prod from a dirty work tree (branch $branch)"
  fi
fi

echo "== validate"
run sam validate --lint --config-env "$env_name"

if $build; then
  echo "== build (cargo lambda, arm64)"
  # SAM CLI before 1.156 treats rust-cargolambda as a beta feature; newer versions ignore this.
  # SAM copies the binary from <CodeUri>/target/lambda/<bin>/bootstrap whatever CARGO_TARGET_DIR
  # says, so the build must use the workspace's own target/ directory.
  run env -u CARGO_TARGET_DIR SAM_CLI_BETA_RUST_CARGO_LAMBDA=1 sam build --config-env "$env_name"
fi

echo "== deploy"
deploy_args=(--config-env "$env_name")
[ -z "$region_override" ] || deploy_args+=(--region "$region")
if [ ${#extra_params[@]} -gt 0 ]; then
  # --parameter-overrides on the command line replaces samconfig's list, so merge the two.
  deploy_args+=(--parameter-overrides "${configured[@]}" "${extra_params[@]}")
fi
run sam deploy "${deploy_args[@]}"

forwarder_note="none: the stack is in us-east-1, where Partner Central puts its events"
if [ "$region" != us-east-1 ]; then
  if $forwarder; then
    echo "== forwarder (us-east-1): Partner Central events of the $catalog catalog -> default bus of $region"
    forwarder_params=("TargetRegion=$region" "Catalog=$catalog")
    [ -z "$forwarder_topic" ] || forwarder_params+=("AlarmTopicArn=$forwarder_topic")
    # Parameters not given keep their previous value (an alarm topic given once stays).
    run aws cloudformation deploy \
      --region us-east-1 \
      --stack-name "$stack-pc-forwarder" \
      --template-file forwarder.yaml \
      --capabilities CAPABILITY_IAM \
      --parameter-overrides "${forwarder_params[@]}" \
      --no-fail-on-empty-changeset
    forwarder_note="stack $stack-pc-forwarder in us-east-1 forwards the $catalog catalog's events to the default bus of $region"
  else
    forwarder_note="not deployed (--no-forwarder): something else must forward Partner Central's events from us-east-1 to $region"
  fi
fi
echo "== forwarder: $forwarder_note"

if $dashboard; then
  echo "== dashboard"
  run aws cloudformation deploy \
    --region "$region" \
    --stack-name "$stack-dashboard" \
    --template-file dashboard.yaml \
    --parameter-overrides "MainStackName=$stack" \
    --no-fail-on-empty-changeset
fi

echo "== outputs"
run aws cloudformation describe-stacks --region "$region" --stack-name "$stack" \
  --query 'Stacks[0].Outputs[].[OutputKey,OutputValue]' --output table
cat <<NEXT

Next: if the secrets are new, put their values (docs/deploy.md#secrets): {"clientSecret": ...} into
WebhookSecretArn, {"accessToken": ...} into TokenSecretArn. Then point HubSpot at WebhookUrl and run
scripts/send-test-webhook.sh --url <WebhookUrl> to check the path end to end.
NEXT
