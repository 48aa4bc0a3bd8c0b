#!/usr/bin/env bash
# shellcheck disable=SC2317 # cleanup runs from a trap
# Messages per second through one topic, on this machine: the IdentityServer's consumers send to a local gateway
# (webhook provider; the gateway answers 204 at once), so what is measured is the queue itself: read from the
# stream, the topic's distributed quota check, the provider's HTTP POST, and the acknowledgement. Rounds with one
# and with two IdentityServer instances consuming the topic (one consumer group). The topic's quota is set out of
# the way. Writes bench/results/messages.md. Usage: bench/messages.sh [messages-per-round]
set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/lib.sh
source "$REPO_ROOT/scripts/lib.sh"

COUNT=${1:-5000}
PG_PORT=25452
PG_PASSWORD=redisjwt-bench
REDIS_PORT=26399
GATEWAY_PORT=25470
TOPIC=message-topic-default
RESULTS=$REPO_ROOT/bench/results/messages.md

SCRATCH=
PIDS=()
cleanup() {
  local rc=$? pid
  trap - EXIT INT TERM
  for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
  stop_scratch_servers "$SCRATCH" "$REDIS_PORT"
  exit "$rc"
}
install_traps cleanup

ensure_packages
SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/redisjwt-bench.XXXXXX")
chmod 711 "$SCRATCH"
start_scratch_servers "$SCRATCH" "$PG_PORT" "$PG_PASSWORD" "$REDIS_PORT" bench:
ensure_pg_database "$PG_PORT" "$PG_PASSWORD" bench_identity "$PG_IDENTITY_ROLE"

log "building (Release)"
for project in src/IdentityServer bench/MessageThroughput; do
  dotnet build "$REPO_ROOT/$project" -c Release -v quiet -nologo >/dev/null
done

start_identity() { # PORT
  (
    cd "$REPO_ROOT/src/IdentityServer/bin/Release/net10.0"
    exec env ASPNETCORE_ENVIRONMENT=Development ASPNETCORE_URLS="http://127.0.0.1:$1" \
      Logging__LogLevel__Default=Warning Logging__LogLevel__OpenIddict=Warning \
      ConnectionStrings__Redis="$(redis_connection "$REDIS_PORT" identity-server)" Redis__KeyPrefix=bench: \
      ConnectionStrings__IdentityDb="$(pg_role_connection "$PG_PORT" bench_identity "$PG_IDENTITY_ROLE" "$PG_IDENTITY_PASSWORD")" Server__Issuer="http://127.0.0.1:$1/" Server__AllowInsecureHttp=true \
      Credentials__SigningCertificatePath="$SCRATCH/certs/signing.crt" Credentials__SigningKeyPath="$SCRATCH/certs/signing.key" \
      Credentials__EncryptionCertificatePath="$SCRATCH/certs/encryption.crt" Credentials__EncryptionKeyPath="$SCRATCH/certs/encryption.key" \
      Messages__Providers__Email=webhook Messages__Webhook__Url="http://127.0.0.1:$GATEWAY_PORT/send" \
      Messages__DefaultTopic__PerMinute=100000000 \
      dotnet IdentityServer.dll
  ) >"$SCRATCH/identity-$1.log" 2>&1 &
  PIDS+=($!)
  wait_ready "http://127.0.0.1:$1" "$SCRATCH/identity-$1.log" "IdentityServer on :$1"
}

# It enqueues as the dispatcher does, as the IdentityServer's Redis user.
round() {
  dotnet "$REPO_ROOT/bench/MessageThroughput/bin/Release/net10.0/MessageThroughput.dll" \
    "$(redis_connection "$REDIS_PORT" identity-server)" bench: "$TOPIC" "$GATEWAY_PORT" "$COUNT"
}

log "one instance consuming"
start_identity 5831
round >/dev/null # warm-up
ONE=$(round)
echo "$ONE"

log "two instances consuming"
start_identity 5832
round >/dev/null
TWO=$(round)
echo "$TWO"

python3 - "$ONE" "$TWO" "$RESULTS" <<'PY'
import json, sys, datetime, platform, os
one, two = json.loads(sys.argv[1]), json.loads(sys.argv[2])
row = lambda name, r: f"| {name} | {r['count']} | {r['seconds']:.2f} | **{r['perSecond']:.0f}** | {r['duplicates']} |"
lines = [
    "# Messages through one topic",
    "",
    f"Run {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC on {os.cpu_count()} cores ({platform.machine()}), "
    "Redis, PostgreSQL, the IdentityServer(s) and the gateway on the same cores. `bench/messages.sh` wrote this file.",
    "",
    "Each message: read from the topic's stream by its consumer group, one distributed quota check (GCRA script), the",
    "webhook provider's HTTP POST to a local gateway answering 204, the acknowledgement. After a warm-up round.",
    "",
    "| consumers | messages | seconds | messages/s | delivered twice |",
    "|---|---|---|---|---|",
    row("1 instance", one),
    row("2 instances (one group)", two),
    "",
    f"Two instances / one: {two['perSecond'] / one['perSecond']:.2f}.",
]
open(sys.argv[3], "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
