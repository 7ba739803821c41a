#!/usr/bin/env bash
# Invokes the stack's reprocess-dlq Lambda, which moves dead letters back to the FIFO queue, and
# prints its summary. Always try --dry-run first: it lists what would move without moving it.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: scripts/reprocess-dlq.sh ENV [options]

  ENV                         dev | staging | prod (stack name and region from samconfig.toml)

Options:
  --dry-run                   report what would move; move nothing
  --max N                     examine at most N DLQ messages (default 100, at most 10000)
  --filter-event-type T       only events of this type, e.g. deal.propertyChange
  --filter-object-type T      only this object type, e.g. deal, company, note (or a 0-46 style id)
  --filter-object-id ID       only this HubSpot object id
  --filter-portal-id ID       only this HubSpot portal (account) id
  --stack-name NAME           override the stack name from samconfig.toml
  --region REGION             override the region from samconfig.toml
  -h, --help                  this text

Needs: aws (v2), jq, python3. Writes nothing but a temporary file.
USAGE
}

die() { echo "reprocess-dlq.sh: $*" >&2; exit 2; }

[ $# -ge 1 ] || { usage >&2; exit 2; }
case "$1" in
  -h|--help) usage; exit 0 ;;
  dev|staging|prod) env_name="$1"; shift ;;
  *) die "unknown environment '$1' (dev, staging or prod)" ;;
esac

dry_run=false
max=""
event_type=""
object_type=""
object_id=""
portal_id=""
stack=""
region=""
need() { [ "$1" -ge 2 ] || die "$2 needs a value"; }
while [ $# -gt 0 ]; do
  case "$1" in
    --dry-run) dry_run=true; shift ;;
    --max) need $# "$1"; max="$2"; shift 2 ;;
    --filter-event-type) need $# "$1"; event_type="$2"; shift 2 ;;
    --filter-object-type) need $# "$1"; object_type="$2"; shift 2 ;;
    --filter-object-id) need $# "$1"; object_id="$2"; shift 2 ;;
    --filter-portal-id) need $# "$1"; portal_id="$2"; shift 2 ;;
    --stack-name) need $# "$1"; stack="$2"; shift 2 ;;
    --region) need $# "$1"; region="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done

if [ -n "$max" ]; then
  [[ "$max" =~ ^[1-9][0-9]*$ ]] && [ "$max" -le 10000 ] || die "--max must be 1..10000"
fi
[ -z "$object_id" ] || [[ "$object_id" =~ ^[0-9]+$ ]] || die "--filter-object-id must be numeric"
[ -z "$portal_id" ] || [[ "$portal_id" =~ ^[0-9]+$ ]] || die "--filter-portal-id must be numeric"
for tool in aws jq python3; do
  command -v "$tool" >/dev/null || die "$tool is not on PATH"
done

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
samconfig() {
  python3 - "$root/samconfig.toml" "$env_name" "$1" <<'PY'
import sys, tomllib
path, env, key = sys.argv[1:]
with open(path, "rb") as f:
    print(tomllib.load(f)[env]["deploy"]["parameters"].get(key, ""))
PY
}
stack="${stack:-$(samconfig stack_name)}"
region="${region:-$(samconfig region)}"
[ -n "$stack" ] || die "no stack name for $env_name"

function_name="$(aws cloudformation describe-stacks --region "$region" --stack-name "$stack" \
  --query "Stacks[0].Outputs[?OutputKey=='ReprocessDlqFunctionName'].OutputValue" --output text)"
[ -n "$function_name" ] && [ "$function_name" != None ] || die "stack $stack has no ReprocessDlqFunctionName output"

# Only the options given end up in the payload; the Lambda applies its own defaults to the rest.
payload="$(jq -cn \
  --arg max "$max" --argjson dry "$dry_run" \
  --arg et "$event_type" --arg ot "$object_type" --arg oid "$object_id" --arg pid "$portal_id" '
  {dryRun: $dry}
  + (if $max == "" then {} else {maxMessages: ($max | tonumber)} end)
  + {filter: ({}
      + (if $et == "" then {} else {eventType: $et} end)
      + (if $ot == "" then {} else {objectType: $ot} end)
      + (if $oid == "" then {} else {objectId: $oid} end)
      + (if $pid == "" then {} else {portalId: ($pid | tonumber)} end))}')"

echo "Invoking $function_name ($region) with $payload" >&2
if ! $dry_run && [ "$env_name" = prod ] && [ -t 0 ]; then
  read -r -p "This moves dead letters back to the prod queue. Type 'yes' to continue: " answer
  [ "$answer" = yes ] || die "aborted"
fi

out="$(mktemp)"
trap 'rm -f "$out"' EXIT
meta="$(aws lambda invoke --region "$region" --function-name "$function_name" \
  --cli-binary-format raw-in-base64-out --payload "$payload" \
  --cli-read-timeout 900 "$out")"

if [ "$(jq -r '.FunctionError // empty' <<<"$meta")" != "" ]; then
  echo "reprocess-dlq failed:" >&2
  jq . "$out" >&2 || cat "$out" >&2
  exit 1
fi
jq . "$out"
