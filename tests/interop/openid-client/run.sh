#!/usr/bin/env bash
# Interop check with openid-client (Node.js, from npm), not part of `tests/run.sh` (it needs
# Node.js 20+ and the npm registry). Starts Tessera on a fresh SQLite data directory, registers an
# app and a worker client and a user with the CLI, then runs check.mjs.
# Usage: tests/interop/openid-client/run.sh   (after `cargo build`)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
binary="${CARGO_TARGET_DIR:-$root/target}/debug/tessera"
[ -x "$binary" ] || { echo "build first: cargo build" >&2; exit 1; }
command -v node >/dev/null || { echo "Node.js 20+ is needed" >&2; exit 1; }
(cd "$here" && npm install --silent --no-audit --no-fund)

data="$(mktemp -d)"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export TESSERA_DATA_DIR="$data" TESSERA_LOG=warn
unset TESSERA_DATABASE_URL TESSERA_CONFIG
echo "correct horse battery staple" | "$binary" user create --email interop@example.com --password-stdin --verified --json >/dev/null
app=$("$binary" client create --name "Interop app" --first-party --redirect-uri http://127.0.0.1/callback --post-logout-redirect-uri http://127.0.0.1/signed-out --json)
worker=$("$binary" client create --name "Interop worker" --grant-type client_credentials --scope reports:read --json)
"$binary" serve --bind "127.0.0.1:$port" --issuer "http://127.0.0.1:$port" >"$data/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
json() { python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }
ISSUER="http://127.0.0.1:$port" \
EMAIL=interop@example.com PASSWORD="correct horse battery staple" \
APP_ID=$(echo "$app" | json client_id) APP_SECRET=$(echo "$app" | json client_secret) \
WORKER_ID=$(echo "$worker" | json client_id) WORKER_SECRET=$(echo "$worker" | json client_secret) \
  node "$here/check.mjs"
