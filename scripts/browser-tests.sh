#!/usr/bin/env bash
# shellcheck disable=SC2317 # cleanup runs from a trap
# The browser tests: starts the IdentityServer, BoardApi, the Board SPA and the
# third-party sample on loopback ports of their own (against the PostgreSQL and
# Redis that test.sh started), then runs tests/browser in headless Chromium
# (Debian's chromium, driven by playwright-core). Writes JUnit XML to RESULTS
# and screenshots to test-artifacts/. Called by test.sh, whose environment
# names the services' PostgreSQL roles and Redis users:
#   scripts/browser-tests.sh SCRATCH PG_PORT PG_PASSWORD REDIS_PORT RESULTS
set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/lib.sh
source "$REPO_ROOT/scripts/lib.sh"

SCRATCH=$1 PG_PORT=$2 PG_PASSWORD=$3 REDIS_PORT=$4 RESULTS=$5
LOGS=$SCRATCH/browser-logs
mkdir -p "$LOGS" "$RESULTS"

PORT_BASE=${REDISJWT_TEST_PORT_BASE:-0}
IDS=http://127.0.0.1:$((45001 + PORT_BASE))
BOARD=http://127.0.0.1:$((45002 + PORT_BASE))
SPA=http://127.0.0.1:$((45173 + PORT_BASE))
THIRD_PARTY=http://127.0.0.1:$((45003 + PORT_BASE))
# Short enough that a test sees the SPA renew its access token silently, twice.
ACCESS_TOKEN_LIFETIME=00:00:20
RENEW_SECONDS_BEFORE_EXPIRY=12
# How long the end-session page waits for a hanging front-channel logout iframe; shorter than the default 3 s, and
# long enough for a screenshot of the page while it waits (logout.test.mjs).
FRONT_CHANNEL_TIMEOUT_SECONDS=2

PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
}
trap cleanup EXIT

# Each service's database, owned by its role (test.sh made the roles), as the services connect to it.
db() { # NAME ROLE_CONNECTION (REDISJWT_TEST_POSTGRES_IDENTITY or _BOARD)
  local role
  role=$(sed -n 's/.*Username=\([^;]*\).*/\1/p' <<<"$2")
  ensure_pg_database "$PG_PORT" "$PG_PASSWORD" "$1" "$role"
  echo "$2;Database=$1"
}
# Under test.sh's Redis users, whose key patterns cover every prefix test:*:.
PREFIX=test:browser:

start_service() { # PROJECT_DIR URL [KEY=VALUE...]
  local dir=$1 url=$2 name
  name=$(basename "$dir")
  shift 2
  (
    cd "$REPO_ROOT/$dir/bin/Release/net10.0"
    exec env ASPNETCORE_ENVIRONMENT=Development ASPNETCORE_URLS="$url" \
      Logging__LogLevel__Default=Warning Logging__LogLevel__OpenIddict=Warning "$@" dotnet "$name.dll"
  ) >"$LOGS/$name.log" 2>&1 &
  PIDS+=($!)
}

wait_up() { # URL LOG NAME
  local i
  for ((i = 0; i < 120; i++)); do
    curl -sf -o /dev/null "$1" && return 0
    sleep 0.5
  done
  tail -n 30 "$2" >&2
  die "$3 did not start"
}

"$REPO_ROOT/certs/generate-dev-certs.sh" "$SCRATCH/certs" >/dev/null

log "browser tests: building the apps"
for project in src/IdentityServer src/BoardApi src/BoardSpa samples/ThirdPartyWeb; do
  dotnet build "$REPO_ROOT/$project" -c Release -v quiet -nologo >/dev/null
done
(cd "$REPO_ROOT/tests/browser" && npm ci --no-audit --no-fund --loglevel=error)

# The demo's seeded clients and BoardApi's resource identifier (its URL), moved to this run's ports. The SPA pushes its
# authorization requests (RFC 9126) and binds its tokens (DPoP, RFC 9449); here the server requires both of board-spa,
# so that a request of the SPA's that went through the address bar, or a token request without a proof, fails a test.
# openid-client's relying party (openid-client.test.mjs): confidential, required to push and to bind its tokens; its
# callback, front-channel logout URI and post-logout redirect are caught in the browser (logout.test.mjs), nothing
# listens there.
CERTIFIED_RP=(Seed__Clients__certified-rp__Type=confidential Seed__Clients__certified-rp__ConsentType=implicit
  Seed__Clients__certified-rp__Secret=browser-tests-certified-rp-secret
  Seed__Clients__certified-rp__GrantTypes__0=authorization_code Seed__Clients__certified-rp__GrantTypes__1=refresh_token
  Seed__Clients__certified-rp__RedirectUris__0=http://127.0.0.1:5099/callback
  Seed__Clients__certified-rp__PostLogoutRedirectUris__0=http://127.0.0.1:5099/signed-out
  Seed__Clients__certified-rp__FrontChannelLogoutUri=http://127.0.0.1:5099/frontchannel-logout
  Seed__Clients__certified-rp__Scopes__0=openid Seed__Clients__certified-rp__Scopes__1=offline_access
  Seed__Clients__certified-rp__Scopes__2=posts.read Seed__Clients__certified-rp__Scopes__3=account
  Seed__Clients__certified-rp__RequirePushedAuthorizationRequests=true Seed__Clients__certified-rp__RequireDPoP=true)
# private-key-jwt.test.mjs: a client that authenticates with its own key (RFC 7523), the key pair the certificate
# script made for the machine client; the test signs with its private half.
PRIVATE_KEY_JWT=(Seed__Clients__partner-pkjwt__TokenEndpointAuthMethod=private_key_jwt
  "Seed__Clients__partner-pkjwt__Jwks=$(cat "$SCRATCH/certs/machine-client.jwks.json")"
  Seed__Clients__partner-pkjwt__GrantTypes__0=client_credentials Seed__Clients__partner-pkjwt__Scopes__0=posts.read)
# The device flow's client (device-flow.test.mjs): public, the device grant (RFC 8628) and refresh tokens.
DEVICE_RP=(Seed__Clients__device-rp__Type=public "Seed__Clients__device-rp__DisplayName=Device RP (browser tests)"
  Seed__Clients__device-rp__GrantTypes__0=urn:ietf:params:oauth:grant-type:device_code
  Seed__Clients__device-rp__GrantTypes__1=refresh_token
  Seed__Clients__device-rp__Scopes__0=openid Seed__Clients__device-rp__Scopes__1=offline_access
  Seed__Clients__device-rp__Scopes__2=posts.read Seed__Clients__device-rp__Scopes__3=email)
start_service src/IdentityServer "$IDS" \
  ConnectionStrings__Redis="$(redis_connection "$REDIS_PORT" identity-server)" Redis__KeyPrefix=$PREFIX \
  ConnectionStrings__IdentityDb="$(db browser_identity "$REDISJWT_TEST_POSTGRES_IDENTITY")" \
  Server__Issuer="$IDS/" Server__AllowInsecureHttp=true Server__AccessTokenLifetime=$ACCESS_TOKEN_LIFETIME \
  Logout__FrontChannelTimeout="00:00:$FRONT_CHANNEL_TIMEOUT_SECONDS" \
  Credentials__SigningCertificatePath="$SCRATCH/certs/signing.crt" Credentials__SigningKeyPath="$SCRATCH/certs/signing.key" \
  Credentials__EncryptionCertificatePath="$SCRATCH/certs/encryption.crt" Credentials__EncryptionKeyPath="$SCRATCH/certs/encryption.key" \
  Cors__AllowedOrigins__0="$SPA" Messages__Folder__Path="$SCRATCH/messages" \
  "Seed__Clients__board-spa__RedirectUris__0=$SPA/callback" \
  "Seed__Clients__board-spa__PostLogoutRedirectUris__0=$SPA/" \
  Seed__Clients__board-spa__RequirePushedAuthorizationRequests=true Seed__Clients__board-spa__RequireDPoP=true \
  "Seed__Clients__third-party-demo__RedirectUris__0=$THIRD_PARTY/signin-oidc" \
  "Seed__Clients__third-party-demo__PostLogoutRedirectUris__0=$THIRD_PARTY/signout-callback-oidc" \
  "Seed__Clients__third-party-demo__BackChannelLogoutUri=$THIRD_PARTY/backchannel-logout" \
  "Seed__ApiScopes__posts.read__Resource=$BOARD/" "Seed__ApiScopes__posts.write__Resource=$BOARD/" \
  "Seed__Clients__board-api__Resource=$BOARD/" \
  "${CERTIFIED_RP[@]}" \
  "${PRIVATE_KEY_JWT[@]}" \
  "${DEVICE_RP[@]}" \
  RateLimits__Policies__sign-in-per-account__PermitLimit=1000 RateLimits__Policies__sign-in-per-ip__PermitLimit=1000 \
  RateLimits__Policies__registrations-per-ip__PermitLimit=1000
start_service src/BoardApi "$BOARD" \
  ConnectionStrings__Redis="$(redis_connection "$REDIS_PORT" board-api)" Redis__KeyPrefix=$PREFIX \
  ConnectionStrings__BoardDb="$(db browser_board "$REDISJWT_TEST_POSTGRES_BOARD")" \
  Auth__Issuer="$IDS/" Auth__AllowInsecureHttp=true Auth__Audience="$BOARD/" Cors__AllowedOrigins__0="$SPA"
start_service src/BoardSpa "$SPA" \
  Spa__Authority="$IDS/" Spa__BoardApi="$BOARD/" Spa__RenewSecondsBeforeExpiry=$RENEW_SECONDS_BEFORE_EXPIRY
# The planner's back-channel logout receiver logs each logout it accepts at Information: logout.test.mjs reads it.
start_service samples/ThirdPartyWeb "$THIRD_PARTY" Oidc__Authority="$IDS/" BoardApi__BaseUrl="$BOARD/" \
  Logging__LogLevel__AcmePlanner.Auth.BackChannelLogout=Information

wait_up "$IDS/health/ready" "$LOGS/IdentityServer.log" IdentityServer
# dynamic-registration.test.mjs: a single-use initial access token for openid-client's registration, issued as an
# operator would, with the CLI against the running server's database (redirect URIs under http://127.0.0.1:5098/).
DCR_INITIAL_ACCESS_TOKEN=$(
  cd "$REPO_ROOT/src/IdentityServer/bin/Release/net10.0"
  env ASPNETCORE_ENVIRONMENT=Development Logging__LogLevel__Default=Warning \
    ConnectionStrings__Redis="$(redis_connection "$REDIS_PORT" identity-server)" Redis__KeyPrefix=$PREFIX \
    ConnectionStrings__IdentityDb="$(db browser_identity "$REDISJWT_TEST_POSTGRES_IDENTITY")" \
    Server__Issuer="$IDS/" Server__AllowInsecureHttp=true \
    Credentials__SigningCertificatePath="$SCRATCH/certs/signing.crt" Credentials__SigningKeyPath="$SCRATCH/certs/signing.key" \
    Credentials__EncryptionCertificatePath="$SCRATCH/certs/encryption.crt" Credentials__EncryptionKeyPath="$SCRATCH/certs/encryption.key" \
    "Seed__ApiScopes__posts.read__Resource=$BOARD/" "Seed__ApiScopes__posts.write__Resource=$BOARD/" \
    "Seed__Clients__board-api__Resource=$BOARD/" "${CERTIFIED_RP[@]}" \
    dotnet IdentityServer.dll initial-access-tokens create --description "browser tests: openid-client" \
    --grant authorization_code --grant refresh_token --scope "openid offline_access posts.read" \
    --redirect-uri-prefix http://127.0.0.1:5098/ --expires-in 3600 | sed -n 's/^initial_access_token: //p'
)
[[ -n $DCR_INITIAL_ACCESS_TOKEN ]] || die "the initial access token for dynamic-registration.test.mjs could not be issued"
export DCR_INITIAL_ACCESS_TOKEN
wait_up "$BOARD/health/ready" "$LOGS/BoardApi.log" BoardApi
wait_up "$SPA/config.json" "$LOGS/BoardSpa.log" "Board SPA"
wait_up "$THIRD_PARTY/" "$LOGS/ThirdPartyWeb.log" "third-party sample"

log "running the browser tests (headless Chromium)"
rm -rf "$REPO_ROOT/test-artifacts"
cd "$REPO_ROOT/tests/browser"
rc=0
IDS_URL=$IDS BOARD_URL=$BOARD SPA_URL=$SPA THIRD_PARTY_URL=$THIRD_PARTY \
ACCESS_TOKEN_LIFETIME_SECONDS=20 FRONT_CHANNEL_TIMEOUT_SECONDS=$FRONT_CHANNEL_TIMEOUT_SECONDS ARTIFACTS="$REPO_ROOT/test-artifacts" \
SERVICE_LOGS="$LOGS" \
PRIVATE_KEY_JWT_KEY="$SCRATCH/certs/machine-client.key" \
  node --test --test-concurrency=1 \
    --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=junit --test-reporter-destination="$RESULTS/browser.junit.xml" \
    ${REDISJWT_BROWSER_TESTS:-./*.test.mjs} || rc=$?
if [[ $rc -ne 0 ]]; then
  log "browser tests failed; server logs are in $LOGS (last lines of each below)"
  for file in "$LOGS"/*.log; do echo "--- $file"; tail -n 15 "$file"; done
fi
exit "$rc"
