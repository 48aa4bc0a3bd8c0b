#!/usr/bin/env bash
# Creates the self-signed development certificates that OpenIddict uses to sign
# and to encrypt tokens. Development only: production supplies its own.
#
# Usage: certs/generate-dev-certs.sh [OUT_DIR]   (default: certs/dev)
# Writes signing.crt/.key and encryption.crt/.key as PEM (RSA 3072, 2 years).
# Does nothing when all four files already exist, so re-running never rotates
# the keys under a running demo (tokens already issued stay valid).
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out_dir=${1:-$script_dir/dev}

command -v openssl >/dev/null 2>&1 || { echo "error: openssl not found (apt-get install openssl)" >&2; exit 1; }

if [[ -f $out_dir/signing.crt && -f $out_dir/signing.key &&
      -f $out_dir/encryption.crt && -f $out_dir/encryption.key ]]; then
  echo "dev certificates already present in $out_dir"
  exit 0
fi

mkdir -p "$out_dir"

# make_cert NAME KEY_USAGE COMMON_NAME
# Separate keys for signing and encryption, each restricted by a critical
# keyUsage so that neither can be used for the other's purpose.
make_cert() {
  local name=$1 usage=$2 cn=$3
  # umask 077: the private key is never readable by others, not even briefly.
  (umask 077 && openssl req -x509 -newkey rsa:3072 -nodes -sha256 -days 730 \
    -subj "/CN=$cn" \
    -addext "keyUsage=critical,$usage" \
    -addext "basicConstraints=critical,CA:FALSE" \
    -keyout "$out_dir/$name.key" -out "$out_dir/$name.crt" 2>/dev/null)
  chmod 600 "$out_dir/$name.key"
  chmod 644 "$out_dir/$name.crt"
}

make_cert signing digitalSignature "RedisJwt development signing"
make_cert encryption keyEncipherment "RedisJwt development encryption"
echo "wrote dev certificates to $out_dir"
