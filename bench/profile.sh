#!/usr/bin/env bash
# shellcheck disable=SC2317 # cleanup runs from a trap
# CPU per request of our IdentityServer's hot paths (issue 22), and optionally a CPU profile of each, with only what
# they need: scratch PostgreSQL and Redis, then one IdentityServer per build, all in Production configuration on
# plain HTTP loopback with bench/run.sh's client settings. Drives the token (client_credentials) and introspection
# scenarios with bench/wrk's scripts, -t2 -c64, after a warm-up, and prints server CPU µs/request from /proc.
#
#   bash bench/profile.sh                       # builds this tree (Release) and measures it
#   PROFILE_BUILDS="base=/tmp/ids-base new=src/IdentityServer/bin/Release/net10.0" bash bench/profile.sh
#                                               # A/B: each build's folder (an IdentityServer.dll), measured in turns
#   PROFILE_TRACE=DIR bash bench/profile.sh     # also dotnet-trace (sampled thread time) of the first build, per scenario
#   PROFILE_PERF=DIR bash bench/profile.sh      # also perf record (CPU samples, call graphs) of the first build, per
#                                               # scenario (DOTNET_PerfMapEnabled=1 names the JIT-compiled frames)
#
# PROFILE_SECONDS (15), PROFILE_WARMUP (15), PROFILE_ROUNDS (3) override the defaults; PROFILE_SCENARIOS (token
# introspection; also refresh, discovery, jwks, jwks-refresh). Ports (PROFILE_PORT_BASE, 25000): PostgreSQL +472, Redis +1419, IdentityServers +861, +862, ...
set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH=$REPO_ROOT/bench
# shellcheck source=scripts/lib.sh
source "$REPO_ROOT/scripts/lib.sh"
# shellcheck source=bench/suite/lib.sh
source "$BENCH/suite/lib.sh"

SECONDS_PER_RUN=${PROFILE_SECONDS:-15}
WARMUP_SECONDS=${PROFILE_WARMUP:-15}
ROUNDS=${PROFILE_ROUNDS:-3}
SCENARIOS=${PROFILE_SCENARIOS:-token introspection}
TRACE_DIR=${PROFILE_TRACE:-}
PERF_DIR=${PROFILE_PERF:-}
PORT_BASE=${PROFILE_PORT_BASE:-25000}
PG_PORT=$((PORT_BASE + 472)) REDIS_PORT=$((PORT_BASE + 1419)) IDS_PORT=$((PORT_BASE + 861))
PG_PASSWORD=redisjwt-profile
CLIENT=bench-client SECRET=bench-client-secret
INTROSPECTOR=board-api INTROSPECTOR_SECRET=bench-board-api-secret
APP=bench-app USER_EMAIL=bench-user@example.com USER_PASSWORD='Bench!Passw0rd-1'
# Each wrk run loses the families in flight when it stops (up to 64): enough for the warm-up, rounds and a trace.
FAMILIES=640
BOARD_RESOURCE=http://127.0.0.1:27811/

SCRATCH=
declare -A PIDS=()
cleanup() {
  local rc=$? name
  trap - EXIT INT TERM
  for name in "${!PIDS[@]}"; do stop_pid "${PIDS[$name]}"; done
  if [[ $rc -ne 0 && -n $SCRATCH ]]; then tail -n 20 "$SCRATCH"/*.log >&2 2>/dev/null || true; fi
  stop_scratch_servers "$SCRATCH" "$REDIS_PORT"
  exit "$rc"
}
install_traps cleanup

ensure_packages wrk
require_node
[[ -z $PERF_DIR ]] || command -v perf >/dev/null || die "perf not found (apt-get install linux-perf)"
[[ -z $TRACE_DIR ]] || command -v dotnet-trace >/dev/null || die "dotnet-trace not on PATH (dotnet tool install -g dotnet-trace)"
SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/redisjwt-profile.XXXXXX")
chmod 711 "$SCRATCH"

if [[ -z ${PROFILE_BUILDS:-} ]]; then
  log "building src/IdentityServer (Release)"
  dotnet build "$REPO_ROOT/src/IdentityServer" -c Release -v quiet -nologo >"$SCRATCH/build.log" 2>&1 \
    || { tail -n 30 "$SCRATCH/build.log" >&2; die "build failed"; }
  PROFILE_BUILDS="this=$REPO_ROOT/src/IdentityServer/bin/Release/net10.0"
fi
declare -a NAMES=()
declare -A DIRS=() PORTS=()
port=$IDS_PORT
for build in $PROFILE_BUILDS; do
  name=${build%%=*} dir=${build#*=}
  [[ $dir == /* ]] || dir=$REPO_ROOT/$dir
  [[ -f $dir/IdentityServer.dll ]] || die "no IdentityServer.dll in $dir"
  NAMES+=("$name") DIRS[$name]=$dir PORTS[$name]=$port
  port=$((port + 1))
done

start_scratch_servers "$SCRATCH" "$PG_PORT" "$PG_PASSWORD" "$REDIS_PORT"
ensure_pg_database "$PG_PORT" "$PG_PASSWORD" profile_identity "$PG_IDENTITY_ROLE"

ISSUER=http://127.0.0.1:$IDS_PORT/
ENV=(ASPNETCORE_ENVIRONMENT=Production Logging__LogLevel__Default=Warning
  ConnectionStrings__IdentityDb="$(pg_role_connection "$PG_PORT" profile_identity "$PG_IDENTITY_ROLE" "$PG_IDENTITY_PASSWORD");Maximum Pool Size=16"
  ConnectionStrings__Redis="$(redis_connection "$REDIS_PORT" identity-server)" Server__Issuer="$ISSUER" Server__AllowInsecureHttp=true
  RateLimits__Policies__token-requests-per-client__PermitLimit=10000000
  RateLimits__Policies__revocations-per-client__PermitLimit=10000000)
bench_identity_env ENV
# The refresh scenario: bench/run.sh's first-party client and user.
bench_app_env ENV openid offline_access posts.read
# W^X off: with it, JIT-compiled code runs from a memfd mapping perf cannot match with the perf map.
[[ -z $PERF_DIR ]] || ENV+=(DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0)

log "migrating (IdentityServer migrate, build ${NAMES[0]})"
(cd "${DIRS[${NAMES[0]}]}" && env "${ENV[@]}" dotnet IdentityServer.dll migrate) >"$SCRATCH/migrate.log" 2>&1 \
  || { tail -n 30 "$SCRATCH/migrate.log" >&2; die "migrate failed"; }
# One at a time: each start applies the seed.
for name in "${NAMES[@]}"; do
  (cd "${DIRS[$name]}" && exec env ASPNETCORE_URLS="http://127.0.0.1:${PORTS[$name]}" "${ENV[@]}" dotnet IdentityServer.dll) \
    >"$SCRATCH/$name.log" 2>&1 &
  PIDS[$name]=$!
  wait_ready "http://127.0.0.1:${PORTS[$name]}" "$SCRATCH/$name.log" "IdentityServer $name"
  log "IdentityServer $name: pid ${PIDS[$name]}, port ${PORTS[$name]}, ${DIRS[$name]}"
done

# scenario_args SCENARIO PORT: the wrk script, URL and environment of a scenario.
scenario_args() {
  case $1 in
    token) echo token.lua "http://127.0.0.1:$2/connect/token" BENCH_BASIC="$(basic "$CLIENT" "$SECRET")" ;;
    introspection) echo introspect.lua "http://127.0.0.1:$2/connect/introspect" \
      BENCH_BASIC="$(basic "$INTROSPECTOR" "$INTROSPECTOR_SECRET")" BENCH_TOKEN="$TOKEN" ;;
    discovery) echo get.lua "http://127.0.0.1:$2/.well-known/openid-configuration" ;;
    jwks) echo get.lua "http://127.0.0.1:$2/.well-known/jwks" ;;
    # A resource server's refresh with the ETag it has: a 304 where the build sends validators.
    jwks-refresh) echo get.lua "http://127.0.0.1:$2/.well-known/jwks" \
      BENCH_IF_NONE_MATCH="$(curl -sfI "http://127.0.0.1:$2/.well-known/jwks" | tr -d '\r' | sed -n 's/^[Ee][Tt][Aa][Gg]: //p')" ;;
    # Rotating refresh (wrk/refresh.lua): each build its own families, the tokens of its last run (see run_wrk).
    refresh) echo refresh.lua "http://127.0.0.1:$2/connect/token" BENCH_CLIENT_ID="$APP" BENCH_THREADS=2 \
      BENCH_TOKENS="$SCRATCH/$2.refresh" BENCH_FINAL_TOKENS="$SCRATCH/$2.refresh.next" ;;
    *) die "unknown scenario $1" ;;
  esac
}
# run_wrk SECONDS JSON_OUT LUA URL [KEY=VALUE...]
run_wrk() {
  env BENCH_WRK_DIR="$BENCH/wrk" BENCH_JSON="$2" "${@:5}" \
    wrk -t2 -c64 -d"$1s" --timeout 2s -s "$BENCH/wrk/$3" "$4" >"$SCRATCH/wrk.out" 2>&1 \
    || { cat "$SCRATCH/wrk.out" >&2; die "wrk failed on $4"; }
  local port=${4#http://127.0.0.1:}
  if [[ $3 == refresh.lua ]]; then mv "$SCRATCH/${port%%/*}.refresh.next" "$SCRATCH/${port%%/*}.refresh"; fi
}
# measure NAME SCENARIO [TRACE_FILE]: one run; prints requests/s, errors, server CPU µs/request, load average.
# A TRACE_FILE ending in .perf.data is recorded with perf, any other with dotnet-trace.
measure() {
  local name=$1 scenario=$2 trace=${3:-} pid=${PIDS[$1]} args t0 t1 load tracer=
  read -ra args <<<"$(scenario_args "$scenario" "${PORTS[$name]}")"
  load=$(cut -d ' ' -f 1-3 /proc/loadavg)
  if [[ $trace == *.perf.data ]]; then
    perf record -F 499 -g -p "$pid" -o "$trace" -- sleep "$SECONDS_PER_RUN" >"$SCRATCH/trace.log" 2>&1 &
    tracer=$!
  elif [[ -n $trace ]]; then
    dotnet-trace collect -p "$pid" --profile dotnet-sampled-thread-time --duration "00:00:00:$SECONDS_PER_RUN" -o "$trace" \
      >"$SCRATCH/trace.log" 2>&1 &
    tracer=$!
    sleep 1
  fi
  t0=$(echo "$pid" | ticks | awk '{ print $2 }')
  run_wrk "$SECONDS_PER_RUN" "$SCRATCH/wrk.json" "${args[@]}"
  t1=$(echo "$pid" | ticks | awk '{ print $2 }')
  [[ -z $tracer ]] || wait "$tracer" || { cat "$SCRATCH/trace.log" >&2; die "dotnet-trace failed"; }
  # shellcheck disable=SC2016 # ${...} is JavaScript
  node -e 'const r = JSON.parse(process.argv[1]); const e = Object.values(r.errors).reduce((a, b) => a + b, 0);
    const [name, scenario, ticks, hz, load, traced] = process.argv.slice(2);
    console.log(`${scenario}\t${name}\t${(r.requests / r.duration_us * 1e6).toFixed(0)} req/s\t${e} errors${e ? " " + JSON.stringify(r.errors) : ""}\t` +
      `${(ticks / hz * 1e6 / r.requests).toFixed(0)} µs CPU/req\tp99 ${(r.latency_us.p99 / 1000).toFixed(2)} ms\tload ${load}${traced}`)' \
    "$(cat "$SCRATCH/wrk.json")" "$name" "$scenario" "$((t1 - t0))" "$(getconf CLK_TCK)" "$load" "${trace:+ (traced)}"
}

for scenario in $SCENARIOS; do
  # A new token per scenario (access tokens live 15 minutes); one issuer for all builds, so each accepts it.
  TOKEN=$(client_token "http://127.0.0.1:${PORTS[${NAMES[0]}]}/connect/token" "$CLIENT" "$SECRET" posts.read)
  for name in "${NAMES[@]}"; do
    if [[ $scenario == refresh ]]; then
      mint_refresh_families "http://127.0.0.1:${PORTS[$name]}/connect/token" "$APP" "$USER_EMAIL" "$USER_PASSWORD" "$FAMILIES" \
        "$SCRATCH/${PORTS[$name]}.refresh"
    fi
    read -ra args <<<"$(scenario_args "$scenario" "${PORTS[$name]}")"
    run_wrk "$WARMUP_SECONDS" /dev/null "${args[@]}"
  done
  for ((round = 1; round <= ROUNDS; round++)); do
    for name in "${NAMES[@]}"; do measure "$name" "$scenario"; done
  done
  if [[ -n $TRACE_DIR ]]; then
    mkdir -p "$TRACE_DIR"
    measure "${NAMES[0]}" "$scenario" "$TRACE_DIR/$scenario.nettrace"
  fi
  if [[ -n $PERF_DIR ]]; then
    mkdir -p "$PERF_DIR"
    measure "${NAMES[0]}" "$scenario" "$PERF_DIR/$scenario.perf.data"
    # The JIT's symbol map dies with the process: resolve the frames now.
    perf script -i "$PERF_DIR/$scenario.perf.data" -F comm,tid,time,ip,sym,dso --no-inline >"$PERF_DIR/$scenario.perf.txt" 2>/dev/null
  fi
done
