#!/usr/bin/env bash
# Installs modlr's dependencies (when missing) and builds what `modlr train` needs.
#   scripts/setup.sh            build/modlr only (the README's first command)
#   scripts/setup.sh --all      everything: the test suite and the benchmark helpers too
#   scripts/setup.sh --deps     only the Debian packages and .venv/, no build
# Idempotent and quick on a second run: Debian packages are checked with dpkg, the Python
# packages (.venv/, pinned by requirements.lock) are reinstalled only when the lock changes.
set -euo pipefail
cd "$(dirname "$0")/.."
TARGETS=(modlr_cli)
[ "${1:-}" = "--all" ] && TARGETS=(all)

PACKAGES=(
  build-essential cmake ninja-build pkg-config git
  libyaml-cpp-dev nlohmann-json3-dev libcli11-dev libgtest-dev zlib1g-dev libgloo-dev libpng-dev libjpeg62-turbo-dev
  libsqlite3-dev                 # tuning studies (modlr tune)
  libcurl4-openssl-dev           # MLflow's REST API (tracking.mlflow)
  libpq-dev postgresql           # studies shared across hosts (tune --storage); the server for its tests
  python3 python3-venv           # .venv/: PyPI's torch (libtorch + the twins), onnx, onnxruntime
  dataset-fashion-mnist          # the default experiment's data
  chromium                       # the browser test of `modlr report` (headless)
)

scripts/ensure-packages.sh "${PACKAGES[@]}" | sed 's/^/setup: /'

# PyPI's torch 2.11.0 (CUDA 13 build): its libtorch is what modlr compiles against, so the
# library, the twins, the tests and the benchmarks all run the same torch.
PYTHON=${PYTHON:-python3}
STAMP=.venv/requirements.lock.installed
if ! cmp -s requirements.lock "$STAMP" 2>/dev/null; then
  [ -x .venv/bin/python3 ] || "$PYTHON" -m venv .venv
  echo "setup: installing requirements.lock into .venv/ (torch 2.11.0 with CUDA: ~3 GB on first run)"
  .venv/bin/python3 -m pip install --quiet --disable-pip-version-check -r requirements.lock
  cp requirements.lock "$STAMP"
fi

[ "${1:-}" = "--deps" ] && exit 0
# MODLR_COVERAGE=1 (CI) instruments the build for scripts/coverage.sh.
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DMODLR_COVERAGE="${MODLR_COVERAGE:-OFF}" >/dev/null
cmake --build build -j 2 --target "${TARGETS[@]}"
echo "setup: built ${TARGETS[*]} in build/"
