# shellcheck shell=bash
# Helpers of the bench scripts: starting our services, measuring processes through /proc, non-fatal readiness checks,
# small JSON reads. Sourced after scripts/lib.sh (log, die).

# stop_bench: the exit trap of a bench script (install_traps stop_bench) whose globals are PIDS (name -> PID of each
# service it started), SCRATCH, REDIS_PORT and LOGS_ON_FAILURE: stops the services and the scratch servers, and keeps
# the services' logs of a failed run in LOGS_ON_FAILURE (the scratch folder does not outlive it).
stop_bench() {
  local rc=$? name
  trap - EXIT INT TERM
  for name in "${!PIDS[@]}"; do stop_pid "${PIDS[$name]}"; done
  if [[ $rc -ne 0 && -n $SCRATCH ]] && compgen -G "$SCRATCH/*.log" >/dev/null; then
    rm -rf "$LOGS_ON_FAILURE" && mkdir -p "$LOGS_ON_FAILURE" && cp "$SCRATCH"/*.log "$LOGS_ON_FAILURE/"
    log "logs of the failed run: $LOGS_ON_FAILURE"
  fi
  stop_scratch_servers "$SCRATCH" "$REDIS_PORT"
  exit "$rc"
}

# start_dotnet NAME PROJECT PORT [KEY=VALUE...]: src/PROJECT's Release build in the background on 127.0.0.1:PORT, with
# the caller's COMMON_ENV and then KEY=VALUE, its log SCRATCH/NAME.log; exec keeps the PID (PIDS[NAME]) the server's own.
start_dotnet() {
  local name=$1 project=$2 port=$3 dir
  shift 3
  dir=src/$project
  [[ $project != */* ]] || dir=$project
  (
    cd "$REPO_ROOT/$dir/bin/Release/net10.0"
    exec env ASPNETCORE_URLS="http://127.0.0.1:$port" "${COMMON_ENV[@]}" "$@" dotnet "${project##*/}.dll"
  ) >"$SCRATCH/$name.log" 2>&1 &
  PIDS[$name]=$!
}

# bench_identity_env ARRAY: appends to ARRAY the IdentityServer settings the bench scripts share: the scratch key
# files (SCRATCH/certs), messages to a folder, the API scopes' resource BOARD_RESOURCE, and the clients CLIENT
# (client_credentials with SECRET, posts.read and posts.write) and INTROSPECTOR (BoardApi introspecting, with
# INTROSPECTOR_SECRET).
bench_identity_env() {
  local -n settings=$1
  settings+=(
    Credentials__SigningCertificatePath="$SCRATCH/certs/signing.crt" Credentials__SigningKeyPath="$SCRATCH/certs/signing.key"
    Credentials__EncryptionCertificatePath="$SCRATCH/certs/encryption.crt" Credentials__EncryptionKeyPath="$SCRATCH/certs/encryption.key"
    Messages__Providers__Email=folder Messages__Providers__Sms=folder Messages__Folder__Path="$SCRATCH/messages"
    "Seed__ApiScopes__posts.read__Resource=$BOARD_RESOURCE" "Seed__ApiScopes__posts.write__Resource=$BOARD_RESOURCE"
    "Seed__Clients__${CLIENT}__Type=confidential" "Seed__Clients__${CLIENT}__Secret=$SECRET"
    "Seed__Clients__${CLIENT}__GrantTypes__0=client_credentials"
    "Seed__Clients__${CLIENT}__Scopes__0=posts.read" "Seed__Clients__${CLIENT}__Scopes__1=posts.write"
    "Seed__Clients__${INTROSPECTOR}__Type=confidential" "Seed__Clients__${INTROSPECTOR}__Secret=$INTROSPECTOR_SECRET"
    "Seed__Clients__${INTROSPECTOR}__Introspection=true" "Seed__Clients__${INTROSPECTOR}__Resource=$BOARD_RESOURCE"
  )
}

# bench_app_env ARRAY SCOPE...: appends to ARRAY the first-party public client APP (AuthApi:ClientId: the password
# grant that starts each refresh family, then refresh_token) with SCOPEs, the user USER_EMAIL / USER_PASSWORD, and
# sign-in limits that stay on (a Redis call each) but never refuse one user signing in many times from one address.
bench_app_env() {
  local -n settings=$1
  local scope index=0
  shift
  settings+=(AuthApi__ClientId="$APP" "Seed__Clients__${APP}__Type=public" "Seed__Clients__${APP}__ConsentType=implicit"
    "Seed__Clients__${APP}__GrantTypes__0=password" "Seed__Clients__${APP}__GrantTypes__1=refresh_token"
    Seed__DemoUser__Email="$USER_EMAIL" Seed__DemoUser__Password="$USER_PASSWORD" "Seed__DemoUser__DisplayName=Bench User"
    RateLimits__Policies__sign-in-per-account__PermitLimit=10000000 RateLimits__Policies__sign-in-per-ip__PermitLimit=10000000)
  for scope; do
    settings+=("Seed__Clients__${APP}__Scopes__$((index++))=$scope")
  done
}

# migrate PROJECT [KEY=VALUE...]: the Production path, `X migrate` (migrations and seed), then exit.
migrate() {
  local project=$1
  shift
  (cd "$REPO_ROOT/src/$project/bin/Release/net10.0" && env "${COMMON_ENV[@]}" "$@" dotnet "$project.dll" migrate) \
    >"$SCRATCH/migrate-$project.log" 2>&1 || { tail -n 30 "$SCRATCH/migrate-$project.log" >&2; die "$project migrate failed"; }
}

# ticks: reads PIDs on stdin, prints "PID TICKS" (utime + stime, /proc/PID/stat fields 14 and 15) for each live one.
# The fields are counted after the ")" that ends the command name, which may itself contain spaces.
ticks() {
  local pid stat
  while read -r pid; do
    [[ -n $pid ]] || continue
    stat=$(cat "/proc/$pid/stat" 2>/dev/null) || continue
    awk '{ print p, $12 + $13 }' p="$pid" <<<"${stat##*) }"
  done
  return 0
}

# cpu_delta BEFORE AFTER: CPU ticks spent between two ticks outputs, over the processes alive at both (a
# PostgreSQL backend that exited meanwhile would otherwise count negative).
cpu_delta() {
  awk 'NR == FNR { before[$1] = $2; next } ($1 in before) { sum += $2 - before[$1] } END { print sum + 0 }' "$1" "$2"
}

# machine_ticks: CPU ticks the whole machine spent busy (user, nice, system, irq, softirq, steal) since boot.
machine_ticks() {
  awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat
}

# children_ticks: CPU ticks of this shell's finished and waited-for children (/proc/$$/stat cutime + cstime); the
# difference around one command run in the foreground is that command's CPU time, wrk's for instance.
children_ticks() {
  local stat
  stat=$(cat "/proc/$$/stat")
  awk '{ print $14 + $15 }' <<<"${stat##*) }"
}

# status_kb PID FIELD: a figure in kB of /proc/PID/status (VmHWM, VmRSS), 0 if the process is gone.
status_kb() {
  awk -v field="$2:" '$1 == field { print $2; found = 1 } END { if (!found) print 0 }' "/proc/$1/status" 2>/dev/null || echo 0
}

vm_hwm() { status_kb "$1" VmHWM; } # PID: peak resident set size in kB
vm_rss() { status_kb "$1" VmRSS; } # PID: resident set size in kB

# pss_kb: reads PIDs on stdin, prints their proportional set sizes summed, in kB (/proc/PID/smaps_rollup): pages the
# processes share (nginx's workers, PostgreSQL's shared buffers) counted once, where VmRSS would count them in each.
pss_kb() {
  local pid
  while read -r pid; do
    [[ -n $pid ]] && cat "/proc/$pid/smaps_rollup" 2>/dev/null
  done | awk '$1 == "Pss:" { sum += $2 } END { print sum + 0 }'
}

# store_pids: PostgreSQL's postmaster and backends and Redis, of a bench script's scratch servers (global SCRATCH).
store_pids() {
  local postmaster
  postmaster=$(head -n 1 "$SCRATCH/postgres/postmaster.pid")
  echo "$postmaster"
  pgrep -P "$postmaster" || true
  cat "$SCRATCH/redis/redis.pid"
}

# own_pids: every process a bench script runs (globals SCRATCH and PIDS, as stop_bench's), to tell its CPU from what
# other work on the machine took: the scratch servers and each service with its children (nginx's workers).
own_pids() {
  local pid
  store_pids
  for pid in "${PIDS[@]}"; do
    echo "$pid"
    pgrep -P "$pid" || true
  done
}

# try_ready URL PID: polls URL for up to a minute while PID lives; fails (without dying) if it exits or never answers.
# For servers that may legitimately refuse to start, such as with a signing algorithm they do not know yet.
try_ready() {
  local i
  for ((i = 0; i < 120; i++)); do
    curl -sf -o /dev/null "$1" && return 0
    kill -0 "$2" 2>/dev/null || return 1
    sleep 0.5
  done
  return 1
}

# json_field NAME: the top-level field NAME of the JSON document on stdin.
json_field() {
  node -e 'let s = ""; process.stdin.on("data", d => s += d).on("end", () => console.log(JSON.parse(s)[process.argv[1]]))' "$1"
}

# jwt_alg TOKEN: the "alg" of a JWT's protected header.
jwt_alg() {
  node -e 'console.log(JSON.parse(Buffer.from(process.argv[1].split(".")[0], "base64url")).alg)' "$1"
}

# jwt_shape TOKEN: a JWT's protected header and the names of its claims, to tell whether two servers' tokens compare.
jwt_shape() {
  node -e 'const [h, p] = process.argv[1].split(".").slice(0, 2).map((x) => JSON.parse(Buffer.from(x, "base64url")));
    console.log(`header ${JSON.stringify(h)}, claims ${Object.keys(p).sort().join(" ")}, aud ${p.aud}, scope ${p.scope}`)' "$1"
}

# basic CLIENT SECRET: the credentials of an Authorization: Basic header (client_secret_basic).
basic() { printf '%s:%s' "$1" "$2" | base64 -w0; }

# client_token TOKEN_URL CLIENT SECRET SCOPE [EXTRA_FORM_FIELD...]: a client_credentials access token.
client_token() {
  local url=$1 client=$2 secret=$3 scope=$4 extra=() field
  shift 4
  for field; do extra+=(-d "$field"); done
  curl -sf -u "$client:$secret" -d grant_type=client_credentials -d "scope=$scope" "${extra[@]}" "$url" \
    | json_field access_token
}

# mint_refresh_families TOKEN_URL CLIENT EMAIL PASSWORD COUNT FILE: COUNT refresh-token families of one user, each
# from a password grant of the first-party CLIENT (what /auth/login is), their refresh tokens one a line in FILE.
# Four at a time: more right passwords at once than Identity's MaxFailedAccessAttempts (5) are held back by the
# lockout's reservations (CredentialCheck).
mint_refresh_families() {
  local url=$1 client=$2 email=$3 password=$4 count=$5 file=$6
  mkdir -p "$file.answers"
  seq "$count" | xargs -P 4 -I{} curl -s -o "$file.answers/{}" --data-urlencode "username=$email" \
    --data-urlencode "password=$password" -d grant_type=password -d client_id="$client" \
    --data-urlencode 'scope=openid offline_access posts.read' "$url"
  node -e 'const fs = require("fs"), dir = process.argv[1];
    const answers = fs.readdirSync(dir).map((f) => JSON.parse(fs.readFileSync(`${dir}/${f}`, "utf8")));
    const failed = answers.find((a) => !a.refresh_token);
    if (failed) { console.error(`a password grant failed: ${JSON.stringify(failed)}`); process.exit(1); }
    console.log(answers.map((a) => a.refresh_token).join("\n"))' "$file.answers" >"$file" || die "could not start the refresh families"
  (($(wc -l <"$file") == count)) || die "only $(wc -l <"$file") of $count password grants answered a refresh token"
}
