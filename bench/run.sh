#!/usr/bin/env bash
# shellcheck disable=SC2317 # cleanup runs from a trap
# The benchmark suite (issue 8), one command: bash bench/run.sh
# Starts fresh PostgreSQL and Redis, our IdentityServer and BoardApi in Production configuration (plain HTTP on
# loopback), node oidc-provider 9 configured alike and the framework floors, a bare OpenIddict server in degraded mode
# (bench/BareOpenIddict, scenarios 1, 2, 5 and 6) and a bare JwtBearer API (bench/BareBoardApi, scenario 3), drives
# each scenario with wrk (warm-up, then a measured run),
# and writes bench/results/latest.md, the chart bench/results/latency.svg and the raw figures
# bench/results/raw/latest.jsonl. Stops everything it started, also on Ctrl-C or failure. Exits non-zero when any
# request failed. BENCH_SECONDS (10), BENCH_WARMUP (15), BENCH_ROUNDS (3) and BENCH_REVOCATIONS (1000) override the
# defaults. Ports are below the ephemeral range (32768+) and apart from bench/revocation.sh's.
set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH=$REPO_ROOT/bench
# shellcheck source=scripts/lib.sh
source "$REPO_ROOT/scripts/lib.sh"
# shellcheck source=bench/suite/lib.sh
source "$BENCH/suite/lib.sh"

SECONDS_PER_RUN=${BENCH_SECONDS:-10}
# 15 s: .NET tiers its hot methods up in the background; after 5 s a good part still ran unoptimized.
WARMUP_SECONDS=${BENCH_WARMUP:-15}
ROUNDS=${BENCH_ROUNDS:-3}
REVOCATIONS=${BENCH_REVOCATIONS:-1000}
CONNECTIONS=64
POOL_SIZE=16
# BENCH_PORT_BASE (27000) moves every port, so that two checkouts can try the suite at once (measure one at a time).
PORT_BASE=${BENCH_PORT_BASE:-27000}
PG_PORT=$((PORT_BASE + 432))
PG_PASSWORD=redisjwt-bench
REDIS_PORT=$((PORT_BASE + 379))
IDS_A=$((PORT_BASE + 801)) IDS_B=$((PORT_BASE + 802)) IDS_ALG=$((PORT_BASE + 803))
BOARD_ON=$((PORT_BASE + 811)) BOARD_ON2=$((PORT_BASE + 812)) BOARD_OFF=$((PORT_BASE + 813)) BOARD_BARE=$((PORT_BASE + 814))
PEER=$((PORT_BASE + 901)) BARE=$((PORT_BASE + 902))
CLIENT=bench-client SECRET=bench-client-secret
# The refresh scenario: a first-party public client (password grant to start each family, then refresh_token), one
# user, FAMILIES refresh-token families (4 per wrk connection: the in-flight ones are lost when wrk stops, see
# wrk/refresh.lua), so after warm-up and the measured run each connection still has more than one of its own.
APP=bench-app USER_EMAIL=bench-user@example.com USER_PASSWORD='Bench!Passw0rd-1' FAMILIES=256
INTROSPECTOR=board-api INTROSPECTOR_SECRET=bench-board-api-secret
# BoardApi's resource identifier (RFC 8707): the aud of the tokens, its Auth:Audience (any of its instances' URLs will do).
BOARD_RESOURCE=http://127.0.0.1:$BOARD_ON/
STARTED=$(date +%s)
# The 1-minute load average before anything starts: a busy machine makes every figure slower.
LOADAVG=$(cut -d ' ' -f 1 /proc/loadavg)
LOGS_ON_FAILURE=${TMPDIR:-/tmp}/redisjwt-bench-suite-logs

SCRATCH=
declare -A PIDS=()
install_traps stop_bench

ensure_packages wrk
require_node
SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/redisjwt-bench-suite.XXXXXX")
chmod 711 "$SCRATCH"
RUNS=$SCRATCH/runs.jsonl
: >"$RUNS"
start_scratch_servers "$SCRATCH" "$PG_PORT" "$PG_PASSWORD" "$REDIS_PORT"
ensure_pg_database "$PG_PORT" "$PG_PASSWORD" bench_identity "$PG_IDENTITY_ROLE"
ensure_pg_database "$PG_PORT" "$PG_PASSWORD" bench_board "$PG_BOARD_ROLE"

log "building (Release) and installing oidc-provider (npm ci)"
for project in src/IdentityServer src/BoardApi bench/RevocationLatency bench/BareOpenIddict bench/BareBoardApi; do
  dotnet build "$REPO_ROOT/$project" -c Release -v quiet -nologo >"$SCRATCH/build.log" 2>&1 \
    || { tail -n 30 "$SCRATCH/build.log" >&2; die "build of $project failed"; }
done
(cd "$BENCH/oidc-provider" && npm ci --no-audit --no-fund --silent) || die "npm ci in bench/oidc-provider failed"

# Npgsql pools up to 100 connections per process, PostgreSQL admits 100 in all (97 to roles other than superusers): six
# processes under 64 concurrent requests would exhaust it ("too many clients") and fail requests, so each process gets
# at most 16 (96 in all).
db() { echo "$(pg_role_connection "$PG_PORT" "$@");Maximum Pool Size=$POOL_SIZE"; } # DATABASE ROLE PASSWORD
ISSUER=http://127.0.0.1:$IDS_A/
# Production, as docker-compose.yml configures it; AllowInsecureHttp only because this is plain HTTP on loopback.
COMMON_ENV=(ASPNETCORE_ENVIRONMENT=Production Logging__LogLevel__Default=Warning)
IDS_ENV=(
  ConnectionStrings__IdentityDb="$(db bench_identity "$PG_IDENTITY_ROLE" "$PG_IDENTITY_PASSWORD")"
  ConnectionStrings__Redis="$(redis_connection "$REDIS_PORT" identity-server)" Server__Issuer="$ISSUER" Server__AllowInsecureHttp=true
  # One client asks as fast as it can: the per-client limits stay on (a Redis call per request) but never refuse; the
  # propagation scenario revokes 1,000 tokens in a few seconds.
  RateLimits__Policies__token-requests-per-client__PermitLimit=10000000
  RateLimits__Policies__revocations-per-client__PermitLimit=10000000
)
bench_identity_env IDS_ENV
bench_app_env IDS_ENV openid offline_access posts.read
BOARD_DB=$(db bench_board "$PG_BOARD_ROLE" "$PG_BOARD_PASSWORD")
BOARD_ENV=(ConnectionStrings__BoardDb="$BOARD_DB"
  ConnectionStrings__Redis="$(redis_connection "$REDIS_PORT" board-api)" Auth__Issuer="$ISSUER" Auth__AllowInsecureHttp=true
  Auth__Audience="$BOARD_RESOURCE" RateLimits__Policies__board-reads__PermitLimit=10000000)

# start_peer ALG: oidc-provider signing access tokens with ALG, with the IdentityServer's key files.
start_peer() {
  (
    cd "$BENCH/oidc-provider"
    exec env NODE_ENV=production PORT="$PEER" SIGNING_ALG="$1" RSA_KEY="$SCRATCH/certs/signing.key" \
      EC_KEY="$SCRATCH/certs/signing-ec.key" CLIENT_ID="$CLIENT" CLIENT_SECRET="$SECRET" \
      INTROSPECTOR_ID="$INTROSPECTOR" INTROSPECTOR_SECRET="$INTROSPECTOR_SECRET" APP_ID="$APP" \
      REFRESH_TOKENS="$SCRATCH/peer-$1.refresh" REFRESH_FAMILIES="$FAMILIES" node server.mjs
  ) >"$SCRATCH/oidc-provider-$1.log" 2>&1 &
  PIDS[oidc-provider-$1]=$!
  try_ready "http://127.0.0.1:$PEER/.well-known/openid-configuration" "${PIDS[oidc-provider-$1]}" \
    || { tail -n 30 "$SCRATCH/oidc-provider-$1.log" >&2; die "oidc-provider ($1) did not start"; }
}

# start_bare ALG: the framework floor, a bare OpenIddict server in degraded mode signing with ALG, with the
# IdentityServer's key files, clients and BoardApi's resource as the audience.
start_bare() {
  local cert=$SCRATCH/certs/signing.crt key=$SCRATCH/certs/signing.key
  if [[ $1 == ES256 ]]; then cert=$SCRATCH/certs/signing-ec.crt key=$SCRATCH/certs/signing-ec.key; fi
  (
    cd "$BENCH/BareOpenIddict/bin/Release/net10.0"
    exec env ASPNETCORE_URLS="http://127.0.0.1:$BARE" "${COMMON_ENV[@]}" Bare__Issuer="http://127.0.0.1:$BARE/" \
      Bare__Audience="$BOARD_RESOURCE" Bare__SigningAlgorithm="$1" Bare__SigningCertificatePath="$cert" Bare__SigningKeyPath="$key" \
      Bare__EncryptionCertificatePath="$SCRATCH/certs/encryption.crt" Bare__EncryptionKeyPath="$SCRATCH/certs/encryption.key" \
      Bare__ClientId="$CLIENT" Bare__ClientSecret="$SECRET" Bare__IntrospectorId="$INTROSPECTOR" \
      Bare__IntrospectorSecret="$INTROSPECTOR_SECRET" dotnet BareOpenIddict.dll
  ) >"$SCRATCH/bare-openiddict-$1.log" 2>&1 &
  PIDS[bare-openiddict-$1]=$!
  try_ready "http://127.0.0.1:$BARE/.well-known/openid-configuration" "${PIDS[bare-openiddict-$1]}" \
    || { tail -n 30 "$SCRATCH/bare-openiddict-$1.log" >&2; die "the bare OpenIddict server ($1) did not start"; }
}

# stop_service NAME: records its peak RSS (VmHWM, kB), then stops it.
stop_service() {
  printf '{"type":"memory","process":"%s","vm_hwm_kb":%s}\n' "$1" "$(vm_hwm "${PIDS[$1]}")" >>"$RUNS"
  stop_pid "${PIDS[$1]}"
  unset "PIDS[$1]"
}

# run_wrk LUA URL SECONDS JSON_OUT [KEY=VALUE...]: the scenario's Lua script reads its inputs from the environment.
# A request unanswered after 2 s (wrk's default, written out) counts as an error (timeout).
run_wrk() {
  env BENCH_WRK_DIR="$BENCH/wrk" BENCH_JSON="$4" "${@:5}" \
    wrk -t2 -c"$CONNECTIONS" -d"$3s" --timeout 2s -s "$BENCH/wrk/$1" "$2" >"$SCRATCH/wrk.out" 2>&1 \
    || { cat "$SCRATCH/wrk.out" >&2; die "wrk failed on $2"; }
}

# measure SCENARIO SERVER ROUND PROCESS LUA URL [KEY=VALUE...]: one measured run, appended to RUNS as JSON with the
# CPU ticks spent meanwhile by the server process, by PostgreSQL + Redis, by wrk, and by the whole machine (so that the
# report can tell how much went to processes outside the benchmark).
measure() {
  local scenario=$1 server=$2 round=$3 process=$4 lua=$5 url=$6 machine0 wrk0
  shift 6
  echo "${PIDS[$process]}" | ticks >"$SCRATCH/server.0"
  store_pids | ticks >"$SCRATCH/store.0"
  machine0=$(machine_ticks) wrk0=$(children_ticks)
  run_wrk "$lua" "$url" "$SECONDS_PER_RUN" "$SCRATCH/wrk.json" "$@"
  printf '{"type":"load","scenario":"%s","server":"%s","round":%s,"process":"%s","machine_cpu_ticks":%s,"wrk_cpu_ticks":%s,' \
    "$scenario" "$server" "$round" "$process" "$(($(machine_ticks) - machine0))" "$(($(children_ticks) - wrk0))" >>"$RUNS"
  echo "${PIDS[$process]}" | ticks >"$SCRATCH/server.1"
  store_pids | ticks >"$SCRATCH/store.1"
  printf '"server_cpu_ticks":%s,"store_cpu_ticks":%s,"wrk":%s}\n' "$(cpu_delta "$SCRATCH/server.0" "$SCRATCH/server.1")" \
    "$(cpu_delta "$SCRATCH/store.0" "$SCRATCH/store.1")" "$(cat "$SCRATCH/wrk.json")" >>"$RUNS"
  # shellcheck disable=SC2016 # ${...} is JavaScript here
  node -e 'const r = JSON.parse(process.argv[1]); const e = Object.values(r.errors).reduce((a, b) => a + b, 0);
    console.error(`    ${process.argv[2]}: ${(r.requests / r.duration_us * 1e6).toFixed(0)} requests/s, p99 ${(r.latency_us.p99 / 1000).toFixed(2)} ms, ${e} errors`)' \
    "$(cat "$SCRATCH/wrk.json")" "$scenario $server"
}

# load SCENARIO SERVER PROCESS LUA URL [KEY=VALUE...]: warm-up (not recorded), then one measured run.
load() {
  run_wrk "$4" "$5" "$WARMUP_SECONDS" /dev/null "${@:6}"
  measure "$1" "$2" 0 "$3" "$4" "$5" "${@:6}"
}

skip() { # SCENARIO REASON
  log "skipped $1: $2"
  printf '{"type":"skip","scenario":"%s","reason":%s}\n' "$1" "$(node -e 'console.log(JSON.stringify(process.argv[1]))' "$2")" >>"$RUNS"
}


# record_headers SCENARIO SERVER URL [CURL_ARG...]: the status and caching headers of one answer to URL, for the report.
record_headers() {
  local headers
  headers=$(curl -s -D - -o /dev/null "${@:4}" "$3" | tr -d '\r') || die "no answer from $3"
  # shellcheck disable=SC2016 # ${...} is JavaScript here
  node -e 'const [scenario, server, text] = process.argv.slice(1); const lines = text.split("\n");
    const header = (name) => lines.find((l) => l.toLowerCase().startsWith(`${name}:`))?.slice(name.length + 1).trim() ?? null;
    console.log(JSON.stringify({ type: "headers", scenario, server, status: Number(lines[0].split(" ")[1]),
      etag: header("etag"), cache_control: header("cache-control"), last_modified: header("last-modified") }))' \
    "$1" "$2" "$headers" >>"$RUNS"
}

log "migrating (IdentityServer migrate, BoardApi migrate)"
migrate IdentityServer "${IDS_ENV[@]}"
migrate BoardApi "${BOARD_ENV[@]}"

log "starting 2 IdentityServer, 3 BoardApi, the bare JwtBearer API, oidc-provider and the bare OpenIddict server"
# One at a time: each start applies the seed, and two seeding at once could collide on the same rows.
start_dotnet identityserver-a IdentityServer "$IDS_A" "${IDS_ENV[@]}"
wait_ready "http://127.0.0.1:$IDS_A" "$SCRATCH/identityserver-a.log" "IdentityServer A"
start_dotnet identityserver-b IdentityServer "$IDS_B" "${IDS_ENV[@]}"
start_dotnet boardapi-on BoardApi "$BOARD_ON" "${BOARD_ENV[@]}"
start_dotnet boardapi-on-2 BoardApi "$BOARD_ON2" "${BOARD_ENV[@]}"
# The check can be switched off only in the environment named Benchmark (RevocationOptions).
start_dotnet boardapi-off BoardApi "$BOARD_OFF" "${BOARD_ENV[@]}" ASPNETCORE_ENVIRONMENT=Benchmark Revocation__CheckEnabled=false
# The resource server's floor (scenario 3): BoardApi's database, issuer and audience; no Redis.
start_dotnet boardapi-bare bench/BareBoardApi "$BOARD_BARE" ConnectionStrings__BoardDb="$BOARD_DB" Auth__Issuer="$ISSUER" Auth__Audience="$BOARD_RESOURCE"
wait_ready "http://127.0.0.1:$IDS_B" "$SCRATCH/identityserver-b.log" "IdentityServer B"
for name in boardapi-on:$BOARD_ON boardapi-on-2:$BOARD_ON2 boardapi-off:$BOARD_OFF boardapi-bare:$BOARD_BARE; do
  wait_ready "http://127.0.0.1:${name#*:}" "$SCRATCH/${name%%:*}.log" "${name%%:*}"
done
start_peer RS256
start_bare RS256

log "1. token endpoint, client_credentials, RS256"
load token-RS256 ours identityserver-a token.lua "http://127.0.0.1:$IDS_A/connect/token" BENCH_BASIC="$(basic "$CLIENT" "$SECRET")"
load token-RS256 peer oidc-provider-RS256 token.lua "http://127.0.0.1:$PEER/token" BENCH_BASIC="$(basic "$CLIENT" "$SECRET")"
load token-RS256 bare bare-openiddict-RS256 token.lua "http://127.0.0.1:$BARE/connect/token" BENCH_BASIC="$(basic "$CLIENT" "$SECRET")"

log "2. introspection"
OURS_TOKEN=$(client_token "${ISSUER}connect/token" "$CLIENT" "$SECRET" posts.read)
# oidc-provider introspects only opaque tokens (it refuses JWTs): the same API's opaque token.
PEER_TOKEN=$(client_token "http://127.0.0.1:$PEER/token" "$CLIENT" "$SECRET" posts.read resource=urn:redisjwt:board-api:opaque)
# The bare OpenIddict server introspects the JWT it issued, as ours does.
BARE_TOKEN=$(client_token "http://127.0.0.1:$BARE/connect/token" "$CLIENT" "$SECRET" posts.read)
# Both JWTs should differ in their signatures, iss, kid of the key and times only.
log "    ours: $(jwt_shape "$OURS_TOKEN")"
log "    bare OpenIddict: $(jwt_shape "$BARE_TOKEN")"
load introspection ours identityserver-a introspect.lua "http://127.0.0.1:$IDS_A/connect/introspect" \
  BENCH_BASIC="$(basic "$INTROSPECTOR" "$INTROSPECTOR_SECRET")" BENCH_TOKEN="$OURS_TOKEN"
load introspection peer oidc-provider-RS256 introspect.lua "http://127.0.0.1:$PEER/token/introspection" \
  BENCH_BASIC="$(basic "$INTROSPECTOR" "$INTROSPECTOR_SECRET")" BENCH_TOKEN="$PEER_TOKEN"
load introspection bare bare-openiddict-RS256 introspect.lua "http://127.0.0.1:$BARE/connect/introspect" \
  BENCH_BASIC="$(basic "$INTROSPECTOR" "$INTROSPECTOR_SECRET")" BENCH_TOKEN="$BARE_TOKEN"

log "2b. refresh_token grant, rotating, $FAMILIES families of one user"
# refresh_load SERVER PROCESS URL TOKENS: warm-up, then the measured run, each starting with the families the last
# left; then checks that no rotation was lost: every family wrk still holds refreshes once more with its token.
refresh_load() {
  local server=$1 process=$2 url=$3 tokens=$4 live
  local wrk_env=(BENCH_CLIENT_ID="$APP" BENCH_THREADS=2)
  run_wrk refresh.lua "$url" "$WARMUP_SECONDS" "$tokens.warmup.json" "${wrk_env[@]}" BENCH_TOKENS="$tokens" BENCH_FINAL_TOKENS="$tokens.1"
  measure refresh "$server" 0 "$process" refresh.lua "$url" "${wrk_env[@]}" BENCH_TOKENS="$tokens.1" BENCH_FINAL_TOKENS="$tokens.2"
  live=$(while read -r token; do
    curl -s -o /dev/null -w '%{http_code}\n' -d grant_type=refresh_token -d client_id="$APP" -d "refresh_token=$token" "$url"
  done <"$tokens.2" | grep -c '^200$' || true)
  # The warm-up's failures too: each loses a family (wrk holds the families of both runs).
  printf '{"type":"rotation","server":"%s","families":%s,"held":%s,"refreshed":%s,"connections":%s,"warmup":%s}\n' \
    "$server" "$FAMILIES" "$(wc -l <"$tokens.2")" "$live" "$CONNECTIONS" "$(cat "$tokens.warmup.json")" >>"$RUNS"
  log "    $server: $live of the $(wc -l <"$tokens.2") families wrk still held refreshed once more"
}
mint_refresh_families "http://127.0.0.1:$IDS_A/connect/token" "$APP" "$USER_EMAIL" "$USER_PASSWORD" "$FAMILIES" "$SCRATCH/ours.refresh"
refresh_load ours identityserver-a "http://127.0.0.1:$IDS_A/connect/token" "$SCRATCH/ours.refresh"
# Server side, ours: every family (authorization) has exactly one live refresh token, the one last issued. The
# families counted too, so that a query matching nothing (OpenIddict 7 names the type by its URN) cannot pass.
IFS='|' read -r STORED_FAMILIES FAMILIES_NOT_ONE_LIVE < <(PGPASSWORD=$PG_PASSWORD "$(pg_bin)/psql" -X -qAt -h 127.0.0.1 \
  -p "$PG_PORT" -U postgres -d bench_identity -c \
  "SELECT count(*), count(*) FILTER (WHERE live <> 1) FROM (SELECT count(*) FILTER (WHERE t.\"Status\" = 'valid') AS live
     FROM \"OpenIddictTokens\" t JOIN \"OpenIddictApplications\" a ON a.\"Id\" = t.\"ApplicationId\"
     WHERE a.\"ClientId\" = '$APP' AND t.\"Type\" = 'urn:ietf:params:oauth:token-type:refresh_token'
     GROUP BY t.\"AuthorizationId\") f")
printf '{"type":"rotation-store","server":"ours","families":%s,"families_without_one_live_token":%s}\n' \
  "$STORED_FAMILIES" "$FAMILIES_NOT_ONE_LIVE" >>"$RUNS"
log "    ours: $FAMILIES_NOT_ONE_LIVE of the $STORED_FAMILIES families in PostgreSQL without exactly one live refresh token"
refresh_load peer oidc-provider-RS256 "http://127.0.0.1:$PEER/token" "$SCRATCH/peer-RS256.refresh"

# Numbered 6, so that the scenarios before it keep their numbers; run here, while both peers are up. Each server's
# JWKS is its discovery's jwks_uri (oidc-provider: /jwks).
log "6. discovery and JWKS, and a JWKS refresh with the ETag (If-None-Match)"
for server in ours:identityserver-a:$IDS_A bare:bare-openiddict-RS256:$BARE peer:oidc-provider-RS256:$PEER; do
  IFS=: read -r name process port <<<"$server"
  discovery=http://127.0.0.1:$port/.well-known/openid-configuration
  jwks=$(curl -sf "$discovery" | json_field jwks_uri)
  record_headers discovery "$name" "$discovery"
  record_headers jwks "$name" "$jwks"
  load discovery "$name" "$process" get.lua "$discovery"
  load jwks "$name" "$process" get.lua "$jwks"
done
# A resource server's refresh: with the ETag it has, a 304 and no body where ours sends validators.
JWKS_ETAG=$(curl -sf -D - -o /dev/null "http://127.0.0.1:$IDS_A/.well-known/jwks" | tr -d '\r' | sed -n 's/^[Ee][Tt][Aa][Gg]: //p')
if [[ -z $JWKS_ETAG ]]; then
  skip jwks-refresh "ours sent no ETag with its JWKS"
else
  record_headers jwks-refresh ours "http://127.0.0.1:$IDS_A/.well-known/jwks" -H "If-None-Match: $JWKS_ETAG"
  load jwks-refresh ours identityserver-a get.lua "http://127.0.0.1:$IDS_A/.well-known/jwks" BENCH_IF_NONE_MATCH="$JWKS_ETAG"
fi

stop_service oidc-provider-RS256
stop_service bare-openiddict-RS256

log "3. BoardApi GET /posts/{id}, revocation check on (:$BOARD_ON) vs off (:$BOARD_OFF) vs the bare JwtBearer API (:$BOARD_BARE), $ROUNDS alternating rounds"
BOARD_TOKEN=$(client_token "${ISSUER}connect/token" "$CLIENT" "$SECRET" "posts.read posts.write")
POST_ID=$(curl -sf -H "Authorization: Bearer $BOARD_TOKEN" -H 'Content-Type: application/json' \
  -d '{"title":"Benchmark","content":"A post to read."}' "http://127.0.0.1:$BOARD_ON/posts" | json_field id)
# The floor must answer what BoardApi answers, byte for byte, or it measures something else.
[[ $(curl -sf -H "Authorization: Bearer $BOARD_TOKEN" "http://127.0.0.1:$BOARD_BARE/posts/$POST_ID") \
  == $(curl -sf -H "Authorization: Bearer $BOARD_TOKEN" "http://127.0.0.1:$BOARD_ON/posts/$POST_ID") ]] \
  || die "the bare JwtBearer API's GET /posts/$POST_ID differs from BoardApi's"
# Twice the warm-up: in earlier runs BoardApi's first measured round was still well below the later ones.
for port in "$BOARD_ON" "$BOARD_OFF" "$BOARD_BARE" "$BOARD_ON" "$BOARD_OFF" "$BOARD_BARE"; do
  run_wrk bearer-get.lua "http://127.0.0.1:$port/posts/$POST_ID" "$WARMUP_SECONDS" /dev/null BENCH_TOKEN="$BOARD_TOKEN"
done
for ((round = 1; round <= ROUNDS; round++)); do
  measure posts check-on "$round" boardapi-on bearer-get.lua "http://127.0.0.1:$BOARD_ON/posts/$POST_ID" BENCH_TOKEN="$BOARD_TOKEN"
  measure posts check-off "$round" boardapi-off bearer-get.lua "http://127.0.0.1:$BOARD_OFF/posts/$POST_ID" BENCH_TOKEN="$BOARD_TOKEN"
  measure posts bare-api "$round" boardapi-bare bearer-get.lua "http://127.0.0.1:$BOARD_BARE/posts/$POST_ID" BENCH_TOKEN="$BOARD_TOKEN"
done
stop_service boardapi-bare

# 3b. The same GET with a DPoP-bound token and a new proof each request (RFC 9449), against the bearer token, on the
# same instance. Proofs are signed before each run (bench/suite/dpop.mjs: 1.5 times what the last bearer run's
# requests/s would use) and are accepted for 90 s only, so no run of this scenario may last more than 60 s.
if ((WARMUP_SECONDS > 60 || SECONDS_PER_RUN > 60)); then
  skip posts-dpop "DPoP proofs are signed before a run and accepted for 90 s: runs of more than 60 s would outlast them"
else
  log "3b. BoardApi GET /posts/{id} (:$BOARD_ON), DPoP proof vs bearer token, $ROUNDS alternating rounds"
  DPOP_URL=http://127.0.0.1:$BOARD_ON/posts/$POST_ID
  # Both tokens new, so that neither expires (15 minutes) however long the runs.
  BEARER_TOKEN=$(client_token "${ISSUER}connect/token" "$CLIENT" "$SECRET" "posts.read posts.write")
  DPOP_TOKEN=$(node "$BENCH/suite/dpop.mjs" token "$SCRATCH/dpop-key.json" "${ISSUER}connect/token" "$CLIENT" "$SECRET" "posts.read posts.write")
  # dpop_proofs SECONDS: the proofs of the next run; wrk's threads (run_wrk's -t2) take distinct lines.
  dpop_proofs() {
    node "$BENCH/suite/dpop.mjs" proofs "$SCRATCH/dpop-key.json" "$DPOP_URL" "$DPOP_TOKEN" "$SCRATCH/wrk.json" "$1" "$SCRATCH/dpop-proofs"
  }
  DPOP_WRK=(BENCH_TOKEN="$DPOP_TOKEN" BENCH_PROOFS="$SCRATCH/dpop-proofs" BENCH_THREADS=2)
  dpop_proofs "$WARMUP_SECONDS"
  run_wrk dpop-get.lua "$DPOP_URL" "$WARMUP_SECONDS" /dev/null "${DPOP_WRK[@]}"
  for ((round = 1; round <= ROUNDS; round++)); do
    measure posts-dpop bearer "$round" boardapi-on bearer-get.lua "$DPOP_URL" BENCH_TOKEN="$BEARER_TOKEN"
    dpop_proofs "$SECONDS_PER_RUN"
    measure posts-dpop dpop "$round" boardapi-on dpop-get.lua "$DPOP_URL" "${DPOP_WRK[@]}"
  done
fi

log "4. revocation propagation: $REVOCATIONS revocations at IdentityServer B of tokens from A, until both BoardApi reject"
PROPAGATION=$(dotnet "$BENCH/RevocationLatency/bin/Release/net10.0/RevocationLatency.dll" \
  "http://127.0.0.1:$IDS_A/" "http://127.0.0.1:$IDS_B/" "http://127.0.0.1:$BOARD_ON/,http://127.0.0.1:$BOARD_ON2/" \
  "$CLIENT" "$SECRET" "$REVOCATIONS")
printf '{"type":"propagation","result":%s}\n' "$PROPAGATION" >>"$RUNS"
log "    $PROPAGATION"
for name in identityserver-a identityserver-b boardapi-on boardapi-on-2 boardapi-off; do stop_service "$name"; done

# 5. The token scenario with another signing algorithm (Credentials:SigningAlgorithm), on a fresh IdentityServer.
# Skipped, with the reason, when the server refuses the setting or ignores it (signs with something else).
bench_algorithm() { # ALG
  local alg=$1 cert=$SCRATCH/certs/signing.crt key=$SCRATCH/certs/signing.key name=identityserver-$1 got reason=
  if [[ $alg == ES256 ]]; then cert=$SCRATCH/certs/signing-ec.crt key=$SCRATCH/certs/signing-ec.key; fi
  if [[ ! -f $cert ]]; then
    reason="certs/generate-dev-certs.sh wrote no $(basename "$cert")"
  else
    start_dotnet "$name" IdentityServer "$IDS_ALG" "${IDS_ENV[@]}" Credentials__SigningAlgorithm="$alg" \
      Credentials__SigningCertificatePath="$cert" Credentials__SigningKeyPath="$key"
    if ! try_ready "http://127.0.0.1:$IDS_ALG/health/ready" "${PIDS[$name]}"; then
      reason="the IdentityServer did not start with Credentials__SigningAlgorithm=$alg: $(grep -m1 -iE 'exception|error' "$SCRATCH/$name.log" | cut -c1-200)"
    else
      got=$(jwt_alg "$(client_token "http://127.0.0.1:$IDS_ALG/connect/token" "$CLIENT" "$SECRET" posts.read)")
      [[ $got == "$alg" ]] || reason="the IdentityServer ignored Credentials__SigningAlgorithm=$alg and signed with $got"
    fi
  fi
  if [[ -n $reason ]]; then
    skip "token-$alg" "$reason"
    [[ -z ${PIDS[$name]:-} ]] || { stop_pid "${PIDS[$name]}"; unset "PIDS[$name]"; }
    return 0
  fi
  log "5. token endpoint, client_credentials, $alg"
  load "token-$alg" ours "$name" token.lua "http://127.0.0.1:$IDS_ALG/connect/token" BENCH_BASIC="$(basic "$CLIENT" "$SECRET")"
  stop_service "$name"
  start_peer "$alg"
  load "token-$alg" peer "oidc-provider-$alg" token.lua "http://127.0.0.1:$PEER/token" BENCH_BASIC="$(basic "$CLIENT" "$SECRET")"
  stop_service "oidc-provider-$alg"
  start_bare "$alg"
  got=$(jwt_alg "$(client_token "http://127.0.0.1:$BARE/connect/token" "$CLIENT" "$SECRET" posts.read)")
  [[ $got == "$alg" ]] || die "the bare OpenIddict server signed with $got, not $alg"
  load "token-$alg" bare "bare-openiddict-$alg" token.lua "http://127.0.0.1:$BARE/connect/token" BENCH_BASIC="$(basic "$CLIENT" "$SECRET")"
  stop_service "bare-openiddict-$alg"
}
bench_algorithm PS256
bench_algorithm ES256

printf '{"type":"memory","process":"redis","vm_hwm_kb":%s}\n' "$(vm_hwm "$(cat "$SCRATCH/redis/redis.pid")")" >>"$RUNS"
mkdir -p "$BENCH/results/raw"
cp "$RUNS" "$BENCH/results/raw/latest.jsonl"
log "writing bench/results/latest.md and latency.svg"
node "$BENCH/suite/report.mjs" "$RUNS" "$BENCH/results" "$SCRATCH/certs/signing.key" \
  "seconds=$SECONDS_PER_RUN" "warmup=$WARMUP_SECONDS" "rounds=$ROUNDS" "connections=$CONNECTIONS" \
  "pool=$POOL_SIZE" "families=$FAMILIES" "loadavg=$LOADAVG" "elapsed=$(($(date +%s) - STARTED))" || die "requests failed during the load runs (see bench/results/latest.md)"
