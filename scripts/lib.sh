# shellcheck shell=bash disable=SC2034 # PG_STARTED/REDIS_STARTED/REDIS_CLUSTER_STARTED are read by the callers
# Helpers shared by run.sh and test.sh: install what the scripts need and run
# throwaway PostgreSQL / Redis servers on loopback, without systemd or Docker
# (neither is available on the dev and CI machines).
#
# Usage: source "$REPO_ROOT/scripts/lib.sh"
# start_postgres / start_redis / start_redis_cluster set PG_STARTED=1 /
# REDIS_STARTED=1 / REDIS_CLUSTER_STARTED=1 when they launched a server
# themselves (as opposed to reusing one that was already running), so that a
# caller's cleanup stops only what it started.

PG_STARTED=0
REDIS_STARTED=0
REDIS_CLUSTER_STARTED=0
REDIS_CLUSTER_FIRST_PORT=

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Runs a command as the OS user that owns PostgreSQL's files. initdb and
# pg_ctl refuse to run as root, so as root we switch to "postgres"; any other
# user simply runs the server as itself. "cd /" because the postgres user may
# not be allowed into the caller's working directory.
_as_pg() {
  if [[ $EUID -eq 0 ]]; then
    (cd / && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

# --- packages ---------------------------------------------------------------

_APT_UPDATED=0

# ensure_packages [EXTRA_PACKAGE...]
# Installs with apt whatever is missing. A fresh machine has the .NET SDK but
# may lack the servers, so the scripts must install them themselves.
ensure_packages() {
  if ! command -v dotnet >/dev/null 2>&1; then
    die "'dotnet' not found: install the .NET SDK 10 (see global.json) and put it on PATH"
  fi
  # Any SDK with major version >= 10 can build net10.0.
  if ! dotnet --list-sdks 2>/dev/null | awk -F. '$1 >= 10 { found = 1 } END { exit !found }'; then
    die "the .NET SDK 10 is required; installed SDKs: $(dotnet --list-sdks | tr '\n' ' ')"
  fi

  local missing=()
  compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=(postgresql)
  command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
  command -v redis-cli >/dev/null 2>&1 || missing+=(redis-tools)
  command -v openssl >/dev/null 2>&1 || missing+=(openssl)
  command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
  local pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' || missing+=("$pkg")
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0

  local sudo=()
  if [[ $EUID -ne 0 ]]; then
    command -v sudo >/dev/null 2>&1 || die "missing packages: ${missing[*]} (run as root or install sudo)"
    sudo=(sudo)
  fi
  log "installing: ${missing[*]}"
  if [[ $_APT_UPDATED -eq 0 ]]; then
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
    _APT_UPDATED=1
  fi
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# require_node: Node.js 20.10 or newer with npm (the SPA's build and the browser tests). Not installed from apt:
# Debian 12's nodejs is 18, too old; NodeSource's package (which includes npm) is the usual source.
require_node() {
  command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 \
    || die "Node.js 20.10+ with npm is required (e.g. the nodejs package from NodeSource)"
  node -e 'const [major, minor] = process.versions.node.split(".").map(Number); process.exit(major > 20 || (major === 20 && minor >= 10) ? 0 : 1)' \
    || die "Node.js 20.10+ is required; this is $(node --version)"
}

# --- PostgreSQL -------------------------------------------------------------

# pg_bin: the newest installed PostgreSQL's bin folder (Debian keeps them
# versioned under /usr/lib/postgresql and puts only the client on PATH).
pg_bin() {
  local dir
  dir=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  [[ -x $dir/initdb ]] || die "no PostgreSQL server found under /usr/lib/postgresql (run ensure_packages)"
  printf '%s\n' "$dir"
}

# As root the server runs as "postgres", which must be able to reach the data
# folder. A repo under a mode-700 home (Debian 12's default) would break that,
# so say so plainly instead of letting initdb fail obscurely.
_check_pg_can_reach() {
  local dir=$1
  [[ $EUID -eq 0 ]] || return 0
  if ! runuser -u postgres -- test -x "$dir"; then
    die "the 'postgres' OS user cannot reach $dir (a parent folder is not searchable by others, e.g. a mode-700 home).
       Put the data elsewhere (run.sh: REDISJWT_DATA_DIR=/var/tmp/redisjwt ./run.sh; test.sh: TMPDIR=/var/tmp ./test.sh),
       move the repository, or allow traversal with chmod o+x on the parent folders."
  fi
}

# start_postgres DATA_DIR PORT PASSWORD
# Creates the cluster on first use (superuser "postgres" with PASSWORD; the
# password is only applied then) and starts it on 127.0.0.1:PORT. An existing
# cluster is reused, and so is a postmaster already running on DATA_DIR.
start_postgres() {
  local data_dir=$1 port=$2 password=$3 bin
  bin=$(pg_bin)
  mkdir -p "$data_dir"
  data_dir=$(cd "$data_dir" && pwd -P)
  local parent log_file
  parent=$(dirname "$data_dir")
  log_file="$parent/$(basename "$data_dir").log"
  _check_pg_can_reach "$parent"

  if [[ $EUID -eq 0 ]]; then
    chown postgres:postgres "$data_dir"
    # pg_ctl opens the log file as the postgres user; the parent may be root's.
    touch "$log_file"
    chown postgres:postgres "$log_file"
  fi
  chmod 700 "$data_dir"

  if [[ ! -f $data_dir/PG_VERSION ]]; then
    log "initialising PostgreSQL cluster in $data_dir"
    # The password goes through a temp file readable only by the server's user,
    # never through the command line (visible in ps).
    local pwfile
    pwfile=$(mktemp)
    printf '%s\n' "$password" >"$pwfile"
    [[ $EUID -eq 0 ]] && chown postgres:postgres "$pwfile"
    # --no-locale + UTF8: deterministic collation, no dependence on the
    # machine's generated locales.
    if ! _as_pg "$bin/initdb" -D "$data_dir" -U postgres --pwfile="$pwfile" \
        --auth=scram-sha-256 --encoding=UTF8 --no-locale >>"$log_file" 2>&1; then
      rm -f "$pwfile"
      tail -n 20 "$log_file" >&2
      die "initdb failed for $data_dir"
    fi
    rm -f "$pwfile"
  fi

  # Reuse a postmaster that already serves this data dir, if it is on PORT.
  if _as_pg "$bin/pg_ctl" status -D "$data_dir" >/dev/null 2>&1; then
    local running_port
    running_port=$(sed -n 4p "$data_dir/postmaster.pid")
    [[ $running_port == "$port" ]] ||
      die "PostgreSQL on $data_dir is already running on port $running_port, not $port"
    log "reusing PostgreSQL already running on 127.0.0.1:$port"
  else
    # Unix socket next to the data (not /var/run/postgresql, which needs root);
    # socket paths are limited to ~107 bytes, so fall back to TCP only.
    local socket_dir=$data_dir
    (( ${#data_dir} + 20 < 107 )) || socket_dir=''
    log "starting PostgreSQL on 127.0.0.1:$port (log: $log_file)"
    PG_STARTED=1
    if ! _as_pg "$bin/pg_ctl" start -w -t 60 -s -D "$data_dir" -l "$log_file" \
        -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories='$socket_dir'"; then
      tail -n 20 "$log_file" >&2 || true
      die "PostgreSQL did not start (is port $port already in use?)"
    fi
  fi

  local i
  for ((i = 0; i < 60; i++)); do
    "$bin/pg_isready" -q -h 127.0.0.1 -p "$port" && return 0
    sleep 0.5
  done
  die "PostgreSQL on 127.0.0.1:$port is not ready after 30s (log: $log_file)"
}

# stop_postgres DATA_DIR: fast shutdown; does nothing if it is not running.
stop_postgres() {
  local data_dir=$1 bin
  [[ -f $data_dir/PG_VERSION ]] || return 0
  bin=$(pg_bin)
  if _as_pg "$bin/pg_ctl" status -D "$data_dir" >/dev/null 2>&1; then
    _as_pg "$bin/pg_ctl" stop -D "$data_dir" -m fast -w -t 60 -s
  fi
}

# --- Redis ------------------------------------------------------------------

# start_redis DATA_DIR PORT
# Starts redis-server on 127.0.0.1:PORT with its files in DATA_DIR.
# appendonly: the demo keeps ASP.NET Data Protection keys in Redis, and they
# must survive a restart or existing cookies and tokens stop decrypting.
start_redis() {
  local data_dir=$1 port=$2
  mkdir -p "$data_dir"
  chmod 700 "$data_dir" # it holds the Data Protection keys
  data_dir=$(cd "$data_dir" && pwd -P)

  if [[ $(redis-cli -p "$port" ping 2>/dev/null) == PONG ]]; then
    local running_dir
    running_dir=$(redis-cli -p "$port" config get dir 2>/dev/null | sed -n 2p)
    [[ $running_dir == "$data_dir" ]] ||
      die "port $port is already used by a Redis serving '${running_dir:-?}', not $data_dir"
    log "reusing Redis already running on 127.0.0.1:$port"
    return 0
  fi

  log "starting Redis on 127.0.0.1:$port (log: $data_dir/redis.log)"
  REDIS_STARTED=1
  redis-server --bind 127.0.0.1 --port "$port" --dir "$data_dir" \
    --appendonly yes --daemonize yes \
    --pidfile "$data_dir/redis.pid" --logfile "$data_dir/redis.log"

  local i
  for ((i = 0; i < 60; i++)); do
    [[ $(redis-cli -p "$port" ping 2>/dev/null) == PONG ]] && return 0
    sleep 0.5
  done
  tail -n 20 "$data_dir/redis.log" >&2 || true
  die "Redis on 127.0.0.1:$port did not answer PING after 30s"
}

# stop_redis PORT: saves and shuts down whatever Redis answers on PORT (call it
# only for a server you started); does nothing if none answers.
stop_redis() {
  local port=$1 i
  [[ $(redis-cli -p "$port" ping 2>/dev/null) == PONG ]] || return 0
  redis-cli -p "$port" shutdown >/dev/null 2>&1 || true
  for ((i = 0; i < 40; i++)); do
    [[ $(redis-cli -p "$port" ping 2>/dev/null) == PONG ]] || return 0
    sleep 0.25
  done
  printf 'warning: Redis on port %s did not stop\n' "$port" >&2
}

# --- Redis Cluster ------------------------------------------------------------

# start_redis_cluster DATA_DIR FIRST_PORT
# A fresh 3-master Redis Cluster (no replicas) on 127.0.0.1:FIRST_PORT..+2,
# each node's files in DATA_DIR/PORT. Every node also listens on its port +
# 10000 (the cluster bus), so FIRST_PORT must be at most 55533. No persistence:
# the tests that use it want no state from an earlier run. Sets
# REDIS_CLUSTER_STARTED=1; stop_scratch_servers stops it.
start_redis_cluster() {
  local data_dir=$1 first_port=$2 port i nodes=()
  ((first_port + 2 + 10000 <= 65535)) || die "cluster port $first_port too high: its bus port (+10000) must fit"
  mkdir -p "$data_dir"
  data_dir=$(cd "$data_dir" && pwd -P)
  for port in "$first_port" "$((first_port + 1))" "$((first_port + 2))"; do
    [[ $(redis-cli -p "$port" ping 2>/dev/null) == PONG ]] && die "port $port is already used by a Redis"
  done

  REDIS_CLUSTER_FIRST_PORT=$first_port
  for port in "$first_port" "$((first_port + 1))" "$((first_port + 2))"; do
    mkdir -p "$data_dir/$port"
    REDIS_CLUSTER_STARTED=1
    redis-server --bind 127.0.0.1 --port "$port" --dir "$data_dir/$port" \
      --cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout 5000 \
      --appendonly no --save '' --daemonize yes \
      --pidfile "$data_dir/$port/redis.pid" --logfile "$data_dir/$port/redis.log"
    nodes+=("127.0.0.1:$port")
  done

  for port in "$first_port" "$((first_port + 1))" "$((first_port + 2))"; do
    for ((i = 0; i < 60; i++)); do
      [[ $(redis-cli -p "$port" ping 2>/dev/null) == PONG ]] && break
      sleep 0.5
    done
    ((i < 60)) || { tail -n 20 "$data_dir/$port/redis.log" >&2; die "Redis Cluster node on 127.0.0.1:$port did not answer PING"; }
  done

  log "creating a Redis Cluster on ${nodes[*]}"
  redis-cli --cluster create "${nodes[@]}" --cluster-replicas 0 --cluster-yes >"$data_dir/create.log" 2>&1 \
    || { cat "$data_dir/create.log" >&2; die "redis-cli --cluster create failed"; }
  # Every node must agree that all slots are served before a client connects.
  for port in "$first_port" "$((first_port + 1))" "$((first_port + 2))"; do
    for ((i = 0; i < 60; i++)); do
      redis-cli -p "$port" cluster info 2>/dev/null | grep -q '^cluster_state:ok' && break
      sleep 0.5
    done
    ((i < 60)) || die "Redis Cluster node on 127.0.0.1:$port is not in state ok after 30s"
  done
}

# redis_cluster_connection FIRST_PORT: the StackExchange.Redis connection string of that cluster's nodes.
redis_cluster_connection() {
  local first_port=$1
  printf '127.0.0.1:%s,127.0.0.1:%s,127.0.0.1:%s\n' "$first_port" "$((first_port + 1))" "$((first_port + 2))"
}

# stop_redis_cluster FIRST_PORT: shuts down the three nodes start_redis_cluster started there.
stop_redis_cluster() {
  local first_port=$1
  stop_redis "$first_port"
  stop_redis "$((first_port + 1))"
  stop_redis "$((first_port + 2))"
}

# --- child processes ----------------------------------------------------------

# stop_pid PID: TERM, wait up to 20s, then KILL. For a process we started.
stop_pid() {
  local pid=$1 i
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 80; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.25
  done
  kill -KILL "$pid" 2>/dev/null || true
}

# --- scratch runs (test.sh, bench/) -------------------------------------------

# stop_scratch_servers SCRATCH REDIS_PORT: stops the PostgreSQL (in SCRATCH/postgres),
# Redis and Redis Cluster this script started, then removes SCRATCH.
stop_scratch_servers() {
  local scratch=$1 redis_port=$2
  [[ $REDIS_STARTED -eq 1 ]] && { stop_redis "$redis_port" || true; }
  [[ $REDIS_CLUSTER_STARTED -eq 1 ]] && { stop_redis_cluster "$REDIS_CLUSTER_FIRST_PORT" || true; }
  [[ $PG_STARTED -eq 1 && -n $scratch ]] && { stop_postgres "$scratch/postgres" || true; }
  [[ -n $scratch ]] && rm -rf "$scratch"
  return 0
}

# Fresh PostgreSQL and Redis in a scratch folder, and development certificates in $1/certs (bench scripts).
start_scratch_servers() { # SCRATCH PG_PORT PG_PASSWORD REDIS_PORT
  start_postgres "$1/postgres" "$2" "$3"
  start_redis "$1/redis" "$4"
  "$REPO_ROOT/certs/generate-dev-certs.sh" "$1/certs" >/dev/null
}

# Polls a service's readiness endpoint for up to a minute; on failure shows the end of its log and dies.
wait_ready() { # BASE_URL LOG_FILE NAME
  local i
  for ((i = 0; i < 120; i++)); do
    curl -sf "$1/health/ready" >/dev/null && return 0
    sleep 0.5
  done
  tail -n 30 "$2" >&2
  die "$3 did not become ready"
}

# install_traps FUNCTION: runs FUNCTION on exit, also after Ctrl-C or TERM.
install_traps() {
  trap "$1" EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}
