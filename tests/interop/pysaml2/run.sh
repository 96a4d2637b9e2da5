#!/usr/bin/env bash
# SAML interoperability with pysaml2 (PyPI), both ways: pysaml2 as a service provider of Tessera
# (SP-initiated sign-in with a signed request, attributes, Single Logout) and as the IdP of a
# Tessera enterprise connection (SP-initiated sign-in, just-in-time account). tests/run.sh runs it
# after the Rust suite. Needs python3 with venv, the `xmlsec1` tool (Debian package xmlsec1,
# which pysaml2 signs and verifies with) and the PyPI registry.
# Usage: tests/interop/pysaml2/run.sh   (after `cargo build`)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
binary="${CARGO_TARGET_DIR:-$root/target}/debug/tessera"
[ -x "$binary" ] || { echo "build first: cargo build" >&2; exit 1; }
command -v xmlsec1 >/dev/null || { echo "pysaml2 needs xmlsec1 (apt-get install xmlsec1)" >&2; exit 1; }
venv="${TESSERA_PYSAML2_VENV:-$HOME/.cache/tessera-pysaml2}"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q -r "$here/requirements.txt"

data="$(mktemp -d)"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export TESSERA_DATA_DIR="$data" TESSERA_LOG=warn
unset TESSERA_DATABASE_URL TESSERA_CONFIG
for who in sp idp; do
  openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=pysaml2-$who" \
    -keyout "$data/$who.key" -out "$data/$who.crt" 2>/dev/null
done
echo "correct horse battery staple" | "$binary" user create --email ada@example.com --password-stdin --verified --json >/dev/null
"$binary" serve --bind "127.0.0.1:$port" --issuer "http://127.0.0.1:$port" >"$data/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
if ! BASE="http://127.0.0.1:$port" DATA="$data" TESSERA="$binary" \
    EMAIL=ada@example.com PASSWORD="correct horse battery staple" \
    "$venv/bin/python" "$here/check.py"; then
  echo "--- server log" >&2; tail -n 40 "$data/server.log" >&2; exit 1
fi
