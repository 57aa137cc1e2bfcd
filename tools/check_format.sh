#!/usr/bin/env bash
# Formatting and lint, part of the test command: clang-format (.clang-format,
# Google based) over every tracked C++ file, Biome (biome.json: one formatter
# and linter for the JS) over the JS. Checks every file, not only changed
# ones: the tree was formatted once, so any diff is new. `--fix` rewrites
# instead of checking. Generated files are left out: core/time_zones.cc
# (tools/gen_time_zones.mjs; its own test pins the bytes).
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t cpp < <(git ls-files '*.cc' '*.h' | grep -v '^core/time_zones\.cc$')
if [ "${1:-}" = "--fix" ]; then
  clang-format -i "${cpp[@]}"
  npx biome check --write .
  exit 0
fi
clang-format --dry-run --Werror "${cpp[@]}"
npx biome ci .
echo "format: ${#cpp[@]} C++ files and the JS are formatted and lint-clean"
