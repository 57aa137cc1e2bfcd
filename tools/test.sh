#!/usr/bin/env bash
# The test command: sets up what is missing, builds what is stale, runs every
# test: the native suite (unit, golden, fuzz replay, collector integration),
# the same unit suite compiled to Wasm under node, then the browser tracker's
# end-to-end tests in headless Chromium against the real collector. Formatting
# and lint are checked first (tools/check_format.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
JOBS=$(nproc)
bash tools/check_format.sh

NATIVE=${MICROCONV_BUILD_DIR:-build/native}
cmake -S . -B "$NATIVE" -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build "$NATIVE" -j"$JOBS"
# The browser build first: native tests that serve or install web/dist
# (install_test, static files) need it, and must not skip here.
bash tools/build_web.sh
(cd "$NATIVE" && ctest --output-on-failure -j"$JOBS")

WASM=${MICROCONV_WASM_BUILD_DIR:-build/wasm}
(cd "$WASM" && ctest --output-on-failure)

MICROCONV_BIN="$NATIVE/tools/microconv" node --test tests/e2e/
