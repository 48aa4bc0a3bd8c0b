#!/usr/bin/env bash
# Creates the self-signed development certificates that OpenIddict uses to sign
# and to encrypt tokens, and the TLS certificate nginx presents in the scaled-out
# deployment. Development only: production supplies its own.
#
# Usage: certs/generate-dev-certs.sh [OUT_DIR]   (default: certs/dev)
# Writes as PEM, 2 years: signing.crt/.key (RSA 2048, for RS256/PS256, the size
# Keycloak and Duende default to), signing-ec.crt/.key (EC P-256, for ES256),
# encryption.crt/.key (RSA 3072), and for TLS tls-ca.crt/.key (a development CA)
# and tls.crt/.key (EC P-256, signed by that CA, for the names in TLS_NAMES).
# Writes only the pairs that are missing, so re-running never rotates the keys
# under a running demo (issued tokens stay valid).
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

# The host names the TLS certificate is valid for: nginx in docker-compose.yml (id.localhost, api.localhost; browsers
# resolve *.localhost to loopback, RFC 6761) and on loopback in scripts/scaled-out.sh and the end-to-end tests
# (localhost, which every resolver knows, unlike *.localhost).
TLS_NAMES="DNS:localhost,DNS:id.localhost,DNS:api.localhost,IP:127.0.0.1,IP:::1"

# make_tls: the server certificate is signed by a CA of its own rather than self-signed, so a client trusts one
# file, tls-ca.crt (curl --cacert, a browser's authorities, SSL_CERT_FILE for .NET), and a new server certificate
# under the same CA needs no new trust. A new CA means a new server certificate.
make_tls() {
  if [[ ! -f $out_dir/tls-ca.crt || ! -f $out_dir/tls-ca.key ]]; then
    (umask 077 && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -sha256 -days 730 \
      -subj "/CN=RedisJwt development TLS CA" \
      -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
      -addext "keyUsage=critical,keyCertSign,cRLSign" \
      -keyout "$out_dir/tls-ca.key" -out "$out_dir/tls-ca.crt" 2>/dev/null)
    chmod 600 "$out_dir/tls-ca.key"
    chmod 644 "$out_dir/tls-ca.crt"
    rm -f "$out_dir/tls.crt" "$out_dir/tls.key"
    written=$((written + 1))
  fi
  [[ -f $out_dir/tls.crt && -f $out_dir/tls.key ]] && return 0

  local csr extensions
  csr=$(mktemp)
  extensions=$(mktemp)
  printf '%s\n' "subjectAltName=$TLS_NAMES" "basicConstraints=critical,CA:FALSE" \
    "keyUsage=critical,digitalSignature" "extendedKeyUsage=serverAuth" \
    "subjectKeyIdentifier=hash" "authorityKeyIdentifier=keyid" >"$extensions"
  (umask 077 && openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
    -keyout "$out_dir/tls.key" -out "$csr" 2>/dev/null)
  openssl x509 -req -in "$csr" -CA "$out_dir/tls-ca.crt" -CAkey "$out_dir/tls-ca.key" \
    -set_serial "0x$(openssl rand -hex 16)" -sha256 -days 730 -extfile "$extensions" \
    -out "$out_dir/tls.crt" 2>/dev/null
  rm -f "$csr" "$extensions"
  chmod 600 "$out_dir/tls.key"
  chmod 644 "$out_dir/tls.crt"
  written=$((written + 1))
}

# make_client_key NAME: a client's own key pair for private_key_jwt (RFC 7523), not a certificate: NAME.key (EC
# P-256, PKCS#8 PEM, what the client signs its assertions with) and NAME.jwks.json (its public key as a JWK Set, the
# kid its RFC 7638 thumbprint: what the server is given for the client). samples/MachineClient is such a client.
b64url() { base64 -w0 | tr '+/' '-_' | tr -d '='; }
make_client_key() {
  local name=$1 point x y kid
  [[ -f $out_dir/$name.key && -f $out_dir/$name.jwks.json ]] && return 0
  (umask 077 && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$out_dir/$name.key" 2>/dev/null)
  chmod 600 "$out_dir/$name.key"
  # The public key's DER ends with the uncompressed point: 32 bytes of x, then 32 of y.
  point=$(openssl pkey -in "$out_dir/$name.key" -pubout -outform DER | tail -c 64 | od -An -v -tx1 | tr -d ' \n')
  x=$(printf '%s' "${point:0:64}" | xxd -r -p | b64url)
  y=$(printf '%s' "${point:64:64}" | xxd -r -p | b64url)
  kid=$(printf '{"crv":"P-256","kty":"EC","x":"%s","y":"%s"}' "$x" "$y" | openssl dgst -sha256 -binary | b64url)
  printf '{"keys":[{"kty":"EC","crv":"P-256","x":"%s","y":"%s","kid":"%s","use":"sig","alg":"ES256"}]}\n' "$x" "$y" "$kid" \
    >"$out_dir/$name.jwks.json"
  written=$((written + 1))
}

make_cert signing digitalSignature "RedisJwt development signing" rsa:2048
make_cert signing-ec digitalSignature "RedisJwt development signing (ES256)" ec -pkeyopt ec_paramgen_curve:P-256
make_cert encryption keyEncipherment "RedisJwt development encryption" rsa:3072
make_tls
make_client_key machine-client
if ((written > 0)); then
  echo "wrote $written dev certificate(s) to $out_dir"
else
  echo "dev certificates already present in $out_dir"
fi
