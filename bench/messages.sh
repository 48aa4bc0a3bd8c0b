#!/usr/bin/env bash
# shellcheck disable=SC2317 # cleanup runs from a trap
# Messages per second through one topic, on this machine: the IdentityServer's consumers send to a local gateway
# (webhook provider; the gateway answers 204 at once), so what is measured is the queue itself: read from the
# stream, opening the sealed text, the topic's distributed quota check, the provider's HTTP POST, and the
# acknowledgement. Rounds with one and with two IdentityServer instances consuming the topic (one consumer group).
# The topic's quota is set out of the way. Also the IdentityServers' CPU per message and one idle instance's CPU
# over 10 s (nothing queued), and the machine's load. Writes bench/results/messages.md.
# Usage: bench/messages.sh [messages-per-round]
#   IDENTITY_ROOT=/other/checkout  run the IdentityServer built from that tree (for an A/B; the bench program and
#                                  this script stay this tree's); built into .scratch/bench-identity/, not in that tree
#   RESULTS=path                   where the Markdown goes (default bench/results/messages.md)
#   RAW=path                       also append the figures there as one JSON line
set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/lib.sh
source "$REPO_ROOT/scripts/lib.sh"

# shellcheck source=bench/suite/lib.sh
source "$REPO_ROOT/bench/suite/lib.sh"

COUNT=${1:-5000}
PG_PORT=25452
PG_PASSWORD=redisjwt-bench
REDIS_PORT=26399
GATEWAY_PORT=25470
TOPIC=message-topic-default
RESULTS=${RESULTS:-$REPO_ROOT/bench/results/messages.md}
RAW=${RAW:-}
IDENTITY_ROOT=$(cd "${IDENTITY_ROOT:-$REPO_ROOT}" && pwd)
IDLE_SECONDS=10
HZ=$(getconf CLK_TCK)
LOADAVG_BEFORE=$(cut -d ' ' -f 1 /proc/loadavg)

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

# shellcheck disable=SC2119 # no extra packages: the servers, dotnet and python3 only
ensure_packages
SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/redisjwt-bench.XXXXXX")
chmod 711 "$SCRATCH"
start_scratch_servers "$SCRATCH" "$PG_PORT" "$PG_PASSWORD" "$REDIS_PORT" bench:
ensure_pg_database "$PG_PORT" "$PG_PASSWORD" bench_identity "$PG_IDENTITY_ROLE"

log "building (Release): the IdentityServer from $IDENTITY_ROOT, the bench from $REPO_ROOT"
if [[ $IDENTITY_ROOT == "$REPO_ROOT" ]]; then
  dotnet build "$REPO_ROOT/src/IdentityServer" -c Release -v quiet -nologo >/dev/null
  IDENTITY_BIN=$REPO_ROOT/src/IdentityServer/bin/Release/net10.0
else
  # Built outside the other checkout, which stays untouched (its bin/ and obj/ included).
  ARTIFACTS=$REPO_ROOT/.scratch/bench-identity/$(tr -c 'A-Za-z0-9\n' _ <<<"$IDENTITY_ROOT")
  dotnet build "$IDENTITY_ROOT/src/IdentityServer" -c Release -v quiet -nologo --artifacts-path "$ARTIFACTS" >/dev/null
  IDENTITY_BIN=$ARTIFACTS/bin/IdentityServer/release
fi
IDENTITY_COMMIT=$(git -C "$IDENTITY_ROOT" rev-parse --short HEAD)
dotnet build "$REPO_ROOT/bench/MessageThroughput" -c Release -v quiet -nologo >/dev/null

# The IdentityServer's settings; the bench program reads the same ones, to seal texts with the same key ring.
IDENTITY_ENV=(
  ASPNETCORE_ENVIRONMENT=Development
  Logging__LogLevel__Default=Warning Logging__LogLevel__OpenIddict=Warning
  ConnectionStrings__Redis="$(redis_connection "$REDIS_PORT" identity-server)" Redis__KeyPrefix=bench:
  Credentials__SigningCertificatePath="$SCRATCH/certs/signing.crt" Credentials__SigningKeyPath="$SCRATCH/certs/signing.key"
  Credentials__EncryptionCertificatePath="$SCRATCH/certs/encryption.crt" Credentials__EncryptionKeyPath="$SCRATCH/certs/encryption.key"
)

start_identity() { # PORT
  (
    cd "$IDENTITY_BIN"
    exec env "${IDENTITY_ENV[@]}" ASPNETCORE_URLS="http://127.0.0.1:$1" \
      ConnectionStrings__IdentityDb="$(pg_role_connection "$PG_PORT" bench_identity "$PG_IDENTITY_ROLE" "$PG_IDENTITY_PASSWORD")" Server__Issuer="http://127.0.0.1:$1/" Server__AllowInsecureHttp=true \
      Messages__Providers__Email=webhook Messages__Webhook__Url="http://127.0.0.1:$GATEWAY_PORT/send" \
      Messages__DefaultTopic__PerMinute=100000000 \
      dotnet IdentityServer.dll
  ) >"$SCRATCH/identity-$1.log" 2>&1 &
  PIDS+=($!)
  wait_ready "http://127.0.0.1:$1" "$SCRATCH/identity-$1.log" "IdentityServer on :$1"
}

# reaped_ticks PID: children_ticks of the shell PID; round runs in $(...), whose $$ is still the parent's.
reaped_ticks() {
  local stat
  stat=$(cat "/proc/$1/stat")
  awk '{ print $14 + $15 }' <<<"${stat##*) }"
}

# It enqueues as the dispatcher does (sealed text, XADD; emails are not announced), as the IdentityServer's Redis user. Prints
# the program's JSON with CPU ticks added: the IdentityServers', the machine's (busy) and this benchmark's.
round() {
  local figures machine0 child0 machine measurer self=$BASHPID
  printf '%s\n' "${PIDS[@]}" | ticks >"$SCRATCH/ids.0"
  own_pids | ticks >"$SCRATCH/own.0"
  machine0=$(machine_ticks) child0=$(reaped_ticks "$self")
  figures=$(env "${IDENTITY_ENV[@]}" dotnet "$REPO_ROOT/bench/MessageThroughput/bin/Release/net10.0/MessageThroughput.dll" \
    "$TOPIC" "$GATEWAY_PORT" "$COUNT")
  machine=$(($(machine_ticks) - machine0)) measurer=$(($(reaped_ticks "$self") - child0))
  printf '%s\n' "${PIDS[@]}" | ticks >"$SCRATCH/ids.1"
  own_pids | ticks >"$SCRATCH/own.1"
  python3 -c 'import json, sys; f = json.loads(sys.argv[1]); f.update(serverTicks=int(sys.argv[2]), machineTicks=int(sys.argv[3]), ownTicks=int(sys.argv[4])); print(json.dumps(f))' \
    "$figures" "$(cpu_delta "$SCRATCH/ids.0" "$SCRATCH/ids.1")" "$machine" \
    "$(($(cpu_delta "$SCRATCH/own.0" "$SCRATCH/own.1") + measurer))"
}

# The first IdentityServer's CPU ticks over IDLE_SECONDS with nothing queued, the machine's and this benchmark's.
idle() {
  local machine0
  sleep 2 # the last round's acknowledgements
  echo "${PIDS[0]}" | ticks >"$SCRATCH/idle.0"
  own_pids | ticks >"$SCRATCH/own.0"
  machine0=$(machine_ticks)
  sleep "$IDLE_SECONDS"
  echo "${PIDS[0]}" | ticks >"$SCRATCH/idle.1"
  own_pids | ticks >"$SCRATCH/own.1"
  printf '{"serverTicks": %d, "machineTicks": %d, "ownTicks": %d}\n' "$(cpu_delta "$SCRATCH/idle.0" "$SCRATCH/idle.1")" \
    "$(($(machine_ticks) - machine0))" "$(cpu_delta "$SCRATCH/own.0" "$SCRATCH/own.1")"
}

log "one instance consuming"
start_identity 5831
round >/dev/null # warm-up
ONE=$(round)
echo "$ONE"
log "one instance idle for $IDLE_SECONDS s"
IDLE=$(idle)
echo "$IDLE"

log "two instances consuming"
start_identity 5832
round >/dev/null
TWO=$(round)
echo "$TWO"
LOADAVG_AFTER=$(cut -d ' ' -f 1 /proc/loadavg)

python3 - "$ONE" "$TWO" "$IDLE" "$RESULTS" "$RAW" "$HZ" "$IDLE_SECONDS" "$LOADAVG_BEFORE" "$LOADAVG_AFTER" \
  "$IDENTITY_ROOT" "$IDENTITY_COMMIT" <<'PY'
import json, sys, datetime, platform, os
one, two, idle = (json.loads(arg) for arg in sys.argv[1:4])
results, raw, hz, idle_seconds, load_before, load_after, root, commit = sys.argv[4:12]
hz, idle_seconds, cores = int(hz), int(idle_seconds), os.cpu_count()
others = lambda r: max(0, r["machineTicks"] - r["ownTicks"]) / max(1, r["machineTicks"])
ms_per_message = lambda r: r["serverTicks"] * 1000 / hz / r["count"]
busiest = max(others(one), others(two), others(idle))
busy = busiest > 0.10
row = lambda name, r: (f"| {name} | {r['count']} | {r['seconds']:.2f} | **{r['perSecond']:.0f}** | "
                       f"{ms_per_message(r):.3f} | {others(r):.0%} | {r['duplicates']} |")
idle_share = idle["serverTicks"] / hz / idle_seconds
lines = [
    "# Messages through one topic",
    "",
    f"Run {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC on {cores} cores ({platform.machine()}), "
    "Redis, PostgreSQL, the IdentityServer(s) and the gateway on the same cores. `bench/messages.sh` wrote this file;"
    f" the IdentityServer was built from `{root}` at {commit}."
    + (" **Taken on a busy machine**: the figures are slower than on an idle one." if busy else ""),
    "",
    "Each message: queued as the dispatcher queues it (text sealed with the server's Data Protection key ring, then",
    "XADD; the sealing is done before the clock starts), then read from the topic's",
    "stream by its consumer group, its text opened, one distributed quota check (GCRA script), the webhook provider's",
    "HTTP POST to a local gateway answering 204, the acknowledgement. After a warm-up round.",
    "",
    "| consumers | messages | seconds | messages/s | IdentityServer CPU ms / message | others' share of the busy CPU | delivered twice |",
    "|---|---|---|---|---|---|---|",
    row("1 instance", one),
    row("2 instances (one group)", two),
    "",
    f"Two instances / one: {two['perSecond'] / one['perSecond']:.2f}. One IdentityServer idle (nothing queued) for "
    f"{idle_seconds} s: {idle_share:.1%} of a core. Load average (1 min) {load_before} before, {load_after} after;"
    f" other processes used up to {busiest:.0%} of the CPU time the machine spent during a measurement.",
]
open(results, "w").write("\n".join(lines) + "\n")
print("\n".join(lines), file=sys.stderr)
if raw:
    open(raw, "a").write(json.dumps(dict(root=root, commit=commit, one=one, two=two, idle=idle, hz=hz,
        idleSeconds=idle_seconds, loadBefore=float(load_before), loadAfter=float(load_after), busy=busy)) + "\n")
PY
