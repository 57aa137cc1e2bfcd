// `microconv_replay_summaries START_MINUTE OUT_DIR`: sessions of the demo
// config at privacy.replay_sample_rate 1 (the site config the test serves)
// for the dashboard's Replays e2e test (tests/e2e/replays.test.mjs), with a
// fixed timeline so the panel's expectations are exact: OUT_DIR/N.bin, the final
// summaries of two purchases and a shipping drop-off carrying
// Journeys::SampleTimeline, and one purchase without a replay, all started
// at START_MINUTE (UTC minutes since 1970).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "journeys.h"

int main(int argc, char** argv) {
  using microconv::testing::Journeys;
  if (argc != 3) {
    std::fprintf(stderr, "usage: microconv_replay_summaries START_MINUTE OUT_DIR\n");
    return 2;
  }
  Journeys journeys(/*replay_sample_rate=*/1);
  if (!journeys.ok()) {
    std::fprintf(stderr, "microconv_replay_summaries: demo journeys did not load\n");
    return 1;
  }
  const std::chrono::system_clock::time_point start{
      std::chrono::minutes(std::strtoll(argv[1], nullptr, 10))};
  struct Visit {
    const char* journey;
    bool sampled;
  };
  const Visit visits[] = {
      {"purchase", true}, {"dropoff_shipping", true}, {"purchase", true}, {"purchase", false}};
  uint64_t nonce = 0x5e000001;
  int written = 0;
  for (const Visit& visit : visits) {
    auto bytes = Journeys::AtTime(journeys.Summary(visit.journey, nonce++), start,
                                  std::chrono::seconds(90), true);
    // The core recorded its own timeline (the streams' draw samples every
    // session): the fixed one replaces it, or none for the unsampled visit.
    bytes = Journeys::WithReplay(
        bytes, visit.sampled ? Journeys::SampleTimeline() : std::vector<uint8_t>{});
    std::ofstream out(std::string(argv[2]) + "/" + std::to_string(written++) + ".bin",
                      std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
    if (!out) return 1;
  }
  std::printf("%d\n", written);
  return 0;
}
