#!/usr/bin/env bash
# Line and branch coverage of src/ by the test suite, read from a build/ that was configured
# with -DMODLR_COVERAGE=ON and has run the suite (CI: MODLR_COVERAGE=1 scripts/test.sh).
# Prints the per-file table and the totals, writes build/coverage.json (gcovr's summary) and
# fails when line coverage is below the threshold: the argument, or .ci/coverage-threshold.
set -euo pipefail
cd "$(dirname "$0")/.."
threshold=${1:-$(cat .ci/coverage-threshold)}
if ! find build -name '*.gcda' -print -quit 2>/dev/null | grep -q .; then
  echo "coverage: no gcov data under build/: build with MODLR_COVERAGE=1 scripts/test.sh first" >&2
  exit 1
fi
# Branches: those the compiler adds for exceptions and for code it proved unreachable are left
# out; they are not decisions in modlr's code.
.venv/bin/gcovr --root . --object-directory build --filter 'src/' -j 2 \
  --exclude-throw-branches --exclude-unreachable-branches \
  --txt build/coverage.txt --json-summary-pretty --json-summary build/coverage.json \
  --print-summary --fail-under-line "$threshold"
