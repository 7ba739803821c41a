#!/usr/bin/env bash
# Sends one HubSpot-style webhook, signed like HubSpot's v3 signature:
#   X-HubSpot-Signature-v3 = base64(HMAC-SHA256(clientSecret, METHOD + URL + BODY + TIMESTAMP_MS))
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: scripts/send-test-webhook.sh --url URL [options]

  --url URL            where to send the request (stack output WebhookUrl)
  --signed-url URL     the URL to sign, when the receipt expects another one (its WebhookPublicUrl,
                       e.g. the legacy URL during the canary migration); default: --url
  --secret SECRET      the app's client secret (default: $HUBSPOT_CLIENT_SECRET)
  --body-file FILE     JSON array of events to send (default: one deal.propertyChange sample event)
  --object-id ID       objectId of the default sample event (default: 1234567890)
  --timestamp MS       X-HubSpot-Request-Timestamp in epoch ms (default: now; use an old value to
                       check that stale requests are rejected)
  --dry-run            print the request (signature included) instead of sending it
  -h, --help           this text

Prints the HTTP status and response body; exits 1 unless the status is 2xx.
Prefer the environment variable for the secret: arguments are visible to other local users.
USAGE
}

die() { echo "send-test-webhook.sh: $*" >&2; exit 2; }

url=""
signed_url=""
secret="${HUBSPOT_CLIENT_SECRET:-}"
body_file=""
object_id="1234567890"
timestamp=""
dry_run=false
while [ $# -gt 0 ]; do
  case "$1" in
    --url) [ $# -ge 2 ] || die "--url needs a value"; url="$2"; shift 2 ;;
    --signed-url) [ $# -ge 2 ] || die "--signed-url needs a value"; signed_url="$2"; shift 2 ;;
    --secret) [ $# -ge 2 ] || die "--secret needs a value"; secret="$2"; shift 2 ;;
    --body-file) [ $# -ge 2 ] || die "--body-file needs a value"; body_file="$2"; shift 2 ;;
    --object-id) [ $# -ge 2 ] || die "--object-id needs a value"; object_id="$2"; shift 2 ;;
    --timestamp) [ $# -ge 2 ] || die "--timestamp needs a value"; timestamp="$2"; shift 2 ;;
    --dry-run) dry_run=true; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done

[ -n "$url" ] || die "--url is required"
signed_url="${signed_url:-$url}"
[ -n "$secret" ] || die "no secret: pass --secret or set HUBSPOT_CLIENT_SECRET"
[[ "$object_id" =~ ^[0-9]+$ ]] || die "--object-id must be numeric"
command -v openssl >/dev/null || die "openssl is not on PATH"
$dry_run || command -v curl >/dev/null || die "curl is not on PATH"

now_ms=$(( $(date +%s) * 1000 ))
timestamp="${timestamp:-$now_ms}"
[[ "$timestamp" =~ ^[0-9]+$ ]] || die "--timestamp must be epoch milliseconds"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

if [ -z "$body_file" ]; then
  body_file="$tmp/body.json"
  # Same shape as a HubSpot webhooks API delivery, a JSON array of events
  # (https://developers.hubspot.com/docs/api/webhooks); eventId derives from the time.
  printf '[{"eventId":%s,"subscriptionId":100001,"portalId":62515,"appId":54321,"occurredAt":%s,"subscriptionType":"deal.propertyChange","attemptNumber":0,"objectId":%s,"propertyName":"dealname","propertyValue":"Send-test-webhook deal #AWS","changeSource":"CRM","sourceId":"userId:45678"}]' \
    "$(( now_ms / 1000 % 1000000000 ))" "$now_ms" "$object_id" >"$body_file"
fi
[ -r "$body_file" ] || die "cannot read $body_file"

# The signed bytes are exactly the bytes sent: the body is streamed from the file both times.
signature="$(
  {
    printf '%s%s' POST "$signed_url"
    cat "$body_file"
    printf '%s' "$timestamp"
  } | openssl dgst -sha256 -hmac "$secret" -binary | openssl base64 -A
)"

if $dry_run; then
  echo "POST $url"
  [ "$signed_url" = "$url" ] || echo "(signed for $signed_url)"
  echo "Content-Type: application/json"
  echo "X-HubSpot-Signature-Version: v3"
  echo "X-HubSpot-Signature-v3: $signature"
  echo "X-HubSpot-Request-Timestamp: $timestamp"
  echo
  cat "$body_file"
  echo
  exit 0
fi

status="$(
  curl --silent --show-error --max-time 15 \
    --output "$tmp/response" --write-out '%{http_code}' \
    --request POST "$url" \
    --header 'Content-Type: application/json' \
    --header 'X-HubSpot-Signature-Version: v3' \
    --header "X-HubSpot-Signature-v3: $signature" \
    --header "X-HubSpot-Request-Timestamp: $timestamp" \
    --data-binary "@$body_file"
)"
echo "HTTP $status"
cat "$tmp/response"
echo
case "$status" in
  2??) exit 0 ;;
  *) exit 1 ;;
esac
