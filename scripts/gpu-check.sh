#!/usr/bin/env bash
# Run on a GPU machine (NVIDIA GPU, python3 with PyTorch 2.x + CUDA, nvcc, g++, cmake,
# ninja; no network, no apt) from a checkout that carries gpu-bundle/ (scripts/gpu-bundle.sh
# makes it). Builds build/modlr there against that python3's libtorch, trains cnn-cifar10
# for 2 epochs with runner.device=cuda on one CIFAR-10 batch (data on the GPU), then 1 epoch
# with the data on the host (pinned batches), bf16 and fp16 epochs, a one-rank data-parallel
# job through NCCL, prints each epoch's seconds,
# and exits non-zero on any failure (one line saying what is missing).
#   scripts/gpu-check.sh [EXTRA modlr train ARGS ...]
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)
fail() { echo "gpu-check: error: $*" >&2; exit 1; }
PYTHON=${PYTHON:-python3}
[ -d gpu-bundle/debs ] || fail "gpu-bundle/ missing: run scripts/gpu-bundle.sh on the development machine and carry it"
"$PYTHON" - <<'PY' || fail "$PYTHON has no PyTorch 2.x with a visible CUDA device (see above)"
import sys, torch
if not torch.__version__.startswith("2."):
    sys.exit(f"torch {torch.__version__} is not 2.x")
if not torch.cuda.is_available():
    sys.exit(f"torch {torch.__version__} sees no CUDA device (built with CUDA {torch.version.cuda})")
print(f"gpu-check: torch {torch.__version__}, CUDA {torch.version.cuda}, {torch.cuda.get_device_name(0)}")
PY
command -v nvcc >/dev/null || fail "nvcc not on PATH: libtorch's CMake files need the CUDA toolkit"

# The bundled Debian libraries, unpacked into a prefix CMake searches first.
PREFIX=$PWD/gpu-bundle/prefix
if [ ! -d "$PREFIX/usr/include/yaml-cpp" ]; then
  for deb in gpu-bundle/debs/*.deb; do dpkg-deb -x "$deb" "$PREFIX"; done
fi
# Debian's libz.so, libsqlite3.so and libcurl.so point at Debian's own runtimes; link the
# image's instead (their sonames are the same).
system_library() { ls /lib/x86_64-linux-gnu/"$1" /usr/lib/x86_64-linux-gnu/"$1" 2>/dev/null | head -1; }
SYSTEM_ZLIB=$(system_library libz.so.1)
[ -n "$SYSTEM_ZLIB" ] || fail "no libz.so.1 on this machine"
SYSTEM_SQLITE=$(system_library libsqlite3.so.0)
[ -n "$SYSTEM_SQLITE" ] || fail "no libsqlite3.so.0 on this machine (modlr tune and the run index need SQLite)"
SYSTEM_CURL=$(system_library libcurl.so.4)
[ -n "$SYSTEM_CURL" ] || fail "no libcurl.so.4 on this machine (MLflow tracking needs libcurl)"
TORCH_PREFIX=$("$PYTHON" -c 'import torch.utils; print(torch.utils.cmake_prefix_path)')

cmake -S . -B build-gpu -G Ninja -DCMAKE_BUILD_TYPE=Release -DMODLR_BUILD_TESTS=OFF -DMODLR_BUILD_BENCH=OFF \
      -DCMAKE_PREFIX_PATH="$PREFIX/usr;$TORCH_PREFIX" -DMODLR_PYTHON="$(command -v "$PYTHON")" \
      -DZLIB_INCLUDE_DIR="$PREFIX/usr/include" -DZLIB_LIBRARY="$SYSTEM_ZLIB" -DTORCH_CUDA_ARCH_LIST=9.0 \
      -DSQLite3_INCLUDE_DIR="$PREFIX/usr/include" -DSQLite3_LIBRARY="$SYSTEM_SQLITE" \
      -DCURL_INCLUDE_DIR="$PREFIX/usr/include/x86_64-linux-gnu" -DCURL_LIBRARY="$SYSTEM_CURL" \
      >build-gpu.configure.log 2>&1 || { tail -20 build-gpu.configure.log; fail "cmake configure failed"; }
cmake --build build-gpu -j "$(nproc)" --target modlr_cli >build-gpu.build.log 2>&1 ||
  { grep -E "error|Error" build-gpu.build.log | head -20; fail "build failed (build-gpu.build.log)"; }
echo "gpu-check: built in $(( $(date +%s) - started )) s"

build-gpu/modlr train configs/cnn-cifar10.yaml --set runner.device=cuda --set runner.epochs=2 \
    --set dataset.path=gpu-bundle/cifar --set "dataset.train_files=[data_batch_1]" \
    --set "dataset.test_files=[test_batch_first1000]" --set "dataset.extra_test_files={}" \
    --set tracking.dir=build-gpu/runs "$@" | tee build-gpu/train.log
run=$(sed -n 's/^run record: //p' build-gpu/train.log)
[ -n "$run" ] && grep -q '"status": "finished"' "$run/summary.json" || fail "training did not finish"
grep -q '"device": "cuda' "$run/summary.json" || fail "the run did not record a CUDA device"
grep -q '"data_device": "cuda' "$run/summary.json" || fail "dataset.device auto did not put the data on the GPU"
# The other data path: data on the host, batches cut into pinned memory and copied async.
build-gpu/modlr train configs/cnn-cifar10.yaml --set runner.device=cuda --set runner.epochs=1 \
    --set dataset.device=cpu --set dataset.path=gpu-bundle/cifar --set "dataset.train_files=[data_batch_1]" \
    --set "dataset.test_files=[test_batch_first1000]" --set "dataset.extra_test_files={}" \
    --set tracking.dir=build-gpu/runs-pinned "$@" | tee build-gpu/train-pinned.log
pinned=$(sed -n 's/^run record: //p' build-gpu/train-pinned.log)
[ -n "$pinned" ] && grep -q '"data_device": "cpu"' "$pinned/summary.json" || fail "the pinned-memory run did not finish"
# Mixed precision on the GPU: bf16 autocast, and fp16 with loss scaling.
for precision in bf16 fp16; do
  build-gpu/modlr train configs/cnn-cifar10.yaml --set runner.device=cuda --set runner.epochs=1 \
      --set runner.precision=$precision --set dataset.path=gpu-bundle/cifar --set "dataset.train_files=[data_batch_1]" \
      --set "dataset.test_files=[test_batch_first1000]" --set "dataset.extra_test_files={}" \
      --set tracking.dir=build-gpu/runs-$precision "$@" | tee build-gpu/train-$precision.log
  grep -q '^run record: ' build-gpu/train-$precision.log || fail "the $precision run did not finish"
  grep -E '^epoch [0-9]+/' build-gpu/train-$precision.log | sed "s/^/gpu-check: $precision: /"
done
# Data-parallel training through NCCL (the default backend with runner.device=cuda): a
# one-rank job, which runs the whole distributed path on the one GPU.
build-gpu/modlr train configs/cnn-cifar10.yaml --nproc 1 --set runner.device=cuda --set runner.epochs=1 \
    --set dataset.path=gpu-bundle/cifar --set "dataset.train_files=[data_batch_1]" \
    --set "dataset.test_files=[test_batch_first1000]" --set "dataset.extra_test_files={}" \
    --set tracking.dir=build-gpu/runs-nccl "$@" | tee build-gpu/train-nccl.log
nccl=$(sed -n 's/^run record: //p' build-gpu/train-nccl.log)
[ -n "$nccl" ] && grep -q '"distributed_backend": "nccl"' "$nccl/summary.json" || fail "the one-rank NCCL job did not finish"
grep -E '^epoch [0-9]+/' build-gpu/train-nccl.log | sed "s/^/gpu-check: nccl: /"
# GPU_CHECK_TESTS=1: also build the suite and run its GPU-only tests (device-resident
# loader, multi-tensor optimizers, CUDA APIs), which skip on machines without a GPU.
if [ "${GPU_CHECK_TESTS:-0}" = 1 ]; then
  cmake -S . -B build-gpu -DMODLR_BUILD_TESTS=ON >>build-gpu.configure.log 2>&1 || fail "cmake configure (tests) failed"
  cmake --build build-gpu -j "$(nproc)" --target modlr_tests >>build-gpu.build.log 2>&1 || fail "building the tests failed"
  build-gpu/tests/modlr_tests --gtest_filter='LoaderOnDevice.*:MultiTensor.*:CudaApis.*:Communicator.*' || fail "GPU tests failed"
fi
grep -E '^epoch [0-9]+/' build-gpu/train.log | sed 's/^/gpu-check: /'
echo "gpu-check: ok in $(( $(date +%s) - started )) s"
