#!/usr/bin/env bash
# Installs modlr's Debian dependencies (when missing) and builds it into build/.
# Usage: scripts/setup.sh            (idempotent; safe to rerun)
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  build-essential cmake ninja-build pkg-config git
  libtorch-dev libopenblas-dev libyaml-cpp-dev nlohmann-json3-dev libcli11-dev
  libgtest-dev zlib1g-dev
  dataset-fashion-mnist          # the default experiment's data
  python3-torch python3-yaml     # the PyTorch twins in reference/
  chromium                       # the browser test of `modlr report` (headless)
)

missing=()
for package in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j 2
echo "setup: built build/modlr"
