#!/usr/bin/env bash
# Renders resources/icons/<app id>.svg to the hicolor PNG sizes committed beside it (rsvg-convert,
# Debian package librsvg2-bin). Re-run after editing the SVG and commit the PNGs.
set -euo pipefail
cd "$(dirname "$0")/../resources/icons"
id=io.github.nacstudio.NacStudio
for size in 16 24 32 48 64 128 256; do
  mkdir -p "hicolor/${size}x${size}/apps"
  rsvg-convert --width "$size" --height "$size" --output "hicolor/${size}x${size}/apps/$id.png" "$id.svg"
done
echo "packaging/render-icons.sh: rendered $(ls hicolor | wc -l) sizes"
