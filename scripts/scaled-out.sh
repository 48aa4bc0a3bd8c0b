#!/usr/bin/env bash
# shellcheck disable=SC2317 # cleanup runs from a trap
# The scaled-out deployment of docker-compose.yml without Docker, on loopback: PostgreSQL and Redis, the
# migrations, two IdentityServer and two BoardApi processes from their Release build output, and nginx in front
# (TLS with certs/dev/tls.crt, round robin, no sticky sessions), configured from deploy/nginx/nginx.conf.template
# as compose configures it. nginx runs as a child of this script from its own folder, never as the system's
# service. Ctrl-C stops everything this script started; the data stays in .data/scaled-out (or
# $REDISJWT_DATA_DIR/scaled-out) for the next run.
#
#   issuer    https://localhost:47443/  (instances http://127.0.0.1:47001 and :47002)
#   BoardApi  https://localhost:47444/  (instances http://127.0.0.1:47011 and :47012)
#   try       curl --cacert certs/dev/tls-ca.crt https://localhost:47443/.well-known/openid-configuration
set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/lib.sh
source "$REPO_ROOT/scripts/lib.sh"

# Ports used by nothing else in the repository (run.sh, test.sh, bench/, the browser tests), so this can run beside them.
DATA_DIR=${REDISJWT_DATA_DIR:-$REPO_ROOT/.data}/scaled-out
PG_PORT=47432
PG_PASSWORD=redisjwt-dev
REDIS_PORT=47379
IDENTITY_PORTS=(47001 47002)
BOARD_PORTS=(47011 47012)
ISSUER_PORT=47443
BOARD_API_PORT=47444
# "localhost", not id.localhost: BoardApi resolves the issuer's name itself, and only browsers know *.localhost.
ISSUER=https://localhost:$ISSUER_PORT/
# BoardApi's resource identifier (RFC 8707), the aud of its tokens: its public URL, at nginx.
BOARD_RESOURCE=https://localhost:$BOARD_API_PORT/
CERT_DIR=$REPO_ROOT/certs/dev
LOG_DIR=$DATA_DIR/logs

PIDS=()
cleanup() {
  local rc=$? pid
  trap - EXIT INT TERM
  for pid in "${PIDS[@]}"; do
    stop_pid "$pid"
  done
  [[ $REDIS_STARTED -eq 1 ]] && { stop_redis "$REDIS_PORT" || true; }
  [[ $PG_STARTED -eq 1 ]] && { stop_postgres "$DATA_DIR/postgres" || true; }
  exit "$rc"
}
install_traps cleanup

# gettext-base: envsubst, which renders the nginx template (as the nginx image does in compose).
ensure_packages nginx gettext-base
"$REPO_ROOT/certs/generate-dev-certs.sh" "$CERT_DIR"

# 711: the postgres OS user (as root) and nginx's workers ("nobody", as root) must pass through to their folders.
mkdir -p "$DATA_DIR" "$LOG_DIR" "$DATA_DIR/nginx"
chmod 711 "$DATA_DIR" "$DATA_DIR/nginx"
start_postgres "$DATA_DIR/postgres" "$PG_PORT" "$PG_PASSWORD"
# As compose: each service's own PostgreSQL role owning its database, and its own Redis user.
use_pg_roles "$PG_PORT" "$PG_PASSWORD" redisjwt-dev
ensure_pg_database "$PG_PORT" "$PG_PASSWORD" redisjwt_identity "$PG_IDENTITY_ROLE"
ensure_pg_database "$PG_PORT" "$PG_PASSWORD" redisjwt_board "$PG_BOARD_ROLE"
use_redis_users redisjwt: redisjwt-dev
start_redis "$DATA_DIR/redis" "$REDIS_PORT"

log "building (Release)"
dotnet build "$REPO_ROOT/src/IdentityServer" -c Release -v quiet -nologo
dotnet build "$REPO_ROOT/src/BoardApi" -c Release -v quiet -nologo

# Development for the demo clients and user, and because a build folder (not a publish) has its static files
# (the login page's CSS) only in Development. What makes it "production" here is the topology: TLS at nginx,
# the https issuer, no plain HTTP accepted, migrations as a step of their own, forwarded headers from nginx only.
export ASPNETCORE_ENVIRONMENT=Development
export Database__ApplyMigrationsAtStartup=false
# nginx connects to the instances from 127.0.0.1; nobody else's X-Forwarded-* is believed.
export ForwardedHeaders__KnownProxies__0=127.0.0.1

# run_service PROJECT PORT [ARG...]: runs PROJECT's Release build in place of the calling (sub)shell, from its own
# folder (its content root, where its appsettings are), with that service's settings, on 127.0.0.1:PORT.
run_service() {
  local project=$1 port=$2
  shift 2
  local settings=(ASPNETCORE_URLS="http://127.0.0.1:$port")
  if [[ $project == IdentityServer ]]; then
    settings+=(
      ConnectionStrings__IdentityDb="$(pg_role_connection "$PG_PORT" redisjwt_identity "$PG_IDENTITY_ROLE" "$PG_IDENTITY_PASSWORD")"
      ConnectionStrings__Redis="$(redis_connection "$REDIS_PORT" identity-server)"
      Server__Issuer="$ISSUER"
      Server__AllowInsecureHttp=false
      Seed__ApiScopes__posts.read__Resource="$BOARD_RESOURCE"
      Seed__ApiScopes__posts.write__Resource="$BOARD_RESOURCE"
      Seed__Clients__board-api__Resource="$BOARD_RESOURCE"
      Credentials__SigningCertificatePath="$CERT_DIR/signing.crt"
      Credentials__SigningKeyPath="$CERT_DIR/signing.key"
      Credentials__EncryptionCertificatePath="$CERT_DIR/encryption.crt"
      Credentials__EncryptionKeyPath="$CERT_DIR/encryption.key"
      Messages__Folder__Path="$DATA_DIR/messages"
    )
  else
    # SSL_CERT_FILE: .NET trusts the development CA (besides the system's) for discovery and JWKS at nginx.
    settings+=(
      ConnectionStrings__BoardDb="$(pg_role_connection "$PG_PORT" redisjwt_board "$PG_BOARD_ROLE" "$PG_BOARD_PASSWORD")"
      ConnectionStrings__Redis="$(redis_connection "$REDIS_PORT" board-api)"
      Auth__Issuer="$ISSUER"
      Auth__AllowInsecureHttp=false
      Auth__Audience="$BOARD_RESOURCE"
      SSL_CERT_FILE="$CERT_DIR/tls-ca.crt"
    )
  fi
  cd "$REPO_ROOT/src/$project/bin/Release/net10.0"
  exec env "${settings[@]}" dotnet "$project.dll" "$@"
}

# start_service NAME PROJECT PORT: in the background, its PID (dotnet's own, thanks to exec) in PIDS.
start_service() {
  (run_service "$2" "$3") >>"$LOG_DIR/$1.log" 2>&1 &
  PIDS+=("$!")
}

# One-shot, before any instance starts, as compose's migrate jobs: migrations (and the IdentityServer's seed).
log "migrating (logs: $LOG_DIR)"
for project in IdentityServer BoardApi; do
  if ! (run_service "$project" 0 migrate) >>"$LOG_DIR/$project-migrate.log" 2>&1; then
    tail -n 30 "$LOG_DIR/$project-migrate.log" >&2
    die "$project migrate failed"
  fi
done

for i in 0 1; do
  start_service "identityserver-$((i + 1))" IdentityServer "${IDENTITY_PORTS[i]}"
  start_service "boardapi-$((i + 1))" BoardApi "${BOARD_PORTS[i]}"
done
for i in 0 1; do
  wait_ready "http://127.0.0.1:${IDENTITY_PORTS[i]}" "$LOG_DIR/identityserver-$((i + 1)).log" "identityserver-$((i + 1))"
  wait_ready "http://127.0.0.1:${BOARD_PORTS[i]}" "$LOG_DIR/boardapi-$((i + 1)).log" "boardapi-$((i + 1))"
done

# The template's variables (see its header), the same ones docker-compose.yml sets.
export NGINX_IDENTITYSERVER_LISTEN=127.0.0.1:$ISSUER_PORT
export NGINX_IDENTITYSERVER_HOST=localhost:$ISSUER_PORT
export NGINX_IDENTITYSERVER_1=127.0.0.1:${IDENTITY_PORTS[0]}
export NGINX_IDENTITYSERVER_2=127.0.0.1:${IDENTITY_PORTS[1]}
export NGINX_BOARDAPI_LISTEN=127.0.0.1:$BOARD_API_PORT
export NGINX_BOARDAPI_HOST=localhost:$BOARD_API_PORT
export NGINX_BOARDAPI_1=127.0.0.1:${BOARD_PORTS[0]}
export NGINX_BOARDAPI_2=127.0.0.1:${BOARD_PORTS[1]}
export NGINX_TLS_CERTIFICATE=$CERT_DIR/tls.crt
export NGINX_TLS_CERTIFICATE_KEY=$CERT_DIR/tls.key
NGINX_CONF=$DATA_DIR/nginx/nginx.conf
render_nginx_conf "$NGINX_CONF"
log "starting nginx on 127.0.0.1:$ISSUER_PORT and :$BOARD_API_PORT"
start_nginx "$DATA_DIR/nginx/" "$NGINX_CONF" "$LOG_DIR/nginx.log"
PIDS=("$NGINX_PID" "${PIDS[@]}") # stopped first, so no request reaches an instance that is going away
for _ in {1..40}; do
  curl -sf --cacert "$CERT_DIR/tls-ca.crt" "${ISSUER}health/ready" >/dev/null && break
  sleep 0.25
done
curl -sf --cacert "$CERT_DIR/tls-ca.crt" "${ISSUER}health/ready" >/dev/null || { tail -n 20 "$LOG_DIR/nginx.log" >&2; die "nginx does not answer"; }

cat <<EOF

  RedisJwt, scaled out (nginx: TLS, round robin, no sticky sessions)
  issuer     $ISSUER  (IdentityServer on 127.0.0.1:${IDENTITY_PORTS[0]} and :${IDENTITY_PORTS[1]})
  BoardApi   ${BOARD_RESOURCE}posts  (on 127.0.0.1:${BOARD_PORTS[0]} and :${BOARD_PORTS[1]}; resource $BOARD_RESOURCE)
  TLS        trust $CERT_DIR/tls-ca.crt (curl --cacert, or a browser's authorities)
  demo user  demo@redisjwt.local / Demo!Passw0rd
  logs       $LOG_DIR  (nginx.log names the instance that served each request)
  PostgreSQL 127.0.0.1:$PG_PORT  superuser postgres / $PG_PASSWORD; $PG_IDENTITY_ROLE / $PG_IDENTITY_PASSWORD,
             $PG_BOARD_ROLE / $PG_BOARD_PASSWORD (each owns its database)
  Redis      127.0.0.1:$REDIS_PORT  administrator: REDISCLI_AUTH=$REDIS_ADMIN_PASSWORD redis-cli -p $REDIS_PORT;
             identity-server / $REDIS_IDENTITY_SERVER_PASSWORD, board-api / $REDIS_BOARD_API_PASSWORD
  Ctrl-C stops nginx, the four services, PostgreSQL and Redis.

EOF

# Whichever stops first (a crash, or Ctrl-C) ends the run; the trap stops the others.
wait -n "${PIDS[@]}"
