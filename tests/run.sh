#!/usr/bin/env bash
# The whole test suite, on a fresh Debian machine too: installs the Debian packages the build
# (OpenSSL, xmlsec, libclang: scripts/debian-packages.sh) and the browser tests (chromium,
# chromium-driver) need, as root or through sudo; starts the local PostgreSQL if it is installed
# but stopped; then runs `cargo test` (extra arguments are passed on) and, for the whole suite,
# the pysaml2 interoperability check (tests/interop/pysaml2; TESSERA_SKIP_INTEROP=1 skips it).
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/debian-packages.sh
# xmlsec1 and python3-venv: the pysaml2 interoperability check (tests/interop/pysaml2).
install_missing "${BUILD_PACKAGES[@]}" chromium chromium-driver xmlsec1 python3-venv

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

cargo test "$@"

# With the whole suite (no test filter), the SAML interoperability check with pysaml2 (PyPI)
# runs too, against the binary the tests just built.
filtered=false
for arg in "$@"; do [[ "$arg" == --* ]] || filtered=true; done
if ! $filtered && [ -z "${TESSERA_SKIP_INTEROP:-}" ]; then
  tests/interop/pysaml2/run.sh
fi
