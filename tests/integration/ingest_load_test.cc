// The load driver of `microconv bench` (tools/load/ingest_load.h) spread
// over several collectors, as `bench --collectors` uses it: every collector
// gets its share of the connections and every acknowledged summary is in the
// store of the collector that acknowledged it.
#include "tools/load/ingest_load.h"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <vector>

#include "journeys.h"
#include "server_process.h"

namespace microconv::testing {
namespace {

TEST(IngestLoadTest, LoadSpreadOverTwoCollectorsReachesBoth) {
  Journeys journeys;
  ASSERT_TRUE(journeys.ok());
  ServerDir dir_a, dir_b;
  ServerProcess a(dir_a, {"--rate", "0"}), b(dir_b, {"--rate", "0"});
  ASSERT_TRUE(a.Start()) << a.LogText();
  ASSERT_TRUE(b.Start()) << b.LogText();
  const std::vector<uint8_t> base = journeys.Summary("purchase", 1);
  LoadOptions options;
  options.ports = {a.port(), b.port()};
  options.clients = 8;
  options.seconds = 60;
  std::atomic<bool> stop{false};
  std::atomic<int> acknowledged{0};
  options.stop = &stop;
  options.on_accepted = [&](uint64_t) {
    if (++acknowledged >= 200) stop = true;
  };
  options.make_summary = [&](uint64_t k) { return Journeys::WithNonce(base, 0x5b2ead00 + k); };
  const LoadResult result = DriveIngestLoad(options);
  ASSERT_GE(result.accepted, 200u);
  const double stored_a = a.Metric("microconv_sessions_stored");
  const double stored_b = b.Metric("microconv_sessions_stored");
  // Four connections each: neither collector idles behind the other.
  EXPECT_GT(stored_a, 0);
  EXPECT_GT(stored_b, 0);
  EXPECT_EQ(stored_a + stored_b, double(result.accepted));
}

}  // namespace
}  // namespace microconv::testing
