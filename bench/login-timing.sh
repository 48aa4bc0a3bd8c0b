#!/usr/bin/env bash
# shellcheck disable=SC2317 # cleanup runs from a trap
# Does /auth/login's timing tell an unknown email from a wrong password or a locked account? One IdentityServer on
# fresh PostgreSQL and Redis; sequential requests, interleaved by kind; medians and p90 per kind, and the ratios.
# Writes bench/results/login-timing.md. Usage: bench/login-timing.sh [accounts]
set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/lib.sh
source "$REPO_ROOT/scripts/lib.sh"

ACCOUNTS=${1:-40}
PG_PORT=25442
PG_PASSWORD=redisjwt-bench
REDIS_PORT=26389
PORT=5811
URL=http://127.0.0.1:$PORT
RESULTS=$REPO_ROOT/bench/results/login-timing.md

SCRATCH=
PID=
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  [[ -n $PID ]] && stop_pid "$PID"
  stop_scratch_servers "$SCRATCH" "$REDIS_PORT"
  exit "$rc"
}
install_traps cleanup

ensure_packages
SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/redisjwt-bench.XXXXXX")
chmod 711 "$SCRATCH"
start_scratch_servers "$SCRATCH" "$PG_PORT" "$PG_PASSWORD" "$REDIS_PORT"
ensure_pg_database "$PG_PORT" "$PG_PASSWORD" bench_login "$PG_IDENTITY_ROLE"

log "building (Release)"
dotnet build "$REPO_ROOT/src/IdentityServer" -c Release -v quiet -nologo >/dev/null

log "starting the IdentityServer on :$PORT"
(
  cd "$REPO_ROOT/src/IdentityServer/bin/Release/net10.0"
  # Development seeds the first-party client; logging as production would; limits out of the way of the measurement.
  exec env ASPNETCORE_ENVIRONMENT=Development ASPNETCORE_URLS="$URL" \
    Logging__LogLevel__Default=Warning Logging__LogLevel__OpenIddict=Warning \
    ConnectionStrings__Redis="$(redis_connection "$REDIS_PORT" identity-server)" \
    ConnectionStrings__IdentityDb="$(pg_role_connection "$PG_PORT" bench_login "$PG_IDENTITY_ROLE" "$PG_IDENTITY_PASSWORD")" \
    Server__Issuer="$URL/" Server__AllowInsecureHttp=true \
    Credentials__SigningCertificatePath="$SCRATCH/certs/signing.crt" Credentials__SigningKeyPath="$SCRATCH/certs/signing.key" \
    Credentials__EncryptionCertificatePath="$SCRATCH/certs/encryption.crt" Credentials__EncryptionKeyPath="$SCRATCH/certs/encryption.key" \
    RateLimits__Policies__sign-in-per-account__PermitLimit=1000000 RateLimits__Policies__sign-in-per-ip__PermitLimit=1000000 \
    RateLimits__Policies__registrations-per-ip__PermitLimit=1000000 RateLimits__Policies__token-requests-per-client__PermitLimit=1000000 \
    dotnet IdentityServer.dll
) >"$SCRATCH/identityserver.log" 2>&1 &
PID=$!
wait_ready "$URL" "$SCRATCH/identityserver.log" "the IdentityServer"

login() { # EMAIL PASSWORD KIND: appends "KIND seconds status" to the samples
  curl -s -o /dev/null -w "$3 %{time_total} %{http_code}\n" -H 'Content-Type: application/json' \
    -d "{\"email\":\"$1\",\"password\":\"$2\"}" "$URL/auth/login" >>"$SCRATCH/samples"
}

log "registering $ACCOUNTS accounts"
for ((a = 0; a < ACCOUNTS; a++)); do
  curl -sf -o /dev/null -H 'Content-Type: application/json' \
    -d "{\"email\":\"timing-$a@bench.test\",\"password\":\"Str0ng!Password\",\"displayName\":\"T\",\"birthdate\":\"1990-01-01\"}" \
    "$URL/auth/register"
done

log "warming up"
for ((a = 0; a < 20; a++)); do login "warmup-$a@bench.test" "Wr0ng!Password" warmup; done
: >"$SCRATCH/samples"

log "measuring: 4 wrong passwords per account, then the lockout, each followed by an unknown email"
for round in 1 2 3 4; do
  for ((a = 0; a < ACCOUNTS; a++)); do
    login "timing-$a@bench.test" "Wr0ng!Password" wrong-password
    login "nobody-$round-$a@bench.test" "Wr0ng!Password" unknown-email
  done
done
for ((a = 0; a < ACCOUNTS; a++)); do login "timing-$a@bench.test" "Wr0ng!Password" locking; done
for ((a = 0; a < ACCOUNTS; a++)); do
  login "timing-$a@bench.test" "Str0ng!Password" locked-account
  login "nobody-5-$a@bench.test" "Str0ng!Password" unknown-email
done

stats() { # KIND -> "median p90 count statuses"
  local kind=$1
  awk -v k="$kind" '$1 == k { print $2 * 1000 }' "$SCRATCH/samples" | sort -n | awk '
    { v[NR] = $1 } END { printf "%.1f %.1f %d", v[int((NR + 1) / 2)], v[int(NR * 0.9 + 0.5)], NR }'
  printf ' %s' "$(awk -v k="$kind" '$1 == k { print $3 }' "$SCRATCH/samples" | sort | uniq -c | awk '{ printf "%s×%s ", $1, $2 }')"
}
read -r wrong_median wrong_p90 wrong_n wrong_status <<<"$(stats wrong-password)"
read -r unknown_median unknown_p90 unknown_n unknown_status <<<"$(stats unknown-email)"
read -r locked_median locked_p90 locked_n locked_status <<<"$(stats locked-account)"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

mkdir -p "$(dirname "$RESULTS")"
cat >"$RESULTS" <<MD
# /auth/login timing: unknown email vs wrong password vs locked account

$(date -u +%Y-%m-%d), $(nproc) cores, one IdentityServer (Release) on loopback, sequential requests, kinds
interleaved. Every answer is the same 400 \`invalid_grant\` problem; only the time could differ.

| kind | requests | median (ms) | p90 (ms) | statuses |
|---|---|---|---|---|
| wrong password (existing account) | $wrong_n | $wrong_median | $wrong_p90 | $wrong_status |
| unknown email | $unknown_n | $unknown_median | $unknown_p90 | $unknown_status |
| locked account (right password) | $locked_n | $locked_median | $locked_p90 | $locked_status |

Median ratios: unknown email / wrong password = **$(ratio "$unknown_median" "$wrong_median")**,
locked / wrong password = **$(ratio "$locked_median" "$wrong_median")**.
MD
cat "$RESULTS"
