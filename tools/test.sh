#!/usr/bin/env bash
# The test command: sets up what is missing, builds what is stale, runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
BUILD=${MICROCONV_BUILD_DIR:-build/native}
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build "$BUILD" -j"$(nproc)"
(cd "$BUILD" && ctest --output-on-failure -j"$(nproc)")
