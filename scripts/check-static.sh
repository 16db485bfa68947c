#!/usr/bin/env bash
# The static checks CI runs, each of which must be clean (a finding is a non-zero exit):
#   clang-format-14 on every C++ file (.clang-format), cppcheck on src/ and include/, and
#   clang-tidy-14 (.clang-tidy) on the library's translation units, compiled as the unity
#   batches of build-tidy/ so that each parse of torch's headers serves 8 sources.
# Suppressions sit beside the code they excuse, each with its one-line reason.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-packages.sh clang-format-14 clang-tidy-14 cppcheck | sed 's/^/check-static: /'

mapfile -t cxx_files < <(git ls-files '*.cpp' '*.h')
clang-format-14 --dry-run -Werror "${cxx_files[@]}"
echo "check-static: clang-format clean on ${#cxx_files[@]} files"

cppcheck --std=c++17 --language=c++ -I include --enable=warning,performance,portability --inline-suppr \
  --suppress=missingIncludeSystem --quiet --error-exitcode=1 src include
echo "check-static: cppcheck clean on src/ and include/"

scripts/setup.sh --deps >/dev/null  # .venv/: the libtorch CMake configures against
cmake -S . -B build-tidy -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_EXPORT_COMPILE_COMMANDS=ON \
  -DCMAKE_DISABLE_PRECOMPILE_HEADERS=ON -DMODLR_BUILD_TESTS=OFF -DMODLR_BUILD_BENCH=OFF \
  -DMODLR_BUILD_EXAMPLES=OFF >/dev/null 2>&1
# (build_info.cpp is written by a build, which this configure-only directory never runs.)
units=$(.venv/bin/python3 -c "import json, os
print('\n'.join(e['file'] for e in json.load(open('build-tidy/compile_commands.json')) if os.path.exists(e['file'])))")
echo "$units" | xargs -P 2 -I{} clang-tidy-14 -p build-tidy --config-file=.clang-tidy --quiet {} 2>/dev/null \
  > build-tidy/clang-tidy.log || { grep -E "(warning|error):" build-tidy/clang-tidy.log; exit 1; }
echo "check-static: clang-tidy clean on $(echo "$units" | wc -l) translation units"
