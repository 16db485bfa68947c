#!/usr/bin/env bash
# Installs, builds and runs modlr's whole test suite (GoogleTest under CTest).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
ctest --test-dir build -j 2 --output-on-failure
