#!/usr/bin/env bash
# shellcheck disable=SC2119,SC2317 # ensure_packages takes no script args; cleanup runs from a trap
# Runs the whole system locally: PostgreSQL and Redis on loopback, then the
# IdentityServer in the foreground. Ctrl-C stops everything this script
# started; the data stays in .data/ (or $REDISJWT_DATA_DIR) for the next run.
set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=scripts/lib.sh
source "$REPO_ROOT/scripts/lib.sh"

DATA_DIR=${REDISJWT_DATA_DIR:-$REPO_ROOT/.data}
PG_PORT=5433
PG_PASSWORD=redisjwt-dev
REDIS_PORT=6380
ISSUER=http://127.0.0.1:5001
CERT_DIR=$REPO_ROOT/certs/dev

DOTNET_PID=
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  # dotnet run passes the TERM on to the app, which shuts down gracefully.
  [[ -n $DOTNET_PID ]] && stop_pid "$DOTNET_PID"
  [[ $REDIS_STARTED -eq 1 ]] && { stop_redis "$REDIS_PORT" || true; }
  [[ $PG_STARTED -eq 1 ]] && { stop_postgres "$DATA_DIR/postgres" || true; }
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

ensure_packages
"$REPO_ROOT/certs/generate-dev-certs.sh" "$CERT_DIR"

# 711: the postgres OS user (as root) must be able to pass through to its
# folder, but nobody else needs to list what is in here.
mkdir -p "$DATA_DIR"
chmod 711 "$DATA_DIR"
start_postgres "$DATA_DIR/postgres" "$PG_PORT" "$PG_PASSWORD"
start_redis "$DATA_DIR/redis" "$REDIS_PORT"

cat <<EOF

  RedisJwt IdentityServer (Development)
  issuer     $ISSUER
  discovery  $ISSUER/.well-known/openid-configuration
  demo user  demo@redisjwt.local / Demo!Passw0rd
  PostgreSQL 127.0.0.1:$PG_PORT (postgres / $PG_PASSWORD), Redis 127.0.0.1:$REDIS_PORT
  data       $DATA_DIR
  Ctrl-C stops the server, PostgreSQL and Redis.

EOF

# The app creates and migrates the database itself in Development.
export ASPNETCORE_ENVIRONMENT=Development
export ASPNETCORE_URLS=http://127.0.0.1:5001
export ConnectionStrings__IdentityDb="Host=127.0.0.1;Port=$PG_PORT;Database=redisjwt_identity;Username=postgres;Password=$PG_PASSWORD"
export ConnectionStrings__Redis="127.0.0.1:$REDIS_PORT"
export Server__Issuer="$ISSUER/"
# Plain HTTP on loopback only; anything reachable from outside needs TLS.
export Server__AllowInsecureHttp=true
export Credentials__SigningCertificatePath="$CERT_DIR/signing.crt"
export Credentials__SigningKeyPath="$CERT_DIR/signing.key"
export Credentials__EncryptionCertificatePath="$CERT_DIR/encryption.crt"
export Credentials__EncryptionKeyPath="$CERT_DIR/encryption.key"

# --no-launch-profile: launchSettings.json would otherwise override the URLs
# and environment above. Run in the background and wait, rather than plainly
# in the foreground, so that a TERM sent to this script reaches the trap at
# once instead of after the server exits (Ctrl-C works either way).
dotnet run --project "$REPO_ROOT/src/IdentityServer" --no-launch-profile &
DOTNET_PID=$!
wait "$DOTNET_PID"
