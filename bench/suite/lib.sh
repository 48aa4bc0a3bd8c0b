# shellcheck shell=bash
# Helpers of bench/run.sh: measuring processes through /proc, non-fatal readiness checks, small JSON reads.
# Sourced after scripts/lib.sh (log, die).

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

# vm_hwm PID: peak resident set size in kB (VmHWM), 0 if the process is gone.
vm_hwm() {
  awk '$1 == "VmHWM:" { print $2; found = 1 } END { if (!found) print 0 }' "/proc/$1/status" 2>/dev/null || echo 0
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
