#!/usr/bin/env bash
# shellcheck disable=SC2119,SC2317 # ensure_packages takes no script args; cleanup runs from a trap
# Runs the whole system locally: PostgreSQL and Redis on loopback, then the
# IdentityServer (:5001), BoardApi (:5002), the Board SPA (:5173) and the
# third-party sample app (:5003). Ctrl-C stops everything this
# script started; the data stays in .data/ (or $REDISJWT_DATA_DIR) for the
# next run.
set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=scripts/lib.sh
source "$REPO_ROOT/scripts/lib.sh"

DATA_DIR=${REDISJWT_DATA_DIR:-$REPO_ROOT/.data}
PG_PORT=5433
PG_PASSWORD=redisjwt-dev
REDIS_PORT=6380
ISSUER=http://127.0.0.1:5001
BOARD_API=http://127.0.0.1:5002
# BoardApi's resource identifier (RFC 8707), the aud of its tokens: its URL. The account and admin APIs' are
# $ISSUER/auth and $ISSUER/admin, derived by the IdentityServer.
BOARD_RESOURCE=$BOARD_API/
BOARD_SPA=http://127.0.0.1:5173
THIRD_PARTY=http://127.0.0.1:5003
# The downstream API of the delegation example (RFC 8693): BoardApi calls it on the user's behalf.
NOTIFICATIONS=http://127.0.0.1:5007
CERT_DIR=$REPO_ROOT/certs/dev

IDS_PID=
BOARD_PID=
SPA_PID=
THIRD_PARTY_PID=
NOTIFICATIONS_PID=
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  # dotnet run passes the TERM on to the app, which shuts down gracefully.
  [[ -n $THIRD_PARTY_PID ]] && stop_pid "$THIRD_PARTY_PID"
  [[ -n $NOTIFICATIONS_PID ]] && stop_pid "$NOTIFICATIONS_PID"
  [[ -n $SPA_PID ]] && stop_pid "$SPA_PID"
  [[ -n $BOARD_PID ]] && stop_pid "$BOARD_PID"
  [[ -n $IDS_PID ]] && stop_pid "$IDS_PID"
  [[ $REDIS_STARTED -eq 1 ]] && { stop_redis "$REDIS_PORT" || true; }
  [[ $PG_STARTED -eq 1 ]] && { stop_postgres "$DATA_DIR/postgres" || true; }
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

ensure_packages
require_node
"$REPO_ROOT/certs/generate-dev-certs.sh" "$CERT_DIR"

# 711: the postgres OS user (as root) must be able to pass through to its
# folder, but nobody else needs to list what is in here.
mkdir -p "$DATA_DIR"
chmod 711 "$DATA_DIR"
start_postgres "$DATA_DIR/postgres" "$PG_PORT" "$PG_PASSWORD"
# Each service's own role and database, which it owns and nobody else may open (the services never create one).
use_pg_roles "$PG_PORT" "$PG_PASSWORD" redisjwt-dev
ensure_pg_database "$PG_PORT" "$PG_PASSWORD" redisjwt_identity "$PG_IDENTITY_ROLE"
ensure_pg_database "$PG_PORT" "$PG_PASSWORD" redisjwt_board "$PG_BOARD_ROLE"
# Each service's own Redis user (deploy/redis/users.acl.template), and an administrator (default) with a password.
use_redis_users redisjwt: redisjwt-dev
start_redis "$DATA_DIR/redis" "$REDIS_PORT"

cat <<EOF

  RedisJwt (Development)
  issuer     $ISSUER
  discovery  $ISSUER/.well-known/openid-configuration
  BoardApi   $BOARD_API/posts  (resource $BOARD_RESOURCE; account API $ISSUER/auth, admin API $ISSUER/admin)
  Board SPA  $BOARD_SPA  (sign in with the demo user)
  account    $ISSUER/Account/Security
  messages   $DATA_DIR/messages  (what would be emailed: verification links, alerts)
  Acme       $THIRD_PARTY  (a third-party app: sign in with consent)
  delegation $BOARD_API/me/notifications  (with a /auth/login token: BoardApi exchanges it, RFC 8693, and calls $NOTIFICATIONS for you)
  machine    DOTNET_ENVIRONMENT=Development dotnet run --project samples/MachineClient
  device     dotnet run --project samples/DeviceCli  (then enter its code at $ISSUER/connect/verify)
  demo user  demo@redisjwt.local / Demo!Passw0rd
  PostgreSQL 127.0.0.1:$PG_PORT  superuser postgres / $PG_PASSWORD; each service's role owns its database:
             $PG_IDENTITY_ROLE / $PG_IDENTITY_PASSWORD, $PG_BOARD_ROLE / $PG_BOARD_PASSWORD
  Redis      127.0.0.1:$REDIS_PORT  administrator: REDISCLI_AUTH=$REDIS_ADMIN_PASSWORD redis-cli -p $REDIS_PORT
             services: identity-server / $REDIS_IDENTITY_SERVER_PASSWORD, board-api / $REDIS_BOARD_API_PASSWORD
  data       $DATA_DIR
  Ctrl-C stops every service, PostgreSQL and Redis.

EOF

# Each app migrates its own database itself in Development, as the role that owns it.
export ASPNETCORE_ENVIRONMENT=Development

# Built once up front: two concurrent builds of the shared library would collide.
log "building"
dotnet build "$REPO_ROOT/src/IdentityServer" -v quiet -nologo
dotnet build "$REPO_ROOT/src/BoardApi" -v quiet -nologo
dotnet build "$REPO_ROOT/src/BoardSpa" -v quiet -nologo
dotnet build "$REPO_ROOT/samples/ThirdPartyWeb" -v quiet -nologo
dotnet build "$REPO_ROOT/samples/NotificationsApi" -v quiet -nologo

# --no-launch-profile: launchSettings.json would otherwise override the URLs
# and environment below. Both run in the background and the script waits, so
# that a TERM sent to it reaches the trap at once (Ctrl-C works either way).
# Plain HTTP on loopback only; anything reachable from outside needs TLS.
# The demo requires of the Board SPA what it does: pushed requests and DPoP-bound tokens. Here, not in
# appsettings.Development.json, whose seed the .NET tests use to redeem board-spa codes plainly.
# The machine client (samples/MachineClient) authenticates with its own key (private_key_jwt, RFC 7523): the public
# half generate-dev-certs.sh wrote beside its private key, instead of the secret the tests' seed gives it.
ASPNETCORE_URLS=$ISSUER \
ConnectionStrings__IdentityDb="$(pg_role_connection "$PG_PORT" redisjwt_identity "$PG_IDENTITY_ROLE" "$PG_IDENTITY_PASSWORD")" \
ConnectionStrings__Redis="$(redis_connection "$REDIS_PORT" identity-server)" \
Server__Issuer="$ISSUER/" \
Server__AllowInsecureHttp=true \
Messages__Folder__Path="$DATA_DIR/messages" \
Credentials__SigningCertificatePath="$CERT_DIR/signing.crt" \
Credentials__SigningKeyPath="$CERT_DIR/signing.key" \
Credentials__EncryptionCertificatePath="$CERT_DIR/encryption.crt" \
Credentials__EncryptionKeyPath="$CERT_DIR/encryption.key" \
  env "Seed__ApiScopes__posts.read__Resource=$BOARD_RESOURCE" "Seed__ApiScopes__posts.write__Resource=$BOARD_RESOURCE" \
  "Seed__Clients__board-api__Resource=$BOARD_RESOURCE" \
  Seed__Clients__board-spa__RequirePushedAuthorizationRequests=true Seed__Clients__board-spa__RequireDPoP=true \
  Seed__Clients__reporting-service__Secret= Seed__Clients__reporting-service__TokenEndpointAuthMethod=private_key_jwt \
  "Seed__Clients__reporting-service__Jwks=$(cat "$CERT_DIR/machine-client.jwks.json")" \
  Seed__Clients__device-cli__Type=public "Seed__Clients__device-cli__DisplayName=Device CLI (sample)" \
  Seed__Clients__device-cli__GrantTypes__0=urn:ietf:params:oauth:grant-type:device_code Seed__Clients__device-cli__GrantTypes__1=refresh_token \
  Seed__Clients__device-cli__Scopes__0=openid Seed__Clients__device-cli__Scopes__1=offline_access Seed__Clients__device-cli__Scopes__2=posts.read \
  "Seed__ApiScopes__notifications.read__Resource=$NOTIFICATIONS/" Seed__Clients__board-app__Scopes__8=notifications.read \
  Seed__Clients__board-api__GrantTypes__0=urn:ietf:params:oauth:grant-type:token-exchange \
  Seed__Clients__board-api__Scopes__0=notifications.read "Seed__Clients__board-api__TokenExchangeAudiences__0=$NOTIFICATIONS/" \
  dotnet run --no-build --project "$REPO_ROOT/src/IdentityServer" --no-launch-profile &
IDS_PID=$!

# BoardApi knows the IdentityServer only by its issuer URL.
ASPNETCORE_URLS=$BOARD_API \
ConnectionStrings__BoardDb="$(pg_role_connection "$PG_PORT" redisjwt_board "$PG_BOARD_ROLE" "$PG_BOARD_PASSWORD")" \
ConnectionStrings__Redis="$(redis_connection "$REDIS_PORT" board-api)" \
Auth__Issuer="$ISSUER/" \
Auth__AllowInsecureHttp=true \
Auth__Audience="$BOARD_RESOURCE" \
Auth__ClientSecret=demo-board-api-secret-change-me \
Delegation__NotificationsApi="$NOTIFICATIONS/" Delegation__NotificationsResource="$NOTIFICATIONS/" \
  dotnet run --no-build --project "$REPO_ROOT/src/BoardApi" --no-launch-profile &
BOARD_PID=$!

# The SPA is static files plus its configuration, on its own origin.
ASPNETCORE_URLS=$BOARD_SPA \
Spa__Authority="$ISSUER/" \
Spa__BoardApi="$BOARD_API/" \
  dotnet run --no-build --project "$REPO_ROOT/src/BoardSpa" --no-launch-profile &
SPA_PID=$!

# Another company's server-side app: a confidential client (its dev secret is in its appsettings.Development.json).
ASPNETCORE_URLS=$THIRD_PARTY \
Oidc__Authority="$ISSUER/" \
BoardApi__BaseUrl="$BOARD_API/" \
  dotnet run --no-build --project "$REPO_ROOT/samples/ThirdPartyWeb" --no-launch-profile &
THIRD_PARTY_PID=$!

# The notifications API: trusts the IdentityServer, reads its revocations as BoardApi's Redis user (read only).
ASPNETCORE_URLS=$NOTIFICATIONS \
Api__Issuer="$ISSUER/" \
Api__Audience="$NOTIFICATIONS/" \
ConnectionStrings__Redis="$(redis_connection "$REDIS_PORT" board-api)" \
  dotnet run --no-build --project "$REPO_ROOT/samples/NotificationsApi" --no-launch-profile &
NOTIFICATIONS_PID=$!

# Whichever stops first (a crash, or Ctrl-C) ends the demo; the trap stops the others.
wait -n "$IDS_PID" "$BOARD_PID" "$SPA_PID" "$THIRD_PARTY_PID" "$NOTIFICATIONS_PID"
