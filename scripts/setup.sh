#!/usr/bin/env bash
# Installs modlr's Debian dependencies (when missing) and builds it into build/.
# Usage: scripts/setup.sh            (idempotent; safe to rerun)
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  build-essential cmake ninja-build pkg-config git
  libtorch-dev libopenblas-dev libyaml-cpp-dev nlohmann-json3-dev libcli11-dev
  libgtest-dev zlib1g-dev
  libonnx-dev libprotobuf-dev    # ONNX export (protobuf types, checker)
  dataset-fashion-mnist          # the default experiment's data
  python3-torch python3-yaml     # the PyTorch twins in reference/
  chromium                       # the browser test of `modlr report` (headless)
)

missing=()
for package in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
# node + npm run ONNX Runtime (onnxruntime-node) on exported models; a node from another
# source (e.g. nodesource, which bundles npm) is fine, so check the commands, not packages.
command -v node >/dev/null && command -v npm >/dev/null || missing+=(nodejs npm)
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# ONNX Runtime for the export tests and bench/onnx_inference, pinned by the lock file. Its
# install script would download GPU binaries (and fails offline); the CPU library ships in
# the package, so skip it.
if [ ! -d tools/onnxruntime/node_modules/onnxruntime-node ]; then
  (cd tools/onnxruntime && ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund --loglevel=error)
fi

cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j 2
echo "setup: built build/modlr"
