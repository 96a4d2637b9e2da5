# Sourced by scripts/serve.sh and tests/run.sh: the Debian packages the build needs, and a
# function that installs whichever of a list is missing (as root, or through sudo).
#
# The build links the system OpenSSL and xmlsec (SAML signatures, design note 0013): pkg-config
# finds them, bindgen (libclang) reads xmlsec's headers.
BUILD_PACKAGES=(pkg-config libssl-dev libxml2-dev libxmlsec1-dev libclang-dev)

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

install_missing() {
  local missing=()
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "installing ${missing[*]}" >&2
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
}
