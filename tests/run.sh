#!/usr/bin/env bash
# The whole test suite, on a fresh Debian machine too: installs the packages the browser test
# needs (as root, or through sudo; the build itself needs only a C compiler, OpenSSL, SQLite and
# libpq are built from source), starts the local PostgreSQL if it is installed but stopped, then
# runs `cargo test` (extra arguments are passed on).
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

packages=(chromium chromium-driver)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "tests/run.sh: installing ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# PostgreSQL tests need a server at 127.0.0.1:5432 (trust auth, user postgres). Without one they
# are skipped with a loud message, unless TESSERA_REQUIRE_POSTGRES is set.
if [ -d /etc/postgresql ] && ! (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; then
  echo "tests/run.sh: starting PostgreSQL"
  as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start || true
  for _ in $(seq 1 30); do
    (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null && break
    sleep 1
  done
fi

exec cargo test "$@"
