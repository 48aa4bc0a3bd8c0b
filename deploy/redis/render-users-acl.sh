#!/bin/sh
# Renders deploy/redis/users.acl.template into a Redis ACL file (redis-server --aclfile) on stdout.
# POSIX sh and awk, so that the redis image runs it too (docker-compose.yml), besides scripts/lib.sh.
#
#   REDIS_ACL_PREFIX=redisjwt: REDIS_ADMIN_PASSWORD=... REDIS_IDENTITY_SERVER_PASSWORD=... \
#   REDIS_BOARD_API_PASSWORD=... deploy/redis/render-users-acl.sh [TEMPLATE] > users.acl
#
# REDIS_ACL_PREFIX is Redis:KeyPrefix, or a glob matching every prefix in use (test.sh: "test:*:").
# REDIS_ADMIN_PASSWORD is the default user's, the administrator's.
# Passwords reach the file only as SHA-256 hashes (ACL "#<hash>"), so the file itself reveals none.
set -eu

template=${1:-$(dirname "$0")/users.acl.template}

fail() { echo "render-users-acl.sh: $*" >&2; exit 1; }
[ -r "$template" ] || fail "cannot read $template"
for variable in REDIS_ACL_PREFIX REDIS_ADMIN_PASSWORD REDIS_IDENTITY_SERVER_PASSWORD REDIS_BOARD_API_PASSWORD; do
  eval "value=\${$variable:-}"
  [ -n "$value" ] || fail "$variable is not set"
done
# A space would split the rule it is in; the key prefix itself never holds one (Redis:KeyPrefix's rule).
case $REDIS_ACL_PREFIX in *[[:space:]]*) fail "REDIS_ACL_PREFIX must not contain spaces" ;; esac

sha256() { printf '%s' "$1" | sha256sum | cut -d ' ' -f 1; }

# Comments and blank lines go (an ACL file allows neither); an indented line continues the user above it.
PREFIX=$REDIS_ACL_PREFIX \
ADMIN_HASH=$(sha256 "$REDIS_ADMIN_PASSWORD") \
IDENTITY_SERVER_HASH=$(sha256 "$REDIS_IDENTITY_SERVER_PASSWORD") \
BOARD_API_HASH=$(sha256 "$REDIS_BOARD_API_PASSWORD") \
awk '
  function substitute(text, name, value,    at) {
    while ((at = index(text, "${" name "}")) > 0) {
      text = substr(text, 1, at - 1) value substr(text, at + length(name) + 3)
    }
    return text
  }
  /^[ \t]*(#|$)/ { next }
  {
    line = $0
    line = substitute(line, "PREFIX", ENVIRON["PREFIX"])
    line = substitute(line, "ADMIN_PASSWORD_HASH", ENVIRON["ADMIN_HASH"])
    line = substitute(line, "IDENTITY_SERVER_PASSWORD_HASH", ENVIRON["IDENTITY_SERVER_HASH"])
    line = substitute(line, "BOARD_API_PASSWORD_HASH", ENVIRON["BOARD_API_HASH"])
    if (line ~ /\$\{/) { print "render-users-acl.sh: unknown placeholder in: " $0 > "/dev/stderr"; failed = 1; exit 1 }
    if (line ~ /^[ \t]/) {
      if (user == "") { print "render-users-acl.sh: continuation without a user: " $0 > "/dev/stderr"; failed = 1; exit 1 }
      sub(/^[ \t]+/, "", line)
      user = user " " line
    } else {
      if (user != "") print user
      user = line
    }
  }
  END { if (failed) exit 1; if (user != "") print user }
' "$template"
