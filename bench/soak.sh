#!/usr/bin/env bash
# shellcheck disable=SC2317 # cleanup runs from a trap
# The soak of issue 22: SOAK_MINUTES (10) minutes of mixed load at SOAK_LOAD (70) % of the capacity measured just
# before, through nginx (deploy/nginx/nginx.conf.template: TLS, round robin) to two IdentityServer and two BoardApi
# processes in Production configuration, on fresh PostgreSQL and Redis. One wrk per kind of request, side by side:
# client_credentials tokens, refresh_token grants with rotation (a pool of token families, bench/wrk/refresh.lua),
# introspections, BoardApi GET /posts/{id} and POST /posts; beside them one revocation a second, each checked to be
# refused by BoardApi afterwards (bench/suite/soak.mjs). First SOAK_WARMUP (15) s at full speed, unrecorded, then
# SOAK_CAPACITY_SECONDS (20) s at full speed, the capacity; then the soak in slices of SOAK_SLICE_SECONDS (60) s back
# to back, each kind paced at its share of its capacity (bench/wrk/paced.lua). After each slice: requests/s, p99 and
# failures per kind and of all together, the RSS of every process, Redis's memory and keys, PostgreSQL's connections
# and table sizes, the machine's load. Writes SOAK_RESULTS (bench/results)/soak.md, soak.svg and raw/soak.jsonl;
# exits non-zero when any request or revocation failed. Stops everything it started, also on Ctrl-C or failure.
# SOAK_PORT_BASE (28000) moves every port (bench/run.sh uses 27000). Trial: SOAK_MINUTES=2 SOAK_SLICE_SECONDS=15.
set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH=$REPO_ROOT/bench
# shellcheck source=scripts/lib.sh
source "$REPO_ROOT/scripts/lib.sh"
# shellcheck source=bench/suite/lib.sh
source "$BENCH/suite/lib.sh"

MINUTES=${SOAK_MINUTES:-10}
SLICE_SECONDS=${SOAK_SLICE_SECONDS:-60}
WARMUP_SECONDS=${SOAK_WARMUP:-15}
CAPACITY_SECONDS=${SOAK_CAPACITY_SECONDS:-20}
LOAD_PERCENT=${SOAK_LOAD:-70}
RESULTS=${SOAK_RESULTS:-$BENCH/results}
((MINUTES >= 2)) || die "SOAK_MINUTES must be at least 2: the goals compare the last slice with the second"
# Per kind of request, in every run. The refresh pool holds more families than there are connections: each run
# loses the families whose refresh is unanswered when wrk stops (at most one a connection).
CONNECTIONS=8
FAMILIES=$((CONNECTIONS * (MINUTES + 4)))
# Npgsql pools up to 100 connections per process, PostgreSQL admits 100 in all: 4 × 20 leaves room for the sampling.
POOL_SIZE=20
PORT_BASE=${SOAK_PORT_BASE:-28000}
PG_PORT=$((PORT_BASE + 432))
PG_PASSWORD=redisjwt-bench
REDIS_PORT=$((PORT_BASE + 379))
IDS_PORTS=($((PORT_BASE + 801)) $((PORT_BASE + 802)))
BOARD_PORTS=($((PORT_BASE + 811)) $((PORT_BASE + 812)))
ISSUER_PORT=$((PORT_BASE + 443)) BOARD_PORT=$((PORT_BASE + 444))
# Public URLs are nginx's, as in docker-compose.yml: the issuer (iss of every token, discovery) and BoardApi's resource
# identifier (RFC 8707, aud). wrk connects to 127.0.0.1 (nginx listens on IPv4 only, and wrk tries only the first
# address "localhost" resolves to); nginx sends the configured public host on, whatever the client's.
ISSUER=https://localhost:$ISSUER_PORT/
BOARD_RESOURCE=https://localhost:$BOARD_PORT/
IDS_WRK=https://127.0.0.1:$ISSUER_PORT BOARD_WRK=https://127.0.0.1:$BOARD_PORT
CLIENT=soak-client SECRET=soak-client-secret
INTROSPECTOR=board-api INTROSPECTOR_SECRET=soak-board-api-secret
# The first-party public client of the password grant (AuthApi:ClientId), as appsettings.Development.json seeds it.
APP=board-app APP_SCOPES='openid offline_access posts.read posts.write'
USER_EMAIL=soak@example.test USER_PASSWORD=Soak!Bench-Passw0rd
KINDS=(token refresh introspection read write)
STARTED=$(date +%s)
# The 1-minute load average before anything starts: a busy machine makes every figure slower.
LOADAVG=$(cut -d ' ' -f 1 /proc/loadavg)
LOGS_ON_FAILURE=${TMPDIR:-/tmp}/redisjwt-bench-soak-logs

SCRATCH=
declare -A PIDS=()
install_traps stop_bench

ensure_packages wrk nginx gettext-base
require_node
SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/redisjwt-bench-soak.XXXXXX")
# 711: the postgres OS user and nginx's workers ("nobody", as root) must pass through to their folders.
chmod 711 "$SCRATCH"
mkdir -p "$SCRATCH/nginx" "$SCRATCH/runs"
chmod 711 "$SCRATCH/nginx"
RAW=$SCRATCH/soak.jsonl
: >"$RAW"
start_scratch_servers "$SCRATCH" "$PG_PORT" "$PG_PASSWORD" "$REDIS_PORT"
ensure_pg_database "$PG_PORT" "$PG_PASSWORD" soak_identity "$PG_IDENTITY_ROLE"
ensure_pg_database "$PG_PORT" "$PG_PASSWORD" soak_board "$PG_BOARD_ROLE"
# Every client here (curl, node, the services' HttpClient for discovery and JWKS) trusts the scratch CA that signed
# nginx's certificate.
export CURL_CA_BUNDLE=$SCRATCH/certs/tls-ca.crt NODE_EXTRA_CA_CERTS=$SCRATCH/certs/tls-ca.crt

log "building (Release)"
for project in src/IdentityServer src/BoardApi; do
  dotnet build "$REPO_ROOT/$project" -c Release -v quiet -nologo >"$SCRATCH/build.log" 2>&1 \
    || { tail -n 30 "$SCRATCH/build.log" >&2; die "build of $project failed"; }
done

db() { echo "$(pg_role_connection "$PG_PORT" "$@");Maximum Pool Size=$POOL_SIZE"; } # DATABASE ROLE PASSWORD
# Production, as docker-compose.yml configures it: TLS ends at nginx, which the services trust for X-Forwarded-*.
COMMON_ENV=(ASPNETCORE_ENVIRONMENT=Production Logging__LogLevel__Default=Warning ForwardedHeaders__KnownProxies__0=127.0.0.1)
IDS_ENV=(
  ConnectionStrings__IdentityDb="$(db soak_identity "$PG_IDENTITY_ROLE" "$PG_IDENTITY_PASSWORD")"
  ConnectionStrings__Redis="$(redis_connection "$REDIS_PORT" identity-server)" Server__Issuer="$ISSUER"
  # One client, one user and one address make all the traffic: the limits stay on (a Redis call each) but never refuse.
  RateLimits__Policies__token-requests-per-client__PermitLimit=10000000
  RateLimits__Policies__client-auth-per-ip__PermitLimit=10000000 RateLimits__Policies__client-auth-per-client-ip__PermitLimit=10000000
  RateLimits__Policies__revocations-per-client__PermitLimit=10000000
)
bench_identity_env IDS_ENV
# shellcheck disable=SC2086 # APP_SCOPES: one scope a word
bench_app_env IDS_ENV $APP_SCOPES
BOARD_ENV=(ConnectionStrings__BoardDb="$(db soak_board "$PG_BOARD_ROLE" "$PG_BOARD_PASSWORD")"
  ConnectionStrings__Redis="$(redis_connection "$REDIS_PORT" board-api)" Auth__Issuer="$ISSUER" Auth__Audience="$BOARD_RESOURCE"
  SSL_CERT_FILE="$SCRATCH/certs/tls-ca.crt"
  RateLimits__Policies__board-reads__PermitLimit=10000000 RateLimits__Policies__board-writes__PermitLimit=10000000)

log "migrating (IdentityServer migrate, BoardApi migrate)"
migrate IdentityServer "${IDS_ENV[@]}"
migrate BoardApi "${BOARD_ENV[@]}"

# nginx first: BoardApi reaches the issuer's discovery document and keys through it.
export NGINX_IDENTITYSERVER_LISTEN=127.0.0.1:$ISSUER_PORT NGINX_IDENTITYSERVER_HOST=localhost:$ISSUER_PORT
export NGINX_IDENTITYSERVER_1=127.0.0.1:${IDS_PORTS[0]} NGINX_IDENTITYSERVER_2=127.0.0.1:${IDS_PORTS[1]}
export NGINX_BOARDAPI_LISTEN=127.0.0.1:$BOARD_PORT NGINX_BOARDAPI_HOST=localhost:$BOARD_PORT
export NGINX_BOARDAPI_1=127.0.0.1:${BOARD_PORTS[0]} NGINX_BOARDAPI_2=127.0.0.1:${BOARD_PORTS[1]}
export NGINX_TLS_CERTIFICATE=$SCRATCH/certs/tls.crt NGINX_TLS_CERTIFICATE_KEY=$SCRATCH/certs/tls.key
render_nginx_conf "$SCRATCH/nginx/nginx.conf"
log "starting nginx (:$ISSUER_PORT, :$BOARD_PORT), 2 IdentityServer and 2 BoardApi"
# The access log (a line a request, as deployed) is written, then dropped: minutes of it would fill the scratch folder.
start_nginx "$SCRATCH/nginx/" "$SCRATCH/nginx/nginx.conf" "$SCRATCH/nginx.log" /dev/null
PIDS[nginx]=$NGINX_PID
# One at a time: each start applies the seed, and two seeding at once could collide on the same rows.
start_dotnet identityserver-1 IdentityServer "${IDS_PORTS[0]}" "${IDS_ENV[@]}"
wait_ready "http://127.0.0.1:${IDS_PORTS[0]}" "$SCRATCH/identityserver-1.log" "IdentityServer 1"
start_dotnet identityserver-2 IdentityServer "${IDS_PORTS[1]}" "${IDS_ENV[@]}"
start_dotnet boardapi-1 BoardApi "${BOARD_PORTS[0]}" "${BOARD_ENV[@]}"
start_dotnet boardapi-2 BoardApi "${BOARD_PORTS[1]}" "${BOARD_ENV[@]}"
wait_ready "http://127.0.0.1:${IDS_PORTS[1]}" "$SCRATCH/identityserver-2.log" "IdentityServer 2"
for i in 1 2; do wait_ready "http://127.0.0.1:${BOARD_PORTS[i - 1]}" "$SCRATCH/boardapi-$i.log" "BoardApi $i"; done
wait_ready "${ISSUER%/}" "$SCRATCH/nginx.log" "nginx (IdentityServer)"
wait_ready "${BOARD_RESOURCE%/}" "$SCRATCH/nginx.log" "nginx (BoardApi)"
DISCOVERY=$(curl -sf "${ISSUER}.well-known/openid-configuration")
[[ $(json_field issuer <<<"$DISCOVERY") == "$ISSUER" ]] \
  || die "the discovery document through nginx names the issuer $(json_field issuer <<<"$DISCOVERY"), not $ISSUER"
REVOCATION_URL=$(json_field revocation_endpoint <<<"$DISCOVERY")

soak() { node "$BENCH/suite/soak.mjs" "$@"; }
# user_token: a fresh access token of the user (password grant), for the reads, writes and introspections.
user_token() { soak sign-in "${ISSUER}connect/token" "$APP" "$USER_EMAIL" "$USER_PASSWORD" "$APP_SCOPES" 1 access_token; }

log "signing in $FAMILIES refresh token families (password grant)"
POOL=$SCRATCH/refresh-pool
soak sign-in "${ISSUER}connect/token" "$APP" "$USER_EMAIL" "$USER_PASSWORD" "$APP_SCOPES" "$FAMILIES" refresh_token >"$POOL"
TOKEN=$(user_token)
# post BODY: BoardApi POST /posts through nginx, as the user; prints the answer.
post() { curl -sf -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -d "$1" "${BOARD_RESOURCE}posts"; }
POST_ID=$(post '{"title":"Soak","content":"The post every read asks for."}' | json_field id)
# An instance's first requests are slow (JIT; BoardApi fetches the issuer's discovery document and keys): 4 s and more
# on a busy machine, past wrk's 2 s timeout. So a few of each kind first, through nginx, which alternates the instances.
for _ in 1 2 3 4; do
  curl -sf -o /dev/null -H "Authorization: Bearer $TOKEN" "${BOARD_RESOURCE}posts/$POST_ID" || die "a first read failed"
  post '{"title":"Soak","content":"A first write."}' >/dev/null || die "a first write failed"
  client_token "${ISSUER}connect/token" "$CLIENT" "$SECRET" posts.read >/dev/null || die "a first client_credentials token failed"
  curl -sf -o /dev/null -u "$INTROSPECTOR:$INTROSPECTOR_SECRET" -d "token=$TOKEN" "${ISSUER}connect/introspect" \
    || die "a first introspection failed"
done

declare -A SCRIPT=([token]=token.lua [refresh]=refresh.lua [introspection]=introspect.lua [read]=bearer-get.lua [write]=post-write.lua)
declare -A URL=([token]=$IDS_WRK/connect/token [refresh]=$IDS_WRK/connect/token [introspection]=$IDS_WRK/connect/introspect
  [read]=$BOARD_WRK/posts/$POST_ID [write]=$BOARD_WRK/posts)
declare -A BASIC=([token]=$(basic "$CLIENT" "$SECRET") [introspection]=$(basic "$INTROSPECTOR" "$INTROSPECTOR_SECRET"))
declare -A RATE=()

# run_mix SECONDS OUT_DIR: one wrk per kind, side by side, each at RATE[kind] requests/s (none: full speed), each
# writing OUT_DIR/wrk-KIND.json (bench/wrk/report.lua, with its latency histogram). One thread each: the pacing and the
# refresh pool are per thread. A request unanswered after 2 s counts as a failure (timeout).
run_mix() {
  local seconds=$1 out=$2 kind token failed=()
  mkdir -p "$out"
  token=$(user_token)
  for kind in "${KINDS[@]}"; do
    env BENCH_WRK_DIR="$BENCH/wrk" BENCH_SCRIPT="${SCRIPT[$kind]}" BENCH_JSON="$out/wrk-$kind.json" BENCH_HISTOGRAM=1 \
      BENCH_THREADS=1 BENCH_RATE="${RATE[$kind]:-}" BENCH_BASIC="${BASIC[$kind]:-}" BENCH_TOKEN="$token" \
      BENCH_CLIENT_ID="$APP" BENCH_TOKENS="$POOL" BENCH_FINAL_TOKENS="$POOL" \
      wrk -t1 -c"$CONNECTIONS" -d"${seconds}s" --timeout 2s -s "$BENCH/wrk/paced.lua" "${URL[$kind]}" >"$out/wrk-$kind.out" 2>&1 &
    PIDS[wrk-$kind]=$!
  done
  for kind in "${KINDS[@]}"; do
    wait "${PIDS[wrk-$kind]}" || failed+=("$kind")
    unset "PIDS[wrk-$kind]"
  done
  ((${#failed[@]} == 0)) || { cat "$out/wrk-${failed[0]}.out" >&2; die "wrk failed (${failed[*]})"; }
}

# sample DIR: what each slice records besides wrk's figures: the RSS of each process (nginx and PostgreSQL, several
# processes sharing pages, as their summed PSS), Redis's INFO memory and its keys counted by kind (the key's first
# segment after the prefix, and the second when it is a word: "rate_limit:token-requests-per-client", "refresh"),
# PostgreSQL's client connections per database and each database's size and tables' sizes.
sample() {
  local out=$1 name
  mkdir -p "$out"
  for name in identityserver-1 identityserver-2 boardapi-1 boardapi-2; do echo "$name $(vm_rss "${PIDS[$name]}")"; done >"$out/rss"
  echo "redis $(vm_rss "$(cat "$SCRATCH/redis/redis.pid")")" >>"$out/rss"
  { echo "${PIDS[nginx]}"; pgrep -P "${PIDS[nginx]}" || true; } | pss_kb | sed 's/^/nginx /' >"$out/pss"
  store_pids | grep -vxF "$(cat "$SCRATCH/redis/redis.pid")" | pss_kb | sed 's/^/postgres /' >>"$out/pss"
  redis_admin "$REDIS_PORT" info memory | tr -d '\r' >"$out/redis-info"
  redis_admin "$REDIS_PORT" --scan | awk -v prefix="$REDIS_ACL_PREFIX" '
    { key = substr($0, 1, length(prefix)) == prefix ? substr($0, length(prefix) + 1) : $0
      n = split(key, part, ":"); kind = part[1]
      if (n > 1 && part[2] ~ /^[a-z_{}-]+$/ && length(part[2]) <= 40) kind = kind ":" part[2]
      count[kind]++ }
    END { for (kind in count) print kind, count[kind] }' >"$out/redis-keys"
  pg_json postgres "select coalesce(json_object_agg(datname, n), '{}') from (select datname, count(*) n from pg_stat_activity
    where backend_type = 'client backend' and datname like 'soak_%' group by datname) c" >"$out/pg-connections.json"
  for name in soak_identity soak_board; do
    pg_json "$name" "select json_build_object('size', pg_database_size(current_database()), 'tables', (select
      coalesce(json_object_agg(relname, pg_total_relation_size(c.oid)), '{}') from pg_class c join pg_namespace n on
      n.oid = c.relnamespace where c.relkind = 'r' and n.nspname = 'public'))" >"$out/pg-$name.json"
  done
}

pg_json() { # DATABASE SQL: one JSON value, as the superuser
  PGPASSWORD=$PG_PASSWORD "$(pg_bin)/psql" -X -qAt -h 127.0.0.1 -p "$PG_PORT" -U postgres -d "$1" -c "$2"
}

log "warm-up: ${WARMUP_SECONDS} s at full speed, not recorded"
run_mix "$WARMUP_SECONDS" "$SCRATCH/runs/warmup"
soak full-speed warmup "$SCRATCH/runs/warmup" "$LOAD_PERCENT" "$RAW" >/dev/null
log "capacity: ${CAPACITY_SECONDS} s at full speed, $CONNECTIONS connections per kind"
run_mix "$CAPACITY_SECONDS" "$SCRATCH/runs/capacity"
while read -r kind rate; do RATE[$kind]=$rate; done < <(soak full-speed capacity "$SCRATCH/runs/capacity" "$LOAD_PERCENT" "$RAW")
((${#RATE[@]} == ${#KINDS[@]})) || die "the capacity run did not give a rate for every kind"

log "soak: $MINUTES slices of $SLICE_SECONDS s at $LOAD_PERCENT% ($(for kind in "${KINDS[@]}"; do printf '%s %s/s ' "$kind" "${RATE[$kind]}"; done)), a revocation a second"
# Bounded in time by itself too, should this script die without stopping it.
soak revocations "${ISSUER}connect/token" "$REVOCATION_URL" "$CLIENT" "$SECRET" "${BOARD_RESOURCE}posts/$POST_ID" \
  $((MINUTES * SLICE_SECONDS + 60)) "$SCRATCH/revocations.jsonl" >"$SCRATCH/revocations.log" 2>&1 &
PIDS[revocations]=$!
for ((slice = 1; slice <= MINUTES; slice++)); do
  own_pids | ticks >"$SCRATCH/own.0"
  started=$(date +%s%3N) machine0=$(machine_ticks) children0=$(children_ticks)
  run_mix "$SLICE_SECONDS" "$SCRATCH/runs/slice-$slice"
  machine=$(($(machine_ticks) - machine0)) children=$(($(children_ticks) - children0)) ended=$(date +%s%3N)
  own_pids | ticks >"$SCRATCH/own.1"
  sample "$SCRATCH/runs/slice-$slice"
  soak slice "$slice" "$started" "$ended" "$SCRATCH/runs/slice-$slice" "$RAW" \
    "machine_ticks=$machine" "own_ticks=$(($(cpu_delta "$SCRATCH/own.0" "$SCRATCH/own.1") + children))" \
    "loadavg=$(cut -d ' ' -f 1 /proc/loadavg)" "families=$(wc -l <"$POOL")"
done
stop_pid "${PIDS[revocations]}"
unset "PIDS[revocations]"
[[ -s $SCRATCH/revocations.jsonl ]] || { cat "$SCRATCH/revocations.log" >&2; die "the revocation loop recorded nothing"; }
cat "$SCRATCH/revocations.jsonl" >>"$RAW"

mkdir -p "$RESULTS/raw"
cp "$RAW" "$RESULTS/raw/soak.jsonl"
log "writing $RESULTS/soak.md and soak.svg"
node "$BENCH/suite/soak-report.mjs" "$RAW" "$RESULTS" "minutes=$MINUTES" "slice=$SLICE_SECONDS" "warmup=$WARMUP_SECONDS" \
  "capacity=$CAPACITY_SECONDS" "load=$LOAD_PERCENT" "connections=$CONNECTIONS" "families=$FAMILIES" "pool=$POOL_SIZE" \
  "loadavg=$LOADAVG" "elapsed=$(($(date +%s) - STARTED))" || die "requests or revocations failed during the soak (see $RESULTS/soak.md)"
