#!/usr/bin/env bash
# The demo command: installs what is missing, builds what is stale, starts
# the collector with its embedded SQLite store and the demo store on its own
# origin (as a real site would be), seeds the collector with simulated
# visitors of the store, prints the URLs and runs until stopped.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
NATIVE=${MICROCONV_BUILD_DIR:-build/native}
cmake -S . -B "$NATIVE" -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build "$NATIVE" -j"$(nproc)" --target microconv
bash tools/build_web.sh

PORT=${MICROCONV_PORT:-8080}
STORE_PORT=${MICROCONV_STORE_PORT:-8081}
DATA=${MICROCONV_DATA:-build/demo-data}
mkdir -p "$DATA"
# The dashboard is private: a demo owner account, made once per data folder,
# its password kept beside the store (readable by this user only).
if [ ! -f "$DATA/demo-password" ]; then
  (umask 077 && head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$DATA/demo-password")
  "$NATIVE/tools/microconv" user add demo --store "sqlite:$DATA/microconv.sqlite" \
    --password-file "$DATA/demo-password"
fi
# --rate 0: the seeding visitors all come from this one address, which the
# per-address rate limit would otherwise (rightly) throttle. --history-hours:
# the seed spreads sessions over the last 14 days, older than a live
# collector accepts by default (48 h).
"$NATIVE/tools/microconv" serve --store "sqlite:$DATA/microconv.sqlite" --sites demo-site/sites \
  --listen "127.0.0.1:$PORT" --web web/dist --rate 0 --history-hours 360 &
SERVER=$!
"$NATIVE/tools/microconv" host demo-site/store --listen "127.0.0.1:$STORE_PORT" \
  --collector "http://127.0.0.1:$PORT" &
STORE=$!
trap 'kill "$SERVER" "$STORE" 2>/dev/null || true; wait 2>/dev/null || true' EXIT INT TERM
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/healthz" > /dev/null 2>&1 && break; sleep 0.1; done

# Seed once per data folder: simulated visitors are real summaries made by
# the core, sent over HTTP like browsers send them.
if [ ! -f "$DATA/.seeded" ]; then
  "$NATIVE/tools/microconv" simulate --endpoint "http://127.0.0.1:$PORT" \
    --config demo-site/sites/demo.json --sessions "${MICROCONV_SEED_SESSIONS:-5000}" --days 14
  touch "$DATA/.seeded"
fi

cat <<MSG

microconv is running (Ctrl-C stops it)
  dashboard login user demo, password $(cat "$DATA/demo-password")
  demo store      http://127.0.0.1:$STORE_PORT/
  playground      http://127.0.0.1:$STORE_PORT/playground
  dashboard       http://127.0.0.1:$PORT/dashboard/?site=demo&origin=http://127.0.0.1:$STORE_PORT
  report (JSON)   http://127.0.0.1:$PORT/api/report/demo   (logged in, or Authorization: Bearer TOKEN)
  live (SSE)      http://127.0.0.1:$PORT/api/live/demo
  tracker         http://127.0.0.1:$PORT/microconv.js
  metrics         http://127.0.0.1:$PORT/metrics
MSG
wait "$SERVER"
