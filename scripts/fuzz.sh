#!/usr/bin/env bash
# Builds modlr's libFuzzer targets (clang: -fsanitize=fuzzer,address,undefined; leaks are
# reported too) and runs each for SECONDS (default 600) on a seeded corpus.
#   scripts/fuzz.sh [SECONDS] [TARGET ...]     targets: idx gzip config safetensors csv cifar imdb protobuf checkpoint
#                                              run_record timeseries image study parallel_text mlflow
# Logs and corpora go to build-fuzz/; a crash leaves build-fuzz/<target>/crash-* and fails
# the script. Every crash found becomes a regression test (tests/formats, tests/core).
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_TARGET=${1:-600}
shift || true
TARGETS=("$@")
((${#TARGETS[@]})) || TARGETS=(idx gzip config safetensors csv cifar imdb protobuf checkpoint run_record timeseries image study
                                parallel_text mlflow)
OUT=build-fuzz
CXX=${CXX:-clang++}
FLAGS=(-std=c++17 -O1 -g -fno-omit-frame-pointer -Iinclude -Isrc
       -fsanitize=address,undefined -fno-sanitize-recover=undefined)
SOURCES=(src/formats/file_bytes.cpp src/formats/idx.cpp src/formats/safetensors.cpp
         src/formats/sha256.cpp src/core/config.cpp src/core/config_bases.cpp src/core/config_keys.cpp src/formats/csv.cpp src/formats/time_series.cpp src/formats/image_decode.cpp src/formats/png.cpp src/formats/cifar.cpp
         src/formats/tar.cpp src/dataset/text.cpp src/dataset/imdb_reader.cpp src/formats/protobuf.cpp
         src/formats/checksummed.cpp src/core/interrupt.cpp
         src/compare/run_group.cpp src/compare/group_labels.cpp src/core/text.cpp src/formats/seekable_file.cpp
         src/tune/search_space.cpp src/tune/study_store.cpp src/tune/samplers.cpp src/tune/tpe_sampler.cpp
         src/tune/pruners.cpp src/tune/study_location.cpp src/tracking/sqlite.cpp src/tracking/sql_database.cpp
         src/tracking/postgres.cpp  # (without libpq: only its URL helpers are reached)
         src/formats/parallel_text.cpp src/metrics/bleu.cpp src/tracking/mlflow_answers.cpp)

mkdir -p "$OUT/obj"
objects=()
for source in "${SOURCES[@]}"; do
  object="$OUT/obj/$(echo "${source%.cpp}" | tr / _).o"  # by path: two files may share a name
  if [ ! -f "$object" ] || [ "$source" -nt "$object" ] || [ -n "$(find include -name "*.h" -newer "$object" | head -1)" ]; then
    "$CXX" "${FLAGS[@]}" -fsanitize=fuzzer-no-link -c "$source" -o "$object"
  fi
  objects+=("$object")
done

python3 scripts/fuzz_seeds.py "$OUT"

status=0
for target in "${TARGETS[@]}"; do
  mkdir -p "$OUT/$target/corpus"
  "$CXX" "${FLAGS[@]}" -fsanitize=fuzzer "fuzz/fuzz_$target.cpp" "${objects[@]}" \
    -lyaml-cpp -lpng -ljpeg -lz -lsqlite3 -o "$OUT/fuzz_$target"
  echo "fuzz: $target for ${SECONDS_PER_TARGET}s"
  if ! (cd "$OUT/$target" && ../fuzz_"$target" corpus ../seeds/"$target" \
          -max_total_time="$SECONDS_PER_TARGET" -rss_limit_mb=2048 -timeout=10 \
          -print_final_stats=1 >log.txt 2>&1); then
    echo "fuzz: $target FAILED, see $OUT/$target/log.txt"; status=1
  fi
  grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb|Done [0-9]+ runs" "$OUT/$target/log.txt" || true
done
exit $status
