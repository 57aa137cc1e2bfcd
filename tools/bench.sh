#!/usr/bin/env bash
# The one size-and-speed script: builds Release, runs the core benchmarks,
# measures the tracker's download sizes and the collector's durable ingest,
# and prints every figure beside its budget. Timings on shared 2-core
# machines are noisy: compare ratios within one run, not across runs.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
BUILD=${MICROCONV_BUILD_DIR:-build/native}
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build "$BUILD" -j"$(nproc)" --target microconv_bench microconv microconv_ingest_load > /dev/null
WORK=$(mktemp -d)
trap 'kill "${SERVER:-0}" 2>/dev/null || true; rm -rf "$WORK"' EXIT

"$BUILD/tests/microconv_bench" --benchmark_format=json --benchmark_min_time=0.5 \
  ${MICROCONV_BENCH_FILTER:+--benchmark_filter="$MICROCONV_BENCH_FILTER"} > "$WORK/bench.json"

# Tracker sizes: needs the browser build (tools/build_web.sh, run by the
# test command); skipped with a note when it is missing.
if [ -f "${MICROCONV_WASM_BUILD_DIR:-build/wasm}/wasm/microconv-core.wasm" ]; then
  node web/build.mjs --wasm-dir "${MICROCONV_WASM_BUILD_DIR:-build/wasm}/wasm" --json > "$WORK/sizes.json"
fi

# Tracker speed in headless Chromium: per-event main-thread time, long
# tasks, Wasm instantiate (before the collector load: no CPU contention).
if [ -f web/dist/manifest.json ]; then
  MICROCONV_BIN="$BUILD/tools/microconv" node tests/e2e/perf/tracker_perf.mjs > "$WORK/tracker_perf.txt" \
    || echo "tracker_perf_failed=1" >> "$WORK/tracker_perf.txt"
fi

# Collector: durable ingest from 32 keep-alive clients for 5 s. The load
# posts the golden purchase journey (it starts in November 2023): without
# the history window of the integration tests (10 years), every post was
# refused as too old and the figure read 0.
PORT=$(( 20000 + RANDOM % 20000 ))
"$BUILD/tools/microconv" serve --store "sqlite:$WORK/bench.sqlite" --sites demo-site/sites \
  --listen "127.0.0.1:$PORT" --rate 0 --history-hours $((10 * 366 * 24)) 2> "$WORK/serve.log" &
SERVER=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$PORT/healthz" > /dev/null 2>&1 && break; sleep 0.1; done
# The config as visitors download it (the browser's copy, not the owner's
# tests/golden/demo.mcc), for the tracker's size figure.
if [ -f "$WORK/sizes.json" ]; then
  curl -sf -H 'Accept-Encoding: identity' "http://127.0.0.1:$PORT/config/demo.mcc" -o "$WORK/demo.mcc"
fi
"$BUILD/tests/integration/microconv_ingest_load" --port "$PORT" --clients 32 --seconds 5 > "$WORK/ingest.txt"
RSS_KB=$(awk '/VmHWM/ {print $2}' "/proc/$SERVER/status")
echo "collector_peak_rss_kb=$RSS_KB" >> "$WORK/ingest.txt"

node tools/bench_report.mjs "$WORK"
