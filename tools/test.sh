#!/usr/bin/env bash
# The test command: sets up what is missing, builds what is stale, runs every
# test: the native suite (unit, golden, fuzz replay, integration), then the
# same unit suite compiled to Wasm under node.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
JOBS=$(nproc)

NATIVE=${MICROCONV_BUILD_DIR:-build/native}
cmake -S . -B "$NATIVE" -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build "$NATIVE" -j"$JOBS"
(cd "$NATIVE" && ctest --output-on-failure -j"$JOBS")

# Emscripten 3.1.6 finds Debian's acorn only through NODE_PATH (TOOLCHAIN.md).
export NODE_PATH=/usr/share/nodejs
WASM=${MICROCONV_WASM_BUILD_DIR:-build/wasm}
emcmake cmake -S . -B "$WASM" -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build "$WASM" -j"$JOBS"
(cd "$WASM" && ctest --output-on-failure)
