// microconv_ingest_load: posts real demo summaries (fresh nonce each) to a
// running collector from N keep-alive clients for T seconds.
#include <cstdio>
#include <random>
#include <string>

#include "journeys.h"
#include "tools/base/flags.h"
#include "tools/load/ingest_load.h"

namespace {

constexpr const char* kUsage =
    "usage: microconv_ingest_load --port P [--host H] [--clients N] [--seconds T] [--rate R]\n";

}  // namespace

int main(int argc, char** argv) {
  auto flags = microconv::Flags::Parse(
      argc, argv, {{"--port"}, {"--host"}, {"--clients"}, {"--seconds"}, {"--rate"}});
  if (auto stop = microconv::StopAtFlags(flags, "microconv_ingest_load", kUsage)) return *stop;
  microconv::LoadOptions options;
  auto port = flags.value().Int("--port", 0, 1, 65535);
  auto clients = flags.value().Int("--clients", options.clients, 1, 1024);
  auto seconds = flags.value().Number("--seconds", options.seconds, 0.001, 3600);
  auto rate = flags.value().Number("--rate", options.rate, 0, 1e9);
  if (!port.ok() || !clients.ok() || !seconds.ok() || !rate.ok() || port.value() == 0) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  options.host = flags.value().Get("--host", options.host);
  options.port = static_cast<int>(port.value());
  options.clients = static_cast<int>(clients.value());
  options.seconds = seconds.value();
  options.rate = rate.value();
  microconv::testing::Journeys journeys;
  if (!journeys.ok()) return 1;
  const std::vector<uint8_t> base = journeys.Summary("purchase", 1);
  const uint64_t salt = uint64_t{std::random_device{}()} << 32;
  options.make_summary = [&](uint64_t index) {
    return microconv::testing::Journeys::WithNonce(base, salt ^ (index + 1));
  };
  const auto result = microconv::DriveIngestLoad(options);
  std::printf(
      "clients=%d seconds=%.2f accepted=%llu rejected=%llu failed=%llu "
      "summaries/s=%.0f p50_ms=%.2f p99_ms=%.2f max_ms=%.2f\n",
      options.clients, result.seconds, (unsigned long long)result.accepted,
      (unsigned long long)result.rejected, (unsigned long long)result.failed, result.per_second,
      result.p50_ms, result.p99_ms, result.max_ms);
  return 0;
}
