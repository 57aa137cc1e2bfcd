#!/usr/bin/env bash
# Installs what the build and tests need on a fresh Debian 12 machine, once.
# Safe to run again: it installs only packages that are missing.
set -euo pipefail

DEBIAN_PACKAGES=(
  cmake g++ make pkg-config clang-format
  flatbuffers-compiler libflatbuffers-dev
  nlohmann-json3-dev
  libgtest-dev libbenchmark-dev
  brotli
  emscripten
  libsqlite3-dev libcpp-httplib-dev libsodium-dev libcurl4-openssl-dev
  libmicrohttpd-dev zlib1g-dev libbrotli-dev libgoogle-perftools-dev tzdata
  chromium curl
  nginx caddy openssl
  clickhouse-server clickhouse-client bc
)

missing=()
for pkg in "${DEBIAN_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# JS tooling (playwright-core drives Debian's chromium; esbuild; the Closure
# compiler Emscripten 3.1.6 expects), pinned by package-lock.json. Reinstalled
# only when the lockfile changed since the last install.
cd "$(dirname "$0")/.."
if [ ! -f node_modules/.package-lock.json ] || ! cmp -s package-lock.json node_modules/.microconv-lock; then
  npm ci --no-audit --no-fund
  cp package-lock.json node_modules/.microconv-lock
fi
