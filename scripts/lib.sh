# shellcheck shell=bash disable=SC2034 # PG_STARTED/REDIS_STARTED/REDIS_CLUSTER_STARTED/PG_*_ROLE are read by the callers
# Helpers shared by run.sh and test.sh: install what the scripts need and run
# throwaway PostgreSQL / Redis servers on loopback, without systemd or Docker
# (neither is available on the dev and CI machines).
#
# Usage: source "$REPO_ROOT/scripts/lib.sh"
# start_postgres / start_redis / start_redis_cluster set PG_STARTED=1 /
# REDIS_STARTED=1 / REDIS_CLUSTER_STARTED=1 when they launched a server
# themselves (as opposed to reusing one that was already running), so that a
# caller's cleanup stops only what it started.

_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
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

# Each service has its own login role (no SUPERUSER, CREATEDB, CREATEROLE) and database (owned by it, closed to every
# other role), made or updated by deploy/postgres/service-database.sql as the superuser "postgres". The services
# never create databases themselves.

# The services' roles, named alike everywhere (their databases vary: redisjwt_identity, ids_test_<guid>, ...).
PG_IDENTITY_ROLE=redisjwt_identity
PG_BOARD_ROLE=redisjwt_board

# use_pg_roles PORT SUPERUSER_PASSWORD PASSWORD_STEM: both roles, with the passwords PG_IDENTITY_PASSWORD=STEM-identity
# and PG_BOARD_PASSWORD=STEM-board.
use_pg_roles() {
  PG_IDENTITY_PASSWORD=$3-identity PG_BOARD_PASSWORD=$3-board
  ensure_pg_role "$1" "$2" "$PG_IDENTITY_ROLE" "$PG_IDENTITY_PASSWORD"
  ensure_pg_role "$1" "$2" "$PG_BOARD_ROLE" "$PG_BOARD_PASSWORD"
}

# ensure_pg_role PORT SUPERUSER_PASSWORD ROLE ROLE_PASSWORD: the role, with that password.
ensure_pg_role() {
  PGPASSWORD=$2 REDISJWT_ROLE_PASSWORD=$4 _service_database_sql "$1" -v role="$3" \
    || die "could not set up the PostgreSQL role $3 on 127.0.0.1:$1"
}

# ensure_pg_database PORT SUPERUSER_PASSWORD DATABASE ROLE: the database, owned by that (existing) role.
ensure_pg_database() {
  PGPASSWORD=$2 _service_database_sql "$1" -v role="$4" -v database="$3" \
    || die "could not set up the PostgreSQL database $3 for the role $4 on 127.0.0.1:$1"
}

_service_database_sql() { # PORT PSQL_ARGS...
  local port=$1
  shift
  "$(pg_bin)/psql" -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres "$@" \
    -f "$_LIB_DIR/../deploy/postgres/service-database.sql" >/dev/null
}

# pg_role_connection PORT DATABASE ROLE PASSWORD: the Npgsql connection string of a service's role.
pg_role_connection() {
  printf 'Host=127.0.0.1;Port=%s;Database=%s;Username=%s;Password=%s\n' "$1" "$2" "$3" "$4"
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

# Every Redis these scripts start has the users of deploy/redis/users.acl.template and no anonymous access: default,
# the administrator with a password (these scripts, redis-cli, the tests' assertions), identity-server and board-api
# (the services, each with only the rights it needs). Before starting Redis a caller sets, with use_redis_users, what
# render-users-acl.sh reads: REDIS_ACL_PREFIX (Redis:KeyPrefix, or a glob of the prefixes in use) and the passwords.

# use_redis_users PREFIX PASSWORD_STEM: passwords STEM-admin (the default user's), STEM-identity-server and
# STEM-board-api (exported, for the renderer and, in test.sh, the tests).
use_redis_users() {
  export REDIS_ACL_PREFIX=$1
  export REDIS_ADMIN_PASSWORD=$2-admin REDIS_IDENTITY_SERVER_PASSWORD=$2-identity-server REDIS_BOARD_API_PASSWORD=$2-board-api
}

# redis_password USER: the password use_redis_users gave USER (default, identity-server or board-api).
redis_password() {
  case $1 in
    default) printf '%s\n' "$REDIS_ADMIN_PASSWORD" ;;
    identity-server) printf '%s\n' "$REDIS_IDENTITY_SERVER_PASSWORD" ;;
    board-api) printf '%s\n' "$REDIS_BOARD_API_PASSWORD" ;;
    *) die "unknown Redis user $1" ;;
  esac
}

# redis_connection PORT USER: the StackExchange.Redis connection string of USER on the Redis at 127.0.0.1:PORT.
redis_connection() {
  printf '127.0.0.1:%s,user=%s,password=%s\n' "$1" "$2" "$(redis_password "$2")"
}

# redis_admin PORT ARGS...: redis-cli as the administrator (the password through the environment, not the command
# line).
redis_admin() {
  local port=$1
  shift
  REDISCLI_AUTH=$REDIS_ADMIN_PASSWORD redis-cli -p "$port" "$@"
}

# _redis_listening PORT: whether any Redis answers on PORT, whatever users it has.
_redis_listening() {
  [[ -n $(redis-cli -p "$1" ping 2>/dev/null) ]]
}

# _render_redis_users FILE: the ACL file for this caller's prefix and passwords, readable by its owner only.
_render_redis_users() {
  (umask 077 && "$_LIB_DIR/../deploy/redis/render-users-acl.sh" >"$1") || die "could not render the Redis users into $1"
}

# start_redis DATA_DIR PORT
# Starts redis-server on 127.0.0.1:PORT with its files and its ACL file (users.acl) in DATA_DIR.
# appendonly: the demo keeps ASP.NET Data Protection keys in Redis, and they
# must survive a restart or existing cookies and tokens stop decrypting.
start_redis() {
  local data_dir=$1 port=$2
  mkdir -p "$data_dir"
  chmod 700 "$data_dir" # it holds the Data Protection keys
  data_dir=$(cd "$data_dir" && pwd -P)

  if _redis_listening "$port"; then
    [[ $(redis_admin "$port" ping 2>/dev/null) == PONG ]] ||
      die "port $port is already used by a Redis that does not take this script's administrator password"
    local running_dir
    running_dir=$(redis_admin "$port" config get dir 2>/dev/null | sed -n 2p)
    [[ $running_dir == "$data_dir" ]] ||
      die "port $port is already used by a Redis serving '${running_dir:-?}', not $data_dir"
    # The users as they are written now (the server was started with this ACL file).
    _render_redis_users "$data_dir/users.acl"
    redis_admin "$port" acl load >/dev/null || die "the Redis on port $port did not load $data_dir/users.acl"
    log "reusing Redis already running on 127.0.0.1:$port"
    return 0
  fi

  log "starting Redis on 127.0.0.1:$port (log: $data_dir/redis.log)"
  _render_redis_users "$data_dir/users.acl"
  REDIS_STARTED=1
  redis-server --bind 127.0.0.1 --port "$port" --dir "$data_dir" --aclfile "$data_dir/users.acl" \
    --appendonly yes --daemonize yes \
    --pidfile "$data_dir/redis.pid" --logfile "$data_dir/redis.log"

  local i
  for ((i = 0; i < 60; i++)); do
    [[ $(redis_admin "$port" ping 2>/dev/null) == PONG ]] && return 0
    sleep 0.5
  done
  tail -n 20 "$data_dir/redis.log" >&2 || true
  die "Redis on 127.0.0.1:$port did not answer PING after 30s"
}

# stop_redis PORT: saves and shuts down whatever Redis answers on PORT (call it
# only for a server you started); does nothing if none answers.
stop_redis() {
  local port=$1 i
  [[ $(redis_admin "$port" ping 2>/dev/null) == PONG ]] || return 0
  redis_admin "$port" shutdown >/dev/null 2>&1 || true
  for ((i = 0; i < 40; i++)); do
    _redis_listening "$port" || return 0
    sleep 0.25
  done
  printf 'warning: Redis on port %s did not stop\n' "$port" >&2
}

# redis_acl_denials PORT: what Redis refused a user (ACL LOG, newest first), one line each, except to the clients
# named acl-probe (tests that are refused on purpose). Services swallow some refusals (a cache bypassed, a
# handshake command StackExchange.Redis tolerates); this is where a right missing from users.acl.template shows.
redis_acl_denials() {
  redis_admin "$1" acl log 1000 | awk '
    function flush() {
      if (entry["username"] != "" && entry["client-info"] !~ / name=acl-probe /)
        printf "%s: %s %s (%s, %sx) on port %s\n", entry["username"], entry["reason"], entry["object"], entry["context"], entry["count"], port
      delete entry
    }
    NR % 2 == 1 { key = $0; if (key == "count") flush(); next }
    { entry[key] = $0 }
    END { flush() }
  ' port="$1"
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
    _redis_listening "$port" && die "port $port is already used by a Redis"
  done

  REDIS_CLUSTER_FIRST_PORT=$first_port
  for port in "$first_port" "$((first_port + 1))" "$((first_port + 2))"; do
    mkdir -p "$data_dir/$port"
    _render_redis_users "$data_dir/$port/users.acl"
    REDIS_CLUSTER_STARTED=1
    redis-server --bind 127.0.0.1 --port "$port" --dir "$data_dir/$port" --aclfile "$data_dir/$port/users.acl" \
      --cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout 5000 \
      --appendonly no --save '' --daemonize yes \
      --pidfile "$data_dir/$port/redis.pid" --logfile "$data_dir/$port/redis.log"
    nodes+=("127.0.0.1:$port")
  done

  for port in "$first_port" "$((first_port + 1))" "$((first_port + 2))"; do
    for ((i = 0; i < 60; i++)); do
      [[ $(redis_admin "$port" ping 2>/dev/null) == PONG ]] && break
      sleep 0.5
    done
    ((i < 60)) || { tail -n 20 "$data_dir/$port/redis.log" >&2; die "Redis Cluster node on 127.0.0.1:$port did not answer PING"; }
  done

  log "creating a Redis Cluster on ${nodes[*]}"
  REDISCLI_AUTH=$REDIS_ADMIN_PASSWORD redis-cli --cluster create "${nodes[@]}" --cluster-replicas 0 --cluster-yes \
    >"$data_dir/create.log" 2>&1 \
    || { cat "$data_dir/create.log" >&2; die "redis-cli --cluster create failed"; }
  # Every node must agree that all slots are served before a client connects.
  for port in "$first_port" "$((first_port + 1))" "$((first_port + 2))"; do
    for ((i = 0; i < 60; i++)); do
      redis_admin "$port" cluster info 2>/dev/null | grep -q '^cluster_state:ok' && break
      sleep 0.5
    done
    ((i < 60)) || die "Redis Cluster node on 127.0.0.1:$port is not in state ok after 30s"
  done
}

# redis_cluster_connection FIRST_PORT USER: the StackExchange.Redis connection string of USER on that cluster's nodes.
redis_cluster_connection() {
  local first_port=$1
  printf '127.0.0.1:%s,127.0.0.1:%s,127.0.0.1:%s,user=%s,password=%s\n' \
    "$first_port" "$((first_port + 1))" "$((first_port + 2))" "$2" "$(redis_password "$2")"
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

# --- nginx ------------------------------------------------------------------

# render_nginx_conf OUT: deploy/nginx/nginx.conf.template with the NGINX_* variables of the environment (its header
# lists them), rendered with envsubst as the nginx image does in docker-compose.yml. Dies if one is not set.
render_nginx_conf() {
  # Only the NGINX_* variables: nginx's own ($host, $remote_addr, ...) must stay.
  # shellcheck disable=SC2016 # the single quotes keep ${...} for envsubst
  envsubst "$(printf '${%s} ' "${!NGINX_@}")" <"$_LIB_DIR/../deploy/nginx/nginx.conf.template" >"$1"
  local unset_variables
  unset_variables=$(grep -oE '[$][{]NGINX_[A-Z0-9_]+[}]' "$1" | sort -u | tr '\n' ' ' || true)
  [[ -z $unset_variables ]] || die "deploy/nginx/nginx.conf.template uses variables this script does not set: $unset_variables"
}

# start_nginx PREFIX CONF LOG [ACCESS_LOG]: nginx in the background, a child of this shell run from its own folder
# PREFIX (pid and temporary files), never the system's service; NGINX_PID is its master's PID. Errors go to LOG, the
# access log (the template writes it to stdout) to ACCESS_LOG, LOG by default.
start_nginx() {
  # Debian installs nginx in /usr/sbin, which is not on an unprivileged user's PATH. -e stderr: not the compiled-in
  # error log, which only root may open.
  local nginx
  nginx=$(command -v nginx || echo /usr/sbin/nginx)
  "$nginx" -t -q -p "$1" -c "$2" -e stderr || die "nginx refused $2"
  "$nginx" -p "$1" -c "$2" -e stderr >>"${4:-$3}" 2>>"$3" &
  NGINX_PID=$!
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

# Fresh PostgreSQL with the services' roles and Redis with their users (for the key prefix REDIS_PREFIX, default
# redisjwt:) in a scratch folder, and development certificates in $1/certs (bench scripts). The callers make their
# databases with ensure_pg_database.
start_scratch_servers() { # SCRATCH PG_PORT PG_PASSWORD REDIS_PORT [REDIS_PREFIX]
  start_postgres "$1/postgres" "$2" "$3"
  use_pg_roles "$2" "$3" redisjwt-bench
  use_redis_users "${5:-redisjwt:}" redisjwt-bench
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
