#!/usr/bin/env bash
# Run HERE (Debian 12, with apt): fills gpu-bundle/ (git-ignored) with what
# scripts/gpu-check.sh needs on the GPU machine, which has no apt and no network: the .deb
# files of the libraries modlr builds against that its image lacks (yaml-cpp, nlohmann-json,
# CLI11; the zlib, SQLite and libcurl headers, whose runtimes the image has) and one CIFAR-10 training batch plus the first 1,000 test images.
# Then pass `carry: ["gpu-bundle"]` to the device run. Fails if the checkout plus the bundle
# would exceed 60 MiB.
#   scripts/gpu-bundle.sh [CIFAR_DIR]     default ../shared/data/cifar-10/cifar-10-batches-bin
set -euo pipefail
cd "$(dirname "$0")/.."
CIFAR=${1:-../shared/data/cifar-10/cifar-10-batches-bin}
rm -rf gpu-bundle && mkdir -p gpu-bundle/debs gpu-bundle/cifar
(cd gpu-bundle/debs && apt-get download -qq -o APT::Sandbox::User=root libyaml-cpp-dev libyaml-cpp0.7 nlohmann-json3-dev libcli11-dev libgtest-dev libgloo-dev \
                                          libpng-dev libpng16-16 libjpeg62-turbo-dev libjpeg62-turbo \
                                          zlib1g-dev zlib1g libsqlite3-dev libcurl4-openssl-dev)
for stem in data_batch_1 test_batch_first1000; do
  [ -f "$CIFAR/$stem.bin.gz" ] || { echo "gpu-bundle: error: $CIFAR/$stem.bin.gz not found" >&2; exit 1; }
  cp "$CIFAR/$stem.bin.gz" gpu-bundle/cifar/
done
total=$(( $(du -sb gpu-bundle | cut -f1) + $(git ls-files -z | xargs -0 du -cb | tail -1 | cut -f1) ))
echo "gpu-bundle: $(du -sh gpu-bundle | cut -f1) bundle; with the checkout $((total / 1048576)) MiB"
if ((total > 60 * 1048576)); then echo "gpu-bundle: error: over 60 MiB" >&2; exit 1; fi
