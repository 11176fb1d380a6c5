#!/usr/bin/env bash
# Installs every Debian package NAC Studio needs to build, test, package and run (run as root on
# Debian 12). Real package names only, not virtual ones: dpkg-query would never find a virtual name
# installed and every run would call apt-get again. qt6-svg-dev: plots export to SVG (widgets/);
# libcli11-dev: nac's argument parsing (app/cli); help2man: the man pages; dpkg-dev:
# dpkg-shlibdeps for the .deb's dependencies (cpack);
# desktop-file-utils, appstream: the packaging tests. scripts/check-package.sh installs its own
# extra tools (lintian, mmdebstrap).
# Usage: setup.sh [--fuzz]
set -euo pipefail
packages=(
  build-essential cmake ninja-build pkg-config
  libtorch-dev nlohmann-json3-dev libcli11-dev zlib1g-dev libtcmalloc-minimal4
  libopencv-dev
  qt6-base-dev qt6-svg-dev libqcustomplot-dev libgl1-mesa-dev
  python3-torch python3-torchvision python3-sklearn
  dataset-fashion-mnist
  xvfb xauth
  help2man dpkg-dev desktop-file-utils appstream
  locales  # de_DE sources: the tests compile a comma-decimal locale with localedef
)
# --fuzz: also clang and its libFuzzer runtime, for scripts/fuzz.sh (the test suite does not need them).
if [ "${1:-}" = "--fuzz" ]; then
  packages+=(clang-14 libclang-rt-14-dev)
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "packaging/setup.sh: run as root (it calls apt-get install)" >&2
  exit 1
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y --no-install-recommends "${missing[@]}"
fi
echo "packaging/setup.sh: all ${#packages[@]} packages present"
