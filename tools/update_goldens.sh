#!/usr/bin/env bash
# Rewrites the golden files (compiled demo config first, then the summaries
# that depend on it). Only after a deliberate wire or config format change:
# review `git diff tests/golden/*.json` and explain it in the commit.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${MICROCONV_BUILD_DIR:-build/native}
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build "$BUILD" -j"$(nproc)" --target microconv_tests
MICROCONV_UPDATE_GOLDENS=1 "$BUILD/tests/microconv_tests" --gtest_filter='GoldenConfig.*'
MICROCONV_UPDATE_GOLDENS=1 "$BUILD/tests/microconv_tests" --gtest_filter='Journeys/GoldenTest.*'
git status --short tests/golden
