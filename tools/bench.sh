#!/usr/bin/env bash
# The one size-and-speed script: builds Release, runs the benchmarks and
# prints every figure beside its budget. Timings on shared 2-core machines
# are noisy: compare ratios within one run, not across runs.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
BUILD=${MICROCONV_BUILD_DIR:-build/native}
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build "$BUILD" -j"$(nproc)" --target microconv_bench > /dev/null
OUT=$(mktemp)
"$BUILD/tests/microconv_bench" --benchmark_format=json --benchmark_min_time=0.5 \
  ${MICROCONV_BENCH_FILTER:+--benchmark_filter="$MICROCONV_BENCH_FILTER"} > "$OUT"
node tools/bench_report.mjs "$OUT"
rm -f "$OUT"
