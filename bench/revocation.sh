#!/usr/bin/env bash
# shellcheck disable=SC2317 # cleanup runs from a trap
# What revocation costs and how fast it travels, on this machine:
#  1. BoardApi GET /posts/{id} with the revocation check on vs off, same run, alternating wrk rounds:
#     requests/s and p99 per round, medians, and the on/off ratio (target: within 10%).
#  2. Propagation: 1,000 revocations at IdentityServer B of tokens issued by IdentityServer A, each
#     until both BoardApi processes reject it: p50/p99 (target: p99 under 100 ms).
# Ports below the ephemeral range (32768+), so no outgoing connection holds them.
# Writes bench/results/revocation.md. Usage: bench/revocation.sh [seconds-per-round] [revocations]
set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/lib.sh
source "$REPO_ROOT/scripts/lib.sh"

ROUND_SECONDS=${1:-10}
REVOCATIONS=${2:-1000}
ROUNDS=3
PG_PORT=25432
PG_PASSWORD=redisjwt-bench
REDIS_PORT=26379
CLIENT=bench-client
SECRET=bench-client-secret
RESULTS=$REPO_ROOT/bench/results/revocation.md

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

ensure_packages wrk
SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/redisjwt-bench.XXXXXX")
chmod 711 "$SCRATCH"
start_scratch_servers "$SCRATCH" "$PG_PORT" "$PG_PASSWORD" "$REDIS_PORT"
ensure_pg_database "$PG_PORT" "$PG_PASSWORD" bench_identity "$PG_IDENTITY_ROLE"
ensure_pg_database "$PG_PORT" "$PG_PASSWORD" bench_board "$PG_BOARD_ROLE"

log "building (Release)"
for project in src/IdentityServer src/BoardApi bench/RevocationLatency; do
  dotnet build "$REPO_ROOT/$project" -c Release -v quiet -nologo >/dev/null
done

ISSUER=http://127.0.0.1:5801/

# Development: migrations and seeding at start; logging turned down to what production would log.
start_service() { # PROJECT PORT [KEY=VALUE...]
  local project=$1 port=$2
  shift 2
  (
    cd "$REPO_ROOT/src/$project/bin/Release/net10.0"
    exec env ASPNETCORE_ENVIRONMENT=Development ASPNETCORE_URLS="http://127.0.0.1:$port" \
      Logging__LogLevel__Default=Warning Logging__LogLevel__OpenIddict=Warning "$@" dotnet "$project.dll"
  ) >"$SCRATCH/$project-$port.log" 2>&1 &
  PIDS+=($!)
  wait_ready "http://127.0.0.1:$port" "$SCRATCH/$project-$port.log" "$project on :$port"
}

IDS_ENV=(
  ConnectionStrings__IdentityDb="$(pg_role_connection "$PG_PORT" bench_identity "$PG_IDENTITY_ROLE" "$PG_IDENTITY_PASSWORD")"
  ConnectionStrings__Redis="$(redis_connection "$REDIS_PORT" identity-server)" Server__Issuer="$ISSUER" Server__AllowInsecureHttp=true
  Credentials__SigningCertificatePath="$SCRATCH/certs/signing.crt" Credentials__SigningKeyPath="$SCRATCH/certs/signing.key"
  Credentials__EncryptionCertificatePath="$SCRATCH/certs/encryption.crt" Credentials__EncryptionKeyPath="$SCRATCH/certs/encryption.key"
  "Seed__Clients__${CLIENT}__Type=confidential" "Seed__Clients__${CLIENT}__Secret=$SECRET"
  "Seed__Clients__${CLIENT}__GrantTypes__0=client_credentials"
  "Seed__Clients__${CLIENT}__Scopes__0=posts.read" "Seed__Clients__${CLIENT}__Scopes__1=posts.write"
  # 1,000 revocations in a few seconds, by one client.
  RateLimits__Policies__revocations-per-client__PermitLimit=10000000
)
# One token reads as fast as it can: the per-caller read limit is not what is measured here.
# Development logs an access line per request and Benchmark (the check-off instance) does not: the same for all three.
BOARD_ENV=(Logging__LogLevel__RedisJwt.Access=Warning
  ConnectionStrings__BoardDb="$(pg_role_connection "$PG_PORT" bench_board "$PG_BOARD_ROLE" "$PG_BOARD_PASSWORD")"
  ConnectionStrings__Redis="$(redis_connection "$REDIS_PORT" board-api)" Auth__Issuer="$ISSUER" Auth__AllowInsecureHttp=true
  Auth__Audience=http://127.0.0.1:5002/ # the IdentityServer's Development resource for BoardApi (the Benchmark instance has no default)
  RateLimits__Policies__board-reads__PermitLimit=10000000)

log "starting 2 IdentityServer and 3 BoardApi processes"
start_service IdentityServer 5801 "${IDS_ENV[@]}"
start_service IdentityServer 5802 "${IDS_ENV[@]}"
start_service BoardApi 5811 "${BOARD_ENV[@]}"
start_service BoardApi 5812 "${BOARD_ENV[@]}"
# The check can be switched off only in the environment named Benchmark (RevocationOptions); 5811 migrated already.
start_service BoardApi 5813 "${BOARD_ENV[@]}" ASPNETCORE_ENVIRONMENT=Benchmark Revocation__CheckEnabled=false

TOKEN=$(curl -sf -u "$CLIENT:$SECRET" -d grant_type=client_credentials -d "scope=posts.read posts.write" \
  "${ISSUER}connect/token" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
POST_ID=$(curl -sf -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
  -d '{"title":"Benchmark","content":"A post to read."}' http://127.0.0.1:5811/posts \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')

# One wrk round: "requests/s p50_ms p99_ms errors" on stdout.
wrk_round() { # PORT SECONDS
  wrk -t2 -c32 -d"$2s" --latency -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$1/posts/$POST_ID" | awk '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    /Requests\/sec/ { rps = $2 }
    $1 == "50%" { p50 = ms($2) }
    $1 == "99%" { p99 = ms($2) }
    /Non-2xx or 3xx/ { errors += $NF }
    /Socket errors/ { errors += 1 }
    END { printf "%s %.2f %.2f %d\n", rps, p50, p99, errors }'
}

log "warming up"
wrk_round 5811 10 >/dev/null
wrk_round 5813 10 >/dev/null

log "check on (:5811) vs off (:5813), $ROUNDS alternating rounds of ${ROUND_SECONDS}s"
: >"$SCRATCH/on" && : >"$SCRATCH/off"
for ((round = 1; round <= ROUNDS; round++)); do
  wrk_round 5811 "$ROUND_SECONDS" | tee -a "$SCRATCH/on"
  wrk_round 5813 "$ROUND_SECONDS" | tee -a "$SCRATCH/off"
done

log "propagation over $REVOCATIONS revocations"
PROPAGATION=$(dotnet "$REPO_ROOT/bench/RevocationLatency/bin/Release/net10.0/RevocationLatency.dll" \
  http://127.0.0.1:5801/ http://127.0.0.1:5802/ http://127.0.0.1:5811/,http://127.0.0.1:5812/ \
  "$CLIENT" "$SECRET" "$REVOCATIONS")
echo "$PROPAGATION"

python3 - "$SCRATCH/on" "$SCRATCH/off" "$PROPAGATION" "$RESULTS" "$ROUND_SECONDS" <<'PY'
import json, statistics, sys, datetime, platform, os
on = [list(map(float, l.split())) for l in open(sys.argv[1]) if l.strip()]
off = [list(map(float, l.split())) for l in open(sys.argv[2]) if l.strip()]
prop = json.loads(sys.argv[3])
med = lambda rows, i: statistics.median(r[i] for r in rows)
ratio = med(on, 0) / med(off, 0)
errors = sum(r[3] for r in on + off)
lines = [
    "# Revocation: cost of the check and propagation",
    "",
    f"Run {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC on {os.cpu_count()} cores ({platform.machine()}), "
    f"load generator on the same cores. `bench/revocation.sh` wrote this file.",
    "",
    f"## BoardApi `GET /posts/{{id}}` with a valid token (wrk -t2 -c32, {len(on)} alternating rounds of {sys.argv[5]} s)",
    "",
    "| revocation check | requests/s per round | median requests/s | median p50 (ms) | median p99 (ms) |",
    "|---|---|---|---|---|",
    f"| on | {', '.join(f'{r[0]:.0f}' for r in on)} | {med(on, 0):.0f} | {med(on, 1):.2f} | {med(on, 2):.2f} |",
    f"| off | {', '.join(f'{r[0]:.0f}' for r in off)} | {med(off, 0):.0f} | {med(off, 1):.2f} | {med(off, 2):.2f} |",
    "",
    f"**on/off = {ratio:.3f}** (target at least 0.90). Failed requests: {errors:.0f}.",
    "",
    f"## Propagation ({prop['revocations']} revocations at IdentityServer B of tokens from IdentityServer A, until both BoardApi processes reject)",
    "",
    "| | p50 (ms) | p99 (ms) | max (ms) |",
    "|---|---|---|---|",
    f"| revocation answered → rejected by both | {prop['propagation_ms']['p50']} | {prop['propagation_ms']['p99']} | {prop['propagation_ms']['max']} |",
    f"| the revocation request itself | {prop['revocation_endpoint_ms']['p50']} | {prop['revocation_endpoint_ms']['p99']} | {prop['revocation_endpoint_ms']['max']} |",
    "",
    "Target: propagation p99 under 100 ms.",
]
open(sys.argv[4], "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
