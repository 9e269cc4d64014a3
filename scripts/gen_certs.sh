#!/usr/bin/env bash
# Makes a cluster CA and a certificate per identity (manager, server1..serverN, admin) with openssl.
set -euo pipefail

usage() {
  cat <<USAGE
Usage: scripts/gen_certs.sh DIR [--nodes N]

Writes into DIR a certificate authority (ca.crt, ca.key) and, signed by it, a certificate and
PKCS#8 private key for: manager, server1..serverN (default N: 16) and admin (status.sh uses it).
Every certificate is valid for 127.0.0.1 and localhost, for both serving and connecting, so
nodes use theirs for mutual TLS with each other and with the manager. Existing files are kept,
so running it again with a larger N only adds what is missing. Keys are readable by you alone.
USAGE
}

DIR="" NODES=16
while (($#)); do
  case "$1" in
    --nodes) NODES="${2:-}"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    -*) echo "error: unknown option '$1' (see --help)" >&2; exit 2 ;;
    *) [[ -z "$DIR" ]] || { echo "error: one directory only" >&2; exit 2; }; DIR="$1"; shift ;;
  esac
done
[[ -n "$DIR" ]] || { echo "error: where should the certificates go? (see --help)" >&2; exit 2; }
[[ "$NODES" =~ ^[0-9]+$ ]] && ((NODES >= 1 && NODES <= 256)) \
  || { echo "error: --nodes must be a number from 1 to 256, got '$NODES'" >&2; exit 2; }
command -v openssl >/dev/null || { echo "error: openssl is not installed" >&2; exit 1; }

mkdir -p "$DIR"
cd "$DIR"
umask 077

new_key() {
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null
}

if [[ ! -f ca.crt ]]; then
  new_key ca.key
  openssl req -x509 -new -key ca.key -sha256 -days 3650 -subj "/CN=ringkv cluster CA" \
    -out ca.crt 2>/dev/null
fi

cat >leaf.ext <<EXT
basicConstraints=CA:FALSE
keyUsage=digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth,clientAuth
subjectAltName=IP:127.0.0.1,DNS:localhost
EXT
made=0
for id in manager admin $(seq -f "server%g" 1 "$NODES"); do
  [[ -f "$id.crt" ]] && continue
  new_key "$id.key"
  openssl req -new -key "$id.key" -subj "/CN=$id" -out "$id.csr" 2>/dev/null
  openssl x509 -req -in "$id.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 825 -sha256 \
    -extfile leaf.ext -out "$id.crt" 2>/dev/null
  rm -f "$id.csr"
  made=$((made + 1))
done
rm -f leaf.ext
chmod 644 ./*.crt
echo "certificates in $(pwd): CA and $made new identities"
