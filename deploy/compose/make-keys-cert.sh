#!/usr/bin/env bash
# Makes deploy/compose/keys.pfx: a self-signed certificate with its private key that encrypts the
# console's data-protection keys in the store (OPS_KEYS_CERT). Its password is OPS_KEYS_CERT_PASSWORD
# from deploy/.env. Keep a copy apart from database backups: without it the keys cannot be read.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
env_file="$here/../.env"
[ -f "$env_file" ] || { echo "create deploy/.env first (from deploy/compose/secrets.env.example)" >&2; exit 1; }
password="$(grep -E '^OPS_KEYS_CERT_PASSWORD=' "$env_file" | head -n1 | cut -d= -f2-)"
[ -n "$password" ] || { echo "OPS_KEYS_CERT_PASSWORD is empty in deploy/.env" >&2; exit 1; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
openssl req -x509 -newkey rsa:3072 -nodes -days 3650 -subj "/CN=opsconsole data-protection keys" \
  -keyout "$tmp/key.pem" -out "$tmp/cert.pem" 2>/dev/null
openssl pkcs12 -export -inkey "$tmp/key.pem" -in "$tmp/cert.pem" -out "$here/keys.pfx" -passout "pass:$password"
# The console runs as UID 1654 and reads the file through the compose secret mount.
chmod 0644 "$here/keys.pfx"
echo "wrote $here/keys.pfx"
