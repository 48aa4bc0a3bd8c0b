#!/usr/bin/env bash
# One-time migration of a deployment's Redis data to the hash-tagged key names
# (docs/redis.md, "Renamed keys"): revocations, sessions and message topics.
# Run it against the single Redis server the services used (not a Cluster: it
# renames keys into other slots), with every IdentityServer and BoardApi
# instance stopped, before starting the version with the new names. RENAMENX
# keeps TTLs, consumer groups and pending entries, and never overwrites a key
# the new version wrote; a second run finds nothing left to do.
#
# Usage: scripts/migrate-redis-keys.sh [redis-cli connection options]
#   e.g. REDISJWT_PREFIX=redisjwt: REDISCLI_AUTH=<password> scripts/migrate-redis-keys.sh -h 10.0.0.5 -p 6379
# as the administrator (the default user, docs/redis.md "Users and rights"): the services' users may not rename.
# REDISJWT_PREFIX: Redis:KeyPrefix (default redisjwt:)
# REDISJWT_TOPICS: the message topics' names, if Messages:Topics is configured
set -euo pipefail

prefix=${REDISJWT_PREFIX:-redisjwt:}
topics=${REDISJWT_TOPICS:-message-topic-20s message-topic-30s message-topic-40s message-topic-50s message-topic-60s message-topic-default}
cli=(redis-cli "$@")
renamed=0
conflicts=0

# rename FROM TO: counts a rename; reports a TO that exists already.
rename() {
  local answer
  answer=$("${cli[@]}" renamenx "$1" "$2")
  case $answer in
    1) renamed=$((renamed + 1)) ;;
    0) conflicts=$((conflicts + 1)); printf 'kept both: %s (already there: %s)\n' "$1" "$2" >&2 ;;
    *) ;; # expired since the scan
  esac
}

# The revocation index may meet one the new version started: merged, keeping the later expiry.
old_index="${prefix}revoked:index" new_index="${prefix}{revoked}:index"
if [[ $("${cli[@]}" exists "$old_index") == 1 && $("${cli[@]}" exists "$new_index") == 1 ]]; then
  "${cli[@]}" zunionstore "$new_index" 2 "$new_index" "$old_index" aggregate max >/dev/null
  "${cli[@]}" del "$old_index" >/dev/null
  renamed=$((renamed + 1))
fi

while IFS= read -r key; do
  rename "$key" "${prefix}{revoked}:${key#"${prefix}revoked:"}"
done < <("${cli[@]}" --scan --pattern "${prefix}revoked:*")

# A session's token families are named by its user now: the user comes from the session hash.
while IFS= read -r key; do
  user=${key#"${prefix}session:"}
  if [[ $user == \{* ]]; then
    continue # already new
  fi
  while IFS= read -r sid; do
    [[ -n $sid ]] || continue
    old="${prefix}session-authorizations:$sid"
    if [[ $("${cli[@]}" exists "$old") == 1 ]]; then
      rename "$old" "${prefix}session-authorizations:{$user}:$sid"
    fi
  done < <("${cli[@]}" hkeys "$key")
  rename "$key" "${prefix}session:{$user}"
done < <("${cli[@]}" --scan --pattern "${prefix}session:*")

for topic in $topics; do
  for suffix in '' ':retry' ':dead'; do
    if [[ $("${cli[@]}" exists "$prefix$topic$suffix") == 1 ]]; then
      rename "$prefix$topic$suffix" "$prefix{$topic}$suffix"
    fi
  done
done

# Families of sessions that ended or expired: nothing reads them any more, and they expire.
left=$("${cli[@]}" --scan --pattern "${prefix}session-authorizations:*" | grep -cvF "${prefix}session-authorizations:{" || true)
printf 'renamed %d key(s); %d kept both; %d old session-authorizations key(s) of ended sessions left to expire\n' \
  "$renamed" "$conflicts" "$left"
