#!/usr/bin/env bash
# Differential test of the sequential windowed funnel against ClickHouse:
# starts Debian's clickhouse-server as an ordinary process on 127.0.0.1 in a
# temp folder, loads the generated raw events, asks windowFunnel for every
# session's level and compares it with the core's (funnel_sessions.cc).
# usage: run_windowfunnel.sh FUNNEL_SESSIONS_BINARY [SESSIONS] [SEED]
# Exit 77 (ctest: skipped) only when clickhouse-server is not installed.
set -euo pipefail
tool=$1
sessions=${2:-100000}
seed=${3:-9}
window_ms=60000  # kWindowMs in funnel_sessions.cc

server=$(command -v clickhouse-server || true)
[[ -z $server && -x /usr/sbin/clickhouse-server ]] && server=/usr/sbin/clickhouse-server
client=$(command -v clickhouse-client || true)
if [[ -z $server || -z $client || ! -f /etc/clickhouse-server/config.xml ]]; then
  echo "################################################################" >&2
  echo "SKIPPED: clickhouse-server/clickhouse-client are not installed," >&2
  echo "so funnels were NOT compared with windowFunnel. Install them with" >&2
  echo "tools/setup.sh (apt-get install clickhouse-server clickhouse-client)." >&2
  echo "################################################################" >&2
  exit 77
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/microconv-clickhouse.XXXXXX")
pid=
cleanup() {
  if [[ -n $pid ]]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$dir"
}
trap cleanup EXIT

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
start_server() {
  http=$((20000 + RANDOM % 20000)); tcp=$((http + 1)); inter=$((http + 2))
  for p in $http $tcp $inter; do port_free "$p" || return 1; done
  mkdir -p "$dir/data" "$dir/tmp" "$dir/user_files" "$dir/format_schemas" "$dir/log"
  cp /etc/clickhouse-server/users.xml "$dir/users.xml"
  sed -e "s#<path>/var/lib/clickhouse/</path>#<path>$dir/data/</path>#" \
      -e "s#<tmp_path>[^<]*</tmp_path>#<tmp_path>$dir/tmp/</tmp_path>#" \
      -e "s#<user_files_path>[^<]*</user_files_path>#<user_files_path>$dir/user_files/</user_files_path>#" \
      -e "s#<format_schema_path>[^<]*</format_schema_path>#<format_schema_path>$dir/format_schemas/</format_schema_path>#" \
      -e "s#<log>[^<]*</log>#<log>$dir/log/server.log</log>#" \
      -e "s#<errorlog>[^<]*</errorlog>#<errorlog>$dir/log/server.err.log</errorlog>#" \
      -e "s#<http_port>[^<]*</http_port>#<http_port>$http</http_port>#" \
      -e "s#<tcp_port>[^<]*</tcp_port>#<tcp_port>$tcp</tcp_port>#" \
      -e "s#<interserver_http_port>[^<]*</interserver_http_port>#<interserver_http_port>$inter</interserver_http_port>#" \
      -e "s#<listen_host>::1</listen_host>##" \
      /etc/clickhouse-server/config.xml > "$dir/config.xml"
  "$server" --config-file="$dir/config.xml" > "$dir/log/stdout.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 120); do
    if "$client" --host 127.0.0.1 --port "$tcp" --query "SELECT 1" > /dev/null 2>&1; then return 0; fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; pid=
  return 1
}
started=0
for attempt in 1 2 3; do
  if start_server; then started=1; break; fi
done
if [[ $started != 1 ]]; then
  echo "clickhouse-server did not start; its log:" >&2
  tail -n 30 "$dir/log/"*.log >&2 || true
  exit 1
fi
ch() { "$client" --host 127.0.0.1 --port "$tcp" "$@"; }

begin=$(date +%s.%N)
"$tool" generate "$sessions" "$seed" "$dir/events.tsv" "$dir/core.tsv"
ch --query "CREATE TABLE events (session UInt32, ts UInt32, micro UInt8) ENGINE = MergeTree ORDER BY (session, ts)"
ch --query "INSERT INTO events FORMAT TabSeparated" < "$dir/events.tsv"
ch --query "SELECT session, windowFunnel($window_ms)(ts, micro = 2, micro = 3, micro = 4, micro = 5, micro = 6)
            FROM events GROUP BY session FORMAT TabSeparated" > "$dir/clickhouse.tsv"
"$tool" compare "$dir/core.tsv" "$dir/clickhouse.tsv"
echo "generate + insert + windowFunnel + compare: $(echo "$(date +%s.%N) - $begin" | bc) s"
