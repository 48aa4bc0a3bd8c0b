#!/usr/bin/env bash
# Creates the self-signed development certificates that OpenIddict uses to sign
# and to encrypt tokens. Development only: production supplies its own.
#
# Usage: certs/generate-dev-certs.sh [OUT_DIR]   (default: certs/dev)
# Writes as PEM, 2 years: signing.crt/.key (RSA 2048, for RS256/PS256, the size
# Keycloak and Duende default to), signing-ec.crt/.key (EC P-256, for ES256) and
# encryption.crt/.key (RSA 3072). Writes only the pairs that are missing, so
# re-running never rotates the keys under a running demo (issued tokens stay valid).
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out_dir=${1:-$script_dir/dev}

command -v openssl >/dev/null 2>&1 || { echo "error: openssl not found (apt-get install openssl)" >&2; exit 1; }

mkdir -p "$out_dir"

written=0

# make_cert NAME KEY_USAGE COMMON_NAME NEWKEY [OPENSSL_KEY_OPTION...]
# Separate keys for signing and encryption, each restricted by a critical
# keyUsage so that neither can be used for the other's purpose.
make_cert() {
  local name=$1 usage=$2 cn=$3 newkey=$4
  shift 4
  [[ -f $out_dir/$name.crt && -f $out_dir/$name.key ]] && return 0
  # umask 077: the private key is never readable by others, not even briefly.
  (umask 077 && openssl req -x509 -newkey "$newkey" "$@" -nodes -sha256 -days 730 \
    -subj "/CN=$cn" \
    -addext "keyUsage=critical,$usage" \
    -addext "basicConstraints=critical,CA:FALSE" \
    -keyout "$out_dir/$name.key" -out "$out_dir/$name.crt" 2>/dev/null)
  chmod 600 "$out_dir/$name.key"
  chmod 644 "$out_dir/$name.crt"
  written=$((written + 1))
}

make_cert signing digitalSignature "RedisJwt development signing" rsa:2048
make_cert signing-ec digitalSignature "RedisJwt development signing (ES256)" ec -pkeyopt ec_paramgen_curve:P-256
make_cert encryption keyEncipherment "RedisJwt development encryption" rsa:3072
if ((written > 0)); then
  echo "wrote $written dev certificate(s) to $out_dir"
else
  echo "dev certificates already present in $out_dir"
fi
