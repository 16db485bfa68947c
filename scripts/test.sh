#!/usr/bin/env bash
# Installs, builds everything (library, CLI, tests, benchmark helpers) and runs the whole
# test suite (GoogleTest under CTest).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --all
ctest --test-dir build -j 2 --output-on-failure
