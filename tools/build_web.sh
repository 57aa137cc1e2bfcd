#!/usr/bin/env bash
# Builds the browser side: the core and unit tests with Emscripten, then the
# tracker bundle in web/dist (loader, tracker chunk, Wasm core, no-Wasm core).
set -euo pipefail
cd "$(dirname "$0")/.."
# Emscripten 3.1.6 finds Debian's acorn only through NODE_PATH, and the
# Closure compiler through EM_CLOSURE_COMPILER (TOOLCHAIN.md).
export NODE_PATH=/usr/share/nodejs
export EM_CLOSURE_COMPILER="$PWD/node_modules/google-closure-compiler-linux/compiler"
WASM=${MICROCONV_WASM_BUILD_DIR:-build/wasm}
emcmake cmake -S . -B "$WASM" -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build "$WASM" -j"$(nproc)"
node web/build.mjs --wasm-dir "$WASM/wasm"
