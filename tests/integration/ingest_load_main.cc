// microconv_ingest_load: posts real demo summaries (fresh nonce each) to a
// running collector from N keep-alive clients for T seconds.
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>

#include "ingest_load.h"
#include "journeys.h"

int main(int argc, char** argv) {
  microconv::testing::LoadOptions options;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--port") options.port = std::atoi(argv[i + 1]);
    else if (flag == "--host") options.host = argv[i + 1];
    else if (flag == "--clients") options.clients = std::atoi(argv[i + 1]);
    else if (flag == "--seconds") options.seconds = std::atof(argv[i + 1]);
  }
  if (options.port <= 0) {
    std::fprintf(stderr, "usage: microconv_ingest_load --port P [--clients N] [--seconds T]\n");
    return 2;
  }
  microconv::testing::Journeys journeys;
  if (!journeys.ok()) return 1;
  const std::vector<uint8_t> base = journeys.Summary("purchase", 1);
  const uint64_t salt = uint64_t{std::random_device{}()} << 32;
  options.make_summary = [&](uint64_t index) {
    return microconv::testing::Journeys::WithNonce(base, salt ^ (index + 1));
  };
  const auto result = microconv::testing::DriveIngestLoad(options);
  std::printf("clients=%d seconds=%.2f accepted=%llu rejected=%llu failed=%llu "
              "summaries/s=%.0f p50_ms=%.2f p99_ms=%.2f max_ms=%.2f\n",
              options.clients, result.seconds, (unsigned long long)result.accepted,
              (unsigned long long)result.rejected, (unsigned long long)result.failed,
              result.per_second, result.p50_ms, result.p99_ms, result.max_ms);
  return 0;
}
