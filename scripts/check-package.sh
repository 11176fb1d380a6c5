#!/usr/bin/env bash
# Checks the Debian package end to end: clones the current commit into a clean folder, configures,
# builds and runs cpack there, runs lintian on the .deb, installs it with its dependencies into a
# fresh Debian 12 root (mmdebstrap) and, inside that root, runs `nac --version`, `nac layers` on
# the installed demo model and `nac-studio --screenshot` under xvfb-run, from the installed files
# only. Run as root (chroot); it installs lintian and mmdebstrap if they are missing.
#
#   scripts/check-package.sh [WORK_DIR]      (default: build-check/ in the source tree)
#
# WORK_DIR receives src/ (the clone and its build-package/ folder), root/ (the Debian root),
# the .deb, lintian.txt and screenshot.png. Uncommitted changes are not part of the check.
# Package downloads come from deb.debian.org; .debs already in /var/cache/apt/archives and the
# package lists in /var/lib/apt/lists are reused. With ccache configured (base_dir above WORK_DIR)
# the build takes its unchanged objects from the cache.
set -euo pipefail
repo=$(git -C "$(dirname "$0")/.." rev-parse --show-toplevel)
work=$(realpath -m "${1:-$repo/build-check}")
commit=$(git -C "$repo" rev-parse HEAD)
started=$(date +%s)
step() { echo "== [$(($(date +%s) - started)) s] $*"; }

if [ "$(id -u)" -ne 0 ]; then
  echo "scripts/check-package.sh: run as root (it builds a chroot)" >&2
  exit 1
fi
if [ -n "$(git -C "$repo" status --porcelain --untracked-files=no)" ]; then
  echo "scripts/check-package.sh: note: uncommitted changes are not checked; this checks $commit"
fi
tools=()
for tool in lintian mmdebstrap; do
  command -v "$tool" > /dev/null || tools+=("$tool")
done
if [ ${#tools[@]} -gt 0 ]; then
  step "installing ${tools[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${tools[@]}"
fi
bash "$repo/packaging/setup.sh"

step "cloning $commit into $work/src"
rm -rf "$work/src" "$work/root"
mkdir -p "$work"
git clone -q --no-local --no-checkout "$repo" "$work/src"
git -C "$work/src" checkout -q --detach "$commit"

step "configuring and building (preset package: Release, hardening flags, no tests)"
cd "$work/src"
launcher=()
command -v ccache > /dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake --preset package "${launcher[@]}" > "$work/configure.log"
cmake --build --preset package > "$work/build.log"

step "cpack"
(cd build-package && cpack -G DEB > "$work/cpack.log")
deb=$(ls "$work"/src/build-package/nac-studio_*.deb)
cp "$deb" "$work/"
deb="$work/$(basename "$deb")"
echo "package: $deb ($(du -h "$deb" | cut -f1), $(stat -c %s "$deb") bytes)"
dpkg-deb --field "$deb" Version Depends Recommends Installed-Size

step "checking that no build path is compiled into the programs"
rm -rf "$work/extracted"
dpkg-deb -x "$deb" "$work/extracted"
for program in nac nac-studio; do
  if strings "$work/extracted/usr/bin/$program" | grep -F -e "$work" -e "$repo"; then
    echo "FAIL: /usr/bin/$program holds a build path" >&2
    exit 1
  fi
done
echo "no build path in /usr/bin/nac, /usr/bin/nac-studio"

step "lintian"
# Tags with their explanations in lintian.txt; here only the tags (README.md says why those left stay).
lintian --info --display-info --tag-display-limit 0 "$deb" > "$work/lintian.txt" 2>&1 || true
grep '^[EWIP]: ' "$work/lintian.txt" || true
echo "lintian: $(grep -c '^[EWI]: ' "$work/lintian.txt" || true) tags (E: $(grep -c '^E: ' "$work/lintian.txt" || true))"

step "making a Debian 12 root with the package and its dependencies (mmdebstrap)"
cat > "$work/inside.sh" <<'EOF'
#!/bin/sh
# Runs inside the fresh root, on the installed files only.
set -eu
cd /tmp
mkdir -p /tmp/nac-check
echo "-- nac --version"
nac --version
echo "-- nac fit --help (first line)"
nac fit --help | head -n 1
echo "-- nac layers --model /usr/share/nac-studio/demo/fashion_resnet18.pt"
nac layers --model /usr/share/nac-studio/demo/fashion_resnet18.pt
echo "-- installed desktop files"
for f in /usr/share/applications/io.github.nacstudio.NacStudio.desktop \
         /usr/share/metainfo/io.github.nacstudio.NacStudio.metainfo.xml \
         /usr/share/mime/packages/io.github.nacstudio.NacStudio.xml \
         /usr/share/icons/hicolor/scalable/apps/io.github.nacstudio.NacStudio.svg \
         /usr/share/bash-completion/completions/nac \
         /usr/share/man/man1/nac.1.gz /usr/share/man/man1/nac-studio.1.gz \
         /usr/share/doc/nac-studio/copyright; do
  test -f "$f" || { echo "missing $f"; exit 1; }
  echo "$f"
done
echo "-- nac-studio --version (no display)"
nac-studio --version
echo "-- nac-studio (the demo, found in /usr/share/nac-studio) under xvfb-run"
start=$(date +%s)
xvfb-run -a -s "-screen 0 1920x1200x24" nac-studio --print-figures \
  --score /usr/share/nac-studio/samples/fmnist-test-00000-ankle-boot.png \
  /usr/share/nac-studio/samples/mnist-0000-digit9.png /usr/share/nac-studio/samples/noise-gaussian.png \
  --screenshot /tmp/nac-check/screenshot.png
echo "nac-studio --screenshot: $(($(date +%s) - start)) s"
EOF
mirrors=("deb http://deb.debian.org/debian bookworm main"
         "deb http://deb.debian.org/debian bookworm-updates main"
         "deb http://deb.debian.org/debian-security bookworm-security main")
# apt inside the root installs the .deb from the same path there (copied in, removed at the end).
# Reuse this machine's package lists and downloaded .debs (hard links where the file system allows).
# shellcheck disable=SC2016  # expanded by the hook
reuse='mkdir -p "$1/var/lib/apt/lists" "$1/var/cache/apt/archives"
cp /var/lib/apt/lists/deb.debian.org_* "$1/var/lib/apt/lists/" 2>/dev/null || true
for f in /var/cache/apt/archives/*.deb; do [ -e "$f" ] || continue
  cp -l "$f" "$1/var/cache/apt/archives/" 2>/dev/null || cp "$f" "$1/var/cache/apt/archives/"; done'
# shellcheck disable=SC2016  # "$1" is the root folder, expanded by mmdebstrap's hooks
mmdebstrap --variant=apt --mode=root --skip=download/empty \
  --include="$deb" --include=dataset-fashion-mnist,xvfb,xauth \
  --setup-hook="$reuse" \
  --setup-hook="mkdir -p \"\$1$work\" && cp \"$deb\" \"\$1$deb\"" \
  --customize-hook="copy-in $work/inside.sh /tmp" \
  --customize-hook='chroot "$1" sh /tmp/inside.sh' \
  --customize-hook="copy-out /tmp/nac-check/screenshot.png $work" \
  --customize-hook='rm -f "$1"/var/cache/apt/archives/*.deb' \
  --customize-hook="rm -f \"\$1$deb\"" \
  bookworm "$work/root" "${mirrors[@]}" 2>&1 | tee "$work/mmdebstrap.log"
test -s "$work/screenshot.png"
step "done: $deb, lintian output in $work/lintian.txt, screenshot in $work/screenshot.png"
