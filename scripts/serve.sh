#!/usr/bin/env bash
# The development server, on a fresh Debian machine too: installs the build's Debian packages if
# they are missing, then `cargo run -- serve` (extra arguments are passed on). First start
# creates ./data/tessera.db, the keys and a demo client.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/debian-packages.sh
install_missing "${BUILD_PACKAGES[@]}"
exec cargo run -- serve "$@"
