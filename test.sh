#!/usr/bin/env bash
# shellcheck disable=SC2119,SC2317 # ensure_packages takes no script args; cleanup runs from a trap
# Runs every test: throwaway PostgreSQL, Redis and a Redis Cluster on
# loopback, a check of docker-compose.yml, the .NET test suites, then the
# browser tests (headless Chromium against the real servers, screenshots into
# test-artifacts/).
# Ends with the time each test project took (and the browser tests), then one summary line
#   tests: N passed, N failed, N skipped
# and exits non-zero if anything failed or no test ran at all.
# Extra arguments go to dotnet test, e.g. ./test.sh --filter "FullyQualifiedName~Token".
set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=scripts/lib.sh
source "$REPO_ROOT/scripts/lib.sh"

# Ports distinct from run.sh's, so tests can run while the demo is up; REDISJWT_TEST_PORT_BASE moves them all (and
# the browser tests'), so that two checkouts can run their tests at once.
PORT_BASE=${REDISJWT_TEST_PORT_BASE:-0}
PG_PORT=$((55432 + PORT_BASE))
PG_PASSWORD=redisjwt-test
REDIS_PORT=$((56379 + PORT_BASE))
# A 3-master Redis Cluster on 46401-46403 (cluster bus +10000), for the tests of the key schema's hash slots.
REDIS_CLUSTER_PORT=$((46401 + PORT_BASE))

SCRATCH=
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_scratch_servers "$SCRATCH" "$REDIS_PORT"
  exit "$rc"
}
install_traps cleanup

# The browser tests need Chromium (apt) and Node.js 20.10+ with npm (node --test's JUnit reporter); the
# end-to-end tests of the scaled-out deployment run nginx (as a child process, never the system's service).
ensure_packages chromium nginx
require_node

# Fresh servers for every run. mktemp makes the folder mode 700; 711 lets the
# postgres OS user (as root) pass through to its own subfolder.
SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/redisjwt-test.XXXXXX")
chmod 711 "$SCRATCH"
start_postgres "$SCRATCH/postgres" "$PG_PORT" "$PG_PASSWORD"
# The services' own PostgreSQL roles (deploy/postgres/service-database.sql): the tests create each test database
# owned by one of them, and the services connect as it.
use_pg_roles "$PG_PORT" "$PG_PASSWORD" redisjwt-test
# The Redis users of deploy/redis/users.acl.template, for every prefix the tests use (test:<guid>: for each test
# class, test:browser: for the browser tests). The services connect as their user, so a right they lack fails a
# test; the tests' own assertions and cleanup connect as the administrator (default). Exported: tests that start a
# Redis of their own (RedisProcess) give it the same users.
use_redis_users 'test:*:' redisjwt-test
start_redis "$SCRATCH/redis" "$REDIS_PORT"
start_redis_cluster "$SCRATCH/redis-cluster" "$REDIS_CLUSTER_PORT"

# What the tests read (TestServers): the superuser and administrator connections, and each service's role.
export REDISJWT_TEST_POSTGRES="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Password=$PG_PASSWORD"
export REDISJWT_TEST_POSTGRES_IDENTITY="Host=127.0.0.1;Port=$PG_PORT;Username=$PG_IDENTITY_ROLE;Password=$PG_IDENTITY_PASSWORD"
export REDISJWT_TEST_POSTGRES_BOARD="Host=127.0.0.1;Port=$PG_PORT;Username=$PG_BOARD_ROLE;Password=$PG_BOARD_PASSWORD"
REDISJWT_TEST_REDIS=$(redis_connection "$REDIS_PORT" default)
REDISJWT_TEST_REDIS_CLUSTER=$(redis_cluster_connection "$REDIS_CLUSTER_PORT" default)
export REDISJWT_TEST_REDIS REDISJWT_TEST_REDIS_CLUSTER

log "checking docker-compose.yml"
docker-compose -f "$REPO_ROOT/docker-compose.yml" --project-directory "$REPO_ROOT" config -q

# The timer starts with the tests themselves, not the package and server setup.
SECONDS=0

# LogFilePrefix, not LogFileName: with a fixed name every test project would
# overwrite the previous project's TRX file.
log "running dotnet test"
dotnet_rc=0
dotnet test "$REPO_ROOT/RedisJwt.sln" -c Release \
  --logger "trx;LogFilePrefix=redisjwt" \
  --results-directory "$SCRATCH/results" "$@" || dotnet_rc=$?

# Skipped when dotnet test was given a filter (a focused run), like the rest of "$@".
browser_rc=0
browser_seconds=
if [[ $# -eq 0 ]]; then
  browser_start=$SECONDS
  "$REPO_ROOT/scripts/browser-tests.sh" "$SCRATCH" "$PG_PORT" "$PG_PASSWORD" "$REDIS_PORT" "$SCRATCH/results" || browser_rc=$?
  browser_seconds=$((SECONDS - browser_start))
fi

# A right a service lacks can hide behind a fallback (a cache bypassed, a refusal StackExchange.Redis tolerates);
# Redis logs every refusal, so any is a failure here.
acl_denials=$(
  redis_acl_denials "$REDIS_PORT" || true
  for ((port = REDIS_CLUSTER_PORT; port < REDIS_CLUSTER_PORT + 3; port++)); do redis_acl_denials "$port" || true; done
)

# Count the outcome of every <UnitTestResult> in every TRX file: Passed, the
# failing kinds, and everything else (NotExecuted = skipped, Inconclusive...).
count_trx() {
  awk '
    {
      line = $0
      while (match(line, /<UnitTestResult [^>]*>/)) {
        tag = substr(line, RSTART, RLENGTH)
        line = substr(line, RSTART + RLENGTH)
        outcome = ""
        if (match(tag, / outcome="[A-Za-z]+"/)) outcome = substr(tag, RSTART + 10, RLENGTH - 11)
        if (outcome == "Passed") passed++
        else if (outcome ~ /^(Failed|Error|Timeout|Aborted)$/) failed++
        else skipped++
      }
    }
    END { printf "%d %d %d\n", passed, failed, skipped }
  ' "$@"
}

# The same from node's JUnit report: a <testcase> is failed if it holds a
# <failure>, skipped if it holds <skipped>.
count_junit() {
  awk '
    /<testcase/ { cases++ }
    /<failure/ { failed++ }
    /<skipped/ { skipped++ }
    END { printf "%d %d %d\n", cases - failed - skipped, failed, skipped }
  ' "$@"
}

# "<project> <seconds>" for each TRX file, from its <Times start=... finish=...>; the project is the test assembly
# its tests ran from. A file with no test in it (a filter matched none of the project's) is left out.
trx_durations() {
  local file project times start finish
  for file in "$@"; do
    project=$(grep -o -m1 'codeBase="[^"]*"' "$file" | sed 's|.*/||; s|\.dll"$||') || true
    [[ -n $project ]] || continue
    times=$(grep -o -m1 '<Times [^>]*>' "$file") || continue
    start=$(sed 's/.* start="\([^"]*\)".*/\1/' <<<"$times")
    finish=$(sed 's/.* finish="\([^"]*\)".*/\1/' <<<"$times")
    printf '%s %s\n' "$project" $(($(date -d "$finish" +%s) - $(date -d "$start" +%s)))
  done
}

trx_files=()
junit_files=()
if [[ -d $SCRATCH/results ]]; then
  mapfile -t trx_files < <(find "$SCRATCH/results" -name '*.trx')
  mapfile -t junit_files < <(find "$SCRATCH/results" -name '*.junit.xml')
fi
read -r passed failed skipped < <(
  if [[ ${#trx_files[@]} -gt 0 ]]; then count_trx "${trx_files[@]}"; else echo 0 0 0; fi
)
if [[ ${#junit_files[@]} -gt 0 ]]; then
  read -r b_passed b_failed b_skipped < <(count_junit "${junit_files[@]}")
  passed=$((passed + b_passed)) failed=$((failed + b_failed)) skipped=$((skipped + b_skipped))
fi

rc=0
if [[ -n $acl_denials ]]; then
  echo "Redis refused the services (a right missing from deploy/redis/users.acl.template?):"
  echo "$acl_denials"
  failed=$((failed + 1))
fi
if [[ $dotnet_rc -ne 0 ]]; then
  echo "dotnet test failed (exit code $dotnet_rc)"
  rc=$dotnet_rc
fi
if [[ $browser_rc -ne 0 ]]; then
  echo "browser tests failed (exit code $browser_rc)"
  [[ $rc -eq 0 ]] && rc=$browser_rc
fi
if [[ $((passed + failed + skipped)) -eq 0 ]]; then
  echo "no tests ran"
  rc=1
elif [[ $failed -gt 0 && $rc -eq 0 ]]; then
  rc=1
fi
# Where the time went: each test project, then the browser tests (with the servers they start).
while read -r project seconds; do
  echo "time: $project ${seconds}s"
done < <(if [[ ${#trx_files[@]} -gt 0 ]]; then trx_durations "${trx_files[@]}" | sort; fi)
[[ -n $browser_seconds ]] && echo "time: browser tests ${browser_seconds}s (servers included)"
echo "elapsed: ${SECONDS}s"
# Last line on purpose: CI reads the closing line for the counts.
echo "tests: $passed passed, $failed failed, $skipped skipped"
exit "$rc"
